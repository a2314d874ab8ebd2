"""What tasks and meetings share: the states the rules give a meaning to, a body's
confidentiality and its parent, wall-clock times, and the roles of the person firing.

Nothing here knows a unit of work's state: rules, time zone and viewer are passed in (or
read from the `Context` passed in). Tasks, meetings and deadlines import this module; it
imports none of them.
"""

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from api.access import Viewer
from api.collective.models import Body
from api.context import Context
from api.rules.schema import GovernanceRules
from api.timeutil import as_utc, from_local, now

# --- states that the rules give a meaning to -----------------------------------------------


def closed_task_states(rules: GovernanceRules) -> set[str]:
    """Done or cancelled: where 'complete' and 'cancel' lead, plus the workflow's finals."""
    workflow = rules.workflows["task"]
    return workflow.dests_of("complete", "cancel") | set(workflow.final)


def blocked_task_states(rules: GovernanceRules) -> set[str]:
    return rules.workflows["task"].dests_of("block")


def cancelled_meeting_states(rules: GovernanceRules) -> set[str]:
    return rules.workflows["meeting"].dests_of("cancel")


# --- bodies ----------------------------------------------------------------------------------

def body_category(rules: GovernanceRules, body: Body) -> str | None:
    """The confidential category of a body's rows (hr, funding sub-committees), from the rules."""
    body_rules = rules.body(body.key)
    return body_rules.confidential_category if body_rules else None


def body_and_parent(session: Session, body_id: int) -> list[int]:
    """The body and its parent (a sub-committee's executive committee): both may manage it."""
    body = session.get(Body, body_id)
    return [body_id] + ([body.parent_id] if body is not None and body.parent_id else [])


# --- times -----------------------------------------------------------------------------------

def to_utc(value: datetime | None, tz: str) -> datetime | None:
    """A naive date-time is a wall-clock time in the collective's zone; an aware one is kept."""
    if value is None:
        return None
    return from_local(value, tz) if value.tzinfo is None else as_utc(value)


def is_overdue(task: Any, closed: set[str], at: datetime | None = None) -> bool:
    """Judged in UTC: past its due instant and not closed."""
    return (task.due_at is not None and as_utc(task.due_at) < as_utc(at or now())
            and task.state not in closed)


# --- who is firing ---------------------------------------------------------------------------

def viewer_for(ctx: Context, actor: Any) -> Viewer:
    """The actor's seats today: the engine passes a Person, services pass their Viewer."""
    return actor if isinstance(actor, Viewer) else ctx.viewer_of(actor)


def allowed_triggers(ctx: Context, obj: Any, object_type: str) -> list[str]:
    """Triggers the viewer may fire on a task or a meeting (judged by the rules in force)."""
    person = ctx.viewer.person if ctx.viewer is not None else None
    return ctx.registry.engine.allowed_triggers(ctx, obj, person, ctx.rules, object_type)
