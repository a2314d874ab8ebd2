"""The emails of a vote's life, through the reminders' outbox: the invitation when a vote
opens, the outcome when it closes (by time, early, withdrawn, ratified), "remind those who
have not voted" when the chair asks, new comments in the daily digest, and the answer to a
vote sent by email.

Every message is an outbox row (`notifications.models.OutboxMessage`) inserted in the unit of
work that caused it, with INSERT ... ON CONFLICT DO NOTHING on the outbox's uniqueness key
(kind, object, offset, recipient, due date): the same event never queues twice, and delivery
(claim, send, record) gives them the reminders' exactly-once guarantee, sending hours,
digests, pauses and unsubscribe links. Keys:

| kind | due_at | offset_seconds |
|---|---|---|
| decision_invitation | closing time | 0 (one per decision and person) |
| decision_outcome | when it closed (or was ratified) | 0 |
| decision_nudge | closing time | seconds from the reminder to closing (one per reminder) |
| decision_comment | closing time | seconds from the digest to closing (one per digest) |
| decision_vote_receipt | when the answer came | its number among the person's answers |

The text is written here, in each person's language with the collective's time zone, and
kept on the row; the personal vote links are markers filled at sending time (see
`notifications.render`). The kinds and their offset ("0h": at the event) are in
`governance_rules.yaml` under `reminders.kinds`; a person who muted a kind gets none.

Confidentiality: every recipient is checked with `Viewer.can_see` here, and delivery checks
again when sending; staff observers are invited to non-confidential votes only, without
vote buttons.
"""

import logging
from datetime import datetime, timedelta
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.collective.models import Body, Organisation, Person, Seat, SeatRole
from api.context import Context
from api.decisions import service
from api.decisions.models import Alternate, Comment, Decision, Proxy, Recusal, Vote
from api.decisions.tally import basis_text
from api.errors import Conflict, Forbidden, TooMany
from api.i18n import normalise, t
from api.register import service as register
from api.rules.schema import DecisionKindRules, GovernanceRules
from api.timeutil import as_utc, now
from api.web import format_datetime
from notifications.models import Mode, NotificationPreference, OutboxMessage, Status
from notifications.planner import in_sending_hours, next_digest_time
from notifications.render import letterhead, render_notice, vote_marker
from notifications.scheduler import wake

log = logging.getLogger("relais.decisions")

INVITATION = "decision_invitation"
OUTCOME = "decision_outcome"
NUDGE = "decision_nudge"
COMMENT = "decision_comment"
RECEIPT = "decision_vote_receipt"
CHOICES = ("yes", "no", "abstain")


# --- the register's head ------------------------------------------------------------------

def register_head(ctx: Context) -> dict:
    """The register's sequence number and hash right now (in this transaction): the anchor
    an outcome email carries (`relais register verify --anchor SEQ:HASH` checks it later)."""
    seq, digest = register.head(ctx)
    return {"seq": seq, "hash": digest}


# --- queueing -----------------------------------------------------------------------------

def _preferences(session: Session, ids) -> dict[int, NotificationPreference]:
    if not ids:
        return {}
    return {p.person_id: p for p in session.execute(
        select(NotificationPreference).where(NotificationPreference.person_id.in_(list(ids)))).scalars()}


def _insert_ignore(session: Session, rows: list[dict]) -> None:
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(OutboxMessage.__table__).on_conflict_do_nothing(), rows)


def _send_time(ctx: Context, kind: str, pref: NotificationPreference | None, event_at: datetime,
               not_after: datetime | None, digest_only: bool) -> tuple[datetime, bool]:
    """When the message goes: the kind's offset after the event, within the sending hours; at
    the person's digest hour for digest readers (unless that is after `not_after`, the
    closing time, when it goes as an email of its own); always at the digest hour for
    `digest_only` kinds (comments)."""
    rules = ctx.rules
    tz = ctx.tz
    kind_rules = rules.reminders.kinds.get(kind)
    offset = kind_rules.offset_seconds()[0] if kind_rules is not None else 0
    raw = max(as_utc(event_at) - timedelta(seconds=offset), now())
    hour = pref.digest_hour if pref is not None else rules.reminders.digest_default_hour
    if digest_only or (pref is not None and pref.mode == Mode.digest):
        at = next_digest_time(raw, hour, tz)
        if digest_only or not_after is None or at <= not_after:
            return at, True
    return in_sending_hours(raw, rules.collective.sending_hours, tz, not_after), False


