"""The calendar page (every deadline by month) and the personal ICS feed at a secret URL."""

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api.access import Viewer
from api.calendar import service
from api.deps import check_csrf, get_db, page_viewer
from api.errors import NotFound
from api.i18n import catalog
from api.timeutil import local, now
from api.web import MONTHS, add_nav, flash, page_lang, redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])

add_nav("nav.calendar", "/calendar")


def _month(value: str | None, today: date) -> tuple[int, int]:
    if value:
        try:
            year, month = (int(p) for p in value.split("-", 1))
            if 1900 <= year <= 2200 and 1 <= month <= 12:
                return year, month
        except ValueError:
            pass
    return today.year, today.month


@router.get("/calendar")
def calendar_page(request: Request, month: str | None = None,
                  db: Session = Depends(get_db), viewer: Viewer = Depends(page_viewer)):
    tz = request.app.state.rules.rules.collective.timezone
    year, mon = _month((month or "")[:7], local(now(), tz).date())
    days = service.month_days(db, viewer, year, mon, tz)
    token = service.ensure_feed_token(db, viewer.person)
    prev = f"{year - (mon == 1)}-{(mon - 2) % 12 + 1:02d}"
    nxt = f"{year + (mon == 12)}-{mon % 12 + 1:02d}"
    kinds = {key[len("calendar.kind."):] for key in catalog() if key.startswith("calendar.kind.")}
    base = request.app.state.settings.base_url.rstrip("/")
    return render(request, "calendar/month.html", {
        "days": days, "year": year, "month": mon, "prev": prev, "next": nxt, "known_kinds": kinds,
        "feed_url": f"{base}/calendar/{token}.ics",
        "month_label": f"{MONTHS[page_lang(request)][mon - 1]} {year}"})


@router.post("/calendar/feed")
def rotate_feed(request: Request, db: Session = Depends(get_db), viewer: Viewer = Depends(page_viewer)):
    service.rotate_feed_token(db, viewer.person)
    flash(request, "calendar.rotated", "success")
    return redirect("/calendar")


@router.get("/calendar/{token}.ics")
def ics_feed(token: str, request: Request, db: Session = Depends(get_db)) -> Response:
    person = service.person_for_token(db, token)
    if person is None:
        raise NotFound()
    settings = request.app.state.settings
    body = service.feed(db, person, request.app.state.rules.rules.collective.timezone, settings.base_url)
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Cache-Control": "private, max-age=300",
                             "Content-Disposition": 'inline; filename="relais.ics"'})
