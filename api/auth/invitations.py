"""Invitations: an administrator (anyone, any body) or a body's chair (to that body) invites a
person by email. The link, valid 7 days, lets them choose a password or keep signing in by
email link; either way they are signed in and land on their dashboard. A resend gives a new
link (the old one stops working) and 7 more days; a revoked invitation's link is refused.

Only the link's hash is kept. Every function works in the caller's unit of work and flushes.
"""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from api.access import Viewer
from api.auth import emails
from api.auth.schemas import InvitationIn
from api.auth.service import end_sessions
from api.collective import service as collective
from api.collective.models import Body, Invitation, Person, SeatRole
from api.collective.schemas import PersonIn, SeatIn
from api.context import Context
from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.i18n import normalise
from api.register import service as register
from api.security import hash_password
from api.timeutil import now

INVITATION_TTL = timedelta(days=7)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def chaired_body_ids(viewer: Viewer) -> set[int]:
    """Bodies this person chairs today: the ones they may invite to."""
    return {s.body_id for s in viewer.seats if s.role == SeatRole.chair}


def may_invite(viewer: Viewer | None) -> bool:
    return viewer is not None and (viewer.is_admin or bool(chaired_body_ids(viewer)))


def _may_manage(viewer: Viewer, body_id: int | None) -> bool:
    return viewer.is_admin or (body_id is not None and body_id in chaired_body_ids(viewer))


def invite(ctx: Context, data: InvitationIn) -> Invitation:
    """Invite someone (created if the address is new), with a seat on `body_id` if given."""
    session, viewer = ctx.session, ctx.viewer
    body = None
    if data.body_id is not None:
        body = session.get(Body, data.body_id)
        if body is None:
            raise Invalid("error.body_not_found", field="body_id")
    if not _may_manage(viewer, data.body_id):
        raise Forbidden("invite.forbidden")
    email = str(data.email).lower()
    person = collective.find_person_by_email(session, email)
    if person is None:
        if not data.name:
            raise Invalid("invite.name_required", field="name")
        person = collective.create_person(ctx, PersonIn(email=email, name=data.name, language=data.language))
    elif not person.is_active:
        raise Conflict("invite.inactive", field="email")
    if body is not None and not any(s.person_id == person.id
                                    for s in collective.current_seats(session, body.id, ctx.today)):
        collective.create_seat(ctx, SeatIn(person_id=person.id, body_id=body.id, role=data.role))
    # One link at a time: an earlier invitation still waiting is replaced by this one.
    current = now()
    session.execute(update(Invitation).where(Invitation.person_id == person.id, Invitation.accepted_at.is_(None),
                                             Invitation.revoked_at.is_(None)).values(revoked_at=current))
    token = secrets.token_urlsafe(32)
    invitation = Invitation(person_id=person.id, body_id=body.id if body else None, invited_by_id=viewer.id,
                            token_hash=_hash(token), created_at=current, sent_at=current, send_count=1,
                            expires_at=current + INVITATION_TTL)
    session.add(invitation)
    session.flush()
    _send(ctx, invitation, person, token)
    register.record(session, action="person.invited", object_type="person", object_id=person.id,
                    actor_id=ctx.actor_id, body_id=invitation.body_id)
    return invitation


def _send(ctx: Context, invitation: Invitation, person: Person, token: str) -> None:
    body = ctx.session.get(Body, invitation.body_id) if invitation.body_id else None
    inviter = ctx.session.get(Person, invitation.invited_by_id) if invitation.invited_by_id else None
    emails.queue(ctx, person, "invitation", "invitation", invitation.id, invitation.expires_at, {
        "url": emails.link(ctx, f"/invitation/{token}"),
        "inviter": inviter.name if inviter else ctx.rules.collective.name,
        "body_name": body.name(person.language) if body else "", "path": "/"})


