"""Pages: the pipeline (columns by state), the list with filters and CSV, an application with
its reports and transition buttons, the create/edit form, and a report page.

Everything works without JavaScript: transitions are small POST forms.
"""

from datetime import datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.access import Viewer
from api.collective.models import Organisation, Person
from api.dashboard import Section
from api.dashboard import section as dashboard_section
from api.deps import RulesInForce, check_csrf, get_db, get_rules, page_viewer
from api.errors import AppError
from api.forms import form_values, parse
from api.grants import service
from api.grants.models import Anchor, DueRule, Frequency, FunderKind, Report, RequirementKind
from api.grants.schemas import ApplicationIn, ApplicationPatch, FunderIn, RequirementIn
from api.i18n import t
from api.money import from_cents
from api.pagination import PageParams, page_params, paginate
from api.timeutil import from_local, local
from api.web import add_nav, flash, redirect, render
from workflows import engine
from workflows.engine import TransitionBlocked, TransitionForbidden, TransitionNotApplicable

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])

add_nav("nav.grants", "/grants")

FORM_FIELDS = ["funder_id", "programme", "title", "owner_id", "amount_requested", "amount_awarded",
               "total_cost", "application_deadline", "internal_draft_deadline", "period_start",
               "period_end", "management_fee", "management_fee_rate", "notes",
               "submission_decision_id"]


def _filters(funder_id: int | None = Query(None, ge=1), owner_id: int | None = Query(None, ge=1),
             state: str | None = Query(None, max_length=32), year: int | None = Query(None, ge=1900, le=2200)) -> dict:
    return {"funder_id": funder_id, "owner_id": owner_id, "state": state or None, "year": year}


def _choices(db: Session) -> dict:
    return {
        "funders": service.list_funders(db),
        "people": list(db.execute(select(Person).where(Person.is_active.is_(True)).order_by(Person.name)).scalars()),
        "organisations": list(db.execute(select(Organisation).order_by(Organisation.name)).scalars()),
        "funder_kinds": list(FunderKind),
    }


@router.get("/grants")
def pipeline_page(request: Request, filters: dict = Depends(_filters), db: Session = Depends(get_db),
                  viewer: Viewer = Depends(page_viewer), rules: RulesInForce = Depends(get_rules)):
    columns = service.pipeline(db, viewer, rules.rules, **{k: v for k, v in filters.items() if k != "state"})
    workflow = rules.rules.workflows[service.APPLICATION]
    # Labels translated once per page, not once per card.
    lang = viewer.lang
    moves = {column["state"]: [(trig, t("grants.trigger." + trig, lang))
                               for trig in engine.triggers_from(workflow, column["state"]) if trig not in
                               service.award_triggers(workflow)]
             for column in columns}
    return render(request, "grants/pipeline.html", {
        "columns": columns, "moves": moves,
        "state_labels": {s: t("grants.state." + s, lang) for s in workflow.states},
        "filters": filters, "may_manage": service.may_manage(db, viewer),
        "query": urlencode({k: v for k, v in filters.items() if v}), **_choices(db)})


@router.get("/grants/list")
def list_page(request: Request, filters: dict = Depends(_filters), params: PageParams = Depends(page_params),
              db: Session = Depends(get_db), viewer: Viewer = Depends(page_viewer),
              rules: RulesInForce = Depends(get_rules)):
    page = paginate(db, service.list_stmt(viewer, **filters), params)
    totals = service.grant_totals(db, viewer, **filters) if filters.get("funder_id") else None
    return render(request, "grants/list.html", {
        "page": page, "totals": totals, "filters": filters, "states": rules.rules.workflows[service.APPLICATION].states,
        "query": urlencode({k: v for k, v in filters.items() if v}), "may_manage": service.may_manage(db, viewer),
        **_choices(db)})


