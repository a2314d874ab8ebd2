"""Meetings of the bodies: attendance, agenda, minutes, the partners' committee packet.

Invariants:
* A meeting moves only through the workflow engine, judged by the rules in force; its
  minutes are approved only by an adopted `minutes_approval` decision (the guard
  `minutes_approval_adopted`), and such a decision's adoption approves them, fired by the
  system (`on_decision_transition`, installed on the decision workflow).
* A meeting of a confidential body is itself confidential (an invisible id is a 404).
  In-camera agenda items (a confidential kind) are left out of lists, numbering, counts,
  minutes and the register for anyone who may not see them; the public version of the
  minutes and of the packet leaves out every confidential row, even for members.
* Attendance is taken only for the body's seats on the day of the meeting; the quorum
  counts present voting seats (staff observers never count).
* Every change lands in the register in the same unit of work. Services flush, never commit.
"""

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from api.collective.models import Body, Seat
from api.collective.service import current_seats
from api.committees import deadlines
from api.committees.common import body_and_parent, body_category, to_utc, viewer_for
from api.committees.models import AgendaItem, Meeting, MeetingAttendance
from api.committees.schemas import AgendaItemIn, AgendaItemPatch, AttendanceIn, MeetingIn, MeetingPatch
from api.context import Context
from api.decisions.models import Decision
from api.decisions.service import adopted_states
from api.decisions.tally import VoteRule
from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.feesplit.models import FeeSplit
from api.grants.models import GrantApplication
from api.register import service as register
from api.register.models import RegisterEvent
from api.register.scopes import current_scopes
from api.rules.schema import GovernanceRules, Quorum
from api.timeutil import as_utc, local, shifted
from workflows.engine import Fired

BASE_ITEM_KINDS = ("information", "discussion", "decision")
# Seat roles that manage a body's meetings (on the body or on its parent).
ADMIN_ROLES = {"chair", "secretary"}
MEETING_FIELDS = ["body_id", "title", "starts_at", "ends_at", "place", "video_url"]


def item_kinds(rules: GovernanceRules) -> list[str]:
    """Kinds of agenda item: the ordinary ones, then one per confidential category (in camera)."""
    return list(BASE_ITEM_KINDS) + list(rules.confidential_categories)


# --- the workflow binding and hooks ----------------------------------------------------------

def meeting_roles(ctx: Context, meeting: Meeting, actor: Any) -> set[str]:
    """The actor's seat roles on the meeting's body and its parent (observers fire nothing)."""
    viewer = viewer_for(ctx, actor)
    roles: set[str] = set()
    for body_id in body_and_parent(ctx.session, meeting.body_id):
        roles |= viewer.roles_on(body_id)
    roles.discard("staff_observer")
    return roles


def after_transition(ctx: Context, fired: Fired) -> None:
    """A meeting moved (cancelled, for instance): re-plan or cancel its reminders."""
    deadlines.sync_meeting(ctx, fired.obj)


def on_decision_transition(ctx: Context, fired: Fired) -> None:
    """A minutes-approval decision adopted: its meeting fires approve_minutes as the system.

    The decision's adoption is judged by the rules it was opened under; the meeting's
    workflow by the rules in force."""
    decision = fired.obj
    if decision.kind != "minutes_approval":
        return
    judged = ctx.rules_of_version(decision.rules_version_id)
    if fired.dest not in adopted_states(judged, decision.workflow):
        return
    meetings = ctx.session.execute(
        select(Meeting).where(Meeting.minutes_decision_id == decision.id)).scalars().all()
    workflow = ctx.rules.workflows["meeting"]
    for meeting in meetings:
        if "approve_minutes" in workflow.triggers_from(meeting.state):
            ctx.registry.engine.fire(ctx, meeting, "approve_minutes", None, ctx.rules, "meeting")


# --- reading ---------------------------------------------------------------------------------

def get_meeting(ctx: Context, meeting_id: int) -> Meeting:
    meeting = ctx.session.get(Meeting, meeting_id)
    if meeting is None or not ctx.viewer.can_see(meeting.confidential_category, meeting.body_id):
        raise NotFound("committees.error.meeting_not_found")
    return meeting


