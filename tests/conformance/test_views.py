"""Conformance pages through the test client, with stored runs (measuring is tested against the DNS lab)."""
from __future__ import annotations

import html
import re
from xml.etree import ElementTree

from kindns.conformance.models import CheckRun, Dispute
from kindns.extensions import db
from tests.conformance.factories import make_run
from tests.factories import make_organisation, make_user
from tests.helpers import csrf_token_from, submit_form


def card(page: str, check_id: str) -> str:
    """A report's card for one check."""
    found = re.search(rf'<article[^>]*id="check-{re.escape(check_id)}".*?</article>', page, re.S)
    assert found is not None, f"no card for {check_id}"
    return found.group(0)


def _operator(**org):
    organisation = make_organisation(approved=True, **{"zones": ("example.org",), **org})
    return make_user(email=f"noc-{organisation.slug}@example.org", organisation=organisation), organisation


def test_report_shows_verdicts_evidence_advice_and_changes(client, auth):
    user, org = _operator()
    zone = org.zones[0]
    make_run(zone)
    make_run(zone, {"axfr-restricted": "fail"})
    auth.login_as(user)
    page = client.get(f"/dashboard/zones/{zone.id}/report").get_data(as_text=True)
    row = card(page, "axfr-restricted")
    assert "verdict-fail" in row and "axfr-restricted is fail" in row
    assert "<p>Fix axfr-restricted.</p>" in row  # the advice, and apart from it the command that shows the fault
    assert "<pre aria-labelledby=\"command-axfr-restricted\"><code>dig @192.0.2.1 example.org SOA</code></pre>" in row
    assert "was pass" in row  # what changed since the previous run
    assert "192.0.2.1" in row and "NOERROR" in row  # the evidence
    assert "was pass" not in card(page, "transport")
    # Problems first: the failing check leads the report.
    assert page.index('id="check-axfr-restricted"') < page.index('id="check-transport"')


def test_another_operator_gets_404_on_reports_checks_and_disputes(client, auth):
    _owner, org = _operator()
    intruder, _ = _operator(name="Other Networks")
    run = make_run(org.zones[0], {"transport": "fail"})
    resolver_org = make_organisation(approved=True, resolvers=("192.0.2.53",), categories=("public-resolvers",))
    auth.login_as(intruder)
    token = csrf_token_from(client.get("/dashboard/checks").data)
    zone_id, result_id = org.zones[0].id, run.results[0].id
    assert client.get(f"/dashboard/zones/{zone_id}/report").status_code == 404
    assert client.get(f"/dashboard/resolvers/{resolver_org.resolvers[0].id}/report").status_code == 404
    assert client.post(f"/dashboard/zones/{zone_id}/check", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/dashboard/results/{result_id}/dispute",
                       data={"csrf_token": token, "note": "not mine"}).status_code == 404
    assert db.session.scalar(db.select(db.func.count(Dispute.id))) == 0


def test_anonymous_is_sent_to_login(client):
    _user, org = _operator()
    response = client.get(f"/dashboard/zones/{org.zones[0].id}/report")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_check_now_queues_one_run_and_says_so(client, auth, queued):
    user, org = _operator()
    zone_id = org.zones[0].id
    auth.login_as(user)
    pending = queued()
    first = submit_form(client, f"/dashboard/zones/{zone_id}/check", {},
                        form_url=f"/dashboard/zones/{zone_id}/report", follow_redirects=True)
    assert "is queued" in first.get_data(as_text=True)
    assert "A check is under way" in first.get_data(as_text=True)
    token = csrf_token_from(client.get("/dashboard/checks").data)
    second = client.post(f"/dashboard/zones/{zone_id}/check", data={"csrf_token": token}, follow_redirects=True)
    assert "already under way" in second.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(CheckRun.id))) == 1
    assert queued() == pending + 1


def test_check_now_needs_the_csrf_token(client, auth):
    user, org = _operator()
    auth.login_as(user)
    assert client.post(f"/dashboard/zones/{org.zones[0].id}/check").status_code == 400
    assert db.session.scalar(db.select(db.func.count(CheckRun.id))) == 0


def test_check_now_is_rate_limited_per_organisation(app, client, auth):
    app.config["KINDNS_CHECK_NOW_LIMIT"] = "2 per hour"
    user, org = _operator(zones=("a.example", "b.example", "c.example"))
    auth.login_as(user)
    token = csrf_token_from(client.get("/dashboard/checks").data)
    codes = [client.post(f"/dashboard/zones/{zone.id}/check", data={"csrf_token": token}).status_code
             for zone in org.zones]
    assert codes == [302, 302, 429]


