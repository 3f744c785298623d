"""Conditional answers for the public pages, the API and the badge: an ETag (and Last-Modified where a page
knows it), 304 Not Modified when the client's copy is current, and a short Cache-Control."""
from __future__ import annotations

from flask import Flask, Response, request
from flask_login import current_user

# Pages anyone may see, the same for every anonymous reader of one language; what changes them shows within
# this many seconds in a cache (the badge keeps its own, longer).
PUBLIC_MAX_AGE = 60
CONDITIONAL_BLUEPRINTS = ("directory", "api")
CONDITIONAL_ENDPOINTS = ("conformance.badge",)


def _is_public(endpoint: str | None) -> bool:
    if not endpoint or endpoint == "api.not_routed":
        return False
    return endpoint.split(".", 1)[0] in CONDITIONAL_BLUEPRINTS or endpoint in CONDITIONAL_ENDPOINTS


def conditional(response: Response) -> Response:
    if request.method not in ("GET", "HEAD") or response.status_code != 200 or response.is_streamed:
        return response
    if not _is_public(request.endpoint):
        return response
    personal = current_user.is_authenticated or "Set-Cookie" in response.headers
    if not response.cache_control.max_age:
        response.cache_control.max_age = 0 if personal else PUBLIC_MAX_AGE
    if personal:
        # A logged-in reader's pages carry their account: their own browser may keep them, no shared cache.
        response.cache_control.private = True
        response.cache_control.public = False
    else:
        response.cache_control.public = True
    # The same address reads differently in another language, and for a logged-in reader.
    response.vary.update(("Accept-Language", "Cookie"))
    response.add_etag(weak=True)
    return response.make_conditional(request)


def register_conditional_responses(app: Flask) -> None:
    app.after_request(conditional)
