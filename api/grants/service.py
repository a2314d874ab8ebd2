"""Business rules of funders, grant applications and their reporting cycles.

Every function works in the caller's unit of work (`ctx`, an `api.context.Context`): the
rules in force, the collective's time zone and the person acting come from it, and nothing
here commits (the edge does; ids are obtained by flushing). Grants are always judged by the
rules in force.

Every state change goes through the installed workflow engine (`ctx.registry.engine.fire`);
the register's hook records it, creations and edits are recorded here, all in the same
transaction. Confidentiality: an application is in camera (`rules.grants.confidential_category`,
body = executive committee) unless it is created with `confidential: false`; its
requirements, reports and deadlines inherit its visibility (see the models' properties).
`api/grants/area.py` installs the bindings, hooks, deadline providers and the overdue sweep.
"""

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Select, func, select, union_all
from sqlalchemy.orm import selectinload

from api.collective.models import Body, Organisation, Person, Seat, SeatRole
from api.context import Context
from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.grants.guards import APPROVAL_FIELD, APPROVAL_GUARD, approval_decision
from api.grants.models import (
    Anchor,
    DueRule,
    Frequency,
    Funder,
    GrantApplication,
    Report,
    ReportingRequirement,
    RequirementKind,
)
from api.grants.recurrence import ReportPeriod, due_at, requirement_dates, requirement_periods
from api.grants.schemas import (
    ApplicationIn,
    ApplicationPatch,
    FunderIn,
    FunderPatch,
    RequirementIn,
    parse_amount,
)
from api.i18n import csv_bytes, csv_number
from api.i18n import t as tr
from api.money import from_cents, to_cents
from api.register import service as register
from api.timeutil import from_local, local, now
from notifications.deadline import Deadline
from notifications.deadlines import cancel_deadline, details, upsert_deadline
from workflows.engine import Fired, TransitionBlocked
from workflows.spec import WorkflowRules

APPLICATION = "grant_application"
REPORT = "report"
EXECUTIVE = "executive_committee"


# --------------------------------------------------------------------------- rules helpers

def award_triggers(workflow: WorkflowRules) -> set[str]:
    """Transitions guarded by `amount_awarded_set` record the amount and create the reports."""
    return {tr.trigger for tr in workflow.transitions if "amount_awarded_set" in tr.conditions}


def approval_triggers(workflow: WorkflowRules) -> set[str]:
    """Transitions guarded by `approval_decision_adopted` name the adopted decision."""
    return {tr.trigger for tr in workflow.transitions if APPROVAL_GUARD in tr.conditions}


def executive_body_id(ctx: Context) -> int | None:
    return ctx.session.execute(select(Body.id).where(Body.key == EXECUTIVE)).scalar()


# --------------------------------------------------------------------------- actor roles

def _person_id(actor) -> int | None:
    return getattr(actor, "id", None)


def _has_member_seat(ctx: Context, person_id: int, body_id: int | None) -> bool:
    if body_id is None:
        return False
    return ctx.session.execute(
        select(Seat.id).where(Seat.person_id == person_id, Seat.body_id == body_id,
                              Seat.role != SeatRole.staff_observer, Seat.current_on(ctx.today)).limit(1)
    ).first() is not None


def _is_staff_only(ctx: Context, person_id: int) -> bool:
    roles = set(ctx.session.execute(
        select(Seat.role).where(Seat.person_id == person_id, Seat.current_on(ctx.today))).scalars())
    return bool(roles) and roles <= {SeatRole.staff_observer}


def _is_lead(ctx: Context, person) -> bool:
    """A person of the lead organisation, unless they are staff (observer seats only): the
    coordinator and the workers never act on in-camera funding items."""
    org_id = getattr(person, "organisation_id", None)
    if org_id is None:
        return False
    org = ctx.session.get(Organisation, org_id)
    return bool(org and org.is_lead) and not _is_staff_only(ctx, person.id)


def _roles(ctx: Context, owner_id: int | None, body_id: int | None, actor) -> set[str]:
    pid = _person_id(actor)
    if pid is None:
        return set()
    roles: set[str] = set()
    if owner_id is not None and owner_id == pid:
        roles.add("owner")
    if _is_lead(ctx, actor):
        roles.add("lead")
    if _has_member_seat(ctx, pid, body_id or executive_body_id(ctx)):
        roles.add("member")
    return roles


def application_roles(ctx: Context, app: GrantApplication, actor) -> set[str]:
    return _roles(ctx, app.owner_id, app.body_id, actor)


