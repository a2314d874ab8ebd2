"""The shape of governance_rules.yaml, validated with pydantic.

Cross-references (a workflow's states, a body's parent, a decision kind's workflow) are
checked in `cross_check`, which returns each problem with the path of the offending key so
that the loader can point at its line.
"""

import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

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


class CollectiveRules(Strict):
    name: str = Field(min_length=1, max_length=200)
    locale: Literal["fr-CA", "en-CA"] = "fr-CA"
    timezone: str = "America/Toronto"
    currency: Literal["CAD"] = "CAD"
    sending_hours: SendingHours | None = None

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


class BodyRules(Strict):
    key: Key
    kind: Literal["partners_committee", "executive_committee", "sub_committee"]
    name: Text2
    mandate: Text2 | None = None
    parent: Key | None = None
    seats: SeatLimits | None = None
    confidential_category: Key | None = None


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
    if rules.fee_split.eligible.body not in body_keys:
        errors.append((("fee_split", "eligible", "body"),
                       f"unknown body {rules.fee_split.eligible.body!r}"))
    cat = rules.grants.confidential_category
    if cat is not None and cat not in rules.confidential_categories:
        errors.append((("grants", "confidential_category"), f"unknown confidential category {cat!r}"))
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
