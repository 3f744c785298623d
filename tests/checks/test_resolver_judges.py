"""The resolver judges on hand-built snapshots, per category."""
from __future__ import annotations

import pytest

from kindns.checks import RESOLVER_CHECKS
from tests.checks.builders import resolver_snapshot


def verdicts(snapshot) -> dict[str, str]:
    return {check_id: spec.run(snapshot).verdict for check_id, spec in RESOLVER_CHECKS.items()}


def test_a_good_public_resolver():
    assert verdicts(resolver_snapshot("public")) == {
        "resolver-access-control": "n/a",
        "resolver-dnssec-validation": "pass",
        "resolver-qname-minimisation": "pass",
        "resolver-encrypted-transport": "pass",
        "resolver-count": "pass",
    }


def test_a_public_resolver_that_does_nothing_right():
    snapshot = resolver_snapshot("public", validates=False, minimises=False, dot=False,
                                 declared=["192.0.2.53"])
    got = verdicts(snapshot)
    assert got == {
        "resolver-access-control": "n/a",
        "resolver-dnssec-validation": "fail",
        "resolver-qname-minimisation": "fail",
        "resolver-encrypted-transport": "fail",
        "resolver-count": "fail",
    }
    validation = RESOLVER_CHECKS["resolver-dnssec-validation"].run(snapshot)
    assert "instead of SERVFAIL" in validation.summary and "no AD bit" in validation.summary
    assert "dig @192.0.2.53 www.bogus.test. A +recurse" in validation.advice


def test_a_closed_private_resolver_passes_access_control_and_the_rest_is_declared():
    got = verdicts(resolver_snapshot("private", serves=False))
    assert got == {
        "resolver-access-control": "pass",
        "resolver-dnssec-validation": "n/a",
        "resolver-qname-minimisation": "n/a",
        "resolver-encrypted-transport": "n/a",
        "resolver-count": "pass",
    }


def test_a_private_resolver_open_to_us_fails_access_control_and_is_measured():
    snapshot = resolver_snapshot("private", validates=False)
    got = verdicts(snapshot)
    assert got["resolver-access-control"] == "fail"
    assert got["resolver-dnssec-validation"] == "fail"
    assert "answered our recursive query for www.signed.test." in RESOLVER_CHECKS["resolver-access-control"].run(snapshot).summary


def test_a_shared_resolver_without_dot_gets_a_warning_not_a_failure():
    assert verdicts(resolver_snapshot("shared", serves=False, dot=False))["resolver-encrypted-transport"] == "warn"


def test_a_public_resolver_that_refuses_us_cannot_be_measured():
    got = verdicts(resolver_snapshot("public", serves=False, dot=False))
    assert got["resolver-dnssec-validation"] == "error"
    assert got["resolver-qname-minimisation"] == "error"
    assert got["resolver-count"] == "fail"


def test_a_single_declared_private_resolver_fails_the_count():
    snapshot = resolver_snapshot("private", serves=False, declared=["192.0.2.53"])
    outcome = RESOLVER_CHECKS["resolver-count"].run(snapshot)
    assert outcome.verdict == "fail" and "1 address declared" in outcome.summary


@pytest.mark.parametrize("marker, verdict", [("HOORAY", "pass"), ("SOMETHING-ELSE", "fail")])
def test_the_qname_minimisation_marker_is_configuration(marker, verdict):
    snapshot = resolver_snapshot("public", marker=marker)
    assert RESOLVER_CHECKS["resolver-qname-minimisation"].run(snapshot).verdict == verdict


def encrypted(snapshot):
    return RESOLVER_CHECKS["resolver-encrypted-transport"].run(snapshot)


def https_probe(address, **options):
    from tests.checks.builders import probe, rrset
    made = probe(address, "www.signed.test.", "A", rd=True, transport="https",
                 answer=[rrset("www.signed.test. 300 IN A 192.0.2.80")], **options)
    made.url = "https://dns.example.net/dns-query"
    return made


def test_a_certificate_that_does_not_verify_is_a_warning_that_names_the_reason():
    from tests.checks.builders import probe
    snapshot = resolver_snapshot("public")
    failed = probe(snapshot.address, "www.signed.test.", "A", error="tls-certificate", transport="tls", rd=True)
    failed.error_detail = "certificate not valid: self-signed certificate"
    snapshot.dot, snapshot.dot_unverified = failed, snapshot.dot
    outcome = encrypted(snapshot)
    assert outcome.verdict == "warn" and "self-signed" in outcome.summary
    assert [e["finding"] for e in outcome.evidence] == ["DOT_AVAILABLE", "CERTIFICATE_INVALID"]


