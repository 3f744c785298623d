"""The zone checks of KINDNS.md's zone table: pure judges over a ZoneSnapshot."""
from __future__ import annotations

import dataclasses
import functools
import ipaddress
from typing import Callable

import dns.name
import dns.rdatatype

from .catalogue import Finding, check
from .dnssec import ChainResult, answer_rrset, no_ds_proof, signature_problem, validate_chain
from .query import Probe
from .snapshot import ServerSnapshot, ZoneSnapshot

CRITICAL, SLD = "critical-zones", "sld-zones"
EXPIRY_WARNING_DAYS = 7
DEPRECATED_ALGORITHMS = {1: "RSAMD5", 3: "DSA", 5: "RSASHA1", 6: "DSA-NSEC3-SHA1", 7: "RSASHA1-NSEC3-SHA1",
                         12: "ECC-GOST"}
DISCOURAGED_ALGORITHMS = {10: "RSASHA512"}
RECOMMENDED_ALGORITHMS = {8: "RSASHA256", 13: "ECDSAP256SHA256", 14: "ECDSAP384SHA384", 15: "ED25519",
                          16: "ED448"}
GOOD_DIGESTS = {2: "SHA-256", 4: "SHA-384"}

COMMON_ADVICE = {
    "NO_DELEGATION": "Make sure the zone is delegated from its parent (NS records at the registry or parent "
                     "zone) and that the name is spelt right.",
    "NOT_MEASURED": "Make sure every nameserver address answers DNS queries from the Internet over UDP and "
                    "TCP; this could not be measured.",
    "NOT_AUTHORITATIVE": "A server that does not serve the zone says nothing about it: see ns-authoritative.",
    "NOT_HEARD": "A nameserver that does not answer at all is reported by transport and ns-authoritative; "
                 "this check was judged on the others.",
}


def zone_check(*, id: str, practices: tuple[str, ...], summary: str, advice: dict[str, str],
               references: tuple[str, ...] = (), every_server: bool = False) -> Callable:
    """Register a zone check. A zone its parent does not delegate, or whose nameservers have no address,
    cannot be measured at all; every zone check says so the same way.

    Facts about the zone are judged on the servers that answered: a server that gave no answer to a plain
    query (SOA over UDP with EDNS) while others did — dead, or dropping EDNS — is left out and named in
    an n/a finding. Checks with `every_server` (transport, ns-authoritative, ns-count, ns-diversity) see
    every server and report those themselves."""
    def register(judge: Callable[[ZoneSnapshot], list[Finding]]) -> Callable:
        @functools.wraps(judge)
        def guarded(snapshot: ZoneSnapshot) -> list[Finding]:
            if snapshot.delegation_error:
                return [Finding("NO_DELEGATION", snapshot.delegation_error, tuple(snapshot.delegation_probes[-2:]))]
            if not snapshot.servers and snapshot.incomplete:
                return [Finding("NOT_MEASURED", f"not measured: {snapshot.incomplete}",
                                tuple(snapshot.delegation_probes[-1:]))]
            if not snapshot.servers:
                return [Finding("NOT_MEASURED", "no nameserver of the zone has an address to ask",
                                tuple(snapshot.delegation_probes[-1:]))]
            silent = [] if every_server else silent_servers(snapshot)
            if silent:
                snapshot = dataclasses.replace(snapshot, servers=[s for s in snapshot.servers if s not in silent])
            findings = judge(snapshot)
            if snapshot.incomplete and not findings:
                findings = [Finding("NOT_MEASURED", snapshot.incomplete)]
            if silent:
                findings.append(Finding(
                    "NOT_HEARD", f"judged on the nameservers that answered; left out: "
                    f"{', '.join(s.label for s in silent)}, which gave no answer over UDP with EDNS "
                    "(see transport and ns-authoritative)",
                    tuple(s.soa for s in silent if s.soa is not None)))
            return findings
        check(id=id, practices=practices, summary=summary, references=references, target="zone",
              advice={**COMMON_ADVICE, **advice})(guarded)
        return judge
    return register


def silent_servers(snapshot: ZoneSnapshot) -> list[ServerSnapshot]:
    """The servers that gave no answer to SOA over UDP with EDNS (not even a truncated one), when at
    least one other server did."""
    silent = [s for s in snapshot.servers if s.unanswered]
    return silent if any(s.soa is not None and s.soa.answered for s in snapshot.servers) else []


def not_measured(server: ServerSnapshot, probe: Probe | None, what: str, snapshot: ZoneSnapshot) -> Finding:
    """The finding for a question a server did not answer (the probe records why)."""
    if probe is None:
        reason = snapshot.incomplete or "not asked"
        return Finding("NOT_MEASURED", f"{server.label}: {what} not measured ({reason})")
    return Finding("NOT_MEASURED", f"{server.label}: {what} not measured ({probe.error}: {probe.error_detail})",
                   (probe,))


