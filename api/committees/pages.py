"""Pages: sub-committees and their boards, tasks, workload, meetings, agenda, minutes
(screen and print), the partners' committee packet, and "my tasks" on the dashboard."""

from datetime import date, timedelta

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from api.access import Viewer
from api.committees import service
from api.committees.models import Task
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
from api.dashboard import Section, section
from api.deps import RulesInForce, check_csrf, get_db, get_rules, page_viewer
from api.errors import AppError
from api.forms import form_values, parse
from api.i18n import catalog
from api.rules.schema import GovernanceRules
from api.timeutil import local
from api.web import add_nav, flash, redirect, render
from workflows import engine
from workflows.engine import TransitionBlocked, TransitionForbidden, TransitionNotApplicable

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])

add_nav("nav.committees", "/committees")
add_nav("nav.meetings", "/meetings")

TASK_FIELDS = ["title", "description", "due_at", "priority", "link_type", "link_id"]
MEETING_FIELDS = ["body_id", "title", "starts_at", "ends_at", "place", "video_url"]
ITEM_FIELDS = ["title", "kind", "description", "minutes", "decision_id"]


def label(prefix: str, name: str, lang: str) -> str:
    """A state or trigger from the rules, translated when the catalog knows it."""
    from api.i18n import t

    key = f"{prefix}.{name}"
    return t(key, lang) if key in catalog() else name.replace("_", " ")


def _ctx(viewer: Viewer, rules: GovernanceRules) -> dict:
    return {"lbl": lambda prefix, name: label(prefix, name, viewer.lang),
            "closed_states": service.closed_task_states(rules),
            "blocked_states": service.blocked_task_states(rules),
            "is_overdue": lambda task: service.is_overdue(task, service.closed_task_states(rules))}


def _local_input(value, tz: str) -> str:
    """A stored UTC time as the value of a datetime-local input (collective's zone)."""
    return local(value, tz).strftime("%Y-%m-%dT%H:%M") if value else ""


def _workflow_error(request: Request, exc: Exception, lang: str) -> None:
    from api.i18n import t

    if isinstance(exc, TransitionBlocked):
        flash(request, "committees.flash.blocked", "error", message=exc.blocked.message(lang))
    elif isinstance(exc, TransitionForbidden):
        flash(request, "committees.flash.move_error", "error",
              message=t("workflow.forbidden", lang, trigger=exc.trigger))
    elif isinstance(exc, TransitionNotApplicable):
        flash(request, "committees.flash.move_error", "error",
              message=t("workflow.not_applicable", lang, trigger=exc.trigger, state=exc.state))


# --- sub-committees and boards -------------------------------------------------------------

@router.get("/committees")
def committees(request: Request, db: Session = Depends(get_db), viewer: Viewer = Depends(page_viewer),
               rules: RulesInForce = Depends(get_rules)):
    bodies = service.sub_committees(db)
    visible = {b.id: viewer.can_see(service.body_category(rules.rules, b), b.id) for b in bodies}
    return render(request, "committees/index.html", {
        "bodies": bodies, "visible": visible,
        "counts": service.open_task_counts(db, viewer, rules.rules)})


def _board(request: Request, db: Session, viewer: Viewer, rules: GovernanceRules, body_id: int,
           values: dict, errors: dict, status: int = 200):
    body = service.get_board_body(db, viewer, rules, body_id)
    tasks = list(db.execute(service.list_tasks(viewer, body_id=body.id)).scalars())
    states = rules.workflows["task"].states
    columns = [(state, [t for t in tasks if t.state == state]) for state in states]
    allowed = {t.id: engine.allowed_triggers(db, t, viewer.person, rules, "task") for t in tasks}
    return render(request, "committees/board.html", {
        **_ctx(viewer, rules), "body": body, "columns": columns, "allowed": allowed,
        "values": values, "errors": errors,
        "can_add": service.can_manage_body(viewer, db, body.id),
        "people": service.board_owner_choices(db, body, rules)}, status=status)


