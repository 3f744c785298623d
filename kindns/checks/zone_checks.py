"""The zone checks of KINDNS.md's zone table: pure judges over a ZoneSnapshot."""
from __future__ import annotations

import dataclasses
import functools
import ipaddress
from typing import Callable

import dns.name
import dns.rdatatype

from .catalogue import Finding, check
from .dnssec import ChainResult, answer_rrset, no_answer, no_ds_proof, signature_problem, validate_chain
from .messages import N_, msg
from .query import Probe, dig_command
from .snapshot import ServerSnapshot, ZoneSnapshot

CRITICAL, SLD = "critical-zones", "sld-zones"
EXPIRY_WARNING_DAYS = 7
DEPRECATED_ALGORITHMS = {1: "RSAMD5", 3: "DSA", 5: "RSASHA1", 6: "DSA-NSEC3-SHA1", 7: "RSASHA1-NSEC3-SHA1",
                         12: "ECC-GOST"}
DISCOURAGED_ALGORITHMS = {10: "RSASHA512"}
RECOMMENDED_ALGORITHMS = {8: "RSASHA256", 13: "ECDSAP256SHA256", 14: "ECDSAP384SHA384", 15: "ED25519",
                          16: "ED448"}
GOOD_DIGESTS = {2: "SHA-256", 4: "SHA-384"}

# Reasons for a missing delegation that are the parent's word (the rest: the parent could not be asked).
NOT_DELEGATED = {"parent-nxdomain", "parent-rcode", "parent-no-ns"}

COMMON_ADVICE = {
    "NO_DELEGATION": N_("Make sure the zone is delegated from its parent (NS records at the registry or parent "
                        "zone) and that the name is spelt right."),
    "PARENT_UNREACHABLE": N_("Nothing could be measured: the servers of the parent zone did not tell us about "
                             "the zone. Check again later; if it persists, ask the parent zone's operator."),
    "NO_NAMESERVER_ADDRESS": N_("Give the zone's nameserver names A or AAAA records (or glue at the parent): "
                                "none of them has an address to ask, so nothing could be measured."),
    "NO_SERVER_ANSWERED": N_("Make sure the zone's nameservers are running and answer DNS queries from the "
                             "Internet over UDP and TCP port 53: none answered, so nothing could be measured."),
    "NO_SERVER_PROBED": N_("Give the zone's nameservers public addresses: the registry asks only public "
                           "addresses, so nothing could be measured."),
    "COLLECTION_INCOMPLETE": N_("Check again later: the nameservers took too long to answer, so this could not "
                                "be measured."),
    "SERVER_NOT_MEASURED": N_("Make sure every nameserver address answers DNS queries from the Internet over UDP "
                              "and TCP; this could not be measured."),
    "SERVER_NOT_PROBED": N_("Give every nameserver a public address: the registry asks only public addresses, "
                            "so this one was not measured."),
    "NOT_AUTHORITATIVE": N_("A server that does not serve the zone says nothing about it: see ns-authoritative."),
    "NOT_HEARD": N_("A nameserver that does not answer at all is reported by transport and ns-authoritative; "
                    "this check was judged on the others."),
}
NOT_SIGNED_ADVICE = N_("Not applicable to an unsigned zone (see dnssec-signed).")


def zone_check(*, id: str, practices: tuple[str, ...], title: str, why: str, passes_when: str,
               advice: dict[str, str], references: tuple[str, ...] = (), every_server: bool = False) -> Callable:
    """Register a zone check. A zone that cannot be measured at all (see `unmeasured`) gets the same
    finding from every zone check.

    Facts about the zone are judged on the servers that answered: a server that gave no answer to a plain
    query (SOA over UDP with EDNS) while others did — dead, or dropping EDNS — is left out and named in
    an n/a finding. Checks with `every_server` (transport, ns-authoritative, ns-count, ns-diversity) see
    every server and report those themselves."""
    def register(judge: Callable[[ZoneSnapshot], list[Finding]]) -> Callable:
        @functools.wraps(judge)
        def guarded(snapshot: ZoneSnapshot) -> list[Finding]:
            whole = unmeasured(snapshot)
            if whole is not None:
                return [whole]
            silent = [] if every_server else silent_servers(snapshot)
            if silent:
                snapshot = dataclasses.replace(snapshot, servers=[s for s in snapshot.servers if s not in silent])
            findings = judge(snapshot)
            if snapshot.incomplete and not findings:
                findings = [Finding("COLLECTION_INCOMPLETE", {"reason": snapshot.incomplete})]
            if silent:
                findings.append(Finding("NOT_HEARD", {"servers": [s.named for s in silent]},
                                        tuple(s.soa for s in silent if s.soa is not None)))
            return findings
        check(id=id, practices=practices, title=title, why=why, passes_when=passes_when, references=references,
              target="zone", advice={**COMMON_ADVICE, **advice})(guarded)
        return judge
    return register


