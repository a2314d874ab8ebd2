"""An in-camera (hiring) decision never reaches a staff observer: API, pages, register, counts."""

from fastapi.testclient import TestClient

from tests.decisions.conftest import create_and_open, vote
from tests.helpers import CHAIR, MEMBERS, STAFF, sign_in, token_for

TITLE = "Embauche d'une intervenante — candidature confidentielle"


def test_a_staff_member_cannot_see_an_in_camera_decision_anywhere(client, app, voters):
    staff = token_for(client, STAFF)
    before = client.get("/api/v1/decisions", headers=staff).json()["total"]
    public_id = create_and_open(client, voters[CHAIR], kind="procedure", title="Procédure publique")
    secret_id = create_and_open(client, voters[CHAIR], kind="hiring", title=TITLE)
    assert vote(client, voters[MEMBERS[0]], secret_id, "yes").status_code == 201

    # Members see it.
    member_list = client.get("/api/v1/decisions", headers=voters[MEMBERS[1]]).json()
    assert secret_id in [d["id"] for d in member_list["items"]]
    secret = client.get(f"/api/v1/decisions/{secret_id}", headers=voters[MEMBERS[1]]).json()
    assert secret["confidential_category"] == "human_resources"

    # The staff observer: not in the list, not in the count, 404 by id, no register events.
    listing = client.get("/api/v1/decisions", headers=staff).json()
    assert [d["id"] for d in listing["items"]] == [public_id]
    assert listing["total"] == before + 1
    assert TITLE not in str(listing)
    for kind_filter in ("hiring", ""):
        r = client.get(f"/api/v1/decisions?kind={kind_filter}", headers=staff).json()
        assert secret_id not in [d["id"] for d in r["items"]]
    r = client.get(f"/api/v1/decisions/{secret_id}", headers=staff)
    assert r.status_code == 404 and TITLE not in r.text
    assert vote(client, staff, secret_id, "yes").status_code == 404
    r = client.post(f"/api/v1/decisions/{secret_id}/transitions", json={"trigger": "withdraw"}, headers=staff)
    assert r.status_code == 404
    r = client.post(f"/api/v1/decisions/{secret_id}/recusals", json={"reason": "x"}, headers=staff)
    assert r.status_code == 404
    register = client.get(f"/api/v1/register?object_type=decision&object_id={secret_id}", headers=staff).json()
    assert register["total"] == 0
    everything = client.get("/api/v1/register?per_page=200", headers=staff).json()
    assert all(e["object_id"] != secret_id for e in everything["items"] if e["object_type"] == "decision")
    assert TITLE not in str(everything)

    # Pages: list, detail, dashboard, register.
    browser = TestClient(app)
    sign_in(browser, STAFF)
    assert TITLE not in browser.get("/decisions").text
    assert "Procédure publique" in browser.get("/decisions").text
    page = browser.get(f"/decisions/{secret_id}")
    assert page.status_code == 404 and TITLE not in page.text
    assert TITLE not in browser.get("/").text
    assert TITLE not in browser.get("/register").text
    assert TITLE not in browser.get("/decisions?kind=hiring").text

    # The member sees it on the dashboard among their open votes.
    member_browser = TestClient(app)
    sign_in(member_browser, MEMBERS[1])
    dashboard = member_browser.get("/").text
    assert "Mes votes en attente" in dashboard and TITLE.replace("'", "&#39;") in dashboard


def test_the_admin_without_a_member_seat_does_not_see_in_camera_decisions(client, as_admin, voters):
    secret_id = create_and_open(client, voters[CHAIR], kind="hiring", title=TITLE)
    assert client.get(f"/api/v1/decisions/{secret_id}", headers=as_admin).status_code == 404
