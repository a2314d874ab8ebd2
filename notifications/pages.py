"""Pages: my notification preferences, unsubscribe by token (no sign-in), the admin's
outbox and local mailbox, and signing in with a single-use link sent by email.

Nothing here commits: the request's unit of work does, and rolls back a page answered
with an error (a form shown again with its errors included)."""

from fastapi import APIRouter, Depends, Query, Request
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import case, select
from starlette.concurrency import run_in_threadpool

from api.collective.models import Person
from api.context import Context
from api.deps import Ctx, PageAdminCtx, PageCtx, check_csrf
from api.errors import AppError, NotFound, message
from api.forms import error_message
from api.i18n import catalog, t
from api.register.scopes import current_scopes, may_see
from api.schemas import Day, Id, line
from api.security import start_session
from api.web import flash, redirect, render, safe_next
from notifications import service
from notifications.models import OutboxMessage, Status
from notifications.render import kind_name
from notifications.scheduler import wake

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])

PER_PAGE = 50
# The same checks as the API's: a day between 1900 and 2200, an address on one line.
DAY = TypeAdapter(Day)
EMAIL = TypeAdapter(line(3, 254))


def _kinds(ctx: Context) -> list[str]:
    return list(ctx.rules.reminders.kinds)


def _prefs_page(request: Request, ctx: Context, values: dict, errors: dict, status: int = 200):
    return render(request, ctx, "notifications/preferences.html",
                  {"values": values, "errors": errors, "kinds": _kinds(ctx),
                   "hours": list(range(24))}, status=status)


@router.get("/preferences")
def preferences_page(request: Request, ctx: PageCtx):
    pref = service.get_preference(ctx, ctx.viewer.id)
    values = {"kinds": [k for k in _kinds(ctx) if k not in pref.muted], "mode": pref.mode,
              "digest_hour": pref.digest_hour,
              "paused_until": pref.paused_until.isoformat() if pref.paused_until else ""}
    return _prefs_page(request, ctx, values, {})


@router.post("/preferences")
async def preferences_save(request: Request, ctx: PageCtx):
    form = await request.form()
    kinds = [k for k in form.getlist("kinds") if k in _kinds(ctx)]
    mode = str(form.get("mode") or "immediate")
    raw_hour, raw_pause = str(form.get("digest_hour") or "7"), str(form.get("paused_until") or "").strip()
    values = {"kinds": kinds, "mode": mode, "digest_hour": raw_hour, "paused_until": raw_pause}
    errors: dict[str, str] = {}
    paused = None
    if raw_pause:
        try:
            paused = DAY.validate_python(raw_pause)
        except ValidationError as exc:
            errors["paused_until"] = error_message(exc.errors()[0], ctx.lang)
    try:
        hour = int(raw_hour)
    except ValueError:
        hour = -1
    if errors:
        return _prefs_page(request, ctx, values, errors, 422)
    try:
        service.update_preference(ctx, set(kinds), mode, hour, paused)
    except AppError as exc:
        return _prefs_page(request, ctx, values, {exc.field or "form": message(exc, ctx.lang)}, 422)
    flash(request, "notif.prefs.saved", "success")
    return redirect("/preferences")


@router.get("/unsubscribe/{token}")
def unsubscribe_page(token: str, request: Request, ctx: Ctx, kind: str | None = None):
    service.preference_by_token(ctx, token)
    kind = kind if kind in _kinds(ctx) else None
    return render(request, ctx, "notifications/unsubscribe.html", {"token": token, "kind": kind, "done": False})


@router.post("/unsubscribe/{token}")
async def unsubscribe_confirm(token: str, request: Request, ctx: Ctx):
    form = await request.form()
    kind = str(form.get("kind") or "") or None
    kind = kind if kind in _kinds(ctx) else None
    service.unsubscribe(ctx, token, kind)
    return render(request, ctx, "notifications/unsubscribe.html", {"token": token, "kind": kind, "done": True})


# --- admin: outbox and local mailbox ----------------------------------------------------

def _visible_rows(ctx: Context, rows: list[OutboxMessage]) -> dict[int, bool]:
    """Whether the admin may read each row's title: the item as planned AND as it is now (an
    item made confidential since hides the titles of its reminders, sent ones included)."""
    scopes = current_scopes(ctx, {(r.object_type, r.object_id) for r in rows})
    return {r.id: may_see(ctx.viewer, (r.confidential_category, r.body_id), scopes.get((r.object_type, r.object_id)))
            for r in rows}


def reason_text(reason: str | None, lang: str) -> str:
    """Why a row was cancelled, in words ("replaced by a new date"); an SMTP error as is."""
    if not reason:
        return ""
    key = f"notif.reason.{reason}"
    return t(key, lang) if key in catalog() else reason


def kind_label(row: OutboxMessage, lang: str) -> str:
    """What kind of email a row is. Account emails (sign-in link, invitation, password reset)
    share one kind, which no preference may pause or unsubscribe from; each is named by what
    it is about."""
    if row.kind == service.SIGNIN_KIND and row.object_type in ("invitation", "password_reset"):
        return t(f"notif.kind.account_{row.object_type}", lang)
    return kind_name(row.kind, lang)


