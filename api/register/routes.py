"""Reading the register (API and page); confidential events only for those who may see them."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy import select

from api.access import Viewer
from api.deps import PageCtx, ViewerCtx
from api.errors import ERROR_RESPONSES
from api.pagination import PageParams, page_params, paginate
from api.register import service
from api.register.models import RegisterEvent
from api.schemas import MAX_ID, Instant, Page
from api.web import render

router = APIRouter(prefix="/api/v1", tags=["register"], responses=ERROR_RESPONSES)
pages = APIRouter(include_in_schema=False)


class EventOut(BaseModel):
    seq: int
    occurred_at: Instant
    actor_id: int | None
    action: str
    object_type: str
    object_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    rules_version_id: int | None
    prev_hash: str
    hash: str


class VerifyOut(BaseModel):
    ok: bool
    checked: int
    broken_seq: int | None
    reason: str | None


def event_out(event: RegisterEvent) -> EventOut:
    return EventOut(
        seq=event.seq, occurred_at=event.occurred_at, actor_id=event.actor_id,
        action=event.action, object_type=event.object_type, object_id=event.object_id,
        before=event.before, after=event.after, rules_version_id=event.rules_version_id,
        prev_hash=event.prev_hash, hash=event.hash)


def visible_events(viewer: Viewer, object_type: str | None = None, object_id: int | None = None):
    stmt = select(RegisterEvent).where(
        viewer.visible(RegisterEvent.confidential_category, RegisterEvent.body_id))
    if object_type:
        stmt = stmt.where(RegisterEvent.object_type == object_type)
    if object_id:
        stmt = stmt.where(RegisterEvent.object_id == object_id)
    return stmt.order_by(RegisterEvent.seq.desc())


@router.get("/register", response_model=Page[EventOut])
def list_events(params: Annotated[PageParams, Depends(page_params)], ctx: ViewerCtx,
                object_type: str | None = Query(None, max_length=64),
                object_id: int | None = Query(None, ge=1, le=MAX_ID)):
    return paginate(ctx.session, visible_events(ctx.viewer, object_type, object_id), params, event_out)


@router.get("/register/verify", response_model=VerifyOut)
def verify(ctx: ViewerCtx):
    result = service.verify(ctx.session)
    return VerifyOut(ok=result.ok, checked=result.checked, broken_seq=result.broken_seq,
                     reason=result.reason)


@pages.get("/register")
def register_page(request: Request, ctx: PageCtx, page: int = Query(1, ge=1, le=100_000),
                  object_type: str | None = Query(None, max_length=64)):
    data = paginate(ctx.session, visible_events(ctx.viewer, object_type or None),
                    PageParams(page=page, per_page=50))
    return render(request, ctx, "register/list.html", {"data": data, "object_type": object_type or ""})
