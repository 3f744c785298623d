"""Registry mail through a real SMTP server (aiosmtpd on 127.0.0.1). An alert, written as the worker writes it:
outside any request, with no SERVER_NAME, links built from KINDNS_BASE_URL (no DNS needed: the runs are stored
ones). A password reset asked for on the web and sent by the registry's own worker process, which tries again
when the mail server refuses."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy

from kindns.conformance import alerts
from kindns.extensions import db
from tests.conformance.conftest import registry_environment, write_instance_config
from tests.conformance.factories import make_run
from tests.factories import make_organisation, make_user
from tests.helpers import link_in, run_mail_jobs, submit_form
from tests.mailserver import smtp_server  # noqa: F401  (a fixture)


def test_regression_alert_reaches_the_smtp_server(app, outbox, smtp_server):  # noqa: F811
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
    assert handler.envelopes == []  # written and queued: the worker's next job delivers it
    assert run_mail_jobs(app) == 1
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



DELIVERY_TIMEOUT = 30.0  # seconds for the worker to start and send; it takes one or two


def test_the_worker_sends_a_reset_link_and_tries_again_when_the_mail_server_refuses(app, client, tmp_path, workers,
                                                                                  smtp_server):  # noqa: F811
    controller, handler = smtp_server
    handler.refuse = 1
    make_user(email="alice@example.net")
    instance = tmp_path / "worker-instance"
    write_instance_config(instance, {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": app.config["SECRET_KEY"],  # the link it signs opens the web app's reset page
        "KINDNS_QUEUE_FILE": app.config["KINDNS_QUEUE_FILE"],
        "KINDNS_SMTP_HOST": controller.hostname, "KINDNS_SMTP_PORT": controller.port,
        "KINDNS_MAIL_RETRY_DELAY": 0.5,
    })

    submit_form(client, "/forgot-password", {"email": "alice@example.net"})
    db.session.remove()
    worker = workers.start(registry_environment(instance))
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    while not handler.envelopes:
        workers.check_alive()
        assert time.monotonic() < deadline, workers.logs()
        time.sleep(0.1)

    [envelope] = handler.envelopes
    assert handler.refused == 1 and envelope.rcpt_tos == ["alice@example.net"]
    assert "not sent: (451" in worker.log_tail() and "trying again in" in worker.log_tail()
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == "Reset your KINDNS Registry password"
    assert "http://registry.test/reset-password/" in message.get_content()  # the host the request was made to
    page = client.get(link_in(message))
    assert page.status_code == 200 and b"Choose a new password" in page.data
