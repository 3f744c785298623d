"""Every word a user reads goes through the catalogue. The registry is rendered in a pseudo-language whose
catalogue marks every message it translates (⟦like this⟧); whatever text is left on a page outside those marks
must be data — a name someone typed, a date or a country name in that language, a DNS name, a number — and
never an English sentence that escaped the catalogue. Every template is rendered this way (the test fails if
one was not), and so is every mail the registry sends."""
from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask import template_rendered

from kindns.checks.messages import msg
from kindns.extensions import db
from tests.conformance.factories import make_run
from tests.factories import make_organisation, make_user
from tests.enrolment.helpers import details, ready_to_submit
from tests.helpers import submit_form
from tests.i18n_helpers import extracted

PASSWORD = "quartz zephyr mango 7 lighthouse"
PSEUDO = "eo"  # a language Babel and pycountry know (dates, countries) and the registry does not ship
OPEN, CLOSE = "⟦", "⟧"
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
# Words that are data, not prose: protocol tokens, units and what the test's own data is made of.
DATA_WORDS = {"dig", "dnssec", "multi", "norecurse", "tcp", "axfr", "soa", "ns", "dnskey", "rrsig", "ds", "nsec",
              "nsec3", "nsec3param", "txt", "utc", "noerror", "nxdomain", "servfail", "refused", "https", "http",
              "kindns", "rfc", "bcp", "svg", "json", "csv", "api", "example", "org", "net", "test", "www", "noc",
              "lac"}  # region codes of two letters are too short to be caught
# WTForms' own messages come from WTForms' catalogues (es, fr, pt), which have no pseudo-language.
SKIP = {"script", "style", "pre", "code", "svg"}
SKIP_CLASSES = {"mono", "check-id", "a-label", "evidence", "brand-data"}
ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")


def _pseudo_catalogue(folder: Path) -> None:
    catalog = Catalog(locale=PSEUDO)
    for message in extracted():
        if isinstance(message, tuple):
            catalog.add(message, (f"{OPEN}{message[0]}{CLOSE}", f"{OPEN}{message[1]}{CLOSE}"))
        else:
            catalog.add(message, f"{OPEN}{message}{CLOSE}")
    target = folder / PSEUDO / "LC_MESSAGES"
    target.mkdir(parents=True)
    with open(target / "messages.mo", "wb") as mo:
        write_mo(mo, catalog)


