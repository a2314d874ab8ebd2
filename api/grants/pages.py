"""Pages: the pipeline (columns by state), the list with filters and CSV, an application with
its reports and transition buttons, the create/edit form, and a report page; the dashboard's
"my upcoming reports" section.

Everything works without JavaScript: transitions are small POST forms. A form shown again
with its errors (4xx) refuses the unit of work (`api.web.render`); a refused transition comes
back as a message on the page it came from, its unit of work refused too: an error changes
nothing. Forms are read in the event loop, the database work runs in a worker thread.
"""

from datetime import timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from api.collective.models import Organisation, Person
from api.context import Context
from api.dashboard import Section
from api.deps import PageCtx, check_csrf
from api.errors import AppError, message
from api.forms import form_values, parse
from api.grants import choices, pictures, reports, service
from api.grants.models import Anchor, DueRule, Frequency, FunderKind, Report, RequirementKind
from api.grants.routes import docx_response
from api.grants.schemas import ApplicationIn, ApplicationPatch, FunderIn, ReportSetupIn, RequirementIn, SectionIn
from api.i18n import t, translator
from api.money import from_cents
from api.pagination import PageParams, page_params, paginate
from api.schemas import MAX_ID, Id, Line
from api.timeutil import local
from api.web import flash, format_date, redirect, render, safe_next
from api.workflow_routes import fire
from workflows.engine import WorkflowError

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])

FORM_FIELDS = ["funder_id", "programme", "title", "owner_id", "amount_requested", "amount_awarded",
               "total_cost", "application_deadline", "internal_draft_deadline", "period_start",
               "period_end", "management_fee", "management_fee_rate", "notes",
               "submission_decision_id"]

QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]


def _filters(funder_id: QueryId = None, owner_id: QueryId = None,
             state: Annotated[Line | None, Query(max_length=32)] = None,
             year: Annotated[int | None, Query(ge=1900, le=2200)] = None) -> dict:
    return {"funder_id": funder_id, "owner_id": owner_id, "state": state or None, "year": year}


def _choices(ctx: Context) -> dict:
    session = ctx.session
    return {
        "funders": service.list_funders(ctx),
        "people": list(session.execute(select(Person).where(Person.is_active.is_(True))
                                       .order_by(Person.name)).scalars()),
        "organisations": list(session.execute(select(Organisation).order_by(Organisation.name)).scalars()),
        "funder_kinds": list(FunderKind),
    }


@router.get("/grants")
def pipeline_page(request: Request, ctx: PageCtx, filters: dict = Depends(_filters)):
    columns = service.pipeline(ctx, **{k: v for k, v in filters.items() if k != "state"})
    workflow = ctx.rules.workflows[service.APPLICATION]
    # Labels translated once per page, not once per card.
    lang = ctx.lang
    on_its_page = service.award_triggers(workflow) | service.approval_triggers(workflow)  # amount, decision
    moves = {column["state"]: [(trig, t("grants.trigger." + trig, lang))
                               for trig in workflow.triggers_from(column["state"])
                               if trig not in on_its_page]
             for column in columns}
    amounts = pictures.pipeline_amounts(ctx, **filters)  # the pictures (issue 13): SVG + table
    due_reports = pictures.year_reports(ctx, ctx.today.year)
    return render(request, ctx, "grants/pipeline.html", {
        "amounts": amounts, "amounts_picture": pictures.pipeline_picture(ctx, amounts),
        "year": ctx.today.year, "year_reports": due_reports,
        "reports_picture": pictures.reports_picture(ctx, ctx.today.year, due_reports),
        "columns": columns, "moves": moves,
        "state_labels": {s: t("grants.state." + s, lang) for s in workflow.states},
        "filters": filters, "may_manage": service.may_manage(ctx),
        "query": urlencode({k: v for k, v in filters.items() if v}), **_choices(ctx)})


@router.get("/grants/list")
def list_page(request: Request, ctx: PageCtx, filters: dict = Depends(_filters),
              params: PageParams = Depends(page_params)):
    page = paginate(ctx.session, service.list_stmt(ctx, **filters), params)
    totals = service.grant_totals(ctx, **filters) if filters.get("funder_id") else None
    return render(request, ctx, "grants/list.html", {
        "page": page, "totals": totals, "filters": filters,
        "states": ctx.rules.workflows[service.APPLICATION].states,
        "query": urlencode({k: v for k, v in filters.items() if v}), "may_manage": service.may_manage(ctx),
        **_choices(ctx)})


