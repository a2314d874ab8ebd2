"""The outbox of reminders, each person's notification preferences, and sign-in links.

Outbox rows are keyed by (kind, object_type, object_id, offset_seconds, recipient_id, due_at):
planning the same deadline twice, from a restart or a second worker, inserts nothing new.

`next_attempt_at` is the one column the due sweep reads: it starts equal to `send_at` (when
the reminder should go), moves forward by the backoff after a failure, and by the lease while
a worker holds the row in `sending`. The index (status, next_attempt_at) turns the sweep
into an index range search, whatever the number of future rows.

Message-ID: `<reminder-{id}.{kind}@{domain}>`, fixed by the row id, so a retried or
duplicated send carries the same Message-ID and mail clients show it once.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime
from api.timeutil import now


class Status(StrEnum):
    planned = "planned"
    sending = "sending"  # claimed by a worker until next_attempt_at (its lease)
    sent = "sent"
    failed = "failed"  # after max_attempts; shown to the admin, who may retry
    cancelled = "cancelled"  # deadline moved, recipient left the list, paused, unsubscribed
    local = "local"  # no SMTP host: kept in the local mailbox (admin page)


DUE_STATUSES = (Status.planned, Status.sending)


class OutboxMessage(Base):
    __tablename__ = "outbox_message"
    __table_args__ = (
        UniqueConstraint("kind", "object_type", "object_id", "offset_seconds", "recipient_id",
                         "due_at", name="uq_outbox_message_key"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_item", "object_type", "object_id", "kind"),
        # A voter's next reminder of a decision, read on every vote.
        Index("ix_outbox_recipient_item", "recipient_id", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int] = mapped_column(Integer)
    offset_seconds: Mapped[int] = mapped_column(Integer, default=0)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"),
                                              index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the deadline, as planned
    send_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when it should go (planned)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)  # what the sweep reads
    digest: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=Status.planned)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(200), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    language: Mapped[str] = mapped_column(String(2), default="fr")
    subject: Mapped[str | None] = mapped_column(String(300))
    # Snapshot of the deadline, so delivery renders without asking the area.
    title_fr: Mapped[str] = mapped_column(String(300), default="")
    title_en: Mapped[str] = mapped_column(String(300), default="")
    path: Mapped[str] = mapped_column(String(300), default="/")
    confidential_category: Mapped[str | None] = mapped_column(String(64))
    body_id: Mapped[int | None] = mapped_column(Integer)
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    location: Mapped[str | None] = mapped_column(String(300))
    # What the item is about, one "Label : value" per line (funder, amount, grant, owner).
    details_fr: Mapped[str | None] = mapped_column(Text)
    details_en: Mapped[str | None] = mapped_column(Text)
    # Rendered message: kept for the local mailbox (and pre-rendered sign-in links).
    body_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_fr

    def details(self, lang: str) -> list[str]:
        text = self.details_en if lang == "en" else self.details_fr
        return [line for line in (text or "").splitlines() if line.strip()]


class Mode(StrEnum):
    immediate = "immediate"
    digest = "digest"


class NotificationPreference(Base):
    """A person's choices; no row means the defaults (every kind, immediately)."""

    __tablename__ = "notification_preference"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"),
                                           primary_key=True)
    muted_kinds: Mapped[str] = mapped_column(Text, default="")  # comma-separated kinds
    mode: Mapped[str] = mapped_column(String(16), default=Mode.immediate)
    digest_hour: Mapped[int] = mapped_column(Integer, default=7)
    paused_until: Mapped[date | None] = mapped_column(Date)
    unsubscribe_token: Mapped[str] = mapped_column(String(64), unique=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    @property
    def muted(self) -> set[str]:
        return {k for k in self.muted_kinds.split(",") if k}

    def set_muted(self, kinds: set[str]) -> None:
        self.muted_kinds = ",".join(sorted(kinds))


class LoginLink(Base):
    """A single-use sign-in link sent by email; only the token's hash is kept."""

    __tablename__ = "login_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
