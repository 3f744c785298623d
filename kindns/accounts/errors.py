"""Friendly pages for refusals that happen before a view runs: too many attempts (429), a missing or
stale CSRF token (400) and an oversized request (413). Registered app-wide on the accounts blueprint;
requests to the API get a short JSON answer instead."""
from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge, TooManyRequests

from .views import bp


def _wants_json() -> bool:
    return request.blueprint == "api" or request.path.startswith("/api/")


@bp.app_errorhandler(TooManyRequests)
def too_many_requests(error):
    if _wants_json():
        return jsonify(error="too_many_requests", message=_("Too many requests. Please wait and try again.")), 429
    return render_template("errors/429.html"), 429


@bp.app_errorhandler(CSRFError)
def csrf_error(error):
    if _wants_json():
        return jsonify(error="csrf", message=_("The request was refused: its security token is missing or invalid.")), 400
    return render_template("errors/csrf.html"), 400


@bp.app_errorhandler(RequestEntityTooLarge)
def request_too_large(error):
    if _wants_json():
        return jsonify(error="too_large", message=_("The request is too large.")), 413
    return render_template("errors/413.html"), 413
