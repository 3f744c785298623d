"""The embeddable conformance badge: a small SVG in the familiar two-part shape, drawn here."""
from __future__ import annotations

from markupsafe import escape

from .standing import Conformance, status_display

# By StatusDisplay.key.
COLOURS = {"verified": "#1a7f37", "not-verified": "#cf222e", "not-measured": "#9a6700", "not-checked": "#6e7781"}
# Approximate width of a character of 11px Verdana, enough for a label without measuring fonts.
CHAR_WIDTH = 6.5
PADDING = 10


def _width(text: str) -> int:
    return int(len(text) * CHAR_WIDTH + 2 * PADDING)


def badge_svg(label: str, message: str, status: str) -> str:
    left, right = _width(label), _width(message)
    total = left + right
    colour = COLOURS.get(status, COLOURS["not-checked"])
    label_e, message_e = escape(label), escape(message)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" '
        f'aria-label="{label_e}: {message_e}">'
        f"<title>{label_e}: {message_e}</title>"
        f'<rect width="{left}" height="20" fill="#555"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{colour}"/>'
        f'<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{left / 2}" y="14">{label_e}</text>'
        f'<text x="{left + right / 2}" y="14">{message_e}</text>'
        f"</g></svg>"
    )


def badge_state(conformance: Conformance) -> tuple[str, str]:
    """(message, colour key) for a participant's standing."""
    display = status_display(conformance)
    return str(display.label), display.key
