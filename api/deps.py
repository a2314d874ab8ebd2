"""Request dependencies: the database session, the rules in force, and who is asking."""

from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from api.access import Viewer, load_viewer
from api.collective.models import Collective, Person
from api.config import Settings
from api.errors import AppError, Forbidden
from api.rules.schema import GovernanceRules
from api.security import read_token, same_token
from api.timeutil import local, now

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_db(request: Request) -> Iterator[Session]:
    """A session per request. Writers commit explicitly in their service; anything not
    committed is rolled back here, so a failed request leaves nothing half-saved."""
    session = request.app.state.db.sessionmaker()
    try:
        yield session
    finally:
        # close() rolls back what was not committed; loaded objects stay readable for
        # the error handlers and templates that run after this point.
        session.close()


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


@dataclass
class RulesInForce:
    rules: GovernanceRules
    version_id: int


def get_rules(request: Request) -> RulesInForce:
    return RulesInForce(request.app.state.rules.rules, request.app.state.rules_version_id)


def get_collective(db: Session = Depends(get_db)) -> Collective:
    collective = db.get(Collective, 1)
    if collective is None:  # pragma: no cover - init always creates it
        raise AppError("error.not_initialised")
    return collective


class SignInRequired(AppError):
    status = 401

    def __init__(self) -> None:
        super().__init__("error.unauthorized")


def _viewer_for(request: Request, db: Session, person_id: int | None) -> Viewer | None:
    if person_id is None:
        return None
    person = db.get(Person, person_id)
    if person is None or not person.is_active:
        return None
    tz = request.app.state.rules.rules.collective.timezone
    viewer = load_viewer(db, person, local(now(), tz).date())
    request.state.viewer = viewer
    return viewer


def optional_viewer(request: Request, db: Session = Depends(get_db),
                    token: str | None = Depends(oauth2)) -> Viewer | None:
    settings: Settings = request.app.state.settings
    if token:
        return _viewer_for(request, db, read_token(settings.secret_key, token,
                                                   settings.token_ttl_seconds))
    return _viewer_for(request, db, request.session.get("pid"))


def current_viewer(viewer: Viewer | None = Depends(optional_viewer)) -> Viewer:
    """The signed-in person (bearer token for the API, session cookie for pages)."""
    if viewer is None:
        raise SignInRequired()
    return viewer


def admin_viewer(viewer: Viewer = Depends(current_viewer)) -> Viewer:
    if not viewer.is_admin:
        raise Forbidden("error.admin_only")
    return viewer


async def check_csrf(request: Request) -> None:
    """Every page form carries the session's CSRF token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    form = await request.form()
    if not same_token(form.get("csrf_token"), request.session.get("csrf")):
        raise Forbidden("error.csrf")


class NeedsSignIn(Exception):
    """A page asked for by someone not signed in (or whose session expired)."""

    def __init__(self, next_path: str, expired: bool):
        self.next_path, self.expired = next_path, expired


def page_viewer(request: Request, viewer: Viewer | None = Depends(optional_viewer)) -> Viewer:
    if viewer is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise NeedsSignIn(path if request.method == "GET" else "/", expired="pid" in request.session)
    return viewer


def page_admin(viewer: Viewer = Depends(page_viewer)) -> Viewer:
    if not viewer.is_admin:
        raise Forbidden("error.admin_only")
    return viewer
