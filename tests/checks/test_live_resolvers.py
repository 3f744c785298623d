"""Every resolver check against the lab's Unbound resolvers, per role and category."""
from __future__ import annotations

import json
import time

import pytest

from kindns.checks import RESOLVER_CHECKS, run_resolver_checks
from kindns.checks.messages import render
from tests.checks.labconfig import config_for_lab

pytestmark = pytest.mark.dns

# (role, category) -> verdict of every resolver check when the role's address is declared alone
EXPECTED: dict[tuple[str, str], dict[str, str]] = {
    ("validating", "public"): {
        "resolver-access-control": "n/a", "resolver-dnssec-validation": "pass",
        "resolver-qname-minimisation": "pass", "resolver-encrypted-transport": "fail", "resolver-count": "fail"},
    ("non-validating", "public"): {
        "resolver-access-control": "n/a", "resolver-dnssec-validation": "fail",
        "resolver-qname-minimisation": "fail", "resolver-encrypted-transport": "fail", "resolver-count": "fail"},
    ("dot", "public"): {
        "resolver-access-control": "n/a", "resolver-dnssec-validation": "pass",
        "resolver-qname-minimisation": "pass", "resolver-encrypted-transport": "pass", "resolver-count": "fail"},
    ("closed", "public"): {
        "resolver-access-control": "n/a", "resolver-dnssec-validation": "error",
        "resolver-qname-minimisation": "error", "resolver-encrypted-transport": "fail", "resolver-count": "fail"},
    ("closed", "private"): {
        "resolver-access-control": "pass", "resolver-dnssec-validation": "n/a",
        "resolver-qname-minimisation": "n/a", "resolver-encrypted-transport": "n/a", "resolver-count": "fail"},
    ("closed", "shared"): {
        "resolver-access-control": "pass", "resolver-dnssec-validation": "n/a",
        "resolver-qname-minimisation": "n/a", "resolver-encrypted-transport": "warn", "resolver-count": "fail"},
    ("validating", "private"): {
        "resolver-access-control": "fail", "resolver-dnssec-validation": "pass",
        "resolver-qname-minimisation": "pass", "resolver-encrypted-transport": "n/a", "resolver-count": "fail"},
    ("non-validating", "shared"): {
        "resolver-access-control": "fail", "resolver-dnssec-validation": "fail",
        "resolver-qname-minimisation": "fail", "resolver-encrypted-transport": "warn", "resolver-count": "fail"},
    ("dot", "shared"): {
        "resolver-access-control": "fail", "resolver-dnssec-validation": "pass",
        "resolver-qname-minimisation": "pass", "resolver-encrypted-transport": "pass", "resolver-count": "fail"},
}


def test_the_lab_has_the_resolver_roles_this_module_expects(dns_lab):
    assert set(dns_lab.resolvers) == {role for role, _category in EXPECTED}


@pytest.mark.parametrize("role, category", list(EXPECTED))
def test_every_resolver_check(dns_lab, lab_config, role, category):
    [report] = run_resolver_checks([dns_lab.resolvers[role]], category, lab_config)
    assert report.target == dns_lab.resolvers[role]
    got = {c.id: c.verdict for c in report.checks}
    assert list(got) == list(RESOLVER_CHECKS)
    assert got == EXPECTED[(role, category)], {c.id: c.summary for c in report.checks}
    for result in report.checks:
        assert result.evidence
        if result.verdict in ("fail", "warn", "error"):
            assert f"dig @{dns_lab.resolvers[role]}" in result.advice


def test_two_answering_public_resolvers_pass_the_count(dns_lab, lab_config):
    addresses = [dns_lab.resolvers["validating"], dns_lab.resolvers["dot"]]
    reports = run_resolver_checks(addresses, "public", lab_config)
    assert [r.verdict("resolver-count") for r in reports] == ["pass", "pass"]


def test_a_declared_public_resolver_that_refuses_us_does_not_count(dns_lab, lab_config):
    addresses = [dns_lab.resolvers["validating"], dns_lab.resolvers["closed"]]
    reports = run_resolver_checks(addresses, "public", lab_config)
    assert [r.verdict("resolver-count") for r in reports] == ["fail", "fail"]
    assert "1 of 2 declared addresses answer" in reports[0].result("resolver-count").summary


def test_two_closed_private_resolvers_pass_on_their_declaration(dns_lab, lab_config):
    reports = run_resolver_checks([dns_lab.resolvers["closed"], "127.0.0.244"], "private", lab_config)
    assert [r.verdict("resolver-count") for r in reports] == ["pass", "pass"]


def test_the_broken_name_is_shown_resolving_on_a_non_validating_resolver(dns_lab, lab_config):
    [report] = run_resolver_checks([dns_lab.resolvers["non-validating"]], "public", lab_config)
    result = report.result("resolver-dnssec-validation")
    assert dns_lab.bogus_name in result.summary and "instead of SERVFAIL" in result.summary


def test_a_dead_resolver_gives_errors_quickly(dns_lab):
    config = config_for_lab(dns_lab, timeout=0.3, retries=1)
    started = time.monotonic()
    [public] = run_resolver_checks(["127.0.0.245"], "public", config)
    assert time.monotonic() - started < 3
    got = {c.id: c.verdict for c in public.checks}
    assert got["resolver-dnssec-validation"] == "error" and got["resolver-qname-minimisation"] == "error"
    assert got["resolver-encrypted-transport"] == "fail"
    probe = public.result("resolver-dnssec-validation").evidence[0]["probes"][0]
    assert probe["error"] == "timeout"


