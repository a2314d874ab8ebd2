"""A funder's report dates: quarters end on their last day (seed 001: the Mercier-Est report
to Centraide, 28 days after the quarter ending August 31, was due September 28, 2017),
semi-annual reports (seed 000: the partners' committee meets twice a year), the fiscal year
in the rules, and overdue reminders that say the real delay."""

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from api.grants.recurrence import due_at, recurring_dates
from api.rules.loader import RulesInvalid, parse_rules
from notifications.deadlines import Deadline, upsert_deadline
from tests.helpers import MEMBERS, RULES, unit_of_work
from tests.notifications.conftest import deliver, wait_for

GOOD = RULES.read_text(encoding="utf-8")


def test_a_quarterly_report_28_days_after_each_quarter_of_a_june_grant_is_due_september_28():
    # Mercier-Est en réseau: funded from June 1, 2017; its first report reached Centraide on
    # September 28, 2017, 28 days after the quarter ending August 31.
    dates = recurring_dates(date(2017, 6, 1), date(2018, 5, 31), "quarterly", offset_days=28)
    assert dates == [date(2017, 9, 28), date(2017, 12, 28), date(2018, 3, 28), date(2018, 6, 28)]
    assert recurring_dates(date(2017, 6, 1), date(2018, 5, 31), "quarterly") == [
        date(2017, 8, 31), date(2017, 11, 30), date(2018, 2, 28), date(2018, 5, 31)]


def test_semi_annual_reports_follow_the_two_halves_of_a_fiscal_year():
    # ÉRR: the partners' committee receives the activity report twice a year.
    assert recurring_dates(date(2020, 4, 1), date(2021, 3, 31), "semiannual", offset_days=30) == [
        date(2020, 10, 30), date(2021, 4, 30)]
    # A grant starting mid-month: each half ends the day before the same day six months later.
    assert recurring_dates(date(2020, 3, 15), date(2021, 3, 14), "semiannual") == [
        date(2020, 9, 14), date(2021, 3, 14)]


def test_the_fiscal_year_starts_april_1_unless_the_rules_say_otherwise():
    rules = parse_rules(GOOD, "rules.yaml")
    assert rules.collective.fiscal_year_start == "04-01"
    assert rules.logbook.fiscal_year_start == "04-01"
    july = parse_rules(GOOD.replace("  fiscal_year_start: '04-01'", "  fiscal_year_start: '07-01'", 1)
                       .replace('  fiscal_year_start: "04-01"   # funders', "  # funders", 1), "rules.yaml")
    assert july.collective.fiscal_year_start == "07-01"
    assert july.logbook.fiscal_year_start == "07-01"  # the logbook counts by the same year


def test_relais_rules_check_refuses_a_fiscal_year_starting_on_a_day_some_years_lack(tmp_path):
    for bad_day in ("02-29", "04-31", "13-01"):
        bad = tmp_path / "rules.yaml"
        bad.write_text(GOOD.replace("  fiscal_year_start: '04-01'", f"  fiscal_year_start: '{bad_day}'", 1),
                       encoding="utf-8")
        try:
            parse_rules(bad.read_text(encoding="utf-8"), "rules.yaml")
        except RulesInvalid as exc:
            assert any("collective.fiscal_year_start" in e.message for e in exc.errors), exc.errors
        else:
            raise AssertionError(f"{bad_day} was accepted")
        run = subprocess.run([sys.executable, "-m", "api.cli", "rules", "check", str(bad)],
                             capture_output=True, text=True, cwd=Path(__file__).parents[2])
        assert run.returncode == 1, run.stdout
        line = next(n for n, text in enumerate(bad.read_text(encoding="utf-8").splitlines(), start=1)
                    if f"fiscal_year_start: '{bad_day}'" in text)
        assert f"{bad}:{line}: collective.fiscal_year_start" in run.stderr, run.stderr


def _plan_report(runtime, people, due_day: date, title: str = "Rapport financier — Mercier-Est en réseau"):
    with unit_of_work(runtime) as ctx:
        upsert_deadline(ctx, Deadline(
            kind="report_due", object_type="report", object_id=1, due_at=due_at(due_day, ctx.tz),
            title_fr=title, title_en="Financial report — Mercier-Est en réseau", path="/grants/reports/1",
            recipient_ids=frozenset({people[MEMBERS[0]].id}), all_day=True))


