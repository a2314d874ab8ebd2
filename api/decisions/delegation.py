"""Alternates ("substituts") and written proxies, where the body's rules allow them.

* An **alternate** is a person of the seat's organisation whom the titular member (or the
  body's chair, or an admin) names for the seat. They may vote in place of the titular as
  long as the titular has not voted; the vote counts once for the seat and shows who cast
  it, and the titular cannot vote after it (see `service.cast_vote`). One active alternate per
  seat: naming another ends the previous one.
* A **written proxy** is given by a seat holder to another voting seat holder of the same
  body, for one decision or for the decisions of one meeting, with a statement kept as
  written. At most `proxies.max_per_person` held at once by one person for one vote. While it
  is active the grantor does not vote; they may revoke it until the holder has voted.

Both are recorded in the register: an alternate on the seat's body, a proxy on its decision
(or on its meeting's body for a meeting), with the decision's confidentiality.
"""

from sqlalchemy import and_, func, or_, select

from api.collective.models import Body, Person, Seat, SeatRole
from api.context import Context
from api.decisions import service
from api.decisions.models import Alternate, Decision, Proxy, Vote
from api.decisions.schemas import AlternateIn, ProxyIn
from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.register import service as register
from api.timeutil import now

ALTERNATE_OBJECT = "seat"


# --- alternates ---------------------------------------------------------------------------

def _body_rules(ctx: Context, body_id: int):
    body = ctx.session.get(Body, body_id)
    return ctx.rules.body(body.key) if body is not None else None


def _may_name_for(ctx: Context, seat: Seat) -> bool:
    viewer = ctx.viewer
    return viewer.is_admin or seat.person_id == viewer.id or "chair" in viewer.roles_on(seat.body_id)


def designate_alternate(ctx: Context, data: AlternateIn) -> Alternate:
    session = ctx.session
    seat = session.execute(select(Seat).where(Seat.id == data.seat_id).with_for_update()).scalar_one_or_none()
    if seat is None or not seat.is_current(ctx.today):
        raise Invalid("decision.alternate.seat_not_found", field="seat_id")
    if not _may_name_for(ctx, seat):
        raise Forbidden("decision.alternate.not_your_seat")
    rules = _body_rules(ctx, seat.body_id)
    if rules is None or not rules.alternates:
        raise Conflict("decision.alternate.not_allowed")
    if not seat.voting or seat.role == SeatRole.staff_observer:
        raise Invalid("decision.alternate.seat_not_voting", field="seat_id")
    person = session.get(Person, data.person_id)
    if person is None or not person.is_active:
        raise Invalid("decision.alternate.person_not_found", field="person_id")
    organisation_id = seat.organisation_id or session.get(Person, seat.person_id).organisation_id
    if person.id == seat.person_id or organisation_id is None or person.organisation_id != organisation_id:
        raise Invalid("decision.alternate.other_organisation", field="person_id")
    observer = session.execute(select(Seat.id).where(
        Seat.person_id == person.id, Seat.body_id == seat.body_id, Seat.role == SeatRole.staff_observer,
        Seat.current_on(ctx.today))).first()
    if observer is not None:
        raise Invalid("decision.alternate.staff", field="person_id")
    at = now()
    for previous in session.execute(select(Alternate).where(
            Alternate.seat_id == seat.id, Alternate.ended_at.is_(None))).scalars():
        previous.ended_at = at
    alternate = Alternate(seat_id=seat.id, person_id=person.id, designated_by=ctx.viewer.id, created_at=at)
    session.add(alternate)
    session.flush()
    register.record(session, action="alternate.named", object_type=ALTERNATE_OBJECT, object_id=seat.id,
                    actor_id=ctx.viewer.id, body_id=seat.body_id,
                    after={"alternate_id": alternate.id, "seat_id": seat.id, "titular_id": seat.person_id,
                           "alternate_person_id": person.id})
    return alternate


def end_alternate(ctx: Context, alternate_id: int) -> Alternate:
    session = ctx.session
    alternate = session.get(Alternate, alternate_id)
    seat = session.get(Seat, alternate.seat_id) if alternate is not None else None
    if alternate is None or seat is None:
        raise NotFound("decision.alternate.not_found")
    if not (_may_name_for(ctx, seat) or alternate.person_id == ctx.viewer.id):
        raise NotFound("decision.alternate.not_found")
    if alternate.ended_at is None:
        alternate.ended_at = now()
        register.record(session, action="alternate.ended", object_type=ALTERNATE_OBJECT, object_id=seat.id,
                        actor_id=ctx.viewer.id, body_id=seat.body_id,
                        after={"alternate_id": alternate.id, "seat_id": seat.id})
    session.flush()
    return alternate


