"""Queue commands: `kindns worker` (the job consumer) and `kindns queue-due-checks`."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from . import current_jobs, queue_runs, refresh_standings, requeue_lost_batches, requeue_lost_runs


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="Jobs run at once in this process.")
@click.option("--no-periodic", is_flag=True, help="Leave the schedule to another worker.")
@with_appcontext
def worker_command(workers: int, no_periodic: bool) -> None:
    """Run the job consumer: check runs, campaign batches, mail, the schedule, snapshots and the digest."""
    # A worker often starts because one stopped: first measure again what a stopped worker left unfinished.
    requeue_lost_runs()
    requeue_lost_batches()
    if not no_periodic:
        refresh_standings()
    consumer = current_jobs().huey.create_consumer(workers=workers, worker_type="thread",
                                                   periodic=not no_periodic)
    consumer.run()


@click.command("queue-due-checks")
@with_appcontext
def queue_due_checks_command() -> None:
    """Queue a check of every zone and resolver that is due now (the worker also does this on its own)."""
    from ..conformance.runs import request_due_checks

    click.echo(f"{queue_runs(request_due_checks())} check run(s) queued.")


commands = [worker_command, queue_due_checks_command]
