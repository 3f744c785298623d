"""History that fits: a run older than KINDNS_HISTORY_FULL_DAYS that is not its target's latest keeps its
verdicts as letters (`CheckRun.verdicts`, one per check of its `CheckList`) and the result rows, evidence
and all, of the checks whose verdict changed since the run before; the other result rows and the collected
snapshot go. A year of daily checks then costs a short row per run, and every change keeps what showed it.

Reports, history and alerts read a run's verdicts through `CheckRun.verdict_map`, compacted or not.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from .models import VERDICT_LETTERS, CheckList, CheckResult, CheckRun, RunStatus
from .runs import now
from .summary import QUIET

BATCH = 1000


def check_list_id(check_ids: list[str], cache: dict[str, int] | None = None) -> int:
    """The id of the CheckList of these checks in this order, stored when new."""
    key = " ".join(check_ids)
    if cache is not None and key in cache:
        return cache[key]
    found = db.session.scalar(select(CheckList.id).where(CheckList.check_ids == key))
    if found is None:
        row = CheckList(check_ids=key)
        db.session.add(row)
        db.session.flush()
        found = row.id
    if cache is not None:
        cache[key] = found
    return found


def compact_history(moment: datetime | None = None) -> int:
    """Compact every finished run older than the period of full history that is not its target's latest;
    returns how many. Commits each batch: it runs as a job beside the registry's other work."""
    cutoff = (moment or now()) - timedelta(days=float(current_app.config["KINDNS_HISTORY_FULL_DAYS"]))
    db.session.info[QUIET] = True
    try:
        return _compact(cutoff)
    finally:
        db.session.info.pop(QUIET, None)


def _compact(cutoff: datetime) -> int:
    lists: dict[str, int] = {}
    before: dict[tuple[int | None, int | None], dict[str, str]] = {}
    compacted, last_id = 0, 0
    while True:
        runs = db.session.scalars(
            select(CheckRun)
            .where(CheckRun.status == RunStatus.DONE.value, CheckRun.is_latest.is_(False),
                   CheckRun.verdicts.is_(None), CheckRun.finished_at < cutoff, CheckRun.id > last_id)
            .order_by(CheckRun.id).limit(BATCH)
            .options(selectinload(CheckRun.results))
        ).all()
        if not runs:
            return compacted
        for run in runs:
            key = (run.zone_id, run.resolver_id)
            if key not in before:
                before[key] = _previous_verdicts(run)
            verdicts = {r.check_id: r.verdict for r in run.results}
            previous = before[key]
            changed = {check_id for check_id, verdict in verdicts.items() if previous.get(check_id) != verdict}
            check_ids = list(verdicts)
            run.check_list_id = check_list_id(check_ids, lists)
            run.verdicts = "".join(VERDICT_LETTERS.get(verdicts[c], "e") for c in check_ids)
            run.snapshot, run.worker = None, ""
            kept = [r.id for r in run.results if r.check_id not in changed]
            if kept:
                db.session.execute(delete(CheckResult).where(CheckResult.id.in_(kept))
                                   .execution_options(synchronize_session=False))
            before[key] = verdicts
            compacted += 1
        last_id = runs[-1].id
        db.session.commit()


def _previous_verdicts(run: CheckRun) -> dict[str, str]:
    """The verdicts of the target's finished run before `run` (none for its first)."""
    column = CheckRun.zone_id if run.zone_id is not None else CheckRun.resolver_id
    previous = db.session.scalar(
        select(CheckRun).where(column == run.target_id, CheckRun.status == RunStatus.DONE.value,
                               CheckRun.id < run.id)
        .order_by(CheckRun.id.desc()).limit(1)
    )
    return previous.verdict_map if previous is not None else {}
