"""Plain dnspython probes used by the lab's own tests to show that each role zone is broken exactly the
intended way. A deliberately small re-statement of KINDNS.md's zone checks — not the registry's engine,
which is tested against the lab separately."""
from __future__ import annotations

import ipaddress
import time

import dns.dnssec
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset
import dns.zone

from .lab import DnsLab

TIMEOUT = 2.0
GOOD_ALGORITHMS = {8, 13, 14, 15, 16}
WEEK = 7 * 86400


def ask(address: str, name: str, rdtype: str, *, rd: bool = False, tcp: bool = False, dnssec: bool = True,
        edns: bool = True):
    """One query, asked again over TCP when the UDP answer is truncated; returns the response (dnspython
    raises on timeout or refused connection)."""
    query = dns.message.make_query(name, rdtype, want_dnssec=dnssec and edns, use_edns=0 if edns else False)
    if not rd:
        query.flags &= ~dns.flags.RD
    if tcp:
        return dns.query.tcp(query, address, timeout=TIMEOUT)
    response = dns.query.udp(query, address, timeout=TIMEOUT)
    if response.flags & dns.flags.TC:
        return dns.query.tcp(query, address, timeout=TIMEOUT)
    return response


def rrset(response, name: str, rdtype: str, section: str = "answer", covers: str | None = None):
    """The RRset of `name`/`rdtype` in a section, or None."""
    wanted_type = dns.rdatatype.RRSIG if covers else dns.rdatatype.from_text(rdtype)
    covered = dns.rdatatype.from_text(covers) if covers else dns.rdatatype.NONE
    for found in getattr(response, section):
        if found.name == dns.name.from_text(name) and found.rdtype == wanted_type and found.covers == covered:
            return found
    return None


def trust_anchor(lab: DnsLab) -> dns.rrset.RRset:
    zone = dns.zone.from_file(str(lab.trust_anchor), origin=".", relativize=False, check_origin=False)
    return zone.find_rrset(".", "DS")


def chain_validates(lab: DnsLab, zone: str) -> bool:
    """True if `zone`'s SOA validates from the lab's trust anchor through the root and the TLD."""
    servers = {".": lab.root_server, f"{lab.tld}.": lab.tld_server, f"{zone}.": lab.nameservers_of(zone)[0]}
    ds_set = trust_anchor(lab)
    try:
        for name, server in servers.items():
            keys_response = ask(server, name, "DNSKEY")
            keys = rrset(keys_response, name, "DNSKEY")
            if keys is None or ds_set is None:
                return False
            matching = [k for k in keys if any(dns.dnssec.make_ds(name, k, ds.digest_type) == ds for ds in ds_set)]
            if not matching:
                return False
            trusted = {dns.name.from_text(name): keys}
            sigs = rrset(keys_response, name, "DNSKEY", covers="DNSKEY")
            dns.dnssec.validate(keys, sigs, trusted, policy=dns.dnssec.allow_all_policy)
            next_zone = _next_zone(list(servers), name)
            if next_zone is None:
                soa_response = ask(server, name, "SOA")
                soa = rrset(soa_response, name, "SOA")
                dns.dnssec.validate(soa, rrset(soa_response, name, "SOA", covers="SOA"), trusted,
                                    policy=dns.dnssec.allow_all_policy)
                return True
            ds_response = ask(server, next_zone, "DS")
            ds_set = rrset(ds_response, next_zone, "DS")
            if ds_set is None:
                return False
            dns.dnssec.validate(ds_set, rrset(ds_response, next_zone, "DS", covers="DS"), trusted,
                                policy=dns.dnssec.allow_all_policy)
    except dns.dnssec.ValidationFailure:
        return False
    return False


def _next_zone(names: list[str], name: str) -> str | None:
    index = names.index(name)
    return names[index + 1] if index + 1 < len(names) else None


def asn_of(lab: DnsLab, address: str) -> str | None:
    """AS number of an address from the lab's ASN zone, asked through the validating resolver."""
    reversed_name = ".".join(reversed(address.split("."))) + f".{lab.asn_zone_v4}."
    response = ask(lab.resolvers["validating"], reversed_name, "TXT", rd=True)
    txt = rrset(response, reversed_name, "TXT")
    if txt is None:
        return None
    return b"".join(next(iter(txt)).strings).decode().split("|")[0].strip()


def _authoritative(address: str, apex: str) -> bool:
    try:
        return bool(ask(address, apex, "NS").flags & dns.flags.AA)
    except dns.exception.Timeout:
        return False  # a silent server, or one that drops EDNS


