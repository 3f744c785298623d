"""Background jobs (Huey): check runs, measurement campaigns' batches, registry mail, the schedule, monthly snapshots and the staff digest.

The queue is built from the app's configuration in the factory (`init_queue`): SQLite under the instance
folder by default (one machine; `make run` starts a worker beside the web app), Redis when KINDNS_REDIS_URL
is set (any number of workers on any number of hosts share it). Services never queue anything: they record
a run and return it, and their caller hands it to `queue_runs` once it is committed, so a worker never sees
a run that is not in the database yet.

Every mail the registry sends is delivered here: wherever it is written, kindns.mail hands it to the queue
(the hook `init_queue` sets), and `send_mail` delivers it, trying a failing mail server again with backoff.
Registrations and password-reset requests are done here whole, so that the request that asks for one does
the same work whether or not the address has an account.
"""
from __future__ import annotations

import functools
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from flask import Flask, current_app, has_app_context
from flask_babel import get_locale
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.api import Task, TaskWrapper
from redis.exceptions import RedisError

from ..files import create_private_file
from ..mail import MailNotSent, PreparedMail, deliver, request_link_base, set_outgoing, writing_for_request

if TYPE_CHECKING:
    from ..conformance.models import CheckRun

log = logging.getLogger(__name__)
EXTENSION = "kindns.jobs"


@dataclass(frozen=True)
class Jobs:
    """The app's queue and the tasks other code enqueues."""

    huey: Huey
    run_check: TaskWrapper
    send_mail: TaskWrapper
    register_account: TaskWrapper
    request_password_reset: TaskWrapper
    measure_campaign_batch: TaskWrapper


def build_huey(config) -> Huey:
    """The queue that configuration names: Redis when KINDNS_REDIS_URL is set, else a SQLite file."""
    name = config["KINDNS_QUEUE_NAME"]
    if config.get("KINDNS_REDIS_URL"):
        return RedisHuey(name, url=config["KINDNS_REDIS_URL"])
    path = Path(config["KINDNS_QUEUE_FILE"])
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # The queue carries messages (password-reset links) and registrations (password hashes): the owner's
    # alone, like the database. An existing file keeps the mode its owner gave it.
    create_private_file(path)
    return SqliteHuey(name, filename=str(path))


def run_check(run_id: int) -> None:
    """Measure one queued run, then send what it calls for. The run is claimed in the database
    (runs.execute_run), not by a lock in the queue's storage: a worker stopped mid-run would leave such a
    lock behind for good, and every later run of the target would be dropped unmeasured."""
    from ..conformance import alerts, runs

    run = runs.execute_run(run_id)
    if run is not None and run.status == "done":
        alerts.after_run(run)


# When a campaign has its fill of batches under way (or the engine failed on a batch), a worker puts the batch
# back for this long.
BUSY_BATCH_DELAY = 10.0


def measure_campaign_batch(batch_id: int) -> None:
    """Measure one batch of a measurement campaign (observatory.services.measure_batch). The batch is claimed
    in the database under a lease, not in the queue: a worker that dies loses its batch only until the lease
    runs out, when `requeue_lost_batches` queues it again."""
    from ..observatory import services

    if services.measure_batch(batch_id) in ("busy", "retry"):
        current_jobs().measure_campaign_batch.schedule(args=(batch_id,), delay=BUSY_BATCH_DELAY)


def send_mail(message: dict, task: Task | None = None) -> None:
    """Deliver one prepared message (kindns.mail.PreparedMail's data). When the mail server fails, Huey
    tries again later, KINDNS_MAIL_RETRIES times, waiting twice as long each time; every failure is logged,
    and the last one as a lost message."""
    mail = PreparedMail.from_data(message)
    try:
        deliver(mail)
    except MailNotSent as exc:
        if task is not None and task.retries:
            log.warning("%s; trying again in %.0f s (%d more tries)", exc, task.retry_delay, task.retries)
        else:
            log.error("%s; given up after %d tries, the message is lost", exc,
                      current_app.config["KINDNS_MAIL_RETRIES"] + 1)
        raise


def register_account(email: str, password_hash: str, language: str | None, link_base: str) -> None:
    """Record a registration the register page accepted and write the mail it calls for (a confirmation
    link, or a note to the owner of an address already registered), as the request would have."""
    from ..accounts import services

    with writing_for_request(language, link_base):
        services.complete_registration(email, password_hash)


def request_password_reset(email: str, language: str | None, link_base: str) -> None:
    """Mail a password-reset link when the address has an account, as the request would have."""
    from ..accounts import services

    with writing_for_request(language, link_base):
        services.request_password_reset(email)


