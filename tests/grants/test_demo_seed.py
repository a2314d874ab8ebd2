"""The demo's grants: seed 004's nine local projects add up to 41 300 $ of 94 161 $, and the
ÉRR's current applications have reports coming due."""

from datetime import date, timedelta

from api.grants.demo import REGIONAL_AGREEMENT, load_grants
from api.grants.models import Funder
from tests.grants.helpers import HANDROITS
from tests.helpers import token_for, unit_of_work


def test_seed_004_projects_total_41_300_of_94_161(client):
    with unit_of_work(client.app) as ctx:
        load_grants(ctx, date.today())
    with unit_of_work(client.app) as ctx:
        load_grants(ctx, date.today())  # a second run adds nothing
    lead = token_for(client, HANDROITS)
    funders = client.get("/api/v1/funders", headers=lead).json()["items"]
    regional = next(f for f in funders if f["name"] == REGIONAL_AGREEMENT)
    items = client.get(f"/api/v1/grant-applications?funder_id={regional['id']}&per_page=50",
                       headers=lead).json()["items"]
    from decimal import Decimal

    assert len(items) == 9
    assert sum(Decimal(a["amount_awarded"]) for a in items) == Decimal("41300.00")
    assert sum(Decimal(a["total_cost"]) for a in items) == Decimal("94161.00")
    assert {a["state"] for a in items} == {"closed"}
    page = client.get("/api/v1/grant-applications?per_page=50", headers=lead).json()
    states = {a["state"] for a in page["items"]}
    assert {"idea", "drafting", "approved", "submitted", "active", "closed"} <= states
    due_soon = client.get("/api/v1/reports", params={"due_from": date.today().isoformat(),
                                                     "due_to": (date.today() + timedelta(days=60)).isoformat()},
                          headers=lead).json()
    assert due_soon["total"] >= 1
    with client.app.state.runtime.database.session() as session:
        assert session.query(Funder).count() == 4
