"""Business rules of funders, grant applications and their reporting cycles.

Every state change goes through `workflows.engine.fire`; creations and edits are written
to the register in the same transaction. Confidentiality: an application is in camera
(`rules.grants.confidential_category`, body = executive committee) unless it is created
with `confidential: false`; its reports and deadlines inherit its visibility.
"""

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import Select, func, or_, select, union_all
from sqlalchemy.orm import Session, selectinload

from api.access import Viewer
from api.collective.models import Body, Collective, Organisation, Person, Seat, SeatRole
from api.errors import Forbidden, Invalid, NotFound
from api.grants.models import (
    DueRule,
    Funder,
    GrantApplication,
    Report,
    ReportingRequirement,
)
from api.grants.recurrence import due_at, requirement_dates
from api.grants.schemas import ApplicationIn, ApplicationPatch, FunderIn, FunderPatch, RequirementIn
from api.money import from_cents, to_cents
from api.register import service as register
from api.rules.schema import GovernanceRules, WorkflowRules
from api.timeutil import from_local, local, now
from notifications.deadlines import Deadline, cancel_deadline, provider, upsert_deadline
from workflows import engine

APPLICATION = "grant_application"
REPORT = "report"
EXECUTIVE = "executive_committee"


# --------------------------------------------------------------------------- rules helpers

def states_before(workflow: WorkflowRules, trigger: str) -> set[str]:
    """States from which `trigger` can still be reached (its sources and their ancestors)."""
    found = {s for tr in workflow.transitions if tr.trigger == trigger for s in tr.sources}
    frontier = set(found)
    while frontier:
        new = {s for tr in workflow.transitions if tr.dest in frontier for s in tr.sources} - found
        found |= new
        frontier = new
    return found


def award_triggers(workflow: WorkflowRules) -> set[str]:
    """Transitions guarded by `amount_awarded_set` record the amount and create the reports."""
    return {tr.trigger for tr in workflow.transitions if "amount_awarded_set" in tr.conditions}


@lru_cache(maxsize=1)
def _default_rules() -> GovernanceRules:  # pragma: no cover - used outside a request only
    from api.config import get_settings
    from api.rules.loader import load_rules

    return load_rules(get_settings().rules_path).rules


def _rules_of(obj) -> GovernanceRules:
    return getattr(obj, "_rules_in_force", None) or _default_rules()


def remember_rules(session: Session, obj, rules: GovernanceRules) -> GovernanceRules:
    """Used as `rules_for` of the transition routes: the after-hooks need the rules too."""
    obj._rules_in_force = rules
    return rules


def fire(session: Session, obj, trigger: str, actor, rules: GovernanceRules, object_type: str,
         params: dict | None = None) -> str:
    remember_rules(session, obj, rules)
    return engine.fire(session, obj, trigger, actor, rules, object_type, params or {})


def timezone(session: Session) -> str:
    collective = session.get(Collective, 1)
    return collective.timezone if collective else "America/Toronto"


def executive_body_id(session: Session) -> int | None:
    return session.execute(select(Body.id).where(Body.key == EXECUTIVE)).scalar()


# --------------------------------------------------------------------------- actor roles

def _person_id(actor) -> int | None:
    return getattr(actor, "id", None)


def _has_member_seat(session: Session, person_id: int, body_id: int | None, on: date) -> bool:
    if body_id is None:
        return False
    return session.execute(
        select(Seat.id).where(Seat.person_id == person_id, Seat.body_id == body_id,
                              Seat.role != SeatRole.staff_observer, Seat.starts_on <= on,
                              or_(Seat.ends_on.is_(None), Seat.ends_on >= on)).limit(1)
    ).first() is not None


def _is_staff_only(session: Session, person_id: int, on: date) -> bool:
    roles = set(session.execute(
        select(Seat.role).where(Seat.person_id == person_id, Seat.starts_on <= on,
                                or_(Seat.ends_on.is_(None), Seat.ends_on >= on))).scalars())
    return bool(roles) and roles <= {SeatRole.staff_observer}


