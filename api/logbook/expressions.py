"""Indicator expressions over the logbook, as written in governance_rules.yaml.

A funder's report template names its indicators with small expressions, e.g.

    sum(people)                                       contacts (people reached)
    sum(followups)                                    people for whom a follow-up began
    count(entries where mode = crisis)                crisis interventions
    percent(count(entries where site.group = omh), count(entries))
    percent(count(referrals where resource = cisss and issue = mental_health),
            count(referrals where resource = cisss))

Grammar (keywords in lower case, keys are the rules' category keys):

    indicator := measure | "percent" "(" measure "," measure ")"
    measure   := "count" "(" ("entries" | "referrals") [where] ")"
               | "sum" "(" ("people" | "followups" | "hours") [where] ")"
    where     := "where" cond
    cond      := conj ("or" conj)*
    conj      := atom ("and" atom)*
    atom      := "not" atom | "(" cond ")" | field "=" key | field "!=" key
               | field "in" "(" key ("," key)* ")"
    field     := category ["." "group"]      category: site, mode, age, issue, resource

What a field means depends on what is counted: for `entries` (and `followups`, `hours`),
`age`, `issue` and `resource` mean "the entry reaches this age category / mentions this issue
/ made a referral to this kind of resource"; for `people`, `age` is the age category of the
people counted; for `referrals`, `resource` and `issue` are the referral's own.

This module is pure (no database, no application import): the rules loader uses it to check
the file (`check`), the logbook's statistics compile the parsed tree to SQL.
"""

import re
from dataclasses import dataclass

CATEGORIES = ("site", "mode", "age", "issue", "resource")

# source -> aggregate function, and the fields it can be filtered by
SOURCES = {
    "entries": ("count", {"site", "mode", "age", "issue", "resource"}),
    "referrals": ("count", {"site", "mode", "issue", "resource"}),
    "people": ("sum", {"site", "mode", "age", "issue"}),
    "followups": ("sum", {"site", "mode", "age", "issue", "resource"}),
    "hours": ("sum", {"site", "mode", "age", "issue", "resource"}),
}

_TOKEN = re.compile(r"\s*(?:(?P<name>[a-z][a-z0-9_]*)|(?P<op>!=|[=(),.]))")


class ExpressionError(ValueError):
    pass


@dataclass(frozen=True)
class Test:
    """`field[.group] (=|!=|in) keys`."""

    category: str
    group: bool
    keys: tuple[str, ...]
    negate: bool = False


@dataclass(frozen=True)
class Not:
    inner: "Cond"


@dataclass(frozen=True)
class And:
    parts: tuple["Cond", ...]


@dataclass(frozen=True)
class Or:
    parts: tuple["Cond", ...]


Cond = Test | Not | And | Or


@dataclass(frozen=True)
class Measure:
    func: str  # count | sum
    source: str  # entries | referrals | people | followups | hours
    where: Cond | None = None


@dataclass(frozen=True)
class Indicator:
    """A measure, or a percentage of two measures (`part` of `whole`)."""

    part: Measure
    whole: Measure | None = None

    @property
    def is_percent(self) -> bool:
        return self.whole is not None

    def measures(self) -> list[Measure]:
        return [self.part] if self.whole is None else [self.part, self.whole]


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise ExpressionError(f"unexpected character {text[pos:pos + 1]!r} at position {pos + 1}")
        out.append(match.group("name") or match.group("op"))
        pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


class _Parser:
    def __init__(self, text: str):
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, expected: str | None = None) -> str:
        tok = self.peek()
        if tok is None:
            raise ExpressionError(f"the expression ends too early{f' (expected {expected!r})' if expected else ''}")
        if expected is not None and tok != expected:
            raise ExpressionError(f"expected {expected!r}, found {tok!r}")
        self.i += 1
        return tok

    def indicator(self) -> Indicator:
        if self.peek() == "percent":
            self.take()
            self.take("(")
            part = self.measure()
            self.take(",")
            whole = self.measure()
            self.take(")")
            result = Indicator(part, whole)
        else:
            result = Indicator(self.measure())
        if self.peek() is not None:
            raise ExpressionError(f"unexpected {self.peek()!r} after the end of the expression")
        return result

    def measure(self) -> Measure:
        func = self.take()
        if func not in ("count", "sum"):
            raise ExpressionError(f"expected count(...) or sum(...), found {func!r}")
        self.take("(")
        source = self.take()
        if source not in SOURCES:
            raise ExpressionError(f"unknown source {source!r} (one of {', '.join(SOURCES)})")
        if SOURCES[source][0] != func:
            raise ExpressionError(f"{source} is counted with {SOURCES[source][0]}(...), not {func}(...)")
        where = None
        if self.peek() == "where":
            self.take()
            where = self.cond()
        self.take(")")
        return Measure(func, source, where)

    def cond(self) -> Cond:
        parts = [self.conj()]
        while self.peek() == "or":
            self.take()
            parts.append(self.conj())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conj(self) -> Cond:
        parts = [self.atom()]
        while self.peek() == "and":
            self.take()
            parts.append(self.atom())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def atom(self) -> Cond:
        tok = self.peek()
        if tok == "not":
            self.take()
            return Not(self.atom())
        if tok == "(":
            self.take()
            inner = self.cond()
            self.take(")")
            return inner
        category = self.take()
        if category not in CATEGORIES:
            raise ExpressionError(f"unknown field {category!r} (one of {', '.join(CATEGORIES)})")
        group = False
        if self.peek() == ".":
            self.take()
            self.take("group")
            group = True
        op = self.take()
        if op in ("=", "!="):
            return Test(category, group, (self.key(),), negate=op == "!=")
        if op == "in":
            self.take("(")
            keys = [self.key()]
            while self.peek() == ",":
                self.take()
                keys.append(self.key())
            self.take(")")
            return Test(category, group, tuple(keys))
        raise ExpressionError(f"expected =, != or in after {category!r}, found {op!r}")

    def key(self) -> str:
        tok = self.take()
        if not re.fullmatch(r"[a-z][a-z0-9_]*", tok):
            raise ExpressionError(f"expected a key, found {tok!r}")
        return tok


def parse(text: str) -> Indicator:
    """The parsed indicator, or ExpressionError saying what is wrong."""
    if not text or not text.strip():
        raise ExpressionError("the expression is empty")
    return _Parser(text).indicator()


def tests_of(cond: Cond | None) -> list[Test]:
    if cond is None:
        return []
    if isinstance(cond, Test):
        return [cond]
    if isinstance(cond, Not):
        return tests_of(cond.inner)
    return [t for part in cond.parts for t in tests_of(part)]


def check(text: str, known: dict[str, tuple[set[str], set[str]]]) -> list[str]:
    """Problems of an expression against the rules' categories.

    `known`: category -> (item keys, group keys)."""
    try:
        indicator = parse(text)
    except ExpressionError as exc:
        return [str(exc)]
    problems: list[str] = []
    for measure in indicator.measures():
        allowed = SOURCES[measure.source][1]
        for test in tests_of(measure.where):
            if test.category not in allowed:
                problems.append(f"{measure.source} cannot be filtered by {test.category!r}")
                continue
            items, groups = known.get(test.category, (set(), set()))
            pool = groups if test.group else items
            for key in test.keys:
                if key not in pool:
                    what = "group of " if test.group else ""
                    problems.append(f"unknown {what}{test.category} {key!r}")
    return problems
