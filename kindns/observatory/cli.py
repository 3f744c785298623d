"""`kindns campaign create|status|export`: measurement campaigns from the command line."""
from __future__ import annotations

import json
import time
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..extensions import db
from ..jobs import queue_campaign_batches
from . import exports, indicators, services


@click.group("campaign")
def campaign_group() -> None:
    """Measurement campaigns of a whole namespace, run by the workers."""


@campaign_group.command("create")
@click.argument("name")
@click.argument("namespace")
@click.argument("zones", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--country", default="", help="Operators' country (ISO 3166 code) for lines that do not say.")
@click.option("--batch-size", type=int, default=None, help="Zones per batch (KINDNS_CAMPAIGN_BATCH_SIZE).")
@click.option("--follow", is_flag=True, help="Show the progress until every zone is measured.")
@with_appcontext
def create_command(name: str, namespace: str, zones: Path, country: str, batch_size: int | None,
                   follow: bool) -> None:
    """Record a campaign of the zones in ZONES (one a line, or a zone file) and queue its batches."""
    try:
        campaign = services.create_campaign(name, namespace, zones.read_bytes(), None, country=country,
                                            batch_size=batch_size)
    except services.CampaignError as error:
        for message in error.messages:
            click.echo(message, err=True)
        raise SystemExit(1) from None
    queued = queue_campaign_batches(services.queued_batches(campaign))
    click.echo(f"Campaign {campaign.slug}: {campaign.zone_count} zones in {queued} batches queued.")
    if follow:
        _follow(campaign.slug)


def _campaign(slug: str):
    found = services.campaign_by_slug(slug)
    if found is None:
        raise click.ClickException(f"No campaign {slug!r}.")
    return found


def _line(progress: services.Progress) -> str:
    rate = "-" if progress.rate is None else f"{progress.rate:.1f} zones/s"
    left = "-" if progress.seconds_left is None else f"{progress.seconds_left / 60:.0f} min left"
    return (f"{progress.done}/{progress.total} zones, batches {progress.batches_done}/{progress.batches} done "
            f"({progress.batches_running} running), {rate}, {left}")


def _follow(slug: str, interval: float = 2.0) -> None:
    campaign = _campaign(slug)
    with click.progressbar(length=campaign.zone_count, label=campaign.slug, show_percent=True,
                           show_pos=True, item_show_func=lambda text: text) as bar:
        shown = 0
        while True:
            db.session.expire_all()
            campaign = _campaign(slug)
            progress = services.progress(campaign)
            bar.update(progress.done - shown, _line(progress))
            shown = progress.done
            if campaign.status == "done":
                break
            db.session.commit()  # end the read's transaction: the next one sees what the workers stored
            time.sleep(interval)
    click.echo(f"{campaign.slug} ({campaign.status}): {_line(progress)}")  # what the bar ended on, also in logs


@campaign_group.command("status")
@click.argument("slug", required=False)
@click.option("--follow", is_flag=True, help="A progress bar until every zone is measured.")
@with_appcontext
def status_command(slug: str | None, follow: bool) -> None:
    """How far a campaign (or every campaign) has got."""
    if follow and slug:
        _follow(slug)
        return
    for campaign in [_campaign(slug)] if slug else services.campaigns():
        click.echo(f"{campaign.slug} ({campaign.status}): {_line(services.progress(campaign))}")


@campaign_group.command("export")
@click.argument("slug", required=False)
@click.option("--format", "kind", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@with_appcontext
def export_command(slug: str | None, kind: str) -> None:
    """The indicators (aggregates only) of a campaign, or of the whole observatory, as JSON or CSV."""
    if slug:
        campaign = _campaign(slug)
        countries = indicators.campaign_tallies(campaign)
        if kind == "json":
            click.echo(json.dumps(exports.campaign_json(campaign, services.progress(campaign), countries), indent=2))
            return
        series = [indicators.Series(campaign.namespace, campaign,
                                    {indicators.month_of(campaign): indicators.total(countries)}, countries)]
    else:
        series = indicators.observatory()
        if kind == "json":
            click.echo(json.dumps(exports.observatory_json(series), indent=2))
            return
    click.echo("".join(exports.observatory_csv(series)), nl=False)


commands = [campaign_group]
