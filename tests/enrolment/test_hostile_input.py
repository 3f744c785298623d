"""Names and addresses that used to slip by the dashboard's forms, and display names that could spoof what a
reader sees. Everything goes through the real forms, as an operator (or an attacker with an account) would."""
from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from kindns.extensions import db
from kindns.models import Organisation, Resolver, Zone
from tests.enrolment.helpers import post_form
from tests.factories import make_organisation, make_user

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "evil‮moc.elgoog" reads "evilgoogle.com"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def operator(client, auth):
    organisation = make_organisation("Hostile Networks", categories=("sld-zones", "public-resolvers"))
    auth.login_as(make_user(organisation=organisation))
    return organisation


def _zone_names() -> list[str]:
    return sorted(db.session.scalars(select(Zone.name)))


@pytest.mark.parametrize("typed, reason", [
    ("bravo.example.net..", "empty label"),
    ("xn--zz.example.net", "not a valid internationalised label"),
    ("xn--.example.net", "not a valid internationalised label"),
    ("xn--ls8h.example.net", "not a valid internationalised label"),  # an emoji: disallowed by IDNA 2008
    ("xn--Bcher-kva.example.net", None),  # fine, and stored in lower case
    ("127.0.0.1", "is an IP address"),
    ("[2001:db8::1]", "is an IP address"),
    ("10.0.0", "ends in a number"),
    ("localhost", "never a DNS zone"),
    ("ns.localhost.", "never a DNS zone"),
    ("invalid", "never a DNS zone"),
    ("hidden.onion", "never a DNS zone"),
])
def test_zone_names_are_canonical_or_refused(client, operator, typed, reason):
    response = post_form(client, "/dashboard/zones", {"entries": typed})
    if reason is None:
        assert response.status_code == 302
        assert _zone_names() == ["xn--bcher-kva.example.net"]
    else:
        assert response.status_code == 200
        assert f"line 1: '{typed}'" in text(response) and reason in text(response)
        assert _zone_names() == []


def test_a_name_with_two_trailing_dots_cannot_escape_the_conflict_check(client, operator):
    make_organisation("First Claimant", zones=("bravo.example.net",))

    refused = post_form(client, "/dashboard/zones", {"entries": "bravo.example.net.."})
    declared = post_form(client, "/dashboard/zones", {"entries": "Bravo.Example.NET."}, follow_redirects=True)

    assert "empty label" in text(refused)
    assert "Another organisation has declared bravo.example.net too" in text(declared)
    assert _zone_names() == ["bravo.example.net", "bravo.example.net"]


@pytest.mark.parametrize("typed", ["foo.test", "foo.example", "corp.internal", "printer.home.arpa", "x.alt",
                                   "1.168.192.in-addr.arpa", "d.f.ip6.arpa"])
def test_names_never_delegated_in_the_public_dns_are_refused_when_checks_start_from_the_public_root(
        app, client, operator, typed):
    app.config["KINDNS_CHECK_ROOT_HINTS"] = ""  # IANA's root servers, as in production

    response = post_form(client, "/dashboard/zones", {"entries": typed})

    assert response.status_code == 200
    assert "never delegated in the public DNS" in text(response)
    assert _zone_names() == []


def test_a_private_dns_root_may_serve_test_names(app, client, operator, tmp_path):
    # A lab's (or a company's) own hierarchy: its root servers are on private addresses.
    hints = tmp_path / "lab-root.hints"
    hints.write_text(". 3600 NS a.root.lab.test.\na.root.lab.test. 3600 A 127.0.0.10\n")
    app.config["KINDNS_CHECK_ROOT_HINTS"] = str(hints)

    assert post_form(client, "/dashboard/zones", {"entries": "bravo.test"}).status_code == 302
    assert _zone_names() == ["bravo.test"]


@pytest.mark.parametrize("typed", ["::ffff:127.0.0.1", "::ffff:7f00:1", "2002:7f00:1::53", "64:ff9b::127.0.0.1"])
def test_addresses_that_lead_to_loopback_are_refused_like_loopback(client, operator, typed):
    response = post_form(client, "/dashboard/resolvers", {"entries": typed})
    assert response.status_code == 200
    assert "loopback" in text(response)
    assert db.session.scalar(select(db.func.count(Resolver.id))) == 0


def test_an_ipv4_mapped_address_is_stored_as_its_ipv4_address(client, operator):
    assert post_form(client, "/dashboard/resolvers", {"entries": "::ffff:192.0.2.53"}).status_code == 302
    again = post_form(client, "/dashboard/resolvers", {"entries": "192.0.2.53"})
    assert "already declared by your organisation" in text(again)
    assert list(db.session.scalars(select(Resolver.address))) == ["192.0.2.53"]


def test_bidi_controls_are_stripped_from_the_names_people_read(client, auth):
    auth.login_as(make_user())
    response = post_form(client, "/dashboard/organisation", {
        "name": f"Evil{RLO}moc.elgoog Networks", "website": "https://example.net", "country": "BR",
        "categories": ["sld-zones"], "contact_name": f"\u2067Mallory\u2069 \u200fNOC",
        "contact_email": "noc@example.net"}, page="/dashboard/organisation")

    assert response.status_code == 302
    organisation = db.session.scalar(select(Organisation))
    assert organisation.name == "Evilmoc.elgoog Networks"
    assert organisation.contact_name == "Mallory NOC"


def test_bidi_controls_are_stripped_from_champion_citations(client):
    from kindns.admin.services import designate_champion

    organisation = make_organisation("Cited Networks", approved=True)

    designate_champion(organisation, make_user(is_staff=True), f"Trained 40 {RLO}sreenigne{RLO} in 2026.")

    db.session.expire_all()
    assert organisation.champion_citation == "Trained 40 sreenigne in 2026."
    page = text(client.get("/champions"))
    assert "Trained 40 sreenigne in 2026." in page and RLO not in page
