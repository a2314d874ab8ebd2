"""Pages: the decisions list, a new proposal, a decision with its vote (no JavaScript needed)."""

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from api.access import Viewer
from api.collective.models import Body
from api.collective.service import list_bodies
from api.dashboard import Section, section
from api.decisions import service
from api.decisions.schemas import DecisionIn, RecusalIn, VoteIn
from api.deps import RulesInForce, check_csrf, get_db, get_rules, page_viewer
from api.errors import AppError
from api.forms import form_values, parse
from api.i18n import t
from api.pagination import PageParams, paginate
from api.web import add_nav, flash, redirect, render
from workflows import engine

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
add_nav("nav.decisions", "/decisions")

FORM_FIELDS = ["kind", "title", "text", "body_id", "closes_at"]


@router.get("/decisions")
def decisions_page(request: Request, page: int = Query(1, ge=1, le=100_000),
                   state: str | None = Query(None, max_length=32),
                   kind: str | None = Query(None, max_length=64),
                   db: Session = Depends(get_db), viewer: Viewer = Depends(page_viewer),
                   rules: RulesInForce = Depends(get_rules)):
    data = paginate(db, service.list_stmt(viewer, state or None, kind or None),
                    PageParams(page=page, per_page=50))
    bodies = {b.id: b for b in list_bodies(db)}
    return render(request, "decisions/list.html", {
        "data": data, "bodies": bodies, "kinds": rules.rules.decision_kinds,
        "state": state or "", "kind": kind or "",
        "states": sorted({s for wf in {k.workflow for k in rules.rules.decision_kinds.values()}
                          for s in rules.rules.workflows[wf].states})})


def _form(request: Request, db: Session, rules: RulesInForce, values: dict, errors: dict,
          status: int = 200):
    return render(request, "decisions/form.html", {
        "values": values, "errors": errors, "kinds": rules.rules.decision_kinds,
        "bodies": list_bodies(db)}, status=status)


@router.get("/decisions/new")
def new_decision(request: Request, db: Session = Depends(get_db), viewer: Viewer = Depends(page_viewer),
                 rules: RulesInForce = Depends(get_rules)):
    return _form(request, db, rules, {"kind": "budget"}, {})


@router.post("/decisions")
async def create_decision(request: Request, db: Session = Depends(get_db),
                          viewer: Viewer = Depends(page_viewer),
                          rules: RulesInForce = Depends(get_rules)):
    form = await request.form()
    values = form_values(form, FORM_FIELDS)
    data, errors = parse(DecisionIn, values, viewer.lang)
    if data is None:
        return _form(request, db, rules, values, errors, status=422)
    try:
        decision = service.create(db, data, viewer, rules.rules)
    except AppError as exc:
        return _form(request, db, rules, values, {exc.field or "form": exc.message(viewer.lang)},
                     status=exc.status)
    flash(request, "decision.created", "success")
    return redirect(f"/decisions/{decision.id}")


def _detail(request: Request, db: Session, viewer: Viewer, rules: RulesInForce, decision_id: int,
            error: str | None = None, status: int = 200, values: dict | None = None):
    decision = service.get_visible(db, viewer, decision_id)
    judged = service.judged_rules(db, decision, rules.rules)
    info = service.details(db, decision, viewer, rules.rules)
    triggers = engine.allowed_triggers(db, decision, viewer.person, judged, service.OBJECT_TYPE)
    return render(request, "decisions/detail.html", {
        "d": decision, "info": info, "body": db.get(Body, decision.body_id), "triggers": triggers,
        "error": error, "values": values or {}, "errors": {}}, status=status)


@router.get("/decisions/{decision_id}")
def decision_page(decision_id: int, request: Request, db: Session = Depends(get_db),
                  viewer: Viewer = Depends(page_viewer), rules: RulesInForce = Depends(get_rules)):
    return _detail(request, db, viewer, rules, decision_id)


@router.post("/decisions/{decision_id}/vote")
async def vote(decision_id: int, request: Request, db: Session = Depends(get_db),
               viewer: Viewer = Depends(page_viewer), rules: RulesInForce = Depends(get_rules)):
    form = await request.form()
    data, errors = parse(VoteIn, form_values(form, ["choice"]), viewer.lang)
    if data is None:
        return _detail(request, db, viewer, rules, decision_id, errors.get("choice"), status=422)
    try:
        decision, ballot, status = service.cast_vote(db, decision_id, data.choice, viewer)
    except AppError as exc:
        if exc.status == 404:
            raise
        db.rollback()
        return _detail(request, db, viewer, rules, decision_id, exc.message(viewer.lang), exc.status)
    choice = t(f"decision.choice.{ballot.choice}", viewer.lang)
    key = {"cast": "decision.vote_recorded", "changed": "decision.vote_changed",
           "unchanged": "decision.vote_unchanged"}[status]
    flash(request, key, "success", choice=choice)
    if decision.closed_at is not None:
        flash(request, "decision.vote_closed_now", "info")
    return redirect(f"/decisions/{decision_id}")


@router.post("/decisions/{decision_id}/recuse")
async def recuse(decision_id: int, request: Request, db: Session = Depends(get_db),
                 viewer: Viewer = Depends(page_viewer), rules: RulesInForce = Depends(get_rules)):
    form = await request.form()
    values = form_values(form, ["reason"])
    data, errors = parse(RecusalIn, values, viewer.lang)
    if data is None:
        return _detail(request, db, viewer, rules, decision_id, errors.get("reason"), 422, values)
    try:
        service.recuse(db, decision_id, data.reason, viewer)
    except AppError as exc:
        if exc.status == 404:
            raise
        db.rollback()
        return _detail(request, db, viewer, rules, decision_id, exc.message(viewer.lang), exc.status,
                       values)
    flash(request, "decision.recused_done", "success")
    return redirect(f"/decisions/{decision_id}")


@router.post("/decisions/{decision_id}/transition")
async def transition(decision_id: int, request: Request, db: Session = Depends(get_db),
                     viewer: Viewer = Depends(page_viewer), rules: RulesInForce = Depends(get_rules)):
    form = await request.form()
    trigger = str(form.get("trigger") or "")[:64]
    try:
        decision = service.transition(db, decision_id, trigger, viewer, rules.rules, rules.version_id)
    except AppError as exc:
        if exc.status == 404:
            raise
        db.rollback()
        return _detail(request, db, viewer, rules, decision_id, exc.message(viewer.lang), exc.status)
    except engine.TransitionBlocked as exc:
        db.rollback()
        return _detail(request, db, viewer, rules, decision_id, exc.blocked.message(viewer.lang), 409)
    except engine.TransitionNotApplicable as exc:
        db.rollback()
        return _detail(request, db, viewer, rules, decision_id,
                       t("workflow.not_applicable", viewer.lang, trigger=exc.trigger, state=exc.state), 409)
    except engine.TransitionForbidden as exc:
        db.rollback()
        return _detail(request, db, viewer, rules, decision_id,
                       t("workflow.forbidden", viewer.lang, trigger=exc.trigger), 403)
    flash(request, "decision.transitioned", "success",
          state=t(f"decision.state.{decision.state}", viewer.lang))
    return redirect(f"/decisions/{decision_id}")


@section
def my_open_votes(db: Session, viewer: Viewer) -> Section | None:
    if not viewer.voting_seats:
        return None
    return Section(title_key="decisions.my_open_votes", template="decisions/_my_votes.html",
                   context={"pending_votes": service.pending_votes(db, viewer)}, order=10)
