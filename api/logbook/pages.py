"""Pages of the logbook: log an intervention (one form, made for a phone, no JavaScript), my
entries or the team's, correct or withdraw one, the statistics with their bar charts and CSV
export, and the team page where an administrator names the coordinator.

A form shown again with its errors (4xx) refuses the unit of work (`api.web.render`): an error
changes nothing. Forms are read in the event loop, the database work runs in a worker thread.
"""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from api.collective.models import Organisation, Person
from api.context import Context
from api.deps import PageCtx, check_csrf
from api.errors import AppError
from api.forms import parse
from api.i18n import t
from api.logbook import service
from api.logbook.charts import bar_chart
from api.logbook.periods import grants_with_periods, resolve
from api.logbook.routes import csv_response
from api.logbook.schemas import EntryIn
from api.logbook.stats import fiscal_year_of, show_hours
from api.logbook.views import stats_for, totals
from api.pagination import PageParams, page_params, paginate
from api.rules.schema import LOGBOOK_CATEGORIES
from api.schemas import MAX_ID, Day, Id
from api.web import flash, redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])

QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
DURATIONS = [5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 360, 480]
REFERRAL_ROWS = 3


# --------------------------------------------------------------------------- the form

def _choices(ctx: Context, current: dict | None = None) -> dict:
    """The categories offered (active values, plus the retired ones the entry already has)."""
    lang, book = ctx.lang, ctx.rules.logbook
    current = current or {}
    offered = {}
    for name in LOGBOOK_CATEGORIES:
        cat = book.category(name)
        keep = set(current.get(name, ()))
        items = [(k, v.name.get(lang), v.group) for k, v in cat.items.items() if not v.retired or k in keep]
        groups = [(g, label.get(lang), [(k, n) for k, n, gr in items if gr == g]) for g, label in cat.groups.items()]
        loose = [(k, n) for k, n, gr in items if gr is None or gr not in cat.groups]
        if loose:
            groups.append((None, None, loose))
        offered[name] = {"items": [(k, n) for k, n, _ in items], "groups": [g for g in groups if g[2]]}
    organisations = ctx.session.execute(select(Organisation.id, Organisation.name).order_by(Organisation.name)).all()
    return {"cats": offered, "organisations": organisations, "durations": DURATIONS,
            "referral_rows": list(range(1, REFERRAL_ROWS + 1))}


def _entry_values(entry) -> dict:
    values = {"occurred_on": entry.occurred_on.isoformat(), "duration_minutes": str(entry.duration_minutes),
              "site": entry.site, "mode": entry.mode, "followups": str(entry.followups or ""),
              "note": entry.note or "", "issues": [i.issue for i in entry.issues]}
    for p in entry.people:
        values[f"people_{p.age}"] = str(p.count)
    for i, r in enumerate(entry.referrals, start=1):
        values[f"ref_resource_{i}"] = r.resource
        values[f"ref_issue_{i}"] = r.issue or ""
        values[f"ref_org_{i}"] = str(r.organisation_id or "")
    values["_ref_rows"] = max(REFERRAL_ROWS, len(entry.referrals))
    return values


def _current_keys(values: dict) -> dict:
    refs = [v for k, v in values.items() if k.startswith("ref_resource_") and v]
    ref_issues = [v for k, v in values.items() if k.startswith("ref_issue_") and v]
    return {"sites": [values.get("site")], "modes": [values.get("mode")],
            "ages": [k[7:] for k in values if k.startswith("people_")],
            "issues": list(values.get("issues") or []) + ref_issues, "resources": refs}


def _read_form(ctx: Context, form) -> tuple[dict, dict]:
    """The typed values (to show again) and the data for `EntryIn`."""
    values: dict = {k: str(form.get(k) or "").strip() for k in
                    ("occurred_on", "duration_minutes", "site", "mode", "followups", "note")}
    values["note_confirmed"] = form.get("note_confirmed") in ("on", "1", "true")
    values["issues"] = [str(v)[:64] for v in form.getlist("issues")][:30]
    people: dict[str, object] = {}
    for age in ctx.rules.logbook.ages.items:
        raw = str(form.get(f"people_{age}") or "").strip()
        values[f"people_{age}"] = raw
        if raw:
            people[age] = raw
    referrals = []
    raw_rows = str(form.get("ref_rows") or "")
    rows = min(int(raw_rows), 30) if raw_rows.isdigit() else REFERRAL_ROWS
    for i in range(1, rows + 1):
        row = {name: str(form.get(f"ref_{name}_{i}") or "").strip() for name in ("resource", "issue", "org")}
        for name, value in row.items():
            values[f"ref_{name}_{i}"] = value
        if row["resource"]:
            referrals.append({"resource": row["resource"], "issue": row["issue"] or None,
                              "organisation_id": row["org"] or None})
    values["_ref_rows"] = rows
    data = {"occurred_on": values["occurred_on"] or None, "duration_minutes": values["duration_minutes"] or None,
            "site": values["site"] or None, "mode": values["mode"] or None, "people": people or None,
            "followups": values["followups"] or None, "issues": values["issues"], "referrals": referrals,
            "note": values["note"] or None, "note_confirmed": values["note_confirmed"]}
    return values, data


