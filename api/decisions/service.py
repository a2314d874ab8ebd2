"""Decisions and online votes: drafting, opening, voting, recusal, closing.

A decision is judged forever by the rules version it was opened under (a draft follows the
rules in force). Every state change goes through the workflow engine; every vote, vote
change and recusal is written to the register in the same transaction.

Results hidden until closing: while a kind hides its results, the register's vote events
carry who voted but not how (register readers include every member who can see the
decision); the full tally with each seat's choice is recorded once, at closing.

Locks: a vote, a recusal, a transition and a closing all take the decision FOR UPDATE first
(BEGIN IMMEDIATE serialises every writer on SQLite), then the seat's vote row, then, as late
as possible, the register's head (every writer of the collective queues on that one row).
Votes on one decision therefore queue behind each other: exactly one of them sees that every
eligible seat has voted, and it closes the vote in the same transaction (no lock upgrade to
deadlock on, no vote left open for the sweep to find).

Services flush; the unit of work that called them commits (see api/context.py).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Date, Integer, Row, and_, bindparam, func, literal, or_, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from api.access import Viewer
from api.collective.models import Body, Organisation, Person, Seat, SeatRole
from api.context import Context, Runtime
from api.decisions.models import (
    Alternate,
    Choice,
    Decision,
    DecisionAttachment,
    Proxy,
    Recusal,
    Vote,
    VoteChange,
)
from api.decisions.schemas import DecisionIn, DecisionPatch
from api.decisions.tally import Outcome, VoteRule, can_close_early, tally
from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.register import service as register
from api.rules.schema import DecisionKindRules, GovernanceRules, WorkflowRules
from api.timeutil import as_utc, from_local, now
from api.viewers import VERSION_COLUMN
from notifications.deadlines import ITEM_ID, Deadline, cancel_deadline, drop_recipients, upsert_deadline
from notifications.models import OutboxMessage, Status
from workflows.engine import Fired

OBJECT_TYPE = "decision"
DEADLINE_KIND = "decision_closing"
# The system triggers that close a vote, by tally result (names from the rules' workflows).
CLOSING_TRIGGERS = {"adopted": "adopt", "rejected": "reject", "no_quorum": "fail_quorum"}


# --- rules ------------------------------------------------------------------------------

def judged_rules(ctx: Context, decision: Decision) -> GovernanceRules:
    """The rules the decision is judged by: its opening version, or those in force for a draft."""
    return ctx.rules_of_version(decision.rules_version_id)


def rules_for(ctx: Context, decision: Decision) -> GovernanceRules:
    return judged_rules(ctx, decision)


# Triggers that leave an adopted decision without it being adopted any more.
UNDOING_TRIGGERS = {"withdraw", "refuse_ratification"}


def adopted_states(rules: GovernanceRules, workflow_name: str) -> set[str]:
    """The states that mean "adopted, for good": where 'ratify' leads in a workflow with a
    ratification (adoption is final only once ratified), else where 'adopt' leads; and every
    state reachable from there but by withdrawing or refusing the ratification."""
    workflow = rules.workflows.get(workflow_name)
    if workflow is None:
        return set()
    found = workflow.dests_of("ratify") or workflow.dests_of("adopt")
    frontier = list(found)
    while frontier:
        state = frontier.pop()
        for tr in workflow.transitions:
            if state in tr.sources and tr.dest not in found and tr.trigger not in UNDOING_TRIGGERS:
                found.add(tr.dest)
                frontier.append(tr.dest)
    return found


def kind_rules(rules: GovernanceRules, decision: Decision) -> DecisionKindRules:
    kind = rules.decision_kinds.get(decision.kind)
    if kind is None:
        raise Conflict("decision.kind_gone", field="kind", kind=decision.kind)
    return kind


def vote_rule(kind: DecisionKindRules) -> VoteRule:
    return VoteRule(quorum_fraction=kind.quorum.fraction, quorum_count=kind.quorum.count,
                    majority=kind.majority, abstentions=kind.abstentions)


def workflow_of(rules: GovernanceRules, decision: Decision) -> WorkflowRules:
    return rules.workflows[decision.workflow]


def is_voting(rules: GovernanceRules, decision: Decision, state: str | None = None) -> bool:
    """Votes are taken in the states from which the rules let the system close the vote."""
    triggers = workflow_of(rules, decision).triggers_from(state or decision.state)
    return any(t in triggers for t in CLOSING_TRIGGERS.values())


def is_draft(rules: GovernanceRules, decision: Decision) -> bool:
    return decision.state == workflow_of(rules, decision).initial


def results_visible(rules: GovernanceRules, decision: Decision) -> bool:
    """Tally shown while voting only where the kind does not hide it; always once tallied."""
    if decision.outcome is not None:
        return True
    kind = rules.decision_kinds.get(decision.kind)
    return kind is not None and not kind.results_hidden_until_close and decision.rules_version_id is not None


def opened_not_closed():
    """SQL: opened (it has its rules version) and not closed or withdrawn since."""
    return and_(Decision.rules_version_id.isnot(None), Decision.closed_at.is_(None))


# --- seats ------------------------------------------------------------------------------

def _voting(body_id: int, on):
    """SQL: the current voting seats of a body (staff observers never vote)."""
    return and_(Seat.body_id == body_id, Seat.voting.is_(True), Seat.role != SeatRole.staff_observer,
                Seat.current_on(on))


def voting_seats(ctx: Context, body_id: int) -> list:
    """Current voting seats of a body, as light rows (id, person_id, organisation_id)."""
    return list(ctx.session.execute(
        select(Seat.id, Seat.person_id, Seat.organisation_id)
        .where(_voting(body_id, ctx.today)).order_by(Seat.id)
    ).all())


def actor_roles(ctx: Context, decision: Decision, person) -> set[str]:
    roles: set[str] = set()
    seats = ctx.session.execute(
        select(Seat).where(Seat.person_id == person.id, Seat.body_id == decision.body_id,
                           Seat.current_on(ctx.today))
    ).scalars()
    for seat in seats:
        if seat.role == SeatRole.staff_observer:
            continue
        roles |= {str(seat.role), "member"}
        if seat.voting:
            roles.add("voter")
    return roles


def _voting_seat_of(viewer: Viewer, decision: Decision) -> Seat | None:
    return next((s for s in viewer.voting_seats if s.body_id == decision.body_id), None)


# --- loading ----------------------------------------------------------------------------

# Built once: every vote runs it, and building the statement costs more than running it.
_LOCK_DECISION = (select(Decision).where(Decision.id == bindparam("decision_id")).with_for_update()
                  .execution_options(populate_existing=True))


# What a vote reads of its decision (`cast_vote`): every column but the long ones.
_LOCK_FOR_VOTE = (select(*(c for c in Decision.__table__.c if c.key not in ("text", "outcome", "withdrawal_reason")))
                  .where(Decision.id == bindparam("decision_id")).with_for_update())


def _lock_for_vote(ctx: Context, decision_id: int) -> Row:
    """The decision's columns a vote reads, locked (FOR UPDATE; BEGIN IMMEDIATE on SQLite),
    or 404. A plain row: the ORM's object cost as much again as the query, on every vote. The
    object is loaded (`_as_object`) where a vote leads further: another ballot than the
    titular's first vote, a changed vote, the closing."""
    ctx.session.flush()
    decision = ctx.session.connection().execute(_LOCK_FOR_VOTE, {"decision_id": decision_id}).first()
    if decision is None or not ctx.viewer.can_see(decision.confidential_category, decision.body_id):
        raise NotFound("decision.not_found")
    return decision


