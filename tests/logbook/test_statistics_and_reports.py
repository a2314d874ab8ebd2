"""Statistics over a period, by every category, with the small-cell rule — and the same
figures, to the character, in the statistics page (as shared), its CSV export, the report's
indicators, its print page and its Word document. Indicators freeze at submission. On SQLite
and PostgreSQL."""

import csv
import html as html_lib
import io
import re
from datetime import date, timedelta

from docx import Document
from sqlalchemy import select

from api.register.models import RegisterEvent
from tests.grants.helpers import HANDROITS, award, fire, make_application
from tests.helpers import CHAIR, sign_in, token_for
from tests.logbook.helpers import WORKER, log, worker_headers

NBSP = "\u00a0"


def _norm(text: str) -> str:
    return html_lib.unescape(text).replace(NBSP, " ").strip()


def _team_logs(client, day: date) -> None:
    """12 interventions: 8 individual in Magog (one adult each, three referred to the CISSS
    for mental health, one to a community organisation), 3 groups in Potton (two teens each),
    one crisis in Magog; two people start a follow-up."""
    h = worker_headers(client)
    for i in range(8):
        refs = ([{"resource": "cisss", "issue": "mental_health"}] if i < 3 else
                [{"resource": "community", "issue": "food"}] if i == 3 else [])
        log(client, h, occurred_on=day.isoformat(), people={"adults": 1}, followups=1 if i < 2 else 0,
            issues=["mental_health"] if i < 3 else ["food"], referrals=refs)
    for _ in range(3):
        log(client, h, site="potton", mode="group", occurred_on=day.isoformat(), people={"teens": 2},
            issues=["isolation"])
    log(client, h, mode="crisis", occurred_on=day.isoformat(), people={"adults": 1}, issues=["mental_health"])


def _grant_report(client, lead, start: date, end: date, template: str) -> int:
    app = make_application(client, lead, confidential=False, period_start=start.isoformat(),
                           period_end=end.isoformat(),
                           requirements=[{"kind": "final", "due_rule": "fixed", "due_date": end.isoformat()}])
    award(client, lead, app["id"])
    report = client.get(f"/api/v1/reports?application_id={app['id']}", headers=lead).json()["items"][0]
    r = client.put(f"/api/v1/reports/{report['id']}/setup", json={"template": template}, headers=lead)
    assert r.status_code == 200, r.text
    return report["id"]


def _page_cells(html: str, dim: str) -> dict[str, tuple[str, str]]:
    section = re.search(rf'<section[^>]*id="dim-{dim}".*?</section>', html, re.S).group(0)
    return {key: (_norm(count), _norm(pct)) for key, count, pct in re.findall(
        r'<tr data-key="([^"]+)">.*?class="num count">([^<]*)</td>.*?class="num percent">([^<]*)</td>', section, re.S)}


def _page_total(html: str, key: str) -> str:
    return _norm(re.search(rf'<li id="total-{key}"><strong>([^<]*)</strong>', html).group(1))


