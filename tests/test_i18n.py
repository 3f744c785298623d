"""Choosing the language: negotiated from the browser, chosen with the switcher (kept in a cookie and on the
account), announced in <html lang> and in hreflang alternates."""
from __future__ import annotations

import re

from kindns.extensions import db
from tests.factories import make_user


def _lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_the_browsers_language_is_honoured(client):
    assert _lang(client.get("/", headers={"Accept-Language": "es-PY,es;q=0.9,en;q=0.5"})) == "es"
    assert _lang(client.get("/", headers={"Accept-Language": "pt-BR"})) == "pt-BR"
    assert _lang(client.get("/", headers={"Accept-Language": "fr-SN, fr"})) == "fr"
    assert _lang(client.get("/", headers={"Accept-Language": "de-DE"})) == "en"
    assert _lang(client.get("/")) == "en"


def test_the_switcher_keeps_the_visitor_on_the_page_and_remembers(client):
    page = client.get("/participants?region=LAC", headers={"Accept-Language": "en"}).get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" hreflang="pt-BR"', page).group(1)
    assert link.startswith("/participants?") and "region=LAC" in link and "lang=pt_BR" in link
    response = client.get(link.replace("&amp;", "&"))
    assert _lang(response) == "pt-BR"
    assert "kindns_lang=pt_BR" in response.headers["Set-Cookie"]
    # The cookie keeps it, whatever the browser says, until another choice.
    assert _lang(client.get("/champions", headers={"Accept-Language": "fr"})) == "pt-BR"
    assert _lang(client.get("/champions?lang=fr")) == "fr"
    assert _lang(client.get("/")) == "fr"


def test_a_logged_in_users_choice_is_saved_on_the_account(client, auth):
    user = make_user()
    auth.login_as(user)
    client.get("/dashboard?lang=es")
    db.session.expire_all()
    assert user.language == "es"
    client.delete_cookie("kindns_lang", domain="registry.test")
    assert _lang(client.get("/dashboard", headers={"Accept-Language": "fr"})) == "es"


def test_every_page_names_its_alternates(client):
    page = client.get("/leaderboard").get_data(as_text=True)
    alternates = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', page))
    assert set(alternates) == {"en", "es", "pt-BR", "fr", "x-default"}
    assert alternates["es"] == "http://registry.test/leaderboard?lang=es"
    assert alternates["x-default"] == "http://registry.test/leaderboard"


def test_an_unknown_language_falls_back(client):
    assert _lang(client.get("/?lang=tlh")) == "en"


def test_countries_are_named_and_sorted_in_the_readers_language(app):
    from kindns.regions import country_choices, country_name, sorted_countries

    assert country_name("BR", "pt_BR") == "Brasil" and country_name("BR", "fr") == "Brésil"
    assert country_name("CI", "fr") == "Côte d'Ivoire" and country_name("DE", "es") == "Alemania"
    assert country_name("BO") == "Bolivia"  # English: the common name
    # Åland sorts beside Albania and Côte d'Ivoire among the Cs, not after Z as a byte order would have it.
    assert sorted_countries(["ZW", "AX", "AL", "CI", "CU"], "en") == ["AX", "AL", "CI", "CU", "ZW"]
    assert sorted_countries(["ES", "EC", "EG"], "fr") == ["EG", "EC", "ES"]  # Égypte, Équateur, Espagne
    with app.test_request_context("/?lang=es"):
        from flask_babel import refresh

        refresh()
        names = [name for _code, name in country_choices()]
        assert names.index("Alemania") < names.index("Brasil") < names.index("Zimbabue")


def test_text_folding_and_collation():
    from kindns.text import collation_key, fold, folded_words

    assert fold("Solução Network") == "solucao network"
    assert folded_words("Solução  Network – SOLUÇÃO") == ["solucao", "network"]
    assert sorted(["Zorro", "Éclair", "eclair", "Apple"], key=collation_key)[:2] == ["Apple", "eclair"]
