"""Input and output shapes of the logbook (API and forms).

Category values are the keys of the rules' logbook categories (checked by the service against
the rules in force: a retired value is refused for a new entry but kept on a corrected one).
Counts are small whole numbers; the note is at most 1 000 characters and holds no name,
address or other identifying detail (the service warns about phone numbers and emails).
"""

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import Day, Flag, IdField, Instant, Whole, line, text

KeyText = line(1, 64)


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReferralIn(Input):
    resource: KeyText
    issue: KeyText | None = None
    organisation_id: IdField | None = None


class EntryFields(Input):
    occurred_on: Day | None = None  # today (in the collective's zone) when not given
    duration_minutes: Whole = Field(default=30, ge=0, le=24 * 60)
    site: KeyText
    mode: KeyText
    # People reached, by age category key: {"teens": 2, "adults": 1}
    people: dict[KeyText, Whole] = Field(min_length=1, max_length=20)
    followups: Whole = Field(default=0, ge=0, le=500)
    issues: list[KeyText] = Field(default=[], max_length=30)
    referrals: list[ReferralIn] = Field(default=[], max_length=30)
    note: text(1000) | None = None
    # The note was checked for phone numbers and emails: the person confirms it anyway.
    note_confirmed: Flag = False


class EntryIn(EntryFields):
    pass


class ReferralOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    resource: str
    issue: str | None
    organisation_id: int | None


class EntryOut(BaseModel):
    id: int
    worker_id: int
    occurred_on: date
    duration_minutes: int
    site: str
    mode: str
    people: dict[str, int]
    people_total: int
    followups: int
    issues: list[str]
    referrals: list[ReferralOut]
    note: str | None
    version: int
    created_at: Instant
    updated_at: Instant
    correctable_until: date | None  # the last day the viewer may correct it (None: never)


class CategoryItemOut(BaseModel):
    key: str
    label: str
    group: str | None
    retired: bool


class CategoryOut(BaseModel):
    name: str
    label: str
    groups: dict[str, str]
    items: list[CategoryItemOut]


class CategoriesOut(BaseModel):
    categories: list[CategoryOut]


class CellOut(BaseModel):
    key: str
    label: str
    count: int | None  # None when hidden by the small-cell rule
    shown: str  # what a reader sees: "34", "< 5"
    percent: str  # "23 %", "—"


class DimensionOut(BaseModel):
    key: str
    label: str
    measure: str  # interventions | people | referrals
    total: int
    cells: list[CellOut]


class StatsOut(BaseModel):
    start: date
    end: date
    worker_id: int | None
    masked: bool  # small cells hidden (anything that leaves the team)
    interventions: str
    people: str
    referrals: str
    followups: str
    hours: str
    dimensions: list[DimensionOut]


class CoordinatorIn(Input):
    person_id: IdField
    coordinator: Flag = True


class TeamMemberOut(BaseModel):
    person_id: int
    name: str
    coordinator: bool


class TeamOut(BaseModel):
    members: list[TeamMemberOut]
