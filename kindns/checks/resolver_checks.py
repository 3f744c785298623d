"""The resolver checks of KINDNS.md's resolver table: pure judges over a ResolverSnapshot.

What applies depends on the declared category: a private or shared resolver should refuse us, and
then its other practices can only be declared, not measured from outside.
"""
from __future__ import annotations

from typing import Callable

from .catalogue import Finding, check
from .dnssec import no_answer
from .messages import N_, msg
from .query import Probe
from .snapshot import ResolverSnapshot

PUBLIC, SHARED, PRIVATE = "public", "shared", "private"
CATEGORIES = (PUBLIC, SHARED, PRIVATE)
PRACTICE_PREFIX = {PUBLIC: "public-resolvers", SHARED: "shared-resolvers", PRIVATE: "private-resolvers"}

COMMON_ADVICE = {
    "RESOLVER_NOT_MEASURED": N_("Check again later: the resolver could not be asked in time, so this could not "
                                "be measured."),
    "ADDRESS_NOT_PROBED": N_("Declare the resolver's public address: the registry asks only public addresses, "
                             "so this was not measured."),
    "NOT_SERVED": N_("Make sure the resolver answers DNS queries from the registry; this could not be "
                     "measured."),
    "DECLARED_ONLY": N_("Nothing to measure: the resolver (rightly) does not serve us, so this practice is "
                        "declared in the enrolment form."),
}
TEST_NAME_ADVICE = N_("Nothing to change on the resolver: the registry's test name does not resolve, so this "
                      "could not be measured until the registry mends its test zone.")


def resolver_check(*, id: str, practices: tuple[str, ...], title: str, why: str, passes_when: str,
                   advice: dict[str, str], references: tuple[str, ...] = ()) -> Callable:
    return check(id=id, practices=practices, title=title, why=why, passes_when=passes_when,
                 references=references, target="resolver", advice={**COMMON_ADVICE, **advice})


def serves_us(probe: Probe | None) -> bool:
    """The resolver resolved a name for us: an answer with RA set and a rcode other than REFUSED."""
    return probe is not None and probe.answered and probe.has_flag("RA") and probe.rcode != "REFUSED"


def not_asked(snapshot: ResolverSnapshot) -> Finding:
    """A question collection did not get to ask (the deadline came first)."""
    return Finding("RESOLVER_NOT_MEASURED", {"reason": snapshot.incomplete or msg("not-asked")})


def refused_by_policy(probe: Probe | None) -> Finding | None:
    """The finding for an address the registry may not probe, else None."""
    if probe is not None and probe.error == "refused-by-policy":
        return Finding("ADDRESS_NOT_PROBED", {"reason": probe.failure()}, (probe,))
    return None


def unusable(snapshot: ResolverSnapshot, probe: Probe | None) -> Finding | None:
    """When the resolver does not serve us: n/a for private and shared ones (they should not), an error
    for public ones (they should)."""
    if serves_us(probe):
        return None
    refused = refused_by_policy(probe)
    if refused:
        return refused
    if snapshot.category in (PRIVATE, SHARED) and not serves_us(snapshot.access):
        return Finding("DECLARED_ONLY", {}, tuple(p for p in (probe,) if p))
    if probe is None:
        return not_asked(snapshot)
    reason = probe.failure() or msg("answer-flags", rcode=probe.rcode, flags=probe.flags or msg("none"))
    return Finding("NOT_SERVED", {"reason": reason}, (probe,))


def missing_test_name(probe: Probe, qtype: str) -> Finding | None:
    """A test name that does not exist, or has no record of the type asked: the resolver answered, but
    the test cannot tell anything (the registry's test zone is at fault, not the resolver)."""
    if probe.rcode == "NXDOMAIN":
        return Finding("TEST_NAME_MISSING", {"name": probe.qname, "rcode": probe.rcode}, (probe,))
    if probe.rcode == "NOERROR" and probe.find("answer", qtype) is None:
        return Finding("TEST_NAME_EMPTY", {"name": probe.qname, "qtype": qtype, "rcode": probe.rcode}, (probe,))
    return None