def _is_lead(session: Session, person, on: date) -> bool:
    """A person of the lead organisation, unless they are staff (observer seats only): the
    coordinator and the workers never act on in-camera funding items."""
    org_id = getattr(person, "organisation_id", None)
    if org_id is None:
        return False
    org = session.get(Organisation, org_id)
    return bool(org and org.is_lead) and not _is_staff_only(session, person.id, on)


def _roles(session: Session, owner_id: int | None, body_id: int | None, actor) -> set[str]:
    pid = _person_id(actor)
    if pid is None:
        return set()
    today = local(now(), timezone(session)).date()
    roles: set[str] = set()
    if owner_id is not None and owner_id == pid:
        roles.add("owner")
    if _is_lead(session, actor, today):
        roles.add("lead")
    if _has_member_seat(session, pid, body_id or executive_body_id(session), today):
        roles.add("member")
    return roles


def application_roles(session: Session, app: GrantApplication, actor) -> set[str]:
    return _roles(session, app.owner_id, app.body_id, actor)


def report_roles(session: Session, report: Report, actor) -> set[str]:
    app = report.application
    roles = _roles(session, report.owner_id, app.body_id, actor)
    if app.owner_id is not None and app.owner_id == _person_id(actor):
        roles.add("owner")  # the grant's owner answers for its reports too
    return roles


def may_manage(session: Session, viewer: Viewer) -> bool:
    """Create and edit funders and applications: admins, the lead organisation, CE members."""
    if viewer.is_admin:
        return True
    body_id = executive_body_id(session)
    return (body_id in viewer.member_body_ids) or _is_lead(session, viewer.person, viewer.today)


def require_manager(session: Session, viewer: Viewer) -> None:
    if not may_manage(session, viewer):
        raise Forbidden("grants.error.not_allowed")


# --------------------------------------------------------------------------- workflow hooks

def _after_application(session: Session, app: GrantApplication, trigger: str, source: str,
                       dest: str, actor, params: dict) -> None:
    rules = _rules_of(app)
    workflow = rules.workflows[APPLICATION]
    if trigger in award_triggers(workflow):
        raw = params.get("amount_awarded")
        if raw is not None:
            from api.grants.schemas import parse_amount

            app.amount_awarded_cents = to_cents(parse_amount(raw))
        generate_reports(session, app, rules)
    refresh_application_flags(app, rules)
    sync_application_deadlines(session, app)


def _after_report(session: Session, report: Report, trigger: str, source: str, dest: str,
                  actor, params: dict) -> None:
    rules = _rules_of(report)
    workflow = rules.workflows[REPORT]
    report.deadline_open = dest in states_before(workflow, "submit")
    if not report.deadline_open and report.submitted_at is None:
        report.submitted_at = now()
    if dest in workflow.final:
        report.accepted_at = now()
    if dest in {tr.dest for tr in workflow.transitions if tr.trigger == "mark_overdue"}:
        report.overdue_at = now()
    sync_report_deadline(session, report)


def refresh_application_flags(app: GrantApplication, rules: GovernanceRules) -> None:
    workflow = rules.workflows[APPLICATION]
    app.deadline_open = app.state in states_before(workflow, "submit")
    app.draft_open = app.state in states_before(workflow, "send_to_review")


engine.bind(engine.Binding(
    object_type=APPLICATION,
    workflow_name=lambda obj: APPLICATION,
    actor_roles=application_roles,
    visibility=lambda obj: (obj.confidential_category, obj.body_id),
    after=[_after_application],
))
engine.bind(engine.Binding(
    object_type=REPORT,
    workflow_name=lambda obj: REPORT,
    actor_roles=report_roles,
    visibility=lambda obj: (obj.application.confidential_category, obj.application.body_id),
    after=[_after_report],
))


# --------------------------------------------------------------------------- funders

FUNDER_FIELDS = ["name", "kind", "contacts", "programmes"]


