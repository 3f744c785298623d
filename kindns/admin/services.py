"""Staff services: review decisions, champions, region corrections, and the lists staff work from.

Like the enrolment services, each change validates first, records audit events and commits once.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from flask import current_app, render_template
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import func, select

from ..audit import record
from ..enrolment import status
from ..enrolment.services import REVIEWED_FIELDS, EnrolmentError
from ..extensions import db
from ..mail import mail_each_language
from ..recipients import enrolment_contacts
from ..models import AuditEvent, Organisation, RegionOverride, User, Zone, utcnow
from ..regions import REGIONS, default_country_regions, is_country, region_for
from ..text import clean_display_text

MAX_MESSAGE_LENGTH = 5000
MAX_CITATION_LENGTH = 300


class StaffActionError(EnrolmentError):
    """A staff action refused (wrong status, missing message...); nothing was changed."""


# --- Review decisions ------------------------------------------------------------------------------------

def _notify(organisation: Organisation, template: str, subject, message: str = "") -> None:
    """Mail the members about a decision, each in their language (`subject` is a lazy string)."""
    # The decision is stored and shown on the operator's dashboard; a lost mail must not undo it.
    mail_each_language(enrolment_contacts(organisation), lambda: (str(subject), render_template(
        template, organisation=organisation, message=message,
        base_url=current_app.config.get("KINDNS_BASE_URL", ""))))


def _decide(name: str, organisation: Organisation, staff: User, message: str = "", *,
            message_required: bool) -> None:
    message = message.strip()
    if message_required and not message:
        raise StaffActionError(_("Write a message to the operator."))
    if len(message) > MAX_MESSAGE_LENGTH:
        raise StaffActionError(_("The message is at most %(n)d characters long.", n=MAX_MESSAGE_LENGTH))
    if not status.can(name, organisation):
        raise StaffActionError(_("Only a submitted organisation can be decided on; this one is %(status)s.",
                                 status=str(status.STATUS_LABELS[organisation.status]).lower()))
    detail = {"message": message} if message else {}
    status.apply_transition(name, organisation, staff, **detail)
    organisation.review_message = message
    db.session.commit()


def approve(organisation: Organisation, staff: User, message: str = "") -> None:
    """submitted -> approved: the organisation is listed publicly from now on; `message` is an optional
    welcome the members receive with the news."""
    _decide("approve", organisation, staff, message, message_required=False)
    _notify(organisation, "admin/mail/approved.txt",
            _l("%(name)s is enrolled in KINDNS", name=organisation.name), organisation.review_message)


def request_changes(organisation: Organisation, staff: User, message: str) -> None:
    """submitted -> changes_requested, with a message the members receive by mail and see on the dashboard."""
    _decide("request_changes", organisation, staff, message, message_required=True)
    _notify(organisation, "admin/mail/changes_requested.txt",
            _l("KINDNS enrolment of %(name)s: changes requested", name=organisation.name), organisation.review_message)


def reject(organisation: Organisation, staff: User, message: str) -> None:
    """submitted -> rejected, with a message; the operator may still edit and submit again."""
    _decide("reject", organisation, staff, message, message_required=True)
    _notify(organisation, "admin/mail/rejected.txt",
            _l("KINDNS enrolment of %(name)s: not accepted", name=organisation.name), organisation.review_message)


# --- Changes of approved organisations ---------------------------------------------------------------

def pending_changes(organisation: Organisation) -> dict[str, dict]:
    """{field: {"old", "new"}} of the name and website changes that wait for staff."""
    return {name: {"old": getattr(organisation, name), "new": getattr(organisation, f"pending_{name}")}
            for name in REVIEWED_FIELDS if getattr(organisation, f"pending_{name}") is not None}


def organisations_with_pending_changes() -> list[Organisation]:
    return list(db.session.scalars(
        select(Organisation).where(Organisation.pending_name.is_not(None) | Organisation.pending_website.is_not(None))
        .order_by(Organisation.name, Organisation.id)
    ))


def accept_pending_changes(organisation: Organisation, staff: User) -> dict[str, dict]:
    """Make the waiting name and website public; returns what changed."""
    changes = pending_changes(organisation)
    if not changes:
        raise StaffActionError(_("This organisation has no change waiting."))
    for name, change in changes.items():
        setattr(organisation, name, change["new"])
        setattr(organisation, f"pending_{name}", None)
    record("organisation.change_accepted", organisation, staff, changes=changes)
    db.session.commit()
    return changes


def decline_pending_changes(organisation: Organisation, staff: User, message: str) -> dict[str, dict]:
    """Drop the waiting name and website, telling the members why; returns what was declined."""
    message = message.strip()
    if not message:
        raise StaffActionError(_("Write a message to the operator."))
    changes = pending_changes(organisation)
    if not changes:
        raise StaffActionError(_("This organisation has no change waiting."))
    for name in changes:
        setattr(organisation, f"pending_{name}", None)
    record("organisation.change_declined", organisation, staff, changes=changes, message=message)
    db.session.commit()
    _notify(organisation, "admin/mail/change_declined.txt",
            _l("KINDNS: the change to %(name)s was not accepted", name=organisation.name), message)
    return changes


# --- Champions -------------------------------------------------------------------------------------------

def designate_champion(organisation: Organisation, staff: User, citation: str) -> None:
    """Make an approved organisation a champion, with a short public citation (or change the citation)."""
    citation = clean_display_text(citation)
    if not organisation.is_approved:
        raise StaffActionError(_("Only an approved organisation can be a champion."))
    if not citation:
        raise StaffActionError(_("Write a short citation."))
    if len(citation) > MAX_CITATION_LENGTH:
        raise StaffActionError(_("The citation is at most %(n)d characters long.", n=MAX_CITATION_LENGTH))
    old = organisation.champion_citation if organisation.is_champion else None
    if old == citation:
        return
    organisation.is_champion = True
    organisation.champion_citation = citation
    if organisation.champion_since is None:
        organisation.champion_since = utcnow()
    record("champion.designated", organisation, staff, citation=citation, old_citation=old)
    db.session.commit()


def revoke_champion(organisation: Organisation, staff: User) -> None:
    if not organisation.is_champion:
        raise StaffActionError(_("This organisation is not a champion."))
    old = organisation.champion_citation
    organisation.is_champion = False
    organisation.champion_citation = ""
    organisation.champion_since = None
    record("champion.revoked", organisation, staff, old_citation=old)
    db.session.commit()


def champions() -> list[Organisation]:
    return list(db.session.scalars(
        select(Organisation).where(Organisation.is_champion.is_(True)).order_by(Organisation.name)
    ))


def approved_non_champions() -> list[Organisation]:
    return list(db.session.scalars(
        select(Organisation).where(Organisation.status == status.APPROVED, Organisation.is_champion.is_(False))
        .order_by(Organisation.name)
    ))


# --- Regions ---------------------------------------------------------------------------------------------

def region_overrides() -> dict[str, str]:
    return {o.country: o.region for o in db.session.scalars(select(RegionOverride))}


def _apply_region(country: str, region: str, staff: User, action: str, **detail) -> int:
    """Store `region` on the country's organisations, audit each, and the setting itself; returns how many."""
    changed = 0
    for organisation in db.session.scalars(select(Organisation).where(Organisation.country == country)):
        if organisation.region != region:
            record("organisation.region_changed", organisation, staff, country=country,
                   old=organisation.region, new=region)
            organisation.region = region
            changed += 1
    record(action, None, staff, country=country, organisations=changed, **detail)
    db.session.commit()
    return changed


