"""Helpers for the committee tests: bodies by key, tasks, a CE meeting with an in-camera item.
(Sign-in, CSRF and tokens: `tests.helpers`.)"""

IN_CAMERA_TITLE = "Congédiement de l'intervenant X — dossier confidentiel"
OPEN_TITLES = ["Adoption de l'ordre du jour", "Suivi des redditions de comptes", "Bilan des communications"]


def body_id(client, headers, key: str) -> int:
    items = client.get("/api/v1/bodies?per_page=200", headers=headers).json()["items"]
    return next(b["id"] for b in items if b["key"] == key)


def create_task(client, headers, body: int, **extra):
    payload = {"body_id": body, "title": "Réviser le code d'éthique", **extra}
    return client.post("/api/v1/tasks", json=payload, headers=headers)


def ce_meeting_with_in_camera_item(client, chair_headers, **extra) -> tuple[int, list[int]]:
    """A CE meeting whose agenda is: 2 open items, the in-camera HR item, 1 open item."""
    ce = body_id(client, chair_headers, "executive_committee")
    r = client.post("/api/v1/meetings", json={
        "body_id": ce, "title": "Réunion mensuelle du CE", "starts_at": "2026-12-08T13:30:00",
        "ends_at": "2026-12-08T16:00:00", "place": "Han-Droits, Magog", **extra}, headers=chair_headers)
    assert r.status_code == 201, r.text
    meeting = r.json()["id"]
    ids = []
    for title, kind in [(OPEN_TITLES[0], "information"), (OPEN_TITLES[1], "discussion"),
                        (IN_CAMERA_TITLE, "human_resources"), (OPEN_TITLES[2], "discussion")]:
        r = client.post(f"/api/v1/meetings/{meeting}/agenda", headers=chair_headers, json={
            "title": title, "kind": kind, "minutes": f"Procès-verbal : {title}"})
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return meeting, ids
