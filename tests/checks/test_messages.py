"""Messages: rendering in English and through a translation, robustness against what a stored message may
hold, the templates' hygiene, and the guard that keeps English out of arguments."""
from __future__ import annotations

import json
import re

import pytest

from kindns.checks.messages import TEMPLATES, Plural, msg, problems, render
from tests.checks.messagecheck import english_in_args, message_faults

NS1 = msg("server", name="ns1.example.org.", address="192.0.2.1")
NS2 = msg("server", name="ns2.example.org.", address="198.51.100.2")


def test_a_message_is_json_data_and_renders_in_english_by_default():
    message = msg("AXFR_ALLOWED", server=NS1)
    assert json.loads(json.dumps(message)) == message == {"code": "AXFR_ALLOWED", "args": {"server": NS1}}
    assert render(message) == "ns1.example.org. (192.0.2.1) transferred the zone to us"


def test_nested_messages_render_first_and_lists_join_with_commas():
    message = msg("SERIALS_DIFFER", serials=[msg("serial-on", serial=2024010101, servers=[NS1]),
                                             msg("serial-on", serial=2024010102, servers=[NS2])])
    assert render(message) == ("the serials differ: 2024010101 on ns1.example.org. (192.0.2.1), 2024010102 on "
                               "ns2.example.org. (198.51.100.2)")
    assert render(msg("NS_SETS_EQUAL", names=["a.example.", "b.example."])) == \
        "parent and zone both list a.example., b.example."


@pytest.mark.parametrize("num, text", [
    (1, "NSEC3 uses 1 extra iteration (0 expected)"),
    (10, "NSEC3 uses 10 extra iterations (0 expected)"),
    (0, "NSEC3 uses 0 extra iterations (0 expected)"),
])
def test_plurals_follow_num(num, text):
    assert render(msg("NSEC3_ITERATIONS", num=num)) == text


@pytest.mark.parametrize("message, text", [
    (msg("NO_SUCH_CODE", server=NS1, count=2), "NO_SUCH_CODE(server=server(name=ns1.example.org., "
                                               "address=192.0.2.1), count=2)"),
    (msg("AXFR_ALLOWED"), "AXFR_ALLOWED"),                        # its argument is missing
    (msg("AXFR_ALLOWED", server=msg("gone", why="x")), "gone(why=x) transferred the zone to us"),
    ({"code": "AXFR_ALLOWED", "args": "not a mapping"}, "{'code': 'AXFR_ALLOWED', 'args': 'not a mapping'}"),
    ({"no": "code"}, "{'no': 'code'}"),
    (None, ""),
    ("an old English summary", "an old English summary"),
    (msg("NSEC3_ITERATIONS", num="many"), "NSEC3 uses many extra iterations (0 expected)"),
])
def test_whatever_a_stored_message_holds_renders_without_raising(message, text):
    assert render(message) == text


SPANISH = {
    "%(server)s transferred the zone to us": "%(server)s nos transfirió la zona",
    "%(name)s (%(address)s)": "%(name)s (%(address)s)",
    ("NSEC3 uses %(num)s extra iteration (0 expected)", "NSEC3 uses %(num)s extra iterations (0 expected)"):
        ("NSEC3 usa %(num)s iteración adicional (se esperan 0)", "NSEC3 usa %(num)s iteraciones adicionales "
                                                                 "(se esperan 0)"),
    "%(server)s answers authoritatively": "%(nombre)s responde con autoridad",   # a broken translation
}


def spanish_callables():
    def gettext(text):
        found = SPANISH.get(text, text)
        return found if isinstance(found, str) else text

    def ngettext(singular, plural, num):
        forms = SPANISH.get((singular, plural), (singular, plural))
        return forms[0] if num == 1 else forms[1]
    return gettext, ngettext


def test_a_translation_callable_renders_the_message_in_its_language():
    gettext, ngettext = spanish_callables()
    assert render(msg("AXFR_ALLOWED", server=NS1), gettext, ngettext) == \
        "ns1.example.org. (192.0.2.1) nos transfirió la zona"
    assert render(msg("NSEC3_ITERATIONS", num=1), gettext, ngettext) == \
        "NSEC3 usa 1 iteración adicional (se esperan 0)"
    assert render(msg("NSEC3_ITERATIONS", num=5), gettext, ngettext) == \
        "NSEC3 usa 5 iteraciones adicionales (se esperan 0)"
    # Untranslated: English. A translation whose placeholders do not fit its template: English too.
    assert render(msg("SAME_PREFIX", prefixes=["192.0.2.0/24"]), gettext, ngettext) == \
        "all addresses are in 192.0.2.0/24"
    assert render(msg("AUTHORITATIVE", server=NS1), gettext, ngettext) == \
        "ns1.example.org. (192.0.2.1) answers authoritatively"


def _compiled_catalogue(folder, language: str, entries: dict):
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    catalog = Catalog(locale=language)
    for english, translated in entries.items():
        catalog.add(english, translated)
    target = folder / language / "LC_MESSAGES"
    target.mkdir(parents=True)
    with open(target / "messages.mo", "wb") as handle:
        write_mo(handle, catalog)


