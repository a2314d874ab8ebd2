"""A decision is judged by the rules version it was opened under, even after the rules change."""

import hashlib

from api.rules.loader import LoadedRules, parse_rules
from api.rules.service import RulesInForce, record_version
from tests.decisions.conftest import create_and_open, vote
from tests.helpers import CHAIR, MEMBERS, RULES

BUDGET_SIMPLE = """  budget:
    name: {fr: Budget, en: Budget}
    body: executive_committee
    quorum: {fraction: 0.5}
    majority: simple"""


def _stricter_rules() -> LoadedRules:
    text = RULES.read_text(encoding="utf-8")
    assert BUDGET_SIMPLE in text
    text = text.replace(BUDGET_SIMPLE, BUDGET_SIMPLE.replace("majority: simple", "majority: unanimity"))
    return LoadedRules(parse_rules(text), text, hashlib.sha256(text.encode()).hexdigest(), "changed.yaml")


def test_a_vote_opened_under_version_a_is_judged_by_a_after_the_rules_change(client, app, voters):
    book = app.state.runtime.book
    in_force_a = book.in_force
    version_a = in_force_a.version_id
    under_a = create_and_open(client, voters[CHAIR])
    stricter = _stricter_rules()
    with app.state.runtime.database.session() as session:
        version_b = record_version(session, stricter).id
    assert version_b != version_a
    book.in_force = RulesInForce(stricter.rules, version_b, stricter.content_hash)  # the new rules file
    try:
        under_b = create_and_open(client, voters[CHAIR])
        for decision_id in (under_a, under_b):
            for email, choice in zip(voters, ["yes", "yes", "yes", "no", "no"], strict=True):
                assert vote(client, voters[email], decision_id, choice).status_code == 201
        a = client.get(f"/api/v1/decisions/{under_a}", headers=voters[MEMBERS[0]]).json()
        b = client.get(f"/api/v1/decisions/{under_b}", headers=voters[MEMBERS[0]]).json()
    finally:
        book.in_force = in_force_a
    assert a["rules_version_id"] == version_a and a["state"] == "adopted"
    assert a["outcome"]["basis"] == "simple_majority_of_votes_cast"
    assert b["rules_version_id"] == version_b and b["state"] == "rejected"
    assert b["outcome"]["basis"] == "unanimity_of_votes_cast"
