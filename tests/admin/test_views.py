"""The staff area through the test client, with real CSRF tokens."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from kindns.extensions import db
from kindns.models import AuditEvent, Organisation, RegionOverride
from tests.conformance.factories import make_run
from tests.enrolment.helpers import answer_everything, post_form
from tests.factories import make_organisation, make_user


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def staff(client, auth):
    user = make_user("staff@example.org", is_staff=True)
    auth.login_as(user)
    return user


@pytest.fixture
def submitted():
    organisation = make_organisation("Submitted Networks", status="submitted", zones=("example.net",))
    organisation.contact_name = "NOC"
    db.session.commit()
    make_user("owner@example.net", organisation=organisation)
    return organisation


def organisation_url(organisation, action: str = "") -> str:
    return f"/admin/organisations/{organisation.id}" + (f"/{action}" if action else "")


PAGES = ["/admin/", "/admin/organisations", "/admin/organisations/{id}", "/admin/champions", "/admin/audit",
         "/admin/regions", "/admin/conflicts"]
POSTS = ["/admin/organisations/{id}/approve", "/admin/organisations/{id}/request-changes",
         "/admin/organisations/{id}/reject", "/admin/champions", "/admin/champions/{id}/revoke",
         "/admin/regions", "/admin/regions/BR/clear"]


def test_anonymous_visitors_are_sent_to_log_in(client):
    organisation = make_organisation()
    for method, url in [("get", u) for u in PAGES] + [("post", u) for u in POSTS]:
        url = url.format(id=organisation.id)
        response = getattr(client, method)(url)
        # A POST without a token stops at the CSRF check (400) before reaching the staff check.
        assert response.status_code in ((302,) if method == "get" else (302, 400)), url
        if response.status_code == 302:
            assert "/login" in response.headers["Location"], url


def test_operators_get_403_everywhere(client, auth, outbox):
    organisation = make_organisation(status="submitted", approved=False)
    champion = make_organisation(champion="Citation.", approved=True)
    operator = make_user(organisation=make_organisation())
    auth.login_as(operator)
    for url in PAGES:
        assert client.get(url.format(id=organisation.id)).status_code == 403, url
    for url in POSTS:
        target = champion if "revoke" in url else organisation
        data = {"message": "x", "changes-message": "x", "reject-message": "x", "citation": "x",
                "organisation": str(champion.id), "country": "BR", "region": "NA"}
        response = post_form(client, url.format(id=target.id), data)
        assert response.status_code == 403, url
    db.session.expire_all()
    assert organisation.status == "submitted" and champion.is_champion
    assert db.session.get(RegionOverride, "BR") is None
    assert outbox() == []


def test_queue_and_organisation_page(client, staff, submitted):
    make_organisation("Draft Networks")
    page = text(client.get("/admin/"))
    assert "Submitted Networks" in page and "Draft Networks" not in page
    assert "Submitted for review: <strong>1</strong>" in page and "Draft: <strong>1</strong>" in page
    page = text(client.get(organisation_url(submitted)))
    assert "owner@example.net" in page and "example.net" in page and "Approve" in page
    assert "unanswered" in page
    assert client.get("/admin/organisations/999999").status_code == 404


def test_organisation_list_filters_by_status(client, staff, submitted):
    make_organisation("Approved Networks", approved=True)
    page = text(client.get("/admin/organisations?status=approved"))
    assert "Approved Networks" in page and "Submitted Networks" not in page
    page = text(client.get("/admin/organisations"))
    assert "Approved Networks" in page and "Submitted Networks" in page


def test_approve(client, staff, submitted, outbox):
    response = post_form(client, organisation_url(submitted, "approve"), prefix="approve",
                         data={"approve-message": "Welcome aboard, and thank you for the DNSSEC work."},
                         page=organisation_url(submitted))
    assert response.status_code == 302
    db.session.expire_all()
    assert submitted.status == "approved" and submitted.approved_at is not None
    (message,) = [m for m in outbox() if m["To"] == "owner@example.net"]
    assert "Welcome aboard, and thank you for the DNSSEC work." in message.get_content()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.approved"))
    assert event.user_id == staff.id and event.detail["message"].startswith("Welcome aboard")


def test_each_decision_has_its_own_message_box(client, staff, submitted):
    page = text(client.get(organisation_url(submitted)))
    for prefix in ("approve", "changes", "reject"):
        assert page.count(f'name="{prefix}-message"') == 1, prefix
    # A message typed in one decision's box is not another's: rejecting with only a welcome typed is refused.
    response = post_form(client, organisation_url(submitted, "reject"), prefix="reject",
                         data={"approve-message": "Welcome!"}, page=organisation_url(submitted))
    assert response.status_code == 400
    db.session.expire_all()
    assert submitted.status == "submitted"


def test_the_review_page_shows_where_answers_and_measurements_disagree(client, staff, submitted):
    zone = submitted.zones[0]
    make_run(zone, {"axfr-restricted": "fail"})
    assert "disagree" not in text(client.get(organisation_url(submitted)))  # no answer said "yes" yet
    answer_everything(submitted, submitted.members[0])
    page = text(client.get(organisation_url(submitted)))
    assert "The self-assessment and the measurements disagree" in page
    assert f"fails on {zone.name}" in page


def test_request_changes_reaches_the_operator_who_resubmits(app, client, auth, staff, submitted, outbox):
    response = post_form(client, organisation_url(submitted, "request-changes"), prefix="changes",
                         data={"changes-message": ""}, page=organisation_url(submitted))
    assert response.status_code == 400 and "Write a message to the operator" in text(response)
    db.session.expire_all()
    assert submitted.status == "submitted"
    response = post_form(client, organisation_url(submitted, "request-changes"), prefix="changes",
                         data={"changes-message": "Please list your secondary zones."},
                         page=organisation_url(submitted))
    assert response.status_code == 302
    db.session.expire_all()
    assert submitted.status == "changes_requested"
    (message,) = [m for m in outbox() if m["To"] == "owner@example.net"]
    assert "Please list your secondary zones." in message.get_content()

    # The operator sees the message, edits and submits again.
    owner = submitted.members[0]
    auth.logout()
    auth.login_as(owner)
    assert "Please list your secondary zones." in text(client.get("/dashboard"))
    assert post_form(client, "/dashboard/zones", {"entries": "secondary.example"}).status_code == 302
    with app.test_request_context():
        answer_everything(db.session.get(Organisation, submitted.id), owner)
    assert "Submit again" in text(client.get("/dashboard"))
    response = post_form(client, "/dashboard/submit", follow_redirects=True)
    assert "Submitted." in text(response)
    db.session.expire_all()
    assert submitted.status == "submitted"


def test_reject_needs_a_message(client, staff, submitted, outbox):
    url = organisation_url(submitted, "reject")
    response = post_form(client, url, prefix="reject", data={"reject-message": "  "}, page=organisation_url(submitted))
    assert response.status_code == 400
    response = post_form(client, url, prefix="reject", data={"reject-message": "Not an operator."},
                         page=organisation_url(submitted))
    assert response.status_code == 302
    db.session.expire_all()
    assert submitted.status == "rejected" and submitted.review_message == "Not an operator."
    # A second decision is refused with a message, not applied.
    response = post_form(client, organisation_url(submitted, "approve"), follow_redirects=True)
    assert "Only a submitted organisation" in text(response)
    db.session.expire_all()
    assert submitted.status == "rejected"


def test_champions_designate_and_revoke(client, staff):
    organisation = make_organisation("Approved Networks", approved=True, zones=("approved.example",))
    make_run(organisation.zones[0])  # verified: designated without a second question
    draft = make_organisation("Draft Networks")
    page = text(client.get("/admin/champions"))
    assert "Approved Networks" in page and "Draft Networks" not in page
    assert '<option selected value="">Choose an organisation</option>' in page  # nobody preselected
    response = post_form(client, "/admin/champions", {"citation": "Picked nobody."}, page="/admin/champions")
    assert response.status_code == 400 and "Choose an organisation." in text(response)
    response = post_form(client, "/admin/champions", {"organisation": draft.id, "citation": "No."},
                         page="/admin/champions")
    assert response.status_code == 400
    response = post_form(client, "/admin/champions", {"organisation": organisation.id, "citation": "x" * 301},
                         page="/admin/champions")
    assert response.status_code == 400 and "300" in text(response)
    response = post_form(client, "/admin/champions",
                         {"organisation": organisation.id, "citation": "Ran DNSSEC training in 2026."},
                         page="/admin/champions")
    assert response.status_code == 302
    db.session.expire_all()
    assert organisation.is_champion and organisation.champion_citation == "Ran DNSSEC training in 2026."
    assert not draft.is_champion
    assert "Ran DNSSEC training in 2026." in text(client.get("/admin/champions"))

    # The citation can be corrected.
    response = post_form(client, f"/admin/champions/{organisation.id}", {"citation": "Taught DNSSEC in 2026."},
                         page=f"/admin/champions/{organisation.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert organisation.champion_citation == "Taught DNSSEC in 2026."

    # Revoking asks first; only the confirmed post revokes.
    asked = post_form(client, f"/admin/champions/{organisation.id}/revoke")
    assert asked.status_code == 200 and "Revoke Approved Networks as a champion?" in text(asked)
    db.session.expire_all()
    assert organisation.is_champion
    assert post_form(client, f"/admin/champions/{organisation.id}/revoke", {"confirmed": "1"}).status_code == 302
    db.session.expire_all()
    assert not organisation.is_champion
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["champion.designated", "champion.designated", "champion.revoked"]


def test_designating_a_participant_that_is_not_verified_asks_first(client, staff):
    organisation = make_organisation("Failing Networks", approved=True, zones=("failing.example",))
    make_run(organisation.zones[0], {"axfr-restricted": "fail"})
    data = {"organisation": organisation.id, "citation": "Great outreach."}
    asked = post_form(client, "/admin/champions", data, page="/admin/champions")
    assert asked.status_code == 200
    assert "Designate Failing Networks although it is not verified?" in text(asked)
    assert "1 failing" in text(asked)
    db.session.expire_all()
    assert not organisation.is_champion
    response = post_form(client, "/admin/champions", {**data, "confirmed": "1"}, page="/admin/champions")
    assert response.status_code == 302
    db.session.expire_all()
    assert organisation.is_champion and organisation.champion_citation == "Great outreach."


def test_region_override_and_clear(client, staff):
    organisation = make_organisation(country="BR")
    response = post_form(client, "/admin/regions", {"country": "BR", "region": "NA"}, page="/admin/regions")
    assert response.status_code == 302
    db.session.expire_all()
    assert organisation.region == "NA"
    page = text(client.get("/admin/regions"))
    assert "Brazil (BR)" in page
    response = post_form(client, "/admin/regions", {"country": "BR", "region": "MARS"}, page="/admin/regions")
    assert response.status_code == 400
    assert post_form(client, "/admin/regions/BR/clear").status_code == 302
    db.session.expire_all()
    assert organisation.region == "LAC"
    assert post_form(client, "/admin/regions/BR/clear").status_code == 404


def test_audit_log_page_filters_and_paginates(app, client, staff):
    app.config["KINDNS_PAGE_SIZE"] = 2
    first = make_organisation("First Networks", approved=True)
    second = make_organisation("Second Networks", approved=True)
    post_form(client, "/admin/champions", {"organisation": first.id, "citation": "First citation.",
                                           "confirmed": "1"}, page="/admin/champions")
    post_form(client, "/admin/champions", {"organisation": second.id, "citation": "Second citation.",
                                           "confirmed": "1"}, page="/admin/champions")
    post_form(client, f"/admin/champions/{first.id}/revoke", {"confirmed": "1"})
    page = text(client.get("/admin/audit"))
    assert "champion.revoked" in page and "Second citation." in page
    assert "staff@example.org" in page and "Page 1 of 2" in page
    page = text(client.get("/admin/audit?page=2"))
    assert "First citation." in page and "champion.revoked" not in page
    page = text(client.get(f"/admin/audit?organisation={second.id}"))
    assert "Second citation." in page and "champion.revoked" not in page
    assert client.get("/admin/audit?organisation=999999").status_code == 404


def test_conflicts_page_links_both_organisations(client, staff):
    first = make_organisation("First Networks", zones=("shared.example",))
    second = make_organisation("Second Networks", zones=("shared.example", "own.example"))
    page = text(client.get("/admin/conflicts"))
    assert "shared.example" in page and "own.example" not in page
    assert f'href="/admin/organisations/{first.id}"' in page and f'href="/admin/organisations/{second.id}"' in page
    page = text(client.get(organisation_url(first)))
    assert "also declared by" in page and f'href="/admin/organisations/{second.id}"' in page


def test_hostile_names_are_escaped_in_the_staff_area(client, staff):
    payload = "<script>alert(1)</script>"
    organisation = make_organisation(payload, status="submitted", zones=("shared.example",))
    make_organisation("Other", zones=("shared.example",))
    db.session.add(AuditEvent(action="organisation.updated", organisation=organisation,
                              detail={"changes": {"name": {"old": "Before", "new": payload}}}))
    db.session.commit()
    for url in ("/admin/", "/admin/organisations", organisation_url(organisation), "/admin/audit",
                "/admin/conflicts"):
        page = text(client.get(url))
        assert payload not in page, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url


def test_every_staff_page_is_behind_the_staff_guard(app, client, auth):
    """Every URL under /admin belongs to the staff area's blueprint, whose one guard runs before each of its
    views: a page added anywhere else under /admin would fail here."""
    rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/admin")]
    assert rules and all(rule.endpoint.startswith("admin.") for rule in rules), \
        [rule.endpoint for rule in rules if not rule.endpoint.startswith("admin.")]
    pages = [rule.rule for rule in rules if "GET" in rule.methods and not rule.arguments]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    auth.login_as(make_user())
    for url in pages:
        assert client.get(url).status_code == 403, url


def test_an_approved_organisations_new_name_waits_for_staff(client, auth, staff, outbox):
    organisation = make_organisation("Old Name Networks", approved=True)
    owner = make_user("owner@oldname.example", organisation=organisation)
    auth.logout()
    auth.login_as(owner)
    fields = {"name": "New Name Networks", "website": "https://new.example", "country": "BR",
              "categories": "sld-zones", "contact_name": "NOC", "contact_email": "noc@oldname.example"}
    response = post_form(client, "/dashboard/organisation", fields, page="/dashboard/organisation",
                         follow_redirects=True)
    assert "shown once KINDNS staff accept it" in text(response)
    db.session.expire_all()
    assert organisation.name == "Old Name Networks" and organisation.pending_name == "New Name Networks"
    assert "Old Name Networks" in text(client.get(f"/participants/{organisation.slug}"))
    assert "New Name Networks" not in text(client.get(f"/participants/{organisation.slug}"))
    assert 'value="New Name Networks"' in text(client.get("/dashboard/organisation"))  # the operator sees its ask
    (notice,) = [m for m in outbox() if m["To"] == staff.email]
    assert "asks to change its public name or website" in notice["Subject"]
    assert "New Name Networks" in notice.get_content()

    auth.logout()
    auth.login_as(staff)
    assert "Old Name Networks" in text(client.get("/admin/"))  # listed among the changes to review
    page = text(client.get(organisation_url(organisation)))
    assert "Changes waiting for review" in page and "New Name Networks" in page
    response = post_form(client, organisation_url(organisation, "changes/accept"), page=organisation_url(organisation))
    assert response.status_code == 302
    db.session.expire_all()
    assert organisation.name == "New Name Networks" and organisation.pending_name is None
    assert organisation.website == "https://new.example"
    assert "New Name Networks" in text(client.get(f"/participants/{organisation.slug}"))


def test_staff_decline_a_change_with_a_reason(client, staff, outbox):
    organisation = make_organisation("Steady Networks", approved=True)
    make_user("owner@steady.example", organisation=organisation)
    organisation.pending_name = "Spam Networks"
    db.session.commit()
    url = organisation_url(organisation, "changes/decline")
    response = post_form(client, url, prefix="decline", data={"decline-message": ""},
                         page=organisation_url(organisation))
    assert response.status_code == 400
    response = post_form(client, url, prefix="decline", data={"decline-message": "This is not your name."},
                         page=organisation_url(organisation))
    assert response.status_code == 302
    db.session.expire_all()
    assert organisation.name == "Steady Networks" and organisation.pending_name is None
    (message,) = [m for m in outbox() if m["To"] == "owner@steady.example"]
    assert "This is not your name." in message.get_content()
