"""Check runs in the registry: queue them, execute them with the engine, read them back, judge a
participant's conformance and summarise regions. Plain functions; the views, the worker and the CLI
all call these."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import audit
from ..extensions import db
from ..models import Organisation, OrganisationStatus, Resolver, User, Zone
from ..practices import CATEGORIES
from ..regions import REGIONS
from .models import ERROR, FAIL, NOT_APPLICABLE, PASS, WARN, CheckResult, CheckRun, RegionSnapshot

log = logging.getLogger(__name__)

ACTIVE = ("queued", "running")
# A run queued or running for longer than this is taken as lost (a worker died) and no longer blocks.
STALE_AFTER = timedelta(hours=1)
# Resolver categories, strictest first: the strictest declared one decides what a resolver must do.
RESOLVER_CATEGORY_ORDER = (("public-resolvers", "public"), ("shared-resolvers", "shared"),
                           ("private-resolvers", "private"))
Target = Zone | Resolver


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything stored is UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def _target_filter(target: Target):
    return CheckRun.zone_id == target.id if isinstance(target, Zone) else CheckRun.resolver_id == target.id


def target_name(target: Target) -> str:
    return target.name if isinstance(target, Zone) else target.address


# --- queueing -------------------------------------------------------------------------------------

def active_run(target: Target) -> CheckRun | None:
    """The run of this target that is queued or running, if any and not lost (see `_give_up_lost_runs`)."""
    return db.session.scalar(
        select(CheckRun)
        .where(_target_filter(target), CheckRun.status.in_(ACTIVE), CheckRun.queued_at > _now() - STALE_AFTER)
    )


def _give_up_lost_runs(target: Target) -> None:
    """Mark as failed the target's runs queued or running for longer than STALE_AFTER: their worker died
    (or the queue lost them), and they must neither block new runs nor show as running for ever."""
    db.session.execute(
        update(CheckRun)
        .where(_target_filter(target), CheckRun.status.in_(ACTIVE), CheckRun.queued_at <= _now() - STALE_AFTER)
        .values(status="failed", finished_at=_now(),
                error="Lost: no worker finished this run; a newer run replaces it.")
        .execution_options(synchronize_session=False)
    )


def request_check(target: Target, trigger: str, user: User | None = None) -> tuple[CheckRun, bool]:
    """Queue a run of every check for a zone or resolver, unless one is already queued or running.

    Returns the run and whether it was created now. Never two runs of one target at once: a partial
    unique index refuses a second active run even when two processes ask at the same moment."""
    _give_up_lost_runs(target)
    existing = active_run(target)
    if existing is not None:
        db.session.commit()
        return existing, False
    run = CheckRun(
        organisation_id=target.organisation_id,
        zone_id=target.id if isinstance(target, Zone) else None,
        resolver_id=target.id if isinstance(target, Resolver) else None,
        target=target_name(target),
        trigger=trigger,
        status="queued",
        requested_by_id=user.id if user is not None else None,
    )
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:  # another process queued one between our look and our insert
        db.session.rollback()
        return active_run(target), False
    from ..jobs import run_check_job

    run_check_job(run.id)
    return run, True


def queue_due_checks(now: datetime | None = None) -> int:
    """Queue a scheduled run for every approved or submitted organisation's target last measured longer
    ago than KINDNS_CHECK_INTERVAL_HOURS (or never). Returns how many were queued."""
    now = now or _now()
    cutoff = now - timedelta(hours=current_app.config["KINDNS_CHECK_INTERVAL_HOURS"])
    visible = (OrganisationStatus.APPROVED.value, OrganisationStatus.SUBMITTED.value)
    queued = 0
    for model, column in ((Zone, CheckRun.zone_id), (Resolver, CheckRun.resolver_id)):
        last = (
            select(column.label("target_id"), func.max(CheckRun.queued_at).label("last"))
            .where(column.is_not(None))
            .group_by(column)
            .subquery()
        )
        targets = db.session.scalars(
            select(model)
            .join(Organisation, model.organisation_id == Organisation.id)
            .outerjoin(last, last.c.target_id == model.id)
            .where(Organisation.status.in_(visible), or_(last.c.last.is_(None), last.c.last < cutoff))
        ).all()
        for target in targets:
            if request_check(target, "schedule")[1]:
                queued += 1
    return queued


# --- executing ------------------------------------------------------------------------------------

def engine_config():
    """The check engine's configuration, from the app's KINDNS_CHECK_* settings."""
    from ..checks import CheckConfig

    return CheckConfig.from_settings(current_app.config)


def resolver_category(organisation: Organisation) -> str:
    declared = set(organisation.category_ids)
    for category, engine_name in RESOLVER_CATEGORY_ORDER:
        if category in declared:
            return engine_name
    return "private"


def _claim(run: CheckRun) -> bool:
    """Move a queued run to running in one conditional UPDATE, so that of two workers handed the same run
    exactly one measures it. Nothing is held outside the database: a worker that dies mid-run leaves a
    "running" run, which the next request for its target marks as lost once stale (STALE_AFTER)."""
    claimed = db.session.execute(
        update(CheckRun).where(CheckRun.id == run.id, CheckRun.status == "queued")
        .values(status="running", started_at=_now())
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.commit()
    db.session.refresh(run)
    return claimed


def execute_run(run_id: int) -> CheckRun | None:
    """Measure a queued run with the engine, store its results and send the alerts it calls for."""
    from ..checks import run_resolver_checks, run_zone_checks

    run = db.session.get(CheckRun, run_id)
    if run is None or run.status != "queued":
        return run
    target = run.zone or run.resolver
    if target is None:  # removed while queued
        run.status, run.error = "failed", "The zone or resolver was removed before it could be checked."
        db.session.commit()
        return run
    if not _claim(run):
        return run  # another worker has it
    began = time.monotonic()
    try:
        config = engine_config()
        if run.zone is not None:
            report = run_zone_checks([run.zone.name], config)[0]
        else:
            addresses = [r.address for r in run.organisation.resolvers]
            reports = run_resolver_checks(addresses, resolver_category(run.organisation), config)
            report = next(r for r in reports if r.to_dict()["target"] == run.resolver.address)
    except Exception as exc:  # noqa: BLE001 - a job must record any failure of the engine, not vanish
        log.exception("check run %s of %s failed", run.id, run.target)
        run.status, run.error = "failed", f"{type(exc).__name__}: {exc}"[:2000]
        run.finished_at = _now()
        run.duration_ms = int((time.monotonic() - began) * 1000)
        db.session.commit()
        return run
    data = report.to_dict()
    run.results = [
        CheckResult(check_id=c["id"], verdict=c["verdict"], practices=list(c.get("practices") or []),
                    summary=c.get("summary") or "", evidence=c.get("evidence") or [], advice=c.get("advice") or "")
        for c in data["checks"]
    ]
    run.status, run.finished_at = "done", _now()
    run.duration_ms = int(data.get("duration_ms") or (time.monotonic() - began) * 1000)
    db.session.commit()
    from . import alerts

    alerts.after_run(run, previous_run(run))
    return run


# --- reading --------------------------------------------------------------------------------------

def latest_run(target: Target) -> CheckRun | None:
    return db.session.scalar(
        select(CheckRun).where(_target_filter(target), CheckRun.status == "done").order_by(CheckRun.id.desc()).limit(1)
    )


def previous_run(run: CheckRun) -> CheckRun | None:
    column = CheckRun.zone_id if run.zone_id is not None else CheckRun.resolver_id
    target_id = run.zone_id if run.zone_id is not None else run.resolver_id
    return db.session.scalar(
        select(CheckRun)
        .where(column == target_id, CheckRun.status == "done", CheckRun.id < run.id)
        .order_by(CheckRun.id.desc())
        .limit(1)
    )


def public_runs(organisation: Organisation) -> list[tuple[str, str, CheckRun | None]]:
    """(kind, name, latest finished run or None) for each zone and resolver, zones first."""
    return [(kind, target_name(target), latest_run(target))
            for kind, targets in (("zone", organisation.zones), ("resolver", organisation.resolvers))
            for target in targets]


def run_history(target: Target, limit: int = 20) -> list[CheckRun]:
    return list(db.session.scalars(
        select(CheckRun).where(_target_filter(target)).order_by(CheckRun.id.desc()).limit(limit)
        .options(selectinload(CheckRun.results))
    ))


@dataclass
class ReportState:
    """What a report page shows, read in one query so that a worker committing meanwhile cannot make
    the page mix two runs: the latest finished run, the one before it, a run under way, the history."""

    run: CheckRun | None
    previous: CheckRun | None
    active: CheckRun | None
    history: list[CheckRun]


def report_state(target: Target, limit: int = 20) -> ReportState:
    history = run_history(target, limit)
    done = [r for r in history if r.status == "done"]
    if not done and len(history) == limit:
        # Every recent run failed: the last measurement is older than the window. Only older ones are
        # asked for, or a run that finished since the first query would come back half-updated (the
        # session's copy of it, loaded by that query, is not refreshed).
        done = list(db.session.scalars(
            select(CheckRun).where(_target_filter(target), CheckRun.status == "done", CheckRun.id < history[-1].id)
            .order_by(CheckRun.id.desc()).limit(2)
        ))
    stale_before = _now() - STALE_AFTER
    active = next((r for r in history if r.status in ACTIVE and _aware(r.queued_at) > stale_before), None)
    return ReportState(done[0] if done else None, done[1] if len(done) > 1 else None, active, history)


@dataclass(frozen=True)
class Change:
    check_id: str
    before: str | None  # None: the check is new in this run
    after: str

    @property
    def is_regression(self) -> bool:
        return self.before == PASS and self.after == FAIL


def changes_since(run: CheckRun, previous: CheckRun | None) -> list[Change]:
    """The checks whose verdict differs from the previous run's (all of them for a first run: none)."""
    if previous is None:
        return []
    before = {r.check_id: r.verdict for r in previous.results}
    return [Change(r.check_id, before.get(r.check_id), r.verdict)
            for r in run.results if before.get(r.check_id) != r.verdict]


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
    """A participant's standing: "verified" when every applicable automated check of every declared
    zone and resolver passes (warnings allowed), "not-verified" with what fails, or "not-checked"."""

    status: str
    failing: list[tuple[str, str, str]] = field(default_factory=list)  # (target, check id, verdict)
    unchecked: list[str] = field(default_factory=list)
    checked_at: datetime | None = None

    @property
    def verified(self) -> bool:
        return self.status == "verified"