def _snap(obj, fields: Iterable[str]) -> dict:
    return {f: getattr(obj, f) for f in fields}


def get_funder(session: Session, funder_id: int) -> Funder:
    funder = session.get(Funder, funder_id)
    if funder is None:
        raise NotFound("grants.error.funder_not_found")
    return funder


def create_funder(session: Session, data: FunderIn, actor_id: int | None) -> Funder:
    funder = Funder(**data.model_dump())
    session.add(funder)
    session.flush()
    register.record(session, action="funder.created", object_type="funder", object_id=funder.id,
                    actor_id=actor_id, after=_snap(funder, FUNDER_FIELDS))
    session.commit()
    return funder


def update_funder(session: Session, funder_id: int, data: FunderPatch, actor_id: int | None) -> Funder:
    funder = get_funder(session, funder_id)
    before = _snap(funder, FUNDER_FIELDS)
    for key, value in data.model_dump(exclude_unset=True).items():
        if key in ("name", "kind") and value is None:
            raise Invalid("error.required", field=key)
        setattr(funder, key, value)
    register.record(session, action="funder.updated", object_type="funder", object_id=funder.id,
                    actor_id=actor_id, before=before, after=_snap(funder, FUNDER_FIELDS))
    session.commit()
    return funder


def delete_funder(session: Session, funder_id: int, actor_id: int | None) -> None:
    funder = get_funder(session, funder_id)
    used = session.execute(select(GrantApplication.id).where(GrantApplication.funder_id == funder.id)
                           .limit(1)).first()
    if used:
        from api.errors import Conflict

        raise Conflict("grants.error.funder_in_use")
    register.record(session, action="funder.deleted", object_type="funder", object_id=funder.id,
                    actor_id=actor_id, before=_snap(funder, FUNDER_FIELDS))
    session.delete(funder)
    session.commit()


def list_funders(session: Session) -> list[Funder]:
    return list(session.execute(select(Funder).order_by(Funder.name)).scalars())


# --------------------------------------------------------------------------- applications

APP_FIELDS = ["funder_id", "programme", "title", "owner_id", "amount_requested_cents",
              "amount_awarded_cents", "total_cost_cents", "application_deadline",
              "internal_draft_deadline", "period_start", "period_end", "management_fee_cents",
              "management_fee_rate_bp", "confidential_category", "submission_decision_id"]


def get_application(session: Session, viewer: Viewer | None, app_id: int) -> GrantApplication:
    """Unknown and invisible ids are both 404."""
    app = session.get(GrantApplication, app_id)
    if app is None or (viewer is not None and not viewer.can_see(app.confidential_category, app.body_id)):
        raise NotFound("grants.error.application_not_found")
    return app


def _cents(value: Decimal | None) -> int | None:
    return None if value is None else to_cents(value)


def _check_refs(session: Session, values: dict) -> None:
    if values.get("funder_id") is not None and session.get(Funder, values["funder_id"]) is None:
        raise Invalid("grants.error.funder_not_found", field="funder_id")
    if values.get("owner_id") is not None:
        owner = session.get(Person, values["owner_id"])
        if owner is None or not owner.is_active:
            raise Invalid("error.person_not_found", field="owner_id")
    ids = values.get("partner_ids") or []
    if ids:
        found = set(session.execute(select(Organisation.id).where(Organisation.id.in_(ids))).scalars())
        if set(ids) - found:
            raise Invalid("error.organisation_not_found", field="partner_ids")