def unmeasured(snapshot: ZoneSnapshot) -> Finding | None:
    """The one finding for a zone that could not be measured at all: not delegated (or the parent not
    answering), no nameserver with an address, or no nameserver answering anything. None otherwise."""
    delegation = tuple(snapshot.delegation_probes[-1:])
    if snapshot.delegation_error:
        reason = snapshot.delegation_error
        code = "NO_DELEGATION" if reason.get("code") in NOT_DELEGATED else "PARENT_UNREACHABLE"
        return Finding(code, {"reason": reason}, tuple(snapshot.delegation_probes[-2:]))
    if not snapshot.servers:
        if snapshot.incomplete:
            return Finding("COLLECTION_INCOMPLETE", {"reason": snapshot.incomplete}, delegation)
        return Finding("NO_NAMESERVER_ADDRESS", {"zone": snapshot.zone}, delegation,
                       {"nameservers": sorted(snapshot.parent_ns)})
    if any(s.heard for s in snapshot.servers):
        return None
    asked = [s.soa for s in snapshot.servers if s.soa is not None]
    if not asked or (snapshot.incomplete and len(asked) < len(snapshot.servers)):
        return Finding("COLLECTION_INCOMPLETE", {"reason": snapshot.incomplete or msg("not-asked")}, delegation)
    reasons = distinct(p.failure() for p in asked)
    code = "NO_SERVER_PROBED" if all(p.error == "refused-by-policy" for p in asked) else "NO_SERVER_ANSWERED"
    return Finding(code, {"zone": snapshot.zone, "reasons": reasons}, tuple(asked))


def distinct(messages) -> list:
    """The messages without repeats, in order."""
    return list({repr(m): m for m in messages if m is not None}.values())


def silent_servers(snapshot: ZoneSnapshot) -> list[ServerSnapshot]:
    """The servers that gave no answer to SOA over UDP with EDNS (not even a truncated one), when at
    least one other server did."""
    silent = [s for s in snapshot.servers if s.unanswered]
    return silent if any(s.soa is not None and s.soa.answered for s in snapshot.servers) else []


def not_measured(server: ServerSnapshot, probe: Probe | None, qtype: str, snapshot: ZoneSnapshot) -> Finding:
    """The finding for a question (of type `qtype`) a server did not answer; the probe records why."""
    if probe is not None and probe.error == "refused-by-policy":
        return Finding("SERVER_NOT_PROBED", {"server": server.named, "reason": probe.failure()}, (probe,))
    reason = snapshot.incomplete if probe is None and snapshot.incomplete else no_answer(probe)
    return Finding("SERVER_NOT_MEASURED", {"server": server.named, "qtype": qtype, "reason": reason},
                   tuple(p for p in (probe,) if p is not None))


def is_authoritative(probe: Probe) -> bool:
    """An answer from a server that serves the zone: AA set, NOERROR or NXDOMAIN."""
    return probe.has_flag("AA") and probe.rcode in ("NOERROR", "NXDOMAIN")


def not_authoritative(server: ServerSnapshot, probe: Probe) -> Finding:
    return Finding("NOT_AUTHORITATIVE", {"server": server.named, "rcode": probe.rcode}, (probe,))


def is_unsigned(snapshot: ZoneSnapshot) -> bool:
    """No server showed a DNSKEY at the apex and the parent has no DS: DNSSEC checks do not apply."""
    apex = snapshot.zone + "."
    has_keys = any(p.find("answer", "DNSKEY", apex) for _s, p in snapshot.answered("dnskey"))
    has_ds = answer_rrset(snapshot.ds, apex, "DS")[0] is not None
    return not has_keys and not has_ds


def unsigned_finding(snapshot: ZoneSnapshot, code: str = "UNSIGNED") -> Finding:
    probes = tuple(p for _s, p in snapshot.answered("dnskey")[:1]) + ((snapshot.ds,) if snapshot.ds else ())
    return Finding(code, {"zone": snapshot.zone}, probes)


def dig_records(probe: Probe, owner: str, rdtype: str) -> str:
    """Ask the server of `probe` for one RRset with its signatures, each field on its own line (the
    RRSIGs' validity dates and the DNSKEYs' key tags and algorithms spelt out)."""
    return dig_command(probe.server, owner, rdtype, port=probe.port, dnssec=True, multi=True)


def dig_ds(probe: Probe) -> str:
    """Ask the parent server of `probe` for the zone's DS set (the probe may be the referral that carried
    it, which dig would show as a referral)."""
    return dig_records(probe, probe.qname, "DS")


# -- DNSSEC ----------------------------------------------------------------------------------------

@zone_check(
    id="dnssec-signed", practices=(f"{CRITICAL}-1", f"{SLD}-1"),
    title=N_("The zone is signed"),
    why=N_("DNSSEC signatures let resolvers prove that the answers they pass on are the zone's own, not forged "
           "or altered on the way. Without a DNSKEY set, signatures on every nameserver and a DS record at the "
           "parent, nobody can tell a real answer from a spoofed one."),
    passes_when=N_("DNSKEY at the apex, RRSIGs over SOA, NS and DNSKEY, and a DS at the parent."),
    references=("RFC 4033", "RFC 4035"),
    advice={
        "SIGNED": N_("Nothing to change."),
        "NOT_SIGNED": N_("Sign the zone (e.g. BIND's dnssec-policy or Knot's automatic signing) on every "
                         "nameserver, then publish the DS record of its key-signing key at the parent."),
        "NO_DNSKEY": N_("Sign the zone (e.g. BIND's dnssec-policy or Knot's automatic signing) on every "
                        "nameserver; each must serve the DNSKEY set at the apex."),
        "NO_RRSIG": N_("Serve the signed zone on every nameserver: SOA, NS and DNSKEY must come with RRSIGs "
                       "when asked with the DO bit."),
        "NO_DS": N_("Publish the DS record of your key-signing key at the parent (through your registrar or "
                    "the parent zone's operator)."),
        "DS_NOT_MEASURED": N_("Check again later: the parent's servers did not answer about the zone's DS "
                              "record, so this could not be measured."),
    },
)
def dnssec_signed(snapshot: ZoneSnapshot) -> list[Finding]:
    apex = snapshot.zone + "."
    if is_unsigned(snapshot):
        return [unsigned_finding(snapshot, "NOT_SIGNED")]
    findings: list[Finding] = []
    for server in snapshot.servers:
        for attribute, rdtype in (("dnskey", "DNSKEY"), ("soa", "SOA"), ("ns", "NS")):
            probe = getattr(server, attribute)
            if probe is None or not probe.answered:
                findings.append(not_measured(server, probe, rdtype, snapshot))
                continue
            if not is_authoritative(probe):
                findings.append(not_authoritative(server, probe))
                break
            rrset, sigs = answer_rrset(probe, apex, rdtype)
            if rdtype == "DNSKEY" and rrset is None:
                findings.append(Finding("NO_DNSKEY", {"server": server.named}, (probe,)))
            elif rrset is not None and (sigs is None or len(sigs) == 0):
                findings.append(Finding("NO_RRSIG", {"server": server.named, "type": rdtype}, (probe,),
                                        command=dig_records(probe, apex, rdtype)))
    ds = snapshot.ds
    if ds is None or not ds.answered:
        findings.append(Finding("DS_NOT_MEASURED", {"zone": snapshot.zone, "reason": no_answer(ds)},
                                (ds,) if ds else ()))
    elif answer_rrset(ds, apex, "DS")[0] is None:
        findings.append(Finding("NO_DS", {"parent": snapshot.parent, "zone": snapshot.zone}, (ds,),
                                command=dig_ds(ds)))
    if not any(f.code not in ("SERVER_NOT_MEASURED", "SERVER_NOT_PROBED", "DS_NOT_MEASURED", "NOT_AUTHORITATIVE")
               for f in findings):
        probes = tuple(p for _s, p in snapshot.answered("dnskey")[:1]) + ((ds,) if ds else ())
        findings.append(Finding("SIGNED", {"zone": snapshot.zone}, probes))
    return findings


