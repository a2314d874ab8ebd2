"""Pages: sub-committees and their boards, tasks, workload, meetings, agenda, minutes
(screen and print), the partners' committee packet, and "my tasks" on the dashboard.

A form shown again with its errors answers 4xx through `render`, which rolls the unit of work
back; a refused move answers with a redirect and rolls back with `ctx.refuse()`."""

import re
from datetime import date, timedelta

from fastapi import APIRouter, Depends, Request

from api.collective.service import list_bodies
from api.committees import meetings, tasks
from api.committees.common import (
    allowed_triggers,
    blocked_task_states,
    body_category,
    closed_task_states,
    is_overdue,
)
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
from api.context import Context
from api.dashboard import Section
from api.deps import PageCtx, check_csrf
from api.errors import AppError, message
from api.forms import form_values, parse, parse_value
from api.i18n import catalog, t
from api.schemas import MAX_ID, Day, Id
from api.timeutil import local
from api.web import flash, redirect, render
from workflows.engine import TransitionBlocked, WorkflowError

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])

TASK_FIELDS = ["title", "description", "due_at", "priority", "link_type", "link_id"]
MEETING_FIELDS = ["body_id", "title", "starts_at", "ends_at", "place", "video_url"]
ITEM_FIELDS = ["title", "kind", "description", "minutes", "decision_id"]


def label(prefix: str, name: str, lang: str) -> str:
    """A state or trigger from the rules, translated when the catalog knows it."""
    key = f"{prefix}.{name}"
    return t(key, lang) if key in catalog() else name.replace("_", " ")


def _shared(ctx: Context) -> dict:
    """What every committees template uses: labels, the task states the rules mean."""
    closed = closed_task_states(ctx.rules)
    return {"lbl": lambda prefix, name: label(prefix, name, ctx.lang),
            "closed_states": closed,
            "blocked_states": blocked_task_states(ctx.rules),
            "is_overdue": lambda task: is_overdue(task, closed)}


def _local_input(value, tz: str) -> str:
    """A stored UTC time as the value of a datetime-local input (collective's zone)."""
    return local(value, tz).strftime("%Y-%m-%dT%H:%M") if value else ""


def _refused_move(request: Request, ctx: Context, exc: WorkflowError | AppError) -> None:
    """A move that did not happen: nothing of it is kept, the reason is flashed."""
    ctx.refuse()
    key = "committees.flash.blocked" if isinstance(exc, TransitionBlocked) else "committees.flash.move_error"
    flash(request, key, "error", message=message(exc, ctx.lang))


def _form_error(exc: AppError, ctx: Context) -> dict[str, str]:
    if exc.status == 404:
        raise exc
    return {exc.field or "form": exc.message(ctx.lang)}


# --- sub-committees and boards -------------------------------------------------------------

@router.get("/committees")
def committees(request: Request, ctx: PageCtx):
    bodies = tasks.sub_committees(ctx)
    visible = {b.id: ctx.viewer.can_see(body_category(ctx.rules, b), b.id) for b in bodies}
    return render(request, ctx, "committees/index.html", {
        "bodies": bodies, "visible": visible, "counts": tasks.open_task_counts(ctx)})


def _board(request: Request, ctx: Context, body_id: int, values: dict, errors: dict, status: int = 200):
    body = tasks.get_board_body(ctx, body_id)
    board = list(ctx.session.execute(tasks.list_tasks(ctx, body_id=body.id)).scalars())
    columns = [(state, [t for t in board if t.state == state]) for state in ctx.rules.workflows["task"].states]
    allowed = {t.id: allowed_triggers(ctx, t, "task") for t in board}
    return render(request, ctx, "committees/board.html", {
        **_shared(ctx), "body": body, "columns": columns, "allowed": allowed,
        "values": values, "errors": errors,
        "can_add": tasks.can_manage_body(ctx, body.id),
        "people": tasks.board_owner_choices(ctx, body),
        "links": tasks.link_choices(ctx, body)}, status=status)


