"""The catalogue matches KINDNS.md's tables, the policy covers every finding and every check says what it
is, why it matters and what to do about each of its findings."""
from __future__ import annotations

import subprocess
import sys

import pytest

from kindns.checks import RESOLVER_CHECKS, ZONE_CHECKS, check
from kindns.checks.catalogue import Finding
from kindns.checks.messages import ADVICE, TEMPLATES
from kindns.checks.policy import POLICY, VERDICTS, combine
from kindns.practices import all_practice_ids

KINDNS_ZONE_IDS = ["dnssec-signed", "dnssec-valid", "dnssec-algorithm", "dnssec-nsec3-params",
                   "dnssec-signature-expiry", "axfr-restricted", "soa-serial-consistency", "no-open-recursion",
                   "ns-count", "ns-authoritative", "ns-consistency", "ns-diversity", "transport"]
KINDNS_RESOLVER_IDS = ["resolver-access-control", "resolver-dnssec-validation", "resolver-qname-minimisation",
                       "resolver-encrypted-transport", "resolver-count"]


def test_the_check_ids_are_exactly_those_of_kindns_md_in_its_order():
    assert list(ZONE_CHECKS) == KINDNS_ZONE_IDS
    assert list(RESOLVER_CHECKS) == KINDNS_RESOLVER_IDS


def test_every_finding_code_has_a_policy_verdict_and_every_policy_entry_is_used():
    declared = {code for spec in [*ZONE_CHECKS.values(), *RESOLVER_CHECKS.values()] for code in spec.codes}
    assert declared - set(POLICY) == set()
    assert set(POLICY) - declared == set()
    assert set(POLICY.values()) <= set(VERDICTS)


def test_every_finding_code_has_one_template_and_the_vocabulary_is_apart():
    finding_codes = {code for code in TEMPLATES if code == code.upper()}
    assert finding_codes == set(POLICY)
    assert all(code.isidentifier() for code in finding_codes)
    # The vocabulary nested in findings is lower-case kebab, so a code says which kind it is.
    assert all(code == code.lower() and "_" not in code for code in set(TEMPLATES) - finding_codes)


def test_checks_name_registry_practices_and_say_what_they_are_and_why_they_matter():
    known = all_practice_ids()
    titles = set()
    for spec in [*ZONE_CHECKS.values(), *RESOLVER_CHECKS.values()]:
        assert spec.practices and set(spec.practices) <= known, spec.id
        assert spec.title and not spec.title.endswith(".") and spec.title[0].isupper(), spec.id
        assert spec.why.endswith(".") and len(spec.why) > 120, spec.id
        assert spec.passes_when.endswith("."), spec.id
        titles.add(spec.title)
        for code, advice in spec.advice.items():
            assert advice.endswith(".") and ADVICE[code] == advice, (spec.id, code)
    assert len(titles) == len(ZONE_CHECKS) + len(RESOLVER_CHECKS)  # a title tells one check from the others


def test_the_most_severe_verdict_wins_and_na_only_stands_alone():
    assert combine(["pass", "warn"]) == "warn"
    assert combine(["pass", "error", "fail"]) == "fail"
    assert combine(["warn", "error"]) == "error"
    assert combine(["n/a", "pass"]) == "pass"
    assert combine(["n/a"]) == "n/a"


def test_a_judge_emitting_an_undeclared_code_is_a_programming_error():
    try:
        @check(id="test-only-undeclared", practices=("sld-zones-1",), title="Test", why="Test.",
               passes_when="Test.", advice={"SIGNED": ADVICE["SIGNED"]})
        def judge(_snapshot):
            return [Finding("AXFR_ALLOWED", {"server": "x"})]

        with pytest.raises(KeyError, match="does not declare"):
            ZONE_CHECKS["test-only-undeclared"].run(object())
    finally:
        ZONE_CHECKS.pop("test-only-undeclared", None)


def test_one_code_cannot_carry_two_different_pieces_of_advice():
    with pytest.raises(ValueError, match="other advice"):
        check(id="test-only-conflict", practices=("sld-zones-1",), title="Test", why="Test.", passes_when="Test.",
              advice={"SIGNED": "Something else."})(lambda _snapshot: [])
    assert "test-only-conflict" not in ZONE_CHECKS


def test_summaries_list_a_few_findings_and_count_the_rest():
    servers = [{"code": "server", "args": {"name": f"ns{i}.example.", "address": f"192.0.2.{i}"}} for i in range(5)]

    @check(id="test-only-summary", practices=("sld-zones-1",), title="Test", why="Test.", passes_when="Test.",
           advice={"AXFR_ALLOWED": ADVICE["AXFR_ALLOWED"]})
    def judge(count):
        return [Finding("AXFR_ALLOWED", {"server": servers[i % 5]}) for i in range(count)]

    try:
        spec = ZONE_CHECKS["test-only-summary"]
        assert spec.run(2).summary == ("ns0.example. (192.0.2.0) transferred the zone to us; "
                                       "ns1.example. (192.0.2.1) transferred the zone to us")
        assert spec.run(10).summary.endswith("ns2.example. (192.0.2.2) transferred the zone to us; and 2 more")
        outcome = spec.run(10)
        assert len(outcome.findings) == 3 and outcome.more == 2  # repeats count once
        assert outcome.findings[0] == {"code": "AXFR_ALLOWED", "args": {"server": servers[0]}, "verdict": "fail"}
        assert outcome.advice_codes == ["AXFR_ALLOWED"] and outcome.advice.startswith("Restrict zone transfers")
        assert spec.run(0).verdict == "n/a" and spec.run(0).summary == "Test"  # nothing found: the title
    finally:
        ZONE_CHECKS.pop("test-only-summary", None)


def test_importing_the_engine_does_not_load_flask():
    code = "import kindns.checks, sys; assert 'flask' not in sys.modules, 'flask was imported'"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