@router.get("/grants/export.csv")
def export_page(ctx: PageCtx, filters: dict = Depends(_filters)) -> Response:
    # For a spreadsheet in the person's language (French Excel: `;`, decimal commas, BOM).
    return Response(service.export_csv(ctx, excel_lang=ctx.lang, **filters), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="demandes-subvention.csv"'})


def _form(request: Request, ctx: Context, values: dict, errors: dict, app_id: int | None = None,
          status: int = 200):
    current = str(values.get("submission_decision_id") or "")
    return render(request, ctx, "grants/form.html", {"values": values, "errors": errors, "app_id": app_id,
                                                     "submission_decisions": choices.submission_decisions(
                                                         ctx, int(current) if current.isdigit() else None),
                                                     **_choices(ctx)}, status=status)


@router.get("/grants/new")
def new_application(request: Request, ctx: PageCtx):
    service.require_manager(ctx)
    return _form(request, ctx, {"owner_id": ctx.viewer.id, "confidential": True, "partner_ids": []}, {})


def _money_text(cents: int | None) -> str | None:
    return None if cents is None else str(from_cents(cents))


@router.get("/grants/{app_id}/edit")
def edit_application(app_id: Id, request: Request, ctx: PageCtx):
    app = service.get_application(ctx, app_id)
    service.require_manager(ctx)
    values = {
        "funder_id": app.funder_id, "programme": app.programme, "title": app.title, "owner_id": app.owner_id,
        "amount_requested": _money_text(app.amount_requested_cents),
        "amount_awarded": _money_text(app.amount_awarded_cents), "total_cost": _money_text(app.total_cost_cents),
        "application_deadline": (local(app.application_deadline, ctx.tz).strftime("%Y-%m-%dT%H:%M")
                                 if app.application_deadline else None),
        "internal_draft_deadline": app.internal_draft_deadline, "period_start": app.period_start,
        "period_end": app.period_end, "management_fee": _money_text(app.management_fee_cents),
        "management_fee_rate": (app.management_fee_rate_bp / 100 if app.management_fee_rate_bp is not None else None),
        "notes": app.notes, "submission_decision_id": app.submission_decision_id,
        "confidential": app.confidential_category is not None, "partner_ids": [o.id for o in app.partners]}
    return _form(request, ctx, values, {}, app.id)


def _read_form(form, tz: str) -> tuple[dict, dict]:
    """The typed values (kept to re-render) and the values given to the schema."""
    values = form_values(form, FORM_FIELDS + ["confidential"], checkboxes=("confidential",))
    values["partner_ids"] = [v for v in form.getlist("partner_ids") if str(v).strip()]
    # The deadline is given as typed (the collective's local time, no offset): the schema
    # checks its year as typed and the service converts it to UTC.
    data = dict(values)
    return values, data


@router.post("/grants")
async def create_application(request: Request, ctx: PageCtx):
    form = await request.form()
    return await run_in_threadpool(_save_application, request, ctx, form, None)


@router.post("/grants/{app_id}/edit")
async def update_application(app_id: Id, request: Request, ctx: PageCtx):
    form = await request.form()
    return await run_in_threadpool(_save_application, request, ctx, form, app_id)


def _save_application(request: Request, ctx: Context, form, app_id: int | None):
    if app_id is not None:
        service.get_application(ctx, app_id)
    service.require_manager(ctx)
    values, data = _read_form(form, ctx.tz)
    schema = ApplicationIn if app_id is None else ApplicationPatch
    if app_id is not None:  # an emptied optional field is cleared
        data = {k: data.get(k) for k in FORM_FIELDS + ["confidential", "partner_ids"]}
        parsed, errors = parse(schema, {k: v for k, v in data.items() if v is not None}, ctx.lang)
        if parsed is not None:
            parsed = schema.model_validate({**{k: None for k in data if k not in ("title", "funder_id")},
                                            **parsed.model_dump(exclude_unset=True)})
    else:
        parsed, errors = parse(schema, data, ctx.lang)
    if parsed is None:
        return _form(request, ctx, values, errors, app_id, status=422)
    try:
        if app_id is None:
            app = service.create_application(ctx, parsed)
        else:
            app = service.update_application(ctx, app_id, parsed)
    except AppError as exc:
        if exc.status in (403, 404):
            raise
        return _form(request, ctx, values, {exc.field or "form": exc.message(ctx.lang)}, app_id,
                     status=exc.status)
    flash(request, "grants.saved", "success")
    return redirect(f"/grants/{app.id}")


@router.get("/grants/funders")
def funders_page(request: Request, ctx: PageCtx):
    return _funders(request, ctx, {"kind": "other"}, {})


def _funders(request: Request, ctx: Context, values: dict, errors: dict, status: int = 200):
    return render(request, ctx, "grants/funders.html", {
        "funders": service.list_funders(ctx), "values": values, "errors": errors,
        "may_manage": service.may_manage(ctx), "funder_kinds": list(FunderKind)}, status=status)


@router.post("/grants/funders")
async def create_funder(request: Request, ctx: PageCtx):
    form = await request.form()
    return await run_in_threadpool(_create_funder, request, ctx, form)


def _create_funder(request: Request, ctx: Context, form):
    service.require_manager(ctx)
    values = form_values(form, ["name", "kind", "contacts", "programmes"])
    data, errors = parse(FunderIn, values, ctx.lang)
    if data is None:
        return _funders(request, ctx, values, errors, status=422)
    service.create_funder(ctx, data)
    flash(request, "flash.saved", "success")
    return redirect("/grants/funders")


def _report_page(request: Request, ctx: Context, report_id: int, errors: dict | None = None,
                 drafts: dict | None = None, status: int = 200):
    report = service.get_report(ctx, report_id)
    triggers = ctx.registry.engine.allowed_triggers(ctx, report, ctx.viewer.person, ctx.rules, service.REPORT)
    lang = ctx.lang
    templates = [(k, tpl.name.get(lang)) for k, tpl in ctx.rules.report_templates.items()]
    return render(request, ctx, "grants/report.html", {
        "report": report, "triggers": triggers, "v": reports.view(ctx, report), "templates": templates,
        "may_write": reports.may_write(ctx, report), "text_open": reports.text_open(ctx, report),
        "errors": errors or {}, "drafts": drafts or {}}, status=status)


@router.get("/grants/reports/{report_id}")
def report_page(report_id: Id, request: Request, ctx: PageCtx):
    return _report_page(request, ctx, report_id)


@router.post("/grants/reports/{report_id}/setup")
async def report_setup(report_id: Id, request: Request, ctx: PageCtx):
    form = await request.form()
    return await run_in_threadpool(_report_setup, report_id, request, ctx, form)


def _report_setup(report_id: int, request: Request, ctx: Context, form):
    service.get_report(ctx, report_id)
    values = form_values(form, ["template", "period_start", "period_end"])
    data, errors = parse(ReportSetupIn, values, ctx.lang)
    if data is None:
        return _report_page(request, ctx, report_id, {f"setup_{k}": v for k, v in errors.items()}, status=422)
    try:
        reports.setup(ctx, report_id, data.template, data.period_start, data.period_end)
    except AppError as exc:
        if exc.status in (403, 404):
            raise
        return _report_page(request, ctx, report_id, {f"setup_{exc.field or 'form'}": exc.message(ctx.lang)},
                            status=exc.status)
    flash(request, "flash.saved", "success")
    return redirect(f"/grants/reports/{report_id}")


@router.post("/grants/reports/{report_id}/sections/{key}")
async def report_section(report_id: Id, key: Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)],
                         request: Request, ctx: PageCtx):
    form = await request.form()
    return await run_in_threadpool(_report_section, report_id, key, request, ctx, form)


