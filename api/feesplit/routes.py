"""Fee splits in the JSON API: preview (nothing saved), proposal, history, totals and CSV."""

import csv
import io
from datetime import date
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from api.access import Viewer
from api.deps import RulesInForce, current_viewer, get_db, get_rules
from api.errors import Invalid, NotFound, request_lang
from api.feesplit import (
    demo,  # noqa: F401 - registers the demo data hook
    service,
)
from api.feesplit.schemas import FeeSplitIn, FeeSplitOut, PreviewOut
from api.i18n import t
from api.money import from_cents
from api.pagination import PageParams, page_params, paginate

router = APIRouter(prefix="/api/v1", tags=["fee splits"])


def invalid(exc: service.SplitInvalid, lang: str) -> JSONResponse:
    fields = ", ".join(exc.errors)
    return JSONResponse({"code": "error.validation", "field": next(iter(exc.errors)),
                         "message": t("error.invalid_fields", lang, fields=fields),
                         "detail": exc.detail()}, status_code=422)


@router.post("/fee-splits/preview", response_model=PreviewOut)
def preview(data: FeeSplitIn, request: Request, db: Session = Depends(get_db),
            viewer: Viewer = Depends(current_viewer),
            rules: RulesInForce = Depends(get_rules)) -> dict:
    """Each share to the cent and the explanation of the rounding; nothing is saved."""
    service.require_access(db, viewer, rules.rules)
    lang = request_lang(request)
    try:
        result = service.preview(db, rules.rules, data, service.today_for(rules.rules), lang)
    except service.SplitInvalid as exc:
        return invalid(exc, lang)
    return service.preview_out(result, lang)


@router.post("/fee-splits", status_code=201)
def create(data: FeeSplitIn, request: Request, db: Session = Depends(get_db),
           viewer: Viewer = Depends(current_viewer), rules: RulesInForce = Depends(get_rules)):
    """Propose a split: creates the draft "fee_split" decision and the split together."""
    lang = request_lang(request)
    try:
        split = service.create_fee_split(db, rules.rules, rules.version_id, data, viewer,
                                         service.today_for(rules.rules), lang)
    except service.SplitInvalid as exc:
        return invalid(exc, lang)
    return JSONResponse(jsonable_encoder(service.split_out(db, split)), status_code=201)


@router.get("/fee-splits")
def list_splits(params: PageParams = Depends(page_params), db: Session = Depends(get_db),
                viewer: Viewer = Depends(current_viewer)) -> dict:
    return paginate(db, service.visible_splits(viewer), params, lambda s: service.split_out(db, s))


@router.get("/fee-splits/totals")
def totals(by: Literal["year", "grant"] = Query("year"), db: Session = Depends(get_db),
           viewer: Viewer = Depends(current_viewer)) -> dict:
    """Adopted shares summed per partner and per year (or per grant)."""
    rows = service.totals(db, viewer, by)
    return {"by": by, "items": [service.total_row_out(r) for r in rows],
            "total_cents": sum(r.total_cents for r in rows)}


def _cell(value: object) -> object:
    """Spreadsheets run cells starting with = + - @ as formulas: neutralise them."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def totals_csv(db: Session, viewer: Viewer, by: str | None) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["dimension", "key", "organisation_id", "organisation", "total_cents", "total"])
    for dimension in ([by] if by else ["year", "grant"]):
        for row in service.totals(db, viewer, dimension):
            writer.writerow([row.dimension, "" if row.key is None else row.key, row.organisation_id,
                             _cell(row.organisation), row.total_cents, str(from_cents(row.total_cents))])
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="frais-de-gestion-totaux.csv"'})


@router.get("/fee-splits/totals.csv")
def export_totals(by: Literal["year", "grant"] | None = Query(None), db: Session = Depends(get_db),
                  viewer: Viewer = Depends(current_viewer)) -> Response:
    """Totals per partner per year and per grant, as CSV (amounts in cents and in dollars)."""
    return totals_csv(db, viewer, by)


@router.get("/fee-splits/workload")
def workload(start: date, end: date, db: Session = Depends(get_db),
             viewer: Viewer = Depends(current_viewer), rules: RulesInForce = Depends(get_rules)) -> dict:
    """Weights from the logged workload: hours per eligible partner from the committees' tasks."""
    service.require_access(db, viewer, rules.rules)
    if end < start:
        raise Invalid("feesplit.error.workload_dates", field="end")
    partners = service.eligible_partners(db, rules.rules, service.today_for(rules.rules))
    hours = service.workload_weights(db, [p.id for p in partners], start, end)
    if hours is None:
        raise NotFound("feesplit.error.workload_unavailable")
    return {"start": start, "end": end, "weight_unit": "hours",
            "weights": {str(p.id): str(hours.get(p.id, 0)) for p in partners},
            "partners": [{"organisation_id": p.id, "organisation": p.name} for p in partners]}


@router.get("/fee-splits/{split_id}", response_model=FeeSplitOut)
def get_split(split_id: int, db: Session = Depends(get_db),
              viewer: Viewer = Depends(current_viewer)) -> dict:
    return service.split_out(db, service.get_split(db, viewer, split_id))