class _Text(HTMLParser):
    """The text a reader sees (and the attributes read aloud), outside code and raw evidence."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skipping: list[str] = []
        self.stack: list[tuple[str, bool]] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        skip = tag in SKIP or bool(SKIP_CLASSES & set((attributes.get("class") or "").split()))
        if tag not in ("br", "img", "input", "link", "meta", "hr", "source"):
            self.stack.append((tag, skip))
        if self.skipping or skip or any(s for _t, s in self.stack):
            return
        for name in ATTRIBUTES:
            if attributes.get(name):
                self.texts.append(attributes[name])
        if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
            self.texts.append(attributes["value"])

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, _skip = self.stack.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        if data.strip() and not any(s for _t, s in self.stack):
            self.texts.append(data)


def _outside_marks(text: str) -> str:
    previous = None
    while previous != text:
        previous, text = text, re.sub(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}", " ", text)
    return text


def escaped_words(texts: list[str], data_words: set[str]) -> list[str]:
    """The pieces of text with words that came from no catalogue and are not known data."""
    found = []
    for text in texts:
        rest = re.sub(r"https?://\S+", " ", _outside_marks(text))  # an address is data
        words = [w for w in re.findall(r"[A-Za-z][A-Za-z'’-]{2,}", rest) if w.lower().strip("'’-") not in data_words]
        if words:
            found.append(f"{' '.join(words)!r} in {text.strip()[:120]!r}")
    return found


@pytest.fixture
def pseudo_app(app, tmp_path):
    _pseudo_catalogue(tmp_path / "pseudo")
    app.extensions["babel"].translation_directories.append(str(tmp_path / "pseudo"))
    app.config["KINDNS_LANGUAGES"] = [*app.config["KINDNS_LANGUAGES"], PSEUDO]
    return app


def _data_words(*texts: str) -> set[str]:
    """Words of the pseudo-language's dates and country names, and of the test's own data."""
    import pycountry

    from kindns.regions import country_name

    locale = Locale.parse(PSEUDO)
    words: set[str] = set(DATA_WORDS)
    names = [country_name(c.alpha_2, PSEUDO) for c in pycountry.countries]
    names += list(locale.months["format"]["wide"].values()) + list(locale.months["format"]["abbreviated"].values())
    names += list(locale.days["format"]["wide"].values()) + [locale.get_display_name(PSEUDO)]
    names += [Locale.parse(code).get_display_name(code) for code in ("en", "es", "pt_BR", "fr")]
    for text in (*names, *texts):
        words |= {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'’-]{2,}", text)}
    return words


def _fix_code(*zones: str) -> list[str]:
    """What the fix-it advice shows as code (configuration lines, file names and commands): data, not prose."""
    from kindns.checks.fixes import FIXES

    return [text for fix in FIXES for zone in zones for text in (fix.config({"zone": zone}), fix.file, *fix.apply)]


def _spoken(run):
    """A run stored as the engine stores them now: its words as messages (the factory's English text is what
    rows from before the messages keep, shown as it is)."""
    server = msg("server", name="ns1.zeta.example.", address="192.0.2.1")
    for result in run.results:
        result.summary = result.advice = ""
        result.messages = {"findings": [{**msg("AXFR_ALLOWED", server=server), "verdict": result.verdict}],
                           "more": 2, "advice": ["AXFR_ALLOWED"], "references": ["RFC 5936"],
                           "command": {"kind": "reproduce", "text": "dig @192.0.2.1 zeta.example AXFR"}}
    db.session.commit()
    return run


def _registry():
    """Data that brings every template to the screen: participants, a champion, an operator with zones,
    resolvers, runs with findings, a dispute, staff."""
    from kindns.conformance.models import Dispute
    from kindns.conformance.standing import take_region_snapshot

    org = make_organisation("Zeta Omega", approved=True, categories=("critical-zones", "shared-resolvers"),
                            zones=("zeta.example", "xn--bcher-kva.example"), resolvers=("192.0.2.53",),
                            champion="Zeta Omega")
    other = make_organisation("Eta Theta", status="submitted", zones=("zeta.example",))
    operator = make_user("noc@zeta.example", organisation=org)
    staff = make_user("staff@zeta.example", is_staff=True)
    _spoken(make_run(org.zones[0]))
    run = _spoken(make_run(org.zones[0], {"axfr-restricted": "fail", "ns-count": "error", "ns-diversity": "warn"}))
    unmeasured = _spoken(make_run(org.zones[1], default="error"))
    unmeasured.unmeasured = {"message": msg("NO_DELEGATION", reason=msg("parent-nxdomain", zone="bücher.example")),
                             "probes": []}
    _spoken(make_run(org.resolvers[0], {"resolver-access-control": "fail"}))
    db.session.add(Dispute(organisation_id=org.id, result_id=run.results[0].id, target=run.target,
                           check_id=run.results[0].check_id, verdict="fail", note="Zeta", created_by_id=operator.id))
    org.pending_name = "Zeta Omega Iota"
    db.session.commit()
    take_region_snapshot()
    _campaign(org, staff)
    return org, other, operator, staff


def _campaign(org, staff):
    """A measurement campaign with zones measured, of two countries and one unknown: its pages and the
    observatory show every table and chart. The operator's organisation may run campaigns of its own."""
    from datetime import datetime, timezone

    from kindns.observatory import services as campaigns
    from kindns.observatory.models import CampaignZone

    campaigns.invite(org, staff)
    campaign = campaigns.create_campaign("Zeta", "zeta", b"a.zeta PY\nb.zeta AR\nc.zeta\nd.zeta\n", None,
                                         organisation=org)
    campaign.started_at = datetime.now(timezone.utc)
    for zone, verdicts in zip(db.session.scalars(db.select(CampaignZone).order_by(CampaignZone.id)),
                              ("p" * 13, "f" * 13, "n" * 13)):
        zone.verdicts, zone.measured_at = verdicts, datetime.now(timezone.utc)
    db.session.commit()
    return campaign


