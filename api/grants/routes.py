"""JSON API: funders, grant applications (with CSV export), reporting requirements, reports."""

from datetime import date

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api.access import Viewer
from api.deps import RulesInForce, current_viewer, get_db, get_rules
from api.grants import demo as _demo  # noqa: F401 - registers the demo hook
from api.grants import service
from api.grants.models import GrantApplication, Report
from api.grants.schemas import (
    ApplicationIn,
    ApplicationPatch,
    FunderIn,
    FunderOut,
    FunderPatch,
    RequirementIn,
)
from api.money import from_cents
from api.pagination import PageParams, page_params, paginate
from api.timeutil import as_utc
from api.workflow_routes import add_transition_route, state_fields

router = APIRouter(prefix="/api/v1", tags=["grants"])


def _money(cents: int | None) -> str | None:
    return None if cents is None else str(from_cents(cents))


def application_out(app: GrantApplication) -> dict:
    fee = service.management_fee_cents(app)
    return {
        "id": app.id, "title": app.title, "funder_id": app.funder_id,
        "funder": app.funder.name if app.funder else None, "programme": app.programme,
        "owner_id": app.owner_id, "partner_ids": [o.id for o in app.partners],
        "amount_requested": _money(app.amount_requested_cents),
        "amount_awarded": _money(app.amount_awarded_cents), "total_cost": _money(app.total_cost_cents),
        "currency": app.currency,
        "application_deadline": as_utc(app.application_deadline).isoformat() if app.application_deadline else None,
        "internal_draft_deadline": app.internal_draft_deadline.isoformat() if app.internal_draft_deadline else None,
        "period_start": app.period_start.isoformat() if app.period_start else None,
        "period_end": app.period_end.isoformat() if app.period_end else None,
        "management_fee": _money(fee),
        "management_fee_rate": (str(app.management_fee_rate_bp / 100) if app.management_fee_rate_bp is not None
                                else None),
        "notes": app.notes, "confidential": app.confidential_category is not None,
        "submission_decision_id": app.submission_decision_id, "state": app.state, "year": app.year,
    }


def report_out(report: Report) -> dict:
    return {"id": report.id, "application_id": report.application_id, "requirement_id": report.requirement_id,
            "kind": report.kind, "sequence": report.sequence, "due_date": report.due_date.isoformat(),
            "internal_date": report.internal_date.isoformat() if report.internal_date else None,
            "owner_id": report.owner_id, "state": report.state,
            "submitted_at": as_utc(report.submitted_at).isoformat() if report.submitted_at else None}


# ------------------------------------------------------------------------------- funders

@router.get("/funders")
def list_funders(params: PageParams = Depends(page_params), db: Session = Depends(get_db),
                 _: Viewer = Depends(current_viewer)) -> dict:
    from sqlalchemy import select

    from api.grants.models import Funder

    return paginate(db, select(Funder).order_by(Funder.name), params,
                    lambda f: FunderOut.model_validate(f).model_dump())


@router.post("/funders", status_code=201, response_model=FunderOut)
def create_funder(data: FunderIn, db: Session = Depends(get_db), viewer: Viewer = Depends(current_viewer)):
    service.require_manager(db, viewer)
    return service.create_funder(db, data, viewer.id)


@router.get("/funders/{funder_id}", response_model=FunderOut)
def get_funder(funder_id: int, db: Session = Depends(get_db), _: Viewer = Depends(current_viewer)):
    return service.get_funder(db, funder_id)


@router.patch("/funders/{funder_id}", response_model=FunderOut)
def update_funder(funder_id: int, data: FunderPatch, db: Session = Depends(get_db),
                  viewer: Viewer = Depends(current_viewer)):
    service.require_manager(db, viewer)
    return service.update_funder(db, funder_id, data, viewer.id)


@router.delete("/funders/{funder_id}", status_code=204)
def delete_funder(funder_id: int, db: Session = Depends(get_db), viewer: Viewer = Depends(current_viewer)):
    service.require_manager(db, viewer)
    service.delete_funder(db, funder_id, viewer.id)
    return Response(status_code=204)


# ------------------------------------------------------------------------------- applications

def _filters(funder_id: int | None = Query(None, ge=1), owner_id: int | None = Query(None, ge=1),
             state: str | None = Query(None, max_length=32), year: int | None = Query(None, ge=1900, le=2200),
             q: str | None = Query(None, max_length=100)) -> dict:
    return {"funder_id": funder_id, "owner_id": owner_id, "state": state, "year": year, "q": q}


