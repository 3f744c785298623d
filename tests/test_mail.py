"""Registry mail goes through the job queue: written where the news is, queued as plain data, delivered by the
worker's `send_mail` job, which tries a failing mail server again with backoff and logs every failure. The
queue's jobs run here as a worker runs them (Huey's own execute, at the time the schedule says)."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest

from kindns import create_app, notices
from kindns.accounts import services as accounts
from kindns.enrolment import services as enrolment
from kindns.enrolment.services import EnrolmentError
from kindns.extensions import db
from kindns.mail import read_outbox
from tests.conftest import _base_config
from tests.factories import make_organisation, make_user
from tests.helpers import link_in, run_mail_jobs, submit_form
from tests.mailserver import TRY_LATER, smtp_server  # noqa: F401  (a fixture)

RETRIES = 10  # KINDNS_MAIL_RETRIES's default
FIRST_DELAY = timedelta(seconds=60)  # KINDNS_MAIL_RETRY_DELAY's default


def _utc_now() -> datetime:
    """Now as Huey's schedule writes it (naive UTC)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _use(app, controller) -> None:
    app.config.update(KINDNS_SMTP_HOST=controller.hostname, KINDNS_SMTP_PORT=controller.port)


def _retry_due(app):
    """The one message waiting in the schedule for its next try, taken out of it as the worker does when
    its time comes."""
    huey = app.extensions["kindns.jobs"].huey
    [task] = huey.scheduled()
    assert huey.read_schedule(task.eta)[0].id == task.id
    return task


def test_mail_written_during_a_request_waits_in_the_queue_as_plain_data_until_the_worker_sends_it(app, client,
                                                                                                   auth):
    owner = make_user(email="owner@acme.example", organisation=make_organisation(name="Acme"))
    auth.login_as(owner)
    huey = app.extensions["kindns.jobs"].huey

    response = submit_form(client, "/dashboard/members", {"email": "colleague@acme.example"},
                           follow_redirects=True)

    assert response.status_code == 200
    [job] = huey.pending()
    [data] = job.args
    assert job.name == "send_mail" and data["to"] == ("colleague@acme.example",)
    assert data["subject"] == "Join Acme on the KINDNS Registry" and "/invitations/" in data["body"]
    assert set(data["headers"]) == {"From", "Date", "Message-ID", "Content-Language"}
    assert read_outbox(app.config["KINDNS_OUTBOX"]) == []

    assert run_mail_jobs(app) == 1
    [message] = read_outbox(app.config["KINDNS_OUTBOX"])
    assert message["To"] == "colleague@acme.example" and message["Subject"] == data["subject"]
    assert link_in(message).startswith("/invitations/")


def test_a_failing_mail_server_is_tried_again_later_each_time_twice_as_late_and_the_mail_arrives(
        app, smtp_server, caplog):  # noqa: F811
    controller, handler = smtp_server
    _use(app, controller)
    make_user(email="alice@example.net")
    handler.refuse = 2
    caplog.set_level(logging.INFO, logger="kindns.jobs")

    accounts.request_password_reset("alice@example.net")
    before = _utc_now()
    run_mail_jobs(app)  # first try: refused
    retry = _retry_due(app)
    assert before + FIRST_DELAY <= retry.eta <= _utc_now() + FIRST_DELAY
    assert retry.retry_delay == 2 * 60  # what the next failure will wait
    app.extensions["kindns.jobs"].huey.execute(retry, retry.eta)  # second try, when it is due: refused
    last = _retry_due(app)
    assert last.retry_delay == 4 * 60
    assert handler.envelopes == [] and handler.refused == 2

    app.extensions["kindns.jobs"].huey.execute(last, last.eta)  # third try: accepted

    [envelope] = handler.envelopes
    assert envelope.rcpt_tos == ["alice@example.net"]
    assert b"/reset-password/" in envelope.content
    warnings = [r.getMessage() for r in caplog.records if r.name == "kindns.jobs" and r.levelno == logging.WARNING]
    assert warnings == [
        f"'Reset your KINDNS Registry password' to alice@example.net not sent: (451, b'{TRY_LATER[4:]}'); "
        f"trying again in 60 s ({RETRIES} more tries)",
        f"'Reset your KINDNS Registry password' to alice@example.net not sent: (451, b'{TRY_LATER[4:]}'); "
        f"trying again in 120 s ({RETRIES - 1} more tries)",
    ]
    assert "/reset-password/" not in caplog.text  # the log never holds the link


def test_a_mail_server_that_keeps_failing_is_given_up_on_loudly_after_the_last_try(app, smtp_server,
                                                                                    caplog):  # noqa: F811
    controller, handler = smtp_server
    _use(app, controller)
    handler.refuse = RETRIES + 5
    caplog.set_level(logging.INFO, logger="kindns.jobs")
    huey = app.extensions["kindns.jobs"].huey

    make_user(email="staff@icann.example", is_staff=True)
    notices.enrolment_submitted(make_organisation(name="Beta"))
    run_mail_jobs(app)
    delays = []
    while huey.scheduled():
        task = _retry_due(app)
        delays.append(task.retry_delay)
        huey.execute(task, task.eta)

    assert handler.refused == RETRIES + 1 and handler.envelopes == []
    assert delays == [60 * 2 ** n for n in range(1, RETRIES + 1)]  # the delay after each retry doubles
    [error] = [r for r in caplog.records if r.name == "kindns.jobs" and r.levelno == logging.ERROR]
    assert error.getMessage().startswith("'KINDNS: Beta submitted its enrolment for review' to staff@icann.example"
                                         " not sent: (451")
    assert error.getMessage().endswith(f"given up after {RETRIES + 1} tries, the message is lost")


@pytest.fixture
def app_with_its_queue_down(database_url, tmp_path):
    """The registry with a queue on a Redis that does not answer (nothing listens on port 9)."""
    app = create_app({**_base_config(tmp_path), "SQLALCHEMY_DATABASE_URI": database_url,
                      "KINDNS_REDIS_URL": "redis://127.0.0.1:9/0"})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_when_the_queue_cannot_take_a_message_the_owner_is_told_and_the_log_says_so(app_with_its_queue_down,
                                                                                   caplog):
    organisation = make_organisation(name="Acme")
    owner = make_user(email="owner@acme.example", organisation=organisation)

    with app_with_its_queue_down.test_request_context():
        with pytest.raises(EnrolmentError) as refused:
            enrolment.invite_member(organisation, owner, "colleague@acme.example")

    assert str(refused.value) == "The invitation is saved but the mail could not be sent; try again later."
    assert [i.email for i in enrolment.pending_invitations(organisation)] == ["colleague@acme.example"]
    assert "'Join Acme on the KINDNS Registry' to colleague@acme.example not queued" in caplog.text
    assert read_outbox(app_with_its_queue_down.config["KINDNS_OUTBOX"]) == []