def _latest_verdicts(organisation_ids: list[int]) -> dict[int, dict[tuple[str, int], tuple]]:
    """For each organisation: (kind, target id) -> (target name, finished_at, {check id: verdict}) of the
    latest finished run of each of its zones and resolvers. Two queries, whatever the number of targets."""
    if not organisation_ids:
        return {}
    latest = (
        select(func.max(CheckRun.id))
        .where(CheckRun.status == "done", CheckRun.organisation_id.in_(organisation_ids))
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
        entry = found.setdefault(org_id, {}).setdefault(key, (target, _aware(finished_at), {}))
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
        unchecked: list[str] = []
        checked_at: datetime | None = None
        for kind, targets in (("zone", organisation.zones), ("resolver", organisation.resolvers)):
            applicable = applicable_check_ids(organisation, kind)
            for target in targets:
                if (kind, target.id) not in measured:
                    unchecked.append(target_name(target))
                    continue
                name, finished_at, results = measured[(kind, target.id)]
                checked_at = max(filter(None, (checked_at, finished_at)), default=None)
                failing += [(name, check_id, verdict) for check_id, verdict in sorted(results.items())
                            if check_id in applicable and verdict in (FAIL, ERROR)]
        if checked_at is None:
            standing[organisation.id] = Conformance("not-checked", unchecked=unchecked)
        else:
            status = "verified" if not failing and not unchecked else "not-verified"
            standing[organisation.id] = Conformance(status, failing, unchecked, checked_at)
    return standing


def participant_conformance(organisation: Organisation) -> Conformance:
    return conformance_of([organisation])[organisation.id]


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
    `dnssec-signed` passes, and the share of applicable verdicts that pass or warn (n/a left out)."""
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
            if "dnssec-signed" in results:
                count["zones"] += 1
                count["signed"] += results["dnssec-signed"] == PASS
            for check_id, verdict in results.items():
                if check_id in applicable[kind] and verdict != NOT_APPLICABLE:
                    count["judged"] += 1
                    count["passing"] += verdict in (PASS, WARN)
    for code, region in stats.items():
        region.dnssec_signed_share = _share(counts[code]["signed"], counts[code]["zones"])
        region.checks_passing_share = _share(counts[code]["passing"], counts[code]["judged"])
    return stats


def take_region_snapshot(today: date | None = None) -> list[RegionSnapshot]:
    """Store (or refresh) this month's figures for every region."""
    month = (today or _now().date()).replace(day=1)
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


def record_regression(run: CheckRun, changes: list[Change]) -> None:
    audit.record("check.regressed", run.organisation, None, target=run.target,
                 checks=[c.check_id for c in changes], run_id=run.id)
    db.session.commit()


# --- disputes -------------------------------------------------------------------------------------

def open_dispute(result: CheckResult, user: User, note: str):
    """Record an operator's dispute of one verdict; staff see it in their list."""
    from .models import Dispute

    run = result.run
    item = Dispute(organisation_id=run.organisation_id, result_id=result.id, target=run.target,
                   check_id=result.check_id, verdict=result.verdict, note=note.strip(), created_by_id=user.id)
    db.session.add(item)
    audit.record("check.disputed", run.organisation, user, target=run.target, check=result.check_id,
                 verdict=result.verdict)
    db.session.commit()
    return item


def answer_dispute(item, staff: User, answer: str):
    """Store staff's answer and mail it to the organisation."""
    from ..mail import send_mail
    from .alerts import organisation_recipients

    item.answer, item.status = answer.strip(), "answered"
    item.answered_by_id, item.answered_at = staff.id, _now()
    audit.record("check.dispute-answered", item.organisation, staff, target=item.target, check=item.check_id)
    db.session.commit()
    recipients = organisation_recipients(item.organisation)
    if recipients:
        send_mail(recipients, f"KINDNS: {item.check_id} on {item.target}",
                  f"{item.note}\n\n---\n{item.answer}")
    return item