@router.get("/admin/outbox")
def outbox_page(request: Request, ctx: PageAdminCtx, status: str | None = None,
                page: int = Query(1, ge=1, le=100_000)):
    status = status if status in Status.__members__ else None
    # What went out lately first (sent, failed, cancelled: newest first), then what is planned
    # (soonest first): a year of planned report reminders does not bury yesterday's failure.
    planned = OutboxMessage.status == Status.planned
    stmt = (select(OutboxMessage, Person.email).join(Person, Person.id == OutboxMessage.recipient_id)
            .order_by(case((planned, 1), else_=0),
                      case((planned, OutboxMessage.next_attempt_at)).asc(),
                      case((~planned, OutboxMessage.next_attempt_at)).desc(), OutboxMessage.id.desc()))
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    rows = ctx.session.execute(stmt.limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)).all()
    visible = _visible_rows(ctx, [row for row, _ in rows[:PER_PAGE]])
    items = [{"row": row, "email": email, "visible": visible[row.id],
              "subject": service.preview(ctx, row)[0] if visible[row.id] else "",
              "kind": kind_label(row, ctx.lang),
              "reason": reason_text(row.last_error, ctx.lang)} for row, email in rows[:PER_PAGE]]
    return render(request, ctx, "notifications/outbox.html", {
        "items": items, "status": status, "statuses": list(Status.__members__), "page": page,
        "has_next": len(rows) > PER_PAGE, "counts": service.outbox_counts(ctx),
        "local_mailbox": not ctx.settings.smtp_host})


@router.get("/admin/outbox/{message_id}")
def outbox_message_page(message_id: Id, request: Request, ctx: PageAdminCtx):
    row = ctx.session.get(OutboxMessage, message_id)
    if row is None:
        raise NotFound()
    person = ctx.session.get(Person, row.recipient_id)
    visible = _visible_rows(ctx, [row])[row.id]
    # A sign-in link is a key to someone's account: only its owner reads it here.
    show_body = visible and service.preview_text_shown(ctx, row)
    subject, body = service.preview(ctx, row) if visible else ("", "")
    return render(request, ctx, "notifications/message.html",
                  {"row": row, "email": person.email if person else "", "visible": visible,
                   "show_body": show_body and bool(body), "subject": subject, "body": body,
                   "hidden": bool(row.body_text) or not visible or row.kind == service.SIGNIN_KIND,
                   "kind": kind_label(row, ctx.lang), "reason": reason_text(row.last_error, ctx.lang)})


@router.post("/admin/outbox/{message_id}/retry")
def outbox_retry(message_id: Id, request: Request, ctx: PageAdminCtx):
    service.retry(ctx, message_id)
    flash(request, "notif.outbox.retried", "success")
    return redirect(f"/admin/outbox/{message_id}")


# --- sign in with a link by email --------------------------------------------------------

@router.get("/signin/link")
def signin_link_page(request: Request, ctx: Ctx, next: str | None = None):
    return render(request, ctx, "notifications/signin_link.html",
                  {"sent": False, "email": "", "next": safe_next(next)})


@router.post("/signin/link")
async def signin_link_request(request: Request, ctx: Ctx):
    form = await request.form()
    email = str(form.get("email") or "")
    # The page the person came from, kept through the link (same-site paths only).
    next_url = safe_next(str(form.get("next") or "/"))
    try:
        email = EMAIL.validate_python(email.strip())
    except ValidationError as exc:
        return render(request, ctx, "notifications/signin_link.html",
                      {"sent": False, "email": "", "next": next_url,
                       "error": error_message(exc.errors()[0], ctx.lang)}, status=422)
    service.request_login_link(ctx, email, next_url)
    # Sent at once rather than at the next tick, once the link is committed. The runtime
    # holds the scheduler only when it runs in this process (`start_scheduler`).
    scheduler = getattr(ctx.runtime, "scheduler", None)
    ctx.after_commit(lambda: wake(scheduler))
    # The same answer whether or not the address exists.
    return render(request, ctx, "notifications/signin_link.html", {"sent": True, "email": "", "next": next_url})


@router.get("/signin/link/{token}")
def signin_link_confirm(token: str, request: Request, ctx: Ctx, next: str | None = None):
    # A GET only shows a button: mail scanners that open links must not use them up.
    return render(request, ctx, "notifications/signin_link_use.html", {"token": token, "next": safe_next(next)})


@router.post("/signin/link/{token}")
async def signin_link_use(token: str, request: Request, ctx: Ctx):
    form = await request.form()
    next_url = safe_next(str(form.get("next") or "/"))
    try:
        person = await run_in_threadpool(service.use_login_link, ctx, token)
    except AppError as exc:
        # Shown with its status: the unit of work (the link's use) is rolled back.
        return render(request, ctx, "notifications/signin_link_use.html",
                      {"token": None, "error": exc.key}, status=exc.status)
    start_session(request.session, person.id, person.session_version)
    return redirect(next_url)
