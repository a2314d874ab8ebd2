"""Recusal for a conflict of interest: declared by the person, or automatic for beneficiaries."""

from sqlalchemy import select

from api.collective.models import Organisation
from tests.decisions.conftest import create_and_open, events, vote
from tests.helpers import CHAIR, MEMBERS


def test_a_decision_paying_an_organisation_recuses_its_seat_when_it_opens(client, app, voters, monkeypatch):
    with app.state.runtime.database.session() as session:
        han_droits = session.execute(select(Organisation.id).where(Organisation.name == "Han-Droits")).scalar_one()
    monkeypatch.setitem(app.state.runtime.registry.beneficiaries, "fee_split", lambda ctx, decision: {han_droits})
    decision_id = create_and_open(client, voters[CHAIR], kind="fee_split", title="Répartition 2026")
    r = vote(client, voters[MEMBERS[0]], decision_id, "yes")  # Han-Droits' director
    assert r.status_code == 403 and r.json()["code"] == "decision.recused"
    detail = client.get(f"/api/v1/decisions/{decision_id}", headers=voters[CHAIR]).json()
    assert detail["eligible"] == 4
    assert [(x["name"].split(" — ")[1][:10], x["automatic"]) for x in detail["recusals"]] == [("Han-Droits", True)]
    recusals = [e for e in events(client, voters[CHAIR], decision_id) if e["action"] == "recusal.automatic"]
    assert len(recusals) == 1 and recusals[0]["after"]["organisation_id"] == han_droits
    # The four others vote (two thirds of votes cast): closes early, the recused seat not counted.
    for email, choice in [(CHAIR, "yes"), (MEMBERS[1], "yes"), (MEMBERS[2], "yes"), (MEMBERS[3], "no")]:
        assert vote(client, voters[email], decision_id, choice).status_code == 201
    outcome = client.get(f"/api/v1/decisions/{decision_id}", headers=voters[CHAIR]).json()["outcome"]
    assert (outcome["result"], outcome["eligible"], outcome["recused"]) == ("adopted", 4, 1)
    assert "1 siège récusé" in outcome["explanation"]["fr"]
