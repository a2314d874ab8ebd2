"""Funders, grant applications, their reporting requirements and report instances.

Money is whole cents (BigInteger). `state` columns belong to the workflows of the rules
(`grant_application`, `report`) and change only through the installed engine
(`ctx.registry.engine.fire`).
`deadline_open` is kept by the workflow after-hooks: True while the item's deadline still
matters (the application is not yet submitted, the report not yet submitted), so the
calendar and the reminders can read it without knowing the state names.
"""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, UTCDateTime
from api.timeutil import now


class FunderKind(StrEnum):
    ministry = "ministry"
    foundation = "foundation"
    regional_agreement = "regional_agreement"
    other = "other"


class RequirementKind(StrEnum):
    narrative_interim = "narrative_interim"
    financial = "financial"
    final = "final"
    annual = "annual"  # rapport annuel: after the end of each fiscal year (see recurrence.py)
    other = "other"


class DueRule(StrEnum):
    fixed = "fixed"  # a given date
    offset = "offset"  # offset_days after (or before, negative) a date of the grant
    recurring = "recurring"  # every month / quarter / half-year / year within the funded period


class Anchor(StrEnum):
    period_start = "period_start"  # offset: from the start; recurring: periods counted from it
    period_end = "period_end"
    fiscal_year = "fiscal_year"  # recurring only: periods of the collective's fiscal year


class Frequency(StrEnum):
    monthly = "monthly"
    quarterly = "quarterly"
    semiannual = "semiannual"  # twice a year (a partners' committee's activity reports)
    yearly = "yearly"


class Funder(Base):
    __tablename__ = "grant_funder"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(32), default=FunderKind.other)
    contacts: Mapped[str | None] = mapped_column(Text)
    programmes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


grant_partner = Table(
    "grant_partner",
    Base.metadata,
    Column("application_id", ForeignKey("grant_application.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisation.id"), primary_key=True, index=True),
)


class GrantApplication(Base):
    __tablename__ = "grant_application"
    __table_args__ = (
        Index("ix_grant_application_state_deadline", "state", "application_deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    funder_id: Mapped[int] = mapped_column(ForeignKey("grant_funder.id"), index=True)
    programme: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    amount_requested_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    amount_awarded_cents: Mapped[int | None] = mapped_column(BigInteger)
    total_cost_cents: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="CAD")
    application_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    internal_draft_deadline: Mapped[date | None] = mapped_column(Date, index=True)
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    management_fee_cents: Mapped[int | None] = mapped_column(BigInteger)
    # Basis points (1 % = 100): the fee as a rate of the amount awarded, when no amount is given.
    management_fee_rate_bp: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)
    confidential_category: Mapped[str | None] = mapped_column(String(64))
    body_id: Mapped[int | None] = mapped_column(ForeignKey("body.id"))
    # The adopted executive-committee decision authorising the submission (see guards.py).
    submission_decision_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id"), index=True)
    state: Mapped[str] = mapped_column(String(32), index=True)
    deadline_open: Mapped[bool] = mapped_column(Boolean, default=True)
    draft_open: Mapped[bool] = mapped_column(Boolean, default=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    funder: Mapped[Funder] = relationship()
    partners = relationship("Organisation", secondary=grant_partner, order_by="Organisation.name")
    owner = relationship("Person", foreign_keys=[owner_id])
    # Named when the executive committee approves the application ("Approuvée par le CE").
    submission_decision = relationship("Decision", foreign_keys=[submission_decision_id])
    requirements: Mapped[list["ReportingRequirement"]] = relationship(
        back_populates="application", order_by="ReportingRequirement.id")


class ReportingRequirement(Base):
    __tablename__ = "grant_requirement"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("grant_application.id", ondelete="CASCADE"),
                                                index=True)
    kind: Mapped[str] = mapped_column(String(32), default=RequirementKind.other)
    title: Mapped[str | None] = mapped_column(String(200))
    due_rule: Mapped[str] = mapped_column(String(16), default=DueRule.fixed)
    due_date: Mapped[date | None] = mapped_column(Date)  # fixed
    anchor: Mapped[str | None] = mapped_column(String(16))  # offset; recurring: fiscal_year aligns
    offset_days: Mapped[int] = mapped_column(Integer, default=0)  # offset, and after each recurrence
    frequency: Mapped[str | None] = mapped_column(String(16))  # recurring
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    preparation_days: Mapped[int] = mapped_column(Integer, default=14)

    application: Mapped[GrantApplication] = relationship(back_populates="requirements")

    # A requirement is seen by whoever sees its application (the register reads these).
    @property
    def confidential_category(self) -> str | None:
        return self.application.confidential_category

    @property
    def body_id(self) -> int | None:
        return self.application.body_id


