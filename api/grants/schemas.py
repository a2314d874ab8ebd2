"""Input and output shapes for funders, applications, requirements and reports (API and forms).

Amounts are dollars as text or numbers: "12 345,67", "12345.67", "12,345.67" and 12345 are
accepted; "12,34.5", "-5" or "1.234" (three decimals) are refused with a clear message.
Texts refuse control characters (`api.schemas.Line` / `Text`), ids are 1..2^31-1, dates fall
between 1900 and 2200: bad input is a 422 naming the field, never a server error.

The `...Out` models are the JSON answers of `api/grants/routes.py`: amounts as decimal
strings ("8500.50"), moments as ISO 8601 in UTC with their offset, dates as YYYY-MM-DD.
"""

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from api.grants.models import Anchor, DueRule, Frequency, FunderKind, RequirementKind
from api.schemas import Day, Flag, IdField, Instant, Moment, Whole, line, text

_FR = re.compile(r"^\d+(,\d{1,2})?$")  # 12345,67 (spaces already removed)
_DOT = re.compile(r"^\d+(\.\d{1,2})?$")  # 12345.67
_EN_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d{1,2})?$")  # 12,345.67
MAX_CENTS = 10**13  # 100 billion dollars


def parse_amount(value: object) -> Decimal | None:
    """Dollars typed by a person, as an exact Decimal; never a float."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise PydanticCustomError("grant_amount", "not an amount")
    if isinstance(value, float):
        value = repr(value)
    text = str(value).strip()
    if text == "":
        return None
    for space in (" ", "\u00a0", "\u202f", "$"):
        text = text.replace(space, "")
    if text.startswith("-"):
        raise PydanticCustomError("grant_amount_negative", "the amount cannot be negative")
    if _FR.match(text):
        text = text.replace(",", ".")
    elif _EN_GROUPED.match(text):
        text = text.replace(",", "")
    elif not _DOT.match(text):
        raise PydanticCustomError("grant_amount", "not an amount like 12 345,67")
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the patterns above prevent it
        raise PydanticCustomError("grant_amount", "not an amount like 12 345,67") from exc
    if amount * 100 >= MAX_CENTS:
        raise PydanticCustomError("grant_amount_too_large", "the amount is too large")
    return amount


Amount = Annotated[Decimal | None, BeforeValidator(parse_amount)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --------------------------------------------------------------------------- input

class FunderIn(Input):
    name: line(1, 200)
    kind: FunderKind = FunderKind.other
    contacts: text(5000) | None = None
    programmes: text(5000) | None = None


class FunderPatch(Input):
    name: line(1, 200) | None = None
    kind: FunderKind | None = None
    contacts: text(5000) | None = None
    programmes: text(5000) | None = None


class RequirementIn(Input):
    kind: RequirementKind = RequirementKind.other
    title: line(max_length=200) | None = None
    due_rule: DueRule = DueRule.fixed
    due_date: Day | None = None
    anchor: Anchor | None = None
    offset_days: Whole = Field(default=0, ge=-366, le=3660)
    frequency: Frequency | None = None
    owner_id: IdField | None = None
    preparation_days: Whole = Field(default=14, ge=0, le=365)


class ApplicationFields(Input):
    programme: line(max_length=200) | None = None
    owner_id: IdField | None = None
    partner_ids: list[IdField] | None = Field(default=None, max_length=100)
    amount_requested: Amount = None
    amount_awarded: Amount = None
    total_cost: Amount = None
    # With its offset, or a wall-clock time in the collective's zone.
    application_deadline: Moment | None = None
    internal_draft_deadline: Day | None = None
    period_start: Day | None = None
    period_end: Day | None = None
    management_fee: Amount = None
    management_fee_rate: Decimal | None = Field(default=None, ge=0, le=100, decimal_places=2)
    notes: text(20_000) | None = None
    # In camera by default (the rules' grants.confidential_category); false makes it visible
    # to staff observers too.
    confidential: Flag | None = None
    submission_decision_id: IdField | None = None

    @field_validator("period_end")
    @classmethod
    def _end_after_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("period_start")
        if value is not None and start is not None and value < start:
            raise PydanticCustomError("grant_end_before_start", "the end is before the start")
        return value


def _not_yes_no(value: object) -> object:
    if isinstance(value, bool):
        raise PydanticCustomError("grant_amount", "not an amount like 12 345,67")
    return value


class ApplicationTriggerParams(Input):
    """What a transition of an application may carry."""

    # approve ("Approuvée par le CE"): the adopted executive-committee decision approving it,
    # a "grant_submission" decision of the body the rules name; required, else 422 naming it.
    decision_id: IdField | None = None
    # award: the amount awarded ("12 345,67"), unless it is already saved on the application.
    amount_awarded: line(max_length=40) | Whole | Annotated[float, BeforeValidator(_not_yes_no)] | None = None


class ApplicationTriggerIn(Input):
    trigger: line(1, 64)
    params: ApplicationTriggerParams = ApplicationTriggerParams()


class ApplicationIn(ApplicationFields):
    funder_id: IdField
    title: line(1, 300)
    requirements: list[RequirementIn] = Field(default=[], max_length=50)


class ApplicationPatch(ApplicationFields):
    funder_id: IdField | None = None
    title: line(1, 300) | None = None


# --------------------------------------------------------------------------- output

class FunderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    kind: str
    contacts: str | None
    programmes: str | None


class ApplicationOut(BaseModel):
    """A grant application as lists show it."""

    id: int
    title: str
    funder_id: int
    funder: str | None
    programme: str | None
    owner_id: int | None
    partner_ids: list[int]
    amount_requested: str | None
    amount_awarded: str | None
    total_cost: str | None
    currency: str
    application_deadline: Instant | None
    internal_draft_deadline: date | None
    period_start: date | None
    period_end: date | None
    management_fee: str | None  # the amount given, or the rate applied to the amount awarded
    management_fee_rate: str | None  # percent
    notes: str | None
    confidential: bool
    submission_decision_id: int | None
    # The adopted decision that approved the application ("Approuvée par le CE"), by its
    # title (an in-camera decision the person does not see is named as such).
    submission_decision: str | None
    state: str
    year: int


class ApplicationStateOut(ApplicationOut):
    """An application with the triggers the person may fire from its state."""

    allowed_transitions: list[str]


class RequirementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    due_rule: str
    frequency: str | None
    anchor: str | None
    offset_days: int
    due_date: date | None
    owner_id: int | None
    preparation_days: int


class ApplicationDetailOut(ApplicationStateOut):
    requirements: list[RequirementOut]


class RequirementCreatedOut(BaseModel):
    id: int
    application_id: int


class ReportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    application_id: int
    requirement_id: int | None
    kind: str
    sequence: int
    due_date: date
    internal_date: date | None
    owner_id: int | None
    state: str
    submitted_at: Instant | None


class ReportDetailOut(ReportOut):
    allowed_transitions: list[str]


# --------------------------------------------------------------------------- report content

class ReportSetupIn(Input):
    """The funder's template (a key of the rules' report_templates; empty: none) and the
    period its indicators cover (empty: the report's own, its quarter or fiscal year for a
    recurring report, otherwise the grant's funded period)."""

    template: line(max_length=64) | None = None
    period_start: Day | None = None
    period_end: Day | None = None

    @field_validator("period_end")
    @classmethod
    def _end_after_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("period_start")
        if value is not None and start is not None and value < start:
            raise PydanticCustomError("grant_end_before_start", "the end is before the start")
        return value


SectionText = text(50_000)


class SectionIn(Input):
    text: SectionText = ""
    # The version the author started from (409 if someone saved in between); omit to overwrite.
    version: Whole | None = Field(default=None, ge=0, le=10**9)


class SectionOut(BaseModel):
    key: str
    title: str
    text: str
    version: int
    updated_at: Instant | None
    updated_by: str | None  # the last editor
    authors: list[str]


class FigureOut(BaseModel):
    key: str
    label: str
    kind: str  # count | hours | percent
    shown: str  # as the funder reads it: small cells hidden


class ReportContentOut(BaseModel):
    id: int
    template: str | None
    language: str
    period_start: date | None
    period_end: date | None
    frozen_at: Instant | None
    text_open: bool
    may_write: bool
    sections: list[SectionOut]
    figures: list[FigureOut]
