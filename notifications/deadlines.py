"""The one interface between areas and the reminders / calendars.

An area describes each dated item as a `Deadline` and:
  * calls `upsert_deadline(session, deadline)` in the same transaction whenever the item is
    created, its date moves, its people change (for example a voter has voted and leaves
    `recipient_ids`), so future reminders are (re)planned and stale ones cancelled;
  * calls `cancel_deadline(session, kind, object_type, object_id)` when the item no longer
    needs reminders (decision closed, report submitted, task done, meeting cancelled);
  * registers a provider with `@provider("kind")` returning its deadlines between two
    instants, used by the calendar page, the ICS feeds and a full re-sync.

The reminders layer, not the areas, drops any recipient who may not see a confidential item
(`confidential_category` + `body_id`, checked with `api.access`).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Deadline:
    kind: str  # a key of `reminders.kinds` in the rules: decision_closing, report_due, ...
    object_type: str  # "decision", "grant_application", "report", "task", "meeting"
    object_id: int
    due_at: datetime  # aware, UTC
    title_fr: str
    title_en: str
    path: str  # link to the item, relative to the base URL: "/decisions/12"
    recipient_ids: frozenset[int] = field(default_factory=frozenset)
    confidential_category: str | None = None
    body_id: int | None = None
    all_day: bool = False  # a date without a time of day (report due date)
    location: str | None = None

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_fr


Provider = Callable[[Session, datetime, datetime], Iterable[Deadline]]
PROVIDERS: dict[str, Provider] = {}


def provider(kind: str) -> Callable[[Provider], Provider]:
    def register(fn: Provider) -> Provider:
        PROVIDERS[kind] = fn
        return fn

    return register


def deadlines_between(session: Session, start: datetime, end: datetime,
                      kinds: Iterable[str] | None = None) -> list[Deadline]:
    """Every area's deadlines in [start, end), unfiltered (callers filter by viewer)."""
    from api.areas import import_all_areas

    import_all_areas()
    wanted = set(kinds) if kinds is not None else None
    found: list[Deadline] = []
    for kind, fn in PROVIDERS.items():
        if wanted is None or kind in wanted:
            found.extend(fn(session, start, end))
    return sorted(found, key=lambda d: d.due_at)


def upsert_deadline(session: Session, deadline: Deadline) -> None:
    """(Re)plan the reminders of this deadline. Implemented by notifications.planner."""
    from notifications import planner

    planner.plan_deadline(session, deadline)


def cancel_deadline(session: Session, kind: str, object_type: str, object_id: int) -> None:
    """Cancel the future reminders of this item. Implemented by notifications.planner."""
    from notifications import planner

    planner.cancel(session, kind, object_type, object_id)
