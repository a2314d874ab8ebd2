"""Pictures where people would rather look than read (issue 13): the grant pipeline as
amounts per stage and this year's funder reports as a year strip, drawn on the server as SVG
(no JavaScript), each an image with a title and a description, its numbers written as text,
and the same figures in a table."""

import html
from datetime import date

import pytest
from fastapi.testclient import TestClient

from api.charts import Mark, Part, amount_bars, share_bar, year_strip
from tests.grants.helpers import HANDROITS, award, make_application
from tests.helpers import CHAIR, STAFF, sign_in, token_for


@pytest.fixture
def web(app):
    with TestClient(app) as c:
        yield c


def _svg(page: str, chart_id: str) -> str:
    start = page.rindex("<svg", 0, page.index(f'aria-labelledby="{chart_id}-t {chart_id}-d"'))
    return page[start:page.index("</svg>", start)]


def test_the_pipeline_shows_amounts_per_stage_and_the_years_reports(web, client):
    lead = token_for(client, HANDROITS)
    year = date.today().year
    awarded = make_application(client, lead, title="Soutien aux locataires", confidential=False,
                               period_start=f"{year}-01-01", period_end=f"{year}-12-31",
                               requirements=[{"kind": "financial", "due_rule": "fixed",
                                              "due_date": f"{year}-09-28"}])
    award(client, lead, awarded["id"], amount="12345.67")
    make_application(client, lead, title="Fonds jeunesse", amount_requested="2 000,00", confidential=False)
    sign_in(web, CHAIR)
    page = html.unescape(web.get("/grants").text).replace("\u00a0", " ")
    pipeline = _svg(page, "pipeline-chart")
    assert 'role="img"' in pipeline and "Montants par étape" in pipeline
    assert "12 345,67 $" in pipeline and "2 000,00 $" in pipeline and "Idée (1)" in pipeline
    strip = _svg(page, "reports-chart")
    assert f"Redditions de comptes {year}" in strip and f"28 septembre {year}" in strip
    assert "Rapport financier" in strip
    # The same figures in a table (readable without the picture).
    table = page[page.index('id="amounts-title"'):]
    assert "<table" in table and "12 345,67 $" in table[table.index("<table"):]


def test_the_pictures_show_staff_no_in_camera_grant(web, client):
    lead = token_for(client, HANDROITS)
    make_application(client, lead, title="Dossier confidentiel", amount_requested="77 777,00", confidential=True)
    sign_in(web, STAFF)
    page = html.unescape(web.get("/grants").text).replace("\u00a0", " ")
    assert "77 777,00" not in page and "Dossier confidentiel" not in page


def test_the_drawings_write_every_number_and_escape_every_label():
    bar = str(share_bar("s", "Parts", [Part("A <b>", 100, "1,00 $"), Part("B", 300, "3,00 $")], "fr"))
    bar = bar.replace("\u00a0", " ")
    assert "&lt;b&gt;" in bar and "<b>" not in bar and "25,0 %" in bar and "75,0 %" in bar
    assert "3,00 $" in amount_bars("a", "Montants", [Part("Idée", 300, "3,00 $")])
    assert share_bar("s", "t", []) == "" and amount_bars("a", "t", []) == ""
    strip = str(year_strip("y", "Rapports 2027", 2027, ["jan"] * 12,
                       [Mark(date(2027, 9, 28), "Rapport final", shown="28 septembre 2027"),
                        Mark(date(2028, 1, 1), "Autre année")]))
    assert "28 septembre 2027" in strip and "Autre année" not in strip and 'role="img"' in strip
