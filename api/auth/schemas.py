"""Input and output shapes of getting in: invitations, "forgotten password", a new password
(the API and the page forms share them)."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from api.collective.schemas import Name, Password
from api.schemas import IdField, Instant, line

InvitedRole = Literal["member", "secretary", "treasurer", "staff_observer"]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class InvitationIn(Input):
    """Invite someone by email. A new address needs a name (the person is created, with no
    password); with `body_id`, they get a seat on that body (an administrator, or that body's
    chair, may do it)."""

    email: EmailStr
    name: Name | None = None
    language: str = Field(default="fr", pattern="^(fr|en)$")
    body_id: IdField | None = None
    role: InvitedRole = "member"


class InvitationOut(BaseModel):
    id: int
    person_id: int
    email: str
    name: str
    body_id: int | None
    invited_by_id: int | None
    status: Literal["pending", "accepted", "revoked", "expired"]
    sent_at: Instant
    send_count: int
    expires_at: Instant
    accepted_at: Instant | None


class NewPasswordIn(Input):
    password: Password


class PasswordChangeIn(Input):
    current_password: line(1, 200)
    new_password: Password


class PasswordResetRequestIn(Input):
    # A typo is named ("not an email address") rather than met with "if it is known, a link
    # was sent": the format says nothing about which addresses exist.
    email: EmailStr


def invitation_out(invitation, at: datetime) -> InvitationOut:
    return InvitationOut(id=invitation.id, person_id=invitation.person_id, email=invitation.person.email,
                         name=invitation.person.name, body_id=invitation.body_id,
                         invited_by_id=invitation.invited_by_id, status=invitation.status(at),
                         sent_at=invitation.sent_at, send_count=invitation.send_count,
                         expires_at=invitation.expires_at, accepted_at=invitation.accepted_at)