def _as_object(ctx: Context, decision: Decision | Row) -> Decision:
    """The decision itself for a row of `_LOCK_FOR_VOTE` (already locked by this transaction)."""
    if isinstance(decision, Decision):
        return decision
    return ctx.session.execute(select(Decision).where(Decision.id == decision.id)
                               .execution_options(populate_existing=True)).scalar_one()


def get_visible(ctx: Context, decision_id: int, lock: bool = False) -> Decision:
    """The decision, or 404 when it does not exist or the viewer may not see it.

    lock=True: FOR UPDATE (votes, recusals, state changes: see the module's note)."""
    session = ctx.session
    if lock:
        decision = session.execute(_LOCK_DECISION, {"decision_id": decision_id}).scalar_one_or_none()
    else:
        decision = session.get(Decision, decision_id)
    if decision is None or not ctx.viewer.can_see(decision.confidential_category, decision.body_id):
        raise NotFound("decision.not_found")
    return decision


def list_stmt(viewer: Viewer, state: str | None = None, kind: str | None = None,
              body_id: int | None = None):
    stmt = select(Decision).where(viewer.visible(Decision.confidential_category, Decision.body_id))
    if state:
        stmt = stmt.where(Decision.state == state)
    if kind:
        stmt = stmt.where(Decision.kind == kind)
    if body_id:
        stmt = stmt.where(Decision.body_id == body_id)
    return stmt.order_by(Decision.created_at.desc(), Decision.id.desc())


# --- drafting ---------------------------------------------------------------------------

def _zoned(value: datetime | None, tz: str) -> datetime | None:
    return None if value is None else from_local(value, tz)


def _check_may_draft(viewer: Viewer, body_id: int, category: str | None) -> None:
    if not viewer.can_see(category, body_id):
        raise Forbidden("decision.may_not_draft")
    if body_id not in viewer.member_body_ids and not viewer.is_admin:
        raise Forbidden("decision.may_not_draft")


def _check_meeting(ctx: Context, meeting_id: int | None) -> None:
    from api.committees.models import Meeting

    if meeting_id is not None and ctx.session.get(Meeting, meeting_id) is None:
        raise Invalid("decision.meeting_not_found", field="meeting_id")


def _snapshot(decision: Decision) -> dict:
    return {"kind": decision.kind, "title": decision.title, "body_id": decision.body_id,
            "state": decision.state, "opens_at": decision.opens_at, "closes_at": decision.closes_at,
            "meeting_id": decision.meeting_id}


def create(ctx: Context, data: DecisionIn) -> Decision:
    """A draft by the viewer, judged by the rules in force until it is opened."""
    session, viewer, rules = ctx.session, ctx.viewer, ctx.rules
    kind = rules.decision_kinds.get(data.kind)
    if kind is None:
        raise Invalid("decision.unknown_kind", field="kind", choices=", ".join(rules.decision_kinds))
    if data.body_id is not None:
        body = session.get(Body, data.body_id)
        if body is None:
            raise Invalid("error.body_not_found", field="body_id")
    else:
        body = session.execute(select(Body).where(Body.key == kind.body)).scalar_one_or_none()
        if body is None:
            raise Invalid("error.body_not_found", field="body_id")
    body_rules = rules.body(body.key)
    category = kind.confidential_category or (body_rules.confidential_category if body_rules else None)
    _check_may_draft(viewer, body.id, category)
    _check_meeting(ctx, data.meeting_id)
    opens_at, closes_at = _zoned(data.opens_at, ctx.tz), _zoned(data.closes_at, ctx.tz)
    if closes_at is None and opens_at is not None:
        closes_at = opens_at + timedelta(hours=kind.vote_window_hours)
    _check_times(opens_at, closes_at)
    workflow = rules.workflows[kind.workflow]
    decision = Decision(body_id=body.id, kind=data.kind, workflow=kind.workflow, title=data.title,
                        text=data.text, state=workflow.initial, confidential_category=category,
                        opens_at=opens_at, closes_at=closes_at, created_by=viewer.id,
                        meeting_id=data.meeting_id)
    decision.attachments = [DecisionAttachment(title=a.title, url=a.url) for a in data.attachments]
    session.add(decision)
    session.flush()
    register.record_for(ctx, decision, "decision.created", object_type=OBJECT_TYPE, after=_snapshot(decision))
    return decision


def _check_times(opens_at: datetime | None, closes_at: datetime | None) -> None:
    if closes_at is not None and closes_at <= now():
        raise Invalid("decision.closes_in_past", field="closes_at")
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        raise Invalid("decision.closes_before_opening", field="closes_at")


def _may_edit(viewer: Viewer, decision: Decision) -> bool:
    roles = viewer.roles_on(decision.body_id)
    return viewer.is_admin or decision.created_by == viewer.id or bool(roles & {"chair", "secretary"})


def update_draft(ctx: Context, decision_id: int, data: DecisionPatch) -> Decision:
    decision = get_visible(ctx, decision_id, lock=True)
    rules = judged_rules(ctx, decision)
    if not _may_edit(ctx.viewer, decision):
        raise Forbidden("decision.may_not_edit")
    if not is_draft(rules, decision):
        raise Conflict("decision.not_draft")
    before = _snapshot(decision)
    changes = data.model_dump(exclude_unset=True)
    if "title" in changes and changes["title"] is None:
        raise Invalid("error.required", field="title")
    if "title" in changes:
        decision.title = changes["title"]
    if "text" in changes:
        decision.text = changes["text"] or ""
    if "meeting_id" in changes:
        _check_meeting(ctx, changes["meeting_id"])
        decision.meeting_id = changes["meeting_id"]
    if "opens_at" in changes:
        decision.opens_at = _zoned(data.opens_at, ctx.tz)
    if "closes_at" in changes:
        decision.closes_at = _zoned(data.closes_at, ctx.tz)
    if "opens_at" in changes or "closes_at" in changes:
        _check_times(decision.opens_at, decision.closes_at)
    if data.attachments is not None:
        decision.attachments = [DecisionAttachment(title=a.title, url=a.url) for a in data.attachments]
    register.record_for(ctx, decision, "decision.updated", object_type=OBJECT_TYPE, before=before,
                        after=_snapshot(decision))
    return decision


# --- transitions ------------------------------------------------------------------------

def transition(ctx: Context, decision_id: int, trigger: str, params: dict | None = None) -> Decision:
    """Fire the viewer's trigger (open, withdraw, ratify...)."""
    decision = get_visible(ctx, decision_id, lock=True)
    ctx.registry.engine.fire(ctx, decision, trigger, ctx.viewer.person, judged_rules(ctx, decision),
                             OBJECT_TYPE, params or {})
    return decision


