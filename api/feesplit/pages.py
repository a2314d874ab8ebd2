"""Pages: the history of the splits with totals, the new-split form with its preview (no
JavaScript needed: the preview button re-renders the page), and a split's page."""

from datetime import date

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.access import Viewer
from api.deps import RulesInForce, check_csrf, get_db, get_rules, page_viewer
from api.errors import AppError
from api.feesplit import service
from api.feesplit.schemas import FeeSplitIn, InputError, parse_amount
from api.forms import form_values, parse
from api.pagination import PageParams, paginate
from api.register.models import RegisterEvent
from api.web import add_nav, flash, redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
add_nav("nav.feesplit", "/fee-splits")

FIELDS = ["amount", "period", "grant_id", "year", "text"]


def amount_text(cents: int, lang: str) -> str:
    """How an amount is pre-filled in the form: 12 345,67 in French, 12,345.67 in English."""
    whole, part = divmod(cents, 100)
    if lang == "fr":
        return f"{whole:,}".replace(",", " ") + f",{part:02d}"
    return f"{whole:,}.{part:02d}"


def _decisions_by_id(db: Session, ids: list[int]) -> dict:
    try:
        from api.decisions.models import Decision
    except ModuleNotFoundError:  # pragma: no cover
        return {}
    if not ids:
        return {}
    return {d.id: d for d in db.execute(select(Decision).where(Decision.id.in_(ids))).scalars()}


@router.get("/fee-splits")
def history(request: Request, page: int = Query(1, ge=1, le=100_000), db: Session = Depends(get_db),
            viewer: Viewer = Depends(page_viewer), rules: RulesInForce = Depends(get_rules)):
    service.require_access(db, viewer, rules.rules)
    data = paginate(db, service.visible_splits(viewer), PageParams(page=page, per_page=20))
    decisions = _decisions_by_id(db, [s.decision_id for s in data["items"]])
    return render(request, "feesplit/list.html", {
        "data": data, "decisions": decisions,
        "by_year": service.grouped(service.totals(db, viewer, "year")),
        "by_grant": service.grouped(service.totals(db, viewer, "grant")),
    })


def _workload(db: Session, partners, values: dict, start: str | None, end: str | None,
              lang: str) -> tuple[dict | None, str | None]:
    """Weights pre-filled from the committees' logged workload, when that area can tell."""
    if not start and not end:
        return None, None
    try:
        first, last = date.fromisoformat(start or ""), date.fromisoformat(end or "")
    except ValueError:
        return None, "feesplit.error.workload_dates"
    if last < first:
        return None, "feesplit.error.workload_dates"
    hours = service.workload_weights(db, [p.id for p in partners], first, last)
    if hours is None:
        return None, None
    if not any(h > 0 for h in hours.values()):
        return None, "feesplit.workload_none"
    weights = {}
    for org_id, h in hours.items():
        text = f"{h.normalize():f}" if h else "0"
        weights[f"weights.{org_id}"] = text.replace(".", ",") if lang == "fr" else text
    return weights, None


def _form(request: Request, db: Session, rules, viewer: Viewer, values: dict, errors: dict,
          result=None, status: int = 200, notice: str | None = None):
    partners = service.eligible_partners(db, rules, service.today_for(rules))
    return render(request, "feesplit/new.html", {
        "values": values, "errors": errors, "partners": partners, "result": result,
        "unit": rules.fee_split.weight_unit, "notice": notice,
        "workload_available": service.workload_available(),
        "other_weight_errors": [m for k, m in errors.items()
                                if k.startswith("weights.")
                                and k.removeprefix("weights.") not in {str(p.id) for p in partners}],
    }, status=status)


@router.get("/fee-splits/new")
def new_split(request: Request, amount: str | None = Query(None, max_length=40),
              grant_id: str | None = Query(None, max_length=12),
              period: str | None = Query(None, max_length=50),
              workload_from: str | None = Query(None, max_length=10),
              workload_to: str | None = Query(None, max_length=10),
              db: Session = Depends(get_db), viewer: Viewer = Depends(page_viewer),
              rules: RulesInForce = Depends(get_rules)):
    """The form, pre-filled from ?amount=12345.67&grant_id=3 (links from the grants)."""
    service.require_access(db, viewer, rules.rules)
    lang = viewer.lang
    values: dict = {"period": period or "", "workload_from": workload_from or "",
                    "workload_to": workload_to or ""}
    errors: dict = {}
    if amount:
        try:
            values["amount"] = amount_text(parse_amount(amount), lang)
        except InputError:
            values["amount"] = amount
    if grant_id:
        values["grant_id"] = grant_id if grant_id.isdigit() else ""
    partners = service.eligible_partners(db, rules.rules, service.today_for(rules.rules))
    weights, notice = _workload(db, partners, values, workload_from, workload_to, lang)
    if weights:
        values.update(weights)
    return _form(request, db, rules.rules, viewer, values, errors, notice=notice)


@router.post("/fee-splits/new")
async def submit_split(request: Request, db: Session = Depends(get_db),
                       viewer: Viewer = Depends(page_viewer),
                       rules: RulesInForce = Depends(get_rules)):
    """"Preview" re-renders the page with the shares; "Propose" creates the draft decision."""
    service.require_access(db, viewer, rules.rules)
    form = await request.form()
    lang = viewer.lang
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
        return _form(request, db, rules.rules, viewer, shown, errors, status=422)
    today = service.today_for(rules.rules)
    try:
        if form.get("action") == "propose":
            split = service.create_fee_split(db, rules.rules, rules.version_id, data, viewer,
                                             today, lang)
            flash(request, "feesplit.proposed", "success")
            return redirect(f"/decisions/{split.decision_id}")
        result = service.preview(db, rules.rules, data, today, lang)
    except service.SplitInvalid as exc:
        return _form(request, db, rules.rules, viewer, shown, exc.errors, status=422)
    except AppError as exc:
        if exc.status == 404:
            raise
        return _form(request, db, rules.rules, viewer, shown,
                     {exc.field or "form": exc.message(lang)}, status=exc.status)
    return _form(request, db, rules.rules, viewer, shown, {}, result=result)


@router.get("/fee-splits/{split_id}")
def split_page(split_id: int, request: Request, db: Session = Depends(get_db),
               viewer: Viewer = Depends(page_viewer), rules: RulesInForce = Depends(get_rules)):
    split = service.get_split(db, viewer, split_id)
    decision = service.decision_of(db, split)
    explanation = None
    if split.recorded_at is not None:
        event = db.execute(
            select(RegisterEvent).where(RegisterEvent.object_type == service.OBJECT_TYPE,
                                        RegisterEvent.object_id == split.id,
                                        RegisterEvent.action == "feesplit.recorded")
        ).scalars().first()
        if event is not None and isinstance(event.after, dict):
            explained = event.after.get("explanation") or {}
            explanation = explained.get(viewer.lang) if isinstance(explained, dict) else explained
    total = sum(s.amount_cents for s in split.shares)
    weights = {w.organisation_id: service.weight_text(w.weight, viewer.lang) for w in split.weights}
    return render(request, "feesplit/detail.html", {
        "split": split, "decision": decision, "explanation": explanation, "total": total,
        "weights": weights})
