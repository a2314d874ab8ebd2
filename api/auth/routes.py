"""API sign-in: OAuth2 password form -> bearer token; who am I."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from api.auth.service import authenticate
from api.collective.schemas import PersonOut
from api.deps import Ctx, ViewerCtx
from api.errors import ERROR_RESPONSES
from api.security import make_token

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
def issue_token(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()], ctx: Ctx):
    settings = ctx.settings
    person = authenticate(ctx, form.username, form.password,
                          request.client.host if request.client else None)
    return TokenOut(access_token=make_token(settings.secret_key, person.id), token_type="bearer",
                    expires_in=settings.token_ttl_seconds)


@router.get("/me", response_model=MeOut)
def me(ctx: ViewerCtx):
    viewer = ctx.viewer
    return MeOut(**PersonOut.model_validate(viewer.person).model_dump(),
                 seats=[MySeatOut(id=s.id, body_id=s.body_id, role=s.role, voting=s.voting,
                                  organisation_id=s.organisation_id) for s in viewer.seats],
                 is_staff=viewer.is_staff)