def _on_open(ctx: Context, decision: Decision) -> None:
    """Opening: stamp the rules version in force, start the vote window, recuse beneficiaries."""
    session = ctx.session
    if decision.rules_version_id is None:
        decision.rules_version_id = ctx.rules_version_id
    rules = ctx.rules_of_version(decision.rules_version_id)
    kind = kind_rules(rules, decision)
    decision.workflow = kind.workflow
    at = now()
    decision.opens_at = at
    if decision.closes_at is None:
        decision.closes_at = at + timedelta(hours=kind.vote_window_hours)
    if decision.closes_at <= at:
        raise Invalid("decision.closes_in_past", field="closes_at")
    seats = voting_seats(ctx, decision.body_id)
    beneficiaries_of = ctx.registry.beneficiaries.get(decision.kind)
    if kind.recuse_beneficiaries and beneficiaries_of is not None:
        beneficiaries = beneficiaries_of(ctx, decision)
        people_orgs = dict(session.execute(
            select(Person.id, Person.organisation_id).where(Person.id.in_([s.person_id for s in seats]))
        ).all())
        for seat in seats:
            org = seat.organisation_id or people_orgs.get(seat.person_id)
            if org is not None and org in beneficiaries:
                _recuse(ctx, decision, seat, reason=None, automatic=True, actor_id=None)
    session.flush()
    _refresh_deadline(ctx, decision, seats)


def after_transition(ctx: Context, fired: Fired) -> None:
    """Entering a voting state opens the vote; leaving it (or withdrawing a draft) closes it."""
    decision: Decision = fired.obj
    if decision.rules_version_id is None:
        if is_voting(ctx.rules, decision, fired.dest):
            _on_open(ctx, decision)
        elif fired.dest in ctx.rules.workflows[decision.workflow].final:
            decision.closed_at = now()
        return
    if decision.closed_at is None:
        rules = ctx.rules_of_version(decision.rules_version_id)
        if not is_voting(rules, decision, fired.dest):
            decision.closed_at = now()
            cancel_deadline(ctx, DEADLINE_KIND, OBJECT_TYPE, decision.id)


# --- votes ------------------------------------------------------------------------------

def _recuse(ctx: Context, decision: Decision, seat: Seat, reason: str | None, automatic: bool,
            actor_id: int | None) -> Recusal:
    recusal = Recusal(decision_id=decision.id, seat_id=seat.id, person_id=seat.person_id,
                      reason=reason, automatic=automatic)
    ctx.session.add(recusal)
    register.record_for(ctx, decision, "recusal.automatic" if automatic else "recusal.declared",
                        object_type=OBJECT_TYPE, actor_id=actor_id,
                        after={"seat_id": seat.id, "person_id": seat.person_id,
                               "organisation_id": seat.organisation_id, "reason": reason,
                               "automatic": automatic},
                        rules_version_id=decision.rules_version_id)
    return recusal


# --- ballots: the seats a person may vote for -------------------------------------------

CAPACITIES = ("titular", "alternate", "proxy")
CHANNELS = ("page", "api", "link", "reply")


@dataclass(frozen=True)
class Ballot:
    """A seat the person may vote for on a decision, and in what capacity."""

    seat_id: int
    seat_person_id: int  # the titular member of the seat
    organisation_id: int | None
    capacity: str  # titular | alternate | proxy
    # The titular seat's active proxy for this decision, if the person gave one.
    proxy_holder_id: int | None = None


def _proxy_applies(decision: Decision):
    """SQL: an active proxy covering this decision (given for it, or for its meeting)."""
    scope = Proxy.decision_id == decision.id
    if decision.meeting_id is not None:
        scope = or_(scope, and_(Proxy.decision_id.is_(None), Proxy.meeting_id == decision.meeting_id))
    return and_(Proxy.revoked_at.is_(None), scope)


def ballots_of(ctx: Context, viewer: Viewer, decision: Decision, rules: GovernanceRules) -> list[Ballot]:
    """The viewer's own voting seat, then the seats they may vote for as an alternate or as a
    proxy holder where the body's rules allow it (the seat must still be a current voting seat
    of the body). One query besides the viewer's own seats."""
    own = _voting_seat_of(viewer, decision)
    own_id = own.id if own is not None else -1
    rows = []
    if _delegation_allowed(ctx, rules, decision):
        current = _voting(decision.body_id, ctx.today)
        alternates = (select(literal("alternate").label("capacity"), Seat.id, Seat.person_id,
                             Seat.organisation_id, literal(None, Integer).label("holder_id"))
                      .join(Alternate, Alternate.seat_id == Seat.id)
                      .where(Alternate.person_id == viewer.id, Alternate.ended_at.is_(None), current))
        proxies = (select(literal("proxy").label("capacity"), Seat.id, Seat.person_id,
                          Seat.organisation_id, Proxy.holder_id)
                   .join(Proxy, Proxy.seat_id == Seat.id)
                   .where(_proxy_applies(decision), current,
                          or_(Proxy.holder_id == viewer.id, Proxy.seat_id == own_id)))
        rows = ctx.session.execute(union_all(alternates, proxies)).all()
    given = next((r.holder_id for r in rows if r.capacity == "proxy" and r.id == own_id), None)
    found: list[Ballot] = []
    if own is not None:
        found.append(Ballot(own.id, own.person_id, own.organisation_id, "titular", given))
    body = body_rules_of(ctx, rules, decision)
    for row in rows:
        if row.id == own_id or any(b.seat_id == row.id for b in found):
            continue
        allowed = body is not None and (body.alternates if row.capacity == "alternate" else body.proxies)
        if allowed and row.person_id != viewer.id:
            found.append(Ballot(row.id, row.person_id, row.organisation_id, row.capacity))
    return found


def body_rules_of(ctx: Context, rules: GovernanceRules, decision: Decision):
    body = ctx.session.get(Body, decision.body_id)
    return rules.body(body.key) if body is not None else None


def _delegation_allowed(ctx: Context, rules: GovernanceRules, decision: Decision) -> bool:
    body = body_rules_of(ctx, rules, decision)
    return body is not None and (body.alternates or body.proxies is not None)


def _ballot_for(ctx: Context, decision: Decision, rules: GovernanceRules, seat_id: int | None) -> Ballot:
    ballots = ballots_of(ctx, ctx.viewer, decision, rules)
    if seat_id is not None:
        ballot = next((b for b in ballots if b.seat_id == seat_id), None)
        if ballot is None:
            raise Forbidden("decision.not_your_seat")
    elif not ballots:
        raise Forbidden("decision.no_voting_seat")
    else:
        ballot = next((b for b in ballots if b.capacity == "titular"), None)
        if ballot is None:
            if len(ballots) > 1:
                raise Invalid("decision.choose_seat", field="seat_id")
            ballot = ballots[0]
    if ballot.proxy_holder_id is not None:
        holder = ctx.session.get(Person, ballot.proxy_holder_id)
        raise Conflict("decision.proxy_given", holder=holder.name if holder else "?")
    return ballot


def _vote_event(ballot: Ballot, choice: str | None, hidden: bool, *, cast_by: int, channel: str,
                reason: str | None = None) -> dict:
    """The register's vote event: the seat (and whose it is), who cast it and how it arrived;
    the choice and its reason only where the kind shows them while voting."""
    after = {"seat_id": ballot.seat_id, "person_id": ballot.seat_person_id,
             "organisation_id": ballot.organisation_id, "channel": channel}
    if ballot.capacity != "titular":
        after.update(cast_by=cast_by, capacity=ballot.capacity)
    if not hidden:
        after["choice"] = choice
        if reason:
            after["reason"] = reason
    return after


