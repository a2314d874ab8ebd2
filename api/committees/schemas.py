"""Input and output shapes for tasks and meetings (API and page forms)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Priority = Literal["low", "normal", "high"]
LinkType = Literal["grant_application", "report", "decision", "meeting"]
AttendanceStatus = Literal["present", "apologies", "absent"]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TaskIn(Input):
    body_id: int = Field(ge=1)
    title: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    # A naive date-time is a wall-clock time in the collective's time zone.
    due_at: datetime | None = None
    priority: Priority = "normal"
    owner_ids: list[int] = Field(default_factory=list, max_length=20)
    link_type: LinkType | None = None
    link_id: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _link_pair(self):
        if (self.link_type is None) != (self.link_id is None):
            raise ValueError("link_type and link_id go together")
        return self


class TaskPatch(Input):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    due_at: datetime | None = None
    priority: Priority | None = None
    owner_ids: list[int] | None = Field(default=None, max_length=20)
    link_type: LinkType | None = None
    link_id: int | None = Field(default=None, ge=1)


class CommentIn(Input):
    text: str = Field(min_length=1, max_length=5_000)


class TimeEntryIn(Input):
    hours: Decimal = Field(gt=0, le=24, max_digits=4, decimal_places=2)
    on_date: date
    note: str | None = Field(default=None, max_length=200)
    person_id: int | None = Field(default=None, ge=1)


class MeetingIn(Input):
    body_id: int = Field(ge=1)
    title: str = Field(min_length=1, max_length=200)
    starts_at: datetime
    ends_at: datetime | None = None
    place: str | None = Field(default=None, max_length=300)
    video_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://\S+$")


class MeetingPatch(Input):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    place: str | None = Field(default=None, max_length=300)
    video_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://\S+$")


class AttendanceIn(Input):
    seat_id: int | None = Field(default=None, ge=1)
    person_id: int | None = Field(default=None, ge=1)
    status: AttendanceStatus

    @model_validator(mode="after")
    def _who(self):
        if self.seat_id is None and self.person_id is None:
            raise ValueError("give seat_id or person_id")
        return self


class AgendaItemIn(Input):
    title: str = Field(min_length=1, max_length=200)
    kind: str = Field(default="discussion", min_length=1, max_length=64)
    description: str | None = Field(default=None, max_length=10_000)
    minutes: str | None = Field(default=None, max_length=50_000)
    decision_id: int | None = Field(default=None, ge=1)


class AgendaItemPatch(Input):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    kind: str | None = Field(default=None, min_length=1, max_length=64)
    description: str | None = Field(default=None, max_length=10_000)
    minutes: str | None = Field(default=None, max_length=50_000)
    decision_id: int | None = Field(default=None, ge=1)


class ReorderIn(Input):
    item_ids: list[int] = Field(max_length=500)


class MinutesDecisionIn(Input):
    decision_id: int = Field(ge=1)
