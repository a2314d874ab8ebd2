"""Bad input gets a 422 that names the field, in the API and on the page; nothing is saved."""

import pytest

from api.decisions.models import Decision
from api.feesplit.models import FeeSplit, FeeSplitWeight
from api.register.models import RegisterEvent
from tests.feesplit.helpers import CIUSSS, CJM, HAN_DROITS, MEM, ZONE_LIBRE, count_rows, org_ids, payload
from tests.helpers import CHAIR, sign_in, token_for

MODELS = (FeeSplit, FeeSplitWeight, Decision, RegisterEvent)


def _cases(ids):
    """(what is sent, the field the answer must name)"""
    three = {str(ids[n]): "1" for n in (HAN_DROITS, CJM, MEM)}
    return [
        ({"amount": "12,34.5"}, "amount"),
        ({"amount": "12.345"}, "amount"),
        ({"amount": "-100"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "beaucoup"}, "amount"),
        ({"weights": {**three, str(ids[CJM]): "-5"}}, f"weights.{ids[CJM]}"),
        ({"weights": {k: "0" for k in three}}, "weights"),
        ({"weights": {}}, "weights"),
        ({"weights": {**three, str(ids[ZONE_LIBRE]): "2"}}, f"weights.{ids[ZONE_LIBRE]}"),
        ({"weights": {**three, str(ids[CIUSSS]): "2"}}, f"weights.{ids[CIUSSS]}"),
        ({"weights": {**three, "999999": "2"}}, "weights.999999"),
        ({"weights": {**three, str(ids[MEM]): "deux"}}, f"weights.{ids[MEM]}"),
        ({"period": "x" * 10_000}, "period"),
        ({"period": ""}, "period"),
        ({"grant_id": "abc"}, "grant_id"),
    ]


@pytest.mark.parametrize("endpoint", ["/api/v1/fee-splits/preview", "/api/v1/fee-splits"])
def test_bad_input_is_a_422_naming_the_field_and_nothing_is_saved(client, app, endpoint):
    headers = token_for(client, CHAIR)
    ids = org_ids(app)
    before = [count_rows(app, m) for m in MODELS]
    for change, field in _cases(ids):
        body = {**payload(app), **change}
        r = client.post(endpoint, json=body, headers=headers)
        assert r.status_code == 422, (change, r.text)
        fields = [d["field"] for d in r.json()["detail"]]
        assert field in fields, (change, r.json())
        assert len(r.text) < 5_000  # a 10 000-character input is not echoed back
    assert [count_rows(app, m) for m in MODELS] == before


def test_the_amount_12_34_5_gets_a_clear_message(client, app):
    r = client.post("/api/v1/fee-splits/preview", json=payload(app, amount="12,34.5"),
                    headers=token_for(client, CHAIR))
    detail = r.json()["detail"][0]
    assert detail["field"] == "amount" and "1 234,56" in detail["message"]


def test_a_minimum_share_from_the_rules_is_explained_in_the_preview(client, app, monkeypatch):
    from decimal import Decimal

    rules = app.state.runtime.book.in_force.rules
    monkeypatch.setattr(rules.fee_split, "min_share", Decimal("100.00"))
    monkeypatch.setattr(rules.fee_split, "max_share_fraction", 0.5)
    headers = token_for(client, CHAIR)
    r = client.post("/api/v1/fee-splits/preview", headers=headers,
                    json=payload(app, amount="1000", weights={HAN_DROITS: "95", CJM: "5"}))
    assert r.status_code == 422
    detail = r.json()["detail"][0]
    ids = org_ids(app)
    assert detail["field"] in (f"weights.{ids[CJM]}", f"weights.{ids[HAN_DROITS]}")
    assert "minimale" in detail["message"] or "maximum" in detail["message"]
    r = client.post("/api/v1/fee-splits/preview", headers=headers,
                    json=payload(app, amount="1000", weights={HAN_DROITS: "70", CJM: "30"}))
    assert r.status_code == 422 and "au-delà du maximum de 500,00" in r.json()["detail"][0]["message"]


def test_the_page_keeps_what_was_typed_and_shows_the_error_next_to_the_field(client, app):
    token = sign_in(client, CHAIR)
    ids = org_ids(app)
    before = [count_rows(app, m) for m in MODELS]
    form = {"csrf_token": token, "amount": "12,34.5", "period": "2026-2027", "action": "propose",
            f"weights.{ids[HAN_DROITS]}": "12,5", f"weights.{ids[CJM]}": "-3"}
    r = client.post("/fee-splits/new", data=form)
    assert r.status_code == 422
    assert 'value="12,34.5"' in r.text and 'value="12,5"' in r.text and 'value="-3"' in r.text
    assert 'aria-describedby="e-amount"' in r.text and f'aria-describedby="e-w-{ids[CJM]}"' in r.text
    assert "négatif" in r.text
    r = client.post("/fee-splits/new", data={**form, "amount": "100", "period": "p" * 10_000})
    assert r.status_code == 422 and 'id="e-period"' in r.text
    r = client.post("/fee-splits/new", data={k: v for k, v in form.items() if k != "csrf_token"})
    assert r.status_code == 403
    assert [count_rows(app, m) for m in MODELS] == before


def test_a_vote_does_not_open_on_a_split_the_rules_in_force_would_refuse(client, app, monkeypatch):
    from decimal import Decimal

    from tests.feesplit.helpers import propose

    chair = token_for(client, CHAIR)
    split = propose(client, app, chair, amount="1000", weights={HAN_DROITS: "70", CJM: "30"})
    book = app.state.runtime.book

    # The rules change before the vote opens: nobody may now get more than 60 %.
    original = book.of_version

    def judged(session, version_id):
        rules = original(session, version_id).model_copy(deep=True)
        rules.fee_split.max_share_fraction = 0.6
        rules.fee_split.min_share = Decimal("0")
        return rules

    monkeypatch.setattr(book, "of_version", judged)
    r = client.post(f"/api/v1/decisions/{split['decision_id']}/transitions",
                    json={"trigger": "open"}, headers=chair)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == f"weights.{org_ids(app)[HAN_DROITS]}"
    state = client.get(f"/api/v1/decisions/{split['decision_id']}", headers=chair).json()["state"]
    assert state == "draft"  # the opening was rolled back as a whole
