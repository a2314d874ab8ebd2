"""A governance document adopted by the executive committee must also be adopted by the
partners' committee: adoption opens the partners' vote at once; the first decision stays
"en attente de ratification" until that vote is adopted, and nobody clicks "ratify"."""

from fastapi.testclient import TestClient

from api.decisions import service
from tests.decisions.conftest import create_and_open, events, text_of, vote
from tests.helpers import CHAIR, MEMBERS, sign_in, token_for

PARTNERS = [CHAIR, *MEMBERS, "direction.townshippers@relais.demo", "direction.elan@relais.demo",
            "direction.omh@relais.demo", "direction.aines@relais.demo", "direction.zonelibre@relais.demo"]


def _adopt_in_executive(client, voters) -> int:
    decision_id = create_and_open(client, voters[CHAIR], kind="governance_document",
                                  title="Code d'éthique 2027")
    for email in voters:
        assert vote(client, voters[email], decision_id, "yes").status_code == 201
    return decision_id


def test_adoption_opens_the_partners_vote_and_its_adoption_ratifies_the_decision(app, client, voters, mail, clock):
    first_id = _adopt_in_executive(client, voters)
    first = client.get(f"/api/v1/decisions/{first_id}", headers=voters[CHAIR]).json()
    assert first["state"] == "awaiting_ratification"
    assert first["allowed_transitions"] == []  # no "ratify" button any more
    second_id = first["ratification_id"]
    second = client.get(f"/api/v1/decisions/{second_id}", headers=voters[CHAIR]).json()
    assert second["state"] == "open" and second["ratifies_id"] == first_id
    assert second["kind"] == "ratification" and second["title"] == "Code d'éthique 2027"
    assert second["eligible"] == 10  # the partners' committee
    # Not final yet: whatever waits for an adopted decision keeps waiting.
    with app.state.runtime.database.session() as session:
        from api.decisions.models import Decision

        assert session.get(Decision, first_id).state not in service.adopted_states(
            app.state.runtime.rules, "decision_with_ratification")

    # The executive is told it waits for the partners; the partners are invited.
    mail.send()
    outcome = text_of(mail.kind(MEMBERS[0], "Résultat\u00a0: Code d'éthique 2027")[0])
    assert "En attente de ratification" in outcome
    assert "ratifiée par l'instance «\u00a0Comité des partenaires\u00a0»" in outcome
    [invitation] = mail.kind("direction.elan@relais.demo", "Vote ouvert")
    assert "Ratification de «\u00a0Code d'éthique 2027\u00a0», adoptée le" in text_of(invitation)
    # This kind waits for its closing time: the invitation promises no early close.
    assert "dès que tous auront voté" not in text_of(invitation)

    # The page says so.
    browser = TestClient(app)
    sign_in(browser, MEMBERS[1])
    page = browser.get(f"/decisions/{first_id}").text
    assert 'id="decision-state">En attente de ratification<' in page
    assert f'href="/decisions/{second_id}"' in page

    partners = {email: token_for(client, email) for email in PARTNERS}
    for email in PARTNERS:
        assert vote(client, partners[email], second_id, "yes" if email != PARTNERS[-1] else "no").status_code == 201
    # Everyone voted, but the ratification kind closes at its time only.
    assert client.get(f"/api/v1/decisions/{second_id}", headers=voters[CHAIR]).json()["state"] == "open"
    clock.advance(hours=24 * 14 + 1)
    assert service.close_due_decisions(app.state.runtime) == [second_id]

    first = client.get(f"/api/v1/decisions/{first_id}", headers=voters[CHAIR]).json()
    assert first["state"] == "ratified"
    actions = [(e["action"], e["actor_id"]) for e in events(client, voters[CHAIR], first_id)]
    assert ("decision.ratification_opened", None) in actions and ("decision.ratify", None) in actions
    assert first["state"] in service.adopted_states(app.state.runtime.rules, "decision_with_ratification")
    clock.set(clock.at.replace(hour=14))
    mail.send()
    [final] = mail.kind(MEMBERS[0], "Résultat\u00a0: Code d'éthique 2027 — Ratifiée")
    assert "Ratifiée\u00a0: Adoptée\u00a0: 9 pour, 1 contre" in text_of(final)


def test_a_ratification_vote_that_fails_leaves_the_decision_not_ratified(app, client, voters, clock):
    first_id = _adopt_in_executive(client, voters)
    second_id = client.get(f"/api/v1/decisions/{first_id}", headers=voters[CHAIR]).json()["ratification_id"]
    for email in PARTNERS[:6]:
        assert vote(client, token_for(client, email), second_id, "no").status_code == 201
    clock.advance(hours=24 * 14 + 1)
    service.close_due_decisions(app.state.runtime)
    assert client.get(f"/api/v1/decisions/{second_id}", headers=voters[CHAIR]).json()["state"] == "rejected"
    assert client.get(f"/api/v1/decisions/{first_id}", headers=voters[CHAIR]).json()["state"] == "not_ratified"
