"""Signing in and ending sessions.

Failed attempts are limited per (address, client) and per client, never per address alone:
a client that guessed wrong too often is stopped, even with the right password, while the
member signing in from their own computer is never locked out by someone else's guesses.
A client is its network address; an IPv6 client is its /64 network (one home, one phone).

A failed attempt is counted even though the request answers an error (which otherwise
changes nothing): it is written in its own transaction, by the function that says so.

Ending a person's sessions raises their session version: every session cookie and API token
issued before stops working at its next request (`api.deps`).
"""

import ipaddress
from datetime import timedelta

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session

from api.collective.models import Person, SignInAttempt
from api.collective.service import find_person_by_email
from api.config import Settings
from api.context import Context
from api.db import Database
from api.errors import AppError, TooMany
from api.register import service as register
from api.security import verify_password
from api.timeutil import now
from api.viewers import membership_changed

# Failures one client may make in the window across all addresses, as a multiple of the
# failures allowed on one address: 5 per address, 20 in all.
ADDRESSES_PER_CLIENT = 4


class BadCredentials(AppError):
    status = 401

    def __init__(self) -> None:
        super().__init__("auth.bad_credentials")


def client_key(ip: str | None) -> str:
    """Who is trying, as counted by the limit: the address, an IPv6 one by its /64."""
    if not ip:
        return "unknown"
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def recent_failures(session: Session, email: str, client: str, settings: Settings) -> tuple[int, int]:
    """Failures in the window: (for this address from this client, from this client in all)."""
    since = now() - timedelta(seconds=settings.signin_window_seconds)
    here, in_all = session.execute(
        select(func.count(case((SignInAttempt.email == email, 1))), func.count())
        .select_from(SignInAttempt)
        .where(SignInAttempt.ip == client, SignInAttempt.at >= since)
    ).one()
    return here, in_all


def record_failure_in_own_transaction(database: Database, email: str, client: str, window_seconds: int) -> None:
    with database.session() as session:
        # Failures older than the window count for nothing any more.
        session.execute(delete(SignInAttempt).where(SignInAttempt.at < now() - timedelta(seconds=window_seconds)))
        session.add(SignInAttempt(email=email, ip=client))


def authenticate(ctx: Context, email: str, password: str, ip: str | None = None) -> Person:
    """The person, or BadCredentials / TooMany (this client failed too often)."""
    session, settings = ctx.session, ctx.settings
    email = email.strip().lower()
    client = client_key(ip)
    here, in_all = recent_failures(session, email, client, settings)
    if here >= settings.signin_max_failures or in_all >= settings.signin_max_failures * ADDRESSES_PER_CLIENT:
        raise TooMany("auth.too_many_attempts", minutes=settings.signin_window_seconds // 60)
    person = find_person_by_email(session, email)
    if person is None or not person.is_active or not verify_password(password, person.password_hash):
        # Counted once this request's transaction has ended (it answers an error).
        window = settings.signin_window_seconds
        ctx.after_end(lambda: record_failure_in_own_transaction(ctx.database, email, client, window))
        raise BadCredentials()
    # This client's mistakes on this address are forgiven; nobody else's.
    session.execute(delete(SignInAttempt).where(SignInAttempt.email == email, SignInAttempt.ip == client))
    return person


def end_sessions(ctx: Context, person_id: int) -> int:
    """Every session cookie and API token of this person issued until now stops working.
    Returns the new session version (for a cookie that must go on: `api.security.start_session`)."""
    version = ctx.session.execute(
        update(Person).where(Person.id == person_id)
        .values(session_version=Person.session_version + 1)
        .returning(Person.session_version)
    ).scalar_one()
    # Cached viewers carry the version they were loaded with: load them again.
    membership_changed(ctx.session)
    return version


def sign_out_everywhere(ctx: Context, person: Person) -> int:
    """An administrator (or the person) ends all of a person's sessions; kept in the register."""
    version = end_sessions(ctx, person.id)
    register.record(ctx.session, action="person.signed_out_everywhere", object_type="person",
                    object_id=person.id, actor_id=ctx.actor_id)
    return version
