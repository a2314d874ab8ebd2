"""The dashboard: the person's bodies and seats, then what each area has for them.

Areas add a section with `registry.sections.append(fn)` in their install; `fn(ctx)` returns a
`Section`, or None when it has nothing to show.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request

from api.deps import PageCtx
from api.registry import Registry
from api.web import render


@dataclass
class Section:
    title_key: str
    template: str  # a partial under templates/
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 50


SectionFn = Callable[[Any], Section | None]

router = APIRouter(include_in_schema=False)


@router.get("/")
def dashboard(request: Request, ctx: PageCtx):
    sections = [s for s in (fn(ctx) for fn in ctx.registry.sections) if s is not None]
    sections.sort(key=lambda s: s.order)
    return render(request, ctx, "dashboard.html", {"sections": sections})


def install(registry: Registry) -> None:
    registry.routers.append(router)
