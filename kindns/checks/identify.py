"""Which software serves a zone or a resolver, as far as the servers say or show: the answer to version.bind
in the CHAOS class (BIND, Knot, NSD, Unbound, PowerDNS and Knot Resolver name themselves there unless told
not to), the NSID (RFC 5001), id.server (asked only of a server whose version names nothing) and how those
answers behave. A fact of the snapshot, with how sure it is:

    high    every server names the same software
    medium  most of the servers name one software (others name another, or nothing), or the servers name
            nothing but their answers behave like one software's (basis "behaviour")
    low     nothing names one software: the servers hide it, refuse CHAOS questions, or name different
            software as often (a zone served by BIND and Knot alike: the operator's declaration decides)

Behaviour, measured on Debian's servers with their versions hidden (tests/checks/test_identify.py): BIND
answers CHAOS questions about itself from built-in zones, authoritatively, with the zone's NS or SOA record
of the CHAOS class in the authority section, even with `version none;` and `server-id none;`. Knot, NSD,
Unbound and PowerDNS Recursor answer without AA and without that record, and refuse (or fail) when hidden,
each in ways other software shares, so they are not inferred. Windows DNS hides its version and is not
measured here: it is never inferred, only declared.

An operator's own declaration always wins over this (the registry shows the advice for the declared
software); a guess only chooses the advice shown when nothing is declared.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import dns.rdataclass
import dns.rdatatype

from .query import Probe, dns_name

HIGH, MEDIUM, LOW = "high", "medium", "low"
SAID, BEHAVIOUR = "said", "behaviour"  # how the software was found: named by the servers, or by how they answer

# (pattern over the version text, software); first match wins. BIND answers its bare version ("9.18.24").
PATTERNS: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(p, re.I), s) for p, s in (
    (r"^\s*9\.\d+\.\d+|\bBIND\b", "bind"),
    (r"\bKnot Resolver\b|\bkresd\b", "knot-resolver"),
    (r"\bKnot DNS\b|^\s*knot\b", "knot"),
    (r"\bNSD\b", "nsd"),
    (r"\bunbound\b", "unbound"),
    (r"\bPowerDNS Recursor\b|\bpdns[-_ ]recursor\b", "powerdns-recursor"),
    (r"\bPowerDNS\b|\bpdns\b", "powerdns"),
    (r"\bMicrosoft\b|\bWindows\b", "windows"),
))


@dataclass
class Identity:
    """What the servers said they are, and what that makes of the software."""

    software: str | None             # a key of fixes.SOFTWARE, or None when nothing names it
    confidence: str                  # high, medium or low
    said: dict[str, str] = field(default_factory=dict)   # server address -> version text (NSID, id.server)
    basis: str = SAID                # SAID or BEHAVIOUR (the software's servers hide its name)

    def to_dict(self) -> dict:
        return {"software": self.software, "confidence": self.confidence, "said": dict(self.said),
                "basis": self.basis}


def software_in(text: str) -> str | None:
    """The software a version text names, or None."""
    for pattern, software in PATTERNS:
        if pattern.search(text):
            return software
    return None


def _texts(probe: Probe | None) -> list[str]:
    if probe is None or not probe.answered or probe.rcode != "NOERROR":
        return []
    return [b"".join(r.strings).decode("utf-8", "replace") for r in probe.find("answer", "TXT") or ()]


def _said(probe: Probe | None) -> str:
    """The version text and NSID of a version.bind answer."""
    nsid = probe.nsid if probe is not None else ""
    return "; ".join(_texts(probe) + ([f"NSID {nsid}"] if nsid else []))


def names_software(probe: Probe | None) -> bool:
    """Whether a version.bind answer names a software (else the collector asks id.server too)."""
    return software_in(_said(probe)) is not None


def behaves_like(probe: Probe | None) -> str | None:
    """The software whose built-in CHAOS answer this is, though it names nothing (see the module's notes)."""
    if probe is None or probe.rcode != "NOERROR" or not probe.has_flag("AA"):
        return None
    own = dns_name(probe.qname)
    for rrset in probe.section("authority"):
        if rrset.rdclass == dns.rdataclass.CH and rrset.name == own \
                and rrset.rdtype in (dns.rdatatype.NS, dns.rdatatype.SOA):
            return "bind"
    return None


def identify(probes: dict[str, Probe | None], ids: dict[str, Probe | None] | None = None) -> Identity:
    """The software of servers, from their version.bind answers (address -> probe) and, for those, their
    id.server answers (address -> probe, where asked)."""
    ids = ids or {}
    said: dict[str, str] = {}
    found: list[tuple[str, str]] = []  # (software, basis), one per server that gave it away
    for address, probe in probes.items():
        server_id, version = ids.get(address), _said(probe)
        shown = [text for text in (version, "; ".join(f"id.server {t}" for t in _texts(server_id))) if text]
        if shown:
            said[address] = "; ".join(shown)
        if software := software_in(version):
            found.append((software, SAID))
        elif software := behaves_like(probe) or behaves_like(server_id):
            found.append((software, BEHAVIOUR))
    if not found:
        return Identity(None, LOW, said)
    ranked = Counter(software for software, _basis in found).most_common(2)
    software, count = ranked[0]
    if len(ranked) > 1 and ranked[1][1] == count:
        return Identity(None, LOW, said)
    basis = SAID if (software, SAID) in found else BEHAVIOUR
    every_one_says = count == len(probes) and all(b == SAID for s, b in found if s == software)
    return Identity(software, HIGH if every_one_says else MEDIUM, said, basis)


def identify_snapshot(snapshot) -> Identity:
    """The identity of a zone's nameservers or of a resolver (a ZoneSnapshot or a ResolverSnapshot)."""
    servers = getattr(snapshot, "servers", None)
    if servers is not None:
        return identify({server.address: server.identity for server in servers},
                        {server.address: server.server_id for server in servers})
    return identify({snapshot.address: snapshot.identity}, {snapshot.address: snapshot.server_id})
