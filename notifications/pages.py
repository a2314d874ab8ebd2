"""Pages: my notification preferences, unsubscribe by token (no sign-in), the admin's
outbox and local mailbox, and signing in with a single-use link sent by email."""

from datetime import date

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.access import Viewer
from api.collective.models import Person
from api.deps import check_csrf, get_db, page_admin, page_viewer
from api.errors import AppError, NotFound
from api.i18n import t
from api.web import add_nav, flash, redirect, render
from notifications import service
from notifications.models import OutboxMessage, Status
from notifications.routes import use_app_context

router = APIRouter(include_in_schema=False,
                   dependencies=[Depends(check_csrf), Depends(use_app_context)])

add_nav("nav.preferences", "/preferences")
add_nav("nav.outbox", "/admin/outbox", admin_only=True)

PER_PAGE = 50


def _kinds(request: Request) -> list[str]:
    return list(request.app.state.rules.rules.reminders.kinds)


def _prefs_page(request: Request, values: dict, errors: dict, status: int = 200):
    return render(request, "notifications/preferences.html",
                  {"values": values, "errors": errors, "kinds": _kinds(request),
                   "hours": list(range(24))}, status=status)


@router.get("/preferences")
def preferences_page(request: Request, db: Session = Depends(get_db),
                     viewer: Viewer = Depends(page_viewer)):
    pref = service.get_preference(db, viewer.id)
    db.commit()
    values = {"kinds": [k for k in _kinds(request) if k not in pref.muted], "mode": pref.mode,
              "digest_hour": pref.digest_hour,
              "paused_until": pref.paused_until.isoformat() if pref.paused_until else ""}
    return _prefs_page(request, values, {})


@router.post("/preferences")
async def preferences_save(request: Request, db: Session = Depends(get_db),
                           viewer: Viewer = Depends(page_viewer)):
    form = await request.form()
    kinds = [k for k in form.getlist("kinds") if k in _kinds(request)]
    mode = str(form.get("mode") or "immediate")
    raw_hour, raw_pause = str(form.get("digest_hour") or "7"), str(form.get("paused_until") or "").strip()
    values = {"kinds": kinds, "mode": mode, "digest_hour": raw_hour, "paused_until": raw_pause}
    errors: dict[str, str] = {}
    paused = None
    if raw_pause:
        try:
            paused = date.fromisoformat(raw_pause)
        except ValueError:
            errors["paused_until"] = t("notif.prefs.bad_date", viewer.lang)
    try:
        hour = int(raw_hour)
    except ValueError:
        hour = -1
    if errors:
        return _prefs_page(request, values, errors, 422)
    try:
        service.update_preference(db, viewer.id, set(kinds), mode, hour, paused)
    except AppError as exc:
        return _prefs_page(request, values, {exc.field or "form": exc.message(viewer.lang)}, 422)
    flash(request, "notif.prefs.saved", "success")
    return redirect("/preferences")


@router.get("/unsubscribe/{token}")
def unsubscribe_page(token: str, request: Request, kind: str | None = None,
                     db: Session = Depends(get_db)):
    service.preference_by_token(db, token)
    kind = kind if kind in _kinds(request) else None
    return render(request, "notifications/unsubscribe.html", {"token": token, "kind": kind, "done": False})


@router.post("/unsubscribe/{token}")
async def unsubscribe_confirm(token: str, request: Request, db: Session = Depends(get_db)):
    form = await request.form()
    kind = str(form.get("kind") or "") or None
    service.unsubscribe(db, token, kind if kind in _kinds(request) else None)
    return render(request, "notifications/unsubscribe.html",
                  {"token": token, "kind": kind if kind in _kinds(request) else None, "done": True})


# --- admin: outbox and local mailbox ----------------------------------------------------

def _visible(row: OutboxMessage, viewer: Viewer) -> bool:
    return viewer.can_see(row.confidential_category, row.body_id)


@router.get("/admin/outbox")
def outbox_page(request: Request, status: str | None = None, page: int = Query(1, ge=1, le=100_000),
                db: Session = Depends(get_db), viewer: Viewer = Depends(page_admin)):
    status = status if status in Status.__members__ else None
    stmt = (select(OutboxMessage, Person.email).join(Person, Person.id == OutboxMessage.recipient_id)
            .order_by(OutboxMessage.next_attempt_at.desc(), OutboxMessage.id.desc()))
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    rows = db.execute(stmt.limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)).all()
    items = [{"row": row, "email": email, "visible": _visible(row, viewer)} for row, email in rows[:PER_PAGE]]
    return render(request, "notifications/outbox.html", {
        "items": items, "status": status, "statuses": list(Status.__members__), "page": page,
        "has_next": len(rows) > PER_PAGE, "counts": service.outbox_counts(db),
        "local_mailbox": not request.app.state.settings.smtp_host})


@router.get("/admin/outbox/{message_id}")
def outbox_message_page(message_id: int, request: Request, db: Session = Depends(get_db),
                        viewer: Viewer = Depends(page_admin)):
    row = db.get(OutboxMessage, message_id)
    if row is None:
        raise NotFound()
    person = db.get(Person, row.recipient_id)
    # A sign-in link is a key to someone's account: only its owner reads it here.
    show_body = _visible(row, viewer) and (row.kind != service.SIGNIN_KIND or row.recipient_id == viewer.id)
    return render(request, "notifications/message.html",
                  {"row": row, "email": person.email if person else "", "visible": _visible(row, viewer),
                   "show_body": show_body})


@router.post("/admin/outbox/{message_id}/retry")
def outbox_retry(message_id: int, request: Request, db: Session = Depends(get_db),
                 viewer: Viewer = Depends(page_admin)):
    service.retry(db, message_id)
    flash(request, "notif.outbox.retried", "success")
    return redirect(f"/admin/outbox/{message_id}")


# --- sign in with a link by email --------------------------------------------------------

@router.get("/signin/link")
def signin_link_page(request: Request):
    return render(request, "notifications/signin_link.html", {"sent": False, "email": ""})


@router.post("/signin/link")
async def signin_link_request(request: Request, db: Session = Depends(get_db)):
    form = await request.form()
    email = str(form.get("email") or "")[:254]
    service.request_login_link(db, email)
    from notifications.scheduler import wake

    wake(request.app)
    # The same answer whether or not the address exists.
    return render(request, "notifications/signin_link.html", {"sent": True, "email": ""})


@router.get("/signin/link/{token}")
def signin_link_confirm(token: str, request: Request):
    # A GET only shows a button: mail scanners that open links must not use them up.
    return render(request, "notifications/signin_link_use.html", {"token": token})


@router.post("/signin/link/{token}")
def signin_link_use(token: str, request: Request, db: Session = Depends(get_db)):
    try:
        person = service.use_login_link(db, token)
    except AppError as exc:
        return render(request, "notifications/signin_link_use.html",
                      {"token": None, "error": exc.key}, status=exc.status)
    request.session.clear()
    request.session["pid"] = person.id
    return redirect("/")


import notifications.demo  # noqa: E402,F401 - registers the demo hook with the pages
