"""JSON API: sub-committee tasks (comments, hours, workload) and meetings (attendance,
agenda, minutes). In-camera items and confidential tasks never reach a staff observer."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from api.committees import meetings, tasks
from api.committees.common import allowed_triggers, body_category, closed_task_states, is_overdue
from api.committees.models import AgendaItem, Meeting, MeetingAttendance, Task, TaskComment, TaskTimeEntry
from api.committees.schemas import (
    AgendaItemIn,
    AgendaItemOut,
    AgendaItemPatch,
    AgendaOut,
    AttendanceIn,
    AttendanceList,
    AttendanceOut,
    AttendanceSavedOut,
    CommentIn,
    CommentList,
    CommentOut,
    CommitteeList,
    CommitteeOut,
    DecisionRowOut,
    HoursWorkloadOut,
    HoursWorkloadRowOut,
    MeetingIn,
    MeetingOut,
    MeetingPatch,
    MinutesDecisionIn,
    MinutesOut,
    ReorderIn,
    TaskIn,
    TaskOut,
    TaskPatch,
    TaskSavedOut,
    TimeEntryIn,
    TimeEntryList,
    TimeEntryOut,
)
from api.context import Context
from api.deps import ViewerCtx
from api.errors import ERROR_RESPONSES
from api.pagination import PageParams, page_params, paginate
from api.schemas import MAX_ID, Day, Id, Page, query_line
from api.timeutil import as_utc, local
from api.workflow_routes import add_transition_route

router = APIRouter(prefix="/api/v1", tags=["committees"], responses=ERROR_RESPONSES)
Paging = Annotated[PageParams, Depends(page_params)]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]  # an id in the query string


def _utc(value):
    return as_utc(value) if value is not None else None


# --- tasks -----------------------------------------------------------------------------------

def task_out(ctx: Context, task: Task) -> TaskOut:
    closed = closed_task_states(ctx.rules)
    return TaskOut(
        id=task.id, body_id=task.body_id, title=task.title, description=task.description,
        due_at=_utc(task.due_at), due_local=local(task.due_at, ctx.tz) if task.due_at else None,
        overdue=is_overdue(task, closed), priority=task.priority,
        owners=[{"id": p.id, "name": p.name} for p in task.owners],
        link={"type": task.link_type, "id": task.link_id} if task.link_type else None,
        state=task.state, blocked_reason=task.blocked_reason,
        confidential_category=task.confidential_category,
        allowed_transitions=allowed_triggers(ctx, task, "task"),
        comments=len(task.comments), created_at=as_utc(task.created_at))


def _saved(ctx: Context, task: Task, warnings: list[dict]) -> TaskSavedOut:
    return TaskSavedOut(**task_out(ctx, task).model_dump(), warnings=warnings)


add_transition_route(router, "tasks", "task", tasks.get_task)
add_transition_route(router, "meetings", "meeting", meetings.get_meeting)


@router.get("/tasks", response_model=Page[TaskOut])
def list_tasks(params: Paging, ctx: ViewerCtx, body_id: QueryId = None,
               owner_id: QueryId = None, state: query_line(32) = None):
    stmt = tasks.list_tasks(ctx, body_id=body_id, owner_id=owner_id, state=state)
    return paginate(ctx.session, stmt, params, lambda t: task_out(ctx, t))


@router.post("/tasks", status_code=201, response_model=TaskSavedOut)
def create_task(data: TaskIn, ctx: ViewerCtx) -> TaskSavedOut:
    task, warnings = tasks.create_task(ctx, data)
    return _saved(ctx, task, warnings)


@router.get("/tasks/{task_id}", response_model=TaskOut)
def get_task(task_id: Id, ctx: ViewerCtx) -> TaskOut:
    return task_out(ctx, tasks.get_task(ctx, task_id))


@router.patch("/tasks/{task_id}", response_model=TaskSavedOut)
def update_task(task_id: Id, data: TaskPatch, ctx: ViewerCtx) -> TaskSavedOut:
    task, warnings = tasks.update_task(ctx, task_id, data)
    return _saved(ctx, task, warnings)


@router.delete("/tasks/{task_id}", status_code=204, response_class=Response)
def delete_task(task_id: Id, ctx: ViewerCtx) -> Response:
    tasks.delete_task(ctx, task_id)
    return Response(status_code=204)


def _comment_out(c: TaskComment) -> CommentOut:
    return CommentOut(id=c.id, author={"id": c.author_id, "name": c.author.name if c.author else None},
                      text=c.text, created_at=as_utc(c.created_at))


@router.get("/tasks/{task_id}/comments", response_model=CommentList)
def list_comments(task_id: Id, ctx: ViewerCtx) -> CommentList:
    return CommentList(items=[_comment_out(c) for c in tasks.get_task(ctx, task_id).comments])


@router.post("/tasks/{task_id}/comments", status_code=201, response_model=CommentOut)
def add_comment(task_id: Id, data: CommentIn, ctx: ViewerCtx) -> CommentOut:
    return _comment_out(tasks.add_comment(ctx, task_id, data))


def _entry_out(e: TaskTimeEntry) -> TimeEntryOut:
    return TimeEntryOut(id=e.id, person_id=e.person_id, organisation_id=e.organisation_id,
                        hours=str(e.hours), on_date=e.on_date, note=e.note)


@router.get("/tasks/{task_id}/time-entries", response_model=TimeEntryList)
def list_time_entries(task_id: Id, ctx: ViewerCtx) -> TimeEntryList:
    return TimeEntryList(items=[_entry_out(e) for e in tasks.get_task(ctx, task_id).time_entries])


@router.post("/tasks/{task_id}/time-entries", status_code=201, response_model=TimeEntryOut)
def add_time_entry(task_id: Id, data: TimeEntryIn, ctx: ViewerCtx) -> TimeEntryOut:
    return _entry_out(tasks.add_time_entry(ctx, task_id, data))


@router.get("/committees", response_model=CommitteeList)
def list_committees(ctx: ViewerCtx) -> CommitteeList:
    viewer, counts = ctx.viewer, tasks.open_task_counts(ctx)
    items = []
    for body in tasks.sub_committees(ctx):
        visible = viewer.can_see(body_category(ctx.rules, body), body.id)
        items.append(CommitteeOut(id=body.id, key=body.key, name=body.name(viewer.lang),
                                  mandate=body.mandate(viewer.lang), board_visible=visible,
                                  open_tasks=counts.get(body.id, 0) if visible else None))
    return CommitteeList(items=items)


@router.get("/committees/workload", response_model=HoursWorkloadOut)
def workload(ctx: ViewerCtx, start: Day | None = None, end: Day | None = None) -> HoursWorkloadOut:
    end = end or ctx.today
    start = start or (end - timedelta(days=182))
    rows = tasks.workload_view(ctx, start, end)
    return HoursWorkloadOut(start=start, end=end, unit="hours",
                       items=[HoursWorkloadRowOut(**{**r, "hours": str(r["hours"])}) for r in rows])


# --- meetings --------------------------------------------------------------------------------

def meeting_out(ctx: Context, meeting: Meeting) -> MeetingOut:
    return MeetingOut(
        id=meeting.id, body_id=meeting.body_id, title=meeting.title,
        starts_at=as_utc(meeting.starts_at), ends_at=_utc(meeting.ends_at),
        place=meeting.place, video_url=meeting.video_url, state=meeting.state,
        confidential_category=meeting.confidential_category,
        minutes_decision_id=meeting.minutes_decision_id,
        agenda_items=len(meetings.visible_items(meeting, ctx.viewer)),
        quorum=meetings.meeting_quorum(ctx, meeting),
        allowed_transitions=allowed_triggers(ctx, meeting, "meeting"))


def item_out(number: int, item: AgendaItem) -> AgendaItemOut:
    return AgendaItemOut(id=item.id, number=number, title=item.title, kind=item.kind,
                         in_camera=item.confidential_category is not None,
                         description=item.description, minutes=item.minutes, decision_id=item.decision_id)


def _numbered(ctx: Context, meeting: Meeting, item: AgendaItem) -> AgendaItemOut:
    numbers = {i.id: n for n, i in meetings.visible_items(meeting, ctx.viewer)}
    return item_out(numbers.get(item.id, 0), item)


def attendance_out(a: MeetingAttendance) -> AttendanceOut:
    return AttendanceOut(seat_id=a.seat_id, person_id=a.person_id, name=a.person.name,
                         role=str(a.seat.role), voting=a.seat.voting, status=a.status)


def _agenda(ctx: Context, meeting: Meeting) -> AgendaOut:
    return AgendaOut(items=[item_out(n, i) for n, i in meetings.visible_items(meeting, ctx.viewer)])


@router.get("/meetings", response_model=Page[MeetingOut])
def list_meetings(params: Paging, ctx: ViewerCtx, body_id: QueryId = None):
    return paginate(ctx.session, meetings.list_meetings(ctx, body_id), params, lambda m: meeting_out(ctx, m))


@router.post("/meetings", status_code=201, response_model=MeetingOut)
def create_meeting(data: MeetingIn, ctx: ViewerCtx) -> MeetingOut:
    return meeting_out(ctx, meetings.create_meeting(ctx, data))


@router.get("/meetings/{meeting_id}", response_model=MeetingOut)
def get_meeting(meeting_id: Id, ctx: ViewerCtx) -> MeetingOut:
    return meeting_out(ctx, meetings.get_meeting(ctx, meeting_id))


@router.patch("/meetings/{meeting_id}", response_model=MeetingOut)
def update_meeting(meeting_id: Id, data: MeetingPatch, ctx: ViewerCtx) -> MeetingOut:
    return meeting_out(ctx, meetings.update_meeting(ctx, meeting_id, data))


@router.get("/meetings/{meeting_id}/attendance", response_model=AttendanceList)
def get_attendance(meeting_id: Id, ctx: ViewerCtx) -> AttendanceList:
    meeting = meetings.get_meeting(ctx, meeting_id)
    return AttendanceList(items=[attendance_out(a) for a in meeting.attendance],
                          quorum=meetings.meeting_quorum(ctx, meeting))


@router.post("/meetings/{meeting_id}/attendance", response_model=AttendanceSavedOut)
def set_attendance(meeting_id: Id, data: AttendanceIn, ctx: ViewerCtx) -> AttendanceSavedOut:
    row = meetings.set_attendance(ctx, meeting_id, data)
    return AttendanceSavedOut(**attendance_out(row).model_dump(),
                              quorum=meetings.meeting_quorum(ctx, row.meeting))


@router.get("/meetings/{meeting_id}/agenda", response_model=AgendaOut)
def get_agenda(meeting_id: Id, ctx: ViewerCtx) -> AgendaOut:
    return _agenda(ctx, meetings.get_meeting(ctx, meeting_id))


@router.post("/meetings/{meeting_id}/agenda", status_code=201, response_model=AgendaItemOut)
def add_item(meeting_id: Id, data: AgendaItemIn, ctx: ViewerCtx) -> AgendaItemOut:
    item = meetings.add_item(ctx, meeting_id, data)
    return _numbered(ctx, item.meeting, item)


@router.patch("/meetings/{meeting_id}/agenda/{item_id}", response_model=AgendaItemOut)
def update_item(meeting_id: Id, item_id: Id, data: AgendaItemPatch, ctx: ViewerCtx) -> AgendaItemOut:
    item = meetings.update_item(ctx, meeting_id, item_id, data)
    return _numbered(ctx, item.meeting, item)


@router.put("/meetings/{meeting_id}/agenda/order", response_model=AgendaOut)
def reorder(meeting_id: Id, data: ReorderIn, ctx: ViewerCtx) -> AgendaOut:
    return _agenda(ctx, meetings.reorder_items(ctx, meeting_id, data.item_ids))


@router.put("/meetings/{meeting_id}/minutes-decision", response_model=MeetingOut)
def link_minutes_decision(meeting_id: Id, data: MinutesDecisionIn, ctx: ViewerCtx) -> MeetingOut:
    return meeting_out(ctx, meetings.link_minutes_decision(ctx, meeting_id, data.decision_id))


def _decision_out(row: dict) -> DecisionRowOut:
    return DecisionRowOut(**{**row, "closed_at": _utc(row["closed_at"])})


@router.get("/meetings/{meeting_id}/minutes", response_model=MinutesOut)
def get_minutes(meeting_id: Id, ctx: ViewerCtx,
                version: str = Query("complete", pattern="^(complete|public)$")) -> MinutesOut:
    data = meetings.minutes(ctx, meeting_id, public=version == "public")
    return MinutesOut(
        meeting=meeting_out(ctx, data["meeting"]),
        version="public" if data["public"] else "complete",
        attendance=[attendance_out(a) for a in data["attendance"]],
        quorum=data["quorum"],
        items=[item_out(n, i) for n, i in data["items"]],
        decisions_in_meeting=[_decision_out(d) for d in data["decisions_in_meeting"]],
        decisions_online=[_decision_out(d) for d in data["decisions_online"]])