def _pages(org, other) -> dict[str, list[str]]:
    zone, resolver = org.zones[0], org.resolvers[0]
    public = ["/", "/participants", "/participants?region=LAC&q=zeta", f"/participants/{org.slug}", "/champions",
              "/leaderboard", "/login", "/register", "/forgot-password", "/no-such-page",
              "/participants/no-such-participant", "/reset-password/not-a-token", "/confirm/not-a-token",
              "/invitations/not-a-token", "/observatory", "/observatory/zeta"]
    operator = ["/dashboard", "/dashboard/organisation", "/dashboard/zones", "/dashboard/resolvers",
                "/dashboard/assessment", "/dashboard/assessment?missing=1", "/dashboard/checks",
                "/dashboard/members", f"/dashboard/zones/{zone.id}/report", f"/dashboard/zones/{org.zones[1].id}/report",
                f"/dashboard/resolvers/{resolver.id}/report",
                # the fix-it advice for a software (its configuration lines are code, the rest words)
                f"/dashboard/zones/{zone.id}/report?software=bind", f"/dashboard/zones/{zone.id}/report?software=windows",
                f"/dashboard/resolvers/{resolver.id}/report?software=unbound", "/dashboard/campaigns"]
    staff = ["/admin/", "/admin/organisations", f"/admin/organisations/{org.id}", f"/admin/organisations/{other.id}",
             "/admin/champions", f"/admin/champions/{org.id}", "/admin/regions", "/admin/conflicts", "/admin/audit",
             "/admin/disputes?status=all", "/admin/campaigns/", "/admin/campaigns/new"]
    return {"public": public, "operator": operator, "staff": staff}


def _posts(org, operator) -> list[tuple[str, str, str, dict]]:
    """(who, address, the page with its form, data) of the answers that only a form's POST shows."""
    from kindns.accounts.services import _hash_fragment
    from kindns.models import Invitation
    from kindns.tokens import make_token

    invitation = Invitation(organisation=org, email="colleague@zeta.example", invited_by_id=operator.id)
    db.session.add(invitation)
    db.session.commit()
    reset = make_token("password-reset", {"user": operator.id, "hash": _hash_fragment(operator)})
    invite = make_token("invitation", invitation.id)
    return [
        ("public", "/register", "/register", {"email": "new@zeta.example", "password": PASSWORD,
                                              "password_confirm": PASSWORD}),
        ("public", "/forgot-password", "/forgot-password", {"email": "new@zeta.example"}),
        ("public", f"/reset-password/{reset}", f"/reset-password/{reset}", {"password": "x"}),
        ("public", f"/invitations/{invite}", f"/invitations/{invite}", {}),
        ("operator", f"/dashboard/zones/{org.zones[0].id}/delete", "/dashboard/zones", {}),
        ("staff", "/admin/campaigns/new", "/admin/campaigns/new",
         {"name": "Zeta", "namespace": "zeta", "zones": (io.BytesIO(b"a.zeta\nbad..zeta\n"), "zones.txt")}),
    ]


