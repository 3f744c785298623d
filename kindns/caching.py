"""Conditional answers for the public pages, the API and the badge: an ETag (and Last-Modified where a page
knows it), 304 Not Modified when the client's copy is current, and a short Cache-Control.

Each process also keeps what it answered an anonymous reader for KINDNS_PAGE_CACHE_SECONDS (per address and
language): a page that many people open at once is built once, not once per reader. A change made through
this process's session (kindns.directory.services) forgets every page at once; other processes' changes show
within the period, as they do in the readers' own caches."""
from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, request
from flask_login import current_user

from .i18n import COOKIE as LANGUAGE_COOKIE

# Pages anyone may see, the same for every anonymous reader of one language; what changes them shows within
# this many seconds in a cache (the badge keeps its own, longer).
PUBLIC_MAX_AGE = 60
CONDITIONAL_BLUEPRINTS = ("directory", "api")
CONDITIONAL_ENDPOINTS = ("conformance.badge",)


# Streamed (the export) or not a page at all.
NOT_KEPT = ("api.not_routed", "api.participants_csv")


def _is_public(endpoint: str | None) -> bool:
    if not endpoint or endpoint in NOT_KEPT:
        return False
    return endpoint.split(".", 1)[0] in CONDITIONAL_BLUEPRINTS or endpoint in CONDITIONAL_ENDPOINTS


log = logging.getLogger(__name__)
_CACHE_KEY = "kindns_page_cache"
# Headers a kept page is answered with again; the others are set by every answer's own after-request steps.
KEPT_HEADERS = ("Content-Type", "Cache-Control", "Last-Modified", "Vary", "ETag")
_clock = time.monotonic
# At most this many pages per process (searches make many addresses): the least recently kept go first.
MAX_KEPT = 2000
_lock = threading.Lock()
_LOCKS_KEY = "kindns_page_locks"
# How long a reader waits for another to build the page it asks for before building it too.
BUILD_WAIT_SECONDS = 5


@dataclass(frozen=True)
class _Kept:
    at: float
    body: bytes
    headers: tuple[tuple[str, str], ...]


def _page_key() -> tuple[str, ...] | None:
    """What a kept page is found by, or None when this request's answer is not one to keep or reuse."""
    if request.method not in ("GET", "HEAD") or not _is_public(request.endpoint):
        return None
    if not current_app.config.get("KINDNS_PAGE_CACHE_SECONDS"):
        return None
    # A session (a logged-in reader, a message to show) or a remembered login makes the page someone's own.
    if request.cookies.get(current_app.config["SESSION_COOKIE_NAME"]) or request.cookies.get(
            current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")):
        return None
    # What the page depends on besides the data: the address (absolute links carry the host) and what the
    # language is chosen from (kindns.i18n).
    environ = request.environ  # read as the server gave it: werkzeug's own request.full_path costs more
    return (request.host, f"{environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}",
            request.cookies.get(LANGUAGE_COOKIE, ""), environ.get("HTTP_ACCEPT_LANGUAGE", ""))


def _kept(key: tuple[str, ...]) -> tuple[_Kept | None, bool]:
    """The page kept under `key` (or None), and whether it is still current."""
    kept = current_app.extensions.get(_CACHE_KEY, {}).get(key)
    if kept is None:
        return None, False
    return kept, _clock() - kept.at < current_app.config["KINDNS_PAGE_CACHE_SECONDS"]


def serve_kept_page() -> Response | None:
    key = _page_key()
    if key is None:
        return None
    kept, current = _kept(key)
    if not current:
        # One reader per page and process builds it again (the lock is held until its request ends). While
        # it does, the others get the copy the process has, however old by a few seconds, or, when it has
        # none (a start, a change made here), wait for that reader rather than each building the page.
        with _lock:
            locks = current_app.extensions.setdefault(_LOCKS_KEY, {})
            if len(locks) > 2 * MAX_KEPT:
                locks.clear()
            page_lock = locks.setdefault(key, threading.Lock())
        if page_lock.acquire(blocking=False):
            g.kindns_page_lock = page_lock
            return None
        if kept is None:
            if not page_lock.acquire(timeout=BUILD_WAIT_SECONDS):
                return None
            g.kindns_page_lock = page_lock
            kept, current = _kept(key)
            if kept is None:
                return None
    response = current_app.response_class(kept.body, headers=list(kept.headers))
    response.kindns_kept = True
    return response


def release_page_lock(_error=None) -> None:
    page_lock = g.pop("kindns_page_lock", None)
    if page_lock is not None:
        page_lock.release()


def _keep(response: Response) -> None:
    key = _page_key()
    if key is None or getattr(response, "kindns_kept", False) or "Set-Cookie" in response.headers:
        return
    headers = tuple((name, value) for name, value in response.headers.items() if name in KEPT_HEADERS)
    kept = _Kept(_clock(), response.get_data(), headers)
    with _lock:
        pages = current_app.extensions.setdefault(_CACHE_KEY, OrderedDict())
        pages[key] = kept
        pages.move_to_end(key)
        while len(pages) > MAX_KEPT:
            pages.popitem(last=False)


def forget_pages() -> None:
    """Forget every page this process keeps (its data changed)."""
    current_app.extensions.get(_CACHE_KEY, {}).clear()


def conditional(response: Response) -> Response:
    if request.method not in ("GET", "HEAD") or response.status_code != 200 or response.is_streamed:
        return response
    if not _is_public(request.endpoint):
        return response
    if getattr(response, "kindns_kept", False):
        return _conditional_answer(response)
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
    _keep(response)
    return _conditional_answer(response)


def _conditional_answer(response: Response) -> Response:
    """304 when the reader's copy is current. Most readers (and every load test) ask without a copy: their
    answer is the page as it is, without working that out again."""
    if "HTTP_IF_NONE_MATCH" not in request.environ and "HTTP_IF_MODIFIED_SINCE" not in request.environ:
        return response
    return response.make_conditional(request)


# What a starting worker renders once before its first reader (gunicorn.conf.py): every language of the
# directory and the pages most asked for.
WARM_PATHS = ("/", "/participants", "/champions", "/leaderboard", "/api/v1/participants", "/api/v1/leaderboard",
              "/participants?lang=es", "/participants?lang=pt_BR", "/participants?lang=fr")


def warm_up(app: Flask) -> int:
    """Render the public pages once in a starting process, so that its first readers do not wait for the
    templates to compile, the catalogues and country names to load and the leaderboard to be computed.
    Returns how many pages answered 200; a failure is logged, never raised (the worker serves anyway)."""
    base = app.config.get("KINDNS_BASE_URL") or "http://localhost"
    answered = 0
    client = app.test_client()
    for path in WARM_PATHS:
        try:
            answered += client.get(path, base_url=base).status_code == 200
        except Exception:  # noqa: BLE001 - warming is a courtesy; the page will be built when asked
            log.exception("warming %s failed", path)
    return answered


def register_conditional_responses(app: Flask) -> None:
    app.before_request(serve_kept_page)
    app.after_request(conditional)
    app.teardown_request(release_page_lock)
