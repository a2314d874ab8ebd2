"""The workflows as documents (API and page), and the one way areas expose transitions.

An area calls `add_transition_route(router, "decisions", "decision", load)` and gets
`POST /api/v1/decisions/{id}/transitions` with {"trigger": ...}: 200 with the new state,
409 with the allowed triggers, 403 when the person may not fire it.
"""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from api.context import Context
from api.deps import PageCtx, ViewerCtx
from api.errors import ERROR_RESPONSES, NotFound
from api.rules.schema import GovernanceRules
from api.schemas import Id
from api.web import render
from workflows import engine
from workflows.spec import TransitionRules

router = APIRouter(tags=["workflows"], responses=ERROR_RESPONSES)
pages = APIRouter(include_in_schema=False)


class TriggerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    trigger: str = Field(min_length=1, max_length=64)
    params: dict[str, str | int | float | bool | None] = {}


class StateOut(BaseModel):
    """The state of an object and what the person may do from it."""

    state: str
    allowed_transitions: list[str]


class TransitionOut(StateOut):
    id: int


class WorkflowOut(BaseModel):
    name: str
    initial: str
    states: list[str]
    final: list[str]
    transitions: list[TransitionRules]
    mermaid: str | None = None


class WorkflowList(BaseModel):
    items: list[WorkflowOut]


def state_fields(ctx: Context, obj: Any, rules: GovernanceRules, object_type: str) -> dict:
    person = ctx.viewer.person if ctx.viewer is not None else None
    return {"state": obj.state, "allowed_transitions": ctx.registry.engine.allowed_triggers(
        ctx, obj, person, rules, object_type)}


def fire(ctx: Context, obj: Any, trigger: str, rules: GovernanceRules, object_type: str,
         params: dict | None = None) -> str:
    """Fire a person's trigger (the viewer's) through the installed engine."""
    person = ctx.viewer.person if ctx.viewer is not None else None
    return ctx.registry.engine.fire(ctx, obj, trigger, person, rules, object_type, params or {})


def add_transition_route(
    api: APIRouter, resource: str, object_type: str,
    load: Callable[[Context, int], Any],
    rules_for: Callable[[Context, Any], GovernanceRules] | None = None,
) -> None:
    """`load` must raise NotFound for ids the viewer may not see (never 403: no existence leak)."""

    @api.post(f"/{resource}/{{obj_id}}/transitions", name=f"{object_type}_transition",
              response_model=TransitionOut)
    def transition(obj_id: Id, data: TriggerIn, ctx: ViewerCtx) -> TransitionOut:
        obj = load(ctx, obj_id)
        judged = rules_for(ctx, obj) if rules_for else ctx.rules
        fire(ctx, obj, data.trigger, judged, object_type, dict(data.params))
        return TransitionOut(id=obj.id, **state_fields(ctx, obj, judged, object_type))


def _workflow_out(name: str, wf, with_diagram: bool = False) -> WorkflowOut:
    return WorkflowOut(name=name, initial=wf.initial, states=wf.states, final=wf.final,
                       transitions=wf.transitions,
                       mermaid=engine.mermaid(wf, name) if with_diagram else None)


@router.get("/api/v1/workflows", response_model=WorkflowList)
def list_workflows(ctx: ViewerCtx) -> WorkflowList:
    return WorkflowList(items=[_workflow_out(name, wf) for name, wf in ctx.rules.workflows.items()])


@router.get("/api/v1/workflows/{name}", response_model=WorkflowOut)
def get_workflow(name: str, ctx: ViewerCtx) -> WorkflowOut:
    wf = ctx.rules.workflows.get(name)
    if wf is None:
        raise NotFound("error.workflow_not_found")
    return _workflow_out(name, wf, with_diagram=True)


@pages.get("/workflows")
def workflows_page(request: Request, ctx: PageCtx):
    return render(request, ctx, "workflows.html", {"workflows": ctx.rules.workflows, "selected": None})


@pages.get("/workflows/{name}")
def workflow_page(name: str, request: Request, ctx: PageCtx):
    wf = ctx.rules.workflows.get(name)
    if wf is None:
        raise NotFound("error.workflow_not_found")
    return render(request, ctx, "workflows.html", {"workflows": ctx.rules.workflows, "selected": name,
                                                   "workflow": wf, "mermaid": engine.mermaid(wf, name)})
