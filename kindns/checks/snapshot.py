"""Snapshots: everything collected about one zone or one resolver, as plain data.

Collection fills these; judges only read them. A probe left as None was not measured (the deadline
came first), which the judges report as such. Why something is missing (no delegation, no address, the
deadline) is kept as a message (messages.py), so that it can be shown in the reader's language.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .messages import msg
from .query import Probe


@dataclass
class ServerSnapshot:
    """What one address of one nameserver said about the zone."""

    ns_name: str
    address: str
    soa: Probe | None = None          # SOA over UDP with EDNS and DO, no recursion
    soa_plain: Probe | None = None    # SOA over UDP without EDNS, asked only when `soa` got no answer
    soa_tcp: Probe | None = None      # SOA over TCP, asked when `soa` or the AXFR got no DNS answer
    ns: Probe | None = None           # apex NS; the SOA probe itself when its authority section held them
    dnskey: Probe | None = None       # apex DNSKEY
    nsec3param: Probe | None = None   # apex NSEC3PARAM; when absent, the denial shows NSEC or NSEC3
    axfr: Probe | None = None         # AXFR over TCP (first message only); any answer also proves TCP
    recursion: Probe | None = None    # a name outside the zone, with RD=1
    # version.bind CH TXT with NSID: what the server says it is (identify.py); no judge reads it, and it is
    # not among probes(), which the judges read.
    identity: Probe | None = None
    server_id: Probe | None = None    # id.server CH TXT, asked when the version names no software

    def probes(self) -> list[Probe]:
        return list(dict.fromkeys(p for p in (self.soa, self.soa_plain, self.soa_tcp, self.ns, self.dnskey,
                                              self.nsec3param, self.axfr, self.recursion) if p is not None))

    @property
    def tcp(self) -> Probe | None:
        """The evidence about TCP: the SOA over TCP if asked, else the AXFR (any DNS answer will do)."""
        return self.soa_tcp if self.soa_tcp is not None else self.axfr

    @property
    def soa_answer(self) -> Probe | None:
        """The first SOA answer the server gave: over UDP with EDNS, else without, else over TCP."""
        return next((p for p in (self.soa, self.soa_plain, self.soa_tcp) if p is not None and p.answered), None)

    @property
    def heard(self) -> bool:
        """The server answered at least one of our questions."""
        return any(p.answered for p in self.probes())

    @property
    def unanswered(self) -> bool:
        """Asked (not held back by the address policy) and gave no answer to SOA over UDP with EDNS."""
        soa = self.soa
        return soa is not None and not (soa.answered or soa.truncated_retry) and soa.error != "refused-by-policy"

    @property
    def named(self) -> dict:
        """The server as findings name it: its name and address (a message)."""
        return msg("server", name=self.ns_name, address=self.address)


@dataclass(eq=False)
class ChainLink:
    """One zone cut above the checked zone: its DNSKEY set, and its DS set as its parent serves it.

    Compared by identity: in one run every zone below a cut shares the same link object, which is what
    lets a judging run validate each ancestor once (dnssec.ValidationCache)."""

    zone: str
    dnskey: Probe | None = None
    ds: Probe | None = None   # None for the root, whose DS is the trust anchor


@dataclass
class AsnAnswer:
    """The origin AS numbers of one address, from a Team Cymru style TXT lookup."""

    address: str
    asns: tuple[str, ...] = ()
    prefix: str | None = None
    query: str = ""
    error: dict | None = None       # why there is no AS number (a message)
    probe: Probe | None = None      # the last query of the lookup, for evidence


@dataclass
class ZoneSnapshot:
    """A zone as seen from its parent and from each of its nameservers' addresses."""

    zone: str
    now: float                                   # Unix time of collection, for signature windows
    trust_anchors: tuple[Any, ...] = ()
    parent: str | None = None
    delegation: Probe | None = None              # the parent's referral (or its authoritative NS answer)
    delegation_probes: list[Probe] = field(default_factory=list)
    delegation_error: dict | None = None         # why there is no delegation to follow (a message)
    parent_ns: list[str] = field(default_factory=list)
    glue: dict[str, list[str]] = field(default_factory=dict)
    # The zone's DS set as the parent serves it: the referral when it carried the DS (or the NSEC/NSEC3
    # proving there is none), else an explicit DS query.
    ds: Probe | None = None
    address_errors: dict[str, dict] = field(default_factory=dict)  # nameserver name -> why no address (a message)
    servers: list[ServerSnapshot] = field(default_factory=list)
    chain: list[ChainLink] = field(default_factory=list)          # root first, down to the parent
    asn: dict[str, AsnAnswer] = field(default_factory=dict)
    asn_source: str = ""
    incomplete: dict | None = None               # why collection stopped early (the deadline; a message)
    duration_ms: int = 0                         # how long collection took

    def answered(self, attribute: str) -> list[tuple[ServerSnapshot, Probe]]:
        """(server, probe) for every server whose probe of that kind got an answer."""
        return [(s, getattr(s, attribute)) for s in self.servers
                if getattr(s, attribute) is not None and getattr(s, attribute).answered]


@dataclass
class ResolverSnapshot:
    """What one declared resolver address answered to the test names."""

    address: str
    category: str                                 # public, shared or private
    declared: list[str] = field(default_factory=list)  # every address declared with it
    access: Probe | None = None       # the signed name, RD=1, no DO: does it recurse for us?
    signed: Probe | None = None       # the signed name with DO: is AD set?
    bogus: Probe | None = None        # the broken name: SERVFAIL expected
    qname_min: Probe | None = None    # the QNAME-minimisation test name (TXT)
    dot: Probe | None = None          # the signed name over DNS over TLS, certificate verified
    dot_unverified: Probe | None = None  # the same without verification, asked when the certificate failed
    doh_url: str = ""                 # the DNS over HTTPS URL declared for this address, if any
    doh: Probe | None = None          # the signed name over DoH (RFC 8484) at doh_url, certificate verified
    doh_unverified: Probe | None = None  # the same without verification, asked when the certificate failed
    peers_answering: dict[str, bool] = field(default_factory=dict)  # declared address -> answered us
    qname_min_marker: str = ""
    identity: Probe | None = None     # version.bind CH TXT with NSID: what it says it is (identify.py)
    server_id: Probe | None = None    # id.server CH TXT, asked when the version names no software
    incomplete: dict | None = None    # why collection stopped early (the deadline; a message)
    now: float = 0.0                  # Unix time of collection
    duration_ms: int = 0              # how long collection took
