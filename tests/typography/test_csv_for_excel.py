"""CSV exports open right in a French Excel: UTF-8 with a byte-order mark, `;` between cells,
decimal commas, French headers; read back with Python's csv module in that dialect, they give
the same totals as the page. English keeps the comma-separated format."""

import csv
import html
import io
import re
from decimal import Decimal

from sqlalchemy import select

from api.collective.models import Person
from tests.grants.helpers import HANDROITS, award, make_application, make_funder
from tests.helpers import sign_in, token_for


def _money_fr(text: str) -> Decimal:
    """ "12 345,67 $" (non-breaking spaces) -> Decimal("12345.67")."""
    return Decimal(text.replace("\u00a0", "").replace(" ", "").replace("$", "").replace(",", "."))


def _setup(client) -> int:
    lead = token_for(client, HANDROITS)
    funder = make_funder(client, lead, name="Centraide du Grand Montréal")
    for title, amount in (("Mercier-Est en réseau", "10000"), ("Volet virtuel", "2345,67")):
        app = make_application(client, lead, funder_id=funder, title=title, amount_requested="12 000,00",
                               total_cost="20 000,50")
        award(client, lead, app["id"], amount=amount)
    return funder


def test_a_french_excel_reads_the_grants_export_with_the_pages_totals(client, database):
    funder = _setup(client)
    sign_in(client, HANDROITS)
    page = client.get(f"/grants/list?funder_id={funder}")
    assert page.status_code == 200
    totals = html.unescape(re.search(r'id="totals">(.*?)</p>', page.text, re.S).group(1))
    awarded_text, cost_text = re.findall(r"(\d[\d\u00a0]*,\d\d\u00a0\$)", totals)
    assert awarded_text == "12\u00a0345,67\u00a0$"

    export = client.get(f"/grants/export.csv?funder_id={funder}")
    assert export.status_code == 200
    raw = export.content
    assert raw.startswith("\ufeff".encode())  # UTF-8 with BOM: Excel reads the accents
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 2 and "Montant accordé ($)" in rows[0] and "Bailleur de fonds" in rows[0]
    assert {r["Bailleur de fonds"] for r in rows} == {"Centraide du Grand Montréal"}
    awarded = sum(Decimal(r["Montant accordé ($)"].replace(",", ".")) for r in rows)
    cost = sum(Decimal(r["Coût total ($)"].replace(",", ".")) for r in rows)
    assert "," in rows[0]["Montant accordé ($)"] and "." not in rows[0]["Montant accordé ($)"]
    assert awarded == _money_fr(awarded_text) == Decimal("12345.67")
    assert cost == _money_fr(cost_text) == Decimal("40001.00")
    assert rows[0]["État"] != "awarded"  # states in words, not codes


def test_an_english_reader_keeps_the_comma_separated_export(client, database):
    funder = _setup(client)
    with database.session() as session:
        session.execute(select(Person).where(Person.email == HANDROITS)).scalar_one().language = "en"
        session.commit()
    sign_in(client, HANDROITS)
    export = client.get(f"/grants/export.csv?funder_id={funder}")
    text = export.content.decode("utf-8")
    assert not text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sum(Decimal(r["amount_awarded"]) for r in rows) == Decimal("12345.67")
