"""Choices by name instead of internal id numbers (issue 13, "forms that forgive"): the
decision that approves an application (and so authorises submitting it) is chosen among the
adopted "grant_submission" decisions of the body the rules name for that kind (the executive
committee) that the viewer sees, by title — the same decisions the workflow guard
`approval_decision_adopted` accepts (`api.grants.guards.approving`)."""

from sqlalchemy import select

from api.collective.models import Body
from api.context import Context
from api.decisions.models import Decision
from api.grants.guards import approving
from api.i18n import t


def submission_decisions(ctx: Context, current_id: int | None = None) -> list[tuple[int, str]]:
    """(id, title) of the decisions that may approve an application, newest first; the
    application's current one is kept in the list even if it no longer qualifies."""
    stmt = (select(Decision.id, Decision.title)
            .join(Body, Body.id == Decision.body_id)
            .where(approving(ctx.rules), ctx.viewer.visible(Decision.confidential_category, Decision.body_id))
            .order_by(Decision.id.desc()).limit(200))
    found = [(i, title) for i, title in ctx.session.execute(stmt)]
    if current_id and current_id not in dict(found):
        current = ctx.session.get(Decision, current_id)
        if current is not None and ctx.viewer.can_see(current.confidential_category, current.body_id):
            found.append((current.id, current.title))
    return found


def decision_title(ctx: Context, decision: Decision | None) -> str | None:
    """The title of an application's decision as the viewer may read it: an in-camera decision
    the viewer does not see is named as such, never by its title."""
    if decision is None:
        return None
    viewer = ctx.viewer
    if viewer is not None and not viewer.can_see(decision.confidential_category, decision.body_id):
        return t("grants.decision_in_camera", ctx.lang)
    return decision.title