def alternates_of(ctx: Context) -> list[dict]:
    """Active alternates of the viewer's seats, and the seats the viewer is alternate for."""
    session, viewer = ctx.session, ctx.viewer
    titular, substitute = Person.__table__.alias("titular"), Person.__table__.alias("substitute")
    rows = session.execute(
        select(Alternate, Seat.body_id, titular.c.name, substitute.c.name)
        .join(Seat, Seat.id == Alternate.seat_id)
        .join(titular, titular.c.id == Seat.person_id).join(substitute, substitute.c.id == Alternate.person_id)
        .where(Alternate.ended_at.is_(None), Seat.current_on(ctx.today),
               or_(Seat.person_id == viewer.id, Alternate.person_id == viewer.id))
        .order_by(Alternate.id)).all()
    return [{"id": a.id, "seat_id": a.seat_id, "body_id": body_id, "titular": t_name, "person_id": a.person_id,
             "alternate": s_name, "created_at": a.created_at, "ended_at": a.ended_at}
            for a, body_id, t_name, s_name in rows]


def alternate_candidates(ctx: Context, seat: Seat) -> list[Person]:
    """People of the seat's organisation who could be named (active, not the titular)."""
    session = ctx.session
    organisation_id = seat.organisation_id or session.get(Person, seat.person_id).organisation_id
    if organisation_id is None:
        return []
    observers = select(Seat.person_id).where(Seat.body_id == seat.body_id, Seat.role == SeatRole.staff_observer,
                                             Seat.current_on(ctx.today))
    return list(session.execute(
        select(Person).where(Person.organisation_id == organisation_id, Person.is_active.is_(True),
                             Person.id != seat.person_id, Person.id.not_in(observers))
        .order_by(Person.name)).scalars())


# --- written proxies ----------------------------------------------------------------------

def _held_count(ctx: Context, holder_id: int, decision: Decision | None, meeting_id: int | None) -> int:
    """Active proxies this person holds that cover the same vote (decision or meeting)."""
    scope = []
    if decision is not None:
        scope.append(Proxy.decision_id == decision.id)
        if decision.meeting_id is not None:
            scope.append(and_(Proxy.decision_id.is_(None), Proxy.meeting_id == decision.meeting_id))
    if meeting_id is not None:
        scope.append(Proxy.meeting_id == meeting_id)
    return ctx.session.execute(select(func.count()).select_from(Proxy).where(
        Proxy.holder_id == holder_id, Proxy.revoked_at.is_(None), or_(*scope))).scalar_one()


def _statement(lang: str, grantor: Person, holder: Person, subject: str) -> str:
    from api.i18n import t

    return t("decision.proxy.statement", lang, grantor=grantor.name, holder=holder.name, subject=subject)


def give_proxy(ctx: Context, data: ProxyIn) -> Proxy:
    """The viewer gives their seat's vote to `holder_id` for one decision or one meeting."""
    session, viewer = ctx.session, ctx.viewer
    if (data.decision_id is None) == (data.meeting_id is None):
        raise Invalid("decision.proxy.one_scope", field="decision_id")
    decision = None
    if data.decision_id is not None:
        decision = service.get_visible(ctx, data.decision_id, lock=True)
        if decision.closed_at is not None:
            raise Conflict("decision.vote_closed")
        body_id, category, subject = decision.body_id, decision.confidential_category, decision.title
    else:
        from api.committees.models import Meeting

        meeting = session.get(Meeting, data.meeting_id)
        if meeting is None or not viewer.can_see(meeting.confidential_category, meeting.body_id):
            raise Invalid("decision.proxy.meeting_not_found", field="meeting_id")
        body_id, category, subject = meeting.body_id, meeting.confidential_category, meeting.title
    rules = _body_rules(ctx, body_id)
    if rules is None or rules.proxies is None:
        raise Conflict("decision.proxy.not_allowed")
    seat = next((s for s in viewer.voting_seats if s.body_id == body_id), None)
    if seat is None:
        raise Forbidden("decision.no_voting_seat")
    holder = session.get(Person, data.holder_id)
    holder_seat = session.execute(select(Seat.id).where(
        Seat.person_id == data.holder_id, Seat.body_id == body_id, Seat.voting.is_(True),
        Seat.role != SeatRole.staff_observer, Seat.current_on(ctx.today))).first()
    if holder is None or not holder.is_active or holder_seat is None or holder.id == viewer.id:
        raise Invalid("decision.proxy.holder_not_member", field="holder_id")
    if decision is not None:
        voted = session.execute(select(Vote.id).where(Vote.decision_id == decision.id,
                                                      Vote.seat_id == seat.id)).first()
        if voted is not None:
            raise Conflict("decision.proxy.already_voted")
    mine = session.execute(select(Proxy.id).where(
        Proxy.seat_id == seat.id, Proxy.revoked_at.is_(None),
        Proxy.decision_id == data.decision_id if data.decision_id is not None
        else Proxy.meeting_id == data.meeting_id)).first()
    if mine is not None:
        raise Conflict("decision.proxy.already_given")
    if _held_count(ctx, holder.id, decision, data.meeting_id) >= rules.proxies.max_per_person:
        raise Conflict("decision.proxy.too_many", max=rules.proxies.max_per_person)
    statement = (data.statement or "").strip() or _statement(viewer.lang, viewer.person, holder, subject)
    proxy = Proxy(body_id=body_id, seat_id=seat.id, grantor_id=viewer.id, holder_id=holder.id,
                  decision_id=data.decision_id, meeting_id=data.meeting_id, statement=statement,
                  confidential_category=category, created_at=now())
    session.add(proxy)
    session.flush()
    _record(ctx, proxy, "proxy.given", decision)
    return proxy


