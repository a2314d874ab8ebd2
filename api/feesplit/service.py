"""Fee splits: who is eligible, the preview, the proposal (a "fee_split" decision), and the
shares recorded for good when that decision is adopted.

Money is whole cents; the split itself is `api.feesplit.allocation.allocate` (largest
remainder on exact fractions, ties broken by the rounding each partner received in earlier
adopted splits), so the preview and the recording compute the very same shares.

Every function works in the caller's unit of work (`ctx`, an `api.context.Context`) and only
flushes: the proposal (the draft decision, the split, its weights and their events) and the
recording of the shares (in the transaction that adopts the decision) commit together at the
edge, or not at all. `api/feesplit/area.py` plugs `on_decision_transition` and `beneficiaries`
into the decisions area.
"""

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from api.collective.models import Body, Organisation, Person, Seat, SeatRole
from api.committees import tasks as committee_tasks
from api.context import Context
from api.decisions import service as decisions
from api.decisions.models import Decision
from api.decisions.schemas import DecisionIn
from api.errors import Invalid, NotFound
from api.feesplit.allocation import Allocation, AllocationError, allocate
from api.feesplit.models import FeeShare, FeeSplit, FeeSplitWeight
from api.feesplit.schemas import (
    FeeSplitIn,
    FeeSplitOut,
    InputError,
    PreviewOut,
    ShareOut,
    TotalRowOut,
    WeightOut,
    parse_amount,
    parse_weight,
)
from api.grants.models import Funder, GrantApplication
from api.i18n import catalog, csv_bytes, csv_number, normalise, t
from api.money import format_money, from_cents, to_cents
from api.register import service as register
from api.rules.schema import GovernanceRules
from workflows.engine import Fired

KIND = "fee_split"
OBJECT_TYPE = "fee_split"


def collective_lang(rules: GovernanceRules) -> str:
    """The collective's language: decisions' texts and the register speak it."""
    return normalise(rules.collective.locale)


# --- who may receive a share ----------------------------------------------------------------

def eligible_partners(ctx: Context, rules: GovernanceRules | None = None) -> list[Organisation]:
    """Organisations of the kinds the rules list, holding a current non-observer seat on the
    eligible body (by default: the community partners of the executive committee).

    `rules`: those a decision is judged by; the rules in force when None."""
    rule = (rules or ctx.rules).fee_split.eligible
    stmt = (
        select(Organisation).join(Seat, Seat.organisation_id == Organisation.id)
        .join(Body, Body.id == Seat.body_id)
        .where(Body.key == rule.body, Seat.role != SeatRole.staff_observer,
               Seat.current_on(ctx.today),
               Organisation.kind.in_([str(k) for k in rule.organisation_kinds]))
        .distinct().order_by(Organisation.name)
    )
    return list(ctx.session.execute(stmt).scalars())


def prior_rounding(ctx: Context, organisation_ids: Iterable[int],
                   before_split_id: int | None = None) -> dict[int, int]:
    """Leftover cents each organisation received in the splits adopted so far."""
    ids = list(organisation_ids)
    if not ids:
        return {}
    stmt = (select(FeeShare.organisation_id, func.coalesce(func.sum(FeeShare.rounding_cents), 0))
            .join(FeeSplit, FeeSplit.id == FeeShare.split_id)
            .where(FeeSplit.recorded_at.is_not(None), FeeShare.organisation_id.in_(ids))
            .group_by(FeeShare.organisation_id))
    if before_split_id is not None:
        stmt = stmt.where(FeeSplit.id != before_split_id)
    return {org: int(total) for org, total in ctx.session.execute(stmt).all()}


# --- reading and checking what a person typed -----------------------------------------------

@dataclass
class Checked:
    amount_cents: int
    period: str
    grant_id: int | None
    year: int
    weights: dict[int, Decimal]
    partners: dict[int, Organisation]
    text: str | None = None


@dataclass
class Preview:
    checked: Checked
    allocation: Allocation
    explanation: list[str]
    weight_unit: str
    rows: list[dict] = field(default_factory=list)


