"""Business rules of sub-committee tasks and of meetings.

Tasks and meetings move only through `workflows.engine.fire`. Confidential rows (tasks of a
confidential sub-committee, meetings of such a body, in-camera agenda items) are filtered
with `api.access.Viewer` everywhere: an invisible id is a 404, an in-camera item is left
out of lists, numbering and counts.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from api.access import Viewer, load_viewer
from api.collective.models import Body, BodyKind, Collective, Organisation, Person, Seat
from api.collective.service import current_seats
from api.committees import deadlines
from api.committees.guards import adopted_states
from api.committees.models import (
    AgendaItem,
    Meeting,
    MeetingAttendance,
    Task,
    TaskComment,
    TaskTimeEntry,
)
from api.committees.schemas import (
    AgendaItemIn,
    AgendaItemPatch,
    AttendanceIn,
    CommentIn,
    MeetingIn,
    MeetingPatch,
    TaskIn,
    TaskPatch,
    TimeEntryIn,
)
from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.i18n import t
from api.register import service as register
from api.rules.models import RulesVersion
from api.rules.schema import GovernanceRules, Quorum
from api.rules.service import rules_of_version
from api.timeutil import as_utc, from_local, local, now
from workflows import engine

BASE_ITEM_KINDS = ("information", "discussion", "decision")
ADMIN_ROLES = {"chair", "secretary"}


# --- rules helpers -------------------------------------------------------------------------

_last_rules: GovernanceRules | None = None


def remember_rules(rules: GovernanceRules) -> GovernanceRules:
    global _last_rules
    _last_rules = rules
    return rules


def rules_now(session: Session) -> GovernanceRules:
    """Rules for hooks and providers that get none: the rules last handed to this service
    (the rules in force of the running app), else the latest stored version, else the file."""
    if _last_rules is not None:
        return _last_rules
    version_id = session.execute(select(func.max(RulesVersion.id))).scalar_one()
    if version_id is not None:
        return rules_of_version(session, version_id)
    from api.config import get_settings
    from api.rules.loader import load_rules

    return remember_rules(load_rules(get_settings().rules_path).rules)


def _dests(rules: GovernanceRules, workflow: str, triggers: tuple[str, ...]) -> set[str]:
    return {tr.dest for tr in rules.workflows[workflow].transitions if tr.trigger in triggers}


def closed_task_states(rules: GovernanceRules) -> set[str]:
    """Done or cancelled: where 'complete' and 'cancel' lead, plus the workflow's finals."""
    return _dests(rules, "task", ("complete", "cancel")) | set(rules.workflows["task"].final)


def blocked_task_states(rules: GovernanceRules) -> set[str]:
    return _dests(rules, "task", ("block",))


def cancelled_meeting_states(rules: GovernanceRules) -> set[str]:
    return _dests(rules, "meeting", ("cancel",))


def meeting_minutes_states(rules: GovernanceRules) -> set[str]:
    """States in which the meeting has minutes (drafted, then approved)."""
    drafted = _dests(rules, "meeting", ("draft_minutes",))
    return drafted | _dests(rules, "meeting", ("approve_minutes",))


def item_kinds(rules: GovernanceRules) -> list[str]:
    return list(BASE_ITEM_KINDS) + list(rules.confidential_categories)


def body_category(rules: GovernanceRules, body: Body) -> str | None:
    body_rules = rules.body(body.key)
    return body_rules.confidential_category if body_rules else None


def _collective_tz(session: Session) -> str:
    collective = session.get(Collective, 1)
    return collective.timezone if collective else "America/Toronto"


def _today(session: Session) -> date:
    return local(now(), _collective_tz(session)).date()


def _to_utc(value: datetime | None, tz: str) -> datetime | None:
    if value is None:
        return None
    return from_local(value, tz) if value.tzinfo is None else as_utc(value)


def is_overdue(task: Task, closed: set[str], at: datetime | None = None) -> bool:
    return (task.due_at is not None and as_utc(task.due_at) < as_utc(at or now())
            and task.state not in closed)


# --- workflow bindings ---------------------------------------------------------------------

def _person_viewer(session: Session, actor: Any) -> Viewer:
    """The person's seats today, cached for the unit of work (a board asks once per task)."""
    if isinstance(actor, Viewer):
        return actor
    today = _today(session)
    cache = session.info.setdefault("committees_viewers", {})
    key = (actor.id, today)
    if key not in cache:
        cache[key] = load_viewer(session, actor, today)
    return cache[key]


def _body_and_parent(session: Session, body_id: int) -> list[int]:
    body = session.get(Body, body_id)
    return [body_id] + ([body.parent_id] if body is not None and body.parent_id else [])


def task_roles(session: Session, task: Task, actor: Any) -> set[str]:
    viewer = _person_viewer(session, actor)
    roles: set[str] = set()
    if any(p.id == viewer.id for p in task.owners):
        roles.add("owner")
    if set(_body_and_parent(session, task.body_id)) & viewer.member_body_ids:
        roles.add("member")
    return roles


def meeting_roles(session: Session, meeting: Meeting, actor: Any) -> set[str]:
    viewer = _person_viewer(session, actor)
    roles: set[str] = set()
    for body_id in _body_and_parent(session, meeting.body_id):
        roles |= viewer.roles_on(body_id)
    roles.discard("staff_observer")
    return roles


