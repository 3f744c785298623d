"""Security headers on every kind of response, and templates that need no inline script or style (the
Content-Security-Policy forbids them)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from kindns import create_app
from kindns.conformance.badge import badge_svg
from kindns.directory.charts import bar_chart_svg, history_chart_svg
from tests.factories import make_organisation

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PAGES = ["/", "/participants", "/leaderboard", "/champions", "/login", "/register", "/no-such-page",
         "/api/v1/participants", "/api/v1/no-such-resource", "/badge/{slug}.svg", "/static/style.css"]


def _directives(header: str) -> dict[str, str]:
    return {part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("path", PAGES)
def test_every_response_carries_the_security_headers(client, path):
    organisation = make_organisation(approved=True)
    response = client.get(path.format(slug=organisation.slug))

    policy = _directives(response.headers.get("Content-Security-Policy", ""))
    assert policy.get("default-src") == "'self'"
    assert policy.get("frame-ancestors") == "'none'"
    assert policy.get("object-src") == "'none'"
    assert not any("unsafe-inline" in value or "unsafe-eval" in value for value in policy.values())
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP, KINDNS_SECURE_COOKIES off


def test_the_api_stays_open_to_every_origin(client):
    response = client.get("/api/v1/participants")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Content-Security-Policy" in response.headers


def test_hsts_only_behind_https_with_secure_cookies(app, tmp_path):
    secure = create_app({**app.config, "SESSION_COOKIE_SECURE": True})
    plain = create_app({**app.config, "SESSION_COOKIE_SECURE": False})

    over_https = secure.test_client().get("/", base_url="https://registry.test")
    assert over_https.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Strict-Transport-Security" not in secure.test_client().get("/").headers
    assert "Strict-Transport-Security" not in plain.test_client().get("/", base_url="https://registry.test").headers
    # Each app keeps its own settings, whichever was made last.
    assert "Strict-Transport-Security" in secure.test_client().get("/", base_url="https://registry.test").headers


def test_a_reset_link_page_keeps_its_token_from_other_sites_yet_its_form_works_over_https(app, client, outbox):
    from tests.factories import make_user
    from tests.helpers import csrf_token_from, link_in

    make_user(email="alice@example.net")
    https = {"base_url": "https://registry.test"}
    page = client.get("/forgot-password", **https)
    client.post("/forgot-password", data={"email": "alice@example.net", "csrf_token": csrf_token_from(page.data)},
                headers={"Referer": "https://registry.test/forgot-password"}, **https)
    link = link_in(outbox()[0])

    form = client.get(link, **https)
    assert form.headers["Referrer-Policy"] == "same-origin"  # the token never reaches another site
    # Under that policy the browser sends the page's own address as Referer, which Flask-WTF requires over
    # HTTPS (no-referrer, as these pages used to send, made the form fail there).
    done = client.post(link, data={"password": "a fresh long passphrase", "password_confirm":
                                   "a fresh long passphrase", "csrf_token": csrf_token_from(form.data)},
                       headers={"Referer": f"https://registry.test{link}"}, **https)
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")


# --- what the policy forbids is nowhere in the markup -----------------------------------------------------

INLINE_CODE = [
    (re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "a style= attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an on…= event handler"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]
TEMPLATE_NAMES = sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html"))


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_templates_have_no_inline_script_or_style(name):
    source = (TEMPLATES / name).read_text()
    found = [what for pattern, what in INLINE_CODE if pattern.search(source)]
    assert found == [], f"{name} has {', '.join(found)}: the Content-Security-Policy blocks it"


def test_the_svg_the_server_draws_has_no_inline_script_or_style():
    drawings = [badge_svg("KINDNS", "verified", "verified"), bar_chart_svg([("AF", 3), ("LAC", 7)], "Regions"),
                history_chart_svg([("2026-01", "LAC", 0.5), ("2026-02", "LAC", 0.7)], "History")]
    for svg in drawings:
        assert [what for pattern, what in INLINE_CODE if pattern.search(str(svg))] == []
