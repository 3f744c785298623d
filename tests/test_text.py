"""Text people type and read: cleaned once for display."""
from __future__ import annotations

import pytest

from kindns.text import clean_display_text, first_free, slugify


@pytest.mark.parametrize("typed,stored", [
    ("  Evil\u202emoc.elgoog   Networks ", "Evilmoc.elgoog Networks"),
    ("\u2067Mallory\u2069 \u200fNOC", "Mallory NOC"),
    ("Null\x00 and bell\x07 and\tC1\x85 here", "Null and bell and C1 here"),
    ("two\nlines", "two lines"),
])
def test_a_name_is_one_line_without_control_characters(typed, stored):
    assert clean_display_text(typed) == stored


@pytest.mark.parametrize("typed,stored", [
    ("  First  line \r\nsecond\u202e line\x00  ", "First line\nsecond line"),
    ("\n\nOne.\r\n\r\n\r\n\r\nTwo.\n\n", "One.\n\nTwo."),
    ("\u202e\x00  ", ""),
])
def test_a_note_keeps_its_lines_and_paragraphs(typed, stored):
    assert clean_display_text(typed, multiline=True) == stored


def test_search_text_and_terms_fold_alike():
    from kindns.text import search_terms, search_text

    assert search_text("Solução  Redes S.A.") == "solucao redes s.a."
    assert search_terms("REDES solução redes") == ["redes", "solucao"]
    assert all(term in search_text("Solução  Redes S.A.") for term in search_terms("s.a. SOLUCAO"))


@pytest.mark.parametrize("name,slug", [
    ("Solução Redes S.A.", "solucao-redes-s-a"),
    ("  Réseau -- Île-de-France  ", "reseau-ile-de-france"),
    ("東京ネットワーク", "organisation"),  # nothing ASCII is left
    ("a" * 40 + " " + "b" * 40, "a" * 40 + "-" + "b" * 29),
    ("a" * 69 + " b", "a" * 69),  # never ends in a hyphen when cut
])
def test_a_slug_is_ascii_hyphenated_and_bounded(name, slug):
    assert slugify(name, 70, "organisation") == slug


def test_the_first_free_slug_counts_from_two():
    assert first_free("lacnic", set()) == "lacnic"
    assert first_free("lacnic", {"lacnic"}) == "lacnic-2"
    assert first_free("lacnic", {"lacnic", "lacnic-2", "lacnic-4"}) == "lacnic-3"