def list_meetings(ctx: Context, body_id: int | None = None):
    """The meetings the viewer may see, latest first (a statement, for pagination)."""
    stmt = select(Meeting).where(ctx.viewer.visible(Meeting.confidential_category, Meeting.body_id))
    if body_id is not None:
        stmt = stmt.where(Meeting.body_id == body_id)
    return stmt.order_by(Meeting.starts_at.desc())


def can_manage_meeting(ctx: Context, body_id: int) -> bool:
    viewer = ctx.viewer
    if viewer.is_admin:
        return True
    roles: set[str] = set()
    for bid in body_and_parent(ctx.session, body_id):
        roles |= viewer.roles_on(bid)
    return bool(roles & ADMIN_ROLES)


def _check_manage(ctx: Context, meeting: Meeting) -> None:
    if not can_manage_meeting(ctx, meeting.body_id):
        raise Forbidden("committees.error.not_chair")


def meeting_day(meeting: Meeting, tz: str) -> date:
    return local(meeting.starts_at, tz).date()


def body_seats(ctx: Context, meeting: Meeting) -> list[Seat]:
    """The body's seats on the day of the meeting (in the collective's zone)."""
    return current_seats(ctx.session, meeting.body_id, meeting_day(meeting, ctx.tz))


def visible_items(meeting: Meeting, viewer: Any, public: bool = False) -> list[tuple[int, AgendaItem]]:
    """The agenda this viewer may read, numbered 1..n without gaps (in-camera items are
    simply absent for staff). `public` gives the version without any in-camera item."""
    items = [i for i in sorted(meeting.items, key=lambda i: (i.position, i.id))
             if viewer.can_see(i.confidential_category, i.body_id)
             and not (public and i.confidential_category is not None)]
    return list(enumerate(items, start=1))


def get_item(ctx: Context, meeting: Meeting, item_id: int) -> AgendaItem:
    item = ctx.session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != meeting.id \
            or not ctx.viewer.can_see(item.confidential_category, item.body_id):
        raise NotFound("committees.error.item_not_found")
    return item


# --- meetings --------------------------------------------------------------------------------

def _meeting_snapshot(meeting: Meeting) -> dict:
    return {f: getattr(meeting, f) for f in MEETING_FIELDS}


def _check_times(starts_at: datetime, ends_at: datetime | None) -> None:
    if ends_at is not None and ends_at <= starts_at:
        raise Invalid("committees.error.ends_before_start", field="ends_at")


def create_meeting(ctx: Context, data: MeetingIn) -> Meeting:
    """A meeting of a body, planned by its chair or secretary (or an administrator)."""
    rules = ctx.rules
    body = ctx.session.get(Body, data.body_id)
    if body is None:
        raise Invalid("error.body_not_found", field="body_id")
    category = body_category(rules, body)
    if not ctx.viewer.can_see(category, body.id):
        raise Invalid("error.body_not_found", field="body_id")
    if not can_manage_meeting(ctx, body.id):
        raise Forbidden("committees.error.not_chair")
    starts_at, ends_at = to_utc(data.starts_at, ctx.tz), to_utc(data.ends_at, ctx.tz)
    _check_times(starts_at, ends_at)
    meeting = Meeting(body_id=body.id, title=data.title, starts_at=starts_at, ends_at=ends_at,
                      place=data.place, video_url=data.video_url,
                      state=rules.workflows["meeting"].initial, confidential_category=category)
    meeting.body = body
    ctx.session.add(meeting)
    ctx.session.flush()
    register.record_for(ctx, meeting, "meeting.created", object_type="meeting",
                        after=_meeting_snapshot(meeting))
    deadlines.sync_meeting(ctx, meeting)
    return meeting


def update_meeting(ctx: Context, meeting_id: int, data: MeetingPatch) -> Meeting:
    """Change what the patch names; checks first, so a refused patch changes nothing."""
    meeting = get_meeting(ctx, meeting_id)
    _check_manage(ctx, meeting)
    before = _meeting_snapshot(meeting)
    changes = data.model_dump(exclude_unset=True)
    for key in ("title", "starts_at"):
        if key in changes and changes[key] is None:
            raise Invalid("error.required", field=key)
    for key in ("starts_at", "ends_at"):
        if key in changes:
            changes[key] = to_utc(changes[key], ctx.tz)
    _check_times(changes.get("starts_at", meeting.starts_at), changes.get("ends_at", meeting.ends_at))
    for key, value in changes.items():
        setattr(meeting, key, value)
    register.record_for(ctx, meeting, "meeting.updated", object_type="meeting", before=before,
                        after=_meeting_snapshot(meeting))
    deadlines.sync_meeting(ctx, meeting)
    return meeting


