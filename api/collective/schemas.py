"""Input and output shapes for organisations, people, bodies and seats (API and forms)."""

from datetime import date

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from api.collective.models import OrganisationKind, SeatRole
from api.schemas import Day, Flag, IdField, line

Name = line(1, 200)
Title = line(max_length=200)
Website = line(max_length=300)
Password = line(10, 200)


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OrganisationIn(Input):
    name: Name
    kind: OrganisationKind = OrganisationKind.community
    is_lead: Flag = False
    email: EmailStr | None = None
    website: Website | None = None


class OrganisationPatch(Input):
    name: Name | None = None
    kind: OrganisationKind | None = None
    is_lead: Flag | None = None
    email: EmailStr | None = None
    website: Website | None = None


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
    name: Name
    title: Title | None = None
    organisation_id: IdField | None = None
    language: str = Field(default="fr", pattern="^(fr|en)$")
    is_admin: Flag = False
    password: Password | None = None


class PersonPatch(Input):
    email: EmailStr | None = None
    name: Name | None = None
    title: Title | None = None
    organisation_id: IdField | None = None
    language: str | None = Field(default=None, pattern="^(fr|en)$")
    is_admin: Flag | None = None
    is_active: Flag | None = None
    password: Password | None = None


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
    voting: Flag | None = None  # defaults to the role's voting right in the rules
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
    voting: Flag | None = None
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
    email: line(3, 254)
    password: line(1, 200)

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


class TokenForm(BaseModel):
    """The API's sign-in (OAuth2 password form, `POST /api/v1/auth/token`): the address is one
    line like every text, so a control character in it is a 422 naming `username`, refused
    before any attempt is counted."""

    username: line(1, 254)
    password: str = Field(max_length=1024)
    grant_type: str | None = Field(default=None, pattern="^password$")
    scope: line(max_length=1000) = ""
    client_id: line(max_length=200) | None = None
    client_secret: line(max_length=200) | None = None
