"""Deadlines of tasks (kind task_due, to the owners) and meetings (kind meeting, to the
body's current seats; staff observers too unless the meeting itself is confidential)."""

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from api.collective.models import Body, Seat
from api.committees.models import Meeting, Task
from api.timeutil import as_utc
from notifications.deadlines import Deadline, cancel_deadline, provider, upsert_deadline

TASK_KIND = "task_due"
MEETING_KIND = "meeting"


def task_deadline(task: Task) -> Deadline | None:
    if task.due_at is None:
        return None
    return Deadline(
        kind=TASK_KIND, object_type="task", object_id=task.id, due_at=as_utc(task.due_at),
        title_fr=f"Tâche : {task.title}", title_en=f"Task: {task.title}",
        path=f"/tasks/{task.id}", recipient_ids=frozenset(p.id for p in task.owners),
        confidential_category=task.confidential_category, body_id=task.body_id)


def sync_task(session: Session, task: Task, closed_states: set[str]) -> None:
    """Plan the reminders of an open task with a due date; cancel them otherwise."""
    deadline = task_deadline(task)
    if deadline is None or task.state in closed_states:
        cancel_deadline(session, TASK_KIND, "task", task.id)
    else:
        upsert_deadline(session, deadline)


def _seat_holders(session: Session, body_id: int, on: date, with_staff: bool) -> frozenset[int]:
    seats = session.execute(
        select(Seat).where(Seat.body_id == body_id, Seat.starts_on <= on,
                           or_(Seat.ends_on.is_(None), Seat.ends_on >= on))).scalars()
    return frozenset(s.person_id for s in seats if with_staff or not s.is_staff)


def meeting_deadline(session: Session, meeting: Meeting) -> Deadline:
    body = meeting.body or session.get(Body, meeting.body_id)
    on = as_utc(meeting.starts_at).date()
    return Deadline(
        kind=MEETING_KIND, object_type="meeting", object_id=meeting.id,
        due_at=as_utc(meeting.starts_at),
        title_fr=f"Réunion — {body.name_fr} : {meeting.title}",
        title_en=f"Meeting — {body.name_en}: {meeting.title}",
        path=f"/meetings/{meeting.id}",
        recipient_ids=_seat_holders(session, meeting.body_id, on,
                                    with_staff=meeting.confidential_category is None),
        confidential_category=meeting.confidential_category, body_id=meeting.body_id,
        location=meeting.place or meeting.video_url)


def sync_meeting(session: Session, meeting: Meeting, cancelled_states: set[str]) -> None:
    if meeting.state in cancelled_states:
        cancel_deadline(session, MEETING_KIND, "meeting", meeting.id)
    else:
        upsert_deadline(session, meeting_deadline(session, meeting))


@provider(TASK_KIND)
def task_deadlines(session: Session, start: datetime, end: datetime) -> Iterable[Deadline]:
    from api.committees.service import closed_task_states, rules_now

    closed = closed_task_states(rules_now(session))
    tasks = session.execute(
        select(Task).where(Task.due_at >= start, Task.due_at < end)
        .options(selectinload(Task.owners)).order_by(Task.due_at)).scalars()
    return [d for t in tasks if t.state not in closed and (d := task_deadline(t)) is not None]


@provider(MEETING_KIND)
def meeting_deadlines(session: Session, start: datetime, end: datetime) -> Iterable[Deadline]:
    from api.committees.service import cancelled_meeting_states, rules_now

    cancelled = cancelled_meeting_states(rules_now(session))
    meetings = session.execute(
        select(Meeting).where(Meeting.starts_at >= start, Meeting.starts_at < end)
        .order_by(Meeting.starts_at)).scalars()
    return [meeting_deadline(session, m) for m in meetings if m.state not in cancelled]