@router.get("/committees/workload")
def workload(request: Request, start: str | None = None, end: str | None = None,
             db: Session = Depends(get_db), viewer: Viewer = Depends(page_viewer),
             rules: RulesInForce = Depends(get_rules)):
    errors: dict[str, str] = {}
    from api.i18n import t

    def _date(raw: str | None, default: date, name: str) -> date:
        if not raw:
            return default
        try:
            return date.fromisoformat(raw)
        except ValueError:
            errors[name] = t("form.date_parsing", viewer.lang)
            return default

    end_d = _date(end, viewer.today, "end")
    start_d = _date(start, end_d - timedelta(days=182), "start")
    rows = []
    try:
        rows = service.workload_view(db, viewer, rules.rules, start_d, end_d)
    except AppError as exc:
        errors[exc.field or "form"] = exc.message(viewer.lang)
    return render(request, "committees/workload.html", {
        "rows": rows, "values": {"start": start or start_d.isoformat(), "end": end or end_d.isoformat()},
        "errors": errors, "total": sum((r["hours"] for r in rows), start=0)},
        status=422 if errors else 200)


@router.get("/committees/{body_id}/board")
def board(body_id: int, request: Request, db: Session = Depends(get_db),
          viewer: Viewer = Depends(page_viewer), rules: RulesInForce = Depends(get_rules)):
    return _board(request, db, viewer, rules.rules, body_id, {"priority": "normal"}, {})


def _task_values(form) -> dict:
    values = form_values(form, TASK_FIELDS)
    values["owner_ids"] = [v for v in form.getlist("owner_ids") if str(v).strip()]
    return values


@router.post("/committees/{body_id}/tasks")
async def create_task(body_id: int, request: Request, db: Session = Depends(get_db),
                      viewer: Viewer = Depends(page_viewer), rules: RulesInForce = Depends(get_rules)):
    service.get_board_body(db, viewer, rules.rules, body_id)
    form = await request.form()
    values = _task_values(form)
    data, errors = parse(TaskIn, {**values, "body_id": body_id}, viewer.lang)
    if data is None:
        return _board(request, db, viewer, rules.rules, body_id, values, errors, status=422)
    try:
        task, warnings = service.create_task(db, data, viewer, rules.rules)
    except AppError as exc:
        if exc.status == 404:
            raise
        return _board(request, db, viewer, rules.rules, body_id, values,
                      {exc.field or "form": exc.message(viewer.lang)}, status=exc.status)
    flash(request, "committees.flash.task_created", "success")
    for w in warnings:
        flash(request, w["code"], "warning")
    return redirect(f"/committees/{body_id}/board#task-{task.id}")


def _task_page(request: Request, db: Session, viewer: Viewer, rules: GovernanceRules, task: Task,
               values: dict | None = None, errors: dict | None = None, status: int = 200):
    tz = rules.collective.timezone
    if values is None:
        values = {f: getattr(task, f) for f in TASK_FIELDS}
        values["due_at"] = _local_input(task.due_at, tz)
        values["owner_ids"] = [p.id for p in task.owners]
    return render(request, "committees/task.html", {
        **_ctx(viewer, rules), "task": task, "values": values, "errors": errors or {},
        "allowed": engine.allowed_triggers(db, task, viewer.person, rules, "task"),
        "people": service.board_owner_choices(db, task.body, rules),
        "today": viewer.today.isoformat()}, status=status)


@router.get("/tasks/{task_id}")
def task_page(task_id: int, request: Request, db: Session = Depends(get_db),
              viewer: Viewer = Depends(page_viewer), rules: RulesInForce = Depends(get_rules)):
    return _task_page(request, db, viewer, rules.rules, service.get_task(db, viewer, task_id))


