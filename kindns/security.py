"""What every request and response must respect: security headers, the Host names the registry answers to,
and loud warnings at start-up about settings that are unsafe in production."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, request
from flask_babel import gettext
from werkzeug.exceptions import SecurityError

log = logging.getLogger(__name__)

# Pages use only their own stylesheet and images: no inline script or style, no plug-ins, no framing.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# Never tell other sites which page linked to them: paths can carry tokens (/reset-password/<token>). Our own
# pages still get the Referer, which Flask-WTF requires of every form posted over HTTPS.
REFERRER_POLICY = "same-origin"
# What `make run` and a bare `flask run` are reached by, when nothing else is configured.
DEFAULT_TRUSTED_HOSTS = ("127.0.0.1", "localhost")


# What every response carries. None depends on the request (nothing inline runs, so there is no nonce), so
# each is written once, not worked out again for every response: at the rates of the public pages and the
# API, building them per response cost a third of a page's time.
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": "; ".join(f"{name} {value}" for name, value in CONTENT_SECURITY_POLICY.items()),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": REFERRER_POLICY,
    "Permissions-Policy": "browsing-topics=()",  # browsers put no reader into advertising cohorts (Topics API)
}
# Behind HTTPS only: a year, for this host and every host below it.
STRICT_TRANSPORT_SECURITY = "max-age=31556926; includeSubDomains"


def register_security_headers(app: Flask) -> None:
    """Content-Security-Policy, X-Frame-Options, X-Content-Type-Options, Referrer-Policy and Permissions-Policy
    on every response; HSTS on HTTPS responses (the request's own scheme, or the reverse proxy's
    X-Forwarded-Proto) when the registry runs behind HTTPS (KINDNS_SECURE_COOKIES). TLS ends at the reverse
    proxy, which redirects plain HTTP."""
    secure = bool(app.config["SESSION_COOKIE_SECURE"])
    headers = tuple(SECURITY_HEADERS.items())

    @app.after_request
    def add_security_headers(response):
        for name, value in headers:
            response.headers[name] = value
        if secure and (request.is_secure or request.headers.get("X-Forwarded-Proto") == "https"):
            response.headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
        return response


def trusted_hosts(config: Mapping[str, Any]) -> list[str] | None:
    """The Host names the registry serves (Flask's TRUSTED_HOSTS), or None for any.

    Links in mail sent from a request follow the request's host unless KINDNS_BASE_URL is set. Without it,
    a forged Host header (`evil.example`) would mail a password-reset link to the attacker's site, so only
    KINDNS_TRUSTED_HOSTS (by default 127.0.0.1 and localhost) and SERVER_NAME are served then. With a base
    URL, any host is served unless KINDNS_TRUSTED_HOSTS names some.
    """
    configured = list(config.get("KINDNS_TRUSTED_HOSTS") or [])
    base_url = config.get("KINDNS_BASE_URL", "")
    if base_url:
        return configured + [urlsplit(base_url).hostname or ""] if configured else None
    hosts = configured or list(DEFAULT_TRUSTED_HOSTS)
    if config.get("SERVER_NAME"):
        hosts.append(urlsplit(f"//{config['SERVER_NAME']}").hostname or "")
    return hosts


def register_trusted_hosts(app: Flask) -> None:
    """Answer 400 to requests for any other host than the trusted ones (see `trusted_hosts`).

    Call before the extensions are bound, so that the refusal comes before anything else a request does:
    for an untrusted host Flask has no URL adapter, so a CSRF check or an error page that builds a link
    would fail on it."""
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)

    @app.before_request
    def refuse_untrusted_host():
        if isinstance(request.routing_exception, SecurityError):
            return app.response_class(gettext("This registry does not answer to the host name %(host)s.",
                                              host=request.headers.get("Host", "")[:100]),
                                      status=400, mimetype="text/plain")
        return None

    if not app.config["KINDNS_BASE_URL"]:
        log.warning("KINDNS_BASE_URL is not set: links in mail are built from the request's host, so only "
                    "requests for %s are served (KINDNS_TRUSTED_HOSTS). Set KINDNS_BASE_URL in production.",
                    ", ".join(app.config["TRUSTED_HOSTS"]))


def warn_if_rate_limits_are_per_process(app: Flask, processes: int) -> bool:
    """Say loudly when `processes` web processes would each keep their own rate-limit counts (in memory):
    each would then allow the whole limit, so 2 gunicorn workers allow twice the logins. Returns whether
    it warned. Called by gunicorn.conf.py, which knows the number of workers."""
    storage = str(app.config.get("RATELIMIT_STORAGE_URI", ""))
    if processes <= 1 or not storage.startswith("memory://") or not app.config.get("RATELIMIT_ENABLED", True):
        return False
    log.warning("RATE LIMITS ARE NOT SHARED: %d worker processes each count in their own memory, so every "
                "rate limit allows %d times its configured value. Set KINDNS_REDIS_URL (or "
                "KINDNS_RATELIMIT_STORAGE_URI) so that all processes count together.", processes, processes)
    return True
