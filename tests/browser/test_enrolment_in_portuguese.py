"""A Brazilian operator whose browser asks for Portuguese enrols without reading a word of English: every page
of the journey is in Portuguese (no English sentence of the catalogue on it), the forms' errors too, and the
directory finds the organisation when its name is typed without accents."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import page_in
from tests.factories import make_user
from tests.i18n_helpers import english_left, translator
from tests.helpers import link_in

pytestmark = pytest.mark.browser

PASSWORD = "um cadeado comprido de verdade 42"
LANG = "pt_BR"
t = translator(LANG)


@pytest.fixture
def page_pt(browser):
    with page_in(browser, "pt-BR") as page:
        yield page


def _reads_portuguese(page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "pt-BR")
    text = page.locator("body").inner_text()
    assert english_left(text, LANG) == [], page.url


def test_a_brazilian_operator_enrols_in_portuguese(live_server, page_pt):
    page, base = page_pt, live_server.url
    page.goto(f"{base}/register")
    _reads_portuguese(page)
    page.get_by_label(t("Email address")).fill("noc@solucao-redes.example")
    page.get_by_label(t("Password"), exact=True).fill(PASSWORD)
    page.get_by_label(t("Password again")).fill(PASSWORD)
    page.get_by_role("button", name=t("Register")).click()
    _reads_portuguese(page)
    confirm = [m for m in live_server.mail() if m["To"] == "noc@solucao-redes.example"]
    assert confirm and confirm[-1]["Content-Language"] == "pt-BR"
    assert english_left(confirm[-1]["Subject"] + " " + confirm[-1].get_content(), LANG) == []
    page.goto(live_server.url + link_in(confirm[-1]))
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    _reads_portuguese(page)

    page.get_by_role("link", name=t("Describe your organisation")).click()
    _reads_portuguese(page)
    page.get_by_label(t("Organisation name")).fill("Solução Redes Ltda")
    page.get_by_label(t("Website")).fill("https://solucao-redes.example")
    page.get_by_label(t("Country")).select_option("BR")
    page.get_by_label(t("Authoritative: other SLD zones")).check()
    page.get_by_label(t("Public contact: name")).fill("NOC")
    # A wrong address: the error is in Portuguese, tied to its field, and nothing typed is lost.
    page.get_by_label(t("Public contact: email address")).fill("noc-at-solucao")
    page.locator("main form button[type=submit]").last.click()
    _reads_portuguese(page)
    field = page.get_by_label(t("Public contact: email address"))
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label(t("Organisation name"))).to_have_value("Solução Redes Ltda")
    field.fill("noc@solucao-redes.example")
    page.locator("main form button[type=submit]").last.click()
    _reads_portuguese(page)

    page.goto(f"{base}/dashboard/zones")
    _reads_portuguese(page)
    page.get_by_label(t("Zones you operate (one per line)")).fill("solucao-redes.example\nex@mple.org")
    page.locator("main form button[type=submit]").first.click()
    _reads_portuguese(page)
    page.get_by_label(t("Zones you operate (one per line)")).fill("solucao-redes.example")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("main")).to_contain_text("solucao-redes.example")
    _reads_portuguese(page)

    page.goto(f"{base}/dashboard/assessment")
    _reads_portuguese(page)
    for practice in page.locator("fieldset.practice").all():
        practice.get_by_label(t("Yes, we do this")).check()
        practice.locator("textarea").fill("Documentado no nosso runbook, revisado a cada trimestre.")
    page.get_by_role("button", name=t("Save the self-assessment")).click()
    _reads_portuguese(page)
    page.goto(f"{base}/dashboard")
    page.get_by_role("button", name=t("Submit for review")).click()
    _reads_portuguese(page)

    # Staff approve, in Portuguese too; then anyone finds the participant without typing its accents.
    page.get_by_role("button", name=t("Log out")).click()
    with live_server.app.app_context():
        make_user(email="staff@icann.example", password=PASSWORD, is_staff=True)
    page.goto(f"{base}/login")
    page.get_by_label(t("Email address")).fill("staff@icann.example")
    page.get_by_label(t("Password")).fill(PASSWORD)
    page.get_by_role("button", name=t("Log in")).click()
    page.goto(f"{base}/admin/")
    _reads_portuguese(page)
    page.get_by_role("link", name="Solução Redes Ltda").first.click()
    _reads_portuguese(page)
    page.get_by_role("button", name=t("Approve")).click()
    _reads_portuguese(page)
    page.get_by_role("button", name=t("Log out")).click()
    page.goto(f"{base}/participants")
    _reads_portuguese(page)
    page.locator("main input[name=q]").fill("solucao")
    page.locator("main input[name=q]").press("Enter")
    expect(page.get_by_role("link", name="Solução Redes Ltda")).to_be_visible()
    _reads_portuguese(page)