def report_roles(ctx: Context, report: Report, actor) -> set[str]:
    app = report.application
    roles = _roles(ctx, report.owner_id, app.body_id, actor)
    if app.owner_id is not None and app.owner_id == _person_id(actor):
        roles.add("owner")  # the grant's owner answers for its reports too
    return roles


def may_manage(ctx: Context) -> bool:
    """Create and edit funders and applications: admins, the lead organisation, CE members."""
    viewer = ctx.viewer
    if viewer.is_admin:
        return True
    body_id = executive_body_id(ctx)
    return (body_id in viewer.member_body_ids) or _is_lead(ctx, viewer.person)


def require_manager(ctx: Context) -> None:
    if not may_manage(ctx):
        raise Forbidden("grants.error.not_allowed")


# --------------------------------------------------------------------------- workflow hooks

def after_application(ctx: Context, fired: Fired) -> None:
    """After each transition of an application: the amount awarded and the reports when it is
    awarded, its open/closed flags, its deadlines."""
    app: GrantApplication = fired.obj
    workflow = ctx.rules.workflows[APPLICATION]
    if fired.trigger in approval_triggers(workflow) and fired.params.get(APPROVAL_FIELD) is not None:
        # "Approuvée par le CE" names the adopted decision (its guard checked it): kept on the
        # application, it is also the decision that authorises submitting it.
        app.submission_decision_id = int(str(fired.params[APPROVAL_FIELD]))
    if fired.trigger in award_triggers(workflow):
        raw = fired.params.get("amount_awarded")
        if raw is not None:
            app.amount_awarded_cents = to_cents(parse_amount(raw))
        generate_reports(ctx, app)
    refresh_application_flags(ctx, app)
    sync_application_deadlines(ctx, app)


def after_report(ctx: Context, fired: Fired) -> None:
    """After each transition of a report: its deadline flag, its moments, its reminders."""
    report: Report = fired.obj
    workflow = ctx.rules.workflows[REPORT]
    report.deadline_open = fired.dest in workflow.states_before("submit")
    if not report.deadline_open and report.submitted_at is None:
        report.submitted_at = now()
    if fired.dest in workflow.final:
        report.accepted_at = now()
    if fired.dest in workflow.dests_of("mark_overdue"):
        report.overdue_at = now()
    sync_report_deadline(ctx, report)


def transition_application(ctx: Context, app: GrantApplication, trigger: str, params: dict | None = None) -> str:
    """Fire the person's trigger on an application (the page, the API and the demo come here).

    Approving names the adopted decision (`params["decision_id"]`): the guard
    `approval_decision_adopted` of the rules checks it, and its refusal is a 422 naming
    `decision_id`; nothing has changed then. The transition's register event keeps the
    decision's id and, unless the decision is more confidential than the application, its
    title."""
    params = {k: v for k, v in (params or {}).items() if k != "decision"}
    if trigger in approval_triggers(ctx.rules.workflows[APPLICATION]):
        decision, _ = approval_decision(ctx, ctx.rules, params.get(APPROVAL_FIELD))
        if decision is not None:
            params[APPROVAL_FIELD] = decision.id
            if decision.confidential_category is None or (
                    (decision.confidential_category, decision.body_id) == (app.confidential_category, app.body_id)):
                params["decision"] = decision.title
    person = ctx.viewer.person if ctx.viewer is not None else None
    try:
        return ctx.registry.engine.fire(ctx, app, trigger, person, ctx.rules, APPLICATION, params)
    except TransitionBlocked as exc:
        if exc.guard == APPROVAL_GUARD:
            raise Invalid(exc.key, field=APPROVAL_FIELD, **exc.blocked.params) from exc
        raise


def refresh_application_flags(ctx: Context, app: GrantApplication) -> None:
    workflow = ctx.rules.workflows[APPLICATION]
    app.deadline_open = app.state in workflow.states_before("submit")
    app.draft_open = app.state in workflow.states_before("send_to_review")


# --------------------------------------------------------------------------- funders

FUNDER_FIELDS = ["name", "kind", "contacts", "programmes"]


def _snap(obj, fields: Iterable[str]) -> dict:
    return {f: getattr(obj, f) for f in fields}


def get_funder(ctx: Context, funder_id: int) -> Funder:
    funder = ctx.session.get(Funder, funder_id)
    if funder is None:
        raise NotFound("grants.error.funder_not_found")
    return funder


def create_funder(ctx: Context, data: FunderIn) -> Funder:
    funder = Funder(**data.model_dump())
    ctx.session.add(funder)
    ctx.session.flush()
    register.record_for(ctx, funder, "funder.created", object_type="funder", after=_snap(funder, FUNDER_FIELDS))
    return funder


