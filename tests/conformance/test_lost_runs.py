"""Runs whose worker is gone: a running run says it is alive (its heartbeat, with the worker's name), and once
it falls silent it no longer blocks its target and is measured again. The real thing, a worker killed with
SIGKILL in the middle of a check, is in test_end_to_end.py and test_redis_queue.py."""
from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta, timezone

from kindns.conformance import runs
from kindns.conformance.models import CheckRun
from kindns.conformance.targets import target_of
from kindns.extensions import db
from kindns.jobs import requeue_lost_runs
from tests.factories import make_organisation, make_user


def _ago(seconds: float) -> datetime:
    return datetime.now(timezone.utc) - timedelta(seconds=seconds)


def _running(zone, *, heartbeat_age: float, queued_age: float = 60, user=None) -> CheckRun:
    run = CheckRun(organisation_id=zone.organisation_id, zone_id=zone.id, target=zone.name, trigger="manual",
                   status="running", queued_at=_ago(queued_age), started_at=_ago(queued_age - 1),
                   heartbeat_at=_ago(heartbeat_age), worker="worker-host:4242",
                   requested_by_id=user.id if user else None)
    db.session.add(run)
    db.session.commit()
    return run


def _silent_for(app) -> float:
    """Seconds after which a running run's worker counts as gone, and a little more."""
    return app.config["KINDNS_RUN_HEARTBEAT_SECONDS"] * (runs.MISSED_HEARTBEATS + 1)


def test_a_run_whose_worker_keeps_beating_is_under_way_and_one_fallen_silent_is_not(app):
    organisation = make_organisation(approved=True, zones=("alive.example", "silent.example"))
    alive, silent = sorted(organisation.zones, key=lambda zone: zone.name)
    _running(alive, heartbeat_age=1)
    _running(silent, heartbeat_age=_silent_for(app))

    assert runs.active_run(target_of(alive)) is not None
    assert runs.active_run(target_of(silent)) is None
    again, created = runs.request_check(target_of(silent), "manual")
    assert created and again.status == "queued"


def test_the_report_says_a_check_is_under_way_only_while_its_worker_beats(app, client, auth):
    organisation = make_organisation(approved=True, zones=("alive.example", "silent.example"))
    alive, silent = sorted(organisation.zones, key=lambda zone: zone.name)
    _running(alive, heartbeat_age=1)
    _running(silent, heartbeat_age=_silent_for(app))
    auth.login_as(make_user(organisation=organisation))

    assert "A check is under way" in client.get(f"/dashboard/zones/{alive.id}/report").get_data(as_text=True)
    page = client.get(f"/dashboard/zones/{silent.id}/report").get_data(as_text=True)
    assert "A check is under way" not in page and "Check now</button>" in page
    overview = client.get("/dashboard/checks").get_data(as_text=True)
    assert overview.count("check under way") == 1


def test_a_worker_names_itself_on_the_runs_it_claims_and_beats_while_it_measures(app):
    organisation = make_organisation(approved=True, zones=("claimed.example",))
    run, _created = runs.request_check(target_of(organisation.zones[0]), "manual")

    measured = runs.execute_run(run.id)  # the test's root is unreachable: quickly measured, as errors

    assert measured.status == "done"
    assert measured.worker == f"{socket.gethostname()}:{os.getpid()}"
    assert measured.started_at <= measured.heartbeat_at


def test_lost_runs_are_failed_and_measured_again_with_their_trigger_and_requester(app, queued):
    organisation = make_organisation(approved=True, zones=("silent.example", "alive.example", "forgotten.example"))
    zones = {zone.name: zone for zone in organisation.zones}
    silent_zone, alive_zone, forgotten_zone = (zones[f"{n}.example"] for n in ("silent", "alive", "forgotten"))
    operator = make_user(organisation=organisation)
    silent = _running(silent_zone, heartbeat_age=_silent_for(app), user=operator)
    alive = _running(alive_zone, heartbeat_age=1)
    forgotten = CheckRun(organisation_id=organisation.id, zone_id=forgotten_zone.id, target=forgotten_zone.name,
                         trigger="schedule", status="queued", queued_at=_ago(runs.STALE_AFTER.total_seconds() + 60))
    db.session.add(forgotten)
    db.session.commit()

    renewed = runs.recover_lost_runs()

    assert sorted((r.target, r.trigger, r.status) for r in renewed) == [
        ("forgotten.example", "schedule", "queued"), ("silent.example", "manual", "queued")]
    assert next(r for r in renewed if r.target == "silent.example").requested_by_id == operator.id
    for lost in (silent, forgotten):
        db.session.refresh(lost)
        assert lost.status == "failed" and lost.error.startswith("Lost")
    db.session.refresh(alive)
    assert alive.status == "running"
    assert queued() == 0  # recorded, not queued: the caller queues them
    assert runs.recover_lost_runs() == []  # the new runs are not lost


def test_the_periodic_job_queues_the_runs_it_recovers(app, queued):
    organisation = make_organisation(approved=True, zones=("silent.example",))
    _running(organisation.zones[0], heartbeat_age=_silent_for(app))

    requeue_lost_runs()

    assert queued() == 1
    assert [r.status for r in db.session.scalars(db.select(CheckRun).order_by(CheckRun.id))] == ["failed", "queued"]
