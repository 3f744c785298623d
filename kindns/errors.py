"""The app-wide error pages: one page for every refusal a visitor may meet (400, 403, 404, 413, 429, 500 and
a missing or stale CSRF token), and short JSON instead under /api/. The API blueprint answers its own errors
in its own shape; these catch what happens anywhere else, before or inside a view."""
from __future__ import annotations

import math
import time
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, jsonify, render_template, request
from flask_babel import format_timedelta, gettext as _, lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, TooManyRequests

from .extensions import limiter

# code -> (machine-readable error, page title, what to do)
PAGES = {
    400: ("bad_request", _l("The request could not be understood"),
          _l("Something in the request was missing or malformed. Go back, reload the page and try again.")),
    403: ("forbidden", _l("Not allowed"), _l("Your account may not open this page.")),
    404: ("not_found", _l("Not found"), _l("There is no page at this address.")),
    413: ("too_large", _l("Too much data"),
          _l("What you sent is larger than the registry accepts, so nothing was saved. Go back, shorten it and "
             "try again.")),
    429: ("too_many_requests", _l("Too many attempts"),
          _l("You have tried this too many times in a short while. Please wait a minute and try again.")),
    500: ("internal_error", _l("Something went wrong"),
          _l("The registry could not complete this request. Nothing you sent is lost that was already saved; "
             "please try again in a moment.")),
}
CSRF_PAGE = ("csrf", _l("The form could not be accepted"),
             _l("The form was sent without its security token, or the token is no longer valid. Go back, reload "
                "the page and try again."))


def _wants_json() -> bool:
    return request.blueprint == "api" or request.path.startswith("/api/")


def _answer(code: int, page: tuple, **context):
    error, title, message = page
    if _wants_json():
        return jsonify(error=error, message=str(message)), code
    return render_template("errors/page.html", title=title, message=message, **context), code


def _back_link() -> str | None:
    """The page the visitor came from, when it is a page of this site (a form posted from it, say)."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or not referrer.path.startswith("/") or referrer.path == request.path:
        return None
    return referrer.path + (f"?{referrer.query}" if referrer.query else "")


def seconds_until_allowed() -> int | None:
    """How long until the limit this request broke lets the visitor in again (None if unknown)."""
    current = limiter.current_limit
    if current is None:
        return None
    return max(1, math.ceil(current.reset_at - time.time()))


def too_many_requests(error: TooManyRequests):
    """The 429 page says how long to wait, in the visitor's language, and leads back where they came from."""
    wait = seconds_until_allowed()
    if wait is None:
        return _answer(429, PAGES[429])
    # Whole minutes from a minute up, rounded up ("in 37 minutes" when 36 min 20 s are left); the limiter's
    # reset time carries a second of margin, which is not worth a minute more.
    rounded = timedelta(seconds=wait if wait < 60 else math.ceil((wait - 1) / 60) * 60)
    message = _("You have tried this too many times in a short while. Try again %(when)s.",
                when=format_timedelta(rounded, add_direction=True, threshold=2))
    body, code = _answer(429, (PAGES[429][0], PAGES[429][1], message), back=_back_link())
    return body, code, {"Retry-After": str(wait)}


def register_error_handlers(app: Flask) -> None:
    """Install the error pages on `app` (the factory calls this)."""

    def http_error(error: HTTPException):
        code = error.code if error.code in PAGES else 500
        return _answer(code, PAGES[code])

    for code in PAGES:
        app.register_error_handler(code, http_error)
    app.register_error_handler(429, too_many_requests)
    app.register_error_handler(CSRFError, lambda error: _answer(400, CSRF_PAGE))
    app.register_error_handler(InternalServerError, http_error)
