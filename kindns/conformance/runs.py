"""Check runs: ask for one (never two at once for a target), claim it in a worker, measure it with the
engine and store its results. Nothing here queues anything: callers hand the runs these functions return
to `kindns.jobs.queue_runs` once they are committed."""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..checks import CheckConfig, run_resolver_checks, run_zone_checks
from .. import audit
from ..extensions import db
from ..models import Organisation, OrganisationStatus, User
from .models import ACTIVE, CheckResult, CheckRun, RunStatus
from .targets import KINDS, Target, target_of_run

log = logging.getLogger(__name__)

# A run queued or running for longer than this is taken as lost (a worker died) and no longer blocks.
STALE_AFTER = timedelta(hours=1)
# Resolver categories, strictest first: the strictest declared one decides what a resolver must do.
RESOLVER_CATEGORY_ORDER = (("public-resolvers", "public"), ("shared-resolvers", "shared"),
                           ("private-resolvers", "private"))


def now() -> datetime:
    return datetime.now(timezone.utc)


def aware(moment: datetime | None) -> datetime | None:
    """A stored time with its zone: SQLite hands back naive datetimes, and everything stored is UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


# --- asking for runs ------------------------------------------------------------------------------

def active_run(target: Target) -> CheckRun | None:
    """The run of this target that is queued or running, if any and not lost (see `_give_up_lost_runs`)."""
    return db.session.scalar(
        select(CheckRun).where(target.runs, CheckRun.status.in_(ACTIVE), CheckRun.queued_at > now() - STALE_AFTER)
    )


def _give_up_lost_runs(target: Target) -> None:
    """Mark as failed the target's runs queued or running for longer than STALE_AFTER: their worker died
    (or the queue lost them), and they must neither block new runs nor show as running for ever."""
    db.session.execute(
        update(CheckRun)
        .where(target.runs, CheckRun.status.in_(ACTIVE), CheckRun.queued_at <= now() - STALE_AFTER)
        .values(status=RunStatus.FAILED.value, finished_at=now(),
                error="Lost: no worker finished this run; a newer run replaces it.")
        .execution_options(synchronize_session=False)
    )


def new_run(target: Target, trigger: str, user: User | None = None) -> CheckRun:
    """A queued run of every check for the target, added to the session (the caller commits)."""
    run = CheckRun(organisation_id=target.organisation_id, target=target.label, trigger=trigger,
                   status=RunStatus.QUEUED.value, requested_by_id=user.id if user is not None else None,
                   **target.run_columns())
    db.session.add(run)
    return run


def request_check(target: Target, trigger: str, user: User | None = None) -> tuple[CheckRun, bool]:
    """Record a queued run of every check for a zone or resolver, unless one is already queued or running.

    Returns the run and whether it was created now (then the caller queues it). Never two runs of one target
    at once: a partial unique index refuses a second active run even when two processes ask together."""
    _give_up_lost_runs(target)
    existing = active_run(target)
    if existing is not None:
        db.session.commit()
        return existing, False
    run = new_run(target, trigger, user)
    try:
        db.session.commit()
    except IntegrityError:  # another process recorded one between our look and our insert
        db.session.rollback()
        return active_run(target), False
    return run, True


def request_due_checks(moment: datetime | None = None) -> list[CheckRun]:
    """Record a scheduled run for every approved or submitted organisation's target last measured longer
    ago than KINDNS_CHECK_INTERVAL_HOURS (or never). Returns the runs recorded, for the caller to queue."""
    cutoff = (moment or now()) - timedelta(hours=current_app.config["KINDNS_CHECK_INTERVAL_HOURS"])
    visible = (OrganisationStatus.APPROVED.value, OrganisationStatus.SUBMITTED.value)
    created = []
    for kind in KINDS.values():
        column = getattr(CheckRun, kind.run_column)
        last = (
            select(column.label("target_id"), func.max(CheckRun.queued_at).label("last"))
            .where(column.is_not(None))
            .group_by(column)
            .subquery()
        )
        rows = db.session.scalars(
            select(kind.model)
            .join(Organisation, kind.model.organisation_id == Organisation.id)
            .outerjoin(last, last.c.target_id == kind.model.id)
            .where(Organisation.status.in_(visible), or_(last.c.last.is_(None), last.c.last < cutoff))
        ).all()
        for row in rows:
            run, is_new = request_check(Target(kind, row), "schedule")
            if is_new:
                created.append(run)
    return created


# --- measuring ------------------------------------------------------------------------------------

def engine_config() -> CheckConfig:
    """The check engine's configuration, from the app's KINDNS_CHECK_* settings."""
    return CheckConfig.from_settings(current_app.config)


def resolver_category(organisation: Organisation) -> str:
    """The engine's resolver category for an organisation: its strictest declared resolver category."""
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
        update(CheckRun).where(CheckRun.id == run.id, CheckRun.status == RunStatus.QUEUED.value)
        .values(status=RunStatus.RUNNING.value, started_at=now())
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.commit()
    db.session.refresh(run)
    return claimed