def zone_problems(lab: DnsLab, role: str) -> dict[str, str]:
    """check id -> "warn"/"fail" for every KINDNS zone check the role's zone does not pass."""
    zone = lab.zone_of(role)
    apex = f"{zone}."
    problems: dict[str, str] = {}

    referral = ask(lab.tld_server, apex, "NS")
    parent_ns = {r.target.to_text() for r in rrset(referral, apex, "NS", "authority")}
    parent_ds = rrset(ask(lab.tld_server, apex, "DS"), apex, "DS")
    glue = {
        r.name.to_text(): r[0].address for r in referral.additional
        if r.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA)
    }
    # The zone's own view comes from the first delegated server that answers for it authoritatively.
    first = next(a for a in glue.values() if _authoritative(a, apex))
    child_ns = {r.target.to_text() for r in rrset(ask(first, apex, "NS"), apex, "NS")}
    addresses = dict(glue)
    for host in child_ns - set(glue):
        addresses[host] = rrset(ask(first, host, "A"), host, "A")[0].address

    serials, tcp_ok = set(), True
    outside = lab.signed_name if role != "good" else f"www.{lab.zones['unsigned']}"
    for host, address in addresses.items():
        try:
            udp = ask(address, apex, "SOA")
        except dns.exception.Timeout:
            problems["transport"] = "fail"
            try:
                ask(address, apex, "SOA", edns=False)  # a server that only drops EDNS answers this
            except dns.exception.Timeout:
                problems["ns-authoritative"] = "fail"  # it answers nothing at all
            continue
        if udp.edns < 0:
            problems["transport"] = "fail"
        try:
            ask(address, apex, "SOA", tcp=True)
        except (dns.exception.Timeout, OSError):
            tcp_ok = False
        authoritative = udp.rcode() == dns.rcode.NOERROR and bool(udp.flags & dns.flags.AA)
        if not authoritative:
            problems["ns-authoritative"] = "fail"
        else:
            serials.add(rrset(udp, apex, "SOA")[0].serial)
        try:
            axfr = dns.query.tcp(dns.message.make_query(apex, "AXFR"), address, timeout=TIMEOUT)
        except (dns.exception.Timeout, OSError):
            axfr = None  # no TCP at all: no transfer either
        if axfr is not None and axfr.rcode() == dns.rcode.NOERROR and axfr.answer:
            problems["axfr-restricted"] = "fail"
        recursive = ask(address, outside, "A", rd=True)
        if recursive.flags & dns.flags.RA or (recursive.answer and not recursive.flags & dns.flags.AA):
            problems["no-open-recursion"] = "fail"
    if not tcp_ok:
        problems["transport"] = "fail"
    if len(serials) > 1:
        problems["soa-serial-consistency"] = "fail"
    if parent_ns != child_ns:
        problems["ns-consistency"] = "warn"
    all_hosts = parent_ns | child_ns
    if len(all_hosts) < 2 or len(set(addresses.values())) < 2:
        problems["ns-count"] = "fail"
    subnets = {ipaddress.ip_network(f"{a}/24", strict=False) for a in addresses.values()}
    ases = {asn_of(lab, a) for a in addresses.values()}
    if len(subnets) < 2 or len(ases) < 2:
        problems["ns-diversity"] = "warn"

    keys_response = ask(first, apex, "DNSKEY")
    keys = rrset(keys_response, apex, "DNSKEY")
    signed = keys is not None and parent_ds is not None and all(
        rrset(ask(first, apex, t), apex, t, covers=t) is not None for t in ("SOA", "NS", "DNSKEY")
    )
    if not signed:
        problems["dnssec-signed"] = "fail"
        return problems
    if not chain_validates(lab, zone):
        problems["dnssec-valid"] = "fail"
    if {k.algorithm for k in keys} - GOOD_ALGORITHMS or {d.digest_type for d in parent_ds} <= {1, 3}:
        problems["dnssec-algorithm"] = "fail"
    nsec3param = rrset(ask(first, apex, "NSEC3PARAM"), apex, "NSEC3PARAM")
    if nsec3param is not None and any(p.iterations > 0 or p.salt for p in nsec3param):
        problems["dnssec-nsec3-params"] = "warn"
    expirations = [
        sig.expiration
        for t in ("SOA", "NS", "DNSKEY")
        for sig in rrset(ask(first, apex, t), apex, t, covers=t)
    ]
    inceptions = [sig.inception for t in ("SOA",) for sig in rrset(ask(first, apex, t), apex, t, covers=t)]
    now = time.time()
    if min(expirations) < now or max(inceptions) > now:
        problems["dnssec-signature-expiry"] = "fail"
    elif min(expirations) < now + WEEK:
        problems["dnssec-signature-expiry"] = "warn"
    return problems
