"""A participant's standing (verified or not, and why), how it is shown, and the regions' figures."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import case, func, select

from ..checks.policy import ERROR, FAIL
from ..extensions import db
from ..models import Organisation, OrganisationStatus
from ..practices import CATEGORIES, Practice
from ..regions import REGIONS
from .models import CheckResult, CheckRun, ConformanceSummary, RegionSnapshot
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

    An `error` says nothing about the operator's servers, so it never counts as a failure. A standing read
    from its stored summary (`from_summary`) has the counts without the lists."""

    status: str
    failing: list[tuple[str, str, str]] = field(default_factory=list)  # (target, check id, "fail")
    unmeasured: list[tuple[str, str]] = field(default_factory=list)    # (target, check id) given `error`
    unchecked: list[str] = field(default_factory=list)
    checked_at: datetime | None = None
    counts: tuple[int, int, int] | None = None  # (failing, unmeasured, unchecked) when the lists are not read

    @property
    def verified(self) -> bool:
        return self.status == ConformanceStatus.VERIFIED.value

    @property
    def failing_count(self) -> int:
        return self.counts[0] if self.counts else len(self.failing)

    @property
    def unmeasured_count(self) -> int:
        return self.counts[1] if self.counts else len(self.unmeasured)

    @property
    def unchecked_count(self) -> int:
        return self.counts[2] if self.counts else len(self.unchecked)

    @classmethod
    def from_summary(cls, summary) -> "Conformance":
        """The standing a ConformanceSummary row stores (None: nothing checked yet)."""
        if summary is None:
            return cls(ConformanceStatus.NOT_CHECKED.value, counts=(0, 0, 0))
        return cls(summary.status, checked_at=aware(summary.checked_at),
                   counts=(summary.failing, summary.unmeasured, summary.unchecked))


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
    if conformance.failing_count:
        parts.append(ngettext("%(num)d check fails", "%(num)d checks fail", conformance.failing_count))
    if conformance.unmeasured_count:
        parts.append(ngettext("%(num)d could not be measured", "%(num)d could not be measured",
                              conformance.unmeasured_count))
    if conformance.unchecked_count:
        parts.append(ngettext("%(num)d zone or resolver not yet checked", "%(num)d zones or resolvers not yet "
                              "checked", conformance.unchecked_count))
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
        return StatusDisplay("not-verified", ngettext("%(num)d failing", "%(num)d failing", conformance.failing_count),
                             _l("Not verified"), _count_line(conformance))
    return StatusDisplay("not-measured", _l("not measured"), _l("Not measured"),
                         _l("nothing fails, but %(what)s.", what=_count_line(conformance)))


def latest_verdicts(organisation_ids: list[int]) -> dict[int, dict[tuple[str, int], tuple]]:
    """For each organisation: (kind, target id) -> (target name, finished_at, {check id: verdict}) of the
    latest finished run of each of its zones and resolvers (kept by kindns.conformance.summary). One query,
    whatever the number of targets and however long their history."""
    if not organisation_ids:
        return {}
    rows = db.session.execute(
        select(CheckRun.organisation_id, CheckRun.zone_id, CheckRun.resolver_id, CheckRun.target,
               CheckRun.finished_at, CheckResult.check_id, CheckResult.verdict)
        .join(CheckResult, CheckResult.run_id == CheckRun.id)
        .where(CheckRun.organisation_id.in_(organisation_ids), CheckRun.is_latest.is_(True))
    ).all()
    found: dict[int, dict[tuple[str, int], tuple]] = {}
    for org_id, zone_id, resolver_id, target, finished_at, check_id, verdict in rows:
        key = ("zone", zone_id) if zone_id is not None else ("resolver", resolver_id)
        entry = found.setdefault(org_id, {}).setdefault(key, (target, aware(finished_at), {}))
        entry[2][check_id] = verdict
    return found


def conformance_of(organisations: list[Organisation], verdicts: dict | None = None) -> dict[int, Conformance]:
    """The Conformance of each organisation, by id (see `Conformance` for the rule). `verdicts` is
    `latest_verdicts` of these organisations, when the caller has read it already."""
    if verdicts is None:
        verdicts = latest_verdicts([o.id for o in organisations])
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
    measured = latest_verdicts([organisation.id]).get(organisation.id, {})
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


def share(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def region_conformance() -> dict[str, RegionConformance]:
    """Per region: approved participants, how many are verified, the share of checked zones whose
    `dnssec-signed` passes, and the share of applicable verdicts that pass or warn (n/a and errors left out:
    neither says anything about the operator's servers). One GROUP BY over the stored summaries."""
    stats = {code: RegionConformance(code) for code in REGIONS}
    for row in db.session.execute(figures_by(Organisation.region)):
        if row.region in stats:
            region = stats[row.region]
            region.participants, region.verified = int(row.participants), int(row.verified or 0)
            region.dnssec_signed_share = share(int(row.zones_signed or 0), int(row.zones_checked or 0))
            region.checks_passing_share = share(int(row.checks_passing or 0), int(row.checks_judged or 0))
    return stats


def figures_by(*columns):
    """SQL: approved participants grouped by `columns` (of Organisation), with their champions and the sums of
    their stored summaries (verified participants, zones checked and signed, checks judged and passing)."""
    verified = case((ConformanceSummary.status == ConformanceStatus.VERIFIED.value, 1), else_=0)
    champion = case((Organisation.is_champion.is_(True), 1), else_=0)
    return (
        select(*columns, func.count(Organisation.id).label("participants"),
               func.sum(champion).label("champions"), func.sum(verified).label("verified"),
               func.sum(ConformanceSummary.zones_checked).label("zones_checked"),
               func.sum(ConformanceSummary.zones_signed).label("zones_signed"),
               func.sum(ConformanceSummary.checks_judged).label("checks_judged"),
               func.sum(ConformanceSummary.checks_passing).label("checks_passing"))
        .outerjoin(ConformanceSummary, ConformanceSummary.organisation_id == Organisation.id)
        .where(Organisation.status == OrganisationStatus.APPROVED.value)
        .group_by(*columns)
    )


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
