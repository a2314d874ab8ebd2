"""JSON API for decisions: list, draft, open/withdraw (transitions), vote, recuse."""

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.orm import Session

from api.access import Viewer
from api.decisions import demo as _demo  # noqa: F401 - registers the demo hook
from api.decisions import service
from api.decisions.models import Decision
from api.decisions.schemas import DecisionIn, DecisionPatch, RecusalIn, VoteIn
from api.deps import RulesInForce, current_viewer, get_db, get_rules
from api.pagination import PageParams, page_params, paginate
from api.workflow_routes import add_transition_route, state_fields

OBJECT_TYPE = service.OBJECT_TYPE


def remember_rules_version(db: Session = Depends(get_db), rules: RulesInForce = Depends(get_rules)) -> None:
    """A decision opened in this request is stamped with the rules version in force."""
    db.info[service.RULES_VERSION_KEY] = rules.version_id


router = APIRouter(prefix="/api/v1", tags=["decisions"], dependencies=[Depends(remember_rules_version)])


def summary(decision: Decision) -> dict:
    return {
        "id": decision.id, "kind": decision.kind, "title": decision.title, "body_id": decision.body_id,
        "state": decision.state, "confidential_category": decision.confidential_category,
        "opens_at": decision.opens_at, "closes_at": decision.closes_at, "closed_at": decision.closed_at,
        "created_at": decision.created_at, "meeting_id": decision.meeting_id,
        "result": (decision.outcome or {}).get("result"),
    }


def decision_out(db: Session, decision: Decision, viewer: Viewer, rules: RulesInForce) -> dict:
    judged = service.judged_rules(db, decision, rules.rules)
    info = service.details(db, decision, viewer, rules.rules)
    return {
        **summary(decision),
        **state_fields(db, decision, viewer, judged, OBJECT_TYPE),
        "text": decision.text, "workflow": decision.workflow,
        "rules_version_id": decision.rules_version_id, "created_by": decision.created_by,
        "attachments": [{"title": a.title, "url": a.url} for a in decision.attachments],
        "outcome": decision.outcome,
        "voters": info["voters"], "recusals": info["recusals"], "tally": info["tally"],
        "results_hidden": info["results_hidden"], "my_vote": info["my_vote"],
        "may_vote": info["may_vote"], "eligible": info["eligible"], "voted_count": info["voted_count"],
        "vote_change_allowed": info["vote_change_allowed"],
    }


def load(db: Session, viewer: Viewer, decision_id: int) -> Decision:
    return service.get_visible(db, viewer, decision_id, lock=True)


@router.get("/decisions")
def list_decisions(params: PageParams = Depends(page_params),
                   state: str | None = Query(None, max_length=32),
                   kind: str | None = Query(None, max_length=64),
                   body_id: int | None = Query(None, ge=1),
                   db: Session = Depends(get_db), viewer: Viewer = Depends(current_viewer)) -> dict:
    return paginate(db, service.list_stmt(viewer, state, kind, body_id), params, summary)


@router.post("/decisions", status_code=201)
def create_decision(data: DecisionIn, db: Session = Depends(get_db),
                    viewer: Viewer = Depends(current_viewer),
                    rules: RulesInForce = Depends(get_rules)) -> dict:
    decision = service.create(db, data, viewer, rules.rules)
    return decision_out(db, decision, viewer, rules)


@router.get("/decisions/{decision_id}")
def get_decision(decision_id: int, db: Session = Depends(get_db),
                 viewer: Viewer = Depends(current_viewer),
                 rules: RulesInForce = Depends(get_rules)) -> dict:
    return decision_out(db, service.get_visible(db, viewer, decision_id), viewer, rules)


@router.patch("/decisions/{decision_id}")
def update_decision(decision_id: int, data: DecisionPatch, db: Session = Depends(get_db),
                    viewer: Viewer = Depends(current_viewer),
                    rules: RulesInForce = Depends(get_rules)) -> dict:
    decision = service.update_draft(db, decision_id, data, viewer, rules.rules)
    return decision_out(db, decision, viewer, rules)


@router.post("/decisions/{decision_id}/votes")
def vote(decision_id: int, data: VoteIn, response: Response, db: Session = Depends(get_db),
         viewer: Viewer = Depends(current_viewer)) -> dict:
    decision, ballot, status = service.cast_vote(db, decision_id, data.choice, viewer)
    response.status_code = 201 if status == "cast" else 200
    return {"decision_id": decision.id, "seat_id": ballot.seat_id, "choice": ballot.choice,
            "status": status, "state": decision.state, "closed": decision.closed_at is not None}


@router.post("/decisions/{decision_id}/recusals", status_code=201)
def recuse(decision_id: int, data: RecusalIn, db: Session = Depends(get_db),
           viewer: Viewer = Depends(current_viewer)) -> dict:
    recusal = service.recuse(db, decision_id, data.reason, viewer)
    return {"decision_id": recusal.decision_id, "seat_id": recusal.seat_id, "reason": recusal.reason,
            "automatic": recusal.automatic}


add_transition_route(router, "decisions", OBJECT_TYPE, load, rules_for=service.rules_for)