def is_authoritative(probe: Probe) -> bool:
    """An answer from a server that serves the zone: AA set, NOERROR or NXDOMAIN."""
    return probe.has_flag("AA") and probe.rcode in ("NOERROR", "NXDOMAIN")


def not_authoritative(server: ServerSnapshot, probe: Probe) -> Finding:
    return Finding("NOT_AUTHORITATIVE", f"{server.label} does not answer authoritatively ({probe.rcode}); "
                   "its answers are left out", (probe,))


def is_unsigned(snapshot: ZoneSnapshot) -> bool:
    """No server showed a DNSKEY at the apex and the parent has no DS: DNSSEC checks do not apply."""
    apex = snapshot.zone + "."
    has_keys = any(p.find("answer", "DNSKEY", apex) for _s, p in snapshot.answered("dnskey"))
    has_ds = answer_rrset(snapshot.ds, apex, "DS")[0] is not None
    return not has_keys and not has_ds


def unsigned_finding(snapshot: ZoneSnapshot) -> Finding:
    probes = tuple(p for _s, p in snapshot.answered("dnskey")[:1]) + ((snapshot.ds,) if snapshot.ds else ())
    return Finding("UNSIGNED", f"{snapshot.zone} is not signed (no DNSKEY at the apex, no DS at the parent)",
                   probes)


# -- DNSSEC ----------------------------------------------------------------------------------------

@zone_check(
    id="dnssec-signed", practices=(f"{CRITICAL}-1", f"{SLD}-1"),
    summary="DNSKEY at the apex, RRSIGs over SOA, NS and DNSKEY, and a DS at the parent.",
    references=("RFC 4033", "RFC 4035"),
    advice={
        "SIGNED": "Nothing to change.",
        "NO_DNSKEY": "Sign the zone (e.g. BIND's dnssec-policy or Knot's automatic signing) on every "
                     "nameserver; each must serve the DNSKEY set at the apex.",
        "NO_RRSIG": "Serve the signed zone on every nameserver: SOA, NS and DNSKEY must come with RRSIGs "
                    "when asked with the DO bit.",
        "NO_DS": "Publish the DS record of your key-signing key at the parent (through your registrar or "
                 "the parent zone's operator).",
    },
)
def dnssec_signed(snapshot: ZoneSnapshot) -> list[Finding]:
    apex = snapshot.zone + "."
    if is_unsigned(snapshot):
        finding = unsigned_finding(snapshot)
        return [Finding("NO_DNSKEY", finding.detail, finding.probes)]
    findings: list[Finding] = []
    for server in snapshot.servers:
        for attribute, rdtype in (("dnskey", "DNSKEY"), ("soa", "SOA"), ("ns", "NS")):
            probe = getattr(server, attribute)
            if probe is None or not probe.answered:
                findings.append(not_measured(server, probe, f"{rdtype} with signatures", snapshot))
                continue
            if not is_authoritative(probe):
                findings.append(not_authoritative(server, probe))
                break
            rrset, sigs = answer_rrset(probe, apex, rdtype)
            if rdtype == "DNSKEY" and rrset is None:
                findings.append(Finding("NO_DNSKEY", f"{server.label} serves no DNSKEY at the apex", (probe,)))
            elif rrset is not None and (sigs is None or len(sigs) == 0):
                findings.append(Finding("NO_RRSIG", f"{server.label} serves {rdtype} without RRSIG", (probe,)))
    ds = snapshot.ds
    if ds is None or not ds.answered:
        findings.append(Finding("NOT_MEASURED", "the parent's DS set could not be read"
                                + (f" ({ds.error}: {ds.error_detail})" if ds else ""), (ds,) if ds else ()))
    elif answer_rrset(ds, apex, "DS")[0] is None:
        findings.append(Finding("NO_DS", f"the parent {snapshot.parent} has no DS for {snapshot.zone}", (ds,)))
    if not any(f.code not in ("NOT_MEASURED", "NOT_AUTHORITATIVE") for f in findings):
        probes = tuple(p for _s, p in snapshot.answered("dnskey")[:1]) + ((ds,) if ds else ())
        findings.append(Finding("SIGNED", f"{snapshot.zone} is signed: DNSKEY and RRSIGs on every nameserver, "
                                "DS at the parent", probes))
    return findings


