"""API sign-in: OAuth2 password form -> bearer token."""

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.orm import Session

from api.auth.service import authenticate
from api.collective.schemas import PersonOut
from api.deps import current_viewer, get_db
from api.security import make_token

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post("/auth/token")
def issue_token(request: Request, form: OAuth2PasswordRequestForm = Depends(),
                db: Session = Depends(get_db)) -> dict:
    settings = request.app.state.settings
    person = authenticate(db, form.username, form.password, settings,
                          request.client.host if request.client else None)
    return {"access_token": make_token(settings.secret_key, person.id), "token_type": "bearer",
            "expires_in": settings.token_ttl_seconds}


@router.get("/me")
def me(viewer=Depends(current_viewer)) -> dict:
    return {
        **PersonOut.model_validate(viewer.person).model_dump(),
        "seats": [{"id": s.id, "body_id": s.body_id, "role": s.role, "voting": s.voting,
                   "organisation_id": s.organisation_id} for s in viewer.seats],
        "is_staff": viewer.is_staff,
    }