def list_invitations(ctx: Context, limit: int = 200) -> list[Invitation]:
    """The invitations this person manages: all for an administrator, their bodies' for a chair."""
    viewer = ctx.viewer
    query = select(Invitation).order_by(Invitation.id.desc()).limit(limit)
    if not viewer.is_admin:
        chaired = chaired_body_ids(viewer)
        if not chaired:
            return []
        query = query.where(Invitation.body_id.in_(chaired))
    return list(ctx.session.execute(query).scalars())


def get_invitation(ctx: Context, invitation_id: int) -> Invitation:
    """An invitation the viewer manages (404 otherwise, as for an unknown one)."""
    invitation = ctx.session.get(Invitation, invitation_id)
    if invitation is None or not _may_manage(ctx.viewer, invitation.body_id):
        raise NotFound("invite.not_found")
    return invitation


def resend(ctx: Context, invitation_id: int) -> Invitation:
    """A new link, 7 more days; the link sent before stops working."""
    invitation = get_invitation(ctx, invitation_id)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise Conflict("invite.not_pending")
    token = secrets.token_urlsafe(32)
    current = now()
    invitation.token_hash = _hash(token)
    invitation.sent_at, invitation.expires_at = current, current + INVITATION_TTL
    invitation.send_count += 1
    ctx.session.flush()
    _send(ctx, invitation, invitation.person, token)
    register.record(ctx.session, action="person.invitation_resent", object_type="person",
                    object_id=invitation.person_id, actor_id=ctx.actor_id, body_id=invitation.body_id)
    return invitation


def revoke(ctx: Context, invitation_id: int) -> Invitation:
    """The link stops working (the person, and any seat, stay: remove them on their pages)."""
    invitation = get_invitation(ctx, invitation_id)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise Conflict("invite.not_pending")
    invitation.revoked_at = now()
    ctx.session.flush()
    register.record(ctx.session, action="person.invitation_revoked", object_type="person",
                    object_id=invitation.person_id, actor_id=ctx.actor_id, body_id=invitation.body_id)
    return invitation


def _find(ctx: Context, token: str) -> Invitation | None:
    """The invitation this link was sent with, whatever became of it since (None for anything
    that cannot be a link of ours: empty, too long, control characters)."""
    if not (token and len(token) <= 100 and token.isascii() and token.isprintable()):
        return None
    return ctx.session.execute(select(Invitation).where(Invitation.token_hash == _hash(token))
                               ).scalar_one_or_none()


# Why a link that still names its invitation no longer works.
_REFUSED = {"accepted": "invite.link_used", "revoked": "invite.link_revoked", "expired": "invite.link_expired"}


def by_token(ctx: Context, token: str) -> Invitation:
    """The invitation this link belongs to, while it may still be used."""
    invitation = _find(ctx, token)
    if invitation is None or not invitation.person.is_active:
        raise Invalid("invite.link_invalid")
    status = invitation.status(now())
    if status != "pending":
        raise Invalid(_REFUSED[status])
    return invitation


def invitee_language(ctx: Context, token: str) -> str | None:
    """The language of the person this link was sent to, as long as it still names them (also
    once used, revoked or expired); None for a link replaced by a resend, or no link of ours."""
    invitation = _find(ctx, token)
    return normalise(invitation.person.language) if invitation is not None else None


def accept(ctx: Context, token: str, password: str | None) -> Person:
    """Use the link once: with a password (chosen now) or without (signing in by email link
    from then on). A new password ends the person's other sessions."""
    invitation = by_token(ctx, token)
    # Once even with two clicks at once: only one UPDATE finds it still waiting.
    done = ctx.session.execute(update(Invitation).where(
        Invitation.id == invitation.id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
        Invitation.token_hash == _hash(token)).values(accepted_at=now()))
    if not done.rowcount:
        raise Invalid("invite.link_used")
    person = invitation.person
    if password:
        had_password = person.password_hash is not None
        person.password_hash = hash_password(password)
        ctx.session.flush()
        if had_password:
            end_sessions(ctx, person.id)
    register.record(ctx.session, action="person.invitation_accepted", object_type="person",
                    object_id=person.id, actor_id=person.id, body_id=invitation.body_id)
    return person
