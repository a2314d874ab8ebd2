"""A report as a Word document (.docx, python-docx), in the funder's language: title, grant and
period, the indicators table (small cells hidden, the same figures as the statistics page),
then each section's text. Built in memory; nothing is written to disk."""

import io

from docx import Document
from docx.shared import Pt

from api.grants.reports import ReportView
from api.i18n import t
from api.web import format_date


def build(v: ReportView) -> bytes:
    lang = v.lang
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(11)
    name = v.template.name.get(lang) if v.template else t("grants.report.untitled", lang)
    doc.core_properties.title = f"{name} — {v.title}"
    doc.core_properties.language = "fr-CA" if lang == "fr" else "en-CA"
    doc.add_heading(name, level=0)
    doc.add_paragraph(v.title)
    meta = doc.add_paragraph()
    meta.add_run(t("grants.report.funder_text", lang, funder=v.funder))
    if v.period is not None:
        doc.add_paragraph(t("grants.report.period_text", lang, start=format_date(v.period.start, lang),
                            end=format_date(v.period.end, lang)))
    if v.figures:
        doc.add_heading(t("grants.report.indicators", lang), level=1)
        table = doc.add_table(rows=1, cols=2)
        table.style = "Table Grid"
        head = table.rows[0].cells
        head[0].text = t("grants.report.indicator", lang)
        head[1].text = t("grants.report.value", lang)
        for _, label, shown in v.figures:
            cells = table.add_row().cells
            cells[0].text = label
            cells[1].text = shown
        doc.add_paragraph().add_run(t("grants.report.small_cells", lang, n=v.threshold)).italic = True
    for section in v.sections:
        doc.add_heading(section.title, level=1)
        for para in (section.text or "").split("\n"):
            doc.add_paragraph(para)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