class SplitInvalid(Invalid):
    """Several fields can be wrong at once; `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        first = next(iter(errors))
        super().__init__("feesplit.error.split_invalid", field=first, code="")
        self._first_message = errors[first]

    def message(self, lang: str) -> str:
        return self._first_message

    def detail(self) -> list[dict]:
        return [{"field": f, "message": m} for f, m in self.errors.items()]


def _year_of(period: str, fallback: int) -> int:
    match = re.search(r"(19|20|21)\d\d", period)
    return int(match.group(0)) if match else fallback


def _kinds_text(rules: GovernanceRules, lang: str) -> str:
    return ", ".join(t(f"org.kind.{k}", lang).lower() for k in rules.fee_split.eligible.organisation_kinds)


def _body_name(rules: GovernanceRules, lang: str) -> str:
    body = rules.body(rules.fee_split.eligible.body)
    return body.name.get(lang) if body else rules.fee_split.eligible.body


def grant_choices(ctx: Context) -> list[tuple[int, str]]:
    """The grant applications the viewer sees, by name ("Funder — title (year)"), newest
    first: what the form offers instead of asking for a grant number."""
    stmt = (select(GrantApplication.id, GrantApplication.title, GrantApplication.year, Funder.name)
            .join(Funder, Funder.id == GrantApplication.funder_id)
            .where(ctx.viewer.visible(GrantApplication.confidential_category, GrantApplication.body_id))
            .order_by(GrantApplication.year.desc(), Funder.name, GrantApplication.title)
            .limit(500))
    return [(gid, f"{funder} — {title}" + (f" ({year})" if year else ""))
            for gid, title, year, funder in ctx.session.execute(stmt)]


def grant_name(ctx: Context, grant_id: int | None) -> str | None:
    """A split's grant by name when the viewer sees it."""
    if grant_id is None:
        return None
    return dict(grant_choices(ctx)).get(grant_id)


def check(ctx: Context, data: FeeSplitIn) -> Checked:
    """Every field read and checked (rules in force, the person's language); raises
    SplitInvalid naming each wrong field."""
    rules, lang = ctx.rules, ctx.lang
    errors: dict[str, str] = {}
    amount_cents = 0
    try:
        amount_cents = parse_amount(data.amount)
    except InputError as exc:
        errors["amount"] = t(exc.key, lang, **exc.params)
    partners = {o.id: o for o in eligible_partners(ctx)}
    weights: dict[int, Decimal] = {}
    for org_id, text in data.weights.items():
        name = f"weights.{org_id}"
        try:
            weight = parse_weight(text)
        except InputError as exc:
            errors[name] = t(exc.key, lang, **exc.params)
            continue
        if org_id not in partners:
            errors[name] = t("feesplit.error.not_eligible", lang, kinds=_kinds_text(rules, lang),
                             body=_body_name(rules, lang))
            continue
        weights[org_id] = weight
    if not errors:
        if not weights:
            errors["weights"] = t("feesplit.error.weights_empty", lang)
        elif all(w == 0 for w in weights.values()):
            errors["weights"] = t("feesplit.error.weights_all_zero", lang)
    if errors:
        raise SplitInvalid(errors)
    return Checked(amount_cents=amount_cents, period=data.period, grant_id=data.grant_id,
                   year=data.year or _year_of(data.period, ctx.today.year), weights=weights,
                   partners=partners, text=data.text)


def _allocation_error(exc: AllocationError, lang: str) -> SplitInvalid:
    params = exc.params
    field_name = f"weights.{exc.field}" if isinstance(exc.field, int) else {
        "amount_cents": "amount"}.get(str(exc.field), "weights")
    if exc.code == "min_share_unreachable":
        message = t("feesplit.error.min_share_unreachable", lang, partner=params["partner"],
                    share=format_money(int(params["share_cents"]), lang),
                    minimum=format_money(int(params["min_share_cents"]), lang))
    elif exc.code == "max_share_exceeded":
        percent = Decimal(str(params["max_share_fraction"])) * 100
        message = t("feesplit.error.max_share_exceeded", lang, partner=params["partner"],
                    share=format_money(int(params["share_cents"]), lang),
                    maximum=format_money(int(params["max_share_cents"]), lang),
                    percent=decimal_text(f"{percent.normalize():f}", lang))
    elif f"feesplit.error.{exc.code}" in catalog():
        message = t(f"feesplit.error.{exc.code}", lang)
    else:
        message = t("feesplit.error.split_invalid", lang, code=exc.code)
    return SplitInvalid({field_name: message})