@resolver_check(
    id="resolver-access-control", practices=("private-resolvers-2", "shared-resolvers-2"),
    title=N_("Recursion is restricted to the operator's networks"),
    why=N_("A resolver that answers anyone on the Internet is an open resolver: it is used to amplify "
           "denial-of-service attacks and is easier to poison. A private or shared resolver should serve only "
           "its own (or its customers') networks."),
    passes_when=N_("A private or shared resolver does not answer recursive queries from us (public: n/a)."),
    references=("RFC 5358",),
    advice={
        "CLOSED_TO_US": N_("Nothing to change."),
        "SILENT_TO_US": N_("Nothing to change."),
        "OPEN_TO_US": N_("Restrict recursion to your own (or your customers') networks, e.g. BIND "
                         "allow-recursion { your-networks; }; or Unbound access-control."),
        "PUBLIC_BY_DESIGN": N_("Not applicable: a public resolver answers everyone."),
    },
)
def resolver_access_control(snapshot: ResolverSnapshot) -> list[Finding]:
    probe = snapshot.access
    if snapshot.category == PUBLIC:
        return [Finding("PUBLIC_BY_DESIGN", {}, tuple(p for p in (probe,) if p))]
    if probe is None:
        return [not_asked(snapshot)]
    refused = refused_by_policy(probe)
    if refused:
        return [refused]
    if serves_us(probe):
        return [Finding("OPEN_TO_US", {"name": probe.qname, "rcode": probe.rcode}, (probe,))]
    if probe.answered:
        return [Finding("CLOSED_TO_US", {"rcode": probe.rcode, "flags": probe.flags or msg("none")}, (probe,))]
    return [Finding("SILENT_TO_US", {"reason": probe.failure()}, (probe,))]


@resolver_check(
    id="resolver-dnssec-validation",
    practices=("public-resolvers-1", "shared-resolvers-1", "private-resolvers-1"),
    title=N_("DNSSEC answers are validated"),
    why=N_("Signatures protect users only when their resolver checks them. A validating resolver refuses "
           "forged or broken answers (SERVFAIL) and marks verified ones with the AD bit; one that does not "
           "validate hands its users whatever an attacker manages to inject."),
    passes_when=N_("A name with a broken signature gives SERVFAIL and a well-signed name comes with the AD bit."),
    references=("RFC 4035 §4",),
    advice={
        "VALIDATES": N_("Nothing to change."),
        "BOGUS_ACCEPTED": N_("Turn DNSSEC validation on (BIND: dnssec-validation auto; Unbound: the "
                             "validator module with an auto-trust-anchor-file)."),
        "NO_AD_BIT": N_("Turn DNSSEC validation on: signed answers should carry the AD bit."),
        "BOGUS_NOT_MEASURED": N_("Make sure the resolver answers DNS queries from the registry; this could not "
                                 "be measured."),
        "TEST_NAME_MISSING": TEST_NAME_ADVICE,
        "TEST_NAME_EMPTY": TEST_NAME_ADVICE,
    },
)
def resolver_dnssec_validation(snapshot: ResolverSnapshot) -> list[Finding]:
    problem = unusable(snapshot, snapshot.signed)
    if problem:
        return [problem]
    signed, bogus = snapshot.signed, snapshot.bogus
    findings = []
    if bogus is None or not bogus.answered:
        findings.append(Finding("BOGUS_NOT_MEASURED", {"name": bogus.qname if bogus else None,
                                                       "reason": bogus.failure() if bogus else msg("not-asked")},
                                tuple(p for p in (bogus,) if p)))
    elif bogus.rcode == "NXDOMAIN":
        findings.append(missing_test_name(bogus, "A"))
    elif bogus.rcode != "SERVFAIL":
        findings.append(Finding("BOGUS_ACCEPTED", {"name": bogus.qname, "rcode": bogus.rcode}, (bogus,)))
    missing = missing_test_name(signed, "A") if signed.rcode == "NXDOMAIN" else None
    if missing:
        findings.append(missing)
    elif not signed.has_flag("AD"):
        findings.append(Finding("NO_AD_BIT", {"name": signed.qname}, (signed,)))
    return findings or [Finding("VALIDATES", {"bogus": bogus.qname, "signed": signed.qname}, (bogus, signed))]