def _save(ctx: Context, form, entry_id: int | None) -> tuple[object | None, dict, dict, list[str]]:
    """(entry or None, values, errors, warnings)."""
    acc = service.access(ctx)
    values, data = _read_form(ctx, form)
    parsed, errors = parse(EntryIn, data, ctx.lang)
    warnings: list[str] = []
    if parsed is None:
        return None, values, errors, warnings
    try:
        if entry_id is None:
            entry = service.log_entry(ctx, parsed, acc)
        else:
            entry = service.correct_entry(ctx, entry_id, parsed, acc)
    except AppError as exc:
        if exc.status in (403, 404):
            raise
        if exc.key.startswith("logbook.warning."):
            warnings = [t(k, ctx.lang) for k in service.note_warnings(parsed.note)]
            return None, values, {"note": t("logbook.warning.confirm", ctx.lang)}, warnings
        return None, values, {exc.field or "form": exc.message(ctx.lang)}, warnings
    return entry, values, {}, warnings


def _home(request: Request, ctx: Context, values: dict | None = None, errors: dict | None = None,
          warnings: list[str] | None = None, status: int = 200):
    acc = service.require_any(ctx)
    values = values or {"occurred_on": ctx.today.isoformat(), "duration_minutes": "30", "issues": [],
                        "_ref_rows": REFERRAL_ROWS}
    recent = ctx.session.execute(service.list_stmt(ctx, acc, worker_id=acc.person_id).limit(8)).scalars().all()
    return render(request, ctx, "logbook/home.html", {
        "acc": acc, "values": values, "errors": errors or {}, "warnings": warnings or [],
        "recent": recent, "labels": _labels(ctx), "today": ctx.today, **_choices(ctx, _current_keys(values))},
        status=status)


@router.get("/logbook")
def home(request: Request, ctx: PageCtx):
    return _home(request, ctx)


@router.post("/logbook")
async def log_entry(request: Request, ctx: PageCtx):
    form = await request.form()
    return await run_in_threadpool(_log_entry, request, ctx, form)


def _log_entry(request: Request, ctx: Context, form):
    service.require_any(ctx)
    entry, values, errors, warnings = _save(ctx, form, None)
    if entry is None:
        return _home(request, ctx, values, errors, warnings, status=422)
    flash(request, "logbook.logged", "success")
    return redirect("/logbook")


# --------------------------------------------------------------------------- entries

def _labels(ctx: Context) -> dict:
    """Category labels (retired ones included) for showing entries."""
    lang, book = ctx.lang, ctx.rules.logbook
    return {name: {k: v.name.get(lang) for k, v in book.category(name).items.items()}
            for name in LOGBOOK_CATEGORIES}


@router.get("/logbook/entries")
def entries_page(request: Request, ctx: PageCtx, params: PageParams = Depends(page_params),
                 worker_id: QueryId = None, start: Day | None = None, end: Day | None = None):
    acc = service.require_any(ctx)
    page = paginate(ctx.session, service.list_stmt(ctx, acc, worker_id, start, end), params)
    workers = service.workers_seen(ctx, acc)
    filters = {"worker_id": worker_id, "start": start, "end": end}
    return render(request, ctx, "logbook/entries.html", {
        "acc": acc, "page": page, "workers": workers, "names": {p.id: p.name for p in workers},
        "filters": filters, "labels": _labels(ctx),
        "query": urlencode({k: v for k, v in filters.items() if v})})


def _entry_page(request: Request, ctx: Context, entry_id: int, values: dict | None = None,
                errors: dict | None = None, warnings: list[str] | None = None, status: int = 200):
    acc = service.access(ctx)
    entry = service.get_entry(ctx, entry_id, acc)
    until = service.correctable_until(ctx, entry, acc)
    values = values or _entry_values(entry)
    worker = ctx.session.get(Person, entry.worker_id)
    return render(request, ctx, "logbook/entry.html", {
        "acc": acc, "entry": entry, "until": until, "worker": worker, "values": values,
        "errors": errors or {}, "warnings": warnings or [], "labels": _labels(ctx),
        "hours": show_hours(entry.duration_minutes, ctx.lang), "orgs": dict(_choices(ctx)["organisations"]),
        **_choices(ctx, _current_keys(values))}, status=status)