def _report_section(report_id: int, key: str, request: Request, ctx: Context, form):
    service.get_report(ctx, report_id)
    values = form_values(form, ["text", "version"])
    values["text"] = values.get("text") or ""
    data, errors = parse(SectionIn, values, ctx.lang)
    if data is None:
        return _report_page(request, ctx, report_id, {key: next(iter(errors.values()))},
                            {key: values["text"]}, status=422)
    try:
        reports.save_section(ctx, report_id, key, data.text.replace("\r\n", "\n"), data.version)
    except AppError as exc:
        if exc.status in (403, 404):
            raise
        return _report_page(request, ctx, report_id, {key: exc.message(ctx.lang)}, {key: data.text},
                            status=exc.status)
    flash(request, "grants.report.section_saved", "success")
    return redirect(f"/grants/reports/{report_id}#section-{key}")


@router.get("/grants/reports/{report_id}/print")
def report_print(report_id: Id, request: Request, ctx: PageCtx):
    report = service.get_report(ctx, report_id)
    v = reports.view(ctx, report)
    return render(request, ctx, "grants/report_print.html", {"v": v, "report": report,
                                                               "L": translator(v.lang),
                                                               "fmt_day": lambda d: format_date(d, v.lang)})


@router.get("/grants/reports/{report_id}/report.docx")
def report_docx_page(report_id: Id, ctx: PageCtx) -> Response:
    return docx_response(ctx, service.get_report(ctx, report_id))


