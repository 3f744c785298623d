"""Stored check runs for tests that are about the registry, not about measuring (those use the DNS lab)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from kindns.checks import RESOLVER_CHECKS, ZONE_CHECKS
from kindns.conformance.models import CheckResult, CheckRun
from kindns.conformance.targets import target_of
from kindns.extensions import db


def make_run(row, verdicts: dict[str, str] | None = None, *, default: str = "pass",
             finished_at: datetime | None = None, trigger: str = "schedule") -> CheckRun:
    """A finished run of a Zone or Resolver with every check of the engine's catalogue for its kind at
    `default` unless `verdicts` says otherwise."""
    target = target_of(row)
    verdicts = verdicts or {}
    finished_at = finished_at or datetime.now(timezone.utc)
    catalogue = ZONE_CHECKS if target.kind.name == "zone" else RESOLVER_CHECKS
    unknown = set(verdicts) - set(catalogue)
    assert not unknown, f"no such {target.kind.name} checks: {unknown}"
    run = CheckRun(
        organisation_id=target.organisation_id, target=target.label, trigger=trigger, status="done",
        queued_at=finished_at - timedelta(seconds=2), started_at=finished_at - timedelta(seconds=1),
        finished_at=finished_at, duration_ms=900, **target.run_columns(),
    )
    run.results = [
        CheckResult(check_id=check_id, verdict=verdicts.get(check_id, default), practices=list(spec.practices),
                    summary=f"{check_id} is {verdicts.get(check_id, default)}",
                    evidence=[{"server": "192.0.2.1", "query": f"{run.target} SOA", "rcode": "NOERROR"}],
                    advice=f"Fix {check_id}. Reproduce with: dig @192.0.2.1 {run.target} SOA")
        for check_id, spec in catalogue.items()
    ]
    db.session.add(run)
    db.session.commit()
    return run


def store_findings(run: CheckRun, check_id: str, code: str, command: str, **args) -> CheckResult:
    """Give one result of `run` the engine's words as the registry stores them (runs._store): one decisive
    finding `code` with `args`, its advice code, and the command that shows it."""
    spec = (ZONE_CHECKS if run.kind == "zone" else RESOLVER_CHECKS)[check_id]
    result = next(r for r in run.results if r.check_id == check_id)
    result.messages = {"findings": [{"code": code, "args": args, "verdict": result.verdict}], "more": 0,
                       "advice": [code], "references": list(spec.references),
                       "command": {"kind": "reproduce", "text": command}}
    db.session.commit()
    return result
