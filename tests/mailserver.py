"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the tests of mail delivery: it keeps what it accepts,
and can be told to refuse the next messages as a mail server that is down or overloaded does."""
from __future__ import annotations

import socket

import pytest
from aiosmtpd.controller import Controller

TRY_LATER = "451 4.3.0 Mail server temporarily unavailable, try again later"


class RecordingHandler:
    """Keeps every envelope the server accepts; refuses (451) the next `refuse` messages first."""

    def __init__(self) -> None:
        self.envelopes = []
        self.refused = 0
        self.refuse = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refuse -= 1
            self.refused += 1
            return TRY_LATER
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()
