"""The demo collective carries one adopted split (2025-2026) and one open for a vote."""

from sqlalchemy import select

from api.feesplit.demo import demo_fee_splits
from api.feesplit.models import FeeSplit
from tests.helpers import CHAIR, token_for, unit_of_work


def test_the_demo_has_an_adopted_split_of_a_past_year_and_one_open_for_a_vote(client, app):
    with unit_of_work(app) as ctx:
        demo_fee_splits(ctx, ctx.today)
        demo_fee_splits(ctx, ctx.today)  # idempotent
        splits = ctx.session.execute(select(FeeSplit).order_by(FeeSplit.id)).scalars().all()
        assert len(splits) == 2
    chair = token_for(client, CHAIR)
    adopted, open_ = (client.get(f"/api/v1/fee-splits/{s.id}", headers=chair).json() for s in splits)
    assert adopted["decision_state"] == "adopted" and adopted["year"] == 2025
    assert sum(s["amount_cents"] for s in adopted["shares"]) == adopted["amount_cents"] == 1_000_000
    assert open_["decision_state"] == "open" and open_["shares"] == []
    assert open_["amount_cents"] == 1_234_567
