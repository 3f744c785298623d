"""The catalogue matches KINDNS.md's tables and the policy covers every finding."""
from __future__ import annotations

import subprocess
import sys

import pytest

from kindns.checks import RESOLVER_CHECKS, ZONE_CHECKS, check
from kindns.checks.catalogue import summarise
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
    declared = {code for spec in [*ZONE_CHECKS.values(), *RESOLVER_CHECKS.values()] for code in spec.advice}
    assert declared - set(POLICY) == set()
    assert set(POLICY) - declared == set()
    assert set(POLICY.values()) <= set(VERDICTS)


def test_checks_name_registry_practices_and_say_what_they_measure():
    known = all_practice_ids()
    for spec in [*ZONE_CHECKS.values(), *RESOLVER_CHECKS.values()]:
        assert spec.practices and set(spec.practices) <= known, spec.id
        assert spec.summary.endswith("."), spec.id


def test_the_most_severe_verdict_wins_and_na_only_stands_alone():
    assert combine(["pass", "warn"]) == "warn"
    assert combine(["pass", "error", "fail"]) == "fail"
    assert combine(["warn", "error"]) == "error"
    assert combine(["n/a", "pass"]) == "pass"
    assert combine(["n/a"]) == "n/a"


def test_a_judge_emitting_an_undeclared_code_is_a_programming_error():
    from kindns.checks.catalogue import Finding

    try:
        @check(id="test-only-undeclared", practices=("sld-zones-1",), summary="Test.", advice={"SIGNED": "x"})
        def judge(_snapshot):
            return [Finding("AXFR_ALLOWED", "not declared")]

        with pytest.raises(KeyError, match="does not declare"):
            ZONE_CHECKS["test-only-undeclared"].run(object())
    finally:
        ZONE_CHECKS.pop("test-only-undeclared", None)


def test_summaries_list_a_few_findings_and_count_the_rest():
    assert summarise(["a", "b"]) == "a; b"
    assert summarise(["a", "a"]) == "a"
    assert summarise(["a", "b", "c", "d", "e"]) == "a; b; c; and 2 more"


def test_importing_the_engine_does_not_load_flask():
    code = "import kindns.checks, sys; assert 'flask' not in sys.modules, 'flask was imported'"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
