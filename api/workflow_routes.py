"""The workflows as documents (API and page), and the one way areas expose transitions.

An area calls `add_transition_route(router, "decisions", "decision", load)` and gets
`POST /api/v1/decisions/{id}/transitions` with {"trigger": ...}: 200 with the new state,
409 with the allowed triggers, 403 when the person may not fire it.
"""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from api.access import Viewer
from api.deps import RulesInForce, current_viewer, get_db, get_rules, page_viewer
from api.errors import NotFound
from api.rules.schema import GovernanceRules
from api.web import render
from workflows import engine

router = APIRouter(tags=["workflows"])


class TriggerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    trigger: str = Field(min_length=1, max_length=64)
    params: dict[str, str | int | float | bool | None] = {}


def state_fields(db: Session, obj: Any, viewer: Viewer, rules: GovernanceRules,
                 object_type: str) -> dict:
    return {"state": obj.state,
            "allowed_transitions": engine.allowed_triggers(db, obj, viewer.person, rules, object_type)}


def add_transition_route(
    api: APIRouter, resource: str, object_type: str,
    load: Callable[[Session, Viewer, int], Any],
    rules_for: Callable[[Session, Any, GovernanceRules], GovernanceRules] | None = None,
    before_commit: Callable[[Session, Any, str, Viewer, dict], None] | None = None,
) -> None:
    """`load` must raise NotFound for ids the viewer may not see (never 403: no existence leak)."""

    @api.post(f"/{resource}/{{obj_id}}/transitions", name=f"{object_type}_transition")
    def transition(obj_id: int, data: TriggerIn, db: Session = Depends(get_db),
                   viewer: Viewer = Depends(current_viewer),
                   rules: RulesInForce = Depends(get_rules)) -> dict:
        obj = load(db, viewer, obj_id)
        judged = rules_for(db, obj, rules.rules) if rules_for else rules.rules
        engine.fire(db, obj, data.trigger, viewer.person, judged, object_type, dict(data.params))
        if before_commit:
            before_commit(db, obj, data.trigger, viewer, dict(data.params))
        db.commit()
        return {"id": obj.id, **state_fields(db, obj, viewer, judged, object_type)}


@router.get("/api/v1/workflows")
def list_workflows(rules: RulesInForce = Depends(get_rules), _: Viewer = Depends(current_viewer)) -> dict:
    return {"items": [
        {"name": name, "initial": wf.initial, "states": wf.states, "final": wf.final,
         "transitions": [tr.model_dump() for tr in wf.transitions]}
        for name, wf in rules.rules.workflows.items()]}


@router.get("/api/v1/workflows/{name}")
def get_workflow(name: str, rules: RulesInForce = Depends(get_rules),
                 _: Viewer = Depends(current_viewer)) -> dict:
    wf = rules.rules.workflows.get(name)
    if wf is None:
        raise NotFound("error.workflow_not_found")
    return {"name": name, "initial": wf.initial, "states": wf.states, "final": wf.final,
            "transitions": [tr.model_dump() for tr in wf.transitions],
            "mermaid": engine.mermaid(rules.rules, name)}


@router.get("/workflows", include_in_schema=False)
def workflows_page(request: Request, rules: RulesInForce = Depends(get_rules),
                   _: Viewer = Depends(page_viewer)):
    return render(request, "workflows.html", {"workflows": rules.rules.workflows, "selected": None})


@router.get("/workflows/{name}", include_in_schema=False)
def workflow_page(name: str, request: Request, rules: RulesInForce = Depends(get_rules),
                  _: Viewer = Depends(page_viewer)):
    wf = rules.rules.workflows.get(name)
    if wf is None:
        raise NotFound("error.workflow_not_found")
    return render(request, "workflows.html", {"workflows": rules.rules.workflows, "selected": name,
                                              "workflow": wf, "mermaid": engine.mermaid(rules.rules, name)})
