"""Guards of the decision workflows, named in governance_rules.yaml."""

from api.timeutil import now
from workflows.guards import Blocked, GuardContext, guard


@guard("decision_is_complete")
def decision_is_complete(ctx: GuardContext) -> Blocked | None:
    """A proposal can be opened once it has a title and a text, and a closing time (if already
    chosen) still in the future; without one, the kind's vote window applies from opening."""
    obj = ctx.obj
    if not (getattr(obj, "title", "") or "").strip() or not (getattr(obj, "text", "") or "").strip():
        return Blocked("La proposition doit avoir un titre et un texte.",
                       "The proposal needs a title and a text.")
    closes_at = getattr(obj, "closes_at", None)
    if closes_at is not None and closes_at <= now():
        return Blocked("L'heure de fermeture du vote est déjà passée : choisissez-en une autre.",
                       "The closing time of the vote has already passed: choose another one.")
    return None
