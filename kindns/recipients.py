"""Who hears about what, and in which language: the one place that decides the addresses a registry mail
goes to.

- Alerts about an organisation's checks (regressions, expiring signatures, answers to disputes) reach its
  public NOC contact and every member: the contact is who runs the servers.
- Review decisions reach the members (the people who enrolled); the contact only while nobody has joined.
- Staff notices (a submission to review, a disputed verdict, the daily digest) reach every staff account.

Each address comes with a language: its account's choice; for an address without an account (a NOC
contact), the organisation owner's; else none (the registry's default).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from .extensions import db
from .models import Organisation, User


@dataclass(frozen=True)
class Recipient:
    address: str
    language: str | None = None


def _with_languages(addresses: list[str], fallback: str | None = None) -> list[Recipient]:
    unique = list(dict.fromkeys(a for a in addresses if a))
    if not unique:
        return []
    known = dict(db.session.execute(
        select(func.lower(User.email), User.language).where(func.lower(User.email).in_([a.lower() for a in unique]))
    ).all())
    return [Recipient(a, known.get(a.lower()) or fallback) for a in unique]


def _owner_language(organisation: Organisation) -> str | None:
    owner = next((m for m in organisation.members if m.organisation_role == "owner"), None)
    return owner.language if owner is not None else None


def operations_contacts(organisation: Organisation) -> list[Recipient]:
    """For alerts about the organisation's zones and resolvers: the public contact and every member, once each."""
    return _with_languages([organisation.contact_email] + [m.email for m in organisation.members],
                           _owner_language(organisation))


def enrolment_contacts(organisation: Organisation) -> list[Recipient]:
    """For review decisions: the members, or the public contact when nobody has joined yet."""
    emails = sorted(m.email for m in organisation.members)
    return _with_languages(emails or [organisation.contact_email], _owner_language(organisation))


def staff() -> list[Recipient]:
    return [Recipient(email, language) for email, language in db.session.execute(
        select(User.email, User.language).where(User.is_staff.is_(True)).order_by(User.email))]