def compute(ctx: Context, rules: GovernanceRules, amount_cents: int, weights: dict[int, Decimal],
            names: dict[int, str], lang: str, exclude_split_id: int | None = None) -> Allocation:
    """The allocation `rules` give (those in force, or those a decision is judged by), with
    the rounding history of the adopted splits."""
    fs = rules.fee_split
    try:
        return allocate(
            amount_cents, weights,
            prior_rounding=prior_rounding(ctx, weights, exclude_split_id),
            min_share_cents=to_cents(fs.min_share),
            max_share_fraction=Decimal(str(fs.max_share_fraction)),
            tie_break=fs.tie_break,
            order_key=lambda org_id: names[org_id],
        )
    except AllocationError as exc:
        raise _allocation_error(exc, lang) from exc


def share_rows(allocation: Allocation, weights: dict[int, Decimal], names: dict[int, str],
               lang: str) -> list[dict]:
    rows = []
    for org_id in sorted(weights, key=lambda k: names[k]):
        exact = allocation.exact[org_id]
        rows.append({
            "organisation_id": org_id, "organisation": names[org_id],
            "weight": _weight_text(weights[org_id]),
            "weight_display": weight_text(weights[org_id], lang),
            "amount_cents": allocation.shares[org_id],
            "amount": str(from_cents(allocation.shares[org_id])),
            "exact_cents": _fraction_text(exact),
            "rounding_cents": allocation.rounding[org_id],
            "display": format_money(allocation.shares[org_id], lang),
            "exact_display": _exact_display(exact, lang),
        })
    return rows


def decimal_text(text: str, lang: str) -> str:
    """A plain decimal ('12.5') written the person's way ('12,5' in French): number
    formatting, like `api.money.format_money`, not wording."""
    return text.replace(".", ",") if lang == "fr" else text


def _weight_text(weight: Decimal) -> str:
    """12.5000 -> '12.5', 100.0000 -> '100' (never '1E+2')."""
    text = f"{Decimal(weight).normalize():f}"
    return text


def weight_text(weight: Decimal, lang: str) -> str:
    return decimal_text(_weight_text(weight), lang)


def _fraction_text(value: Fraction) -> str:
    return str(value)


def _exact_display(cents: Fraction, lang: str) -> str:
    """The exact share in dollars to four decimals (enough to show why a cent moved)."""
    dollars = Decimal(cents.numerator) / Decimal(cents.denominator) / 100
    text = f"{dollars.quantize(Decimal('0.0001')):,f}"
    if lang == "fr":
        text = text.replace(",", "\u00a0").replace(".", ",")
        return f"{text}\u00a0$"
    return f"${text}"


def preview(ctx: Context, data: FeeSplitIn) -> Preview:
    """The shares to the cent and the explanation of the rounding; nothing is saved."""
    checked = check(ctx, data)
    names = {k: o.name for k, o in checked.partners.items()}
    allocation = compute(ctx, ctx.rules, checked.amount_cents, checked.weights, names, ctx.lang)
    return Preview(checked=checked, allocation=allocation, explanation=allocation.explain(ctx.lang),
                   weight_unit=ctx.rules.fee_split.weight_unit,
                   rows=share_rows(allocation, checked.weights, names, ctx.lang))


def preview_out(p: Preview) -> PreviewOut:
    c = p.checked
    return PreviewOut(
        amount_cents=c.amount_cents, amount=str(from_cents(c.amount_cents)),
        period=c.period, grant_id=c.grant_id, year=c.year, weight_unit=p.weight_unit,
        shares=[ShareOut(**{k: v for k, v in r.items()
                            if k not in ("display", "exact_display", "weight_display")})
                for r in p.rows],
        total_cents=sum(p.allocation.shares.values()),
        explanation=p.explanation,
    )


# --- proposing: the decision and the split, in one unit of work -----------------------------

