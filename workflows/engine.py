"""Turning the rules' workflows into `transitions` machines, and firing them.

The state lives in the `state` column of each SQLAlchemy row. A machine is built around a
small carrier object holding that state (never around the row itself, so that loading a row
cannot reset it and the machine's helper methods never clash with columns). `fire` does, in
the caller's transaction: permission check, guard check, state change, register event,
then the area's after-hook. Any exception rolls the whole unit of work back.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session
from transitions import Machine, MachineError

from api.register import service as register
from api.rules.schema import GovernanceRules, WorkflowRules
from workflows.guards import Blocked, GuardContext, get_guard


class Stateful(Protocol):
    id: int
    state: str


class WorkflowError(Exception):
    pass


class TransitionNotApplicable(WorkflowError):
    """The trigger does not exist in this state (HTTP 409)."""

    def __init__(self, trigger: str, state: str, allowed: list[str]):
        self.trigger, self.state, self.allowed = trigger, state, allowed
        super().__init__(f"'{trigger}' does not apply in state '{state}'")


class TransitionForbidden(WorkflowError):
    """The person may not fire this trigger (HTTP 403)."""

    def __init__(self, trigger: str):
        self.trigger = trigger
        super().__init__(f"you may not '{trigger}'")


class TransitionBlocked(WorkflowError):
    """A guard from the rules said no (HTTP 409), with its reason."""

    def __init__(self, trigger: str, guard: str, blocked: Blocked):
        self.trigger, self.guard, self.blocked = trigger, guard, blocked
        super().__init__(blocked.en)


@dataclass
class Binding:
    """How one kind of stateful object plugs into the engine."""

    object_type: str
    workflow_name: Callable[[Any], str]
    # Roles the person holds towards this object: chair, member, owner, lead, voter, ...
    actor_roles: Callable[[Session, Any, Any], set[str]]
    # (confidential_category, body_id) so register readers see only what they may see.
    visibility: Callable[[Any], tuple[str | None, int | None]] = lambda obj: (None, None)
    rules_version_id: Callable[[Any], int | None] = lambda obj: None
    after: list[Callable[..., None]] = field(default_factory=list)


_BINDINGS: dict[str, Binding] = {}


def bind(binding: Binding) -> Binding:
    _BINDINGS[binding.object_type] = binding
    return binding


def binding_for(object_type: str) -> Binding:
    return _BINDINGS[object_type]


def on_transition(object_type: str, hook: Callable[..., None]) -> None:
    """Run `hook(session, obj, trigger, source, dest, actor, params)` after each transition."""
    _BINDINGS[object_type].after.append(hook)


class _Carrier:
    def __init__(self, state: str):
        self.state = state


def build_machine(workflow: WorkflowRules, state: str, conditions: dict[str, Callable] | None = None,
                  machine_cls: type[Machine] = Machine, **kwargs: Any) -> tuple[Machine, _Carrier]:
    carrier = _Carrier(state)
    transitions = []
    for tr in workflow.transitions:
        spec: dict[str, Any] = {"trigger": tr.trigger, "source": tr.sources, "dest": tr.dest}
        if conditions and tr.conditions:
            spec["conditions"] = [conditions[c] for c in tr.conditions]
        transitions.append(spec)
    machine = machine_cls(model=carrier, states=workflow.states, transitions=transitions,
                          initial=state, auto_transitions=False, ignore_invalid_triggers=False,
                          **kwargs)
    return machine, carrier


def triggers_from(workflow: WorkflowRules, state: str) -> list[str]:
    seen: list[str] = []
    for tr in workflow.transitions:
        if state in tr.sources and tr.trigger not in seen:
            seen.append(tr.trigger)
    return seen


def _roles(session: Session, binding: Binding, obj: Any, actor: Any) -> set[str]:
    if actor is None:
        return {"system"}
    roles = set(binding.actor_roles(session, obj, actor))
    if getattr(actor, "is_admin", False):
        roles.add("admin")
    return roles


def allowed_triggers(session: Session, obj: Stateful, actor: Any, rules: GovernanceRules,
                     object_type: str) -> list[str]:
    """Triggers this person may fire from the object's current state (guards not evaluated)."""
    binding = _BINDINGS[object_type]
    workflow = rules.workflows[binding.workflow_name(obj)]
    roles = _roles(session, binding, obj, actor)
    return [
        tr.trigger for tr in workflow.transitions
        if obj.state in tr.sources and roles & set(tr.allowed)
    ]


def fire(session: Session, obj: Stateful, trigger: str, actor: Any, rules: GovernanceRules,
         object_type: str, params: dict | None = None) -> str:
    """Fire `trigger` on `obj` for `actor` (None = the system). Returns the new state."""
    params = params or {}
    binding = _BINDINGS[object_type]
    workflow = rules.workflows[binding.workflow_name(obj)]
    source = obj.state
    candidates = [tr for tr in workflow.transitions if tr.trigger == trigger and source in tr.sources]
    if not candidates:
        raise TransitionNotApplicable(trigger, source, triggers_from(workflow, source))
    roles = _roles(session, binding, obj, actor)
    if not any(roles & set(tr.allowed) for tr in candidates):
        raise TransitionForbidden(trigger)

    blocked: list[tuple[str, Blocked]] = []

    def make_condition(name: str) -> Callable[[], bool]:
        def check() -> bool:
            result = get_guard(name)(GuardContext(session, obj, actor, rules, params))
            if result is not None:
                blocked.append((name, result))
            return result is None

        return check

    names = {c for tr in workflow.transitions for c in tr.conditions}
    _, carrier = build_machine(workflow, source, {n: make_condition(n) for n in names})
    try:
        moved = carrier.trigger(trigger)  # type: ignore[attr-defined]
    except MachineError as exc:  # pragma: no cover - filtered above
        raise TransitionNotApplicable(trigger, source, triggers_from(workflow, source)) from exc
    if not moved:
        name, reason = blocked[0]
        raise TransitionBlocked(trigger, name, reason)

    obj.state = carrier.state
    category, body_id = binding.visibility(obj)
    register.record(
        session, action=f"{object_type}.{trigger}", object_type=object_type, object_id=obj.id,
        actor_id=getattr(actor, "id", None), before={"state": source},
        after={"state": obj.state, **{k: v for k, v in params.items() if _is_scalar(v)}},
        confidential_category=category, body_id=body_id,
        rules_version_id=binding.rules_version_id(obj),
    )
    for hook in binding.after:
        hook(session, obj, trigger, source, obj.state, actor, params)
    session.flush()
    return obj.state


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) or value is None


def mermaid(rules: GovernanceRules, name: str) -> str:
    """The workflow as a Mermaid state diagram (GraphMachine's mermaid engine, no Graphviz)."""
    from transitions.extensions import GraphMachine

    workflow = rules.workflows[name]
    machine, carrier = build_machine(workflow, workflow.initial, machine_cls=GraphMachine,
                                     graph_engine="mermaid", title=name)
    return carrier.get_graph().draw(None)  # type: ignore[attr-defined]
