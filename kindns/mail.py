"""Outgoing mail: SMTP when configured, otherwise a file in the outbox and a log line, so it works offline."""
from __future__ import annotations

import logging
import smtplib
import uuid
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path

from flask import current_app

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


def read_outbox(outbox: str | Path) -> list[EmailMessage]:
    """Messages in an outbox folder, oldest first (for tests and for operators without SMTP)."""
    from email import policy
    from email.parser import BytesParser

    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(p.read_bytes()) for p in sorted(Path(outbox).glob("*.eml"))]
