"""Pages: the decisions list, a new proposal, a decision with its vote, discussion, proxies
and "remind those who have not voted"; withdrawing with a reason; voting from an email link
(no sign-in); alternates and proxies (no JavaScript needed anywhere)."""

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from api.collective.models import Body
from api.collective.service import list_bodies
from api.context import Context
from api.dashboard import Section
from api.decisions import delegation, discussion, email_votes, notices, ratification, service
from api.decisions.schemas import AlternateIn, CommentIn, DecisionIn, ProxyIn, RecusalIn, VoteIn, WithdrawIn
from api.deps import Ctx, PageCtx, check_csrf
from api.errors import AppError, message
from api.forms import form_values, parse
from api.i18n import normalise, t
from api.pagination import PageParams, paginate
from api.schemas import Id
from api.timeutil import now
from api.web import flash, nav_items, redirect, render, render_page
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
    seat = next((s for s in ctx.viewer.voting_seats if s.body_id == decision.body_id), None)
    body_rules = service.body_rules_of(ctx, judged, decision)
    may_give_proxy = (info["voting"] and seat is not None and body_rules is not None
                      and body_rules.proxies is not None and info["may_vote"])
    may_remind = info["voting"] and notices.may_remind(ctx, decision, judged)
    return render(request, ctx, "decisions/detail.html", {
        "d": decision, "info": info, "body": ctx.session.get(Body, decision.body_id), "triggers": triggers,
        "error": error, "values": values or {}, "errors": {},
        "comments": discussion.comments_of(ctx, decision), "proxies": delegation.proxies_for(ctx, decision),
        "links": ratification.linked(ctx, decision),
        "holders": delegation.holder_candidates(ctx, decision.body_id) if may_give_proxy else [],
        "may_remind": may_remind, "next_reminder": notices.next_reminder_at(decision, judged),
        "now": now()}, status=status)


def _refused(request: Request, ctx: Context, decision_id: int, exc: AppError, values: dict | None = None):
    """An action the rules refused: the decision page again with the reason (and what was
    typed); an unknown or invisible decision stays a 404."""
    if exc.status == 404:
        raise exc
    return _detail(request, ctx, decision_id, exc.message(ctx.lang), exc.status, values)


@router.get("/decisions/{decision_id}")
def decision_page(decision_id: Id, request: Request, ctx: PageCtx):
    return _detail(request, ctx, decision_id)


@router.post("/decisions/{decision_id}/vote")
async def vote(decision_id: Id, request: Request, ctx: PageCtx):
    form = await request.form()
    return await run_in_threadpool(_vote, decision_id, request, ctx, form)


def _vote(decision_id: int, request: Request, ctx: Context, form):
    data, errors = parse(VoteIn, form_values(form, ["choice", "seat_id", "reason"]), ctx.lang)
    if data is None:
        return _detail(request, ctx, decision_id, next(iter(errors.values()), None), status=422)
    try:
        decision, ballot, status = service.cast_vote(ctx, decision_id, data.choice, seat_id=data.seat_id,
                                                     channel="page", reason=data.reason)
    except AppError as exc:
        return _refused(request, ctx, decision_id, exc)
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
        return _refused(request, ctx, decision_id, exc, values)
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


# --- withdrawing with votes cast: a confirmation and a reason ------------------------------

@router.get("/decisions/{decision_id}/withdraw")
def withdraw_page(decision_id: Id, request: Request, ctx: PageCtx):
    decision = service.get_visible(ctx, decision_id)
    info = service.details(ctx, decision)
    return render(request, ctx, "decisions/withdraw.html",
                  {"d": decision, "info": info, "values": {}, "errors": {}})


@router.post("/decisions/{decision_id}/withdraw")
async def withdraw(decision_id: Id, request: Request, ctx: PageCtx):
    form = await request.form()
    return await run_in_threadpool(_withdraw, decision_id, request, ctx, form)


def _withdraw(decision_id: int, request: Request, ctx: Context, form):
    values = form_values(form, ["reason"])
    confirmed = form.get("confirmed") in ("on", "true", "1")
    data, errors = parse(WithdrawIn, values, ctx.lang)
    if data is not None and not confirmed:
        errors = {"confirmed": t("decision.withdraw.confirm_required", ctx.lang)}
    if errors:
        decision = service.get_visible(ctx, decision_id)
        return render(request, ctx, "decisions/withdraw.html", {
            "d": decision, "info": service.details(ctx, decision), "values": values, "errors": errors},
            status=422)
    try:
        decision = service.transition(ctx, decision_id, "withdraw", {"reason": data.reason, "confirmed": True})
    except (AppError, WorkflowError) as exc:
        if isinstance(exc, AppError) and exc.status == 404:
            raise
        return _detail(request, ctx, decision_id, message(exc, ctx.lang), exc.status)
    flash(request, "decision.transitioned", "success", state=t(f"decision.state.{decision.state}", ctx.lang))
    return redirect(f"/decisions/{decision_id}")