def schedule_due_checks() -> None:
    """Queue a run for every declared zone and resolver whose last run is older than the interval."""
    from ..conformance import runs

    queued = queue_runs(runs.request_due_checks())
    if queued:
        log.info("queued %d scheduled check runs", queued)


def requeue_lost_runs() -> None:
    """Measure again what a killed worker left behind: runs whose worker fell silent (runs.recover_lost_runs)."""
    from ..conformance import runs

    queued = queue_runs(runs.recover_lost_runs())
    if queued:
        log.warning("queued %d check runs again: their worker stopped before it finished them", queued)


def refresh_standings() -> None:
    """Store every participant's standing again: a change of the practices or the checks since a participant's
    last run shows too (a starting worker, and every hour before the snapshot)."""
    from ..conformance import summary
    from ..extensions import db

    summary.refresh_all()
    db.session.commit()


def requeue_lost_batches() -> None:
    """Queue again the campaign batches whose worker stopped renewing its lease, and, when the queue is idle
    (nothing waiting, nothing scheduled), the queued batches no message will bring to a worker
    (observatory.services)."""
    from ..observatory import services

    queued = queue_campaign_batches(services.recover_lost_batches())
    if queued:
        log.warning("queued %d campaign batches again: their worker stopped before it finished them", queued)
    huey = current_jobs().huey
    if huey.pending_count() == 0 and huey.scheduled_count() == 0:
        stranded = queue_campaign_batches(services.stranded_batches())
        if stranded:
            log.warning("queued %d campaign batches again: the queue had lost their messages", stranded)


def snapshot_regions() -> None:
    """Keep this month's regional snapshot current; last month's stays as it was at its end."""
    from ..conformance import standing

    refresh_standings()
    standing.take_region_snapshot()


def compact_history() -> None:
    """Keep old runs' verdicts and the evidence of what changed only (conformance.compaction)."""
    from ..conformance import compaction

    compacted = compaction.compact_history()
    if compacted:
        log.info("compacted %d check runs", compacted)


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
    """Build the app's queue from its configuration, register the jobs on it and send the app's mail
    through it."""
    huey = build_huey(app.config)
    config = app.config
    jobs = Jobs(
        huey=huey,
        run_check=huey.task(name="run_check")(_in_app(app, run_check)),
        send_mail=huey.task(name="send_mail", context=True, retries=config["KINDNS_MAIL_RETRIES"],
                            retry_delay=config["KINDNS_MAIL_RETRY_DELAY"], retry_backoff=2)(_in_app(app, send_mail)),
        register_account=huey.task(name="register_account")(_in_app(app, register_account)),
        request_password_reset=huey.task(name="request_password_reset")(_in_app(app, request_password_reset)),
        measure_campaign_batch=huey.task(name="measure_campaign_batch")(_in_app(app, measure_campaign_batch)),
    )
    huey.periodic_task(crontab(minute="*/10"), name="schedule_due_checks")(_in_app(app, schedule_due_checks))
    huey.periodic_task(crontab(minute="*"), name="requeue_lost_runs")(_in_app(app, requeue_lost_runs))
    huey.periodic_task(crontab(minute="*"), name="requeue_lost_batches")(_in_app(app, requeue_lost_batches))
    huey.periodic_task(crontab(minute="5", hour="*"), name="snapshot_regions")(_in_app(app, snapshot_regions))
    huey.periodic_task(crontab(minute="0", hour="6"), name="staff_digest")(_in_app(app, staff_digest))
    huey.periodic_task(crontab(minute="30", hour="3"), name="compact_history")(_in_app(app, compact_history))
    app.extensions[EXTENSION] = jobs
    set_outgoing(app, functools.partial(_hand_over, jobs.send_mail))
    return jobs


def _hand_over(task: TaskWrapper, mail: PreparedMail) -> None:
    try:
        task(mail.as_data())
    except (RedisError, sqlite3.Error, OSError) as exc:
        raise MailNotSent(f"{mail} not queued: {exc}") from exc


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


def queue_campaign_batches(batch_ids: Iterable[int]) -> int:
    """Hand a committed campaign's batches to the workers; returns how many."""
    task = current_jobs().measure_campaign_batch
    count = 0
    for batch_id in batch_ids:
        task(batch_id)
        count += 1
    return count


def _as_written_by_this_request() -> tuple[str, str]:
    """The language of the current request and the root URL its links follow (kindns.mail.writing_for_request)."""
    return str(get_locale()), request_link_base()


def queue_registration(email: str, password_hash: str) -> None:
    """Hand a registration the form accepted to the worker (see `register_account`)."""
    current_jobs().register_account(email, password_hash, *_as_written_by_this_request())


def queue_password_reset(email: str) -> None:
    """Hand a password-reset request to the worker (see `request_password_reset`)."""
    current_jobs().request_password_reset(email, *_as_written_by_this_request())
