"""The job queue on a real Redis, shared by two worker processes: every due zone is measured exactly once;
and a worker killed mid-run (SIGKILL) leaves nothing stranded: the next worker to start measures its run.

Everything queue-related runs as the registry's own commands in separate processes, because the queue is
chosen from the environment when kindns.jobs is imported (this process's is SQLite): two
`flask --app app kindns worker` and one `flask --app app kindns queue-due-checks`, all with
KINDNS_REDIS_URL and a queue name of this test's own, reading an instance folder whose config.py holds the
database of the `app` fixture and the DNS lab's check settings. Runs when KINDNS_TEST_REDIS_URL is set
(.ci/run sets it); the test deletes its queue's keys from Redis at the end.
"""
from __future__ import annotations

import os
import re
import subprocess
import time
import uuid

import pytest

from kindns.conformance import runs
from kindns.conformance.models import CheckRun
from kindns.conformance.targets import target_of
from kindns.extensions import db
from kindns.models import Zone
from tests.conformance.conftest import (PROJECT_ROOT, flask_command, registry_environment, silent_root_settings,
                                       write_instance_config)
from tests.factories import make_organisation

REDIS_URL = os.environ.get("KINDNS_TEST_REDIS_URL", "")
pytestmark = [
    pytest.mark.dns,
    pytest.mark.skipif(not REDIS_URL, reason="KINDNS_TEST_REDIS_URL is not set (.ci/run sets it)"),
]

# Two operators, ten lab zones between them; each zone breaks (at most) one thing of its own.
ROLES = {
    "Queue Networks A": ("good", "unsigned", "single-ns", "same-subnet", "open-axfr"),
    "Queue Networks B": ("open-recursion", "bad-ds", "lame", "serial-mismatch", "ns-mismatch"),
}
ALL_DONE_TIMEOUT = 90.0
EXECUTED = re.compile(r"Executing kindns\.jobs\.run_check: ")


@pytest.fixture
def redis_queue():
    """A queue name of this test's own; its keys are deleted from Redis afterwards."""
    import redis

    name = f"kindns_test_{uuid.uuid4().hex[:12]}"
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"KINDNS_TEST_REDIS_URL={REDIS_URL} does not answer: {exc}")
    yield name
    for key in client.scan_iter(match=f"*{name}*"):
        client.delete(key)
    assert not list(client.scan_iter(match=f"*{name}*"))
    client.close()


def _worker_environment(app, tmp_path, queue_name: str, check_settings: dict) -> dict[str, str]:
    """The environment of registry commands on this test's Redis queue and the `app` fixture's database."""
    instance = tmp_path / "instance"
    write_instance_config(instance, {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "queue-test",
        "KINDNS_OUTBOX": str(tmp_path / "outbox"),
        "KINDNS_BASE_URL": "https://registry.example.net",
        **check_settings,
    })
    return registry_environment(instance, KINDNS_REDIS_URL=REDIS_URL, KINDNS_QUEUE_NAME=queue_name)


def _queue_due_checks(env: dict[str, str]) -> str:
    done = subprocess.run(flask_command("queue-due-checks"), cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


def test_two_workers_share_the_redis_queue_and_measure_each_zone_once(app, tmp_path, dns_lab, lab_check_settings,
                                                                      redis_queue, workers):
    zones: dict[str, str] = {}  # zone name -> role
    for name, roles in ROLES.items():
        make_organisation(name=name, approved=True, zones=tuple(dns_lab.zones[role] for role in roles))
        zones.update({dns_lab.zones[role]: role for role in roles})
    env = _worker_environment(app, tmp_path, redis_queue, lab_check_settings)
    first, second = workers.start(env), workers.start(env)
    workers.wait_until_consuming()
    db.session.remove()

    assert _queue_due_checks(env) == f"{len(zones)} check run(s) queued."
    deadline = time.monotonic() + ALL_DONE_TIMEOUT
    while True:
        runs = db.session.scalars(db.select(CheckRun)).all()
        if len(runs) == len(zones) and all(r.status not in ("queued", "running") for r in runs):
            break
        db.session.remove()
        workers.check_alive()
        assert time.monotonic() < deadline, f"runs still pending: {[(r.target, r.status) for r in runs]}\n" \
                                            f"{workers.logs()}"
        time.sleep(0.2)

    assert sorted(r.target for r in runs) == sorted(zones)  # one run per zone, no zone twice
    for run in runs:
        assert run.status == "done", (run.target, run.error, workers.logs())
        verdicts = {r.check_id: r.verdict for r in run.results}
        assert len(verdicts) == 13
        # Really measured in the lab: what the role breaks is seen, and a well-run zone passes throughout.
        expected = dns_lab.expected_verdicts[zones[run.target]]
        assert {c: verdicts[c] for c in expected} == expected, run.target
        if not expected:
            assert set(verdicts.values()) == {"pass"}, verdicts
    executed = [len(EXECUTED.findall(p.log_path.read_text())) for p in (first, second)]
    assert sum(executed) == len(zones) and min(executed) >= 1, (executed, workers.logs())

    # Nothing is due any more, and no worker left a duplicate behind.
    assert _queue_due_checks(env) == "0 check run(s) queued."
    time.sleep(0.5)
    db.session.remove()
    assert db.session.scalar(db.select(db.func.count(CheckRun.id))) == len(zones)


def test_a_worker_started_after_one_was_killed_measures_what_it_left_behind(app, tmp_path, redis_queue, workers):
    """The killed worker had taken its job off the Redis queue: only the database remembers the run. The root
    server here never answers, so the check runs until its deadline, long enough to kill the worker mid-run."""
    heartbeat = 0.5
    app.config["KINDNS_RUN_HEARTBEAT_SECONDS"] = heartbeat
    make_organisation(name="Killed Networks", approved=True, zones=("killed.example",))
    env = _worker_environment(app, tmp_path, redis_queue,
                              {**silent_root_settings(tmp_path), "KINDNS_RUN_HEARTBEAT_SECONDS": heartbeat})
    first = workers.start(env)
    workers.wait_until_consuming()
    db.session.remove()
    assert _queue_due_checks(env) == "1 check run(s) queued."

    deadline = time.monotonic() + ALL_DONE_TIMEOUT
    while db.session.scalar(db.select(CheckRun.status)) != "running":
        db.session.remove()
        first.check_alive()
        assert time.monotonic() < deadline, workers.logs()
        time.sleep(0.05)
    workers.kill_one(first)
    # Until its heartbeat is overdue, the run still looks under way; then it is lost.
    while runs.active_run(target_of(db.session.scalar(db.select(Zone)))) is not None:
        db.session.remove()
        assert time.monotonic() < deadline, workers.logs()
        time.sleep(0.1)
    db.session.remove()

    second = workers.start(env)  # nobody asks for anything: the starting worker finds the lost run itself
    while True:
        runs_now = db.session.scalars(db.select(CheckRun).order_by(CheckRun.id)).all()
        if [r.status for r in runs_now] == ["failed", "done"]:
            break
        db.session.remove()
        workers.check_alive()
        assert time.monotonic() < deadline, f"{[(r.id, r.status) for r in runs_now]}\n{workers.logs()}"
        time.sleep(0.2)
    lost, measured = runs_now
    assert lost.error.startswith("Lost") and lost.worker.endswith(f":{first.popen.pid}")
    assert measured.worker.endswith(f":{second.popen.pid}") and measured.trigger == lost.trigger == "schedule"
    assert "queued 1 check runs again" in second.log_tail(400)
