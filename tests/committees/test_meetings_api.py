"""Meetings: attendance limited to the body's seats, quorum from attendance, agenda order,
the meeting workflow, and the minutes approved by an adopted minutes-approval decision."""

from datetime import UTC, datetime, timedelta

from tests.committees.helpers import body_id, ce_meeting_with_in_camera_item
from tests.helpers import CHAIR, MEMBERS, PARTNER, STAFF, sign_in, token_for


def _seats(client, headers, body: int) -> list[dict]:
    return client.get(f"/api/v1/bodies/{body}", headers=headers).json()["seats"]


def _person_id(client, email) -> int:
    return client.get("/api/v1/me", headers=token_for(client, email)).json()["id"]


def test_quorum_of_the_meeting_follows_the_attendance_of_voting_seats(client, as_chair):
    meeting, _ = ce_meeting_with_in_camera_item(client, as_chair)
    q = client.get(f"/api/v1/meetings/{meeting}", headers=as_chair).json()["quorum"]
    # Five voting seats on the CE; the procedure kind's quorum is half, rounded up: 3.
    assert q == {"voting_seats": 5, "present_voting": 0, "required": 3, "reached": False, "basis": "procedure"}
    url = f"/api/v1/meetings/{meeting}/attendance"
    r = client.post(url, json={"person_id": _person_id(client, STAFF), "status": "present"}, headers=as_chair)
    assert r.status_code == 200 and r.json()["quorum"]["present_voting"] == 0  # observers do not count
    for email in (CHAIR, MEMBERS[0]):
        r = client.post(url, json={"person_id": _person_id(client, email), "status": "present"}, headers=as_chair)
        assert r.status_code == 200, r.text
    r = client.post(url, json={"person_id": _person_id(client, MEMBERS[1]), "status": "apologies"}, headers=as_chair)
    assert r.json()["quorum"]["present_voting"] == 2 and r.json()["quorum"]["reached"] is False
    r = client.post(url, json={"person_id": _person_id(client, MEMBERS[2]), "status": "present"}, headers=as_chair)
    assert r.json()["quorum"] == {"voting_seats": 5, "present_voting": 3, "required": 3, "reached": True,
                                  "basis": "procedure"}
    # Changing someone's status replaces it (one row per seat).
    r = client.post(url, json={"person_id": _person_id(client, MEMBERS[2]), "status": "absent"}, headers=as_chair)
    assert r.json()["quorum"]["present_voting"] == 2
    assert len(client.get(url, headers=as_chair).json()["items"]) == 5


def test_an_attendee_who_is_not_a_seat_of_the_body_is_refused_naming_the_field(client, as_chair):
    meeting, _ = ce_meeting_with_in_camera_item(client, as_chair)
    url = f"/api/v1/meetings/{meeting}/attendance"
    r = client.post(url, json={"person_id": _person_id(client, PARTNER), "status": "present"}, headers=as_chair)
    assert r.status_code == 422 and r.json()["field"] == "person_id"
    assert "siège" in r.json()["message"]
    partners = body_id(client, as_chair, "partners_committee")
    other_seat = _seats(client, as_chair, partners)[0]["id"]
    r = client.post(url, json={"seat_id": other_seat, "status": "present"}, headers=as_chair)
    assert r.status_code == 422 and r.json()["field"] == "seat_id"
    r = client.post(url, json={"seat_id": 999_999, "status": "present"}, headers=as_chair)
    assert r.status_code == 422 and r.json()["field"] == "seat_id"
    r = client.post(url, json={"status": "present"}, headers=as_chair)
    assert r.status_code == 422
    r = client.post(url, json={"person_id": _person_id(client, CHAIR), "status": "late"}, headers=as_chair)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "status"
    assert client.get(url, headers=as_chair).json()["items"] == []


def test_agenda_items_are_reordered_with_the_full_list_of_ids(client, as_chair, as_staff):
    meeting, ids = ce_meeting_with_in_camera_item(client, as_chair)
    url = f"/api/v1/meetings/{meeting}/agenda/order"
    new_order = [ids[3], ids[2], ids[0], ids[1]]
    r = client.put(url, json={"item_ids": new_order}, headers=as_chair)
    assert r.status_code == 200, r.text
    assert [i["id"] for i in r.json()["items"]] == new_order
    assert [i["number"] for i in r.json()["items"]] == [1, 2, 3, 4]
    for bad in ([ids[0], ids[1], ids[2], 999_999], [ids[0], ids[1]], [*ids, ids[0]], [0]):
        r = client.put(url, json={"item_ids": bad}, headers=as_chair)
        assert r.status_code == 422, bad
        assert r.json()["field"] == "item_ids"
    r = client.put(url, json={"item_ids": [ids[0], ids[1], ids[2], 999_999]}, headers=as_chair)
    assert "999999" in r.json()["message"]
    r = client.put(url, json={"item_ids": "all"}, headers=as_chair)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "item_ids"
    # Order unchanged by the refused attempts.
    agenda = client.get(f"/api/v1/meetings/{meeting}/agenda", headers=as_chair).json()["items"]
    assert [i["id"] for i in agenda] == new_order
    # Staff observers may not reorder, and may not learn in-camera ids by trying.
    r = client.put(url, json={"item_ids": [ids[3], ids[0], ids[1]]}, headers=as_staff)
    assert r.status_code == 403
    assert client.put("/api/v1/meetings/999999/agenda/order", json={"item_ids": []},
                      headers=as_chair).status_code == 404


