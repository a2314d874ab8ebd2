"""Reading and verifying the register (API and pages).

An event is shown only to people who may see its object as it is now AND could see it when
the event was written (`api.register.scopes`): an item made confidential after the fact
hides what was written about it while it was public. The events themselves never change.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy import select

from api.context import Context
from api.deps import PageCtx, ViewerCtx
from api.errors import ERROR_RESPONSES, Invalid
from api.i18n import t
from api.pagination import PageParams, page_params, paginate
from api.register import sentences, service
from api.register.models import RegisterEvent
from api.register.scopes import visible_now
from api.schemas import Instant, Page, QueryId, query_line
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
    code: str | None = None
    head_seq: int = 0
    head_hash: str = service.GENESIS
    signed: bool = False
    unsigned: int = 0
    pending: int = 0  # votes' events written since the check began, linked within a second
    anchor_ok: bool | None = None


class HeadOut(BaseModel):
    seq: int
    hash: str
    anchor: str  # "SEQ:HASH", as `relais register verify --anchor` takes it


def event_out(event: RegisterEvent) -> EventOut:
    return EventOut(
        seq=event.seq, occurred_at=event.occurred_at, actor_id=event.actor_id,
        action=event.action, object_type=event.object_type, object_id=event.object_id,
        before=event.before, after=event.after, rules_version_id=event.rules_version_id,
        prev_hash=event.prev_hash, hash=event.hash)


def visible_events(ctx: Context, object_type: str | None = None, object_id: int | None = None):
    """The events the viewer may read: as written, and about an object still visible now."""
    viewer = ctx.viewer
    stmt = select(RegisterEvent).where(
        viewer.visible(RegisterEvent.confidential_category, RegisterEvent.body_id),
        visible_now(ctx.registry, viewer, RegisterEvent.object_type, RegisterEvent.object_id))
    for kind, may_read in ctx.registry.readers.items():
        if not may_read(ctx):
            stmt = stmt.where(RegisterEvent.object_type != kind)
    if object_type:
        stmt = stmt.where(RegisterEvent.object_type == object_type)
    if object_id:
        stmt = stmt.where(RegisterEvent.object_id == object_id)
    return stmt.order_by(RegisterEvent.seq.desc())


def verify_now(ctx: Context, anchor: str | None) -> service.VerifyResult:
    """Verify the chain with the signing key, and the anchor when one is given."""
    parsed = None
    if anchor is not None and anchor.strip():
        parsed = service.parse_anchor(anchor)
        if parsed is None:
            raise Invalid("register.anchor_invalid", field="anchor")
    service.seal(ctx)  # what is pending is linked first: the whole register is checked
    return service.verify(ctx.session, service.key_of(ctx), anchor=parsed)


@router.get("/register", response_model=Page[EventOut])
def list_events(params: Annotated[PageParams, Depends(page_params)], ctx: ViewerCtx,
                object_type: query_line(64) = None, object_id: QueryId = None):
    service.seal(ctx)  # a vote's event, pending for a moment, is listed in its place
    return paginate(ctx.session, visible_events(ctx, object_type, object_id), params, event_out)


@router.get("/register/head", response_model=HeadOut)
def register_head(ctx: ViewerCtx):
    seq, digest = service.head(ctx)
    return HeadOut(seq=seq, hash=digest, anchor=f"{seq}:{digest}")


@router.get("/register/verify", response_model=VerifyOut)
def verify(ctx: ViewerCtx, anchor: str | None = Query(None, max_length=100,
                                                       description="SEQ:HASH printed in an email, minutes or packet")):
    result = verify_now(ctx, anchor)
    return VerifyOut(**vars(result))


@pages.get("/register")
def register_page(request: Request, ctx: PageCtx, page: int = Query(1, ge=1, le=100_000),
                  object_type: query_line(64) = None):
    service.seal(ctx)  # a vote's event, pending for a moment, is listed in its place
    data = paginate(ctx.session, visible_events(ctx, object_type or None),
                    PageParams(page=page, per_page=50))
    seq, digest = service.head(ctx)
    lang = ctx.lang
    return render(request, ctx, "register/list.html", {"data": data, "object_type": object_type or "",
                                                        "head_seq": seq, "head_hash": digest,
                                                        # actions as sentences, not codes
                                                        "describe": lambda e: sentences.sentence(
                                                            e.action, e.object_type, e.object_id, lang),
                                                        "object_name": lambda k: sentences.type_name(k, lang),
                                                        "state_change": lambda e: sentences.change(e, lang)})


@pages.get("/register/verify")
def verify_page(request: Request, ctx: PageCtx, anchor: str | None = Query(None, max_length=200)):
    seq, digest = service.head(ctx)
    values = {"head_seq": seq, "head_hash": digest, "anchor": anchor or "", "error": None, "result": None}
    if anchor is None:  # the form alone
        return render(request, ctx, "register/verify.html", values)
    try:
        values["result"] = verify_now(ctx, anchor)
    except Invalid as exc:
        values["error"] = t(exc.key, ctx.lang)
        return render(request, ctx, "register/verify.html", values, status=422)
    return render(request, ctx, "register/verify.html", values)
