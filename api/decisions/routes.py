"""JSON API for decisions: list, draft, open/withdraw (transitions), vote, recuse; remind
those who have not voted; the discussion; alternates and written proxies."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from api.context import Context
from api.decisions import delegation, discussion, notices, ratification, service
from api.decisions.models import Alternate, Decision
from api.decisions.schemas import (
    AlternateIn,
    AlternateList,
    AlternateOut,
    CommentIn,
    CommentOut,
    DecisionIn,
    DecisionOut,
    DecisionPatch,
    DecisionSummaryOut,
    NudgeOut,
    ProxyIn,
    ProxyList,
    ProxyOut,
    RecusalCreatedOut,
    RecusalIn,
    VoteIn,
    VoteOut,
)
from api.deps import OneHop, ViewerCtx
from api.errors import ERROR_RESPONSES
from api.pagination import PageParams, page_params, paginate
from api.schemas import MAX_ID, Id, Page, query_line
from api.workflow_routes import add_transition_route, state_fields

OBJECT_TYPE = service.OBJECT_TYPE

router = APIRouter(prefix="/api/v1", tags=["decisions"], responses=ERROR_RESPONSES)


def summary(decision: Decision) -> dict:
    return {
        "id": decision.id, "kind": decision.kind, "title": decision.title, "body_id": decision.body_id,
        "state": decision.state, "confidential_category": decision.confidential_category,
        "opens_at": decision.opens_at, "closes_at": decision.closes_at, "closed_at": decision.closed_at,
        "created_at": decision.created_at, "meeting_id": decision.meeting_id,
        "result": (decision.outcome or {}).get("result"),
    }


def decision_out(ctx: Context, decision: Decision) -> DecisionOut:
    judged = service.judged_rules(ctx, decision)
    info = service.details(ctx, decision)
    links = ratification.linked(ctx, decision)
    return DecisionOut(
        **(summary(decision) | state_fields(ctx, decision, judged, OBJECT_TYPE)),
        text=decision.text, workflow=decision.workflow,
        rules_version_id=decision.rules_version_id, created_by=decision.created_by,
        attachments=[{"title": a.title, "url": a.url} for a in decision.attachments],
        outcome=decision.outcome,
        voters=info["voters"], recusals=info["recusals"], tally=info["tally"],
        results_hidden=info["results_hidden"], my_vote=info["my_vote"],
        may_vote=info["may_vote"], eligible=info["eligible"], voted_count=info["voted_count"],
        vote_change_allowed=info["vote_change_allowed"],
        close_when_all_voted=info["close_when_all_voted"], withdrawal_reason=decision.withdrawal_reason,
        ratifies_id=links["ratifies"].id if links["ratifies"] else None,
        ratification_id=links["ratification"].id if links["ratification"] else None,
        proxies=delegation.proxies_for(ctx, decision),
    )


def load(ctx: Context, decision_id: int) -> Decision:
    return service.get_visible(ctx, decision_id, lock=True)


@router.get("/decisions", response_model=Page[DecisionSummaryOut])
def list_decisions(params: Annotated[PageParams, Depends(page_params)], ctx: ViewerCtx,
                   state: query_line(32) = None, kind: query_line(64) = None,
                   body_id: int | None = Query(None, ge=1, le=MAX_ID)):
    return paginate(ctx.session, service.list_stmt(ctx.viewer, state, kind, body_id), params, summary)


# Voters' choices are left out (not null) while results are hidden.
@router.post("/decisions", status_code=201, response_model=DecisionOut, response_model_exclude_unset=True)
def create_decision(data: DecisionIn, ctx: ViewerCtx):
    return decision_out(ctx, service.create(ctx, data))


@router.get("/decisions/{decision_id}", response_model=DecisionOut, response_model_exclude_unset=True)
def get_decision(decision_id: Id, ctx: ViewerCtx):
    return decision_out(ctx, service.get_visible(ctx, decision_id))


@router.patch("/decisions/{decision_id}", response_model=DecisionOut, response_model_exclude_unset=True)
def update_decision(decision_id: Id, data: DecisionPatch, ctx: ViewerCtx):
    return decision_out(ctx, service.update_draft(ctx, decision_id, data))


@router.post("/decisions/{decision_id}/votes", status_code=201, response_model=VoteOut,
             responses={200: {"model": VoteOut, "description": "Vote changed or unchanged"}})
async def vote(decision_id: Id, data: VoteIn, response: Response, work: OneHop):
    # The hot path of a general assembly: the whole unit of work in one thread hop.
    out = await work.run(_vote, decision_id, data)
    response.status_code = 201 if out.status == "cast" else 200
    return out


def _vote(ctx: Context, decision_id: int, data: VoteIn) -> VoteOut:
    decision, ballot, status = service.cast_vote(ctx, decision_id, data.choice, seat_id=data.seat_id,
                                                 channel="api", reason=data.reason)
    return VoteOut(decision_id=decision.id, seat_id=ballot.seat_id, choice=ballot.choice,
                   status=status, state=decision.state, closed=decision.closed_at is not None)


@router.post("/decisions/{decision_id}/recusals", status_code=201, response_model=RecusalCreatedOut)
def recuse(decision_id: Id, data: RecusalIn, ctx: ViewerCtx):
    recusal = service.recuse(ctx, decision_id, data.reason)
    return RecusalCreatedOut(decision_id=recusal.decision_id, seat_id=recusal.seat_id,
                             reason=recusal.reason, automatic=recusal.automatic)


@router.post("/decisions/{decision_id}/nudges", status_code=201, response_model=NudgeOut)
def remind_undecided(decision_id: Id, ctx: ViewerCtx):
    """Remind those who have not voted (an email each), at most once per the kind's interval."""
    decision, queued = notices.remind_undecided(ctx, decision_id)
    return NudgeOut(decision_id=decision.id, recipients=queued,
                    next_allowed_at=notices.next_reminder_at(decision, service.judged_rules(ctx, decision)))


