"""Charts drawn as inline SVG by the server: no script, no external assets, readable without CSS."""
from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

# Geometry in SVG user units; the SVG scales to its container through its viewBox.
WIDTH = 640
LABEL_WIDTH = 260
VALUE_WIDTH = 50
BAR_HEIGHT = 24
GAP = 10
PADDING = 8


def bar_chart_svg(rows: Sequence[tuple[str, int]], title: str = "", *, id_prefix: str = "chart") -> Markup:
    """A horizontal bar chart of (label, value) rows, in the given order, as an inline `<svg>`.

    Accessible: `role="img"` with a `<title>` (and `aria-labelledby` pointing at it), and every bar has
    its own `<title>` "label: value" for tooltips and screen readers. Labels and the title are escaped,
    so names typed by users cannot inject markup. Bars are scaled to the largest value; a zero value
    draws no bar but keeps its row, so every label appears.
    """
    largest = max((value for _, value in rows), default=0)
    bar_space = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 2 * PADDING
    height = PADDING * 2 + len(rows) * (BAR_HEIGHT + GAP) - (GAP if rows else 0)
    title_id = f"{escape(id_prefix)}-title"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart" role="img" aria-labelledby="{title_id}" '
        f'viewBox="0 0 {WIDTH} {max(height, 2 * PADDING)}" width="100%" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{title_id}">{escape(title)}</title>',
    ]
    for index, (label, value) in enumerate(rows):
        y = PADDING + index * (BAR_HEIGHT + GAP)
        length = round(bar_space * value / largest) if largest else 0
        text_y = y + BAR_HEIGHT / 2
        parts.append(
            f'<g class="bar-row">'
            f'<title>{escape(label)}: {int(value)}</title>'
            f'<text x="{LABEL_WIDTH - PADDING}" y="{text_y}" text-anchor="end" dominant-baseline="middle" '
            f'font-size="14" fill="currentColor">{escape(label)}</text>'
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
            f'fill="#0b5cad"/>'
            f'<text x="{LABEL_WIDTH + length + PADDING}" y="{text_y}" dominant-baseline="middle" '
            f'font-size="14" fill="currentColor">{int(value)}</text>'
            f'</g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
