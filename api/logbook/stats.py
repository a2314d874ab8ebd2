"""Statistics of the logbook over a period, and the indicators of funders' reports.

One function counts, one formats: the statistics page, its CSV export, a report's page, its
printout and its Word document all show `show_count` / `show_percent` of the same integers,
so their figures are equal by construction.

* Periods: a funder's fiscal year (its first day from the rules), a quarter of it, a grant's
  funded period, any two days (both included).
* `statistics`: four grouped queries (entries, people by age, issues, referrals), each over
  a covering index of its table for the period; the breakdowns by every category (and by
  worker) are summed from their rows in Python.
* `evaluate`: a report template's indicators (expressions, `api.logbook.expressions`)
  compiled to one query per table counted, each measure a `SUM(CASE WHEN ...)` column.
* The small-cell rule: anything that leaves the team (exports, reports, the statistics seen by
  the bodies) shows counts of people (people reached, people followed, people referred) from 1
  to `small_cell_under - 1` as "< 5", and a percentage of or among such a count as "—", so
  that nobody in a small group can be recognised. Counts of interventions and hours are
  activity, not people: they are shown as they are (seed 001's report gives its 3 crisis
  interventions).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import and_, case, exists, false, func, not_, or_, select
from sqlalchemy.orm import Session

from api.i18n import t
from api.logbook import expressions as ex
from api.logbook.models import Entry, EntryIssue, EntryPeople, Referral
from api.rules.schema import GovernanceRules, ReportIndicator

# --------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _md(rules_value: str) -> tuple[int, int]:
    month, day = rules_value.split("-")
    return int(month), int(day)


def _safe_day(year: int, month: int, day: int) -> date:
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1


def fiscal_year_of(day: date, start: str) -> int:
    """The calendar year in which the fiscal year holding `day` begins."""
    month, dd = _md(start)
    first = _safe_day(day.year, month, dd)
    return day.year if day >= first else day.year - 1


def fiscal_year(year: int, start: str) -> Period:
    month, dd = _md(start)
    first = _safe_day(year, month, dd)
    return Period(first, _safe_day(year + 1, month, dd) - timedelta(days=1))


def fiscal_quarter(year: int, quarter: int, start: str) -> Period:
    """Quarter 1..4 of the fiscal year beginning in `year`."""
    first = fiscal_year(year, start).start
    months = (quarter - 1) * 3

    def shift(m: int) -> date:
        total = first.month - 1 + m
        return _safe_day(first.year + total // 12, total % 12 + 1, first.day)

    return Period(shift(months), shift(months + 3) - timedelta(days=1))


# --------------------------------------------------------------------------- formatting

NBSP = "\u00a0"


def group_digits(n: int | Decimal, lang: str) -> str:
    text = f"{n:,}"
    return text.replace(",", NBSP) if lang == "fr" else text


def percent_of(part: int | Decimal, whole: int | Decimal) -> int | None:
    """Whole percent, rounded half up; None when there is no base."""
    if not whole:
        return None
    return int((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def is_small(n: int | Decimal, threshold: int) -> bool:
    return 0 < n < threshold


def show_count(n: int, lang: str, masked: bool, threshold: int) -> str:
    if masked and is_small(n, threshold):
        return f"<{NBSP}{threshold}"
    return group_digits(int(n), lang)


def show_percent(part: int | Decimal, whole: int | Decimal, lang: str, masked: bool, threshold: int) -> str:
    value = percent_of(part, whole)
    if value is None or (masked and (is_small(part, threshold) or is_small(whole, threshold))):
        return "—"
    return f"{value}{NBSP}%" if lang == "fr" else f"{value}%"


def hours_of(minutes: int | Decimal) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def show_hours(minutes: int | Decimal, lang: str) -> str:
    text = group_digits(hours_of(minutes), lang)
    return text.replace(".", ",") if lang == "fr" else text


# --------------------------------------------------------------------------- statistics


@dataclass
class Cell:
    key: str
    label: str
    count: int
    shown: str
    percent: str
    hidden: bool  # the small-cell rule hides the count


@dataclass
class Dimension:
    key: str  # site_group, site, mode_group, mode, age_group, age, age_people, issue, ...
    measure: str  # interventions | people | referrals
    total: int
    cells: list[Cell]
    label: str = ""


@dataclass
class Statistics:
    period: Period
    worker_id: int | None
    masked: bool
    threshold: int
    interventions: int = 0
    people: int = 0
    referrals: int = 0
    followups: int = 0
    minutes: int = 0
    dimensions: list[Dimension] = field(default_factory=list)

    def dimension(self, key: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.key == key), None)


def _period_filter(col_day, period: Period):
    return and_(col_day >= period.start, col_day <= period.end)


def _rows(session: Session, stmt):
    return session.execute(stmt).all()


def statistics(session: Session, rules: GovernanceRules, period: Period, lang: str, *, worker_id: int | None = None,
               masked: bool = True, worker_names: dict[int, str] | None = None) -> Statistics:
    """Counts and percentages by every category over the period, for the team or one worker."""
    book = rules.logbook
    threshold = book.small_cell_under
    stats = Statistics(period, worker_id, masked, threshold)

    def where(model):
        cond = _period_filter(model.occurred_on, period)
        return and_(cond, model.worker_id == worker_id) if worker_id is not None else cond

    entry_rows = _rows(session, select(
        Entry.worker_id, Entry.site, Entry.mode, func.count(), func.coalesce(func.sum(Entry.people_total), 0),
        func.coalesce(func.sum(Entry.followups), 0), func.coalesce(func.sum(Entry.duration_minutes), 0))
        .where(where(Entry)).group_by(Entry.worker_id, Entry.site, Entry.mode))
    people_rows = _rows(session, select(EntryPeople.age, func.count(), func.sum(EntryPeople.count))
                        .where(where(EntryPeople)).group_by(EntryPeople.age))
    issue_rows = _rows(session, select(EntryIssue.issue, func.count())
                       .where(where(EntryIssue)).group_by(EntryIssue.issue))
    referral_rows = _rows(session, select(Referral.resource, Referral.issue, func.count())
                          .where(where(Referral)).group_by(Referral.resource, Referral.issue))

    by_site: dict[str, int] = defaultdict(int)
    by_mode: dict[str, int] = defaultdict(int)
    by_worker: dict[int, int] = defaultdict(int)
    for worker, site, mode, n, people, followups, minutes in entry_rows:
        by_site[site] += n
        by_mode[mode] += n
        by_worker[worker] += n
        stats.interventions += n
        stats.people += int(people)
        stats.followups += int(followups)
        stats.minutes += int(minutes)
    age_entries = {age: int(n) for age, n, _ in people_rows}
    age_people = {age: int(p or 0) for age, _, p in people_rows}
    # Interventions reaching each age group: one reaching two categories of the same group
    # counts once for it, so this is its own (small) grouped count of distinct entries.
    ages = book.ages
    age_group_names = {k: v.get(lang) for k, v in ages.groups.items()}
    age_group_entries: dict[str, int] = {}
    mapping = {k: item.group for k, item in ages.items.items() if item.group}
    if mapping and people_rows:
        group_of = case(mapping, value=EntryPeople.age, else_="")
        found = dict(_rows(session, select(group_of, func.count(func.distinct(EntryPeople.entry_id)))
                           .where(where(EntryPeople)).group_by(group_of)))
        age_group_entries = {k: int(found.get(k, 0)) for k in ages.groups}
        if found.get(""):
            age_group_entries[""] = int(found[""])
            age_group_names[""] = t("logbook.stats.ungrouped", lang)
    by_issue = {issue: int(n) for issue, n in issue_rows}
    by_resource: dict[str, int] = defaultdict(int)
    by_ref_issue: dict[str, int] = defaultdict(int)
    for resource, issue, n in referral_rows:
        by_resource[resource] += n
        by_ref_issue[issue or ""] += n
        stats.referrals += n

    def cells(counts: dict, category: str | None, total: int, groups: bool = False,
              labels: dict | None = None, show_zeros: bool | None = None, people: bool = False) -> list[Cell]:
        hide = masked and people  # the small-cell rule is about people, not interventions
        if category is not None:
            cat = book.category(category)
            if groups:
                summed: dict[str, int] = defaultdict(int)
                for key, n in counts.items():
                    item = cat.items.get(key)
                    summed[item.group if item is not None and item.group else ""] += n
                order = list(cat.groups) + [""]
                names = {k: v.get(lang) for k, v in cat.groups.items()}
                names[""] = t("logbook.stats.ungrouped", lang)
                counts = summed
            else:
                order = list(cat.items)
                names = {k: v.name.get(lang) for k, v in cat.items.items()}
                active = set(cat.active())
                zeros = len(active) <= 12 if show_zeros is None else show_zeros
                order = [k for k in order if counts.get(k) or (zeros and k in active)]
        else:
            order, names = list(counts), labels or {}
        order += [k for k in counts if k not in order and counts[k]]
        out = []
        for key in order:
            n = counts.get(key, 0)
            if key == "" and not n:
                continue
            label = names.get(key) or (t("logbook.stats.none", lang) if key == "" else str(key))
            out.append(Cell(str(key), label, n, show_count(n, lang, hide, threshold),
                            show_percent(n, total, lang, hide, threshold), hide and is_small(n, threshold)))
        return out

    n = stats.interventions
    dims = [
        Dimension("site_group", "interventions", n, cells(by_site, "sites", n, groups=True)),
        Dimension("site", "interventions", n, cells(by_site, "sites", n, show_zeros=False)),
        Dimension("mode_group", "interventions", n, cells(by_mode, "modes", n, groups=True)),
        Dimension("mode", "interventions", n, cells(by_mode, "modes", n)),
        Dimension("age_group", "interventions", n, cells(age_group_entries, None, n, labels=age_group_names)),
        Dimension("age", "interventions", n, cells(age_entries, "ages", n)),
        Dimension("age_people", "people", stats.people, cells(age_people, "ages", stats.people, people=True)),
        Dimension("issue", "interventions", n, cells(by_issue, "issues", n)),
        Dimension("resource_group", "referrals", stats.referrals,
                  cells(by_resource, "resources", stats.referrals, groups=True, people=True)),
        Dimension("resource", "referrals", stats.referrals,
                  cells(by_resource, "resources", stats.referrals, people=True)),
        Dimension("referral_issue", "referrals", stats.referrals,
                  cells(by_ref_issue, "issues", stats.referrals, show_zeros=False, people=True)),
    ]
    if worker_id is None and worker_names is not None:
        names = {str(k): v for k, v in worker_names.items()}
        dims.append(Dimension("worker", "interventions", n,
                              cells({str(k): v for k, v in sorted(by_worker.items(),
                                                                  key=lambda kv: names.get(str(kv[0]), ""))},
                                    None, n, labels=names)))
    for dim in dims:
        dim.label = t(f"logbook.dim.{dim.key}", lang)
    stats.dimensions = dims
    return stats


# --------------------------------------------------------------------------- indicators

ENTRY_LEVEL = ("entries", "followups", "hours")
# What counts people (the small-cell rule applies to them); interventions and hours do not.
PEOPLE_SOURCES = ("people", "followups", "referrals")


def _keys(rules: GovernanceRules, test: ex.Test) -> list[str]:
    cat = rules.logbook.category(test.category + "s")
    if test.group:
        return [k for k, item in cat.items.items() if item.group in test.keys]
    return list(test.keys)


def _membership(col, keys: list[str], nullable: bool = False):
    return col.in_(keys) if keys else false()


def _test_sql(rules: GovernanceRules, source: str, test: ex.Test):
    keys = _keys(rules, test)
    if source in ENTRY_LEVEL:
        own = {"site": Entry.site, "mode": Entry.mode}
        linked = {"age": (EntryPeople, EntryPeople.age), "issue": (EntryIssue, EntryIssue.issue),
                  "resource": (Referral, Referral.resource)}
        entry_id = Entry.id
    elif source == "people":
        own = {"site": EntryPeople.site, "mode": EntryPeople.mode, "age": EntryPeople.age}
        linked = {"issue": (EntryIssue, EntryIssue.issue)}
        entry_id = EntryPeople.entry_id
    else:  # referrals
        own = {"site": Referral.site, "mode": Referral.mode, "resource": Referral.resource,
               "issue": Referral.issue}
        linked = {}
        entry_id = Referral.entry_id
    if test.category in own:
        col = own[test.category]
        cond = _membership(col, keys)
        if test.negate:
            cond = or_(col.is_(None), not_(cond)) if test.category == "issue" else not_(cond)
        return cond
    model, col = linked[test.category]
    cond = exists().where(model.entry_id == entry_id, _membership(col, keys))
    return not_(cond) if test.negate else cond


def _cond_sql(rules: GovernanceRules, source: str, cond: ex.Cond):
    if isinstance(cond, ex.Test):
        return _test_sql(rules, source, cond)
    if isinstance(cond, ex.Not):
        return not_(_cond_sql(rules, source, cond.inner))
    parts = [_cond_sql(rules, source, p) for p in cond.parts]
    return and_(*parts) if isinstance(cond, ex.And) else or_(*parts)


TABLES = {"entries": (Entry, None), "followups": (Entry, "followups"), "hours": (Entry, "duration_minutes"),
          "people": (EntryPeople, "count"), "referrals": (Referral, None)}


def measure_values(session: Session, rules: GovernanceRules, measures: list[ex.Measure], period: Period,
                   worker_id: int | None = None) -> dict[ex.Measure, int]:
    """The value of each measure over the period: one query per table counted."""
    by_table: dict[type, list[ex.Measure]] = defaultdict(list)
    for m in dict.fromkeys(measures):
        by_table[TABLES[m.source][0]].append(m)
    values: dict[ex.Measure, int] = {}
    for model, group in by_table.items():
        cols = []
        for m in group:
            value_col = getattr(model, TABLES[m.source][1]) if TABLES[m.source][1] else 1
            if m.where is None:
                expr = func.count() if value_col == 1 else func.sum(value_col)
            else:
                expr = func.sum(case((_cond_sql(rules, m.source, m.where), value_col), else_=0))
            cols.append(func.coalesce(expr, 0))
        cond = _period_filter(model.occurred_on, period)
        if worker_id is not None:
            cond = and_(cond, model.worker_id == worker_id)
        row = session.execute(select(*cols).select_from(model).where(cond)).one()
        for m, v in zip(group, row, strict=True):
            values[m] = int(v or 0)
    return values


@dataclass
class Figure:
    """One indicator of a report: its raw value(s) and how it is read."""

    key: str
    label_fr: str
    label_en: str
    expr: str
    # count (interventions) | people (people, follow-ups, referrals) | hours | percent |
    # percent_people (a percentage of or among people: hidden when either count is small)
    kind: str
    part: int  # interventions, people, referrals, or minutes for hours
    whole: int | None = None

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_fr

    def shown(self, lang: str, threshold: int, masked: bool = True) -> str:
        if self.kind.startswith("percent"):
            return show_percent(self.part, self.whole or 0, lang, masked and self.kind == "percent_people", threshold)
        if self.kind == "hours":
            return show_hours(self.part, lang)
        return show_count(self.part, lang, masked and self.kind == "people", threshold)


def evaluate(session: Session, rules: GovernanceRules, indicators: list[ReportIndicator], period: Period,
             worker_id: int | None = None) -> list[Figure]:
    parsed = [(ind, ex.parse(ind.expr)) for ind in indicators]
    values = measure_values(session, rules, [m for _, p in parsed for m in p.measures()], period, worker_id)
    figures = []
    for ind, p in parsed:
        if p.is_percent:
            kind = "percent_people" if any(m.source in PEOPLE_SOURCES for m in p.measures()) else "percent"
        else:
            kind = {"hours": "hours", "entries": "count"}.get(p.part.source, "people")
        figures.append(Figure(ind.key, ind.label.fr, ind.label.en, ind.expr, kind, values[p.part],
                              values[p.whole] if p.whole is not None else None))
    return figures