def _record(ctx: Context, proxy: Proxy, action: str, decision: Decision | None) -> None:
    after = {"proxy_id": proxy.id, "seat_id": proxy.seat_id, "grantor_id": proxy.grantor_id,
             "holder_id": proxy.holder_id, "decision_id": proxy.decision_id, "meeting_id": proxy.meeting_id}
    if decision is not None:
        register.record_for(ctx, decision, action, object_type=service.OBJECT_TYPE, after=after,
                            rules_version_id=decision.rules_version_id)
    else:
        register.record(ctx.session, action=action, object_type="meeting", object_id=proxy.meeting_id,
                        actor_id=ctx.actor_id, after=after, body_id=proxy.body_id,
                        confidential_category=proxy.confidential_category)


def revoke_proxy(ctx: Context, proxy_id: int) -> Proxy:
    """The grantor takes their vote back, as long as the holder has not used it."""
    session, viewer = ctx.session, ctx.viewer
    proxy = session.get(Proxy, proxy_id)
    if proxy is None or proxy.grantor_id != viewer.id:
        raise NotFound("decision.proxy.not_found")
    decision = service.get_visible(ctx, proxy.decision_id, lock=True) if proxy.decision_id else None
    if proxy.revoked_at is not None:
        return proxy
    used = session.execute(select(Vote.id).join(Decision, Decision.id == Vote.decision_id).where(
        Vote.seat_id == proxy.seat_id, Vote.person_id == proxy.holder_id, Vote.capacity == "proxy",
        Decision.closed_at.is_(None),
        Vote.decision_id == proxy.decision_id if proxy.decision_id is not None
        else Decision.meeting_id == proxy.meeting_id)).first()
    if used is not None:
        raise Conflict("decision.proxy.used")
    proxy.revoked_at = now()
    session.flush()
    _record(ctx, proxy, "proxy.revoked", decision)
    return proxy


def proxies_for(ctx: Context, decision: Decision) -> list[dict]:
    """The active proxies covering a decision, as the decision page shows them."""
    session = ctx.session
    grantor, holder = Person.__table__.alias("grantor"), Person.__table__.alias("holder")
    rows = session.execute(
        select(Proxy, grantor.c.name, holder.c.name)
        .join(grantor, grantor.c.id == Proxy.grantor_id).join(holder, holder.c.id == Proxy.holder_id)
        .where(service._proxy_applies(decision)).order_by(Proxy.id)).all()
    return [proxy_out(p, g, h) for p, g, h in rows]


def proxy_out(proxy: Proxy, grantor: str, holder: str) -> dict:
    return {"id": proxy.id, "seat_id": proxy.seat_id, "grantor_id": proxy.grantor_id, "grantor": grantor,
            "holder_id": proxy.holder_id, "holder": holder, "decision_id": proxy.decision_id,
            "meeting_id": proxy.meeting_id, "statement": proxy.statement, "created_at": proxy.created_at,
            "revoked_at": proxy.revoked_at}


def my_proxies(ctx: Context) -> list[dict]:
    """Proxies the viewer gave or holds (active ones), that they may see."""
    session, viewer = ctx.session, ctx.viewer
    grantor, holder = Person.__table__.alias("grantor"), Person.__table__.alias("holder")
    rows = session.execute(
        select(Proxy, grantor.c.name, holder.c.name)
        .join(grantor, grantor.c.id == Proxy.grantor_id).join(holder, holder.c.id == Proxy.holder_id)
        .where(Proxy.revoked_at.is_(None), or_(Proxy.grantor_id == viewer.id, Proxy.holder_id == viewer.id),
               viewer.visible(Proxy.confidential_category, Proxy.body_id))
        .order_by(Proxy.id.desc()).limit(200)).all()
    return [proxy_out(p, g, h) for p, g, h in rows]


def holder_candidates(ctx: Context, body_id: int) -> list[Person]:
    """Voting seat holders of the body, but the viewer."""
    return list(ctx.session.execute(
        select(Person).join(Seat, Seat.person_id == Person.id)
        .where(Seat.body_id == body_id, Seat.voting.is_(True), Seat.role != SeatRole.staff_observer,
               Seat.current_on(ctx.today), Person.is_active.is_(True), Person.id != ctx.viewer.id)
        .order_by(Person.name)).scalars().unique())