def cast_vote(ctx: Context, decision_id: int, choice: str, *, seat_id: int | None = None,
              channel: str = "api", reason: str | None = None) -> tuple[Decision, Vote, str]:
    """Record the viewer's vote for a seat; returns (decision, vote, "cast"|"changed"|"unchanged"),
    the decision as a row of its columns (`_lock_for_vote`) or, when the vote needed it or
    closed it, the decision itself: either way with its id, state and `closed_at` as they are.

    The seat is the viewer's own voting seat, or (`seat_id`) one they hold an alternate's
    place or a written proxy for (see `ballots_of`). A seat's vote counts once, whoever casts
    it; only the person who cast it may change it (the titular cannot vote after their
    alternate, nor while their proxy is active). `channel` says how the vote arrived (page,
    api, link, reply): the register keeps it. Every path (page, API, email link, email reply)
    comes here, with the same checks.

    The decision is locked first (see the module's note); the unique (decision, seat)
    constraint is the last line: a concurrent duplicate is a 409, never a second row. The
    vote that completes the eligible seats closes the decision, in the same transaction
    (where the kind's rules close early).
    """
    session, viewer = ctx.session, ctx.viewer
    choice = str(Choice(choice))
    channel = channel if channel in CHANNELS else "api"
    reason = (reason or "").strip()[:2000] or None
    decision = _lock_for_vote(ctx, decision_id)
    if decision.rules_version_id is None:
        raise Conflict("decision.vote_not_open")
    rules = ctx.rules_of_version(decision.rules_version_id)
    kind = kind_rules(rules, decision)
    if not is_voting(rules, decision):
        raise Conflict("decision.vote_not_open")
    at = now()
    if decision.closes_at is not None and at >= decision.closes_at:
        raise Conflict("decision.vote_closed")
    own = _voting_seat_of(viewer, decision)
    titular = own is not None and seat_id in (None, own.id)
    if titular:
        # The plain titular vote: no ballot query; whether the seat gave a proxy is read in
        # the same round trip as its recusal and its vote.
        ballot = Ballot(own.id, own.person_id, own.organisation_id, "titular")
    else:
        decision = _as_object(ctx, decision)
        ballot = _ballot_for(ctx, decision, rules, seat_id)
    hidden = kind.results_hidden_until_close or kind.secret_ballot
    params = {"decision_id": decision.id, "seat_id": ballot.seat_id,
              "meeting_id": decision.meeting_id if decision.meeting_id is not None else -1}
    row = dict(decision_id=decision.id, seat_id=ballot.seat_id, person_id=viewer.id,
               organisation_id=ballot.organisation_id, choice=choice, cast_at=at, updated_at=at,
               capacity=ballot.capacity, channel=channel, reason=reason)
    session.flush()  # pending changes first: the statements below go straight to the database
    connection = session.connection()
    if titular:
        # The usual case, a titular's first vote, in one round trip: inserted only if the seat
        # has no vote, no recusal and no proxy given here, with the counts its follow-up needs.
        # Otherwise nothing is inserted and the checks below say which, as for any other ballot.
        one_statement = connection.dialect.name == "postgresql"
        if one_statement:
            # Its register event in the same statement, written only if the vote is.
            event = register.pending_values_for(
                ctx, decision, "vote.cast", object_type=OBJECT_TYPE, at=at,
                after=_vote_event(ballot, choice, hidden, cast_by=viewer.id, channel=channel, reason=reason),
                rules_version_id=decision.rules_version_id)
            inserted = _insert_vote(connection, _INSERT_FIRST_VOTE_WITH_EVENT, {**row, **params, **event})
        else:
            inserted = _insert_vote(connection, _INSERT_FIRST_VOTE, {**row, **params})
        if inserted is not None:
            vote_id, version, others, recused, first_reminder = inserted
            counts = (version, others + 1, recused, first_reminder)
            return _first_vote_cast(ctx, decision, rules, ballot, Vote(id=vote_id, **row), hidden, counts,
                                    event_written=one_statement)
    decision = _as_object(ctx, decision)  # for the paths below
    recusal_id, vote_id, given_to = connection.execute(
        _SEAT_CHECK_WITH_PROXY if titular else _SEAT_CHECK, params).one()
    if given_to is not None and _delegation_allowed(ctx, rules, decision):
        body = body_rules_of(ctx, rules, decision)
        if body is not None and body.proxies is not None:
            holder = session.get(Person, given_to)
            raise Conflict("decision.proxy_given", holder=holder.name if holder else "?")
    if recusal_id is not None:
        raise Forbidden("decision.recused")
    vote = None
    if vote_id is not None:
        vote = session.execute(select(Vote).where(Vote.id == vote_id).with_for_update()
                               .execution_options(populate_existing=True)).scalar_one()
    if vote is not None:
        if vote.person_id != viewer.id:
            caster = session.get(Person, vote.person_id)
            raise Conflict("decision.seat_voted_by_other", name=caster.name if caster else "?")
        if vote.choice == choice:
            if reason is not None and reason != vote.reason:
                vote.reason = reason
                register.record_for(ctx, decision, "vote.reason_changed", object_type=OBJECT_TYPE,
                                    after=_vote_event(ballot, choice, hidden, cast_by=viewer.id,
                                                      channel=channel, reason=reason),
                                    rules_version_id=decision.rules_version_id, deferred=True)
            return decision, vote, "unchanged"
        if not kind.vote_change_allowed:
            raise Conflict("decision.vote_change_forbidden")
        session.add(VoteChange(decision_id=decision.id, seat_id=ballot.seat_id, person_id=viewer.id,
                               old_choice=vote.choice, new_choice=choice, at=at))
        before = None if hidden else {"choice": vote.choice}
        vote.choice, vote.updated_at, vote.person_id, vote.channel = choice, at, viewer.id, channel
        if reason is not None:
            vote.reason = reason
        register.record_for(ctx, decision, "vote.changed", object_type=OBJECT_TYPE, before=before,
                            after=_vote_event(ballot, choice, hidden, cast_by=viewer.id, channel=channel,
                                              reason=vote.reason),
                            rules_version_id=decision.rules_version_id, deferred=True)
        return decision, vote, "changed"
    # No savepoint: the decision is locked FOR UPDATE, so no other transaction can insert a
    # vote for this (decision, seat) between the check above and this insert; the unique
    # constraint stays as the last line of defence.
    [vote_id] = _insert_vote(connection, _INSERT_VOTE, row)
    return _first_vote_cast(ctx, decision, rules, ballot, Vote(id=vote_id, **row), hidden)


def _insert_vote(connection, statement, params: dict) -> Row | None:
    """A plain INSERT, not the ORM's unit of work (which costs several times the statement on
    the hot path); what it returns, or None when a conditional insert inserted nothing."""
    try:
        return connection.execute(statement, params).first()
    except IntegrityError as exc:
        raise Conflict("decision.vote_concurrent") from exc