def test_dispute_reaches_staff_and_the_answer_reaches_the_operator(client, auth, outbox):
    user, org = _operator()
    staff = make_user(email="staff@icann.example", is_staff=True)
    run = make_run(org.zones[0], {"ns-diversity": "warn"})
    result = next(r for r in run.results if r.check_id == "ns-diversity")
    auth.login_as(user)
    report = f"/dashboard/zones/{org.zones[0].id}/report"
    response = submit_form(client, f"/dashboard/results/{result.id}/dispute",
                           {"note": "Our two servers are in different ASes <b>really</b>"}, form_url=report,
                           follow_redirects=True)
    assert "was sent to staff" in response.get_data(as_text=True)
    [notice] = outbox()  # staff hear of it at once
    assert notice["To"] == staff.email and "disputes a verdict on example.org" in notice["Subject"]
    assert "different ASes" in notice.get_content() and "/admin/disputes" in notice.get_content()
    auth.logout()
    auth.login_as(staff)
    listing = client.get("/admin/disputes").get_data(as_text=True)
    assert "&lt;b&gt;really&lt;/b&gt;" in listing and "Nameservers are in different networks" in listing
    dispute_id = db.session.scalar(db.select(Dispute.id))
    submit_form(client, f"/admin/disputes/{dispute_id}/answer", {"answer": "Confirmed: AS data was stale."},
                form_url="/admin/disputes")
    message = outbox()[-1]
    assert user.email in message["To"] and "Confirmed: AS data was stale." in message.get_content()
    auth.logout()
    auth.login_as(user)
    assert "Confirmed: AS data was stale." in client.get(report).get_data(as_text=True)


def test_staff_only_dispute_pages(client, auth):
    user, _org = _operator()
    assert client.get("/admin/disputes").status_code == 302
    auth.login_as(user)
    assert client.get("/admin/disputes").status_code == 403


