"""Helpers for tests that go through real forms, CSRF token included."""
from __future__ import annotations

import contextlib
import re
from email.message import EmailMessage
from urllib.parse import urlsplit

_CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
_VALUE = re.compile(r'value="([^"]+)"')
_LINK = re.compile(r"https?://\S+")


def csrf_token_from(html: bytes | str) -> str:
    """The value of the first `csrf_token` input in a page; fails loudly when there is none."""
    text = html.decode() if isinstance(html, bytes) else html
    field = _CSRF_INPUT.search(text)
    assert field is not None, "no csrf_token input in the page"
    value = _VALUE.search(field.group(0))
    assert value is not None, "the csrf_token input has no value"
    return value.group(1)


def submit_form(client, url: str, data: dict, *, form_url: str | None = None, **kwargs):
    """GET the page with the form (`form_url`, default `url`), then POST `data` with its CSRF token to `url`."""
    page = client.get(form_url or url)
    return client.post(url, data={**data, "csrf_token": csrf_token_from(page.data)}, **kwargs)


def login(client, email: str, password: str, **kwargs):
    """Log in through the real login form."""
    return submit_form(client, "/login", {"email": email, "password": password}, **kwargs)


def link_in(message: EmailMessage) -> str:
    """The path (with query) of the first absolute link in a plain-text message."""
    match = _LINK.search(message.get_content())
    assert match is not None, "no link in the message"
    parts = urlsplit(match.group(0))
    return parts.path + (f"?{parts.query}" if parts.query else "")


# The jobs that end in mail: what a test runs, as the worker would, before it reads the outbox.
MAIL_JOBS = frozenset({"send_mail", "register_account", "request_password_reset"})


def run_mail_jobs(app) -> int:
    """Do what a worker does with the mail work waiting in `app`'s queue (registrations and reset requests,
    then the messages they and everything else wrote), with the registry's own tasks; every other job stays
    queued, in its order. Returns how many jobs ran."""
    huey = app.extensions["kindns.jobs"].huey
    others, ran = [], 0
    while (task := huey.dequeue()) is not None:
        if task.name in MAIL_JOBS:
            huey.execute(task)
            ran += 1
        else:
            others.append(task)
    for task in others:
        huey.enqueue(task)
    return ran


def mail_sent_by(app) -> list[EmailMessage]:
    """The messages in `app`'s outbox once the mail work waiting in its queue is done."""
    from flask import current_app, has_app_context

    from kindns.mail import read_outbox

    if app.extensions["kindns.jobs"].huey.pending_count():
        # In the test's own app context when it has one (the jobs then see what the test sees), as a
        # worker's thread would otherwise.
        in_app = has_app_context() and current_app._get_current_object() is app
        with contextlib.nullcontext() if in_app else app.app_context():
            run_mail_jobs(app)
    return read_outbox(app.config["KINDNS_OUTBOX"])


@contextlib.contextmanager
def sql_statements():
    """The SQL statements the app sends to its database while the block runs."""
    from sqlalchemy import event

    from kindns.extensions import db

    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