def move_meeting(ctx: Context, meeting_id: int, trigger: str) -> Meeting:
    """Fire a trigger as the viewer, judged by the rules in force."""
    meeting = get_meeting(ctx, meeting_id)
    ctx.registry.engine.fire(ctx, meeting, trigger, ctx.viewer.person, ctx.rules, "meeting", {})
    ctx.session.flush()
    return meeting


# --- attendance and quorum -------------------------------------------------------------------

def set_attendance(ctx: Context, meeting_id: int, data: AttendanceIn) -> MeetingAttendance:
    """One row per seat: recording someone again replaces their status."""
    meeting = get_meeting(ctx, meeting_id)
    _check_manage(ctx, meeting)
    seats = body_seats(ctx, meeting)
    if data.seat_id is not None:
        seat = next((s for s in seats if s.id == data.seat_id), None)
        if seat is None:
            raise Invalid("committees.error.not_a_seat", field="seat_id")
    else:
        seat = next((s for s in seats if s.person_id == data.person_id), None)
        if seat is None:
            raise Invalid("committees.error.not_a_seat", field="person_id")
    row = next((a for a in meeting.attendance if a.seat_id == seat.id), None)
    before = {"status": row.status} if row else None
    if row is None:
        row = MeetingAttendance(seat=seat, person_id=seat.person_id, status=data.status)
        meeting.attendance.append(row)
    else:
        row.status = data.status
    ctx.session.flush()
    register.record_for(ctx, meeting, "meeting.attendance", object_type="meeting", before=before,
                        after={"seat_id": seat.id, "person_id": seat.person_id, "status": data.status})
    return row


def quorum_rule(rules: GovernanceRules, body_key: str) -> tuple[Quorum, str]:
    """The executive committee's meetings use the `procedure` kind's quorum (its ordinary
    business); another body uses its first non-confidential decision kind, else half."""
    kinds = rules.decision_kinds
    if "procedure" in kinds and kinds["procedure"].body == body_key:
        return kinds["procedure"].quorum, "procedure"
    for key, kind in kinds.items():
        if kind.body == body_key and kind.confidential_category is None:
            return kind.quorum, key
    return Quorum(fraction=0.5), "default"


def meeting_quorum(ctx: Context, meeting: Meeting) -> dict:
    seats = [s for s in body_seats(ctx, meeting) if s.voting and not s.is_staff]
    present = {a.seat_id for a in meeting.attendance if a.status == "present"}
    body = meeting.body or ctx.session.get(Body, meeting.body_id)
    quorum, basis = quorum_rule(ctx.rules, body.key)
    required = VoteRule(quorum_fraction=quorum.fraction, quorum_count=quorum.count).quorum_for(len(seats))
    present_voting = sum(1 for s in seats if s.id in present)
    return {"voting_seats": len(seats), "present_voting": present_voting, "required": required,
            "reached": bool(seats) and present_voting >= required, "basis": basis}


# --- agenda ----------------------------------------------------------------------------------

def _check_kind(ctx: Context, meeting: Meeting, kind: str) -> str | None:
    """The item's confidential category (None for an ordinary kind)."""
    rules = ctx.rules
    if kind not in item_kinds(rules):
        raise Invalid("committees.error.item_kind", field="kind", kinds=", ".join(item_kinds(rules)))
    category = kind if kind in rules.confidential_categories else None
    if category is not None and not ctx.viewer.can_see(category, meeting.body_id):
        raise Forbidden("committees.error.in_camera_forbidden")
    return category


def load_decision(ctx: Context, decision_id: int) -> Decision | None:
    """A decision the viewer may see, else None."""
    decision = ctx.session.get(Decision, decision_id)
    if decision is None or not ctx.viewer.can_see(decision.confidential_category, decision.body_id):
        return None
    return decision


def _check_decision(ctx: Context, decision_id: int | None) -> None:
    if decision_id is not None and load_decision(ctx, decision_id) is None:
        raise Invalid("committees.error.decision_not_found", field="decision_id")


def _item_snapshot(item: AgendaItem) -> dict:
    return {"title": item.title, "kind": item.kind, "position": item.position,
            "decision_id": item.decision_id, "has_minutes": bool(item.minutes)}