@zone_check(
    id="dnssec-valid", practices=(f"{CRITICAL}-1", f"{SLD}-1"),
    summary="The chain of trust validates from the trust anchor: DS matches a DNSKEY, signatures verify "
            "and are within their validity window.",
    references=("RFC 4035 section 5",),
    advice={
        "UNSIGNED": "Not applicable to an unsigned zone (see dnssec-signed).",
        "CHAIN_VALID": "Nothing to change.",
        "CHAIN_BOGUS": "Fix the chain: the DS at the parent must match a key in the DNSKEY set, and every "
                       "signature must verify and be within its validity window; re-sign or update the DS.",
        "CHAIN_INSECURE": "Publish a DS at the parent (and make sure the parent zone is itself signed); "
                          "without it resolvers treat the zone as unsigned.",
        "ANCHOR_UNUSABLE": "The configured trust anchor does not match the root's keys: update the "
                           "trust-anchor file.",
        "NO_DS_PROOF": "Ask the parent's operator to serve signed NSEC or NSEC3 records in its answers for "
                       "your zone's DS set (a correctly signed parent does so by itself); until then "
                       "validating resolvers may treat the unsigned zone as bogus.",
    },
)
def dnssec_valid(snapshot: ZoneSnapshot) -> list[Finding]:
    if is_unsigned(snapshot):
        proof = no_ds_proof(snapshot)
        if proof.status == "unproven":
            return [Finding("NO_DS_PROOF", proof.detail, tuple(proof.probes))]
        if proof.status == "not-measured":
            return [Finding("NOT_MEASURED", proof.detail, tuple(proof.probes))]
        finding = unsigned_finding(snapshot)
        return [Finding("UNSIGNED", f"{finding.detail}; {proof.detail}", finding.probes)]
    apex = snapshot.zone + "."
    with_keys = [(s, p) for s, p in snapshot.answered("dnskey") if p.find("answer", "DNSKEY", apex)]
    first_keys = with_keys[0][1] if with_keys else (snapshot.servers[0].dnskey if snapshot.servers else None)
    chain = validate_chain(snapshot, first_keys)
    probes = tuple(chain.probes[-4:])
    if chain.status == "bogus" and chain.detail.startswith("the root"):
        return [Finding("ANCHOR_UNUSABLE", chain.detail, probes)]
    if chain.status == "insecure":
        return [Finding("CHAIN_INSECURE", chain.detail, probes)]
    if chain.status == "bogus":
        return [Finding("CHAIN_BOGUS", chain.detail, probes)]
    return _signatures_on_every_server(snapshot, chain) or [Finding("CHAIN_VALID", chain.detail, probes)]


def _signatures_on_every_server(snapshot: ZoneSnapshot, chain: ChainResult) -> list[Finding]:
    """Each server's SOA, NS and DNSKEY sets must verify with the validated keys, not only the first's."""
    apex = snapshot.zone + "."
    findings = []
    for server in snapshot.servers:
        for attribute, rdtype in (("soa", "SOA"), ("ns", "NS"), ("dnskey", "DNSKEY")):
            probe = getattr(server, attribute)
            rrset, sigs = answer_rrset(probe, apex, rdtype)
            if rrset is None:
                continue
            problem = signature_problem(rrset, sigs, chain.keys, snapshot.now)
            if problem:
                findings.append(Finding("CHAIN_BOGUS", f"{server.label}: {problem}", (probe,)))
    return findings


@zone_check(
    id="dnssec-algorithm", practices=(f"{CRITICAL}-1", f"{SLD}-1"),
    summary="Signing algorithms RFC 8624 allows (8, 13, 15; 14, 16) and DS digests SHA-256 or SHA-384.",
    references=("RFC 8624", "RFC 9157"),
    advice={
        "UNSIGNED": "Not applicable to an unsigned zone (see dnssec-signed).",
        "ALGORITHMS_OK": "Nothing to change.",
        "ALGORITHM_DEPRECATED": "Roll the keys to algorithm 13 (ECDSAP256SHA256) or 8 (RSASHA256): MD5, "
                                "DSA, SHA-1 and GOST algorithms must not be used for signing.",
        "ALGORITHM_DISCOURAGED": "Consider rolling to algorithm 13 or 8; RSASHA512 is not recommended.",
        "ALGORITHM_UNKNOWN": "Use an algorithm from RFC 8624's recommended list (8, 13, 15).",
        "DIGEST_DEPRECATED": "Publish a DS with digest type 2 (SHA-256) at the parent and remove SHA-1 DS "
                             "records.",
    },
)
def dnssec_algorithm(snapshot: ZoneSnapshot) -> list[Finding]:
    if is_unsigned(snapshot):
        return [unsigned_finding(snapshot)]
    apex = snapshot.zone + "."
    findings: list[Finding] = []
    seen: dict[int, Probe] = {}
    for _server, probe in snapshot.answered("dnskey"):
        for key in probe.find("answer", "DNSKEY", apex) or ():
            seen.setdefault(int(key.algorithm), probe)
    for algorithm, probe in sorted(seen.items()):
        if algorithm in DEPRECATED_ALGORITHMS:
            findings.append(Finding("ALGORITHM_DEPRECATED", f"a DNSKEY uses algorithm {algorithm} "
                                    f"({DEPRECATED_ALGORITHMS[algorithm]})", (probe,)))
        elif algorithm in DISCOURAGED_ALGORITHMS:
            findings.append(Finding("ALGORITHM_DISCOURAGED", f"a DNSKEY uses algorithm {algorithm} "
                                    f"({DISCOURAGED_ALGORITHMS[algorithm]})", (probe,)))
        elif algorithm not in RECOMMENDED_ALGORITHMS:
            findings.append(Finding("ALGORITHM_UNKNOWN", f"a DNSKEY uses algorithm {algorithm}", (probe,)))
    ds_set = answer_rrset(snapshot.ds, apex, "DS")[0]
    digests = sorted({int(ds.digest_type) for ds in ds_set}) if ds_set else []
    if digests and not set(digests) & set(GOOD_DIGESTS):
        findings.append(Finding("DIGEST_DEPRECATED", f"the parent's DS records use only digest type(s) "
                                f"{', '.join(map(str, digests))} (no SHA-256 or SHA-384)", (snapshot.ds,)))
    if not findings:
        names = ", ".join(f"{a} ({RECOMMENDED_ALGORITHMS[a]})" for a in sorted(seen))
        findings.append(Finding("ALGORITHMS_OK", f"DNSKEY algorithms {names or 'none seen'}; DS digest "
                                f"types {', '.join(map(str, digests)) or 'none'}",
                                tuple(list(seen.values())[:1]) + ((snapshot.ds,) if snapshot.ds else ())))
    return findings