@zone_check(
    id="dnssec-valid", practices=(f"{CRITICAL}-1", f"{SLD}-1"),
    title=N_("Signatures are valid"),
    why=N_("A signature only protects when a validating resolver can check it, from the root's trust anchor "
           "down through each parent's DS record to the zone's keys. A broken link — a DS that matches no key, "
           "a signature that does not verify or has expired — makes validating resolvers refuse every answer "
           "of the zone: for their users the zone is gone."),
    passes_when=N_("The chain of trust validates from the trust anchor: DS matches a DNSKEY, signatures verify "
                   "and are within their validity window."),
    references=("RFC 4035 §5",),
    advice={
        "UNSIGNED": NOT_SIGNED_ADVICE,
        "INSECURE_DELEGATION": NOT_SIGNED_ADVICE,
        "CHAIN_VALID": N_("Nothing to change."),
        "CHAIN_BOGUS": N_("Fix the chain: the DS at the parent must match a key in the DNSKEY set, and every "
                          "signature must verify and be within its validity window; re-sign or update the DS."),
        "CHAIN_INSECURE": N_("Publish a DS at the parent (and make sure the parent zone is itself signed); "
                             "without it resolvers treat the zone as unsigned."),
        "ANCHOR_UNUSABLE": N_("The configured trust anchor does not match the root's keys: update the "
                              "trust-anchor file."),
        "NO_DS_PROOF": N_("Ask the parent's operator to serve signed NSEC or NSEC3 records in its answers for "
                          "your zone's DS set (a correctly signed parent does so by itself); until then "
                          "validating resolvers may treat the unsigned zone as bogus."),
        "DS_PROOF_INVALID": N_("Ask the parent's operator to serve signed NSEC or NSEC3 records in its answers "
                               "for your zone's DS set (a correctly signed parent does so by itself); until then "
                               "validating resolvers may treat the unsigned zone as bogus."),
        "DS_NOT_MEASURED": N_("Check again later: the parent's servers did not answer about the zone's DS "
                              "record, so this could not be measured."),
    },
)
def dnssec_valid(snapshot: ZoneSnapshot) -> list[Finding]:
    if is_unsigned(snapshot):
        proof = no_ds_proof(snapshot)
        code = {"missing": "NO_DS_PROOF", "invalid": "DS_PROOF_INVALID", "not-measured": "DS_NOT_MEASURED"}.get(
            proof.status, "INSECURE_DELEGATION")
        probes = tuple(proof.probes)
        if code == "INSECURE_DELEGATION":
            probes = unsigned_finding(snapshot).probes
        # The parent's answer about the DS set, with its NSEC or NSEC3 records (or their absence).
        command = dig_ds(snapshot.ds) if snapshot.ds is not None and code != "INSECURE_DELEGATION" else ""
        return [Finding(code, {"zone": snapshot.zone, **proof.args}, probes, command=command)]
    apex = snapshot.zone + "."
    with_keys = [(s, p) for s, p in snapshot.answered("dnskey") if p.find("answer", "DNSKEY", apex)]
    first_keys = with_keys[0][1] if with_keys else (snapshot.servers[0].dnskey if snapshot.servers else None)
    chain = validate_chain(snapshot, first_keys)
    probes = tuple(chain.probes[-4:])
    command = "; ".join(dig_records(p, p.qname, p.qtype if p.qtype == "DNSKEY" else "DS") for p in chain.culprits)
    if chain.status == "bogus" and chain.at_root:
        return [Finding("ANCHOR_UNUSABLE", {"reason": chain.detail}, probes, command=command)]
    if chain.status == "insecure":
        return [Finding("CHAIN_INSECURE", {"reason": chain.detail}, probes, command=command)]
    if chain.status == "bogus":
        return [Finding("CHAIN_BOGUS", {"reason": chain.detail}, probes, command=command)]
    return _signatures_on_every_server(snapshot, chain) or [Finding("CHAIN_VALID", {"zone": snapshot.zone}, probes)]


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
                findings.append(Finding("CHAIN_BOGUS", {"reason": msg("at-server", server=server.named,
                                                                      problem=problem)},
                                        (probe,), command=dig_records(probe, apex, rdtype)))
    return findings