def _item_scope(meeting: Meeting, item: AgendaItem) -> tuple[str | None, int]:
    """The item's scope: its own category (in camera), else its meeting's."""
    return item.confidential_category or meeting.confidential_category, meeting.body_id


def _record_item(ctx: Context, meeting: Meeting, item: AgendaItem, action: str,
                 was: tuple[str | None, int] | None = None, **change: Any) -> None:
    # The event is as confidential as the item, or else as its meeting: its scope is not the
    # item's own column, so it is spelled out here. A change out of camera (`was`) stays as
    # confidential as the item was: the event shows what it held then.
    category, body_id = register.narrowest(was or (None, None), _item_scope(meeting, item))
    register.record(ctx.session, action=action, object_type="agenda_item", object_id=item.id,
                    actor_id=ctx.actor_id, confidential_category=category, body_id=body_id,
                    key=register.key_of(ctx), **change)


def add_item(ctx: Context, meeting_id: int, data: AgendaItemIn) -> AgendaItem:
    """An item at the end of the agenda."""
    meeting = get_meeting(ctx, meeting_id)
    _check_manage(ctx, meeting)
    category = _check_kind(ctx, meeting, data.kind)
    _check_decision(ctx, data.decision_id)
    last = ctx.session.execute(select(func.max(AgendaItem.position))
                               .where(AgendaItem.meeting_id == meeting.id)).scalar_one()
    item = AgendaItem(position=(last or 0) + 1, title=data.title, kind=data.kind,
                      description=data.description, minutes=data.minutes,
                      decision_id=data.decision_id, confidential_category=category,
                      body_id=meeting.body_id)
    meeting.items.append(item)
    ctx.session.flush()
    _record_item(ctx, meeting, item, "agenda_item.created", after=_item_snapshot(item))
    return item


def update_item(ctx: Context, meeting_id: int, item_id: int, data: AgendaItemPatch) -> AgendaItem:
    meeting = get_meeting(ctx, meeting_id)
    item = get_item(ctx, meeting, item_id)
    _check_manage(ctx, meeting)
    before, was = _item_snapshot(item), _item_scope(meeting, item)
    changes = data.model_dump(exclude_unset=True)
    for key in ("title", "kind"):
        if key in changes and changes[key] is None:
            raise Invalid("error.required", field=key)
    category = _check_kind(ctx, meeting, changes["kind"]) if "kind" in changes else item.confidential_category
    if "decision_id" in changes:
        _check_decision(ctx, changes["decision_id"])
    # Moved in camera: what was written about the item while it was public (its register
    # events) is hidden at read time from whoever may not see it now (the register reads the
    # item's current scope); nothing already written changes.
    item.confidential_category = category
    for key, value in changes.items():
        setattr(item, key, value)
    _record_item(ctx, meeting, item, "agenda_item.updated", was=was, before=before, after=_item_snapshot(item))
    return item


def reorder_items(ctx: Context, meeting_id: int, item_ids: list[int]) -> Meeting:
    """Put the items the viewer sees in the given order. Every visible item must be listed
    once; items the viewer may not see keep their places (and are never named)."""
    meeting = get_meeting(ctx, meeting_id)
    _check_manage(ctx, meeting)
    visible = [item for _, item in visible_items(meeting, ctx.viewer)]
    by_id = {i.id: i for i in visible}
    unknown = [i for i in item_ids if i not in by_id]
    if unknown:
        raise Invalid("committees.error.reorder_unknown", field="item_ids",
                      ids=", ".join(str(i) for i in unknown[:20]))
    if len(set(item_ids)) != len(item_ids) or set(item_ids) != set(by_id):
        raise Invalid("committees.error.reorder_incomplete", field="item_ids")
    slots = sorted(i.position for i in visible)
    before = [i.id for i in visible]
    for slot, item_id in zip(slots, item_ids, strict=True):
        by_id[item_id].position = slot
    # The order names item ids: when the agenda holds an in-camera item, the event is read
    # only by those who may see it (a staff reader must not even count the ids), so its
    # scope is spelled out rather than taken from the meeting.
    hidden = next((i.confidential_category for i in meeting.items if i.confidential_category), None)
    register.record(ctx.session, action="agenda.reordered", object_type="meeting", object_id=meeting.id,
                    actor_id=ctx.actor_id, before={"order": before}, after={"order": item_ids},
                    confidential_category=meeting.confidential_category or hidden,
                    body_id=meeting.body_id, key=register.key_of(ctx))
    ctx.session.flush()
    return meeting


