"""Results hidden until closing: who has voted is shown, how they voted is not."""

from fastapi.testclient import TestClient

from tests.decisions.conftest import create_and_open, events, vote
from tests.helpers import CHAIR, MEMBERS, sign_in


def test_another_member_sees_who_voted_but_no_tally_before_closing(client, app, voters):
    decision_id = create_and_open(client, voters[CHAIR])  # budget: results hidden
    assert vote(client, voters[MEMBERS[0]], decision_id, "no").status_code == 201
    other = client.get(f"/api/v1/decisions/{decision_id}", headers=voters[MEMBERS[1]]).json()
    assert other["results_hidden"] is True and other["tally"] is None and other["outcome"] is None
    assert other["voted_count"] == 1 and len(other["voters"]) == 1
    assert "choice" not in other["voters"][0]
    assert other["voters"][0]["name"].startswith("Direction — Han-Droits")
    mine = client.get(f"/api/v1/decisions/{decision_id}", headers=voters[MEMBERS[0]]).json()
    assert mine["my_vote"] == "no" and mine["tally"] is None
    for event in events(client, voters[MEMBERS[1]], decision_id):
        assert "choice" not in (event["after"] or {})

    browser = TestClient(app)
    sign_in(browser, MEMBERS[1])
    page = browser.get(f"/decisions/{decision_id}").text
    assert "Han-Droits" in page and 'id="results-hidden"' in page
    assert "Contre" not in page.split('id="voters"')[1].split("</ul>")[0]
    assert 'id="tally"' not in page
