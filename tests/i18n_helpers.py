"""What the code marks for translation, extracted as `make messages` does (babel.cfg and the same keywords)."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from babel.messages.extract import extract_from_dir

from kindns.config import LANGUAGES as REGISTRY_LANGUAGES

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "N_": None,
            "NP_": (1, 2)}


def _mapping() -> list[tuple[str, str]]:
    """babel.cfg as extract_from_dir wants it."""
    methods = []
    for line in (ROOT / "babel.cfg").read_text().splitlines():
        found = re.match(r"\[(\w+): (.+)\]", line.strip())
        if found:
            methods.append((found.group(2), found.group(1)))
    return methods


@lru_cache(maxsize=1)
def extracted() -> dict[str | tuple, str]:
    """msgid (or (singular, plural)) -> where it was found first, from the code as it is now."""
    found: dict = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=_mapping(), keywords=KEYWORDS, options_map={}):
        key = message if isinstance(message, str) else tuple(message[:2])
        found.setdefault(key, f"{filename}:{lineno}")
    return found


# The languages the registry ships besides English, as the configuration names them.
LANGUAGES = tuple(lang for lang in REGISTRY_LANGUAGES if lang != "en")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdfr]|%[sdfr]|\{\w*\}")


def catalogue(lang: str):
    """The .po catalogue of `lang` as Babel reads it."""
    from babel.messages.pofile import read_po

    with open(ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


@lru_cache(maxsize=None)
def english_sentences(lang: str) -> tuple[str, ...]:
    """Sentences of the catalogue that read differently in `lang`: any of them on a page in `lang` is English
    left untranslated. Only those of three words or more without placeholders or markup, which no name or
    protocol term could contain by chance."""
    found = []
    for message in catalogue(lang):
        if not message.id or not isinstance(message.id, str) or not isinstance(message.string, str):
            continue
        if PLACEHOLDER.search(message.id) or "<" in message.id or len(message.id.split()) < 3:
            continue
        if message.string and message.string != message.id:
            found.append(message.id)
    return tuple(found)


def english_left(text: str, lang: str) -> list[str]:
    """The catalogue's English sentences found in `text` (a page's visible text) although it is in `lang`."""
    text = " ".join(text.split())
    return [sentence for sentence in english_sentences(lang) if sentence in text]


@lru_cache(maxsize=None)
def translator(lang: str):
    """gettext for `lang` from the compiled catalogue, as the app reads it: what a reader of `lang` sees for
    an English msgid."""
    from babel.support import Translations

    return Translations.load(str(ROOT / "translations"), [lang]).gettext