@router.post("/tasks/{task_id}/edit")
async def edit_task(task_id: int, request: Request, db: Session = Depends(get_db),
                    viewer: Viewer = Depends(page_viewer), rules: RulesInForce = Depends(get_rules)):
    task = service.get_task(db, viewer, task_id)
    form = await request.form()
    values = _task_values(form)
    data, errors = parse(TaskPatch, values, viewer.lang)
    if data is None:
        return _task_page(request, db, viewer, rules.rules, task, values, errors, status=422)
    # Blank optional fields clear them (parse drops blanks; here they are sent as None).
    payload = {k: v for k, v in values.items() if v is not None}
    for name in ("description", "due_at", "link_type", "link_id"):
        payload.setdefault(name, None)
    data = TaskPatch.model_validate(payload)
    try:
        _, warnings = service.update_task(db, viewer, task.id, data, rules.rules)
    except AppError as exc:
        if exc.status == 404:
            raise
        db.rollback()
        return _task_page(request, db, viewer, rules.rules, task, values,
                          {exc.field or "form": exc.message(viewer.lang)}, status=exc.status)
    flash(request, "flash.saved", "success")
    for w in warnings:
        flash(request, w["code"], "warning")
    return redirect(f"/tasks/{task.id}")


@router.post("/tasks/{task_id}/move")
async def move_task(task_id: int, request: Request, db: Session = Depends(get_db),
                    viewer: Viewer = Depends(page_viewer), rules: RulesInForce = Depends(get_rules)):
    task = service.get_task(db, viewer, task_id)
    form = await request.form()
    trigger = str(form.get("trigger") or "")[:64]
    params = {"reason": str(form.get("reason") or "")[:2000]} if form.get("reason") is not None else {}
    back = f"/committees/{task.body_id}/board#task-{task.id}" if form.get("back") == "board" \
        else f"/tasks/{task.id}"
    try:
        service.move_task(db, viewer, task.id, trigger, params, rules.rules)
    except (TransitionBlocked, TransitionForbidden, TransitionNotApplicable) as exc:
        db.rollback()
        _workflow_error(request, exc, viewer.lang)
        return redirect(back)
    flash(request, "committees.flash.moved", "success",
          state=label("committees.state", task.state, viewer.lang))
    return redirect(back)


@router.post("/tasks/{task_id}/comments")
async def comment(task_id: int, request: Request, db: Session = Depends(get_db),
                  viewer: Viewer = Depends(page_viewer), rules: RulesInForce = Depends(get_rules)):
    task = service.get_task(db, viewer, task_id)
    form = await request.form()
    values = form_values(form, ["text"])
    data, errors = parse(CommentIn, values, viewer.lang)
    if data is None:
        return _task_page(request, db, viewer, rules.rules, task,
                          errors={f"comment_{k}": v for k, v in errors.items()}, status=422)
    service.add_comment(db, viewer, task.id, data)
    flash(request, "committees.flash.comment_added", "success")
    return redirect(f"/tasks/{task.id}#comments")


@router.post("/tasks/{task_id}/time")
async def log_time(task_id: int, request: Request, db: Session = Depends(get_db),
                   viewer: Viewer = Depends(page_viewer), rules: RulesInForce = Depends(get_rules)):
    task = service.get_task(db, viewer, task_id)
    form = await request.form()
    values = form_values(form, ["hours", "on_date", "note"])
    if values.get("hours"):
        values["hours"] = values["hours"].replace(",", ".")
    data, errors = parse(TimeEntryIn, values, viewer.lang)
    if data is None:
        return _task_page(request, db, viewer, rules.rules, task,
                          errors={f"time_{k}": v for k, v in errors.items()}, status=422)
    try:
        service.add_time_entry(db, viewer, task.id, data)
    except AppError as exc:
        if exc.status == 404:
            raise
        return _task_page(request, db, viewer, rules.rules, task,
                          errors={"form": exc.message(viewer.lang)}, status=exc.status)
    flash(request, "committees.flash.time_logged", "success")
    return redirect(f"/tasks/{task.id}#time")


# --- meetings ------------------------------------------------------------------------------

