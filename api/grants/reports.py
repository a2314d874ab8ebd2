"""A report's content: the funder's template (from the rules), its sections written by the
team, its indicators computed from the logbook over the report's period.

* Sections are drafts saved by any of their authors (owner, lead organisation, executive
  committee members, administrators, the logbook's coordinator) until the report is
  submitted, and again while the funder asks for changes; each save keeps a revision (who,
  what, when) and bumps `version`, so two people saving the same section at once cannot
  overwrite each other silently (409).
* Indicators are computed live — refreshed on every view — until the report is submitted;
  at submission (`after_transition`, installed on the report workflow) they are frozen into
  `ReportFigure` rows and written to the register. Corrections of the logbook afterwards
  never change them.
* What leaves the team (this report, its printout, its Word document) hides small cells, with
  the same formatting as the statistics page (`api.logbook.stats`).

Everything runs in the caller's unit of work and flushes only. A report is seen by whoever
sees its application (in camera by default): `service.get_report` answers 404 otherwise.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from api.context import Context
from api.errors import Conflict, Forbidden, Invalid, NotFound
from api.grants import service
from api.grants.models import Report, ReportFigure, ReportSection, ReportSectionRevision
from api.logbook import service as logbook
from api.logbook.stats import Figure, Period, evaluate
from api.register import service as register
from api.rules.schema import ReportTemplate
from api.timeutil import now
from workflows.engine import Fired

MAX_TEXT = 50_000


# --------------------------------------------------------------------------- reading

def template_of(ctx: Context, report: Report) -> ReportTemplate | None:
    return ctx.rules.report_templates.get(report.template_key) if report.template_key else None


def period_of(report: Report) -> Period | None:
    """The report's own period, or the grant's funded period."""
    app = report.application
    start = report.period_start or app.period_start
    end = report.period_end or app.period_end
    return Period(start, end) if start and end and start <= end else None


def language_of(ctx: Context, report: Report) -> str:
    template = template_of(ctx, report)
    return template.language if template is not None else ctx.lang


def text_open(ctx: Context, report: Report) -> bool:
    """Sections can be written before the first submission, and while the funder asks for
    changes (the states from which the report is resubmitted)."""
    if report.frozen_at is None:
        return True
    workflow = ctx.rules.workflows[service.REPORT]
    return report.state in {s for tr in workflow.transitions if tr.trigger == "resubmit" for s in tr.sources}


def may_write(ctx: Context, report: Report) -> bool:
    viewer = ctx.viewer
    if viewer is None:
        return False
    if viewer.is_admin or service.report_roles(ctx, report, viewer.person):
        return True
    return logbook.access(ctx).coordinator


def require_writer(ctx: Context, report: Report) -> None:
    if not may_write(ctx, report):
        raise Forbidden("grants.report.error.not_writer")


def live_figures(ctx: Context, report: Report) -> list[Figure]:
    template, period = template_of(ctx, report), period_of(report)
    if template is None or period is None or not template.indicators:
        return []
    return evaluate(ctx.session, ctx.rules, template.indicators, period)


def frozen_figures(report: Report) -> list[Figure]:
    return [Figure(f.key, f.label_fr, f.label_en, f.expr, f.kind, f.part, f.whole) for f in report.figures]


def figures(ctx: Context, report: Report) -> list[Figure]:
    """Frozen at submission, computed from the logbook before."""
    return frozen_figures(report) if report.frozen_at is not None else live_figures(ctx, report)


@dataclass
class SectionView:
    key: str
    title: str
    hint: str | None
    text: str
    version: int
    updated_at: datetime | None
    updated_by: str | None
    authors: list[str]


@dataclass
class ReportView:
    """Everything the report page, its printout and its Word document show."""

    report: Report
    template: ReportTemplate | None
    lang: str  # the funder's language: the template's
    period: Period | None
    sections: list[SectionView]
    figures: list[tuple[str, str, str]]  # (key, label, shown)
    frozen: bool
    threshold: int
    title: str = ""
    funder: str = ""
    raw: list[Figure] = field(default_factory=list)


def view(ctx: Context, report: Report) -> ReportView:
    template = template_of(ctx, report)
    lang = language_of(ctx, report)
    threshold = ctx.rules.logbook.small_cell_under
    by_key = {s.key: s for s in report.sections}
    sections = []
    if template is not None:
        for spec in template.sections:
            row = by_key.get(spec.key)
            authors: list[str] = []
            if row is not None:
                for rev in row.revisions:
                    name = rev.person.name if rev.person is not None else ""
                    if name and name not in authors:
                        authors.append(name)
            sections.append(SectionView(
                spec.key, spec.title.get(lang), spec.hint.get(lang) if spec.hint else None,
                row.text if row is not None else "", row.version if row is not None else 0,
                row.updated_at if row is not None else None,
                row.updated_by.name if row is not None and row.updated_by is not None else None, authors))
    raw = figures(ctx, report)
    shown = [(f.key, f.label(lang), f.shown(lang, threshold, masked=True)) for f in raw]
    app = report.application
    return ReportView(report, template, lang, period_of(report), sections, shown, report.frozen_at is not None,
                      threshold, title=app.title, funder=app.funder.name if app.funder else "", raw=raw)


# --------------------------------------------------------------------------- writing

def setup(ctx: Context, report_id: int, template_key: str | None, period_start: date | None,
          period_end: date | None) -> Report:
    """Choose the funder's template and the period the indicators cover (before submission);
    no period given: the report's own (`service.own_period`)."""
    report = service.get_report(ctx, report_id)
    require_writer(ctx, report)
    if report.frozen_at is not None:
        raise Conflict("grants.report.error.frozen")
    if template_key and template_key not in ctx.rules.report_templates:
        raise Invalid("grants.report.error.unknown_template", field="template")
    if period_start and period_end and period_end < period_start:
        raise Invalid("grants.error.end_before_start", field="period_end")
    if period_start is None and period_end is None:
        period_start, period_end = service.own_period(ctx, report)
    before = {"template": report.template_key, "period_start": report.period_start, "period_end": report.period_end}
    report.template_key = template_key or None
    report.period_start, report.period_end = period_start, period_end
    ctx.session.flush()
    register.record_for(ctx, report, "report.setup", object_type=service.REPORT, before=before,
                        after={"template": report.template_key, "period_start": period_start,
                               "period_end": period_end})
    return report


