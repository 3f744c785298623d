"""Staff create a measurement campaign in chromium: the upload form refuses a file with a bad line (saying which
line, tied to the field), takes the corrected one, and the campaign page shows the progress bar move as the
worker measures its batches, by itself."""
from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, log_in
from tests.factories import make_user

pytestmark = pytest.mark.browser


def _run_queued_jobs(app) -> int:
    """Do what a worker does with the jobs waiting in the live app's queue, in a thread of its own as a worker
    would (this thread runs Playwright's event loop, and the engine runs one of its own)."""
    huey = app.extensions["kindns.jobs"].huey
    ran = []

    def work() -> None:
        with app.app_context():
            while (task := huey.dequeue()) is not None:
                huey.execute(task)
                ran.append(task.name)

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(60)
    return len(ran)


def test_staff_create_a_campaign_through_the_upload_form(live_server, page, tmp_path):
    base = live_server.url
    with live_server.app.app_context():
        make_user("staff@icann.example", password=PASSWORD, is_staff=True)
    log_in(page, base, "staff@icann.example")

    page.goto(f"{base}/admin/campaigns/")
    page.get_by_role("link", name="New campaign").click()
    page.get_by_label("Name", exact=True).fill("Paraguay, December 2026")
    page.get_by_label("Namespace").fill(".py")
    page.get_by_label("Operators' country, when a line does not say").select_option("PY")
    bad = tmp_path / "zones.txt"
    bad.write_text("uno.py\ndos..py\ntres.py AR\n")
    page.get_by_label("Zones", exact=True).set_input_files(str(bad))
    page.get_by_role("button", name="Create and queue").click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("line 2: 'dos..py'")
    field = page.get_by_label("Zones", exact=True)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#{field.get_attribute('aria-describedby').split()[-1]}")).to_contain_text("line 2")

    good = tmp_path / "fixed.txt"
    good.write_text("uno.py\ndos.py\ntres.py AR\n")
    page.get_by_label("Zones", exact=True).set_input_files(str(good))
    page.get_by_label("Name", exact=True).fill("Paraguay, December 2026")
    page.get_by_label("Namespace").fill(".py")
    page.get_by_role("button", name="Create and queue").click()
    expect(page.get_by_role("status")).to_contain_text("Campaign recorded: 3 zones queued for measurement.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Paraguay, December 2026")
    progress = page.locator("progress")
    expect(progress).to_have_attribute("value", "0")
    expect(page.locator(".campaign-progress")).to_contain_text("0 of 3 zones measured")

    # The worker measures the batch (this test's root answers nothing: every zone is measured as unmeasurable,
    # which the shares leave out rather than count as failing).
    # The page follows by itself (campaign-progress.js), without a reload by hand.
    assert _run_queued_jobs(live_server.app) == 1
    expect(progress).to_have_attribute("value", "3", timeout=15_000)
    expect(page.locator(".campaign-progress")).to_contain_text("3 of 3 zones measured")
    expect(page.get_by_text("Done: every zone has been measured.")).to_be_visible()
    page.goto(f"{base}/admin/campaigns/")
    expect(page.get_by_role("link", name="Paraguay, December 2026")).to_be_visible()
