"""Decisions and online votes: drafting, opening, voting, recusal, closing.

A decision is judged forever by the rules version it was opened under (a draft follows the
rules in force). Every state change goes through `workflows.engine.fire`; every vote, vote
change and recusal is written to the register in the same transaction.

Results hidden until closing: while a kind hides its results, the register's vote events
carry who voted but not how (register readers include every member who can see the
decision); the full tally with each seat's choice is recorded once, at closing.
"""

import logging
import weakref
from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, null, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session

from api.access import Viewer
from api.collective.models import Body, Collective, Organisation, Person, Seat, SeatRole
from api.decisions.models import Choice, Decision, DecisionAttachment, Recusal, Vote, VoteChange
from api.decisions.schemas import DecisionIn, DecisionPatch
from api.decisions.tally import Outcome, VoteRule, can_close_early, tally
from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.register import service as register
from api.rules.models import RulesVersion
from api.rules.schema import DecisionKindRules, GovernanceRules, WorkflowRules
from api.rules.service import rules_of_version
from api.timeutil import as_utc, from_local, local, now
from notifications.deadlines import Deadline, cancel_deadline, provider, upsert_deadline
from notifications.sweeps import sweep
from workflows import engine

log = logging.getLogger("relais.decisions")

OBJECT_TYPE = "decision"
DEADLINE_KIND = "decision_closing"
# Key of Session.info holding the id of the rules version in force for this unit of work
# (set by the API/pages before a transition; read when a decision is opened).
RULES_VERSION_KEY = "relais.rules_version_id"
# The system triggers that close a vote, by tally result (names from the rules' workflows).
CLOSING_TRIGGERS = {"adopted": "adopt", "rejected": "reject", "no_quorum": "fail_quorum"}

# Kind -> organisation ids that the decision pays (their seats are recused automatically when
# the rules set `recuse_beneficiaries`). The fee-split area registers "fee_split".
BENEFICIARIES: dict[str, Callable[[Session, Decision], set[int]]] = {}


# --- rules ------------------------------------------------------------------------------

# Rules versions never change once stored: parsed rules by version id, per database engine.
_VERSIONS: "weakref.WeakKeyDictionary[object, dict[int, GovernanceRules]]" = weakref.WeakKeyDictionary()


def rules_of(session: Session, version_id: int) -> GovernanceRules:
    """`rules_of_version`, without reading the stored text again on every vote."""
    cache = _VERSIONS.setdefault(session.get_bind(), {})
    rules = cache.get(version_id)
    if rules is None:
        rules = cache[version_id] = rules_of_version(session, version_id)
    return rules


def judged_rules(session: Session, decision: Decision, rules_in_force: GovernanceRules) -> GovernanceRules:
    """The rules the decision is judged by: its opening version, or those in force for a draft."""
    if decision.rules_version_id is not None:
        return rules_of(session, decision.rules_version_id)
    return rules_in_force


def rules_for(session: Session, decision: Decision, rules_in_force: GovernanceRules) -> GovernanceRules:
    return judged_rules(session, decision, rules_in_force)


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
    triggers = engine.triggers_from(workflow_of(rules, decision), state or decision.state)
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


def _version_in_force(session: Session) -> int | None:
    version_id = session.info.get(RULES_VERSION_KEY)
    if version_id is None:  # outside a request (CLI, scheduler): the latest recorded version
        version_id = session.execute(select(func.max(RulesVersion.id))).scalar_one_or_none()
    return version_id


def _timezone(session: Session) -> str:
    collective = session.get(Collective, 1)
    return collective.timezone if collective is not None else "America/Toronto"


def _today(session: Session) -> date:
    return local(now(), _timezone(session)).date()


# --- seats ------------------------------------------------------------------------------

def _current(on: date):
    return and_(Seat.starts_on <= on, or_(Seat.ends_on.is_(None), Seat.ends_on >= on))


