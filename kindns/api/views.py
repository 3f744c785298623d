"""JSON API v1: the public directory as open data. Read-only; thin views over kindns.directory.services.

Every answer under /api/v1/ is JSON, errors included: 400 for a bad filter (`{"error", "field"}`), 404 for
an unknown participant or path, 405 for a method other than GET, 429 when rate-limited.
"""
from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from ..checks.fixes import SOFTWARE
from ..conformance import history, standing, summary
from ..directory import services
from ..extensions import csrf, limiter
from ..observatory import exports as observatory_exports
from ..observatory import indicators as observatory_indicators
from ..observatory import services as campaign_services
from . import serializers

bp = Blueprint("api", __name__)

# Read-only and cookie-less: nothing here for a forged cross-site request to abuse.
csrf.exempt(bp)

def _rate_limit() -> str:
    return current_app.config["KINDNS_API_RATE_LIMIT"]


limiter.limit(_rate_limit)(bp)


def _error(status: int, message: str, field: str | None = None) -> tuple[Response, int]:
    body = {"error": message}
    if field:
        body["field"] = field
    return jsonify(body), status


@bp.errorhandler(services.FilterError)
def bad_filter(error: services.FilterError):
    return _error(400, str(error.message), error.field)


def _message(error: HTTPException) -> str:
    """Our own (translated) words for the refusals a client is likely to meet, else werkzeug's."""
    if isinstance(error, MethodNotAllowed):
        return _("This method is not allowed: the API is read-only (GET).")
    if error.code == 429:
        return _("Too many requests; please slow down and try again in a minute.")
    if isinstance(error, NotFound) and error.description == NotFound.description:
        return _("Not found.")
    return error.description or error.name


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    response, status = _error(error.code or 500, _message(error))
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response, status


# Also by code: Flask looks for a handler of the exact code everywhere (app-wide ones included) before it
# looks for one by class, and the API's errors must keep the API's shape.
for _code in (400, 404, 405, 413, 429):
    bp.register_error_handler(_code, http_error)


@bp.after_request
def open_data_headers(response: Response) -> Response:
    # Open data: any web page may read it.
    if request.method in ("GET", "HEAD"):
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/")
def index():
    """A map of the API, so that a person who opens /api/v1/ in a browser finds their way."""
    return jsonify({
        "participants": url_for(".participants", _external=True),
        "participants_csv": url_for(".participants_csv", _external=True),
        "participant": url_for(".participant", slug="SLUG", _external=True).replace("SLUG", "{slug}"),
        "participant_checks": url_for(".participant_checks", slug="SLUG", _external=True).replace("SLUG", "{slug}"),
        "champions": url_for(".champions", _external=True),
        "leaderboard": url_for(".leaderboard", _external=True),
        "regions": url_for(".regions", _external=True),
        "observatory": url_for(".observatory", _external=True),
        "observatory_csv": url_for(".observatory_csv", _external=True),
        "campaigns": url_for(".campaigns", _external=True),
        "campaign": url_for(".campaign", slug="SLUG", _external=True).replace("SLUG", "{slug}"),
        "filters": ["region", "country", "category", "champion", "q", "page"],
    })


@bp.get("/participants")
def participants():
    filters = services.parse_filters(request.args)
    result = services.search_filters(filters)
    statuses = {org_id: c.status for org_id, c in summary.stored_conformance(o.id for o in result.items).items()}
    return jsonify({**serializers.page(result, statuses), "next": _next_url(".participants", filters, result)})


def _next_url(endpoint: str, filters: services.Filters, result: services.Page) -> str | None:
    """The next page's address, with a cursor: a client walking every page reads each from the index."""
    if result.page >= result.pages or not result.items:
        return None
    return url_for(endpoint, **filters.query_args(), page=result.page + 1, **result.cursor_args("after"),
                   _external=True)


@bp.get("/participants.csv")
def participants_csv():
    filters = services.parse_filters(request.args)
    # Streamed as the database hands the rows over: the first bytes leave at once, and memory stays flat.
    body = stream_with_context(serializers.participants_csv(services.export_rows(filters)))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="kindns-participants.csv"',
    })


