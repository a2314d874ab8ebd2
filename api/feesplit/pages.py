"""Pages: the history of the splits with totals, the new-split form with its preview (no
JavaScript needed: the preview button re-renders the page), and a split's page.

A form shown again with its errors (4xx) refuses the unit of work (`api.web.render`), so a
refused proposal leaves nothing behind; a proposal that goes through commits at the edge."""

from datetime import date

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from api.charts import Part, share_bar
from api.context import Context
from api.decisions.models import Decision
from api.deps import PageCtx, check_csrf
from api.errors import AppError, message
from api.feesplit import service
from api.feesplit.schemas import FeeSplitIn, InputError, parse_amount
from api.forms import form_values, parse
from api.i18n import t
from api.pagination import PageParams, paginate
from api.register.models import RegisterEvent
from api.schemas import Id
from api.web import flash, format_money, redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])

FIELDS = ["amount", "period", "grant_id", "year", "text"]


def amount_text(cents: int, lang: str) -> str:
    """How an amount is pre-filled in the form: 12 345,67 in French, 12,345.67 in English
    (number formatting, not wording)."""
    whole, part = divmod(cents, 100)
    if lang == "fr":
        return f"{whole:,}".replace(",", " ") + f",{part:02d}"
    return f"{whole:,}.{part:02d}"


def _decisions_by_id(ctx: Context, ids: list[int]) -> dict:
    if not ids:
        return {}
    return {d.id: d for d in ctx.session.execute(select(Decision).where(Decision.id.in_(ids))).scalars()}


@router.get("/fee-splits")
def history(request: Request, ctx: PageCtx, page: int = Query(1, ge=1, le=100_000)):
    service.require_access(ctx)
    data = paginate(ctx.session, service.visible_splits(ctx), PageParams(page=page, per_page=20))
    decisions = _decisions_by_id(ctx, [s.decision_id for s in data["items"]])
    return render(request, ctx, "feesplit/list.html", {
        "data": data, "decisions": decisions, "grant_names": dict(service.grant_choices(ctx)),
        "by_year": service.grouped(service.totals(ctx, "year")),
        "by_grant": service.grouped(service.totals(ctx, "grant")),
    })


