"""Who hears about what: the one place that decides the addresses a registry mail goes to.

- Alerts about an organisation's checks (regressions, expiring signatures, answers to disputes) reach its
  public NOC contact and every member: the contact is who runs the servers.
- Review decisions reach the members (the people who enrolled); the contact only while nobody has joined.
- Staff notices (a submission to review, a disputed verdict, the daily digest) reach every staff account.
"""
from __future__ import annotations

from sqlalchemy import select

from .extensions import db
from .models import Organisation, User


def operations_contacts(organisation: Organisation) -> list[str]:
    """For alerts about the organisation's zones and resolvers: the public contact and every member, once each."""
    addresses = [organisation.contact_email] + [m.email for m in organisation.members]
    return list(dict.fromkeys(a for a in addresses if a))


def enrolment_contacts(organisation: Organisation) -> list[str]:
    """For review decisions: the members, or the public contact when nobody has joined yet."""
    emails = sorted(m.email for m in organisation.members)
    return emails or ([organisation.contact_email] if organisation.contact_email else [])


def staff() -> list[str]:
    return list(db.session.scalars(select(User.email).where(User.is_staff.is_(True)).order_by(User.email)))
