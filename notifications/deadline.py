"""`Deadline`: one dated item an area feeds to the reminders and the calendars.

A plain value with no dependency, so that areas, the planner and the calendar can all import
it without importing one another.
"""

from dataclasses import dataclass, field
from datetime import datetime


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
    # What the item is about, one "Label : value" per line in each language (funder, amount,
    # grant, owner): shown under the title in reminder emails.
    details_fr: str = ""
    details_en: str = ""

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_fr
