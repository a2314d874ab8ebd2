"""Server-rendered pages: one Jinja2 environment, one `render`, the helpers templates use."""

from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates

from api.i18n import normalise, t, translator
from api.money import format_money
from api.security import new_csrf_token
from api.timeutil import local

TEMPLATES_DIR = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))

MONTHS = {
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
}


def format_datetime(value: datetime | None, lang: str, tz: str) -> str:
    """23 novembre 2026, 14 h 30 (HNE) / November 23, 2026, 2:30 PM (EST)."""
    if value is None:
        return ""
    moment = local(value, tz)
    zone = moment.tzname() or ""
    month = MONTHS[lang][moment.month - 1]
    if lang == "fr":
        return f"{moment.day} {month} {moment.year}, {moment.hour} h {moment.minute:02d} ({zone})"
    hour = moment.hour % 12 or 12
    ampm = "AM" if moment.hour < 12 else "PM"
    return f"{month} {moment.day}, {moment.year}, {hour}:{moment.minute:02d} {ampm} ({zone})"


def format_date(value: date | datetime | None, lang: str, tz: str | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value, tz or "UTC").date()
    month = MONTHS[lang][value.month - 1]
    return f"{value.day} {month} {value.year}" if lang == "fr" else f"{month} {value.day}, {value.year}"


def page_lang(request: Request) -> str:
    viewer = getattr(request.state, "viewer", None)
    if viewer is not None:
        return viewer.lang
    return normalise(request.cookies.get("lang"))


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = new_csrf_token()
        request.session["csrf"] = token
    return token


def flash(request: Request, key: str, kind: str = "info", **params: Any) -> None:
    # Reassign (not append in place) so the session middleware notices the change.
    request.session["flash"] = [*request.session.get("flash", []),
                                {"key": key, "kind": kind, "params": params}]


def render(request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200):
    lang = page_lang(request)
    tz = request.app.state.rules.rules.collective.timezone
    ctx: dict[str, Any] = {
        "request": request,
        "lang": lang,
        "_": translator(lang),
        "viewer": getattr(request.state, "viewer", None),
        "csrf_token": csrf_token(request),
        "tz": tz,
        "collective_name": request.app.state.rules.rules.collective.name,
        "fmt_dt": lambda v: format_datetime(v, lang, tz),
        "fmt_date": lambda v: format_date(v, lang, tz),
        "fmt_money": lambda cents: format_money(cents, lang),
        "flashes": [
            {"kind": f["kind"], "text": t(f["key"], lang, **f.get("params", {}))}
            for f in request.session.pop("flash", [])
        ],
        "nav": nav_items(request),
    }
    ctx.update(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status)


# Areas add their menu entries here at import: (translation key, path, needs admin).
NAV: list[tuple[str, str, bool]] = []


def add_nav(key: str, path: str, admin_only: bool = False) -> None:
    if (key, path, admin_only) not in NAV:
        NAV.append((key, path, admin_only))


# Daily work first, reference pages after; entries not listed here come last.
NAV_ORDER = ["/decisions", "/meetings", "/committees", "/grants", "/calendar", "/fee-splits", "/bodies",
             "/organisations", "/people", "/register", "/workflows", "/preferences", "/admin/outbox"]


def nav_items(request: Request) -> list[tuple[str, str]]:
    viewer = getattr(request.state, "viewer", None)
    if viewer is None:
        return []
    items = [(key, path) for key, path, admin in NAV if not admin or viewer.is_admin]
    rank = {path: i for i, path in enumerate(NAV_ORDER)}
    return sorted(items, key=lambda item: rank.get(item[1], len(NAV_ORDER)))


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site relative paths are followed after sign-in or a language switch."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)