@zone_check(
    id="dnssec-algorithm", practices=(f"{CRITICAL}-1", f"{SLD}-1"),
    title=N_("Signing algorithms are current"),
    why=N_("Old algorithms (MD5, SHA-1, DSA, GOST) can be broken or are no longer validated: resolvers that "
           "drop them treat the zone as unsigned, and a forged signature may pass where they do not. RFC 8624 "
           "says which algorithms to sign with and which DS digests to publish."),
    passes_when=N_("Signing algorithms RFC 8624 allows (8, 13, 15; 14, 16) and DS digests SHA-256 or SHA-384."),
    references=("RFC 8624", "RFC 9157"),
    advice={
        "UNSIGNED": NOT_SIGNED_ADVICE,
        "ALGORITHMS_OK": N_("Nothing to change."),
        "ALGORITHM_DEPRECATED": N_("Roll the keys to algorithm 13 (ECDSAP256SHA256) or 8 (RSASHA256): MD5, "
                                   "DSA, SHA-1 and GOST algorithms must not be used for signing."),
        "ALGORITHM_DISCOURAGED": N_("Consider rolling to algorithm 13 or 8; RSASHA512 is not recommended."),
        "ALGORITHM_UNKNOWN": N_("Use an algorithm from RFC 8624's recommended list (8, 13, 15)."),
        "DIGEST_DEPRECATED": N_("Publish a DS with digest type 2 (SHA-256) at the parent and remove SHA-1 DS "
                                "records."),
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
        command = probe.dig(multi=True)
        if algorithm in DEPRECATED_ALGORITHMS:
            findings.append(Finding("ALGORITHM_DEPRECATED", {"algorithm": algorithm,
                                                             "mnemonic": DEPRECATED_ALGORITHMS[algorithm]},
                                    (probe,), command=command))
        elif algorithm in DISCOURAGED_ALGORITHMS:
            findings.append(Finding("ALGORITHM_DISCOURAGED", {"algorithm": algorithm,
                                                              "mnemonic": DISCOURAGED_ALGORITHMS[algorithm]},
                                    (probe,), command=command))
        elif algorithm not in RECOMMENDED_ALGORITHMS:
            findings.append(Finding("ALGORITHM_UNKNOWN", {"algorithm": algorithm}, (probe,), command=command))
    ds_set = answer_rrset(snapshot.ds, apex, "DS")[0]
    digests = sorted({int(ds.digest_type) for ds in ds_set}) if ds_set else []
    if digests and not set(digests) & set(GOOD_DIGESTS):
        findings.append(Finding("DIGEST_DEPRECATED", {"num": len(digests), "digests": digests}, (snapshot.ds,),
                                command=dig_ds(snapshot.ds)))
    if not findings:
        names = [msg("algorithm", number=a, mnemonic=RECOMMENDED_ALGORITHMS[a]) for a in sorted(seen)]
        findings.append(Finding("ALGORITHMS_OK", {"algorithms": names or msg("none"),
                                                  "digests": digests or msg("none")},
                                tuple(list(seen.values())[:1]) + ((snapshot.ds,) if snapshot.ds else ())))
    return findings


@zone_check(
    id="dnssec-nsec3-params", practices=(f"{CRITICAL}-1", f"{SLD}-1"),
    title=N_("NSEC3 settings are sound"),
    why=N_("Extra NSEC3 iterations and salts make every negative answer costlier for resolvers to validate "
           "and protect nothing: RFC 9276 asks for no extra iterations and no salt, and resolvers treat zones "
           "with many iterations as insecure or refuse them."),
    passes_when=N_("NSEC, or NSEC3 with no extra iterations and no salt."),
    references=("RFC 9276",),
    advice={
        "UNSIGNED": NOT_SIGNED_ADVICE,
        "NSEC_USED": N_("Nothing to change."),
        "NSEC3_OK": N_("Nothing to change."),
        "NSEC3_ITERATIONS": N_("Set NSEC3 iterations to 0 (RFC 9276), e.g. `nsec3param iterations 0 optout no "
                               "salt-length 0;` in BIND's dnssec-policy."),
        "NSEC3_SALT": N_("Use an empty NSEC3 salt (RFC 9276): a salt adds nothing when iterations are 0."),
        "NO_DENIAL_SEEN": N_("Make sure the signed zone's negative answers carry their NSEC or NSEC3 records; "
                             "none was seen, so this could not be measured."),
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
            return [Finding("NSEC_USED", {}, probes)]
        return [Finding("NO_DENIAL_SEEN", {}, probes)]
    findings = []
    iterations = max(i for _p, i, _s in params)
    salted = [(p, s) for p, _i, s in params if s]
    if iterations > 0:
        probe = next(p for p, i, _s in params if i == iterations)
        findings.append(Finding("NSEC3_ITERATIONS", {"num": iterations}, (probe,)))
    if salted:
        findings.append(Finding("NSEC3_SALT", {"salt": salted[0][1].hex().upper()}, (salted[0][0],)))
    return findings or [Finding("NSEC3_OK", {}, (params[0][0],))]


@zone_check(
    id="dnssec-signature-expiry", practices=(f"{CRITICAL}-1", f"{CRITICAL}-7", f"{SLD}-1", f"{SLD}-6"),
    title=N_("Signatures are not about to expire"),
    why=N_("Every signature has an end date. When re-signing stops — a signer down, a secondary that no longer "
           "transfers the zone — the signatures run out and validating resolvers reject the zone. A week's "
           "warning is the time to notice and fix it."),
    passes_when=N_("Every RRSIG seen stays valid for at least 7 more days."),
    references=("RFC 4034 §3.1.5",),
    advice={
        "UNSIGNED": NOT_SIGNED_ADVICE,
        "SIGNATURES_FRESH": N_("Nothing to change."),
        "SIGNATURE_EXPIRING": N_("Re-sign the zone now and check that automatic re-signing runs (and that "
                                 "every secondary transfers the re-signed zone)."),
        "SIGNATURE_EXPIRED": N_("Re-sign the zone at once: validating resolvers already reject it. Then find "
                                "out why automatic re-signing stopped."),
        "SIGNATURE_NOT_YET_VALID": N_("Check the signer's clock: signatures start in the future."),
        "NO_RRSIG_SEEN": N_("Serve the signed zone on every nameserver, with RRSIGs when asked with the DO bit; "
                            "none was seen, so this could not be measured."),
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
                    owner, covered = rrset.name.to_text(), dns.rdatatype.to_text(sig.type_covered)
                    days = (sig.expiration - now) / 86400
                    if earliest is None or sig.expiration < earliest[0]:
                        earliest = (sig.expiration, probe)
                    if sig.expiration < now:
                        code, shown, rank = "SIGNATURE_EXPIRED", -days, -days
                    elif sig.inception > now:
                        code, shown, rank = "SIGNATURE_NOT_YET_VALID", (sig.inception - now) / 86400, sig.inception - now
                    elif days < EXPIRY_WARNING_DAYS:
                        code, shown, rank = "SIGNATURE_EXPIRING", days, -days
                    else:
                        continue
                    key = (server.address, server.ns_name, code)
                    if key not in worst or rank > worst[key][0]:
                        args = {"server": server.named, "owner": owner, "type": covered, "days": round(shown, 1)}
                        # The RRset itself, asked of that server: its RRSIG's dates are the fault.
                        worst[key] = (rank, Finding(code, args, (probe,), command=dig_records(probe, owner, covered)))
    if worst:
        return [finding for _rank, finding in worst.values()]
    if earliest is None:
        return [Finding("NO_RRSIG_SEEN")]
    days = int(round((earliest[0] - now) / 86400))
    return [Finding("SIGNATURES_FRESH", {"num": days}, (earliest[1],))]


# -- nameservers -----------------------------------------------------------------------------------

@zone_check(
    id="axfr-restricted", practices=(f"{CRITICAL}-2", f"{SLD}-2"),
    title=N_("Zone transfers are restricted"),
    why=N_("A zone transfer hands over the whole zone at once. Open to anyone, it maps every host name for an "
           "attacker and lets anyone load the servers with large transfers; only the operator's own secondaries "
           "need it, authenticated with a TSIG key."),
    passes_when=N_("Every nameserver refuses a zone transfer (AXFR) to us."),
    references=("RFC 5936 §6",),
    advice={
        "AXFR_REFUSED": N_("Nothing to change."),
        "AXFR_NOT_GIVEN": N_("Nothing to change."),
        "AXFR_ALLOWED": N_("Restrict zone transfers to your secondaries, by address and TSIG key "
                           "(BIND: allow-transfer { key xfr-key; }; Knot: an acl with a key)."),
    },
)
def axfr_restricted(snapshot: ZoneSnapshot) -> list[Finding]:
    apex = snapshot.zone + "."
    findings = []
    for server in snapshot.servers:
        probe = server.axfr
        if probe is not None and probe.answered:
            if probe.rcode == "NOERROR" and probe.find("answer", "SOA", apex) is not None:
                findings.append(Finding("AXFR_ALLOWED", {"server": server.named}, (probe,),
                                        command=dig_command(probe.server, apex, "AXFR", port=probe.port)))
            else:
                findings.append(Finding("AXFR_REFUSED", {"server": server.named, "rcode": probe.rcode}, (probe,)))
        elif probe is not None and probe.error in ("connection-refused", "connection-closed"):
            findings.append(Finding("AXFR_NOT_GIVEN", {"server": server.named, "reason": probe.failure()}, (probe,)))
        else:
            findings.append(not_measured(server, probe, "AXFR", snapshot))
    return findings


@zone_check(
    id="soa-serial-consistency", practices=(f"{CRITICAL}-3", f"{SLD}-3"),
    title=N_("Every nameserver serves the same version"),
    why=N_("The SOA serial numbers a version of the zone. Nameservers serving different serials give "
           "different answers to the same question: a secondary that stopped following its primary serves "
           "stale or lost records, and expires the zone in the end."),
    passes_when=N_("Every nameserver serves the same SOA serial."),
    references=("RFC 1996",),
    advice={
        "SERIALS_EQUAL": N_("Nothing to change."),
        "SERIALS_DIFFER": N_("Bring the secondaries up to date (NOTIFY and zone transfers from the primary) "
                             "and monitor that they follow it."),
        "SOA_MISSING": N_("Make every nameserver serve the zone's SOA record; this one answered without it, so "
                          "its serial could not be measured."),
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
            findings.append(not_measured(server, probe, "SOA", snapshot) if probe is None or not probe.answered
                            else Finding("SOA_MISSING", {"server": server.named, "rcode": probe.rcode}, (probe,)))
            continue
        serials.setdefault(soa[0].serial, []).append((server, probe))
    if len(serials) > 1:
        groups = [msg("serial-on", serial=serial, servers=[s.named for s, _p in seen])
                  for serial, seen in sorted(serials.items())]
        every = [p for _serial, seen in sorted(serials.items()) for _s, p in seen]
        # Each server's SOA, asked again: the serials side by side.
        command = "; ".join(dig_command(p.server, apex, "SOA", port=p.port) for p in every)
        findings.append(Finding("SERIALS_DIFFER", {"serials": groups},
                                tuple(seen[0][1] for seen in serials.values()), command=command))
    elif serials:
        (serial, seen), = serials.items()
        findings.append(Finding("SERIALS_EQUAL", {"num": len(seen), "serial": serial}, (seen[0][1],)))
    return findings


@zone_check(
    id="no-open-recursion", practices=(f"{CRITICAL}-4", f"{SLD}-4"),
    title=N_("No recursion on authoritative servers"),
    why=N_("An authoritative server that also resolves names for anyone can be used to amplify attacks and to "
           "poison its own cache, which it may then serve as if it were the zone's. Authoritative and recursive "
           "service belong on separate servers."),
    passes_when=N_("No nameserver sets RA or answers a recursive query for a name outside its zones."),
    references=("RFC 5358",),
    advice={
        "NO_RECURSION": N_("Nothing to change."),
        "RECURSION_AVAILABLE": N_("Turn recursion off on authoritative servers (BIND: recursion no;) and run "
                                  "resolvers on separate addresses."),
        "RECURSIVE_ANSWER": N_("Turn recursion off on authoritative servers (BIND: recursion no;); this server "
                               "resolved a name outside its zones for us."),
    },
)
def no_open_recursion(snapshot: ZoneSnapshot) -> list[Finding]:
    findings = []
    for server in snapshot.servers:
        probe = server.recursion
        with_ra = next((p for p in server.probes() if p.has_flag("RA")), None)
        if with_ra is not None:
            # The recursive question itself shows best what the server does for anyone who asks.
            shows = probe if probe is not None and probe.answered else with_ra
            findings.append(Finding("RECURSION_AVAILABLE", {"server": server.named}, (with_ra,),
                                    command=shows.dig()))
        elif probe is not None and probe.answered:
            if probe.rcode == "NOERROR" and probe.section("answer") and not probe.has_flag("AA"):
                findings.append(Finding("RECURSIVE_ANSWER", {"server": server.named, "name": probe.qname}, (probe,)))
            else:
                findings.append(Finding("NO_RECURSION", {"server": server.named, "name": probe.qname,
                                                         "rcode": probe.rcode}, (probe,)))
        else:
            findings.append(not_measured(server, probe, "A", snapshot))
    return findings


@zone_check(
    id="ns-count", practices=(f"{CRITICAL}-5", f"{SLD}-5"),
    title=N_("At least two nameservers"),
    why=N_("A zone served by one nameserver disappears with it: a power cut, a network fault or maintenance "
           "takes the zone off the Internet. Two or more distinct servers keep it answering."),
    passes_when=N_("At least two distinct nameserver names and addresses."),
    references=("RFC 1034 §4.1", "RFC 2182"),
    every_server=True,
    advice={
        "ENOUGH_NAMESERVERS": N_("Nothing to change."),
        "TOO_FEW_NAMES": N_("Delegate the zone to at least two nameservers (at the parent and in the zone's NS "
                            "set)."),
        "TOO_FEW_ADDRESSES": N_("Give the nameservers distinct addresses; two names on one address are one "
                                "server."),
    },
)
def ns_count(snapshot: ZoneSnapshot) -> list[Finding]:
    names = sorted(set(snapshot.parent_ns))
    addresses = sorted({s.address for s in snapshot.servers})
    evidence = tuple(snapshot.delegation_probes[-1:])
    data = {"nameservers": names, "addresses": addresses}
    findings = []
    if len(names) < 2:
        findings.append(Finding("TOO_FEW_NAMES", {"num": len(names), "names": names}, evidence, data))
    if len(addresses) < 2:
        findings.append(Finding("TOO_FEW_ADDRESSES", {"num": len(addresses), "addresses": addresses}, evidence, data))
    return findings or [Finding("ENOUGH_NAMESERVERS", {"names": len(names), "addresses": len(addresses)},
                                evidence, data)]


@zone_check(
    id="ns-authoritative", practices=(f"{CRITICAL}-5", f"{SLD}-5"),
    title=N_("Every nameserver serves the zone"),
    why=N_("Resolvers pick any of the nameservers the parent lists. One that does not serve the zone (a lame "
           "delegation) or does not answer makes a share of all lookups slow or fail, and leaves the zone with "
           "fewer servers than it seems to have."),
    passes_when=N_("Every delegated nameserver answers authoritatively (AA) for the zone."),
    references=("RFC 1034 §4.3.1", "RFC 8499 §3"),
    every_server=True,
    advice={
        "AUTHORITATIVE": N_("Nothing to change."),
        "NO_ANSWER": N_("Make the nameserver answer (is it running, and reachable over UDP and TCP port 53?), or "
                        "remove it from the delegation."),
        "LAME": N_("Serve the zone on every nameserver the parent lists, or remove the nameserver from the "
                   "delegation (a lame delegation)."),
        "NO_ADDRESS": N_("Give every delegated nameserver name an A or AAAA record (or glue at the parent)."),
    },
)
def ns_authoritative(snapshot: ZoneSnapshot) -> list[Finding]:
    apex = snapshot.zone + "."
    delegation = tuple(snapshot.delegation_probes[-1:])
    findings = [Finding("NO_ADDRESS", {"name": ns, "reason": why}, delegation)
                for ns, why in sorted(snapshot.address_errors.items())]
    others_heard = any(s.heard for s in snapshot.servers)
    for server in snapshot.servers:
        probe = server.soa_answer
        if probe is None:
            findings.append(answered_nothing(server) if others_heard and server.unanswered and not server.heard
                            else not_measured(server, server.soa, "SOA", snapshot))
        elif probe.rcode == "NOERROR" and probe.has_flag("AA") and probe.find("answer", "SOA", apex):
            findings.append(Finding("AUTHORITATIVE", {"server": server.named}, (probe,)))
        else:
            findings.append(Finding("LAME", {"server": server.named, "rcode": probe.rcode,
                                             "flags": probe.flags or msg("none")}, (probe,)))
    return findings


def answered_nothing(server: ServerSnapshot) -> Finding:
    """A server that answered nothing while the zone's other servers answered: measured, not a gap in
    our measurement. The evidence shows every question it left unanswered and why."""
    unanswered = [p for p in (server.soa, server.soa_plain, server.soa_tcp, server.axfr) if p is not None]
    reasons = distinct(msg("transport-failure", transport=p.transport.upper(), reason=p.failure())
                       for p in unanswered if p.error)
    return Finding("NO_ANSWER", {"server": server.named, "reasons": reasons or msg("none")}, tuple(unanswered))


@zone_check(
    id="ns-consistency", practices=(f"{CRITICAL}-5",),
    title=N_("Parent and zone list the same nameservers"),
    why=N_("Resolvers learn the nameservers from the parent's delegation, then from the zone itself. When the "
           "two lists differ, some resolvers use servers the others never see: a server removed on one side "
           "only keeps getting queries, or a new one is never asked."),
    passes_when=N_("The parent's NS set equals the zone's own apex NS set."),
    references=("RFC 1034 §4.2.2",),
    advice={
        "NS_SETS_EQUAL": N_("Nothing to change."),
        "NS_SETS_DIFFER": N_("Make the delegation at the parent and the NS records at the zone's apex list the "
                             "same nameservers."),
        "NS_SET_NOT_MEASURED": N_("Make every nameserver serve the zone's NS records authoritatively; none did, "
                                  "so this could not be measured."),
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
        return [Finding("NS_SET_NOT_MEASURED", {},
                        tuple(p for p in (s.ns for s in snapshot.servers) if p is not None)[:2])]
    findings = []
    delegation = tuple(snapshot.delegation_probes[-1:])
    for child, seen in sets.items():
        if list(child) == parent:
            findings.append(Finding("NS_SETS_EQUAL", {"names": parent}, delegation + (seen[0][1],)))
            continue
        only_parent = sorted(set(parent) - set(child))
        only_child = sorted(set(child) - set(parent))
        differences = ([msg("only-at-parent", names=only_parent)] if only_parent else []) + \
            ([msg("only-in-zone", names=only_child)] if only_child else [])
        # The parent's NS set and the zone's, asked again side by side.
        zone_ns = seen[0][1]
        command = "; ".join([p.dig() for p in delegation] + [dig_command(zone_ns.server, apex, "NS",
                                                                         port=zone_ns.port)])
        findings.append(Finding("NS_SETS_DIFFER", {"differences": differences,
                                                   "servers": [s.named for s, _p in seen]},
                                delegation + (zone_ns,), {"parent_ns": parent, "zone_ns": list(child)},
                                command=command))
    return findings


def network_prefix(address: str) -> str:
    """The /24 of an IPv4 address or the /48 of an IPv6 address."""
    ip = ipaddress.ip_address(address)
    return str(ipaddress.ip_network(f"{ip}/{24 if ip.version == 4 else 48}", strict=False))


def zone_facts(snapshot: ZoneSnapshot) -> dict:
    """The few facts a measurement campaign keeps besides the verdicts: the DNSKEY algorithms the servers
    answered with, how many nameservers the parent delegates to, and in how many networks (/24, /48)
    their addresses are."""
    apex = snapshot.zone + "."
    algorithms = {int(key.algorithm) for _server, probe in snapshot.answered("dnskey")
                  for key in probe.find("answer", "DNSKEY", apex) or ()}
    return {"algorithms": sorted(algorithms), "ns": len(snapshot.parent_ns),
            "networks": len({network_prefix(s.address) for s in snapshot.servers})}


@zone_check(
    id="ns-diversity", practices=(f"{CRITICAL}-6", f"{SLD}-5"),
    title=N_("Nameservers are in different networks"),
    why=N_("Nameservers in one network fail together: a single routing problem, a denial-of-service attack "
           "or an outage at one provider silences them all. Servers in different prefixes, and ideally in "
           "different autonomous systems, keep the zone reachable."),
    passes_when=N_("Nameserver addresses in at least two IPv4 /24s (or IPv6 /48s) and, where AS data is "
                   "available, in two ASes."),
    references=("RFC 2182 §3.1",),
    every_server=True,
    advice={
        "PREFIXES_DIVERSE": N_("Nothing to change."),
        "SAME_PREFIX": N_("Put at least one nameserver in another network (a different /24 or /48), ideally "
                          "with another provider."),
        "ASNS_DIVERSE": N_("Nothing to change."),
        "SAME_ASN": N_("Put at least one nameserver in another autonomous system (another provider or an "
                       "anycast DNS service)."),
        "ASN_UNAVAILABLE": N_("Nothing to change for prefixes; AS data could not be read, so AS diversity was "
                              "not judged."),
    },
)
def ns_diversity(snapshot: ZoneSnapshot) -> list[Finding]:
    addresses = sorted({s.address for s in snapshot.servers})
    prefixes = sorted({network_prefix(a) for a in addresses})
    data = {"prefixes": prefixes}
    # The servers' SOA answers show which addresses were found; the parent's delegation, asked again,
    # shows the nameservers and their addresses together.
    seen = tuple(s.soa for s in snapshot.servers if s.soa is not None)
    delegation = "; ".join(p.dig() for p in snapshot.delegation_probes[-1:])
    if len(prefixes) >= 2:
        findings = [Finding("PREFIXES_DIVERSE", {"num": len(prefixes), "prefixes": prefixes}, seen, data)]
    else:
        findings = [Finding("SAME_PREFIX", {"prefixes": prefixes}, seen, data, command=delegation)]
    known = {a: snapshot.asn[a] for a in addresses if a in snapshot.asn and snapshot.asn[a].asns}
    missing = [a for a in addresses if a not in known]
    asns = sorted({asn for answer in known.values() for asn in answer.asns})
    as_data = {"asns": {a: list(answer.asns) for a, answer in known.items()}, "asn_source": snapshot.asn_source}
    as_probes = tuple(snapshot.asn[a].probe for a in addresses if a in snapshot.asn and snapshot.asn[a].probe)
    if len(asns) >= 2:
        findings.append(Finding("ASNS_DIVERSE", {"num": len(asns), "asns": [f"AS{asn}" for asn in asns]},
                                as_probes, as_data))
    elif missing:
        reasons = [msg("asn-missing", address=a, reason=snapshot.asn[a].error if a in snapshot.asn
                       else msg("not-looked-up")) for a in missing[:4]]
        findings.append(Finding("ASN_UNAVAILABLE", {"num": len(missing), "reasons": reasons}, as_probes, as_data))
    else:
        findings.append(Finding("SAME_ASN", {"asn": f"AS{asns[0]}"}, as_probes, as_data,
                                command="; ".join(p.dig() for p in as_probes)))
    return findings


@zone_check(
    id="transport", practices=(f"{CRITICAL}-5", f"{SLD}-5"),
    title=N_("Nameservers answer over UDP, EDNS and TCP"),
    why=N_("Resolvers ask over UDP with EDNS, and over TCP when an answer is too large for UDP (DNSSEC answers "
           "often are) or when UDP is filtered. A server without TCP, or behind a firewall that drops EDNS, "
           "fails exactly those lookups."),
    passes_when=N_("Every nameserver answers over UDP with EDNS(0) and over TCP."),
    references=("RFC 6891", "RFC 7766"),
    every_server=True,
    advice={
        "TRANSPORT_OK": N_("Nothing to change."),
        "TRANSPORT_OK_TRUNCATED": N_("Nothing to change."),
        "NO_EDNS": N_("Enable EDNS(0) on the server (and make sure no middlebox strips the OPT record)."),
        "BREAKS_ON_EDNS": N_("The server, or a firewall or load balancer in front of it, drops queries that "
                             "carry an EDNS OPT record: let them through (EDNS is required since DNS flag day "
                             "2019) and make the server answer them."),
        "NO_UDP": N_("Let DNS over UDP port 53 through to the server."),
        "NO_TCP": N_("Answer DNS over TCP port 53 (RFC 7766 makes it mandatory): open the firewall and enable "
                     "it on the server."),
        "NO_ANSWER": N_("Make the nameserver answer (is it running, and reachable over UDP and TCP port 53?), or "
                        "remove it from the delegation."),
    },
)
def transport(snapshot: ZoneSnapshot) -> list[Finding]:
    findings = []
    others_heard = any(s.heard for s in snapshot.servers)
    apex = snapshot.zone + "."
    for server in snapshot.servers:
        udp, plain = server.soa, server.soa_plain
        # Over TCP any DNS answer will do: the SOA, or the AXFR even when refused.
        tcp = next((p for p in (server.soa_tcp, server.axfr) if p is not None and p.answered), server.tcp)
        # A truncated UDP answer is an answer over UDP, whatever became of the TCP retry.
        udp_ok = udp is not None and (udp.answered or udp.truncated_retry)
        plain_ok = plain is not None and plain.answered
        tcp_ok = tcp is not None and tcp.answered
        if not (udp_ok or plain_ok or tcp_ok):
            findings.append(answered_nothing(server) if others_heard and server.unanswered and not server.heard
                            else not_measured(server, udp, "SOA", snapshot))
            continue
        if plain_ok and not udp_ok:
            # The same question with EDNS (no answer) and without (an answer).
            findings.append(Finding("BREAKS_ON_EDNS", {"server": server.named, "reason": udp.failure(),
                                                       "num": udp.attempts, "rcode": plain.rcode},
                                    (udp, plain), command=f"{udp.dig()}; {plain.dig()}"))
        elif not udp_ok:
            findings.append(Finding("NO_UDP", {"server": server.named, "reason": no_answer(udp)},
                                    tuple(p for p in (udp, tcp) if p),
                                    command=dig_command(server.address, apex, "SOA", port=udp.port if udp else None)))
        elif _edns_problem(udp):
            findings.append(Finding("NO_EDNS", {"server": server.named, "rcode": udp.rcode}, (udp,)))
        if not tcp_ok:
            findings.append(Finding("NO_TCP", {"server": server.named, "reason": no_answer(tcp)},
                                    tuple(p for p in (tcp,) if p),
                                    command=dig_command(server.address, apex, "SOA", transport="tcp",
                                                        port=tcp.port if tcp else None)))
        if udp_ok and tcp_ok and not _edns_problem(udp):
            code = "TRANSPORT_OK_TRUNCATED" if udp.truncated_retry else "TRANSPORT_OK"
            findings.append(Finding(code, {"server": server.named}, (udp, tcp)))
    return findings


def _edns_problem(udp: Probe) -> bool:
    return udp.message is not None and (udp.message.edns < 0 or udp.rcode in ("FORMERR", "BADVERS"))
