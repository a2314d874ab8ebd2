"""The grants drawn for people who would rather look than read (issue 13): the pipeline as
amounts per state, and this year's funder reports as a year strip. Only what the viewer sees
(`ctx.viewer.visible`); the drawing itself is `api.charts` (SVG, every number as text); the
page keeps the same figures in a table for screen readers."""

from datetime import date

from sqlalchemy import func, select

from api.charts import Mark, Part, amount_bars, year_strip
from api.context import Context
from api.grants.models import Funder, GrantApplication, Report
from api.i18n import t
from api.money import format_money
from api.web import MONTHS, format_date


def pipeline_amounts(ctx: Context, funder_id: int | None = None, owner_id: int | None = None,
                     year: int | None = None, **_ignored) -> list[dict]:
    """Per state (the rules' order): how many applications and their amount (awarded when
    known, else requested), for the applications the viewer sees."""
    amount = func.coalesce(GrantApplication.amount_awarded_cents, GrantApplication.amount_requested_cents)
    stmt = (select(GrantApplication.state, func.count(), func.coalesce(func.sum(amount), 0))
            .where(ctx.viewer.visible(GrantApplication.confidential_category, GrantApplication.body_id))
            .group_by(GrantApplication.state))
    if funder_id:
        stmt = stmt.where(GrantApplication.funder_id == funder_id)
    if owner_id:
        stmt = stmt.where(GrantApplication.owner_id == owner_id)
    if year:
        stmt = stmt.where(GrantApplication.year == year)
    found = {state: (count, int(total)) for state, count, total in ctx.session.execute(stmt)}
    rows = []
    for state in ctx.rules.workflows["grant_application"].states:
        count, total = found.get(state, (0, 0))
        if count:
            rows.append({"state": state, "label": t(f"grants.state.{state}", ctx.lang), "count": count,
                         "cents": total, "shown": format_money(total, ctx.lang)})
    return rows


def pipeline_picture(ctx: Context, rows: list[dict]):
    return amount_bars("pipeline-chart", t("grants.chart.pipeline", ctx.lang),
                       [Part(f"{r['label']} ({r['count']})", r["cents"], r["shown"]) for r in rows], ctx.lang)


def year_reports(ctx: Context, year: int) -> list[dict]:
    """This year's funder reports the viewer sees, by due date."""
    stmt = (select(Report.id, Report.due_date, Report.kind, Report.overdue_at, GrantApplication.title,
                   Funder.name)
            .join(GrantApplication, GrantApplication.id == Report.application_id)
            .join(Funder, Funder.id == GrantApplication.funder_id)
            .where(ctx.viewer.visible(GrantApplication.confidential_category, GrantApplication.body_id),
                   Report.due_date.between(date(year, 1, 1), date(year, 12, 31)))
            .order_by(Report.due_date, Report.id).limit(60))
    return [{"id": rid, "due": due, "due_shown": format_date(due, ctx.lang), "late": overdue is not None,
             "label": f"{t('grants.report_kind.' + kind, ctx.lang)} — {funder}", "title": title}
            for rid, due, kind, overdue, title, funder in ctx.session.execute(stmt)]


def reports_picture(ctx: Context, year: int, rows: list[dict]):
    return year_strip("reports-chart", t("grants.chart.reports", ctx.lang, year=year), year,
                      [m[:4].capitalize() for m in MONTHS[ctx.lang]],
                      [Mark(r["due"], r["label"], r["late"], r["due_shown"]) for r in rows], lang=ctx.lang)
