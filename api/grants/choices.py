"""Choices by name instead of internal id numbers (issue 13, "forms that forgive"): the
decision that approves submitting an application is chosen among the executive committee's
adopted "grant_submission" decisions the viewer sees, by title."""

from sqlalchemy import select

from api.collective.models import Body
from api.context import Context
from api.decisions import service as decisions
from api.decisions.models import Decision
from api.grants.guards import SUBMISSION_KIND


def submission_decisions(ctx: Context, current_id: int | None = None) -> list[tuple[int, str]]:
    """(id, title) of the adopted submission decisions of the executive committee, newest
    first; the application's current one is kept in the list even if it no longer qualifies."""
    rules = ctx.rules
    kind = rules.decision_kinds.get(SUBMISSION_KIND)
    states = decisions.adopted_states(rules, kind.workflow) if kind is not None else set()
    stmt = (select(Decision.id, Decision.title)
            .join(Body, Body.id == Decision.body_id)
            .where(Decision.kind == SUBMISSION_KIND, Body.kind == "executive_committee",
                   ctx.viewer.visible(Decision.confidential_category, Decision.body_id))
            .order_by(Decision.id.desc()).limit(200))
    if states:
        stmt = stmt.where(Decision.state.in_(states))
    found = [(i, title) for i, title in ctx.session.execute(stmt)] if states else []
    if current_id and current_id not in dict(found):
        current = ctx.session.get(Decision, current_id)
        if current is not None and ctx.viewer.can_see(current.confidential_category, current.body_id):
            found.append((current.id, current.title))
    return found