def _badge_text(client, slug):
    response = client.get(f"/badge/{slug}.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.cache_control.max_age == 300
    svg = ElementTree.fromstring(response.data)
    return svg.get("aria-label")


def _badge_colour(client, slug):
    svg = ElementTree.fromstring(client.get(f"/badge/{slug}.svg").data)
    return svg.findall("{http://www.w3.org/2000/svg}rect")[1].get("fill")


def test_badge_follows_the_status(client):
    _user, org = _operator()
    assert _badge_text(client, org.slug) == "KINDNS: not yet checked"
    make_run(org.zones[0], {"dnssec-signed": "fail", "dnssec-valid": "n/a"})
    assert _badge_text(client, org.slug) == "KINDNS: 1 failing"
    assert _badge_colour(client, org.slug) == "#cf222e"
    make_run(org.zones[0], default="error")
    assert _badge_text(client, org.slug) == "KINDNS: not measured"  # never "failing" when nothing failed
    assert _badge_colour(client, org.slug) != "#cf222e"
    make_run(org.zones[0])
    assert _badge_text(client, org.slug) == "KINDNS: verified"


def test_status_lines_count_failures_and_errors_apart(client, auth):
    user, org = _operator()
    make_run(org.zones[0], {"transport": "fail", "axfr-restricted": "fail", "ns-count": "error"})
    auth.login_as(user)
    page = client.get("/dashboard/checks").get_data(as_text=True)
    assert "Not verified</strong>: 2 checks fail, 1 could not be measured" in page


def test_badge_of_unknown_or_unapproved_is_404(client):
    draft = make_organisation()
    assert client.get("/badge/no-such.svg").status_code == 404
    assert client.get(f"/badge/{draft.slug}.svg").status_code == 404


def test_public_page_shows_verdicts_without_evidence(client):
    _user, org = _operator()
    make_run(org.zones[0], {"transport": "fail"})
    page = client.get(f"/participants/{org.slug}").get_data(as_text=True)
    assert "Not verified" in page and "transport" in page and "verdict-fail" in page
    assert "192.0.2.1" not in page and "Fix transport" not in page


def test_directory_lists_each_participants_status(client):
    _user, checked = _operator(name="Checked Networks")
    make_organisation(name="Unchecked Networks", approved=True)
    make_run(checked.zones[0])
    page = client.get("/participants").get_data(as_text=True)
    assert re.search(r"Checked Networks.*?conformance-verified", page, re.S)
    assert re.search(r"Unchecked Networks.*?conformance-not-checked", page, re.S)


def test_api_checks_of_a_participant(client):
    _user, org = _operator(categories=("critical-zones",))
    make_run(org.zones[0], {"ns-consistency": "warn", "axfr-restricted": "fail"})
    body = client.get(f"/api/v1/participants/{org.slug}/checks").get_json()
    assert body["conformance"]["status"] == "not-verified"
    assert body["conformance"]["failing"] == [{"target": "example.org", "id": "axfr-restricted", "verdict": "fail"}]
    [target] = body["targets"]
    verdicts = {c["id"]: c["verdict"] for c in target["checks"]}
    assert verdicts["ns-consistency"] == "warn" and verdicts["transport"] == "pass"
    assert "evidence" not in target["checks"][0]
    assert client.get("/api/v1/participants/no-such/checks").status_code == 404
    assert client.get("/api/v1/participants/no-such/checks").is_json


def test_leaderboard_carries_conformance_figures_and_history(client):
    from kindns.conformance.standing import take_region_snapshot

    _user, org = _operator(country="BR")
    make_run(org.zones[0])
    take_region_snapshot()
    body = client.get("/api/v1/leaderboard").get_json()
    lac = next(r for r in body["regions"] if r["region"] == "LAC")
    assert (lac["verified"], lac["dnssec_signed_share"], lac["checks_passing_share"]) == (1, 1.0, 1.0)
    eu = next(r for r in body["regions"] if r["region"] == "EU")
    assert (eu["verified"], eu["dnssec_signed_share"]) == (0, None)
    assert {h["region"] for h in body["history"]} == {"AF", "AP", "EU", "LAC", "NA"}
    page = client.get("/leaderboard").get_data(as_text=True)
    assert "history-chart" in page and ">100%</text>" in page  # the axis, as English writes a percentage
    french = client.get("/leaderboard?lang=fr").get_data(as_text=True)
    assert "100\u00a0%</text>" in french or "100\u202f%</text>" in french  # as French writes it


def test_the_status_endpoint_says_whether_a_check_is_under_way(client, auth):
    user, org = _operator()
    zone = org.zones[0]
    auth.login_as(user)
    status_url = f"/dashboard/zones/{zone.id}/status"
    assert client.get(status_url).get_json()["active"] is None
    submit_form(client, f"/dashboard/zones/{zone.id}/check", {}, form_url=f"/dashboard/zones/{zone.id}/report")
    body = client.get(status_url).get_json()
    assert body["active"]["status"] == "queued" and body["report"] == f"/dashboard/zones/{zone.id}/report"
    page = client.get(f"/dashboard/zones/{zone.id}/report").get_data(as_text=True)
    assert f'data-status-url="{status_url}"' in page and "js/report-refresh.js" in page
    intruder, _ = _operator(name="Nosy Networks")
    auth.login_as(intruder)
    assert client.get(status_url).status_code == 404


def test_past_the_limit_the_page_says_how_long_to_wait_and_leads_back(app, client, auth):
    app.config["KINDNS_CHECK_NOW_LIMIT"] = "1 per hour"
    user, org = _operator(zones=("a.example", "b.example"))
    auth.login_as(user)
    report = f"/dashboard/zones/{org.zones[1].id}/report"
    token = csrf_token_from(client.get(report).data)
    client.post(f"/dashboard/zones/{org.zones[0].id}/check", data={"csrf_token": token})
    refused = client.post(f"/dashboard/zones/{org.zones[1].id}/check", data={"csrf_token": token},
                          headers={"Referer": f"http://registry.test{report}"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert re.search(r"Try again in (60|59) minutes\.", page), page
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert f'<a href="{report}">Back to the page you came from</a>' in page


def test_the_checks_page_flags_answers_that_measurements_contradict(client, auth):
    from kindns.enrolment import services as enrolment

    user, org = _operator(categories=("sld-zones",))
    with client.application.test_request_context():
        enrolment.save_assessment(org, user, {"sld-zones-2": enrolment.Answer(True, "ACL on every server.")})
    make_run(org.zones[0], {"axfr-restricted": "fail"})
    auth.login_as(user)
    page = client.get("/dashboard/checks").get_data(as_text=True)
    assert "The self-assessment and the measurements disagree" in page
    assert "the self-assessment says yes, but “Zone transfers are restricted” fails on example.org" in \
        html.unescape(page)


def test_a_zone_that_could_not_be_measured_gets_one_finding_not_a_page_of_errors(client, auth):
    user, org = _operator()
    run = make_run(org.zones[0], default="error")
    for result in run.results:
        result.summary = "the parent test. answers NXDOMAIN for example.org."
    db.session.commit()
    auth.login_as(user)
    page = client.get(f"/dashboard/zones/{org.zones[0].id}/report").get_data(as_text=True)
    assert "Nothing could be measured" in page
    assert page.count("the parent test. answers NXDOMAIN for example.org.") == 1
    assert 'id="check-' not in page and "Dispute this verdict" not in page  # nothing to dispute one by one
    assert "verdict-fail" not in page


def test_api_checks_carry_codes_titles_and_the_asked_language(client):
    from kindns.checks.messages import msg

    _user, org = _operator()
    run = make_run(org.zones[0], {"axfr-restricted": "fail"})
    axfr = next(r for r in run.results if r.check_id == "axfr-restricted")
    finding = msg("AXFR_ALLOWED", server=msg("server", name="ns1.example.org.", address="192.0.2.1"))
    axfr.messages = {"findings": [{**finding, "verdict": "fail"}], "more": 0, "advice": ["AXFR_ALLOWED"]}
    db.session.commit()
    body = client.get(f"/api/v1/participants/{org.slug}/checks?lang=fr").get_json()
    check = next(c for c in body["targets"][0]["checks"] if c["id"] == "axfr-restricted")
    assert check["title"] == "Zone transfers are restricted"
    assert check["summary"] == "ns1.example.org. (192.0.2.1) transferred the zone to us"
    assert check["findings"] == [{"code": "AXFR_ALLOWED", "args": finding["args"], "verdict": "fail"}]
    assert check["translated"]["language"] == "fr"
    spanish = client.get(f"/api/v1/participants/{org.slug}/checks",
                         headers={"Accept-Language": "es-PY"}).get_json()
    assert spanish["targets"][0]["checks"][0]["translated"]["language"] == "es"