def set_region_override(country: str, region: str, staff: User) -> int:
    """Put `country` in `region` (a staff correction of the data file); returns how many organisations moved."""
    country = country.strip().upper()
    if not is_country(country):
        raise StaffActionError(_("Choose a country from the list."))
    if region not in REGIONS:
        raise StaffActionError(_("Choose one of the five regions."))
    override = db.session.get(RegionOverride, country)
    old = region_for(country)
    if override is None:
        db.session.add(RegionOverride(country=country, region=region))
    else:
        override.region = region
    return _apply_region(country, region, staff, "region.override_set", old=old, new=region)


def clear_region_override(country: str, staff: User) -> int:
    """Return `country` to the region of the data file; returns how many organisations moved."""
    override = db.session.get(RegionOverride, country)
    if override is None:
        raise StaffActionError(_("This country has no correction."))
    old = override.region
    db.session.delete(override)
    db.session.flush()
    default = region_for(country)
    return _apply_region(country, default, staff, "region.override_cleared", old=old, new=default)


@dataclass
class RegionRow:
    code: str
    name: object
    countries: int
    organisations: int


def region_summary() -> list[RegionRow]:
    """The five regions with how many countries (after corrections) and organisations each holds."""
    table = {**default_country_regions(), **region_overrides()}
    countries: dict[str, int] = defaultdict(int)
    for region in table.values():
        countries[region] += 1
    organisations = dict(db.session.execute(
        select(Organisation.region, func.count(Organisation.id)).group_by(Organisation.region)
    ).all())
    return [RegionRow(code, name, countries[code], organisations.get(code, 0)) for code, name in REGIONS.items()]