@router.get("/committees/workload")
def workload(request: Request, ctx: PageCtx, start: str | None = None, end: str | None = None):
    errors: dict[str, str] = {}

    def _date(raw: str | None, default: date, name: str) -> date:
        value, error = parse_value(Day, raw, ctx.lang)
        if error:
            errors[name] = error
        return value or default

    end_d = _date(end, ctx.today, "end")
    start_d = _date(start, end_d - timedelta(days=182), "start")
    rows = []
    try:
        rows = tasks.workload_view(ctx, start_d, end_d)
    except AppError as exc:
        errors[exc.field or "form"] = exc.message(ctx.lang)
    return render(request, ctx, "committees/workload.html", {
        "rows": rows, "values": {"start": start or start_d.isoformat(), "end": end or end_d.isoformat()},
        "errors": errors, "total": sum((r["hours"] for r in rows), start=0)},
        status=422 if errors else 200)


@router.get("/committees/{body_id}/board")
def board(body_id: Id, request: Request, ctx: PageCtx):
    return _board(request, ctx, body_id, {"priority": "normal"}, {})


def _task_values(form) -> dict:
    values = form_values(form, TASK_FIELDS)
    values["owner_ids"] = [v for v in form.getlist("owner_ids") if str(v).strip()]
    if "link" in form:  # one choice by name ("<type>:<id>") instead of an id number
        values["link"] = str(form.get("link") or "")[:90]
        values["link_type"], values["link_id"] = tasks.split_link(values["link"])
    return values


def _task_input(values: dict) -> dict:
    """The form's values as the schema reads them (the "link" choice is already split)."""
    return {k: v for k, v in values.items() if k != "link"}


def _link_errors(errors: dict) -> dict:
    """A wrong link shown next to the one "link" choice the form has."""
    if "link" not in errors and ("link_type" in errors or "link_id" in errors):
        errors = {**errors, "link": errors.get("link_type") or errors.get("link_id")}
        errors.pop("link_type", None)
        errors.pop("link_id", None)
    return errors


@router.post("/committees/{body_id}/tasks")
async def create_task(body_id: Id, request: Request, ctx: PageCtx):
    tasks.get_board_body(ctx, body_id)
    form = await request.form()
    values = _task_values(form)
    data, errors = parse(TaskIn, {**_task_input(values), "body_id": body_id}, ctx.lang)
    if data is None:
        return _board(request, ctx, body_id, values, _link_errors(errors), status=422)
    try:
        task, warnings = tasks.create_task(ctx, data)
    except AppError as exc:
        return _board(request, ctx, body_id, values, _link_errors(_form_error(exc, ctx)), status=exc.status)
    flash(request, "committees.flash.task_created", "success")
    for w in warnings:
        flash(request, w["code"], "warning")
    return redirect(f"/committees/{body_id}/board#task-{task.id}")


def _task_page(request: Request, ctx: Context, task: Task, values: dict | None = None,
               errors: dict | None = None, status: int = 200, time_values: dict | None = None):
    if values is None:
        values = {f: getattr(task, f) for f in TASK_FIELDS}
        values["due_at"] = _local_input(task.due_at, ctx.tz)
        values["owner_ids"] = [p.id for p in task.owners]
        values["link"] = f"{task.link_type}:{task.link_id}" if task.link_type else ""
    links = tasks.link_choices(ctx, task.body)
    return render(request, ctx, "committees/task.html", {
        **_shared(ctx), "task": task, "values": values, "errors": errors or {},
        "allowed": allowed_triggers(ctx, task, "task"),
        "people": tasks.board_owner_choices(ctx, task.body),
        "links": links, "link_names": {v: text for _, items in links for v, text in items},
        "today": ctx.today.isoformat(), "time_values": time_values}, status=status)


@router.get("/tasks/{task_id}")
def task_page(task_id: Id, request: Request, ctx: PageCtx):
    return _task_page(request, ctx, tasks.get_task(ctx, task_id))


@router.post("/tasks/{task_id}/edit")
async def edit_task(task_id: Id, request: Request, ctx: PageCtx):
    task = tasks.get_task(ctx, task_id)
    form = await request.form()
    values = _task_values(form)
    data, errors = parse(TaskPatch, _task_input(values), ctx.lang)
    if data is None:
        return _task_page(request, ctx, task, values, _link_errors(errors), status=422)
    # Blank optional fields clear them (parse drops blanks; here they are sent as None).
    payload = {k: v for k, v in _task_input(values).items() if v is not None}
    for name in ("description", "due_at", "link_type", "link_id"):
        payload.setdefault(name, None)
    data = TaskPatch.model_validate(payload)
    try:
        _, warnings = tasks.update_task(ctx, task.id, data)
    except AppError as exc:
        return _task_page(request, ctx, task, values, _link_errors(_form_error(exc, ctx)), status=exc.status)
    flash(request, "flash.saved", "success")
    for w in warnings:
        flash(request, w["code"], "warning")
    return redirect(f"/tasks/{task.id}")