def _allowed(ctx: Context, person: Person, decision: Decision) -> bool:
    """An active person who may see the decision (staff never get an in-camera one)."""
    if not person.is_active:
        return False
    return ctx.viewer_of(person).can_see(decision.confidential_category, decision.body_id)


def queue(ctx: Context, kind: str, decision: Decision, letters: dict[int, tuple[str, str, str]],
          people: dict[int, Person], *, due_at: datetime, offset: int = 0, event_at: datetime | None = None,
          not_after: datetime | None = None, digest_only: bool = False) -> int:
    """Queue one message per person ({person id: (subject, text, html)}), in the caller's unit
    of work; people who muted the kind are skipped. Returns how many rows were offered (the
    uniqueness key drops the ones already there). Delivery is woken once committed."""
    if kind not in ctx.rules.reminders.kinds and kind != RECEIPT:
        log.warning("no reminder kind %r in the rules; decision %s: nothing sent", kind, decision.id)
        return 0
    prefs = _preferences(ctx.session, letters)
    current = now()
    rows = []
    for person_id, (subject, text, html) in letters.items():
        person, pref = people[person_id], prefs.get(person_id)
        if pref is not None and kind in pref.muted:
            continue
        send_at, digest = _send_time(ctx, kind, pref, event_at or current, not_after, digest_only)
        rows.append(dict(
            kind=kind, object_type=service.OBJECT_TYPE, object_id=decision.id, offset_seconds=offset,
            recipient_id=person_id, due_at=as_utc(due_at), send_at=send_at, next_attempt_at=send_at,
            digest=digest, status=Status.planned, attempts=0, language=normalise(person.language),
            subject=subject[:300], body_text=text, body_html=html, title_fr=decision.title[:300],
            title_en=decision.title[:300], path=f"/decisions/{decision.id}",
            confidential_category=decision.confidential_category, body_id=decision.body_id,
            all_day=False, location=None, created_at=current))
    _insert_ignore(ctx.session, rows)
    if rows:
        scheduler = getattr(ctx.runtime, "scheduler", None)
        ctx.after_commit(lambda: wake(scheduler))
    return len(rows)


# --- what the emails say ------------------------------------------------------------------

def quorum_words(kind: DecisionKindRules, eligible: int, lang: str) -> str:
    rule = service.vote_rule(kind)
    needed = rule.quorum_for(eligible)
    if kind.quorum.fraction is not None:
        percent = Fraction(str(kind.quorum.fraction)) * 100
        shown = f"{float(percent):g}"
        return t("decision.mail.quorum_fraction", lang, percent=shown, needed=needed, eligible=eligible)
    if kind.quorum.count is not None:
        return t("decision.mail.quorum_count", lang, needed=needed, eligible=eligible)
    return t("decision.mail.quorum_none", lang)


def majority_words(kind: DecisionKindRules, lang: str) -> str:
    return basis_text(service.vote_rule(kind).basis, lang)


def _person_line(session: Session, person_id: int | None, lang: str) -> str:
    person = session.get(Person, person_id) if person_id else None
    if person is None:
        return t("decision.mail.someone", lang)
    org = session.get(Organisation, person.organisation_id) if person.organisation_id else None
    return f"{person.name} ({org.name})" if org is not None else person.name


def _votes(seat_id: int) -> list[dict]:
    return [{"choice": c, "url": vote_marker(c, seat_id)} for c in CHOICES]


def _labelled(votes: list[dict], lang: str) -> list[dict]:
    return [{**v, "label": t(f"decision.choice.{v['choice']}", lang)} for v in votes]


def _current_seats(ctx: Context, body_id: int) -> list[Seat]:
    return list(ctx.session.execute(
        select(Seat).where(Seat.body_id == body_id, Seat.current_on(ctx.today)).order_by(Seat.id)).scalars())


def _people(session: Session, ids) -> dict[int, Person]:
    ids = set(ids)
    if not ids:
        return {}
    return {p.id: p for p in session.execute(select(Person).where(Person.id.in_(ids))).scalars()}