@resolver_check(
    id="resolver-qname-minimisation", practices=("public-resolvers-2", "shared-resolvers-3", "private-resolvers-3"),
    title=N_("Query names are minimised"),
    why=N_("Without QNAME minimisation a resolver sends the full name its user asked for to every server on the "
           "way — the root and the TLD learn every name looked up. With it, each server hears only the next "
           "label it needs to answer."),
    passes_when=N_("The resolver reveals only the next label to each authoritative server."),
    references=("RFC 9156",),
    advice={
        "MINIMISES": N_("Nothing to change."),
        "NOT_MINIMISING": N_("Enable QNAME minimisation (BIND: qname-minimization relaxed; Unbound: "
                             "qname-minimisation: yes)."),
        "TEST_NAME_MISSING": TEST_NAME_ADVICE,
        "TEST_NAME_EMPTY": TEST_NAME_ADVICE,
    },
)
def resolver_qname_minimisation(snapshot: ResolverSnapshot) -> list[Finding]:
    probe = snapshot.qname_min
    problem = unusable(snapshot, probe) or missing_test_name(probe, "TXT")
    if problem:
        return [problem]
    texts = [b"".join(r.strings).decode("utf-8", "replace") for r in probe.find("answer", "TXT") or ()]
    marker = snapshot.qname_min_marker
    if any(marker in text for text in texts):
        return [Finding("MINIMISES", {"marker": marker}, (probe,))]
    return [Finding("NOT_MINIMISING", {"marker": marker, "rcode": probe.rcode, "texts": texts or msg("none")},
                    (probe,))]