# --- What staff look at ----------------------------------------------------------------------------------

def status_counts() -> dict[str, int]:
    rows = dict(db.session.execute(
        select(Organisation.status, func.count(Organisation.id)).group_by(Organisation.status)
    ).all())
    return {s: rows.get(s, 0) for s in status.STATUS_LABELS}


def review_queue() -> list[Organisation]:
    """Submitted organisations, the longest waiting first."""
    return list(db.session.scalars(
        select(Organisation).where(Organisation.status == status.SUBMITTED)
        .order_by(Organisation.submitted_at.asc(), Organisation.id.asc())
    ))


def organisations(status_filter: str | None = None):
    query = select(Organisation).order_by(Organisation.name, Organisation.id)
    if status_filter:
        query = query.where(Organisation.status == status_filter)
    return db.session.scalars(query)


def zone_conflicts() -> list[tuple[str, list[Zone]]]:
    """Zones declared by more than one organisation: (name, the declaring Zone rows), by name."""
    names = select(Zone.name).group_by(Zone.name).having(func.count(func.distinct(Zone.organisation_id)) > 1)
    zones = db.session.scalars(select(Zone).where(Zone.name.in_(names)).order_by(Zone.name, Zone.organisation_id))
    grouped: dict[str, list[Zone]] = defaultdict(list)
    for zone in zones:
        grouped[zone.name].append(zone)
    return list(grouped.items())


def other_declarers(organisation: Organisation) -> dict[str, list[Organisation]]:
    """For each zone of `organisation` that others declare too, those other organisations."""
    names = [z.name for z in organisation.zones]
    if not names:
        return {}
    result: dict[str, list[Organisation]] = defaultdict(list)
    rows = db.session.scalars(
        select(Zone).where(Zone.name.in_(names), Zone.organisation_id != organisation.id).order_by(Zone.name)
    )
    for zone in rows:
        result[zone.name].append(zone.organisation)
    return dict(result)


def audit_events(organisation_id: int | None = None, page: int = 1):
    """The audit log, newest first, one page at a time (optionally of one organisation)."""
    query = select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if organisation_id is not None:
        query = query.where(AuditEvent.organisation_id == organisation_id)
    return db.paginate(query, page=page, per_page=current_app.config["KINDNS_PAGE_SIZE"], error_out=False)


def recent_changes_to_approved(limit: int = 10) -> list[AuditEvent]:
    """What operators changed on approved organisations since their approval (they stay listed while they edit)."""
    return list(db.session.scalars(
        select(AuditEvent).join(Organisation, AuditEvent.organisation_id == Organisation.id)
        .join(User, AuditEvent.user_id == User.id)
        .where(Organisation.status == status.APPROVED, User.is_staff.is_(False),
               AuditEvent.created_at > Organisation.approved_at)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(limit)
    ))
