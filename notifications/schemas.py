"""Shapes of the outbox and preferences in the API."""

from datetime import date, datetime

from pydantic import BaseModel, Field


class OutboxOut(BaseModel):
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


class PreferencesIn(BaseModel):
    kinds: list[str] = Field(default_factory=list, description="kinds received; the others are muted")
    mode: str = Field("immediate", pattern="^(immediate|digest)$")
    digest_hour: int = Field(7, ge=0, le=23)
    paused_until: date | None = None


class PreferencesOut(PreferencesIn):
    unsubscribe_url: str
