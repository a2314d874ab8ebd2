"""API sign-in: OAuth2 password form -> bearer token; who am I; my password; "forgotten
password"; invitations."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from pydantic import BaseModel

from api.auth import invitations, passwords
from api.auth.schemas import InvitationIn, InvitationOut, PasswordChangeIn, PasswordResetRequestIn, invitation_out
from api.auth.service import authenticate
from api.collective.schemas import PersonOut, TokenForm
from api.deps import Ctx, ViewerCtx
from api.errors import ERROR_RESPONSES, Forbidden
from api.schemas import Id
from api.security import make_token
from api.timeutil import now

router = APIRouter(prefix="/api/v1", tags=["auth"], responses=ERROR_RESPONSES)


class TokenOut(BaseModel):
    access_token: str
    token_type: str
    expires_in: int


class MySeatOut(BaseModel):
    id: int
    body_id: int
    role: str
    voting: bool
    organisation_id: int | None


class MeOut(PersonOut):
    seats: list[MySeatOut]
    is_staff: bool


@router.post("/auth/token", response_model=TokenOut)
def issue_token(request: Request, form: Annotated[TokenForm, Form()], ctx: Ctx):
    settings = ctx.settings
    person = authenticate(ctx, form.username, form.password,
                          request.client.host if request.client else None)
    token = make_token(settings.secret_key, person.id, person.session_version)
    return TokenOut(access_token=token, token_type="bearer", expires_in=settings.token_ttl_seconds)


@router.get("/me", response_model=MeOut)
def me(ctx: ViewerCtx):
    viewer = ctx.viewer
    return MeOut(**PersonOut.model_validate(viewer.person).model_dump(),
                 seats=[MySeatOut(id=s.id, body_id=s.body_id, role=s.role, voting=s.voting,
                                  organisation_id=s.organisation_id) for s in viewer.seats],
                 is_staff=viewer.is_staff)


class AcceptedOut(BaseModel):
    status: str


@router.post("/me/password", response_model=TokenOut)
def change_my_password(request: Request, data: PasswordChangeIn, ctx: ViewerCtx):
    """A new password, the current one checked. Every session and token issued before ends,
    this request's included: the answer carries a fresh token."""
    version = passwords.change_password(ctx, data.current_password, data.new_password,
                                        request.client.host if request.client else None)
    settings = ctx.settings
    return TokenOut(access_token=make_token(settings.secret_key, ctx.viewer.id, version), token_type="bearer",
                    expires_in=settings.token_ttl_seconds)


@router.post("/auth/password-reset", status_code=202, response_model=AcceptedOut)
def forgotten_password(data: PasswordResetRequestIn, ctx: Ctx):
    """Email a link to choose a new password (the same answer whether the address is known)."""
    passwords.request_reset(ctx, data.email)
    return AcceptedOut(status="accepted")


@router.get("/invitations", response_model=list[InvitationOut])
def list_invitations(ctx: ViewerCtx):
    """All invitations for an administrator; a chair's bodies' for a chair."""
    if not invitations.may_invite(ctx.viewer):
        raise Forbidden("invite.forbidden")
    at = now()
    return [invitation_out(i, at) for i in invitations.list_invitations(ctx)]


@router.post("/invitations", status_code=201, response_model=InvitationOut)
def invite(data: InvitationIn, ctx: ViewerCtx):
    return invitation_out(invitations.invite(ctx, data), now())


@router.post("/invitations/{invitation_id}/resend", response_model=InvitationOut)
def resend_invitation(invitation_id: Id, ctx: ViewerCtx):
    return invitation_out(invitations.resend(ctx, invitation_id), now())


@router.post("/invitations/{invitation_id}/revoke", response_model=InvitationOut)
def revoke_invitation(invitation_id: Id, ctx: ViewerCtx):
    return invitation_out(invitations.revoke(ctx, invitation_id), now())
