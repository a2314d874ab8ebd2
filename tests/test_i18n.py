"""Every user-facing string exists in French and in English."""

import re
from pathlib import Path

from api.collective.models import BodyKind, OrganisationKind, SeatRole
from api.i18n import catalog, t

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_KEY = re.compile(r"""_\(\s*["']([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)["']""")
PYTHON_KEY = re.compile(
    r"""\b(?:t|_|add_nav|NotFound|Forbidden|Conflict|Invalid|TooMany|AppError|Blocked|flash\(request,)\(?\s*["']"""
    r"""([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)["']""")


def _used_keys() -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    for path in list((ROOT / "api").rglob("*.html")) + list((ROOT / "notifications").rglob("*.html")) \
            + list((ROOT / "notifications").rglob("*.txt")):
        for key in TEMPLATE_KEY.findall(path.read_text(encoding="utf-8")):
            used.setdefault(key, set()).add(str(path.relative_to(ROOT)))
    for path in list((ROOT / "api").rglob("*.py")) + list((ROOT / "notifications").rglob("*.py")):
        for key in PYTHON_KEY.findall(path.read_text(encoding="utf-8")):
            used.setdefault(key, set()).add(str(path.relative_to(ROOT)))
    return used


def test_every_key_used_in_templates_and_code_has_french_and_english():
    known = catalog()
    missing = {key: sorted(files) for key, files in _used_keys().items() if key not in known}
    assert not missing, f"keys without a translation: {missing}"


def test_french_and_english_differ_where_they_should_and_are_never_empty():
    for key, texts in catalog().items():
        assert texts["fr"].strip() and texts["en"].strip(), key


def test_keys_built_from_values_exist_for_every_value():
    for role in SeatRole:
        assert f"role.{role}" in catalog()
    for kind in OrganisationKind:
        assert f"org.kind.{kind}" in catalog()
    for kind in BodyKind:
        assert f"body.kind.{kind}" in catalog()


def test_placeholders_are_the_same_in_both_languages():
    field = re.compile(r"\{([a-z_]+)\}")
    for key, texts in catalog().items():
        assert set(field.findall(texts["fr"])) == set(field.findall(texts["en"])), key


def test_french_is_the_default_language():
    assert t("nav.dashboard", "de") == "Tableau de bord"


def test_a_french_colon_or_closing_quote_never_starts_a_line():
    """Québec typography: "Fin du vote : …" keeps a non-breaking space before the colon and
    inside « », in every French string, and templates use `colon` rather than a typed " : "."""
    for key, entry in catalog().items():
        assert not re.search(r" [:»]|« ", entry["fr"]), key
        assert "\u00a0" not in entry["en"].replace("\u00a0h", ""), key
    typed = [str(p.relative_to(ROOT)) for p in (ROOT / "api" / "templates").rglob("*.html")
             if re.search(r"\}\} : ", p.read_text(encoding="utf-8"))]
    assert typed == []
