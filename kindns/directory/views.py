"""The public pages: home, participants (list and one), champions, leaderboard. Logic lives in services."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from ..conformance import history, standing, summary
from ..regions import sorted_countries
from ..i18n import as_percent, month_label
from . import services
from .charts import bar_chart_svg, history_chart_svg

bp = Blueprint("directory", __name__)


@bp.get("/")
def index():
    return render_template("directory/index.html", totals=services.totals())


@bp.get("/participants")
def participants():
    try:
        filters = services.parse_filters(request.args)
    except services.FilterError as error:
        return render_template("directory/participants.html", filters=services.Filters(), page=None,
                               error=error, country_options=_country_options(None)), 400
    page = services.search_filters(filters, zones=False)
    return render_template("directory/participants.html", filters=filters, page=page, error=None,
                           country_options=_country_options(filters.country),
                           conformance=summary.stored_conformance(o.id for o in page.items))


def _country_options(selected: str | None) -> list[str]:
    """Countries offered in the filter: those with participants, plus the one asked for (so it stays
    selected even when it has none)."""
    codes = {c.country for standing in services.leaderboard() for c in standing.breakdown}
    if selected:
        codes.add(selected)
    return sorted_countries(codes)


@bp.get("/participants/<slug>")
def participant(slug: str):
    organisation = services.get_participant(slug)
    if organisation is None:
        return render_template("directory/not_found.html"), 404
    return render_template("directory/participant.html", org=organisation,
                           conformance=standing.participant_conformance(organisation),
                           runs=history.public_runs(organisation))


@bp.get("/champions")
def champions():
    totals = {standing.region: standing.champions for standing in services.leaderboard()}
    return render_template("directory/champions.html", totals=totals,
                           groups=services.champions_by_region(first=services.CHAMPIONS_SHOWN))


@bp.get("/leaderboard")
def leaderboard():
    standings = services.leaderboard()
    chart = bar_chart_svg([(s.name, s.participants) for s in standings],
                          title=_("Participants by ICANN region"), id_prefix="leaderboard-chart")
    history = standing.region_history()
    history_chart = history_chart_svg(
        [(month_label(row.month), row.region, row.checks_passing_share) for row in history],
        title=_("Share of checks passing, by region and month"), id_prefix="history-chart", percent=as_percent,
    ) if history else None
    return render_template("directory/leaderboard.html", standings=standings, chart=chart,
                           history=history, history_chart=history_chart)
