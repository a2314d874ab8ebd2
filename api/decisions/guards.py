"""Guards of the decision workflows (placeholder until the decisions area lands)."""

from workflows.guards import Blocked, GuardContext, guard


@guard("decision_is_complete")
def decision_is_complete(ctx: GuardContext) -> Blocked | None:
    obj = ctx.obj
    if not getattr(obj, "title", None) or not getattr(obj, "closes_at", None):
        return Blocked("La proposition doit avoir un titre et une heure de fermeture.",
                       "The proposal needs a title and a closing time.")
    return None