def voting_seats(session: Session, body_id: int, on: date) -> list:
    """Current voting seats of a body (staff observers never vote), as light rows
    (id, person_id, organisation_id): the vote path reads them on every vote."""
    return list(session.execute(
        select(Seat.id, Seat.person_id, Seat.organisation_id)
        .where(Seat.body_id == body_id, Seat.voting.is_(True),
               Seat.role != SeatRole.staff_observer, _current(on))
        .order_by(Seat.id)
    ).all())


def _actor_roles(session: Session, decision: Decision, person) -> set[str]:
    roles: set[str] = set()
    seats = session.execute(
        select(Seat).where(Seat.person_id == person.id, Seat.body_id == decision.body_id,
                           _current(_today(session)))
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

def get_visible(session: Session, viewer: Viewer, decision_id: int, lock: bool | str = False) -> Decision:
    """The decision, or 404 when it does not exist or the viewer may not see it.

    lock=True: FOR UPDATE (state changes, closing); lock="share": FOR SHARE (votes: they do
    not block each other, but a closing or a transition waits for them, and they for it)."""
    if lock:
        decision = session.execute(
            select(Decision).where(Decision.id == decision_id)
            .with_for_update(read=lock == "share")
            .execution_options(populate_existing=True)
        ).scalar_one_or_none()
    else:
        decision = session.get(Decision, decision_id)
    if decision is None or not viewer.can_see(decision.confidential_category, decision.body_id):
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


def _snapshot(decision: Decision) -> dict:
    return {"kind": decision.kind, "title": decision.title, "body_id": decision.body_id,
            "state": decision.state, "opens_at": decision.opens_at, "closes_at": decision.closes_at,
            "meeting_id": decision.meeting_id}


def create(session: Session, data: DecisionIn, viewer: Viewer, rules: GovernanceRules) -> Decision:
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
    tz = rules.collective.timezone
    opens_at, closes_at = _zoned(data.opens_at, tz), _zoned(data.closes_at, tz)
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
    register.record(session, action="decision.created", object_type=OBJECT_TYPE, object_id=decision.id,
                    actor_id=viewer.id, after=_snapshot(decision),
                    confidential_category=category, body_id=body.id)
    session.commit()
    return decision


def _check_times(opens_at: datetime | None, closes_at: datetime | None) -> None:
    if closes_at is not None and closes_at <= now():
        raise Invalid("decision.closes_in_past", field="closes_at")
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        raise Invalid("decision.closes_before_opening", field="closes_at")


def _may_edit(session: Session, viewer: Viewer, decision: Decision) -> bool:
    roles = viewer.roles_on(decision.body_id)
    return viewer.is_admin or decision.created_by == viewer.id or bool(roles & {"chair", "secretary"})


def update_draft(session: Session, decision_id: int, data: DecisionPatch, viewer: Viewer,
                 rules_in_force: GovernanceRules) -> Decision:
    decision = get_visible(session, viewer, decision_id, lock=True)
    rules = judged_rules(session, decision, rules_in_force)
    if not _may_edit(session, viewer, decision):
        raise Forbidden("decision.may_not_edit")
    if not is_draft(rules, decision):
        raise Conflict("decision.not_draft")
    before = _snapshot(decision)
    changes = data.model_dump(exclude_unset=True)
    tz = rules.collective.timezone
    for key in ("title",):
        if key in changes and changes[key] is None:
            raise Invalid("error.required", field=key)
    if "title" in changes:
        decision.title = changes["title"]
    if "text" in changes:
        decision.text = changes["text"] or ""
    if "meeting_id" in changes:
        decision.meeting_id = changes["meeting_id"]
    if "opens_at" in changes:
        decision.opens_at = _zoned(data.opens_at, tz)
    if "closes_at" in changes:
        decision.closes_at = _zoned(data.closes_at, tz)
    if "opens_at" in changes or "closes_at" in changes:
        _check_times(decision.opens_at, decision.closes_at)
    if data.attachments is not None:
        decision.attachments = [DecisionAttachment(title=a.title, url=a.url) for a in data.attachments]
    register.record(session, action="decision.updated", object_type=OBJECT_TYPE, object_id=decision.id,
                    actor_id=viewer.id, before=before, after=_snapshot(decision),
                    confidential_category=decision.confidential_category, body_id=decision.body_id)
    session.commit()
    return decision


# --- transitions ------------------------------------------------------------------------

def transition(session: Session, decision_id: int, trigger: str, viewer: Viewer,
               rules_in_force: GovernanceRules, version_id: int) -> Decision:
    """Fire a person's trigger (open, withdraw, ratify...) and commit."""
    session.info[RULES_VERSION_KEY] = version_id
    decision = get_visible(session, viewer, decision_id, lock=True)
    rules = judged_rules(session, decision, rules_in_force)
    engine.fire(session, decision, trigger, viewer.person, rules, OBJECT_TYPE)
    session.commit()
    return decision


def _on_open(session: Session, decision: Decision) -> None:
    """Opening: stamp the rules version, start the vote window, recuse beneficiaries."""
    if decision.rules_version_id is None:
        decision.rules_version_id = _version_in_force(session)
    rules = rules_of(session, decision.rules_version_id)
    kind = kind_rules(rules, decision)
    decision.workflow = kind.workflow
    at = now()
    decision.opens_at = at
    if decision.closes_at is None:
        decision.closes_at = at + timedelta(hours=kind.vote_window_hours)
    if decision.closes_at <= at:
        raise Invalid("decision.closes_in_past", field="closes_at")
    seats = voting_seats(session, decision.body_id, _today(session))
    if kind.recuse_beneficiaries and decision.kind in BENEFICIARIES:
        beneficiaries = BENEFICIARIES[decision.kind](session, decision)
        people_orgs = dict(session.execute(
            select(Person.id, Person.organisation_id).where(Person.id.in_([s.person_id for s in seats]))
        ).all())
        for seat in seats:
            org = seat.organisation_id or people_orgs.get(seat.person_id)
            if org is not None and org in beneficiaries:
                _recuse(session, decision, seat, reason=None, automatic=True, actor_id=None)
    session.flush()
    _refresh_deadline(session, decision, seats)


def _after_transition(session: Session, decision: Decision, trigger: str, source: str, dest: str,
                      actor, params: dict) -> None:
    """Entering a voting state opens the vote; leaving it (or withdrawing a draft) closes it."""
    if decision.rules_version_id is None:
        version_id = _version_in_force(session)
        rules = rules_of(session, version_id) if version_id is not None else None
        if rules is not None and is_voting(rules, decision, dest):
            _on_open(session, decision)
        elif rules is not None and dest in rules.workflows[decision.workflow].final:
            decision.closed_at = now()
        return
    if decision.closed_at is None:
        rules = rules_of(session, decision.rules_version_id)
        if not is_voting(rules, decision, dest):
            decision.closed_at = now()
            cancel_deadline(session, DEADLINE_KIND, OBJECT_TYPE, decision.id)


def _visibility(decision: Decision) -> tuple[str | None, int | None]:
    return decision.confidential_category, decision.body_id


def _binding_version(decision: Decision) -> int | None:
    if decision.rules_version_id is not None:
        return decision.rules_version_id
    session = object_session(decision)
    return session.info.get(RULES_VERSION_KEY) if session is not None else None


BINDING = engine.bind(engine.Binding(
    object_type=OBJECT_TYPE,
    workflow_name=lambda decision: decision.workflow,
    actor_roles=_actor_roles,
    visibility=_visibility,
    rules_version_id=_binding_version,
))
engine.on_transition(OBJECT_TYPE, _after_transition)


# --- votes ------------------------------------------------------------------------------

def _recuse(session: Session, decision: Decision, seat: Seat, reason: str | None, automatic: bool,
            actor_id: int | None) -> Recusal:
    recusal = Recusal(decision_id=decision.id, seat_id=seat.id, person_id=seat.person_id,
                      reason=reason, automatic=automatic)
    session.add(recusal)
    register.record(session, action="recusal.automatic" if automatic else "recusal.declared",
                    object_type=OBJECT_TYPE, object_id=decision.id, actor_id=actor_id,
                    after={"seat_id": seat.id, "person_id": seat.person_id,
                           "organisation_id": seat.organisation_id, "reason": reason,
                           "automatic": automatic},
                    confidential_category=decision.confidential_category, body_id=decision.body_id,
                    rules_version_id=decision.rules_version_id)
    return recusal


def _vote_event(decision: Decision, seat: Seat, choice: str | None, hidden: bool) -> dict:
    after = {"seat_id": seat.id, "person_id": seat.person_id, "organisation_id": seat.organisation_id}
    if not hidden:
        after["choice"] = choice
    return after


def cast_vote(session: Session, decision_id: int, choice: str, viewer: Viewer) -> tuple[Decision, Vote, str]:
    """Record the viewer's vote for their seat; returns (decision, vote, "cast"|"changed"|"unchanged").

    Locks, always in this order: the decision row (FOR SHARE on PostgreSQL, so a closing or a
    transition cannot slip between the "is it open?" check and the commit; BEGIN IMMEDIATE
    serialises everything on SQLite), the seat's vote row for a change, then the register's
    head. The unique (decision, seat) constraint is the last line: a concurrent duplicate
    is a 409, never a second row. Closing early, once every eligible seat has voted, is done
    after the vote commits, in its own transaction holding the decision FOR UPDATE.
    """
    choice = str(Choice(choice))
    decision = get_visible(session, viewer, decision_id, lock="share")
    if decision.rules_version_id is None:
        raise Conflict("decision.vote_not_open")
    rules = rules_of(session, decision.rules_version_id)
    kind = kind_rules(rules, decision)
    if not is_voting(rules, decision):
        raise Conflict("decision.vote_not_open")
    at = now()
    if decision.closes_at is not None and at >= decision.closes_at:
        raise Conflict("decision.vote_closed")
    seat = _voting_seat_of(viewer, decision)
    if seat is None:
        raise Forbidden("decision.no_voting_seat")
    recusal_id, vote_id = session.execute(select(
        select(Recusal.id).where(Recusal.decision_id == decision.id, Recusal.seat_id == seat.id)
        .scalar_subquery(),
        select(Vote.id).where(Vote.decision_id == decision.id, Vote.seat_id == seat.id)
        .scalar_subquery())).one()
    if recusal_id is not None:
        raise Forbidden("decision.recused")
    hidden = kind.results_hidden_until_close
    event = dict(object_type=OBJECT_TYPE, object_id=decision.id, actor_id=viewer.id,
                 confidential_category=decision.confidential_category, body_id=decision.body_id,
                 rules_version_id=decision.rules_version_id)
    vote = None
    if vote_id is not None:
        vote = session.execute(select(Vote).where(Vote.id == vote_id).with_for_update()
                               .execution_options(populate_existing=True)).scalar_one()
    if vote is not None:
        if vote.choice == choice:
            session.commit()
            return decision, vote, "unchanged"
        if not kind.vote_change_allowed:
            raise Conflict("decision.vote_change_forbidden")
        session.add(VoteChange(decision_id=decision.id, seat_id=seat.id, person_id=viewer.id,
                               old_choice=vote.choice, new_choice=choice, at=at))
        before = None if hidden else {"choice": vote.choice}
        vote.choice, vote.updated_at, vote.person_id = choice, at, viewer.id
        register.record(session, action="vote.changed", before=before,
                        after=_vote_event(decision, seat, choice, hidden), **event)
        status = "changed"
    else:
        vote = Vote(decision_id=decision.id, seat_id=seat.id, person_id=viewer.id,
                    organisation_id=seat.organisation_id, choice=choice, cast_at=at, updated_at=at)
        try:
            # A savepoint: a duplicate undoes only this insert, and leaves the viewer's rows
            # loaded for the error message.
            with session.begin_nested():
                session.add(vote)
                session.flush()
        except IntegrityError as exc:  # a concurrent request for the same seat won
            raise Conflict("decision.vote_concurrent") from exc
        register.record(session, action="vote.cast", after=_vote_event(decision, seat, choice, hidden),
                        **event)
        status = "cast"
    done = status == "cast" and _after_vote(session, decision, rules, viewer.id, viewer.today,
                                            close_inline=False)
    session.commit()
    if done:
        try:
            _close_one(session, decision.id, now(), wait=True)
        except Exception:  # the vote is saved; the sweep closes the decision on its next tick
            log.exception("closing decision %s after its last vote failed", decision.id)
    return decision, vote, status


def _after_vote(session: Session, decision: Decision, rules: GovernanceRules,
                person_id: int | None = None, today: date | None = None,
                close_inline: bool = True) -> bool:
    """Close early once every eligible seat has voted; otherwise keep the reminders right.

    The person who just voted (or recused) leaves the reminder list. Replanning the whole
    list costs O(seats) in the planner, so it is done here only when one of this person's
    reminders could go out soon; otherwise the sweep (`close_due_decisions`, every few
    seconds) replans it well before any send time.
    """
    today = today or _today(session)
    voted_ids = select(Vote.seat_id).where(Vote.decision_id == decision.id)
    recused_ids = select(Recusal.seat_id).where(Recusal.decision_id == decision.id)
    # Eligible: the current voting seats, plus any seat that voted or recused (a seat that
    # ended since still counts for what it did). One round trip for the three counts.
    eligible_q = select(func.count()).select_from(Seat).where(or_(
        and_(Seat.body_id == decision.body_id, Seat.voting.is_(True),
             Seat.role != SeatRole.staff_observer, _current(today)),
        Seat.id.in_(voted_ids), Seat.id.in_(recused_ids))).scalar_subquery()
    voted_q = select(func.count()).select_from(Vote).where(Vote.decision_id == decision.id).scalar_subquery()
    recused_q = (select(func.count()).select_from(Recusal)
                 .where(Recusal.decision_id == decision.id).scalar_subquery())
    reminder_q = _first_reminder(decision, person_id)
    eligible, voted, recused, first_reminder = session.execute(
        select(eligible_q, voted_q, recused_q, reminder_q)).one()
    kind = kind_rules(rules, decision)
    if can_close_early(vote_rule(kind), eligible, recused, voted):
        if close_inline:
            close_decision(session, decision, rules)
        return True  # every eligible seat has voted
    if person_id is None or (first_reminder is not None
                             and as_utc(first_reminder) <= now() + REFRESH_SLACK):
        _refresh_deadline(session, decision, voting_seats(session, decision.body_id, today))
    return False


# A person's reminder due within this delay is cancelled in the vote's own transaction; later
# ones are left to the sweep (every `sweep_interval_seconds`, 30 s by default).
REFRESH_SLACK = timedelta(minutes=10)


def _first_reminder(decision: Decision, person_id: int | None):
    """SQL: when this person's next planned reminder of the vote goes out (NULL: none)."""
    try:
        from notifications.models import OutboxMessage, Status
    except ImportError:  # no reminders layer: nothing to keep in step
        return null()
    if person_id is None:
        return null()
    return select(func.min(OutboxMessage.send_at)).where(
        OutboxMessage.kind == DEADLINE_KIND, OutboxMessage.object_type == OBJECT_TYPE,
        OutboxMessage.object_id == decision.id, OutboxMessage.recipient_id == person_id,
        OutboxMessage.status == Status.planned).scalar_subquery()


def recuse(session: Session, decision_id: int, reason: str, viewer: Viewer) -> Recusal:
    """The person declares a conflict of interest; a vote already cast is withdrawn."""
    decision = get_visible(session, viewer, decision_id, lock=True)
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
    recusal = _recuse(session, decision, seat, reason=reason, automatic=False, actor_id=viewer.id)
    session.flush()
    if decision.rules_version_id is not None and decision.closed_at is None:
        rules = rules_of(session, decision.rules_version_id)
        _after_vote(session, decision, rules, viewer.id, viewer.today)
    session.commit()
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


def close_decision(session: Session, decision: Decision, rules: GovernanceRules,
                   votes: list[Vote] | None = None, recused: set[int] | None = None,
                   eligible: set[int] | None = None) -> str:
    """Tally and fire adopt / reject / fail_quorum as the system (caller commits)."""
    if votes is None:
        votes = list(session.execute(select(Vote).where(Vote.decision_id == decision.id)).scalars())
    if recused is None:
        recused = set(session.execute(
            select(Recusal.seat_id).where(Recusal.decision_id == decision.id)).scalars())
    if eligible is None:
        seats = voting_seats(session, decision.body_id, _today(session))
        eligible = {s.id for s in seats} | {v.seat_id for v in votes} | recused
    kind = kind_rules(rules, decision)
    counts = {c: sum(1 for v in votes if v.choice == c) for c in ("yes", "no", "abstain")}
    outcome = tally(vote_rule(kind), len(eligible), len(recused & eligible), **counts)
    decision.outcome = outcome_dict(outcome, kind)
    register.record(session, action="decision.tallied", object_type=OBJECT_TYPE, object_id=decision.id,
                    actor_id=None,
                    after={**{k: v for k, v in decision.outcome.items() if k != "explanation"},
                           "votes": [{"seat_id": v.seat_id, "person_id": v.person_id,
                                      "organisation_id": v.organisation_id, "choice": v.choice}
                                     for v in sorted(votes, key=lambda v: v.seat_id)]},
                    confidential_category=decision.confidential_category, body_id=decision.body_id,
                    rules_version_id=decision.rules_version_id)
    return engine.fire(session, decision, CLOSING_TRIGGERS[outcome.result], None, rules, OBJECT_TYPE)


def close_due_decisions(session: Session, at: datetime | None = None) -> list[int]:
    """Close every open decision whose time has come, or whose eligible seats have all voted.

    Safe to run twice or from several workers: each decision is locked (SKIP LOCKED on
    PostgreSQL: a row another worker or a voter holds is left to them or the next sweep),
    then re-checked before closing; each closing commits on its own.
    """
    at = at or now()
    ids = list(session.execute(select(Decision.id).where(opened_not_closed())
                               .order_by(Decision.closes_at)).scalars())
    session.commit()
    return [decision_id for decision_id in ids if _close_one(session, decision_id, at)]


def _close_one(session: Session, decision_id: int, at: datetime, wait: bool = False) -> bool:
    """Close this decision if it is open and due or fully voted; refresh its reminders if
    it stays open. Commits; True when it closed. `wait=False` skips a row someone holds."""
    try:
        stmt = select(Decision).where(Decision.id == decision_id).execution_options(
            populate_existing=True)
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=not wait)
        decision = session.execute(stmt).scalar_one_or_none()
        if decision is None or decision.closed_at is not None or decision.rules_version_id is None:
            session.rollback()
            return False
        rules = rules_of(session, decision.rules_version_id)
        if not is_voting(rules, decision):
            session.rollback()
            return False
        due = decision.closes_at is not None and decision.closes_at <= at
        if not due:
            votes = list(session.execute(select(Vote).where(Vote.decision_id == decision.id)).scalars())
            recused = set(session.execute(
                select(Recusal.seat_id).where(Recusal.decision_id == decision.id)).scalars())
            seats = voting_seats(session, decision.body_id, _today(session))
            eligible = {s.id for s in seats} | {v.seat_id for v in votes} | recused
            if not can_close_early(vote_rule(kind_rules(rules, decision)), len(eligible),
                                   len(recused & eligible), len(votes)):
                # Still open: bring its reminders in step with who has voted since.
                _refresh_deadline(session, decision, seats, {v.seat_id for v in votes}, recused)
                session.commit()
                return False
        close_decision(session, decision, rules)
        session.commit()
        return True
    except Exception:
        session.rollback()
        raise


