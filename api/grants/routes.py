"""JSON API: funders, grant applications (with CSV export), reporting requirements, reports.

Every JSON answer is an `...Out` model of `api.grants.schemas`; errors are `api.errors.ErrorOut`.
The unit of work (`ViewerCtx`) commits when the route returns and rolls back when it raises.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from sqlalchemy import select

from api.context import Context
from api.deps import ViewerCtx
from api.errors import ERROR_RESPONSES
from api.grants import choices, reports, service
from api.grants.models import Funder, GrantApplication, Report
from api.grants.schemas import (
    ApplicationDetailOut,
    ApplicationIn,
    ApplicationOut,
    ApplicationPatch,
    ApplicationStateOut,
    ApplicationTriggerIn,
    FigureOut,
    FunderIn,
    FunderOut,
    FunderPatch,
    ReportContentOut,
    ReportDetailOut,
    ReportOut,
    ReportSetupIn,
    RequirementCreatedOut,
    RequirementIn,
    RequirementOut,
    SectionIn,
    SectionOut,
)
from api.money import from_cents
from api.pagination import PageParams, page_params, paginate
from api.schemas import MAX_ID, Day, Id, Line, Page
from api.timeutil import as_utc
from api.workflow_routes import add_transition_route, state_fields

router = APIRouter(prefix="/api/v1", tags=["grants"], responses=ERROR_RESPONSES)

# Declared by hand: the 200 is CSV, the error answers stay documented as JSON (`ErrorOut`).
CSV_DOC = {200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                 "description": "Grant applications, as CSV"}}


def _money(cents: int | None) -> str | None:
    return None if cents is None else str(from_cents(cents))


def application_fields(ctx: Context, app: GrantApplication) -> dict:
    fee = service.management_fee_cents(app)
    return {
        "id": app.id, "title": app.title, "funder_id": app.funder_id,
        "funder": app.funder.name if app.funder else None, "programme": app.programme,
        "owner_id": app.owner_id, "partner_ids": [o.id for o in app.partners],
        "amount_requested": _money(app.amount_requested_cents),
        "amount_awarded": _money(app.amount_awarded_cents), "total_cost": _money(app.total_cost_cents),
        "currency": app.currency,
        "application_deadline": as_utc(app.application_deadline) if app.application_deadline else None,
        "internal_draft_deadline": app.internal_draft_deadline,
        "period_start": app.period_start, "period_end": app.period_end,
        "management_fee": _money(fee),
        "management_fee_rate": (str(app.management_fee_rate_bp / 100) if app.management_fee_rate_bp is not None
                                else None),
        "notes": app.notes, "confidential": app.confidential_category is not None,
        "submission_decision_id": app.submission_decision_id,
        "submission_decision": choices.decision_title(ctx, app.submission_decision),
        "state": app.state, "year": app.year,
    }


def application_out(ctx: Context, app: GrantApplication) -> ApplicationOut:
    return ApplicationOut(**application_fields(ctx, app))


def _allowed(ctx: Context, obj, object_type: str) -> dict:
    """The triggers the person may fire (the object's fields already carry its state)."""
    return {"allowed_transitions": state_fields(ctx, obj, ctx.rules, object_type)["allowed_transitions"]}


def application_state_out(ctx: Context, app: GrantApplication) -> ApplicationStateOut:
    return ApplicationStateOut(**application_fields(ctx, app), **_allowed(ctx, app, service.APPLICATION))


def report_fields(report: Report) -> dict:
    return {"id": report.id, "application_id": report.application_id, "requirement_id": report.requirement_id,
            "kind": report.kind, "sequence": report.sequence, "due_date": report.due_date,
            "internal_date": report.internal_date, "owner_id": report.owner_id, "state": report.state,
            "submitted_at": as_utc(report.submitted_at) if report.submitted_at else None}


def report_out(report: Report) -> ReportOut:
    return ReportOut(**report_fields(report))


# ------------------------------------------------------------------------------- funders

@router.get("/funders", response_model=Page[FunderOut])
def list_funders(ctx: ViewerCtx, params: PageParams = Depends(page_params)) -> Page[FunderOut]:
    data = paginate(ctx.session, select(Funder).order_by(Funder.name), params, FunderOut.model_validate)
    return Page[FunderOut](**data)


@router.post("/funders", status_code=201, response_model=FunderOut)
def create_funder(data: FunderIn, ctx: ViewerCtx) -> FunderOut:
    service.require_manager(ctx)
    return FunderOut.model_validate(service.create_funder(ctx, data))


@router.get("/funders/{funder_id}", response_model=FunderOut)
def get_funder(funder_id: Id, ctx: ViewerCtx) -> FunderOut:
    return FunderOut.model_validate(service.get_funder(ctx, funder_id))


@router.patch("/funders/{funder_id}", response_model=FunderOut)
def update_funder(funder_id: Id, data: FunderPatch, ctx: ViewerCtx) -> FunderOut:
    service.require_manager(ctx)
    return FunderOut.model_validate(service.update_funder(ctx, funder_id, data))


@router.delete("/funders/{funder_id}", status_code=204, response_class=Response)
def delete_funder(funder_id: Id, ctx: ViewerCtx) -> Response:
    service.require_manager(ctx)
    service.delete_funder(ctx, funder_id)
    return Response(status_code=204)


# ------------------------------------------------------------------------------- applications

QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]