def _apply(session: Session, app: GrantApplication, values: dict, rules: GovernanceRules) -> None:
    money = {"amount_requested": "amount_requested_cents", "amount_awarded": "amount_awarded_cents",
             "total_cost": "total_cost_cents", "management_fee": "management_fee_cents"}
    for key, value in values.items():
        if key in money:
            cents = _cents(value)
            if key == "amount_requested" and cents is None:
                cents = 0
            setattr(app, money[key], cents)
        elif key == "management_fee_rate":
            app.management_fee_rate_bp = None if value is None else int(Decimal(value) * 100)
        elif key == "partner_ids":
            ids = sorted(set(value or []))
            app.partners = list(session.execute(
                select(Organisation).where(Organisation.id.in_(ids))).scalars()) if ids else []
        elif key == "confidential":
            if value is not None:
                app.confidential_category = rules.grants.confidential_category if value else None
        elif key == "requirements":
            continue
        elif key in ("title", "funder_id") and value is None:
            raise Invalid("error.required", field=key)
        elif key == "application_deadline" and value is not None and value.tzinfo is None:
            # A time without a zone is a wall-clock time in the collective's zone.
            app.application_deadline = from_local(value, timezone(session))
        else:
            setattr(app, key, value)
    if app.period_start and app.period_end and app.period_end < app.period_start:
        raise Invalid("grants.error.end_before_start", field="period_end")
    tz = timezone(session)
    anchor = app.application_deadline and local(app.application_deadline, tz).date()
    app.year = (anchor or app.period_start or local(app.created_at or now(), tz).date()).year


def create_application(session: Session, data: ApplicationIn, viewer: Viewer,
                       rules: GovernanceRules) -> GrantApplication:
    values = data.model_dump(exclude_unset=True)
    _check_refs(session, values)
    workflow = rules.workflows[APPLICATION]
    app = GrantApplication(state=workflow.initial, body_id=executive_body_id(session),
                           confidential_category=rules.grants.confidential_category,
                           owner_id=viewer.id, created_at=now())
    _apply(session, app, values, rules)
    refresh_application_flags(app, rules)
    session.add(app)
    session.flush()
    for i, req in enumerate(data.requirements):
        _add_requirement(session, app, req, i)
    register.record(session, action="grant_application.created", object_type=APPLICATION,
                    object_id=app.id, actor_id=viewer.id, after=_snap(app, APP_FIELDS),
                    confidential_category=app.confidential_category, body_id=app.body_id)
    sync_application_deadlines(session, app)
    session.commit()
    return app


def update_application(session: Session, app_id: int, data: ApplicationPatch, viewer: Viewer,
                       rules: GovernanceRules) -> GrantApplication:
    app = get_application(session, viewer, app_id)
    values = data.model_dump(exclude_unset=True)
    _check_refs(session, values)
    before = _snap(app, APP_FIELDS)
    _apply(session, app, values, rules)
    register.record(session, action="grant_application.updated", object_type=APPLICATION,
                    object_id=app.id, actor_id=viewer.id, before=before, after=_snap(app, APP_FIELDS),
                    confidential_category=app.confidential_category, body_id=app.body_id)
    sync_application_deadlines(session, app)
    session.commit()
    return app


def _add_requirement(session: Session, app: GrantApplication, data: RequirementIn, index: int) -> ReportingRequirement:
    where = f"requirements.{index}"
    if data.due_rule == DueRule.fixed and data.due_date is None:
        raise Invalid("error.required", field=f"{where}.due_date")
    if data.due_rule == DueRule.offset and data.anchor is None:
        raise Invalid("error.required", field=f"{where}.anchor")
    if data.due_rule == DueRule.recurring and data.frequency is None:
        raise Invalid("error.required", field=f"{where}.frequency")
    if data.owner_id is not None and session.get(Person, data.owner_id) is None:
        raise Invalid("error.person_not_found", field=f"{where}.owner_id")
    req = ReportingRequirement(application_id=app.id, **data.model_dump())
    session.add(req)
    session.flush()
    return req


def add_requirement(session: Session, viewer: Viewer, app_id: int, data: RequirementIn,
                    rules: GovernanceRules) -> ReportingRequirement:
    app = get_application(session, viewer, app_id)
    req = _add_requirement(session, app, data, 0)
    register.record(session, action="grant_requirement.created", object_type="grant_requirement",
                    object_id=req.id, actor_id=viewer.id,
                    after=_snap(req, ["application_id", "kind", "due_rule", "due_date", "anchor",
                                      "offset_days", "frequency", "owner_id"]),
                    confidential_category=app.confidential_category, body_id=app.body_id)
    workflow = rules.workflows[APPLICATION]
    before_award = set().union(*(states_before(workflow, t) for t in award_triggers(workflow)))
    if app.amount_awarded_cents and app.state not in before_award:
        generate_reports(session, app, rules)  # already awarded: its instances now
    session.commit()
    return req


