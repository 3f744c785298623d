"""An operator reads a zone's report in a real browser: the failing check, its evidence and advice, what
changed; disputes a verdict (once: a second dispute of it waits for staff's answer); and asks for a new
check."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, log_in
from tests.conformance.factories import make_run
from tests.factories import make_organisation, make_user

pytestmark = pytest.mark.browser


def test_operator_reads_disputes_and_rechecks(live_server, page):
    base = live_server.url
    with live_server.app.app_context():
        org = make_organisation("Report Networks", approved=True, zones=("report.example",))
        make_user(email="noc@report.example", password=PASSWORD, organisation=org)
        zone_id = org.zones[0].id
        make_run(org.zones[0], finished_at=datetime.now(timezone.utc) - timedelta(days=1))
        make_run(org.zones[0], {"axfr-restricted": "fail"})

    log_in(page, base, "noc@report.example")
    page.goto(f"{base}/dashboard/checks")
    expect(page.locator("main")).to_contain_text("Not verified")
    page.get_by_role("link", name="report.example").click()

    row = page.locator("#check-axfr-restricted")
    expect(row.locator(".verdict")).to_have_text("fail")
    expect(row).to_contain_text("was pass")
    expect(row).to_contain_text("dig @192.0.2.1 report.example SOA")
    evidence = row.locator("pre.evidence")
    expect(evidence).to_be_hidden()
    row.get_by_text("Evidence (1)").click()
    expect(evidence).to_be_visible()
    expect(evidence).to_contain_text("NOERROR")

    row.get_by_text("Dispute this verdict").click()
    row.get_by_label("Why is this verdict wrong?").fill("AXFR is allowed only to our secondary's address.")
    row.get_by_role("button", name="Send to staff").click()
    expect(page.locator(".flash")).to_contain_text("sent to staff")
    expect(page.locator("main")).to_contain_text("awaiting an answer")
    # The same verdict once more, before staff answer: refused, and the page says why.
    row.get_by_text("Dispute this verdict").click()
    row.get_by_label("Why is this verdict wrong?").fill("Really: only our secondary may transfer.")
    row.get_by_role("button", name="Send to staff").click()
    expect(page.locator(".flash")).to_contain_text("You have already disputed")
    expect(page.locator("main")).not_to_contain_text("Really: only our secondary may transfer.")

    page.get_by_role("button", name="Check now").click()
    expect(page.locator(".flash").first).to_contain_text("queued")
    expect(page.locator("main")).to_contain_text("A check is under way")
    assert page.url.endswith(f"/dashboard/zones/{zone_id}/report")


def test_the_command_that_shows_the_fault_is_copied_with_one_click(live_server, browser):
    with live_server.app.app_context():
        org = make_organisation("Copy Networks", approved=True, zones=("copy.example",))
        make_user(email="noc@copy.example", password=PASSWORD, organisation=org)
        zone_id = org.zones[0].id
        make_run(org.zones[0], {"axfr-restricted": "fail"})
    context = browser.new_context(locale="en-GB", permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        log_in(page, live_server.url, "noc@copy.example")
        page.goto(f"{live_server.url}/dashboard/zones/{zone_id}/report")
        card = page.locator("#check-axfr-restricted")
        expect(card.locator(".command pre")).to_have_text("dig @192.0.2.1 copy.example SOA")
        card.get_by_role("button", name="Copy").click()
        expect(card.get_by_role("button", name="Copied")).to_be_visible()
        assert page.evaluate("navigator.clipboard.readText()") == "dig @192.0.2.1 copy.example SOA"
    finally:
        context.close()


def test_without_scripts_the_command_is_still_there_to_copy(live_server, browser):
    with live_server.app.app_context():
        org = make_organisation("Plain Networks", approved=True, zones=("plain.example",))
        make_user(email="noc@plain.example", password=PASSWORD, organisation=org)
        zone_id = org.zones[0].id
        make_run(org.zones[0], {"axfr-restricted": "fail"})
    context = browser.new_context(locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, live_server.url, "noc@plain.example")
        page.goto(f"{live_server.url}/dashboard/zones/{zone_id}/report")
        card = page.locator("#check-axfr-restricted")
        expect(card.locator(".command pre")).to_have_text("dig @192.0.2.1 plain.example SOA")
        expect(card.get_by_role("button", name="Copy")).to_have_count(0)
    finally:
        context.close()