@router.post("/tasks/{task_id}/move")
async def move_task(task_id: Id, request: Request, ctx: PageCtx):
    task = tasks.get_task(ctx, task_id)
    form = await request.form()
    trigger = str(form.get("trigger") or "")[:64]
    params = {"reason": str(form.get("reason") or "")[:2000]} if form.get("reason") is not None else {}
    if trigger in tasks.DESTRUCTIVE_TRIGGERS:  # asks for a confirmation and a reason
        params = {**params, "confirm": bool(form.get("confirm"))}
    back = f"/committees/{task.body_id}/board#task-{task.id}" if form.get("back") == "board" \
        else f"/tasks/{task.id}"
    try:
        tasks.move_task(ctx, task.id, trigger, params)
    except (WorkflowError, AppError) as exc:
        _refused_move(request, ctx, exc)
        return redirect(back)
    flash(request, "committees.flash.moved", "success", state=label("committees.state", task.state, ctx.lang))
    return redirect(back)


@router.post("/tasks/{task_id}/comments")
async def comment(task_id: Id, request: Request, ctx: PageCtx):
    task = tasks.get_task(ctx, task_id)
    form = await request.form()
    data, errors = parse(CommentIn, form_values(form, ["text"]), ctx.lang)
    if data is None:
        return _task_page(request, ctx, task, errors={f"comment_{k}": v for k, v in errors.items()},
                          status=422)
    tasks.add_comment(ctx, task.id, data)
    flash(request, "committees.flash.comment_added", "success")
    return redirect(f"/tasks/{task.id}#comments")


@router.post("/tasks/{task_id}/time")
async def log_time(task_id: Id, request: Request, ctx: PageCtx):
    task = tasks.get_task(ctx, task_id)
    form = await request.form()
    values = form_values(form, ["hours", "on_date", "note"])
    typed = dict(values)
    if values.get("hours"):
        values["hours"] = values["hours"].replace(",", ".")
    data, errors = parse(TimeEntryIn, values, ctx.lang)
    if data is None:  # shown again as typed, with the message next to each field
        if "hours" in errors and not re.fullmatch(r"\d+(\.\d+)?", values.get("hours") or ""):
            errors["hours"] = t("committees.error.hours_format", ctx.lang)  # hours, not an amount
        return _task_page(request, ctx, task, errors=errors, status=422, time_values=typed)
    try:
        tasks.add_time_entry(ctx, task.id, data)
    except AppError as exc:
        if exc.status == 404:
            raise
        return _task_page(request, ctx, task, errors={"form": exc.message(ctx.lang)}, status=exc.status,
                          time_values=typed)
    flash(request, "committees.flash.time_logged", "success")
    return redirect(f"/tasks/{task.id}#time")


# --- meetings ------------------------------------------------------------------------------

def _meetings(request: Request, ctx: Context, values: dict, errors: dict, status: int = 200):
    listed = list(ctx.session.execute(meetings.list_meetings(ctx)).scalars())
    bodies = [b for b in list_bodies(ctx.session)
              if ctx.viewer.can_see(body_category(ctx.rules, b), b.id)
              and meetings.can_manage_meeting(ctx, b.id)]
    return render(request, ctx, "committees/meetings.html", {
        **_shared(ctx), "meetings": listed, "bodies": bodies, "values": values, "errors": errors},
        status=status)


@router.get("/meetings")
def meetings_page(request: Request, ctx: PageCtx):
    return _meetings(request, ctx, {}, {})


@router.post("/meetings")
async def create_meeting(request: Request, ctx: PageCtx):
    form = await request.form()
    values = form_values(form, MEETING_FIELDS)
    data, errors = parse(MeetingIn, values, ctx.lang)
    if data is None:
        return _meetings(request, ctx, values, errors, status=422)
    try:
        meeting = meetings.create_meeting(ctx, data)
    except AppError as exc:
        return _meetings(request, ctx, values, {exc.field or "form": exc.message(ctx.lang)}, status=exc.status)
    flash(request, "flash.saved", "success")
    return redirect(f"/meetings/{meeting.id}")


