"""Previewing a split: every share to the cent, the rounding explained, nothing saved."""

import html

from api.decisions.models import Decision
from api.feesplit.models import FeeSplit
from api.register.models import RegisterEvent
from tests.feesplit.helpers import CJM, HAN_DROITS, MEM, THREE, count_rows, org_ids, payload
from tests.helpers import CHAIR, sign_in, token_for


def test_a_preview_of_1000_dollars_in_three_equal_parts_adds_up_and_says_who_got_the_extra_cent(
        client, app):
    headers = token_for(client, CHAIR)
    before = [count_rows(app, m) for m in (FeeSplit, Decision, RegisterEvent)]
    r = client.post("/api/v1/fee-splits/preview", json=payload(app, amount="1 000,00"),
                    headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    shares = {s["organisation"]: s["amount_cents"] for s in body["shares"]}
    assert sum(shares.values()) == body["total_cents"] == body["amount_cents"] == 100_000
    assert sorted(shares.values()) == [33_333, 33_333, 33_334]
    lucky = next(name for name, cents in shares.items() if cents == 33_334)
    assert lucky == CJM  # first split ever: the tie is broken by name
    assert all(s["exact_cents"] == "100000/3" for s in body["shares"])
    explained = " ".join(body["explanation"])
    assert "1\u00a0¢" in explained and lucky in explained and "à égalité" in explained
    # Nothing is saved by a preview.
    assert [count_rows(app, m) for m in (FeeSplit, Decision, RegisterEvent)] == before


def test_the_preview_speaks_the_persons_language(client, app):
    from tests.helpers import MEMBERS

    english = token_for(client, MEMBERS[3])  # Memphré en Mouvement's coordinator reads English
    r = client.post("/api/v1/fee-splits/preview", json=payload(app, amount="1000.00"),
                    headers=english)
    assert r.status_code == 200, r.text
    assert "1\u00a0¢ was left after rounding down" in " ".join(r.json()["explanation"])


def test_french_and_english_ways_of_writing_an_amount_are_both_understood(client, app):
    headers = token_for(client, CHAIR)
    for text in ("12 345,67", "12\u00a0345,67 $", "12345.67", "12,345.67", "$12,345.67"):
        r = client.post("/api/v1/fee-splits/preview", json=payload(app, amount=text), headers=headers)
        assert r.status_code == 200, (text, r.text)
        assert r.json()["amount_cents"] == 1_234_567
    r = client.post("/api/v1/fee-splits/preview", json=payload(app, amount=12345.67), headers=headers)
    assert r.json()["amount_cents"] == 1_234_567


def test_workload_weights_follow_equity_not_equality(client, app):
    headers = token_for(client, CHAIR)
    weights = {HAN_DROITS: "120", CJM: "80", MEM: "40"}
    r = client.post("/api/v1/fee-splits/preview", json=payload(app, amount="1200", weights=weights),
                    headers=headers)
    shares = {s["organisation"]: s["amount_cents"] for s in r.json()["shares"]}
    assert shares == {HAN_DROITS: 60_000, CJM: 40_000, MEM: 20_000}
    assert "tombent juste" in " ".join(r.json()["explanation"])


def test_the_preview_page_shows_the_shares_to_the_cent_without_javascript(client, app):
    token = sign_in(client, CHAIR)
    ids = org_ids(app)
    page = client.get("/fee-splits/new?amount=1000.00&grant_id=3")
    assert page.status_code == 200
    assert 'value="1 000,00"' in page.text and 'value="3"' in page.text  # pre-filled for the grant
    for name in THREE:
        assert html.escape(name) in page.text  # one labelled weight input per eligible partner
    form = {"csrf_token": token, "amount": "1 000,00", "period": "2026-2027", "grant_id": "3",
            "action": "preview", **{f"weights.{ids[n]}": "1" for n in THREE}}
    r = client.post("/fee-splits/new", data=form)
    assert r.status_code == 200, r.text
    text = html.unescape(r.text)
    assert "333,34\u00a0$" in text and text.count("333,33\u00a0$") >= 2
    assert "1\u00a0000,00\u00a0$" in text  # the total
    assert "Il restait 1\u00a0¢" in text and CJM in text
    assert count_rows(app, FeeSplit) == 0  # previewing saves nothing


def test_proposing_from_the_page_creates_the_draft_decision_and_goes_to_it(client, app):
    token = sign_in(client, CHAIR)
    ids = org_ids(app)
    form = {"csrf_token": token, "amount": "12 345,67", "period": "2026-2027", "action": "propose",
            **{f"weights.{ids[n]}": w for n, w in zip(THREE, ["60", "45,5", "30"], strict=True)}}
    r = client.post("/fee-splits/new", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert r.headers["location"].startswith("/decisions/")
    split = client.get("/api/v1/fee-splits", headers=token_for(client, CHAIR)).json()["items"][0]
    assert split["title"] == "Répartition des frais de gestion — 12\u00a0345,67\u00a0$ (2026-2027)"
    assert split["decision_state"] == "draft" and split["amount_cents"] == 1_234_567
    assert {w["weight"] for w in split["weights"]} == {"60", "45.5", "30"}
    page = client.get(f"/fee-splits/{split['id']}")
    assert page.status_code == 200 and "45,5" in page.text
