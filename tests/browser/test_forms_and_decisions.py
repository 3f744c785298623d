"""Forms as a keyboard or screen-reader user meets them, and staff decisions that ask before they act."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, log_in
from tests.conformance.factories import make_run
from tests.factories import make_organisation, make_user

pytestmark = pytest.mark.browser


def test_a_form_with_errors_says_so_first_and_ties_each_error_to_its_field(live_server, page):
    with live_server.app.app_context():
        make_user("new@operator.example", password=PASSWORD)
    log_in(page, live_server.url, "new@operator.example")
    page.goto(f"{live_server.url}/dashboard/organisation")
    page.get_by_label("Public contact: email address").fill("not an address")
    page.get_by_role("button", name="Create the organisation").click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # read first, without hunting for it
    expect(summary).to_contain_text("Organisation name")
    name = page.get_by_label("Organisation name")
    expect(name).to_have_attribute("aria-invalid", "true")
    described = name.get_attribute("aria-describedby")
    expect(page.locator(f"#{described}")).to_contain_text("This field is required.")
    # The summary's link takes the keyboard to the field.
    summary.get_by_role("link", name=re.compile("Organisation name")).click()
    expect(name).to_be_focused()


def test_staff_decide_with_separate_forms_and_confirm_what_cannot_be_undone(live_server, page):
    base = live_server.url
    with live_server.app.app_context():
        make_user("staff@icann.example", password=PASSWORD, is_staff=True)
        submitted = make_organisation("Submitted Networks", status="submitted", zones=("submitted.example",))
        make_user("owner@submitted.example", password=PASSWORD, organisation=submitted)
        failing = make_organisation("Failing Networks", approved=True, zones=("failing.example",))
        make_run(failing.zones[0], {"axfr-restricted": "fail"})
        submitted_id = submitted.id
    log_in(page, base, "staff@icann.example")
    expect(page).to_have_url(re.compile(r"/admin/$"))  # staff land in their area

    # Rejecting without a message is refused, and the error sits under the reject box, not elsewhere.
    page.goto(f"{base}/admin/organisations/{submitted_id}")
    reject = page.locator("form.decision-reject")
    reject.get_by_role("button", name="Reject").click()
    expect(page.locator("form.decision-reject .errors")).to_contain_text("Write a message to the operator")
    expect(page.locator("form.decision-approve .errors")).to_have_count(0)

    # Approve with a welcome: the members get it with the news.
    approve = page.locator("form.decision-approve")
    approve.get_by_label("Welcome message (optional)").fill("Bem-vindos ao KINDNS!")
    approve.get_by_role("button", name="Approve").click()
    expect(page.locator(".flash").first).to_contain_text("approved")
    mail = [m for m in live_server.mail() if m["To"] == "owner@submitted.example"][-1]
    assert "Bem-vindos ao KINDNS!" in mail.get_content()

    # A champion that fails a check needs a second yes; nobody is preselected.
    page.goto(f"{base}/admin/champions")
    picker = page.get_by_label("Organisation")
    expect(picker).to_have_value("")
    picker.select_option(label="Failing Networks")
    page.get_by_label("Citation (shown publicly)").fill("Ran the region's first DNSSEC day.")
    page.get_by_role("button", name="Designate").click()
    expect(page.locator("h1")).to_contain_text("although it is not verified")
    page.get_by_role("button", name="Designate anyway").click()
    expect(page.locator("main")).to_contain_text("Ran the region's first DNSSEC day.")

    # Revoking asks first; "Cancel" changes nothing, "Revoke" does.
    page.get_by_role("button", name="Revoke").click()
    expect(page.locator("h1")).to_contain_text("Revoke Failing Networks as a champion?")
    page.get_by_role("link", name="Cancel").click()
    expect(page.locator("main")).to_contain_text("Ran the region's first DNSSEC day.")
    page.get_by_role("button", name="Revoke").click()
    page.get_by_role("button", name="Revoke").click()
    expect(page.locator(".flash").first).to_contain_text("no longer a champion")


def test_removing_a_zone_asks_first(live_server, page):
    base = live_server.url
    with live_server.app.app_context():
        org = make_organisation("Careful Networks", zones=("keep.example", "drop.example"))
        make_user("noc@careful.example", password=PASSWORD, organisation=org)
    log_in(page, base, "noc@careful.example")
    page.goto(f"{base}/dashboard/zones")
    page.locator("tr", has_text="drop.example").get_by_role("button", name="Remove").click()
    expect(page.locator("h1")).to_have_text("Remove drop.example?")
    page.get_by_role("button", name="Remove the zone").click()
    expect(page.locator(".flash").first).to_contain_text("Zone drop.example removed.")
    expect(page.locator("main")).to_contain_text("keep.example")