@resolver_check(
    id="resolver-encrypted-transport", practices=("public-resolvers-3", "shared-resolvers-7"),
    title=N_("DNS over TLS or HTTPS is offered"),
    why=N_("Plain DNS crosses the network in clear text: anyone on the path sees, and can alter, every name a "
           "user looks up. DNS over TLS or HTTPS encrypts the way from the user to the resolver; a certificate "
           "that clients can verify tells them they reached the right one."),
    passes_when=N_("It answers over DNS over TLS (port 853) or DNS over HTTPS, with a valid certificate."),
    references=("RFC 7858", "RFC 8484", "RFC 8310"),
    advice={
        "DOT_AVAILABLE": N_("Nothing to change."),
        "DOH_AVAILABLE": N_("Nothing to change."),
        "PRACTICE_NOT_APPLICABLE": N_("Nothing to change: this practice is not one of private resolvers."),
        "CERTIFICATE_INVALID": N_("Serve a certificate that chains to a public CA and names the address (or host "
                                  "name) clients use, and renew it before it expires: clients that verify, as "
                                  "RFC 8310's strict profile asks, refuse this one."),
        "DOH_UNAVAILABLE": N_("Make the declared DNS over HTTPS URL answer (RFC 8484: POST or GET of "
                              "application/dns-message), or correct the URL declared."),
        "NO_ENCRYPTED_TRANSPORT": N_("Offer DNS over TLS on port 853 (or DNS over HTTPS) alongside plain DNS."),
        "NO_ENCRYPTED_TRANSPORT_RECOMMENDED": N_("Consider offering DNS over TLS on port 853 to your customers "
                                                 "(recommended for shared resolvers)."),
    },
)
def resolver_encrypted_transport(snapshot: ResolverSnapshot) -> list[Finding]:
    if snapshot.category == PRIVATE:
        probes = tuple(p for p in (snapshot.dot, snapshot.doh) if p)
        return [Finding("PRACTICE_NOT_APPLICABLE", {}, probes)]
    findings: list[Finding] = []
    for service, verified, unverified in (("dns-over-tls", snapshot.dot, snapshot.dot_unverified),
                                          ("dns-over-https", snapshot.doh, snapshot.doh_unverified)):
        if verified is None:
            continue
        refused = refused_by_policy(verified)
        if refused:
            return [refused]
        code = "DOT_AVAILABLE" if verified.transport == "tls" else "DOH_AVAILABLE"
        where = {"url": verified.url} if verified.transport == "https" else {"port": verified.port}
        if verified.answered:
            # Any DNS answer shows the service exists, even a REFUSED one for a non-customer.
            findings.append(Finding(code, {**where, "rcode": verified.rcode,
                                           "certificate": msg("certificate-verified")}, (verified,)))
        elif unverified is not None and unverified.answered:
            findings.append(Finding(code, {**where, "rcode": unverified.rcode,
                                           "certificate": msg("certificate-not-verified")}, (unverified,)))
            # The same question with the certificate verified, as a careful client asks it.
            findings.append(Finding("CERTIFICATE_INVALID", {"service": msg(service), "reason": verified.failure()},
                                    (verified, unverified), command=verified.dig(verify=True)))
        elif verified.transport == "https":
            failure = unverified if unverified is not None else verified
            findings.append(Finding("DOH_UNAVAILABLE", {"url": verified.url, "reason": failure.failure()},
                                    (failure,)))
    if any(f.code in ("DOT_AVAILABLE", "DOH_AVAILABLE") for f in findings):
        return findings
    dot = snapshot.dot_unverified or snapshot.dot
    if dot is None:
        return [not_asked(snapshot)]
    code = "NO_ENCRYPTED_TRANSPORT" if snapshot.category == PUBLIC else "NO_ENCRYPTED_TRANSPORT_RECOMMENDED"
    doh = findings[0].message if findings else msg("no-doh-declared")
    return [Finding(code, {"port": dot.port, "reason": no_answer(dot), "doh": doh},
                    (dot,) + tuple(p for f in findings for p in f.probes))]


@resolver_check(
    id="resolver-count", practices=("public-resolvers-6", "shared-resolvers-5", "private-resolvers-5"),
    title=N_("At least two resolvers"),
    why=N_("When the only resolver stops, its users lose the whole Internet by name, though every network "
           "link still works. Two or more resolvers on distinct addresses, ideally in different networks, keep "
           "names resolving through a failure or maintenance."),
    passes_when=N_("At least two distinct resolver addresses declared and answering."),
    references=(),
    advice={
        "ENOUGH_RESOLVERS": N_("Nothing to change."),
        "ENOUGH_RESOLVERS_DECLARED": N_("Nothing to change."),
        "TOO_FEW_RESOLVERS": N_("Run at least two resolvers on distinct addresses (ideally in different "
                                "networks) and declare them all."),
        "TOO_FEW_RESOLVERS_DECLARED": N_("Run at least two resolvers on distinct addresses (ideally in different "
                                         "networks) and declare them all."),
    },
)
def resolver_count(snapshot: ResolverSnapshot) -> list[Finding]:
    declared = sorted(set(snapshot.declared or [snapshot.address]))
    data = {"declared": declared, "answering": sorted(a for a, ok in snapshot.peers_answering.items() if ok)}
    own = tuple(p for p in (snapshot.access,) if p is not None)  # whether this address answered us
    if snapshot.category == PUBLIC:
        answering = data["answering"]
        code = "ENOUGH_RESOLVERS" if len(answering) >= 2 else "TOO_FEW_RESOLVERS"
        return [Finding(code, {"answering": len(answering), "num": len(declared)}, own, data)]
    # Private and shared resolvers should not answer us: only the declaration can be counted.
    code = "ENOUGH_RESOLVERS_DECLARED" if len(declared) >= 2 else "TOO_FEW_RESOLVERS_DECLARED"
    return [Finding(code, {"num": len(declared)}, own, data)]
