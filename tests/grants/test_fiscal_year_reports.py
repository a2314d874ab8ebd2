"""Reports on the collective's fiscal year (`collective.fiscal_year_start` in the rules: April 1
for most Québec community organisations): an annual report ("rapport annuel") is due a number of
days after the END of each fiscal year, and a requirement whose periods follow the fiscal year
counts its quarters from April 1, not from the grant's start. Seed 001's quarterly report,
counted from the grant's start, stays due on September 28, 2017."""

import html
from datetime import date

from fastapi.testclient import TestClient

from api.grants.recurrence import fiscal_dates, requirement_dates
from tests.grants.helpers import HANDROITS, award, make_application
from tests.helpers import sign_in, token_for, unit_of_work


def _due_dates(client, lead, app_id: int) -> list[str]:
    reports = client.get(f"/api/v1/reports?application_id={app_id}", headers=lead).json()["items"]
    return [r["due_date"] for r in reports]


def test_the_rules_of_the_collective_start_the_fiscal_year_on_april_1(client):
    with unit_of_work(client.app) as ctx:
        assert ctx.rules.collective.fiscal_year_start == "04-01"


def test_an_annual_report_is_due_90_days_after_each_march_31(client):
    lead = token_for(client, HANDROITS)
    # A grant of July 1, 2026 to June 30, 2027 touches two fiscal years (2026-2027, 2027-2028).
    app = make_application(client, lead, title="Soutien communautaire en logement social",
                           period_start="2026-07-01", period_end="2027-06-30",
                           requirements=[{"kind": "annual", "due_rule": "recurring", "offset_days": 90}])
    award(client, lead, app["id"])
    assert _due_dates(client, lead, app["id"]) == ["2027-06-29", "2028-06-29"]
    [req] = client.get(f"/api/v1/grant-applications/{app['id']}", headers=lead).json()["requirements"]
    assert (req["kind"], req["frequency"], req["anchor"]) == ("annual", "yearly", "fiscal_year")
    # The application's page says it in words.
    with TestClient(client.app) as web:
        sign_in(web, HANDROITS)
        page = html.unescape(web.get(f"/grants/{app['id']}").text)
    assert "Rapport annuel" in page and "Annuelle, selon l'exercice financier" in page
    assert "90 jours après la fin de chaque période" in page


def test_quarters_that_follow_the_fiscal_year_end_june_30_september_30_december_31_and_march_31(client):
    lead = token_for(client, HANDROITS)
    app = make_application(client, lead, period_start="2026-06-01", period_end="2027-03-31",
                           requirements=[{"kind": "financial", "due_rule": "recurring", "frequency": "quarterly",
                                          "anchor": "fiscal_year", "offset_days": 28}])
    award(client, lead, app["id"])
    assert _due_dates(client, lead, app["id"]) == ["2026-07-28", "2026-10-28", "2027-01-28", "2027-04-28"]


def test_seed_001_quarterly_report_counted_from_the_grant_start_is_still_due_september_28_2017(client):
    lead = token_for(client, HANDROITS)
    app = make_application(client, lead, title="Mercier-Est en réseau",
                           period_start="2017-06-01", period_end="2018-05-31",
                           requirements=[{"kind": "narrative_interim", "due_rule": "recurring",
                                          "frequency": "quarterly", "offset_days": 28}])
    award(client, lead, app["id"])
    assert _due_dates(client, lead, app["id"]) == ["2017-09-28", "2017-12-28", "2018-03-28", "2018-06-28"]


def test_the_fiscal_year_is_a_reference_for_recurring_reports_only(client):
    lead = token_for(client, HANDROITS)
    r = client.post("/api/v1/grant-applications", headers=lead, json={
        "funder_id": make_application(client, lead)["funder_id"], "title": "Projet",
        "requirements": [{"kind": "final", "due_rule": "offset", "anchor": "fiscal_year", "offset_days": 30}]})
    assert r.status_code == 422
    assert r.json()["field"] == "requirements.0.anchor"
    assert "exercice financier" in r.json()["message"]
    titles = [a["title"] for a in client.get("/api/v1/grant-applications", headers=lead).json()["items"]]
    assert "Projet" not in titles


def test_fiscal_periods_follow_any_fiscal_year_start():
    # A calendar fiscal year: quarters end March 31, June 30, September 30, December 31.
    assert fiscal_dates(date(2026, 4, 1), date(2027, 3, 31), "quarterly", "01-01") == [
        date(2026, 6, 30), date(2026, 9, 30), date(2026, 12, 31), date(2027, 3, 31)]
    # A grant inside one fiscal year still reports after that year's end.
    assert fiscal_dates(date(2026, 5, 15), date(2026, 11, 30), "yearly", "04-01", offset_days=90) == [
        date(2027, 6, 29)]
    # Without the fiscal year, periods count from the grant's start (the last one ends with it).
    assert requirement_dates("recurring", frequency="yearly", period_start=date(2026, 7, 1),
                             period_end=date(2027, 6, 30), offset_days=90) == [date(2027, 9, 28)]
    assert requirement_dates("recurring", frequency="yearly", period_start=date(2026, 7, 1),
                             period_end=date(2027, 6, 30), offset_days=90, fiscal_year_start="04-01") == [
        date(2027, 6, 29), date(2028, 6, 29)]
