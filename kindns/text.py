"""Text that people type, read and look for: names cleaned for display, sorted by the Unicode Collation
Algorithm (pyuca: "Åland" beside "Albania", "Côte d'Ivoire" among the Cs), and searched without case or accents
("Solucao" finds "Solução")."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"\w+")
# Unicode's explicit directional formatting characters (UAX #9): embeddings and overrides (U+202A-U+202E),
# isolates (U+2066-U+2069) and the marks (U+200E, U+200F, U+061C). In a name they can make the text shown
# differ from the text stored ("evil\u202eelgoog" reads "evilgoogle"), and no name needs them to be read.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


# Other control characters (C0 but tab and line breaks, DEL, C1): nobody types them, a page cannot show them,
# and PostgreSQL refuses NUL in text.
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_display_text(text: str, *, multiline: bool = False) -> str:
    """`text` as stored for display: bidi and other control characters removed and runs of white space made
    one space. A `multiline` text (a note, an answer) keeps its lines, and at most one empty line between
    paragraphs."""
    text = CONTROLS.sub("", BIDI_CONTROLS.sub("", text))
    if not multiline:
        return " ".join(text.split())
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


@lru_cache(maxsize=1)
def _collator():
    from pyuca import Collator  # loading its table takes a moment: only when something is sorted

    return Collator()


def collation_key(text: str) -> tuple:
    """A key that sorts strings as the Unicode Collation Algorithm does (case and accents second)."""
    return _collator().sort_key(text)


def fold(text: str) -> str:
    """`text` without case or accents, for matching: "Solução Network" -> "solucao network"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def folded_words(text: str) -> list[str]:
    """The folded words of `text`, in order, without repeats."""
    return list(dict.fromkeys(_WORD.findall(fold(text))))


def slugify(name: str, max_length: int, fallback: str) -> str:
    """A URL-safe slug of `name`: ASCII letters, digits and hyphens (accents dropped), at most `max_length`
    long, or `fallback` when nothing is left ("Solução Redes" -> "solucao-redes")."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:max_length].rstrip("-") or fallback


def first_free(base: str, taken: set[str]) -> str:
    """`base`, or `base` with -2, -3 … appended: the first of them not in `taken`."""
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def search_text(text: str) -> str:
    """What a search looks through: `text` folded, its white space one space ("Solução  Redes" ->
    "solucao redes"). Signs stay: someone may look for "100%"."""
    return " ".join(fold(text).split())


def search_terms(query: str) -> list[str]:
    """The parts of a search that must each be found in `search_text`, in any order: its folded, white
    space separated pieces, without repeats."""
    return list(dict.fromkeys(fold(query).split()))
