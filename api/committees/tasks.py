"""Sub-committee tasks: boards, owners, comments, hours logged and the workload they make.

Invariants:
* A task moves only through the workflow engine (`move_task`, the transitions route), judged
  by the rules in force; blocking keeps its reason, unblocking clears it.
* A task of a confidential sub-committee (hr, funding) carries the body's category: it is
  filtered with the viewer everywhere, an invisible id is a 404, and its owners must be able
  to see it (no staff observer owns an in-camera task).
* Every change lands in the register and re-plans the task's reminders in the same unit of
  work. Services flush, never commit.
* Hours are exact Decimals (two places), counted for the organisation of the person who
  worked them; `workload_by_organisation` gives totals only, never a task's detail.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from api.collective.models import Body, BodyKind, Organisation, Person
from api.committees import deadlines
from api.committees.common import (
    blocked_task_states,
    body_and_parent,
    body_category,
    closed_task_states,
    to_utc,
    viewer_for,
)
from api.committees.models import Meeting, Task, TaskComment, TaskTimeEntry
from api.committees.schemas import CommentIn, TaskIn, TaskPatch, TimeEntryIn
from api.context import Context
from api.decisions.models import Decision
from api.errors import Forbidden, Invalid, NotFound
from api.grants.models import Funder, GrantApplication, Report
from api.i18n import t
from api.register import service as register
from api.timeutil import as_utc, local, now
from workflows.engine import Fired, WorkflowError

HUNDREDTH = Decimal("0.01")
TASK_FIELDS = ["title", "description", "due_at", "priority", "link_type", "link_id", "body_id"]


# --- the workflow binding --------------------------------------------------------------------

def task_roles(ctx: Context, task: Task, actor: Any) -> set[str]:
    """owner (of this task), member (of its board or of the executive committee above it)."""
    viewer = viewer_for(ctx, actor)
    roles: set[str] = set()
    if any(p.id == viewer.id for p in task.owners):
        roles.add("owner")
    if set(body_and_parent(ctx.session, task.body_id)) & viewer.member_body_ids:
        roles.add("member")
    return roles


def after_transition(ctx: Context, fired: Fired) -> None:
    """Keep the block's reason, then re-plan the task's reminders."""
    task: Task = fired.obj
    blocked = blocked_task_states(ctx.rules)
    if fired.dest in blocked:
        task.blocked_reason = str(fired.params.get("reason") or "").strip()[:2000]
    elif fired.source in blocked:
        task.blocked_reason = None
    task.updated_at = now()
    deadlines.sync_task(ctx, task)


# --- reading ---------------------------------------------------------------------------------

def get_task(ctx: Context, task_id: int) -> Task:
    task = ctx.session.get(Task, task_id)
    if task is None or not ctx.viewer.can_see(task.confidential_category, task.body_id):
        raise NotFound("committees.error.task_not_found")
    return task


def list_tasks(ctx: Context, body_id: int | None = None, owner_id: int | None = None,
               state: str | None = None):
    """The tasks the viewer may see, soonest due first (a statement, for pagination)."""
    viewer = ctx.viewer
    stmt = (select(Task).where(viewer.visible(Task.confidential_category, Task.body_id))
            .options(selectinload(Task.owners)))
    if body_id is not None:
        stmt = stmt.where(Task.body_id == body_id)
    if owner_id is not None:
        stmt = stmt.where(Task.owners.any(Person.id == owner_id))
    if state is not None:
        stmt = stmt.where(Task.state == state)
    return stmt.order_by(Task.due_at.is_(None), Task.due_at, Task.id)


def can_manage_body(ctx: Context, body_id: int) -> bool:
    viewer = ctx.viewer
    return viewer.is_admin or bool(set(body_and_parent(ctx.session, body_id)) & viewer.member_body_ids)


def get_board_body(ctx: Context, body_id: int) -> Body:
    body = ctx.session.get(Body, body_id)
    if body is None or body.kind != BodyKind.sub_committee \
            or not ctx.viewer.can_see(body_category(ctx.rules, body), body.id):
        raise NotFound("committees.error.board_not_found")
    return body


def sub_committees(ctx: Context) -> list[Body]:
    return list(ctx.session.execute(select(Body).where(Body.kind == BodyKind.sub_committee)
                                    .order_by(Body.id)).scalars())


def my_tasks(ctx: Context) -> list[Task]:
    stmt = list_tasks(ctx, owner_id=ctx.viewer.id).where(Task.state.not_in(closed_task_states(ctx.rules)))
    return list(ctx.session.execute(stmt).scalars())


def open_task_counts(ctx: Context) -> dict[int, int]:
    rows = ctx.session.execute(
        select(Task.body_id, func.count()).where(
            ctx.viewer.visible(Task.confidential_category, Task.body_id),
            Task.state.not_in(closed_task_states(ctx.rules)))
        .group_by(Task.body_id)).all()
    return dict(rows)


def board_owner_choices(ctx: Context, body: Body) -> list[Person]:
    """People who may own a task of this board: everyone for an open board; for an
    in-camera board only people who may see it."""
    category = body_category(ctx.rules, body)
    people = list(ctx.session.execute(select(Person).where(Person.is_active.is_(True))
                                      .order_by(Person.name)).scalars())
    if category is None:
        return people
    return [p for p in people if ctx.viewer_of(p).can_see(category, body.id)]


LINK_CHOICES_LIMIT = 200


def link_choices(ctx: Context, body: Body) -> list[tuple[str, list[tuple[str, str]]]]:
    """What a task may be about, by name instead of an id number: for each link type, the
    items the viewer sees as ("<type>:<id>", name), newest first. The form offers them as one
    choice; `split_link` turns the choice back into (link_type, link_id)."""
    viewer, session, lang = ctx.viewer, ctx.session, ctx.lang
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    grants = session.execute(
        select(GrantApplication.id, GrantApplication.title, Funder.name)
        .join(Funder, Funder.id == GrantApplication.funder_id)
        .where(viewer.visible(GrantApplication.confidential_category, GrantApplication.body_id))
        .order_by(GrantApplication.id.desc()).limit(LINK_CHOICES_LIMIT)).all()
    groups.append(("grant_application", [(f"grant_application:{i}", f"{funder} — {title}")
                                         for i, title, funder in grants]))
    reports = session.execute(
        select(Report.id, Report.due_date, GrantApplication.title, Funder.name)
        .join(GrantApplication, GrantApplication.id == Report.application_id)
        .join(Funder, Funder.id == GrantApplication.funder_id)
        .where(viewer.visible(GrantApplication.confidential_category, GrantApplication.body_id))
        .order_by(Report.due_date.desc()).limit(LINK_CHOICES_LIMIT)).all()
    groups.append(("report", [(f"report:{i}", t("committees.link.report_name", lang, funder=funder,
                                                 title=title, due=due.isoformat()))
                              for i, due, title, funder in reports]))
    decisions = session.execute(
        select(Decision.id, Decision.title)
        .where(viewer.visible(Decision.confidential_category, Decision.body_id))
        .order_by(Decision.id.desc()).limit(LINK_CHOICES_LIMIT)).all()
    groups.append(("decision", [(f"decision:{i}", title) for i, title in decisions]))
    meetings = session.execute(
        select(Meeting.id, Meeting.title, Meeting.starts_at)
        .where(viewer.visible(Meeting.confidential_category, Meeting.body_id))
        .order_by(Meeting.starts_at.desc()).limit(LINK_CHOICES_LIMIT)).all()
    groups.append(("meeting", [(f"meeting:{i}", f"{title} ({local(starts, ctx.tz).date().isoformat()})")
                               for i, title, starts in meetings]))
    return [(kind, items) for kind, items in groups if items]


def decision_choices(ctx: Context, body_id: int) -> list[tuple[int, str]]:
    """The decisions of a body the viewer sees, by title, newest first (agenda items and
    minutes are linked to a decision chosen by name, not by its number)."""
    return [(i, title) for i, title in ctx.session.execute(
        select(Decision.id, Decision.title)
        .where(Decision.body_id == body_id, ctx.viewer.visible(Decision.confidential_category, Decision.body_id))
        .order_by(Decision.id.desc()).limit(LINK_CHOICES_LIMIT))]


def split_link(raw: str | None) -> tuple[str | None, str | None]:
    """A "<type>:<id>" choice as (link_type, link_id) text for the form's parser; blank is
    no link; anything else is kept for the parser to refuse."""
    text = (raw or "").strip()
    if not text:
        return None, None
    kind, _, number = text.partition(":")
    return kind[:64], number[:20]


# --- writing ---------------------------------------------------------------------------------

def _board_body(ctx: Context, body_id: int, field: str = "body_id") -> Body:
    body = ctx.session.get(Body, body_id)
    if body is None or body.kind != BodyKind.sub_committee:
        raise Invalid("committees.error.not_sub_committee", field=field)
    return body


def _owners(ctx: Context, ids: list[int], category: str | None, body_id: int) -> list[Person]:
    people = []
    for pid in dict.fromkeys(ids):
        person = ctx.session.get(Person, pid)
        if person is None or not person.is_active:
            raise Invalid("committees.error.owner_unknown", field="owner_ids", id=pid)
        # An owner must be able to see the task (no staff owner on an in-camera board).
        if not ctx.viewer_of(person).can_see(category, body_id):
            raise Invalid("committees.error.owner_cannot_see", field="owner_ids", name=person.name)
        people.append(person)
    return people


def _due_warnings(due_at: datetime | None, lang: str) -> list[dict]:
    if due_at is not None and as_utc(due_at) < now():
        return [{"code": "committees.warning.due_in_past", "field": "due_at",
                 "message": t("committees.warning.due_in_past", lang)}]
    return []


def _task_snapshot(task: Task) -> dict:
    data = {f: getattr(task, f) for f in TASK_FIELDS}
    data["owner_ids"] = [p.id for p in task.owners]
    return data


def create_task(ctx: Context, data: TaskIn) -> tuple[Task, list[dict]]:
    """A task on a sub-committee's board, drafted by the viewer; (task, warnings)."""
    viewer, rules = ctx.viewer, ctx.rules
    body = _board_body(ctx, data.body_id)
    category = body_category(rules, body)
    if not viewer.can_see(category, body.id):
        raise Invalid("committees.error.not_sub_committee", field="body_id")
    if not can_manage_body(ctx, body.id):
        raise Forbidden("committees.error.not_member")
    due_at = to_utc(data.due_at, ctx.tz)
    task = Task(body_id=body.id, title=data.title, description=data.description, due_at=due_at,
                priority=data.priority, link_type=data.link_type, link_id=data.link_id,
                state=rules.workflows["task"].initial, confidential_category=category,
                created_by_id=viewer.id)
    task.owners = _owners(ctx, data.owner_ids, category, body.id)
    ctx.session.add(task)
    ctx.session.flush()
    register.record_for(ctx, task, "task.created", object_type="task", after=_task_snapshot(task))
    deadlines.sync_task(ctx, task)
    return task, _due_warnings(due_at, viewer.lang)


