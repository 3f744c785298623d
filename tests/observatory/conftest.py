"""The observatory's tests share the conformance tests' DNS lab and worker fixtures."""
from tests.conformance.conftest import lab_check_settings, workers  # noqa: F401
from tests.dnslab.fixture import dns_lab  # noqa: F401