def move_item(ctx: Context, meeting_id: int, item_id: int, step: int) -> Meeting:
    """One step up (-1) or down (+1) among the visible items (the page's buttons)."""
    meeting = get_meeting(ctx, meeting_id)
    ids = [item.id for _, item in visible_items(meeting, ctx.viewer)]
    if item_id not in ids:
        raise NotFound("committees.error.item_not_found")
    index = ids.index(item_id)
    target = index + step
    if 0 <= target < len(ids):
        ids[index], ids[target] = ids[target], ids[index]
    return reorder_items(ctx, meeting_id, ids)


# --- minutes ---------------------------------------------------------------------------------

def link_minutes_decision(ctx: Context, meeting_id: int, decision_id: int) -> Meeting:
    """The minutes_approval decision whose adoption approves these minutes (one per meeting)."""
    meeting = get_meeting(ctx, meeting_id)
    _check_manage(ctx, meeting)
    decision = load_decision(ctx, decision_id)
    if decision is None:
        raise Invalid("committees.error.decision_not_found", field="decision_id")
    if decision.kind != "minutes_approval":
        raise Invalid("committees.error.not_minutes_decision", field="decision_id")
    taken = ctx.session.execute(select(Meeting.id).where(Meeting.minutes_decision_id == decision.id,
                                                         Meeting.id != meeting.id)).first()
    if taken:
        raise Conflict("committees.error.decision_taken", field="decision_id")
    before = {"minutes_decision_id": meeting.minutes_decision_id}
    meeting.minutes_decision_id = decision.id
    register.record_for(ctx, meeting, "meeting.minutes_decision", object_type="meeting", before=before,
                        after={"minutes_decision_id": decision.id})
    ctx.session.flush()
    return meeting


def _decision_row(d: Decision) -> dict:
    return {"id": d.id, "title": d.title, "kind": d.kind, "state": d.state,
            "closed_at": d.closed_at or d.closes_at, "meeting_id": d.meeting_id}


def _previous_meeting_start(ctx: Context, meeting: Meeting) -> datetime | None:
    return ctx.session.execute(
        select(func.max(Meeting.starts_at)).where(Meeting.body_id == meeting.body_id,
                                                  Meeting.starts_at < meeting.starts_at)
    ).scalar_one()


def meeting_decisions(ctx: Context, meeting: Meeting, public: bool = False) -> tuple[list[dict], list[dict]]:
    """(decisions taken in this meeting, online decisions closed since the body's previous
    meeting), both filtered for the viewer (and without confidential ones when `public`)."""
    session = ctx.session
    stmt = select(Decision).where(ctx.viewer.visible(Decision.confidential_category, Decision.body_id))
    if public:
        stmt = stmt.where(Decision.confidential_category.is_(None))
    in_meeting = session.execute(stmt.where(Decision.meeting_id == meeting.id)
                                 .order_by(Decision.id)).scalars().all()
    finals = {s for wf in ctx.rules.workflows.values() for s in wf.final}
    start = _previous_meeting_start(ctx, meeting) or shifted(as_utc(meeting.starts_at), timedelta(days=-31))
    online = session.execute(
        stmt.where(Decision.meeting_id.is_(None), Decision.body_id == meeting.body_id,
                   Decision.closed_at.is_not(None), Decision.closed_at > start,
                   Decision.closed_at <= meeting.starts_at, Decision.state.in_(finals))
        .order_by(Decision.closed_at)).scalars().all()
    return [_decision_row(d) for d in in_meeting], [_decision_row(d) for d in online]


