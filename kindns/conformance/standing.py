"""A participant's standing (verified or not, and why), how it is shown, and the regions' figures."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..checks.policy import ERROR, FAIL, NOT_APPLICABLE, PASS, WARN
from ..extensions import db
from ..models import Organisation, OrganisationStatus
from ..practices import CATEGORIES, Practice
from ..regions import REGIONS
from .models import CheckResult, CheckRun, RegionSnapshot, RunStatus
from .runs import aware, now
from .targets import targets_of


class ConformanceStatus(str, enum.Enum):
    """A participant's standing against the automated checks (see `Conformance`)."""

    VERIFIED = "verified"
    NOT_VERIFIED = "not-verified"
    NOT_MEASURED = "not-measured"
    NOT_CHECKED = "not-checked"


def applicable_check_ids(organisation: Organisation, kind: str) -> set[str]:
    """The automated checks that the organisation's categories ask of its zones or its resolvers."""
    return {
        check_id
        for category_id in organisation.category_ids
        if category_id in CATEGORIES and CATEGORIES[category_id].kind == kind
        for practice in CATEGORIES[category_id].practices
        for check_id in practice.check_ids
    }


@dataclass
class Conformance:
    """A participant's standing against the automated checks that its categories ask for:

    - "verified": every declared zone and resolver is checked and none of those checks fails or could not
      be measured (warnings allowed);
    - "not-verified": at least one fails;
    - "not-measured": nothing fails, but something could not be measured (an `error` verdict: a timeout,
      no delegation, an address the registry may not probe) or a zone or resolver is not checked yet;
    - "not-checked": nothing is checked yet.

    An `error` says nothing about the operator's servers, so it never counts as a failure."""

    status: str
    failing: list[tuple[str, str, str]] = field(default_factory=list)  # (target, check id, "fail")
    unmeasured: list[tuple[str, str]] = field(default_factory=list)    # (target, check id) given `error`
    unchecked: list[str] = field(default_factory=list)
    checked_at: datetime | None = None

    @property
    def verified(self) -> bool:
        return self.status == ConformanceStatus.VERIFIED.value


@dataclass(frozen=True)
class StatusDisplay:
    """How a standing is shown: a key for colours and CSS classes, a short label (lists and the badge),
    and a title with its explanation (the participant page and the dashboard)."""

    key: str
    label: object
    title: object
    explanation: object


def _count_line(conformance: Conformance) -> str:
    """ "2 checks fail, 13 could not be measured" (the parts that apply)."""
    parts = []
    if conformance.failing:
        parts.append(ngettext("%(num)d check fails", "%(num)d checks fail", len(conformance.failing)))
    if conformance.unmeasured:
        parts.append(ngettext("%(num)d could not be measured", "%(num)d could not be measured",
                              len(conformance.unmeasured)))
    if conformance.unchecked:
        parts.append(ngettext("%(num)d zone or resolver not yet checked", "%(num)d zones or resolvers not yet "
                              "checked", len(conformance.unchecked)))
    return ", ".join(parts)


def status_display(conformance: Conformance) -> StatusDisplay:
    """The one place where a standing becomes words and a colour (badge, directory, participant page,
    dashboard all use it)."""
    status = conformance.status
    if status == ConformanceStatus.VERIFIED.value:
        return StatusDisplay("verified", _l("verified"), _l("Verified"),
                             _l("every automated check that applies passes."))
    if status == ConformanceStatus.NOT_CHECKED.value:
        return StatusDisplay("not-checked", _l("not yet checked"), _l("Not yet checked"), "")
    if status == ConformanceStatus.NOT_VERIFIED.value:
        return StatusDisplay("not-verified", ngettext("%(num)d failing", "%(num)d failing", len(conformance.failing)),
                             _l("Not verified"), _count_line(conformance))
    return StatusDisplay("not-measured", _l("not measured"), _l("Not measured"),
                         _l("nothing fails, but %(what)s.", what=_count_line(conformance)))


def _latest_verdicts(organisation_ids: list[int]) -> dict[int, dict[tuple[str, int], tuple]]:
    """For each organisation: (kind, target id) -> (target name, finished_at, {check id: verdict}) of the
    latest finished run of each of its zones and resolvers. Two queries, whatever the number of targets."""
    if not organisation_ids:
        return {}
    latest = (
        select(func.max(CheckRun.id))
        .where(CheckRun.status == RunStatus.DONE.value, CheckRun.organisation_id.in_(organisation_ids))
        .group_by(CheckRun.zone_id, CheckRun.resolver_id)
    )
    rows = db.session.execute(
        select(CheckRun.organisation_id, CheckRun.zone_id, CheckRun.resolver_id, CheckRun.target,
               CheckRun.finished_at, CheckResult.check_id, CheckResult.verdict)
        .join(CheckResult, CheckResult.run_id == CheckRun.id)
        .where(CheckRun.id.in_(latest))
    ).all()
    found: dict[int, dict[tuple[str, int], tuple]] = {}
    for org_id, zone_id, resolver_id, target, finished_at, check_id, verdict in rows:
        key = ("zone", zone_id) if zone_id is not None else ("resolver", resolver_id)
        entry = found.setdefault(org_id, {}).setdefault(key, (target, aware(finished_at), {}))
        entry[2][check_id] = verdict
    return found