def application_filters(stmt: Select, viewer: Viewer, funder_id: int | None = None,
                        owner_id: int | None = None, state: str | None = None,
                        year: int | None = None, q: str | None = None) -> Select:
    stmt = stmt.where(viewer.visible(GrantApplication.confidential_category, GrantApplication.body_id))
    if funder_id:
        stmt = stmt.where(GrantApplication.funder_id == funder_id)
    if owner_id:
        stmt = stmt.where(GrantApplication.owner_id == owner_id)
    if state:
        stmt = stmt.where(GrantApplication.state == state)
    if year:
        stmt = stmt.where(GrantApplication.year == year)
    if q:
        stmt = stmt.where(GrantApplication.title.ilike(f"%{q[:100]}%"))
    return stmt


def list_stmt(viewer: Viewer, **filters) -> Select:
    stmt = select(GrantApplication).options(selectinload(GrantApplication.funder),
                                            selectinload(GrantApplication.owner))
    return application_filters(stmt, viewer, **filters).order_by(
        GrantApplication.year.desc(), GrantApplication.application_deadline.desc(), GrantApplication.id.desc())


PipelineCard = tuple  # (id, title, state, funder, amount_requested_cents, amount_awarded_cents, deadline)


def pipeline(session: Session, viewer: Viewer, rules: GovernanceRules, per_column: int = 20,
             per_final_column: int = 5, **filters) -> list[dict]:
    """Columns by state (the rules' order), each with its count and its first cards.

    One grouped count, then one UNION ALL of small per-state queries that each walk the
    (state, application_deadline) index with a LIMIT: never the whole history, and only the
    columns a card shows. Final columns (closed, declined...) show fewer cards."""
    workflow = rules.workflows[APPLICATION]
    counts = dict(session.execute(application_filters(
        select(GrantApplication.state, func.count()).group_by(GrantApplication.state), viewer, **filters)).all())
    parts = []
    for state in workflow.states:
        if not counts.get(state):
            continue
        limit = per_final_column if state in workflow.final else per_column
        parts.append(select(application_filters(
            select(GrantApplication.id, GrantApplication.title, GrantApplication.state,
                   Funder.name.label("funder"), GrantApplication.amount_requested_cents,
                   GrantApplication.amount_awarded_cents, GrantApplication.application_deadline)
            .join(Funder, Funder.id == GrantApplication.funder_id), viewer, **filters)
            .where(GrantApplication.state == state)
            .order_by(GrantApplication.application_deadline.desc(), GrantApplication.id.desc())
            .limit(limit).subquery()))
    by_state: dict[str, list] = {}
    if parts:
        for row in session.execute(union_all(*parts) if len(parts) > 1 else parts[0]).all():
            by_state.setdefault(row.state, []).append(row)
    return [{"state": s, "count": counts.get(s, 0), "items": by_state.get(s, []),
             "final": s in workflow.final} for s in workflow.states]


def _safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


CSV_COLUMNS = ["id", "title", "funder", "programme", "state", "owner", "amount_requested",
               "amount_awarded", "total_cost", "currency", "application_deadline", "period_start",
               "period_end", "year"]


def export_csv(session: Session, viewer: Viewer, **filters) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    tz = timezone(session)
    for app in session.execute(list_stmt(viewer, **filters)).scalars():
        writer.writerow([_safe_cell(v) for v in [
            app.id, app.title, app.funder.name, app.programme, app.state,
            app.owner.name if app.owner else "", from_cents(app.amount_requested_cents or 0),
            from_cents(app.amount_awarded_cents) if app.amount_awarded_cents is not None else "",
            from_cents(app.total_cost_cents) if app.total_cost_cents is not None else "",
            app.currency,
            local(app.application_deadline, tz).isoformat() if app.application_deadline else "",
            app.period_start or "", app.period_end or "", app.year]])
    return out.getvalue()


