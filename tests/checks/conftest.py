"""Fixtures of the check engine's tests: the DNS lab (real servers on loopback) and a CheckConfig aimed
at it, so no test ever uses the IANA defaults; and a guard on every outcome these tests judge."""
from __future__ import annotations

import pytest

from kindns.checks import CheckConfig
from kindns.checks.catalogue import CheckSpec
from tests.checks.labconfig import config_for_lab
from tests.checks.messagecheck import outcome_faults
from tests.dnslab.fixture import dns_lab  # noqa: F401  (the session's lab, started on first use)


@pytest.fixture(scope="session")
def lab_config(dns_lab) -> CheckConfig:  # noqa: F811
    return config_for_lab(dns_lab)


@pytest.fixture(autouse=True)
def every_outcome_speaks_through_the_catalogue(monkeypatch):
    """Every outcome a test here judges, from hand-built snapshots or the lab's servers, has findings whose
    templates get the arguments they need, no English in those arguments, and no word a reader sees that
    does not come from the catalogue (tests.checks.messagecheck). A test that judges a new kind of snapshot
    checks its messages too, without a line of its own."""
    judge = CheckSpec.run

    def checked(spec, snapshot):
        outcome = judge(spec, snapshot)
        faults = outcome_faults(outcome)
        assert not faults, "\n".join(faults)
        return outcome

    monkeypatch.setattr(CheckSpec, "run", checked)
