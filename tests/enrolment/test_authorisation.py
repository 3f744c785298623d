"""An operator sees and changes only its own organisation: another's object ids answer 404."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from kindns.extensions import db
from kindns.models import AuditEvent, Invitation, Resolver, Zone
from tests.enrolment.helpers import post_form
from tests.factories import make_organisation, make_user


@pytest.fixture
def first():
    """The first operator's organisation with one of everything."""
    organisation = make_organisation("First Networks", zones=("first-only.example",), resolvers=("192.0.2.1",))
    owner = make_user("owner@first.example", organisation=organisation)
    db.session.add(Invitation(organisation=organisation, email="pending@first.example", invited_by_id=owner.id))
    db.session.commit()
    return organisation


@pytest.fixture
def second(client, auth):
    """Log in as the owner of a second organisation."""
    organisation = make_organisation("Second Networks", zones=("second.example",))
    user = make_user("owner@second.example", organisation=organisation)
    auth.login_as(user)
    return organisation


def test_another_operators_objects_answer_404(client, first, second, outbox):
    zone, resolver, invitation = first.zones[0], first.resolvers[0], first.invitations[0]
    for url in (f"/dashboard/zones/{zone.id}/delete",
                f"/dashboard/resolvers/{resolver.id}/delete",
                f"/dashboard/members/invitations/{invitation.id}/cancel"):
        assert post_form(client, url, {"confirmed": "1"}).status_code == 404, url
    for url in ("/dashboard/zones/999999/delete", "/dashboard/resolvers/999999/delete",
                "/dashboard/members/invitations/999999/cancel"):
        assert post_form(client, url, {"confirmed": "1"}).status_code == 404, url
    db.session.expire_all()
    assert db.session.get(Zone, zone.id) and db.session.get(Resolver, resolver.id)
    assert db.session.get(Invitation, invitation.id)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.organisation_id == first.id)) is None


def test_another_operators_data_is_not_shown(client, first, second):
    for url in ("/dashboard", "/dashboard/organisation", "/dashboard/zones", "/dashboard/resolvers",
                "/dashboard/assessment", "/dashboard/members"):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        for secret in ("First Networks", "first-only.example", "192.0.2.1", "owner@first.example",
                       "pending@first.example"):
            assert secret not in page, (url, secret)
    assert "Second Networks" in client.get("/dashboard").get_data(as_text=True)


def test_gets_on_action_urls_are_not_allowed(client, first, second):
    assert client.get(f"/dashboard/zones/{first.zones[0].id}/delete").status_code == 405


def test_operators_changes_touch_only_their_own_organisation(client, first, second):
    assert post_form(client, "/dashboard/zones", {"entries": "new.example"}).status_code == 302
    db.session.expire_all()
    assert [z.name for z in first.zones] == ["first-only.example"]
    assert sorted(z.name for z in second.zones) == ["new.example", "second.example"]
