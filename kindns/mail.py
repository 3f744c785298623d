"""Outgoing mail, written where the news is and delivered by the job queue.

A message is written in the process that has the news (a request, a job), in its recipient's language, and
handed over as plain data (a `PreparedMail`) to the app's outgoing-mail hook. The factory wires that hook to
the job queue (kindns.jobs), whose worker delivers the message, retrying a failing mail server with backoff:
a request never waits for SMTP, and a registered address costs a request no more than an unknown one.

Delivery is SMTP when KINDNS_SMTP_HOST is set, otherwise a file in the outbox folder (readable by its owner
only: messages hold password-reset links) and a log line, so that the registry works offline.
"""
from __future__ import annotations

import contextlib
import logging
import smtplib
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from flask import Flask, current_app, g, has_request_context, request, url_for
from flask_babel import get_locale

from .files import write_private_file
from .i18n import in_language

log = logging.getLogger(__name__)
OUTGOING = "kindns.mail.outgoing"


class MailNotSent(Exception):
    """A message that could not be handed over (the queue's storage failed) or delivered (the mail server
    failed)."""


@dataclass(frozen=True)
class PreparedMail:
    """A message ready to go: what the queue carries from the writer to the worker."""

    to: tuple[str, ...]
    subject: str
    body: str
    headers: dict[str, str] = field(default_factory=dict)  # From, Date, Message-ID, Content-Language

    def as_data(self) -> dict:
        return asdict(self)

    @classmethod
    def from_data(cls, data: dict) -> PreparedMail:
        return cls(to=tuple(data["to"]), subject=data["subject"], body=data["body"], headers=dict(data["headers"]))

    def as_message(self) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.headers["From"]
        message["To"] = ", ".join(self.to)
        message["Subject"] = self.subject
        for name in ("Date", "Message-ID"):
            message[name] = self.headers[name]
        message.set_content(self.body)
        # After set_content, which replaces the Content-* headers.
        message["Content-Language"] = self.headers["Content-Language"]
        return message

    def __str__(self) -> str:  # what the log says of it: never the body, which may hold a reset link
        return f"{self.subject!r} to {', '.join(self.to)}"


def prepare_mail(to: str | list[str], subject: str, body: str) -> PreparedMail:
    """A plain-text message in the current language (mail to several people is written once per language)."""
    return PreparedMail(
        to=(to,) if isinstance(to, str) else tuple(to), subject=str(subject), body=body,
        headers={"From": current_app.config["KINDNS_MAIL_FROM"],
                 "Date": format_datetime(datetime.now(timezone.utc)),
                 "Message-ID": f"<{uuid.uuid4()}@kindns-registry>",
                 "Content-Language": str(get_locale() or "en").replace("_", "-")})


def deliver(mail: PreparedMail) -> None:
    """Send `mail` now: over SMTP when configured, else into the outbox folder. Raises MailNotSent."""
    config = current_app.config
    message = mail.as_message()
    try:
        if config["KINDNS_SMTP_HOST"]:
            with smtplib.SMTP(config["KINDNS_SMTP_HOST"], config["KINDNS_SMTP_PORT"], timeout=30) as smtp:
                if config["KINDNS_SMTP_STARTTLS"]:
                    smtp.starttls()
                if config["KINDNS_SMTP_USER"]:
                    smtp.login(config["KINDNS_SMTP_USER"], config["KINDNS_SMTP_PASSWORD"])
                smtp.send_message(message)
            return
        path = _write_to_outbox(Path(config["KINDNS_OUTBOX"]), bytes(message))
    except (smtplib.SMTPException, OSError) as exc:
        raise MailNotSent(f"{mail} not sent: {exc}") from exc
    log.info("mail %s written to %s", mail, path)


def _write_to_outbox(outbox: Path, content: bytes) -> Path:
    # The owner's alone, folder and files, whatever the umask: a message may hold a password-reset link.
    outbox.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    path = outbox / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
    write_private_file(path, content)
    return path


def set_outgoing(app: Flask, hand_over: Callable[[PreparedMail], None]) -> None:
    """Where `app` hands every prepared message (the factory wires the job queue). `hand_over` raises
    MailNotSent when it cannot take the message. Without a hook, messages are delivered at once."""
    app.extensions[OUTGOING] = hand_over


def send_mail(to: str | list[str], subject: str, body: str) -> PreparedMail:
    """Write a plain-text message and hand it over for delivery; returns it. Raises MailNotSent."""
    mail = prepare_mail(to, subject, body)
    current_app.extensions.get(OUTGOING, deliver)(mail)
    return mail


def try_send_mail(to: str | list[str], subject: str, body: str) -> bool:
    """Send, and log rather than raise when the message cannot be handed over: what the mail tells of is stored
    already, and a lost mail must neither undo it nor stop the next one."""
    try:
        send_mail(to, subject, body)
    except MailNotSent as exc:
        log.error("%s", exc)
        return False
    return True


def mail_each_language(recipients, compose: Callable[[], tuple[str, str]]) -> list[str]:
    """One message per language among `recipients` (kindns.recipients.Recipient), each written by `compose`
    (which returns the subject and the body) in that language; returns the subjects sent. A message that
    cannot be handed over is logged, as by try_send_mail."""
    by_language: dict[str | None, list[str]] = {}
    for recipient in recipients:
        by_language.setdefault(recipient.language, []).append(recipient.address)
    sent = []
    for language, addresses in by_language.items():
        with in_language(language):
            subject, body = compose()
            if try_send_mail(addresses, subject, body):
                sent.append(subject)
    return sent


def read_outbox(outbox: str | Path) -> list[EmailMessage]:
    """Messages in an outbox folder, oldest first (for tests and for operators without SMTP)."""
    from email import policy
    from email.parser import BytesParser

    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(p.read_bytes()) for p in sorted(Path(outbox).glob("*.eml"))]


# --- links ----------------------------------------------------------------------------------------

def request_link_base() -> str:
    """The root URL of the current request ("" outside one): what links in mail are built on when
    KINDNS_BASE_URL is unset, for a job that writes mail on behalf of this request (`writing_for_request`)."""
    return request.url_root if has_request_context() else ""


@contextlib.contextmanager
def writing_for_request(language: str | None, link_base: str):
    """Write mail in a job as the request that queued it would have: in its language, with links to the
    host it was made to (`request_link_base`, one of KINDNS_TRUSTED_HOSTS) unless KINDNS_BASE_URL is set."""
    previous = g.get("kindns_link_base")
    g.kindns_link_base = link_base
    try:
        with in_language(language):
            yield
    finally:
        g.kindns_link_base = previous


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link for a mail, under KINDNS_BASE_URL when it is set.

    Set it in production. Without it, a link mailed from a request (or from a job writing for one,
    `writing_for_request`) follows the request's host, which is then one of KINDNS_TRUSTED_HOSTS (kindns.security
    refuses any other Host header, so a forged one cannot point a password-reset link elsewhere). Elsewhere
    (the worker's alerts) Flask's url_for cannot build absolute links at all without SERVER_NAME, so the base
    URL is used there too."""
    config = current_app.config
    base_url = config.get("KINDNS_BASE_URL", "") or g.get("kindns_link_base") or ""
    if not base_url and (has_request_context() or config.get("SERVER_NAME")):
        return url_for(endpoint, _external=True, **values)
    if not base_url:
        log.warning("KINDNS_BASE_URL is not set: links in mail point at http://localhost")
    base = urlsplit(base_url or "http://localhost")
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http")
    return adapter.build(endpoint, values, force_external=True)