def _task_after(session: Session, task: Task, trigger: str, source: str, dest: str, actor: Any,
                params: dict) -> None:
    rules = rules_now(session)
    blocked = blocked_task_states(rules)
    if dest in blocked:
        task.blocked_reason = str(params.get("reason") or "").strip()[:2000]
    elif source in blocked:
        task.blocked_reason = None
    task.updated_at = now()
    deadlines.sync_task(session, task, closed_task_states(rules))


def _meeting_after(session: Session, meeting: Meeting, trigger: str, source: str, dest: str,
                   actor: Any, params: dict) -> None:
    deadlines.sync_meeting(session, meeting, cancelled_meeting_states(rules_now(session)))


engine.bind(engine.Binding(
    object_type="task", workflow_name=lambda obj: "task", actor_roles=task_roles,
    visibility=lambda obj: (obj.confidential_category, obj.body_id), after=[_task_after]))
engine.bind(engine.Binding(
    object_type="meeting", workflow_name=lambda obj: "meeting", actor_roles=meeting_roles,
    visibility=lambda obj: (obj.confidential_category, obj.body_id), after=[_meeting_after]))


def _on_decision(session: Session, decision: Any, trigger: str, source: str, dest: str,
                 actor: Any, params: dict) -> None:
    """A minutes-approval decision adopted: its meeting fires approve_minutes as the system."""
    if getattr(decision, "kind", None) != "minutes_approval":
        return
    version_id = getattr(decision, "rules_version_id", None)
    rules = rules_of_version(session, version_id) if version_id else rules_now(session)
    workflow = getattr(decision, "workflow", None) or "decision"
    if dest not in adopted_states(rules, workflow):
        return
    meetings = session.execute(
        select(Meeting).where(Meeting.minutes_decision_id == decision.id)).scalars().all()
    for meeting in meetings:
        meeting_rules = rules_now(session)
        if "approve_minutes" in engine.triggers_from(meeting_rules.workflows["meeting"], meeting.state):
            engine.fire(session, meeting, "approve_minutes", None, meeting_rules, "meeting")


def register_decision_hook() -> bool:
    """Subscribe to decision transitions once the decisions area has bound its workflow.
    Called from the routes module (after api.decisions is imported); harmless if absent."""
    try:
        binding = engine.binding_for("decision")
    except KeyError:
        return False
    if _on_decision not in binding.after:
        engine.on_transition("decision", _on_decision)
    return True


# --- tasks ---------------------------------------------------------------------------------

def _visible_task_stmt(viewer: Viewer):
    return select(Task).where(viewer.visible(Task.confidential_category, Task.body_id))


