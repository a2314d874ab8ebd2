"""JSON API of the logbook: entries (log, list, read, correct, withdraw), its categories in
the person's language, statistics over a period (JSON and CSV), the team and its coordinator.

Who may do what is `api.logbook.service`'s rule; errors are `api.errors.ErrorOut`.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.collective.models import Person
from api.context import Context
from api.deps import ViewerCtx
from api.errors import ERROR_RESPONSES
from api.i18n import t
from api.logbook import service
from api.logbook.models import Entry
from api.logbook.periods import resolve
from api.logbook.schemas import (
    CategoriesOut,
    CategoryItemOut,
    CategoryOut,
    CellOut,
    CoordinatorIn,
    DimensionOut,
    EntryIn,
    EntryOut,
    ReferralOut,
    StatsOut,
    TeamMemberOut,
    TeamOut,
)
from api.logbook.views import stats_csv, stats_for, totals
from api.pagination import PageParams, page_params, paginate
from api.rules.schema import LOGBOOK_CATEGORIES
from api.schemas import MAX_ID, Day, Id, Page

router = APIRouter(prefix="/api/v1", tags=["logbook"], responses=ERROR_RESPONSES)

CSV_DOC = {200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                 "description": "Statistics of the logbook, as CSV"}}
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]


def entry_out(ctx: Context, entry: Entry, acc: service.Access) -> EntryOut:
    return EntryOut(
        id=entry.id, worker_id=entry.worker_id, occurred_on=entry.occurred_on,
        duration_minutes=entry.duration_minutes, site=entry.site, mode=entry.mode,
        people={p.age: p.count for p in entry.people}, people_total=entry.people_total,
        followups=entry.followups, issues=[i.issue for i in entry.issues],
        referrals=[ReferralOut.model_validate(r) for r in entry.referrals], note=entry.note,
        version=entry.version, created_at=entry.created_at, updated_at=entry.updated_at,
        correctable_until=service.correctable_until(ctx, entry, acc))


@router.post("/logbook/entries", status_code=201, response_model=EntryOut)
def log_entry(data: EntryIn, ctx: ViewerCtx) -> EntryOut:
    acc = service.access(ctx)
    return entry_out(ctx, service.log_entry(ctx, data, acc), acc)


@router.get("/logbook/entries", response_model=Page[EntryOut])
def list_entries(ctx: ViewerCtx, params: PageParams = Depends(page_params), worker_id: QueryId = None,
                 start: Day | None = None, end: Day | None = None) -> Page[EntryOut]:
    acc = service.require_any(ctx)
    data = paginate(ctx.session, service.list_stmt(ctx, acc, worker_id, start, end), params,
                    lambda e: entry_out(ctx, e, acc))
    return Page[EntryOut](**data)


@router.get("/logbook/entries/{entry_id}", response_model=EntryOut)
def get_entry(entry_id: Id, ctx: ViewerCtx) -> EntryOut:
    acc = service.access(ctx)
    return entry_out(ctx, service.get_entry(ctx, entry_id, acc), acc)


@router.put("/logbook/entries/{entry_id}", response_model=EntryOut)
def correct_entry(entry_id: Id, data: EntryIn, ctx: ViewerCtx) -> EntryOut:
    acc = service.access(ctx)
    return entry_out(ctx, service.correct_entry(ctx, entry_id, data, acc), acc)


@router.delete("/logbook/entries/{entry_id}", status_code=204, response_class=Response)
def withdraw_entry(entry_id: Id, ctx: ViewerCtx) -> Response:
    service.withdraw_entry(ctx, entry_id)
    return Response(status_code=204)


@router.get("/logbook/categories", response_model=CategoriesOut)
def categories(ctx: ViewerCtx) -> CategoriesOut:
    service.require_any(ctx)
    lang, book = ctx.lang, ctx.rules.logbook
    out = []
    for name in LOGBOOK_CATEGORIES:
        cat = book.category(name)
        out.append(CategoryOut(
            name=name, label=t(f"logbook.category.{name}", lang),
            groups={k: v.get(lang) for k, v in cat.groups.items()},
            items=[CategoryItemOut(key=k, label=v.name.get(lang), group=v.group, retired=v.retired)
                   for k, v in cat.items.items()]))
    return CategoriesOut(categories=out)


def _period_query(period: Annotated[str | None, Query(pattern="^(year|quarter|grant|range)$")] = None,
                  year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
                  quarter: Annotated[int | None, Query(ge=1, le=4)] = None,
                  grant_id: QueryId = None, start: Day | None = None, end: Day | None = None) -> dict:
    return {"kind": period, "year": year, "quarter": quarter, "grant_id": grant_id, "start": start, "end": end}


def _stats(ctx: Context, query: dict, worker_id: int | None, public: bool):
    acc = service.require_any(ctx)
    choice = resolve(ctx, **query)
    return acc, choice, stats_for(ctx, acc, choice, worker_id, public)


@router.get("/logbook/statistics", response_model=StatsOut)
def statistics(ctx: ViewerCtx, query: dict = Depends(_period_query), worker_id: QueryId = None,
               public: bool = False) -> StatsOut:
    _, _, stats = _stats(ctx, query, worker_id, public)
    shown = {key: value for key, _, value in totals(stats, ctx.lang)}
    return StatsOut(
        start=stats.period.start, end=stats.period.end, worker_id=worker_id, masked=stats.masked,
        interventions=shown["interventions"], people=shown["people"], referrals=shown["referrals"],
        followups=shown["followups"], hours=shown["hours"],
        dimensions=[DimensionOut(key=d.key, label=d.label, measure=d.measure, total=d.total,
                                 cells=[CellOut(key=c.key, label=c.label, count=None if c.hidden else c.count,
                                                shown=c.shown, percent=c.percent) for c in d.cells])
                    for d in stats.dimensions])


def csv_response(ctx: Context, stats, worker_name: str | None) -> Response:
    scope = worker_name or t("logbook.scope.team", ctx.lang)
    name = f"statistiques-{stats.period.start.isoformat()}-{stats.period.end.isoformat()}.csv"
    return Response(stats_csv(stats, ctx.lang, scope), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/logbook/statistics.csv", response_class=Response, responses=CSV_DOC)
def statistics_csv(ctx: ViewerCtx, query: dict = Depends(_period_query), worker_id: QueryId = None) -> Response:
    """Always as it leaves the team: small cells hidden."""
    _, _, stats = _stats(ctx, query, worker_id, True)
    return csv_response(ctx, stats, _worker_name(ctx, worker_id))


def _worker_name(ctx: Context, worker_id: int | None) -> str | None:
    person = ctx.session.get(Person, worker_id) if worker_id else None
    return person.name if person is not None else None


@router.get("/logbook/team", response_model=TeamOut)
def team(ctx: ViewerCtx) -> TeamOut:
    service.require_team_view(ctx)
    return TeamOut(members=[TeamMemberOut(person_id=p.id, name=p.name,
                                          coordinator=service.is_coordinator(ctx, p.id))
                            for p in service.team_members(ctx)])


@router.post("/logbook/team/coordinator", response_model=TeamOut)
def set_coordinator(data: CoordinatorIn, ctx: ViewerCtx) -> TeamOut:
    service.set_coordinator(ctx, data.person_id, data.coordinator)
    return team(ctx)
