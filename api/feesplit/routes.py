"""Fee splits in the JSON API: preview (nothing saved), proposal, history, totals and CSV.

Every JSON answer is an `...Out` model of `api.feesplit.schemas`. A split that cannot be
done as asked is a 422 naming every wrong field (`ErrorOut` with one detail per field); the
unit of work is then refused, so such an answer never leaves anything in the database.
"""

from typing import Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response

from api.context import Context
from api.deps import ViewerCtx
from api.errors import ERROR_RESPONSES, Invalid
from api.feesplit import service
from api.feesplit.schemas import (
    FeeSplitIn,
    FeeSplitOut,
    FeeSplitProposedOut,
    PartnerOut,
    PreviewOut,
    TotalsOut,
    WorkloadOut,
)
from api.i18n import t
from api.pagination import PageParams, page_params, paginate
from api.schemas import Day, Id, Page

router = APIRouter(prefix="/api/v1", tags=["fee splits"], responses=ERROR_RESPONSES)


class CSVResponse(Response):
    media_type = "text/csv"


# Declared by hand: a plain `Response` class documents no 200 body of its own, so the error
# answers stay documented as JSON (`ErrorOut`) while the 200 is CSV.
CSV_DOC = {200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                 "description": "Totals per partner, as CSV"}}


def invalid(ctx: Context, exc: service.SplitInvalid) -> JSONResponse:
    """The 422 naming every wrong field; whatever the unit of work flushed is rolled back."""
    ctx.refuse()
    fields = ", ".join(exc.errors)
    return JSONResponse({"code": "error.validation", "field": next(iter(exc.errors)),
                         "message": t("error.invalid_fields", ctx.lang, fields=fields),
                         "detail": exc.detail()}, status_code=422)


@router.post("/fee-splits/preview", response_model=PreviewOut)
def preview(data: FeeSplitIn, ctx: ViewerCtx):
    """Each share to the cent and the explanation of the rounding; nothing is saved."""
    service.require_access(ctx)
    try:
        result = service.preview(ctx, data)
    except service.SplitInvalid as exc:
        return invalid(ctx, exc)
    return service.preview_out(result)


@router.post("/fee-splits", status_code=201, response_model=FeeSplitProposedOut)
def create(data: FeeSplitIn, ctx: ViewerCtx):
    """Propose a split: creates the draft "fee_split" decision and the split together."""
    try:
        split = service.create_fee_split(ctx, data)
    except service.SplitInvalid as exc:
        return invalid(ctx, exc)
    return service.split_out(ctx, split, FeeSplitProposedOut)


@router.get("/fee-splits", response_model=Page[FeeSplitOut])
def list_splits(ctx: ViewerCtx, params: PageParams = Depends(page_params)) -> Page[FeeSplitOut]:
    data = paginate(ctx.session, service.visible_splits(ctx), params, lambda s: service.split_out(ctx, s))
    return Page[FeeSplitOut](**data)


@router.get("/fee-splits/totals", response_model=TotalsOut)
def totals(ctx: ViewerCtx, by: Literal["year", "grant"] = Query("year")) -> TotalsOut:
    """Adopted shares summed per partner and per year (or per grant)."""
    rows = service.totals(ctx, by)
    return TotalsOut(by=by, items=[service.total_row_out(r) for r in rows],
                     total_cents=sum(r.total_cents for r in rows))


@router.get("/fee-splits/totals.csv", response_class=Response, responses=CSV_DOC)
def export_totals(ctx: ViewerCtx, by: Literal["year", "grant"] | None = Query(None)) -> Response:
    """Totals per partner per year and per grant, as CSV (amounts in cents and in dollars)."""
    return CSVResponse(service.totals_csv(ctx, by), headers={
        "Content-Disposition": 'attachment; filename="frais-de-gestion-totaux.csv"'})


@router.get("/fee-splits/workload", response_model=WorkloadOut)
def workload(start: Day, end: Day, ctx: ViewerCtx) -> WorkloadOut:
    """Weights from the logged workload: hours per eligible partner from the committees' tasks."""
    service.require_access(ctx)
    if end < start:
        raise Invalid("feesplit.error.workload_dates", field="end")
    partners = service.eligible_partners(ctx)
    hours = service.workload_weights(ctx, [p.id for p in partners], start, end)
    return WorkloadOut(start=start, end=end, weight_unit="hours",
                       weights={str(p.id): str(hours.get(p.id, 0)) for p in partners},
                       partners=[PartnerOut(organisation_id=p.id, organisation=p.name) for p in partners])


@router.get("/fee-splits/{split_id}", response_model=FeeSplitOut)
def get_split(split_id: Id, ctx: ViewerCtx) -> FeeSplitOut:
    return service.split_out(ctx, service.get_split(ctx, split_id))
