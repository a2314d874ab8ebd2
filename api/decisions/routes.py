"""JSON API for decisions: list, draft, open/withdraw (transitions), vote, recuse."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from api.context import Context
from api.decisions import service
from api.decisions.models import Decision
from api.decisions.schemas import (
    DecisionIn,
    DecisionOut,
    DecisionPatch,
    DecisionSummaryOut,
    RecusalCreatedOut,
    RecusalIn,
    VoteIn,
    VoteOut,
)
from api.deps import ViewerCtx
from api.errors import ERROR_RESPONSES
from api.pagination import PageParams, page_params, paginate
from api.schemas import MAX_ID, Id, Page
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
    )


def load(ctx: Context, decision_id: int) -> Decision:
    return service.get_visible(ctx, decision_id, lock=True)


@router.get("/decisions", response_model=Page[DecisionSummaryOut])
def list_decisions(params: Annotated[PageParams, Depends(page_params)], ctx: ViewerCtx,
                   state: str | None = Query(None, max_length=32),
                   kind: str | None = Query(None, max_length=64),
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
def vote(decision_id: Id, data: VoteIn, response: Response, ctx: ViewerCtx):
    decision, ballot, status = service.cast_vote(ctx, decision_id, data.choice)
    response.status_code = 201 if status == "cast" else 200
    return VoteOut(decision_id=decision.id, seat_id=ballot.seat_id, choice=ballot.choice,
                   status=status, state=decision.state, closed=decision.closed_at is not None)


@router.post("/decisions/{decision_id}/recusals", status_code=201, response_model=RecusalCreatedOut)
def recuse(decision_id: Id, data: RecusalIn, ctx: ViewerCtx):
    recusal = service.recuse(ctx, decision_id, data.reason)
    return RecusalCreatedOut(decision_id=recusal.decision_id, seat_id=recusal.seat_id,
                             reason=recusal.reason, automatic=recusal.automatic)


add_transition_route(router, "decisions", OBJECT_TYPE, load, rules_for=service.rules_for)
