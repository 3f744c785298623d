"""An operator declares where a resolver answers DNS over HTTPS; the registry's check of it looks there."""
from __future__ import annotations

import pytest

from kindns.conformance.runs import execute_run, request_check
from kindns.conformance.targets import target_of
from kindns.enrolment import services
from kindns.extensions import db
from kindns.models import AuditEvent
from tests.enrolment.helpers import post_form
from tests.factories import make_organisation, make_user


def _operator():
    org = make_organisation(approved=True, categories=("public-resolvers",), resolvers=("192.0.2.53",))
    return make_user(organisation=org), org


def test_the_doh_address_must_be_an_https_url(app, ctx):
    user, org = _operator()
    resolver = org.resolvers[0]
    for bad in ("http://dns.example/dns-query", "dns.example/dns-query", "https:///dns-query",
                "https://dns.example/dns query"):
        with pytest.raises(services.EnrolmentError):
            services.set_doh_url(resolver, user, bad)
    assert services.set_doh_url(resolver, user, " https://dns.example.net/dns-query ")
    assert resolver.doh_url == "https://dns.example.net/dns-query"
    assert not services.set_doh_url(resolver, user, "https://dns.example.net/dns-query")  # unchanged
    assert services.set_doh_url(resolver, user, "") and resolver.doh_url is None
    actions = db.session.scalars(db.select(AuditEvent.action)).all()
    assert actions.count("resolver.doh_url_set") == 2


def test_the_resolvers_page_sets_it_and_another_operator_cannot(client, auth):
    user, org = _operator()
    resolver_id = org.resolvers[0].id
    auth.login_as(user)
    field = f"doh-{resolver_id}"
    response = post_form(client, f"/dashboard/resolvers/{resolver_id}/doh",
                         {f"{field}-url": "https://dns.example.net/dns-query"}, prefix=field,
                         page="/dashboard/resolvers", follow_redirects=True)
    assert "looks at its DNS over HTTPS too" in response.get_data(as_text=True)
    db.session.expire_all()
    assert org.resolvers[0].doh_url == "https://dns.example.net/dns-query"
    intruder = make_user(organisation=make_organisation(name="Other"))
    auth.login_as(intruder)
    assert post_form(client, f"/dashboard/resolvers/{resolver_id}/doh", {f"{field}-url": ""}, prefix=field,
                     page="/dashboard/resolvers").status_code == 404


@pytest.mark.dns
def test_a_declared_doh_address_is_checked(app, dns_lab, lab_check_settings):
    app.config.update(lab_check_settings, KINDNS_CHECK_TLS_CA_FILE=str(dns_lab.tls_ca))
    org = make_organisation(approved=True, categories=("public-resolvers",),
                            resolvers=(dns_lab.resolvers["dot"],))
    resolver = org.resolvers[0]
    resolver.doh_url = dns_lab.doh_url
    db.session.commit()
    run, _created = request_check(target_of(resolver), "manual")
    execute_run(run.id)
    transport = next(r for r in run.results if r.check_id == "resolver-encrypted-transport")
    assert transport.verdict == "pass", transport.summary
    findings = {item["finding"] for item in transport.evidence}
    assert "DOH_AVAILABLE" in findings, transport.evidence
