"""Weights can come from the workload logged in the sub-committees ("équité, pas égalité")."""

from decimal import Decimal

import pytest

from api.committees import tasks
from tests.feesplit.helpers import CJM, HAN_DROITS, ZONE_LIBRE, org_ids
from tests.helpers import CHAIR, sign_in, token_for


@pytest.fixture
def logged_hours(app, monkeypatch):
    ids = org_ids(app)
    hours = {ids[HAN_DROITS]: Decimal("12.50"), ids[CJM]: Decimal("7"), ids[ZONE_LIBRE]: Decimal("3")}
    monkeypatch.setattr(tasks, "workload_by_organisation", lambda ctx, start, end: hours)
    return ids


def test_the_form_offers_weights_from_the_logged_workload(client, logged_hours):
    ids = logged_hours
    sign_in(client, CHAIR)
    page = client.get("/fee-splits/new?amount=500&workload_from=2026-01-01&workload_to=2026-06-30")
    assert page.status_code == 200
    assert f'name="weights.{ids[HAN_DROITS]}" type="text" inputmode="decimal" maxlength="40"\n      value="12,5"' \
        in page.text
    assert 'value="7"' in page.text
    assert f"weights.{ids[ZONE_LIBRE]}" not in page.text  # not an eligible partner
    bad = client.get("/fee-splits/new?workload_from=2026-06-30&workload_to=2026-01-01")
    assert bad.status_code == 200 and "AAAA-MM-JJ" in bad.text


def test_the_api_gives_the_workload_weights_of_the_eligible_partners(client, logged_hours):
    ids = logged_hours
    r = client.get("/api/v1/fee-splits/workload?start=2026-01-01&end=2026-06-30",
                   headers=token_for(client, CHAIR))
    assert r.status_code == 200, r.text
    weights = r.json()["weights"]
    assert weights[str(ids[HAN_DROITS])] == "12.50" and str(ids[ZONE_LIBRE]) not in weights
