"""Demo commands: `kindns seed-demo [--if-empty]` and `kindns purge-demo`."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from .seed import organisation_count, purge_demo, seed_demo


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True,
              help="Do nothing (and succeed) when the database already holds an organisation.")
@click.option("--lab", "lab_facts", type=click.Path(exists=True, dir_okay=False),
              help="The facts file of a running DNS lab (python -m tests.dnslab.serve): demo participants declare "
                   "its zones and resolvers, and their checks are queued.")
@with_appcontext
def seed_demo_command(if_empty: bool, lab_facts: str | None) -> None:
    """Fill an empty database with demo participants (flagged as demo; remove them with purge-demo)."""
    existing = organisation_count()
    if existing:
        if if_empty:
            click.echo(_("The database already holds %(n)s organisation(s); no demo data added.", n=existing))
            return
        raise click.ClickException(_(
            "The database already holds %(n)s organisation(s); demo data is only added to an empty "
            "database. Use purge-demo first if these are demo records.", n=existing))
    added = seed_demo()
    click.echo(_("Added %(n)s demo organisations (all approved, flagged as demo).", n=added))
    if lab_facts:
        from ..conformance.runs import request_due_checks
        from ..jobs import queue_runs
        from .lab import give_lab_targets

        declared = give_lab_targets(json.loads(Path(lab_facts).read_text()))
        queued = queue_runs(request_due_checks())
        click.echo(_("They declare %(n)s of the lab's zones and resolvers; %(queued)s checks are queued.",
                     n=declared, queued=queued))


@click.command("purge-demo")
@with_appcontext
def purge_demo_command() -> None:
    """Delete every demo organisation and demo user."""
    organisations, users = purge_demo()
    click.echo(_("Deleted %(organisations)s demo organisation(s) and %(users)s demo user(s).",
                 organisations=organisations, users=users))


@click.command("seed-scale")
@click.option("--participants", type=click.IntRange(1, 1_000_000), default=10_000, show_default=True)
@click.option("--days", type=click.IntRange(1, 400), default=3, show_default=True,
              help="Daily runs of every zone and resolver, up to today; those older than "
                   "KINDNS_HISTORY_FULL_DAYS compacted, as the registry keeps them.")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed gives the same registry.")
@with_appcontext
def seed_scale_command(participants: int, days: int, seed: int) -> None:
    """Fill an empty database with a registry of invented participants, for benchmarks (nothing is probed)."""
    import time

    from flask import current_app

    from ..extensions import db
    from .scale import seed_scale

    began = time.monotonic()
    try:
        counts = seed_scale(participants, days=days, seed=seed,
                            full_days=current_app.config["KINDNS_HISTORY_FULL_DAYS"])
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    # The figures are data for whoever benchmarks (table names and counts), as a log line.
    click.echo(", ".join(f"{n:,} {what}" for what, n in counts.items()) + f" in {time.monotonic() - began:.1f} s")


commands = [seed_demo_command, purge_demo_command, seed_scale_command]
