"""Outgoing mail: SMTP when configured, otherwise a file in the outbox and a log line, so it works offline."""
from __future__ import annotations

import logging
import smtplib
import uuid
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path
from typing import Callable

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for
from flask_babel import get_locale

log = logging.getLogger(__name__)


def send_mail(to: str | list[str], subject: str, body: str) -> EmailMessage:
    """Send a plain-text message and return it."""
    recipients = [to] if isinstance(to, str) else list(to)
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["KINDNS_MAIL_FROM"]
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = datetime.now(timezone.utc)
    message["Message-ID"] = f"<{uuid.uuid4()}@kindns-registry>"
    message.set_content(body)
    # The language it is written in (mail to several people is written once per language); after
    # set_content, which replaces the Content-* headers.
    message["Content-Language"] = str(get_locale() or "en").replace("_", "-")
    if config["KINDNS_SMTP_HOST"]:
        with smtplib.SMTP(config["KINDNS_SMTP_HOST"], config["KINDNS_SMTP_PORT"], timeout=30) as smtp:
            if config["KINDNS_SMTP_STARTTLS"]:
                smtp.starttls()
            if config["KINDNS_SMTP_USER"]:
                smtp.login(config["KINDNS_SMTP_USER"], config["KINDNS_SMTP_PASSWORD"])
            smtp.send_message(message)
    else:
        outbox = Path(config["KINDNS_OUTBOX"])
        outbox.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        path = outbox / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
        path.write_bytes(bytes(message))
        log.info("mail to %s (%s) written to %s", message["To"], subject, path)
    return message


def try_send_mail(to: str | list[str], subject: str, body: str) -> bool:
    """Send, and log rather than raise when the mail server fails: what the mail tells of is stored already,
    and a lost mail must neither undo it nor stop the next one."""
    try:
        send_mail(to, subject, body)
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("mail %r to %s not sent: %s", subject, to if isinstance(to, str) else ", ".join(to), exc)
        return False
    return True


def mail_each_language(recipients, compose: Callable[[], tuple[str, str]]) -> list[str]:
    """One message per language among `recipients` (kindns.recipients.Recipient), each written by `compose`
    (which returns the subject and the body) in that language; returns the subjects sent. A mail server
    that fails is logged, as by try_send_mail."""
    from .i18n import in_language

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


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link for a mail, under KINDNS_BASE_URL when it is set.

    Set it in production. Without it, a link mailed from a request follows the request's host, which is then
    one of KINDNS_TRUSTED_HOSTS (kindns.security refuses any other Host header, so a forged one cannot point
    a password-reset link elsewhere). Outside a request (the worker) Flask's url_for cannot build absolute
    links at all without SERVER_NAME, so the base URL is used there too."""
    config = current_app.config
    base_url = config.get("KINDNS_BASE_URL", "")
    if not base_url and (has_request_context() or config.get("SERVER_NAME")):
        return url_for(endpoint, _external=True, **values)
    if not base_url:
        log.warning("KINDNS_BASE_URL is not set: links in mail point at http://localhost")
    base = urlsplit(base_url or "http://localhost")
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http")
    return adapter.build(endpoint, values, force_external=True)