def create_fee_split(ctx: Context, data: FeeSplitIn) -> FeeSplit:
    """Create the draft "fee_split" decision (drafted by the viewer) and its split (weights);
    both are only flushed, so they commit together with the caller's unit of work."""
    require_access(ctx)
    p = preview(ctx, data)  # the very checks of the preview
    c = p.checked
    rules = ctx.rules
    title, text = decision_title(c, rules, collective_lang(rules))
    if c.text:
        text = f"{c.text}\n\n{text}"
    decision = decisions.create(ctx, DecisionIn(kind=KIND, title=title, text=text))
    split = FeeSplit(
        decision_id=decision.id, amount_cents=c.amount_cents, grant_id=c.grant_id,
        period=c.period, year=c.year, weight_unit=rules.fee_split.weight_unit,
        confidential_category=decision.confidential_category, body_id=decision.body_id,
        created_by=ctx.actor_id, created_at=ctx.now(),
    )
    split.weights = [FeeSplitWeight(organisation_id=org_id, weight=w)
                     for org_id, w in sorted(c.weights.items())]
    ctx.session.add(split)
    ctx.session.flush()
    register.record_for(
        ctx, split, "feesplit.proposed", object_type=OBJECT_TYPE,
        after={"decision_id": decision.id, "amount_cents": c.amount_cents, "period": c.period,
               "grant_id": c.grant_id, "year": c.year, "weight_unit": split.weight_unit,
               "weights": {str(k): _weight_text(w) for k, w in sorted(c.weights.items())}},
        rules_version_id=ctx.rules_version_id,
    )
    hand_off(ctx, decision)
    return split


# --- the hand-off: whoever may open the vote is told ----------------------------------------

HAND_OFF_DAYS = 3  # the task asks for the vote to be opened within this many days


def opening_triggers(rules: GovernanceRules, decision: Decision) -> set[str]:
    """Triggers that open the vote: from the draft state to a state that is not final."""
    workflow = rules.workflows[decision.workflow]
    return {tr.trigger for tr in workflow.transitions
            if decision.state in tr.sources and tr.dest not in workflow.final}


def may_open(ctx: Context, decision: Decision, person: Person) -> bool:
    allowed = ctx.registry.engine.allowed_triggers(ctx, decision, person, ctx.rules, decisions.OBJECT_TYPE)
    return bool(opening_triggers(ctx.rules, decision) & set(allowed))


def openers(ctx: Context, decision: Decision) -> list[Person]:
    """Active people with a current seat on the decision's body whom the rules let open its
    vote and who may see it (the chair and the secretary, by default)."""
    people = ctx.session.execute(
        select(Person).join(Seat, Seat.person_id == Person.id)
        .where(Seat.body_id == decision.body_id, Seat.current_on(ctx.today),
               Seat.role != SeatRole.staff_observer, Person.is_active.is_(True))
        .distinct().order_by(Person.name)).scalars().all()
    return [p for p in people if ctx.viewer_of(p).can_see(decision.confidential_category, decision.body_id)
            and may_open(ctx, decision, p)]


def hand_off(ctx: Context, decision: Decision) -> list[Person]:
    """The treasurer proposes, the chair opens: when the person who proposed may not open
    the vote, those who may get a task (on the board of the executive committee's funding
    sub-committee, in camera like the split, with its email reminders) to open it. Returns
    the people told; empty when the proposer may open the vote themselves."""
    if may_open(ctx, decision, ctx.viewer.person):
        return []
    people = openers(ctx, decision)
    if not people:
        return []
    lang = collective_lang(ctx.rules)
    proposer = ctx.viewer.person.name
    committee_tasks.hand_off_task(
        ctx, parent_body_id=decision.body_id, category=decision.confidential_category,
        title=t("feesplit.hand_off.task_title", lang, title=decision.title),
        description=t("feesplit.hand_off.task_text", lang, name=proposer, decision_id=decision.id),
        owners=people, link_type="decision", link_id=decision.id,
        due_at=ctx.now() + timedelta(days=HAND_OFF_DAYS))
    return people