def _detail(request: Request, ctx: Context, app_id: int, req_values: dict | None = None,
            req_errors: dict | None = None, status: int = 200):
    app = service.get_application(ctx, app_id)
    engine, person, rules = ctx.registry.engine, ctx.viewer.person, ctx.rules
    reports = ctx.session.execute(select(Report).where(Report.application_id == app.id)
                                  .order_by(Report.due_date, Report.id)).scalars().all()
    triggers = engine.allowed_triggers(ctx, app, person, rules, service.APPLICATION)
    report_triggers = {r.id: engine.allowed_triggers(ctx, r, person, rules, service.REPORT) for r in reports}
    fee = service.management_fee_cents(app)
    fee_link = (f"/fee-splits/new?{urlencode({'amount': str(from_cents(fee)), 'grant_id': app.id})}"
                if fee else None)
    return render(request, ctx, "grants/detail.html", {
        "app": app, "reports": reports, "triggers": triggers, "report_triggers": report_triggers,
        "fee": fee, "fee_link": fee_link, "may_manage": service.may_manage(ctx),
        "approval_decisions": (choices.submission_decisions(ctx)
                               if set(triggers) & service.approval_triggers(rules.workflows[service.APPLICATION])
                               else []),
        "approval_triggers": service.approval_triggers(rules.workflows[service.APPLICATION]),
        "decision_title": choices.decision_title(ctx, app.submission_decision),
        "req_values": req_values or {"due_rule": "fixed", "kind": "financial", "preparation_days": 14},
        "req_errors": req_errors or {}, "requirement_kinds": list(RequirementKind),
        "due_rules": list(DueRule), "anchors": list(Anchor), "frequencies": list(Frequency)}, status=status)


@router.get("/grants/{app_id}")
def application_page(app_id: Id, request: Request, ctx: PageCtx):
    return _detail(request, ctx, app_id)


REQ_FIELDS = ["kind", "title", "due_rule", "due_date", "anchor", "offset_days", "frequency",
              "preparation_days"]


@router.post("/grants/{app_id}/requirements")
async def add_requirement(app_id: Id, request: Request, ctx: PageCtx):
    form = await request.form()
    return await run_in_threadpool(_add_requirement, app_id, request, ctx, form)


def _add_requirement(app_id: int, request: Request, ctx: Context, form):
    service.get_application(ctx, app_id)
    service.require_manager(ctx)
    values = form_values(form, REQ_FIELDS)
    data, errors = parse(RequirementIn, values, ctx.lang)
    if data is None:
        return _detail(request, ctx, app_id, values, errors, status=422)
    try:
        service.add_requirement(ctx, app_id, data)
    except AppError as exc:
        if exc.status in (403, 404):
            raise
        field = (exc.field or "form").rsplit(".", 1)[-1]
        return _detail(request, ctx, app_id, values, {field: exc.message(ctx.lang)}, status=exc.status)
    flash(request, "flash.saved", "success")
    return redirect(f"/grants/{app_id}")


def _transition(request: Request, ctx: Context, obj, object_type: str, form, back: str):
    trigger = str(form.get("trigger") or "")[:64]
    params = {}
    if form.get("amount_awarded"):
        params["amount_awarded"] = str(form.get("amount_awarded"))[:40]
    if form.get("decision_id"):  # approving names the adopted decision (checked by its guard)
        params["decision_id"] = str(form.get("decision_id"))[:20]
    try:
        if object_type == service.APPLICATION:
            state = service.transition_application(ctx, obj, trigger, params)
        else:
            state = fire(ctx, obj, trigger, ctx.rules, object_type, params)
    except (WorkflowError, AppError) as exc:
        ctx.refuse()  # whatever the refused transition wrote is rolled back
        flash(request, "grants.raw", "error", text=message(exc, ctx.lang))
        return redirect(back)
    prefix = "grants.state." if object_type == service.APPLICATION else "report.state."
    flash(request, "grants.moved", "success", state=t(prefix + state, ctx.lang))
    return redirect(back)


def _back(request: Request, default: str) -> str:
    return safe_next(request.query_params.get("next"), default)


@router.post("/grants/{app_id}/transition")
async def application_transition(app_id: Id, request: Request, ctx: PageCtx):
    form = await request.form()
    return await run_in_threadpool(_application_transition, app_id, request, ctx, form)


def _application_transition(app_id: int, request: Request, ctx: Context, form):
    app = service.get_application(ctx, app_id)
    return _transition(request, ctx, app, service.APPLICATION, form, _back(request, f"/grants/{app.id}"))


@router.post("/grants/reports/{report_id}/transition")
async def report_transition(report_id: Id, request: Request, ctx: PageCtx):
    form = await request.form()
    return await run_in_threadpool(_report_transition, report_id, request, ctx, form)


def _report_transition(report_id: int, request: Request, ctx: Context, form):
    report = service.get_report(ctx, report_id)
    return _transition(request, ctx, report, service.REPORT, form,
                       _back(request, f"/grants/{report.application_id}"))


def my_grant_deadlines(ctx: Context) -> Section | None:
    """Dashboard section: open reports of the coming 30 days that this person owns."""
    until = ctx.today + timedelta(days=30)
    reports = ctx.session.execute(
        service.reports_stmt(ctx, owner_id=ctx.viewer.id, due_to=until)
        .where(Report.deadline_open.is_(True)).limit(10)).scalars().all()
    if not reports:
        return None
    return Section("grants.my_reports", "grants/_dashboard.html", {"my_reports": reports}, order=40)
