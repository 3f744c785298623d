"""Background jobs (Huey): check runs, the schedule, monthly snapshots and the staff digest.

The queue is chosen by configuration alone: SQLite under the instance folder by default (one machine,
`make run` starts a worker beside the web app), Redis when KINDNS_REDIS_URL is set (any number of
workers on any number of hosts share it). Read from the environment because the queue must exist when
this module is imported, before any app is created.
"""
from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

from huey import RedisHuey, SqliteHuey, crontab

log = logging.getLogger(__name__)
_ROOT = Path(__file__).resolve().parent.parent


def _huey_from_environment():
    name = os.environ.get("KINDNS_QUEUE_NAME", "kindns")
    redis_url = os.environ.get("KINDNS_REDIS_URL")
    if redis_url:
        return RedisHuey(name, url=redis_url)
    instance = Path(os.environ.get("KINDNS_INSTANCE_PATH", _ROOT / "instance"))
    instance.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(instance / "jobs.sqlite3"))


huey = _huey_from_environment()
_worker_app = None


def use_app(app) -> None:
    """Run jobs in this app's context (the worker command calls it with the app it was started with)."""
    global _worker_app
    _worker_app = app


@contextlib.contextmanager
def _app_context():
    from flask import has_app_context

    if has_app_context():  # immediate mode, or a job called directly from a request or a test
        yield
        return
    global _worker_app
    if _worker_app is None:
        from . import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        yield


@huey.task()
def run_check_job(run_id: int) -> None:
    """Measure one queued run. The run is claimed in the database (services.execute_run), not by a lock
    in the queue's storage: a worker stopped mid-run would leave such a lock behind for good, and every
    later run of the target would be dropped unmeasured."""
    from .conformance import services

    with _app_context():
        services.execute_run(run_id)


@huey.periodic_task(crontab(minute="*/10"))
def schedule_due_checks() -> None:
    """Queue a run for every declared zone and resolver whose last run is older than the interval."""
    from .conformance import services

    with _app_context():
        queued = services.queue_due_checks()
        if queued:
            log.info("queued %d scheduled check runs", queued)


@huey.periodic_task(crontab(minute="5", hour="*"))
def snapshot_regions() -> None:
    """Keep this month's regional snapshot current; last month's stays as it was at its end."""
    from .conformance import services

    with _app_context():
        services.take_region_snapshot()


@huey.periodic_task(crontab(minute="0", hour="6"))
def staff_digest() -> None:
    from .conformance import alerts

    with _app_context():
        alerts.send_staff_digest()