def decision_title(c: Checked, rules: GovernanceRules, lang: str) -> tuple[str, str]:
    amount = format_money(c.amount_cents, lang)
    title = t("feesplit.decision_title", lang, amount=amount, period=c.period)
    names = {k: o.name for k, o in c.partners.items()}
    weights = "; ".join(t("feesplit.decision_weight", lang, name=names[k], weight=_weight_text(w))
                        for k, w in sorted(c.weights.items(), key=lambda kv: names[kv[0]]))
    text = t("feesplit.decision_text", lang, amount=amount, period=c.period,
             unit=t(f"feesplit.unit.{rules.fee_split.weight_unit}", lang), weights=weights)
    return title[:200], text


def may_see_splits(ctx: Context, viewer: Any) -> bool:
    """Whether this person may see fee splits at all: they are in camera (the kind's
    category, on the kind's body), never shown to staff. Also the menu's `shown`: the entry
    is offered only to those it opens for (an administrator without a member seat does
    not get a "Frais de gestion" entry that answers "not found")."""
    rules = ctx.rules
    kind = rules.decision_kinds.get(KIND)
    if kind is None or viewer is None or viewer.is_staff:
        return False
    body_rules = rules.body(kind.body)
    category = kind.confidential_category or (body_rules.confidential_category if body_rules else None)
    if category is None:
        return True
    body_id = ctx.session.execute(select(Body.id).where(Body.key == kind.body)).scalar_one_or_none()
    return viewer.can_see(category, body_id)


def require_access(ctx: Context) -> None:
    """Fee splits are in camera (the kind's category): whoever may not see them gets a 404."""
    if not may_see_splits(ctx, ctx.viewer):
        raise NotFound("feesplit.error.not_found")


# --- adoption: the shares, recorded for good ------------------------------------------------

def on_decision_transition(ctx: Context, fired: Fired) -> None:
    """After-hook of the decision workflow for fee-split decisions (installed by area.py),
    judged by the rules the decision was opened under.

    - Leaving the initial state (the vote opens): the split is checked again under the rules
      the decision is now judged by (eligibility, minimum and maximum shares), so that a vote
      never opens on a split that could not be recorded; a problem refuses the opening.
    - Reaching a state that means "adopted": the shares are recorded.
    """
    decision = fired.obj
    if getattr(decision, "kind", None) != KIND or decision.rules_version_id is None:
        return  # not a fee split, or never opened (so never adopted)
    rules = ctx.rules_of_version(decision.rules_version_id)
    workflow = decision.workflow or rules.decision_kind(KIND).workflow
    wf = rules.workflows.get(workflow)
    if wf is not None and fired.source == wf.initial and fired.dest != fired.source:
        # The hand-off is over (the vote is opened, or the proposal withdrawn): the task
        # "open the vote" is completed.
        committee_tasks.complete_linked_tasks(ctx, "decision", decision.id, fired.actor)
        if fired.dest not in wf.final:
            _check_on_opening(ctx, rules, decision)
            return
    if fired.dest not in decisions.adopted_states(rules, workflow):
        return
    split = ctx.session.execute(
        select(FeeSplit).where(FeeSplit.decision_id == decision.id)
        .options(selectinload(FeeSplit.weights).selectinload(FeeSplitWeight.organisation))
        .with_for_update()
    ).scalar_one_or_none()
    if split is None or split.recorded_at is not None:
        return
    record_shares(ctx, rules, split, fired.actor)


def _check_on_opening(ctx: Context, rules: GovernanceRules, decision: Decision) -> None:
    split = ctx.session.execute(
        select(FeeSplit).where(FeeSplit.decision_id == decision.id)
        .options(selectinload(FeeSplit.weights).selectinload(FeeSplitWeight.organisation))
    ).scalar_one_or_none()
    if split is None:
        return
    lang = collective_lang(rules)
    eligible = {o.id for o in eligible_partners(ctx, rules)}
    errors = {f"weights.{w.organisation_id}": t("feesplit.error.not_eligible", lang,
                                                 kinds=_kinds_text(rules, lang),
                                                 body=_body_name(rules, lang))
              for w in split.weights if w.weight > 0 and w.organisation_id not in eligible}
    if errors:
        raise SplitInvalid(errors)
    weights = {w.organisation_id: Decimal(w.weight) for w in split.weights}
    names = {w.organisation_id: w.organisation.name for w in split.weights}
    compute(ctx, rules, split.amount_cents, weights, names, lang, exclude_split_id=split.id)


