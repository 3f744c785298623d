"""The whole journey in a real browser: an operator registers, enrols and submits; staff approve; the
participant is in the directory, on the leaderboard and in the API."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, log_in
from tests.factories import make_user
from tests.helpers import link_in

pytestmark = pytest.mark.browser


def _latest_link(live_server, subject_part: str) -> str:
    messages = [m for m in live_server.mail() if subject_part.lower() in m["Subject"].lower()]
    assert messages, f"no mail about {subject_part!r} in the outbox"
    return live_server.url + link_in(messages[-1])


def test_register_enrol_submit_approve_and_be_listed(live_server, page):
    base = live_server.url
    # Register, confirm the address from the mailed link.
    page.goto(f"{base}/register")
    page.get_by_label("Email address").fill("noc@andes-dns.example")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Register").click()
    expect(page.locator("main")).to_contain_text("inbox")
    page.goto(_latest_link(live_server, "confirm"))
    expect(page).to_have_url(re.compile(r"/dashboard$"))

    # Describe the organisation.
    page.get_by_role("link", name="Describe your organisation").click()
    page.get_by_label("Organisation name").fill("Andes DNS <Coop>")
    page.get_by_label("Website").fill("https://andes-dns.example")
    page.get_by_label("Country").select_option("PE")
    page.get_by_label("Authoritative: other SLD zones").check()
    page.get_by_label("Public contact: name").fill("NOC")
    page.get_by_label("Public contact: email address").fill("noc@andes-dns.example")
    page.get_by_role("button", name=re.compile("Save|Create")).click()

    # Declare zones: one bad line is refused with its line number, nothing saved; then the good ones.
    page.goto(f"{base}/dashboard/zones")
    page.get_by_label("Zones you operate (one per line)").fill("Andes-DNS.example.\nex@mple.org")
    page.get_by_role("button", name=re.compile("Add")).click()
    expect(page.locator("main")).to_contain_text("line 2")
    page.get_by_label("Zones you operate (one per line)").fill("Andes-DNS.example.\nbücher.example")
    page.get_by_role("button", name=re.compile("Add")).click()
    expect(page.locator("main")).to_contain_text("andes-dns.example")
    expect(page.locator("main")).to_contain_text("xn--bcher-kva.example")

    # The self-assessment: every practice answered.
    page.goto(f"{base}/dashboard/assessment")
    for practice in page.locator("fieldset.practice").all():
        practice.get_by_label("Yes, we do this").check()
        practice.locator("textarea").fill("Documented in our runbook, reviewed quarterly.")
    page.get_by_role("button", name="Save the self-assessment").click()

    page.goto(f"{base}/dashboard")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("main")).to_contain_text(re.compile("submitted", re.I))
    page.get_by_role("button", name="Log out").click()

    # Staff approve.
    with live_server.app.app_context():
        make_user(email="staff@icann.example", password=PASSWORD, is_staff=True)
    log_in(page, base, "staff@icann.example")
    page.goto(f"{base}/admin/")
    page.get_by_role("link", name="Andes DNS <Coop>").first.click()
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("main")).to_contain_text(re.compile("approved", re.I))

    # The public sees it: directory (filtered by region), participant page, leaderboard, API.
    page.goto(f"{base}/participants?region=LAC")
    page.get_by_role("link", name="Andes DNS <Coop>").click()
    expect(page.locator("h1")).to_contain_text("Andes DNS <Coop>")
    expect(page.locator("main")).to_contain_text("Peru")
    expect(page.locator("main")).to_contain_text("andes-dns.example")
    expect(page.locator("main")).to_contain_text("Not yet checked")
    page.goto(f"{base}/leaderboard")
    lac_row = page.locator("table.leaderboard tbody tr").first
    expect(lac_row).to_contain_text("Latin America and the Caribbean")
    expect(lac_row.locator("td").nth(1)).to_have_text("1")
    api = page.request.get(f"{base}/api/v1/participants?country=PE").json()
    assert [item["name"] for item in api["items"]] == ["Andes DNS <Coop>"]
