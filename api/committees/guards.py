"""Guards of the task and meeting workflows (`conditions:` in governance_rules.yaml)."""

from workflows.guards import Blocked, GuardContext, guard


@guard("reason_given")
def reason_given(ctx: GuardContext) -> Blocked | None:
    """Blocking a task needs a reason (params["reason"]), kept on the task and in the register."""
    if not str(ctx.params.get("reason") or "").strip():
        return Blocked("Indiquez la raison du blocage.", "Give the reason for the block.")
    return None


def adopted_states(rules, workflow_name: str) -> set[str]:
    """The state a decision workflow reaches on 'adopt', and every state reachable from it
    (ratified after adopted, for instance): all of them mean the decision was adopted."""
    workflow = rules.workflows.get(workflow_name)
    if workflow is None:
        return set()
    found = {tr.dest for tr in workflow.transitions if tr.trigger == "adopt"}
    frontier = list(found)
    while frontier:
        state = frontier.pop()
        for tr in workflow.transitions:
            if state in tr.sources and tr.dest not in found and tr.trigger not in ("withdraw",):
                found.add(tr.dest)
                frontier.append(tr.dest)
    return found


@guard("minutes_approval_adopted")
def minutes_approval_adopted(ctx: GuardContext) -> Blocked | None:
    """The meeting's minutes are approved only by an adopted `minutes_approval` decision."""
    missing = Blocked("Le procès-verbal doit être adopté par une décision « Adoption du procès-verbal ».",
                      "The minutes must be approved by an adopted 'Approval of the minutes' decision.")
    decision_id = getattr(ctx.obj, "minutes_decision_id", None)
    if decision_id is None:
        return missing
    try:
        from api.decisions.models import Decision
    except ImportError:
        return missing
    decision = ctx.session.get(Decision, decision_id)
    if decision is None or decision.kind != "minutes_approval":
        return missing
    kind = ctx.rules.decision_kinds.get(decision.kind)
    workflow = getattr(decision, "workflow", None) or (kind.workflow if kind else "decision")
    if decision.state not in adopted_states(ctx.rules, workflow):
        return Blocked("La décision d'adoption du procès-verbal n'est pas encore adoptée.",
                       "The decision approving the minutes is not adopted yet.")
    return None
