"""The calendar page (every deadline by month) and the personal ICS feed at a secret URL."""

from datetime import date

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from api.calendar import service
from api.deps import Ctx, PageCtx, check_csrf
from api.errors import NotFound
from api.i18n import catalog
from api.web import MONTHS, flash, redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


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
def calendar_page(request: Request, ctx: PageCtx, month: str | None = None):
    year, mon = _month((month or "")[:7], ctx.today)
    days = service.month_days(ctx, year, mon)
    token = service.ensure_feed_token(ctx)
    prev = f"{year - (mon == 1)}-{(mon - 2) % 12 + 1:02d}"
    nxt = f"{year + (mon == 12)}-{mon % 12 + 1:02d}"
    kinds = {key[len("calendar.kind."):] for key in catalog() if key.startswith("calendar.kind.")}
    base = ctx.settings.base_url.rstrip("/")
    return render(request, ctx, "calendar/month.html", {
        "days": days, "year": year, "month": mon, "prev": prev, "next": nxt, "known_kinds": kinds,
        "feed_url": f"{base}/calendar/{token}.ics",
        "month_label": f"{MONTHS[ctx.lang][mon - 1]} {year}"})


@router.post("/calendar/feed")
def rotate_feed(request: Request, ctx: PageCtx):
    service.rotate_feed_token(ctx)
    flash(request, "calendar.rotated", "success")
    return redirect("/calendar")


@router.get("/calendar/{token}.ics")
def ics_feed(token: str, ctx: Ctx) -> Response:
    person = service.person_for_token(ctx, token)
    if person is None:
        raise NotFound()
    return Response(service.feed(ctx, person), media_type="text/calendar; charset=utf-8",
                    headers={"Cache-Control": "private, max-age=300",
                             "Content-Disposition": 'inline; filename="relais.ics"'})
