"""Guards of the grant application workflow, named in governance_rules.yaml and installed by
`api/grants/area.py`. Their refusals are translation keys of `api/locales/grants.yaml`.

`submission_decision_adopted`: above `grants.submission_decision_threshold`, submitting
needs an executive-committee decision of kind `grant_submission`, linked to the application
(`submission_decision_id`), in a state its workflow reaches on `adopt` (or after it).
`amount_awarded_set`: awarding needs the amount awarded (sent with the trigger or saved).
`approval_decision_adopted` ("Approuvée par le CE", issue 13): approving names the adopted
decision (`params["decision_id"]`): a `grant_submission` decision of the body the rules name
for that kind (the executive committee), adopted, that the person approving sees. Every path
(page, API, demo) fires through the engine, so this is the one place the rule lives;
`api.grants.service.transition_application` answers its refusal as a 422 naming
`decision_id`, and the after-hook stores the decision on the application.
"""

from decimal import Decimal

from sqlalchemy import ColumnElement, and_, select

from api.collective.models import Body
from api.decisions import service as decisions
from api.decisions.models import Decision
from api.grants.schemas import parse_amount
from api.money import from_cents
from api.schemas import MAX_ID
from workflows.guards import Blocked, GuardContext

SUBMISSION_KIND = "grant_submission"
APPROVAL_GUARD = "approval_decision_adopted"
APPROVAL_FIELD = "decision_id"  # the trigger's parameter naming the decision


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


def approving_body(rules) -> ColumnElement[bool]:
    """SQL: the body the rules name for `grant_submission` decisions (its key), the executive
    committee when the rules have no such kind."""
    kind = rules.decision_kinds.get(SUBMISSION_KIND)
    return Body.key == kind.body if kind is not None else Body.kind == "executive_committee"


def approving(rules) -> ColumnElement[bool]:
    """SQL (with `Body` joined): an adopted `grant_submission` decision of that body — the
    decisions that may approve an application. `choices.submission_decisions` lists them."""
    kind = rules.decision_kinds.get(SUBMISSION_KIND)
    states = decisions.adopted_states(rules, kind.workflow) if kind is not None else set()
    return and_(Decision.kind == SUBMISSION_KIND, Decision.state.in_(sorted(states)), approving_body(rules))


def approval_decision(ctx, rules, raw) -> tuple[Decision | None, Blocked | None]:
    """The decision named to approve an application, or why it cannot: none named (or one the
    person does not see: the same answer, nothing leaks), or not an adopted decision of the
    right body (named by its title)."""
    text = str(raw).strip() if raw is not None and not isinstance(raw, bool) else ""
    decision = (ctx.session.get(Decision, int(text))
                if text.isascii() and text.isdigit() and len(text) <= 10 and 0 < int(text) <= MAX_ID else None)
    viewer = getattr(ctx, "viewer", None)
    if decision is None or (viewer is not None and not viewer.can_see(decision.confidential_category,
                                                                         decision.body_id)):
        return None, Blocked("grants.error.approval_decision")
    ok = ctx.session.execute(select(Decision.id).join(Body, Body.id == Decision.body_id)
                             .where(Decision.id == decision.id, approving(rules))).first()
    if ok is None:
        return None, Blocked("grants.guard.approval_decision_not_adopted", {"title": decision.title})
    return decision, None


def approval_decision_adopted(g: GuardContext) -> Blocked | None:
    return approval_decision(g.uow, g.rules, g.params.get(APPROVAL_FIELD))[1]


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
          "amount_awarded_set": amount_awarded_set,
          APPROVAL_GUARD: approval_decision_adopted}