def invite(ctx: Context, decision: Decision, rules: GovernanceRules) -> int:
    """The vote has just opened: every seat holder of its body gets the invitation (voters
    with their vote buttons; staff observers, for a non-confidential item only, without)."""
    session = ctx.session
    kind = service.kind_rules(rules, decision)
    head = letterhead(ctx.settings, ctx.rules)
    seats = _current_seats(ctx, decision.body_id)
    recused = set(session.execute(select(Recusal.seat_id).where(Recusal.decision_id == decision.id)).scalars())
    voting = [s for s in seats if s.voting and s.role != SeatRole.staff_observer]
    eligible = len(voting) - len([s for s in voting if s.id in recused])
    body = session.get(Body, decision.body_id)
    first = session.get(Decision, decision.ratifies_id) if decision.ratifies_id else None
    people = _people(session, [s.person_id for s in seats])
    letters: dict[int, tuple[str, str, str]] = {}
    for seat in seats:
        person = people[seat.person_id]
        if seat.person_id in letters or not _allowed(ctx, person, decision):
            continue
        lang = normalise(person.language)
        votes_here = seat in voting and seat.id not in recused
        closes = format_datetime(decision.closes_at, lang, ctx.tz)
        data = {
            "subject": t("decision.mail.invitation_subject", lang, title=decision.title, when=closes),
            "title": decision.title, "text": decision.text, "kind_name": kind.name.get(lang),
            "body_name": body.name(lang) if body else "", "closes": closes,
            "proposer": _person_line(session, decision.created_by, lang),
            "quorum": quorum_words(kind, eligible, lang), "majority": majority_words(kind, lang),
            "early_close": kind.close_when_all_voted, "vote_change": kind.vote_change_allowed,
            "results_hidden": kind.results_hidden_until_close, "secret": kind.secret_ballot,
            "votes": _labelled(_votes(seat.id), lang) if votes_here else [],
            "recused": seat.id in recused, "observer": seat.role == SeatRole.staff_observer or not seat.voting,
            "open_url": f"{head.base_url}/decisions/{decision.id}",
            "ratifies": (t("decision.mail.ratifies", lang, title=first.title,
                           when=format_datetime(first.closed_at, lang, ctx.tz)) if first else None)}
        text, html = render_notice(head, INVITATION, lang, data)
        letters[seat.person_id] = (data["subject"], text, html)
    return queue(ctx, INVITATION, decision, letters, people, due_at=decision.closes_at,
                 not_after=decision.closes_at)


def _outcome_lead(decision: Decision, rules: GovernanceRules, lang: str) -> str:
    return t("decision.mail.outcome_lead", lang, state=t(f"decision.state.{decision.state}", lang))


def announce_outcome(ctx: Context, decision: Decision, rules: GovernanceRules, chain: dict | None = None) -> int:
    """The vote has closed (by time, early, withdrawn) or the ratification has settled: every
    seat holder of the body, and whoever cast a vote for a seat, gets the outcome, with the
    votes by seat (unless the ballot is secret), the recusals and the register's head."""
    session = ctx.session
    kind = service.kind_rules(rules, decision)
    head = letterhead(ctx.settings, ctx.rules)
    chain = chain or register_head(ctx)
    at = now()
    seats = _current_seats(ctx, decision.body_id)
    votes = list(session.execute(select(Vote).where(Vote.decision_id == decision.id)
                                 .order_by(Vote.seat_id)).scalars())
    recusals = list(session.execute(select(Recusal).where(Recusal.decision_id == decision.id)
                                    .order_by(Recusal.id)).scalars())
    seat_rows = {s.id: s for s in session.execute(
        select(Seat).where(Seat.id.in_([v.seat_id for v in votes] or [-1]))).scalars()}
    people = _people(session, [s.person_id for s in seats] + [v.person_id for v in votes]
                     + [s.person_id for s in seat_rows.values()] + [r.person_id for r in recusals])
    orgs = {o.id: o.name for o in session.execute(select(Organisation)).scalars()}
    second = session.execute(select(Decision).where(Decision.ratifies_id == decision.id)
                             .order_by(Decision.id.desc())).scalars().first()
    recipients = [s.person_id for s in seats] + [v.person_id for v in votes]
    letters: dict[int, tuple[str, str, str]] = {}
    for person_id in recipients:
        person = people[person_id]
        if person_id in letters or not _allowed(ctx, person, decision):
            continue
        lang = normalise(person.language)
        notes = []
        if decision.state == "withdrawn":
            result = t("decision.mail.withdrawn", lang, votes=len(votes))
            if decision.withdrawal_reason:
                notes.append(t("decision.mail.withdrawal_reason", lang, reason=decision.withdrawal_reason))
        else:
            result = (decision.outcome or {}).get("explanation", {}).get(lang, "")
        if decision.state == "awaiting_ratification" and second is not None:
            second_body = session.get(Body, second.body_id)
            notes.append(t("decision.mail.awaiting_ratification", lang,
                           body=second_body.name(lang) if second_body else ""))
        if decision.state in ("ratified", "not_ratified") and second is not None:
            notes.append(t(f"decision.mail.{decision.state}", lang,
                           result=(second.outcome or {}).get("explanation", {}).get(lang, "")))
        if decision.ratifies_id:
            first = session.get(Decision, decision.ratifies_id)
            if first is not None:
                notes.append(t("decision.mail.ratifies", lang, title=first.title,
                               when=format_datetime(first.closed_at, lang, ctx.tz)))
        shown_votes = []
        if not kind.secret_ballot and decision.state != "withdrawn":
            for vote in votes:
                seat = seat_rows.get(vote.seat_id)
                titular = people.get(seat.person_id) if seat else None
                caster = people.get(vote.person_id)
                shown_votes.append({
                    "seat": titular.name if titular else "?",
                    "organisation": orgs.get(vote.organisation_id),
                    "choice": t(f"decision.choice.{vote.choice}", lang),
                    "cast_by": (t(f"decision.mail.cast_by.{vote.capacity}", lang, name=caster.name)
                                if vote.capacity != "titular" and caster else None),
                    "reason": vote.reason})
        shown_recusals = []
        for recusal in recusals:
            who = people.get(recusal.person_id)
            name = who.name if who else "?"
            shown_recusals.append(t("decision.mail.recusal_automatic", lang, name=name) if recusal.automatic
                                  else t("decision.mail.recusal_declared", lang, name=name))
        lead = _outcome_lead(decision, rules, lang)
        data = {"subject": t("decision.mail.outcome_subject", lang, title=decision.title,
                             state=t(f"decision.state.{decision.state}", lang)),
                "lead": lead, "title": decision.title, "result": result, "notes": notes,
                "votes": shown_votes, "recusals": shown_recusals, "head": chain,
                "open_url": f"{head.base_url}/decisions/{decision.id}"}
        text, html = render_notice(head, OUTCOME, lang, data)
        letters[person_id] = (data["subject"], text, html)
    return queue(ctx, OUTCOME, decision, letters, people, due_at=at, event_at=at)


