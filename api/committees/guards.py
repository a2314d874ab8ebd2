"""Guards of the task and meeting workflows (`conditions:` in governance_rules.yaml),
installed by `api.committees.area`. Their refusals are translation keys of
api/locales/committees.yaml."""

from api.decisions.models import Decision
from api.decisions.service import adopted_states
from workflows.guards import Blocked, GuardContext


def reason_given(g: GuardContext) -> Blocked | None:
    """Blocking a task needs a reason (params["reason"]), kept on the task and in the register."""
    if not str(g.params.get("reason") or "").strip():
        return Blocked("committees.guard.reason_given")
    return None


def cancel_reason_given(g: GuardContext) -> Blocked | None:
    """Cancelling a task, a destructive move, needs a reason too, kept in the register (the
    page also asks for a confirmation)."""
    if not str(g.params.get("reason") or "").strip():
        return Blocked("committees.guard.cancel_reason_given")
    return None


def minutes_approval_adopted(g: GuardContext) -> Blocked | None:
    """The meeting's minutes are approved only by an adopted `minutes_approval` decision."""
    decision_id = g.obj.minutes_decision_id
    decision = g.uow.session.get(Decision, decision_id) if decision_id is not None else None
    if decision is None or decision.kind != "minutes_approval":
        return Blocked("committees.guard.minutes_approval_missing")
    if decision.state not in adopted_states(g.rules, decision.workflow):
        return Blocked("committees.guard.minutes_approval_not_adopted")
    return None
