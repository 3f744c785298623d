"""The resolver checks of KINDNS.md's resolver table: pure judges over a ResolverSnapshot.

What applies depends on the declared category: a private or shared resolver should refuse us, and
then its other practices can only be declared, not measured from outside.
"""
from __future__ import annotations

from typing import Callable

from .catalogue import Finding, check
from .query import Probe
from .snapshot import ResolverSnapshot

PUBLIC, SHARED, PRIVATE = "public", "shared", "private"
CATEGORIES = (PUBLIC, SHARED, PRIVATE)
PRACTICE_PREFIX = {PUBLIC: "public-resolvers", SHARED: "shared-resolvers", PRIVATE: "private-resolvers"}

COMMON_ADVICE = {
    "NOT_MEASURED": "Make sure the resolver answers DNS queries from the registry; this could not be measured.",
    "DECLARED_ONLY": "Nothing to measure: the resolver (rightly) does not serve us, so this practice is "
                     "declared in the enrolment form.",
}


def resolver_check(*, id: str, practices: tuple[str, ...], summary: str, advice: dict[str, str],
                   references: tuple[str, ...] = ()) -> Callable:
    return check(id=id, practices=practices, summary=summary, references=references, target="resolver",
                 advice={**COMMON_ADVICE, **advice})


def serves_us(probe: Probe | None) -> bool:
    """The resolver resolved a name for us: an answer with RA set and a rcode other than REFUSED."""
    return probe is not None and probe.answered and probe.has_flag("RA") and probe.rcode != "REFUSED"


def unusable(snapshot: ResolverSnapshot, probe: Probe | None, what: str) -> Finding | None:
    """When the resolver does not serve us: n/a for private and shared ones (they should not), an error
    for public ones (they should)."""
    if serves_us(probe):
        return None
    if snapshot.category in (PRIVATE, SHARED) and not serves_us(snapshot.access):
        return Finding("DECLARED_ONLY", f"the {snapshot.category} resolver does not serve us, so {what} "
                       "cannot be measured from outside", tuple(p for p in (probe,) if p))
    if probe is None:
        return Finding("NOT_MEASURED", f"{what} not measured ({snapshot.incomplete or 'not asked'})")
    reason = f"{probe.error}: {probe.error_detail}" if not probe.answered else \
        f"{probe.rcode}, flags {' '.join(probe.flags) or 'none'}"
    return Finding("NOT_MEASURED", f"{what} not measured: the resolver did not serve us ({reason})", (probe,))


@resolver_check(
    id="resolver-access-control", practices=("private-resolvers-2", "shared-resolvers-2"),
    summary="A private or shared resolver does not answer recursive queries from us (public: n/a).",
    references=("RFC 5358",),
    advice={
        "CLOSED_TO_US": "Nothing to change.",
        "OPEN_TO_US": "Restrict recursion to your own (or your customers') networks, e.g. BIND "
                      "allow-recursion { your-networks; }; or Unbound access-control.",
        "PUBLIC_BY_DESIGN": "Not applicable: a public resolver answers everyone.",
    },
)
def resolver_access_control(snapshot: ResolverSnapshot) -> list[Finding]:
    probe = snapshot.access
    if snapshot.category == PUBLIC:
        return [Finding("PUBLIC_BY_DESIGN", "a public resolver is meant to answer everyone",
                        tuple(p for p in (probe,) if p))]
    if probe is None:
        return [Finding("NOT_MEASURED", f"not measured ({snapshot.incomplete or 'not asked'})")]
    if probe.error == "refused-by-policy":
        return [Finding("NOT_MEASURED", f"not measured: {probe.error_detail}", (probe,))]
    if serves_us(probe):
        return [Finding("OPEN_TO_US", f"it answered our recursive query for {probe.qname} ({probe.rcode}, RA set)", (probe,))]
    if probe.answered:
        return [Finding("CLOSED_TO_US", f"it refused to resolve for us ({probe.rcode}, "
                        f"RA {'set' if probe.has_flag('RA') else 'clear'})", (probe,))]
    return [Finding("CLOSED_TO_US", f"no answer to us ({probe.error}): filtered or closed", (probe,))]


