"""Enrolment services: everything an operator changes about its organisation goes through here.

Each public function validates first, then changes, records audit events (kindns.audit.record) and commits
once, so a refused change leaves nothing half-saved. Errors the operator can fix are raised as
`EnrolmentError` with translated messages for the page.
"""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit
import re
from dataclasses import dataclass, field

import idna
from flask import current_app, render_template
from flask_babel import gettext as _
from sqlalchemy import select

from .. import notices
from ..audit import record
from ..checks.config import ConfigError, load_root_hints
from ..checks.names import InvalidName, normalise_ip_address, normalise_zone_name, require_public_name
from ..checks.safety import address_refusal, embedded_ipv4
from ..conformance.runs import new_run
from ..conformance.targets import target_of
from ..extensions import db
from ..mail import MailNotSent, absolute_url, send_mail
from ..software import software_values
from ..models import (
    Invitation, Organisation, OrganisationCategory, PracticeAnswer, Resolver, User, Zone,
)
from ..practices import CATEGORIES, Practice, kinds_of, practices_for
from ..regions import is_country, region_for
from ..text import clean_display_text, first_free, slugify as slug_of
from ..tokens import make_token
from . import status

# Limits that the forms show and the services enforce again (the services are also called from elsewhere).
MAX_NAME_LENGTH = 200
MAX_WEBSITE_LENGTH = 500
MAX_EMAIL_LENGTH = 254
MAX_ITEMS_PER_REQUEST = 500
MAX_LIST_TEXT_LENGTH = 50_000
MAX_HOW_LENGTH = 2000
SLUG_MAX_LENGTH = 70


class EnrolmentError(Exception):
    """A change refused for reasons the operator can fix; nothing was saved. `messages` are for the page."""

    def __init__(self, messages: list[str] | str):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("; ".join(str(m) for m in self.messages))


# --- Organisation details -------------------------------------------------------------------------------

@dataclass
class OrganisationDetails:
    """What the operator types about its organisation (the organisation form's data)."""

    name: str
    country: str
    categories: list[str]
    contact_name: str
    contact_email: str
    website: str = ""

    def cleaned(self) -> OrganisationDetails:
        return OrganisationDetails(
            name=clean_display_text(self.name),
            country=self.country.strip().upper(),
            categories=sorted(set(self.categories)),
            contact_name=clean_display_text(self.contact_name),
            contact_email=self.contact_email.strip(),
            website=self.website.strip(),
        )

    def problems(self) -> list[str]:
        problems = []
        if not self.name:
            problems.append(_("Enter the organisation's name."))
        if len(self.name) > MAX_NAME_LENGTH:
            problems.append(_("The name is at most %(n)d characters long.", n=MAX_NAME_LENGTH))
        if len(self.website) > MAX_WEBSITE_LENGTH:
            problems.append(_("The website address is at most %(n)d characters long.", n=MAX_WEBSITE_LENGTH))
        if self.website and not re.match(r"^https?://[^\s/]+", self.website, re.IGNORECASE):
            problems.append(_("The website address must start with http:// or https://."))
        if not is_country(self.country):
            problems.append(_("Choose a country from the list."))
        if not self.categories:
            problems.append(_("Choose at least one operator category."))
        if any(c not in CATEGORIES for c in self.categories):
            problems.append(_("Choose operator categories from the list."))
        if len(self.contact_name) > MAX_NAME_LENGTH or len(self.contact_email) > MAX_EMAIL_LENGTH:
            problems.append(_("The contact's name or address is too long."))
        return problems


def slugify(name: str) -> str:
    """An organisation's slug for `name`, or "organisation"."""
    return slug_of(name, SLUG_MAX_LENGTH, "organisation")


def unique_slug(name: str) -> str:
    """The slug of `name`, with -2, -3 … appended when another organisation has it already."""
    base = slugify(name)
    taken = set(db.session.scalars(
        select(Organisation.slug).where(
            (Organisation.slug == base) | Organisation.slug.like(f"{base}-%")
        )
    ))
    return first_free(base, taken)