def hand_off_task(ctx: Context, *, parent_body_id: int, category: str | None, title: str,
                  description: str, owners: list[Person], link_type: str, link_id: int,
                  due_at: datetime) -> Task | None:
    """A task put by the system (no member check: the viewer who caused it may not be a
    member of the board) on the board of a sub-committee of `parent_body_id` (the one whose
    category is `category` first), owned by those of `owners` who can see it; None when
    there is no such board or nobody to own it. An open task with the same link is not
    duplicated. Recorded in the register and planned in the reminders like any task."""
    boards = list(ctx.session.execute(
        select(Body).where(Body.parent_id == parent_body_id, Body.kind == BodyKind.sub_committee)
        .order_by(Body.id)).scalars())
    boards.sort(key=lambda b: body_category(ctx.rules, b) != category)
    body = next((b for b in boards if body_category(ctx.rules, b) in (category, None)), None)
    if body is None:
        return None
    board_category = body_category(ctx.rules, body)
    # The task is as confidential as what it is about.
    task_category = category or board_category
    people = [p for p in owners if p.is_active and ctx.viewer_of(p).can_see(task_category, body.id)]
    if not people:
        return None
    existing = ctx.session.execute(
        select(Task).where(Task.link_type == link_type, Task.link_id == link_id,
                           Task.state.not_in(closed_task_states(ctx.rules)))).scalars().first()
    if existing is not None:
        return existing
    task = Task(body_id=body.id, title=title[:200], description=description, due_at=as_utc(due_at),
                priority="high", link_type=link_type, link_id=link_id,
                state=ctx.rules.workflows["task"].initial, confidential_category=task_category,
                created_by_id=ctx.actor_id)
    task.owners = people
    ctx.session.add(task)
    ctx.session.flush()
    register.record_for(ctx, task, "task.created", object_type="task", after=_task_snapshot(task))
    deadlines.sync_task(ctx, task)
    return task


