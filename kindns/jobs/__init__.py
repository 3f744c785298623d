"""Background jobs (Huey): check runs, the schedule, monthly snapshots and the staff digest.

The queue is built from the app's configuration in the factory (`init_queue`): SQLite under the instance
folder by default (one machine; `make run` starts a worker beside the web app), Redis when KINDNS_REDIS_URL
is set (any number of workers on any number of hosts share it). Services never queue anything: they record
a run and return it, and their caller hands it to `queue_runs` once it is committed, so a worker never sees
a run that is not in the database yet.
"""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from flask import Flask, current_app, has_app_context
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.api import TaskWrapper

if TYPE_CHECKING:
    from ..conformance.models import CheckRun

log = logging.getLogger(__name__)
EXTENSION = "kindns.jobs"


@dataclass(frozen=True)
class Jobs:
    """The app's queue and the one task other code enqueues."""

    huey: Huey
    run_check: TaskWrapper


def build_huey(config) -> Huey:
    """The queue that configuration names: Redis when KINDNS_REDIS_URL is set, else a SQLite file."""
    name = config["KINDNS_QUEUE_NAME"]
    if config.get("KINDNS_REDIS_URL"):
        return RedisHuey(name, url=config["KINDNS_REDIS_URL"])
    path = Path(config["KINDNS_QUEUE_FILE"])
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(path))


def run_check(run_id: int) -> None:
    """Measure one queued run, then send what it calls for. The run is claimed in the database
    (runs.execute_run), not by a lock in the queue's storage: a worker stopped mid-run would leave such a
    lock behind for good, and every later run of the target would be dropped unmeasured."""
    from ..conformance import alerts, runs

    run = runs.execute_run(run_id)
    if run is not None and run.status == "done":
        alerts.after_run(run)


def schedule_due_checks() -> None:
    """Queue a run for every declared zone and resolver whose last run is older than the interval."""
    from ..conformance import runs

    queued = queue_runs(runs.request_due_checks())
    if queued:
        log.info("queued %d scheduled check runs", queued)


def snapshot_regions() -> None:
    """Keep this month's regional snapshot current; last month's stays as it was at its end."""
    from ..conformance import standing

    standing.take_region_snapshot()


def staff_digest() -> None:
    from ..conformance import alerts

    alerts.send_staff_digest()


def _in_app(app: Flask, job: Callable) -> Callable:
    """Run `job` in an app context of `app`: the consumer's threads have none of their own."""
    @functools.wraps(job)
    def run(*args, **kwargs):
        if has_app_context():  # immediate mode, or a job called directly from a request or a test
            return job(*args, **kwargs)
        with app.app_context():
            return job(*args, **kwargs)
    return run


def init_queue(app: Flask) -> Jobs:
    """Build the app's queue from its configuration and register the jobs on it."""
    huey = build_huey(app.config)
    jobs = Jobs(huey=huey, run_check=huey.task(name="run_check")(_in_app(app, run_check)))
    huey.periodic_task(crontab(minute="*/10"), name="schedule_due_checks")(_in_app(app, schedule_due_checks))
    huey.periodic_task(crontab(minute="5", hour="*"), name="snapshot_regions")(_in_app(app, snapshot_regions))
    huey.periodic_task(crontab(minute="0", hour="6"), name="staff_digest")(_in_app(app, staff_digest))
    app.extensions[EXTENSION] = jobs
    return jobs


def current_jobs() -> Jobs:
    return current_app.extensions[EXTENSION]


def queue_runs(runs: Iterable[CheckRun]) -> int:
    """Hand committed runs to the workers; returns how many."""
    task = current_jobs().run_check
    count = 0
    for run in runs:
        task(run.id)
        count += 1
    return count