def _meetings(request: Request, db: Session, viewer: Viewer, rules: GovernanceRules, values: dict,
              errors: dict, status: int = 200):
    meetings = list(db.execute(service.list_meetings(viewer)).scalars())
    from api.collective.service import list_bodies

    bodies = [b for b in list_bodies(db)
              if viewer.can_see(service.body_category(rules, b), b.id)
              and service.can_manage_meeting(db, viewer, b.id)]
    return render(request, "committees/meetings.html", {
        **_ctx(viewer, rules), "meetings": meetings, "bodies": bodies, "values": values,
        "errors": errors}, status=status)


@router.get("/meetings")
def meetings(request: Request, db: Session = Depends(get_db), viewer: Viewer = Depends(page_viewer),
             rules: RulesInForce = Depends(get_rules)):
    return _meetings(request, db, viewer, rules.rules, {}, {})


@router.post("/meetings")
async def create_meeting(request: Request, db: Session = Depends(get_db),
                         viewer: Viewer = Depends(page_viewer), rules: RulesInForce = Depends(get_rules)):
    form = await request.form()
    values = form_values(form, MEETING_FIELDS)
    data, errors = parse(MeetingIn, values, viewer.lang)
    if data is None:
        return _meetings(request, db, viewer, rules.rules, values, errors, status=422)
    try:
        meeting = service.create_meeting(db, data, viewer, rules.rules)
    except AppError as exc:
        return _meetings(request, db, viewer, rules.rules, values,
                         {exc.field or "form": exc.message(viewer.lang)}, status=exc.status)
    flash(request, "flash.saved", "success")
    return redirect(f"/meetings/{meeting.id}")


def _meeting_page(request: Request, db: Session, viewer: Viewer, rules: GovernanceRules,
                  meeting_id: int, values: dict | None = None, errors: dict | None = None,
                  meeting_values: dict | None = None, status: int = 200):
    meeting = service.get_meeting(db, viewer, meeting_id)
    tz = rules.collective.timezone
    if meeting_values is None:
        meeting_values = {f: getattr(meeting, f) for f in ("title", "place", "video_url")}
        meeting_values["starts_at"] = _local_input(meeting.starts_at, tz)
        meeting_values["ends_at"] = _local_input(meeting.ends_at, tz)
    seats = service.body_seats(db, meeting, tz)
    attendance = {a.seat_id: a.status for a in meeting.attendance}
    kinds = [k for k in service.item_kinds(rules)
             if k not in rules.confidential_categories or viewer.can_see(k, meeting.body_id)]
    return render(request, "committees/meeting.html", {
        **_ctx(viewer, rules), "meeting": meeting, "items": service.visible_items(meeting, viewer),
        "seats": seats, "attendance": attendance,
        "quorum": service.meeting_quorum(db, meeting, rules),
        "allowed": engine.allowed_triggers(db, meeting, viewer.person, rules, "meeting"),
        "can_manage": service.can_manage_meeting(db, viewer, meeting.body_id),
        "kinds": kinds, "values": values or {"kind": "discussion"}, "errors": errors or {},
        "meeting_values": meeting_values,
        "is_partners": meeting.body.kind == "partners_committee",
        "categories": rules.confidential_categories}, status=status)


@router.get("/meetings/{meeting_id}")
def meeting_page(meeting_id: int, request: Request, db: Session = Depends(get_db),
                 viewer: Viewer = Depends(page_viewer), rules: RulesInForce = Depends(get_rules)):
    return _meeting_page(request, db, viewer, rules.rules, meeting_id)