def create_organisation(user: User, details: OrganisationDetails) -> Organisation:
    """Create the user's organisation, with the user as its owner. The slug is fixed from here on."""
    if user.is_staff:
        raise EnrolmentError(_("Staff accounts do not enrol an organisation."))
    if user.organisation is not None:
        raise EnrolmentError(_("Your account already belongs to an organisation."))
    details = details.cleaned()
    problems = details.problems()
    if problems:
        raise EnrolmentError(problems)
    organisation = Organisation(
        slug=unique_slug(details.name),
        name=details.name,
        website=details.website,
        country=details.country,
        region=region_for(details.country),
        contact_name=details.contact_name,
        contact_email=details.contact_email,
        status=status.DRAFT,
    )
    organisation.categories = [OrganisationCategory(category=c) for c in details.categories]
    db.session.add(organisation)
    user.organisation = organisation
    user.organisation_role = "owner"
    record("organisation.created", organisation, user, name=organisation.name, slug=organisation.slug,
           country=organisation.country, categories=details.categories)
    db.session.commit()
    return organisation


# What the public reads as the organisation's identity: once approved, a change waits for staff.
REVIEWED_FIELDS = ("name", "website")


def update_organisation(organisation: Organisation, user: User, details: OrganisationDetails) -> dict:
    """Apply changed details; returns {field: {"old", "new"}} (empty when nothing changed).

    The status does not change: an approved organisation stays approved and staff see the edit in the audit log.
    Its name and website are what the public reads, though: a change of either waits for staff
    (`pending_name`, `pending_website`; see kindns.admin.services.accept_pending_changes) and the public
    keeps the approved values until then. The returned changes then hold {"pending": True}.
    """
    details = details.cleaned()
    problems = details.problems()
    if problems:
        raise EnrolmentError(problems)
    changes: dict[str, dict] = {}
    held = organisation.is_approved
    for name in ("name", "website", "country", "contact_name", "contact_email"):
        old, new = getattr(organisation, name), getattr(details, name)
        if held and name in REVIEWED_FIELDS:
            pending = getattr(organisation, f"pending_{name}")
            wanted = None if new == old else new
            if wanted != pending:
                changes[name] = {"old": pending if pending is not None else old, "new": new, "pending": True}
                setattr(organisation, f"pending_{name}", wanted)
        elif old != new:
            changes[name] = {"old": old, "new": new}
            setattr(organisation, name, new)
    if "country" in changes:
        new_region = region_for(organisation.country)
        if new_region != organisation.region:
            changes["region"] = {"old": organisation.region, "new": new_region}
            organisation.region = new_region
    old_categories = sorted(organisation.category_ids)
    if old_categories != details.categories:
        changes["categories"] = {"old": old_categories, "new": details.categories}
        keep = [c for c in organisation.categories if c.category in details.categories]
        added = [OrganisationCategory(category=c) for c in details.categories if c not in old_categories]
        organisation.categories = keep + added
    if changes:
        record("organisation.updated", organisation, user, changes=changes, status=organisation.status)
        db.session.commit()
        if any(change.get("pending") and change["new"] != getattr(organisation, name)
               for name, change in changes.items()):
            notices.change_to_review(organisation)
    return changes


# --- Zones and resolvers ---------------------------------------------------------------------------------

@dataclass
class AddResult:
    """What a successful add did: the stored (normalised) values, those another organisation declares too,
    and the check run recorded for each new one (the caller queues them)."""

    added: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    runs: list = field(default_factory=list)


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _non_empty_lines(text: str) -> list[tuple[int, str]]:
    lines = [(n, raw.strip()) for n, raw in enumerate(text.splitlines(), start=1) if raw.strip()]
    if len(text) > MAX_LIST_TEXT_LENGTH or len(lines) > MAX_ITEMS_PER_REQUEST:
        raise EnrolmentError(_("Add at most %(n)d entries at a time.", n=MAX_ITEMS_PER_REQUEST))
    return lines


def _parse_lines(text: str, normalise, existing: set[str], kind_label: str) -> list[str]:
    """Normalise every line; raise with one message per bad line (numbered as typed) when any is bad."""
    lines = _non_empty_lines(text)
    if not lines:
        raise EnrolmentError(_("Enter at least one %(kind)s, one per line.", kind=kind_label))
    values: list[str] = []
    first_line: dict[str, int] = {}
    errors: list[str] = []
    for number, raw in lines:
        try:
            value = normalise(raw)
        except ValueError as exc:
            errors.append(_("line %(n)d: '%(text)s': %(reason)s", n=number, text=_shorten(raw), reason=str(exc)))
            continue
        if value in existing:
            errors.append(_("line %(n)d: '%(value)s' is already declared by your organisation.",
                            n=number, value=value))
        elif value in first_line:
            errors.append(_("line %(n)d: '%(value)s' repeats line %(first)d.",
                            n=number, value=value, first=first_line[value]))
        else:
            first_line[value] = number
            values.append(value)
    if errors:
        raise EnrolmentError(errors)
    return values


