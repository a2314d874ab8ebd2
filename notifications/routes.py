"""JSON API: the outbox for the admin (list, retry) and each person's preferences."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from api.context import Context
from api.deps import AdminCtx, ViewerCtx
from api.errors import ERROR_RESPONSES, Invalid
from api.i18n import t
from api.pagination import PageParams, page_params, paginate
from api.register.scopes import Scope, current_scope, current_scopes, may_see
from api.schemas import Id, Page
from notifications import service
from notifications.models import NotificationPreference, OutboxMessage, Status
from notifications.schemas import OutboxOut, OutboxPreviewOut, PreferencesIn, PreferencesOut

Paging = Annotated[PageParams, Depends(page_params)]
router = APIRouter(prefix="/api/v1", tags=["notifications"], responses=ERROR_RESPONSES)


def redact(ctx: Context, row: OutboxMessage, now: Scope | None = None) -> OutboxOut:
    """An admin without a member seat never reads a confidential item's title (the item as
    planned, and as it is `now`: one made confidential since hides its reminders' titles).
    Each row carries a preview of its email, under the same mask as the outbox page."""
    viewer = ctx.viewer
    out = OutboxOut.model_validate(row)
    if not may_see(viewer, (row.confidential_category, row.body_id), now):
        out.subject = t("notif.outbox.confidential", viewer.lang)
        out.preview = OutboxPreviewOut(subject=out.subject, text=None, masked=True)
        return out
    subject, text = service.preview(ctx, row)
    out.preview = OutboxPreviewOut(subject=subject,
                                   text=(text or None) if service.preview_text_shown(ctx, row) else None)
    return out


@router.get("/outbox", response_model=Page[OutboxOut])
def list_outbox(params: Paging, ctx: AdminCtx,
                status: str | None = Query(None, description="planned, sending, sent, failed, cancelled, local")):
    stmt = select(OutboxMessage).order_by(OutboxMessage.next_attempt_at.desc(), OutboxMessage.id.desc())
    if status:
        if status not in Status.__members__:
            raise Invalid("notif.error.status", field="status")
        stmt = stmt.where(OutboxMessage.status == status)
    page = paginate(ctx.session, stmt, params)
    scopes = current_scopes(ctx, {(r.object_type, r.object_id) for r in page["items"]})
    page["items"] = [redact(ctx, r, scopes.get((r.object_type, r.object_id))) for r in page["items"]]
    return page


@router.post("/outbox/{message_id}/retry", response_model=OutboxOut)
def retry_outbox(message_id: Id, ctx: AdminCtx):
    row = service.retry(ctx, message_id)
    return redact(ctx, row, current_scope(ctx, row.object_type, row.object_id))


def _prefs_out(ctx: Context, pref: NotificationPreference) -> PreferencesOut:
    known = list(ctx.rules.reminders.kinds)
    base = ctx.settings.base_url.rstrip("/")
    return PreferencesOut(kinds=[k for k in known if k not in pref.muted], mode=pref.mode,
                          digest_hour=pref.digest_hour, paused_until=pref.paused_until,
                          unsubscribe_url=f"{base}/unsubscribe/{pref.unsubscribe_token}")


@router.get("/preferences", response_model=PreferencesOut)
def get_preferences(ctx: ViewerCtx):
    return _prefs_out(ctx, service.get_preference(ctx, ctx.viewer.id))


@router.put("/preferences", response_model=PreferencesOut)
def put_preferences(data: PreferencesIn, ctx: ViewerCtx):
    pref = service.update_preference(ctx, set(data.kinds), data.mode, data.digest_hour, data.paused_until)
    return _prefs_out(ctx, pref)
