"""The decision register: an append-only, hash-chained log of every state change.

Each event also carries a keyed signature of its hash (HMAC with a key derived from the
secret key, which does not live in the database), and the head row the signature of the
last signed event: see `api.register.service` for what each one catches."""

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime


class RegisterEvent(Base):
    """One event. `seq`, `prev_hash` and `hash` are None while it is pending: written by the
    vote path without the head's lock, linked to the chain a moment later (see the service)."""

    __tablename__ = "register_event"
    # Finding the pending events (usually none) reads this small index, not the table.
    __table_args__ = (Index("ix_register_event_pending", "id", postgresql_where=text("seq IS NULL"),
                            sqlite_where=text("seq IS NULL")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    # Visibility: events about a confidential item carry its category and body, so that
    # the register shows them only to people allowed to see the item itself.
    confidential_category: Mapped[str | None] = mapped_column(String(64))
    body_id: Mapped[int | None] = mapped_column(ForeignKey("body.id"))
    rules_version_id: Mapped[int | None] = mapped_column(ForeignKey("rules_version.id"))
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))
    # HMAC of (seq, hash); None only for an event appended without the key, until it is sealed.
    signature: Mapped[str | None] = mapped_column(String(64))


class RegisterHead(Base):
    """A single row holding the chain's tip; locking it serialises appends."""

    __tablename__ = "register_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64))
    # The last signed event and the HMAC of (signed_seq, its hash): a head moved back, or
    # events removed after it, no longer match it.
    signed_seq: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    signature: Mapped[str | None] = mapped_column(String(64))
