"""Which period a statistics request means: a fiscal year, a quarter of it, a grant's funded
period, or two days. Shared by the API and the pages (the same query parameters)."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from api.context import Context
from api.errors import Invalid
from api.grants.models import Funder, GrantApplication
from api.logbook.stats import Period, fiscal_quarter, fiscal_year, fiscal_year_of

MAX_DAYS = 366 * 20


@dataclass
class Choice:
    """The period asked for, as the form shows it back."""

    kind: str  # year | quarter | grant | range
    year: int
    quarter: int | None
    grant_id: int | None
    start: date | None
    end: date | None
    period: Period
    grant_title: str | None = None


def grants_with_periods(ctx: Context) -> list:
    """Grant applications the viewer sees that have a funded period (most recent first)."""
    return ctx.session.execute(
        select(GrantApplication.id, GrantApplication.title, GrantApplication.period_start,
               GrantApplication.period_end, Funder.name.label("funder"))
        .join(Funder, Funder.id == GrantApplication.funder_id)
        .where(GrantApplication.period_start.is_not(None), GrantApplication.period_end.is_not(None),
               ctx.viewer.visible(GrantApplication.confidential_category, GrantApplication.body_id))
        .order_by(GrantApplication.period_start.desc(), GrantApplication.id.desc()).limit(300)).all()


def resolve(ctx: Context, kind: str | None, year: int | None, quarter: int | None, grant_id: int | None,
            start: date | None, end: date | None) -> Choice:
    """The period; an unknown or invisible grant, or days in the wrong order, are a 422."""
    fy_start = ctx.rules.logbook.fiscal_year_start
    current = fiscal_year_of(ctx.today, fy_start)
    kind = kind or ("range" if start or end else "grant" if grant_id else "quarter" if quarter else "year")
    year = year or current
    if kind == "grant":
        if grant_id is None:
            raise Invalid("logbook.error.grant_missing", field="grant_id")
        app = ctx.session.get(GrantApplication, grant_id)
        if app is None or not ctx.viewer.can_see(app.confidential_category, app.body_id):
            raise Invalid("logbook.error.grant_not_found", field="grant_id")
        if app.period_start is None or app.period_end is None:
            raise Invalid("logbook.error.grant_no_period", field="grant_id")
        return Choice(kind, year, None, grant_id, None, None, Period(app.period_start, app.period_end),
                      grant_title=app.title)
    if kind == "range":
        first, last = start or fiscal_year(year, fy_start).start, end or ctx.today
        if last < first:
            raise Invalid("logbook.error.end_before_start", field="end")
        if (last - first).days > MAX_DAYS:
            raise Invalid("logbook.error.period_too_long", field="end")
        return Choice(kind, year, None, None, first, last, Period(first, last))
    if kind == "quarter":
        q = quarter or 1
        return Choice(kind, year, q, None, None, None, fiscal_quarter(year, q, fy_start))
    if kind != "year":
        raise Invalid("logbook.error.period_kind", field="period")
    return Choice("year", year, None, None, None, None, fiscal_year(year, fy_start))
