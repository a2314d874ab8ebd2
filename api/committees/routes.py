"""JSON API: sub-committee tasks (comments, hours, workload) and meetings (attendance,
agenda, minutes). In-camera items and confidential tasks never reach a staff observer."""

from datetime import date, timedelta

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.orm import Session

from api.access import Viewer
from api.committees import service
from api.committees.models import AgendaItem, Meeting, Task
from api.committees.schemas import (
    AgendaItemIn,
    AgendaItemPatch,
    AttendanceIn,
    CommentIn,
    MeetingIn,
    MeetingPatch,
    MinutesDecisionIn,
    ReorderIn,
    TaskIn,
    TaskPatch,
    TimeEntryIn,
)
from api.deps import RulesInForce, current_viewer, get_db, get_rules
from api.pagination import PageParams, page_params, paginate
from api.rules.schema import GovernanceRules
from api.timeutil import as_utc, local
from api.workflow_routes import add_transition_route
from workflows import engine

try:  # the decisions area binds its workflow on import; our hook needs that binding
    import api.decisions.service  # noqa: F401
except ImportError:  # pragma: no cover - decisions area absent
    pass
service.register_decision_hook()

from api.committees import demo  # noqa: E402,F401  (registers the demo hook)

router = APIRouter(prefix="/api/v1", tags=["committees"])


def _iso(value):
    return as_utc(value).isoformat() if value is not None else None


def task_out(db: Session, task: Task, viewer: Viewer, rules: GovernanceRules) -> dict:
    closed = service.closed_task_states(rules)
    tz = rules.collective.timezone
    return {
        "id": task.id, "body_id": task.body_id, "title": task.title,
        "description": task.description, "due_at": _iso(task.due_at),
        "due_local": local(task.due_at, tz).isoformat() if task.due_at else None,
        "overdue": service.is_overdue(task, closed), "priority": task.priority,
        "owners": [{"id": p.id, "name": p.name} for p in task.owners],
        "link": {"type": task.link_type, "id": task.link_id} if task.link_type else None,
        "state": task.state, "blocked_reason": task.blocked_reason,
        "confidential_category": task.confidential_category,
        "allowed_transitions": engine.allowed_triggers(db, task, viewer.person, rules, "task"),
        "comments": len(task.comments), "created_at": _iso(task.created_at),
    }


def _load_task(db: Session, viewer: Viewer, task_id: int) -> Task:
    return service.get_task(db, viewer, task_id)


def _load_meeting(db: Session, viewer: Viewer, meeting_id: int) -> Meeting:
    return service.get_meeting(db, viewer, meeting_id)


add_transition_route(router, "tasks", "task", _load_task)
add_transition_route(router, "meetings", "meeting", _load_meeting)


@router.get("/tasks")
def list_tasks(body_id: int | None = Query(None, ge=1), owner_id: int | None = Query(None, ge=1),
               state: str | None = Query(None, max_length=32),
               params: PageParams = Depends(page_params), db: Session = Depends(get_db),
               viewer: Viewer = Depends(current_viewer), rules: RulesInForce = Depends(get_rules)) -> dict:
    stmt = service.list_tasks(viewer, body_id=body_id, owner_id=owner_id, state=state)
    return paginate(db, stmt, params, lambda t: task_out(db, t, viewer, rules.rules))


@router.post("/tasks", status_code=201)
def create_task(data: TaskIn, db: Session = Depends(get_db), viewer: Viewer = Depends(current_viewer),
                rules: RulesInForce = Depends(get_rules)) -> dict:
    task, warnings = service.create_task(db, data, viewer, rules.rules)
    return {**task_out(db, task, viewer, rules.rules), "warnings": warnings}


@router.get("/tasks/{task_id}")
def get_task(task_id: int, db: Session = Depends(get_db), viewer: Viewer = Depends(current_viewer),
             rules: RulesInForce = Depends(get_rules)) -> dict:
    return task_out(db, service.get_task(db, viewer, task_id), viewer, rules.rules)


@router.patch("/tasks/{task_id}")
def update_task(task_id: int, data: TaskPatch, db: Session = Depends(get_db),
                viewer: Viewer = Depends(current_viewer), rules: RulesInForce = Depends(get_rules)) -> dict:
    task, warnings = service.update_task(db, viewer, task_id, data, rules.rules)
    return {**task_out(db, task, viewer, rules.rules), "warnings": warnings}


@router.delete("/tasks/{task_id}", status_code=204)
def delete_task(task_id: int, db: Session = Depends(get_db), viewer: Viewer = Depends(current_viewer)):
    service.delete_task(db, viewer, task_id)
    return Response(status_code=204)


def _comment_out(c) -> dict:
    return {"id": c.id, "author": {"id": c.author_id, "name": c.author.name if c.author else None},
            "text": c.text, "created_at": _iso(c.created_at)}