def update_funder(ctx: Context, funder_id: int, data: FunderPatch) -> Funder:
    funder = get_funder(ctx, funder_id)
    before = _snap(funder, FUNDER_FIELDS)
    for key, value in data.model_dump(exclude_unset=True).items():
        if key in ("name", "kind") and value is None:
            raise Invalid("error.required", field=key)
        setattr(funder, key, value)
    register.record_for(ctx, funder, "funder.updated", object_type="funder", before=before,
                        after=_snap(funder, FUNDER_FIELDS))
    return funder


def delete_funder(ctx: Context, funder_id: int) -> None:
    funder = get_funder(ctx, funder_id)
    used = ctx.session.execute(select(GrantApplication.id).where(GrantApplication.funder_id == funder.id)
                               .limit(1)).first()
    if used:
        raise Conflict("grants.error.funder_in_use")
    register.record_for(ctx, funder, "funder.deleted", object_type="funder", before=_snap(funder, FUNDER_FIELDS))
    ctx.session.delete(funder)
    ctx.session.flush()


def list_funders(ctx: Context) -> list[Funder]:
    return list(ctx.session.execute(select(Funder).order_by(Funder.name)).scalars())


# --------------------------------------------------------------------------- applications

APP_FIELDS = ["funder_id", "programme", "title", "owner_id", "amount_requested_cents",
              "amount_awarded_cents", "total_cost_cents", "application_deadline",
              "internal_draft_deadline", "period_start", "period_end", "management_fee_cents",
              "management_fee_rate_bp", "confidential_category", "submission_decision_id"]


def get_application(ctx: Context, app_id: int) -> GrantApplication:
    """Unknown ids and ids the viewer may not see are both 404 (no viewer: the system)."""
    app = ctx.session.get(GrantApplication, app_id)
    viewer = ctx.viewer
    if app is None or (viewer is not None and not viewer.can_see(app.confidential_category, app.body_id)):
        raise NotFound("grants.error.application_not_found")
    return app


def _cents(value: Decimal | None) -> int | None:
    return None if value is None else to_cents(value)


def _check_refs(ctx: Context, values: dict) -> None:
    session = ctx.session
    if values.get("funder_id") is not None and session.get(Funder, values["funder_id"]) is None:
        raise Invalid("grants.error.funder_not_found", field="funder_id")
    if values.get("owner_id") is not None:
        owner = session.get(Person, values["owner_id"])
        if owner is None or not owner.is_active:
            raise Invalid("error.person_not_found", field="owner_id")
    if values.get("submission_decision_id") is not None:
        # The same test as approving: an adopted decision of the executive committee that the
        # person sees (an edit cannot name a draft, a rejected vote or another body's decision).
        if approval_decision(ctx, ctx.rules, values["submission_decision_id"])[1] is not None:
            raise Invalid("grants.error.approval_decision", field="submission_decision_id")
    ids = values.get("partner_ids") or []
    if ids:
        found = set(session.execute(select(Organisation.id).where(Organisation.id.in_(ids))).scalars())
        if set(ids) - found:
            raise Invalid("error.organisation_not_found", field="partner_ids")


def _apply(ctx: Context, app: GrantApplication, values: dict) -> None:
    money = {"amount_requested": "amount_requested_cents", "amount_awarded": "amount_awarded_cents",
             "total_cost": "total_cost_cents", "management_fee": "management_fee_cents"}
    tz = ctx.tz
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
            app.partners = list(ctx.session.execute(
                select(Organisation).where(Organisation.id.in_(ids))).scalars()) if ids else []
        elif key == "confidential":
            if value is not None:
                app.confidential_category = ctx.rules.grants.confidential_category if value else None
        elif key == "requirements":
            continue
        elif key in ("title", "funder_id") and value is None:
            raise Invalid("error.required", field=key)
        elif key == "application_deadline" and value is not None and value.tzinfo is None:
            # A time without a zone is a wall-clock time in the collective's zone.
            app.application_deadline = from_local(value, tz)
        else:
            setattr(app, key, value)
    if app.period_start and app.period_end and app.period_end < app.period_start:
        raise Invalid("grants.error.end_before_start", field="period_end")
    anchor = app.application_deadline and local(app.application_deadline, tz).date()
    app.year = (anchor or app.period_start or local(app.created_at or now(), tz).date()).year


