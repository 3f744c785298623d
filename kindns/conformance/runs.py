"""Check runs: ask for one (never two at once for a target), claim it in a worker, measure it with the
engine and store its results. Nothing here queues anything: callers hand the runs these functions return
to `kindns.jobs.queue_runs` once they are committed."""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, func, not_, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..checks import CheckConfig, run_resolver_checks, run_zone_checks
from .. import audit
from ..extensions import db
from ..models import Organisation, OrganisationStatus, User
from ..workers import aware, now, signs_of_life, worker_identity
from .models import ACTIVE, CheckResult, CheckRun, RunStatus
from .targets import KINDS, Target, target_of_run

log = logging.getLogger(__name__)

# A run queued or running for longer than this is taken as lost (the queue lost it, or its worker hangs) and
# no longer blocks.
STALE_AFTER = timedelta(hours=1)
# A running run's worker says it is alive every KINDNS_RUN_HEARTBEAT_SECONDS; once it has missed this many
# beats it is taken as gone (killed, its host down), and the run as lost, long before STALE_AFTER.
MISSED_HEARTBEATS = 4
LOST = "Lost: no worker finished this run; a newer run replaces it."
# Resolver categories, strictest first: the strictest declared one decides what a resolver must do.
RESOLVER_CATEGORY_ORDER = (("public-resolvers", "public"), ("shared-resolvers", "shared"),
                           ("private-resolvers", "private"))


# --- asking for runs ------------------------------------------------------------------------------

def _heartbeat_interval() -> float:
    return float(current_app.config["KINDNS_RUN_HEARTBEAT_SECONDS"])


def _silent_since(moment: datetime) -> datetime:
    return moment - timedelta(seconds=_heartbeat_interval() * MISSED_HEARTBEATS)


def _lost(moment: datetime):
    """SQL: a queued or running run that will not finish: waiting or running for longer than STALE_AFTER, or
    running with a worker silent for MISSED_HEARTBEATS beats (runs claimed before heartbeats count from
    their start). `is_lost` says the same of a run already loaded."""
    last_sign_of_life = func.coalesce(CheckRun.heartbeat_at, CheckRun.started_at, CheckRun.queued_at)
    return or_(CheckRun.queued_at <= moment - STALE_AFTER,
               and_(CheckRun.status == RunStatus.RUNNING.value, last_sign_of_life <= _silent_since(moment)))


def is_lost(run: CheckRun, moment: datetime | None = None) -> bool:
    """Whether a queued or running run will not finish (see `_lost`), for runs a page has loaded already."""
    moment = moment or now()
    last_sign_of_life = aware(run.heartbeat_at or run.started_at or run.queued_at)
    return aware(run.queued_at) <= moment - STALE_AFTER or (
        run.status == RunStatus.RUNNING.value and last_sign_of_life <= _silent_since(moment))


def active_run(target: Target) -> CheckRun | None:
    """The run of this target that is queued or running, if any and not lost (see `_lost`)."""
    return db.session.scalar(
        select(CheckRun).where(target.runs, CheckRun.status.in_(ACTIVE), not_(_lost(now())))
    )


def _give_up_lost_runs(target: Target) -> None:
    """Mark the target's lost runs as failed: they must neither block new runs nor show as running for ever."""
    moment = now()
    db.session.execute(
        update(CheckRun)
        .where(target.runs, CheckRun.status.in_(ACTIVE), _lost(moment))
        .values(status=RunStatus.FAILED.value, finished_at=moment, error=LOST)
        .execution_options(synchronize_session=False)
    )


def recover_lost_runs() -> list[CheckRun]:
    """Give up every lost run and record a new one of its target, with its trigger and requester, so that what
    was asked for is measured after all; returns the new runs, for the caller to queue. A starting worker and
    a periodic job call this (kindns.jobs): a killed worker strands nothing for longer than a few beats."""
    lost = db.session.scalars(select(CheckRun).where(CheckRun.status.in_(ACTIVE), _lost(now()))).all()
    renewed = []
    for run in lost:
        log.warning("check run %s of %s is lost (%s, last heard of at %s)", run.id, run.target,
                    f"worker {run.worker}" if run.worker else run.status, aware(run.heartbeat_at or run.queued_at))
        target = target_of_run(run)
        if target is None:
            _fail(run, LOST)
            continue
        requester = db.session.get(User, run.requested_by_id) if run.requested_by_id else None
        new, created = request_check(target, run.trigger, requester)
        if created:
            renewed.append(new)
    return renewed


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
    "running" run whose heartbeat stops, and which is then lost (`_lost`) and measured again."""
    moment = now()
    claimed = db.session.execute(
        update(CheckRun).where(CheckRun.id == run.id, CheckRun.status == RunStatus.QUEUED.value)
        .values(status=RunStatus.RUNNING.value, started_at=moment, heartbeat_at=moment, worker=worker_identity())
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.commit()
    db.session.refresh(run)
    return claimed


def _heartbeat(run_id: int):
    """While the block measures, record every KINDNS_RUN_HEARTBEAT_SECONDS that this worker still does."""
    def beat(connection) -> None:
        connection.execute(update(CheckRun).where(CheckRun.id == run_id, CheckRun.status == RunStatus.RUNNING.value)
                           .values(heartbeat_at=now()))

    return signs_of_life(db.engine, _heartbeat_interval(), beat, f"heartbeat-run-{run_id}",
                         f"check run {run_id}: heartbeat not recorded")


def _still_claimed(run: CheckRun) -> bool:
    """Whether `run` is still this worker's to finish: one whose heartbeats did not get through may have been
    given up and measured again meanwhile, and that newer run's results are the ones to keep."""
    db.session.refresh(run)
    if run.status == RunStatus.RUNNING.value and run.worker == worker_identity():
        return True
    log.warning("check run %s of %s was given up while this worker measured it; its results are dropped",
                run.id, run.target)
    return False


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
        with _heartbeat(run.id):
            report = _measure(target)
    except Exception as exc:  # noqa: BLE001 - a job must record any failure of the engine, not vanish
        log.exception("check run %s of %s failed", run.id, run.target)
        return _fail(run, f"{type(exc).__name__}: {exc}", began)
    if not _still_claimed(run):
        return run
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