@zone_check(
    id="dnssec-nsec3-params", practices=(f"{CRITICAL}-1", f"{SLD}-1"),
    summary="NSEC, or NSEC3 with no extra iterations and no salt.",
    references=("RFC 9276",),
    advice={
        "UNSIGNED": "Not applicable to an unsigned zone (see dnssec-signed).",
        "NSEC_USED": "Nothing to change.",
        "NSEC3_OK": "Nothing to change.",
        "NSEC3_ITERATIONS": "Set NSEC3 iterations to 0 (RFC 9276), e.g. `nsec3param iterations 0 optout no "
                            "salt-length 0;` in BIND's dnssec-policy.",
        "NSEC3_SALT": "Use an empty NSEC3 salt (RFC 9276): a salt adds nothing when iterations are 0.",
    },
)
def dnssec_nsec3_params(snapshot: ZoneSnapshot) -> list[Finding]:
    if is_unsigned(snapshot):
        return [unsigned_finding(snapshot)]
    apex = snapshot.zone + "."
    params: list[tuple[Probe, int, bytes]] = []
    for _server, probe in snapshot.answered("nsec3param"):
        for record in probe.find("answer", "NSEC3PARAM", apex) or ():
            params.append((probe, int(record.iterations), bytes(record.salt)))
        # A NODATA answer for NSEC3PARAM proves the apex's types with an NSEC (or NSEC3) record.
        for rrset in probe.section("authority"):
            if rrset.rdtype == dns.rdatatype.NSEC3:
                params += [(probe, int(r.iterations), bytes(r.salt)) for r in rrset]
    if not params:
        answered = snapshot.answered("nsec3param")
        if not answered:
            return [not_measured(s, s.nsec3param, "NSEC3PARAM", snapshot) for s in snapshot.servers]
        probes = tuple(p for _s, p in answered[:1])
        if any(p.find("authority", "NSEC", apex) for _s, p in answered):
            return [Finding("NSEC_USED", "denial of existence uses NSEC (no NSEC3PARAM at the apex)", probes)]
        return [Finding("NOT_MEASURED", "no NSEC3PARAM at the apex and no NSEC record in the denial",
                        probes)]
    findings = []
    iterations = max(i for _p, i, _s in params)
    salted = [(p, s) for p, _i, s in params if s]
    if iterations > 0:
        probe = next(p for p, i, _s in params if i == iterations)
        findings.append(Finding("NSEC3_ITERATIONS", f"NSEC3 uses {iterations} extra iterations (0 expected)",
                                (probe,)))
    if salted:
        findings.append(Finding("NSEC3_SALT", f"NSEC3 uses a salt ({salted[0][1].hex().upper()})",
                                (salted[0][0],)))
    return findings or [Finding("NSEC3_OK", "NSEC3 with 0 iterations and no salt", (params[0][0],))]