@router.get("/tasks/{task_id}/comments")
def list_comments(task_id: int, db: Session = Depends(get_db), viewer: Viewer = Depends(current_viewer)) -> dict:
    task = service.get_task(db, viewer, task_id)
    return {"items": [_comment_out(c) for c in task.comments]}


@router.post("/tasks/{task_id}/comments", status_code=201)
def add_comment(task_id: int, data: CommentIn, db: Session = Depends(get_db),
                viewer: Viewer = Depends(current_viewer)) -> dict:
    return _comment_out(service.add_comment(db, viewer, task_id, data))


def _entry_out(e) -> dict:
    return {"id": e.id, "person_id": e.person_id, "organisation_id": e.organisation_id,
            "hours": str(e.hours), "on_date": e.on_date.isoformat(), "note": e.note}


@router.get("/tasks/{task_id}/time-entries")
def list_time_entries(task_id: int, db: Session = Depends(get_db),
                      viewer: Viewer = Depends(current_viewer)) -> dict:
    task = service.get_task(db, viewer, task_id)
    return {"items": [_entry_out(e) for e in task.time_entries]}


@router.post("/tasks/{task_id}/time-entries", status_code=201)
def add_time_entry(task_id: int, data: TimeEntryIn, db: Session = Depends(get_db),
                   viewer: Viewer = Depends(current_viewer)) -> dict:
    return _entry_out(service.add_time_entry(db, viewer, task_id, data))


@router.get("/committees")
def list_committees(db: Session = Depends(get_db), viewer: Viewer = Depends(current_viewer),
                    rules: RulesInForce = Depends(get_rules)) -> dict:
    counts = service.open_task_counts(db, viewer, rules.rules)
    items = []
    for body in service.sub_committees(db):
        visible = viewer.can_see(service.body_category(rules.rules, body), body.id)
        items.append({"id": body.id, "key": body.key, "name": body.name(viewer.lang),
                      "mandate": body.mandate(viewer.lang), "board_visible": visible,
                      "open_tasks": counts.get(body.id, 0) if visible else None})
    return {"items": items}


@router.get("/committees/workload")
def workload(start: date | None = None, end: date | None = None, db: Session = Depends(get_db),
             viewer: Viewer = Depends(current_viewer), rules: RulesInForce = Depends(get_rules)) -> dict:
    end = end or viewer.today
    start = start or (end - timedelta(days=182))
    rows = service.workload_view(db, viewer, rules.rules, start, end)
    return {"start": start.isoformat(), "end": end.isoformat(), "unit": "hours",
            "items": [{**r, "hours": str(r["hours"])} for r in rows]}


# --- meetings ------------------------------------------------------------------------------

def meeting_out(db: Session, meeting: Meeting, viewer: Viewer, rules: GovernanceRules) -> dict:
    items = service.visible_items(meeting, viewer)
    return {
        "id": meeting.id, "body_id": meeting.body_id, "title": meeting.title,
        "starts_at": _iso(meeting.starts_at), "ends_at": _iso(meeting.ends_at),
        "place": meeting.place, "video_url": meeting.video_url, "state": meeting.state,
        "confidential_category": meeting.confidential_category,
        "minutes_decision_id": meeting.minutes_decision_id,
        "agenda_items": len(items),
        "quorum": service.meeting_quorum(db, meeting, rules),
        "allowed_transitions": engine.allowed_triggers(db, meeting, viewer.person, rules, "meeting"),
    }


def item_out(number: int, item: AgendaItem) -> dict:
    return {"id": item.id, "number": number, "title": item.title, "kind": item.kind,
            "in_camera": item.confidential_category is not None, "description": item.description,
            "minutes": item.minutes, "decision_id": item.decision_id}


def attendance_out(a) -> dict:
    return {"seat_id": a.seat_id, "person_id": a.person_id, "name": a.person.name,
            "role": a.seat.role, "voting": a.seat.voting, "status": a.status}


@router.get("/meetings")
def list_meetings(body_id: int | None = Query(None, ge=1), params: PageParams = Depends(page_params),
                  db: Session = Depends(get_db), viewer: Viewer = Depends(current_viewer),
                  rules: RulesInForce = Depends(get_rules)) -> dict:
    return paginate(db, service.list_meetings(viewer, body_id), params,
                    lambda m: meeting_out(db, m, viewer, rules.rules))


@router.post("/meetings", status_code=201)
def create_meeting(data: MeetingIn, db: Session = Depends(get_db), viewer: Viewer = Depends(current_viewer),
                   rules: RulesInForce = Depends(get_rules)) -> dict:
    return meeting_out(db, service.create_meeting(db, data, viewer, rules.rules), viewer, rules.rules)


