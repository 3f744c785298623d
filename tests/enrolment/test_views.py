"""The operator's dashboard through the test client, with real CSRF tokens."""
from __future__ import annotations

import re

from sqlalchemy import select

from kindns.extensions import db
from kindns.models import AuditEvent, Invitation, Organisation
from kindns.practices import PLATFORM_PRACTICES, CATEGORIES
from tests.enrolment.helpers import csrf_token, post_form
from tests.factories import make_organisation, make_user

ORGANISATION_FORM = {
    "name": "Example Networks", "website": "https://example.net", "country": "BR",
    "categories": ["sld-zones", "public-resolvers"], "contact_name": "NOC", "contact_email": "noc@example.net",
}


def text(response) -> str:
    return response.get_data(as_text=True)


def create_organisation(client, **overrides):
    return post_form(client, "/dashboard/organisation", {**ORGANISATION_FORM, **overrides},
                     page="/dashboard/organisation")


def test_anonymous_visitors_are_sent_to_log_in(client):
    for url in ("/dashboard", "/dashboard/organisation", "/dashboard/zones", "/dashboard/resolvers",
                "/dashboard/assessment", "/dashboard/members"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"]


def test_staff_do_not_enrol(client, auth):
    auth.login_as(make_user(is_staff=True))
    assert "staff area" in text(client.get("/dashboard"))
    for url in ("/dashboard/organisation", "/dashboard/zones", "/dashboard/assessment", "/dashboard/members"):
        assert client.get(url).status_code == 403, url


def test_pages_need_an_organisation_first(client, auth):
    auth.login_as(make_user())
    assert "Describe your organisation" in text(client.get("/dashboard"))
    response = client.get("/dashboard/zones")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard/organisation")


def test_posts_without_a_csrf_token_are_refused(client, auth):
    auth.login_as(make_user())
    response = client.post("/dashboard/organisation", data=ORGANISATION_FORM)
    assert response.status_code == 400
    assert db.session.scalar(select(db.func.count(Organisation.id))) == 0


def test_full_operator_flow(client, auth, queued):
    user = make_user()
    auth.login_as(user)

    # 1. The organisation.
    response = create_organisation(client)
    assert response.status_code == 302
    organisation = db.session.scalar(select(Organisation))
    assert organisation.slug == "example-networks" and organisation.region == "LAC"
    assert organisation.category_ids == ["public-resolvers", "sld-zones"]
    page = text(client.get("/dashboard"))
    assert "Example Networks" in page and "Declare the zones" in page

    # 2. Zones: normalised; bad lines reported by number; nothing saved on error.
    response = post_form(client, "/dashboard/zones", {"entries": "ok.example\nex@mple.org\nbad..example"})
    page = text(response)
    assert response.status_code == 200
    assert "line 2: &#39;ex@mple.org&#39;" in page and "line 3: &#39;bad..example&#39;" in page
    assert organisation.zones == []
    response = post_form(client, "/dashboard/zones", {"entries": "Example.NET.\nbücher.example"})
    assert response.status_code == 302
    db.session.expire_all()
    assert [z.name for z in organisation.zones] == ["example.net", "xn--bcher-kva.example"]
    assert queued() == 2  # each declared zone is checked at once
    assert 'bücher.example <code class="a-label">xn--bcher-kva.example</code>' in text(client.get("/dashboard/zones"))
    response = post_form(client, "/dashboard/zones", {"entries": "EXAMPLE.net"})
    assert "already declared by your organisation" in text(response)
    make_organisation("Someone Else", zones=("shared.example",))
    response = post_form(client, "/dashboard/zones", {"entries": "shared.example"}, follow_redirects=True)
    assert "Another organisation has declared shared.example too" in text(response)
    assert "Also declared by another organisation" in text(client.get("/dashboard/zones"))

    # Remove one.
    zone = next(z for z in organisation.zones if z.name == "shared.example")
    asked = post_form(client, f"/dashboard/zones/{zone.id}/delete")  # first: are you sure?
    assert asked.status_code == 200 and "Remove shared.example?" in text(asked)
    db.session.expire_all()
    assert "shared.example" in [z.name for z in organisation.zones]
    assert post_form(client, f"/dashboard/zones/{zone.id}/delete", {"confirmed": "1"}).status_code == 302
    db.session.expire_all()
    assert "shared.example" not in [z.name for z in organisation.zones]

    # 3. Resolvers.
    response = post_form(client, "/dashboard/resolvers", {"entries": "192.0.2.53\n2001:db8::1\nnot-an-ip"})
    assert "line 3: &#39;not-an-ip&#39;" in text(response)
    assert organisation.resolvers == []
    assert post_form(client, "/dashboard/resolvers", {"entries": "192.0.2.53\n2001:DB8::1"}).status_code == 302
    db.session.expire_all()
    assert [r.address for r in organisation.resolvers] == ["192.0.2.53", "2001:db8::1"]

    # 4. Self-assessment, first incomplete: submitting is refused with the reason.
    practices = list(CATEGORIES["sld-zones"].practices) + list(CATEGORIES["public-resolvers"].practices) \
        + list(PLATFORM_PRACTICES)
    page = text(client.get("/dashboard/assessment"))
    assert all(f'id="practice-{p.id}"' in page for p in practices)
    assert str(practices[0].title) in page
    first = practices[0].id.replace("-", "_")
    second = practices[1].id.replace("-", "_")
    saved = post_form(client, "/dashboard/assessment", {f"implemented_{first}": "yes", f"how_{first}": "ECDSA, HSM.",
                                                         f"implemented_{second}": "yes"},
                      page="/dashboard/assessment", follow_redirects=True)
    # Saved, and what is still missing is named and marked where it stands ("yes" without "how" included).
    page = text(saved)
    assert "Self-assessment saved." in page and f"{len(practices) - 1} answers are still missing" in page
    assert f'<a href="#how_{second}">{practices[1].title}: Say how you do this' in page
    textarea = re.search(rf'<textarea[^>]*id="how_{second}"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in textarea and f'aria-describedby="how_{second}-errors"' in textarea
    assert f'<a href="#how_{first}">' not in page
    dashboard = text(client.get("/dashboard"))
    assert "Submit for review" not in dashboard
    assert "Self-assessment answers still missing" in dashboard
    assert f'#practice-{practices[1].id}">{practices[1].title}</a>' in dashboard
    assert f'#practice-{practices[0].id}"' not in dashboard
    response = post_form(client, "/dashboard/submit", follow_redirects=True)
    assert "Answer every practice" in text(response)
    db.session.expire_all()
    assert organisation.status == "draft"

    answers = {}
    for p in practices:
        key = p.id.replace("-", "_")
        answers[f"implemented_{key}"] = "no" if p.id == "platform-2" else "yes"
        answers[f"how_{key}"] = "Planned for next year." if p.id == "platform-2" else f"How we do {p.id}."
    response = post_form(client, "/dashboard/assessment", answers, page="/dashboard/assessment")
    assert response.status_code == 302
    db.session.expire_all()
    stored = {a.practice_id: a for a in organisation.answers}
    assert len(stored) == len(practices) and stored["platform-2"].implemented is False
    page = text(client.get("/dashboard/assessment"))
    assert "How we do sld-zones-3." in page

    # 5. Submit.
    page = text(client.get("/dashboard"))
    assert "Everything is ready" in page and "Submit for review" in page
    response = post_form(client, "/dashboard/submit", follow_redirects=True)
    assert "Submitted" in text(response)
    db.session.expire_all()
    assert organisation.status == "submitted"
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[0] == "organisation.created" and actions[-1] == "organisation.submitted"
    assert {"zone.added", "zone.removed", "resolver.added", "assessment.updated"} <= set(actions)


def test_an_oversized_zone_list_is_refused(client, auth):
    auth.login_as(make_user())
    create_organisation(client)
    response = post_form(client, "/dashboard/zones", {"entries": "a.example\n" * 6000})
    assert response.status_code == 200 and "Field cannot be longer than 50000 characters" in text(response)
    assert db.session.scalar(select(Organisation)).zones == []


def test_assessment_answers_are_length_limited(client, auth):
    auth.login_as(make_user())
    create_organisation(client)
    response = post_form(client, "/dashboard/assessment",
                         {"implemented_sld_zones_1": "yes", "how_sld_zones_1": "x" * 2001},
                         page="/dashboard/assessment")
    assert response.status_code == 200 and "2000" in text(response)
    assert db.session.scalar(select(Organisation)).answers == []


def test_the_organisation_can_be_edited(client, auth):
    auth.login_as(make_user())
    create_organisation(client)
    page = text(client.get("/dashboard/organisation"))
    assert 'value="Example Networks"' in page
    assert re.search(r'<input checked[^>]*value="sld-zones"', page)
    assert not re.search(r'<input checked[^>]*value="critical-zones"', page)
    response = create_organisation(client, name="Renamed Networks", categories=["sld-zones"])
    assert response.status_code == 302
    organisation = db.session.scalar(select(Organisation))
    assert organisation.name == "Renamed Networks" and organisation.slug == "example-networks"
    assert organisation.category_ids == ["sld-zones"]


def test_an_oversized_name_is_refused_and_nothing_saved(client, auth):
    auth.login_as(make_user())
    response = create_organisation(client, name="x" * 5000)
    assert response.status_code == 200
    assert "Field cannot be longer than 200 characters" in text(response)
    assert db.session.scalar(select(db.func.count(Organisation.id))) == 0
    assert db.session.scalar(select(db.func.count(AuditEvent.id))) == 0


def test_bad_website_and_missing_category_are_form_errors(client, auth):
    auth.login_as(make_user())
    response = create_organisation(client, website="javascript://x.org/%0aalert(1)", categories=[])
    page = text(response)
    assert "http:// or https://" in page and "Choose at least one operator category" in page
    assert db.session.scalar(select(db.func.count(Organisation.id))) == 0


def test_the_organisation_name_is_escaped(client, auth):
    auth.login_as(make_user())
    create_organisation(client, name="<script>alert(1)</script>")
    for url in ("/dashboard", "/dashboard/organisation"):
        page = text(client.get(url))
        assert "<script>alert(1)</script>" not in page, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url


def test_the_review_message_is_shown(client, auth):
    organisation = make_organisation(status="changes_requested")
    organisation.review_message = "Please add your <b>secondary</b> zones."
    db.session.commit()
    auth.login_as(make_user(organisation=organisation))
    page = text(client.get("/dashboard"))
    assert "asked for changes" in page
    assert "Please add your &lt;b&gt;secondary&lt;/b&gt; zones." in page
    assert "Edit what is needed, then submit again." in page


def test_the_owner_invites_by_mail(client, auth, outbox):
    organisation = make_organisation("Example Networks")
    owner = make_user(organisation=organisation)
    auth.login_as(owner)
    response = post_form(client, "/dashboard/members", {"email": "colleague@example.net"}, page="/dashboard/members")
    assert response.status_code == 302
    (message,) = outbox()
    assert message["To"] == "colleague@example.net"
    assert re.search(r"https?://registry\.test/\S+", message.get_content())
    link = re.search(r"https?://registry\.test(/\S+)", message.get_content()).group(1)
    auth.logout()
    assert client.get(link).status_code == 200  # the accounts blueprint's acceptance page
    auth.login_as(owner)
    page = text(client.get("/dashboard/members"))
    assert "colleague@example.net" in page and owner.email in page
    invitation = db.session.scalar(select(Invitation))
    assert invitation.invited_by_id == owner.id
    assert post_form(client, f"/dashboard/members/invitations/{invitation.id}/cancel").status_code == 302
    assert db.session.scalar(select(db.func.count(Invitation.id))) == 0


def test_invitations_are_rate_limited_per_account(app, client, auth, outbox):
    app.config["KINDNS_INVITE_RATE_LIMIT"] = "3 per minute"
    auth.login_as(make_user(organisation=make_organisation()))
    statuses = [post_form(client, "/dashboard/members", {"email": f"c{n}@example.net"}).status_code
                for n in range(4)]
    assert statuses == [302, 302, 302, 429]
    assert len(outbox()) == 3


def test_an_invalid_invitation_address_is_a_form_error(client, auth, outbox):
    organisation = make_organisation()
    auth.login_as(make_user(organisation=organisation))
    response = post_form(client, "/dashboard/members", {"email": "not an address"}, page="/dashboard/members")
    assert response.status_code == 200 and "Invalid email address" in text(response)
    assert outbox() == []


def test_members_who_are_not_owners_cannot_invite(client, auth, outbox):
    organisation = make_organisation()
    make_user(organisation=organisation)
    member = make_user(organisation=organisation)
    member.organisation_role = "member"
    db.session.commit()
    auth.login_as(member)
    page = text(client.get("/dashboard/members"))
    assert "Only the owner" in page and 'name="email"' not in page
    response = post_form(client, "/dashboard/members", {"email": "x@example.net"})
    assert response.status_code == 403
    assert outbox() == [] and db.session.scalar(select(db.func.count(Invitation.id))) == 0


def test_the_csrf_token_helper_reads_a_real_token(client, auth):
    auth.login_as(make_user())
    assert len(csrf_token(client, "/dashboard/organisation")) > 20