@router.post("/meetings/{meeting_id}/edit")
async def edit_meeting(meeting_id: int, request: Request, db: Session = Depends(get_db),
                       viewer: Viewer = Depends(page_viewer), rules: RulesInForce = Depends(get_rules)):
    form = await request.form()
    values = form_values(form, MEETING_FIELDS[1:])
    data, errors = parse(MeetingPatch, values, viewer.lang)
    if data is not None:
        payload = {k: v for k, v in values.items() if v is not None}
        for name in ("ends_at", "place", "video_url"):
            payload.setdefault(name, None)
        data = MeetingPatch.model_validate(payload)
        try:
            service.update_meeting(db, viewer, meeting_id, data, rules.rules)
        except AppError as exc:
            if exc.status == 404:
                raise
            db.rollback()  # nothing half-changed is shown or kept
            errors = {exc.field or "form": exc.message(viewer.lang)}
    if errors:
        return _meeting_page(request, db, viewer, rules.rules, meeting_id,
                             errors={f"meeting_{k}": v for k, v in errors.items()},
                             meeting_values=values, status=422)
    flash(request, "flash.saved", "success")
    return redirect(f"/meetings/{meeting_id}")


@router.post("/meetings/{meeting_id}/move")
async def move_meeting(meeting_id: int, request: Request, db: Session = Depends(get_db),
                       viewer: Viewer = Depends(page_viewer), rules: RulesInForce = Depends(get_rules)):
    form = await request.form()
    try:
        meeting = service.move_meeting(db, viewer, meeting_id, str(form.get("trigger") or "")[:64],
                                       rules.rules)
        flash(request, "committees.flash.moved", "success",
              state=label("committees.state", meeting.state, viewer.lang))
    except (TransitionBlocked, TransitionForbidden, TransitionNotApplicable) as exc:
        db.rollback()
        _workflow_error(request, exc, viewer.lang)
    return redirect(f"/meetings/{meeting_id}")


@router.post("/meetings/{meeting_id}/attendance")
async def attendance(meeting_id: int, request: Request, db: Session = Depends(get_db),
                     viewer: Viewer = Depends(page_viewer), rules: RulesInForce = Depends(get_rules)):
    form = await request.form()
    values = form_values(form, ["seat_id", "status"])
    data, errors = parse(AttendanceIn, values, viewer.lang)
    if data is None:
        return _meeting_page(request, db, viewer, rules.rules, meeting_id,
                             errors={"attendance": next(iter(errors.values()))}, status=422)
    try:
        service.set_attendance(db, viewer, meeting_id, data, rules.rules)
    except AppError as exc:
        if exc.status == 404:
            raise
        return _meeting_page(request, db, viewer, rules.rules, meeting_id,
                             errors={"attendance": exc.message(viewer.lang)}, status=exc.status)
    flash(request, "flash.saved", "success")
    return redirect(f"/meetings/{meeting_id}#attendance")


@router.post("/meetings/{meeting_id}/items")
async def add_item(meeting_id: int, request: Request, db: Session = Depends(get_db),
                   viewer: Viewer = Depends(page_viewer), rules: RulesInForce = Depends(get_rules)):
    form = await request.form()
    values = form_values(form, ITEM_FIELDS)
    data, errors = parse(AgendaItemIn, values, viewer.lang)
    if data is None:
        return _meeting_page(request, db, viewer, rules.rules, meeting_id, values, errors, status=422)
    try:
        service.add_item(db, viewer, meeting_id, data, rules.rules)
    except AppError as exc:
        if exc.status == 404:
            raise
        return _meeting_page(request, db, viewer, rules.rules, meeting_id, values,
                             {exc.field or "form": exc.message(viewer.lang)}, status=exc.status)
    flash(request, "flash.saved", "success")
    return redirect(f"/meetings/{meeting_id}#agenda")


