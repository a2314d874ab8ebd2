"""Turning workflow specs into `transitions` machines, and firing them.

The state lives in the `state` attribute of the caller's object (a database row). A machine
is built around a small carrier holding that state, never around the row itself, so that
loading a row cannot reset it and the machine's helper methods never clash with columns.

`Engine.fire` does, in the caller's unit of work: permission check, guard check, state
change, then the hooks installed for every transition (the register's event) and those of
the object's type. It never commits: any exception leaves the caller to roll back.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from transitions import Machine, MachineError

from workflows.guards import Blocked, GuardContext, GuardFn
from workflows.spec import WorkflowRules


class Stateful(Protocol):
    id: int
    state: str


class HasWorkflows(Protocol):
    workflows: Mapping[str, WorkflowRules]


class WorkflowError(Exception):
    """A refused transition, with a translation key and its parameters."""

    status = 409
    key = "workflow.error"

    def __init__(self, trigger: str, params: dict[str, Any] | None = None):
        self.trigger = trigger
        self.params = {"trigger": trigger, **(params or {})}
        super().__init__(f"{self.key}: {trigger}")


class TransitionNotApplicable(WorkflowError):
    """The trigger does not exist in this state."""

    key = "workflow.not_applicable"

    def __init__(self, trigger: str, state: str, allowed: list[str]):
        self.state, self.allowed = state, allowed
        super().__init__(trigger, {"state": state})


class TransitionForbidden(WorkflowError):
    """The person may not fire this trigger."""

    status = 403
    key = "workflow.forbidden"


class TransitionBlocked(WorkflowError):
    """A guard from the rules said no, with its reason."""

    def __init__(self, trigger: str, guard: str, blocked: Blocked):
        self.guard, self.blocked = guard, blocked
        self.key = blocked.key
        super().__init__(trigger, blocked.params)


@dataclass(frozen=True)
class Fired:
    """One transition that happened, as every after-hook sees it."""

    object_type: str
    obj: Any
    trigger: str
    source: str
    dest: str
    actor: Any
    params: dict


Hook = Callable[[Any, Fired], None]  # (unit of work, what happened)


@dataclass
class Binding:
    """How one kind of stateful object plugs into the engine."""

    object_type: str
    workflow_name: Callable[[Any], str]
    # Roles the actor holds towards the object: chair, member, owner, lead, voter, ...
    actor_roles: Callable[[Any, Any, Any], set[str]]  # (unit of work, obj, actor)
    after: list[Hook] = field(default_factory=list)


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
    return workflow.triggers_from(state)


class Engine:
    """The bindings, guards and hooks of one application, filled by explicit installs."""

    def __init__(self) -> None:
        self._bindings: dict[str, Binding] = {}
        self._guards: dict[str, GuardFn] = {}
        self._after_each: list[Hook] = []

    # --- installing ----------------------------------------------------------------------

    def bind(self, binding: Binding) -> Binding:
        self._bindings[binding.object_type] = binding
        return binding

    def binding(self, object_type: str) -> Binding:
        return self._bindings[object_type]

    def on_transition(self, object_type: str, hook: Hook) -> None:
        """Run `hook(uow, fired)` after each transition of this object type."""
        after = self._bindings[object_type].after
        if hook not in after:
            after.append(hook)

    def after_each(self, hook: Hook) -> None:
        """Run `hook(uow, fired)` after every transition, before the object type's hooks."""
        if hook not in self._after_each:
            self._after_each.append(hook)

    def add_guard(self, name: str, fn: GuardFn) -> None:
        self._guards[name] = fn

    def guard_names(self) -> set[str]:
        return set(self._guards)

    # --- asking --------------------------------------------------------------------------

    def workflow_of(self, rules: HasWorkflows, obj: Any, object_type: str) -> WorkflowRules:
        return rules.workflows[self._bindings[object_type].workflow_name(obj)]

    def _roles(self, uow: Any, binding: Binding, obj: Any, actor: Any) -> set[str]:
        if actor is None:
            return {"system"}
        roles = set(binding.actor_roles(uow, obj, actor))
        if getattr(actor, "is_admin", False):
            roles.add("admin")
        return roles

    def allowed_triggers(self, uow: Any, obj: Stateful, actor: Any, rules: HasWorkflows,
                         object_type: str) -> list[str]:
        """Triggers this actor may fire from the object's current state (guards not run)."""
        binding = self._bindings[object_type]
        workflow = rules.workflows[binding.workflow_name(obj)]
        roles = self._roles(uow, binding, obj, actor)
        return [tr.trigger for tr in workflow.transitions
                if obj.state in tr.sources and roles & set(tr.allowed)]

    # --- firing --------------------------------------------------------------------------

    def fire(self, uow: Any, obj: Stateful, trigger: str, actor: Any, rules: HasWorkflows,
             object_type: str, params: dict | None = None) -> str:
        """Fire `trigger` on `obj` for `actor` (None = the system). Returns the new state."""
        params = params or {}
        binding = self._bindings[object_type]
        workflow = rules.workflows[binding.workflow_name(obj)]
        source = obj.state
        candidates = [tr for tr in workflow.transitions if tr.trigger == trigger and source in tr.sources]
        if not candidates:
            raise TransitionNotApplicable(trigger, source, workflow.triggers_from(source))
        roles = self._roles(uow, binding, obj, actor)
        if not any(roles & set(tr.allowed) for tr in candidates):
            raise TransitionForbidden(trigger)

        blocked: list[tuple[str, Blocked]] = []

        def make_condition(name: str) -> Callable[[], bool]:
            def check() -> bool:
                result = self._guards[name](GuardContext(uow, obj, actor, rules, params))
                if result is not None:
                    blocked.append((name, result))
                return result is None

            return check

        names = {c for tr in workflow.transitions for c in tr.conditions}
        _, carrier = build_machine(workflow, source, {n: make_condition(n) for n in names})
        try:
            moved = carrier.trigger(trigger)  # type: ignore[attr-defined]
        except MachineError as exc:  # pragma: no cover - filtered above
            raise TransitionNotApplicable(trigger, source, workflow.triggers_from(source)) from exc
        if not moved:
            name, reason = blocked[0]
            raise TransitionBlocked(trigger, name, reason)

        obj.state = carrier.state
        fired = Fired(object_type, obj, trigger, source, obj.state, actor, params)
        for hook in [*self._after_each, *binding.after]:
            hook(uow, fired)
        return obj.state


def mermaid(workflow: WorkflowRules, name: str) -> str:
    """The workflow as a Mermaid state diagram (GraphMachine's mermaid engine, no Graphviz)."""
    from transitions.extensions import GraphMachine

    machine, carrier = build_machine(workflow, workflow.initial, machine_cls=GraphMachine,
                                     graph_engine="mermaid", title=name)
    return carrier.get_graph().draw(None)  # type: ignore[attr-defined]
