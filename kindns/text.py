"""Text that people type and others read: names, contacts, citations."""
from __future__ import annotations

import re

# Unicode's explicit directional formatting characters (UAX #9): embeddings and overrides (U+202A-U+202E),
# isolates (U+2066-U+2069) and the marks (U+200E, U+200F, U+061C). In a name they can make the text shown
# differ from the text stored ("evil\u202eelgoog" reads "evilgoogle"), and no name needs them to be read.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean_display_text(text: str) -> str:
    """`text` as stored for display: bidi control characters removed and runs of white space made one space."""
    return " ".join(BIDI_CONTROLS.sub("", text).split())
