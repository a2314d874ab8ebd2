"""Preferences, unsubscribe, the admin's retry, and single-use sign-in links by email.

Every function works in the caller's unit of work (`ctx`) and never commits: the request,
the delivery batch or the test that opened the unit of work does.
"""

import hashlib
import secrets
from datetime import date, timedelta
from urllib.parse import urlencode

from sqlalchemy import func, select, update

from api.collective.models import Person
from api.collective.service import find_person_by_email
from api.context import Context
from api.errors import Invalid, NotFound
from api.timeutil import now
from notifications.models import LoginLink, Mode, NotificationPreference, OutboxMessage, Status
from notifications.render import letterhead, render_reminder, render_signin

LOGIN_LINK_TTL = timedelta(minutes=15)
LINKS_PER_TTL = 3
SIGNIN_KIND = "signin_link"


def get_preference(ctx: Context, person_id: int) -> NotificationPreference:
    """The person's preferences, created with the defaults (and an unsubscribe token) the
    first time; safe when two workers create it at once (INSERT ... ON CONFLICT DO NOTHING)."""
    session = ctx.session
    pref = session.get(NotificationPreference, person_id)
    if pref is not None:
        return pref
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(NotificationPreference).values(
        person_id=person_id, muted_kinds="", mode=Mode.immediate,
        digest_hour=ctx.rules.reminders.digest_default_hour,
        unsubscribe_token=secrets.token_urlsafe(32), updated_at=now()).on_conflict_do_nothing())
    return session.get(NotificationPreference, person_id, populate_existing=True)


def update_preference(ctx: Context, kinds: set[str], mode: str, digest_hour: int,
                      paused_until: date | None) -> NotificationPreference:
    """The signed-in person's choices: the kinds received (the others are muted), immediate
    or daily digest at `digest_hour`, and a pause until a day."""
    known = set(ctx.rules.reminders.kinds)
    if mode not in (Mode.immediate, Mode.digest):
        raise Invalid("notif.error.mode", field="mode")
    if not 0 <= digest_hour <= 23:
        raise Invalid("notif.error.hour", field="digest_hour")
    pref = get_preference(ctx, ctx.viewer.id)
    pref.set_muted(known - set(kinds))
    pref.mode = mode
    pref.digest_hour = digest_hour
    pref.paused_until = paused_until
    ctx.session.flush()
    return pref


def preference_by_token(ctx: Context, token: str) -> NotificationPreference:
    pref = None
    if token and len(token) <= 64 and token.isascii() and token.isprintable():
        pref = ctx.session.execute(select(NotificationPreference)
                                   .where(NotificationPreference.unsubscribe_token == token)
                                   ).scalar_one_or_none()
    if pref is None:
        raise NotFound()
    return pref


def unsubscribe(ctx: Context, token: str, kind: str | None) -> NotificationPreference:
    """Stop one kind of reminder (or all of them) for the person holding this token."""
    pref = preference_by_token(ctx, token)
    known = set(ctx.rules.reminders.kinds)
    pref.set_muted(pref.muted | ({kind} if kind in known else known))
    ctx.session.flush()
    return pref


def retry(ctx: Context, message_id: int) -> OutboxMessage:
    row = ctx.session.get(OutboxMessage, message_id)
    if row is None:
        raise NotFound()
    if row.status != Status.failed:
        raise Invalid("notif.error.not_failed")
    row.status, row.attempts, row.next_attempt_at = Status.planned, 0, now()
    ctx.session.flush()
    return row


def preview(ctx: Context, row: OutboxMessage) -> tuple[str, str]:
    """The subject and text the person receives (or received): what was kept for the local
    mailbox, else the email rendered now, in the recipient's language, without their
    unsubscribe link. Only for rows the admin may see (`api.register.scopes.may_see`); a
    sign-in link's text only for its own recipient (see `preview_text_shown`)."""
    if row.body_text and row.subject:
        return row.subject, row.body_text
    if row.kind == SIGNIN_KIND:
        return row.subject or "", ""
    subject, text, _html = render_reminder(letterhead(ctx.settings, ctx.rules), row, row.language, None)
    return subject, text


def preview_text_shown(ctx: Context, row: OutboxMessage) -> bool:
    """A sign-in link is a key to someone's account: only its owner reads its text."""
    return row.kind != SIGNIN_KIND or row.recipient_id == ctx.viewer.id


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_login_link(ctx: Context, email: str, next_path: str = "/") -> OutboxMessage | None:
    """Queue a sign-in link for this address if it belongs to an active person. The caller
    answers the same way either way (an address is never revealed). The row is due at once;
    the caller may wake the delivery job once the unit of work has committed."""
    session = ctx.session
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
    head = letterhead(ctx.settings, ctx.rules)
    url = head.base_url + f"/signin/link/{token}"
    if next_path != "/":  # the page the person came from (a same-site path, checked by the caller)
        url += "?" + urlencode({"next": next_path})
    subject, text, html = render_signin(head, person, url, link.expires_at)
    row = OutboxMessage(kind=SIGNIN_KIND, object_type="login_link", object_id=link.id,
                        offset_seconds=0, recipient_id=person.id, due_at=link.expires_at,
                        send_at=current, next_attempt_at=current, digest=False,
                        status=Status.planned, attempts=0, language=person.language,
                        subject=subject, body_text=text, body_html=html, title_fr=subject,
                        title_en=subject, path="/signin/link", all_day=False)
    session.add(row)
    session.flush()
    return row


def use_login_link(ctx: Context, token: str) -> Person:
    """The person this link signs in, once; expired or used links are refused (the caller's
    unit of work is then rolled back: an error changes nothing)."""
    session = ctx.session
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
        raise Invalid("notif.signin.link_invalid")
    return person


def outbox_counts(ctx: Context) -> dict[str, int]:
    rows = ctx.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    return {status: count for status, count in rows}
