"""The dashboard: the person's bodies and seats, then what each area has for them.

Areas add a section with `@section`; a section returns None when it has nothing to show.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from api.access import Viewer
from api.deps import get_db, page_viewer
from api.web import render


@dataclass
class Section:
    title_key: str
    template: str  # a partial under templates/
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 50


SectionFn = Callable[[Session, Viewer], Section | None]
SECTIONS: list[SectionFn] = []


def section(fn: SectionFn) -> SectionFn:
    SECTIONS.append(fn)
    return fn


router = APIRouter(include_in_schema=False)


@router.get("/")
def dashboard(request: Request, db: Session = Depends(get_db), viewer: Viewer = Depends(page_viewer)):
    sections = [s for s in (fn(db, viewer) for fn in SECTIONS) if s is not None]
    sections.sort(key=lambda s: s.order)
    return render(request, "dashboard.html", {"sections": sections})
