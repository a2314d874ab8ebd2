"""Input and output shapes for decisions, votes and recusals (API and page forms)."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import IdField, Instant, Line, Moment, Text


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AttachmentIn(Input):
    title: Line = Field(min_length=1, max_length=200)
    url: Line = Field(min_length=1, max_length=500, pattern=r"^https?://\S+$")


class DecisionIn(Input):
    kind: Line = Field(min_length=1, max_length=64)
    title: Line = Field(min_length=1, max_length=200)
    text: Text = Field(default="", max_length=20_000)
    body_id: IdField | None = None
    # A time without a zone is a wall-clock time in the collective's zone.
    opens_at: Moment | None = None
    closes_at: Moment | None = None
    meeting_id: IdField | None = None
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)


class DecisionPatch(Input):
    title: Line | None = Field(default=None, min_length=1, max_length=200)
    text: Text | None = Field(default=None, max_length=20_000)
    opens_at: Moment | None = None
    closes_at: Moment | None = None
    meeting_id: IdField | None = None
    attachments: list[AttachmentIn] | None = Field(default=None, max_length=20)


class VoteIn(Input):
    choice: Literal["yes", "no", "abstain"]


class RecusalIn(Input):
    reason: Text = Field(min_length=1, max_length=2000)


# --- answers ------------------------------------------------------------------------------

class DecisionSummaryOut(BaseModel):
    id: int
    kind: str
    title: str
    body_id: int
    state: str
    confidential_category: str | None
    opens_at: Instant | None
    closes_at: Instant | None
    closed_at: Instant | None
    created_at: Instant
    meeting_id: int | None
    result: str | None


class AttachmentOut(BaseModel):
    title: str
    url: str


class VoterOut(BaseModel):
    person_id: int
    name: str
    organisation_id: int | None
    organisation: str | None
    voted_at: Instant
    choice: str | None = None


class RecusalOut(BaseModel):
    person_id: int
    name: str
    automatic: bool
    reason: str | None


class DecisionOut(DecisionSummaryOut):
    allowed_transitions: list[str]
    text: str
    workflow: str
    rules_version_id: int | None
    created_by: int | None
    attachments: list[AttachmentOut]
    outcome: dict[str, Any] | None
    voters: list[VoterOut]
    recusals: list[RecusalOut]
    tally: dict[str, int] | None
    results_hidden: bool
    my_vote: str | None
    may_vote: bool
    eligible: int | None
    voted_count: int
    vote_change_allowed: bool


class VoteOut(BaseModel):
    decision_id: int
    seat_id: int
    choice: str
    status: Literal["cast", "changed", "unchanged"]
    state: str
    closed: bool


class RecusalCreatedOut(BaseModel):
    decision_id: int
    seat_id: int
    reason: str | None
    automatic: bool