def get_task(session: Session, viewer: Viewer, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None or not viewer.can_see(task.confidential_category, task.body_id):
        raise NotFound("committees.error.task_not_found")
    return task


def list_tasks(viewer: Viewer, body_id: int | None = None, owner_id: int | None = None,
               state: str | None = None):
    stmt = _visible_task_stmt(viewer).options(selectinload(Task.owners))
    if body_id is not None:
        stmt = stmt.where(Task.body_id == body_id)
    if owner_id is not None:
        stmt = stmt.where(Task.owners.any(Person.id == owner_id))
    if state is not None:
        stmt = stmt.where(Task.state == state)
    return stmt.order_by(Task.due_at.is_(None), Task.due_at, Task.id)


def can_manage_body(viewer: Viewer, session: Session, body_id: int) -> bool:
    return viewer.is_admin or bool(set(_body_and_parent(session, body_id)) & viewer.member_body_ids)


def _board_body(session: Session, viewer: Viewer, body_id: int, field: str = "body_id") -> Body:
    body = session.get(Body, body_id)
    if body is None or body.kind != BodyKind.sub_committee:
        raise Invalid("committees.error.not_sub_committee", field=field)
    return body


def get_board_body(session: Session, viewer: Viewer, rules: GovernanceRules, body_id: int) -> Body:
    body = session.get(Body, body_id)
    if body is None or body.kind != BodyKind.sub_committee \
            or not viewer.can_see(body_category(rules, body), body.id):
        raise NotFound("committees.error.board_not_found")
    return body


def _owners(session: Session, ids: list[int], category: str | None, body_id: int) -> list[Person]:
    people = []
    today = _today(session)
    for pid in dict.fromkeys(ids):
        person = session.get(Person, pid)
        if person is None or not person.is_active:
            raise Invalid("committees.error.owner_unknown", field="owner_ids", id=pid)
        # An owner must be able to see the task (no staff owner on an in-camera board).
        if not load_viewer(session, person, today).can_see(category, body_id):
            raise Invalid("committees.error.owner_cannot_see", field="owner_ids", name=person.name)
        people.append(person)
    return people


def _due_warnings(due_at: datetime | None, lang: str) -> list[dict]:
    if due_at is not None and as_utc(due_at) < now():
        return [{"code": "committees.warning.due_in_past", "field": "due_at",
                 "message": t("committees.warning.due_in_past", lang)}]
    return []


TASK_FIELDS = ["title", "description", "due_at", "priority", "link_type", "link_id", "body_id"]


def _task_snapshot(task: Task) -> dict:
    data = {f: getattr(task, f) for f in TASK_FIELDS}
    data["owner_ids"] = [p.id for p in task.owners]
    return data


def create_task(session: Session, data: TaskIn, viewer: Viewer,
                rules: GovernanceRules) -> tuple[Task, list[dict]]:
    remember_rules(rules)
    body = _board_body(session, viewer, data.body_id)
    category = body_category(rules, body)
    if not viewer.can_see(category, body.id):
        raise Invalid("committees.error.not_sub_committee", field="body_id")
    if not can_manage_body(viewer, session, body.id):
        raise Forbidden("committees.error.not_member")
    tz = rules.collective.timezone
    due_at = _to_utc(data.due_at, tz)
    task = Task(body_id=body.id, title=data.title, description=data.description, due_at=due_at,
                priority=data.priority, link_type=data.link_type, link_id=data.link_id,
                state=rules.workflows["task"].initial, confidential_category=category,
                created_by_id=viewer.id)
    task.owners = _owners(session, data.owner_ids, category, body.id)
    session.add(task)
    session.flush()
    register.record(session, action="task.created", object_type="task", object_id=task.id,
                    actor_id=viewer.id, after=_task_snapshot(task),
                    confidential_category=category, body_id=body.id)
    deadlines.sync_task(session, task, closed_task_states(rules))
    session.commit()
    return task, _due_warnings(due_at, viewer.lang)


def _check_can_edit(session: Session, viewer: Viewer, task: Task) -> None:
    if not (viewer.is_admin or "member" in task_roles(session, task, viewer)
            or any(p.id == viewer.id for p in task.owners)):
        raise Forbidden("committees.error.not_member")


def update_task(session: Session, viewer: Viewer, task_id: int, data: TaskPatch,
                rules: GovernanceRules) -> tuple[Task, list[dict]]:
    remember_rules(rules)
    task = get_task(session, viewer, task_id)
    _check_can_edit(session, viewer, task)
    before = _task_snapshot(task)
    changes = data.model_dump(exclude_unset=True)
    warnings: list[dict] = []
    if "title" in changes and changes["title"] is None:
        raise Invalid("error.required", field="title")
    if "priority" in changes and changes["priority"] is None:
        raise Invalid("error.required", field="priority")
    if "owner_ids" in changes:
        task.owners = _owners(session, changes.pop("owner_ids") or [], task.confidential_category,
                              task.body_id)
    if "due_at" in changes:
        changes["due_at"] = _to_utc(changes["due_at"], rules.collective.timezone)
        warnings = _due_warnings(changes["due_at"], viewer.lang)
    link_type = changes.get("link_type", task.link_type)
    link_id = changes.get("link_id", task.link_id)
    if (link_type is None) != (link_id is None):
        raise Invalid("committees.error.link_pair", field="link_id")
    for key, value in changes.items():
        setattr(task, key, value)
    task.updated_at = now()
    register.record(session, action="task.updated", object_type="task", object_id=task.id,
                    actor_id=viewer.id, before=before, after=_task_snapshot(task),
                    confidential_category=task.confidential_category, body_id=task.body_id)
    deadlines.sync_task(session, task, closed_task_states(rules))
    session.commit()
    return task, warnings


def delete_task(session: Session, viewer: Viewer, task_id: int) -> None:
    task = get_task(session, viewer, task_id)
    if not (viewer.is_admin or "member" in task_roles(session, task, viewer)):
        raise Forbidden("committees.error.not_member")
    register.record(session, action="task.deleted", object_type="task", object_id=task.id,
                    actor_id=viewer.id, before=_task_snapshot(task),
                    confidential_category=task.confidential_category, body_id=task.body_id)
    deadlines.cancel_deadline(session, deadlines.TASK_KIND, "task", task.id)
    session.delete(task)
    session.commit()


def move_task(session: Session, viewer: Viewer, task_id: int, trigger: str, params: dict,
              rules: GovernanceRules) -> Task:
    remember_rules(rules)
    task = get_task(session, viewer, task_id)
    engine.fire(session, task, trigger, viewer.person, rules, "task", params)
    session.commit()
    return task


def add_comment(session: Session, viewer: Viewer, task_id: int, data: CommentIn) -> TaskComment:
    task = get_task(session, viewer, task_id)
    comment = TaskComment(task_id=task.id, author_id=viewer.id, text=data.text)
    session.add(comment)
    session.flush()
    register.record(session, action="task.commented", object_type="task", object_id=task.id,
                    actor_id=viewer.id, after={"comment_id": comment.id},
                    confidential_category=task.confidential_category, body_id=task.body_id)
    session.commit()
    return comment


def add_time_entry(session: Session, viewer: Viewer, task_id: int, data: TimeEntryIn) -> TaskTimeEntry:
    task = get_task(session, viewer, task_id)
    person_id = data.person_id or viewer.id
    if person_id != viewer.id and not (viewer.is_admin or "member" in task_roles(session, task, viewer)):
        raise Forbidden("committees.error.not_member")
    if person_id == viewer.id and not (viewer.is_admin or task_roles(session, task, viewer)):
        raise Forbidden("committees.error.not_member")
    person = session.get(Person, person_id)
    if person is None:
        raise Invalid("error.person_not_found", field="person_id")
    entry = TaskTimeEntry(task_id=task.id, person_id=person.id,
                          organisation_id=person.organisation_id, hours=data.hours,
                          on_date=data.on_date, note=data.note)
    session.add(entry)
    session.flush()
    register.record(session, action="task.time_logged", object_type="task", object_id=task.id,
                    actor_id=viewer.id,
                    after={"entry_id": entry.id, "person_id": person.id, "hours": str(data.hours),
                           "on_date": data.on_date.isoformat(),
                           "organisation_id": person.organisation_id},
                    confidential_category=task.confidential_category, body_id=task.body_id)
    session.commit()
    return entry


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def workload_by_organisation(session: Session, start: date | datetime,
                             end: date | datetime) -> dict[int, Decimal]:
    """Hours logged on tasks per organisation, for days from `start` to `end` inclusive.

    Exact Decimal sums (never float), usable as fee-split weights; organisations without
    hours are absent. Totals only: no task title or confidential detail comes out."""
    rows = session.execute(
        select(TaskTimeEntry.organisation_id, TaskTimeEntry.hours)
        .where(TaskTimeEntry.on_date >= _as_date(start), TaskTimeEntry.on_date <= _as_date(end),
               TaskTimeEntry.organisation_id.is_not(None))).all()
    totals: dict[int, Decimal] = {}
    for org_id, hours in rows:
        totals[org_id] = totals.get(org_id, Decimal("0")) + Decimal(str(hours)).quantize(Decimal("0.01"))
    return totals


def workload_view(session: Session, viewer: Viewer, rules: GovernanceRules, start: date,
                  end: date) -> list[dict]:
    """Per organisation: open tasks owned by its people and hours logged in the period,
    counting only the tasks this viewer may see."""
    if end < start:
        raise Invalid("committees.error.period", field="end")
    closed = closed_task_states(rules)
    visible = viewer.visible(Task.confidential_category, Task.body_id)
    hours_rows = session.execute(
        select(TaskTimeEntry.organisation_id, TaskTimeEntry.hours)
        .join(Task, Task.id == TaskTimeEntry.task_id)
        .where(TaskTimeEntry.on_date >= start, TaskTimeEntry.on_date <= end,
               TaskTimeEntry.organisation_id.is_not(None), visible)).all()
    hours: dict[int, Decimal] = {}
    for org_id, value in hours_rows:
        hours[org_id] = hours.get(org_id, Decimal("0")) + Decimal(str(value)).quantize(Decimal("0.01"))
    open_rows = session.execute(
        select(Person.organisation_id, func.count(func.distinct(Task.id)))
        .select_from(Task).join(Task.owners)
        .where(visible, Task.state.not_in(closed), Person.organisation_id.is_not(None))
        .group_by(Person.organisation_id)).all()
    open_tasks = dict(open_rows)
    orgs = session.execute(select(Organisation).order_by(Organisation.name)).scalars().all()
    return [{"organisation_id": o.id, "organisation": o.name,
             "open_tasks": int(open_tasks.get(o.id, 0)), "hours": hours.get(o.id, Decimal("0.00"))}
            for o in orgs if o.id in hours or o.id in open_tasks]


# --- meetings ------------------------------------------------------------------------------

def get_meeting(session: Session, viewer: Viewer, meeting_id: int) -> Meeting:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or not viewer.can_see(meeting.confidential_category, meeting.body_id):
        raise NotFound("committees.error.meeting_not_found")
    return meeting


def list_meetings(viewer: Viewer, body_id: int | None = None):
    stmt = select(Meeting).where(viewer.visible(Meeting.confidential_category, Meeting.body_id))
    if body_id is not None:
        stmt = stmt.where(Meeting.body_id == body_id)
    return stmt.order_by(Meeting.starts_at.desc())


def can_manage_meeting(session: Session, viewer: Viewer, body_id: int) -> bool:
    if viewer.is_admin:
        return True
    roles: set[str] = set()
    for bid in _body_and_parent(session, body_id):
        roles |= viewer.roles_on(bid)
    return bool(roles & ADMIN_ROLES)


def _check_manage(session: Session, viewer: Viewer, meeting: Meeting) -> None:
    if not can_manage_meeting(session, viewer, meeting.body_id):
        raise Forbidden("committees.error.not_chair")


MEETING_FIELDS = ["body_id", "title", "starts_at", "ends_at", "place", "video_url"]


def _meeting_snapshot(meeting: Meeting) -> dict:
    return {f: getattr(meeting, f) for f in MEETING_FIELDS}


def _check_times(starts_at: datetime, ends_at: datetime | None) -> None:
    if ends_at is not None and ends_at <= starts_at:
        raise Invalid("committees.error.ends_before_start", field="ends_at")


def create_meeting(session: Session, data: MeetingIn, viewer: Viewer,
                   rules: GovernanceRules) -> Meeting:
    remember_rules(rules)
    body = session.get(Body, data.body_id)
    if body is None:
        raise Invalid("error.body_not_found", field="body_id")
    category = body_category(rules, body)
    if not viewer.can_see(category, body.id):
        raise Invalid("error.body_not_found", field="body_id")
    if not can_manage_meeting(session, viewer, body.id):
        raise Forbidden("committees.error.not_chair")
    tz = rules.collective.timezone
    starts_at, ends_at = _to_utc(data.starts_at, tz), _to_utc(data.ends_at, tz)
    _check_times(starts_at, ends_at)
    meeting = Meeting(body_id=body.id, title=data.title, starts_at=starts_at, ends_at=ends_at,
                      place=data.place, video_url=data.video_url,
                      state=rules.workflows["meeting"].initial, confidential_category=category)
    session.add(meeting)
    session.flush()
    register.record(session, action="meeting.created", object_type="meeting", object_id=meeting.id,
                    actor_id=viewer.id, after=_meeting_snapshot(meeting),
                    confidential_category=category, body_id=body.id)
    deadlines.sync_meeting(session, meeting, cancelled_meeting_states(rules))
    session.commit()
    return meeting


def update_meeting(session: Session, viewer: Viewer, meeting_id: int, data: MeetingPatch,
                   rules: GovernanceRules) -> Meeting:
    remember_rules(rules)
    meeting = get_meeting(session, viewer, meeting_id)
    _check_manage(session, viewer, meeting)
    before = _meeting_snapshot(meeting)
    changes = data.model_dump(exclude_unset=True)
    tz = rules.collective.timezone
    for key in ("title", "starts_at"):
        if key in changes and changes[key] is None:
            raise Invalid("error.required", field=key)
    for key in ("starts_at", "ends_at"):
        if key in changes:
            changes[key] = _to_utc(changes[key], tz)
    for key, value in changes.items():
        setattr(meeting, key, value)
    _check_times(meeting.starts_at, meeting.ends_at)
    register.record(session, action="meeting.updated", object_type="meeting", object_id=meeting.id,
                    actor_id=viewer.id, before=before, after=_meeting_snapshot(meeting),
                    confidential_category=meeting.confidential_category, body_id=meeting.body_id)
    deadlines.sync_meeting(session, meeting, cancelled_meeting_states(rules))
    session.commit()
    return meeting


def move_meeting(session: Session, viewer: Viewer, meeting_id: int, trigger: str,
                 rules: GovernanceRules) -> Meeting:
    remember_rules(rules)
    meeting = get_meeting(session, viewer, meeting_id)
    engine.fire(session, meeting, trigger, viewer.person, rules, "meeting", {})
    session.commit()
    return meeting


def meeting_day(meeting: Meeting, tz: str) -> date:
    return local(meeting.starts_at, tz).date()


def body_seats(session: Session, meeting: Meeting, tz: str) -> list[Seat]:
    return current_seats(session, meeting.body_id, meeting_day(meeting, tz))


def set_attendance(session: Session, viewer: Viewer, meeting_id: int, data: AttendanceIn,
                   rules: GovernanceRules) -> MeetingAttendance:
    meeting = get_meeting(session, viewer, meeting_id)
    _check_manage(session, viewer, meeting)
    seats = body_seats(session, meeting, rules.collective.timezone)
    if data.seat_id is not None:
        seat = next((s for s in seats if s.id == data.seat_id), None)
        if seat is None:
            raise Invalid("committees.error.not_a_seat", field="seat_id")
    else:
        seat = next((s for s in seats if s.person_id == data.person_id), None)
        if seat is None:
            raise Invalid("committees.error.not_a_seat", field="person_id")
    row = session.execute(select(MeetingAttendance).where(
        MeetingAttendance.meeting_id == meeting.id, MeetingAttendance.seat_id == seat.id)
    ).scalar_one_or_none()
    before = {"status": row.status} if row else None
    if row is None:
        row = MeetingAttendance(meeting_id=meeting.id, seat_id=seat.id, person_id=seat.person_id,
                                status=data.status)
        session.add(row)
    else:
        row.status = data.status
    session.flush()
    register.record(session, action="meeting.attendance", object_type="meeting",
                    object_id=meeting.id, actor_id=viewer.id, before=before,
                    after={"seat_id": seat.id, "person_id": seat.person_id, "status": data.status},
                    confidential_category=meeting.confidential_category, body_id=meeting.body_id)
    session.commit()
    return row


def quorum_rule(rules: GovernanceRules, body_key: str) -> tuple[Quorum, str]:
    """The executive committee's meetings use the `procedure` kind's quorum (its ordinary
    business); another body uses its first non-confidential decision kind, else half."""
    kinds = rules.decision_kinds
    if "procedure" in kinds and kinds["procedure"].body == body_key:
        return kinds["procedure"].quorum, "procedure"
    for key, kind in kinds.items():
        if kind.body == body_key and kind.confidential_category is None:
            return kind.quorum, key
    return Quorum(fraction=0.5), "default"


def meeting_quorum(session: Session, meeting: Meeting, rules: GovernanceRules) -> dict:
    from api.decisions.tally import VoteRule

    seats = [s for s in body_seats(session, meeting, rules.collective.timezone)
             if s.voting and not s.is_staff]
    present = {a.seat_id for a in meeting.attendance if a.status == "present"}
    body = meeting.body or session.get(Body, meeting.body_id)
    quorum, basis = quorum_rule(rules, body.key)
    required = VoteRule(quorum_fraction=quorum.fraction, quorum_count=quorum.count).quorum_for(len(seats))
    present_voting = sum(1 for s in seats if s.id in present)
    return {"voting_seats": len(seats), "present_voting": present_voting, "required": required,
            "reached": bool(seats) and present_voting >= required, "basis": basis}


def visible_items(meeting: Meeting, viewer: Viewer, public: bool = False) -> list[tuple[int, AgendaItem]]:
    """The agenda this viewer may read, numbered 1..n without gaps (in-camera items are
    simply absent for staff). `public` gives the version without any in-camera item."""
    items = [i for i in sorted(meeting.items, key=lambda i: (i.position, i.id))
             if viewer.can_see(i.confidential_category, i.body_id)
             and not (public and i.confidential_category is not None)]
    return list(enumerate(items, start=1))


def _check_kind(session: Session, viewer: Viewer, meeting: Meeting, kind: str,
                rules: GovernanceRules) -> str | None:
    if kind not in item_kinds(rules):
        raise Invalid("committees.error.item_kind", field="kind", kinds=", ".join(item_kinds(rules)))
    category = kind if kind in rules.confidential_categories else None
    if category is not None and not viewer.can_see(category, meeting.body_id):
        raise Forbidden("committees.error.in_camera_forbidden")
    return category


def _check_decision(session: Session, viewer: Viewer, decision_id: int | None) -> None:
    if decision_id is None:
        return
    decision = load_decision(session, viewer, decision_id)
    if decision is None:
        raise Invalid("committees.error.decision_not_found", field="decision_id")


def get_item(session: Session, viewer: Viewer, meeting: Meeting, item_id: int) -> AgendaItem:
    item = session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != meeting.id \
            or not viewer.can_see(item.confidential_category, item.body_id):
        raise NotFound("committees.error.item_not_found")
    return item


def _item_snapshot(item: AgendaItem) -> dict:
    return {"title": item.title, "kind": item.kind, "position": item.position,
            "decision_id": item.decision_id, "has_minutes": bool(item.minutes)}


def add_item(session: Session, viewer: Viewer, meeting_id: int, data: AgendaItemIn,
             rules: GovernanceRules) -> AgendaItem:
    meeting = get_meeting(session, viewer, meeting_id)
    _check_manage(session, viewer, meeting)
    category = _check_kind(session, viewer, meeting, data.kind, rules)
    _check_decision(session, viewer, data.decision_id)
    last = session.execute(select(func.max(AgendaItem.position))
                           .where(AgendaItem.meeting_id == meeting.id)).scalar_one()
    item = AgendaItem(meeting_id=meeting.id, position=(last or 0) + 1, title=data.title,
                      kind=data.kind, description=data.description, minutes=data.minutes,
                      decision_id=data.decision_id, confidential_category=category,
                      body_id=meeting.body_id)
    session.add(item)
    session.flush()
    register.record(session, action="agenda_item.created", object_type="agenda_item",
                    object_id=item.id, actor_id=viewer.id, after=_item_snapshot(item),
                    confidential_category=category or meeting.confidential_category,
                    body_id=meeting.body_id)
    session.commit()
    session.refresh(meeting)
    return item


def update_item(session: Session, viewer: Viewer, meeting_id: int, item_id: int,
                data: AgendaItemPatch, rules: GovernanceRules) -> AgendaItem:
    meeting = get_meeting(session, viewer, meeting_id)
    item = get_item(session, viewer, meeting, item_id)
    _check_manage(session, viewer, meeting)
    before = _item_snapshot(item)
    changes = data.model_dump(exclude_unset=True)
    for key in ("title", "kind"):
        if key in changes and changes[key] is None:
            raise Invalid("error.required", field=key)
    if "kind" in changes:
        item.confidential_category = _check_kind(session, viewer, meeting, changes["kind"], rules)
    if "decision_id" in changes:
        _check_decision(session, viewer, changes["decision_id"])
    for key, value in changes.items():
        setattr(item, key, value)
    register.record(session, action="agenda_item.updated", object_type="agenda_item",
                    object_id=item.id, actor_id=viewer.id, before=before, after=_item_snapshot(item),
                    confidential_category=item.confidential_category or meeting.confidential_category,
                    body_id=meeting.body_id)
    session.commit()
    return item


def reorder_items(session: Session, viewer: Viewer, meeting_id: int, item_ids: list[int]) -> Meeting:
    """Put the items the viewer sees in the given order. Every visible item must be listed
    once; items the viewer may not see keep their places (and are never named)."""
    meeting = get_meeting(session, viewer, meeting_id)
    _check_manage(session, viewer, meeting)
    visible = [item for _, item in visible_items(meeting, viewer)]
    by_id = {i.id: i for i in visible}
    unknown = [i for i in item_ids if i not in by_id]
    if unknown:
        raise Invalid("committees.error.reorder_unknown", field="item_ids",
                      ids=", ".join(str(i) for i in unknown[:20]))
    if len(set(item_ids)) != len(item_ids) or set(item_ids) != set(by_id):
        raise Invalid("committees.error.reorder_incomplete", field="item_ids")
    slots = sorted(i.position for i in visible)
    before = [i.id for i in visible]
    for slot, item_id in zip(slots, item_ids, strict=True):
        by_id[item_id].position = slot
    # The order names item ids: when the agenda holds an in-camera item, the event is read
    # only by those who may see it (a staff reader must not even count the ids).
    hidden = next((i.confidential_category for i in meeting.items if i.confidential_category), None)
    register.record(session, action="agenda.reordered", object_type="meeting", object_id=meeting.id,
                    actor_id=viewer.id, before={"order": before}, after={"order": item_ids},
                    confidential_category=meeting.confidential_category or hidden,
                    body_id=meeting.body_id)
    session.commit()
    session.refresh(meeting)
    return meeting


def move_item(session: Session, viewer: Viewer, meeting_id: int, item_id: int, step: int) -> Meeting:
    """One step up (-1) or down (+1) among the visible items (the page's buttons)."""
    meeting = get_meeting(session, viewer, meeting_id)
    ids = [item.id for _, item in visible_items(meeting, viewer)]
    if item_id not in ids:
        raise NotFound("committees.error.item_not_found")
    index = ids.index(item_id)
    target = index + step
    if 0 <= target < len(ids):
        ids[index], ids[target] = ids[target], ids[index]
    return reorder_items(session, viewer, meeting_id, ids)


# --- decisions (read defensively from the decisions area) ---------------------------------

def _decision_model():
    try:
        from api.decisions.models import Decision
    except ImportError:
        return None
    return Decision


def load_decision(session: Session, viewer: Viewer, decision_id: int):
    model = _decision_model()
    if model is None:
        return None
    decision = session.get(model, decision_id)
    if decision is None or not viewer.can_see(getattr(decision, "confidential_category", None),
                                              getattr(decision, "body_id", None)):
        return None
    return decision


def link_minutes_decision(session: Session, viewer: Viewer, meeting_id: int, decision_id: int) -> Meeting:
    meeting = get_meeting(session, viewer, meeting_id)
    _check_manage(session, viewer, meeting)
    decision = load_decision(session, viewer, decision_id)
    if decision is None:
        raise Invalid("committees.error.decision_not_found", field="decision_id")
    if decision.kind != "minutes_approval":
        raise Invalid("committees.error.not_minutes_decision", field="decision_id")
    taken = session.execute(select(Meeting.id).where(Meeting.minutes_decision_id == decision.id,
                                                     Meeting.id != meeting.id)).first()
    if taken:
        raise Conflict("committees.error.decision_taken", field="decision_id")
    before = {"minutes_decision_id": meeting.minutes_decision_id}
    meeting.minutes_decision_id = decision.id
    register.record(session, action="meeting.minutes_decision", object_type="meeting",
                    object_id=meeting.id, actor_id=viewer.id, before=before,
                    after={"minutes_decision_id": decision.id},
                    confidential_category=meeting.confidential_category, body_id=meeting.body_id)
    session.commit()
    return meeting


def _decision_row(d: Any, lang: str) -> dict:
    return {"id": d.id, "title": d.title, "kind": d.kind, "state": d.state,
            "closed_at": getattr(d, "closed_at", None) or getattr(d, "closes_at", None),
            "meeting_id": getattr(d, "meeting_id", None)}


def _previous_meeting_start(session: Session, meeting: Meeting) -> datetime | None:
    return session.execute(
        select(func.max(Meeting.starts_at)).where(Meeting.body_id == meeting.body_id,
                                                  Meeting.starts_at < meeting.starts_at)
    ).scalar_one()


def meeting_decisions(session: Session, viewer: Viewer, meeting: Meeting, rules: GovernanceRules,
                      public: bool = False) -> tuple[list[dict], list[dict]]:
    """(decisions taken in this meeting, online decisions closed since the body's previous
    meeting), both filtered for the viewer (and without confidential ones when `public`)."""
    model = _decision_model()
    if model is None:
        return [], []
    visible = viewer.visible(model.confidential_category, model.body_id)
    stmt = select(model).where(visible)
    if public:
        stmt = stmt.where(model.confidential_category.is_(None))
    in_meeting = session.execute(stmt.where(model.meeting_id == meeting.id)
                                 .order_by(model.id)).scalars().all()
    finals = {s for wf in rules.workflows.values() for s in wf.final}
    start = _previous_meeting_start(session, meeting) or (as_utc(meeting.starts_at) - timedelta(days=31))
    online = session.execute(
        stmt.where(model.meeting_id.is_(None), model.body_id == meeting.body_id,
                   model.closed_at.is_not(None), model.closed_at > start,
                   model.closed_at <= meeting.starts_at, model.state.in_(finals))
        .order_by(model.closed_at)).scalars().all()
    return ([_decision_row(d, viewer.lang) for d in in_meeting],
            [_decision_row(d, viewer.lang) for d in online])


def minutes(session: Session, viewer: Viewer, meeting_id: int, rules: GovernanceRules,
            public: bool = False) -> dict:
    """One record, two versions: complete for members; without in-camera items for staff
    (always) and for the partners' report (`public`)."""
    meeting = get_meeting(session, viewer, meeting_id)
    items = visible_items(meeting, viewer, public=public)
    in_meeting, online = meeting_decisions(session, viewer, meeting, rules, public=public)
    attendance = sorted(meeting.attendance, key=lambda a: (a.status, a.person.name))
    return {"meeting": meeting, "items": items, "attendance": attendance,
            "quorum": meeting_quorum(session, meeting, rules),
            "decisions_in_meeting": in_meeting, "decisions_online": online,
            # The label depends on the viewer's rights only, never on what the record holds.
            "public": public or not viewer.can_see("in_camera", meeting.body_id)}


# --- partners' committee packet ------------------------------------------------------------

def packet(session: Session, viewer: Viewer, meeting_id: int, rules: GovernanceRules,
           public: bool = False) -> dict:
    """Activity and financial summary of the period before a partners' committee meeting
    (since its previous meeting, else six months). Other areas are read if present; every
    row goes through the viewer's visibility, and `public` drops confidential ones."""
    from api.register.models import RegisterEvent

    meeting = get_meeting(session, viewer, meeting_id)
    end = as_utc(meeting.starts_at)
    start = _previous_meeting_start(session, meeting) or (end - timedelta(days=183))

    def allowed(category: str | None, body_id: int | None) -> bool:
        return viewer.can_see(category, body_id) and not (public and category is not None)

    result: dict[str, Any] = {"meeting": meeting, "start": start, "end": end, "decisions": [],
                              "grants": [], "reports": [], "splits": [], "grants_total": 0,
                              "splits_total": 0, "areas": set()}
    model = _decision_model()
    if model is not None:
        result["areas"].add("decisions")
        adopted = set()
        for name in rules.workflows:
            adopted |= adopted_states(rules, name)
        for d in session.execute(select(model).where(
                model.closed_at > start, model.closed_at <= end, model.state.in_(adopted))
                .order_by(model.closed_at)).scalars():
            if allowed(d.confidential_category, d.body_id):
                result["decisions"].append(_decision_row(d, viewer.lang))

    def events(action_suffix: str, types: tuple[str, ...]):
        return session.execute(select(RegisterEvent).where(
            RegisterEvent.object_type.in_(types), RegisterEvent.action.like(f"%.{action_suffix}"),
            RegisterEvent.occurred_at > start, RegisterEvent.occurred_at <= end)
            .order_by(RegisterEvent.seq)).scalars().all()

    try:
        from api.grants.models import GrantApplication
    except ImportError:
        GrantApplication = None  # noqa: N806
    if GrantApplication is not None:
        result["areas"].add("grants")
        seen: set[int] = set()
        for ev in events("award", ("grant_application", "grant")):
            grant = session.get(GrantApplication, ev.object_id)
            if grant is None or grant.id in seen:
                continue
            if allowed(getattr(grant, "confidential_category", None), getattr(grant, "body_id", None)):
                seen.add(grant.id)
                amount = getattr(grant, "amount_awarded_cents", None) or 0
                result["grants"].append({"id": grant.id, "title": grant.title, "amount_cents": amount})
                result["grants_total"] += amount
        for ev in events("submit", ("report", "grant_report")):
            if allowed(ev.confidential_category, ev.body_id):
                result["reports"].append({"id": ev.object_id, "at": ev.occurred_at})
    try:
        from api.feesplit.models import FeeSplit
    except ImportError:
        FeeSplit = None  # noqa: N806
    if FeeSplit is not None:
        result["areas"].add("feesplit")
        for split in session.execute(select(FeeSplit).where(
                FeeSplit.recorded_at.is_not(None), FeeSplit.recorded_at > start,
                FeeSplit.recorded_at <= end).order_by(FeeSplit.recorded_at)).scalars():
            if allowed(split.confidential_category, split.body_id):
                result["splits"].append({"id": split.id, "period": split.period,
                                         "amount_cents": split.amount_cents,
                                         "recorded_at": split.recorded_at})
                result["splits_total"] += split.amount_cents
    return result


# --- small queries for pages ---------------------------------------------------------------

def sub_committees(session: Session) -> list[Body]:
    return list(session.execute(select(Body).where(Body.kind == BodyKind.sub_committee)
                                .order_by(Body.id)).scalars())


def my_tasks(session: Session, viewer: Viewer, rules: GovernanceRules) -> list[Task]:
    closed = closed_task_states(rules)
    stmt = list_tasks(viewer, owner_id=viewer.id).where(Task.state.not_in(closed))
    return list(session.execute(stmt).scalars())


def open_task_counts(session: Session, viewer: Viewer, rules: GovernanceRules) -> dict[int, int]:
    closed = closed_task_states(rules)
    rows = session.execute(
        select(Task.body_id, func.count()).where(
            viewer.visible(Task.confidential_category, Task.body_id), Task.state.not_in(closed))
        .group_by(Task.body_id)).all()
    return dict(rows)


def active_people(session: Session) -> list[Person]:
    return list(session.execute(select(Person).where(Person.is_active.is_(True))
                                .order_by(Person.name)).scalars())


def board_owner_choices(session: Session, body: Body, rules: GovernanceRules) -> list[Person]:
    """People who may own a task of this board: everyone for an open board; for an
    in-camera board only people who may see it."""
    category = body_category(rules, body)
    people = active_people(session)
    if category is None:
        return people
    today = _today(session)
    return [p for p in people if load_viewer(session, p, today).can_see(category, body.id)]

