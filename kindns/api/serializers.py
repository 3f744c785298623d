"""How public data looks in the API: JSON objects with stable field names, and CSV rows.

The field names are a published contract (`slug`, `name`, `country`, `region`, `categories`, `champion`,
`zones`, `resolvers`, `approved_at`): add fields if needed, never rename or remove one.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone

from flask_babel import gettext

from ..checks.fixes import SOFTWARE, fixes_data
from ..directory.services import Page, RegionStanding
from ..models import Organisation

PARTICIPANT_FIELDS = ("slug", "name", "country", "region", "categories", "champion", "zones", "resolvers",
                      "approved_at")


def iso_utc(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a `Z`, to the second. Naive values are UTC already (SQLite drops the zone)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def participant(org: Organisation, conformance: str | None = None) -> dict:
    """The public fields of one participant, as in lists; `conformance` is verified, not-verified,
    not-measured or not-checked (kindns.conformance.standing)."""
    return {
        "slug": org.slug,
        "name": org.name,
        "country": org.country,
        "region": org.region,
        "categories": org.category_ids,
        "champion": bool(org.is_champion),
        "zones": [zone.name for zone in org.zones],
        "resolvers": [resolver.address for resolver in org.resolvers],
        "approved_at": iso_utc(org.approved_at),
        "conformance": conformance,
    }


def participant_detail(org: Organisation, conformance: str | None = None) -> dict:
    """One participant on its own: the list fields, plus its website and, for a champion, the citation."""
    return {
        **participant(org, conformance),
        "website": org.website or None,
        "citation": org.champion_citation if org.is_champion else None,
        "champion_since": iso_utc(org.champion_since) if org.is_champion else None,
    }


def champion(org: Organisation, conformance: str | None = None) -> dict:
    return {**participant(org, conformance), "citation": org.champion_citation}


def page(result: Page, conformance: dict[int, str] | None = None) -> dict:
    conformance = conformance or {}
    return {"items": [participant(org, conformance.get(org.id)) for org in result.items], "total": result.total,
            "page": result.page, "pages": result.pages}


def standing(s: RegionStanding) -> dict:
    return {
        "region": s.region,
        "name": s.name,
        "participants": s.participants,
        "champions": s.champions,
        "countries": s.countries,
        "verified": s.verified,
        "dnssec_signed_share": s.dnssec_signed_share,
        "checks_passing_share": s.checks_passing_share,
        "breakdown": [{"country": c.country, "participants": c.participants, "champions": c.champions}
                      for c in s.breakdown],
    }


# ---------------------------------------------------------------------------------------------------------
# CSV

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: str) -> str:
    """Prefix a cell that a spreadsheet would run as a formula with a quote, so it stays text."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _csv_cells(org: Organisation) -> list[str]:
    data = participant(org)
    cells = []
    for name in PARTICIPANT_FIELDS:
        value = data[name]
        if isinstance(value, list):
            value = " ".join(value)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        elif value is None:
            value = ""
        cells.append(csv_safe(str(value)))
    return cells


def participants_csv(organisations: Iterable[Organisation]) -> Iterator[str]:
    """The CSV export, line by line: a header row, then one row per participant, list fields joined with
    spaces (zone names and addresses never contain one)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(PARTICIPANT_FIELDS)
    yield flush()
    for org in organisations:
        writer.writerow(_csv_cells(org))
        yield flush()


def software_asked(value: str | None) -> str | None:
    """The `?software=` of an API request: a software of the catalogue, None when not asked; ValueError
    for one the registry does not know."""
    if not value:
        return None
    if value not in SOFTWARE:
        raise ValueError(value)
    return value


def snapshot(row) -> dict:
    """One region's figures for one month (kindns.conformance.models.RegionSnapshot)."""
    return {"month": row.month.strftime("%Y-%m"), "region": row.region, "participants": row.participants,
            "verified": row.verified, "dnssec_signed_share": row.dnssec_signed_share,
            "checks_passing_share": row.checks_passing_share}


def participant_checks(org: Organisation, conformance, runs: list, software: str | None = None) -> dict:
    """A participant's conformance and the verdicts of the latest run of each zone and resolver; with
    `software`, the fix-it advice for it under each finding that does not pass.

    Public: verdicts and summaries, never the evidence (that is for the operator's report), nor the
    software an operator declared."""
    return {
        "slug": org.slug,
        "conformance": {
            "status": conformance.status,
            "checked_at": iso_utc(conformance.checked_at),
            "failing": [{"target": t, "id": c, "verdict": v} for t, c, v in conformance.failing],
            "not_measured": [{"target": t, "id": c} for t, c in conformance.unmeasured],
            "not_checked": conformance.unchecked,
        },
        "targets": [
            {"target": target.label, "kind": target.kind.name,
             "checked_at": iso_utc(run.finished_at) if run else None,
             "checks": [check_result(r, software) for r in run.results] if run else []}
            for target, run in runs
        ],
    }


def check_result(result, software: str | None = None) -> dict:
    """One check's public verdict: its id, title and summary in English, the findings as message codes with
    their arguments (for programs), and the title and summary in the language asked for (`?lang=` or
    Accept-Language) under `translated`."""
    from flask_babel import get_locale

    from ..conformance.reports import result_view
    from ..i18n import in_language

    with in_language("en"):
        english = result_view(result, set())
    here = result_view(result, set())
    messages = result.messages or {}
    command = (messages.get("command") or {}).get("text", "")
    zone = result.run.target if result.run.kind == "zone" else ""

    def finding(f: dict) -> dict:
        data = {"code": f["code"], "args": f.get("args", {}), "verdict": f.get("verdict")}
        if software:
            data["fixes"] = fixes_data([f["code"]], f.get("verdict") or result.verdict, software, zone, command,
                                       gettext)
        return data

    return {
        "id": result.check_id, "title": english.title, "verdict": result.verdict, "practices": result.practices,
        "summary": english.summary,
        "findings": [finding(f) for f in messages.get("findings", [])],
        "translated": {"language": str(get_locale()), "title": here.title, "summary": here.summary},
    }
