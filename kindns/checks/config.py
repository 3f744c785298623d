"""What a check run needs to know: where the DNS starts (root hints), what it trusts (trust anchors),
what it may probe, how long it may wait, and which test names it asks resolvers about.

The defaults are the IANA root servers and root KSKs (shipped in `data/`) and well-known public test
names; tests and the registry override them through `CheckConfig` fields or a settings mapping.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

import dns.exception
import dns.name
import dns.rdatatype
import dns.zonefile

from .names import normalise_ip_address


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class RootServer:
    """One root server from the hints: its name and one of its addresses."""

    name: str
    address: str


def _read_text(path: str | Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read {path}: {exc}") from None


def _parse_records(text: str, source: str) -> list[tuple[dns.name.Name, Any]]:
    """(owner, rdata) pairs of a zone-file fragment (no SOA needed; a missing TTL is taken as 0)."""
    try:
        rrsets = dns.zonefile.read_rrsets(text, rdclass=None, origin=dns.name.root, relativize=False,
                                           default_ttl=0)
    except (dns.exception.DNSException, ValueError) as exc:
        raise ConfigError(f"{source} is not in zone-file format: {exc}") from None
    return [(rrset.name, rdata) for rrset in rrsets for rdata in rrset]


def parse_root_hints(text: str, source: str = "root hints") -> tuple[RootServer, ...]:
    """Root servers from zone-file text: `. NS a.root.` plus the A/AAAA records of those names."""
    records = _parse_records(text, source)
    ns_names = [rdata.target for owner, rdata in records
                if owner == dns.name.root and rdata.rdtype == dns.rdatatype.NS]
    servers = []
    for ns in ns_names:
        for owner, rdata in records:
            if owner == ns and rdata.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
                servers.append(RootServer(ns.to_text().lower(), normalise_ip_address(rdata.address)))
    if not servers:
        raise ConfigError(f"{source} names no root server with an address (`. NS name` and `name A address`).")
    return tuple(servers)


def parse_trust_anchors(text: str, source: str = "trust anchor") -> tuple[Any, ...]:
    """DS or DNSKEY rdata for the root from zone-file text (anything else is an error, not ignored)."""
    anchors = []
    for owner, rdata in _parse_records(text, source):
        if rdata.rdtype not in (dns.rdatatype.DS, dns.rdatatype.DNSKEY):
            raise ConfigError(f"{source}: only DS or DNSKEY records are trust anchors, not {rdata.rdtype.name}.")
        if owner != dns.name.root:
            raise ConfigError(f"{source}: trust anchors must be for the root '.', not {owner}.")
        anchors.append(rdata)
    if not anchors:
        raise ConfigError(f"{source} holds no DS or DNSKEY record for '.'.")
    return tuple(anchors)


def load_root_hints(path: str | Path) -> tuple[RootServer, ...]:
    """Root servers from a root hints file (the `named.root` format)."""
    return parse_root_hints(_read_text(path), str(path))


def load_trust_anchors(path: str | Path) -> tuple[Any, ...]:
    """Trust anchors from a file of DS or DNSKEY records for `.`."""
    return parse_trust_anchors(_read_text(path), str(path))


def _packaged(name: str) -> str:
    return resources.files("kindns.checks").joinpath("data", name).read_text(encoding="utf-8")


def iana_root_hints() -> tuple[RootServer, ...]:
    """The IANA root servers (the hints file shipped with the package)."""
    return parse_root_hints(_packaged("root.hints"), "IANA root hints")


def iana_trust_anchors() -> tuple[Any, ...]:
    """The IANA root zone KSKs as DS records (KSK-2017 and KSK-2024)."""
    return parse_trust_anchors(_packaged("root-anchors.ds"), "IANA root trust anchors")


@dataclass(frozen=True)
class CheckConfig:
    """Everything a run depends on. Immutable, so one config can be shared by concurrent runs."""

    root_hints: tuple[RootServer, ...] = field(default_factory=iana_root_hints)
    trust_anchors: tuple[Any, ...] = field(default_factory=iana_trust_anchors)
    # Probing private, loopback, link-local or reserved space is refused unless this is set (tests set it).
    allow_private: bool = False
    timeout: float = 2.0            # seconds per query attempt
    retries: int = 1                # further attempts after a timeout
    zone_deadline: float = 30.0     # seconds for everything about one zone or resolver
    concurrency: int = 100          # zones (or resolvers) checked at once, over all processes
    # Worker processes for large zone runs (parsing DNS messages is CPU-bound): 0 means one per CPU
    # (at most 8) when at least `processes_from` zones are checked, 1 means this process only.
    processes: int = 0
    processes_from: int = 200
    max_inflight_queries: int = 400  # queries in flight at once across the whole run
    # TCP and TLS connections open at once: servers queue only a few pending connections (BIND's
    # tcp-listen-queue is 10) and drop the rest, which would look like a server without TCP.
    max_inflight_tcp: int = 48
    max_response_size: int = 65535  # bytes; larger answers become evidence, not data
    edns_payload: int = 1232        # the EDNS buffer size we advertise (DNS flag day 2020)
    asn_zone_v4: str = "origin.asn.cymru.com"
    asn_zone_v6: str = "origin6.asn.cymru.com"
    # A name outside the checked zone, asked with RD=1 to see whether a nameserver recurses; empty
    # means the first root server's name (it exists and lies outside nearly every zone).
    recursion_test_name: str = ""
    # Resolver test names: a validly signed name, a name with a broken signature, and a TXT name whose
    # answer contains the marker only when the resolver minimises QNAMEs (internet.nl's test zone).
    signed_name: str = "www.isc.org"
    bogus_name: str = "dnssec-failed.org"
    qname_min_name: str = "qnamemintest.internet.nl"
    qname_min_marker: str = "HOORAY"
    dot_port: int = 853
    # CA certificates (a PEM file) that DNS over TLS and HTTPS certificates must chain to; empty means the
    # system's store.
    tls_ca_file: str = ""
    dns_port: int = 53              # where nameservers and resolvers are asked (tests use other ports)
    # Politeness towards each server address: at most this many queries per second to one address, with
    # bursts of `server_burst` (a token bucket per address and run); 0 means no limit. Measurement
    # campaigns of a whole namespace set it: thousands of zones often share one operator's servers.
    server_rate: float = 0.0
    server_burst: int = 10
    # Whether each report carries what was collected (TargetReport.snapshot); campaigns store none.
    keep_snapshots: bool = True

    def replace(self, **changes: Any) -> CheckConfig:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], **overrides: Any) -> CheckConfig:
        """A config from KINDNS_CHECK_* settings (the app's config), then explicit overrides.

        Recognised: KINDNS_CHECK_ROOT_HINTS and KINDNS_CHECK_TRUST_ANCHOR (file paths),
        KINDNS_CHECK_ALLOW_PRIVATE, and KINDNS_CHECK_<FIELD> for every other field (e.g.
        KINDNS_CHECK_SIGNED_NAME, KINDNS_CHECK_TIMEOUT, KINDNS_CHECK_ASN_ZONE_V4).
        """
        values: dict[str, Any] = {}
        if settings.get("KINDNS_CHECK_ROOT_HINTS"):
            values["root_hints"] = load_root_hints(settings["KINDNS_CHECK_ROOT_HINTS"])
        if settings.get("KINDNS_CHECK_TRUST_ANCHOR"):
            values["trust_anchors"] = load_trust_anchors(settings["KINDNS_CHECK_TRUST_ANCHOR"])
        for f in dataclasses.fields(cls):
            if f.name in ("root_hints", "trust_anchors"):
                continue
            key = f"KINDNS_CHECK_{f.name.upper()}"
            if key in settings and settings[key] not in (None, ""):
                values[f.name] = _coerce(settings[key], type(f.default))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def _coerce(value: Any, kind: type) -> Any:
    """Settings may arrive as strings (from the environment)."""
    if kind is bool and isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return kind(value)
