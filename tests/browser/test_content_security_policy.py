"""The public pages under the Content-Security-Policy in a real browser: the stylesheet, the badge and the
charts load and render, nothing is refused, and an inline script would be."""
from __future__ import annotations

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.factories import make_organisation

pytestmark = pytest.mark.browser


def test_public_pages_render_with_nothing_refused(live_server, page):
    with live_server.app.app_context():
        slug = make_organisation("Policy Networks", approved=True, champion="Taught DNSSEC.").slug
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)

    page.goto(f"{live_server.url}/participants/{slug}")
    header = page.locator("header.site-header").evaluate("e => getComputedStyle(e).display")
    assert header == "flex", "the stylesheet did not apply"
    page.get_by_text("Embed the KINDNS badge").click()
    badge = page.get_by_role("img", name="KINDNS status")
    expect(badge).to_be_visible()
    assert badge.evaluate("img => img.complete && img.naturalWidth") > 0

    page.goto(f"{live_server.url}/leaderboard")
    bars = page.locator("svg.bar-chart rect.bar")
    assert bars.count() == 5
    assert max(bars.nth(i).bounding_box()["width"] for i in range(5)) > 0

    assert refused == []
    with pytest.raises(PlaywrightError):
        page.add_script_tag(content="document.body.dataset.injected = 'yes'")
    assert page.locator("body").get_attribute("data-injected") is None