@resolver_check(
    id="resolver-dnssec-validation",
    practices=("public-resolvers-1", "shared-resolvers-1", "private-resolvers-1"),
    summary="A name with a broken signature gives SERVFAIL and a well-signed name comes with the AD bit.",
    references=("RFC 4035 section 4",),
    advice={
        "VALIDATES": "Nothing to change.",
        "BOGUS_ACCEPTED": "Turn DNSSEC validation on (BIND: dnssec-validation auto; Unbound: the "
                          "validator module with an auto-trust-anchor-file).",
        "NO_AD_BIT": "Turn DNSSEC validation on: signed answers should carry the AD bit.",
    },
)
def resolver_dnssec_validation(snapshot: ResolverSnapshot) -> list[Finding]:
    problem = unusable(snapshot, snapshot.signed, "DNSSEC validation")
    if problem:
        return [problem]
    signed, bogus = snapshot.signed, snapshot.bogus
    findings = []
    if bogus is None or not bogus.answered:
        findings.append(Finding("NOT_MEASURED", "no answer for the broken name "
                                f"({bogus.error if bogus else 'not asked'})", tuple(p for p in (bogus,) if p)))
    elif bogus.rcode != "SERVFAIL":
        findings.append(Finding("BOGUS_ACCEPTED", f"{bogus.qname}, whose signature is broken, resolved "
                                f"({bogus.rcode}) instead of SERVFAIL", (bogus,)))
    if not signed.has_flag("AD"):
        findings.append(Finding("NO_AD_BIT", f"the answer for the signed name {signed.qname} has no AD bit",
                                (signed,)))
    return findings or [Finding("VALIDATES", f"SERVFAIL for {bogus.qname}, AD for {signed.qname}",
                                (bogus, signed))]


@resolver_check(
    id="resolver-qname-minimisation", practices=("public-resolvers-2", "shared-resolvers-3", "private-resolvers-3"),
    summary="The resolver reveals only the next label to each authoritative server.",
    references=("RFC 9156",),
    advice={
        "MINIMISES": "Nothing to change.",
        "NOT_MINIMISING": "Enable QNAME minimisation (BIND: qname-minimization relaxed; Unbound: "
                          "qname-minimisation: yes).",
    },
)
def resolver_qname_minimisation(snapshot: ResolverSnapshot) -> list[Finding]:
    probe = snapshot.qname_min
    problem = unusable(snapshot, probe, "QNAME minimisation")
    if problem:
        return [problem]
    texts = [b"".join(r.strings).decode("utf-8", "replace") for r in probe.find("answer", "TXT") or ()]
    marker = snapshot.qname_min_marker
    if any(marker in text for text in texts):
        return [Finding("MINIMISES", f"the test name's answer contains '{marker}'", (probe,))]
    return [Finding("NOT_MINIMISING", f"the test name's answer lacks '{marker}' ({probe.rcode}: "
                    f"{'; '.join(texts) or 'no TXT'})", (probe,))]


