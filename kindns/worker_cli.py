"""`flask --app app kindns worker`: the job queue's consumer, and commands to run its jobs by hand."""
import click
from flask import current_app

from .cli import kindns_cli


@kindns_cli.command("worker")
@click.option("--workers", default=2, show_default=True, help="Jobs run at once in this process.")
@click.option("--no-periodic", is_flag=True, help="Leave the schedule to another worker.")
def worker(workers: int, no_periodic: bool) -> None:
    """Run the job consumer: check runs, the schedule, snapshots and the digest."""
    from .jobs import huey, use_app

    use_app(current_app._get_current_object())
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=not no_periodic)
    consumer.run()


@kindns_cli.command("queue-due-checks")
def queue_due_checks() -> None:
    """Queue a check of every zone and resolver that is due now (the worker also does this on its own)."""
    from .conformance.services import queue_due_checks as queue

    click.echo(f"{queue()} check run(s) queued.")