def management_fee_cents(app: GrantApplication) -> int | None:
    if app.management_fee_cents is not None:
        return app.management_fee_cents
    if app.management_fee_rate_bp is not None and app.amount_awarded_cents:
        # Rounded half up to the cent, in integers (no float).
        return (app.amount_awarded_cents * app.management_fee_rate_bp + 5000) // 10000
    return None


# --------------------------------------------------------------------------- reports

def generate_reports(session: Session, app: GrantApplication, rules: GovernanceRules) -> list[Report]:
    """Report instances of every requirement that has none yet (awarding, or a late addition)."""
    initial = rules.workflows[REPORT].initial
    created: list[Report] = []
    for req in session.execute(select(ReportingRequirement)
                               .where(ReportingRequirement.application_id == app.id)).scalars():
        if session.execute(select(Report.id).where(Report.requirement_id == req.id).limit(1)).first():
            continue
        anchor = getattr(app, req.anchor) if req.anchor else None
        dates = requirement_dates(req.due_rule, due_date=req.due_date, anchor=anchor,
                                  offset_days=req.offset_days, frequency=req.frequency,
                                  period_start=app.period_start, period_end=app.period_end)
        for seq, day in enumerate(dates, start=1):
            report = Report(requirement_id=req.id, application_id=app.id, kind=req.kind, sequence=seq,
                            due_date=day, internal_date=day - timedelta(days=req.preparation_days),
                            owner_id=req.owner_id or app.owner_id, state=initial, deadline_open=True)
            report.application = app
            session.add(report)
            created.append(report)
    session.flush()
    for report in created:
        sync_report_deadline(session, report)
    return created


def get_report(session: Session, viewer: Viewer | None, report_id: int) -> Report:
    report = session.get(Report, report_id)
    if report is None or (viewer is not None and not viewer.can_see(
            report.application.confidential_category, report.application.body_id)):
        raise NotFound("grants.error.report_not_found")
    return report


def reports_stmt(viewer: Viewer, application_id: int | None = None, state: str | None = None,
                 owner_id: int | None = None, due_from: date | None = None,
                 due_to: date | None = None) -> Select:
    stmt = (select(Report).join(GrantApplication, Report.application_id == GrantApplication.id)
            .where(viewer.visible(GrantApplication.confidential_category, GrantApplication.body_id))
            .options(selectinload(Report.application)))
    if application_id:
        stmt = stmt.where(Report.application_id == application_id)
    if state:
        stmt = stmt.where(Report.state == state)
    if owner_id:
        stmt = stmt.where(Report.owner_id == owner_id)
    if due_from:
        stmt = stmt.where(Report.due_date >= due_from)
    if due_to:
        stmt = stmt.where(Report.due_date < due_to)
    return stmt.order_by(Report.due_date, Report.id)


def mark_overdue_reports(session: Session, at: datetime | None = None,
                         rules: GovernanceRules | None = None) -> int:
    """Fire `mark_overdue` (as the system) on every report whose due date has passed without
    submission. Idempotent: a report already overdue is no longer a source of the trigger,
    and on PostgreSQL concurrent sweeps skip each other's rows (FOR UPDATE SKIP LOCKED)."""
    rules = rules or _default_rules()
    at = at or now()
    today = local(at, timezone(session)).date()
    sources = {s for tr in rules.workflows[REPORT].transitions if tr.trigger == "mark_overdue"
               for s in tr.sources}
    stmt = (select(Report).where(Report.deadline_open.is_(True), Report.due_date < today,
                                 Report.state.in_(sources)).order_by(Report.id).limit(500))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=Report)
    count = 0
    for report in session.execute(stmt).scalars().all():
        fire(session, report, "mark_overdue", None, rules, REPORT)
        count += 1
    session.commit()
    return count


