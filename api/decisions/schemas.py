"""Input and output shapes for decisions, votes, recusals, comments, alternates and proxies
(API and page forms)."""

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
    # A seat the person votes for as an alternate or a proxy holder (default: their own).
    seat_id: IdField | None = None
    reason: Text | None = Field(default=None, max_length=2000)


class CommentIn(Input):
    text: Text = Field(min_length=1, max_length=5000)


class AlternateIn(Input):
    seat_id: IdField
    person_id: IdField


class ProxyIn(Input):
    holder_id: IdField
    decision_id: IdField | None = None
    meeting_id: IdField | None = None
    statement: Text | None = Field(default=None, max_length=2000)


class WithdrawIn(Input):
    reason: Text = Field(min_length=1, max_length=2000)


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
    person_id: int  # who cast the vote (the titular, or their alternate or proxy holder)
    name: str
    organisation_id: int | None  # the seat's organisation
    organisation: str | None
    voted_at: Instant
    capacity: str = "titular"  # titular | alternate | proxy
    on_behalf_of: str | None = None  # the seat's titular member, when someone else voted
    choice: str | None = None
    reason: str | None = None


class RecusalOut(BaseModel):
    person_id: int
    name: str
    automatic: bool
    reason: str | None


class ProxyOut(BaseModel):
    id: int
    seat_id: int
    grantor_id: int
    grantor: str
    holder_id: int
    holder: str
    decision_id: int | None
    meeting_id: int | None
    statement: str
    created_at: Instant
    revoked_at: Instant | None = None


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
    close_when_all_voted: bool = True
    withdrawal_reason: str | None = None
    ratifies_id: int | None = None  # the decision this vote ratifies
    ratification_id: int | None = None  # the ratification vote of this decision
    proxies: list[ProxyOut] = []


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


class CommentOut(BaseModel):
    id: int
    decision_id: int
    author_id: int
    author: str
    organisation: str | None
    text: str
    created_at: Instant
    edited_at: Instant | None
    editable: bool


class AlternateOut(BaseModel):
    id: int
    seat_id: int
    body_id: int
    titular: str
    person_id: int
    alternate: str
    created_at: Instant
    ended_at: Instant | None


class AlternateList(BaseModel):
    items: list[AlternateOut]


class ProxyList(BaseModel):
    items: list[ProxyOut]


class NudgeOut(BaseModel):
    decision_id: int
    recipients: int  # emails queued
    next_allowed_at: Instant
