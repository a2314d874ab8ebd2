"""JSON API: the outbox for the admin (list, retry) and each person's preferences."""

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.access import Viewer
from api.deps import admin_viewer, current_viewer, get_db
from api.errors import Invalid
from api.i18n import t
from api.pagination import PageParams, page_params, paginate
from notifications import context, service
from notifications.models import OutboxMessage, Status
from notifications.schemas import OutboxOut, PreferencesIn, PreferencesOut


def use_app_context(request: Request) -> None:
    """Rendering and planning outside a request read the app's settings and rules."""
    context.configure(request.app.state.settings, request.app.state.rules.rules)


router = APIRouter(prefix="/api/v1", tags=["notifications"], dependencies=[Depends(use_app_context)])


def redact(row: OutboxMessage, viewer: Viewer) -> OutboxOut:
    """An admin without a member seat never reads a confidential item's title."""
    out = OutboxOut.model_validate(row, from_attributes=True)
    if not viewer.can_see(row.confidential_category, row.body_id):
        out.subject = t("notif.outbox.confidential", viewer.lang)
    return out


@router.get("/outbox")
def list_outbox(status: str | None = Query(None, description="planned, sending, sent, failed, cancelled, local"),
                params: PageParams = Depends(page_params), db: Session = Depends(get_db),
                viewer: Viewer = Depends(admin_viewer)) -> dict:
    stmt = select(OutboxMessage).order_by(OutboxMessage.next_attempt_at.desc(), OutboxMessage.id.desc())
    if status:
        if status not in Status.__members__:
            raise Invalid("notif.error.status", field="status")
        stmt = stmt.where(OutboxMessage.status == status)
    return paginate(db, stmt, params, lambda row: redact(row, viewer).model_dump(mode="json"))


@router.post("/outbox/{message_id}/retry")
def retry_outbox(message_id: int, db: Session = Depends(get_db),
                 viewer: Viewer = Depends(admin_viewer)) -> OutboxOut:
    return redact(service.retry(db, message_id), viewer)


def _prefs_out(pref, request: Request) -> PreferencesOut:
    known = list(context.rules().reminders.kinds)
    base = request.app.state.settings.base_url.rstrip("/")
    return PreferencesOut(kinds=[k for k in known if k not in pref.muted], mode=pref.mode,
                          digest_hour=pref.digest_hour, paused_until=pref.paused_until,
                          unsubscribe_url=f"{base}/unsubscribe/{pref.unsubscribe_token}")


@router.get("/preferences")
def get_preferences(request: Request, db: Session = Depends(get_db),
                    viewer: Viewer = Depends(current_viewer)) -> PreferencesOut:
    pref = service.get_preference(db, viewer.id)
    db.commit()
    return _prefs_out(pref, request)


@router.put("/preferences")
def put_preferences(data: PreferencesIn, request: Request, db: Session = Depends(get_db),
                    viewer: Viewer = Depends(current_viewer)) -> PreferencesOut:
    pref = service.update_preference(db, viewer.id, set(data.kinds), data.mode, data.digest_hour,
                                     data.paused_until)
    return _prefs_out(pref, request)
