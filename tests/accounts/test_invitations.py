"""Accepting an invitation to join an organisation: services and pages."""
from __future__ import annotations

import pytest

from kindns.accounts import services
from kindns.accounts.services import InvalidLink, InvitationRefused
from kindns.extensions import db
from kindns.models import AuditEvent, Invitation, User
from kindns.tokens import make_token
from tests.factories import DEFAULT_PASSWORD, make_organisation, make_user
from tests.helpers import csrf_token_from, link_in, submit_form

PASSWORD = "a long enough password"


@pytest.fixture
def organisation(app):
    org = make_organisation("Example Networks")
    make_user(email="owner@example.net", organisation=org)
    return org


def _invite(organisation, email="colleague@example.net") -> Invitation:
    invitation = Invitation(organisation=organisation, email=email, invited_by_id=organisation.members[0].id)
    db.session.add(invitation)
    db.session.commit()
    return invitation


def _url(invitation) -> str:
    return f"/invitations/{make_token('invitation', invitation.id)}"


def _fresh(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def _joined_events():
    return db.session.query(AuditEvent).filter_by(action="member.joined").all()


# --- services ---------------------------------------------------------------------------------------------

def test_accept_invitation_makes_a_member_and_records_it(organisation):
    invitation = _invite(organisation)
    user = make_user(email="Colleague@example.net")

    services.accept_invitation(invitation, user)

    assert user.organisation == organisation and user.organisation_role == "member"
    assert invitation.accepted_at is not None
    [event] = _joined_events()
    assert event.organisation == organisation and event.user == user
    assert event.detail == {"email": user.email}


def test_an_accepted_invitation_cannot_be_used_again(organisation):
    invitation = _invite(organisation)
    token = make_token("invitation", invitation.id)
    services.accept_invitation(services.invitation_from_token(token), make_user(email="colleague@example.net"))
    with pytest.raises(InvalidLink):
        services.invitation_from_token(token)


def test_an_expired_or_forged_invitation_token_is_refused(app, organisation, travel):
    token = make_token("invitation", _invite(organisation).id)
    with pytest.raises(InvalidLink):
        services.invitation_from_token(token + "x")
    with pytest.raises(InvalidLink):
        services.invitation_from_token(make_token("password-reset", _invite(organisation).id))
    travel(app.config["KINDNS_INVITATION_MAX_AGE"] + 1)
    with pytest.raises(InvalidLink):
        services.invitation_from_token(token)


def test_a_member_of_another_organisation_is_refused(organisation):
    other = make_organisation("Other Operator")
    user = make_user(email="colleague@example.net", organisation=other)
    invitation = _invite(organisation)

    with pytest.raises(InvitationRefused, match="another organisation"):
        services.accept_invitation(invitation, user)
    assert user.organisation == other and _fresh(invitation).accepted_at is None


def test_someone_else_is_refused(organisation):
    with pytest.raises(InvitationRefused, match="was sent to colleague@example.net"):
        services.accept_invitation(_invite(organisation), make_user(email="intruder@example.net"))
    assert _joined_events() == []


def test_create_account_from_invitation_is_confirmed_and_a_member(organisation):
    invitation = _invite(organisation, email="New.Colleague@example.net")

    user = services.create_account_from_invitation(invitation, PASSWORD)

    assert user.email == "new.colleague@example.net" and user.email_confirmed_at is not None
    assert user.organisation == organisation and user.organisation_role == "member"
    assert services.authenticate("new.colleague@example.net", PASSWORD) == user


def test_create_account_from_invitation_refuses_a_taken_address(organisation):
    make_user(email="colleague@example.net")
    with pytest.raises(InvitationRefused, match="log in"):
        services.create_account_from_invitation(_invite(organisation), PASSWORD)


# --- pages ------------------------------------------------------------------------------------------------

def test_a_new_person_creates_an_account_and_joins(client, organisation):
    invitation = _invite(organisation)
    url = _url(invitation)

    page = client.get(url)
    assert b"Invitation to join Example Networks" in page.data
    assert b'value="colleague@example.net" readonly' in page.data
    response = submit_form(client, url, {"password": PASSWORD, "password_confirm": PASSWORD,
                                         "email": "attacker@example.net"})  # an email in the form is ignored

    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    user = db.session.query(User).filter_by(email="colleague@example.net").one()
    assert user.organisation_id == organisation.id and user.organisation_role == "member"
    assert db.session.query(User).filter_by(email="attacker@example.net").count() == 0
    assert _fresh(invitation).accepted_at is not None
    assert len(_joined_events()) == 1
    assert b"Log out" in client.get("/").data


def test_a_used_invitation_link_shows_a_friendly_page(client, organisation):
    invitation = _invite(organisation)
    url = _url(invitation)
    submit_form(client, url, {"password": PASSWORD, "password_confirm": PASSWORD})

    response = client.get(url)

    assert response.status_code == 400
    assert b"This invitation link is invalid, has expired or has already been used." in response.data


def test_a_logged_in_invitee_joins_with_one_click(client, auth, organisation):
    invitation = _invite(organisation)
    user = make_user(email="colleague@example.net")
    auth.login_as(user)
    url = _url(invitation)

    page = client.get(url)
    assert b"Join the organisation" in page.data
    assert _fresh(user).organisation_id is None  # a GET changes nothing
    response = client.post(url, data={"csrf_token": csrf_token_from(page.data)})

    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert _fresh(user).organisation_id == organisation.id
    assert len(_joined_events()) == 1


def test_a_logged_in_member_of_another_organisation_is_refused(client, auth, organisation):
    other = make_organisation("Other Operator")
    user = make_user(email="colleague@example.net", organisation=other)
    auth.login_as(user)
    url = _url(_invite(organisation))

    page = client.get(url)
    assert b"already belongs to another organisation" in page.data
    response = client.post(url, data={"csrf_token": csrf_token_from(client.get("/").data)})

    assert response.status_code == 200
    assert _fresh(user).organisation_id == other.id
    assert _joined_events() == []


def test_an_existing_account_is_asked_to_log_in_first_and_comes_back(client, organisation):
    make_user(email="colleague@example.net")
    url = _url(_invite(organisation))

    page = client.get(url)
    assert b"exists already" in page.data
    assert b'name="password"' not in page.data
    assert f'href="/login?next={url}"'.encode() in page.data
    # The login page carries `next` as a hidden field; post it back as the browser would.
    response = submit_form(client, "/login", {"email": "colleague@example.net", "password": DEFAULT_PASSWORD,
                                              "next": url}, form_url=f"/login?next={url}")
    assert response.headers["Location"] == url


def test_the_invited_email_is_escaped(client, organisation):
    url = _url(_invite(organisation, email="<script>alert(1)</script>@example.net"))
    page = client.get(url)
    assert b"<script>alert(1)</script>" not in page.data
    assert b"&lt;script&gt;" in page.data


def test_the_link_mailed_by_an_owners_invitation_leads_to_membership(client, organisation, outbox):
    from kindns.enrolment.services import invite_member

    owner = organisation.members[0]
    invite_member(organisation, owner, "colleague@example.net")
    [message] = [m for m in outbox() if m["To"] == "colleague@example.net"]
    url = link_in(message)
    assert url.startswith("/invitations/")

    response = submit_form(client, url, {"password": PASSWORD, "password_confirm": PASSWORD})

    assert response.status_code == 302
    colleague = services.find_user_by_email("colleague@example.net")
    assert colleague.organisation_id == organisation.id and colleague.organisation_role == "member"
