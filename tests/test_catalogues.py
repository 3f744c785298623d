"""The catalogues are complete and in step with the code: every marked word has its Spanish, Portuguese and
French, with the same placeholders; nothing the code no longer says is left behind (run `make messages`)."""
from __future__ import annotations

import re

import pytest

from tests.i18n_helpers import LANGUAGES, PLACEHOLDER, ROOT, catalogue, extracted


def test_make_messages_updates_every_language_the_registry_offers():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^LANGUAGES := (.+)$", makefile, re.M).group(1).split() == list(LANGUAGES)


def _key(message):
    return message.id if isinstance(message.id, str) else tuple(message.id[:2])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_catalogue_holds_exactly_what_the_code_marks(lang):
    held = {_key(m) for m in catalogue(lang) if m.id}
    code = set(extracted())
    assert sorted(map(str, code - held)) == [], "marked in the code, missing from the catalogue: run make messages"
    assert sorted(map(str, held - code)) == [], "in the catalogue, no longer in the code: run make messages"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated_with_its_placeholders(lang):
    problems = []
    for message in catalogue(lang):
        if not message.id:
            continue
        forms = [message.string] if isinstance(message.string, str) else list(message.string)
        if message.fuzzy or not all(form and form.strip() for form in forms):
            problems.append(f"untranslated: {_key(message)!r}")
            continue
        wanted = set(PLACEHOLDER.findall(" ".join([message.id] if isinstance(message.id, str) else message.id)))
        for form in forms:
            # A plural form may leave the count out ("un seul"), never add or rename a placeholder.
            if not set(PLACEHOLDER.findall(form)) <= wanted or (
                    isinstance(message.id, str) and set(PLACEHOLDER.findall(form)) != wanted):
                problems.append(f"placeholders differ: {_key(message)!r} -> {form!r}")
    assert problems == []
