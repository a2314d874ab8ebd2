"""Input and output shapes for organisations, people, bodies and seats (API and forms)."""

from datetime import date

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from api.collective.models import OrganisationKind, SeatRole
from api.schemas import Day, IdField, Line

Name = Field(min_length=1, max_length=200)


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OrganisationIn(Input):
    name: Line = Name
    kind: OrganisationKind = OrganisationKind.community
    is_lead: bool = False
    email: EmailStr | None = None
    website: Line | None = Field(default=None, max_length=300)


class OrganisationPatch(Input):
    name: Line | None = Field(default=None, min_length=1, max_length=200)
    kind: OrganisationKind | None = None
    is_lead: bool | None = None
    email: EmailStr | None = None
    website: Line | None = Field(default=None, max_length=300)


class OrganisationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    kind: str
    is_lead: bool
    email: str | None
    website: str | None


class PersonIn(Input):
    email: EmailStr
    name: Line = Name
    title: Line | None = Field(default=None, max_length=200)
    organisation_id: IdField | None = None
    language: str = Field(default="fr", pattern="^(fr|en)$")
    is_admin: bool = False
    password: Line | None = Field(default=None, min_length=10, max_length=200)


class PersonPatch(Input):
    email: EmailStr | None = None
    name: Line | None = Field(default=None, min_length=1, max_length=200)
    title: Line | None = Field(default=None, max_length=200)
    organisation_id: IdField | None = None
    language: str | None = Field(default=None, pattern="^(fr|en)$")
    is_admin: bool | None = None
    is_active: bool | None = None
    password: Line | None = Field(default=None, min_length=10, max_length=200)


class PersonOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    email: str
    name: str
    title: str | None
    organisation_id: int | None
    language: str
    is_admin: bool
    is_active: bool


class SeatIn(Input):
    person_id: IdField
    body_id: IdField
    role: SeatRole = SeatRole.member
    voting: bool | None = None  # defaults to the role's voting right in the rules
    organisation_id: IdField | None = None
    starts_on: Day | None = None
    ends_on: Day | None = None

    @model_validator(mode="after")
    def _dates(self):
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        return self


class SeatPatch(Input):
    role: SeatRole | None = None
    voting: bool | None = None
    organisation_id: IdField | None = None
    ends_on: Day | None = None


class SeatOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    person_id: int
    body_id: int
    role: str
    voting: bool
    organisation_id: int | None
    starts_on: date
    ends_on: date | None


class BodyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    key: str
    kind: str
    name_fr: str
    name_en: str
    mandate_fr: str | None
    mandate_en: str | None
    parent_id: int | None


class BodyWithSeatsOut(BodyOut):
    seats: list[SeatOut]


class SignInForm(Input):
    email: Line = Field(min_length=3, max_length=254)
    password: Line = Field(min_length=1, max_length=200)

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()
