"""The collective and who is in it: organisations, people, bodies and their seats."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, ColumnElement, Date, ForeignKey, Integer, String, Text, UniqueConstraint, and_, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, UTCDateTime
from api.timeutil import now


class OrganisationKind(StrEnum):
    community = "community"
    public_institution = "public_institution"
    neutral = "neutral"


class BodyKind(StrEnum):
    partners_committee = "partners_committee"
    executive_committee = "executive_committee"
    sub_committee = "sub_committee"


class SeatRole(StrEnum):
    chair = "chair"
    member = "member"
    secretary = "secretary"
    treasurer = "treasurer"
    staff_observer = "staff_observer"


class Collective(Base):
    """One collective per database; its identity and display settings."""

    __tablename__ = "collective"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(10), default="fr-CA")
    timezone: Mapped[str] = mapped_column(String(64), default="America/Toronto")
    currency: Mapped[str] = mapped_column(String(3), default="CAD")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32), default=OrganisationKind.community)
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)
    email: Mapped[str | None] = mapped_column(String(254))
    website: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    people: Mapped[list["Person"]] = relationship(back_populates="organisation")


class Person(Base):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    language: Mapped[str] = mapped_column(String(2), default="fr")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Secret for the personal calendar feed URL; rotating it revokes old subscriptions.
    feed_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Carried by every session cookie and API token issued for this person; raising it (sign-out,
    # a password change, "sign out everywhere") ends all of them at their next request.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    organisation: Mapped[Organisation | None] = relationship(back_populates="people")
    seats: Mapped[list["Seat"]] = relationship(back_populates="person")


class Body(Base):
    """A governing body: the partners' committee, the executive committee, a sub-committee."""

    __tablename__ = "body"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    name_fr: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    mandate_fr: Mapped[str | None] = mapped_column(Text)
    mandate_en: Mapped[str | None] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("body.id"))

    parent: Mapped["Body | None"] = relationship(remote_side="Body.id")
    seats: Mapped[list["Seat"]] = relationship(back_populates="body")

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_fr

    def mandate(self, lang: str) -> str | None:
        return self.mandate_en if lang == "en" else self.mandate_fr


class Seat(Base):
    """A person's place on a body, possibly representing an organisation, for a period."""

    __tablename__ = "seat"
    __table_args__ = (UniqueConstraint("person_id", "body_id", "starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), index=True)
    role: Mapped[str] = mapped_column(String(32), default=SeatRole.member)
    voting: Mapped[bool] = mapped_column(Boolean, default=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)

    person: Mapped[Person] = relationship(back_populates="seats")
    body: Mapped[Body] = relationship(back_populates="seats")
    organisation: Mapped[Organisation | None] = relationship()

    def is_current(self, on: date) -> bool:
        return self.starts_on <= on and (self.ends_on is None or self.ends_on >= on)

    @classmethod
    def current_on(cls, on: date) -> ColumnElement[bool]:
        """SQL: the seat is held on this day (the one place this rule is written)."""
        return and_(cls.starts_on <= on, or_(cls.ends_on.is_(None), cls.ends_on >= on))

    @property
    def is_staff(self) -> bool:
        return self.role == SeatRole.staff_observer


class SignInAttempt(Base):
    """Failed sign-ins, kept in the database so the limit holds across app instances; `ip` is
    the client (an IPv6 client by its /64 network), counted per address and on its own."""

    __tablename__ = "signin_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    ip: Mapped[str | None] = mapped_column(String(64), index=True)
    count: Mapped[int] = mapped_column(Integer, default=1)


class Invitation(Base):
    """An invitation by email to sign in for the first time (`api.auth.invitations`): sent by
    an administrator, or by a body's chair to that body. Only the link's hash is kept; a resend
    replaces the link (the old one stops working) and gives it 7 more days."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    body_id: Mapped[int | None] = mapped_column(ForeignKey("body.id"))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    send_count: Mapped[int] = mapped_column(Integer, default=1)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    body: Mapped[Body | None] = relationship()

    def status(self, at: datetime) -> str:
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= at else "pending"


class PasswordReset(Base):
    """A single-use "forgotten password" link sent by email; only the token's hash is kept."""

    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
