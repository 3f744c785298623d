"""Enrolment services, called directly."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from kindns.conformance.targets import KINDS, find_target
from kindns.enrolment import services, status
from kindns.extensions import db
from kindns.models import AuditEvent, Invitation, Organisation, RegionOverride, Zone
from kindns.tokens import read_token
from tests.enrolment.helpers import answer_everything, details, make_operator, ready_to_submit
from tests.factories import make_organisation, make_user

pytestmark = pytest.mark.usefixtures("ctx")


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


# --- Organisation ---------------------------------------------------------------------------------------

def test_create_organisation_makes_the_user_its_owner_and_audits():
    user, organisation = make_operator("Núcleo de Informação")
    assert user.organisation is organisation and user.organisation_role == "owner"
    assert organisation.slug == "nucleo-de-informacao"
    assert organisation.region == "LAC" and organisation.status == "draft"
    assert organisation.category_ids == ["sld-zones"]
    (event,) = events("organisation.created")
    assert event.user_id == user.id and event.organisation_id == organisation.id
    assert event.detail["name"] == "Núcleo de Informação"


def test_slugs_are_unique_and_stable():
    _, first = make_operator("Acme DNS")
    _, second = make_operator("ACME  dns!")
    _, third = make_operator("acme-dns")
    assert [first.slug, second.slug, third.slug] == ["acme-dns", "acme-dns-2", "acme-dns-3"]
    user = second.members[0]
    services.update_organisation(second, user, details(name="Totally Different"))
    assert second.slug == "acme-dns-2"
    _, symbols = make_operator("!!!")
    assert symbols.slug == "organisation"


def test_a_user_has_one_organisation_and_staff_none():
    user, _ = make_operator()
    with pytest.raises(services.EnrolmentError):
        services.create_organisation(user, details(name="Second"))
    with pytest.raises(services.EnrolmentError):
        services.create_organisation(make_user(is_staff=True), details())
    assert db.session.scalar(select(db.func.count(Organisation.id))) == 1


def test_invalid_details_save_nothing():
    user = make_user()
    with pytest.raises(services.EnrolmentError) as caught:
        services.create_organisation(user, details(name="x" * 5000, country="ZZ", categories=[]))
    assert len(caught.value.messages) == 3
    assert db.session.scalar(select(db.func.count(Organisation.id))) == 0
    assert user.organisation is None
    with pytest.raises(services.EnrolmentError):
        services.create_organisation(user, details(website="javascript://example.org/%0aalert(1)"))


def test_the_region_honours_a_staff_correction():
    db.session.add(RegionOverride(country="BR", region="NA"))
    db.session.commit()
    _, organisation = make_operator()
    assert organisation.region == "NA"


def test_update_records_each_changed_field_and_keeps_approval():
    user, organisation = make_operator()
    organisation.status = status.APPROVED
    db.session.commit()
    changes = services.update_organisation(organisation, user, details(
        name="Renamed", country="DE", categories=["sld-zones", "public-resolvers"]))
    # The public name of an approved organisation waits for staff; the other details change at once.
    assert changes["name"] == {"old": "Example Networks", "new": "Renamed", "pending": True}
    assert organisation.name == "Example Networks" and organisation.pending_name == "Renamed"
    assert changes["country"] == {"old": "BR", "new": "DE"}
    assert changes["region"] == {"old": "LAC", "new": "EU"}
    assert changes["categories"] == {"old": ["sld-zones"], "new": ["public-resolvers", "sld-zones"]}
    assert "contact_email" not in changes
    assert organisation.status == status.APPROVED and organisation.region == "EU"
    (event,) = events("organisation.updated")
    assert event.user_id == user.id and event.detail["changes"]["name"]["new"] == "Renamed"
    assert event.detail["status"] == "approved"
    assert services.update_organisation(organisation, user, details(
        name="Renamed", country="DE", categories=["public-resolvers", "sld-zones"])) == {}
    assert len(events("organisation.updated")) == 1


# --- Zones and resolvers --------------------------------------------------------------------------------

def test_zones_are_normalised():
    user, organisation = make_operator()
    result = services.add_zones(organisation, user, "Example.ORG.\n\n  bücher.example  \nxn--bcher-kva.test\n")
    assert result.added == ["example.org", "xn--bcher-kva.example", "xn--bcher-kva.test"]
    assert [z.name for z in organisation.zones] == sorted(result.added)
    assert [e.detail["zone"] for e in events("zone.added")] == result.added


def test_bad_zone_lines_are_numbered_and_nothing_is_saved():
    user, organisation = make_operator()
    with pytest.raises(services.EnrolmentError) as caught:
        services.add_zones(organisation, user, "good.example\n\nex@mple.org\n" + "a" * 64 + ".example\nex..org")
    messages = caught.value.messages
    assert len(messages) == 3
    assert messages[0].startswith("line 3: 'ex@mple.org'")
    assert messages[1].startswith("line 4: ") and "63" in messages[1]
    assert messages[2].startswith("line 5: 'ex..org'")
    db.session.expire_all()
    assert organisation.zones == [] and events("zone.added") == []


def test_a_duplicate_zone_is_refused_clearly():
    user, organisation = make_operator()
    services.add_zones(organisation, user, "example.org")
    with pytest.raises(services.EnrolmentError) as caught:
        services.add_zones(organisation, user, "new.example\nEXAMPLE.org.")
    assert caught.value.messages == ["line 2: 'example.org' is already declared by your organisation."]
    with pytest.raises(services.EnrolmentError) as caught:
        services.add_zones(organisation, user, "new.example\nNew.Example")
    assert caught.value.messages == ["line 2: 'new.example' repeats line 1."]
    assert [z.name for z in organisation.zones] == ["example.org"]


def test_a_zone_of_another_organisation_is_accepted_and_flagged():
    other = make_organisation(zones=("shared.example",))
    user, organisation = make_operator()
    result = services.add_zones(organisation, user, "shared.example\nown.example")
    assert result.conflicts == ["shared.example"]
    assert services.zones_declared_elsewhere(organisation) == {"shared.example"}
    assert {e.detail["zone"]: e.detail["conflict"] for e in events("zone.added")} == {
        "shared.example": True, "own.example": False}
    assert services.zones_declared_elsewhere(other) == {"shared.example"}


def test_resolvers_are_validated_and_normalised():
    user, organisation = make_operator(categories=["public-resolvers"])
    result = services.add_resolvers(organisation, user, "192.0.2.53\n2001:DB8:0:0::53\n")
    assert result.added == ["192.0.2.53", "2001:db8::53"]
    with pytest.raises(services.EnrolmentError) as caught:
        services.add_resolvers(organisation, user, "198.51.100.1\n300.1.1.1\n::1\n192.0.2.53")
    assert [m.split(":")[0] for m in caught.value.messages] == ["line 2", "line 3", "line 4"]
    assert "not an IPv4 or IPv6 address" in caught.value.messages[0]
    assert [r.address for r in organisation.resolvers] == ["192.0.2.53", "2001:db8::53"]


def test_too_many_lines_at_once_are_refused():
    user, organisation = make_operator()
    text = "\n".join(f"z{n}.example" for n in range(services.MAX_ITEMS_PER_REQUEST + 1))
    with pytest.raises(services.EnrolmentError):
        services.add_zones(organisation, user, text)
    assert organisation.zones == []


def test_declaring_records_a_first_run_for_the_caller_to_queue():
    user, organisation = make_operator()
    result = services.add_zones(organisation, user, "a.example\nb.example")
    assert [(r.target, r.status, r.trigger) for r in result.runs] == [("a.example", "queued", "declared"),
                                                                      ("b.example", "queued", "declared")]
    assert {r.zone_id for r in result.runs} == {z.id for z in organisation.zones}


def test_removing_only_looks_within_the_organisation():
    user, organisation = make_operator()
    other = make_organisation(zones=("theirs.example",), resolvers=("192.0.2.1",))
    services.add_zones(organisation, user, "mine.example")
    assert find_target(KINDS["zone"], other.zones[0].id, organisation.id) is None
    assert find_target(KINDS["resolver"], other.resolvers[0].id, organisation.id) is None
    zone = find_target(KINDS["zone"], organisation.zones[0].id, organisation.id).row
    services.remove_zone(zone, user)
    assert organisation.zones == []
    assert db.session.scalar(select(db.func.count(Zone.id))) == 1
    (event,) = events("zone.removed")
    assert event.detail == {"zone": "mine.example"} and event.user_id == user.id


# --- Self-assessment and submission ---------------------------------------------------------------------

def test_assessment_is_saved_partially_and_changes_audited():
    user, organisation = make_operator()
    changed = services.save_assessment(organisation, user, {
        "sld-zones-1": services.Answer(True, "Signed with ECDSA; keys in an HSM."),
        "sld-zones-2": services.Answer(None, ""),
    })
    assert changed == ["sld-zones-1"]
    assert set(services.answers_by_practice(organisation)) == {"sld-zones-1"}
    assert services.save_assessment(organisation, user, {
        "sld-zones-1": services.Answer(True, "Signed with ECDSA; keys in an HSM.")}) == []
    services.save_assessment(organisation, user, {"sld-zones-1": services.Answer(False, "Planned for 2027.")})
    answer = services.answers_by_practice(organisation)["sld-zones-1"]
    assert (answer.implemented, answer.how) == (False, "Planned for 2027.")
    assert [e.detail["answers"][0]["implemented"] for e in events("assessment.updated")] == [True, False]


def test_an_explanation_needs_a_yes_or_no():
    user, organisation = make_operator()
    with pytest.raises(services.EnrolmentError) as caught:
        services.save_assessment(organisation, user, {"sld-zones-1": services.Answer(None, "With an HSM."),
                                                      "sld-zones-2": services.Answer(True, "TSIG.")})
    assert "DNSSEC-signed" in caught.value.messages[0]
    assert organisation.answers == []


def test_assessment_refuses_foreign_practices_and_long_answers():
    user, organisation = make_operator()
    with pytest.raises(services.EnrolmentError):
        services.save_assessment(organisation, user, {"public-resolvers-1": services.Answer(True, "yes")})
    with pytest.raises(services.EnrolmentError):
        services.save_assessment(organisation, user, {"sld-zones-1": services.Answer(True, "x" * 2001)})
    assert organisation.answers == []


def test_submission_needs_zones_and_every_answer():
    user, organisation = make_operator(categories=["sld-zones", "public-resolvers"])
    problems = services.submission_problems(organisation)
    assert len(problems) == 3
    assert services.next_step(organisation) == "declare"
    with pytest.raises(services.EnrolmentError):
        services.submit(organisation, user)
    services.add_zones(organisation, user, "example.net")
    services.add_resolvers(organisation, user, "192.0.2.53")
    answers = {pid: services.Answer(True, "Done.") for pid in services.assessment_practice_ids(organisation)}
    answers["platform-6"] = services.Answer(False, "")  # not implemented and no plans: not an answer
    services.save_assessment(organisation, user, answers)
    assert services.next_step(organisation) == "assess"
    assert "1 left" in services.submission_problems(organisation)[0]
    services.save_assessment(organisation, user, {"platform-6": services.Answer(False, "Next quarter.")})
    assert services.submission_problems(organisation) == []
    assert services.next_step(organisation) == "submit"
    services.submit(organisation, user)
    assert organisation.status == "submitted" and organisation.submitted_at is not None
    (event,) = events("organisation.submitted")
    assert event.detail == {"old_status": "draft", "new_status": "submitted"} and event.user_id == user.id
    with pytest.raises(services.EnrolmentError):
        services.submit(organisation, user)


@pytest.mark.parametrize("start, allowed", [
    ("draft", True), ("changes_requested", True), ("rejected", True), ("submitted", False), ("approved", False),
])
def test_submit_is_allowed_from(start, allowed):
    user, organisation = ready_to_submit()
    organisation.status = start
    db.session.commit()
    if allowed:
        services.submit(organisation, user)
        assert organisation.status == "submitted"
    else:
        with pytest.raises(services.EnrolmentError):
            services.submit(organisation, user)
        assert organisation.status == start


def test_staff_transitions_start_only_from_submitted():
    user, organisation = ready_to_submit()
    for name in ("approve", "request_changes", "reject"):
        with pytest.raises(status.TransitionNotAllowed):
            status.apply_transition(name, organisation, user)
    assert organisation.status == "draft"


# --- Members --------------------------------------------------------------------------------------------

def test_invitation_is_mailed_with_a_signed_link(app, outbox):
    owner, organisation = make_operator()
    invitation = services.invite_member(organisation, owner, "colleague@example.net")
    (message,) = outbox()
    assert message["To"] == "colleague@example.net"
    assert "Example Networks" in message["Subject"]
    body = message.get_content()
    link = re.search(r"https?://\S+", body).group(0)
    tokens = [part for part in re.split(r"[/?=&]", link) if len(part) > 20]
    assert any(read_token("invitation", t, 3600) == invitation.id for t in tokens)
    (event,) = events("member.invited")
    assert event.detail == {"email": "colleague@example.net"} and event.user_id == owner.id


def test_inviting_again_resends_and_members_are_refused(outbox):
    owner, organisation = make_operator()
    services.invite_member(organisation, owner, "colleague@example.net")
    services.invite_member(organisation, owner, "Colleague@example.net")
    assert len(outbox()) == 2
    assert db.session.scalar(select(db.func.count(Invitation.id))) == 1
    with pytest.raises(services.EnrolmentError):
        services.invite_member(organisation, owner, owner.email)
    member = make_user(organisation=organisation)
    member.organisation_role = "member"
    db.session.commit()
    with pytest.raises(PermissionError):
        services.invite_member(organisation, member, "someone@example.net")
    assert len(outbox()) == 2


def test_cancelling_an_invitation():
    owner, organisation = make_operator()
    invitation = services.invite_member(organisation, owner, "colleague@example.net")
    services.cancel_invitation(invitation, owner)
    assert services.pending_invitations(organisation) == []
    assert events("member.invitation_cancelled")[0].detail == {"email": "colleague@example.net"}


def test_ready_helper_is_ready():
    user, organisation = ready_to_submit()
    assert services.submission_problems(organisation) == []
    answer_everything(organisation, user, implemented=False)
    assert services.submission_problems(organisation) == []