# --- the discussion ---------------------------------------------------------------------

@router.get("/decisions/{decision_id}/comments", response_model=Page[CommentOut])
def list_comments(decision_id: Id, params: Annotated[PageParams, Depends(page_params)], ctx: ViewerCtx):
    items = discussion.comments_of(ctx, service.get_visible(ctx, decision_id))
    start = (params.page - 1) * params.per_page
    return {"items": items[start:start + params.per_page], "total": len(items), "page": params.page,
            "per_page": params.per_page, "pages": max(1, -(-len(items) // params.per_page))}


def _comment_out(ctx: Context, decision_id: int, comment_id: int) -> CommentOut:
    items = discussion.comments_of(ctx, service.get_visible(ctx, decision_id))
    return CommentOut(**next(c for c in items if c["id"] == comment_id))


@router.post("/decisions/{decision_id}/comments", status_code=201, response_model=CommentOut)
def add_comment(decision_id: Id, data: CommentIn, ctx: ViewerCtx):
    comment = discussion.add_comment(ctx, decision_id, data.text)
    return _comment_out(ctx, decision_id, comment.id)


@router.patch("/decisions/{decision_id}/comments/{comment_id}", response_model=CommentOut)
def edit_comment(decision_id: Id, comment_id: Id, data: CommentIn, ctx: ViewerCtx):
    discussion.edit_comment(ctx, decision_id, comment_id, data.text)
    return _comment_out(ctx, decision_id, comment_id)


# --- alternates and proxies ---------------------------------------------------------------

def _alternate_out(ctx: Context, alternate: Alternate) -> AlternateOut:
    from api.collective.models import Person, Seat

    seat = ctx.session.get(Seat, alternate.seat_id)
    return AlternateOut(id=alternate.id, seat_id=seat.id, body_id=seat.body_id,
                        titular=ctx.session.get(Person, seat.person_id).name, person_id=alternate.person_id,
                        alternate=ctx.session.get(Person, alternate.person_id).name,
                        created_at=alternate.created_at, ended_at=alternate.ended_at)


@router.get("/alternates", response_model=AlternateList)
def list_alternates(ctx: ViewerCtx):
    """The alternates of my seats, and the seats I am the alternate for."""
    return AlternateList(items=delegation.alternates_of(ctx))


@router.post("/alternates", status_code=201, response_model=AlternateOut)
def name_alternate(data: AlternateIn, ctx: ViewerCtx):
    return _alternate_out(ctx, delegation.designate_alternate(ctx, data))


@router.delete("/alternates/{alternate_id}", response_model=AlternateOut)
def end_alternate(alternate_id: Id, ctx: ViewerCtx):
    return _alternate_out(ctx, delegation.end_alternate(ctx, alternate_id))


@router.get("/proxies", response_model=ProxyList)
def list_proxies(ctx: ViewerCtx):
    """The active proxies I gave or hold."""
    return ProxyList(items=delegation.my_proxies(ctx))


def _proxy_out(ctx: Context, proxy) -> ProxyOut:
    from api.collective.models import Person

    return ProxyOut(**delegation.proxy_out(proxy, ctx.session.get(Person, proxy.grantor_id).name,
                                           ctx.session.get(Person, proxy.holder_id).name))


@router.post("/proxies", status_code=201, response_model=ProxyOut)
def give_proxy(data: ProxyIn, ctx: ViewerCtx):
    """A written proxy for one decision (decision_id) or one meeting (meeting_id)."""
    return _proxy_out(ctx, delegation.give_proxy(ctx, data))


@router.delete("/proxies/{proxy_id}", response_model=ProxyOut)
def revoke_proxy(proxy_id: Id, ctx: ViewerCtx):
    return _proxy_out(ctx, delegation.revoke_proxy(ctx, proxy_id))


add_transition_route(router, "decisions", OBJECT_TYPE, load, rules_for=service.rules_for)
