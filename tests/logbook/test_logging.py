"""Outreach workers log interventions (one form, no JavaScript), are warned about identifiers
in the note, correct their own entries for 30 days, and cannot touch anyone else's; every
change is in the register, without the note. On SQLite and PostgreSQL."""

from datetime import timedelta

from sqlalchemy import select, update

from api.collective.models import Person
from api.logbook.models import Entry, EntryIssue
from api.register.models import RegisterEvent
from tests.helpers import ADMIN, CHAIR, PARTNER, csrf_of, sign_in, token_for
from tests.logbook.helpers import COORDINATOR, WORKER, WORKER2, log, name_coordinator, worker_headers


def _events(app, action):
    with app.state.runtime.database.session() as s:
        return s.execute(select(RegisterEvent).where(RegisterEvent.action == action)
                         .order_by(RegisterEvent.seq)).scalars().all()


def _count(app):
    with app.state.runtime.database.session() as s:
        return len(s.execute(select(Entry.id)).all())


def test_a_worker_logs_an_intervention_with_the_page_form(app, client):
    sign_in(client, WORKER)
    page = client.get("/logbook")
    assert page.status_code == 200
    assert "Aucun nom, adresse" in page.text  # the form says no identifying detail is kept
    token = csrf_of(page.text)
    r = client.post("/logbook", data={
        "csrf_token": token, "occurred_on": "", "duration_minutes": "45", "site": "omh_magog",
        "mode": "individual", "people_teens": "1", "people_adults": "2", "followups": "1",
        "issues": ["housing", "budget"], "ref_resource_1": "community", "ref_issue_1": "food",
        "note": "Accompagnement à la banque alimentaire."}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert "Intervention enregistrée" in client.get("/logbook").text
    with app.state.runtime.database.session() as s:
        e = s.execute(select(Entry)).scalar_one()
        assert (e.site, e.mode, e.people_total, e.followups, e.duration_minutes) == (
            "omh_magog", "individual", 3, 1, 45)
        assert sorted(i.issue for i in e.issues) == ["budget", "housing"]
        assert [(r.resource, r.issue) for r in e.referrals] == [("community", "food")]
    logged = _events(app, "logbook_entry.logged")[-1]
    assert logged.after["people"] == {"teens": 1, "adults": 2}
    assert "note" not in logged.after and logged.after["note_chars"] > 0  # the register never keeps the note


def test_a_note_with_a_phone_number_or_an_email_is_warned_and_saved_only_once_confirmed(app, client):
    sign_in(client, WORKER)
    token = csrf_of(client.get("/logbook").text)
    form = {"csrf_token": token, "site": "magog", "mode": "individual", "people_adults": "1",
            "note": "Rappeler Mme au 819 555-1234 ou marie@example.org"}
    r = client.post("/logbook", data=form)
    assert r.status_code == 422
    assert "numéro de téléphone" in r.text and "adresse courriel" in r.text
    assert "819 555-1234" in r.text  # what was typed is shown again, to be fixed
    assert _count(app) == 0
    r = client.post("/logbook", data={**form, "note": "Référée à Tel-Aide 514 935-1101", "note_confirmed": "on"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert _count(app) == 1
    # The API refuses it the same way unless confirmed.
    h = worker_headers(client)
    r = client.post("/api/v1/logbook/entries", json={"site": "magog", "mode": "individual", "people": {"adults": 1},
                                                     "note": "courriel: x@y.ca"}, headers=h)
    assert r.status_code == 422 and r.json()["field"] == "note"


def test_a_worker_corrects_their_own_entry_during_30_days_and_not_after(app, client):
    h = worker_headers(client)
    e = log(client, h, issues=["housing"])
    assert e["correctable_until"] is not None
    r = client.put(f"/api/v1/logbook/entries/{e['id']}", headers=h,
                   json={"site": "eastman", "mode": "group", "people": {"teens": 4}, "issues": ["isolation"]})
    assert r.status_code == 200, r.text
    assert (r.json()["site"], r.json()["people_total"], r.json()["version"]) == ("eastman", 4, 2)
    corrected = _events(app, "logbook_entry.corrected")[-1]
    assert corrected.before["site"] == "magog" and corrected.after["site"] == "eastman"
    # The statistics' copies follow the correction.
    with app.state.runtime.database.session() as s:
        assert s.execute(select(EntryIssue.site, EntryIssue.issue)).all() == [("eastman", "isolation")]
    # 31 days later, the window is closed.
    with app.state.runtime.database.session() as s:
        row = s.get(Entry, e["id"])
        row.created_at = row.created_at - timedelta(days=31)
    r = client.put(f"/api/v1/logbook/entries/{e['id']}", headers=h, json={"site": "magog", "mode": "individual",
                                                                          "people": {"adults": 1}})
    assert r.status_code == 403 and "30 jours" in r.json()["message"]
    assert client.get(f"/api/v1/logbook/entries/{e['id']}", headers=h).json()["correctable_until"] is None


def test_someone_elses_entry_is_refused(app, client, runtime):
    mine = log(client, worker_headers(client))
    other = worker_headers(client, WORKER2)
    # Another worker does not even see it.
    assert client.get(f"/api/v1/logbook/entries/{mine['id']}", headers=other).status_code == 404
    r = client.put(f"/api/v1/logbook/entries/{mine['id']}", headers=other,
                   json={"site": "magog", "mode": "individual", "people": {"adults": 1}})
    assert r.status_code == 404
    assert client.delete(f"/api/v1/logbook/entries/{mine['id']}", headers=other).status_code == 404
    assert client.get("/api/v1/logbook/entries", headers=other).json()["total"] == 0
    # The coordinator sees the team's entries but corrects only their own.
    name_coordinator(runtime)
    coord = token_for(client, COORDINATOR)
    assert client.get("/api/v1/logbook/entries", headers=coord).json()["total"] == 1
    r = client.put(f"/api/v1/logbook/entries/{mine['id']}", headers=coord,
                   json={"site": "magog", "mode": "individual", "people": {"adults": 1}})
    assert r.status_code == 403
    # Executive committee members (the body the rules name) read; partners and admins see nothing.
    assert client.get("/api/v1/logbook/entries", headers=token_for(client, CHAIR)).json()["total"] == 1
    assert client.post("/api/v1/logbook/entries", json={"site": "magog", "mode": "individual",
                                                       "people": {"adults": 1}},
                       headers=token_for(client, CHAIR)).status_code == 403
    for email in (PARTNER, ADMIN):
        assert client.get("/api/v1/logbook/entries", headers=token_for(client, email)).status_code == 403
        assert client.get(f"/api/v1/logbook/entries/{mine['id']}", headers=token_for(client, email)).status_code == 404
    # The page says so too.
    sign_in(client, WORKER2)
    assert client.get(f"/logbook/entries/{mine['id']}").status_code == 404


def test_a_worker_withdraws_an_entry_logged_by_mistake(app, client):
    h = worker_headers(client)
    e = log(client, h)
    sign_in(client, WORKER)
    token = csrf_of(client.get(f"/logbook/entries/{e['id']}").text)
    assert client.post(f"/logbook/entries/{e['id']}/withdraw", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    assert _count(app) == 0
    assert _events(app, "logbook_entry.withdrawn")[-1].before["site"] == "magog"


def test_bad_input_is_refused_clearly_and_changes_nothing(app, client):
    h = worker_headers(client)
    cases = [
        ({"site": "nowhere"}, "site"),
        ({"mode": "teleportation"}, "mode"),
        ({"people": {"adults": 0}}, "people"),
        ({"people": {"martians": 2}}, "people"),
        ({"issues": ["pandemic"]}, "issues"),  # retired: no longer offered
        ({"occurred_on": "2999-01-01"}, "occurred_on"),
        ({"followups": 5}, "followups"),
        ({"referrals": [{"resource": "cisss", "issue": "nope"}]}, "referrals"),
        ({"note": "a\x00b"}, "note"),
        ({"duration_minutes": 5000}, "duration_minutes"),
    ]
    for change, field in cases:
        body = {"site": "magog", "mode": "individual", "people": {"adults": 1}, **change}
        r = client.post("/api/v1/logbook/entries", json=body, headers=h)
        assert r.status_code == 422, (change, r.text)
        assert field in (r.json().get("field") or "") + str(r.json().get("detail")), (change, r.json())
    assert _count(app) == 0
    sign_in(client, WORKER)
    token = csrf_of(client.get("/logbook").text)
    r = client.post("/logbook", data={"csrf_token": token, "site": "magog", "people_adults": "1"})
    assert r.status_code == 422 and 'id="e-mode"' in r.text
    assert _count(app) == 0


def test_a_retired_category_stays_on_old_entries(app, client, runtime):
    h = worker_headers(client)
    e = log(client, h, issues=["housing"])
    with runtime.database.session() as s:  # an entry from before "pandemic" was retired
        s.execute(update(EntryIssue).values(issue="pandemic"))
    r = client.put(f"/api/v1/logbook/entries/{e['id']}", headers=h,
                   json={"site": "magog", "mode": "individual", "people": {"adults": 2}, "issues": ["pandemic"]})
    assert r.status_code == 200, r.text
    stats = client.get("/api/v1/logbook/statistics", headers=h).json()
    issues = next(d for d in stats["dimensions"] if d["key"] == "issue")
    assert any(c["key"] == "pandemic" and c["label"] == "Pandémie (COVID-19)" for c in issues["cells"])
    sign_in(client, WORKER)
    assert 'value="pandemic"' not in client.get("/logbook").text  # not offered for a new entry
    assert 'value="pandemic"' in client.get(f"/logbook/entries/{e['id']}").text  # kept on its own


def test_the_menu_shows_the_logbook_to_the_team_and_the_named_bodies_only(client):
    for email, shown in [(WORKER, True), (CHAIR, True), (PARTNER, False)]:
        client.cookies.clear()
        sign_in(client, email)
        assert ('href="/logbook"' in client.get("/").text) is shown, email


def test_an_administrator_names_the_coordinator_who_then_sees_each_workers_figures(app, client):
    log(client, worker_headers(client), people={"adults": 2})
    log(client, worker_headers(client, WORKER2), people={"teens": 3})
    coordinator = token_for(client, COORDINATOR)
    # Before being named, the coordinator is a worker like the others: their own entries only.
    assert client.get("/api/v1/logbook/entries", headers=coordinator).json()["total"] == 0
    # A worker may not name anyone.
    sign_in(client, WORKER)
    page = client.get("/logbook/team").text
    assert "Nommer à la coordination" not in page
    with app.state.runtime.database.session() as s:
        ids = dict(s.execute(select(Person.email, Person.id)).all())
    r = client.post("/logbook/team", data={"csrf_token": csrf_of(page), "person_id": str(ids[COORDINATOR]),
                                           "coordinator": "1"}, follow_redirects=False)
    assert r.status_code == 403
    # The administrator names them from the team page.
    client.cookies.clear()
    sign_in(client, ADMIN)
    page = client.get("/logbook/team").text
    assert "Nommer à la coordination" in page
    r = client.post("/logbook/team", data={"csrf_token": csrf_of(page), "person_id": str(ids[COORDINATOR]),
                                           "coordinator": "1"}, follow_redirects=False)
    assert r.status_code == 303
    assert _events(app, "logbook.coordinator_named")[-1].after == {"person_id": ids[COORDINATOR]}
    # Now they see the team's entries, and each worker's figures apart.
    assert client.get("/api/v1/logbook/entries", headers=coordinator).json()["total"] == 2
    one = client.get(f"/api/v1/logbook/statistics?worker_id={ids[WORKER2]}", headers=coordinator).json()
    assert (one["interventions"], one["people"]) == ("1", "3")
    team = client.get("/api/v1/logbook/statistics", headers=coordinator).json()
    workers = next(d for d in team["dimensions"] if d["key"] == "worker")
    assert sorted(c["count"] for c in workers["cells"]) == [1, 1]
    # A worker sees their own figures, never another worker's one by one.
    r = client.get(f"/api/v1/logbook/statistics?worker_id={ids[WORKER2]}", headers=worker_headers(client))
    assert r.status_code == 403


def test_the_register_shows_logbook_events_to_the_team_and_never_to_a_partner(app, client):
    entry_id = log(client, worker_headers(client), site="magog")["id"]

    def logged_seen_by(email):
        r = client.get("/api/v1/register", params={"object_type": "logbook_entry"},
                       headers=token_for(client, email))
        assert r.status_code == 200, r.text
        return [e for e in r.json()["items"] if e["object_id"] == entry_id]

    assert logged_seen_by(WORKER), "the worker reads the register's line about their entry"
    assert logged_seen_by(PARTNER) == []
    everything = client.get("/api/v1/register", params={"limit": 200}, headers=token_for(client, PARTNER))
    assert all(e["object_type"] != "logbook_entry" for e in everything.json()["items"])
