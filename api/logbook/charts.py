"""Bar charts drawn on the server as SVG: readable without JavaScript, on a 375-pixel screen
(a label line above each bar), with every number written as text and a description that a
screen reader reads out. A hidden small cell ("< 5") gets no bar, so its size cannot be read
from the drawing either."""

from html import escape

from markupsafe import Markup

from api.i18n import colon
from api.logbook.stats import Cell

WIDTH = 360
ROW = 38
BAR = 14
LABEL_CHARS = 52


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS - 1] + "…"


def bar_chart(chart_id: str, title: str, cells: list[Cell], lang: str = "fr") -> Markup:
    if not cells:
        return Markup("")
    top = max((c.count for c in cells if not c.hidden), default=0) or 1
    height = ROW * len(cells) + 6
    desc = "; ".join(f"{c.label}{colon(lang)}{c.shown} ({c.percent})" for c in cells)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
    ]
    value_room = 92
    for i, c in enumerate(cells):
        y = i * ROW
        parts.append(f'<text x="0" y="{y + 13}" class="chart-label">{escape(_short(c.label))}</text>')
        length = 0 if c.hidden else round((WIDTH - value_room) * c.count / top)
        if length:
            parts.append(f'<rect x="0" y="{y + 18}" width="{length}" height="{BAR}" class="chart-bar"></rect>')
        parts.append(f'<text x="{length + 6}" y="{y + 30}" class="chart-value">'
                     f'{escape(c.shown)} · {escape(c.percent)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
