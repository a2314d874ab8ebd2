"""One translation mechanism for every user-facing string: pages, API messages, emails.

Strings live in api/locales/<area>.yaml as `key: {fr: ..., en: ...}`. Each area keeps its
own file; a key defined twice is an error, and a test checks every key used in the code
and templates exists in both languages. French (fr-CA) is the source language.
"""

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
            merged[key] = {lang: str(value[lang]) for lang in LANGUAGES}
    return merged


def normalise(lang: str | None) -> str:
    if not lang:
        return DEFAULT_LANGUAGE
    lang = lang.lower()[:2]
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str, **params: object) -> str:
    entry = catalog().get(key)
    if entry is None:
        return key
    text = entry[normalise(lang)]
    return text.format(**params) if params else text


def translator(lang: str):
    lang = normalise(lang)

    def _(key: str, **params: object) -> str:
        return t(key, lang, **params)

    return _
