"""The decision register: an append-only, hash-chained log of every state change."""

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime


class RegisterEvent(Base):
    __tablename__ = "register_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
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
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class RegisterHead(Base):
    """A single row holding the chain's tip; locking it serialises appends."""

    __tablename__ = "register_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64))