def test_babel_catalogues_and_flask_babel_functions_render_the_same(tmp_path):
    """The CLI renders with a Babel Translations object's gettext/ngettext; the web app may pass Flask-Babel's
    own functions, whose ngettext formats the text itself: both give the same text."""
    import flask
    import flask_babel
    from babel.support import Translations

    _compiled_catalogue(tmp_path, "pt_BR", {
        "%(server)s transferred the zone to us": "%(server)s nos transferiu a zona",
        # Babel's Brazilian Portuguese has three plural forms (one; many, for millions; other).
        ("the parent delegates to %(num)s nameserver name: %(names)s",
         "the parent delegates to %(num)s nameserver names: %(names)s"):
            ("o pai delega a %(num)s nome de servidor: %(names)s", "o pai delega a %(num)s de nomes de servidor: "
             "%(names)s", "o pai delega a %(num)s nomes de servidor: %(names)s"),
    })
    messages = [msg("AXFR_ALLOWED", server=NS1), msg("TOO_FEW_NAMES", num=1, names=["ns1.example.org."]),
                msg("TOO_FEW_NAMES", num=3, names=["a.", "b.", "c."])]
    expected = ["ns1.example.org. (192.0.2.1) nos transferiu a zona", "o pai delega a 1 nome de servidor: "
                "ns1.example.org.", "o pai delega a 3 nomes de servidor: a., b., c."]
    catalogue = Translations.load(str(tmp_path), ["pt_BR"])
    assert [render(m, catalogue.gettext, catalogue.ngettext) for m in messages] == expected
    app = flask.Flask(__name__)
    flask_babel.Babel(app, default_locale="pt_BR", default_translation_directories=str(tmp_path))
    with app.test_request_context():
        assert [render(m, flask_babel.gettext, flask_babel.ngettext) for m in messages] == expected


def test_templates_use_named_placeholders_only():
    for code, template in TEMPLATES.items():
        forms = template if isinstance(template, Plural) else (template,)
        for form in forms:
            assert not re.search(r"%[^(%]", form), (code, form)       # positional placeholders cannot move
            assert re.findall(r"%\((\w+)\)(\w)", form) == [(name, "s") for name in
                                                          re.findall(r"%\((\w+)\)", form)], code
        if isinstance(template, Plural):  # a translation of either form may use any of their placeholders
            assert set(re.findall(r"%\((\w+)\)", template.singular)) <= set(re.findall(r"%\((\w+)\)",
                                                                                      template.plural)), code


def test_problems_name_unknown_codes_and_missing_arguments_at_any_depth():
    assert problems(msg("AXFR_ALLOWED", server=NS1)) == []
    assert problems(msg("SERIALS_DIFFER", serials=[msg("serial-on", serial=1)])) == \
        ["serial-on lacks the argument servers"]
    assert problems(msg("NOPE")) == ["unknown code NOPE"]
    assert problems(msg("NSEC3_ITERATIONS", num="2")) == ["NSEC3_ITERATIONS counts with num, which is not an "
                                                          "integer"]


@pytest.mark.parametrize("message, fault", [
    (msg("AXFR_ALLOWED", server="the first server"), "server='the first server'"),
    (msg("NOT_SERVED", reason="timeout"), "reason='timeout'"),
    (msg("SILENT_TO_US", reason=True), "reason=True"),
    (msg("SAME_PREFIX", prefixes=["192.0.2.0/24", "no prefix"]), "prefixes='no prefix'"),
])
def test_the_guard_finds_english_in_arguments(message, fault):
    assert any(fault in found for found in english_in_args(message))


def test_the_guard_lets_raw_dns_data_through():
    assert english_in_args(msg("NOT_MINIMISING", marker="HOORAY", rcode="NOERROR",
                               texts=["NO - QNAME minimisation is NOT enabled"])) == []
    assert english_in_args(msg("UNSIGNED", zone="test")) == []  # a TLD's name is one word
    assert english_in_args(msg("LAME", server=NS1, rcode="REFUSED", flags=["QR", "RD"])) == []


def test_the_guard_finds_words_a_template_did_not_bring():
    assert message_faults(msg("AXFR_ALLOWED", server=NS1)) == []
    assert any("outside the catalogue" in fault for fault in message_faults(msg("NO_SUCH_CODE", server=NS1)))


def test_every_word_of_the_engine_reaches_the_catalogue_when_extracted():
    """`make messages` extracts with the keywords N_ and NP_:1,2: every template, title, explanation and
    piece of advice must be a literal Babel finds there (an f-string or a computed string would not be)."""
    from pathlib import Path

    from babel.messages.extract import extract_from_file

    from kindns.checks import RESOLVER_CHECKS, ZONE_CHECKS

    engine = Path(__file__).resolve().parents[2] / "kindns" / "checks"
    extracted = set()
    for path in sorted(engine.glob("*.py")):
        for _line, message, _comments, _context in extract_from_file(
                "python", str(path), keywords={"N_": None, "NP_": (1, 2)}):
            extracted.add(message)
    wanted = {template for template in TEMPLATES.values()}
    for spec in [*ZONE_CHECKS.values(), *RESOLVER_CHECKS.values()]:
        wanted |= {spec.title, spec.why, spec.passes_when, *spec.advice.values()}
    missing = {text for text in wanted if (tuple(text) if isinstance(text, Plural) else text) not in extracted}
    assert missing == set()