def _normalise_resolver_address(text: str) -> str:
    try:
        address = normalise_ip_address(text)
    except ValueError:
        raise ValueError(_("not an IPv4 or IPv6 address.")) from None
    ip = ipaddress.ip_address(address)
    # Such an address reaches no resolver of the operator's from anywhere else: surely a typing mistake.
    # An address that leads to one (6to4, NAT64...) is judged as the address it leads to.
    if any(a.is_unspecified or a.is_multicast or a.is_loopback for a in [ip, *embedded_ipv4(ip)]):
        raise ValueError(_("an unspecified, loopback or multicast address cannot be a resolver's address."))
    return address


def root_is_private() -> bool:
    """Whether the check engine starts from a private DNS root (a lab's or a company's own hierarchy) rather
    than the public one: only there can names never delegated in the public DNS (test, example...) exist."""
    path = current_app.config.get("KINDNS_CHECK_ROOT_HINTS")
    if not path:
        return False  # IANA's root servers
    try:
        servers = load_root_hints(path)
    except ConfigError:
        return False
    return all(address_refusal(server.address, allow_private=False) for server in servers)


def _zone_normaliser():
    """The canonical form of a typed zone name, or ValueError with the translated reason."""
    public_only = not root_is_private()

    def normalise(text: str) -> str:
        try:
            name = normalise_zone_name(text)
            if public_only:
                require_public_name(name)
        except InvalidName as exc:
            raise ValueError(_(exc.template, **exc.params)) from None
        return name

    return normalise


def display_zone_name(name: str) -> str:
    """The Unicode form of a stored (A-label) zone name, for people; the name itself when it has none."""
    try:
        return idna.decode(name)
    except UnicodeError:  # idna.IDNAError and friends: e.g. underscores, valid in the DNS but not in IDNA
        return name


def zones_declared_elsewhere(organisation: Organisation, names: list[str] | None = None) -> set[str]:
    """Names of this organisation's zones (or of `names`) that another organisation declares too."""
    names = [z.name for z in organisation.zones] if names is None else names
    if not names:
        return set()
    return set(db.session.scalars(
        select(Zone.name).where(Zone.name.in_(names), Zone.organisation_id != organisation.id).distinct()
    ))


def add_zones(organisation: Organisation, user: User, text: str) -> AddResult:
    """Add the zones typed one per line. All or nothing: any bad line refuses the whole list.

    A zone that another organisation declares too is accepted and flagged (the audit event says so, and
    staff see it among the conflicts): the registry cannot tell from here which claim is right.
    """
    names = _parse_lines(text, _zone_normaliser(), {z.name for z in organisation.zones}, _("zone name"))
    conflicts = zones_declared_elsewhere(organisation, names)
    zones = [Zone(name=name) for name in names]
    for zone in zones:
        organisation.zones.append(zone)
        record("zone.added", organisation, user, zone=zone.name, conflict=zone.name in conflicts)
    runs = _first_runs(zones, user)
    db.session.commit()
    return AddResult(added=names, conflicts=sorted(conflicts), runs=runs)


def _first_runs(rows: list, user: User) -> list:
    """A check run for each newly declared zone or resolver, stored with them (one commit)."""
    db.session.flush()
    return [new_run(target_of(row), "declared", user) for row in rows]


def add_resolvers(organisation: Organisation, user: User, text: str) -> AddResult:
    """Add the resolver addresses typed one per line (IPv4 or IPv6, stored compressed). All or nothing."""
    addresses = _parse_lines(text, _normalise_resolver_address, {r.address for r in organisation.resolvers},
                             _("address"))
    resolvers = [Resolver(address=address) for address in addresses]
    for resolver in resolvers:
        organisation.resolvers.append(resolver)
        record("resolver.added", organisation, user, address=resolver.address)
    runs = _first_runs(resolvers, user)
    db.session.commit()
    return AddResult(added=addresses, runs=runs)


MAX_URL_LENGTH = 500


def set_doh_url(resolver: Resolver, user: User, url: str) -> bool:
    """Declare (or, with an empty `url`, withdraw) the resolver's DNS-over-HTTPS address, which its checks then
    probe; returns whether it changed."""
    url = url.strip()
    if url:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname or len(url) > MAX_URL_LENGTH or any(c.isspace() for c in url):
            raise EnrolmentError(_("Enter the DNS-over-HTTPS address as a URL starting with https://, "
                                   "e.g. https://dns.example.net/dns-query."))
    new = url or None
    if new == resolver.doh_url:
        return False
    record("resolver.doh_url_set", resolver.organisation, user, address=resolver.address, old=resolver.doh_url,
           new=new)
    resolver.doh_url = new
    db.session.commit()
    return True