def test_every_page_speaks_only_through_the_catalogue(pseudo_app, client, auth):
    org, other, operator, staff = _registry()
    data_words = _data_words(org.name, other.name, org.pending_name, operator.email, staff.email, org.slug,
                             "bücher", "Zeta Omega Iota", "new@zeta.example", "colleague@zeta.example")
    rendered: set[str] = set()

    def note(_sender, template, context, **_extra):
        rendered.add(template.name)

    problems = []
    with template_rendered.connected_to(note, pseudo_app):
        for who, urls in _pages(org, other).items():
            auth.logout()
            if who != "public":
                auth.login_as(operator if who == "operator" else staff)
            for url in urls:
                response = client.get(url + ("&" if "?" in url else "?") + f"lang={PSEUDO}")
                assert response.status_code in (200, 400, 404), (url, response.status_code)
                parser = _Text()
                parser.feed(response.get_data(as_text=True))
                problems += [f"{url}: {p}" for p in escaped_words(parser.texts, data_words)]
        for who, url, form_url, data in _posts(org, operator):
            auth.logout()
            if who != "public":
                auth.login_as(operator if who == "operator" else staff)
            response = submit_form(client, f"{url}?lang={PSEUDO}", data, form_url=f"{form_url}?lang={PSEUDO}")
            assert response.status_code in (200, 400), (url, response.status_code)
            parser = _Text()
            parser.feed(response.get_data(as_text=True))
            problems += [f"POST {url}: {p}" for p in escaped_words(parser.texts, data_words)]
    assert not problems, "text that did not go through the catalogue:\n" + "\n".join(problems[:60])
    pages = {str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html")} - {"base.html"}
    pages -= {name for name in pages if name.startswith("includes/") or "/includes/" in name
              or Path(name).name.startswith("_")}
    assert pages - rendered == set(), "templates this test never rendered"


def test_every_mail_speaks_only_through_the_catalogue(pseudo_app, client, auth, outbox):
    """Each mail the registry sends, written in the pseudo-language (the recipients chose it, or the request
    that caused the mail was in it), keeps to the catalogue too."""
    from kindns.admin import services as staff_services
    from kindns.conformance import alerts, disputes
    from kindns.enrolment import services as enrolment

    org, other, operator, staff = _registry()
    operator.language = staff.language = PSEUDO
    db.session.commit()
    data_words = _data_words(org.name, other.name, operator.email, staff.email, "colleague@zeta.example",
                             *_fix_code(*(zone.name for zone in org.zones)),
                             "new@zeta.example", "Zeta Omega Iota Xi", "Iota Kappa Lambda Mu Nu", "Example Networks",
                             "iota@zeta.example", "eta@zeta.example", "lambda@zeta.example")
    # Mail caused by a visitor's request, in the request's language: registration (new and known address),
    # a password reset, an invitation.
    submit_form(client, f"/register?lang={PSEUDO}", {"email": "new@zeta.example", "password": PASSWORD,
                                                      "password_confirm": PASSWORD})
    submit_form(client, f"/register?lang={PSEUDO}", {"email": operator.email, "password": PASSWORD,
                                                      "password_confirm": PASSWORD})
    submit_form(client, f"/forgot-password?lang={PSEUDO}", {"email": operator.email})
    auth.login_as(operator)
    submit_form(client, f"/dashboard/members?lang={PSEUDO}", {"email": "colleague@zeta.example"})
    # Mail the registry sends on its own, in each recipient's language: decisions, a declined change, alerts,
    # staff notices, a dispute's answer, the digest.
    with pseudo_app.test_request_context():
        owner, ready = ready_to_submit("Mu Nu")
        enrolment.submit(ready, owner)  # staff hear of it
        enrolment.update_organisation(org, operator, details(name="Zeta Omega Xi"))  # a change to review
        make_user("eta@zeta.example", organisation=other).language = PSEUDO
        staff_services.approve(other, staff, "Zeta")
        staff_services.decline_pending_changes(org, staff, "Zeta")
        submitted = make_organisation("Iota Kappa", status="submitted")
        make_user("iota@zeta.example", organisation=submitted).language = PSEUDO
        staff_services.request_changes(submitted, staff, "Zeta")
        rejected = make_organisation("Lambda", status="submitted")
        make_user("lambda@zeta.example", organisation=rejected).language = PSEUDO
        staff_services.reject(rejected, staff, "Zeta")
        zone = org.zones[0]
        zone.software = "knot"  # the mail carries the fix-it advice for it
        db.session.commit()
        alerts.after_run(_spoken(make_run(zone, {"axfr-restricted": "fail", "dnssec-signature-expiry": "warn"})))
        dispute = disputes.open_dispute(_latest_result(zone, "ns-diversity"), operator, "Zeta")
        disputes.answer_dispute(dispute, staff, "Zeta")
        alerts.send_staff_digest()
    sent = outbox()
    kinds = {message["Subject"] for message in sent}
    assert len(kinds) >= 12, sorted(kinds)
    problems = []
    for message in sent:
        for part in (message["Subject"], message.get_content()):
            problems += [f"{message['Subject']!r}: {p}" for p in escaped_words([part], data_words)]
    assert not problems, "mail text that did not go through the catalogue:\n" + "\n".join(problems[:40])


def _latest_result(zone, check_id: str):
    from kindns.conformance.models import CheckRun

    run = db.session.scalar(db.select(CheckRun).where(CheckRun.zone_id == zone.id).order_by(CheckRun.id.desc()))
    return next(r for r in run.results if r.check_id == check_id)
