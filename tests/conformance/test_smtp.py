"""Alert mail through a real SMTP server (aiosmtpd on 127.0.0.1), sent as the worker sends it: outside any
request, with no SERVER_NAME, links built from KINDNS_BASE_URL. No DNS needed: the runs are stored ones."""
from __future__ import annotations

import socket
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from kindns.conformance import alerts
from tests.conformance.factories import make_run
from tests.factories import make_organisation, make_user


class RecordingHandler:
    """Keeps every envelope the server accepts."""

    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
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


def test_regression_alert_reaches_the_smtp_server(app, outbox, smtp_server):
    controller, handler = smtp_server
    app.config.update(KINDNS_SMTP_HOST=controller.hostname, KINDNS_SMTP_PORT=controller.port,
                      KINDNS_MAIL_FROM="KINDNS Registry <alerts@registry.example.net>",
                      KINDNS_BASE_URL="https://registry.example.net", SERVER_NAME=None)
    organisation = make_organisation(name="Mail Networks", approved=True, zones=("mail.example",))
    member = make_user(email="noc@mail.example", organisation=organisation)
    zone = organisation.zones[0]
    before = make_run(zone, finished_at=datetime.now(timezone.utc) - timedelta(days=1))
    after = make_run(zone, {"axfr-restricted": "fail", "transport": "fail", "ns-diversity": "warn"})

    sent = alerts.after_run(after)  # an app context only, as in the worker

    assert sent == ["KINDNS: mail.example now fails 2 checks"]
    [envelope] = handler.envelopes
    assert envelope.mail_from == "alerts@registry.example.net"
    assert sorted(envelope.rcpt_tos) == sorted([organisation.contact_email, member.email])
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == "KINDNS: mail.example now fails 2 checks"
    assert message["From"] == "KINDNS Registry <alerts@registry.example.net>"
    body = message.get_content()
    assert "These checks of mail.example passed before and fail now:" in body
    assert "* Zone transfers are restricted: axfr-restricted is fail" in body and "Fix axfr-restricted." in body
    assert "* Nameservers answer over UDP, EDNS and TCP: transport is fail" in body
    assert "Nameservers are in different networks" not in body  # a warning is no regression
    assert f"https://registry.example.net/dashboard/zones/{zone.id}/report" in body
    assert outbox() == []  # sent over SMTP, not written to the outbox