@router.get("/fee-splits/totals.csv")
def totals_csv(ctx: PageCtx) -> Response:
    """The page's download: the totals as the person's spreadsheet opens them (French Excel:
    `;`, decimal commas, byte-order mark); the API keeps its own format."""
    service.require_access(ctx)
    return Response(service.totals_csv(ctx, None, excel_lang=ctx.lang), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="frais-de-gestion-totaux.csv"'})


def _workload(ctx: Context, partners, start: str | None, end: str | None) -> tuple[dict | None, str | None]:
    """Weights pre-filled from the committees' logged workload."""
    if not start and not end:
        return None, None
    try:
        first, last = date.fromisoformat(start or ""), date.fromisoformat(end or "")
    except ValueError:
        return None, "feesplit.error.workload_dates"
    if last < first:
        return None, "feesplit.error.workload_dates"
    hours = service.workload_weights(ctx, [p.id for p in partners], first, last)
    if not any(h > 0 for h in hours.values()):
        return None, "feesplit.workload_none"
    weights = {}
    for org_id, h in hours.items():
        weights[f"weights.{org_id}"] = service.decimal_text(f"{h.normalize():f}" if h else "0", ctx.lang)
    return weights, None


def _share_picture(ctx: Context, chart_id: str, title_key: str, rows: list[tuple[str, int]]):
    """The shares as one bar cut per partner (server-rendered SVG, the numbers as text)."""
    parts = [Part(name, cents, format_money(cents, ctx.lang)) for name, cents in rows]
    return share_bar(chart_id, t(title_key, ctx.lang), parts, ctx.lang)


def _form(request: Request, ctx: Context, values: dict, errors: dict, result=None, status: int = 200,
          notice: str | None = None):
    partners = service.eligible_partners(ctx)
    picture = None
    if result is not None:
        picture = _share_picture(ctx, "preview-chart", "feesplit.chart_preview",
                                 [(r["organisation"], r["amount_cents"]) for r in result.rows])
    grants = service.grant_choices(ctx)
    chosen = str(values.get("grant_id") or "")
    if chosen.isdigit() and int(chosen) not in dict(grants):  # a number from a link, kept as given
        grants.append((int(chosen), t("feesplit.grant_n", ctx.lang, id=chosen)))
    return render(request, ctx, "feesplit/new.html", {
        "values": values, "errors": errors, "partners": partners, "result": result,
        "grants": grants, "picture": picture,
        "unit": ctx.rules.fee_split.weight_unit, "notice": notice,
        "other_weight_errors": [m for k, m in errors.items()
                                if k.startswith("weights.")
                                and k.removeprefix("weights.") not in {str(p.id) for p in partners}],
    }, status=status)


@router.get("/fee-splits/new")
def new_split(request: Request, ctx: PageCtx, amount: str | None = Query(None, max_length=40),
              grant_id: str | None = Query(None, max_length=12),
              period: str | None = Query(None, max_length=50),
              workload_from: str | None = Query(None, max_length=10),
              workload_to: str | None = Query(None, max_length=10)):
    """The form, pre-filled from ?amount=12345.67&grant_id=3 (links from the grants)."""
    service.require_access(ctx)
    values: dict = {"period": period or "", "workload_from": workload_from or "",
                    "workload_to": workload_to or ""}
    if amount:
        try:
            values["amount"] = amount_text(parse_amount(amount), ctx.lang)
        except InputError:
            values["amount"] = amount
    if grant_id:
        values["grant_id"] = grant_id if grant_id.isdigit() else ""
    weights, notice = _workload(ctx, service.eligible_partners(ctx), workload_from, workload_to)
    if weights:
        values.update(weights)
    return _form(request, ctx, values, {}, notice=notice)


@router.post("/fee-splits/new")
async def submit_split(request: Request, ctx: PageCtx):
    """"Preview" re-renders the page with the shares; "Propose" creates the draft decision."""
    service.require_access(ctx)
    form = await request.form()
    lang = ctx.lang
    values = form_values(form, FIELDS)
    weight_inputs = {k: str(v) for k, v in form.multi_items()
                     if k.startswith("weights.") and len(k) < 40}
    shown = {k: v for k, v in values.items() if v is not None} | weight_inputs
    weights: dict[str, str] = {}
    for key, text in weight_inputs.items():
        if text.strip():
            weights[key.removeprefix("weights.")] = text.strip()[:41]
    data, errors = parse(FeeSplitIn, {**values, "weights": weights}, lang)
    if data is None:
        return _form(request, ctx, shown, errors, status=422)
    try:
        if form.get("action") == "propose":
            split = service.create_fee_split(ctx, data)
            decision = service.decision_of(ctx, split)
            if decision is None or service.may_open(ctx, decision, ctx.viewer.person):
                flash(request, "feesplit.proposed", "success")
            else:
                names = ", ".join(p.name for p in service.openers(ctx, decision))
                flash(request, "feesplit.hand_off.flash" if names else "feesplit.hand_off.nobody",
                      "success", names=names)
            return redirect(f"/decisions/{split.decision_id}")
        result = service.preview(ctx, data)
    except service.SplitInvalid as exc:
        return _form(request, ctx, shown, exc.errors, status=422)
    except AppError as exc:
        if exc.status == 404:
            raise
        return _form(request, ctx, shown, {exc.field or "form": message(exc, lang)}, status=exc.status)
    return _form(request, ctx, shown, {}, result=result)


@router.get("/fee-splits/{split_id}")
def split_page(split_id: Id, request: Request, ctx: PageCtx):
    split = service.get_split(ctx, split_id)
    decision = service.decision_of(ctx, split)
    explanation = None
    if split.recorded_at is not None:
        event = ctx.session.execute(
            select(RegisterEvent).where(RegisterEvent.object_type == service.OBJECT_TYPE,
                                        RegisterEvent.object_id == split.id,
                                        RegisterEvent.action == "feesplit.recorded")
        ).scalars().first()
        if event is not None and isinstance(event.after, dict):
            explained = event.after.get("explanation") or {}
            explanation = explained.get(ctx.lang) if isinstance(explained, dict) else explained
    total = sum(s.amount_cents for s in split.shares)
    weights = {w.organisation_id: service.weight_text(w.weight, ctx.lang) for w in split.weights}
    picture = None
    if split.recorded_at is not None:
        picture = _share_picture(ctx, "split-chart", "feesplit.chart_adopted",
                                 [(s.organisation.name, s.amount_cents) for s in split.shares])
    return render(request, ctx, "feesplit/detail.html", {
        "split": split, "decision": decision, "explanation": explanation, "total": total,
        "weights": weights, "picture": picture, "grant_name": service.grant_name(ctx, split.grant_id)})
