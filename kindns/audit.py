"""The audit trail: every change to an organisation is recorded with what, who and when."""
from __future__ import annotations

from typing import Any

from .extensions import db
from .models import AuditEvent, Organisation, User


def record(action: str, organisation: Organisation | None, user: User | None, **detail: Any) -> AuditEvent:
    """Add an audit event to the current session; the caller's commit stores it with the change."""
    event = AuditEvent(action=action, organisation=organisation, user=user, detail=detail)
    db.session.add(event)
    return event
