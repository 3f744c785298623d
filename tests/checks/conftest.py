"""Fixtures of the check engine's tests: the DNS lab (real servers on loopback) and a CheckConfig aimed
at it, so no test ever uses the IANA defaults."""
from __future__ import annotations

import pytest

from kindns.checks import CheckConfig
from tests.checks.labconfig import config_for_lab
from tests.dnslab.fixture import dns_lab  # noqa: F401  (the session's lab, started on first use)


@pytest.fixture(scope="session")
def lab_config(dns_lab) -> CheckConfig:  # noqa: F811
    return config_for_lab(dns_lab)