def remove_zone(zone: Zone, user: User) -> None:
    organisation = zone.organisation
    organisation.zones.remove(zone)
    record("zone.removed", organisation, user, zone=zone.name)
    db.session.commit()


def remove_resolver(resolver: Resolver, user: User) -> None:
    organisation = resolver.organisation
    organisation.resolvers.remove(resolver)
    record("resolver.removed", organisation, user, address=resolver.address)
    db.session.commit()


# --- Self-assessment -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Answer:
    """One answer as typed: implemented True/False, or None when the question was left unanswered."""

    implemented: bool | None
    how: str = ""


def assessment_sections(organisation: Organisation) -> list[tuple[object, list[Practice]]]:
    """The practices the organisation answers for: those of its categories, then platform hardening."""
    return practices_for(organisation.category_ids)


def assessment_practice_ids(organisation: Organisation) -> list[str]:
    return [p.id for _title, practices in assessment_sections(organisation) for p in practices]


def answers_by_practice(organisation: Organisation) -> dict[str, PracticeAnswer]:
    return {a.practice_id: a for a in organisation.answers}


def missing_answers(organisation: Organisation) -> list[Practice]:
    """The practices of the organisation's assessment still without an answer that says how (or, if not
    yet, what is planned): a yes or no alone does not count."""
    stored = answers_by_practice(organisation)
    return [practice for _title, practices in assessment_sections(organisation) for practice in practices
            if practice.id not in stored or not stored[practice.id].how.strip()]


def save_assessment(organisation: Organisation, user: User, answers: dict[str, Answer]) -> list[str]:
    """Store the answers to the organisation's practices; returns the ids of the practices that changed.

    Unanswered questions are left as they were, so the assessment can be filled in over several visits; an
    explanation without a yes or no is refused, since whether it describes a practice or a plan is unknown.
    """
    wanted = set(assessment_practice_ids(organisation))
    unknown = set(answers) - wanted
    if unknown:
        raise EnrolmentError(_("Some answers are for practices outside your categories."))
    if any(len(a.how) > MAX_HOW_LENGTH for a in answers.values()):
        raise EnrolmentError(_("Each answer is at most %(n)d characters long.", n=MAX_HOW_LENGTH))
    stored = answers_by_practice(organisation)
    undecided = [pid for pid, a in answers.items() if a.implemented is None and a.how.strip() and pid not in stored]
    if undecided:
        titles = {p.id: p.title for _title, practices in assessment_sections(organisation) for p in practices}
        raise EnrolmentError([_("“%(practice)s”: say whether you do this (yes or not yet).",
                                practice=titles[pid]) for pid in undecided])
    changed: list[dict] = []
    for practice_id, answer in answers.items():
        how = answer.how.strip()
        if answer.implemented is None and not how:
            continue
        row = stored.get(practice_id)
        if row is None:
            row = PracticeAnswer(practice_id=practice_id, implemented=bool(answer.implemented), how=how)
            organisation.answers.append(row)
        elif (answer.implemented is None or row.implemented == answer.implemented) and row.how == how:
            continue
        else:
            if answer.implemented is not None:
                row.implemented = answer.implemented
            row.how = how
        changed.append({"practice": practice_id, "implemented": row.implemented, "how": how})
    if changed:
        record("assessment.updated", organisation, user, answers=changed)
        db.session.commit()
    return [c["practice"] for c in changed]


# --- Submission ------------------------------------------------------------------------------------------

def submission_problems(organisation: Organisation) -> list[str]:
    """What still stops the organisation from being submitted, in the operator's words (empty when ready)."""
    problems = []
    if not (organisation.name and organisation.country and organisation.contact_name
            and organisation.contact_email):
        problems.append(_("Complete the organisation's details, including the public contact."))
    kinds = kinds_of(organisation.category_ids)
    if not kinds:
        problems.append(_("Choose at least one operator category."))
    if "zone" in kinds and not organisation.zones:
        problems.append(_("Declare at least one zone you operate."))
    if "resolver" in kinds and not organisation.resolvers:
        problems.append(_("Declare at least one resolver address you operate."))
    missing = missing_answers(organisation)
    if missing:
        problems.append(_(
            "Answer every practice of the self-assessment: say how you do it, or, if you do not yet, "
            "what you plan (%(n)d left).", n=len(missing)))
    return problems