def test_bad_meeting_and_agenda_input_is_a_clear_4xx(client, as_chair, as_staff):
    ce = body_id(client, as_chair, "executive_committee")
    cases = [
        ({"body_id": ce, "title": "x" * 10_000, "starts_at": "2026-12-08T13:30:00"}, "title"),
        ({"body_id": ce, "title": "Ok", "starts_at": "demain"}, "starts_at"),
        ({"body_id": ce, "title": "Ok", "starts_at": "2026-12-08T13:30:00",
          "ends_at": "2026-12-08T12:00:00"}, "ends_at"),
        ({"body_id": 999_999, "title": "Ok", "starts_at": "2026-12-08T13:30:00"}, "body_id"),
        ({"body_id": ce, "title": "Ok", "starts_at": "2026-12-08T13:30:00", "video_url": "javascript:x"}, "video_url"),
    ]
    for payload, field in cases:
        r = client.post("/api/v1/meetings", json=payload, headers=as_chair)
        assert r.status_code == 422, payload
        assert field in [d["field"] for d in r.json()["detail"]]
        assert len(r.text) < 5_000
    r = client.post("/api/v1/meetings", json={"body_id": ce, "title": "Ok", "starts_at": "2026-12-08T13:30:00"},
                    headers=as_staff)
    assert r.status_code == 403
    meeting, _ = ce_meeting_with_in_camera_item(client, as_chair)
    r = client.post(f"/api/v1/meetings/{meeting}/agenda", json={"title": "x" * 10_000}, headers=as_chair)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "title"
    r = client.post(f"/api/v1/meetings/{meeting}/agenda", json={"title": "Ok", "kind": "gossip"}, headers=as_chair)
    assert r.status_code == 422 and r.json()["field"] == "kind"
    r = client.post(f"/api/v1/meetings/{meeting}/agenda", json={"title": "Ok", "decision_id": 999_999},
                    headers=as_chair)
    assert r.status_code == 422 and r.json()["field"] == "decision_id"
    assert client.get("/api/v1/meetings/999999", headers=as_chair).status_code == 404
    assert client.patch(f"/api/v1/meetings/{meeting}/agenda/999999", json={"title": "x"},
                        headers=as_chair).status_code == 404


def test_the_meeting_workflow_and_who_may_move_it(client, as_chair, as_member, as_staff):
    meeting, _ = ce_meeting_with_in_camera_item(client, as_chair)
    url = f"/api/v1/meetings/{meeting}/transitions"
    assert client.post(url, json={"trigger": "send_agenda"}, headers=as_staff).status_code == 403
    assert client.post(url, json={"trigger": "send_agenda"}, headers=as_member).status_code == 403  # treasurer
    for trigger, state in [("send_agenda", "agenda_sent"), ("hold", "held"), ("draft_minutes", "minutes_drafted")]:
        r = client.post(url, json={"trigger": trigger}, headers=as_chair)
        assert r.status_code == 200 and r.json()["state"] == state
    assert client.post(url, json={"trigger": "cancel"}, headers=as_chair).status_code == 409
    # Without an adopted minutes-approval decision, the chair cannot approve the minutes.
    r = client.post(url, json={"trigger": "approve_minutes"}, headers=as_chair)
    assert r.status_code == 409 and r.json()["guard"] == "minutes_approval_adopted"