@resolver_check(
    id="resolver-encrypted-transport", practices=("public-resolvers-3", "shared-resolvers-7"),
    summary="It answers over DNS over TLS (port 853) or DNS over HTTPS, with a valid certificate.",
    references=("RFC 7858", "RFC 8484", "RFC 8310"),
    advice={
        "DOT_AVAILABLE": "Nothing to change.",
        "DOH_AVAILABLE": "Nothing to change.",
        "CERTIFICATE_INVALID": "Serve a certificate that chains to a public CA and names the address (or host "
                               "name) clients use, and renew it before it expires: clients that verify, as "
                               "RFC 8310's strict profile asks, refuse this one.",
        "DOH_UNAVAILABLE": "Make the declared DNS over HTTPS URL answer (RFC 8484: POST or GET of "
                           "application/dns-message), or correct the URL declared.",
        "NO_ENCRYPTED_TRANSPORT": "Offer DNS over TLS on port 853 (or DNS over HTTPS) alongside plain DNS.",
        "NO_ENCRYPTED_TRANSPORT_RECOMMENDED": "Consider offering DNS over TLS on port 853 to your customers "
                                              "(recommended for shared resolvers).",
    },
)
def resolver_encrypted_transport(snapshot: ResolverSnapshot) -> list[Finding]:
    if snapshot.category == PRIVATE:
        probes = tuple(p for p in (snapshot.dot, snapshot.doh) if p)
        return [Finding("DECLARED_ONLY", "encrypted transport is not a practice of private resolvers", probes)]
    findings: list[Finding] = []
    for name, verified, unverified in (("DNS over TLS", snapshot.dot, snapshot.dot_unverified),
                                       ("DNS over HTTPS", snapshot.doh, snapshot.doh_unverified)):
        if verified is None:
            continue
        if verified.error == "refused-by-policy":
            return [Finding("NOT_MEASURED", f"not measured: {verified.error_detail}", (verified,))]
        where = verified.url or f"port {verified.port}"
        code = "DOT_AVAILABLE" if verified.transport == "tls" else "DOH_AVAILABLE"
        if verified.answered:
            # Any DNS answer shows the service exists, even a REFUSED one for a non-customer.
            findings.append(Finding(code, f"it answered over {name} at {where} ({verified.rcode}; certificate "
                                    "verified)", (verified,)))
        elif unverified is not None and unverified.answered:
            findings.append(Finding(code, f"it answered over {name} at {where} ({unverified.rcode})", (unverified,)))
            findings.append(Finding("CERTIFICATE_INVALID", f"its {name} certificate does not verify: "
                                    f"{verified.error_detail}", (verified, unverified)))
        elif verified.transport == "https":
            failure = unverified if unverified is not None else verified
            findings.append(Finding("DOH_UNAVAILABLE", f"no DNS over HTTPS answer at {where} ({failure.error}: "
                                    f"{failure.error_detail})", (failure,)))
    if any(f.code in ("DOT_AVAILABLE", "DOH_AVAILABLE") for f in findings):
        return findings
    dot = snapshot.dot_unverified or snapshot.dot
    if dot is None:
        return [Finding("NOT_MEASURED", f"not measured ({snapshot.incomplete or 'not asked'})")]
    code = "NO_ENCRYPTED_TRANSPORT" if snapshot.category == PUBLIC else "NO_ENCRYPTED_TRANSPORT_RECOMMENDED"
    doh = f"; DNS over HTTPS: {findings[0].detail}" if findings else "; no DNS over HTTPS URL declared"
    return [Finding(code, f"no DNS over TLS on port {dot.port} ({dot.error}: {dot.error_detail}){doh}",
                    (dot,) + tuple(p for f in findings for p in f.probes))]


@resolver_check(
    id="resolver-count", practices=("public-resolvers-6", "shared-resolvers-5", "private-resolvers-5"),
    summary="At least two distinct resolver addresses declared and answering.",
    references=(),
    advice={
        "ENOUGH_RESOLVERS": "Nothing to change.",
        "TOO_FEW_RESOLVERS": "Run at least two resolvers on distinct addresses (ideally in different "
                             "networks) and declare them all.",
    },
)
def resolver_count(snapshot: ResolverSnapshot) -> list[Finding]:
    declared = sorted(set(snapshot.declared or [snapshot.address]))
    data = {"declared": declared, "answering": sorted(a for a, ok in snapshot.peers_answering.items() if ok)}
    own = tuple(p for p in (snapshot.access,) if p is not None)  # whether this address answered us
    if snapshot.category == PUBLIC:
        answering = data["answering"]
        if len(answering) >= 2:
            return [Finding("ENOUGH_RESOLVERS", f"{len(answering)} of {len(declared)} declared addresses answer",
                            own, data)]
        return [Finding("TOO_FEW_RESOLVERS", f"{len(answering)} of {len(declared)} declared addresses answer "
                        "(two needed)", own, data)]
    # Private and shared resolvers should not answer us: only the declaration can be counted.
    if len(declared) >= 2:
        return [Finding("ENOUGH_RESOLVERS", f"{len(declared)} distinct addresses declared (a closed resolver's "
                        "answers cannot be counted from outside)", own, data)]
    return [Finding("TOO_FEW_RESOLVERS", f"{len(declared)} address declared (two needed)", own, data)]
