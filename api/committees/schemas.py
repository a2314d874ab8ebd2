"""Input and output shapes for tasks and meetings (API and page forms).

Inputs refuse at the edge what no service should see (control characters, ids outside the
databases' range, dates outside 1900-2200). Outputs (`...Out`) are what the API sends:
moments as ISO 8601 with their offset, hours as decimal strings ("1.50")."""

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas import Day, IdField, Instant, Moment, line, text

Priority = Literal["low", "normal", "high"]
LinkType = Literal["grant_application", "report", "decision", "meeting"]
AttendanceStatus = Literal["present", "apologies", "absent"]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


Title = line(1, 200)
Description = text(10_000)
Place = line(max_length=300)
VideoUrl = line(max_length=500, pattern=r"^https?://\S+$")
ItemKind = line(1, 64)
Minutes = text(50_000)


# --- inputs ----------------------------------------------------------------------------------

class TaskIn(Input):
    body_id: IdField
    title: Title
    description: Description | None = None
    # A naive date-time is a wall-clock time in the collective's time zone.
    due_at: Moment | None = None
    priority: Priority = "normal"
    owner_ids: list[IdField] = Field(default_factory=list, max_length=20)
    link_type: LinkType | None = None
    link_id: IdField | None = None

    @model_validator(mode="after")
    def _link_pair(self):
        if (self.link_type is None) != (self.link_id is None):
            raise ValueError("link_type and link_id go together")
        return self


class TaskPatch(Input):
    title: Title | None = None
    description: Description | None = None
    due_at: Moment | None = None
    priority: Priority | None = None
    owner_ids: list[IdField] | None = Field(default=None, max_length=20)
    link_type: LinkType | None = None
    link_id: IdField | None = None


class CommentIn(Input):
    text: text(5_000, min_length=1)


class TimeEntryIn(Input):
    hours: Decimal = Field(gt=0, le=24, max_digits=4, decimal_places=2)
    on_date: Day
    note: line(max_length=200) | None = None
    person_id: IdField | None = None


class MeetingIn(Input):
    body_id: IdField
    title: Title
    starts_at: Moment
    ends_at: Moment | None = None
    place: Place | None = None
    video_url: VideoUrl | None = None


class MeetingPatch(Input):
    title: Title | None = None
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    place: Place | None = None
    video_url: VideoUrl | None = None


class AttendanceIn(Input):
    seat_id: IdField | None = None
    person_id: IdField | None = None
    status: AttendanceStatus

    @model_validator(mode="after")
    def _who(self):
        if self.seat_id is None and self.person_id is None:
            raise ValueError("give seat_id or person_id")
        return self


class AgendaItemIn(Input):
    title: Title
    kind: ItemKind = "discussion"
    description: Description | None = None
    minutes: Minutes | None = None
    decision_id: IdField | None = None


class AgendaItemPatch(Input):
    title: Title | None = None
    kind: ItemKind | None = None
    description: Description | None = None
    minutes: Minutes | None = None
    decision_id: IdField | None = None


class ReorderIn(Input):
    # Plain ints: an id that is not on the agenda is refused by the service, naming the field
    # `item_ids` and the unknown ids (never sent to the database).
    item_ids: list[int] = Field(max_length=500)


class MinutesDecisionIn(Input):
    decision_id: IdField


# --- outputs: tasks --------------------------------------------------------------------------

class PersonRefOut(BaseModel):
    id: int
    name: str


class LinkOut(BaseModel):
    type: str
    id: int


class TaskOut(BaseModel):
    id: int
    body_id: int
    title: str
    description: str | None
    due_at: Instant | None  # UTC
    due_local: Instant | None  # the same moment in the collective's zone
    overdue: bool
    priority: str
    owners: list[PersonRefOut]
    link: LinkOut | None
    state: str
    blocked_reason: str | None
    confidential_category: str | None
    allowed_transitions: list[str]
    comments: int  # how many
    created_at: Instant


class WarningOut(BaseModel):
    """Saved, but worth a look (a due date already past)."""

    code: str
    field: str
    message: str


class TaskSavedOut(TaskOut):
    warnings: list[WarningOut]


class AuthorOut(BaseModel):
    id: int | None
    name: str | None


class CommentOut(BaseModel):
    id: int
    author: AuthorOut
    text: str
    created_at: Instant


class CommentList(BaseModel):
    items: list[CommentOut]


class TimeEntryOut(BaseModel):
    id: int
    person_id: int
    organisation_id: int | None
    hours: str  # exact decimal, "1.50"
    on_date: date
    note: str | None


class TimeEntryList(BaseModel):
    items: list[TimeEntryOut]


class CommitteeOut(BaseModel):
    id: int
    key: str
    name: str
    mandate: str | None
    board_visible: bool
    open_tasks: int | None  # None when the board is not visible to the person


class CommitteeList(BaseModel):
    items: list[CommitteeOut]


class HoursWorkloadRowOut(BaseModel):
    organisation_id: int
    organisation: str
    open_tasks: int
    hours: str  # exact decimal, "3.65"


class HoursWorkloadOut(BaseModel):
    start: date
    end: date  # inclusive
    unit: str
    items: list[HoursWorkloadRowOut]


# --- outputs: meetings -----------------------------------------------------------------------

class QuorumOut(BaseModel):
    voting_seats: int
    present_voting: int
    required: int
    reached: bool
    basis: str  # the decision kind whose quorum applies, or "default"


class MeetingOut(BaseModel):
    id: int
    body_id: int
    title: str
    starts_at: Instant
    ends_at: Instant | None
    place: str | None
    video_url: str | None
    state: str
    confidential_category: str | None
    minutes_decision_id: int | None
    agenda_items: int  # visible to the person
    quorum: QuorumOut
    allowed_transitions: list[str]


class AgendaItemOut(BaseModel):
    id: int
    number: int  # 1..n among the items the person may see
    title: str
    kind: str
    in_camera: bool
    description: str | None
    minutes: str | None
    decision_id: int | None


class AgendaOut(BaseModel):
    items: list[AgendaItemOut]


class AttendanceOut(BaseModel):
    seat_id: int
    person_id: int
    name: str
    role: str
    voting: bool
    status: str


class AttendanceList(BaseModel):
    items: list[AttendanceOut]
    quorum: QuorumOut


class AttendanceSavedOut(AttendanceOut):
    quorum: QuorumOut


class DecisionRowOut(BaseModel):
    id: int
    title: str
    kind: str
    state: str
    closed_at: Instant | None
    meeting_id: int | None


class MinutesOut(BaseModel):
    meeting: MeetingOut
    version: Literal["complete", "public"]
    attendance: list[AttendanceOut]
    quorum: QuorumOut
    items: list[AgendaItemOut]
    decisions_in_meeting: list[DecisionRowOut]
    decisions_online: list[DecisionRowOut]
