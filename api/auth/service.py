"""Signing in: password check with a limit on failed attempts per email address.

A failed attempt is counted even though the request answers an error (which otherwise
changes nothing): it is written in its own transaction, by the function that says so.
"""

from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from api.collective.models import Person, SignInAttempt
from api.collective.service import find_person_by_email
from api.config import Settings
from api.context import Context
from api.db import Database
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


def record_failure_in_own_transaction(database: Database, email: str, ip: str | None) -> None:
    with database.session() as session:
        session.add(SignInAttempt(email=email, ip=ip))


def authenticate(ctx: Context, email: str, password: str, ip: str | None = None) -> Person:
    """The person, or BadCredentials / TooMany. Failures are counted per email."""
    session, settings = ctx.session, ctx.settings
    email = email.strip().lower()
    if recent_failures(session, email, settings) >= settings.signin_max_failures:
        raise TooMany("auth.too_many_attempts", minutes=settings.signin_window_seconds // 60)
    person = find_person_by_email(session, email)
    if person is None or not person.is_active or not verify_password(password, person.password_hash):
        # Counted once this request's transaction has ended (it answers an error).
        ctx.after_end(lambda: record_failure_in_own_transaction(ctx.database, email, ip))
        raise BadCredentials()
    session.execute(delete(SignInAttempt).where(SignInAttempt.email == email))
    return person
