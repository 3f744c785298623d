"""Disputes through the operator's form and staff's list: one open dispute per check of a zone or resolver,
a rate limit per organisation, and notes and answers stored as they will be read."""
from __future__ import annotations

import html

from kindns.conformance.models import Dispute
from kindns.extensions import db
from kindns.practices import check_title
from tests.conformance.factories import make_run
from tests.factories import make_organisation, make_user
from tests.helpers import submit_form


def _operator(name="Dispute Networks", zones=("example.org",)):
    organisation = make_organisation(name=name, approved=True, zones=zones)
    return make_user(email=f"noc@{organisation.slug}.example", organisation=organisation), organisation


def _dispute(client, result, note: str):
    """The dispute form of the report page, as the operator sends it."""
    run = result.run
    return submit_form(client, f"/dashboard/results/{result.id}/dispute", {"note": note},
                       form_url=f"/dashboard/zones/{run.zone_id}/report", follow_redirects=True)


def _result(run, check_id: str):
    return next(r for r in run.results if r.check_id == check_id)


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _disputes() -> list[Dispute]:
    db.session.expire_all()
    return db.session.scalars(db.select(Dispute).order_by(Dispute.id)).all()


def test_a_check_already_disputed_is_not_disputed_twice_until_staff_answer(client, auth, outbox):
    user, organisation = _operator()
    staff = make_user(email="staff@icann.example", is_staff=True)
    zone = organisation.zones[0]
    first_run = make_run(zone, {"ns-diversity": "fail"})
    auth.login_as(user)
    assert "was sent to staff" in _page(_dispute(client, _result(first_run, "ns-diversity"), "Two ASes."))

    # The same verdict again, from the same run or from a newer one: refused, said so, nothing stored or mailed.
    newer_run = make_run(zone, {"ns-diversity": "fail"})
    for run in (first_run, newer_run):
        page = _page(_dispute(client, _result(run, "ns-diversity"), "Really, two ASes."))
        assert f"You have already disputed “{check_title('ns-diversity')}” on example.org" in page
        assert "was sent to staff" not in page
    assert [(d.check_id, d.note) for d in _disputes()] == [("ns-diversity", "Two ASes.")]
    assert len(outbox()) == 1  # staff heard of it once
    # Another check of the same zone is a dispute of its own.
    assert "was sent to staff" in _page(_dispute(client, _result(newer_run, "transport"), "TCP works."))

    auth.logout()
    auth.login_as(staff)
    submit_form(client, f"/admin/disputes/{_disputes()[0].id}/answer", {"answer": "AS data was stale."},
                form_url="/admin/disputes")
    auth.logout()
    auth.login_as(user)
    # Answered: the operator may dispute the verdict again.
    assert "was sent to staff" in _page(_dispute(client, _result(newer_run, "ns-diversity"), "Still two ASes."))
    assert [d.status for d in _disputes()] == ["answered", "open", "open"]


def test_disputes_are_rate_limited_per_organisation(app, client, auth):
    app.config["KINDNS_DISPUTE_RATE_LIMIT"] = "2 per hour"
    user, organisation = _operator(zones=("a.example", "b.example", "c.example"))
    colleague = make_user(email="colleague@a.example", organisation=organisation)
    other, other_organisation = _operator(name="Other Networks", zones=("other.example",))
    results = [_result(make_run(zone, {"transport": "fail"}), "transport") for zone in organisation.zones]

    auth.login_as(user)
    assert "was sent to staff" in _page(_dispute(client, results[0], "One."))
    assert "was sent to staff" in _page(_dispute(client, results[1], "Two."))
    auth.logout()
    auth.login_as(colleague)  # another member of the same organisation counts with them
    limited = _dispute(client, results[2], "Three.")
    assert limited.status_code == 429
    assert len(_disputes()) == 2

    auth.logout()
    auth.login_as(other)  # another organisation has its own count
    other_result = _result(make_run(other_organisation.zones[0], {"transport": "fail"}), "transport")
    assert "was sent to staff" in _page(_dispute(client, other_result, "Ours."))


def test_notes_and_answers_are_stored_as_they_will_be_read(client, auth, outbox):
    user, organisation = _operator()
    staff = make_user(email="staff@icann.example", is_staff=True)
    result = _result(make_run(organisation.zones[0], {"transport": "fail"}), "transport")
    auth.login_as(user)

    _dispute(client, result, "  TCP \u202eanswers\u202c on both.\x00\r\n\r\n\r\n\r\nSee   our   logs.  ")

    [dispute] = _disputes()
    assert dispute.note == "TCP answers on both.\n\nSee our logs."
    auth.logout()
    auth.login_as(staff)
    submit_form(client, f"/admin/disputes/{dispute.id}/answer",
                {"answer": "Confirmed \u2066on\u2069 our side.\x07\nFixed."}, form_url="/admin/disputes")
    assert _disputes()[0].answer == "Confirmed on our side.\nFixed."
    listing = client.get("/admin/disputes?status=all").get_data(as_text=True)  # lines kept (white-space: pre-wrap)
    assert '<p class="message">TCP answers on both.\n\nSee our logs.</p>' in listing
    assert '<p class="message">Confirmed on our side.\nFixed.</p>' in listing
    assert "Confirmed on our side.\nFixed." in outbox()[-1].get_content()
