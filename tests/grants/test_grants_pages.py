"""The grants pages without JavaScript: pipeline columns with move buttons, the list with
filters, totals and CSV, the application page, and the form that keeps what was typed."""

from datetime import date

import pytest
from fastapi.testclient import TestClient

from api.grants.demo import load_grants
from tests.grants.helpers import HANDROITS, make_application, make_funder
from tests.helpers import STAFF, csrf_of, sign_in, token_for, unit_of_work


@pytest.fixture
def web(app):
    with TestClient(app) as c:
        sign_in(c, HANDROITS)
        yield c


def test_the_pipeline_moves_an_application_with_plain_forms(client, web):
    lead = token_for(client, HANDROITS)
    app = make_application(client, lead, title="Projet de jardin", confidential=False)
    page = web.get("/grants").text
    assert 'data-state="idea"' in page and "Projet de jardin" in page and "Commencer la rédaction" in page
    token = csrf_of(page)
    r = web.post(f"/grants/{app['id']}/transition?next=/grants",
                 data={"csrf_token": token, "trigger": "start_drafting"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/grants"
    page = web.get("/grants").text
    assert "État changé\u00a0: Rédaction" in page
    drafting = page[page.index('data-state="drafting"'):page.index('data-state="internal_review"')]
    assert "Projet de jardin" in drafting
    # A refused move comes back as a message, not an error page.
    r = web.post(f"/grants/{app['id']}/transition", data={"csrf_token": token, "trigger": "close"},
                 follow_redirects=True)
    assert r.status_code == 200 and "pas possible" in r.text
    # Without the CSRF token nothing moves.
    r = web.post(f"/grants/{app['id']}/transition", data={"trigger": "send_to_review"})
    assert r.status_code == 403


def test_the_form_keeps_the_input_and_explains_a_malformed_amount(client, web):
    lead = token_for(client, HANDROITS)
    funder = make_funder(client, lead)
    token = csrf_of(web.get("/grants/new").text)
    form = {"csrf_token": token, "title": "Demande au ministère", "funder_id": str(funder),
            "amount_requested": "12,34.5", "period_start": "2027-04-01", "period_end": "2027-03-01",
            "confidential": "on"}
    r = web.post("/grants", data=form)
    assert r.status_code == 422
    assert "Montant invalide" in r.text and 'value="12,34.5"' in r.text
    assert 'value="Demande au ministère"' in r.text
    r = web.post("/grants", data={**form, "amount_requested": "12 345,67", "period_end": "2027-03-01"})
    assert r.status_code == 422 and "La fin de la période précède son début" in r.text
    r = web.post("/grants", data={**form, "amount_requested": "12 345,67", "period_end": "2028-03-31",
                                  "management_fee": "1 234,50"}, follow_redirects=True)
    assert r.status_code == 200 and "12\u00a0345,67\u00a0$" in r.text
    assert "/fee-splits/new?amount=1234.50&amp;grant_id=" in r.text
    r = web.post("/grants", data={**form, "funder_id": "999999", "amount_requested": "5", "period_end": "2028-03-31"})
    assert r.status_code == 422 and "Bailleur de fonds introuvable" in r.text


def test_the_edit_form_saves_changes(client, web):
    lead = token_for(client, HANDROITS)
    app = make_application(client, lead, title="Ancien titre", confidential=False)
    page = web.get(f"/grants/{app['id']}/edit").text
    assert 'value="Ancien titre"' in page and 'value="10000.00"' in page
    r = web.post(f"/grants/{app['id']}/edit", data={
        "csrf_token": csrf_of(page), "title": "Nouveau titre", "funder_id": str(app["funder_id"]),
        "amount_requested": "11000"}, follow_redirects=True)
    assert r.status_code == 200 and "Nouveau titre" in r.text
    body = client.get(f"/api/v1/grant-applications/{app['id']}", headers=lead).json()
    assert body["amount_requested"] == "11000.00" and body["confidential"] is False


def test_the_list_filters_shows_seed_004_totals_and_exports(client, web):
    with unit_of_work(client.app) as ctx:
        load_grants(ctx, date.today())
    lead = token_for(client, HANDROITS)
    regional = next(f for f in client.get("/api/v1/funders", headers=lead).json()["items"]
                    if f["kind"] == "regional_agreement")
    page = web.get(f"/grants/list?funder_id={regional['id']}").text
    assert "41\u00a0300,00\u00a0$" in page and "94\u00a0161,00\u00a0$" in page
    assert "Jardin collectif à Dosquet" in page
    csv_text = web.get(f"/grants/export.csv?funder_id={regional['id']}").text
    assert csv_text.count("\n") == 10
    assert web.get("/grants?year=2014").status_code == 200
    detail = client.get(f"/api/v1/grant-applications?funder_id={regional['id']}", headers=lead).json()["items"][0]
    page = web.get(f"/grants/{detail['id']}").text
    assert "Terminée" in page


def test_staff_see_the_pipeline_without_in_camera_applications(client, app):
    lead = token_for(client, HANDROITS)
    make_application(client, lead, title="Demande Zeta")
    public = make_application(client, lead, title="Demande ouverte", confidential=False)
    with TestClient(app) as staff:
        sign_in(staff, STAFF)
        page = staff.get("/grants").text
        assert "Demande ouverte" in page and "Zeta" not in page
        assert "Commencer la rédaction" in page  # buttons are shown, the engine decides
        assert staff.get(f"/grants/{public['id'] + 100}").status_code == 404
        assert "Zeta" not in staff.get("/grants/list").text
        assert "Zeta" not in staff.get("/grants/export.csv").text


def test_funders_page_adds_a_funder_and_the_dashboard_lists_my_reports(client, web):
    page = web.get("/grants/funders")
    assert page.status_code == 200
    r = web.post("/grants/funders", data={"csrf_token": csrf_of(page.text), "name": "", "kind": "ministry"})
    assert r.status_code == 422 and "obligatoire" in r.text
    r = web.post("/grants/funders", data={"csrf_token": csrf_of(page.text), "name": "Ville de Magog",
                                          "kind": "other"}, follow_redirects=True)
    assert r.status_code == 200 and "Ville de Magog" in r.text
    lead = token_for(client, HANDROITS)
    from datetime import timedelta

    soon = (date.today() + timedelta(days=5)).isoformat()
    app = make_application(client, lead, confidential=False, period_start="2026-01-01", period_end="2027-12-31",
                           requirements=[{"kind": "financial", "due_rule": "fixed", "due_date": soon}])
    from tests.grants.helpers import award

    award(client, lead, app["id"])
    dashboard = web.get("/").text
    assert "Mes redditions de comptes à venir" in dashboard and "Soutien aux locataires" in dashboard


def test_an_english_reader_gets_the_pipeline_and_calendar_in_english(client, app):
    from datetime import UTC, datetime

    from api.timeutil import set_clock
    from tests.helpers import MEMBERS

    lead = token_for(client, HANDROITS)
    make_application(client, lead, title="Seniors' fund", confidential=False,
                     application_deadline="2027-01-15T17:00:00")
    set_clock(lambda: datetime(2026, 11, 23, 15, 0, tzinfo=UTC))
    try:
        with TestClient(app) as en:
            sign_in(en, MEMBERS[3])  # reads in English
            page = en.get("/grants").text
            assert "Application pipeline" in page and "Start drafting" in page
            cal = en.get("/calendar?month=2027-01").text
            assert "January 2027" in cal and "Application deadline — Seniors&#39; fund" in cal
            assert "5:00 PM (EST)" in cal
    finally:
        set_clock(None)


def test_reporting_requirements_are_added_from_the_application_page(client, web):
    lead = token_for(client, HANDROITS)
    app = make_application(client, lead, confidential=False, period_start="2027-01-31", period_end="2027-04-30")
    page = web.get(f"/grants/{app['id']}").text
    token = csrf_of(page)
    r = web.post(f"/grants/{app['id']}/requirements", data={"csrf_token": token, "kind": "financial",
                                                            "due_rule": "fixed", "preparation_days": "7"})
    assert r.status_code == 422 and 'id="re-due_date"' in r.text and "<details class=\"card\" open>" in r.text
    r = web.post(f"/grants/{app['id']}/requirements", data={"csrf_token": token, "kind": "financial",
                                                            "due_rule": "recurring", "frequency": "monthly",
                                                            "preparation_days": "7"}, follow_redirects=True)
    assert r.status_code == 200 and "Mensuelle" in r.text
    from tests.grants.helpers import award

    award(client, lead, app["id"])
    r = web.post(f"/grants/{app['id']}/requirements", data={"csrf_token": token, "kind": "final",
                                                            "due_rule": "offset", "anchor": "period_end",
                                                            "offset_days": "30", "preparation_days": "14"},
                 follow_redirects=True)
    assert "30 jours après la fin de la période financée" in r.text
    dues = [x["due_date"] for x in client.get(f"/api/v1/reports?application_id={app['id']}",
                                              headers=lead).json()["items"]]
    assert dues == ["2027-02-28", "2027-03-31", "2027-04-30", "2027-05-30"]