@zone_check(
    id="dnssec-signature-expiry", practices=(f"{CRITICAL}-1", f"{CRITICAL}-7", f"{SLD}-1", f"{SLD}-6"),
    summary=f"Every RRSIG seen stays valid for at least {EXPIRY_WARNING_DAYS} more days.",
    references=("RFC 4034 section 3.1.5",),
    advice={
        "UNSIGNED": "Not applicable to an unsigned zone (see dnssec-signed).",
        "SIGNATURES_FRESH": "Nothing to change.",
        "SIGNATURE_EXPIRING": "Re-sign the zone now and check that automatic re-signing runs (and that "
                              "every secondary transfers the re-signed zone).",
        "SIGNATURE_EXPIRED": "Re-sign the zone at once: validating resolvers already reject it. Then find "
                             "out why automatic re-signing stopped.",
        "SIGNATURE_NOT_YET_VALID": "Check the signer's clock: signatures start in the future.",
    },
)
def dnssec_signature_expiry(snapshot: ZoneSnapshot) -> list[Finding]:
    if is_unsigned(snapshot):
        return [unsigned_finding(snapshot)]
    apex = dns.name.from_text(snapshot.zone + ".")
    now = snapshot.now
    worst: dict[tuple[str, str], tuple[float, Finding]] = {}
    earliest: tuple[float, Probe] | None = None
    for server in snapshot.servers:
        for probe in dict.fromkeys((server.soa, server.ns, server.dnskey, server.nsec3param)):
            if probe is None or not probe.answered:
                continue
            for rrset in probe.section("answer") + probe.section("authority"):
                if rrset.rdtype != dns.rdatatype.RRSIG:
                    continue
                for sig in rrset:
                    if sig.signer != apex:
                        continue
                    covered = f"{rrset.name} {dns.rdatatype.to_text(sig.type_covered)}"
                    days = (sig.expiration - now) / 86400
                    if earliest is None or sig.expiration < earliest[0]:
                        earliest = (sig.expiration, probe)
                    if sig.expiration < now:
                        code, detail, rank = "SIGNATURE_EXPIRED", f"expired {-days:.1f} days ago", -days
                    elif sig.inception > now:
                        code, detail = "SIGNATURE_NOT_YET_VALID", "not valid until inception"
                        rank = sig.inception - now
                    elif days < EXPIRY_WARNING_DAYS:
                        code, detail, rank = "SIGNATURE_EXPIRING", f"expires in {days:.1f} days", -days
                    else:
                        continue
                    key = (server.label, code)
                    if key not in worst or rank > worst[key][0]:
                        worst[key] = (rank, Finding(code, f"{server.label}: the RRSIG over {covered} {detail}",
                                                    (probe,)))
    if worst:
        return [finding for _rank, finding in worst.values()]
    if earliest is None:
        return [Finding("NOT_MEASURED", "no RRSIG signed by the zone was seen")]
    days = (earliest[0] - now) / 86400
    return [Finding("SIGNATURES_FRESH", f"the earliest RRSIG expiry is in {days:.0f} days", (earliest[1],))]


# -- nameservers -----------------------------------------------------------------------------------

@zone_check(
    id="axfr-restricted", practices=(f"{CRITICAL}-2", f"{SLD}-2"),
    summary="Every nameserver refuses a zone transfer (AXFR) to us.",
    references=("RFC 5936 section 6",),
    advice={
        "AXFR_REFUSED": "Nothing to change.",
        "AXFR_ALLOWED": "Restrict zone transfers to your secondaries, by address and TSIG key "
                        "(BIND: allow-transfer { key xfr-key; }; Knot: an acl with a key).",
    },
)
def axfr_restricted(snapshot: ZoneSnapshot) -> list[Finding]:
    apex = snapshot.zone + "."
    findings = []
    for server in snapshot.servers:
        probe = server.axfr
        if probe is not None and probe.answered:
            if probe.rcode == "NOERROR" and probe.find("answer", "SOA", apex) is not None:
                findings.append(Finding("AXFR_ALLOWED", f"{server.label} transferred the zone to us", (probe,)))
            else:
                findings.append(Finding("AXFR_REFUSED", f"{server.label} refused the transfer ({probe.rcode})",
                                        (probe,)))
        elif probe is not None and probe.error in ("connection-refused", "connection-closed"):
            findings.append(Finding("AXFR_REFUSED", f"{server.label} gave no transfer ({probe.error_detail})",
                                    (probe,)))
        else:
            findings.append(not_measured(server, probe, "AXFR", snapshot))
    return findings


@zone_check(
    id="soa-serial-consistency", practices=(f"{CRITICAL}-3", f"{SLD}-3"),
    summary="Every nameserver serves the same SOA serial.",
    references=("RFC 1996",),
    advice={
        "SERIALS_EQUAL": "Nothing to change.",
        "SERIALS_DIFFER": "Bring the secondaries up to date (NOTIFY and zone transfers from the primary) "
                          "and monitor that they follow it.",
    },
)
def soa_serial_consistency(snapshot: ZoneSnapshot) -> list[Finding]:
    apex = snapshot.zone + "."
    serials: dict[int, list[tuple[ServerSnapshot, Probe]]] = {}
    findings = []
    for server in snapshot.servers:
        probe = server.soa_answer or server.soa
        soa = probe.find("answer", "SOA", apex) if probe is not None and probe.answered else None
        if probe is not None and probe.answered and not is_authoritative(probe):
            findings.append(not_authoritative(server, probe))
            continue
        if soa is None:
            findings.append(not_measured(server, probe, "the SOA serial", snapshot) if probe is None or
                            not probe.answered else
                            Finding("NOT_MEASURED", f"{server.label} gave no SOA ({probe.rcode})", (probe,)))
            continue
        serials.setdefault(soa[0].serial, []).append((server, probe))
    if len(serials) > 1:
        detail = "; ".join(f"{serial} on {', '.join(s.label for s, _p in seen)}" for serial, seen in
                           sorted(serials.items()))
        findings.append(Finding("SERIALS_DIFFER", f"the serials differ: {detail}",
                                tuple(seen[0][1] for seen in serials.values())))
    elif serials:
        (serial, seen), = serials.items()
        findings.append(Finding("SERIALS_EQUAL", f"all {len(seen)} nameserver addresses answering serve "
                                f"serial {serial}", (seen[0][1],)))
    return findings