def _first_vote_cast(ctx: Context, decision: Decision, rules: GovernanceRules, ballot: Ballot,
                     vote: Vote, hidden: bool, counts: Row | tuple | None = None,
                     event_written: bool = False) -> tuple[Decision, Vote, str]:
    """A seat's first vote is in (the returned vote is not attached to the session: later
    reads in this transaction see the row in the database): the register (unless the vote's
    own statement wrote its event: `event_written`), then what it leads to, worked out from
    the `counts` the vote's insert returned.

    The vote's event is written pending (`deferred`): votes on different decisions do not
    queue on the register's head; a close that the vote causes links it first, in order."""
    follow_up = _follow_up(ctx, decision, rules, ballot.seat_person_id, counts)
    if not event_written:
        register.record_for(ctx, decision, "vote.cast", object_type=OBJECT_TYPE,
                            after=_vote_event(ballot, vote.choice, hidden, cast_by=vote.person_id,
                                              channel=vote.channel, reason=vote.reason),
                            rules_version_id=decision.rules_version_id, deferred=True)
    if _apply(ctx, decision, rules, follow_up):
        decision = _as_object(ctx, decision)  # closed: the caller sees its new state
    return decision, vote, "cast"


def _after_vote(ctx: Context, decision: Decision, rules: GovernanceRules,
                person_id: int | None = None) -> bool:
    """Close early once every eligible seat has voted, where the kind's rules say so
    (`close_when_all_voted`); otherwise keep the reminders right. True when the vote closed.

    The person who just voted (or recused) leaves the reminder list. Replanning the whole
    list costs O(seats) in the planner, so it is done here only when one of this person's
    reminders could go out soon; otherwise the sweep (`close_due_decisions`, every few
    seconds) replans it well before any send time.
    """
    return _apply(ctx, decision, rules, _follow_up(ctx, decision, rules, person_id))


CLOSE, REFRESH = "close", "refresh"


def _follow_up(ctx: Context, decision: Decision, rules: GovernanceRules,
               person_id: int | None, counts: Row | tuple | None = None) -> str | None:
    """What a vote or a recusal leads to: CLOSE, REFRESH (the reminders) or nothing.

    One round trip in the usual case: the body's current voting seats, the votes and the
    recusals of the decision, and the person's next reminder. The exact count of eligible
    seats (current seats, plus any seat that voted or recused and has ended since) is only
    needed once votes and recusals reach the current seats; it can only be larger, so below
    that the vote cannot be complete. `counts` (the `_FOLLOW_UP` row) when already read."""
    session, decision_id, today = ctx.session, decision.id, ctx.today
    session.flush()  # the vote or recusal being counted (already flushed, usually)
    connection = session.connection()
    if counts is None:
        counts = connection.execute(_FOLLOW_UP, {"decision_id": decision_id, "person_id": person_id}).one()
    version, voted, recused, first_reminder = counts
    ctx.membership_seen(version)  # checks a trusted viewer (`api.viewers`)
    # The body's current voting seats change only with the membership: counted once per
    # membership version and day, not on every vote.
    key = ("current_voting_seats", decision.body_id, today)
    current = ctx.runtime.viewers.derived(key, version)
    if current is None:
        version, current = connection.execute(_CURRENT_VOTING_SEATS, {
            "body_id": decision.body_id, "today": today}).one()
        ctx.runtime.viewers.keep(key, version, current)
    kind = kind_rules(rules, decision)
    if kind.close_when_all_voted and voted + recused >= current:
        voted_ids = select(Vote.seat_id).where(Vote.decision_id == decision_id)
        recused_ids = select(Recusal.seat_id).where(Recusal.decision_id == decision_id)
        eligible = session.execute(select(func.count()).select_from(Seat).where(or_(
            _voting(decision.body_id, ctx.today), Seat.id.in_(voted_ids), Seat.id.in_(recused_ids)))
        ).scalar_one()
        if can_close_early(vote_rule(kind), eligible, recused, voted):
            return CLOSE
    if person_id is None or (first_reminder is not None
                             and as_utc(first_reminder) <= now() + REFRESH_SLACK):
        return REFRESH
    return None


# The vote path's two reads, built once with bound parameters and run as plain Core
# statements on the session's connection: building a statement, and the ORM's execution
# path, cost more Python time than running the query.
def _seat_check(with_proxy: bool):
    """(recusal id, vote id, holder of a proxy the seat gave) of a (decision, seat)."""
    decision_id, seat_id = bindparam("decision_id", type_=Integer), bindparam("seat_id", type_=Integer)
    given = literal(None, Integer)
    if with_proxy:
        # Given for this decision, or for its meeting (meeting_id -1 when it has none).
        covers = or_(Proxy.decision_id == decision_id,
                     and_(Proxy.decision_id.is_(None),
                          Proxy.meeting_id == bindparam("meeting_id", type_=Integer)))
        given = (select(Proxy.holder_id).where(Proxy.seat_id == seat_id, Proxy.revoked_at.is_(None), covers)
                 .order_by(Proxy.id).limit(1).scalar_subquery())
    return select(
        select(Recusal.id).where(Recusal.decision_id == decision_id, Recusal.seat_id == seat_id)
        .scalar_subquery(),
        select(Vote.id).where(Vote.decision_id == decision_id, Vote.seat_id == seat_id).scalar_subquery(),
        given)


def _insert_first_vote():
    """INSERT a vote ... SELECT its values WHERE the seat has no recusal, no vote and no proxy
    given for the decision (`_seat_check`'s three reads, all empty); RETURNING its id and what
    its follow-up needs (`_follow_up_counts`). The votes are counted without this seat's: whether
    a database's RETURNING sees the new row or not, that count is the same (the caller adds
    the new vote)."""
    recusal, vote, given = _seat_check(True).selected_columns
    table = Vote.__table__
    columns = ["decision_id", "seat_id", "person_id", "organisation_id", "choice", "cast_at",
               "updated_at", "capacity", "channel", "reason"]
    values = select(*(bindparam(name, type_=table.c[name].type) for name in columns)).where(
        recusal.is_(None), vote.is_(None), given.is_(None))
    version, _, recused, first_reminder = _follow_up_counts().selected_columns
    others = (select(func.count()).select_from(Vote)
              .where(Vote.decision_id == bindparam("decision_id", type_=Integer),
                     Vote.seat_id != bindparam("seat_id", type_=Integer)).scalar_subquery())
    return table.insert().from_select(columns, values).returning(
        table.c.id, version, others, recused, first_reminder)


def _follow_up_counts():
    """(membership version, votes, recusals, the person's next reminder)."""
    decision_id = bindparam("decision_id", type_=Integer)
    voted = select(func.count()).select_from(Vote).where(Vote.decision_id == decision_id).scalar_subquery()
    recused = select(func.count()).select_from(Recusal).where(Recusal.decision_id == decision_id).scalar_subquery()
    first_reminder = select(func.min(OutboxMessage.send_at)).where(
        OutboxMessage.kind == DEADLINE_KIND, OutboxMessage.object_type == OBJECT_TYPE,
        OutboxMessage.object_id == decision_id,
        OutboxMessage.recipient_id == bindparam("person_id", type_=Integer),
        OutboxMessage.status == Status.planned).scalar_subquery()
    return select(VERSION_COLUMN, voted, recused, first_reminder)


