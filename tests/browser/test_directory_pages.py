"""A reader walks the directory page by page and follows a region's champions to the rest of them, in
chromium as they would."""
from __future__ import annotations

import pytest

from tests.factories import make_organisation

pytestmark = pytest.mark.browser


def _names(page) -> list[str]:
    return page.locator("table.participants tbody tr td:first-child a").all_inner_texts()


def test_a_reader_pages_through_the_directory_and_back(live_server, page):
    live_server.app.config["KINDNS_PAGE_SIZE"] = 2
    with live_server.app.app_context():
        for name in ("Échelle", "delta", "Alpha", "charlie", "Bravo"):
            make_organisation(name, country="BR", approved=True)
    page.goto(f"{live_server.url}/participants")
    assert _names(page) == ["Alpha", "Bravo"]
    page.get_by_role("link", name="Next").click()
    assert _names(page) == ["charlie", "delta"]
    page.get_by_role("link", name="Next").click()
    assert _names(page) == ["Échelle"] and page.get_by_text("Page 3 of 3").is_visible()
    page.get_by_role("link", name="Previous").click()
    assert _names(page) == ["charlie", "delta"]


def test_a_reader_follows_a_regions_champions_to_the_rest(live_server, page, monkeypatch):
    from kindns.directory import services

    monkeypatch.setattr(services, "CHAMPIONS_SHOWN", 2)
    with live_server.app.app_context():
        for name in ("Delta", "Alpha", "Charlie", "Bravo"):
            make_organisation(name, country="BR", approved=True, champion=f"{name} teaches DNSSEC")
        make_organisation("Plain", country="BR", approved=True)
    page.goto(f"{live_server.url}/champions")
    region = page.locator("section", has=page.get_by_role("heading", name="Latin America and the Caribbean"))
    assert region.locator("ul.champions li a").all_inner_texts() == ["Alpha", "Bravo"]
    region.get_by_role("link", name="and 2 more").click()
    assert _names(page) == ["Alpha", "Bravo", "Charlie", "Delta"]
