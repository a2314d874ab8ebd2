"""Server-rendered pages: one Jinja2 environment, one `render`, the helpers templates use."""

from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates

from api.i18n import format_number, normalise, t, translator
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


# Canadian zone abbreviations in French (Office québécois de la langue française).
FRENCH_ZONES = {"EST": "HNE", "EDT": "HAE", "AST": "HNA", "ADT": "HAA", "CST": "HNC", "CDT": "HAC",
                "MST": "HNR", "MDT": "HAR", "PST": "HNP", "PDT": "HAP", "NST": "HNT", "NDT": "HAT"}
NBSP = "\u00a0"


def zone_name(moment: datetime, lang: str) -> str:
    """HNE / HAE in French, EST / EDT in English."""
    zone = moment.tzname() or ""
    return FRENCH_ZONES.get(zone, zone) if lang == "fr" else zone


def format_time(value: datetime, lang: str, tz: str) -> str:
    """17 h 00 (non-breaking spaces: never cut across two lines) / 5:00 PM."""
    moment = local(value, tz)
    if lang == "fr":
        return f"{moment.hour}{NBSP}h{NBSP}{moment.minute:02d}"
    return f"{moment.hour % 12 or 12}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def format_datetime(value: datetime | None, lang: str, tz: str) -> str:
    """23 novembre 2026, 14 h 30 (HNE) / November 23, 2026, 2:30 PM (EST)."""
    if value is None:
        return ""
    moment = local(value, tz)
    zone = zone_name(moment, lang)
    month = MONTHS[lang][moment.month - 1]
    if lang == "fr":
        return f"{moment.day}{NBSP}{month} {moment.year}, {format_time(moment, lang, tz)} ({zone})"
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


def render(request: Request, ctx: Any, name: str, context: dict[str, Any] | None = None,
           status: int = 200, lang: str | None = None):
    """A page for the unit of work `ctx` (an `api.context.Context`). An error page (a form
    shown again with its errors) rolls the unit of work back: an error changes nothing.
    `lang`: a page in another language than the viewer's or the browser's (the page of a link
    from an email, in the language of the person it was sent to)."""
    if status >= 400:
        ctx.refuse()
    viewer = ctx.viewer
    if lang is None:
        lang = viewer.lang if viewer is not None else normalise(request.cookies.get("lang"))
    else:
        request.state.lang = lang  # an error page after this one speaks the same language
    return render_page(request, name, context, status, lang=lang, tz=ctx.tz,
                       collective_name=ctx.rules.collective.name, viewer=viewer,
                       nav=nav_items(ctx))


def render_error(request: Request, status: int, message: str):
    """The error page, from an exception handler (no unit of work: the runtime's rules)."""
    runtime = request.app.state.runtime
    rules = runtime.book.in_force.rules
    return render_page(request, "error.html", {"status": status, "message": message}, status,
                       lang=page_lang(request), tz=rules.collective.timezone,
                       collective_name=rules.collective.name,
                       viewer=bool(getattr(request.state, "signed_in", False)), nav=[])


def page_lang(request: Request) -> str:
    """The language of a page shown outside a unit of work (sign-out, errors)."""
    lang = getattr(request.state, "lang", None)
    return lang if lang is not None else normalise(request.cookies.get("lang"))


def render_page(request: Request, name: str, context: dict[str, Any] | None, status: int, *,
                lang: str, tz: str, collective_name: str, viewer: Any, nav: list[tuple[str, str]]):
    ctx: dict[str, Any] = {
        "request": request,
        "lang": lang,
        "_": translator(lang),
        "viewer": viewer,
        "csrf_token": csrf_token(request),
        "tz": tz,
        "collective_name": collective_name,
        "fmt_dt": lambda v: format_datetime(v, lang, tz),
        "fmt_date": lambda v: format_date(v, lang, tz),
        "fmt_money": lambda cents: format_money(cents, lang),
        # "Vote closes:" / "Fin du vote :" (a non-breaking space before the colon in French).
        "colon": NBSP + ":" if lang == "fr" else ":",
        "fmt_number": lambda v, decimals=2: format_number(v, lang, decimals),
        "fmt_hours": lambda v: "" if v is None else f"{format_number(v, lang)}{NBSP}h",  # 2,50 h
        "flashes": [
            {"kind": f["kind"], "text": t(f["key"], lang, **f.get("params", {}))}
            for f in request.session.pop("flash", [])
        ],
        "nav": nav,
    }
    ctx.update(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status)


# Daily work first, reference pages after; entries not listed here come last.
NAV_ORDER = ["/decisions", "/meetings", "/committees", "/grants", "/calendar", "/fee-splits", "/bodies",
             "/organisations", "/people", "/register", "/workflows", "/preferences", "/admin/outbox"]


def nav_items(ctx: Any) -> list[tuple[str, str]]:
    """The menu entries the areas installed that this person is shown."""
    viewer = ctx.viewer
    if viewer is None:
        return []
    items = [(e.key, e.path) for e in ctx.registry.nav if e.shown is None or e.shown(ctx, viewer)]
    rank = {path: i for i, path in enumerate(NAV_ORDER)}
    return sorted(items, key=lambda item: rank.get(item[1], len(NAV_ORDER)))


def admin_only(ctx: Any, viewer: Any) -> bool:
    """A menu entry for administrators."""
    return viewer.is_admin


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
