"""Deadlines of tasks (kind task_due, to the owners) and meetings (kind meeting, to the
body's current seats; staff observers too unless the meeting itself is confidential).

This module depends only downward (models, the shared state sets, notifications): tasks and
meetings call `sync_task` / `sync_meeting` whenever an item changes, and the providers
(`task_deadlines`, `meeting_deadlines`, installed by `api.committees.area`) list them for
calendars and a full re-sync.
"""

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from api.collective.models import Body, Seat
from api.committees.common import cancelled_meeting_states, closed_task_states
from api.committees.models import Meeting, Task
from api.context import Context
from api.timeutil import as_utc
from notifications.deadlines import Deadline, cancel_deadline, details, upsert_deadline

TASK_KIND = "task_due"
MEETING_KIND = "meeting"


def task_deadline(task: Task) -> Deadline | None:
    if task.due_at is None:
        return None
    # Who owns it, named in the reminder ("Responsables : Ana, Luc"); the planner adds the body.
    fr, en = details(owner=sorted(p.name for p in task.owners))
    return Deadline(
        kind=TASK_KIND, object_type="task", object_id=task.id, due_at=as_utc(task.due_at),
        # The kind ("Tâche", "Task") is shown beside the title by calendars and emails.
        title_fr=task.title, title_en=task.title,
        path=f"/tasks/{task.id}", recipient_ids=frozenset(p.id for p in task.owners),
        confidential_category=task.confidential_category, body_id=task.body_id,
        details_fr=fr, details_en=en)


def sync_task(ctx: Context, task: Task) -> None:
    """Plan the reminders of an open task with a due date; cancel them otherwise."""
    deadline = task_deadline(task)
    if deadline is None or task.state in closed_task_states(ctx.rules):
        cancel_task(ctx, task.id)
    else:
        upsert_deadline(ctx, deadline)


def cancel_task(ctx: Context, task_id: int) -> None:
    cancel_deadline(ctx, TASK_KIND, "task", task_id)


def _seat_holders(session: Session, body_id: int, on: date, with_staff: bool) -> frozenset[int]:
    seats = session.execute(
        select(Seat).where(Seat.body_id == body_id, Seat.current_on(on))).scalars()
    return frozenset(s.person_id for s in seats if with_staff or not s.is_staff)


def meeting_deadline(session: Session, meeting: Meeting) -> Deadline:
    body = meeting.body or session.get(Body, meeting.body_id)
    on = as_utc(meeting.starts_at).date()
    return Deadline(
        kind=MEETING_KIND, object_type="meeting", object_id=meeting.id,
        due_at=as_utc(meeting.starts_at),
        title_fr=f"{body.name_fr}\u00a0: {meeting.title}",
        title_en=f"{body.name_en}: {meeting.title}",
        path=f"/meetings/{meeting.id}",
        recipient_ids=_seat_holders(session, meeting.body_id, on,
                                    with_staff=meeting.confidential_category is None),
        confidential_category=meeting.confidential_category, body_id=meeting.body_id,
        location=meeting.place or meeting.video_url)


def sync_meeting(ctx: Context, meeting: Meeting) -> None:
    if meeting.state in cancelled_meeting_states(ctx.rules):
        cancel_deadline(ctx, MEETING_KIND, "meeting", meeting.id)
    else:
        upsert_deadline(ctx, meeting_deadline(ctx.session, meeting))


def task_deadlines(ctx: Context, start: datetime, end: datetime) -> list[Deadline]:
    """Provider of kind task_due: open tasks due in [start, end)."""
    closed = closed_task_states(ctx.rules)
    tasks = ctx.session.execute(
        select(Task).where(Task.due_at >= start, Task.due_at < end)
        .options(selectinload(Task.owners)).order_by(Task.due_at)).scalars()
    return [d for t in tasks if t.state not in closed and (d := task_deadline(t)) is not None]


def meeting_deadlines(ctx: Context, start: datetime, end: datetime) -> list[Deadline]:
    """Provider of kind meeting: meetings not cancelled starting in [start, end)."""
    cancelled = cancelled_meeting_states(ctx.rules)
    meetings = ctx.session.execute(
        select(Meeting).where(Meeting.starts_at >= start, Meeting.starts_at < end)
        .order_by(Meeting.starts_at)).scalars()
    return [meeting_deadline(ctx.session, m) for m in meetings if m.state not in cancelled]
