"""What public pages read instead of every verdict: each target's latest finished run (`CheckRun.is_latest`)
and each participant's standing with its figures (`ConformanceSummary`).

Both are kept by the database session itself: whatever commits a finished run, a change of zones, resolvers
or categories (a view, the worker, a command, a test's factory), the participants it touches are summed up
again before the commit, in the same transaction. Bulk loads that bypass the session call `refresh`.
"""
from __future__ import annotations

from collections.abc import Iterable

from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import defer, selectinload

from ..checks.policy import ERROR, NOT_APPLICABLE, PASS, WARN
from ..extensions import db
from ..models import Organisation, OrganisationCategory, Resolver, Zone
from .models import CheckResult, CheckRun, ConformanceSummary, RunStatus
from .standing import Conformance, latest_verdicts, applicable_check_ids, conformance_of

BATCH = 500
# Set in a session's info by work that changes runs but no standing (compaction keeps every verdict).
QUIET = "kindns_standings_unchanged"
_PENDING = "kindns_conformance_pending"
DONE = RunStatus.DONE.value


def refresh(organisation_ids: Iterable[int]) -> None:
    """Mark the latest run of each target of these organisations and store their standings (the caller
    commits)."""
    ids = sorted({org_id for org_id in organisation_ids if org_id is not None})
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        _mark_latest(batch)
        _store(batch)


def refresh_all() -> int:
    """`refresh` every organisation; returns how many."""
    ids = list(db.session.scalars(select(Organisation.id)))
    refresh(ids)
    return len(ids)


def _mark_latest(ids: list[int]) -> None:
    latest = (
        select(func.max(CheckRun.id))
        .where(CheckRun.organisation_id.in_(ids), CheckRun.status == DONE)
        .group_by(CheckRun.zone_id, CheckRun.resolver_id)
    )
    db.session.execute(
        update(CheckRun)
        .where(CheckRun.organisation_id.in_(ids), CheckRun.is_latest.is_(True), CheckRun.id.not_in(latest))
        .values(is_latest=False).execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(CheckRun).where(CheckRun.id.in_(latest), CheckRun.is_latest.is_(False))
        .values(is_latest=True).execution_options(synchronize_session=False)
    )


def figures(organisation: Organisation, measured: dict) -> dict[str, int]:
    """The leaderboard's counts of one participant, from `latest_verdicts` of it: zones whose
    `dnssec-signed` was judged and passes, and applicable verdicts judged (n/a and errors measure nothing
    about the operator's servers) and passing or warning."""
    applicable = {kind: applicable_check_ids(organisation, kind) for kind in ("zone", "resolver")}
    counts = {"zones_checked": 0, "zones_signed": 0, "checks_judged": 0, "checks_passing": 0}
    for (kind, _target_id), (_name, _when, results) in measured.items():
        if results.get("dnssec-signed", ERROR) != ERROR:
            counts["zones_checked"] += 1
            counts["zones_signed"] += results["dnssec-signed"] == PASS
        for check_id, verdict in results.items():
            if check_id in applicable[kind] and verdict not in (NOT_APPLICABLE, ERROR):
                counts["checks_judged"] += 1
                counts["checks_passing"] += verdict in (PASS, WARN)
    return counts


def _store(ids: list[int]) -> None:
    organisations = db.session.scalars(
        select(Organisation).where(Organisation.id.in_(ids))
        .options(selectinload(Organisation.categories), selectinload(Organisation.zones),
                 selectinload(Organisation.resolvers))
    ).all()
    verdicts = latest_verdicts([o.id for o in organisations])
    standings = conformance_of(organisations, verdicts)
    stored = {row.organisation_id: row for row in db.session.scalars(
        select(ConformanceSummary).where(ConformanceSummary.organisation_id.in_(ids)))}
    for organisation in organisations:
        standing = standings[organisation.id]
        row = stored.get(organisation.id)
        if row is None:
            row = ConformanceSummary(organisation_id=organisation.id)
            db.session.add(row)
        row.status, row.checked_at = standing.status, standing.checked_at
        row.failing, row.unmeasured = len(standing.failing), len(standing.unmeasured)
        row.unchecked = len(standing.unchecked)
        for name, value in figures(organisation, verdicts.get(organisation.id, {})).items():
            setattr(row, name, value)


def stored_conformance(organisation_ids: Iterable[int]) -> dict[int, Conformance]:
    """The stored standing of each organisation, by id, in one query (counts, no lists)."""
    ids = list(organisation_ids)
    rows = {row.organisation_id: row for row in db.session.scalars(
        select(ConformanceSummary).where(ConformanceSummary.organisation_id.in_(ids)))} if ids else {}
    return {org_id: Conformance.from_summary(rows.get(org_id)) for org_id in ids}


def latest_runs(organisation: Organisation) -> dict[tuple[str, int], CheckRun]:
    """(kind, target id) -> the latest finished run, with its verdicts (not their evidence), of each zone and
    resolver of the organisation: two queries, however many targets and however long their history."""
    runs = db.session.scalars(
        select(CheckRun).where(CheckRun.organisation_id == organisation.id, CheckRun.is_latest.is_(True))
        .options(selectinload(CheckRun.results).options(defer(CheckResult.evidence)))
    ).all()
    return {(run.kind, run.target_id): run for run in runs}


# --- kept by the session --------------------------------------------------------------------------

def _touched(session) -> set[int]:
    touched = set()
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, (Zone, Resolver, OrganisationCategory)):
            touched.add(obj.organisation_id)
        elif isinstance(obj, CheckRun) and obj.status == DONE:
            touched.add(obj.organisation_id)
    for obj in session.deleted:
        if isinstance(obj, (Zone, Resolver, OrganisationCategory, CheckRun)):
            touched.add(obj.organisation_id)
    return touched


@event.listens_for(FlaskSession, "after_flush")
def _note_touched(session, _flush_context) -> None:
    if session.info.get(QUIET):
        return
    touched = _touched(session)
    if touched:
        session.info.setdefault(_PENDING, set()).update(touched)


@event.listens_for(FlaskSession, "before_commit")
def _refresh_touched(session) -> None:
    session.flush()
    pending = session.info.pop(_PENDING, None)
    if pending:
        refresh(pending)
        session.flush()


@event.listens_for(FlaskSession, "after_rollback")
def _forget_touched(session) -> None:
    session.info.pop(_PENDING, None)