@sweep("close_due_decisions")
def _sweep_close_due(session: Session, at: datetime) -> None:
    close_due_decisions(session, at)


# --- deadlines --------------------------------------------------------------------------

def _deadline(decision: Decision, recipients: set[int]) -> Deadline:
    return Deadline(kind=DEADLINE_KIND, object_type=OBJECT_TYPE, object_id=decision.id,
                    due_at=decision.closes_at, title_fr=decision.title, title_en=decision.title,
                    path=f"/decisions/{decision.id}", recipient_ids=frozenset(recipients),
                    confidential_category=decision.confidential_category, body_id=decision.body_id)


def _refresh_deadline(session: Session, decision: Decision, seats: list[Seat],
                      voted: set[int] | None = None, recused: set[int] | None = None) -> None:
    """Voters who have not voted and are not recused are reminded before the vote closes."""
    if voted is None:
        voted = set(session.execute(select(Vote.seat_id).where(Vote.decision_id == decision.id)).scalars())
    if recused is None:
        recused = set(session.execute(
            select(Recusal.seat_id).where(Recusal.decision_id == decision.id)).scalars())
    recipients = {s.person_id for s in seats if s.id not in voted and s.id not in recused}
    upsert_deadline(session, _deadline(decision, recipients))


@provider(DEADLINE_KIND)
def closing_deadlines(session: Session, start: datetime, end: datetime) -> list[Deadline]:
    """Open decisions closing in [start, end), with the voters still expected."""
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
    today = _today(session)
    seats_by_body: dict[int, list[Seat]] = {}
    found = []
    for decision in decisions:
        if decision.body_id not in seats_by_body:
            seats_by_body[decision.body_id] = voting_seats(session, decision.body_id, today)
        done = voted.get(decision.id, set())
        found.append(_deadline(decision, {s.person_id for s in seats_by_body[decision.body_id]
                                          if s.id not in done}))
    return found


