"""The demo logbook reproduces the seeds' published figures in the reports written from it:
seed 004's regional agreement (to the percent) and seed 001's Centraide report (860 contacts,
30 people followed, 3 crisis interventions, due 2017-09-28)."""

from datetime import date

from sqlalchemy import select

from api.grants.models import GrantApplication, Report
from tests.grants.helpers import HANDROITS
from tests.helpers import SEED_DAY, token_for

SEED_004 = {"in_omh": "85 %", "in_obnl": "7 %", "in_coop": "4 %", "youth_families": "80 %",
            "individual": "55 %", "referred": "20 %", "to_cisss": "46 %", "cisss_mental_health": "31 %",
            "cisss_autonomy": "20 %", "to_community": "35 %", "community_food": "34 %",
            "community_budget": "18 %", "collective": "45 %", "group_projects": "66 %",
            "tenants_association": "15 %"}


def _load_demo(runtime):
    with runtime.unit_of_work() as ctx:
        for _, hook in sorted(runtime.registry.demo_hooks, key=lambda h: h[0]):
            hook(ctx, SEED_DAY)


def _report(runtime, template: str) -> tuple[int, int]:
    with runtime.database.session() as s:
        report = s.execute(select(Report).where(Report.template_key == template)
                           .order_by(Report.due_date)).scalars().first()
        return report.id, report.application_id


def _figures(client, headers, report_id) -> dict[str, str]:
    content = client.get(f"/api/v1/reports/{report_id}/content", headers=headers).json()
    return {f["key"]: f["shown"].replace("\u00a0", " ") for f in content["figures"]}


def test_the_regional_agreement_report_shows_seed_004s_percentages(runtime, client):
    _load_demo(runtime)
    lead = token_for(client, HANDROITS)
    report_id, app_id = _report(runtime, "regional_agreement")
    figures = _figures(client, lead, report_id)
    assert {k: figures[k] for k in SEED_004} == SEED_004
    content = client.get(f"/api/v1/reports/{report_id}/content", headers=lead).json()
    assert content["frozen_at"] is not None  # submitted: frozen
    assert (content["period_start"], content["period_end"]) == (None, None)  # the grant's period
    with runtime.database.session() as s:
        app = s.get(GrantApplication, app_id)
        assert (app.period_start, app.period_end) == (date(2013, 4, 1), date(2016, 3, 31))
    # The statistics page of the same period agrees, cell by cell.
    stats = client.get(f"/api/v1/logbook/statistics?period=grant&grant_id={app_id}&public=true", headers=lead).json()
    kinds = {c["key"]: c["percent"].replace("\u00a0", " ") for c in
             next(d for d in stats["dimensions"] if d["key"] == "site_group")["cells"]}
    assert (kinds["omh"], kinds["obnl"], kinds["coop"]) == ("85 %", "7 %", "4 %")


def test_the_centraide_report_shows_seed_001s_figures(runtime, client):
    _load_demo(runtime)
    lead = token_for(client, HANDROITS)
    report_id, app_id = _report(runtime, "centraide")
    with runtime.database.session() as s:
        report = s.get(Report, report_id)
        app = s.get(GrantApplication, app_id)
        assert report.due_date == date(2017, 9, 28)
        assert (app.period_start, app.period_end) == (date(2017, 6, 1), date(2018, 5, 31))
        assert app.funder.name == "Centraide du Grand Montréal"
    figures = _figures(client, lead, report_id)
    assert (figures["contacts"], figures["people_followed"], figures["crises"]) == ("860", "30", "3")
    content = client.get(f"/api/v1/reports/{report_id}/content", headers=lead).json()
    assert [s["key"] for s in content["sections"]] == ["objectives", "results", "means", "adjustments", "learnings"]
    assert all(s["text"] for s in content["sections"])
