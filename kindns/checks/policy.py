"""Policy: which finding is a pass, a warning, a failure, an error or not applicable.

This is the one place where levels live (as zonemaster's profile holds its test levels): changing how
strict the registry is touches no check code. Every code a check can emit must appear here, and each
has its message template in messages.py (unit tests enforce both).
"""
from __future__ import annotations

PASS, WARN, FAIL, ERROR, NOT_APPLICABLE = "pass", "warn", "fail", "error", "n/a"
VERDICTS = (PASS, WARN, FAIL, ERROR, NOT_APPLICABLE)

# When findings disagree, the most severe wins: a proven violation outranks a server we could not
# measure, which outranks a warning; "n/a" only stands when nothing else was found.
SEVERITY = {NOT_APPLICABLE: 0, PASS: 1, WARN: 2, ERROR: 3, FAIL: 4}

POLICY: dict[str, str] = {
    # a zone that cannot be measured at all: every zone check says so with the same finding
    "NO_DELEGATION": ERROR,           # the parent says there is no such zone (or answers with an error)
    "PARENT_UNREACHABLE": ERROR,      # the parent's servers could not be asked (or were not allowed to be)
    "NO_NAMESERVER_ADDRESS": ERROR,
    "NO_SERVER_ANSWERED": ERROR,
    "NO_SERVER_PROBED": ERROR,        # every nameserver address is one the address policy keeps us from
    "COLLECTION_INCOMPLETE": ERROR,   # the deadline came first
    # shared by several zone checks
    "SERVER_NOT_MEASURED": ERROR,     # one server, one question: no answer (timeout, malformed...)
    "SERVER_NOT_PROBED": ERROR,       # one server the address policy keeps us from
    "UNSIGNED": NOT_APPLICABLE,
    "NOT_AUTHORITATIVE": NOT_APPLICABLE,  # a lame server's answer says nothing about the zone (see ns-authoritative)
    "NOT_HEARD": NOT_APPLICABLE,      # a silent server is left out of zone-wide facts (see transport, ns-authoritative)
    # a server silent while the zone's others answer: our vantage point works, so this is measured
    "NO_ANSWER": FAIL,
    # dnssec-signed
    "SIGNED": PASS,
    "NOT_SIGNED": FAIL,
    "NO_DNSKEY": FAIL,
    "NO_RRSIG": FAIL,
    "NO_DS": FAIL,
    "DS_NOT_MEASURED": ERROR,
    # dnssec-valid
    "CHAIN_VALID": PASS,
    "CHAIN_BOGUS": FAIL,
    "CHAIN_INSECURE": FAIL,
    "ANCHOR_UNUSABLE": ERROR,
    "INSECURE_DELEGATION": NOT_APPLICABLE,  # unsigned, and the parent proves it (or is unsigned itself)
    "NO_DS_PROOF": FAIL,              # unsigned under a signed parent that does not prove the DS absent
    "DS_PROOF_INVALID": FAIL,
    # dnssec-algorithm
    "ALGORITHMS_OK": PASS,
    "ALGORITHM_DEPRECATED": FAIL,
    "ALGORITHM_DISCOURAGED": WARN,
    "ALGORITHM_UNKNOWN": WARN,
    "DIGEST_DEPRECATED": FAIL,
    # dnssec-nsec3-params
    "NSEC_USED": PASS,
    "NSEC3_OK": PASS,
    "NSEC3_ITERATIONS": WARN,
    "NSEC3_SALT": WARN,
    "NO_DENIAL_SEEN": ERROR,
    # dnssec-signature-expiry
    "SIGNATURES_FRESH": PASS,
    "SIGNATURE_EXPIRING": WARN,
    "SIGNATURE_EXPIRED": FAIL,
    "SIGNATURE_NOT_YET_VALID": FAIL,
    "NO_RRSIG_SEEN": ERROR,
    # axfr-restricted
    "AXFR_REFUSED": PASS,
    "AXFR_NOT_GIVEN": PASS,           # the connection was refused or closed: no transfer either
    "AXFR_ALLOWED": FAIL,
    # soa-serial-consistency
    "SERIALS_EQUAL": PASS,
    "SERIALS_DIFFER": FAIL,
    "SOA_MISSING": ERROR,
    # no-open-recursion
    "NO_RECURSION": PASS,
    "RECURSION_AVAILABLE": FAIL,
    "RECURSIVE_ANSWER": FAIL,
    # ns-count
    "ENOUGH_NAMESERVERS": PASS,
    "TOO_FEW_NAMES": FAIL,
    "TOO_FEW_ADDRESSES": FAIL,
    # ns-authoritative
    "AUTHORITATIVE": PASS,
    "LAME": FAIL,
    "NO_ADDRESS": FAIL,
    # ns-consistency
    "NS_SETS_EQUAL": PASS,
    "NS_SETS_DIFFER": WARN,
    "NS_SET_NOT_MEASURED": ERROR,
    # ns-diversity
    "PREFIXES_DIVERSE": PASS,
    "SAME_PREFIX": WARN,
    "ASNS_DIVERSE": PASS,
    "SAME_ASN": WARN,
    "ASN_UNAVAILABLE": PASS,          # judged on prefixes alone; the summary says so
    # transport
    "TRANSPORT_OK": PASS,
    "TRANSPORT_OK_TRUNCATED": PASS,
    "NO_EDNS": FAIL,
    "BREAKS_ON_EDNS": FAIL,
    "NO_UDP": FAIL,
    "NO_TCP": FAIL,
    # shared by the resolver checks
    "RESOLVER_NOT_MEASURED": ERROR,   # not asked before the deadline
    "ADDRESS_NOT_PROBED": ERROR,      # an address the address policy keeps us from
    "NOT_SERVED": ERROR,              # a public resolver that does not resolve for us cannot be measured
    # the registry's own test names do not resolve: nothing can be said about the resolver
    "TEST_NAME_MISSING": ERROR,
    "TEST_NAME_EMPTY": ERROR,
    # resolver checks that need an answer: a closed resolver cannot be measured from outside
    "DECLARED_ONLY": NOT_APPLICABLE,
    # resolver-access-control
    "CLOSED_TO_US": PASS,
    "SILENT_TO_US": PASS,
    "OPEN_TO_US": FAIL,
    "PUBLIC_BY_DESIGN": NOT_APPLICABLE,
    # resolver-dnssec-validation
    "VALIDATES": PASS,
    "BOGUS_ACCEPTED": FAIL,
    "BOGUS_NOT_MEASURED": ERROR,
    "NO_AD_BIT": FAIL,
    # resolver-qname-minimisation
    "MINIMISES": PASS,
    "NOT_MINIMISING": FAIL,
    # resolver-encrypted-transport
    "PRACTICE_NOT_APPLICABLE": NOT_APPLICABLE,
    "DOT_AVAILABLE": PASS,
    "DOH_AVAILABLE": PASS,
    "CERTIFICATE_INVALID": WARN,      # the service is there, but a verifying client would refuse it
    "DOH_UNAVAILABLE": WARN,          # declared but not answering (DoT may still meet the practice)
    "NO_ENCRYPTED_TRANSPORT": FAIL,
    "NO_ENCRYPTED_TRANSPORT_RECOMMENDED": WARN,
    # resolver-count
    "ENOUGH_RESOLVERS": PASS,
    "ENOUGH_RESOLVERS_DECLARED": PASS,
    "TOO_FEW_RESOLVERS": FAIL,
    "TOO_FEW_RESOLVERS_DECLARED": FAIL,
}


def verdict_for(code: str) -> str:
    """The verdict a finding code carries under the policy."""
    return POLICY[code]


def combine(verdicts: list[str]) -> str:
    """One verdict for a check from its findings' verdicts (the most severe; n/a when there are none)."""
    return max(verdicts, key=SEVERITY.__getitem__, default=NOT_APPLICABLE)