def complete_linked_tasks(ctx: Context, link_type: str, link_id: int, actor: Any) -> int:
    """Complete the open tasks linked to an object once what they asked for is done (a vote
    handed off is opened), as `actor` when the rules let them, else left for their owners."""
    done = 0
    for task in ctx.session.execute(
            select(Task).where(Task.link_type == link_type, Task.link_id == link_id,
                               Task.state.not_in(closed_task_states(ctx.rules)))).scalars().all():
        if actor is None:
            continue
        triggers = ctx.registry.engine.allowed_triggers(ctx, task, actor, ctx.rules, "task")
        if "complete" not in triggers:
            continue
        try:
            ctx.registry.engine.fire(ctx, task, "complete", actor, ctx.rules, "task", {})
        except WorkflowError:
            continue
        done += 1
    return done


def _check_can_edit(ctx: Context, task: Task) -> None:
    viewer = ctx.viewer
    if not (viewer.is_admin or "member" in task_roles(ctx, task, viewer)
            or any(p.id == viewer.id for p in task.owners)):
        raise Forbidden("committees.error.not_member")


def update_task(ctx: Context, task_id: int, data: TaskPatch) -> tuple[Task, list[dict]]:
    """Change what the patch names (a None clears an optional field); checks first, so a
    refused patch leaves the task untouched."""
    task = get_task(ctx, task_id)
    _check_can_edit(ctx, task)
    before = _task_snapshot(task)
    changes = data.model_dump(exclude_unset=True)
    warnings: list[dict] = []
    if "title" in changes and changes["title"] is None:
        raise Invalid("error.required", field="title")
    if "priority" in changes and changes["priority"] is None:
        raise Invalid("error.required", field="priority")
    if (changes.get("link_type", task.link_type) is None) != (changes.get("link_id", task.link_id) is None):
        raise Invalid("committees.error.link_pair", field="link_id")
    if "owner_ids" in changes:
        owners = _owners(ctx, changes.pop("owner_ids") or [], task.confidential_category, task.body_id)
        task.owners = owners
    if "due_at" in changes:
        changes["due_at"] = to_utc(changes["due_at"], ctx.tz)
        warnings = _due_warnings(changes["due_at"], ctx.viewer.lang)
    for key, value in changes.items():
        setattr(task, key, value)
    task.updated_at = now()
    register.record_for(ctx, task, "task.updated", object_type="task", before=before,
                        after=_task_snapshot(task))
    deadlines.sync_task(ctx, task)
    return task, warnings


