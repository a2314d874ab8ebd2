"""Passwords: "forgotten password" by email link, and changing one's own password. A new
password ends every other session and API token of the person (`end_sessions`); the browser
that set it stays signed in with the new session version.

Every function works in the caller's unit of work and flushes."""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import func, select, update

from api.auth import emails
from api.auth.service import BadCredentials, authenticate, end_sessions
from api.collective.models import PasswordReset, Person
from api.collective.service import find_person_by_email
from api.context import Context
from api.errors import Invalid
from api.i18n import normalise
from api.security import hash_password
from api.timeutil import now

RESET_TTL = timedelta(hours=1)
RESETS_PER_TTL = 3


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_reset(ctx: Context, email: str) -> None:
    """Email a link to choose a new password, if the address is an active person's. The caller
    answers the same either way (an address is never revealed); at most 3 links an hour."""
    session = ctx.session
    person = find_person_by_email(session, email.strip().lower()) if email else None
    if person is None or not person.is_active:
        return
    current = now()
    recent = session.execute(select(func.count()).select_from(PasswordReset).where(
        PasswordReset.person_id == person.id, PasswordReset.created_at > current - RESET_TTL)).scalar_one()
    if recent >= RESETS_PER_TTL:  # nobody can flood someone's inbox
        return
    token = secrets.token_urlsafe(32)
    reset = PasswordReset(person_id=person.id, token_hash=_hash(token), created_at=current,
                          expires_at=current + RESET_TTL)
    session.add(reset)
    session.flush()
    emails.queue(ctx, person, "password_reset", "password_reset", reset.id, reset.expires_at,
                 {"url": emails.link(ctx, f"/password/reset/{token}"), "path": "/password/forgot"})


def _find(ctx: Context, token: str) -> PasswordReset | None:
    """The "forgotten password" link with this token, whatever became of it since."""
    if not (token and len(token) <= 100 and token.isascii() and token.isprintable()):
        return None
    return ctx.session.execute(select(PasswordReset).where(PasswordReset.token_hash == _hash(token))
                               ).scalar_one_or_none()


def reset_by_token(ctx: Context, token: str) -> PasswordReset:
    reset = _find(ctx, token)
    if reset is None or reset.used_at is not None or reset.expires_at <= now():
        raise Invalid("password.link_invalid")
    person = ctx.session.get(Person, reset.person_id)
    if person is None or not person.is_active:
        raise Invalid("password.link_invalid")
    return reset


def holder_language(ctx: Context, token: str) -> str | None:
    """The language of the person this link was sent to, also once used or expired; None for
    no link of ours."""
    reset = _find(ctx, token)
    person = ctx.session.get(Person, reset.person_id) if reset is not None else None
    return normalise(person.language) if person is not None else None


def _set_password(ctx: Context, person: Person, password: str) -> int:
    person.password_hash = hash_password(password)
    ctx.session.flush()
    return end_sessions(ctx, person.id)


def reset_password(ctx: Context, token: str, password: str) -> tuple[Person, int]:
    """Use the link once; returns the person and their new session version."""
    reset = reset_by_token(ctx, token)
    current = now()
    done = ctx.session.execute(update(PasswordReset).where(PasswordReset.id == reset.id,
                                                           PasswordReset.used_at.is_(None))
                               .values(used_at=current))
    if not done.rowcount:
        raise Invalid("password.link_invalid")
    # The other links of this person stop working too.
    ctx.session.execute(update(PasswordReset).where(PasswordReset.person_id == reset.person_id,
                                                    PasswordReset.used_at.is_(None)).values(used_at=current))
    person = ctx.session.get(Person, reset.person_id)
    return person, _set_password(ctx, person, password)


def change_password(ctx: Context, current_password: str, new_password: str, ip: str | None) -> int:
    """The signed-in person's new password, their current one checked (wrong guesses count
    against the sign-in limit). Returns the new session version."""
    person = ctx.viewer.person
    if person.password_hash is None:
        raise Invalid("password.none_yet", field="current_password")
    try:
        authenticate(ctx, person.email, current_password, ip)
    except BadCredentials as exc:
        raise Invalid("password.current_wrong", field="current_password") from exc
    return _set_password(ctx, person, new_password)
