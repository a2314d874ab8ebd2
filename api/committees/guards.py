"""Guards of the task and meeting workflows (placeholder until the committees area lands)."""

from workflows.guards import Blocked, GuardContext, guard


@guard("reason_given")
def reason_given(ctx: GuardContext) -> Blocked | None:
    if not str(ctx.params.get("reason") or "").strip():
        return Blocked("Indiquez la raison du blocage.", "Give the reason for the block.")
    return None


@guard("minutes_approval_adopted")
def minutes_approval_adopted(ctx: GuardContext) -> Blocked | None:
    return None