def test_an_overdue_report_reminder_says_it_is_139_days_late_and_asks_for_the_report(
        database, configure, clock, people, smtp):
    runtime = configure(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_timeout_seconds=2)
    today = clock.at.date()
    _plan_report(runtime, people, today - timedelta(days=139))
    deliver(runtime)
    wait_for(lambda: len(smtp.sink.received) == 1)
    [msg] = smtp.sink.to(MEMBERS[0])
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "en retard depuis 139 jours" in text and "139 jours" in msg["Subject"]
    assert "jour(s)" not in text + html and "7 jour" not in text
    assert "Rédiger le rapport" in text and "Rédiger le rapport" in html
    assert "Ouvrir dans Relais" not in html  # one clear action
    # The due date in words, with its weekday: 139 days before Tuesday, October 20, 2026.
    assert "mercredi 3 juin 2026" in text
    assert "Échéance\u00a0:" in text


def test_an_english_reader_gets_an_english_overdue_reminder_without_french_spaces(
        database, configure, clock, people, smtp):
    from api.collective.models import Person

    runtime = configure(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_timeout_seconds=2)
    with database.session() as session:
        session.get(Person, people[MEMBERS[0]].id).language = "en"
        session.commit()
    _plan_report(runtime, people, clock.at.date() - timedelta(days=8))
    deliver(runtime)
    wait_for(lambda: len(smtp.sink.received) == 1)
    [msg] = smtp.sink.to(MEMBERS[0])
    text = msg.get_body(("plain",)).get_content()
    assert "overdue by 8 days" in text and "day(s)" not in text
    assert "Write the report" in text and "Due: Monday, October 12, 2026" in text
    assert "\u00a0" not in text and " :" not in text


def test_one_day_is_singular_and_three_days_plural_in_both_languages():
    from api.i18n import t

    assert t("notif.email.overdue_since", "fr", count=1) == "en retard depuis 1 jour"
    assert t("notif.email.overdue_since", "fr", count=3) == "en retard depuis 3 jours"
    assert t("notif.email.overdue_since", "en", count=1) == "overdue by 1 day"
    assert t("notif.email.in_days", "en", count=2) == "in 2 days"
    assert t("notif.email.in_hours", "fr", count=1) == "dans 1 heure"


def test_a_report_reminder_names_the_funder_the_grant_the_amount_and_the_owner(
        client, database, configure, clock, smtp):
    from sqlalchemy import select

    from api.collective.models import Person
    from tests.grants.helpers import HANDROITS, award, make_application, make_funder
    from tests.helpers import token_for

    lead = token_for(client, HANDROITS)
    with database.session() as session:
        owner = session.execute(select(Person).where(Person.email == HANDROITS)).scalar_one()
        owner_id, owner_name = owner.id, owner.name
    funder = make_funder(client, lead, name="Centraide du Grand Montréal")
    due = clock.at.date() - timedelta(days=47)
    app = make_application(client, lead, funder_id=funder, title="Mercier-Est en réseau",
                           period_start="2026-01-01", period_end="2026-12-31",
                           requirements=[{"kind": "narrative_interim", "due_rule": "fixed",
                                          "due_date": due.isoformat(), "owner_id": owner_id}])
    award(client, lead, app["id"], amount="10000")
    runtime = configure(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_timeout_seconds=2)
    deliver(runtime)
    wait_for(lambda: len(smtp.sink.received) >= 1)
    [msg] = [m for m in smtp.sink.to(HANDROITS) if "retard" in m["Subject"]]
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "en retard depuis 47 jours" in text
    for part in (text, html):
        assert "Bailleur de fonds\u00a0: Centraide du Grand Montréal" in part
        assert "Mercier-Est en réseau" in part
        assert "Montant accordé\u00a0: 10\u00a0000,00\u00a0$" in part
        assert f"Responsable\u00a0: {owner_name}" in part
        assert "Rédiger le rapport" in part
