"""Adopting a split records its shares for good; totals per partner per year and per grant."""

import csv
import io
from decimal import Decimal

from sqlalchemy import select

from api.decisions.models import Recusal
from api.feesplit import service
from api.feesplit.models import FeeShare, FeeSplit
from tests.feesplit.helpers import CJM, HAN_DROITS, MEM, THREE, count_rows, org_ids, propose, propose_and_adopt
from tests.helpers import CHAIR, MEMBERS, sign_in, token_for, unit_of_work
from workflows.engine import Fired


def test_an_adopted_split_is_recorded_for_good_with_shares_adding_up_and_beneficiaries_recused(
        client, app):
    chair = token_for(client, CHAIR)
    split = propose(client, app, chair, amount="12 345,67",
                    weights={HAN_DROITS: "110", CJM: "72,5", MEM: "64"})
    assert split["shares"] == [] and split["recorded_at"] is None  # nothing recorded before the vote
    r = client.post(f"/api/v1/decisions/{split['decision_id']}/transitions",
                    json={"trigger": "open"}, headers=chair)
    assert r.status_code == 200, r.text

    # The members whose organisation gets a share are recused automatically when it opens.
    with app.state.runtime.database.session() as session:
        recused = session.execute(select(Recusal).where(
            Recusal.decision_id == split["decision_id"])).scalars().all()
        assert len(recused) == 3 and all(r.automatic for r in recused)
    treasurer = token_for(client, MEMBERS[0])  # Han-Droits: a beneficiary
    r = client.post(f"/api/v1/decisions/{split['decision_id']}/votes", json={"choice": "yes"},
                    headers=treasurer)
    assert r.status_code == 403

    for email in (CHAIR, MEMBERS[1]):
        r = client.post(f"/api/v1/decisions/{split['decision_id']}/votes", json={"choice": "yes"},
                        headers=token_for(client, email))
        assert r.status_code in (200, 201), r.text
    recorded = client.get(f"/api/v1/fee-splits/{split['id']}", headers=chair).json()
    assert recorded["decision_state"] == "adopted" and recorded["recorded_at"]
    shares = {s["organisation"]: s["amount_cents"] for s in recorded["shares"]}
    assert sum(shares.values()) == 1_234_567
    # 1 234 567 ¢ × 110, 72.5, 64 / 246.5 = 550 922.39, 363 107.94, 320 536.67: two cents left
    # over go to the two largest remainders.
    assert shares == {HAN_DROITS: 550_922, CJM: 363_108, MEM: 320_537}

    # In the register: proposed, then recorded with the amount per organisation.
    events = client.get(f"/api/v1/register?object_type=fee_split&object_id={split['id']}",
                        headers=chair).json()["items"]
    actions = [e["action"] for e in reversed(events)]
    assert actions == ["feesplit.proposed", "feesplit.recorded"]
    after = events[0]["after"]
    assert {s["organisation"]: s["amount_cents"] for s in after["shares"]} == shares
    assert client.get("/api/v1/register/verify", headers=chair).json()["ok"] is True

    # For good: no API to change it, and replaying the adoption hook records nothing more.
    assert client.patch(f"/api/v1/fee-splits/{split['id']}", json={}, headers=chair).status_code == 405
    assert client.delete(f"/api/v1/fee-splits/{split['id']}", headers=chair).status_code == 405
    with unit_of_work(app) as ctx:
        from api.decisions.models import Decision

        decision = ctx.session.get(Decision, split["decision_id"])
        service.on_decision_transition(ctx, Fired("decision", decision, "adopt", "open", decision.state,
                                                  None, {}))
    assert count_rows(app, FeeShare) == 3

    page = client.get(f"/fee-splits/{split['id']}", headers=chair)
    assert page.status_code == 200
    assert "5\u00a0509,22\u00a0$" in page.text and "12\u00a0345,67\u00a0$" in page.text
    assert "Il restait 2\u00a0¢" in page.text.replace("&nbsp;", "\u00a0")