@router.post("/meetings/{meeting_id}/items/{item_id}/edit")
async def edit_item(meeting_id: int, item_id: int, request: Request, db: Session = Depends(get_db),
                    viewer: Viewer = Depends(page_viewer), rules: RulesInForce = Depends(get_rules)):
    form = await request.form()
    values = form_values(form, ["title", "minutes"])
    data, errors = parse(AgendaItemPatch, values, viewer.lang)
    if data is None:
        return _meeting_page(request, db, viewer, rules.rules, meeting_id,
                             errors={f"item{item_id}_{k}": v for k, v in errors.items()}, status=422)
    if "minutes" not in values or values.get("minutes") is None:
        data.minutes = None
        data.model_fields_set.add("minutes")
    try:
        service.update_item(db, viewer, meeting_id, item_id, data, rules.rules)
    except AppError as exc:
        if exc.status == 404:
            raise
        return _meeting_page(request, db, viewer, rules.rules, meeting_id,
                             errors={f"item{item_id}_form": exc.message(viewer.lang)}, status=exc.status)
    flash(request, "flash.saved", "success")
    return redirect(f"/meetings/{meeting_id}#item-{item_id}")


@router.post("/meetings/{meeting_id}/items/{item_id}/move")
async def move_item(meeting_id: int, item_id: int, request: Request, db: Session = Depends(get_db),
                    viewer: Viewer = Depends(page_viewer)):
    form = await request.form()
    step = -1 if form.get("direction") == "up" else 1
    service.move_item(db, viewer, meeting_id, item_id, step)
    return redirect(f"/meetings/{meeting_id}#agenda")


@router.post("/meetings/{meeting_id}/minutes-decision")
async def link_decision(meeting_id: int, request: Request, db: Session = Depends(get_db),
                        viewer: Viewer = Depends(page_viewer), rules: RulesInForce = Depends(get_rules)):
    form = await request.form()
    raw = str(form.get("decision_id") or "").strip()
    try:
        if not raw.isdigit():
            raise AppError("committees.error.decision_not_found", field="decision_id")
        service.link_minutes_decision(db, viewer, meeting_id, int(raw))
    except AppError as exc:
        if exc.status == 404:
            raise
        return _meeting_page(request, db, viewer, rules.rules, meeting_id,
                             errors={"decision_id": exc.message(viewer.lang)},
                             status=exc.status if exc.status != 400 else 422)
    flash(request, "flash.saved", "success")
    return redirect(f"/meetings/{meeting_id}")


def _minutes_ctx(db: Session, viewer: Viewer, rules: GovernanceRules, meeting_id: int,
                 version: str | None) -> dict:
    data = service.minutes(db, viewer, meeting_id, rules, public=version == "public")
    return {**_ctx(viewer, rules), **data}


@router.get("/meetings/{meeting_id}/minutes")
def minutes_page(meeting_id: int, request: Request, version: str | None = None,
                 db: Session = Depends(get_db), viewer: Viewer = Depends(page_viewer),
                 rules: RulesInForce = Depends(get_rules)):
    return render(request, "committees/minutes.html",
                  _minutes_ctx(db, viewer, rules.rules, meeting_id, version))


@router.get("/meetings/{meeting_id}/minutes/print")
def minutes_print(meeting_id: int, request: Request, version: str | None = None,
                  db: Session = Depends(get_db), viewer: Viewer = Depends(page_viewer),
                  rules: RulesInForce = Depends(get_rules)):
    return render(request, "committees/minutes_print.html",
                  _minutes_ctx(db, viewer, rules.rules, meeting_id, version))


@router.get("/meetings/{meeting_id}/packet")
def packet_page(meeting_id: int, request: Request, version: str | None = None,
                db: Session = Depends(get_db), viewer: Viewer = Depends(page_viewer),
                rules: RulesInForce = Depends(get_rules)):
    data = service.packet(db, viewer, meeting_id, rules.rules, public=version == "public")
    return render(request, "committees/packet.html", {**_ctx(viewer, rules.rules), **data})


# --- dashboard -----------------------------------------------------------------------------

@section
def my_tasks_section(db: Session, viewer: Viewer) -> Section | None:
    from api.committees.service import rules_now

    rules = rules_now(db)
    tasks = service.my_tasks(db, viewer, rules)
    if not tasks:
        return None
    return Section("committees.my_tasks", "committees/_my_tasks.html",
                   {"my_tasks": tasks, **_ctx(viewer, rules)}, order=30)
