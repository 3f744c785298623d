"""What the runs of a target say over time: the latest measurement, the one before, what changed between
them (and which changes are regressions), and the state a report page shows."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import audit
from ..checks.policy import FAIL, PASS
from ..extensions import db
from .models import ACTIVE, CheckRun, RunStatus
from .runs import is_lost, now
from .summary import latest_runs
from .targets import Target, runs_of, targets_of

DONE = RunStatus.DONE.value


def latest_run(target: Target) -> CheckRun | None:
    """The target's latest finished run."""
    return db.session.scalar(
        select(CheckRun).where(target.runs, CheckRun.status == DONE).order_by(CheckRun.id.desc()).limit(1)
    )


def previous_run(run: CheckRun) -> CheckRun | None:
    """The finished run of the same target before `run`."""
    return db.session.scalar(
        select(CheckRun)
        .where(runs_of(run.kind, run.target_id), CheckRun.status == DONE, CheckRun.id < run.id)
        .order_by(CheckRun.id.desc())
        .limit(1)
    )


def public_runs(organisation) -> list[tuple[Target, CheckRun | None]]:
    """(target, latest finished run or None) for each zone and resolver, zones first; the runs' verdicts are
    loaded, their evidence is not (public pages never show it)."""
    latest = latest_runs(organisation)
    return [(target, latest.get((target.kind.name, target.id))) for target in targets_of(organisation)]


def run_history(target: Target, limit: int = 20) -> list[CheckRun]:
    return list(db.session.scalars(
        select(CheckRun).where(target.runs).order_by(CheckRun.id.desc()).limit(limit)
        .options(selectinload(CheckRun.results), selectinload(CheckRun.check_list))
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
    done = [r for r in history if r.status == DONE]
    if not done and len(history) == limit:
        # Every recent run failed: the last measurement is older than the window. Only older ones are
        # asked for, or a run that finished since the first query would come back half-updated (the
        # session's copy of it, loaded by that query, is not refreshed).
        done = list(db.session.scalars(
            select(CheckRun).where(target.runs, CheckRun.status == DONE, CheckRun.id < history[-1].id)
            .order_by(CheckRun.id.desc()).limit(2)
        ))
    moment = now()
    active = next((r for r in history if r.status in ACTIVE and not is_lost(r, moment)), None)
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
    before = previous.verdict_map  # the previous run may be compacted (kindns.conformance.compaction)
    return [Change(check_id, before.get(check_id), verdict)
            for check_id, verdict in run.verdict_map.items() if before.get(check_id) != verdict]


def record_regression(run: CheckRun, changes: list[Change]) -> None:
    """Audit the checks a run newly fails (the staff digest reads these events)."""
    audit.record("check.regressed", run.organisation, None, target=run.target,
                 checks=[c.check_id for c in changes], run_id=run.id)
    db.session.commit()