def minutes(ctx: Context, meeting_id: int, public: bool = False) -> dict:
    """One record, two versions: complete for members; without in-camera items for staff
    (always) and for the partners' report (`public`)."""
    viewer = ctx.viewer
    meeting = get_meeting(ctx, meeting_id)
    items = visible_items(meeting, viewer, public=public)
    members = viewer.can_see("in_camera", meeting.body_id)
    lines = items
    if public and members:
        # The partners' report keeps the agenda's numbering: an in-camera item keeps its number
        # and reads "Point traité à huis clos" (None here). Staff, who never learn that such
        # items exist, keep the agenda as they know it (numbered without gaps).
        shown = {item.id for _, item in items}
        ordered = sorted(meeting.items, key=lambda i: (i.position, i.id))
        lines = [(n, item if item.id in shown else None) for n, item in enumerate(ordered, start=1)]
    in_meeting, online = meeting_decisions(ctx, meeting, public=public)
    attendance = sorted(meeting.attendance, key=lambda a: (a.status, a.person.name))
    return {"meeting": meeting, "items": items, "agenda_lines": lines, "attendance": attendance,
            "quorum": meeting_quorum(ctx, meeting),
            "decisions_in_meeting": in_meeting, "decisions_online": online,
            # The label depends on the viewer's rights only, never on what the record holds.
            "public": public or not viewer.can_see("in_camera", meeting.body_id),
            # Only a reader who may see in-camera items is offered the complete version.
            "complete_allowed": members,
            # The register's head as printed: every copy of the minutes anchors the register.
            "register_head": register.head(ctx)}


# --- partners' committee packet --------------------------------------------------------------

def packet(ctx: Context, meeting_id: int, public: bool = False) -> dict:
    """Activity and financial summary of the period before a partners' committee meeting
    (since its previous meeting, else six months): adopted decisions, grants awarded, reports
    submitted, fee splits recorded. Every row goes through the viewer's visibility, and
    `public` drops confidential ones."""
    session, viewer, rules = ctx.session, ctx.viewer, ctx.rules
    meeting = get_meeting(ctx, meeting_id)
    end = as_utc(meeting.starts_at)
    start = _previous_meeting_start(ctx, meeting) or shifted(end, timedelta(days=-183))

    def allowed(category: str | None, body_id: int | None) -> bool:
        return viewer.can_see(category, body_id) and not (public and category is not None)

    result: dict[str, Any] = {"meeting": meeting, "start": start, "end": end, "decisions": [],
                              "grants": [], "reports": [], "splits": [], "grants_total": 0,
                              "splits_total": 0, "register_head": register.head(ctx)}
    adopted: set[str] = set()
    for name in rules.workflows:
        adopted |= adopted_states(rules, name)
    for d in session.execute(select(Decision).where(
            Decision.closed_at > start, Decision.closed_at <= end, Decision.state.in_(adopted))
            .order_by(Decision.closed_at)).scalars():
        if allowed(d.confidential_category, d.body_id):
            result["decisions"].append(_decision_row(d))

    def events(action_suffix: str, types: tuple[str, ...]):
        return session.execute(select(RegisterEvent).where(
            RegisterEvent.object_type.in_(types), RegisterEvent.action.like(f"%.{action_suffix}"),
            RegisterEvent.occurred_at > start, RegisterEvent.occurred_at <= end)
            .order_by(RegisterEvent.seq)).scalars().all()

    seen: set[int] = set()
    for ev in events("award", ("grant_application", "grant")):
        grant = session.get(GrantApplication, ev.object_id)
        if grant is None or grant.id in seen:
            continue
        if allowed(grant.confidential_category, grant.body_id):
            seen.add(grant.id)
            amount = grant.amount_awarded_cents or 0
            result["grants"].append({"id": grant.id, "title": grant.title, "amount_cents": amount})
            result["grants_total"] += amount
    submitted = events("submit", ("report", "grant_report"))
    now_scopes = current_scopes(ctx, [(ev.object_type, ev.object_id) for ev in submitted])
    for ev in submitted:  # as written, and as the report (its application) is now
        current = now_scopes.get((ev.object_type, ev.object_id))
        if allowed(ev.confidential_category, ev.body_id) and (current is None or allowed(*current)):
            result["reports"].append({"id": ev.object_id, "at": ev.occurred_at})
    for split in session.execute(select(FeeSplit).where(
            FeeSplit.recorded_at.is_not(None), FeeSplit.recorded_at > start,
            FeeSplit.recorded_at <= end).order_by(FeeSplit.recorded_at)).scalars():
        if allowed(split.confidential_category, split.body_id):
            result["splits"].append({"id": split.id, "period": split.period,
                                     "amount_cents": split.amount_cents,
                                     "recorded_at": split.recorded_at})
            result["splits_total"] += split.amount_cents
    return result