def test_totals_per_partner_per_year_and_per_grant_and_the_csv_adds_up(client, app):
    chair = token_for(client, CHAIR)
    propose_and_adopt(client, app, chair, amount="1 000,00", period="2025-2026", grant_id=3)
    propose_and_adopt(client, app, chair, amount="2 500,00", period="2026-2027", grant_id=3,
                      weights={HAN_DROITS: "3", CJM: "2"})
    propose_and_adopt(client, app, chair, amount="777,77", period="2026-2027")
    propose(client, app, chair, amount="9 999,99", period="2026-2027")  # not adopted: not counted
    adopted = 100_000 + 250_000 + 77_777

    by_year = client.get("/api/v1/fee-splits/totals?by=year", headers=chair).json()
    assert by_year["total_cents"] == adopted
    years = {}
    for row in by_year["items"]:
        years.setdefault(row["key"], 0)
        years[row["key"]] += row["total_cents"]
    assert years == {2025: 100_000, 2026: 250_000 + 77_777}
    han = [r for r in by_year["items"] if r["organisation"] == HAN_DROITS and r["key"] == 2026]
    assert han[0]["total_cents"] == 150_000 + 25_926  # 3/5 of 2 500 + its third of 777,77

    by_grant = client.get("/api/v1/fee-splits/totals?by=grant", headers=chair).json()
    grants = {}
    for row in by_grant["items"]:
        grants[row["key"]] = grants.get(row["key"], 0) + row["total_cents"]
    assert grants == {3: 350_000, None: 77_777}
    assert client.get("/api/v1/fee-splits/totals?by=month", headers=chair).status_code == 422

    r = client.get("/api/v1/fee-splits/totals.csv", headers=chair)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {row["dimension"] for row in rows} == {"year", "grant"}
    for dimension in ("year", "grant"):
        part = [row for row in rows if row["dimension"] == dimension]
        assert sum(int(row["total_cents"]) for row in part) == adopted
        assert all(int(row["total_cents"]) == round(float(row["total"]) * 100) for row in part)

    page = client.get("/fee-splits", headers=chair)
    assert page.status_code == 200
    text = page.text.replace("&nbsp;", "\u00a0")
    for shown in ("Sans subvention", "Subvention nº 3", "<caption>2025</caption>",
                  "<caption>2026</caption>", "3\u00a0277,77\u00a0$", "3\u00a0500,00\u00a0$",
                  'href="/fee-splits/totals.csv"'):
        assert shown in text, shown
    assert text.index("<caption>2026</caption>") < text.index("<caption>2025</caption>")

    # The page's download opens right in a French Excel: `;`, decimal commas, a byte-order
    # mark, French headers; read back in that dialect, it adds up like the API's.
    sign_in(client, CHAIR)
    download = client.get("/fee-splits/totals.csv")
    assert download.status_code == 200 and download.content.startswith("\ufeff".encode())
    french = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig")), delimiter=";"))
    assert {row["Regroupement"] for row in french} == {"année", "subvention"}
    for dimension in ("année", "subvention"):
        part = [row for row in french if row["Regroupement"] == dimension]
        dollars = sum(Decimal(row["Total ($)"].replace(",", ".")) for row in part)
        assert dollars * 100 == adopted and all("," in row["Total ($)"] for row in part)
    client.cookies.clear()

    listing = client.get("/api/v1/fee-splits?per_page=2", headers=chair).json()
    assert listing["total"] == 4 and len(listing["items"]) == 2 and listing["pages"] == 2


def test_the_extra_cent_rotates_across_successive_adopted_splits(client, app):
    chair = token_for(client, CHAIR)
    winners = []
    for _ in range(3):
        split = propose_and_adopt(client, app, chair, amount="1 000,00")
        assert sum(s["amount_cents"] for s in split["shares"]) == 100_000
        winners.append(next(s["organisation"] for s in split["shares"] if s["rounding_cents"]))
    assert sorted(winners) == sorted(THREE)  # each partner got the spare cent once
    assert winners[0] != winners[1]
    # The fourth preview explains that the cent goes by the rounding received before.
    r = client.post("/api/v1/fee-splits/preview",
                    json={"amount": "1000", "period": "2027",
                          "weights": {str(org_ids(app)[n]): "1" for n in THREE}}, headers=chair)
    assert "arrondi cumulatif" in " ".join(r.json()["explanation"]) or \
        "ordre alphabétique" in " ".join(r.json()["explanation"])
    assert count_rows(app, FeeSplit) == 3
