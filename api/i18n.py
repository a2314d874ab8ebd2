"""One translation mechanism for every user-facing string: pages, API messages, emails.

Strings live in api/locales/<area>.yaml as `key: {fr: ..., en: ...}`. Each area keeps its
own file; a key defined twice is an error, and a test checks every key used in the code
and templates exists in both languages. French (fr-CA) is the source language.
"""

import csv
import io
import re
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import yaml

LOCALES_DIR = Path(__file__).parent / "locales"
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"


class CatalogError(Exception):
    pass


@lru_cache
def catalog() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(LOCALES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, value in data.items():
            if key in merged:
                raise CatalogError(f"{path.name}: key {key!r} is already defined elsewhere")
            if not isinstance(value, dict) or set(value) != set(LANGUAGES):
                raise CatalogError(f"{path.name}: key {key!r} needs exactly fr and en")
            merged[key] = {"fr": french_typography(str(value["fr"])), "en": str(value["en"])}
    return merged


NBSP = "\u00a0"


def french_typography(text: str) -> str:
    """Québec typography, whatever the catalogue's author typed: a non-breaking space before
    ":" and inside « », so a line never starts with the colon or the closing quote."""
    text = re.sub(r" +(?=[:»])", NBSP, text)
    return re.sub(r"(?<=«) +", NBSP, text)


def normalise(lang: str | None) -> str:
    if not lang:
        return DEFAULT_LANGUAGE
    lang = lang.lower()[:2]
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def plural_form(count: object, lang: str) -> str:
    """"one" or "other": French takes the singular below 2 ("0 jour", "1 jour", "1,5 jour"),
    English only for exactly 1."""
    try:
        number = abs(float(count))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "other"
    if normalise(lang) == "fr":
        return "one" if number < 2 else "other"
    return "one" if number == 1 else "other"


def t(key: str, lang: str, **params: object) -> str:
    """The string `key` in `lang`. A key with plural forms (`key.one` and `key.other` in the
    catalogue) takes the form matching its `count` parameter: "1 jour", "3 jours"."""
    if "count" in params and f"{key}.one" in catalog():
        key = f"{key}.{plural_form(params['count'], lang)}"
    entry = catalog().get(key)
    if entry is None:
        return key
    text = entry[normalise(lang)]
    if not params:
        return text
    if "|" in text:  # inline plurals: "{n} {n|vote|votes}"
        text = INLINE_PLURAL.sub(lambda m: _inline(m, params, lang), text)
    return text.format(**params)


INLINE_PLURAL = re.compile(r"\{(\w+)\|([^{}|]*)\|([^{}|]*)\}")


def _inline(match: re.Match, params: dict, lang: str) -> str:
    name, one, other = match.groups()
    if name not in params:
        return match.group(0)
    chosen = one if plural_form(params[name], lang) == "one" else other
    return chosen.replace("{", "{{").replace("}", "}}")


def colon(lang: str) -> str:
    """The colon between a label and its value: "Montant\u00a0: 5" in French, "Amount: 5" in English."""
    return "\u00a0: " if normalise(lang) == "fr" else ": "


def format_number(value: object, lang: str, decimals: int = 2) -> str:
    """12 345,67 in French (non-breaking spaces, decimal comma), 12,345.67 in English."""
    number = value if isinstance(value, int | Decimal) else Decimal(str(value))
    text = f"{number:,.{decimals}f}"
    if normalise(lang) == "fr":
        return text.replace(",", "\u00a0").replace(".", ",")
    return text


def csv_number(value: object, lang: str) -> str:
    """A number as a spreadsheet in that language reads it: "12345,67" for a French Excel
    (decimal comma, no thousands separator), "12345.67" in English; "" stays "" ."""
    if value is None or value == "":
        return ""
    text = str(value)
    return text.replace(".", ",") if normalise(lang) == "fr" else text


def csv_bytes(header: list[str], rows: Iterable[list[object]], lang: str) -> bytes:
    """A CSV file a spreadsheet opens right in the person's language. French: UTF-8 with a
    byte-order mark (Excel then reads the accents), `;` between cells (the comma is the
    decimal mark) and CRLF; English: the comma-separated format, UTF-8 without a mark."""
    out = io.StringIO()
    french = normalise(lang) == "fr"
    writer = csv.writer(out, delimiter=";" if french else ",", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if french else "") + out.getvalue()).encode("utf-8")


def translator(lang: str):
    lang = normalise(lang)

    def _(key: str, **params: object) -> str:
        return t(key, lang, **params)

    return _
