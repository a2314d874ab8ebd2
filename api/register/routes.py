"""Reading the register (API and page); confidential events only for those who may see them."""

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.access import Viewer
from api.deps import current_viewer, get_db, page_viewer
from api.pagination import PageParams, page_params, paginate
from api.register import service
from api.register.models import RegisterEvent
from api.web import add_nav, render

router = APIRouter(prefix="/api/v1", tags=["register"])
pages = APIRouter(include_in_schema=False)
add_nav("nav.register", "/register")
add_nav("nav.workflows", "/workflows")


def event_out(event: RegisterEvent) -> dict:
    return {
        "seq": event.seq, "occurred_at": event.occurred_at.isoformat(), "actor_id": event.actor_id,
        "action": event.action, "object_type": event.object_type, "object_id": event.object_id,
        "before": event.before, "after": event.after, "rules_version_id": event.rules_version_id,
        "prev_hash": event.prev_hash, "hash": event.hash,
    }


def visible_events(viewer: Viewer, object_type: str | None = None, object_id: int | None = None):
    stmt = select(RegisterEvent).where(
        viewer.visible(RegisterEvent.confidential_category, RegisterEvent.body_id))
    if object_type:
        stmt = stmt.where(RegisterEvent.object_type == object_type)
    if object_id:
        stmt = stmt.where(RegisterEvent.object_id == object_id)
    return stmt.order_by(RegisterEvent.seq.desc())


@router.get("/register")
def list_events(params: PageParams = Depends(page_params),
                object_type: str | None = Query(None, max_length=64),
                object_id: int | None = Query(None, ge=1),
                db: Session = Depends(get_db), viewer: Viewer = Depends(current_viewer)) -> dict:
    return paginate(db, visible_events(viewer, object_type, object_id), params, event_out)


@router.get("/register/verify")
def verify(db: Session = Depends(get_db), _: Viewer = Depends(current_viewer)) -> dict:
    result = service.verify(db)
    return {"ok": result.ok, "checked": result.checked, "broken_seq": result.broken_seq,
            "reason": result.reason}


@pages.get("/register")
def register_page(request: Request, page: int = Query(1, ge=1, le=100_000),
                  object_type: str | None = Query(None, max_length=64),
                  db: Session = Depends(get_db), viewer: Viewer = Depends(page_viewer)):
    data = paginate(db, visible_events(viewer, object_type or None), PageParams(page=page, per_page=50))
    return render(request, "register/list.html", {"data": data, "object_type": object_type or ""})