@router.get("/grants/export.csv")
def export_page(filters: dict = Depends(_filters), db: Session = Depends(get_db),
                viewer: Viewer = Depends(page_viewer)) -> Response:
    return Response(service.export_csv(db, viewer, **filters), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="demandes-subvention.csv"'})


def _form(request: Request, db: Session, values: dict, errors: dict, app_id: int | None = None,
          status: int = 200):
    return render(request, "grants/form.html", {"values": values, "errors": errors, "app_id": app_id,
                                                **_choices(db)}, status=status)


@router.get("/grants/new")
def new_application(request: Request, db: Session = Depends(get_db), viewer: Viewer = Depends(page_viewer)):
    service.require_manager(db, viewer)
    return _form(request, db, {"owner_id": viewer.id, "confidential": True, "partner_ids": []}, {})


def _money_text(cents: int | None) -> str | None:
    return None if cents is None else str(from_cents(cents))


@router.get("/grants/{app_id}/edit")
def edit_application(app_id: int, request: Request, db: Session = Depends(get_db),
                     viewer: Viewer = Depends(page_viewer)):
    app = service.get_application(db, viewer, app_id)
    service.require_manager(db, viewer)
    tz = request.app.state.rules.rules.collective.timezone
    values = {
        "funder_id": app.funder_id, "programme": app.programme, "title": app.title, "owner_id": app.owner_id,
        "amount_requested": _money_text(app.amount_requested_cents),
        "amount_awarded": _money_text(app.amount_awarded_cents), "total_cost": _money_text(app.total_cost_cents),
        "application_deadline": (local(app.application_deadline, tz).strftime("%Y-%m-%dT%H:%M")
                                 if app.application_deadline else None),
        "internal_draft_deadline": app.internal_draft_deadline, "period_start": app.period_start,
        "period_end": app.period_end, "management_fee": _money_text(app.management_fee_cents),
        "management_fee_rate": (app.management_fee_rate_bp / 100 if app.management_fee_rate_bp is not None else None),
        "notes": app.notes, "submission_decision_id": app.submission_decision_id,
        "confidential": app.confidential_category is not None, "partner_ids": [o.id for o in app.partners]}
    return _form(request, db, values, {}, app.id)


def _read_form(form, tz: str) -> tuple[dict, dict]:
    """The typed values (kept to re-render) and the values given to the schema."""
    values = form_values(form, FORM_FIELDS + ["confidential"], checkboxes=("confidential",))
    values["partner_ids"] = [v for v in form.getlist("partner_ids") if str(v).strip()]
    data = dict(values)
    deadline = values.get("application_deadline")
    if deadline:
        try:  # the person types the collective's local time
            data["application_deadline"] = from_local(datetime.fromisoformat(deadline), tz).isoformat()
        except ValueError:
            pass  # the schema reports it on the field
    return values, data


@router.post("/grants")
@router.post("/grants/{app_id}/edit")
async def save_application(request: Request, app_id: int | None = None, db: Session = Depends(get_db),
                           viewer: Viewer = Depends(page_viewer), rules: RulesInForce = Depends(get_rules)):
    if app_id is not None:
        service.get_application(db, viewer, app_id)
    service.require_manager(db, viewer)
    form = await request.form()
    values, data = _read_form(form, rules.rules.collective.timezone)
    schema = ApplicationIn if app_id is None else ApplicationPatch
    if app_id is not None:  # an emptied optional field is cleared
        data = {k: data.get(k) for k in FORM_FIELDS + ["confidential", "partner_ids"]}
        parsed, errors = parse(schema, {k: v for k, v in data.items() if v is not None}, viewer.lang)
        if parsed is not None:
            parsed = schema.model_validate({**{k: None for k in data if k not in ("title", "funder_id")},
                                            **parsed.model_dump(exclude_unset=True)})
    else:
        parsed, errors = parse(schema, data, viewer.lang)
    if parsed is None:
        return _form(request, db, values, errors, app_id, status=422)
    try:
        if app_id is None:
            app = service.create_application(db, parsed, viewer, rules.rules)
        else:
            app = service.update_application(db, app_id, parsed, viewer, rules.rules)
    except AppError as exc:
        if exc.status in (403, 404):
            raise
        db.rollback()
        return _form(request, db, values, {exc.field or "form": exc.message(viewer.lang)}, app_id,
                     status=exc.status)
    flash(request, "grants.saved", "success")
    return redirect(f"/grants/{app.id}")


@router.get("/grants/funders")
def funders_page(request: Request, db: Session = Depends(get_db), viewer: Viewer = Depends(page_viewer)):
    return _funders(request, db, viewer, {"kind": "other"}, {})


def _funders(request: Request, db: Session, viewer: Viewer, values: dict, errors: dict, status: int = 200):
    return render(request, "grants/funders.html", {
        "funders": service.list_funders(db), "values": values, "errors": errors,
        "may_manage": service.may_manage(db, viewer), "funder_kinds": list(FunderKind)}, status=status)


@router.post("/grants/funders")
async def create_funder(request: Request, db: Session = Depends(get_db), viewer: Viewer = Depends(page_viewer)):
    service.require_manager(db, viewer)
    form = await request.form()
    values = form_values(form, ["name", "kind", "contacts", "programmes"])
    data, errors = parse(FunderIn, values, viewer.lang)
    if data is None:
        return _funders(request, db, viewer, values, errors, status=422)
    service.create_funder(db, data, viewer.id)
    flash(request, "flash.saved", "success")
    return redirect("/grants/funders")


@router.get("/grants/reports/{report_id}")
def report_page(report_id: int, request: Request, db: Session = Depends(get_db),
                viewer: Viewer = Depends(page_viewer), rules: RulesInForce = Depends(get_rules)):
    report = service.get_report(db, viewer, report_id)
    triggers = engine.allowed_triggers(db, report, viewer.person, rules.rules, service.REPORT)
    return render(request, "grants/report.html", {"report": report, "triggers": triggers})


def _detail(request: Request, db: Session, viewer: Viewer, rules: RulesInForce, app_id: int,
            req_values: dict | None = None, req_errors: dict | None = None, status: int = 200):
    app = service.get_application(db, viewer, app_id)
    reports = db.execute(select(Report).where(Report.application_id == app.id)
                         .order_by(Report.due_date, Report.id)).scalars().all()
    triggers = engine.allowed_triggers(db, app, viewer.person, rules.rules, service.APPLICATION)
    report_triggers = {r.id: engine.allowed_triggers(db, r, viewer.person, rules.rules, service.REPORT)
                       for r in reports}
    fee = service.management_fee_cents(app)
    fee_link = (f"/fee-splits/new?{urlencode({'amount': str(from_cents(fee)), 'grant_id': app.id})}"
                if fee else None)
    return render(request, "grants/detail.html", {
        "app": app, "reports": reports, "triggers": triggers, "report_triggers": report_triggers,
        "fee": fee, "fee_link": fee_link, "may_manage": service.may_manage(db, viewer),
        "req_values": req_values or {"due_rule": "fixed", "kind": "financial", "preparation_days": 14},
        "req_errors": req_errors or {}, "requirement_kinds": list(RequirementKind),
        "due_rules": list(DueRule), "anchors": list(Anchor), "frequencies": list(Frequency)}, status=status)


@router.get("/grants/{app_id}")
def application_page(app_id: int, request: Request, db: Session = Depends(get_db),
                     viewer: Viewer = Depends(page_viewer), rules: RulesInForce = Depends(get_rules)):
    return _detail(request, db, viewer, rules, app_id)


REQ_FIELDS = ["kind", "title", "due_rule", "due_date", "anchor", "offset_days", "frequency",
              "preparation_days"]


@router.post("/grants/{app_id}/requirements")
async def add_requirement(app_id: int, request: Request, db: Session = Depends(get_db),
                          viewer: Viewer = Depends(page_viewer), rules: RulesInForce = Depends(get_rules)):
    service.get_application(db, viewer, app_id)
    service.require_manager(db, viewer)
    form = await request.form()
    values = form_values(form, REQ_FIELDS)
    data, errors = parse(RequirementIn, values, viewer.lang)
    if data is None:
        return _detail(request, db, viewer, rules, app_id, values, errors, status=422)
    try:
        service.add_requirement(db, viewer, app_id, data, rules.rules)
    except AppError as exc:
        if exc.status in (403, 404):
            raise
        db.rollback()
        field = (exc.field or "form").rsplit(".", 1)[-1]
        return _detail(request, db, viewer, rules, app_id, values, {field: exc.message(viewer.lang)},
                       status=exc.status)
    flash(request, "flash.saved", "success")
    return redirect(f"/grants/{app_id}")


async def _transition(request: Request, db: Session, viewer: Viewer, rules: RulesInForce, obj,
                      object_type: str, back: str):
    form = await request.form()
    trigger = str(form.get("trigger") or "")[:64]
    params = {}
    if form.get("amount_awarded"):
        params["amount_awarded"] = str(form.get("amount_awarded"))[:40]
    try:
        state = service.fire(db, obj, trigger, viewer.person, rules.rules, object_type, params)
        db.commit()
    except (TransitionNotApplicable, TransitionForbidden, TransitionBlocked, AppError, ValueError) as exc:
        db.rollback()
        if isinstance(exc, TransitionBlocked):
            message = exc.blocked.message(viewer.lang)
        elif isinstance(exc, AppError):
            message = exc.message(viewer.lang)
        elif isinstance(exc, TransitionForbidden):
            message = t("workflow.forbidden", viewer.lang, trigger=trigger)
        else:
            message = t("workflow.not_applicable", viewer.lang, trigger=trigger, state=obj.state) \
                if isinstance(exc, TransitionNotApplicable) else t("form.grant_amount", viewer.lang)
        request.session.setdefault("flash", []).append({"key": "grants.raw", "kind": "error",
                                                        "params": {"text": message}})
        return redirect(back)
    prefix = "grants.state." if object_type == service.APPLICATION else "report.state."
    flash(request, "grants.moved", "success", state=t(prefix + state, viewer.lang))
    return redirect(back)


def _back(request: Request, default: str) -> str:
    from api.web import safe_next

    return safe_next(request.query_params.get("next"), default)


@router.post("/grants/{app_id}/transition")
async def application_transition(app_id: int, request: Request, db: Session = Depends(get_db),
                                 viewer: Viewer = Depends(page_viewer), rules: RulesInForce = Depends(get_rules)):
    app = service.get_application(db, viewer, app_id)
    return await _transition(request, db, viewer, rules, app, service.APPLICATION,
                             _back(request, f"/grants/{app.id}"))


@router.post("/grants/reports/{report_id}/transition")
async def report_transition(report_id: int, request: Request, db: Session = Depends(get_db),
                            viewer: Viewer = Depends(page_viewer), rules: RulesInForce = Depends(get_rules)):
    report = service.get_report(db, viewer, report_id)
    return await _transition(request, db, viewer, rules, report, service.REPORT,
                             _back(request, f"/grants/{report.application_id}"))


@dashboard_section
def my_grant_deadlines(db: Session, viewer: Viewer) -> Section | None:
    """Reports and application deadlines of the coming 30 days that this person owns."""
    from datetime import timedelta

    until = viewer.today + timedelta(days=30)
    reports = db.execute(
        service.reports_stmt(viewer, owner_id=viewer.id, due_to=until)
        .where(Report.deadline_open.is_(True)).limit(10)).scalars().all()
    if not reports:
        return None
    return Section("grants.my_reports", "grants/_dashboard.html", {"my_reports": reports}, order=40)
