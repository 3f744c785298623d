"""`dns_lab`: a session-scoped pytest fixture yielding a started DnsLab, stopped at the end of the session.

Import it where it is used (`from tests.dnslab.fixture import dns_lab`) or in a conftest.py. pytest makes
one fixture per module that imports it, so the lab itself is shared: the first user starts it, the last
one to finish stops it, and a session never starts two labs.
"""
from __future__ import annotations

import threading

import pytest

from .lab import DnsLab, start_lab

_lock = threading.Lock()
_shared: dict = {"lab": None, "context": None, "users": 0}


def acquire_lab() -> DnsLab:
    """The session's lab, started on first use."""
    with _lock:
        if _shared["lab"] is None:
            context = start_lab()
            _shared["lab"] = context.__enter__()
            _shared["context"] = context
        _shared["users"] += 1
        return _shared["lab"]


def release_lab() -> None:
    """Stop the lab when its last user is done."""
    with _lock:
        _shared["users"] -= 1
        if _shared["users"] == 0 and _shared["context"] is not None:
            context = _shared["context"]
            _shared.update(lab=None, context=None)
            context.__exit__(None, None, None)


@pytest.fixture(scope="session")
def dns_lab() -> DnsLab:
    lab = acquire_lab()
    try:
        yield lab
    finally:
        release_lab()