def delete_task(ctx: Context, task_id: int) -> None:
    task = get_task(ctx, task_id)
    if not (ctx.viewer.is_admin or "member" in task_roles(ctx, task, ctx.viewer)):
        raise Forbidden("committees.error.not_member")
    register.record_for(ctx, task, "task.deleted", object_type="task", before=_task_snapshot(task))
    deadlines.cancel_task(ctx, task.id)
    ctx.session.delete(task)
    ctx.session.flush()


DESTRUCTIVE_TRIGGERS = {"cancel"}


def move_task(ctx: Context, task_id: int, trigger: str, params: dict) -> Task:
    """Fire a trigger as the viewer, judged by the rules in force. A destructive move
    (cancelling) asks for a confirmation and a reason, kept in the register with the move."""
    task = get_task(ctx, task_id)
    if trigger in DESTRUCTIVE_TRIGGERS and "confirm" in params:
        if not params.get("confirm"):
            raise Invalid("committees.error.confirm_needed", field="confirm")
        if not str(params.get("reason") or "").strip():
            raise Invalid("committees.error.reason_needed", field="reason")
        params = {"reason": str(params["reason"]).strip()[:2000]}
    ctx.registry.engine.fire(ctx, task, trigger, ctx.viewer.person, ctx.rules, "task", params)
    ctx.session.flush()
    return task