def _current_voting_seats():
    """(membership version, current voting seats of the body), read together."""
    current = (select(func.count()).select_from(Seat)
               .where(_voting(bindparam("body_id", type_=Integer), bindparam("today", type_=Date)))
               .scalar_subquery())
    return select(VERSION_COLUMN, current)


def _open_decisions():
    """The open decisions, soonest closing first, with what the sweep decides from (`_sweep_step`):
    the membership version and the counts of votes and recusals, in one statement."""
    voted = select(func.count()).select_from(Vote).where(Vote.decision_id == Decision.id).scalar_subquery()
    recused = select(func.count()).select_from(Recusal).where(Recusal.decision_id == Decision.id).scalar_subquery()
    return (select(Decision.id, Decision.kind, Decision.workflow, Decision.state, Decision.closes_at,
                   Decision.title, Decision.confidential_category, Decision.body_id, Decision.rules_version_id,
                   VERSION_COLUMN.label("version"), voted.label("voted"), recused.label("recused"))
            .where(opened_not_closed()).order_by(Decision.closes_at, Decision.id))


def _still_to_vote(today):
    """SQL: the people still expected to vote on the decision `ITEM_ID` (the reminders' own
    parameter): they hold a current voting seat of its body that has neither voted nor
    recused. Plain NOT IN subqueries, each read once per decision (correlated EXISTS led
    PostgreSQL to plans that took seconds)."""
    body = select(Decision.body_id).where(Decision.id == ITEM_ID).scalar_subquery()
    return select(Seat.person_id).where(
        _voting(body, today),
        Seat.id.not_in(select(Vote.seat_id).where(Vote.decision_id == ITEM_ID)),
        Seat.id.not_in(select(Recusal.seat_id).where(Recusal.decision_id == ITEM_ID)))


_SEAT_CHECK, _SEAT_CHECK_WITH_PROXY = _seat_check(False), _seat_check(True)
_INSERT_VOTE = Vote.__table__.insert().returning(Vote.__table__.c.id)
_INSERT_FIRST_VOTE = _insert_first_vote()


def _insert_first_vote_with_event():
    """PostgreSQL: `_INSERT_FIRST_VOTE` and, when it inserted the vote, its pending register
    event (`register.insert_pending_from`), in one statement; returns what the first returns."""
    inserted = _INSERT_FIRST_VOTE.cte("inserted_vote")
    return select(*inserted.c).add_cte(register.insert_pending_from(inserted).cte("vote_event"))


_INSERT_FIRST_VOTE_WITH_EVENT = _insert_first_vote_with_event()
_FOLLOW_UP, _CURRENT_VOTING_SEATS = _follow_up_counts(), _current_voting_seats()
_OPEN_DECISIONS = _open_decisions()


def _apply(ctx: Context, decision: Decision, rules: GovernanceRules, follow_up: str | None) -> bool:
    if follow_up == CLOSE:
        close_decision(ctx, _as_object(ctx, decision), rules)
        return True
    if follow_up == REFRESH:
        _refresh_deadline(ctx, decision, voting_seats(ctx, decision.body_id))
    return False


# A person's reminder due within this delay is cancelled in the vote's own transaction; later
# ones are left to the sweep (every `sweep_interval_seconds`, 30 s by default).
REFRESH_SLACK = timedelta(minutes=10)


def recuse(ctx: Context, decision_id: int, reason: str) -> Recusal:
    """The person declares a conflict of interest; a vote already cast is withdrawn."""
    session, viewer = ctx.session, ctx.viewer
    decision = get_visible(ctx, decision_id, lock=True)
    if decision.closed_at is not None:
        raise Conflict("decision.vote_closed")
    seat = _voting_seat_of(viewer, decision)
    if seat is None:
        raise Forbidden("decision.no_voting_seat")
    exists = session.execute(select(Recusal).where(
        Recusal.decision_id == decision.id, Recusal.seat_id == seat.id)).scalar_one_or_none()
    if exists is not None:
        raise Conflict("decision.already_recused")
    vote = session.execute(select(Vote).where(
        Vote.decision_id == decision.id, Vote.seat_id == seat.id)).scalar_one_or_none()
    if vote is not None:
        session.add(VoteChange(decision_id=decision.id, seat_id=seat.id, person_id=viewer.id,
                               old_choice=vote.choice, new_choice=None, at=now()))
        session.delete(vote)
        session.flush()
    recusal = _recuse(ctx, decision, seat, reason=reason, automatic=False, actor_id=viewer.id)
    session.flush()
    if decision.rules_version_id is not None and decision.closed_at is None:
        _after_vote(ctx, decision, ctx.rules_of_version(decision.rules_version_id), viewer.id)
    return recusal


# --- closing ----------------------------------------------------------------------------

def outcome_dict(outcome: Outcome, kind: DecisionKindRules) -> dict:
    return {
        "result": outcome.result, "yes": outcome.yes, "no": outcome.no, "abstain": outcome.abstain,
        "eligible": outcome.eligible, "recused": outcome.recused, "participants": outcome.participants,
        "quorum_required": outcome.quorum_required, "quorum_reached": outcome.quorum_reached,
        "votes_needed": outcome.votes_needed, "basis": outcome.basis,
        "rule": {"majority": kind.majority, "abstentions": kind.abstentions,
                 "quorum": kind.quorum.model_dump(exclude_none=True)},
        "explanation": {"fr": outcome.explain("fr"), "en": outcome.explain("en")},
    }


def _tallied_vote(vote: Vote, secret: bool) -> dict:
    """A seat's vote as the closing event records it (a secret ballot: that it voted, only)."""
    row = {"seat_id": vote.seat_id, "person_id": vote.person_id, "organisation_id": vote.organisation_id}
    if vote.capacity != "titular":
        row["capacity"] = vote.capacity
    if not secret:
        row["choice"] = vote.choice
    return row


def close_decision(ctx: Context, decision: Decision, rules: GovernanceRules) -> str:
    """Tally and fire adopt / reject / fail_quorum as the system (the decision is locked)."""
    session = ctx.session
    votes = list(session.execute(select(Vote).where(Vote.decision_id == decision.id)).scalars())
    recused = set(session.execute(
        select(Recusal.seat_id).where(Recusal.decision_id == decision.id)).scalars())
    seats = voting_seats(ctx, decision.body_id)
    eligible = {s.id for s in seats} | {v.seat_id for v in votes} | recused
    kind = kind_rules(rules, decision)
    counts = {c: sum(1 for v in votes if v.choice == c) for c in ("yes", "no", "abstain")}
    outcome = tally(vote_rule(kind), len(eligible), len(recused & eligible), **counts)
    decision.outcome = outcome_dict(outcome, kind)
    register.record_for(ctx, decision, "decision.tallied", object_type=OBJECT_TYPE, actor_id=None,
                        after={**{k: v for k, v in decision.outcome.items() if k != "explanation"},
                               "votes": [_tallied_vote(v, kind.secret_ballot)
                                         for v in sorted(votes, key=lambda v: v.seat_id)]},
                        rules_version_id=decision.rules_version_id)
    return ctx.registry.engine.fire(ctx, decision, CLOSING_TRIGGERS[outcome.result], None, rules,
                                    OBJECT_TYPE)