def _measure(target: Target):
    """The engine's report on one zone or resolver (resolvers are checked with their organisation's
    other resolvers: the count check looks at them together)."""
    config = engine_config()
    if target.kind.name == "zone":
        return run_zone_checks([target.label], config)[0]
    organisation = target.organisation
    addresses = [r.address for r in organisation.resolvers]
    doh_urls = {r.address: r.doh_url for r in organisation.resolvers if r.doh_url}
    reports = run_resolver_checks(addresses, resolver_category(organisation), config, doh_urls=doh_urls)
    return next(r for r in reports if r.target == target.label)


def _fail(run: CheckRun, error: str, began: float | None = None) -> CheckRun:
    run.status, run.error, run.finished_at = RunStatus.FAILED.value, error[:2000], now()
    if began is not None:
        run.duration_ms = int((time.monotonic() - began) * 1000)
    db.session.commit()
    return run


def execute_run(run_id: int) -> CheckRun | None:
    """Measure a queued run with the engine and store its results; returns the run (None if unknown).

    A run another worker has claimed, or one already finished, is returned untouched."""
    run = db.session.get(CheckRun, run_id)
    if run is None or run.status != RunStatus.QUEUED.value:
        return run
    target = target_of_run(run)
    if target is None:
        return _fail(run, "The zone or resolver was removed before it could be checked.")
    if not _claim(run):
        return run
    began = time.monotonic()
    try:
        report = _measure(target)
    except Exception as exc:  # noqa: BLE001 - a job must record any failure of the engine, not vanish
        log.exception("check run %s of %s failed", run.id, run.target)
        return _fail(run, f"{type(exc).__name__}: {exc}", began)
    _store_outcomes(run, report)
    run.snapshot = report.snapshot
    run.status, run.finished_at = RunStatus.DONE.value, now()
    run.duration_ms = report.duration_ms or int((time.monotonic() - began) * 1000)
    db.session.commit()
    return run


def _store_outcomes(run: CheckRun, report) -> None:
    """The engine's outcomes as the run's result rows: a check already stored is updated in place (a dispute
    keeps pointing at it), a new one added, one the engine no longer has removed. Each row keeps the
    engine's messages (codes and arguments, rendered in the reader's language) beside their English text;
    the run keeps the one finding of a target that could not be measured at all."""
    stored = {result.check_id: result for result in run.results}
    rows = []
    for outcome in report.checks:
        row = stored.get(outcome.id) or CheckResult(check_id=outcome.id)
        row.verdict, row.practices, row.summary = outcome.verdict, list(outcome.practices), outcome.summary
        row.evidence, row.advice = outcome.evidence, outcome.advice
        row.messages = {"findings": outcome.findings, "more": outcome.more, "advice": outcome.advice_codes,
                        "references": list(outcome.references), "command": outcome.command}
        rows.append(row)
    run.results = rows
    run.unmeasured = report.unmeasured


def rejudge_run(run_id: int) -> list[tuple[str, str | None, str]]:
    """Judge a finished run again from its stored snapshot, with today's checks and policy, and store the new
    verdicts (no query is sent). Returns (check id, verdict before or None, verdict now) for what changed.
    Raises LookupError for an unknown run, ValueError for one that has no snapshot to judge."""
    from ..checks import SnapshotFormatError, rejudge

    run = db.session.get(CheckRun, run_id)
    if run is None:
        raise LookupError(f"no check run {run_id}")
    if run.status != RunStatus.DONE.value or not run.snapshot:
        raise ValueError(f"run {run_id} has no stored snapshot to judge again")
    try:
        report = rejudge(run.snapshot)
    except SnapshotFormatError as exc:
        raise ValueError(f"run {run_id}: the stored snapshot cannot be read ({exc})") from None
    before = {result.check_id: result.verdict for result in run.results}
    _store_outcomes(run, report)
    changes = [(r.check_id, before.get(r.check_id), r.verdict) for r in run.results
               if before.get(r.check_id) != r.verdict]
    audit.record("check.rejudged", run.organisation, None, target=run.target, run_id=run.id,
                 changes=[{"check": c, "before": b, "after": a} for c, b, a in changes])
    db.session.commit()
    return changes

