"""Staff services, called directly."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from kindns.admin import services
from kindns.enrolment import services as enrolment
from kindns.extensions import db
from kindns.models import AuditEvent, RegionOverride
from tests.enrolment.helpers import make_operator, ready_to_submit
from tests.factories import make_organisation, make_user

pytestmark = pytest.mark.usefixtures("ctx")


@pytest.fixture
def staff():
    return make_user("staff@example.org", is_staff=True)


@pytest.fixture
def submitted():
    user, organisation = ready_to_submit("Submitted Networks")
    enrolment.submit(organisation, user)
    return organisation


@pytest.fixture
def operator_mail(outbox, staff):
    """The messages sent to anyone but staff (who hear of every submission)."""
    return lambda: [m for m in outbox() if m["To"] != staff.email]


def test_staff_hear_of_a_submission(staff, outbox):
    user, organisation = ready_to_submit("Eager Networks")
    enrolment.submit(organisation, user)
    (notice,) = outbox()
    assert notice["To"] == staff.email and "Eager Networks submitted its enrolment" in notice["Subject"]
    assert f"/admin/organisations/{organisation.id}" in notice.get_content()


def last_event(action: str) -> AuditEvent:
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc())
    ).first()


def test_approve(staff, submitted, operator_mail):
    services.approve(submitted, staff)
    assert submitted.status == "approved" and submitted.approved_at is not None
    event = last_event("organisation.approved")
    assert event.user_id == staff.id and event.organisation_id == submitted.id
    assert event.detail == {"old_status": "submitted", "new_status": "approved"}
    (message,) = operator_mail()
    assert message["To"] == submitted.members[0].email and "enrolled" in message["Subject"]
    with pytest.raises(services.StaffActionError):
        services.approve(submitted, staff)


def test_request_changes_mails_the_message_to_every_member(staff, submitted, operator_mail):
    colleague = make_user(organisation=submitted)
    services.request_changes(submitted, staff, "  Please declare your secondary zones.  ")
    assert submitted.status == "changes_requested"
    assert submitted.review_message == "Please declare your secondary zones."
    (message,) = operator_mail()
    assert colleague.email in message["To"] and submitted.members[0].email in message["To"]
    assert "Please declare your secondary zones." in message.get_content()
    assert last_event("organisation.changes_requested").detail["message"] == "Please declare your secondary zones."
    # The operator edits and submits again.
    owner = next(m for m in submitted.members if m.organisation_role == "owner")
    enrolment.add_zones(submitted, owner, "secondary.example")
    enrolment.submit(submitted, owner)
    assert submitted.status == "submitted"


def test_reject_needs_a_message(staff, submitted, operator_mail):
    with pytest.raises(services.StaffActionError):
        services.reject(submitted, staff, "   ")
    assert submitted.status == "submitted" and operator_mail() == []
    services.reject(submitted, staff, "Not a DNS operator.")
    assert submitted.status == "rejected"
    assert "Not a DNS operator." in operator_mail()[0].get_content()
    with pytest.raises(services.StaffActionError):
        services.request_changes(submitted, staff, "Too late.")


def test_decisions_mail_the_public_contact_when_nobody_joined(staff, outbox):
    organisation = make_organisation(status="submitted")
    services.request_changes(organisation, staff, "Tell us more.")
    assert outbox()[0]["To"] == organisation.contact_email


def test_only_submitted_organisations_are_decided(staff):
    organisation = make_organisation()
    for decide in (lambda: services.approve(organisation, staff),
                   lambda: services.request_changes(organisation, staff, "x"),
                   lambda: services.reject(organisation, staff, "x")):
        with pytest.raises(services.StaffActionError):
            decide()
    assert organisation.status == "draft"
    assert last_event("organisation.approved") is None


def test_champions(staff):
    organisation = make_organisation(approved=True)
    with pytest.raises(services.StaffActionError):
        services.designate_champion(organisation, staff, "x" * 301)
    with pytest.raises(services.StaffActionError):
        services.designate_champion(make_organisation(), staff, "Not approved yet.")
    services.designate_champion(organisation, staff, "Led DNSSEC workshops across the region.")
    assert organisation.is_champion and organisation.champion_since is not None
    assert services.champions() == [organisation]
    assert last_event("champion.designated").detail == {
        "citation": "Led DNSSEC workshops across the region.", "old_citation": None}
    services.revoke_champion(organisation, staff)
    assert not organisation.is_champion and organisation.champion_citation == ""
    assert last_event("champion.revoked").user_id == staff.id
    with pytest.raises(services.StaffActionError):
        services.revoke_champion(organisation, staff)


def test_a_region_override_moves_that_countrys_organisations(staff):
    brazilian = make_organisation(country="BR")
    argentinian = make_organisation(country="AR")
    assert services.set_region_override("br", "NA", staff) == 1
    assert brazilian.region == "NA" and argentinian.region == "LAC"
    assert db.session.get(RegionOverride, "BR").region == "NA"
    setting = last_event("region.override_set")
    assert setting.detail == {"country": "BR", "organisations": 1, "old": "LAC", "new": "NA"}
    assert setting.user_id == staff.id
    moved = last_event("organisation.region_changed")
    assert moved.organisation_id == brazilian.id and moved.detail["new"] == "NA"
    summary = {row.code: row for row in services.region_summary()}
    assert summary["NA"].organisations == 1 and summary["NA"].countries == 9
    # New organisations of that country follow the correction; clearing returns to the data file.
    _, new = make_operator(country="BR")
    assert new.region == "NA"
    assert services.clear_region_override("BR", staff) == 2
    assert brazilian.region == "LAC" and new.region == "LAC"
    assert db.session.get(RegionOverride, "BR") is None
    with pytest.raises(services.StaffActionError):
        services.set_region_override("ZZ", "EU", staff)
    with pytest.raises(services.StaffActionError):
        services.set_region_override("BR", "XX", staff)


def test_zone_conflicts_list_every_declaring_organisation():
    first = make_organisation("First", zones=("shared.example", "first.example"))
    second = make_organisation("Second", zones=("shared.example",))
    (conflict,) = services.zone_conflicts()
    assert conflict[0] == "shared.example"
    assert {z.organisation_id for z in conflict[1]} == {first.id, second.id}
    assert services.other_declarers(first) == {"shared.example": [second]}


def test_status_counts_and_queue(staff):
    older = make_organisation(status="submitted")
    make_organisation(approved=True)
    assert services.status_counts()["submitted"] == 1 and services.status_counts()["approved"] == 1
    assert services.status_counts()["rejected"] == 0
    assert services.review_queue() == [older]


def test_audit_events_newest_first_paginated_and_filtered(app, staff):
    app.config["KINDNS_PAGE_SIZE"] = 2
    user, organisation = make_operator()
    enrolment.add_zones(organisation, user, "a.example\nb.example\nc.example")
    page = services.audit_events(organisation.id, page=1)
    assert page.total == 4 and page.pages == 2
    assert [e.detail.get("zone") for e in page.items] == ["c.example", "b.example"]
    assert services.audit_events(make_organisation().id).total == 0


def test_recent_changes_to_approved_show_operator_edits_only(staff):
    user, organisation = ready_to_submit()
    enrolment.submit(organisation, user)
    services.approve(organisation, staff)
    assert services.recent_changes_to_approved() == []
    enrolment.add_zones(organisation, user, "later.example")
    (event,) = services.recent_changes_to_approved()
    assert event.action == "zone.added" and event.user_id == user.id
