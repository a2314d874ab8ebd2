"""Guards of the grant application workflow, named in governance_rules.yaml and installed by
`api/grants/area.py`. Their refusals are translation keys of `api/locales/grants.yaml`.

`submission_decision_adopted`: above `grants.submission_decision_threshold`, submitting
needs an executive-committee decision of kind `grant_submission`, linked to the application
(`submission_decision_id`), in a state its workflow reaches on `adopt` (or after it).
`amount_awarded_set`: awarding needs the amount awarded (sent with the trigger or saved).
"""

from decimal import Decimal

from api.collective.models import Body
from api.decisions import service as decisions
from api.decisions.models import Decision
from api.grants.schemas import parse_amount
from api.money import from_cents
from workflows.guards import Blocked, GuardContext

SUBMISSION_KIND = "grant_submission"


def _missing(title: str | None) -> Blocked:
    if title:
        return Blocked("grants.guard.decision_not_adopted", {"title": title})
    return Blocked("grants.guard.decision_missing")


def _is_adopted(rules, decision: Decision) -> bool:
    """In a state the workflow of its kind (in these rules) reaches on `adopt` or after it."""
    kind = rules.decision_kinds.get(decision.kind)
    workflow = kind.workflow if kind is not None else decision.workflow
    return decision.state in decisions.adopted_states(rules, workflow)


def _is_executive_committee(session, body_id: int | None) -> bool:
    body = session.get(Body, body_id) if body_id else None
    return body is not None and body.kind == "executive_committee"


def submission_decision_adopted(g: GuardContext) -> Blocked | None:
    application = g.obj
    threshold = Decimal(g.rules.grants.submission_decision_threshold)
    if from_cents(application.amount_requested_cents or 0) <= threshold:
        return None
    session = g.uow.session
    decision_id = application.submission_decision_id
    decision = session.get(Decision, decision_id) if decision_id else None
    if decision is None:
        return _missing(None)
    ok = (decision.kind == SUBMISSION_KIND and _is_adopted(g.rules, decision)
          and _is_executive_committee(session, decision.body_id))
    return None if ok else _missing(decision.title or f"#{decision_id}")


def amount_awarded_set(g: GuardContext) -> Blocked | None:
    raw = g.params.get("amount_awarded")
    if raw is not None:
        try:
            amount = parse_amount(raw)
        except ValueError:
            amount = None
        if amount is not None and amount > 0:
            return None
        return Blocked("grants.guard.amount_invalid")
    if g.obj.amount_awarded_cents:
        return None
    return Blocked("grants.guard.amount_missing")


GUARDS = {"submission_decision_adopted": submission_decision_adopted,
          "amount_awarded_set": amount_awarded_set}
