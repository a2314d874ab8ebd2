"""Preferences, unsubscribe, the admin's retry, and single-use sign-in links by email."""

import hashlib
import secrets
from datetime import date, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from api.collective.models import Person
from api.collective.service import find_person_by_email
from api.errors import Invalid, NotFound
from api.timeutil import now
from notifications import context
from notifications.models import LoginLink, Mode, NotificationPreference, OutboxMessage, Status

LOGIN_LINK_TTL = timedelta(minutes=15)
LINKS_PER_TTL = 3
SIGNIN_KIND = "signin_link"


def get_preference(session: Session, person_id: int) -> NotificationPreference:
    """The person's preferences, created with the defaults (and an unsubscribe token) the
    first time; safe when two workers create it at once (INSERT ... ON CONFLICT DO NOTHING)."""
    pref = session.get(NotificationPreference, person_id)
    if pref is not None:
        return pref
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(NotificationPreference).values(
        person_id=person_id, muted_kinds="", mode=Mode.immediate,
        digest_hour=context.rules().reminders.digest_default_hour,
        unsubscribe_token=secrets.token_urlsafe(32), updated_at=now()).on_conflict_do_nothing())
    return session.get(NotificationPreference, person_id, populate_existing=True)


def update_preference(session: Session, person_id: int, kinds: set[str], mode: str,
                      digest_hour: int, paused_until: date | None) -> NotificationPreference:
    known = set(context.rules().reminders.kinds)
    if mode not in (Mode.immediate, Mode.digest):
        raise Invalid("notif.error.mode", field="mode")
    if not 0 <= digest_hour <= 23:
        raise Invalid("notif.error.hour", field="digest_hour")
    pref = get_preference(session, person_id)
    pref.set_muted(known - set(kinds))
    pref.mode = mode
    pref.digest_hour = digest_hour
    pref.paused_until = paused_until
    session.commit()
    return pref


def preference_by_token(session: Session, token: str) -> NotificationPreference:
    pref = None
    if token and len(token) <= 64:
        pref = session.execute(select(NotificationPreference)
                               .where(NotificationPreference.unsubscribe_token == token)).scalar_one_or_none()
    if pref is None:
        raise NotFound()
    return pref


def unsubscribe(session: Session, token: str, kind: str | None) -> NotificationPreference:
    """Stop one kind of reminder (or all of them) for the person holding this token."""
    pref = preference_by_token(session, token)
    known = set(context.rules().reminders.kinds)
    pref.set_muted(pref.muted | ({kind} if kind in known else known))
    session.commit()
    return pref


def retry(session: Session, message_id: int) -> OutboxMessage:
    row = session.get(OutboxMessage, message_id)
    if row is None:
        raise NotFound()
    if row.status != Status.failed:
        raise Invalid("notif.error.not_failed")
    row.status, row.attempts, row.next_attempt_at = Status.planned, 0, now()
    session.commit()
    return row


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_login_link(session: Session, email: str) -> OutboxMessage | None:
    """Queue a sign-in link for this address if it belongs to an active person. The caller
    answers the same way either way (an address is never revealed)."""
    from notifications.render import render_signin

    person = find_person_by_email(session, email.strip().lower()) if email else None
    if person is None or not person.is_active:
        return None
    current = now()
    recent = session.execute(select(func.count()).select_from(LoginLink).where(
        LoginLink.person_id == person.id, LoginLink.created_at > current - LOGIN_LINK_TTL)).scalar_one()
    if recent >= LINKS_PER_TTL:  # nobody can flood someone's inbox with links
        return None
    token = secrets.token_urlsafe(32)
    link = LoginLink(person_id=person.id, token_hash=_hash(token),
                     expires_at=current + LOGIN_LINK_TTL, created_at=current)
    session.add(link)
    session.flush()
    settings = context.settings()
    url = settings.base_url.rstrip("/") + f"/signin/link/{token}"
    subject, text, html = render_signin(person, url, link.expires_at)
    row = OutboxMessage(kind=SIGNIN_KIND, object_type="login_link", object_id=link.id,
                        offset_seconds=0, recipient_id=person.id, due_at=link.expires_at,
                        send_at=current, next_attempt_at=current, digest=False,
                        status=Status.planned, attempts=0, language=person.language,
                        subject=subject, body_text=text, body_html=html, title_fr=subject,
                        title_en=subject, path="/signin/link", all_day=False)
    session.add(row)
    session.commit()
    return row


def use_login_link(session: Session, token: str) -> Person:
    """The person this link signs in, once; expired or used links are refused."""
    link = None
    if token and len(token) <= 100:
        link = session.execute(select(LoginLink).where(LoginLink.token_hash == _hash(token))
                               ).scalar_one_or_none()
    current = now()
    if link is None or link.used_at is not None or link.expires_at <= current:
        raise Invalid("notif.signin.link_invalid")
    # Single use even with two clicks at once: only one UPDATE matches used_at IS NULL.
    done = session.execute(update(LoginLink).where(LoginLink.id == link.id,
                                                   LoginLink.used_at.is_(None))
                           .values(used_at=current))
    person = session.get(Person, link.person_id)
    if not done.rowcount or person is None or not person.is_active:
        session.rollback()
        raise Invalid("notif.signin.link_invalid")
    session.commit()
    return person


def outbox_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    return {status: count for status, count in rows}


