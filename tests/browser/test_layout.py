"""Every page fits the window, on a phone (390 px) and on a laptop (1280 px): no sideways scrolling of the
page itself (a wide table scrolls inside its own box), whatever the data, long names and advice included.
Also what a keyboard user meets first: the skip link."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from kindns.conformance.standing import take_region_snapshot
from kindns.demo.seed import seed_demo
from kindns.enrolment import services as enrolment
from tests.browser.conftest import PASSWORD, log_in
from tests.conformance.factories import make_run, store_findings
from tests.factories import make_organisation, make_user

pytestmark = pytest.mark.browser

WIDTHS = (390, 1280)
LONG_ADVICE = ("Publish the DS record of your key-signing key at the parent (through your registrar). Reproduce "
               "with: dig @ns1.a-really-long-nameserver-name.of-some-operator.example "
               "averyveryverylongzonename-with-many-parts.example.example.example DNSKEY +dnssec +multi "
               "+norecurse +nocookie +bufsize=1232")


@pytest.fixture
def registry(live_server):
    """A registry with demo participants, one with long names, IDN zones, failing checks with long advice,
    a champion, history on the leaderboard, an operator and a staff account."""
    with live_server.app.app_context(), live_server.app.test_request_context():
        seed_demo()
        org = make_organisation(
            "Cooperativa de Servicios Públicos de Telecomunicaciones y Tecnologías de la Información Limitada",
            approved=True, categories=("critical-zones", "shared-resolvers"),
            zones=("averyveryverylongzonename-with-many-parts.example.example.example", "xn--bcher-kva.example"),
            resolvers=("2001:db8:ffff:ffff:ffff:ffff:ffff:53",), champion="Hosted three KINDNS workshops. " * 9)
        operator = make_user("noc@coop.example", password=PASSWORD, organisation=org)
        for zone in org.zones:
            make_run(zone, finished_at=datetime.now(timezone.utc) - timedelta(days=1))
            run = make_run(zone, {"dnssec-signed": "fail", "axfr-restricted": "fail", "ns-count": "error",
                                  "ns-diversity": "warn"})
            for result in run.results:
                result.advice = LONG_ADVICE
                result.summary = "ns1.a-really-long-nameserver-name.of-some-operator.example (2001:db8::53): " * 3
            # The fix-it advice, with the zone's long name in its configuration lines.
            store_findings(run, "axfr-restricted", "AXFR_ALLOWED", LONG_ADVICE.split("with: ")[1],
                           server={"code": "server", "args": {"name": "ns1.example.", "address": "2001:db8::53"}})
        org.zones[0].software = "windows"  # PowerShell: the longest lines of the advice
        make_run(org.resolvers[0], {"resolver-access-control": "fail"})
        enrolment.save_assessment(org, operator, {"critical-zones-2": enrolment.Answer(True, "TSIG " * 400)})
        make_user("staff@icann.example", password=PASSWORD, is_staff=True)
        take_region_snapshot()
        from kindns.extensions import db

        db.session.commit()
        return {"slug": org.slug, "org_id": org.id, "zone_id": org.zones[0].id, "campaign": _campaign()}


def _campaign() -> str:
    """A campaign with long names, measured in part, for the observatory's tables and charts."""
    from kindns.extensions import db
    from kindns.observatory import services as campaigns
    from kindns.observatory.models import CampaignZone

    zones = "".join(f"zone-{n}.averyveryverylongnamespace-with-many-parts.example {c}\n"
                    for n, c in enumerate(("BR", "PY", "AR", "")))
    campaign = campaigns.create_campaign("Cooperativa de Servicios Públicos, campaña de diciembre de 2026",
                                         "averyveryverylongnamespace-with-many-parts.example", zones.encode(), None)
    campaign.started_at = datetime.now(timezone.utc)
    for zone, verdicts in zip(db.session.scalars(db.select(CampaignZone)), ("p" * 13, "f" * 13, "n" * 13)):
        zone.verdicts, zone.measured_at = verdicts, datetime.now(timezone.utc)
    db.session.commit()
    return campaign.slug


def _overflow(page) -> int:
    """How many pixels the page is wider than the window (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _widest(page) -> str:
    """What sticks out of the window (outside the boxes that scroll on their own), for the failure message."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('body *'))
        .filter(e => !e.closest('.table-scroll') && (e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0
                      || e.getBoundingClientRect().right > window.innerWidth + 0.5))
        .slice(-3).map(e => `${e.tagName}.${e.className} (${e.scrollWidth} px)`).join('; ')""")


def _check_pages(page, base: str, paths: list[str]) -> list[str]:
    """What is too wide among `paths` (each must answer 200, but for the one that tests the 404 page)."""
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            response = page.goto(base + path)
            assert response.status == (404 if path == "/no-such-page" else 200), path
            extra = _overflow(page)
            if extra > 0:
                problems.append(f"{path} at {width} px is {extra} px too wide: {_widest(page)}")
    return problems


def test_public_pages_fit_a_phone_and_a_laptop(live_server, page, registry):
    paths = ["/", "/participants", f"/participants/{registry['slug']}", "/champions", "/leaderboard",
             "/login", "/register", "/forgot-password", "/participants?q=zzz", "/no-such-page", "/observatory",
             f"/observatory/{registry['campaign']}"]
    problems = _check_pages(page, live_server.url, paths)
    assert not problems, "\n".join(problems)


def test_operator_pages_fit_a_phone_and_a_laptop(live_server, page, registry):
    log_in(page, live_server.url, "noc@coop.example")
    paths = ["/dashboard", "/dashboard/organisation", "/dashboard/zones", "/dashboard/resolvers",
             "/dashboard/assessment", "/dashboard/checks", "/dashboard/members",
             f"/dashboard/zones/{registry['zone_id']}/report", f"/dashboard/zones/{registry['zone_id']}/report?software=bind"]
    problems = _check_pages(page, live_server.url, paths)
    assert not problems, "\n".join(problems)


def test_staff_pages_fit_a_phone_and_a_laptop(live_server, page, registry):
    log_in(page, live_server.url, "staff@icann.example")
    paths = ["/admin/", "/admin/organisations", f"/admin/organisations/{registry['org_id']}", "/admin/champions",
             "/admin/regions", "/admin/conflicts", "/admin/audit", "/admin/disputes", "/admin/campaigns/",
             "/admin/campaigns/new",
             f"/dashboard/zones/{registry['zone_id']}/report"]
    problems = _check_pages(page, live_server.url, paths)
    assert not problems, "\n".join(problems)


def test_chart_labels_stay_readable_on_a_phone(live_server, page, registry):
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(live_server.url + "/leaderboard")
    heights = page.evaluate("Array.from(document.querySelectorAll('svg text')).map(t => t.getBoundingClientRect().height)")
    assert heights and min(heights) >= 12, heights  # about the page's small print, not a smudge


def test_the_skip_link_is_the_first_stop_and_leads_to_the_content(live_server, page, registry):
    page.goto(live_server.url + "/participants")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to the content"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
