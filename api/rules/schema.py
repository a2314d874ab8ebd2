"""The shape of governance_rules.yaml, validated with pydantic.

Cross-references (a workflow's states, a body's parent, a decision kind's workflow) are
checked in `cross_check`, which returns each problem with the path of the offending key so
that the loader can point at its line.
"""

import calendar
import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from workflows.spec import TransitionRules, WorkflowRules  # noqa: F401 - part of the rules' shape

Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
OFFSET_RE = re.compile(r"^(-?)(\d+)([dhm])$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Text2(Strict):
    """A string in both languages of the product."""

    fr: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.fr


class SendingHours(Strict):
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field(pattern=r"^([01]\d|2[0-4]):[0-5]\d$")


MONTH_DAY = r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"


def real_month_day(value: str) -> str:
    """"MM-DD" naming a day every year has (February 29 and April 31 are refused)."""
    month, day = (int(part) for part in value.split("-"))
    if day > calendar.monthrange(2027, month)[1]:  # 2027: not a leap year
        raise ValueError(f"{value!r} is not a day of every year (MM-DD)")
    return value


class CollectiveRules(Strict):
    name: str = Field(min_length=1, max_length=200)
    locale: Literal["fr-CA", "en-CA"] = "fr-CA"
    timezone: str = "America/Toronto"
    currency: Literal["CAD"] = "CAD"
    sending_hours: SendingHours | None = None
    # First day of the fiscal year ("MM-DD"): April 1 for most Québec community organisations.
    fiscal_year_start: str = Field(default="04-01", pattern=MONTH_DAY)

    @field_validator("fiscal_year_start")
    @classmethod
    def _fiscal_day(cls, value: str) -> str:
        return real_month_day(value)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class RoleRules(Strict):
    voting: bool
    name: Text2


class SeatLimits(Strict):
    min: int = Field(ge=0)
    max: int = Field(ge=1)


class ProxyRules(Strict):
    max_per_person: int = Field(default=1, ge=1, le=20)  # proxies one person may hold at once


class BodyRules(Strict):
    key: Key
    kind: Literal["partners_committee", "executive_committee", "sub_committee"]
    name: Text2
    mandate: Text2 | None = None
    parent: Key | None = None
    seats: SeatLimits | None = None
    confidential_category: Key | None = None
    # An organisation's seat may have an alternate ("substitut") of the same organisation.
    alternates: bool = False
    # Written proxies for one decision or one meeting, to another seat holder of the body.
    proxies: ProxyRules | None = None


class Quorum(Strict):
    fraction: float | None = Field(default=None, gt=0, le=1)
    count: int | None = Field(default=None, ge=1)

    @field_validator("count")
    @classmethod
    def _one_of(cls, value, info):
        if value is not None and info.data.get("fraction") is not None:
            raise ValueError("give either fraction or count, not both")
        return value


Majority = Literal["simple", "absolute", "two_thirds", "three_quarters", "unanimity"]


class Ratification(Strict):
    body: Key
    kind: Key


class RemindUndecided(Strict):
    allowed: list[Key] = ["chair", "secretary", "admin"]
    min_interval_hours: int = Field(default=12, ge=1, le=24 * 30)


class DecisionKindRules(Strict):
    name: Text2
    body: Key = "executive_committee"
    confidential_category: Key | None = None
    quorum: Quorum
    majority: Majority
    abstentions: Literal["excluded", "counted"] = "excluded"
    vote_window_hours: int = Field(default=72, ge=1, le=24 * 90)
    results_hidden_until_close: bool = True
    vote_change_allowed: bool = True
    recuse_beneficiaries: bool = False
    workflow: Key = "decision"
    # Close before the closing time once every eligible seat has voted (the invitation says so).
    close_when_all_voted: bool = True
    # Who voted what is never shown (the tally only), nor written to the register.
    secret_ballot: bool = False
    # Adoption opens this body's vote on the same text (kind: the second vote's decision kind);
    # the decision is final only once both adopted.
    ratification: Ratification | None = None
    # "Remind those who have not voted": who may, and how often.
    remind_undecided: RemindUndecided = RemindUndecided()


class Eligibility(Strict):
    body: Key = "executive_committee"
    organisation_kinds: list[Literal["community", "public_institution", "neutral"]] = ["community"]


class FeeSplitRules(Strict):
    weight_unit: Literal["hours", "points", "percent"] = "hours"
    eligible: Eligibility = Eligibility()
    min_share: Decimal = Decimal("0")
    max_share_fraction: float = Field(default=1.0, gt=0, le=1)
    rounding: Literal["largest_remainder"] = "largest_remainder"
    tie_break: Literal["cumulative_rounding", "alphabetical"] = "cumulative_rounding"


class GrantRules(Strict):
    submission_decision_threshold: Decimal = Decimal("0")
    confidential_category: Key | None = None


def parse_offset_seconds(offset: str) -> int:
    """'30d' -> seconds before the deadline; '-7d' is 7 days after (negative)."""
    match = OFFSET_RE.match(offset)
    if not match:
        raise ValueError(f"offset {offset!r} is not like 30d, 48h, 15m or -7d")
    sign, number, unit = match.groups()
    seconds = int(number) * {"d": 86400, "h": 3600, "m": 60}[unit]
    return -seconds if sign else seconds


class ReminderKind(Strict):
    offsets: list[str] = Field(min_length=1)
    audience: Key

    @field_validator("offsets")
    @classmethod
    def _offsets(cls, values: list[str]) -> list[str]:
        for value in values:
            parse_offset_seconds(value)
        if len(set(values)) != len(values):
            raise ValueError("an offset is listed twice")
        return values

    def offset_seconds(self) -> list[int]:
        return [parse_offset_seconds(v) for v in self.offsets]


class DeliveryRules(Strict):
    max_attempts: int = Field(default=8, ge=1, le=50)
    backoff_seconds: int = Field(default=60, ge=1)


class ReminderRules(Strict):
    kinds: dict[Key, ReminderKind]
    delivery: DeliveryRules = DeliveryRules()
    digest_default_hour: int = Field(default=7, ge=0, le=23)


class CategoryItem(Strict):
    """One value of a logbook category; `retired` ones are no longer offered but old entries
    keep their label and their counts."""

    name: Text2
    group: Key | None = None  # a key of the category's `groups`
    retired: bool = False


class Category(Strict):
    groups: dict[Key, Text2] = {}
    items: dict[Key, CategoryItem] = {}

    def label(self, key: str, lang: str) -> str:
        item = self.items.get(key)
        return item.name.get(lang) if item is not None else key

    def active(self) -> dict[str, CategoryItem]:
        return {k: v for k, v in self.items.items() if not v.retired}


LOGBOOK_CATEGORIES = ("sites", "modes", "ages", "issues", "resources")


class LogbookRules(Strict):
    """The intervention logbook: who logs and who sees, and its categories."""

    team_body: Key = "executive_committee"  # its staff observers are the team: they log
    loggers: list[Key] = []  # bodies whose members may log too
    visible_to: list[Key] = []  # bodies whose members see the entries and statistics
    correction_days: int = Field(default=30, ge=0, le=366)
    small_cell_under: int = Field(default=5, ge=1, le=100)
    # The collective's fiscal year start unless given here (see GovernanceRules).
    fiscal_year_start: str = Field(default="04-01", pattern=MONTH_DAY)
    sites: Category = Category()
    modes: Category = Category()
    ages: Category = Category()
    issues: Category = Category()
    resources: Category = Category()

    def category(self, name: str) -> Category:
        return getattr(self, name)

    @field_validator("fiscal_year_start")
    @classmethod
    def _fiscal_day(cls, value: str) -> str:
        return real_month_day(value)


class ReportSection(Strict):
    key: Key
    title: Text2
    hint: Text2 | None = None


class ReportIndicator(Strict):
    key: Key
    label: Text2
    expr: str = Field(min_length=1, max_length=2000)  # see api/logbook/expressions.py


class ReportTemplate(Strict):
    """A funder's report: the sections to write and the indicators computed from the logbook."""

    name: Text2
    language: Literal["fr", "en"] = "fr"
    sections: list[ReportSection] = Field(min_length=1)
    indicators: list[ReportIndicator] = []


class GovernanceRules(Strict):
    collective: CollectiveRules
    roles: dict[Key, RoleRules]
    bodies: list[BodyRules] = Field(min_length=1)
    confidential_categories: dict[Key, Text2] = {}
    decision_kinds: dict[Key, DecisionKindRules] = Field(min_length=1)
    fee_split: FeeSplitRules = FeeSplitRules()
    grants: GrantRules = GrantRules()
    reminders: ReminderRules
    workflows: dict[Key, WorkflowRules]
    logbook: LogbookRules = LogbookRules()
    report_templates: dict[Key, ReportTemplate] = {}

    @model_validator(mode="after")
    def _one_fiscal_year(self) -> "GovernanceRules":
        """The logbook counts by the collective's fiscal year unless it names its own."""
        if "fiscal_year_start" not in self.logbook.model_fields_set:
            self.logbook.fiscal_year_start = self.collective.fiscal_year_start
        return self

    def body(self, key: str) -> BodyRules | None:
        return next((b for b in self.bodies if b.key == key), None)

    def decision_kind(self, key: str) -> DecisionKindRules:
        return self.decision_kinds[key]


ALLOWED_ACTORS = {"admin", "chair", "secretary", "treasurer", "member", "voter", "owner",
                  "lead", "system"}
REQUIRED_WORKFLOWS = ("decision", "grant_application", "report", "task", "meeting")
REQUIRED_ROLES = ("chair", "member", "secretary", "treasurer", "staff_observer")


def cross_check(rules: GovernanceRules, known_guards: set[str] | None) -> list[tuple[tuple, str]]:
    """Problems that span several keys, each as (path, message)."""
    errors: list[tuple[tuple, str]] = []
    body_keys = [b.key for b in rules.bodies]
    for i, body in enumerate(rules.bodies):
        if body_keys.count(body.key) > 1:
            errors.append((("bodies", i, "key"), f"body {body.key!r} is defined twice"))
        if body.parent is not None and body.parent not in body_keys:
            errors.append((("bodies", i, "parent"), f"unknown body {body.parent!r}"))
        if body.seats and body.seats.min > body.seats.max:
            errors.append((("bodies", i, "seats"), "min is larger than max"))
        cat = body.confidential_category
        if cat is not None and cat not in rules.confidential_categories:
            errors.append((("bodies", i, "confidential_category"),
                           f"unknown confidential category {cat!r}"))
    for role in REQUIRED_ROLES:
        if role not in rules.roles:
            errors.append((("roles",), f"role {role!r} is missing"))
    for name in REQUIRED_WORKFLOWS:
        if name not in rules.workflows:
            errors.append((("workflows",), f"workflow {name!r} is missing"))
    for key, kind in rules.decision_kinds.items():
        if kind.body not in body_keys:
            errors.append((("decision_kinds", key, "body"), f"unknown body {kind.body!r}"))
        if kind.workflow not in rules.workflows:
            errors.append((("decision_kinds", key, "workflow"),
                           f"unknown workflow {kind.workflow!r}"))
        cat = kind.confidential_category
        if cat is not None and cat not in rules.confidential_categories:
            errors.append((("decision_kinds", key, "confidential_category"),
                           f"unknown confidential category {cat!r}"))
        errors += _check_decision_kind(rules, key, kind, body_keys)
    if rules.fee_split.eligible.body not in body_keys:
        errors.append((("fee_split", "eligible", "body"),
                       f"unknown body {rules.fee_split.eligible.body!r}"))
    cat = rules.grants.confidential_category
    if cat is not None and cat not in rules.confidential_categories:
        errors.append((("grants", "confidential_category"), f"unknown confidential category {cat!r}"))
    errors += _check_logbook(rules, body_keys)
    for name, wf in rules.workflows.items():
        states = set(wf.states)
        if len(states) != len(wf.states):
            errors.append((("workflows", name, "states"), "a state is listed twice"))
        if wf.initial not in states:
            errors.append((("workflows", name, "initial"), f"unknown state {wf.initial!r}"))
        for state in wf.final:
            if state not in states:
                errors.append((("workflows", name, "final"), f"unknown state {state!r}"))
        for i, tr in enumerate(wf.transitions):
            where = ("workflows", name, "transitions", i)
            for src in tr.sources:
                if src not in states:
                    errors.append((where + ("source",), f"unknown state {src!r}"))
            if tr.dest not in states:
                errors.append((where + ("dest",), f"unknown state {tr.dest!r}"))
            for actor in tr.allowed:
                if actor not in ALLOWED_ACTORS:
                    errors.append((where + ("allowed",),
                                   f"unknown actor {actor!r} (one of {sorted(ALLOWED_ACTORS)})"))
            if known_guards is not None:
                for cond in tr.conditions:
                    if cond not in known_guards:
                        errors.append((where + ("conditions",), f"unknown guard {cond!r}"))
    return errors


def _check_logbook(rules: GovernanceRules, body_keys: list[str]) -> list[tuple[tuple, str]]:
    """The logbook's bodies and groups exist; report templates' keys are unique and their
    indicator expressions parse and name known categories."""
    from api.logbook.expressions import check

    errors: list[tuple[tuple, str]] = []
    book = rules.logbook
    if book.team_body not in body_keys:
        errors.append((("logbook", "team_body"), f"unknown body {book.team_body!r}"))
    for field_name in ("loggers", "visible_to"):
        for i, key in enumerate(getattr(book, field_name)):
            if key not in body_keys:
                errors.append((("logbook", field_name, i), f"unknown body {key!r}"))
    known: dict[str, tuple[set[str], set[str]]] = {}
    for name in LOGBOOK_CATEGORIES:
        category = book.category(name)
        for key, item in category.items.items():
            if item.group is not None and item.group not in category.groups:
                errors.append((("logbook", name, "items", key, "group"), f"unknown group {item.group!r}"))
        known[name.rstrip("s")] = (set(category.items), set(category.groups))
    for key, template in rules.report_templates.items():
        where = ("report_templates", key)
        seen: set[str] = set()
        for i, section in enumerate(template.sections):
            if section.key in seen:
                errors.append((where + ("sections", i, "key"), f"section {section.key!r} is listed twice"))
            seen.add(section.key)
        seen = set()
        for i, indicator in enumerate(template.indicators):
            if indicator.key in seen:
                errors.append((where + ("indicators", i, "key"), f"indicator {indicator.key!r} is listed twice"))
            seen.add(indicator.key)
            for problem in check(indicator.expr, known):
                errors.append((where + ("indicators", i, "expr"), problem))
    return errors


def _check_decision_kind(rules: GovernanceRules, key: str, kind: DecisionKindRules,
                         body_keys: list[str]) -> list[tuple[tuple, str]]:
    """A ratification names a known body and a kind that is not itself ratified; the people
    allowed to remind undecided voters are known actors."""
    errors: list[tuple[tuple, str]] = []
    where = ("decision_kinds", key)
    for i, actor in enumerate(kind.remind_undecided.allowed):
        if actor not in ALLOWED_ACTORS:
            errors.append((where + ("remind_undecided", "allowed", i), f"unknown actor {actor!r}"))
    ratification = kind.ratification
    if ratification is None:
        return errors
    if ratification.body not in body_keys:
        errors.append((where + ("ratification", "body"), f"unknown body {ratification.body!r}"))
    second = rules.decision_kinds.get(ratification.kind)
    if second is None:
        errors.append((where + ("ratification", "kind"), f"unknown decision kind {ratification.kind!r}"))
    elif second.ratification is not None:
        errors.append((where + ("ratification", "kind"), f"{ratification.kind!r} is itself ratified"))
    workflow = rules.workflows.get(kind.workflow)
    if workflow is not None and not {"ratify", "refuse_ratification"} <= {t.trigger for t in workflow.transitions}:
        errors.append((where + ("workflow",), f"workflow {kind.workflow!r} has no ratify / refuse_ratification"))
    return errors