def save_section(ctx: Context, report_id: int, key: str, text: str, version: int | None) -> ReportSection:
    """Save a section's draft. `version` is the one the author started from: if someone saved
    in between, the save is refused (409) so nobody's text is lost."""
    report = service.get_report(ctx, report_id)
    require_writer(ctx, report)
    if not text_open(ctx, report):
        raise Conflict("grants.report.error.frozen")
    template = template_of(ctx, report)
    if template is None or key not in {s.key for s in template.sections}:
        raise NotFound("grants.report.error.section_not_found")
    if len(text) > MAX_TEXT:
        raise Invalid("grants.report.error.too_long", field="text", n=MAX_TEXT)
    row = ctx.session.execute(select(ReportSection).where(ReportSection.report_id == report.id,
                                                          ReportSection.key == key)
                              .with_for_update()).scalar_one_or_none()
    if row is None:
        row = ReportSection(report_id=report.id, key=key, text="", version=0)
        row.report = report
        ctx.session.add(row)
    if version is not None and version != row.version:
        raise Conflict("grants.report.error.stale", who=row.updated_by.name if row.updated_by else "")
    if text == row.text and row.version:
        return row
    at = now()
    row.text, row.version, row.updated_at, row.updated_by_id = text, row.version + 1, at, ctx.actor_id
    ctx.session.add(ReportSectionRevision(section=row, person_id=ctx.actor_id, text=text, at=at))
    ctx.session.flush()
    # The register keeps who wrote which version, not the text (it lives in the revisions).
    register.record_for(ctx, report, "report.section_saved", object_type=service.REPORT,
                        after={"section": key, "version": row.version, "chars": len(text)})
    return row


def freeze(ctx: Context, report: Report) -> None:
    """Freeze the indicators as they are now; the register keeps them."""
    if report.frozen_at is not None:
        return
    found = live_figures(ctx, report)
    threshold = ctx.rules.logbook.small_cell_under
    report.figures = [ReportFigure(position=i, key=f.key, label_fr=f.label_fr, label_en=f.label_en, expr=f.expr,
                                   kind=f.kind, part=f.part, whole=f.whole) for i, f in enumerate(found)]
    report.frozen_at = now()
    period = period_of(report)
    ctx.session.flush()
    register.record_for(ctx, report, "report.figures_frozen", object_type=service.REPORT, after={
        "template": report.template_key,
        "period": [period.start.isoformat(), period.end.isoformat()] if period else None,
        "figures": {f.key: {"part": f.part, "whole": f.whole, "fr": f.shown("fr", threshold),
                            "en": f.shown("en", threshold)} for f in found}})


def after_transition(ctx: Context, fired: Fired) -> None:
    """Installed on the report workflow: submitting freezes the indicators."""
    if fired.trigger == "submit":
        freeze(ctx, fired.obj)
