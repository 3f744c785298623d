"""Charts drawn as inline SVG by the server: no script, no external assets, readable without CSS."""
from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

# Geometry in SVG user units; the SVG scales to its container through its viewBox. The width is about a
# phone's, so that at 390 px the labels keep about their drawn size (and the page caps the charts' width).
WIDTH = 360
FONT = 13
LABEL_HEIGHT = 18
BAR_HEIGHT = 16
VALUE_WIDTH = 44
GAP = 10
PADDING = 8


def bar_chart_svg(rows: Sequence[tuple[str, int]], title: str = "", *, id_prefix: str = "chart") -> Markup:
    """A horizontal bar chart of (label, value) rows, in the given order, as an inline `<svg>`: each label
    on its own line above its bar, so that long names stay readable on a phone.

    Accessible: `role="img"` with a `<title>` (and `aria-labelledby` pointing at it), and every bar has
    its own `<title>` "label: value" for tooltips and screen readers. Labels and the title are escaped,
    so names typed by users cannot inject markup. Bars are scaled to the largest value; a zero value
    draws no bar but keeps its row, so every label appears.
    """
    largest = max((value for _, value in rows), default=0)
    bar_space = WIDTH - VALUE_WIDTH - 2 * PADDING
    row_height = LABEL_HEIGHT + BAR_HEIGHT + GAP
    height = PADDING * 2 + len(rows) * row_height - (GAP if rows else 0)
    title_id = f"{escape(id_prefix)}-title"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart" role="img" aria-labelledby="{title_id}" '
        f'viewBox="0 0 {WIDTH} {max(height, 2 * PADDING)}" width="100%" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{title_id}">{escape(title)}</title>',
    ]
    for index, (label, value) in enumerate(rows):
        top = PADDING + index * row_height
        bar_y = top + LABEL_HEIGHT
        length = round(bar_space * value / largest) if largest else 0
        parts.append(
            f'<g class="bar-row">'
            f'<title>{escape(label)}: {int(value)}</title>'
            f'<text x="{PADDING}" y="{top + LABEL_HEIGHT - 5}" font-size="{FONT}" fill="currentColor">'
            f'{escape(label)}</text>'
            f'<rect class="bar" x="{PADDING}" y="{bar_y}" width="{length}" height="{BAR_HEIGHT}" fill="#0b5cad"/>'
            f'<text x="{PADDING + length + 6}" y="{bar_y + BAR_HEIGHT / 2}" dominant-baseline="middle" '
            f'font-size="{FONT}" fill="currentColor">{int(value)}</text>'
            f'</g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


# One colour per region, distinguishable in print too (with the legend's labels).
REGION_COLOURS = {"AF": "#b35806", "AP": "#542788", "EU": "#0b5cad", "LAC": "#1a7f37", "NA": "#cf222e"}
PLOT_HEIGHT = 150
AXIS = 40
MONTH_LABELS = 4  # at most, spread over the months shown, so that they never overlap on a phone


def history_chart_svg(points: Sequence[tuple[str, str, float | None]], title: str = "", *,
                      id_prefix: str = "history", percent=lambda share: f"{round(share * 100)} %") -> Markup:
    """A line per region of (month "YYYY-MM", region code, share in [0, 1] or None) points, months in
    the order given, the y axis from 0 % to 100 %. A None share (nothing measured) breaks the line.
    Accessible like `bar_chart_svg`: a `<title>`, and each point has its own "region month: N %" title.
    `percent` writes a share for people (the page passes the reader's locale's way)."""
    months = list(dict.fromkeys(month for month, _, _ in points))
    regions = list(dict.fromkeys(region for _, region, _ in points))
    plot_width = WIDTH - AXIS - 2 * PADDING
    step = plot_width / max(len(months) - 1, 1)
    legend_top = PADDING + PLOT_HEIGHT + LABEL_HEIGHT + GAP
    height = legend_top + LABEL_HEIGHT + PADDING

    def x(month: str) -> float:
        return round(PADDING + AXIS + months.index(month) * step, 1)

    def y(share: float) -> float:
        return round(PADDING + PLOT_HEIGHT * (1 - share), 1)

    title_id = f"{escape(id_prefix)}-title"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="history-chart" role="img" aria-labelledby="{title_id}" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{title_id}">{escape(title)}</title>',
    ]
    for share in (0, 0.5, 1):
        parts.append(f'<line x1="{PADDING + AXIS}" x2="{PADDING + AXIS + plot_width}" y1="{y(share)}" '
                     f'y2="{y(share)}" stroke="#d0d7de"/><text x="{PADDING + AXIS - 4}" y="{y(share)}" '
                     f'text-anchor="end" dominant-baseline="middle" font-size="{FONT}" fill="currentColor">'
                     f'{escape(percent(share))}</text>')
    every = max(1, -(-len(months) // MONTH_LABELS))
    labelled = set(range(0, len(months), every))
    if months and len(months) - 1 - max(labelled) >= every / 2:  # the latest month, unless a label is too near
        labelled.add(len(months) - 1)
    for index, month in enumerate(months):
        if index in labelled:
            anchor = "start" if index == 0 and len(months) > 1 else "end" if index == len(months) - 1 else "middle"
            parts.append(f'<text x="{x(month)}" y="{PADDING + PLOT_HEIGHT + LABEL_HEIGHT}" text-anchor="{anchor}" '
                         f'font-size="{FONT}" fill="currentColor">{escape(month)}</text>')
    legend_step = plot_width / max(len(regions), 1)
    for index, region in enumerate(regions):
        colour = REGION_COLOURS.get(region, "#57606a")
        series = [(month, share) for month, r, share in points if r == region]
        segments: list[list[str]] = [[]]
        parts.append(f'<g class="series" data-region="{escape(region)}">')
        for month, share in series:
            if share is None:
                segments.append([])
                continue
            segments[-1].append(f"{x(month)},{y(share)}")
            parts.append(f'<circle cx="{x(month)}" cy="{y(share)}" r="3" fill="{colour}">'
                         f'<title>{escape(region)} {escape(month)}: {escape(percent(share))}</title></circle>')
        for segment in segments:
            if len(segment) > 1:
                parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(segment)}"/>')
        legend_x = round(PADDING + AXIS + index * legend_step, 1)
        parts.append(f'<rect x="{legend_x}" y="{legend_top + 4}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{legend_x + 14}" y="{legend_top + 9}" font-size="{FONT}" fill="{colour}" '
                     f'dominant-baseline="middle">{escape(region)}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))