def test_doh_alone_meets_the_practice_and_a_declared_doh_that_fails_is_a_warning():
    snapshot = resolver_snapshot("public", dot=False)
    snapshot.doh_url, snapshot.doh = "https://dns.example.net/dns-query", https_probe(snapshot.address)
    outcome = encrypted(snapshot)
    assert outcome.verdict == "pass" and "DNS over HTTPS at https://dns.example.net/dns-query" in outcome.summary
    with_dot = resolver_snapshot("public")
    with_dot.doh_url, with_dot.doh = snapshot.doh_url, https_probe(with_dot.address, error="https-status")
    outcome = encrypted(with_dot)
    assert outcome.verdict == "warn" and [e["finding"] for e in outcome.evidence] == ["DOT_AVAILABLE", "DOH_UNAVAILABLE"]


def test_without_dot_or_doh_the_evidence_shows_both_attempts():
    snapshot = resolver_snapshot("public", dot=False)
    snapshot.doh_url, snapshot.doh = "https://dns.example.net/dns-query", https_probe(snapshot.address, error="timeout")
    outcome = encrypted(snapshot)
    assert outcome.verdict == "fail"
    assert {p["transport"] for e in outcome.evidence for p in e["probes"]} == {"tls", "https"}


def nxdomain(snapshot, qname, qtype="A"):
    from tests.checks.builders import probe
    return probe(snapshot.address, qname, qtype, rcode="NXDOMAIN", flags="QR RD RA", rd=True)


@pytest.mark.parametrize("category", ["public", "shared"])
def test_test_names_that_do_not_exist_leave_the_resolver_unmeasured_not_failed(category):
    snapshot = resolver_snapshot(category, validates=False, minimises=False)
    snapshot.signed = nxdomain(snapshot, "www.signed.test.")
    snapshot.bogus = nxdomain(snapshot, "www.bogus.test.")
    snapshot.qname_min = nxdomain(snapshot, "a.b.qnamemin.test.", "TXT")
    validation = RESOLVER_CHECKS["resolver-dnssec-validation"].run(snapshot)
    assert validation.verdict == "error"
    assert validation.summary == ("not measured: the test name www.bogus.test. does not exist (NXDOMAIN); "
                                  "not measured: the test name www.signed.test. does not exist (NXDOMAIN)")
    assert "KINDNS" not in validation.advice and "registry mends its test zone" in validation.advice
    minimisation = RESOLVER_CHECKS["resolver-qname-minimisation"].run(snapshot)
    assert minimisation.verdict == "error"
    assert minimisation.summary == "not measured: the test name a.b.qnamemin.test. does not exist (NXDOMAIN)"


def test_a_test_name_without_the_record_asked_is_unmeasured_and_a_broken_name_that_resolves_still_fails():
    from tests.checks.builders import probe
    snapshot = resolver_snapshot("public", validates=False)
    snapshot.qname_min = probe(snapshot.address, "a.b.qnamemin.test.", "TXT", flags="QR RD RA", rd=True)
    minimisation = RESOLVER_CHECKS["resolver-qname-minimisation"].run(snapshot)
    assert minimisation.verdict == "error" and "has no TXT record (NOERROR)" in minimisation.summary
    snapshot.signed = nxdomain(snapshot, "www.signed.test.")
    # The broken name resolved: that is proven whatever became of the signed name.
    assert RESOLVER_CHECKS["resolver-dnssec-validation"].run(snapshot).verdict == "fail"


def test_a_resolver_address_the_policy_keeps_us_from_reads_not_measured_and_names_no_setting():
    from tests.checks.builders import probe
    snapshot = resolver_snapshot("private", address="10.0.0.53")
    refused = probe("10.0.0.53", "www.signed.test.", "A", error="refused-by-policy", rd=True)
    snapshot.access = snapshot.signed = snapshot.bogus = snapshot.qname_min = refused
    for check_id in ("resolver-access-control", "resolver-dnssec-validation", "resolver-qname-minimisation"):
        outcome = RESOLVER_CHECKS[check_id].run(snapshot)
        assert outcome.verdict == "error" and outcome.summary == "not measured: the address is private", check_id
