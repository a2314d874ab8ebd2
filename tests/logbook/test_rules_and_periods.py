"""The logbook's categories and the funders' report templates in governance_rules.yaml are
checked like the rest of the file — each mistake with its line, by `relais rules check` too —
and the periods of the statistics (fiscal year from the rules, quarters) are the funders'."""

import subprocess
import sys
from datetime import date

import pytest

from api.areas import install_all
from api.logbook.charts import bar_chart
from api.logbook.expressions import ExpressionError, parse
from api.logbook.stats import Cell, fiscal_quarter, fiscal_year, fiscal_year_of, percent_of, show_percent
from api.rules.loader import RulesInvalid, parse_rules
from tests.helpers import RULES

GOOD = RULES.read_text(encoding="utf-8")


def errors_of(text: str) -> list:
    with pytest.raises(RulesInvalid) as caught:
        parse_rules(text, "rules.yaml", install_all().engine.guard_names())
    return caught.value.errors


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_the_shipped_rules_have_the_logbook_and_three_report_templates():
    rules = parse_rules(GOOD)
    assert rules.logbook.sites.items["omh_thetford"].group == "omh"
    assert rules.logbook.issues.items["pandemic"].retired
    assert set(rules.report_templates) == {"centraide", "regional_agreement", "annual_en"}
    assert [s.key for s in rules.report_templates["centraide"].sections] == [
        "objectives", "results", "means", "adjustments", "learnings"]


@pytest.mark.parametrize("old, new, needle, message", [
    ('expr: "count(entries where mode = crisis)"', 'expr: "count(entries where mode = crises)"',
     "count(entries where mode = crises)", "unknown mode 'crises'"),
    ('expr: "sum(followups)"', 'expr: "sum(followups"', 'expr: "sum(followups"', "ends too early"),
    ('{key: contacts, label: {fr: Prises de contact, en: Contacts}, expr: "sum(people)"}',
     '{key: contacts, label: {fr: Prises de contact, en: Contacts}, expr: "count(people)"}',
     'expr: "count(people)"}', "counted with sum"),
    ("omh_magog: {name: {fr: OMH de Magog, en: Magog OMH}, group: omh}",
     "omh_magog: {name: {fr: OMH de Magog, en: Magog OMH}, group: hlm}", "group: hlm", "unknown group 'hlm'"),
    ("visible_to: [executive_committee]", "visible_to: [board]", "visible_to: [board]", "unknown body 'board'"),
    ("  fiscal_year_start: \"04-01\"", "  fiscal_year_start: \"13-01\"", 'fiscal_year_start: "13-01"', "pattern"),
])
def test_a_mistake_in_the_logbook_or_a_template_points_at_its_line(old, new, needle, message):
    assert GOOD.count(old) == 1, old
    text = GOOD.replace(old, new)
    errors = errors_of(text)
    assert any(message in e.message and e.line == line_of(text, needle) for e in errors), errors


def test_relais_rules_check_reports_a_bad_indicator_with_file_and_line(tmp_path):
    bad = tmp_path / "rules.yaml"
    text = GOOD.replace('expr: "sum(hours)"', 'expr: "sum(hours where resource = nowhere)"')
    bad.write_text(text, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "api.cli", "rules", "check", str(bad)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    line = line_of(text, "sum(hours where resource = nowhere)")
    assert f"{bad}:{line}:" in result.stdout + result.stderr
    assert "unknown resource 'nowhere'" in result.stdout + result.stderr


def test_expressions_parse_and_refuse_what_they_cannot_mean():
    ind = parse("percent(count(referrals where resource = cisss and issue = mental_health), "
                "count(referrals where resource = cisss))")
    assert ind.is_percent and ind.part.source == "referrals"
    for bad in ["", "count(entries", "count(nothing)", "sum(entries)", "count(entries where colour = red)",
                "count(entries) extra", "percent(count(entries))", "count(entries where site in ())"]:
        with pytest.raises(ExpressionError):
            parse(bad)


def test_fiscal_years_and_quarters_follow_the_rules_start():
    assert fiscal_year(2025, "04-01") == fiscal_year(2025, "04-01")
    year = fiscal_year(2025, "04-01")
    assert (year.start, year.end) == (date(2025, 4, 1), date(2026, 3, 31))
    assert fiscal_year_of(date(2026, 3, 31), "04-01") == 2025 and fiscal_year_of(date(2026, 4, 1), "04-01") == 2026
    q4 = fiscal_quarter(2025, 4, "04-01")
    assert (q4.start, q4.end) == (date(2026, 1, 1), date(2026, 3, 31))
    jan = fiscal_year(2024, "01-01")
    assert (jan.start, jan.end) == (date(2024, 1, 1), date(2024, 12, 31))


def test_percentages_round_half_up_and_small_cells_are_hidden_only_when_asked():
    assert percent_of(1, 8) == 13 and percent_of(51, 110) == 46 and percent_of(0, 0) is None
    assert show_percent(3, 4, "fr", masked=True, threshold=5) == "—"
    assert show_percent(3, 4, "en", masked=False, threshold=5) == "75%"


def test_the_bar_chart_writes_every_number_as_text_and_draws_no_bar_for_a_hidden_cell():
    svg = str(bar_chart("c", "Lieux", [Cell("magog", "Magog", 34, "34", "85 %", False),
                                       Cell("potton", "Potton", 3, "< 5", "—", True)]))
    assert 'role="img"' in svg and "<title id=\"c-t\">Lieux</title>" in svg
    assert "Magog\u00a0: 34 (85 %); Potton\u00a0: &lt; 5 (—)" in svg
    assert svg.count("<rect") == 1 and "34 · 85 %" in svg
