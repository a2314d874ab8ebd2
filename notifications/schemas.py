"""Shapes of the outbox and preferences in the API.

The outbox's datetimes are plain `datetime`s: the API has always sent them as pydantic
writes them ("2026-10-20T12:00:00Z"), unlike the `api.schemas.Instant` of other areas.
"""

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import Day, Whole, line


class OutboxPreviewOut(BaseModel):
    """The email as its recipient gets it, for the admin: masked ("(point confidentiel)", no
    text) when the admin may not see the item, as on the outbox page."""

    subject: str = Field(description="the subject the person receives, or the confidentiality mask")
    text: str | None = Field(None, description="the plain-text body; null when masked or a sign-in link")
    masked: bool = Field(False, description="true when the admin may not see the item")


class OutboxOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    object_type: str
    object_id: int
    offset_seconds: int
    recipient_id: int
    due_at: datetime
    send_at: datetime
    next_attempt_at: datetime
    status: str
    attempts: int
    last_error: str | None
    message_id: str | None
    sent_at: datetime | None
    language: str
    subject: str | None
    digest: bool
    preview: OutboxPreviewOut | None = None


class PreferencesIn(BaseModel):
    kinds: list[line(max_length=64)] = Field(default_factory=list, max_length=100,
                                     description="kinds received; the others are muted")
    mode: str = Field("immediate", pattern="^(immediate|digest)$")
    digest_hour: Whole = Field(7, ge=0, le=23)
    paused_until: Day | None = None


class PreferencesOut(BaseModel):
    kinds: list[str]
    mode: str
    digest_hour: int
    paused_until: date | None
    unsubscribe_url: str