def _csv_rows(body: bytes) -> list[dict]:
    assert body.startswith("\ufeff".encode())  # Excel reads the accents right
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_the_same_figures_in_the_page_the_csv_the_report_and_the_word_document(client):
    day = date.today() - timedelta(days=3)
    start, end = day - timedelta(days=30), day + timedelta(days=3)
    _team_logs(client, day)
    lead = token_for(client, HANDROITS)
    report_id = _grant_report(client, lead, start, end, "regional_agreement")
    app_id = client.get(f"/api/v1/reports/{report_id}", headers=lead).json()["application_id"]

    # The statistics of the grant's funded period, as the team shares them.
    sign_in(client, WORKER)
    html = client.get(f"/logbook/statistics?period=grant&grant_id={app_id}&public=true").text
    assert _page_total(html, "interventions") == "12"
    assert _page_total(html, "people") == "15"
    assert _page_total(html, "referrals") == "< 5"  # 4 people referred: a small cell
    assert _page_total(html, "followups") == "< 5"
    modes = _page_cells(html, "mode_group")
    assert modes["individual"] == ("9", "75 %") and modes["collective"] == ("3", "25 %")
    resources = _page_cells(html, "resource")
    assert resources["cisss"] == ("< 5", "—") and resources["community"] == ("< 5", "—")
    ages = _page_cells(html, "age_people")
    assert ages["adults"] == ("9", "60 %") and ages["teens"] == ("6", "40 %")
    # Inside the team (exact view) the small cells are shown as they are.
    exact = client.get(f"/logbook/statistics?period=grant&grant_id={app_id}").text
    assert _page_cells(exact, "resource")["cisss"] == ("3", "75 %")

    # The CSV export: French Excel (BOM, semicolons), small cells hidden like the shared page.
    body = client.get(f"/logbook/statistics.csv?period=grant&grant_id={app_id}").content
    rows = _csv_rows(body)
    by = {(r["Regroupement"], r["Catégorie"]): (r["Nombre"], r["Pourcentage (%)"]) for r in rows}
    assert by[("Individuel ou collectif", "Intervention individualisée")] == ("9", "75")
    assert by[("Références par type de ressource", "Services du CISSS / CIUSSS")] == ("< 5", "—")
    assert by[("Totaux", "Personnes rejointes")] == ("15", "")
    assert by[("Totaux", "Heures d'intervention")][0] == "6,0"  # 12 × 30 min, with a decimal comma

    # The report's indicators, over the same period: the same figures.
    content = client.get(f"/api/v1/reports/{report_id}/content", headers=lead).json()
    figures = {f["key"]: _norm(f["shown"]) for f in content["figures"]}
    assert figures["interventions"] == _page_total(html, "interventions")
    assert figures["individual"] == modes["individual"][1]
    assert figures["collective"] == modes["collective"][1]
    assert figures["to_cisss"] == resources["cisss"][1] == "—"
    assert figures["in_omh"] == "0 %"
    assert figures["referred"] == "—"  # 4 of 15 people: hidden, like the cells it comes from

    # The Word document and the print page say exactly the same.
    docx = client.get(f"/api/v1/reports/{report_id}/report.docx", headers=lead)
    assert docx.status_code == 200 and docx.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml")
    table = Document(io.BytesIO(docx.content)).tables[0]
    in_docx = {_norm(row.cells[0].text): _norm(row.cells[1].text) for row in table.rows[1:]}
    labels = {f["key"]: f["label"] for f in content["figures"]}
    assert {labels[k]: v for k, v in figures.items()} == in_docx
    client.cookies.clear()
    sign_in(client, HANDROITS)
    printed = client.get(f"/grants/reports/{report_id}/print").text
    for key, shown in figures.items():
        cell = re.search(rf'data-key="{key}"><td>[^<]*</td><td class="num">([^<]*)<', printed).group(1)
        assert _norm(cell) == shown, key


def test_indicators_frozen_at_submission_do_not_change_when_entries_are_corrected(app, client):
    day = date.today() - timedelta(days=2)
    h = worker_headers(client)
    crisis = log(client, h, mode="crisis", occurred_on=day.isoformat(), people={"adults": 1})
    for _ in range(6):
        log(client, h, occurred_on=day.isoformat(), people={"adults": 2}, followups=1)
    lead = token_for(client, HANDROITS)
    report_id = _grant_report(client, lead, day - timedelta(days=10), day + timedelta(days=1), "centraide")
    live = {f["key"]: f["shown"] for f in client.get(f"/api/v1/reports/{report_id}/content",
                                                       headers=lead).json()["figures"]}
    assert live == {"contacts": "13", "people_followed": "6", "crises": "1", "interventions": "7"}
    for trigger in ["start", "send_to_review", "submit"]:
        assert fire(client, lead, "reports", report_id, trigger).status_code == 200
    # Afterwards the worker corrects the crisis: the live statistics change, the report does not.
    r = client.put(f"/api/v1/logbook/entries/{crisis['id']}", headers=h,
                   json={"site": "magog", "mode": "individual", "people": {"adults": 3},
                         "occurred_on": day.isoformat()})
    assert r.status_code == 200
    content = client.get(f"/api/v1/reports/{report_id}/content", headers=lead).json()
    assert {f["key"]: f["shown"] for f in content["figures"]} == live
    assert content["frozen_at"] is not None and content["text_open"] is False
    stats = client.get(f"/api/v1/logbook/statistics?start={(day - timedelta(days=10)).isoformat()}"
                       f"&end={day.isoformat()}", headers=h).json()
    assert stats["people"] == "15"
    # The frozen figures are in the register.
    with app.state.runtime.database.session() as s:
        event = s.execute(select(RegisterEvent).where(RegisterEvent.action == "report.figures_frozen",
                                                      RegisterEvent.object_id == report_id)).scalar_one()
    assert event.after["figures"]["contacts"] == {"part": 13, "whole": None, "fr": "13", "en": "13"}
    assert event.after["figures"]["crises"]["part"] == 1