@bp.get("/participants/<slug>")
def participant(slug: str):
    org = services.get_participant(slug)
    if org is None:
        return _error(404, _("No participant with this slug."), "slug")
    return jsonify(serializers.participant_detail(org, summary.stored_conformance([org.id])[org.id].status))


@bp.get("/participants/<slug>/checks")
def participant_checks(slug: str):
    """The participant's conformance and each zone's and resolver's latest verdicts (no evidence); with
    `?software=`, the fix-it advice for that software under each finding."""
    org = services.get_participant(slug)
    if org is None:
        return _error(404, _("No participant with this slug."), "slug")
    try:
        software = serializers.software_asked(request.args.get("software"))
    except ValueError:
        return _error(400, _("Unknown software: give one of %(names)s.", names=", ".join(SOFTWARE)), "software")
    return jsonify(serializers.participant_checks(org, standing.participant_conformance(org),
                                                  history.public_runs(org), software))


@bp.get("/champions")
def champions():
    filters = services.parse_filters({name: request.args.get(name, "")
                                      for name in ("region", "page", "after", "before")})
    result = services.search_filters(replace(filters, champion=True))
    statuses = summary.stored_conformance(org.id for org in result.items)
    return jsonify({**serializers.page(result, {org_id: c.status for org_id, c in statuses.items()}),
                    "items": [serializers.champion(org, statuses[org.id].status) for org in result.items],
                    "next": _next_url(".champions", filters, result)})


@bp.get("/leaderboard")
def leaderboard():
    return jsonify({"regions": [serializers.standing(s) for s in services.leaderboard()],
                    "history": [serializers.snapshot(row) for row in standing.region_history()]})


@bp.get("/regions")
def regions():
    """The five regions with their figures, in code order (the leaderboard gives them in rank order)."""
    standings = sorted(services.leaderboard(), key=lambda s: s.region)
    items = [{"region": s.region, "name": s.name, "participants": s.participants, "champions": s.champions,
              "countries": s.countries} for s in standings]
    return jsonify({"items": items, "total": len(items), "page": 1})


@bp.get("/observatory")
def observatory():
    """The observatory's indicators per namespace (and the participants'), region, country and month."""
    return jsonify(observatory_exports.observatory_json(observatory_indicators.observatory()))


@bp.get("/observatory.csv")
def observatory_csv():
    body = "".join(observatory_exports.observatory_csv(observatory_indicators.observatory()))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="kindns-observatory.csv"'})


@bp.get("/campaigns")
def campaigns():
    items = [observatory_exports.campaign_summary(c, campaign_services.progress(c)) for c in campaign_services.campaigns()]
    return jsonify({"items": items, "total": len(items), "page": 1})


@bp.get("/campaigns/<slug>")
def campaign(slug: str):
    """A campaign's progress (zones done, rate, time left) and its indicators."""
    found = campaign_services.campaign_by_slug(slug)
    if found is None:
        return _error(404, _("No campaign with this slug."), "slug")
    return jsonify(observatory_exports.campaign_json(found, campaign_services.progress(found),
                                                     observatory_indicators.campaign_tallies(found)))


@bp.route("/<path:unknown>", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
def not_routed(unknown: str):
    """Unknown paths and wrong methods under /api/v1/, answered as JSON.

    A blueprint's error handlers never see routing errors (they happen before the blueprint is known), and
    an app-wide 404 handler would be shared with every other blueprint; this catch-all keeps the API's
    errors inside the API. Werkzeug prefers any rule that matches the method, so a POST to a GET-only
    path lands here too: it gets a 405.
    """
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        endpoint, _args = adapter.match(method="GET")
    except HTTPException:
        endpoint = None
    if endpoint and endpoint != "api.not_routed" and request.method not in ("GET", "HEAD"):
        raise MethodNotAllowed(valid_methods=["GET", "HEAD", "OPTIONS"])
    raise NotFound(_("No such API resource."))
