"""Fee splits: who is eligible, the preview, the proposal (a "fee_split" decision), and the
shares recorded for good when that decision is adopted.

Money is whole cents; the split itself is `api.feesplit.allocation.allocate` (largest
remainder on exact fractions, ties broken by the rounding each partner received in earlier
adopted splits), so the preview and the recording compute the very same shares.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from api.access import Viewer
from api.collective.models import Body, Organisation, Seat, SeatRole
from api.errors import AppError, Invalid, NotFound
from api.feesplit.allocation import Allocation, AllocationError, allocate
from api.feesplit.models import FeeShare, FeeSplit, FeeSplitWeight
from api.feesplit.schemas import FeeSplitIn, InputError, parse_amount, parse_weight
from api.i18n import t
from api.money import format_money, from_cents, to_cents
from api.register import service as register
from api.rules.schema import GovernanceRules
from api.timeutil import local, now

KIND = "fee_split"
OBJECT_TYPE = "fee_split"


# --- who may receive a share ----------------------------------------------------------------

def eligible_partners(session: Session, rules: GovernanceRules, today: date) -> list[Organisation]:
    """Organisations of the kinds the rules list, holding a current non-observer seat on the
    eligible body (by default: the community partners of the executive committee)."""
    rule = rules.fee_split.eligible
    stmt = (
        select(Organisation).join(Seat, Seat.organisation_id == Organisation.id)
        .join(Body, Body.id == Seat.body_id)
        .where(Body.key == rule.body, Seat.role != SeatRole.staff_observer,
               Seat.starts_on <= today, or_(Seat.ends_on.is_(None), Seat.ends_on >= today),
               Organisation.kind.in_([str(k) for k in rule.organisation_kinds]))
        .distinct().order_by(Organisation.name)
    )
    return list(session.execute(stmt).scalars())


def prior_rounding(session: Session, organisation_ids: Iterable[int],
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
    return {org: int(total) for org, total in session.execute(stmt).all()}


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


def check(session: Session, rules: GovernanceRules, data: FeeSplitIn, today: date,
          lang: str) -> Checked:
    """Every field read and checked; raises SplitInvalid naming each wrong field."""
    errors: dict[str, str] = {}
    amount_cents = 0
    try:
        amount_cents = parse_amount(data.amount)
    except InputError as exc:
        errors["amount"] = t(exc.key, lang, **exc.params)
    partners = {o.id: o for o in eligible_partners(session, rules, today)}
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
                   year=data.year or _year_of(data.period, today.year), weights=weights,
                   partners=partners, text=data.text)


def _allocation_error(exc: AllocationError, partners: dict[int, Organisation], lang: str,
                      rules: GovernanceRules) -> SplitInvalid:
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
                    percent=f"{percent.normalize():f}".replace(".", "," if lang == "fr" else "."))
    elif f"feesplit.error.{exc.code}" in _catalog():
        message = t(f"feesplit.error.{exc.code}", lang)
    else:
        message = t("feesplit.error.split_invalid", lang, code=exc.code)
    return SplitInvalid({field_name: message})


def _catalog() -> dict:
    from api.i18n import catalog

    return catalog()


def compute(session: Session, rules: GovernanceRules, amount_cents: int,
            weights: dict[int, Decimal], names: dict[int, str], lang: str,
            exclude_split_id: int | None = None) -> Allocation:
    """The allocation the rules give, with the rounding history of the adopted splits."""
    fs = rules.fee_split
    try:
        return allocate(
            amount_cents, weights,
            prior_rounding=prior_rounding(session, weights, exclude_split_id),
            min_share_cents=to_cents(fs.min_share),
            max_share_fraction=Decimal(str(fs.max_share_fraction)),
            tie_break=fs.tie_break,
            order_key=lambda org_id: names[org_id],
        )
    except AllocationError as exc:
        raise _allocation_error(exc, {}, lang, rules) from exc


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


def _weight_text(weight: Decimal) -> str:
    """12.5000 -> '12.5', 100.0000 -> '100' (never '1E+2')."""
    text = f"{Decimal(weight).normalize():f}"
    return text


def weight_text(weight: Decimal, lang: str) -> str:
    text = _weight_text(weight)
    return text.replace(".", ",") if lang == "fr" else text


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


def preview(session: Session, rules: GovernanceRules, data: FeeSplitIn, today: date,
            lang: str) -> Preview:
    """The shares to the cent and the explanation of the rounding; nothing is saved."""
    checked = check(session, rules, data, today, lang)
    names = {k: o.name for k, o in checked.partners.items()}
    allocation = compute(session, rules, checked.amount_cents, checked.weights, names, lang)
    return Preview(checked=checked, allocation=allocation, explanation=allocation.explain(lang),
                   weight_unit=rules.fee_split.weight_unit,
                   rows=share_rows(allocation, checked.weights, names, lang))


def preview_out(p: Preview, lang: str) -> dict:
    c = p.checked
    return {
        "amount_cents": c.amount_cents, "amount": str(from_cents(c.amount_cents)),
        "period": c.period, "grant_id": c.grant_id, "year": c.year,
        "weight_unit": p.weight_unit,
        "shares": [{k: v for k, v in r.items()
                    if k not in ("display", "exact_display", "weight_display")}
                   for r in p.rows],
        "total_cents": sum(p.allocation.shares.values()),
        "explanation": p.explanation,
    }


# --- proposing: the decision and the split, in one transaction ------------------------------

def _decisions():
    try:
        from api.decisions import service as decisions
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("api.decisions"):
            return None
        raise
    return decisions


def create_fee_split(session: Session, rules: GovernanceRules, rules_version_id: int | None,
                     data: FeeSplitIn, viewer: Viewer, today: date, lang: str) -> FeeSplit:
    """Create the draft "fee_split" decision and its split (weights) in one transaction."""
    require_access(session, viewer, rules)
    p = preview(session, rules, data, today, lang)  # the very checks of the preview
    c = p.checked
    decisions = _decisions()
    if decisions is None:
        raise AppError("feesplit.error.decisions_unavailable")
    collective_lang = "en" if rules.collective.locale.startswith("en") else "fr"
    title, text = decision_title(c, rules, collective_lang)
    if c.text:
        text = f"{c.text}\n\n{text}"
    decision = create_decision(session, decisions, rules, title, text, viewer)
    split = FeeSplit(
        decision_id=decision.id, amount_cents=c.amount_cents, grant_id=c.grant_id,
        period=c.period, year=c.year, weight_unit=rules.fee_split.weight_unit,
        confidential_category=decision.confidential_category, body_id=decision.body_id,
        created_by=viewer.id, created_at=now(),
    )
    split.weights = [FeeSplitWeight(organisation_id=org_id, weight=w)
                     for org_id, w in sorted(c.weights.items())]
    session.add(split)
    session.flush()
    register.record(
        session, action="feesplit.proposed", object_type=OBJECT_TYPE, object_id=split.id,
        actor_id=viewer.id,
        after={"decision_id": decision.id, "amount_cents": c.amount_cents, "period": c.period,
               "grant_id": c.grant_id, "year": c.year, "weight_unit": split.weight_unit,
               "weights": {str(k): _weight_text(w) for k, w in sorted(c.weights.items())}},
        confidential_category=split.confidential_category, body_id=split.body_id,
        rules_version_id=rules_version_id,
    )
    session.commit()
    return split


def decision_title(c: Checked, rules: GovernanceRules, lang: str) -> tuple[str, str]:
    amount = format_money(c.amount_cents, lang)
    title = t("feesplit.decision_title", lang, amount=amount, period=c.period)
    names = {k: o.name for k, o in c.partners.items()}
    weights = "; ".join(f"{names[k]} : {_weight_text(w)}" if lang == "fr"
                        else f"{names[k]}: {_weight_text(w)}"
                        for k, w in sorted(c.weights.items(), key=lambda kv: names[kv[0]]))
    text = t("feesplit.decision_text", lang, amount=amount, period=c.period,
             unit=t(f"feesplit.unit.{rules.fee_split.weight_unit}", lang), weights=weights)
    return title[:200], text


def create_decision(session: Session, decisions, rules: GovernanceRules, title: str, text: str,
                    viewer: Viewer):
    """The draft decision, through the decisions service, without committing yet.

    `decisions.create` commits its own unit of work; here the decision, the split and its
    weights must commit together (or not at all), so its commit is turned into a flush for
    the duration of the call, and the caller commits everything once.
    """
    from api.decisions.schemas import DecisionIn

    session.commit = session.flush  # type: ignore[method-assign]
    try:
        return decisions.create(session, DecisionIn(kind=KIND, title=title, text=text),
                                viewer, rules)
    finally:
        del session.commit


def require_access(session: Session, viewer: Viewer, rules: GovernanceRules) -> None:
    """Fee splits are in camera (the kind's category): whoever may not see them gets a 404."""
    kind = rules.decision_kinds.get(KIND)
    if kind is None:
        raise NotFound("feesplit.error.not_found")
    body_rules = rules.body(kind.body)
    category = kind.confidential_category or (body_rules.confidential_category if body_rules else None)
    body_id = session.execute(select(Body.id).where(Body.key == kind.body)).scalar_one_or_none()
    if category is not None and not viewer.can_see(category, body_id):
        raise NotFound("feesplit.error.not_found")
    if viewer.is_staff:
        raise NotFound("feesplit.error.not_found")


# --- adoption: the shares, recorded for good ------------------------------------------------

def adopted_states(rules: GovernanceRules, workflow: str) -> set[str]:
    wf = rules.workflows.get(workflow) or rules.workflows.get("decision")
    return {tr.dest for tr in wf.transitions if tr.trigger == "adopt"} if wf else set()


def _rules_for(session: Session, decision) -> GovernanceRules | None:
    from api.rules.service import rules_of_version

    if getattr(decision, "rules_version_id", None):
        return rules_of_version(session, decision.rules_version_id)
    return None


def on_decision_transition(session: Session, decision, trigger: str, source: str, dest: str,
                           actor: Any, params: dict) -> None:
    """After-hook of the decision workflow for fee-split decisions.

    - Leaving the initial state (the vote opens): the split is checked again under the rules
      the decision is now judged by (eligibility, minimum and maximum shares), so that a vote
      never opens on a split that could not be recorded; a problem refuses the opening.
    - Reaching the state the rules' "adopt" trigger leads to: the shares are recorded.
    """
    if getattr(decision, "kind", None) != KIND:
        return
    rules = _rules_for(session, decision)
    if rules is None:  # never opened, so never adopted
        return
    workflow = getattr(decision, "workflow", None) or rules.decision_kind(KIND).workflow
    wf = rules.workflows.get(workflow)
    if wf is not None and source == wf.initial and dest != source and dest not in wf.final:
        _check_on_opening(session, rules, decision)
        return
    if dest not in adopted_states(rules, workflow):
        return
    split = session.execute(
        select(FeeSplit).where(FeeSplit.decision_id == decision.id)
        .options(selectinload(FeeSplit.weights).selectinload(FeeSplitWeight.organisation))
        .with_for_update()
    ).scalar_one_or_none()
    if split is None or split.recorded_at is not None:
        return
    record_shares(session, rules, split, actor)


def _check_on_opening(session: Session, rules: GovernanceRules, decision) -> None:
    split = session.execute(
        select(FeeSplit).where(FeeSplit.decision_id == decision.id)
        .options(selectinload(FeeSplit.weights).selectinload(FeeSplitWeight.organisation))
    ).scalar_one_or_none()
    if split is None:
        return
    lang = "en" if rules.collective.locale.startswith("en") else "fr"
    eligible = {o.id for o in eligible_partners(session, rules, today_for(rules))}
    errors = {f"weights.{w.organisation_id}": t("feesplit.error.not_eligible", lang,
                                                 kinds=_kinds_text(rules, lang),
                                                 body=_body_name(rules, lang))
              for w in split.weights if w.weight > 0 and w.organisation_id not in eligible}
    if errors:
        raise SplitInvalid(errors)
    weights = {w.organisation_id: Decimal(w.weight) for w in split.weights}
    names = {w.organisation_id: w.organisation.name for w in split.weights}
    compute(session, rules, split.amount_cents, weights, names, lang, exclude_split_id=split.id)


def record_shares(session: Session, rules: GovernanceRules, split: FeeSplit, actor: Any) -> None:
    weights = {w.organisation_id: Decimal(w.weight) for w in split.weights}
    names = {w.organisation_id: w.organisation.name for w in split.weights}
    collective_lang = "en" if rules.collective.locale.startswith("en") else "fr"
    allocation = compute(session, rules, split.amount_cents, weights, names, collective_lang,
                         exclude_split_id=split.id)
    if sum(allocation.shares.values()) != split.amount_cents:  # pragma: no cover - allocate's promise
        raise AssertionError("shares do not add up to the amount")
    for org_id in sorted(weights, key=lambda k: names[k]):
        session.add(FeeShare(
            split_id=split.id, organisation_id=org_id, amount_cents=allocation.shares[org_id],
            exact_cents=_fraction_text(allocation.exact[org_id]),
            rounding_delta=_fraction_text(allocation.rounding_delta[org_id]),
            rounding_cents=allocation.rounding[org_id]))
    split.recorded_at = now()
    session.flush()
    register.record(
        session, action="feesplit.recorded", object_type=OBJECT_TYPE, object_id=split.id,
        actor_id=getattr(actor, "id", None),
        after={"decision_id": split.decision_id, "amount_cents": split.amount_cents,
               "period": split.period, "grant_id": split.grant_id, "year": split.year,
               "shares": [{"organisation_id": k, "organisation": names[k],
                           "amount_cents": allocation.shares[k],
                           "rounding_cents": allocation.rounding[k]}
                          for k in sorted(weights, key=lambda k: names[k])],
               "explanation": {"fr": allocation.explain("fr"), "en": allocation.explain("en")}},
        confidential_category=split.confidential_category, body_id=split.body_id,
    )


def beneficiaries(session: Session, decision) -> set[int]:
    """Organisations that receive a share of this fee-split decision (their seats recuse)."""
    rows = session.execute(
        select(FeeSplitWeight.organisation_id).join(FeeSplit, FeeSplit.id == FeeSplitWeight.split_id)
        .where(FeeSplit.decision_id == decision.id, FeeSplitWeight.weight > 0)
    ).scalars()
    return set(rows)


_INSTALLED = {"hook": False, "beneficiaries": False}


def install() -> None:
    """Plug into the decisions area (idempotent): recusal of beneficiaries, and recording."""
    decisions = _decisions()
    if decisions is None:
        return
    registry = getattr(decisions, "BENEFICIARIES", None)
    if registry is not None:
        registry[KIND] = beneficiaries
        _INSTALLED["beneficiaries"] = True
    from workflows import engine

    try:
        binding = engine.binding_for("decision")
    except KeyError:
        return
    if on_decision_transition not in binding.after:
        engine.on_transition("decision", on_decision_transition)
    _INSTALLED["hook"] = True


# --- reading: lists, detail, totals ---------------------------------------------------------

def visible_splits(viewer: Viewer) -> Select:
    return (select(FeeSplit)
            .where(viewer.visible(FeeSplit.confidential_category, FeeSplit.body_id))
            .order_by(FeeSplit.created_at.desc(), FeeSplit.id.desc()))


def get_split(session: Session, viewer: Viewer, split_id: int) -> FeeSplit:
    split = session.execute(
        select(FeeSplit).where(FeeSplit.id == split_id)
        .options(selectinload(FeeSplit.weights).selectinload(FeeSplitWeight.organisation),
                 selectinload(FeeSplit.shares).selectinload(FeeShare.organisation))
    ).scalar_one_or_none()
    if split is None or not viewer.can_see(split.confidential_category, split.body_id):
        raise NotFound("feesplit.error.not_found")
    return split


def decision_of(session: Session, split: FeeSplit):
    try:
        from api.decisions.models import Decision
    except ModuleNotFoundError:  # pragma: no cover
        return None
    return session.get(Decision, split.decision_id)


def split_out(session: Session, split: FeeSplit) -> dict:
    decision = decision_of(session, split)
    names = {w.organisation_id: w.organisation.name for w in split.weights}
    return {
        "id": split.id, "decision_id": split.decision_id,
        "decision_state": getattr(decision, "state", None),
        "title": getattr(decision, "title", None),
        "amount_cents": split.amount_cents, "amount": str(from_cents(split.amount_cents)),
        "period": split.period, "grant_id": split.grant_id, "year": split.year,
        "weight_unit": split.weight_unit, "created_by": split.created_by,
        "created_at": split.created_at, "recorded_at": split.recorded_at,
        "weights": [{"organisation_id": w.organisation_id, "organisation": names[w.organisation_id],
                     "weight": _weight_text(Decimal(w.weight))} for w in split.weights],
        "shares": [{"organisation_id": s.organisation_id, "organisation": s.organisation.name,
                    "weight": _weight_text(Decimal(next(w.weight for w in split.weights
                                                        if w.organisation_id == s.organisation_id))),
                    "amount_cents": s.amount_cents, "amount": str(from_cents(s.amount_cents)),
                    "exact_cents": s.exact_cents, "rounding_cents": s.rounding_cents}
                   for s in split.shares],
    }


@dataclass
class TotalRow:
    dimension: str  # "year" | "grant"
    key: int | None  # the year, or the grant id (None: no grant)
    organisation_id: int
    organisation: str
    total_cents: int


def totals(session: Session, viewer: Viewer, by: str) -> list[TotalRow]:
    """Adopted shares summed per partner, per year or per grant; only splits the viewer sees."""
    if by not in ("year", "grant"):
        raise Invalid("feesplit.error.by", field="by")
    group = FeeSplit.year if by == "year" else FeeSplit.grant_id
    stmt = (
        select(group, Organisation.id, Organisation.name, func.sum(FeeShare.amount_cents))
        .join(FeeShare, FeeShare.split_id == FeeSplit.id)
        .join(Organisation, Organisation.id == FeeShare.organisation_id)
        .where(FeeSplit.recorded_at.is_not(None),
               viewer.visible(FeeSplit.confidential_category, FeeSplit.body_id))
        .group_by(group, Organisation.id, Organisation.name)
    )
    rows = [TotalRow(by, key, org_id, name, int(total))
            for key, org_id, name, total in session.execute(stmt).all()]
    rows.sort(key=lambda r: (-(r.key or 0) if by == "year" else (r.key is None, r.key or 0),
                             r.organisation))
    return rows


def grouped(rows: list[TotalRow]) -> list[tuple[int | None, list[TotalRow], int]]:
    """Rows (already in display order) grouped by year or grant: (key, rows, total)."""
    groups: list[tuple[int | None, list[TotalRow], int]] = []
    for row in rows:
        if groups and groups[-1][0] == row.key:
            groups[-1][1].append(row)
        else:
            groups.append((row.key, [row], 0))
    return [(key, members, sum(r.total_cents for r in members)) for key, members, _ in groups]


def total_row_out(row: TotalRow) -> dict:
    return {"dimension": row.dimension, "key": row.key, "organisation_id": row.organisation_id,
            "organisation": row.organisation, "total_cents": row.total_cents,
            "total": str(from_cents(row.total_cents))}


def today_for(rules: GovernanceRules, at: datetime | None = None) -> date:
    return local(at or now(), rules.collective.timezone).date()


# --- weights from the logged workload (committees area, when present) -----------------------

def workload_available() -> bool:
    try:
        from api.committees.service import workload_by_organisation  # noqa: F401
    except (ModuleNotFoundError, ImportError):
        return False
    return True


def workload_weights(session: Session, partners: Iterable[int], start: date,
                     end: date) -> dict[int, Decimal] | None:
    """Hours logged per eligible organisation, or None when the committees area cannot say."""
    try:
        from api.committees.service import workload_by_organisation
    except (ModuleNotFoundError, ImportError):
        return None
    hours = workload_by_organisation(session, start, end)
    wanted = set(partners)
    return {org: Decimal(h) for org, h in hours.items() if org in wanted}


install()