# --- remind those who have not voted -----------------------------------------------------

@router.post("/decisions/{decision_id}/nudge")
def nudge(decision_id: Id, request: Request, ctx: PageCtx):
    try:
        _, queued = notices.remind_undecided(ctx, decision_id)
    except AppError as exc:
        return _refused(request, ctx, decision_id, exc)
    flash(request, "decision.nudge_sent", "success", n=queued)
    return redirect(f"/decisions/{decision_id}")


# --- the discussion -----------------------------------------------------------------------

@router.post("/decisions/{decision_id}/comments")
async def add_comment(decision_id: Id, request: Request, ctx: PageCtx):
    form = await request.form()
    return await run_in_threadpool(_add_comment, decision_id, request, ctx, form)


def _add_comment(decision_id: int, request: Request, ctx: Context, form):
    values = form_values(form, ["text"])
    data, errors = parse(CommentIn, values, ctx.lang)
    if data is None:
        return _detail(request, ctx, decision_id, errors.get("text"), 422, {"comment": values.get("text")})
    comment = discussion.add_comment(ctx, decision_id, data.text)
    flash(request, "decision.comment_added", "success")
    return redirect(f"/decisions/{decision_id}#comment-{comment.id}")


@router.get("/decisions/{decision_id}/comments/{comment_id}/edit")
def edit_comment_page(decision_id: Id, comment_id: Id, request: Request, ctx: PageCtx):
    decision, comment = discussion.get_comment(ctx, decision_id, comment_id)
    return render(request, ctx, "decisions/comment_edit.html",
                  {"d": decision, "comment": comment, "values": {"text": comment.text}, "errors": {}})


@router.post("/decisions/{decision_id}/comments/{comment_id}")
async def edit_comment(decision_id: Id, comment_id: Id, request: Request, ctx: PageCtx):
    form = await request.form()
    return await run_in_threadpool(_edit_comment, decision_id, comment_id, request, ctx, form)


def _edit_comment(decision_id: int, comment_id: int, request: Request, ctx: Context, form):
    values = form_values(form, ["text"])
    data, errors = parse(CommentIn, values, ctx.lang)
    if data is not None:
        try:
            discussion.edit_comment(ctx, decision_id, comment_id, data.text)
        except AppError as exc:
            if exc.status == 404:
                raise
            errors = {"text": exc.message(ctx.lang)}
    if errors:
        decision, comment = discussion.get_comment(ctx, decision_id, comment_id)
        return render(request, ctx, "decisions/comment_edit.html",
                      {"d": decision, "comment": comment, "values": values, "errors": errors}, status=422)
    flash(request, "decision.comment_edited", "success")
    return redirect(f"/decisions/{decision_id}#comment-{comment_id}")


# --- written proxies -------------------------------------------------------------------

@router.post("/decisions/{decision_id}/proxies")
async def give_proxy(decision_id: Id, request: Request, ctx: PageCtx):
    form = await request.form()
    return await run_in_threadpool(_give_proxy, decision_id, request, ctx, form)


def _give_proxy(decision_id: int, request: Request, ctx: Context, form):
    values = {**form_values(form, ["holder_id", "statement"]), "decision_id": decision_id}
    data, errors = parse(ProxyIn, values, ctx.lang)
    if data is None:
        return _detail(request, ctx, decision_id, next(iter(errors.values())), 422)
    try:
        delegation.give_proxy(ctx, data)
    except AppError as exc:
        return _refused(request, ctx, decision_id, exc)
    flash(request, "decision.proxy.given", "success")
    return redirect(f"/decisions/{decision_id}")


@router.post("/decisions/{decision_id}/proxies/{proxy_id}/revoke")
def revoke_proxy(decision_id: Id, proxy_id: Id, request: Request, ctx: PageCtx):
    try:
        delegation.revoke_proxy(ctx, proxy_id)
    except AppError as exc:
        return _refused(request, ctx, decision_id, exc)
    flash(request, "decision.proxy.revoked", "success")
    return redirect(f"/decisions/{decision_id}")


# --- alternates and my proxies ------------------------------------------------------------