def _meeting_page(request: Request, ctx: Context, meeting_id: int, values: dict | None = None,
                  errors: dict | None = None, meeting_values: dict | None = None, status: int = 200,
                  item_values: dict[int, dict] | None = None):
    rules, viewer = ctx.rules, ctx.viewer
    meeting = meetings.get_meeting(ctx, meeting_id)
    if meeting_values is None:
        meeting_values = {f: getattr(meeting, f) for f in ("title", "place", "video_url")}
        meeting_values["starts_at"] = _local_input(meeting.starts_at, ctx.tz)
        meeting_values["ends_at"] = _local_input(meeting.ends_at, ctx.tz)
    kinds = [k for k in meetings.item_kinds(rules)
             if k not in rules.confidential_categories or viewer.can_see(k, meeting.body_id)]
    return render(request, ctx, "committees/meeting.html", {
        **_shared(ctx), "meeting": meeting, "items": meetings.visible_items(meeting, viewer),
        "seats": meetings.body_seats(ctx, meeting),
        "attendance": {a.seat_id: a.status for a in meeting.attendance},
        "quorum": meetings.meeting_quorum(ctx, meeting),
        "allowed": allowed_triggers(ctx, meeting, "meeting"),
        "can_manage": meetings.can_manage_meeting(ctx, meeting.body_id),
        "kinds": kinds, "values": values or {"kind": "discussion"}, "errors": errors or {},
        "meeting_values": meeting_values, "item_values": item_values or {},
        "is_partners": meeting.body.kind == "partners_committee",
        "decision_choices": tasks.decision_choices(ctx, meeting.body_id),
        "categories": rules.confidential_categories}, status=status)


@router.get("/meetings/{meeting_id}")
def meeting_page(meeting_id: Id, request: Request, ctx: PageCtx):
    return _meeting_page(request, ctx, meeting_id)


@router.post("/meetings/{meeting_id}/edit")
async def edit_meeting(meeting_id: Id, request: Request, ctx: PageCtx):
    form = await request.form()
    values = form_values(form, MEETING_FIELDS[1:])
    data, errors = parse(MeetingPatch, values, ctx.lang)
    if data is not None:
        payload = {k: v for k, v in values.items() if v is not None}
        for name in ("ends_at", "place", "video_url"):
            payload.setdefault(name, None)
        try:
            meetings.update_meeting(ctx, meeting_id, MeetingPatch.model_validate(payload))
        except AppError as exc:
            errors = _form_error(exc, ctx)
    if errors:
        return _meeting_page(request, ctx, meeting_id, errors={f"meeting_{k}": v for k, v in errors.items()},
                             meeting_values=values, status=422)
    flash(request, "flash.saved", "success")
    return redirect(f"/meetings/{meeting_id}")


@router.post("/meetings/{meeting_id}/move")
async def move_meeting(meeting_id: Id, request: Request, ctx: PageCtx):
    form = await request.form()
    try:
        meeting = meetings.move_meeting(ctx, meeting_id, str(form.get("trigger") or "")[:64])
    except (WorkflowError, AppError) as exc:
        if isinstance(exc, AppError) and exc.status == 404:
            raise
        _refused_move(request, ctx, exc)
        return redirect(f"/meetings/{meeting_id}")
    flash(request, "committees.flash.moved", "success", state=label("committees.state", meeting.state, ctx.lang))
    return redirect(f"/meetings/{meeting_id}")


@router.post("/meetings/{meeting_id}/attendance")
async def attendance(meeting_id: Id, request: Request, ctx: PageCtx):
    form = await request.form()
    # The whole body at once ("status-<seat id>" per seat); one seat ("seat_id", "status") still works.
    rows = [form_values(form, ["seat_id", "status"])] if form.get("seat_id") else [
        {"seat_id": key.removeprefix("status-")[:20], "status": str(value)[:20]}
        for key, value in form.multi_items() if key.startswith("status-")][:500]
    parsed = []
    for row in rows:
        data, errors = parse(AttendanceIn, row, ctx.lang)
        if data is None:
            return _meeting_page(request, ctx, meeting_id, errors={"attendance": next(iter(errors.values()))},
                                 status=422)
        parsed.append(data)
    try:
        known = {a.seat_id: a.status for a in meetings.get_meeting(ctx, meeting_id).attendance}
        for data in parsed:
            if data.seat_id is None or known.get(data.seat_id) != data.status:
                meetings.set_attendance(ctx, meeting_id, data)
    except AppError as exc:
        if exc.status == 404:
            raise
        return _meeting_page(request, ctx, meeting_id, errors={"attendance": exc.message(ctx.lang)},
                             status=exc.status)
    flash(request, "flash.saved", "success")
    return redirect(f"/meetings/{meeting_id}#attendance")


