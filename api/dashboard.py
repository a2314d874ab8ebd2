"""The dashboard: what needs the person now, then what each area has for them, then their
bodies and seats.

At the top, "what needs me now": one line per kind of thing waiting, with its count and a
link to its section below (votes waiting for me, reports I own due soon or late, my tasks,
proposals I may open for a vote, the next meeting of my bodies). Kinds with nothing waiting
are left out.

Areas add a section with `registry.sections.append(fn)` in their install; `fn(ctx)` returns a
`Section`, or None when it has nothing to show. A section's count is its `count`, or the
length of the first list in its context. The dashboard adds two sections of its own (installed
last, so every area is there): the proposals the person may open for a vote (the hand-off of
a proposal drafted by someone who may not open it, such as the treasurer's fee split) and the
next meetings of their bodies.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select

from api.context import Context
from api.deps import PageCtx
from api.registry import Registry
from api.web import render


@dataclass
class Section:
    title_key: str
    template: str  # a partial under templates/
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 50
    count: int | None = None  # None: the length of the first list in `context`
    urgent: bool = False  # something in it is late

    @property
    def anchor(self) -> str:
        return "s-" + self.title_key.replace(".", "-").replace("_", "-")

    def counted(self) -> int | None:
        if self.count is not None:
            return self.count
        return next((len(v) for v in self.context.values() if isinstance(v, list | tuple)), None)


SectionFn = Callable[[Any], Section | None]

router = APIRouter(include_in_schema=False)

# The title of a section in the "what needs me now" summary (areas' sections by their title
# key; anything else under its own title).
NOW_LABELS = {
    "decisions.my_open_votes": "dashboard.count.votes",
    "grants.my_reports": "dashboard.count.reports",
    "committees.my_tasks": "dashboard.count.tasks",
    "dashboard.to_open": "dashboard.count.to_open",
    "dashboard.next_meetings": "dashboard.count.meeting",
}


@router.get("/")
def dashboard(request: Request, ctx: PageCtx):
    sections = [s for s in (fn(ctx) for fn in ctx.registry.sections) if s is not None]
    sections.sort(key=lambda s: s.order)
    now = []
    for s in sections:
        count = s.counted()
        if count:
            now.append({"label": NOW_LABELS.get(s.title_key, s.title_key), "count": count,
                        "anchor": s.anchor, "urgent": s.urgent, "meeting": s.context.get("next_meeting")})
    return render(request, ctx, "dashboard.html", {"sections": sections, "now": now})


# --- the dashboard's own sections -------------------------------------------------------------

def proposals_to_open(ctx: Context) -> Section | None:
    """Drafts of the person's bodies whose vote they may open (the rules' allowed roles for
    the transition that leaves the draft state), oldest first."""
    from api.decisions import service as decisions
    from api.decisions.models import Decision

    viewer = ctx.viewer
    bodies = viewer.member_body_ids
    if not bodies and not viewer.is_admin:
        return None
    stmt = select(Decision).where(Decision.rules_version_id.is_(None), Decision.closed_at.is_(None),
                                  viewer.visible(Decision.confidential_category, Decision.body_id))
    if not viewer.is_admin:
        stmt = stmt.where(Decision.body_id.in_(bodies))
    drafts = ctx.session.execute(stmt.order_by(Decision.created_at, Decision.id).limit(50)).scalars().all()
    engine, rules = ctx.registry.engine, ctx.rules
    mine = []
    for d in drafts:
        workflow = rules.workflows.get(d.workflow)
        if workflow is None or d.state != workflow.initial:
            continue
        opening = {tr.trigger for tr in workflow.transitions
                   if d.state in tr.sources and tr.dest not in workflow.final}
        if opening & set(engine.allowed_triggers(ctx, d, viewer.person, rules, decisions.OBJECT_TYPE)):
            mine.append(d)
    if not mine:
        return None
    return Section("dashboard.to_open", "dashboard_to_open.html", {"to_open": mine[:10]},
                   order=15, count=len(mine))


def next_meetings(ctx: Context) -> Section | None:
    """The next meetings (not cancelled) of the bodies where the person holds a seat."""
    from api.committees.common import cancelled_meeting_states
    from api.committees.models import Meeting

    viewer = ctx.viewer
    bodies = {s.body_id for s in viewer.seats}
    if not bodies:
        return None
    meetings = ctx.session.execute(
        select(Meeting).where(Meeting.body_id.in_(bodies), Meeting.starts_at >= ctx.now(),
                              Meeting.state.not_in(cancelled_meeting_states(ctx.rules)),
                              viewer.visible(Meeting.confidential_category, Meeting.body_id))
        .order_by(Meeting.starts_at, Meeting.id).limit(3)).scalars().all()
    if not meetings:
        return None
    return Section("dashboard.next_meetings", "dashboard_meetings.html",
                   {"meetings": list(meetings), "next_meeting": meetings[0]}, order=20, count=1)


def install(registry: Registry) -> None:
    registry.routers.append(router)
    registry.sections += [proposals_to_open, next_meetings]