try:  # the reminders area's scheduler runs every registered sweep at each tick
    from notifications.sweeps import sweep
except ImportError:  # pragma: no cover - the reminders area is not installed
    sweep = None

if sweep is not None:
    @sweep("grants_mark_overdue_reports")
    def _overdue_sweep(session: Session, at: datetime) -> int:
        return mark_overdue_reports(session, at)


# --------------------------------------------------------------------------- deadlines

def _short(title: str) -> str:
    """Deadline titles end up in 300-character columns (outbox) and calendar lines."""
    return title if len(title) <= 240 else title[:239] + "…"


def _title(app: GrantApplication, fr: str, en: str) -> tuple[str, str]:
    return f"{fr} — {_short(app.title)}", f"{en} — {_short(app.title)}"


def _partner_people(session: Session, app: GrantApplication) -> set[int]:
    org_ids = [o.id for o in app.partners]
    if not org_ids:
        return set()
    return set(session.execute(select(Person.id).where(Person.organisation_id.in_(org_ids),
                                                       Person.is_active.is_(True))).scalars())


def application_deadline(session: Session, app: GrantApplication, with_people: bool = True) -> Deadline:
    fr, en = _title(app, "Dépôt de la demande", "Application deadline")
    people = ({app.owner_id} if app.owner_id else set()) | (_partner_people(session, app) if with_people else set())
    return Deadline(kind="grant_application_deadline", object_type=APPLICATION, object_id=app.id,
                    due_at=app.application_deadline, title_fr=fr, title_en=en, path=f"/grants/{app.id}",
                    recipient_ids=frozenset(people), confidential_category=app.confidential_category,
                    body_id=app.body_id)


def draft_deadline(session: Session, app: GrantApplication, tz: str) -> Deadline:
    fr, en = _title(app, "Brouillon interne", "Internal draft")
    return Deadline(kind="grant_internal_draft", object_type=APPLICATION, object_id=app.id,
                    due_at=due_at(app.internal_draft_deadline, tz), title_fr=fr, title_en=en,
                    path=f"/grants/{app.id}",
                    recipient_ids=frozenset({app.owner_id} if app.owner_id else set()),
                    confidential_category=app.confidential_category, body_id=app.body_id, all_day=True)


KIND_NAMES = {"narrative_interim": ("Rapport d'étape", "Interim report"),
              "financial": ("Rapport financier", "Financial report"),
              "final": ("Rapport final", "Final report"),
              "other": ("Reddition de comptes", "Accountability report")}


def report_deadline(report: Report, tz: str) -> Deadline:
    app = report.application
    fr, en = KIND_NAMES.get(report.kind, KIND_NAMES["other"])
    return Deadline(kind="report_due", object_type=REPORT, object_id=report.id,
                    due_at=due_at(report.due_date, tz), title_fr=f"{fr} — {_short(app.title)}",
                    title_en=f"{en} — {_short(app.title)}", path=f"/grants/reports/{report.id}",
                    recipient_ids=frozenset({report.owner_id} if report.owner_id else set()),
                    confidential_category=app.confidential_category, body_id=app.body_id, all_day=True)


def sync_application_deadlines(session: Session, app: GrantApplication) -> None:
    session.flush()
    if app.application_deadline is not None and app.deadline_open:
        upsert_deadline(session, application_deadline(session, app))
    else:
        cancel_deadline(session, "grant_application_deadline", APPLICATION, app.id)
    if app.internal_draft_deadline is not None and app.draft_open:
        upsert_deadline(session, draft_deadline(session, app, timezone(session)))
    else:
        cancel_deadline(session, "grant_internal_draft", APPLICATION, app.id)


def sync_report_deadline(session: Session, report: Report) -> None:
    if report.deadline_open:
        upsert_deadline(session, report_deadline(report, timezone(session)))
    else:
        cancel_deadline(session, "report_due", REPORT, report.id)