@router.post("/meetings/{meeting_id}/items")
async def add_item(meeting_id: Id, request: Request, ctx: PageCtx):
    form = await request.form()
    values = form_values(form, ITEM_FIELDS)
    data, errors = parse(AgendaItemIn, values, ctx.lang)
    if data is None:
        return _meeting_page(request, ctx, meeting_id, values, errors, status=422)
    try:
        meetings.add_item(ctx, meeting_id, data)
    except AppError as exc:
        return _meeting_page(request, ctx, meeting_id, values, _form_error(exc, ctx), status=exc.status)
    flash(request, "flash.saved", "success")
    return redirect(f"/meetings/{meeting_id}#agenda")


@router.post("/meetings/{meeting_id}/items/{item_id}/edit")
async def edit_item(meeting_id: Id, item_id: Id, request: Request, ctx: PageCtx):
    form = await request.form()
    values = form_values(form, ["title", "minutes"])
    data, errors = parse(AgendaItemPatch, values, ctx.lang)
    if data is None:  # shown again as typed, with the message under the field
        return _meeting_page(request, ctx, meeting_id, errors={f"item{item_id}_{k}": v for k, v in errors.items()},
                             status=422, item_values={item_id: values})
    if "minutes" not in values or values.get("minutes") is None:
        data.minutes = None
        data.model_fields_set.add("minutes")
    try:
        meetings.update_item(ctx, meeting_id, item_id, data)
    except AppError as exc:
        if exc.status == 404:
            raise
        return _meeting_page(request, ctx, meeting_id, errors={f"item{item_id}_form": exc.message(ctx.lang)},
                             status=exc.status)
    flash(request, "flash.saved", "success")
    return redirect(f"/meetings/{meeting_id}#item-{item_id}")


@router.post("/meetings/{meeting_id}/items/{item_id}/move")
async def move_item(meeting_id: Id, item_id: Id, request: Request, ctx: PageCtx):
    form = await request.form()
    meetings.move_item(ctx, meeting_id, item_id, -1 if form.get("direction") == "up" else 1)
    return redirect(f"/meetings/{meeting_id}#agenda")


@router.post("/meetings/{meeting_id}/minutes-decision")
async def link_decision(meeting_id: Id, request: Request, ctx: PageCtx):
    form = await request.form()
    raw = str(form.get("decision_id") or "").strip()
    try:
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:  # never a number no id can be
            raise AppError("committees.error.decision_not_found", field="decision_id")
        meetings.link_minutes_decision(ctx, meeting_id, int(raw))
    except AppError as exc:
        if exc.status == 404:
            raise
        return _meeting_page(request, ctx, meeting_id, errors={"decision_id": exc.message(ctx.lang)},
                             status=exc.status if exc.status != 400 else 422)
    flash(request, "flash.saved", "success")
    return redirect(f"/meetings/{meeting_id}")


def _minutes(ctx: Context, meeting_id: int, version: str | None) -> dict:
    return {**_shared(ctx), **meetings.minutes(ctx, meeting_id, public=version == "public")}


@router.get("/meetings/{meeting_id}/minutes")
def minutes_page(meeting_id: Id, request: Request, ctx: PageCtx, version: str | None = None):
    return render(request, ctx, "committees/minutes.html", _minutes(ctx, meeting_id, version))


@router.get("/meetings/{meeting_id}/minutes/print")
def minutes_print(meeting_id: Id, request: Request, ctx: PageCtx, version: str | None = None):
    return render(request, ctx, "committees/minutes_print.html", _minutes(ctx, meeting_id, version))


@router.get("/meetings/{meeting_id}/packet")
def packet_page(meeting_id: Id, request: Request, ctx: PageCtx, version: str | None = None):
    data = meetings.packet(ctx, meeting_id, public=version == "public")
    return render(request, ctx, "committees/packet.html", {**_shared(ctx), **data})


# --- dashboard -----------------------------------------------------------------------------

def my_tasks_section(ctx: Context) -> Section | None:
    """The viewer's open tasks, on the dashboard (installed by `api.committees.area`)."""
    mine = tasks.my_tasks(ctx)
    if not mine:
        return None
    return Section("committees.my_tasks", "committees/_my_tasks.html", {"my_tasks": mine, **_shared(ctx)},
                   order=30)