def conformance_of(organisations: list[Organisation], verdicts: dict | None = None) -> dict[int, Conformance]:
    """The Conformance of each organisation, by id (see `Conformance` for the rule). `verdicts` is
    `_latest_verdicts` of these organisations, when the caller has read it already."""
    if verdicts is None:
        verdicts = _latest_verdicts([o.id for o in organisations])
    standing: dict[int, Conformance] = {}
    for organisation in organisations:
        measured = verdicts.get(organisation.id, {})
        failing: list[tuple[str, str, str]] = []
        unmeasured: list[tuple[str, str]] = []
        unchecked: list[str] = []
        checked_at: datetime | None = None
        applicable = {kind: applicable_check_ids(organisation, kind) for kind in ("zone", "resolver")}
        for target in targets_of(organisation):
            key = (target.kind.name, target.id)
            if key not in measured:
                unchecked.append(target.label)
                continue
            name, finished_at, results = measured[key]
            checked_at = max(filter(None, (checked_at, finished_at)), default=None)
            for check_id, verdict in sorted(results.items()):
                if check_id not in applicable[target.kind.name]:
                    continue
                if verdict == FAIL:
                    failing.append((name, check_id, verdict))
                elif verdict == ERROR:
                    unmeasured.append((name, check_id))
        if checked_at is None:
            status = ConformanceStatus.NOT_CHECKED
        elif failing:
            status = ConformanceStatus.NOT_VERIFIED
        elif unmeasured or unchecked:
            status = ConformanceStatus.NOT_MEASURED
        else:
            status = ConformanceStatus.VERIFIED
        standing[organisation.id] = Conformance(status.value, failing, unmeasured, unchecked, checked_at)
    return standing


def participant_conformance(organisation: Organisation) -> Conformance:
    return conformance_of([organisation])[organisation.id]


@dataclass(frozen=True)
class Contradiction:
    """The operator says it does a practice, and a measurement of that practice fails."""

    practice: Practice
    target: str
    check_id: str


def contradictions(organisation: Organisation) -> list[Contradiction]:
    """Where the self-assessment says "yes, we do this" beside a failing check of that practice (on the
    latest run of each zone and resolver): worth a second look by the operator and by staff."""
    said_yes = {answer.practice_id for answer in organisation.answers if answer.implemented}
    practices = [practice for category_id in organisation.category_ids if category_id in CATEGORIES
                 for practice in CATEGORIES[category_id].practices if practice.id in said_yes]
    if not practices:
        return []
    measured = _latest_verdicts([organisation.id]).get(organisation.id, {})
    found = []
    for name, _when, results in sorted(measured.values(), key=lambda entry: entry[0]):
        found += [Contradiction(practice, name, check_id) for practice in practices
                  for check_id in practice.check_ids if results.get(check_id) == FAIL]
    return found


# --- regions --------------------------------------------------------------------------------------

@dataclass
class RegionConformance:
    region: str
    participants: int = 0
    verified: int = 0
    dnssec_signed_share: float | None = None
    checks_passing_share: float | None = None


def _share(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def region_conformance() -> dict[str, RegionConformance]:
    """Per region: approved participants, how many are verified, the share of checked zones whose
    `dnssec-signed` passes, and the share of applicable verdicts that pass or warn (n/a and errors left out:
    neither says anything about the operator's servers)."""
    organisations = db.session.scalars(
        select(Organisation).where(Organisation.status == OrganisationStatus.APPROVED.value)
        .options(selectinload(Organisation.categories), selectinload(Organisation.zones),
                 selectinload(Organisation.resolvers))
    ).all()
    verdicts = _latest_verdicts([o.id for o in organisations])
    standing = conformance_of(organisations, verdicts)
    stats = {code: RegionConformance(code) for code in REGIONS}
    counts = {code: {"signed": 0, "zones": 0, "passing": 0, "judged": 0} for code in REGIONS}
    for organisation in organisations:
        if organisation.region not in stats:
            continue
        region, count = stats[organisation.region], counts[organisation.region]
        region.participants += 1
        region.verified += standing[organisation.id].verified
        applicable = {kind: applicable_check_ids(organisation, kind) for kind in ("zone", "resolver")}
        for (kind, _target_id), (_name, _when, results) in verdicts.get(organisation.id, {}).items():
            if results.get("dnssec-signed", ERROR) != ERROR:
                count["zones"] += 1
                count["signed"] += results["dnssec-signed"] == PASS
            for check_id, verdict in results.items():
                # Only what was measured is judged: n/a does not apply, and an error measured nothing.
                if check_id in applicable[kind] and verdict not in (NOT_APPLICABLE, ERROR):
                    count["judged"] += 1
                    count["passing"] += verdict in (PASS, WARN)
    for code, region in stats.items():
        region.dnssec_signed_share = _share(counts[code]["signed"], counts[code]["zones"])
        region.checks_passing_share = _share(counts[code]["passing"], counts[code]["judged"])
    return stats


def take_region_snapshot(today: date | None = None) -> list[RegionSnapshot]:
    """Store (or refresh) this month's figures for every region."""
    month = (today or now().date()).replace(day=1)
    snapshots = []
    for code, figures in region_conformance().items():
        snapshot = db.session.scalar(
            select(RegionSnapshot).where(RegionSnapshot.month == month, RegionSnapshot.region == code)
        ) or RegionSnapshot(month=month, region=code)
        snapshot.participants = figures.participants
        snapshot.verified = figures.verified
        snapshot.dnssec_signed_share = figures.dnssec_signed_share
        snapshot.checks_passing_share = figures.checks_passing_share
        db.session.add(snapshot)
        snapshots.append(snapshot)
    db.session.commit()
    return snapshots


def region_history(months: int = 12) -> list[RegionSnapshot]:
    """The monthly snapshots of the last `months` months that have one, oldest first."""
    recent = db.session.scalars(
        select(RegionSnapshot.month).distinct().order_by(RegionSnapshot.month.desc()).limit(months)
    ).all()
    return list(db.session.scalars(
        select(RegionSnapshot).where(RegionSnapshot.month.in_(recent))
        .order_by(RegionSnapshot.month, RegionSnapshot.region)
    ))