def submit(organisation: Organisation, user: User) -> None:
    """Submit the organisation for review (draft, changes requested or rejected -> submitted)."""
    if not status.can("submit", organisation):
        raise EnrolmentError(_("Your organisation cannot be submitted now: it is %(status)s.",
                               status=str(status.STATUS_LABELS[organisation.status]).lower()))
    problems = submission_problems(organisation)
    if problems:
        raise EnrolmentError(problems)
    status.apply_transition("submit", organisation, user)
    db.session.commit()
    notices.enrolment_submitted(organisation)


def next_step(organisation: Organisation | None) -> str:
    """The one thing the operator should do next, as a key the dashboard explains."""
    if organisation is None:
        return "create"
    if organisation.status == status.SUBMITTED:
        return "wait"
    if organisation.status == status.APPROVED:
        return "approved"
    kinds = kinds_of(organisation.category_ids)
    if ("zone" in kinds and not organisation.zones) or ("resolver" in kinds and not organisation.resolvers):
        return "declare"
    if submission_problems(organisation):
        return "assess"
    return "submit"


# --- Members and invitations -----------------------------------------------------------------------------

def is_owner(user: User, organisation: Organisation) -> bool:
    return user.organisation_id == organisation.id and user.organisation_role == "owner"


def pending_invitations(organisation: Organisation) -> list[Invitation]:
    return sorted((i for i in organisation.invitations if i.accepted_at is None), key=lambda i: i.id)


def own_invitation(organisation: Organisation, invitation_id: int) -> Invitation | None:
    return db.session.scalar(
        select(Invitation).where(Invitation.id == invitation_id, Invitation.organisation_id == organisation.id)
    )


def invitation_link(invitation: Invitation) -> str:
    """The link the colleague follows; the accounts blueprint reads the signed id back."""
    return absolute_url("accounts.accept_invitation", token=make_token("invitation", invitation.id))


def invite_member(organisation: Organisation, inviter: User, email: str) -> Invitation:
    """Invite a colleague by email (owners only) and mail them the link; a repeated invitation is re-sent."""
    if not is_owner(inviter, organisation):
        raise PermissionError("only the owner of an organisation invites members")
    email = email.strip()
    if not email or len(email) > MAX_EMAIL_LENGTH or "@" not in email:
        raise EnrolmentError(_("Enter a valid email address."))
    if any(m.email.lower() == email.lower() for m in organisation.members):
        raise EnrolmentError(_("%(email)s is already a member of your organisation.", email=email))
    invitation = next((i for i in pending_invitations(organisation) if i.email.lower() == email.lower()), None)
    if invitation is None:
        invitation = Invitation(organisation=organisation, email=email, invited_by_id=inviter.id)
        db.session.add(invitation)
        record("member.invited", organisation, inviter, email=email)
    else:
        record("member.invitation_resent", organisation, inviter, email=email)
    db.session.commit()
    body = render_template("enrolment/mail/invitation.txt", organisation=organisation, inviter=inviter,
                           link=invitation_link(invitation),
                           days=current_app.config["KINDNS_INVITATION_MAX_AGE"] // 86400)
    try:
        send_mail(email, _("Join %(name)s on the KINDNS Registry", name=organisation.name), body)
    except MailNotSent as exc:
        current_app.logger.error("%s", exc)
        raise EnrolmentError(_("The invitation is saved but the mail could not be sent; try again later.")) from None
    return invitation


def cancel_invitation(invitation: Invitation, user: User) -> None:
    organisation = invitation.organisation
    if not is_owner(user, organisation):
        raise PermissionError("only the owner of an organisation cancels invitations")
    organisation.invitations.remove(invitation)
    record("member.invitation_cancelled", organisation, user, email=invitation.email)
    db.session.commit()



def set_software(row, user: User, software: str | None) -> bool:
    """Declare (or, with None or "", withdraw) the software that serves a zone or resolver; returns whether it
    changed. Refuses software that does not serve that kind of target."""
    allowed = software_values("zone" if isinstance(row, Zone) else "resolver")
    new = software or None
    if new is not None and new not in allowed:
        raise EnrolmentError(_("Choose the software from the list."))
    if new == row.software:
        return False
    label = row.name if isinstance(row, Zone) else row.address
    record("target.software_set", row.organisation, user, target=label, old=row.software, new=new)
    row.software = new
    db.session.commit()
    return True
