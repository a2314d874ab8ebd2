"""Fee splits are in camera (funding): a staff member never sees them, anywhere."""

from tests.feesplit.helpers import org_ids, payload, propose, propose_and_adopt
from tests.helpers import CHAIR, STAFF, sign_in, token_for


def test_a_staff_member_cannot_see_fee_splits_anywhere(client, app):
    chair = token_for(client, CHAIR)
    adopted = propose_and_adopt(client, app, chair, amount="4 321,00", period="2025-2026",
                                grant_id=7)
    proposed = propose(client, app, chair, amount="8 765,43", period="2026-2027")
    staff = token_for(client, STAFF)

    listing = client.get("/api/v1/fee-splits", headers=staff).json()
    assert listing["total"] == 0 and listing["items"] == []
    for split in (adopted, proposed):
        r = client.get(f"/api/v1/fee-splits/{split['id']}", headers=staff)
        assert r.status_code == 404
        assert client.get(f"/api/v1/fee-splits/{split['id'] + 1000}", headers=staff).status_code == 404
        assert client.get(f"/api/v1/decisions/{split['decision_id']}", headers=staff).status_code == 404
    for by in ("year", "grant"):
        totals = client.get(f"/api/v1/fee-splits/totals?by={by}", headers=staff).json()
        assert totals["items"] == [] and totals["total_cents"] == 0
    csv_text = client.get("/api/v1/fee-splits/totals.csv", headers=staff).text
    assert csv_text.strip().splitlines() == ["dimension,key,organisation_id,organisation,total_cents,total"]
    r = client.post("/api/v1/fee-splits/preview", json=payload(app), headers=staff)
    assert r.status_code == 404
    r = client.post("/api/v1/fee-splits", json=payload(app), headers=staff)
    assert r.status_code == 404

    register = client.get("/api/v1/register?per_page=200", headers=staff).json()["items"]
    assert not [e for e in register if e["object_type"] in ("fee_split", "decision")]
    # Look at what events say, not at their hashes (a hex hash may contain "4321" by chance).
    contents = str([(e["action"], e["before"], e["after"]) for e in register])
    assert "4321" not in contents and "Répartition" not in contents
    assert client.get("/api/v1/register?object_type=fee_split", headers=staff).json()["total"] == 0

    # Pages, through a signed-in browser session.
    sign_in(client, STAFF)
    for path in ("/fee-splits", "/fee-splits/new", "/fee-splits/new?amount=100",
                 f"/fee-splits/{adopted['id']}", f"/fee-splits/{proposed['id']}"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert "4\u00a0321" not in r.text and "Répartition des frais" not in r.text
    page = client.get("/register").text
    assert "feesplit" not in page and "fee_split" not in page
    assert org_ids(app)  # the people and organisations themselves stay visible


def test_members_of_the_executive_committee_see_them(client, app):
    chair = token_for(client, CHAIR)
    split = propose(client, app, chair)
    from tests.helpers import MEMBERS

    member = token_for(client, MEMBERS[1])
    assert client.get(f"/api/v1/fee-splits/{split['id']}", headers=member).status_code == 200
    assert client.get("/api/v1/fee-splits", headers=member).json()["total"] == 1