def test_the_minutes_are_approved_when_the_minutes_approval_decision_is_adopted(client, as_chair):
    meeting, _ = ce_meeting_with_in_camera_item(client, as_chair)
    url = f"/api/v1/meetings/{meeting}/transitions"
    for trigger in ("hold", "draft_minutes"):
        assert client.post(url, json={"trigger": trigger}, headers=as_chair).status_code == 200
    r = client.post("/api/v1/decisions", json={"kind": "budget", "title": "Budget"}, headers=as_chair)
    budget = r.json()["id"]
    r = client.put(f"/api/v1/meetings/{meeting}/minutes-decision", json={"decision_id": budget}, headers=as_chair)
    assert r.status_code == 422 and r.json()["field"] == "decision_id"
    r = client.post("/api/v1/decisions", json={"kind": "minutes_approval",
                                               "title": "Adoption du procès-verbal du 8 décembre",
                                               "text": "Le procès-verbal est adopté tel que rédigé."},
                    headers=as_chair)
    assert r.status_code == 201, r.text
    decision = r.json()["id"]
    r = client.put(f"/api/v1/meetings/{meeting}/minutes-decision", json={"decision_id": decision}, headers=as_chair)
    assert r.status_code == 200 and r.json()["minutes_decision_id"] == decision
    r = client.post(url, json={"trigger": "approve_minutes"}, headers=as_chair)
    assert r.status_code == 409  # the decision is still a draft
    r = client.post(f"/api/v1/decisions/{decision}/transitions", json={"trigger": "open"}, headers=as_chair)
    assert r.status_code == 200, r.text
    for email in (CHAIR, *MEMBERS):
        r = client.post(f"/api/v1/decisions/{decision}/votes", json={"choice": "yes"},
                        headers=token_for(client, email))
        assert r.status_code in (200, 201), r.text
    assert client.get(f"/api/v1/decisions/{decision}", headers=as_chair).json()["state"] == "adopted"
    got = client.get(f"/api/v1/meetings/{meeting}", headers=as_chair).json()
    assert got["state"] == "minutes_approved"
    events = client.get(f"/api/v1/register?object_type=meeting&object_id={meeting}&per_page=50",
                        headers=as_chair).json()["items"]
    approve = next(e for e in events if e["action"] == "meeting.approve_minutes")
    assert approve["actor_id"] is None  # fired by the system


def test_decisions_taken_in_the_meeting_appear_in_its_minutes(client, as_chair, as_staff):
    meeting, _ = ce_meeting_with_in_camera_item(client, as_chair)
    r = client.post("/api/v1/decisions", json={"kind": "procedure", "title": "Procédure d'accueil",
                                               "meeting_id": meeting}, headers=as_chair)
    assert r.status_code == 201, r.text
    r = client.post("/api/v1/decisions", json={"kind": "hiring", "title": "Embauche confidentielle",
                                               "meeting_id": meeting}, headers=as_chair)
    assert r.status_code == 201, r.text
    member_minutes = client.get(f"/api/v1/meetings/{meeting}/minutes", headers=as_chair).json()
    assert {d["title"] for d in member_minutes["decisions_in_meeting"]} == {"Procédure d'accueil",
                                                                            "Embauche confidentielle"}
    staff_minutes = client.get(f"/api/v1/meetings/{meeting}/minutes", headers=as_staff)
    assert "Embauche confidentielle" not in staff_minutes.text
    assert [d["title"] for d in staff_minutes.json()["decisions_in_meeting"]] == ["Procédure d'accueil"]


def test_the_partners_packet_lists_adopted_decisions_without_confidential_ones_for_staff(client, app, as_chair):
    voters = [token_for(client, email) for email in (CHAIR, *MEMBERS)]
    for kind, title in [("procedure", "Procédure d'accueil adoptée"), ("hiring", "Embauche confidentielle adoptée")]:
        r = client.post("/api/v1/decisions", json={"kind": kind, "title": title, "text": "Texte."}, headers=as_chair)
        assert r.status_code == 201, r.text
        decision = r.json()["id"]
        assert client.post(f"/api/v1/decisions/{decision}/transitions", json={"trigger": "open"},
                           headers=as_chair).status_code == 200
        for headers in voters:
            client.post(f"/api/v1/decisions/{decision}/votes", json={"choice": "yes"}, headers=headers)
        assert client.get(f"/api/v1/decisions/{decision}", headers=as_chair).json()["state"] == "adopted"
    partners = body_id(client, as_chair, "partners_committee")
    r = client.post("/api/v1/meetings", json={"body_id": partners, "title": "Assemblée semestrielle",
                                              "starts_at": (datetime.now(UTC) + timedelta(days=10)).isoformat()},
                    headers=token_for(client, "admin@relais.demo"))
    meeting = r.json()["id"]
    from fastapi.testclient import TestClient

    with TestClient(app) as staff:
        sign_in(staff, STAFF)
        page = staff.get(f"/meetings/{meeting}/packet").text
    assert "Procédure d&#39;accueil adoptée" in page and "Embauche confidentielle" not in page
    with TestClient(app) as member:
        sign_in(member, CHAIR)
        page = member.get(f"/meetings/{meeting}/packet").text
        assert "Embauche confidentielle adoptée" in page
        assert "Embauche confidentielle" not in member.get(f"/meetings/{meeting}/packet?version=public").text
