"""Guards of the grant application workflow (placeholder until the grants area lands)."""

from workflows.guards import Blocked, GuardContext, guard


@guard("submission_decision_adopted")
def submission_decision_adopted(ctx: GuardContext) -> Blocked | None:
    return None


@guard("amount_awarded_set")
def amount_awarded_set(ctx: GuardContext) -> Blocked | None:
    return None
