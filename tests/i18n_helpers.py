"""What the code marks for translation, extracted as `make messages` does (babel.cfg and the same keywords)."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from babel.messages.extract import extract_from_dir

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