def test_loopback_resolvers_are_refused_without_allow_private(dns_lab):
    config = config_for_lab(dns_lab, allow_private=False)
    [report] = run_resolver_checks([dns_lab.resolvers["validating"]], "private", config)
    result = report.result("resolver-access-control")
    assert result.verdict == "error"
    assert "loopback" in result.summary and result.evidence[0]["probes"][0]["error"] == "refused-by-policy"


def test_the_cli_checks_resolvers(app, runner, dns_lab):
    result = runner.invoke(args=[
        "kindns", "check-resolver", dns_lab.resolvers["dot"], dns_lab.resolvers["validating"],
        "--category", "public", "--allow-private", "--root-hints", str(dns_lab.root_hints),
        "--trust-anchor", str(dns_lab.trust_anchor), "--signed-name", dns_lab.signed_name,
        "--bogus-name", dns_lab.bogus_name, "--qname-min-zone", dns_lab.qname_min_name,
        "--tls-ca-file", str(dns_lab.tls_ca), "--json"])
    assert result.exit_code == 0, result.output
    dot, validating = json.loads(result.stdout)
    verdicts = {c["id"]: c["verdict"] for c in dot["checks"]}
    assert verdicts == {"resolver-access-control": "n/a", "resolver-dnssec-validation": "pass",
                        "resolver-qname-minimisation": "pass", "resolver-encrypted-transport": "pass",
                        "resolver-count": "pass"}
    assert {c["id"]: c["verdict"] for c in validating["checks"]}["resolver-encrypted-transport"] == "fail"


def test_resolver_reports_rejudged_from_their_stored_snapshots_are_the_same(dns_lab, lab_config, monkeypatch):
    from kindns.checks import rejudge
    from kindns.checks.query import Prober

    reports = run_resolver_checks([dns_lab.resolvers["dot"], dns_lab.resolvers["closed"]], "shared", lab_config)
    stored = [json.loads(json.dumps(r.snapshot)) for r in reports]
    monkeypatch.setattr(Prober, "ask", lambda *a, **k: pytest.fail("re-judging sent a query"))
    assert [rejudge(data).to_dict() for data in stored] == [r.to_dict() for r in reports]


def test_a_declared_doh_url_is_asked_over_https_with_the_certificate_verified(dns_lab, lab_config):
    address = dns_lab.resolvers["dot"]
    [report] = run_resolver_checks([address], "public", lab_config, doh_urls={address: dns_lab.doh_url})
    outcome = report.result("resolver-encrypted-transport")
    assert outcome.verdict == "pass", outcome.summary
    doh = next(e for e in outcome.evidence if e["finding"] == "DOH_AVAILABLE")
    probe = doh["probes"][0]
    assert probe["transport"] == "https" and probe["url"] == dns_lab.doh_url and probe["certificate"] == "verified"
    assert probe["rcode"] == "NOERROR" and "+https=/dns-query" in probe["dig"]


def test_a_certificate_the_checker_cannot_verify_is_a_warning_with_the_reason(dns_lab, lab_config):
    address = dns_lab.resolvers["dot"]
    untrusting = lab_config.replace(tls_ca_file="")  # the system's store does not know the lab's CA
    [report] = run_resolver_checks([address], "public", untrusting, doh_urls={address: dns_lab.doh_url})
    outcome = report.result("resolver-encrypted-transport")
    assert outcome.verdict == "warn", outcome.summary
    invalid = [e for e in outcome.evidence if e["finding"] == "CERTIFICATE_INVALID"]
    assert {e["probes"][0]["transport"] for e in invalid} == {"tls", "https"}
    assert all("certificate" in render(e["message"]) and e["probes"][1]["certificate"] == "not verified"
               for e in invalid)


def test_a_doh_url_where_nothing_answers_is_reported(dns_lab, lab_config):
    address = dns_lab.resolvers["validating"]  # no DoT, no DoH
    [report] = run_resolver_checks([address], "shared", lab_config.replace(timeout=0.5),
                                   doh_urls={address: "https://dns.lab.test/dns-query"})
    outcome = report.result("resolver-encrypted-transport")
    assert outcome.verdict == "warn" and "DNS over HTTPS" in outcome.summary
    assert any(p.get("transport") == "https" for e in outcome.evidence for p in e.get("probes", []))


def test_test_names_that_do_not_exist_make_the_checks_unmeasured_not_failed(dns_lab, lab_config):
    missing = "no-such-name." + dns_lab.zones["good"]
    config = lab_config.replace(signed_name=missing, bogus_name=missing,
                                qname_min_name="no-such-name." + dns_lab.qname_min_name.split(".", 2)[2])
    [report] = run_resolver_checks([dns_lab.resolvers["non-validating"]], "public", config)
    assert report.verdict("resolver-dnssec-validation") == "error"
    assert report.verdict("resolver-qname-minimisation") == "error"
    assert report.result("resolver-dnssec-validation").summary == \
        f"not measured: the test name {missing}. does not exist (NXDOMAIN)"
    assert "does not exist (NXDOMAIN)" in report.result("resolver-qname-minimisation").summary
