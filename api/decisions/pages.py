"""Pages: the decisions list, a new proposal, a decision with its vote (no JavaScript needed)."""

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from api.collective.models import Body
from api.collective.service import list_bodies
from api.context import Context
from api.dashboard import Section
from api.decisions import service
from api.decisions.schemas import DecisionIn, RecusalIn, VoteIn
from api.deps import PageCtx, check_csrf
from api.errors import AppError, message
from api.forms import form_values, parse
from api.i18n import t
from api.pagination import PageParams, paginate
from api.schemas import Id
from api.web import flash, redirect, render
from workflows.engine import WorkflowError

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])

FORM_FIELDS = ["kind", "title", "text", "body_id", "closes_at"]


@router.get("/decisions")
def decisions_page(request: Request, ctx: PageCtx, page: int = Query(1, ge=1, le=100_000),
                   state: str | None = Query(None, max_length=32),
                   kind: str | None = Query(None, max_length=64)):
    rules = ctx.rules
    data = paginate(ctx.session, service.list_stmt(ctx.viewer, state or None, kind or None),
                    PageParams(page=page, per_page=50))
    bodies = {b.id: b for b in list_bodies(ctx.session)}
    return render(request, ctx, "decisions/list.html", {
        "data": data, "bodies": bodies, "kinds": rules.decision_kinds,
        "state": state or "", "kind": kind or "",
        "states": sorted({s for wf in {k.workflow for k in rules.decision_kinds.values()}
                          for s in rules.workflows[wf].states})})


def _form(request: Request, ctx: Context, values: dict, errors: dict, status: int = 200):
    return render(request, ctx, "decisions/form.html", {
        "values": values, "errors": errors, "kinds": ctx.rules.decision_kinds,
        "bodies": list_bodies(ctx.session)}, status=status)


@router.get("/decisions/new")
def new_decision(request: Request, ctx: PageCtx):
    return _form(request, ctx, {"kind": "budget"}, {})


@router.post("/decisions")
async def create_decision(request: Request, ctx: PageCtx):
    form = await request.form()
    return await run_in_threadpool(_create_decision, request, ctx, form)


def _create_decision(request: Request, ctx: Context, form):
    values = form_values(form, FORM_FIELDS)
    data, errors = parse(DecisionIn, values, ctx.lang)
    if data is None:
        return _form(request, ctx, values, errors, status=422)
    try:
        decision = service.create(ctx, data)
    except AppError as exc:
        return _form(request, ctx, values, {exc.field or "form": exc.message(ctx.lang)}, status=exc.status)
    flash(request, "decision.created", "success")
    return redirect(f"/decisions/{decision.id}")


def _detail(request: Request, ctx: Context, decision_id: int, error: str | None = None,
            status: int = 200, values: dict | None = None):
    if status >= 400:
        # What the refused action wrote is undone before the page is read again.
        ctx.refuse()
        ctx.session.rollback()
    decision = service.get_visible(ctx, decision_id)
    judged = service.judged_rules(ctx, decision)
    info = service.details(ctx, decision)
    triggers = ctx.registry.engine.allowed_triggers(ctx, decision, ctx.viewer.person, judged,
                                                    service.OBJECT_TYPE)
    return render(request, ctx, "decisions/detail.html", {
        "d": decision, "info": info, "body": ctx.session.get(Body, decision.body_id), "triggers": triggers,
        "error": error, "values": values or {}, "errors": {}}, status=status)


@router.get("/decisions/{decision_id}")
def decision_page(decision_id: Id, request: Request, ctx: PageCtx):
    return _detail(request, ctx, decision_id)


@router.post("/decisions/{decision_id}/vote")
async def vote(decision_id: Id, request: Request, ctx: PageCtx):
    form = await request.form()
    return await run_in_threadpool(_vote, decision_id, request, ctx, form)


def _vote(decision_id: int, request: Request, ctx: Context, form):
    data, errors = parse(VoteIn, form_values(form, ["choice"]), ctx.lang)
    if data is None:
        return _detail(request, ctx, decision_id, errors.get("choice"), status=422)
    try:
        decision, ballot, status = service.cast_vote(ctx, decision_id, data.choice)
    except AppError as exc:
        if exc.status == 404:
            raise
        return _detail(request, ctx, decision_id, exc.message(ctx.lang), exc.status)
    choice = t(f"decision.choice.{ballot.choice}", ctx.lang)
    key = {"cast": "decision.vote_recorded", "changed": "decision.vote_changed",
           "unchanged": "decision.vote_unchanged"}[status]
    flash(request, key, "success", choice=choice)
    if decision.closed_at is not None:
        flash(request, "decision.vote_closed_now", "info")
    return redirect(f"/decisions/{decision_id}")


@router.post("/decisions/{decision_id}/recuse")
async def recuse(decision_id: Id, request: Request, ctx: PageCtx):
    form = await request.form()
    return await run_in_threadpool(_recuse, decision_id, request, ctx, form)


def _recuse(decision_id: int, request: Request, ctx: Context, form):
    values = form_values(form, ["reason"])
    data, errors = parse(RecusalIn, values, ctx.lang)
    if data is None:
        return _detail(request, ctx, decision_id, errors.get("reason"), 422, values)
    try:
        service.recuse(ctx, decision_id, data.reason)
    except AppError as exc:
        if exc.status == 404:
            raise
        return _detail(request, ctx, decision_id, exc.message(ctx.lang), exc.status, values)
    flash(request, "decision.recused_done", "success")
    return redirect(f"/decisions/{decision_id}")


@router.post("/decisions/{decision_id}/transition")
async def transition(decision_id: Id, request: Request, ctx: PageCtx):
    form = await request.form()
    return await run_in_threadpool(_transition, decision_id, request, ctx, form)


def _transition(decision_id: int, request: Request, ctx: Context, form):
    trigger = str(form.get("trigger") or "")[:64]
    try:
        decision = service.transition(ctx, decision_id, trigger)
    except (AppError, WorkflowError) as exc:
        if isinstance(exc, AppError) and exc.status == 404:
            raise
        return _detail(request, ctx, decision_id, message(exc, ctx.lang), exc.status)
    flash(request, "decision.transitioned", "success",
          state=t(f"decision.state.{decision.state}", ctx.lang))
    return redirect(f"/decisions/{decision_id}")


def my_open_votes(ctx: Context) -> Section | None:
    if not ctx.viewer.voting_seats:
        return None
    return Section(title_key="decisions.my_open_votes", template="decisions/_my_votes.html",
                   context={"pending_votes": service.pending_votes(ctx)}, order=10)