@zone_check(
    id="no-open-recursion", practices=(f"{CRITICAL}-4", f"{SLD}-4"),
    summary="No nameserver sets RA or answers a recursive query for a name outside its zones.",
    references=("RFC 5358",),
    advice={
        "NO_RECURSION": "Nothing to change.",
        "RECURSION_AVAILABLE": "Turn recursion off on authoritative servers (BIND: recursion no;) and run "
                               "resolvers on separate addresses.",
        "RECURSIVE_ANSWER": "Turn recursion off on authoritative servers (BIND: recursion no;); this server "
                            "resolved a name outside its zones for us.",
    },
)
def no_open_recursion(snapshot: ZoneSnapshot) -> list[Finding]:
    findings = []
    for server in snapshot.servers:
        probe = server.recursion
        with_ra = next((p for p in server.probes() if p.has_flag("RA")), None)
        if with_ra is not None:
            findings.append(Finding("RECURSION_AVAILABLE", f"{server.label} sets RA (recursion available)",
                                    (with_ra,)))
        elif probe is not None and probe.answered:
            if probe.rcode == "NOERROR" and probe.section("answer") and not probe.has_flag("AA"):
                findings.append(Finding("RECURSIVE_ANSWER", f"{server.label} answered {probe.qname} recursively",
                                        (probe,)))
            else:
                findings.append(Finding("NO_RECURSION", f"{server.label} did not recurse for {probe.qname} "
                                        f"({probe.rcode})", (probe,)))
        else:
            findings.append(not_measured(server, probe, "recursion", snapshot))
    return findings


@zone_check(
    id="ns-count", practices=(f"{CRITICAL}-5", f"{SLD}-5"),
    summary="At least two distinct nameserver names and addresses.",
    references=("RFC 1034 section 4.1", "RFC 2182"),
    every_server=True,
    advice={
        "ENOUGH_NAMESERVERS": "Nothing to change.",
        "TOO_FEW_NAMES": "Delegate the zone to at least two nameservers (at the parent and in the zone's NS set).",
        "TOO_FEW_ADDRESSES": "Give the nameservers distinct addresses; two names on one address are one server.",
    },
)
def ns_count(snapshot: ZoneSnapshot) -> list[Finding]:
    names = sorted(set(snapshot.parent_ns))
    addresses = sorted({s.address for s in snapshot.servers})
    evidence = tuple(snapshot.delegation_probes[-1:])
    data = {"nameservers": names, "addresses": addresses}
    findings = []
    if len(names) < 2:
        findings.append(Finding("TOO_FEW_NAMES", f"the parent delegates to {len(names)} nameserver name(s): "
                                f"{', '.join(names)}", evidence, data))
    if len(addresses) < 2:
        findings.append(Finding("TOO_FEW_ADDRESSES", f"the nameservers have {len(addresses)} distinct "
                                f"address(es): {', '.join(addresses)}", evidence, data))
    return findings or [Finding("ENOUGH_NAMESERVERS", f"{len(names)} nameservers on {len(addresses)} addresses",
                                evidence, data)]


@zone_check(
    id="ns-authoritative", practices=(f"{CRITICAL}-5", f"{SLD}-5"),
    summary="Every delegated nameserver answers authoritatively (AA) for the zone.",
    references=("RFC 1034 section 4.3.1", "RFC 8499 (lame delegation)"),
    every_server=True,
    advice={
        "AUTHORITATIVE": "Nothing to change.",
        "NO_ANSWER": "Make the nameserver answer (is it running, and reachable over UDP and TCP port 53?), or "
                     "remove it from the delegation.",
        "LAME": "Serve the zone on every nameserver the parent lists, or remove the nameserver from the "
                "delegation (a lame delegation).",
        "NO_ADDRESS": "Give every delegated nameserver name an A or AAAA record (or glue at the parent).",
    },
)
def ns_authoritative(snapshot: ZoneSnapshot) -> list[Finding]:
    apex = snapshot.zone + "."
    findings = [Finding("NO_ADDRESS", f"{ns}: {why}") for ns, why in sorted(snapshot.address_errors.items())]
    others_heard = any(s.heard for s in snapshot.servers)
    for server in snapshot.servers:
        probe = server.soa_answer
        if probe is None:
            findings.append(no_answer(server, "the SOA") if others_heard and server.unanswered and not server.heard
                            else not_measured(server, server.soa, "authority", snapshot))
        elif probe.rcode == "NOERROR" and probe.has_flag("AA") and probe.find("answer", "SOA", apex):
            findings.append(Finding("AUTHORITATIVE", f"{server.label} answers authoritatively", (probe,)))
        else:
            flags = " ".join(probe.flags) or "no flags"
            findings.append(Finding("LAME", f"{server.label} is lame: {probe.rcode}, {flags}", (probe,)))
    return findings


