"""Pages that follow what happens: the report of a queued check shows the result by itself when the worker
(a real worker process) is done; the badge follows the participant's standing; a zone that could not be
measured reads as one finding."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, log_in
from tests.conformance.conftest import Workers, registry_environment, write_instance_config
from tests.conformance.factories import make_run
from tests.factories import make_organisation, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def worker(live_server, tmp_path):
    """A registry worker process sharing the live server's database and queue; the root it starts from never
    answers, so a check ends at its (short) deadline with nothing measured."""
    config = live_server.app.config
    instance = tmp_path / "worker-instance"
    write_instance_config(instance, {
        "SQLALCHEMY_DATABASE_URI": config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "worker",
        "KINDNS_QUEUE_FILE": config["KINDNS_QUEUE_FILE"], "KINDNS_OUTBOX": config["KINDNS_OUTBOX"],
        "KINDNS_CHECK_ROOT_HINTS": config["KINDNS_CHECK_ROOT_HINTS"], "KINDNS_CHECK_ALLOW_PRIVATE": True,
        "KINDNS_CHECK_ZONE_DEADLINE": 2, "KINDNS_BASE_URL": live_server.url,
    })
    workers = Workers(tmp_path)
    try:
        yield lambda: (workers.start(registry_environment(instance)), workers.wait_until_consuming())
    finally:
        workers.stop()


def test_the_report_shows_the_result_by_itself_when_the_worker_is_done(live_server, page, worker):
    with live_server.app.app_context():
        org = make_organisation("Waiting Networks", approved=True, zones=("waiting.example",))
        make_user("noc@waiting.example", password=PASSWORD, organisation=org)
        zone_id = org.zones[0].id
    log_in(page, live_server.url, "noc@waiting.example")
    page.goto(f"{live_server.url}/dashboard/zones/{zone_id}/report")
    page.get_by_role("button", name="Check now").click()
    expect(page.locator("main")).to_contain_text("A check is under way")
    worker()  # the worker starts only now: the page has been waiting for it
    # No reload by the test: the page's script asks for the status and reloads once the run is done.
    expect(page.locator("main")).to_contain_text(re.compile(r"Checked .* in"), timeout=60_000)
    expect(page.locator("main")).not_to_contain_text("A check is under way")
    expect(page.locator("#unmeasured")).to_contain_text("Nothing could be measured")
    expect(page.locator("article.check")).to_have_count(0)  # one finding, not a page of identical errors


def test_the_badge_follows_the_standing(live_server, page):
    with live_server.app.app_context():
        org = make_organisation("Badge Networks", approved=True, zones=("badge.example",))
        slug, zone = org.slug, org.zones[0]
        states = []

        def badge():
            page.goto(f"{live_server.url}/participants/{slug}")
            image = page.get_by_role("img", name="KINDNS status")
            expect(image).to_be_visible()
            # The badge as the browser fetched it, and its words.
            svg = page.request.get(live_server.url + image.get_attribute("src")).text()
            states.append(re.search(r'aria-label="([^"]+)"', svg).group(1))

        badge()
        make_run(zone, {"axfr-restricted": "fail"})
        badge()
        make_run(zone, default="error")
        badge()
        make_run(zone)
        badge()
    assert states == ["KINDNS: not yet checked", "KINDNS: 1 failing", "KINDNS: not measured", "KINDNS: verified"]
