"""The observatory's figures as open data (JSON, CSV): aggregates only, never a zone."""
from __future__ import annotations

import csv
import io
from typing import Iterator

from ..regions import region_for
from . import indicators
from .indicators import KEYS, Series, Tally
from .models import Campaign
from .services import Progress

NOTE = ("Aggregates only: shares of measured zones per namespace, region and country; no zone is published. "
        "Zones that could not be measured are left out of every share.")
PARTICIPANTS = "participants"  # the registry's own participants, in place of a namespace


def _namespace(series: Series) -> str:
    return PARTICIPANTS if series.namespace is None else series.namespace


def campaign_summary(campaign: Campaign, progress: Progress) -> dict:
    return {"slug": campaign.slug, "name": campaign.name, "namespace": campaign.namespace,
            "status": campaign.status,
            "started_at": campaign.started_at and campaign.started_at.isoformat(),
            "finished_at": campaign.finished_at and campaign.finished_at.isoformat(),
            "progress": progress.as_dict()}


def campaign_json(campaign: Campaign, progress: Progress, countries: dict[str, Tally]) -> dict:
    return {**campaign_summary(campaign, progress), "note": NOTE,
            "month": indicators.month_of(campaign).strftime("%Y-%m") if campaign.started_at else None,
            "indicators": indicators.total(countries).as_dict(),
            "regions": {code or "unknown": tally.as_dict() for code, tally in indicators.by_region(countries).items()},
            "countries": {code or "unknown": tally.as_dict() for code, tally in countries.items()}}


def observatory_json(series: list[Series]) -> dict:
    return {"note": NOTE, "indicators": list(KEYS), "namespaces": [
        {"namespace": _namespace(s), "campaign": s.campaign.slug if s.campaign else None,
         "latest": s.latest.as_dict(),
         "regions": {code or "unknown": t.as_dict() for code, t in indicators.by_region(s.countries).items()},
         "countries": {code or "unknown": t.as_dict() for code, t in s.countries.items()},
         "history": [{"month": month.strftime("%Y-%m"), **tally.as_dict()} for month, tally in s.months.items()]}
        for s in series]}


def observatory_csv(series: list[Series]) -> Iterator[str]:
    """One row per namespace and month (the whole namespace), and per country of its latest campaign."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    header = ["namespace", "month", "region", "country", "zones_measured"]
    for key in KEYS:
        header += [f"{key}_share", f"{key}_zones", f"{key}_of"]
    writer.writerow(header)

    def row(namespace: str, month: str, region: str, country: str, tally: Tally) -> None:
        values: list = [namespace, month, region, country, tally.zones]
        for key in KEYS:
            share = tally.share(key)
            values += ["" if share is None else f"{share:.4f}", tally.yes[key], tally.counted[key]]
        writer.writerow(values)

    for s in series:
        for month, tally in s.months.items():
            row(_namespace(s), month.strftime("%Y-%m"), "", "", tally)
        latest_month = max(s.months).strftime("%Y-%m") if s.months else ""
        for country, tally in sorted(s.countries.items()):
            row(_namespace(s), latest_month, region_for(country) if country else "", country, tally)
    yield buffer.getvalue()