def _delegations(request: Request, ctx: Context, error: str | None = None, status: int = 200):
    seats = [s for s in ctx.viewer.voting_seats]
    bodies = {b.id: b for b in list_bodies(ctx.session)}
    mine = []
    for seat in seats:
        body = bodies.get(seat.body_id)
        rules = ctx.rules.body(body.key) if body else None
        if rules is None or not rules.alternates:
            continue
        mine.append({"seat": seat, "body": body, "candidates": delegation.alternate_candidates(ctx, seat)})
    return render(request, ctx, "decisions/delegations.html", {
        "mine": mine, "alternates": delegation.alternates_of(ctx), "proxies": delegation.my_proxies(ctx),
        "bodies": bodies, "error": error}, status=status)


@router.get("/delegations")
def delegations_page(request: Request, ctx: PageCtx):
    return _delegations(request, ctx)


@router.post("/delegations/alternates")
async def name_alternate(request: Request, ctx: PageCtx):
    form = await request.form()
    return await run_in_threadpool(_name_alternate, request, ctx, form)


def _name_alternate(request: Request, ctx: Context, form):
    data, errors = parse(AlternateIn, form_values(form, ["seat_id", "person_id"]), ctx.lang)
    if data is None:
        return _delegations(request, ctx, next(iter(errors.values())), 422)
    try:
        delegation.designate_alternate(ctx, data)
    except AppError as exc:
        return _delegations(request, ctx, exc.message(ctx.lang), exc.status)
    flash(request, "decision.alternate.named", "success")
    return redirect("/delegations")


@router.post("/delegations/alternates/{alternate_id}/end")
def end_alternate(alternate_id: Id, request: Request, ctx: PageCtx):
    delegation.end_alternate(ctx, alternate_id)
    flash(request, "decision.alternate.ended", "success")
    return redirect("/delegations")


# --- voting from an email link (no sign-in: the link is the credential) -----------------

EMAIL_VOTE = "/decisions/{decision_id}/email-vote/{choice}/{token}"
Choice = Path(max_length=16)
Token = Path(max_length=500)


def _email_page(request: Request, ctx: Context, lang: str, data: dict, status: int = 200):
    """The page in the voter's language; the browser stays as it was (nobody signs in)."""
    if status >= 400:
        ctx.refuse()
    return render_page(request, "decisions/email_vote.html", data, status, lang=normalise(lang), tz=ctx.tz,
                       collective_name=ctx.rules.collective.name, viewer=ctx.viewer, nav=nav_items(ctx))


def _email_refusal(request: Request, ctx: Context, exc: AppError, token: str):
    lang = email_votes.link_language(ctx, token) or normalise(request.cookies.get("lang"))
    return _email_page(request, ctx, lang, {"state": "refused", "error": exc.message(lang), "code": exc.key},
                       status=exc.status)


def _email_data(found: email_votes.LinkVote, choice: str, token: str) -> dict:
    d = found.decision
    current = found.current.choice if found.current is not None else None
    kind = service.judged_rules(found.voter, d).decision_kinds.get(d.kind)
    return {"d": d, "choice": choice, "token": token, "current": current,
            "state": "done" if current == choice else "confirm",
            "by_other": found.current is not None and found.current.person_id != found.link.person_id,
            "vote_change_allowed": bool(kind and kind.vote_change_allowed),
            "close_when_all_voted": bool(kind and kind.close_when_all_voted)}


@router.get(EMAIL_VOTE)
def email_vote_page(decision_id: Id, request: Request, ctx: Ctx, choice: str = Choice, token: str = Token):
    """Following a vote button shows the vote to confirm: a GET never votes."""
    try:
        found = email_votes.read_link(ctx, decision_id, choice, token)
    except AppError as exc:
        return _email_refusal(request, ctx, exc, token)
    return _email_page(request, ctx, found.lang, _email_data(found, choice, token))


@router.post(EMAIL_VOTE)
def email_vote_confirm(decision_id: Id, request: Request, ctx: Ctx, choice: str = Choice, token: str = Token):
    """"Confirmer mon vote": cast through the same service as the page, then show it."""
    try:
        found, _, status = email_votes.vote_by_link(ctx, decision_id, choice, token)
    except AppError as exc:
        return _email_refusal(request, ctx, exc, token)
    key = {"cast": "decision.vote_recorded", "changed": "decision.vote_changed",
           "unchanged": "decision.vote_unchanged"}[status]
    flash(request, key, "success", choice=t(f"decision.choice.{choice}", found.lang))
    if found.decision.closed_at is not None:
        flash(request, "decision.vote_closed_now", "info")
    return redirect(request.url.path)


def my_open_votes(ctx: Context) -> Section | None:
    if not ctx.viewer.voting_seats:
        return None
    return Section(title_key="decisions.my_open_votes", template="decisions/_my_votes.html",
                   context={"pending_votes": service.pending_votes(ctx)}, order=10)