def no_answer(server: ServerSnapshot, what: str) -> Finding:
    """A server that answered nothing while the zone's other servers answered: measured, not a gap in
    our measurement. The evidence shows every question it left unanswered and why."""
    unanswered = [p for p in (server.soa, server.soa_plain, server.soa_tcp, server.axfr) if p is not None]
    reasons = "; ".join(dict.fromkeys(f"{p.transport.upper()}: {p.error}" for p in unanswered if p.error))
    return Finding("NO_ANSWER", f"{server.label} did not answer {what} or any other question "
                   f"({reasons or 'no answer'}) while the zone's other nameservers did", tuple(unanswered))


@zone_check(
    id="ns-consistency", practices=(f"{CRITICAL}-5",),
    summary="The parent's NS set equals the zone's own apex NS set.",
    references=("RFC 1034 section 4.2.2",),
    advice={
        "NS_SETS_EQUAL": "Nothing to change.",
        "NS_SETS_DIFFER": "Make the delegation at the parent and the NS records at the zone's apex list the "
                          "same nameservers.",
    },
)
def ns_consistency(snapshot: ZoneSnapshot) -> list[Finding]:
    apex = snapshot.zone + "."
    parent = sorted(set(snapshot.parent_ns))
    sets: dict[tuple[str, ...], list[tuple[ServerSnapshot, Probe]]] = {}
    for server, probe in snapshot.answered("ns"):
        rrset = answer_rrset(probe, apex, "NS")[0]
        if rrset is not None and probe.has_flag("AA"):
            sets.setdefault(tuple(sorted(r.target.to_text() for r in rrset)), []).append((server, probe))
    if not sets:
        return [Finding("NOT_MEASURED", "no nameserver gave the zone's NS set authoritatively",
                        tuple(p for p in (s.ns for s in snapshot.servers) if p is not None)[:2])]
    findings = []
    delegation = tuple(snapshot.delegation_probes[-1:])
    for child, seen in sets.items():
        if list(child) == parent:
            findings.append(Finding("NS_SETS_EQUAL", f"parent and zone both list {', '.join(parent)}",
                                    delegation + (seen[0][1],)))
            continue
        only_parent = sorted(set(parent) - set(child))
        only_child = sorted(set(child) - set(parent))
        parts = []
        if only_parent:
            parts.append(f"only at the parent: {', '.join(only_parent)}")
        if only_child:
            parts.append(f"only in the zone: {', '.join(only_child)}")
        findings.append(Finding("NS_SETS_DIFFER", f"the NS sets differ ({'; '.join(parts)}) as served by "
                                f"{', '.join(s.label for s, _p in seen)}", delegation + (seen[0][1],),
                                {"parent_ns": parent, "zone_ns": list(child)}))
    return findings


def network_prefix(address: str) -> str:
    """The /24 of an IPv4 address or the /48 of an IPv6 address."""
    ip = ipaddress.ip_address(address)
    return str(ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 48}", strict=False))