class Report(Base):
    __tablename__ = "grant_report"
    __table_args__ = (
        Index("ix_grant_report_open_due", "deadline_open", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requirement_id: Mapped[int | None] = mapped_column(ForeignKey("grant_requirement.id", ondelete="CASCADE"),
                                                       index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("grant_application.id", ondelete="CASCADE"),
                                                index=True)
    kind: Mapped[str] = mapped_column(String(32), default=RequirementKind.other)
    sequence: Mapped[int] = mapped_column(Integer, default=1)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    internal_date: Mapped[date | None] = mapped_column(Date)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    state: Mapped[str] = mapped_column(String(32), index=True)
    deadline_open: Mapped[bool] = mapped_column(Boolean, default=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # Its content (api/grants/reports.py): the funder's template in the rules, the period its
    # indicators cover (set at creation for a recurring report, its quarter or fiscal year; the
    # grant's funded period when not given), the moment they were frozen.
    template_key: Mapped[str | None] = mapped_column(String(64))
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application: Mapped[GrantApplication] = relationship()
    requirement: Mapped[ReportingRequirement | None] = relationship()
    owner = relationship("Person", foreign_keys=[owner_id])
    sections: Mapped[list["ReportSection"]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportSection.id")
    figures: Mapped[list["ReportFigure"]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportFigure.position")

    # A report is seen by whoever sees its application (the register's hook reads these).
    @property
    def confidential_category(self) -> str | None:
        return self.application.confidential_category

    @property
    def body_id(self) -> int | None:
        return self.application.body_id


class ReportSection(Base):
    """One section of a report to write (a key of its template), saved as a draft by any of
    its authors until the report is submitted; `version` detects a concurrent save."""

    __tablename__ = "grant_report_section"
    __table_args__ = (UniqueConstraint("report_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("grant_report.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    report: Mapped[Report] = relationship(back_populates="sections")
    updated_by = relationship("Person", foreign_keys=[updated_by_id])
    revisions: Mapped[list["ReportSectionRevision"]] = relationship(
        back_populates="section", cascade="all, delete-orphan", order_by="ReportSectionRevision.id")

    @property
    def confidential_category(self) -> str | None:
        return self.report.confidential_category

    @property
    def body_id(self) -> int | None:
        return self.report.body_id


class ReportSectionRevision(Base):
    """Every saved text of a section: who wrote what, when (the section's authors)."""

    __tablename__ = "grant_report_section_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("grant_report_section.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    section: Mapped[ReportSection] = relationship(back_populates="revisions")
    person = relationship("Person")


class ReportFigure(Base):
    """An indicator as frozen at submission: label, expression and raw values, self-contained
    (a later change of the template or of the logbook does not touch it)."""

    __tablename__ = "grant_report_figure"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("grant_report.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(64))
    label_fr: Mapped[str] = mapped_column(String(300))
    label_en: Mapped[str] = mapped_column(String(300))
    expr: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))  # count | hours | percent
    part: Mapped[int] = mapped_column(BigInteger)
    whole: Mapped[int | None] = mapped_column(BigInteger)

    report: Mapped[Report] = relationship(back_populates="figures")