def create_application(ctx: Context, data: ApplicationIn) -> GrantApplication:
    """A new application owned by the person acting, in the workflow's initial state."""
    values = data.model_dump(exclude_unset=True)
    _check_refs(ctx, values)
    rules = ctx.rules
    app = GrantApplication(state=rules.workflows[APPLICATION].initial, body_id=executive_body_id(ctx),
                           confidential_category=rules.grants.confidential_category,
                           owner_id=ctx.actor_id, created_at=now())
    _apply(ctx, app, values)
    refresh_application_flags(ctx, app)
    ctx.session.add(app)
    ctx.session.flush()
    for i, req in enumerate(data.requirements):
        _add_requirement(ctx, app, req, i)
    register.record_for(ctx, app, "grant_application.created", object_type=APPLICATION,
                        after=_snap(app, APP_FIELDS))
    sync_application_deadlines(ctx, app)
    return app


def update_application(ctx: Context, app_id: int, data: ApplicationPatch) -> GrantApplication:
    app = get_application(ctx, app_id)
    values = data.model_dump(exclude_unset=True)
    _check_refs(ctx, values)
    before, was = _snap(app, APP_FIELDS), register.scope_of(app)
    _apply(ctx, app, values)
    # A change out of confidentiality stays as confidential as the application was (the
    # event shows what it held then).
    register.record_for(ctx, app, "grant_application.updated", object_type=APPLICATION, before=before,
                        after=_snap(app, APP_FIELDS), scope=register.narrowest(was, register.scope_of(app)))
    sync_application_deadlines(ctx, app)
    if register.scope_of(app) != was:
        # Reclassified: its reports' reminders are re-addressed in this unit of work (the
        # planner drops whoever may not see it now); older register events are filtered when
        # read, by the application's current scope.
        for report in ctx.session.execute(select(Report).where(
                Report.application_id == app.id, Report.deadline_open.is_(True))).scalars():
            sync_report_deadline(ctx, report)
    return app


def _add_requirement(ctx: Context, app: GrantApplication, data: RequirementIn, index: int) -> ReportingRequirement:
    where = f"requirements.{index}"
    if data.due_rule == DueRule.fixed and data.due_date is None:
        raise Invalid("error.required", field=f"{where}.due_date")
    values = data.model_dump()
    if data.due_rule == DueRule.recurring and data.kind == RequirementKind.annual:
        # A "rapport annuel" is yearly, after the end of each fiscal year, unless told otherwise.
        values["frequency"] = data.frequency or Frequency.yearly
        values["anchor"] = data.anchor or Anchor.fiscal_year
    if data.due_rule == DueRule.offset and data.anchor is None:
        raise Invalid("error.required", field=f"{where}.anchor")
    if data.due_rule != DueRule.recurring and data.anchor == Anchor.fiscal_year:
        raise Invalid("grants.error.fiscal_year_recurring_only", field=f"{where}.anchor")
    if data.due_rule == DueRule.recurring and values["frequency"] is None:
        raise Invalid("error.required", field=f"{where}.frequency")
    if data.owner_id is not None and ctx.session.get(Person, data.owner_id) is None:
        raise Invalid("error.person_not_found", field=f"{where}.owner_id")
    req = ReportingRequirement(application_id=app.id, **values)
    ctx.session.add(req)
    ctx.session.flush()
    return req


def add_requirement(ctx: Context, app_id: int, data: RequirementIn) -> ReportingRequirement:
    app = get_application(ctx, app_id)
    req = _add_requirement(ctx, app, data, 0)
    register.record_for(ctx, req, "grant_requirement.created", object_type="grant_requirement",
                        after=_snap(req, ["application_id", "kind", "due_rule", "due_date", "anchor",
                                          "offset_days", "frequency", "owner_id"]))
    workflow = ctx.rules.workflows[APPLICATION]
    before_award = set().union(*(workflow.states_before(t) for t in award_triggers(workflow)))
    if app.amount_awarded_cents and app.state not in before_award:
        generate_reports(ctx, app)  # already awarded: its instances now
    return req


def application_filters(stmt: Select, ctx: Context, funder_id: int | None = None,
                        owner_id: int | None = None, state: str | None = None,
                        year: int | None = None, q: str | None = None) -> Select:
    """`stmt` restricted to the applications the viewer sees, filtered."""
    stmt = stmt.where(ctx.viewer.visible(GrantApplication.confidential_category, GrantApplication.body_id))
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


def list_stmt(ctx: Context, **filters) -> Select:
    stmt = select(GrantApplication).options(selectinload(GrantApplication.funder),
                                            selectinload(GrantApplication.owner),
                                            selectinload(GrantApplication.submission_decision))
    return application_filters(stmt, ctx, **filters).order_by(
        GrantApplication.year.desc(), GrantApplication.application_deadline.desc(), GrantApplication.id.desc())


