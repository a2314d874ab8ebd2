"""Signing in: password check with a limit on failed attempts per email address."""

from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from api.collective.models import Person, SignInAttempt
from api.collective.service import find_person_by_email
from api.config import Settings
from api.errors import AppError, TooMany
from api.security import verify_password
from api.timeutil import now


class BadCredentials(AppError):
    status = 401

    def __init__(self) -> None:
        super().__init__("auth.bad_credentials")


def recent_failures(session: Session, email: str, settings: Settings) -> int:
    since = now() - timedelta(seconds=settings.signin_window_seconds)
    return session.execute(
        select(func.count()).select_from(SignInAttempt)
        .where(SignInAttempt.email == email, SignInAttempt.at >= since)
    ).scalar_one()


def authenticate(session: Session, email: str, password: str, settings: Settings,
                 ip: str | None = None) -> Person:
    """The person, or BadCredentials / TooMany. Failures are counted per email."""
    email = email.strip().lower()
    if recent_failures(session, email, settings) >= settings.signin_max_failures:
        raise TooMany("auth.too_many_attempts", minutes=settings.signin_window_seconds // 60)
    person = find_person_by_email(session, email)
    if person is None or not person.is_active or not verify_password(password, person.password_hash):
        session.add(SignInAttempt(email=email, ip=ip))
        session.commit()
        raise BadCredentials()
    session.execute(delete(SignInAttempt).where(SignInAttempt.email == email))
    session.commit()
    return person
