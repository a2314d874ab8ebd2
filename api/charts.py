"""Pictures drawn on the server as SVG, for people who would rather look than read.

Each picture is readable without JavaScript and fits a 375-pixel screen: every number is
written in the drawing as text, the SVG is an image with a title and a description for screen
readers (`role="img"`, `aria-labelledby`), and the page keeps the same figures in a table.
Pure helpers: they take already formatted labels and values, never a context.

- `share_bar`: one bar cut into each partner's share (a fee split), with a legend line each.
- `amount_bars`: one bar per row (the grant pipeline's amounts per state).
- `year_strip`: twelve months in a strip with a mark on each due date (the funder reports)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from markupsafe import Markup

from api.i18n import colon

WIDTH = 360
LABEL_CHARS = 44
# Fills that keep a 3:1 contrast with white and with each other's neighbours.
PALETTE = ["#1f5f99", "#b35900", "#2e7d32", "#7b1fa2", "#ad1457", "#00695c", "#5d4037", "#37474f"]


@dataclass(frozen=True)
class Part:
    label: str  # who or what (a partner, a state)
    value: int  # the size (cents, a count)
    shown: str  # the value as the page writes it ("12 345,67 $")


@dataclass(frozen=True)
class Mark:
    day: date
    label: str  # what is due ("Rapport final — Centraide")
    late: bool = False
    shown: str = ""  # the date as the page writes it ("28 septembre 2027"); ISO by default


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _open(chart_id: str, title: str, desc: str, height: int) -> list[str]:
    return [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="system-ui, sans-serif" font-size="13">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
    ]


def _percent(value: int, total: int, lang: str) -> str:
    if total <= 0:
        return "0 %" if lang == "fr" else "0%"
    number = f"{100 * value / total:.1f}"
    return (number.replace(".", ",") + "\u00a0%") if lang == "fr" else number + "%"


def share_bar(chart_id: str, title: str, parts: Sequence[Part], lang: str = "fr") -> Markup:
    """One bar of 100 % cut into the parts, then one legend line per part: a colour key, the
    label, the value and its percentage, all as text."""
    if not parts:
        return Markup("")
    total = sum(max(p.value, 0) for p in parts)
    bar_h, line = 28, 24
    height = bar_h + 12 + line * len(parts)
    desc = "; ".join(f"{p.label}{colon(lang)}{p.shown} ({_percent(p.value, total, lang)})" for p in parts)
    out = _open(chart_id, title, desc, height)
    x = 0.0
    for i, p in enumerate(parts):
        width = (WIDTH * max(p.value, 0) / total) if total else 0
        if width > 0:
            out.append(f'<rect x="{x:.2f}" y="0" width="{width:.2f}" height="{bar_h}" '
                       f'fill="{PALETTE[i % len(PALETTE)]}" stroke="#fff" stroke-width="1"></rect>')
        x += width
    for i, p in enumerate(parts):
        y = bar_h + 12 + i * line
        out.append(f'<rect x="0" y="{y}" width="14" height="14" fill="{PALETTE[i % len(PALETTE)]}"></rect>')
        out.append(f'<text x="20" y="{y + 12}" fill="#1a1a1a">{escape(_short(p.label, 26))}</text>')
        out.append(f'<text x="{WIDTH}" y="{y + 12}" text-anchor="end" fill="#1a1a1a">'
                   f'{escape(p.shown)} · {escape(_percent(p.value, total, lang))}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def amount_bars(chart_id: str, title: str, parts: Sequence[Part], lang: str = "fr") -> Markup:
    """One horizontal bar per part, its label above it and its value written after it."""
    if not parts:
        return Markup("")
    row, bar = 40, 14
    top = max((p.value for p in parts), default=0) or 1
    room = 130
    height = row * len(parts) + 4
    desc = "; ".join(f"{p.label}{colon(lang)}{p.shown}" for p in parts)
    out = _open(chart_id, title, desc, height)
    for i, p in enumerate(parts):
        y = i * row
        out.append(f'<text x="0" y="{y + 13}" fill="#1a1a1a">{escape(_short(p.label))}</text>')
        length = round((WIDTH - room) * max(p.value, 0) / top)
        if length:
            out.append(f'<rect x="0" y="{y + 19}" width="{length}" height="{bar}" '
                       f'fill="{PALETTE[0]}"></rect>')
        out.append(f'<text x="{length + 6}" y="{y + 31}" fill="#1a1a1a">{escape(p.shown)}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def year_strip(chart_id: str, title: str, year: int, months: Sequence[str], marks: Sequence[Mark],
               describe: str = "", lang: str = "fr") -> Markup:
    """A strip of the twelve months of `year` (their short names given, in the page's
    language) with a numbered mark on each due date; under it one line per mark with its
    date and label. `describe` is the spoken summary (defaults to the lines)."""
    marks = sorted((m for m in marks if m.day.year == year), key=lambda m: m.day)
    strip_y, strip_h, line = 18, 26, 22
    height = strip_y + strip_h + 16 + line * len(marks)
    month_w = WIDTH / 12
    lines = [f"{m.shown or m.day.isoformat()}{colon(lang)}{m.label}" for m in marks]
    out = _open(chart_id, title, describe or "; ".join(lines) or title, height)
    for i, name in enumerate(months[:12]):
        x = i * month_w
        fill = "#eef2f6" if i % 2 == 0 else "#dde4ec"
        out.append(f'<rect x="{x:.2f}" y="{strip_y}" width="{month_w:.2f}" height="{strip_h}" fill="{fill}"></rect>')
        out.append(f'<text x="{x + month_w / 2:.2f}" y="13" text-anchor="middle" font-size="10" '
                   f'fill="#1a1a1a">{escape(name[:4])}</text>')
    start = date(year, 1, 1)
    days = (date(year + 1, 1, 1) - start).days
    for n, m in enumerate(marks, start=1):
        x = WIDTH * ((m.day - start).days + 0.5) / days
        colour = "#b00020" if m.late else "#1f5f99"
        out.append(f'<circle cx="{x:.2f}" cy="{strip_y + strip_h / 2}" r="8" fill="{colour}"></circle>')
        out.append(f'<text x="{x:.2f}" y="{strip_y + strip_h / 2 + 4}" text-anchor="middle" '
                   f'font-size="10" fill="#fff">{n}</text>')
        y = strip_y + strip_h + 16 + (n - 1) * line
        out.append(f'<text x="0" y="{y}" fill="#1a1a1a">{n}. {escape(m.shown or m.day.isoformat())} — '
                   f'{escape(_short(m.label, 34))}</text>')
    out.append("</svg>")
    return Markup("".join(out))