def close_due_decisions(runtime: Runtime, at: datetime | None = None) -> list[int]:
    """Close every open decision whose time has come, or whose eligible seats have all voted;
    keep the reminders of those that stay open right. Returns the ids closed.

    One unit of work lists the open decisions with their counts and deals at once with those
    where only votes or recusals came in since this process last planned their reminders
    (`_sweep_reminders`). Every other one (due, possibly complete, new to this process, or
    changed otherwise) gets a unit of work of its own (`close_one_in_own_transaction`), locked
    and re-checked before closing, so the sweep is safe to run twice or from several workers.
    """
    at = at or now()
    with runtime.unit_of_work() as ctx:
        ids = _sweep_reminders(ctx, ctx.session.execute(_OPEN_DECISIONS).all(), at)
    return [decision_id for decision_id in ids if close_one_in_own_transaction(runtime, decision_id, at)]


def close_one_in_own_transaction(runtime: Runtime, decision_id: int, at: datetime) -> bool:
    """Close this decision if it is open and due or fully voted, in a unit of work of its own
    (on PostgreSQL a row another worker or a voter holds is skipped: they, or the next sweep,
    deal with it). True when it closed."""
    with runtime.unit_of_work() as own:
        session = own.session
        stmt = select(Decision).where(Decision.id == decision_id).execution_options(populate_existing=True)
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        decision = session.execute(stmt).scalar_one_or_none()
        if decision is None or decision.closed_at is not None or decision.rules_version_id is None:
            return False
        rules = own.rules_of_version(decision.rules_version_id)
        if not is_voting(rules, decision):
            return False
        if decision.closes_at is not None and decision.closes_at <= at:
            close_decision(own, decision, rules)
            return True
        # Not due: closes if every eligible seat has voted; otherwise its reminders follow
        # who has voted since.
        return _after_sweep(own, decision, rules)


# Replanning every open decision's reminders at every pass took a quarter of the server's time
# during a burst of votes (180 open decisions of 300 voters), and looking at each in a unit of
# work of its own still took a sixth. So each process remembers what it last planned a
# decision's reminders from (`_reminder_basis`, and the votes and recusals), under this key.
_PLANNED = "reminders_planned"
SKIP, DROP, OWN = "skip", "drop", "own"


def _reminder_basis(ctx: Context, decision: Decision | Row) -> tuple:
    """What a decision's reminders are planned from, votes aside: closing time, title,
    confidentiality, body, the rules in force and the day (seats: the membership version)."""
    return (as_utc(decision.closes_at) if decision.closes_at else None, decision.title,
            decision.confidential_category, decision.body_id, ctx.rules_version_id, ctx.today)


def _since_planned(last: tuple | None, basis: tuple, counts: tuple[int, int]) -> str:
    """Compared with what a decision's reminders were last planned from (`last`: basis and
    (voted, recused)): SKIP when nothing changed; DROP when only votes or recusals came in
    (seats only ever join the voted or recused: a recusal withdraws a vote, nothing removes a
    recusal), so only people leave the list; OWN (replan everyone) otherwise."""
    if last is None or last[0] != basis:
        return OWN
    if counts == last[1]:
        return SKIP
    (voted, recused), (voted_before, recused_before) = counts, last[1]
    if recused < recused_before or voted + recused < voted_before + recused_before:
        return OWN
    return DROP


def _sweep_step(ctx: Context, row: Row, at: datetime) -> str:
    """What the sweep does with an open decision (a `_OPEN_DECISIONS` row): SKIP when nothing
    changed since its reminders were planned; DROP when only votes or recusals came in (seats
    only ever join the voted or recused: a recusal withdraws a vote, nothing removes a
    recusal), so only people leave the list; OWN for a closer look in a unit of work of its
    own: it is due, it may be complete, or anything else changed."""
    if row.closes_at is not None and row.closes_at <= at:
        return OWN
    viewers = ctx.runtime.viewers
    step = _since_planned(viewers.derived((_PLANNED, row.id), row.version), _reminder_basis(ctx, row),
                          (row.voted, row.recused))
    if step != DROP:
        return step
    rules = ctx.rules_of_version(row.rules_version_id)
    kind = rules.decision_kinds.get(row.kind)
    current = viewers.derived(("current_voting_seats", row.body_id, ctx.today), row.version)
    if kind is None or current is None or not is_voting(rules, row) or (
            kind.close_when_all_voted and row.voted + row.recused >= current):
        return OWN
    return DROP


def _sweep_reminders(ctx: Context, rows: list[Row], at: datetime) -> list[int]:
    """Takes the voters off the reminders of every DROP decision in one statement; returns the
    ids of the OWN ones, in order (see `_sweep_step`)."""
    steps = [(row, _sweep_step(ctx, row, at)) for row in rows]
    dropped = [row for row, step in steps if step == DROP]
    if dropped:
        drop_recipients(ctx, DEADLINE_KIND, OBJECT_TYPE, [row.id for row in dropped], _still_to_vote(ctx.today))
        planned = [((_PLANNED, row.id), row.version, (_reminder_basis(ctx, row), (row.voted, row.recused)))
                   for row in dropped]
        viewers = ctx.runtime.viewers
        ctx.after_commit(lambda: [viewers.keep(*memo) for memo in planned])
    return [row.id for row, step in steps if step == OWN]


def _after_sweep(ctx: Context, decision: Decision, rules: GovernanceRules) -> bool:
    """The sweep's closer look at an open decision that is not due: closes it once every
    eligible seat has voted; otherwise takes those who voted or recused since off its
    reminders, or replans them all when more than votes changed (see `_sweep_step`). What
    this does not track (a changed preference, say) the calendar's resync plans."""
    counts = ctx.session.connection().execute(_FOLLOW_UP, {"decision_id": decision.id, "person_id": None}).one()
    follow_up = _follow_up(ctx, decision, rules, None, counts)
    if follow_up != REFRESH:
        return _apply(ctx, decision, rules, follow_up)
    version, voted, recused, _ = counts
    key, basis = (_PLANNED, decision.id), _reminder_basis(ctx, decision)
    viewers = ctx.runtime.viewers
    step = _since_planned(viewers.derived(key, version), basis, (voted, recused))
    if step == SKIP:
        return False
    if step == DROP:
        drop_recipients(ctx, DEADLINE_KIND, OBJECT_TYPE, [decision.id], _still_to_vote(ctx.today))
    else:
        _refresh_deadline(ctx, decision, voting_seats(ctx, decision.body_id))
    ctx.after_commit(lambda: viewers.keep(key, version, (basis, (voted, recused))))
    return False


def sweep_close_due(ctx: Context, at: datetime) -> None:
    """The sweep: its own units of work (the sweep's session stays unused, holding no lock)."""
    close_due_decisions(ctx.runtime, at)


# --- deadlines --------------------------------------------------------------------------

def _deadline(decision: Decision, recipients: set[int]) -> Deadline:
    return Deadline(kind=DEADLINE_KIND, object_type=OBJECT_TYPE, object_id=decision.id,
                    due_at=decision.closes_at, title_fr=decision.title, title_en=decision.title,
                    path=f"/decisions/{decision.id}", recipient_ids=frozenset(recipients),
                    confidential_category=decision.confidential_category, body_id=decision.body_id)


