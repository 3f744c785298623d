"""Nobody learns whether an address has an account from the register and forgot-password pages: for a known
and an unknown address the request does the same work (the same SQL, none; one job of the same kind on the
queue) and gives the same answer, and only the worker, later, looks the address up. Work is counted, not
timed: timings on a shared machine prove nothing either way."""
from __future__ import annotations

from kindns.extensions import db
from kindns.mail import read_outbox
from kindns.models import User
from tests.factories import make_user
from tests.helpers import csrf_token_from, link_in, run_mail_jobs, sql_statements, submit_form

PASSWORD = "a long enough password"


def _work_of(app, client, url: str, data: dict):
    """What one POST does: its answer, the SQL it sends and the jobs it queues (name and arguments)."""
    page = client.get(url)  # the form and its CSRF token, outside the count
    huey = app.extensions["kindns.jobs"].huey
    before = {task.id for task in huey.pending()}
    with sql_statements() as statements:
        response = client.post(url, data={**data, "csrf_token": csrf_token_from(page.data)})
    queued = [(task.name, task.args) for task in huey.pending() if task.id not in before]
    return response, statements, queued


def test_forgot_password_does_the_same_work_for_a_known_and_an_unknown_address(app, client):
    make_user(email="known@example.net")

    known, known_sql, known_jobs = _work_of(app, client, "/forgot-password", {"email": "known@example.net"})
    unknown, unknown_sql, unknown_jobs = _work_of(app, client, "/forgot-password", {"email": "nobody@example.net"})

    assert known.status_code == unknown.status_code == 200
    assert known.data == unknown.data
    assert known_sql == unknown_sql == []  # the address is not even looked up
    [(name, (address, *request_args))] = known_jobs
    assert (name, address) == ("request_password_reset", "known@example.net")
    assert unknown_jobs == [(name, ("nobody@example.net", *request_args))]
    assert read_outbox(app.config["KINDNS_OUTBOX"]) == []  # nothing is sent by the request itself

    assert run_mail_jobs(app) == 3  # the worker: two requests, one message
    [message] = read_outbox(app.config["KINDNS_OUTBOX"])
    assert message["To"] == "known@example.net"
    assert link_in(message).startswith("/reset-password/")


def test_registration_does_the_same_work_for_a_new_and_a_known_address(app, client):
    make_user(email="known@example.net")
    form = {"password": PASSWORD, "password_confirm": PASSWORD}

    new, new_sql, new_jobs = _work_of(app, client, "/register", {**form, "email": "new@example.net"})
    known, known_sql, known_jobs = _work_of(app, client, "/register", {**form, "email": "known@example.net"})

    assert new.status_code == known.status_code == 200
    assert new.data == known.data
    assert new_sql == known_sql == []
    [(name, (address, password_hash, *request_args))] = new_jobs
    assert (name, address) == ("register_account", "new@example.net")
    [(known_name, (known_address, known_hash, *known_request_args))] = known_jobs
    assert (known_name, known_address, known_request_args) == (name, "known@example.net", request_args)
    assert PASSWORD not in password_hash + known_hash  # the queue carries hashes, never the password
    assert db.session.scalar(db.select(db.func.count(User.id))) == 1

    run_mail_jobs(app)
    first, second = read_outbox(app.config["KINDNS_OUTBOX"])
    assert (first["To"], link_in(first).split("/")[1]) == ("new@example.net", "confirm")
    assert (second["To"], link_in(second)) == ("known@example.net", "/forgot-password")
    assert db.session.scalar(db.select(db.func.count(User.id))) == 2


def test_the_worker_writes_a_reset_mail_in_the_language_the_request_was_made_in(app, client):
    make_user(email="known@example.net")
    submit_form(client, "/forgot-password?lang=es", {"email": "known@example.net"})

    run_mail_jobs(app)

    [message] = read_outbox(app.config["KINDNS_OUTBOX"])
    assert message["Content-Language"] == "es"
    assert "http://registry.test/reset-password/" in message.get_content()