@router.get("/logbook/entries/{entry_id}")
def entry_page(entry_id: Id, request: Request, ctx: PageCtx):
    return _entry_page(request, ctx, entry_id)


@router.post("/logbook/entries/{entry_id}")
async def correct_entry(entry_id: Id, request: Request, ctx: PageCtx):
    form = await request.form()
    return await run_in_threadpool(_correct, entry_id, request, ctx, form)


def _correct(entry_id: int, request: Request, ctx: Context, form):
    entry, values, errors, warnings = _save(ctx, form, entry_id)
    if entry is None:
        return _entry_page(request, ctx, entry_id, values, errors, warnings, status=422)
    flash(request, "logbook.corrected", "success")
    return redirect(f"/logbook/entries/{entry_id}")


@router.post("/logbook/entries/{entry_id}/withdraw")
async def withdraw_entry(entry_id: Id, request: Request, ctx: PageCtx):
    await request.form()
    return await run_in_threadpool(_withdraw, entry_id, request, ctx)


def _withdraw(entry_id: int, request: Request, ctx: Context):
    service.withdraw_entry(ctx, entry_id)
    flash(request, "logbook.withdrawn", "success")
    return redirect("/logbook")


# --------------------------------------------------------------------------- statistics

def _period_query(period: Annotated[str | None, Query(pattern="^(year|quarter|grant|range)$")] = None,
                  year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
                  quarter: Annotated[int | None, Query(ge=1, le=4)] = None,
                  grant_id: QueryId = None, start: Day | None = None, end: Day | None = None) -> dict:
    return {"kind": period, "year": year, "quarter": quarter, "grant_id": grant_id, "start": start, "end": end}


@router.get("/logbook/statistics")
def statistics_page(request: Request, ctx: PageCtx, query: dict = Depends(_period_query),
                    worker_id: QueryId = None, public: bool = False):
    acc = service.require_any(ctx)
    errors: dict = {}
    try:
        choice = resolve(ctx, **query)
    except AppError as exc:
        if exc.status != 422:
            raise
        errors[exc.field or "period"] = exc.message(ctx.lang)
        choice = resolve(ctx, None, None, None, None, None, None)
    stats = stats_for(ctx, acc, choice, worker_id, public)
    workers = service.workers_seen(ctx, acc)
    charts = {d.key: bar_chart(f"chart-{d.key}", d.label, d.cells, ctx.lang) for d in stats.dimensions}
    current = fiscal_year_of(ctx.today, ctx.rules.logbook.fiscal_year_start)
    params = {"period": choice.kind, "year": choice.year, "quarter": choice.quarter, "grant_id": choice.grant_id,
              "start": choice.start, "end": choice.end, "worker_id": worker_id}
    query_string = urlencode({k: v for k, v in params.items() if v is not None})
    return render(request, ctx, "logbook/statistics.html", {
        "acc": acc, "stats": stats, "choice": choice, "charts": charts, "totals": totals(stats, ctx.lang),
        "workers": workers, "worker_id": worker_id, "public": public, "errors": errors,
        "years": list(range(current, current - 12, -1)), "grants": grants_with_periods(ctx),
        "query": query_string}, status=422 if errors else 200)


@router.get("/logbook/statistics.csv")
def statistics_csv(ctx: PageCtx, query: dict = Depends(_period_query), worker_id: QueryId = None) -> Response:
    acc = service.require_any(ctx)
    choice = resolve(ctx, **query)
    stats = stats_for(ctx, acc, choice, worker_id, public=True)
    worker = ctx.session.get(Person, worker_id) if worker_id else None
    return csv_response(ctx, stats, worker.name if worker else None)


# --------------------------------------------------------------------------- team

@router.get("/logbook/team")
def team_page(request: Request, ctx: PageCtx):
    acc = service.require_team_view(ctx)
    members = [(p, service.is_coordinator(ctx, p.id)) for p in service.team_members(ctx)]
    return render(request, ctx, "logbook/team.html", {"acc": acc, "members": members})


@router.post("/logbook/team")
async def team_update(request: Request, ctx: PageCtx):
    form = await request.form()
    return await run_in_threadpool(_team_update, request, ctx, form)


def _team_update(request: Request, ctx: Context, form):
    raw = str(form.get("person_id") or "")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
        flash(request, "logbook.error.not_on_team", "error")
        return redirect("/logbook/team")
    try:
        service.set_coordinator(ctx, int(raw), form.get("coordinator") == "1")
    except AppError as exc:
        if exc.status == 403:
            raise
        ctx.refuse()
        flash(request, exc.key, "error")
        return redirect("/logbook/team")
    flash(request, "flash.saved", "success")
    return redirect("/logbook/team")