def _done_seats(ctx: Context, decision: Decision) -> set[int]:
    """The seats that have voted or recused on this decision."""
    return set(ctx.session.execute(
        select(Vote.seat_id).where(Vote.decision_id == decision.id)
        .union(select(Recusal.seat_id).where(Recusal.decision_id == decision.id))).scalars())


def _refresh_deadline(ctx: Context, decision: Decision, seats: list) -> None:
    """Voters who have not voted and are not recused are reminded before the vote closes."""
    done = _done_seats(ctx, decision)
    upsert_deadline(ctx, _deadline(decision, {s.person_id for s in seats if s.id not in done}))


def closing_deadlines(ctx: Context, start: datetime, end: datetime) -> list[Deadline]:
    """Open decisions closing in [start, end), with the voters still expected."""
    session = ctx.session
    decisions = list(session.execute(
        select(Decision).where(opened_not_closed(), Decision.closes_at >= start, Decision.closes_at < end)
        .order_by(Decision.closes_at)
    ).scalars())
    if not decisions:
        return []
    ids = [d.id for d in decisions]
    voted: dict[int, set[int]] = {}
    for decision_id, seat_id in session.execute(
            select(Vote.decision_id, Vote.seat_id).where(Vote.decision_id.in_(ids))):
        voted.setdefault(decision_id, set()).add(seat_id)
    for decision_id, seat_id in session.execute(
            select(Recusal.decision_id, Recusal.seat_id).where(Recusal.decision_id.in_(ids))):
        voted.setdefault(decision_id, set()).add(seat_id)
    seats_by_body: dict[int, list] = {}
    found = []
    for decision in decisions:
        if decision.body_id not in seats_by_body:
            seats_by_body[decision.body_id] = voting_seats(ctx, decision.body_id)
        done = voted.get(decision.id, set())
        found.append(_deadline(decision, {s.person_id for s in seats_by_body[decision.body_id]
                                          if s.id not in done}))
    return found


# --- reading ----------------------------------------------------------------------------

def details(ctx: Context, decision: Decision) -> dict:
    """Everything a page or the API shows about a decision, for the viewer."""
    session, viewer = ctx.session, ctx.viewer
    rules = judged_rules(ctx, decision)
    kind = rules.decision_kinds.get(decision.kind)
    titular = aliased(Person)
    rows = session.execute(
        select(Vote, Person.name, Organisation.name, titular.name)
        .join(Person, Person.id == Vote.person_id)
        .join(Seat, Seat.id == Vote.seat_id).join(titular, titular.id == Seat.person_id)
        .outerjoin(Organisation, Organisation.id == Vote.organisation_id)
        .where(Vote.decision_id == decision.id).order_by(Vote.cast_at, Vote.id)
    ).all()
    recusals = session.execute(
        select(Recusal, Person.name).join(Person, Person.id == Recusal.person_id)
        .where(Recusal.decision_id == decision.id).order_by(Recusal.id)
    ).all()
    visible = results_visible(rules, decision)
    named = visible and not (kind is not None and kind.secret_ballot)
    seat = _voting_seat_of(viewer, decision)
    by_seat = {v.seat_id: (v, name) for v, name, _, _ in rows}
    my_vote = by_seat[seat.id][0].choice if seat is not None and seat.id in by_seat else None
    recused_seats = {r.seat_id for r, _ in recusals}
    voting = decision.rules_version_id is not None and is_voting(rules, decision)
    eligible = None
    if decision.rules_version_id is not None:
        eligible = len({s.id for s in voting_seats(ctx, decision.body_id)}
                       | {v.seat_id for v, _, _, _ in rows} | recused_seats) - len(recused_seats)
    in_time = voting and decision.closes_at is not None and now() < decision.closes_at
    ballots = []
    for ballot in (ballots_of(ctx, viewer, decision, rules) if voting else []):
        vote, caster = by_seat.get(ballot.seat_id, (None, None))
        by_other = caster if vote is not None and vote.person_id != viewer.id else None
        holder = session.get(Person, ballot.proxy_holder_id) if ballot.proxy_holder_id else None
        seat_person = session.get(Person, ballot.seat_person_id)
        ballots.append({
            "seat_id": ballot.seat_id, "capacity": ballot.capacity,
            "titular": seat_person.name if seat_person else "",
            "choice": vote.choice if vote is not None and by_other is None else None,
            "reason": vote.reason if vote is not None and by_other is None else None,
            "voted_by_other": by_other, "proxy_holder": holder.name if holder else None,
            "recused": ballot.seat_id in recused_seats,
            "may_vote": (in_time and ballot.seat_id not in recused_seats and by_other is None
                         and holder is None)})
    may_vote = any(b["may_vote"] for b in ballots)
    return {
        "kind_name": kind.name if kind else None,
        "voters": [{"person_id": v.person_id, "name": name, "organisation_id": v.organisation_id,
                    "organisation": org, "voted_at": v.updated_at, "capacity": v.capacity,
                    **({"on_behalf_of": seat_name} if v.capacity != "titular" else {}),
                    **({"choice": v.choice} if named else {}),
                    **({"reason": v.reason} if named and v.reason else {})}
                   for v, name, org, seat_name in rows],
        "recusals": [{"person_id": r.person_id, "name": name, "automatic": r.automatic,
                      "reason": r.reason if (viewer.id == r.person_id or not r.automatic) else None}
                     for r, name in recusals],
        "tally": ({c: sum(1 for v, _, _, _ in rows if v.choice == c) for c in ("yes", "no", "abstain")}
                  if visible else None),
        "results_hidden": not visible,
        "named_votes": named,
        "my_vote": my_vote,
        "my_seat_id": seat.id if seat else None,
        "i_am_recused": seat is not None and seat.id in recused_seats,
        "voting": voting,
        "may_vote": may_vote,
        "ballots": ballots,
        "vote_change_allowed": bool(kind and kind.vote_change_allowed),
        "close_when_all_voted": bool(kind and kind.close_when_all_voted),
        "eligible": eligible,
        "voted_count": len(rows),
        "is_draft": is_draft(rules, decision),
        "may_edit": is_draft(rules, decision) and _may_edit(viewer, decision),
    }


def pending_votes(ctx: Context) -> list[Decision]:
    """Open decisions where the viewer has a voting seat, has not voted and is not recused."""
    session, viewer = ctx.session, ctx.viewer
    seats = {s.body_id: s.id for s in viewer.voting_seats}
    if not seats:
        return []
    decisions = list(session.execute(
        select(Decision).where(opened_not_closed(), Decision.body_id.in_(seats),
                               viewer.visible(Decision.confidential_category, Decision.body_id))
        .order_by(Decision.closes_at)
    ).scalars())
    if not decisions:
        return []
    ids = [d.id for d in decisions]
    done = set(session.execute(select(Vote.decision_id).where(
        Vote.decision_id.in_(ids), Vote.seat_id.in_(seats.values()))).scalars())
    done |= set(session.execute(select(Recusal.decision_id).where(
        Recusal.decision_id.in_(ids), Recusal.seat_id.in_(seats.values()))).scalars())
    at = now()
    return [d for d in decisions if d.id not in done and (d.closes_at is None or d.closes_at > at)]
