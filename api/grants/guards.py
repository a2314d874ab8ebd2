"""Guards of the grant application workflow, named in governance_rules.yaml.

`submission_decision_adopted`: above `grants.submission_decision_threshold`, submitting
needs an executive-committee decision of kind `grant_submission`, linked to the application
(`submission_decision_id`), in the state the decision workflow reaches on `adopt`.
`amount_awarded_set`: awarding needs the amount awarded (sent with the trigger or saved).
"""

from decimal import Decimal

from api.money import from_cents
from workflows.guards import Blocked, GuardContext, guard

SUBMISSION_KIND = "grant_submission"


def adopted_states(rules, kind: str = SUBMISSION_KIND) -> set[str]:
    """States a decision of this kind is in once adopted, from the rules' own transitions."""
    decision_kind = rules.decision_kinds.get(kind)
    workflow_names = {decision_kind.workflow} if decision_kind else set(rules.workflows)
    states: set[str] = set()
    for name in workflow_names:
        workflow = rules.workflows.get(name)
        if workflow is None:
            continue
        adopted = {tr.dest for tr in workflow.transitions if tr.trigger == "adopt"}
        states |= adopted
        # A decision that went further after its adoption (ratified) is still adopted.
        frontier = set(adopted)
        while frontier:
            nxt = {tr.dest for tr in workflow.transitions
                   if set(tr.sources) & frontier and tr.dest not in states
                   and tr.trigger not in ("withdraw", "reject", "fail_quorum")}
            states |= nxt
            frontier = nxt
    return states


def _load_decision(session, decision_id: int):
    try:
        from api.decisions.models import Decision
    except ImportError:  # the decisions area is not installed
        return None
    return session.get(Decision, decision_id)


def _missing(title: str | None) -> Blocked:
    if title:
        return Blocked(
            fr=f"Le dépôt exige une décision adoptée du conseil exécutif de type « Dépôt d'une demande "
               f"de subvention » : la décision « {title} » n'est pas adoptée.",
            en=f"Submission needs an adopted executive-committee decision of kind \"Grant submission\": "
               f"the decision \"{title}\" is not adopted.")
    return Blocked(
        fr="Le dépôt exige une décision adoptée du conseil exécutif de type « Dépôt d'une demande de "
           "subvention » (grant_submission) liée à cette demande : aucune n'est liée.",
        en="Submission needs an adopted executive-committee decision of kind \"Grant submission\" "
           "(grant_submission) linked to this application: none is linked.")


@guard("submission_decision_adopted")
def submission_decision_adopted(ctx: GuardContext) -> Blocked | None:
    application = ctx.obj
    threshold = Decimal(ctx.rules.grants.submission_decision_threshold)
    if from_cents(application.amount_requested_cents or 0) <= threshold:
        return None
    decision_id = application.submission_decision_id
    decision = _load_decision(ctx.session, decision_id) if decision_id else None
    if decision is None:
        return _missing(None)
    ok = (getattr(decision, "kind", None) == SUBMISSION_KIND
          and decision.state in adopted_states(ctx.rules)
          and _is_executive_committee(ctx.session, getattr(decision, "body_id", None)))
    return None if ok else _missing(getattr(decision, "title", None) or f"#{decision_id}")


def _is_executive_committee(session, body_id: int | None) -> bool:
    from api.collective.models import Body

    body = session.get(Body, body_id) if body_id else None
    return body is not None and body.kind == "executive_committee"


@guard("amount_awarded_set")
def amount_awarded_set(ctx: GuardContext) -> Blocked | None:
    raw = ctx.params.get("amount_awarded")
    if raw is not None:
        from api.grants.schemas import parse_amount

        try:
            amount = parse_amount(raw)
        except ValueError:
            amount = None
        if amount is not None and amount > 0:
            return None
        return Blocked(fr="Le montant accordé n'est pas un montant valide (par exemple 12 345,67).",
                       en="The amount awarded is not a valid amount (for example 12,345.67).")
    if ctx.obj.amount_awarded_cents:
        return None
    return Blocked(fr="Indiquez le montant accordé avant de marquer la demande comme accordée.",
                   en="Give the amount awarded before marking the application as awarded.")