@router.get("/grant-applications")
def list_applications(params: PageParams = Depends(page_params), filters: dict = Depends(_filters),
                      db: Session = Depends(get_db), viewer: Viewer = Depends(current_viewer)) -> dict:
    return paginate(db, service.list_stmt(viewer, **filters), params, application_out)


@router.get("/grant-applications.csv")
def export_applications(filters: dict = Depends(_filters), db: Session = Depends(get_db),
                        viewer: Viewer = Depends(current_viewer)) -> Response:
    return Response(service.export_csv(db, viewer, **filters), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="demandes-subvention.csv"'})


@router.post("/grant-applications", status_code=201)
def create_application(data: ApplicationIn, db: Session = Depends(get_db),
                       viewer: Viewer = Depends(current_viewer), rules: RulesInForce = Depends(get_rules)) -> dict:
    service.require_manager(db, viewer)
    app = service.create_application(db, data, viewer, rules.rules)
    return {**application_out(app), **state_fields(db, app, viewer, rules.rules, service.APPLICATION)}


@router.get("/grant-applications/{app_id}")
def get_application(app_id: int, db: Session = Depends(get_db), viewer: Viewer = Depends(current_viewer),
                    rules: RulesInForce = Depends(get_rules)) -> dict:
    app = service.get_application(db, viewer, app_id)
    return {**application_out(app), **state_fields(db, app, viewer, rules.rules, service.APPLICATION),
            "requirements": [{"id": r.id, "kind": r.kind, "due_rule": r.due_rule, "frequency": r.frequency,
                              "anchor": r.anchor, "offset_days": r.offset_days,
                              "due_date": r.due_date.isoformat() if r.due_date else None,
                              "owner_id": r.owner_id, "preparation_days": r.preparation_days}
                             for r in app.requirements]}


@router.patch("/grant-applications/{app_id}")
def update_application(app_id: int, data: ApplicationPatch, db: Session = Depends(get_db),
                       viewer: Viewer = Depends(current_viewer), rules: RulesInForce = Depends(get_rules)) -> dict:
    service.get_application(db, viewer, app_id)  # 404 before 403
    service.require_manager(db, viewer)
    app = service.update_application(db, app_id, data, viewer, rules.rules)
    return {**application_out(app), **state_fields(db, app, viewer, rules.rules, service.APPLICATION)}


@router.post("/grant-applications/{app_id}/requirements", status_code=201)
def add_requirement(app_id: int, data: RequirementIn, db: Session = Depends(get_db),
                    viewer: Viewer = Depends(current_viewer), rules: RulesInForce = Depends(get_rules)) -> dict:
    service.get_application(db, viewer, app_id)
    service.require_manager(db, viewer)
    req = service.add_requirement(db, viewer, app_id, data, rules.rules)
    return {"id": req.id, "application_id": req.application_id}


add_transition_route(router, "grant-applications", service.APPLICATION,
                     lambda db, viewer, obj_id: service.get_application(db, viewer, obj_id),
                     rules_for=service.remember_rules)


# ------------------------------------------------------------------------------- reports

@router.get("/reports")
def list_reports(params: PageParams = Depends(page_params), application_id: int | None = Query(None, ge=1),
                 state: str | None = Query(None, max_length=32), owner_id: int | None = Query(None, ge=1),
                 due_from: date | None = None, due_to: date | None = None,
                 db: Session = Depends(get_db), viewer: Viewer = Depends(current_viewer)) -> dict:
    stmt = service.reports_stmt(viewer, application_id, state, owner_id, due_from, due_to)
    return paginate(db, stmt, params, report_out)


@router.get("/reports/{report_id}")
def get_report(report_id: int, db: Session = Depends(get_db), viewer: Viewer = Depends(current_viewer),
               rules: RulesInForce = Depends(get_rules)) -> dict:
    report = service.get_report(db, viewer, report_id)
    return {**report_out(report), **state_fields(db, report, viewer, rules.rules, service.REPORT)}


add_transition_route(router, "reports", service.REPORT,
                     lambda db, viewer, obj_id: service.get_report(db, viewer, obj_id),
                     rules_for=service.remember_rules)
