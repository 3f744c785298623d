"""An operator declares the software that serves a zone and reads the fix for it on the report, then
switches the report to another software, in a real browser (plain forms: no script needed)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, log_in
from tests.conformance.factories import make_run, store_findings
from tests.factories import make_organisation, make_user

pytestmark = pytest.mark.browser

SERVER = {"code": "server", "args": {"name": "ns1.fixit.example.", "address": "192.0.2.1"}}


def test_operator_declares_the_software_and_switches_the_advice(live_server, page):
    base = live_server.url
    with live_server.app.app_context():
        org = make_organisation("Fixit Networks", approved=True, zones=("fixit.example",))
        make_user(email="noc@fixit.example", password=PASSWORD, organisation=org)
        zone_id = org.zones[0].id
        run = make_run(org.zones[0], {"axfr-restricted": "fail"})
        store_findings(run, "axfr-restricted", "AXFR_ALLOWED", "dig @192.0.2.1 fixit.example. AXFR +norecurse",
                       server=SERVER)

    log_in(page, base, "noc@fixit.example")

    page.goto(f"{base}/dashboard/zones")
    page.get_by_label("Software").select_option(label="BIND 9")
    page.locator("form.software").get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_contain_text("gives the advice for BIND 9")

    page.get_by_role("link", name="Report").click()
    row = page.locator("#check-axfr-restricted")
    fix = row.locator(".fix")
    expect(fix).to_contain_text("For BIND 9")
    expect(fix.locator("pre").first).to_contain_text('zone "fixit.example" {')
    expect(fix).to_contain_text("rndc reconfig")
    expect(page.locator("#software-note")).to_contain_text("You declared that BIND 9 serves it.")

    page.get_by_label("Fix-it advice for").select_option(label="Knot DNS")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"{base}/dashboard/zones/{zone_id}/report?software=knot")
    expect(fix).to_contain_text("For Knot DNS")
    expect(fix).to_contain_text("knotc reload")
    expect(page.locator("#software-note")).to_contain_text("Shown for Knot DNS, as you asked.")

    page.get_by_label("Fix-it advice for").select_option(value="")
    page.get_by_role("button", name="Show").click()
    expect(row.locator(".fix")).to_have_count(0)
    expect(row).to_contain_text("Restrict zone transfers to your secondaries")  # the general advice stays
