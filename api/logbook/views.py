"""What the statistics page, its API and its CSV export show, assembled once.

Small cells are hidden (`masked`) in anything that leaves the team: the CSV export always,
the page and the API for the bodies that see the logbook, and for the team when it asks for
the "as exported" view. The team sees its exact figures.
"""

import csv
import io

from api.context import Context
from api.errors import Forbidden
from api.i18n import t
from api.logbook import service
from api.logbook.periods import Choice
from api.logbook.stats import NBSP, Statistics, show_count, show_hours, statistics


def stats_for(ctx: Context, acc: service.Access, choice: Choice, worker_id: int | None,
              public: bool = False) -> Statistics:
    if worker_id is not None and not acc.sees_team and worker_id != acc.person_id:
        raise Forbidden("logbook.error.not_your_figures")
    names = ({p.id: p.name for p in service.workers_seen(ctx, acc)} if acc.sees_team else None)
    masked = public or not acc.exact
    return statistics(ctx.session, ctx.rules, choice.period, ctx.lang, worker_id=worker_id, masked=masked,
                      worker_names=names)


def totals(stats: Statistics, lang: str) -> list[tuple[str, str, str]]:
    """(key, label, shown) of the headline figures."""
    m, th = stats.masked, stats.threshold
    return [("interventions", t("logbook.total.interventions", lang), show_count(stats.interventions, lang, False, th)),
            ("people", t("logbook.total.people", lang), show_count(stats.people, lang, m, th)),
            ("followups", t("logbook.total.followups", lang), show_count(stats.followups, lang, m, th)),
            ("referrals", t("logbook.total.referrals", lang), show_count(stats.referrals, lang, m, th)),
            ("hours", t("logbook.total.hours", lang), show_hours(stats.minutes, lang))]


def _plain(text: str, lang: str) -> str:
    """A figure as a spreadsheet reads it: no thousands separator, no percent sign ("< 5"
    and "—" stay as they are)."""
    if text.startswith("<"):
        return text.replace(NBSP, " ")
    text = text.replace("%", "").replace(NBSP, "")
    return text.replace(",", "") if lang == "en" else text


def stats_csv(stats: Statistics, lang: str, scope: str) -> bytes:
    """CSV for a spreadsheet in the person's language: French Excel reads `;` and decimal
    commas; a UTF-8 byte-order mark makes it read the accents right."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if lang == "fr" else ",", lineterminator="\r\n")
    writer.writerow([t(f"logbook.csv.{c}", lang) for c in
                     ("start", "end", "scope", "dimension", "category", "measure", "count", "percent")])
    head = [stats.period.start.isoformat(), stats.period.end.isoformat(), scope]
    for key, label, shown in totals(stats, lang):
        writer.writerow(head + [t("logbook.csv.totals", lang), label, t(f"logbook.measure.{key}", lang),
                                _plain(shown, lang), ""])
    for dim in stats.dimensions:
        measure = t(f"logbook.measure.{dim.measure}", lang)
        for cell in dim.cells:
            writer.writerow(head + [dim.label, cell.label, measure, _plain(cell.shown, lang),
                                    _plain(cell.percent, lang)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
