"""Input shapes for decisions, votes and recusals (API and page forms)."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AttachmentIn(Input):
    title: str = Field(min_length=1, max_length=200)
    url: str = Field(min_length=1, max_length=500, pattern=r"^https?://\S+$")


class DecisionIn(Input):
    kind: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(default="", max_length=20_000)
    body_id: int | None = Field(default=None, ge=1)
    # A time without a zone is a wall-clock time in the collective's zone.
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    meeting_id: int | None = Field(default=None, ge=1)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)


class DecisionPatch(Input):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    text: str | None = Field(default=None, max_length=20_000)
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    meeting_id: int | None = Field(default=None, ge=1)
    attachments: list[AttachmentIn] | None = Field(default=None, max_length=20)


class VoteIn(Input):
    choice: Literal["yes", "no", "abstain"]


class RecusalIn(Input):
    reason: str = Field(min_length=1, max_length=2000)