def _dates(start: datetime, end: datetime, tz: str) -> tuple[date, date]:
    return local(start, tz).date(), local(end, tz).date() + timedelta(days=1)


_APP_COLS = (GrantApplication.id, GrantApplication.title, GrantApplication.owner_id,
             GrantApplication.confidential_category, GrantApplication.body_id)


@provider("grant_application_deadline")
def _application_deadlines(session: Session, start: datetime, end: datetime) -> list[Deadline]:
    """Open application deadlines in [start, end); recipients are the owners (the reminders
    get the partners' people from `sync_application_deadlines`)."""
    rows = session.execute(
        select(*_APP_COLS, GrantApplication.application_deadline)
        .where(GrantApplication.deadline_open.is_(True), GrantApplication.application_deadline >= start,
               GrantApplication.application_deadline < end)).all()
    return [Deadline(kind="grant_application_deadline", object_type=APPLICATION, object_id=r.id,
                     due_at=r.application_deadline, title_fr=f"Dépôt de la demande — {_short(r.title)}",
                     title_en=f"Application deadline — {_short(r.title)}", path=f"/grants/{r.id}",
                     recipient_ids=frozenset({r.owner_id} if r.owner_id else ()),
                     confidential_category=r.confidential_category, body_id=r.body_id) for r in rows]


@provider("grant_internal_draft")
def _draft_deadlines(session: Session, start: datetime, end: datetime) -> list[Deadline]:
    tz = timezone(session)
    first, last = _dates(start, end, tz)
    rows = session.execute(
        select(*_APP_COLS, GrantApplication.internal_draft_deadline)
        .where(GrantApplication.draft_open.is_(True), GrantApplication.internal_draft_deadline >= first,
               GrantApplication.internal_draft_deadline < last)).all()
    found = [Deadline(kind="grant_internal_draft", object_type=APPLICATION, object_id=r.id,
                      due_at=due_at(r.internal_draft_deadline, tz),
                      title_fr=f"Brouillon interne — {_short(r.title)}",
                      title_en=f"Internal draft — {_short(r.title)}", path=f"/grants/{r.id}",
                      recipient_ids=frozenset({r.owner_id} if r.owner_id else ()),
                      confidential_category=r.confidential_category, body_id=r.body_id, all_day=True)
             for r in rows]
    return [d for d in found if start <= d.due_at < end]


@provider("report_due")
def _report_deadlines(session: Session, start: datetime, end: datetime) -> list[Deadline]:
    tz = timezone(session)
    first, last = _dates(start, end, tz)
    rows = session.execute(
        select(Report.id, Report.kind, Report.due_date, Report.owner_id, GrantApplication.title,
               GrantApplication.confidential_category, GrantApplication.body_id)
        .join(GrantApplication, Report.application_id == GrantApplication.id)
        .where(Report.deadline_open.is_(True), Report.due_date >= first, Report.due_date < last)).all()
    found = []
    for r in rows:
        fr, en = KIND_NAMES.get(r.kind, KIND_NAMES["other"])
        found.append(Deadline(kind="report_due", object_type=REPORT, object_id=r.id,
                              due_at=due_at(r.due_date, tz), title_fr=f"{fr} — {_short(r.title)}",
                              title_en=f"{en} — {_short(r.title)}", path=f"/grants/reports/{r.id}",
                              recipient_ids=frozenset({r.owner_id} if r.owner_id else ()),
                              confidential_category=r.confidential_category, body_id=r.body_id,
                              all_day=True))
    return [d for d in found if start <= d.due_at < end]


def grant_totals(session: Session, viewer: Viewer, **filters) -> tuple[int, int]:
    """Awarded and total cost, in cents, of the applications the viewer sees (filtered)."""
    row = session.execute(application_filters(
        select(func.coalesce(func.sum(GrantApplication.amount_awarded_cents), 0),
               func.coalesce(func.sum(GrantApplication.total_cost_cents), 0)), viewer,
        **filters)).one()
    return int(row[0]), int(row[1])