def add_comment(ctx: Context, task_id: int, data: CommentIn) -> TaskComment:
    task = get_task(ctx, task_id)
    comment = TaskComment(author_id=ctx.viewer.id, text=data.text)
    task.comments.append(comment)
    ctx.session.flush()
    register.record_for(ctx, task, "task.commented", object_type="task", after={"comment_id": comment.id})
    return comment


def add_time_entry(ctx: Context, task_id: int, data: TimeEntryIn) -> TaskTimeEntry:
    """Hours on a task: one's own (owners and members), or someone else's (members)."""
    viewer = ctx.viewer
    task = get_task(ctx, task_id)
    person_id = data.person_id or viewer.id
    if person_id != viewer.id and not (viewer.is_admin or "member" in task_roles(ctx, task, viewer)):
        raise Forbidden("committees.error.not_member")
    if person_id == viewer.id and not (viewer.is_admin or task_roles(ctx, task, viewer)):
        raise Forbidden("committees.error.not_member")
    person = ctx.session.get(Person, person_id)
    if person is None:
        raise Invalid("error.person_not_found", field="person_id")
    entry = TaskTimeEntry(person_id=person.id, organisation_id=person.organisation_id,
                          hours=data.hours, on_date=data.on_date, note=data.note)
    task.time_entries.append(entry)
    ctx.session.flush()
    register.record_for(ctx, task, "task.time_logged", object_type="task",
                        after={"entry_id": entry.id, "person_id": person.id, "hours": str(data.hours),
                               "on_date": data.on_date.isoformat(),
                               "organisation_id": person.organisation_id})
    return entry


# --- workload --------------------------------------------------------------------------------

def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _sum_hours(rows) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = {}
    for org_id, hours in rows:
        totals[org_id] = totals.get(org_id, Decimal("0")) + Decimal(str(hours)).quantize(HUNDREDTH)
    return totals


def workload_by_organisation(ctx: Context, start: date | datetime,
                             end: date | datetime) -> dict[int, Decimal]:
    """Hours logged on tasks per organisation, for days from `start` to `end` inclusive.

    Exact Decimal sums (never float), usable as fee-split weights; organisations without
    hours are absent. Totals only: no task title or confidential detail comes out."""
    return _sum_hours(ctx.session.execute(
        select(TaskTimeEntry.organisation_id, TaskTimeEntry.hours)
        .where(TaskTimeEntry.on_date >= _as_date(start), TaskTimeEntry.on_date <= _as_date(end),
               TaskTimeEntry.organisation_id.is_not(None))).all())


def workload_view(ctx: Context, start: date, end: date) -> list[dict]:
    """Per organisation: open tasks owned by its people and hours logged in the period,
    counting only the tasks this viewer may see."""
    if end < start:
        raise Invalid("committees.error.period", field="end")
    session = ctx.session
    visible = ctx.viewer.visible(Task.confidential_category, Task.body_id)
    hours = _sum_hours(session.execute(
        select(TaskTimeEntry.organisation_id, TaskTimeEntry.hours)
        .join(Task, Task.id == TaskTimeEntry.task_id)
        .where(TaskTimeEntry.on_date >= start, TaskTimeEntry.on_date <= end,
               TaskTimeEntry.organisation_id.is_not(None), visible)).all())
    open_tasks = dict(session.execute(
        select(Person.organisation_id, func.count(func.distinct(Task.id)))
        .select_from(Task).join(Task.owners)
        .where(visible, Task.state.not_in(closed_task_states(ctx.rules)),
               Person.organisation_id.is_not(None))
        .group_by(Person.organisation_id)).all())
    orgs = session.execute(select(Organisation).order_by(Organisation.name)).scalars().all()
    return [{"organisation_id": o.id, "organisation": o.name,
             "open_tasks": int(open_tasks.get(o.id, 0)), "hours": hours.get(o.id, Decimal("0.00"))}
            for o in orgs if o.id in hours or o.id in open_tasks]