# --- "remind those who have not voted" ----------------------------------------------------

def may_remind(ctx: Context, decision: Decision, rules: GovernanceRules) -> bool:
    kind = rules.decision_kinds.get(decision.kind)
    if kind is None or ctx.viewer is None:
        return False
    allowed = set(kind.remind_undecided.allowed)
    roles = ctx.viewer.roles_on(decision.body_id) - {"staff_observer"}
    if ctx.viewer.is_admin:
        roles.add("admin")
    if any(s.body_id == decision.body_id for s in ctx.viewer.voting_seats):
        roles.add("voter")
    return bool(roles & allowed)


def next_reminder_at(decision: Decision, rules: GovernanceRules) -> datetime | None:
    kind = rules.decision_kinds.get(decision.kind)
    if decision.nudged_at is None or kind is None:
        return None
    return as_utc(decision.nudged_at) + timedelta(hours=kind.remind_undecided.min_interval_hours)


def remind_undecided(ctx: Context, decision_id: int) -> tuple[Decision, int]:
    """The chair (or whoever the kind's rules allow) reminds the voters who have neither voted
    nor recused: one email each (to the proxy holder when the seat gave a proxy), at most once
    per the kind's interval (12 h by default), recorded in the register."""
    session = ctx.session
    decision = service.get_visible(ctx, decision_id, lock=True)
    if decision.rules_version_id is None:
        raise Conflict("decision.vote_not_open")
    rules = service.judged_rules(ctx, decision)
    if not service.is_voting(rules, decision) or (decision.closes_at and now() >= decision.closes_at):
        raise Conflict("decision.vote_not_open")
    if not may_remind(ctx, decision, rules):
        raise Forbidden("decision.nudge_forbidden")
    upcoming = next_reminder_at(decision, rules)
    if upcoming is not None and now() < upcoming:
        raise TooMany("decision.nudge_too_soon", when=format_datetime(upcoming, ctx.lang, ctx.tz))
    at = now()
    seats = service.voting_seats(ctx, decision.body_id)
    done = set(session.execute(select(Vote.seat_id).where(Vote.decision_id == decision.id)
                               .union(select(Recusal.seat_id).where(Recusal.decision_id == decision.id))
                               ).scalars())
    proxies = {p.seat_id: p.holder_id for p in session.execute(
        select(Proxy).where(service._proxy_applies(decision))).scalars()}
    targets = [(s, proxies.get(s.id)) for s in seats if s.id not in done]
    people = _people(session, [s.person_id for s, _ in targets] + [h for _, h in targets if h])
    head = letterhead(ctx.settings, ctx.rules)
    kind = service.kind_rules(rules, decision)
    asked_by = ctx.viewer.person.name
    letters: dict[int, tuple[str, str, str]] = {}
    for seat, holder in targets:
        person_id = holder or seat.person_id
        person = people[person_id]
        if person_id in letters or not _allowed(ctx, person, decision):
            continue
        lang = normalise(person.language)
        closes = format_datetime(decision.closes_at, lang, ctx.tz)
        data = {"subject": t("decision.mail.nudge_subject", lang, title=decision.title, when=closes),
                "title": decision.title, "closes": closes, "asked_by": asked_by,
                "early_close": kind.close_when_all_voted,
                # A proxy holder votes from the page, where they choose the seat.
                "votes": _labelled(_votes(seat.id), lang) if holder is None else [],
                "open_url": f"{head.base_url}/decisions/{decision.id}"}
        text, html = render_notice(head, NUDGE, lang, data)
        letters[person_id] = (data["subject"], text, html)
    offset = max(0, int((as_utc(decision.closes_at) - at).total_seconds()))
    queued = queue(ctx, NUDGE, decision, letters, people, due_at=decision.closes_at, offset=offset,
                   event_at=at, not_after=decision.closes_at)
    decision.nudged_at = at
    register.record_for(ctx, decision, "decision.nudged", object_type=service.OBJECT_TYPE,
                        after={"recipients": len(letters)}, rules_version_id=decision.rules_version_id)
    return decision, queued


