"""Fix-it advice in the registry: the operator declares the software of a zone or resolver, and the report,
the regression mail and the API give the configuration change for it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from kindns.conformance import alerts
from kindns.conformance.runs import execute_run, request_check
from kindns.conformance.targets import target_of
from kindns.extensions import db
from kindns.models import AuditEvent
from tests.conformance.factories import make_run, store_findings
from tests.conformance.test_views import card
from tests.enrolment.helpers import post_form
from tests.factories import make_organisation, make_user

SERVER = {"code": "server", "args": {"name": "ns1.example.org.", "address": "192.0.2.1"}}
AXFR_DIG = "dig @192.0.2.1 example.org. AXFR +norecurse"


def _operator(**org):
    organisation = make_organisation(approved=True, **{"zones": ("example.org",), "resolvers": ("192.0.2.53",),
                                                      **org})
    return make_user(email=f"noc-{organisation.slug}@example.org", organisation=organisation), organisation


def _failing_axfr(zone):
    run = make_run(zone, {"axfr-restricted": "fail"})
    store_findings(run, "axfr-restricted", "AXFR_ALLOWED", AXFR_DIG, server=SERVER)
    return run


def _declare(client, kinds: str, target_id: int, software: str, **kwargs):
    field = f"software-{target_id}"
    return post_form(client, f"/dashboard/{kinds}/{target_id}/software", {f"{field}-software": software},
                     prefix=field, page=f"/dashboard/{kinds}", **kwargs)


def test_the_operator_declares_the_software_and_another_operator_cannot(client, auth):
    user, org = _operator()
    zone_id, resolver_id = org.zones[0].id, org.resolvers[0].id
    auth.login_as(user)
    assert 'name="software-%d-software"' % zone_id in client.get("/dashboard/zones").get_data(as_text=True)
    page = _declare(client, "zones", zone_id, "knot", follow_redirects=True).get_data(as_text=True)
    assert "gives the advice for Knot DNS" in page
    # A resolver's list offers resolving software; an authoritative-only one is refused.
    assert "Unbound" in client.get("/dashboard/resolvers").get_data(as_text=True)
    refused = _declare(client, "resolvers", resolver_id, "nsd", follow_redirects=True).get_data(as_text=True)
    assert "Not a valid choice" in refused
    _declare(client, "resolvers", resolver_id, "unbound")
    db.session.expire_all()
    assert (org.zones[0].software, org.resolvers[0].software) == ("knot", "unbound")
    assert db.session.scalars(db.select(AuditEvent.action).where(
        AuditEvent.action == "target.software_set")).all() == ["target.software_set"] * 2
    _declare(client, "zones", zone_id, "")
    db.session.expire_all()
    assert org.zones[0].software is None
    auth.login_as(make_user(organisation=make_organisation(name="Other")))
    assert _declare(client, "zones", zone_id, "bind").status_code == 404


def test_the_report_gives_the_fix_for_the_declared_software_and_switches(client, auth):
    user, org = _operator()
    zone = org.zones[0]
    zone.software = "bind"
    db.session.commit()
    _failing_axfr(zone)
    auth.login_as(user)
    url = f"/dashboard/zones/{zone.id}/report"
    row = card(client.get(url).get_data(as_text=True), "axfr-restricted")
    assert "For BIND 9" in row and "In /etc/bind/named.conf:" in row
    assert 'zone &#34;example.org&#34; {\n    allow-transfer { 192.0.2.53; };\n};' in row
    assert "<code>rndc reconfig</code>" in row and "Proven:" in row
    assert AXFR_DIG in row  # how to verify: the check's own command
    page = client.get(url).get_data(as_text=True)
    assert 'You declared that BIND 9 serves it.' in page and '<option value="bind" selected>' in page
    knot = card(client.get(f"{url}?software=knot").get_data(as_text=True), "axfr-restricted")
    assert "For Knot DNS" in knot and "acl: [ secondaries ]" in knot and "knotc reload" in knot
    general = client.get(f"{url}?software=").get_data(as_text=True)
    assert "For BIND 9" not in general and "Declare the software that serves it" in general
    # Resolving software does not serve a zone: the declared one stands.
    assert "For BIND 9" in client.get(f"{url}?software=unbound").get_data(as_text=True)
    # A passing check gets no fix.
    assert "For BIND 9" not in card(client.get(url).get_data(as_text=True), "transport")


def test_the_regression_mail_carries_the_fix_for_the_declared_software(app, outbox):
    org = make_organisation(approved=True, zones=("example.org",))
    org.zones[0].software = "knot"
    make_user(email="noc@example.org", organisation=org)
    db.session.commit()
    make_run(org.zones[0], finished_at=datetime.now(timezone.utc) - timedelta(days=1))
    run = _failing_axfr(org.zones[0])
    with app.test_request_context():
        alerts.after_run(run)
    body = outbox()[0].get_content()
    assert "For Knot DNS:" in body and "In /etc/knot/knot.conf:" in body and "acl: [ secondaries ]" in body
    assert "Then apply it with: knotc reload" in body and f"Check again with: {AXFR_DIG}" in body


def test_the_api_gives_the_fix_under_each_finding_when_asked(client):
    _user, org = _operator()
    _failing_axfr(org.zones[0])
    data = client.get(f"/api/v1/participants/{org.slug}/checks?software=nsd").get_json()
    [zone] = [t for t in data["targets"] if t["kind"] == "zone"]
    axfr = next(c for c in zone["checks"] if c["id"] == "axfr-restricted")
    [finding] = axfr["findings"]
    [fix] = finding["fixes"]
    assert fix["software"] == "nsd" and fix["proof"] == "syntax" and "provide-xfr: 192.0.2.53 NOKEY" in fix["config"]
    assert fix["changes"][0] == {"block": "zone", "item": "example.org", "name": "provide-xfr",
                                 "values": ["192.0.2.53 NOKEY"], "add": False}
    plain = client.get(f"/api/v1/participants/{org.slug}/checks").get_json()
    assert "fixes" not in str(plain)  # not asked: no advice, and never the software an operator declared
    bad = client.get(f"/api/v1/participants/{org.slug}/checks?software=djbdns")
    assert bad.status_code == 400 and bad.get_json()["field"] == "software"


@pytest.mark.dns
def test_measured_servers_choose_the_advice_until_the_operator_declares(app, client, auth, dns_lab,
                                                                        lab_check_settings, outbox):
    """The lab's open-axfr zone, measured by the registry: its servers say they run BIND, so the report and
    the regression mail give BIND's fix; the operator's declaration wins over what the servers say."""
    app.config.update(lab_check_settings)
    org = make_organisation(approved=True, zones=(dns_lab.zones["open-axfr"],))
    user = make_user(email="noc@open-axfr.example", organisation=org)
    zone = org.zones[0]
    make_run(zone, finished_at=datetime.now(timezone.utc) - timedelta(days=1))
    run, _created = request_check(target_of(zone), "manual")
    execute_run(run.id)
    with app.test_request_context():
        alerts.after_run(run)
    body = outbox()[0].get_content()
    assert "For BIND 9:" in body and "Then apply it with: rndc reconfig" in body
    auth.login_as(user)
    url = f"/dashboard/zones/{zone.id}/report"
    page = client.get(url).get_data(as_text=True)
    assert "Its servers say they run BIND 9 (every server says so)" in page
    assert "For BIND 9" in card(page, "axfr-restricted")
    zone.software = "nsd"
    db.session.commit()
    declared = client.get(url).get_data(as_text=True)
    assert "You declared that NSD serves it." in declared and "provide-xfr" in card(declared, "axfr-restricted")


def test_the_expiry_mail_carries_the_resigning_fix(app, outbox):
    org = make_organisation(approved=True, zones=("example.org",))
    org.zones[0].software = "bind"
    make_user(email="noc@example.org", organisation=org)
    db.session.commit()
    run = make_run(org.zones[0], {"dnssec-signature-expiry": "warn"})
    store_findings(run, "dnssec-signature-expiry", "SIGNATURE_EXPIRING", "dig @192.0.2.1 example.org. SOA +dnssec",
                   server=SERVER, owner="example.org.", type="SOA", days=3.5)
    with app.test_request_context():
        alerts.after_run(run)
    [mail] = outbox()
    body = mail.get_content()
    assert "expire within 7 days" in mail["Subject"]
    assert "For BIND 9:" in body and 'zone "example.org" {' in body and "dnssec-policy default;" in body
    assert "Proven:" in body


@pytest.mark.dns
def test_a_bind_that_hides_its_version_is_known_by_its_answers_on_the_report(app, client, auth, dns_lab,
                                                                             lab_check_settings):
    """A throwaway BIND that hides its version and id serves the lab's proof zone, unsigned: the registry
    measures it, infers BIND from how it answers and gives BIND's signing fix, with the command that prints
    the DS record for the registrar."""
    from kindns.checks.fixes import Block
    from tests.dnslab.proof import proof_server

    app.config.update(lab_check_settings)
    name = dns_lab.proof_zones["bind"]
    org = make_organisation(approved=True, zones=(name,))
    user = make_user(email="noc@proof.example", organisation=org)
    zone = org.zones[0]
    hidden = [Block("options", "", [("version", "none"), ("server-id", "none"), ("recursion", "no")])]
    with proof_server(dns_lab, "bind", "zone", hidden):
        run, _created = request_check(target_of(zone), "manual")
        execute_run(run.id)
    auth.login_as(user)
    page = client.get(f"/dashboard/zones/{zone.id}/report").get_data(as_text=True)
    assert "Its servers say they run BIND 9 (not in words: their answers behave like it)" in page
    signing = card(page, "dnssec-signed")
    assert "For BIND 9" in signing and "dnssec-policy default;" in signing
    assert "Once the zone is signed (a few seconds later), give the parent zone (through your registrar) the DS record this prints:" in signing
    assert f"dig @127.0.0.1 +norecurse +noall +answer {name} DNSKEY | dnssec-dsfromkey -2 -f - {name}" in signing