def test_sections_are_drafts_by_several_authors_with_the_last_editor_shown(client):
    lead = token_for(client, HANDROITS)
    chair = token_for(client, CHAIR)
    day = date.today()
    report_id = _grant_report(client, lead, day - timedelta(days=30), day, "centraide")
    r = client.put(f"/api/v1/reports/{report_id}/sections/objectives", headers=lead,
                   json={"text": "Mettre sur pied un réseau.", "version": 0})
    assert r.status_code == 200 and r.json()["version"] == 1
    r = client.put(f"/api/v1/reports/{report_id}/sections/objectives", headers=chair,
                   json={"text": "Mettre sur pied un réseau de travailleurs de proximité.", "version": 1})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["updated_by"] == "Direction — Carrefour jeunesse-emploi"
    assert body["authors"] == ["Direction — Han-Droits (organisme porteur)", "Direction — Carrefour jeunesse-emploi"]
    # Someone saving from an old version is told, and nothing is lost or overwritten.
    r = client.put(f"/api/v1/reports/{report_id}/sections/objectives", headers=lead,
                   json={"text": "Autre texte", "version": 1})
    assert r.status_code == 409 and "Carrefour" in r.json()["message"]
    assert client.put(f"/api/v1/reports/{report_id}/sections/unknown", headers=lead,
                      json={"text": "x"}).status_code == 404
    # The page shows the last editor, and the form works without JavaScript.
    sign_in(client, HANDROITS)
    page = client.get(f"/grants/reports/{report_id}").text
    assert "Dernière modification par Direction — Carrefour jeunesse-emploi" in page
    assert "Auteurs\u00a0: Direction — Han-Droits (organisme porteur), Direction — Carrefour jeunesse-emploi" in page
    from tests.helpers import csrf_of

    r = client.post(f"/grants/reports/{report_id}/sections/learnings",
                    data={"csrf_token": csrf_of(page), "version": "0", "text": "Il faut du temps."},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "Il faut du temps." in client.get(f"/grants/reports/{report_id}").text


def test_a_report_prints_and_downloads_in_the_funders_language(client):
    day = date.today() - timedelta(days=1)
    log(client, worker_headers(client), occurred_on=day.isoformat(), people={"seniors": 6}, duration_minutes=90)
    lead = token_for(client, HANDROITS)  # a French-speaking person
    report_id = _grant_report(client, lead, day - timedelta(days=5), day, "annual_en")
    client.put(f"/api/v1/reports/{report_id}/sections/summary", headers=lead, json={"text": "A good year."})
    doc = Document(io.BytesIO(client.get(f"/api/v1/reports/{report_id}/report.docx", headers=lead).content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Annual report (English-speaking funder)" in text and "Summary" in text and "A good year." in text
    rows = {r.cells[0].text: r.cells[1].text for r in doc.tables[0].rows[1:]}
    assert rows == {"Interventions": "1", "People reached": "6", "Hours of intervention": "1.5",
                    "Interventions with seniors": "100%"}
    assert doc.core_properties.language == "en-CA"
    sign_in(client, HANDROITS)
    printed = client.get(f"/grants/reports/{report_id}/print").text
    assert '<html lang="en-CA">' in printed and "Quantitative results" in printed and "People reached" in printed


def test_each_annual_report_counts_the_interventions_of_its_own_fiscal_year(client):
    from api.grants.recurrence import fiscal_year_start_on_or_before

    this_year = fiscal_year_start_on_or_before(date.today(), "04-01")  # the collective's rules
    last_year_day = this_year - timedelta(days=30)
    h = worker_headers(client)
    for _ in range(2):
        log(client, h, occurred_on=last_year_day.isoformat(), people={"adults": 1})
    for _ in range(3):
        log(client, h, occurred_on=this_year.isoformat(), people={"adults": 1})
    lead = token_for(client, HANDROITS)
    # A grant that started in the last fiscal year and goes on in this one: two annual reports.
    start, end = this_year - timedelta(days=200), date.today() + timedelta(days=30)
    app = make_application(client, lead, confidential=False, period_start=start.isoformat(),
                           period_end=end.isoformat(),
                           requirements=[{"kind": "annual", "due_rule": "recurring", "offset_days": 90}])
    award(client, lead, app["id"])
    reports = client.get(f"/api/v1/reports?application_id={app['id']}", headers=lead).json()["items"]
    assert len(reports) == 2
    shown = []
    for report in reports:
        # Choosing the funder's template keeps the report's own period.
        r = client.put(f"/api/v1/reports/{report['id']}/setup", json={"template": "centraide"}, headers=lead)
        assert r.status_code == 200, r.text
        content = r.json()
        shown.append((content["period_start"], content["period_end"],
                      {f["key"]: f["shown"] for f in content["figures"]}["interventions"]))
    assert shown == [(start.isoformat(), (this_year - timedelta(days=1)).isoformat(), "2"),
                     (this_year.isoformat(), end.isoformat(), "3")]