@router.get("/meetings/{meeting_id}")
def get_meeting(meeting_id: int, db: Session = Depends(get_db), viewer: Viewer = Depends(current_viewer),
                rules: RulesInForce = Depends(get_rules)) -> dict:
    return meeting_out(db, service.get_meeting(db, viewer, meeting_id), viewer, rules.rules)


@router.patch("/meetings/{meeting_id}")
def update_meeting(meeting_id: int, data: MeetingPatch, db: Session = Depends(get_db),
                   viewer: Viewer = Depends(current_viewer), rules: RulesInForce = Depends(get_rules)) -> dict:
    meeting = service.update_meeting(db, viewer, meeting_id, data, rules.rules)
    return meeting_out(db, meeting, viewer, rules.rules)


@router.get("/meetings/{meeting_id}/attendance")
def get_attendance(meeting_id: int, db: Session = Depends(get_db), viewer: Viewer = Depends(current_viewer),
                   rules: RulesInForce = Depends(get_rules)) -> dict:
    meeting = service.get_meeting(db, viewer, meeting_id)
    return {"items": [attendance_out(a) for a in meeting.attendance],
            "quorum": service.meeting_quorum(db, meeting, rules.rules)}


@router.post("/meetings/{meeting_id}/attendance")
def set_attendance(meeting_id: int, data: AttendanceIn, db: Session = Depends(get_db),
                   viewer: Viewer = Depends(current_viewer), rules: RulesInForce = Depends(get_rules)) -> dict:
    row = service.set_attendance(db, viewer, meeting_id, data, rules.rules)
    meeting = service.get_meeting(db, viewer, meeting_id)
    db.refresh(meeting)
    return {**attendance_out(row), "quorum": service.meeting_quorum(db, meeting, rules.rules)}


@router.get("/meetings/{meeting_id}/agenda")
def get_agenda(meeting_id: int, db: Session = Depends(get_db), viewer: Viewer = Depends(current_viewer)) -> dict:
    meeting = service.get_meeting(db, viewer, meeting_id)
    return {"items": [item_out(n, i) for n, i in service.visible_items(meeting, viewer)]}


@router.post("/meetings/{meeting_id}/agenda", status_code=201)
def add_item(meeting_id: int, data: AgendaItemIn, db: Session = Depends(get_db),
             viewer: Viewer = Depends(current_viewer), rules: RulesInForce = Depends(get_rules)) -> dict:
    item = service.add_item(db, viewer, meeting_id, data, rules.rules)
    numbers = {i.id: n for n, i in service.visible_items(item.meeting, viewer)}
    return item_out(numbers.get(item.id, 0), item)


@router.patch("/meetings/{meeting_id}/agenda/{item_id}")
def update_item(meeting_id: int, item_id: int, data: AgendaItemPatch, db: Session = Depends(get_db),
                viewer: Viewer = Depends(current_viewer), rules: RulesInForce = Depends(get_rules)) -> dict:
    item = service.update_item(db, viewer, meeting_id, item_id, data, rules.rules)
    numbers = {i.id: n for n, i in service.visible_items(item.meeting, viewer)}
    return item_out(numbers.get(item.id, 0), item)


@router.put("/meetings/{meeting_id}/agenda/order")
def reorder(meeting_id: int, data: ReorderIn, db: Session = Depends(get_db),
            viewer: Viewer = Depends(current_viewer)) -> dict:
    meeting = service.reorder_items(db, viewer, meeting_id, data.item_ids)
    return {"items": [item_out(n, i) for n, i in service.visible_items(meeting, viewer)]}


@router.put("/meetings/{meeting_id}/minutes-decision")
def link_minutes_decision(meeting_id: int, data: MinutesDecisionIn, db: Session = Depends(get_db),
                          viewer: Viewer = Depends(current_viewer),
                          rules: RulesInForce = Depends(get_rules)) -> dict:
    meeting = service.link_minutes_decision(db, viewer, meeting_id, data.decision_id)
    return meeting_out(db, meeting, viewer, rules.rules)


@router.get("/meetings/{meeting_id}/minutes")
def get_minutes(meeting_id: int, version: str = Query("complete", pattern="^(complete|public)$"),
                db: Session = Depends(get_db), viewer: Viewer = Depends(current_viewer),
                rules: RulesInForce = Depends(get_rules)) -> dict:
    data = service.minutes(db, viewer, meeting_id, rules.rules, public=version == "public")
    meeting = data["meeting"]
    return {
        "meeting": meeting_out(db, meeting, viewer, rules.rules),
        "version": "public" if data["public"] else "complete",
        "attendance": [attendance_out(a) for a in data["attendance"]],
        "quorum": data["quorum"],
        "items": [item_out(n, i) for n, i in data["items"]],
        "decisions_in_meeting": [{**d, "closed_at": _iso(d["closed_at"])} for d in data["decisions_in_meeting"]],
        "decisions_online": [{**d, "closed_at": _iso(d["closed_at"])} for d in data["decisions_online"]],
    }