PipelineCard = tuple  # (id, title, state, funder, amount_requested_cents, amount_awarded_cents, deadline)


def pipeline(ctx: Context, per_column: int = 20, per_final_column: int = 5, **filters) -> list[dict]:
    """Columns by state (the rules' order), each with its count and its first cards.

    One grouped count, then one UNION ALL of small per-state queries that each walk the
    (state, application_deadline) index with a LIMIT: never the whole history, and only the
    columns a card shows. Final columns (closed, declined...) show fewer cards."""
    session = ctx.session
    workflow = ctx.rules.workflows[APPLICATION]
    counts = dict(session.execute(application_filters(
        select(GrantApplication.state, func.count()).group_by(GrantApplication.state), ctx, **filters)).all())
    parts = []
    for state in workflow.states:
        if not counts.get(state):
            continue
        limit = per_final_column if state in workflow.final else per_column
        parts.append(select(application_filters(
            select(GrantApplication.id, GrantApplication.title, GrantApplication.state,
                   Funder.name.label("funder"), GrantApplication.amount_requested_cents,
                   GrantApplication.amount_awarded_cents, GrantApplication.application_deadline)
            .join(Funder, Funder.id == GrantApplication.funder_id), ctx, **filters)
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


def export_csv(ctx: Context, excel_lang: str | None = None, **filters) -> str | bytes:
    """The applications the viewer sees (filtered), deadlines in the collective's zone.
    With `excel_lang` (the pages' export) a file for a spreadsheet in that language: in French
    headers in French, `;`, decimal commas and a UTF-8 byte-order mark (`api.i18n.csv_bytes`);
    without it, the API's comma-separated format with its column keys."""
    out = io.StringIO()
    writer = csv.writer(out)
    french = excel_lang == "fr"
    rows = []
    tz = ctx.tz
    for app in ctx.session.execute(list_stmt(ctx, **filters)).scalars():
        amounts = [from_cents(app.amount_requested_cents or 0),
                   from_cents(app.amount_awarded_cents) if app.amount_awarded_cents is not None else "",
                   from_cents(app.total_cost_cents) if app.total_cost_cents is not None else ""]
        if french:
            amounts = [csv_number(a, "fr") for a in amounts]
        state = tr(f"grants.state.{app.state}", "fr") if french else app.state
        rows.append([_safe_cell(v) for v in [
            app.id, app.title, app.funder.name, app.programme, state,
            app.owner.name if app.owner else "", *amounts, app.currency,
            local(app.application_deadline, tz).isoformat() if app.application_deadline else "",
            app.period_start or "", app.period_end or "", app.year]])
    if french:
        return csv_bytes([tr(f"grants.csv.{c}", "fr") for c in CSV_COLUMNS], rows, "fr")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


def management_fee_cents(app: GrantApplication) -> int | None:
    if app.management_fee_cents is not None:
        return app.management_fee_cents
    if app.management_fee_rate_bp is not None and app.amount_awarded_cents:
        # Rounded half up to the cent, in integers (no float).
        return (app.amount_awarded_cents * app.management_fee_rate_bp + 5000) // 10000
    return None


def grant_totals(ctx: Context, **filters) -> tuple[int, int]:
    """Awarded and total cost, in cents, of the applications the viewer sees (filtered)."""
    row = ctx.session.execute(application_filters(
        select(func.coalesce(func.sum(GrantApplication.amount_awarded_cents), 0),
               func.coalesce(func.sum(GrantApplication.total_cost_cents), 0)), ctx,
        **filters)).one()
    return int(row[0]), int(row[1])


# --------------------------------------------------------------------------- reports

def generate_reports(ctx: Context, app: GrantApplication) -> list[Report]:
    """Report instances of every requirement that has none yet (awarding, or a late addition)."""
    session = ctx.session
    initial = ctx.rules.workflows[REPORT].initial
    created: list[Report] = []
    for req in session.execute(select(ReportingRequirement)
                               .where(ReportingRequirement.application_id == app.id)).scalars():
        if session.execute(select(Report.id).where(Report.requirement_id == req.id).limit(1)).first():
            continue
        anchor = getattr(app, req.anchor) if req.anchor in (Anchor.period_start, Anchor.period_end) else None
        dates = requirement_dates(req.due_rule, due_date=req.due_date, anchor=anchor,
                                  offset_days=req.offset_days, frequency=req.frequency,
                                  period_start=app.period_start, period_end=app.period_end,
                                  fiscal_year_start=_fiscal_year_start(ctx, req))
        # A recurring report covers its own quarter or fiscal year (its indicators count that
        # period); the others cover the funded period (no period of their own).
        periods = _periods(ctx, app, req) or [None] * len(dates)
        for seq, (day, period) in enumerate(zip(dates, periods, strict=True), start=1):
            report = Report(requirement_id=req.id, application_id=app.id, kind=req.kind, sequence=seq,
                            due_date=day, internal_date=day - timedelta(days=req.preparation_days),
                            owner_id=req.owner_id or app.owner_id, state=initial, deadline_open=True,
                            period_start=period.first if period else None,
                            period_end=period.last if period else None)
            report.application = app
            session.add(report)
            created.append(report)
    session.flush()
    for report in created:
        sync_report_deadline(ctx, report)
    return created


def _fiscal_year_start(ctx: Context, req: ReportingRequirement) -> str | None:
    """Periods of the collective's fiscal year (rules: collective.fiscal_year_start), or None:
    counted from the grant's start."""
    return ctx.rules.collective.fiscal_year_start if req.anchor == Anchor.fiscal_year else None


def _periods(ctx: Context, app: GrantApplication, req: ReportingRequirement) -> list[ReportPeriod]:
    return requirement_periods(req.due_rule, frequency=req.frequency, period_start=app.period_start,
                               period_end=app.period_end, fiscal_year_start=_fiscal_year_start(ctx, req))


def own_period(ctx: Context, report: Report) -> tuple[date | None, date | None]:
    """What a report covers unless someone sets another period: its quarter or fiscal year
    for a recurring requirement; otherwise (None, None), the grant's funded period."""
    req = report.requirement
    if req is not None:
        periods = _periods(ctx, report.application, req)
        if 0 < report.sequence <= len(periods):
            period = periods[report.sequence - 1]
            return period.first, period.last
    return None, None


def get_report(ctx: Context, report_id: int) -> Report:
    """Unknown ids and ids the viewer may not see are both 404 (no viewer: the system)."""
    report = ctx.session.get(Report, report_id)
    viewer = ctx.viewer
    if report is None or (viewer is not None and not viewer.can_see(
            report.confidential_category, report.body_id)):
        raise NotFound("grants.error.report_not_found")
    return report


def reports_stmt(ctx: Context, application_id: int | None = None, state: str | None = None,
                 owner_id: int | None = None, due_from: date | None = None,
                 due_to: date | None = None) -> Select:
    """The reports the viewer sees, filtered, by due date."""
    stmt = (select(Report).join(GrantApplication, Report.application_id == GrantApplication.id)
            .where(ctx.viewer.visible(GrantApplication.confidential_category, GrantApplication.body_id))
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


def mark_overdue_reports(ctx: Context, at: datetime | None = None) -> int:
    """Fire `mark_overdue` (as the system) on every report whose due date, in the collective's
    zone, has passed without submission. Idempotent: a report already overdue is no longer a
    source of the trigger, and on PostgreSQL concurrent sweeps skip each other's rows
    (FOR UPDATE SKIP LOCKED). Flushes only: the unit of work commits."""
    session = ctx.session
    rules = ctx.rules
    at = at or now()
    today = local(at, ctx.tz).date()
    sources = {s for tr in rules.workflows[REPORT].transitions if tr.trigger == "mark_overdue"
               for s in tr.sources}
    stmt = (select(Report).where(Report.deadline_open.is_(True), Report.due_date < today,
                                 Report.state.in_(sources)).order_by(Report.id).limit(500))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=Report)
    count = 0
    for report in session.execute(stmt).scalars().all():
        ctx.registry.engine.fire(ctx, report, "mark_overdue", None, rules, REPORT)
        count += 1
    session.flush()
    return count


def overdue_sweep(ctx: Context, at: datetime) -> int:
    """The scheduler's sweep (installed as "grants_mark_overdue_reports")."""
    return mark_overdue_reports(ctx, at)


# --------------------------------------------------------------------------- deadlines

def _short(title: str) -> str:
    """Deadline titles end up in 300-character columns (outbox) and calendar lines."""
    return title if len(title) <= 240 else title[:239] + "…"


def _title(app: GrantApplication, fr: str, en: str) -> tuple[str, str]:
    return f"{fr} — {_short(app.title)}", f"{en} — {_short(app.title)}"


def _partner_people(ctx: Context, app: GrantApplication) -> set[int]:
    org_ids = [o.id for o in app.partners]
    if not org_ids:
        return set()
    return set(ctx.session.execute(select(Person.id).where(Person.organisation_id.in_(org_ids),
                                                           Person.is_active.is_(True))).scalars())


def application_deadline(ctx: Context, app: GrantApplication, with_people: bool = True) -> Deadline:
    fr, en = _title(app, "Dépôt de la demande", "Application deadline")
    people = ({app.owner_id} if app.owner_id else set()) | (_partner_people(ctx, app) if with_people else set())
    return Deadline(kind="grant_application_deadline", object_type=APPLICATION, object_id=app.id,
                    due_at=app.application_deadline, title_fr=fr, title_en=en, path=f"/grants/{app.id}",
                    recipient_ids=frozenset(people), confidential_category=app.confidential_category,
                    body_id=app.body_id, **_application_details_of(app))


def draft_deadline(app: GrantApplication, tz: str) -> Deadline:
    fr, en = _title(app, "Brouillon interne", "Internal draft")
    return Deadline(kind="grant_internal_draft", object_type=APPLICATION, object_id=app.id,
                    due_at=due_at(app.internal_draft_deadline, tz), title_fr=fr, title_en=en,
                    path=f"/grants/{app.id}",
                    recipient_ids=frozenset({app.owner_id} if app.owner_id else set()),
                    confidential_category=app.confidential_category, body_id=app.body_id, all_day=True,
                    **_application_details_of(app))


KIND_NAMES = {"narrative_interim": ("Rapport d'étape", "Interim report"),
              "financial": ("Rapport financier", "Financial report"),
              "final": ("Rapport final", "Final report"),
              "annual": ("Rapport annuel", "Annual report"),
              "other": ("Reddition de comptes", "Accountability report")}


def _report_details(funder: str | None, title: str, awarded: int | None, requested: int | None,
                    owner: str | None) -> dict:
    """What a report reminder is about (funder, grant, amount, owner), for `Deadline`: the same
    from the report and from the provider, so a re-sync does not restamp the rows."""
    fr, en = details(funder=funder, grant=_short(title),
                     amount_cents=awarded if awarded is not None else requested,
                     amount_awarded=awarded is not None, owner=owner)
    return {"details_fr": fr, "details_en": en}


def _application_details(funder: str | None, awarded: int | None, requested: int | None,
                         owner: str | None) -> dict:
    """What an application's reminders are about (funder, amount, owner; the grant is in the
    title): the same from the application and from the providers."""
    fr, en = details(funder=funder, amount_cents=awarded if awarded is not None else requested,
                     amount_awarded=awarded is not None, owner=owner)
    return {"details_fr": fr, "details_en": en}


def _application_details_of(app: GrantApplication) -> dict:
    return _application_details(app.funder.name if app.funder else None, app.amount_awarded_cents,
                                app.amount_requested_cents, app.owner.name if app.owner else None)


def report_deadline(report: Report, tz: str) -> Deadline:
    app = report.application
    fr, en = KIND_NAMES.get(report.kind, KIND_NAMES["other"])
    return Deadline(kind="report_due", object_type=REPORT, object_id=report.id,
                    due_at=due_at(report.due_date, tz), title_fr=f"{fr} — {_short(app.title)}",
                    title_en=f"{en} — {_short(app.title)}", path=f"/grants/reports/{report.id}",
                    recipient_ids=frozenset({report.owner_id} if report.owner_id else set()),
                    confidential_category=app.confidential_category, body_id=app.body_id, all_day=True,
                    **_report_details(app.funder.name if app.funder else None, app.title,
                                      app.amount_awarded_cents, app.amount_requested_cents,
                                      report.owner.name if report.owner else None))


def sync_application_deadlines(ctx: Context, app: GrantApplication) -> None:
    ctx.session.flush()
    if app.application_deadline is not None and app.deadline_open:
        upsert_deadline(ctx, application_deadline(ctx, app))
    else:
        cancel_deadline(ctx, "grant_application_deadline", APPLICATION, app.id)
    if app.internal_draft_deadline is not None and app.draft_open:
        upsert_deadline(ctx, draft_deadline(app, ctx.tz))
    else:
        cancel_deadline(ctx, "grant_internal_draft", APPLICATION, app.id)


def sync_report_deadline(ctx: Context, report: Report) -> None:
    if report.deadline_open:
        upsert_deadline(ctx, report_deadline(report, ctx.tz))
    else:
        cancel_deadline(ctx, "report_due", REPORT, report.id)


def _dates(start: datetime, end: datetime, tz: str) -> tuple[date, date]:
    return local(start, tz).date(), local(end, tz).date() + timedelta(days=1)


_APP_COLS = (GrantApplication.id, GrantApplication.title, GrantApplication.owner_id,
             GrantApplication.confidential_category, GrantApplication.body_id,
             GrantApplication.amount_awarded_cents, GrantApplication.amount_requested_cents,
             Funder.name.label("funder_name"), Person.name.label("owner_name"))


def _app_rows(ctx: Context, date_column, *conditions):
    """The providers' applications with what their reminders name (funder, amount, owner)."""
    return ctx.session.execute(
        select(*_APP_COLS, date_column)
        .outerjoin(Funder, GrantApplication.funder_id == Funder.id)
        .outerjoin(Person, GrantApplication.owner_id == Person.id)
        .where(*conditions)).all()


def _row_details(r) -> dict:
    return _application_details(r.funder_name, r.amount_awarded_cents, r.amount_requested_cents, r.owner_name)


def application_deadlines(ctx: Context, start: datetime, end: datetime) -> list[Deadline]:
    """Provider "grant_application_deadline": open application deadlines in [start, end);
    recipients are the owners (the reminders get the partners' people from
    `sync_application_deadlines`)."""
    rows = _app_rows(ctx, GrantApplication.application_deadline, GrantApplication.deadline_open.is_(True),
                     GrantApplication.application_deadline >= start, GrantApplication.application_deadline < end)
    return [Deadline(kind="grant_application_deadline", object_type=APPLICATION, object_id=r.id,
                     due_at=r.application_deadline, title_fr=f"Dépôt de la demande — {_short(r.title)}",
                     title_en=f"Application deadline — {_short(r.title)}", path=f"/grants/{r.id}",
                     recipient_ids=frozenset({r.owner_id} if r.owner_id else ()),
                     confidential_category=r.confidential_category, body_id=r.body_id, **_row_details(r))
            for r in rows]


def draft_deadlines(ctx: Context, start: datetime, end: datetime) -> list[Deadline]:
    """Provider "grant_internal_draft": internal draft dates (all day) in [start, end)."""
    tz = ctx.tz
    first, last = _dates(start, end, tz)
    rows = _app_rows(ctx, GrantApplication.internal_draft_deadline, GrantApplication.draft_open.is_(True),
                     GrantApplication.internal_draft_deadline >= first, GrantApplication.internal_draft_deadline < last)
    found = [Deadline(kind="grant_internal_draft", object_type=APPLICATION, object_id=r.id,
                      due_at=due_at(r.internal_draft_deadline, tz),
                      title_fr=f"Brouillon interne — {_short(r.title)}",
                      title_en=f"Internal draft — {_short(r.title)}", path=f"/grants/{r.id}",
                      recipient_ids=frozenset({r.owner_id} if r.owner_id else ()),
                      confidential_category=r.confidential_category, body_id=r.body_id, all_day=True,
                      **_row_details(r))
             for r in rows]
    return [d for d in found if start <= d.due_at < end]


def report_deadlines(ctx: Context, start: datetime, end: datetime) -> list[Deadline]:
    """Provider "report_due": open reports (all day) due in [start, end)."""
    tz = ctx.tz
    first, last = _dates(start, end, tz)
    rows = ctx.session.execute(
        select(Report.id, Report.kind, Report.due_date, Report.owner_id, GrantApplication.title,
               GrantApplication.confidential_category, GrantApplication.body_id,
               GrantApplication.amount_awarded_cents, GrantApplication.amount_requested_cents,
               Funder.name.label("funder_name"), Person.name.label("owner_name"))
        .join(GrantApplication, Report.application_id == GrantApplication.id)
        .join(Funder, GrantApplication.funder_id == Funder.id)
        .outerjoin(Person, Report.owner_id == Person.id)
        .where(Report.deadline_open.is_(True), Report.due_date >= first, Report.due_date < last)).all()
    found = []
    for r in rows:
        fr, en = KIND_NAMES.get(r.kind, KIND_NAMES["other"])
        found.append(Deadline(kind="report_due", object_type=REPORT, object_id=r.id,
                              due_at=due_at(r.due_date, tz), title_fr=f"{fr} — {_short(r.title)}",
                              title_en=f"{en} — {_short(r.title)}", path=f"/grants/reports/{r.id}",
                              recipient_ids=frozenset({r.owner_id} if r.owner_id else ()),
                              confidential_category=r.confidential_category, body_id=r.body_id,
                              all_day=True,
                              **_report_details(r.funder_name, r.title, r.amount_awarded_cents,
                                                r.amount_requested_cents, r.owner_name)))
    return [d for d in found if start <= d.due_at < end]