def record_shares(ctx: Context, rules: GovernanceRules, split: FeeSplit, actor: Any) -> None:
    """Write the shares of an adopted split (once) and their event; `actor` is the person
    who fired the adopting transition (None: the system closing the vote)."""
    weights = {w.organisation_id: Decimal(w.weight) for w in split.weights}
    names = {w.organisation_id: w.organisation.name for w in split.weights}
    allocation = compute(ctx, rules, split.amount_cents, weights, names, collective_lang(rules),
                         exclude_split_id=split.id)
    if sum(allocation.shares.values()) != split.amount_cents:  # pragma: no cover - allocate's promise
        raise AssertionError("shares do not add up to the amount")
    for org_id in sorted(weights, key=lambda k: names[k]):
        ctx.session.add(FeeShare(
            split_id=split.id, organisation_id=org_id, amount_cents=allocation.shares[org_id],
            exact_cents=_fraction_text(allocation.exact[org_id]),
            rounding_delta=_fraction_text(allocation.rounding_delta[org_id]),
            rounding_cents=allocation.rounding[org_id]))
    split.recorded_at = ctx.now()
    ctx.session.flush()
    register.record_for(
        ctx, split, "feesplit.recorded", object_type=OBJECT_TYPE,
        actor_id=getattr(actor, "id", None),
        after={"decision_id": split.decision_id, "amount_cents": split.amount_cents,
               "period": split.period, "grant_id": split.grant_id, "year": split.year,
               "shares": [{"organisation_id": k, "organisation": names[k],
                           "amount_cents": allocation.shares[k],
                           "rounding_cents": allocation.rounding[k]}
                          for k in sorted(weights, key=lambda k: names[k])],
               "explanation": {"fr": allocation.explain("fr"), "en": allocation.explain("en")}},
    )


def beneficiaries(ctx: Context, decision: Decision) -> set[int]:
    """Organisations that receive a share of this fee-split decision (their seats recuse)."""
    rows = ctx.session.execute(
        select(FeeSplitWeight.organisation_id).join(FeeSplit, FeeSplit.id == FeeSplitWeight.split_id)
        .where(FeeSplit.decision_id == decision.id, FeeSplitWeight.weight > 0)
    ).scalars()
    return set(rows)


# --- reading: lists, detail, totals ---------------------------------------------------------

def visible_splits(ctx: Context) -> Select:
    return (select(FeeSplit)
            .where(ctx.viewer.visible(FeeSplit.confidential_category, FeeSplit.body_id))
            .order_by(FeeSplit.created_at.desc(), FeeSplit.id.desc()))


def get_split(ctx: Context, split_id: int) -> FeeSplit:
    split = ctx.session.execute(
        select(FeeSplit).where(FeeSplit.id == split_id)
        .options(selectinload(FeeSplit.weights).selectinload(FeeSplitWeight.organisation),
                 selectinload(FeeSplit.shares).selectinload(FeeShare.organisation))
    ).scalar_one_or_none()
    if split is None or not ctx.viewer.can_see(split.confidential_category, split.body_id):
        raise NotFound("feesplit.error.not_found")
    return split


def decision_of(ctx: Context, split: FeeSplit) -> Decision | None:
    return ctx.session.get(Decision, split.decision_id)


def split_out(ctx: Context, split: FeeSplit, out: type[FeeSplitOut] = FeeSplitOut) -> FeeSplitOut:
    decision = decision_of(ctx, split)
    names = {w.organisation_id: w.organisation.name for w in split.weights}
    weights = {w.organisation_id: _weight_text(Decimal(w.weight)) for w in split.weights}
    return out(
        id=split.id, decision_id=split.decision_id,
        decision_state=decision.state if decision is not None else None,
        title=decision.title if decision is not None else None,
        amount_cents=split.amount_cents, amount=str(from_cents(split.amount_cents)),
        period=split.period, grant_id=split.grant_id, year=split.year,
        weight_unit=split.weight_unit, created_by=split.created_by,
        created_at=split.created_at, recorded_at=split.recorded_at,
        weights=[WeightOut(organisation_id=w.organisation_id, organisation=names[w.organisation_id],
                           weight=weights[w.organisation_id]) for w in split.weights],
        shares=[ShareOut(organisation_id=s.organisation_id, organisation=s.organisation.name,
                         weight=weights[s.organisation_id], amount_cents=s.amount_cents,
                         amount=str(from_cents(s.amount_cents)), exact_cents=s.exact_cents,
                         rounding_cents=s.rounding_cents)
                for s in split.shares],
    )