# --- reading ----------------------------------------------------------------------------

def details(session: Session, decision: Decision, viewer: Viewer, rules_in_force: GovernanceRules) -> dict:
    """Everything a page or the API shows about a decision, for this viewer."""
    rules = judged_rules(session, decision, rules_in_force)
    kind = rules.decision_kinds.get(decision.kind)
    rows = session.execute(
        select(Vote, Person.name, Organisation.name)
        .join(Person, Person.id == Vote.person_id)
        .outerjoin(Organisation, Organisation.id == Vote.organisation_id)
        .where(Vote.decision_id == decision.id).order_by(Vote.cast_at, Vote.id)
    ).all()
    recusals = session.execute(
        select(Recusal, Person.name).join(Person, Person.id == Recusal.person_id)
        .where(Recusal.decision_id == decision.id).order_by(Recusal.id)
    ).all()
    visible = results_visible(rules, decision)
    seat = _voting_seat_of(viewer, decision)
    my_vote = next((v.choice for v, _, _ in rows if seat is not None and v.seat_id == seat.id), None)
    recused_seats = {r.seat_id for r, _ in recusals}
    voting = decision.rules_version_id is not None and is_voting(rules, decision)
    eligible = None
    if decision.rules_version_id is not None:
        eligible = len({s.id for s in voting_seats(session, decision.body_id, _today(session))}
                       | {v.seat_id for v, _, _ in rows} | recused_seats) - len(recused_seats)
    may_vote = (voting and seat is not None and seat.id not in recused_seats
                and decision.closes_at is not None and now() < decision.closes_at)
    return {
        "kind_name": kind.name if kind else None,
        "voters": [{"person_id": v.person_id, "name": name, "organisation_id": v.organisation_id,
                    "organisation": org, "voted_at": v.updated_at,
                    **({"choice": v.choice} if visible else {})} for v, name, org in rows],
        "recusals": [{"person_id": r.person_id, "name": name, "automatic": r.automatic,
                      "reason": r.reason if (viewer.id == r.person_id or not r.automatic) else None}
                     for r, name in recusals],
        "tally": ({c: sum(1 for v, _, _ in rows if v.choice == c) for c in ("yes", "no", "abstain")}
                  if visible else None),
        "results_hidden": not visible,
        "my_vote": my_vote,
        "my_seat_id": seat.id if seat else None,
        "i_am_recused": seat is not None and seat.id in recused_seats,
        "voting": voting,
        "may_vote": may_vote,
        "vote_change_allowed": bool(kind and kind.vote_change_allowed),
        "eligible": eligible,
        "voted_count": len(rows),
        "is_draft": is_draft(rules, decision),
        "may_edit": is_draft(rules, decision) and _may_edit(session, viewer, decision),
    }


def pending_votes(session: Session, viewer: Viewer) -> list[Decision]:
    """Open decisions where the viewer has a voting seat, has not voted and is not recused."""
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
