"""Guards of the decision workflows, named in governance_rules.yaml."""

from sqlalchemy import func, select

from api.decisions.models import Vote
from api.timeutil import now
from workflows.guards import Blocked, GuardContext


def decision_is_complete(g: GuardContext) -> Blocked | None:
    """A proposal can be opened once it has a title and a text, and a closing time (if already
    chosen) still in the future; without one, the kind's vote window applies from opening."""
    obj = g.obj
    if not (getattr(obj, "title", "") or "").strip() or not (getattr(obj, "text", "") or "").strip():
        return Blocked("decision.guard.incomplete")
    closes_at = getattr(obj, "closes_at", None)
    if closes_at is not None and closes_at <= now():
        return Blocked("decision.guard.closes_in_past")
    return None


def withdrawal_explained(g: GuardContext) -> Blocked | None:
    """Withdrawing a proposal that has votes takes a confirmation (params `confirmed`) and a
    reason (params `reason`): members who voted are told why, and the register keeps both."""
    votes = g.uow.session.execute(
        select(func.count()).select_from(Vote).where(Vote.decision_id == g.obj.id)).scalar_one()
    if not votes:
        return None
    reason = str(g.params.get("reason") or "").strip()
    if g.params.get("confirmed") not in (True, "true", "1", 1, "on") or not reason:
        return Blocked("decision.guard.withdraw_needs_reason", {"votes": votes})
    if len(reason) > 2000:
        return Blocked("decision.guard.withdraw_reason_too_long")
    return None


GUARDS = {"decision_is_complete": decision_is_complete, "withdrawal_explained": withdrawal_explained}