def _filters(funder_id: QueryId = None, owner_id: QueryId = None,
             state: Annotated[Line | None, Query(max_length=32)] = None,
             year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
             q: Annotated[Line | None, Query(max_length=100)] = None) -> dict:
    return {"funder_id": funder_id, "owner_id": owner_id, "state": state, "year": year, "q": q}


@router.get("/grant-applications", response_model=Page[ApplicationOut])
def list_applications(ctx: ViewerCtx, params: PageParams = Depends(page_params),
                      filters: dict = Depends(_filters)) -> Page[ApplicationOut]:
    data = paginate(ctx.session, service.list_stmt(ctx, **filters), params,
                    lambda app: application_out(ctx, app))
    return Page[ApplicationOut](**data)


@router.get("/grant-applications.csv", response_class=Response, responses=CSV_DOC)
def export_applications(ctx: ViewerCtx, filters: dict = Depends(_filters)) -> Response:
    return Response(service.export_csv(ctx, **filters), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="demandes-subvention.csv"'})


@router.post("/grant-applications", status_code=201, response_model=ApplicationStateOut)
def create_application(data: ApplicationIn, ctx: ViewerCtx) -> ApplicationStateOut:
    service.require_manager(ctx)
    return application_state_out(ctx, service.create_application(ctx, data))


@router.get("/grant-applications/{app_id}", response_model=ApplicationDetailOut)
def get_application(app_id: Id, ctx: ViewerCtx) -> ApplicationDetailOut:
    app = service.get_application(ctx, app_id)
    return ApplicationDetailOut(**application_fields(ctx, app), **_allowed(ctx, app, service.APPLICATION),
                                requirements=[RequirementOut.model_validate(r) for r in app.requirements])


@router.patch("/grant-applications/{app_id}", response_model=ApplicationStateOut)
def update_application(app_id: Id, data: ApplicationPatch, ctx: ViewerCtx) -> ApplicationStateOut:
    service.get_application(ctx, app_id)  # 404 before 403
    service.require_manager(ctx)
    return application_state_out(ctx, service.update_application(ctx, app_id, data))


@router.post("/grant-applications/{app_id}/requirements", status_code=201, response_model=RequirementCreatedOut)
def add_requirement(app_id: Id, data: RequirementIn, ctx: ViewerCtx) -> RequirementCreatedOut:
    service.get_application(ctx, app_id)
    service.require_manager(ctx)
    req = service.add_requirement(ctx, app_id, data)
    return RequirementCreatedOut(id=req.id, application_id=req.application_id)


@router.post("/grant-applications/{obj_id}/transitions", name="grant_application_transition",
             response_model=ApplicationStateOut)
def application_transition(obj_id: Id, data: ApplicationTriggerIn, ctx: ViewerCtx) -> ApplicationStateOut:
    """Move an application along its workflow. `approve` ("Approuvée par le CE") needs
    `params.decision_id`, an adopted decision of the executive committee: without it, or with
    another, 422 naming `decision_id` and nothing changes. 409: not possible from this state
    or refused by another guard of the rules; 403: not for this person."""
    app = service.get_application(ctx, obj_id)
    service.transition_application(ctx, app, data.trigger, data.params.model_dump(exclude_none=True))
    return application_state_out(ctx, app)


# ------------------------------------------------------------------------------- reports

@router.get("/reports", response_model=Page[ReportOut])
def list_reports(ctx: ViewerCtx, params: PageParams = Depends(page_params), application_id: QueryId = None,
                 state: Annotated[Line | None, Query(max_length=32)] = None, owner_id: QueryId = None,
                 due_from: Day | None = None, due_to: Day | None = None) -> Page[ReportOut]:
    stmt = service.reports_stmt(ctx, application_id, state, owner_id, due_from, due_to)
    return Page[ReportOut](**paginate(ctx.session, stmt, params, report_out))


@router.get("/reports/{report_id}", response_model=ReportDetailOut)
def get_report(report_id: Id, ctx: ViewerCtx) -> ReportDetailOut:
    report = service.get_report(ctx, report_id)
    return ReportDetailOut(**report_fields(report), **_allowed(ctx, report, service.REPORT))


add_transition_route(router, "reports", service.REPORT, service.get_report)


# ------------------------------------------------------------------------------- report content

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCX_DOC = {200: {"content": {DOCX: {"schema": {"type": "string", "format": "binary"}}},
                  "description": "The report as a Word document"}}


def report_content_out(ctx: Context, report: Report) -> ReportContentOut:
    v = reports.view(ctx, report)
    return ReportContentOut(
        id=report.id, template=report.template_key, language=v.lang, period_start=report.period_start,
        period_end=report.period_end, frozen_at=report.frozen_at, text_open=reports.text_open(ctx, report),
        may_write=reports.may_write(ctx, report),
        sections=[SectionOut(key=s.key, title=s.title, text=s.text, version=s.version, updated_at=s.updated_at,
                             updated_by=s.updated_by, authors=s.authors) for s in v.sections],
        figures=[FigureOut(key=f.key, label=f.label(v.lang), kind=f.kind, shown=shown)
                 for f, (_, _, shown) in zip(v.raw, v.figures, strict=True)])


@router.get("/reports/{report_id}/content", response_model=ReportContentOut)
def get_report_content(report_id: Id, ctx: ViewerCtx) -> ReportContentOut:
    return report_content_out(ctx, service.get_report(ctx, report_id))


@router.put("/reports/{report_id}/setup", response_model=ReportContentOut)
def setup_report(report_id: Id, data: ReportSetupIn, ctx: ViewerCtx) -> ReportContentOut:
    report = reports.setup(ctx, report_id, data.template, data.period_start, data.period_end)
    return report_content_out(ctx, report)


@router.put("/reports/{report_id}/sections/{key}", response_model=SectionOut)
def save_report_section(report_id: Id, key: Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)],
                        data: SectionIn, ctx: ViewerCtx) -> SectionOut:
    row = reports.save_section(ctx, report_id, key, data.text, data.version)
    section = next(s for s in reports.view(ctx, row.report).sections if s.key == key)
    return SectionOut(key=section.key, title=section.title, text=section.text, version=section.version,
                      updated_at=section.updated_at, updated_by=section.updated_by, authors=section.authors)


@router.get("/reports/{report_id}/report.docx", response_class=Response, responses=DOCX_DOC)
def report_docx(report_id: Id, ctx: ViewerCtx) -> Response:
    return docx_response(ctx, service.get_report(ctx, report_id))


def docx_response(ctx: Context, report: Report) -> Response:
    from api.grants.docx import build

    body = build(reports.view(ctx, report))
    return Response(body, media_type=DOCX,
                    headers={"Content-Disposition": f'attachment; filename="rapport-{report.id}.docx"'})