# --- comments: the daily digest -----------------------------------------------------------

def comment_digest(ctx: Context, decision: Decision, comment: Comment) -> int:
    """A new comment: the decision's voters (but its author) find it in their next daily
    digest, one line per decision whatever the number of comments (the uniqueness key holds
    one row per person, decision and digest)."""
    session = ctx.session
    seats = service.voting_seats(ctx, decision.body_id)
    alternates = list(session.execute(
        select(Alternate.person_id).where(Alternate.ended_at.is_(None),
                                          Alternate.seat_id.in_([s.id for s in seats] or [-1]))).scalars())
    people = _people(session, [s.person_id for s in seats] + alternates)
    prefs = _preferences(session, people)
    letters = {pid: ("", "", "") for pid, p in people.items()
               if pid != comment.author_id and _allowed(ctx, p, decision)}
    due = as_utc(decision.closes_at or comment.created_at)
    total = 0
    # One row per person: its offset names the digest it belongs to.
    for pid, letter in letters.items():
        pref = prefs.get(pid)
        at, _ = _send_time(ctx, COMMENT, pref, comment.created_at, None, digest_only=True)
        total += queue(ctx, COMMENT, decision, {pid: letter}, people, due_at=due,
                       offset=int((due - at).total_seconds()), event_at=comment.created_at, digest_only=True)
    return total


# --- answers to a vote sent by email -------------------------------------------------------

def receipt(ctx: Context, decision: Decision, person: Person, message_key: str, *, received_at: datetime,
            help_text: bool = False, **params) -> int:
    """The answer to an email vote (recorded, changed, refused, not understood), to the
    voter's own address (never to the sender's: a forged reply is noticed by its victim)."""
    head = letterhead(ctx.settings, ctx.rules)
    lang = normalise(person.language)
    translated = {k: (t(f"decision.choice.{v}", lang) if k == "choice" else v) for k, v in params.items()}
    message = t(message_key, lang, **translated)
    data = {"subject": t("decision.mail.receipt_subject", lang, title=decision.title),
            "message": message, "title": decision.title, "help": help_text,
            "closes": format_datetime(decision.closes_at, lang, ctx.tz) if decision.closed_at is None else "",
            "open_url": f"{head.base_url}/decisions/{decision.id}"}
    text, html = render_notice(head, RECEIPT, lang, data)
    # Numbered per person and decision: two answers received at the same instant both get theirs.
    earlier = ctx.session.execute(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.kind == RECEIPT, OutboxMessage.object_type == service.OBJECT_TYPE,
        OutboxMessage.object_id == decision.id, OutboxMessage.recipient_id == person.id)).scalar_one()
    return queue(ctx, RECEIPT, decision, {person.id: (data["subject"], text, html)}, {person.id: person},
                 due_at=received_at, offset=earlier + 1, event_at=received_at)