@zone_check(
    id="ns-diversity", practices=(f"{CRITICAL}-6", f"{SLD}-5"),
    summary="Nameserver addresses in at least two IPv4 /24s (or IPv6 /48s) and, where AS data is "
            "available, in two ASes.",
    references=("RFC 2182 section 3.1",),
    every_server=True,
    advice={
        "PREFIXES_DIVERSE": "Nothing to change.",
        "SAME_PREFIX": "Put at least one nameserver in another network (a different /24 or /48), ideally "
                       "with another provider.",
        "ASNS_DIVERSE": "Nothing to change.",
        "SAME_ASN": "Put at least one nameserver in another autonomous system (another provider or an "
                    "anycast DNS service).",
        "ASN_UNAVAILABLE": "Nothing to change for prefixes; AS data could not be read, so AS diversity was "
                           "not judged.",
    },
)
def ns_diversity(snapshot: ZoneSnapshot) -> list[Finding]:
    addresses = sorted({s.address for s in snapshot.servers})
    prefixes = sorted({network_prefix(a) for a in addresses})
    data = {"prefixes": prefixes}
    # The servers' SOA answers show which addresses were found (and how to ask them again).
    seen = tuple(s.soa for s in snapshot.servers if s.soa is not None)
    if len(prefixes) >= 2:
        findings = [Finding("PREFIXES_DIVERSE", f"addresses in {len(prefixes)} prefixes: {', '.join(prefixes)}",
                            seen, data)]
    else:
        findings = [Finding("SAME_PREFIX", f"all addresses are in {', '.join(prefixes)}", seen, data)]
    known = {a: snapshot.asn[a] for a in addresses if a in snapshot.asn and snapshot.asn[a].asns}
    missing = [a for a in addresses if a not in known]
    asns = sorted({asn for answer in known.values() for asn in answer.asns})
    as_data = {"asns": {a: list(answer.asns) for a, answer in known.items()}, "asn_source": snapshot.asn_source}
    as_probes = tuple(snapshot.asn[a].probe for a in addresses if a in snapshot.asn and snapshot.asn[a].probe)
    if len(asns) >= 2:
        findings.append(Finding("ASNS_DIVERSE", f"addresses in {len(asns)} ASes: AS{', AS'.join(asns)}", as_probes,
                                as_data))
    elif missing:
        reasons = "; ".join(f"{a}: {snapshot.asn[a].error if a in snapshot.asn else 'not looked up'}"
                            for a in missing[:4])
        findings.append(Finding("ASN_UNAVAILABLE", f"no AS data for {len(missing)} address(es) ({reasons}); "
                                "judged on prefixes alone", as_probes, as_data))
    else:
        findings.append(Finding("SAME_ASN", f"all addresses are in AS{asns[0]}" if asns else "no AS found",
                                as_probes, as_data))
    return findings


@zone_check(
    id="transport", practices=(f"{CRITICAL}-5", f"{SLD}-5"),
    summary="Every nameserver answers over UDP with EDNS(0) and over TCP.",
    references=("RFC 6891", "RFC 7766"),
    every_server=True,
    advice={
        "TRANSPORT_OK": "Nothing to change.",
        "NO_EDNS": "Enable EDNS(0) on the server (and make sure no middlebox strips the OPT record).",
        "BREAKS_ON_EDNS": "The server, or a firewall or load balancer in front of it, drops queries that "
                          "carry an EDNS OPT record: let them through (EDNS is required since DNS flag day "
                          "2019) and make the server answer them.",
        "NO_UDP": "Let DNS over UDP port 53 through to the server.",
        "NO_TCP": "Answer DNS over TCP port 53 (RFC 7766 makes it mandatory): open the firewall and enable "
                  "it on the server.",
        "NO_ANSWER": "Make the nameserver answer (is it running, and reachable over UDP and TCP port 53?), or "
                     "remove it from the delegation.",
    },
)
def transport(snapshot: ZoneSnapshot) -> list[Finding]:
    findings = []
    others_heard = any(s.heard for s in snapshot.servers)
    for server in snapshot.servers:
        udp, plain = server.soa, server.soa_plain
        # Over TCP any DNS answer will do: the SOA, or the AXFR even when refused.
        tcp = next((p for p in (server.soa_tcp, server.axfr) if p is not None and p.answered), server.tcp)
        # A truncated UDP answer is an answer over UDP, whatever became of the TCP retry.
        udp_ok = udp is not None and (udp.answered or udp.truncated_retry)
        plain_ok = plain is not None and plain.answered
        tcp_ok = tcp is not None and tcp.answered
        if not (udp_ok or plain_ok or tcp_ok):
            findings.append(no_answer(server, "over UDP or TCP") if others_heard and server.unanswered
                            and not server.heard else not_measured(server, udp, "UDP and TCP", snapshot))
            continue
        if plain_ok and not udp_ok:
            findings.append(Finding("BREAKS_ON_EDNS", f"{server.label} answered only queries without EDNS "
                                    f"(with EDNS: {udp.error}, {udp.attempts} attempt(s); without: {plain.rcode})",
                                    (udp, plain)))
        elif not udp_ok:
            findings.append(Finding("NO_UDP", f"{server.label} answered over TCP only "
                                    f"(UDP: {udp.error if udp else 'not asked'})", tuple(p for p in (udp, tcp) if p)))
        elif _edns_problem(udp):
            findings.append(Finding("NO_EDNS", f"{server.label} answered without EDNS(0) ({udp.rcode})", (udp,)))
        if not tcp_ok:
            findings.append(Finding("NO_TCP", f"{server.label} answered over UDP only "
                                    f"(TCP: {tcp.error + ': ' + tcp.error_detail if tcp else 'not asked'})",
                                    tuple(p for p in (tcp,) if p)))
        if udp_ok and tcp_ok and not _edns_problem(udp):
            how = " (truncated over UDP, so asked again over TCP)" if udp.truncated_retry else ""
            findings.append(Finding("TRANSPORT_OK", f"{server.label} answers over UDP with EDNS and over TCP{how}",
                                    (udp, tcp)))
    return findings


def _edns_problem(udp: Probe) -> bool:
    return udp.message is not None and (udp.message.edns < 0 or udp.rcode in ("FORMERR", "BADVERS"))
