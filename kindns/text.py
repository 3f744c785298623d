"""Text as people compare it: sorted by the Unicode Collation Algorithm (pyuca: "Åland" beside "Albania",
"Côte d'Ivoire" among the Cs, whatever the language), and searched without case or accents ("Solucao" finds
"Solução")."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"\w+")


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
