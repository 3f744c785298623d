"""The registry as a reader of Spanish, Brazilian Portuguese or French sees it: every page (public, an
operator's, staff's) in that language with no English sentence of the catalogue left on it, the page's
language declared, and WTForms' own messages (a field left empty) in that language too."""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from tests.i18n_helpers import LANGUAGES, english_left, translator
from tests.test_pseudo_locale import _pages, _registry, _Text

HTML_LANG = {"es": "es", "pt_BR": "pt-BR", "fr": "fr"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_reads_in_the_chosen_language(client, auth, lang):
    org, other, operator, staff = _registry()
    t = translator(lang)
    problems = []
    for who, urls in _pages(org, other).items():
        auth.logout()
        if who != "public":
            auth.login_as(operator if who == "operator" else staff)
        for url in urls:
            response = client.get(url + ("&" if "?" in url else "?") + f"lang={lang}")
            html = response.get_data(as_text=True)
            assert f'<html lang="{HTML_LANG[lang]}"' in html, url
            parser = _Text()
            parser.feed(html)
            problems += [f"{url}: {sentence!r}" for sentence in english_left(" ".join(parser.texts), lang)]
    assert problems == [], "English left on pages in " + lang + ":\n" + "\n".join(problems[:40])
    # And the reader's words are there: the directory's heading as the catalogue translates it.
    auth.logout()
    assert t("Participants") in client.get(f"/participants?lang={lang}").get_data(as_text=True)


@pytest.mark.parametrize(("lang", "required"), [
    ("es", "Este campo es obligatorio."), ("pt_BR", "Campo obrigatório."), ("fr", "Ce champ est requis."),
])
def test_wtforms_own_messages_follow_the_reader(app, lang, required):
    from kindns.admin.forms import DisputeAnswerForm

    with app.test_request_context(f"/?lang={lang}", method="POST"):
        app.preprocess_request()
        form = DisputeAnswerForm(formdata=MultiDict({"answer": ""}), meta={"csrf": False})
        assert not form.validate()
        assert form.answer.errors == [required]
