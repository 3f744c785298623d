"""Stored check runs for tests that are about the registry, not about measuring (those use the DNS lab)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from kindns.conformance.models import CheckResult, CheckRun
from kindns.extensions import db

ZONE_CHECK_IDS = (
    "dnssec-signed", "dnssec-valid", "dnssec-algorithm", "dnssec-nsec3-params", "dnssec-signature-expiry",
    "axfr-restricted", "soa-serial-consistency", "no-open-recursion", "ns-count", "ns-authoritative",
    "ns-consistency", "ns-diversity", "transport",
)


def make_run(target, verdicts: dict[str, str] | None = None, *, default: str = "pass",
             finished_at: datetime | None = None, trigger: str = "schedule") -> CheckRun:
    """A finished run of `target` (a Zone or Resolver) with every zone check at `default` unless given."""
    from kindns.models import Zone

    verdicts = verdicts or {}
    finished_at = finished_at or datetime.now(timezone.utc)
    is_zone = isinstance(target, Zone)
    ids = ZONE_CHECK_IDS if is_zone else tuple(verdicts) or ("resolver-access-control",)
    run = CheckRun(
        organisation_id=target.organisation_id,
        zone_id=target.id if is_zone else None,
        resolver_id=None if is_zone else target.id,
        target=target.name if is_zone else target.address,
        trigger=trigger, status="done",
        queued_at=finished_at - timedelta(seconds=2), started_at=finished_at - timedelta(seconds=1),
        finished_at=finished_at, duration_ms=900,
    )
    run.results = [
        CheckResult(check_id=check_id, verdict=verdicts.get(check_id, default), practices=["1"],
                    summary=f"{check_id} is {verdicts.get(check_id, default)}",
                    evidence=[{"server": "192.0.2.1", "query": f"{run.target} SOA", "rcode": "NOERROR"}],
                    advice=f"Fix {check_id}. dig @192.0.2.1 {run.target} SOA")
        for check_id in ids
    ]
    db.session.add(run)
    db.session.commit()
    return run
