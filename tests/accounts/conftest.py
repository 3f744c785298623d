"""Fixtures for account tests."""
from __future__ import annotations

import time

import pytest
from itsdangerous.timed import TimestampSigner


@pytest.fixture
def travel(monkeypatch):
    """`travel(seconds)`: from now on, signed tokens see a clock `seconds` in the future."""

    def go(seconds: int) -> None:
        later = int(time.time()) + seconds
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)

    return go