@dataclass
class TotalRow:
    dimension: str  # "year" | "grant"
    key: int | None  # the year, or the grant id (None: no grant)
    organisation_id: int
    organisation: str
    total_cents: int


def totals(ctx: Context, by: str) -> list[TotalRow]:
    """Adopted shares summed per partner, per year or per grant; only splits the viewer sees."""
    if by not in ("year", "grant"):
        raise Invalid("feesplit.error.by", field="by")
    group = FeeSplit.year if by == "year" else FeeSplit.grant_id
    stmt = (
        select(group, Organisation.id, Organisation.name, func.sum(FeeShare.amount_cents))
        .join(FeeShare, FeeShare.split_id == FeeSplit.id)
        .join(Organisation, Organisation.id == FeeShare.organisation_id)
        .where(FeeSplit.recorded_at.is_not(None),
               ctx.viewer.visible(FeeSplit.confidential_category, FeeSplit.body_id))
        .group_by(group, Organisation.id, Organisation.name)
    )
    rows = [TotalRow(by, key, org_id, name, int(total))
            for key, org_id, name, total in ctx.session.execute(stmt).all()]
    rows.sort(key=lambda r: (-(r.key or 0) if by == "year" else (r.key is None, r.key or 0),
                             r.organisation))
    return rows


CSV_COLUMNS = ["dimension", "key", "organisation_id", "organisation", "total_cents", "total"]


def _cell(value: object) -> object:
    """Spreadsheets run cells starting with = + - @ as formulas: neutralise them."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def totals_csv(ctx: Context, by: str | None, excel_lang: str | None = None) -> bytes:
    """Totals per partner per year and per grant as CSV (cents and dollars). With `excel_lang`
    "fr" (the page's download), what a French Excel opens right: headers and dimensions in
    French, `;` between cells, decimal commas, UTF-8 with a byte-order mark; without it, the
    API's comma-separated format with its column keys."""
    french = excel_lang is not None and normalise(excel_lang) == "fr"
    rows = []
    for dimension in ([by] if by else ["year", "grant"]):
        for row in totals(ctx, dimension):
            total = from_cents(row.total_cents)
            rows.append([t(f"feesplit.csv.dimension.{dimension}", "fr") if french else dimension,
                         "" if row.key is None else row.key, row.organisation_id, _cell(row.organisation),
                         row.total_cents, csv_number(total, "fr") if french else str(total)])
    if french:
        return csv_bytes([t(f"feesplit.csv.column.{c}", "fr") for c in CSV_COLUMNS], rows, "fr")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(rows)
    return out.getvalue().encode()


def grouped(rows: list[TotalRow]) -> list[tuple[int | None, list[TotalRow], int]]:
    """Rows (already in display order) grouped by year or grant: (key, rows, total)."""
    groups: list[tuple[int | None, list[TotalRow], int]] = []
    for row in rows:
        if groups and groups[-1][0] == row.key:
            groups[-1][1].append(row)
        else:
            groups.append((row.key, [row], 0))
    return [(key, members, sum(r.total_cents for r in members)) for key, members, _ in groups]


def total_row_out(row: TotalRow) -> TotalRowOut:
    return TotalRowOut(dimension=row.dimension, key=row.key, organisation_id=row.organisation_id,
                       organisation=row.organisation, total_cents=row.total_cents,
                       total=str(from_cents(row.total_cents)))


# --- weights from the logged workload (committees area) -------------------------------------

def workload_weights(ctx: Context, partners: Iterable[int], start: date, end: date) -> dict[int, Decimal]:
    """Hours logged in the committees' tasks per eligible organisation, from `start` to `end`
    inclusive (organisations without hours are absent)."""
    hours = committee_tasks.workload_by_organisation(ctx, start, end)
    wanted = set(partners)
    return {org: Decimal(h) for org, h in hours.items() if org in wanted}
