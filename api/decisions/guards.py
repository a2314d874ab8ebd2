"""Guards of the decision workflows, named in governance_rules.yaml."""

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


GUARDS = {"decision_is_complete": decision_is_complete}
