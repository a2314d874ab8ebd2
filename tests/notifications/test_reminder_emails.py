"""Every reminder says what it is about and asks for one thing: the item's title, its body,
the people and money concerned, the date in words in the collective's time zone, how far it
is ("dans 3 jours", "en retard depuis 1 jour"), and one button to the right page. Read from
the emails as they reach a real SMTP server, in French and in English."""

import re
from dataclasses import replace
from datetime import timedelta
from html import unescape

from sqlalchemy import select

from api.collective.models import Body, Person
from notifications.deadlines import Deadline, details, upsert_deadline
from tests.committees.helpers import body_id, create_task
from tests.decisions.conftest import create_and_open
from tests.helpers import ADMIN, CHAIR, MEMBERS, STAFF, token_for, unit_of_work
from tests.notifications.conftest import deliver, wait_for

BASE = "http://relais.test"
HREF = re.compile(r'href="([^"]+)"')
URL = re.compile(r"https?://\S+")


def _runtime(configure, smtp):
    return configure(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_timeout_seconds=2, base_url=BASE)


def _parts(msg) -> tuple[str, str]:
    return msg.get_body(("plain",)).get_content(), unescape(msg.get_body(("html",)).get_content())


def _actions(urls) -> list[str]:
    """The links of an email that are not its footer (preferences, unsubscribe)."""
    return [u for u in urls if "/preferences" not in u and "/unsubscribe/" not in u]


def assert_one_action(msg, label: str, path: str) -> None:
    text, html = _parts(msg)
    assert _actions(HREF.findall(html)) == [BASE + path], HREF.findall(html)
    assert _actions(URL.findall(text)) == [BASE + path], text
    assert html.count(f">{label}</a>") == 1 and text.count(label) == 1
    assert "Ouvrir dans Relais" not in html + text and "Open in Relais" not in html + text


def _reminders(smtp, email: str, count: int = 1) -> list:
    wait_for(lambda: len(smtp.sink.to(email)) >= count)
    return [m for m in smtp.sink.to(email) if m["Subject"].startswith(("Rappel", "Reminder", "En retard", "Overdue"))]


def _ids(database) -> dict:
    with database.session() as session:
        people = {p.email: p.id for p in session.execute(select(Person)).scalars()}
        people["_bodies"] = {b.key: b.id for b in session.execute(select(Body)).scalars()}
    return people


def test_a_task_reminder_names_the_task_its_body_and_its_date_and_opens_the_task(
        client, database, configure, clock, smtp):
    chair = token_for(client, CHAIR)
    ids = _ids(database)
    board = body_id(client, chair, "communications")
    # Tuesday October 20, 2026, 8:00 in Montréal; due Friday at 17:00: the 7-day reminder
    # was missed, so it goes at once and says the real time left.
    r = create_task(client, chair, board, title="Réviser le code d'éthique", due_at="2026-10-23T17:00:00",
                    owner_ids=[ids[MEMBERS[2]]])
    assert r.status_code == 201, r.text
    deliver(_runtime(configure, smtp))
    [msg] = _reminders(smtp, MEMBERS[2])
    text, html = _parts(msg)
    assert "Réviser le code d'éthique" in msg["Subject"]
    assert "vendredi 23\u00a0octobre 2026, 17\u00a0h\u00a000 (HAE)" in msg["Subject"]
    for part in (text, html):
        assert "Réviser le code d'éthique" in part
        assert "Instance\u00a0: Sous-comité communications" in part
        assert "dans 3 jours" in part and "jour(s)" not in part
        assert "vendredi 23\u00a0octobre 2026, 17\u00a0h\u00a000 (HAE)" in part
    assert "Échéance\u00a0: vendredi" in text
    assert_one_action(msg, "Ouvrir la tâche", f"/tasks/{r.json()['id']}")


def test_an_english_meeting_reminder_says_where_and_when_and_links_to_the_agenda(
        client, database, configure, clock, smtp):
    chair = token_for(client, CHAIR)
    with database.session() as session:
        reader = session.execute(select(Person).where(Person.email == MEMBERS[1])).scalar_one()
        reader.language = "en"
        session.commit()
    ce = body_id(client, chair, "executive_committee")
    r = client.post("/api/v1/meetings", headers=chair, json={
        "body_id": ce, "title": "Monthly meeting", "starts_at": "2026-10-25T13:30:00",
        "ends_at": "2026-10-25T16:00:00", "place": "Han-Droits, Magog"})
    assert r.status_code == 201, r.text
    deliver(_runtime(configure, smtp))
    [msg] = _reminders(smtp, MEMBERS[1])
    text, html = _parts(msg)
    assert msg["Subject"] == ("Reminder: Executive committee: Monthly meeting — "
                              "Sunday, October 25, 2026, 1:30 PM (EDT)")
    for part in (text, html):
        assert "in 5 days" in part and "day(s)" not in part
        assert "Where: Han-Droits, Magog" in part
        assert "When:" in part and "Sunday, October 25, 2026, 1:30 PM (EDT)" in part
    assert "\u00a0" not in text and " :" not in text  # no French typography in English
    assert_one_action(msg, "See the agenda", f"/meetings/{r.json()['id']}")
    # The French reader of the same body gets it in French, the body named once (in the title).
    [french] = _reminders(smtp, MEMBERS[0])
    assert french["Subject"].startswith("Rappel\u00a0: Conseil exécutif\u00a0: Monthly meeting — dimanche 25")
    assert "Lieu\u00a0: Han-Droits, Magog" in _parts(french)[0]
    assert "Instance" not in _parts(french)[0]
    assert_one_action(french, "Voir l'ordre du jour", f"/meetings/{r.json()['id']}")


def test_a_vote_closing_reminder_says_when_the_vote_closes_and_asks_for_the_vote(
        client, database, configure, clock, smtp):
    chair = token_for(client, CHAIR)
    decision = create_and_open(client, chair, title="Budget révisé 2026-2027")  # closes in 72 h
    runtime = _runtime(configure, smtp)
    clock.advance(hours=24, minutes=1)  # the 48-hour reminder is due
    deliver(runtime)
    wait_for(lambda: any(m["Subject"].startswith("Rappel") for m in smtp.sink.to(MEMBERS[2])))
    [msg] = _reminders(smtp, MEMBERS[2])
    text, html = _parts(msg)
    assert "Budget révisé 2026-2027" in msg["Subject"]
    for part in (text, html):
        assert "Instance\u00a0: Conseil exécutif" in part
        assert "Fin du vote" in part and "vendredi 23\u00a0octobre 2026, 8\u00a0h\u00a000 (HAE)" in part
        assert "dans 1 jour" in part and "dans 1 jours" not in part
    assert_one_action(msg, "Voter", f"/decisions/{decision}")


def _grant_deadline(ids, kind: str, day_offset: int, clock, all_day: bool) -> Deadline:
    """A grant deadline as the grants area describes it: the funder, the amount requested and
    the owner (`notifications.deadlines.details`)."""
    fr, en = details(funder="Centraide Estrie", grant="Mercier-Est en réseau", amount_cents=4_500_000,
                     amount_awarded=False, owner="Gestion Han-Droits")
    titles = {"grant_application_deadline": ("Dépôt de la demande", "Application deadline"),
              "grant_internal_draft": ("Brouillon interne", "Internal draft")}[kind]
    return Deadline(kind=kind, object_type="grant_application", object_id=5,
                    due_at=clock.at + timedelta(days=day_offset), all_day=all_day,
                    title_fr=f"{titles[0]} — Mercier-Est en réseau", title_en=f"{titles[1]} — Mercier-Est en réseau",
                    path="/grants/5", recipient_ids=frozenset({ids[MEMBERS[0]]}),
                    body_id=ids["_bodies"]["funding"], details_fr=fr, details_en=en)


def test_a_grant_application_reminder_names_the_funder_the_amount_and_the_owner(
        database, configure, clock, smtp):
    runtime = _runtime(configure, smtp)
    ids = _ids(database)
    with unit_of_work(runtime) as ctx:
        upsert_deadline(ctx, _grant_deadline(ids, "grant_application_deadline", 2, clock, all_day=False))
    deliver(runtime)
    [msg] = _reminders(smtp, MEMBERS[0])
    text, html = _parts(msg)
    assert msg["Subject"].startswith("Rappel\u00a0: Dépôt de la demande — Mercier-Est en réseau — jeudi 22")
    for part in (text, html):
        assert "Bailleur de fonds\u00a0: Centraide Estrie" in part
        assert "Montant demandé\u00a0: 45\u00a0000,00\u00a0$" in part
        assert "Responsable\u00a0: Gestion Han-Droits" in part
        assert "Instance\u00a0: Sous-comité financement" in part
        assert "dans 2 jours" in part
        assert "Date limite de dépôt\u00a0:" in part and "jeudi 22\u00a0octobre 2026, 8\u00a0h\u00a000 (HAE)" in part
    assert_one_action(msg, "Finaliser la demande", "/grants/5")


def test_an_internal_draft_reminder_sent_late_in_english_says_it_is_one_day_overdue(
        database, configure, clock, smtp):
    from api.grants.recurrence import due_at

    runtime = _runtime(configure, smtp)
    ids = _ids(database)
    with database.session() as session:
        session.get(Person, ids[MEMBERS[0]]).language = "en"
        session.commit()
    with unit_of_work(runtime) as ctx:  # the draft is due Friday, October 30 (a date, no time)
        deadline = _grant_deadline(ids, "grant_internal_draft", 0, clock, all_day=True)
        upsert_deadline(ctx, replace(deadline, due_at=due_at(clock.at.date() + timedelta(days=10), ctx.tz)))
    clock.advance(days=11)  # the worker was down: the reminder leaves the day after the date
    deliver(runtime)
    [msg] = _reminders(smtp, MEMBERS[0])
    text, html = _parts(msg)
    assert msg["Subject"].startswith("Overdue: Internal draft — Mercier-Est en réseau — overdue by 1 day")
    for part in (text, html):
        assert "overdue by 1 day" in part and "day(s)" not in part and "1 days" not in part
        assert "Funder: Centraide Estrie" in part and "Amount requested: $45,000.00" in part
        assert "Owner: Gestion Han-Droits" in part
        assert "Friday, October 30, 2026" in part
    assert_one_action(msg, "Submit the internal draft", "/grants/5")


def test_one_owner_or_several_are_named_with_a_real_plural():
    fr, en = details(owner=["Ana Tremblay", "Luc Roy"])
    assert fr == "Responsables\u00a0: Ana Tremblay, Luc Roy" and en == "Owners: Ana Tremblay, Luc Roy"
    fr, en = details(owner=["Ana Tremblay"], body=("Conseil exécutif", "Executive committee"))
    assert fr.splitlines() == ["Instance\u00a0: Conseil exécutif", "Responsable\u00a0: Ana Tremblay"]
    assert en.splitlines() == ["Body: Executive committee", "Owner: Ana Tremblay"]


def test_an_in_camera_task_reminder_names_it_to_its_owner_and_never_to_the_admin_or_staff(
        client, database, configure, clock, smtp):
    runtime = _runtime(configure, smtp)
    ids = _ids(database)
    with unit_of_work(runtime) as ctx:
        upsert_deadline(ctx, Deadline(
            kind="task_due", object_type="task", object_id=41, due_at=clock.at + timedelta(days=3),
            title_fr="Dossier disciplinaire de l'intervenant X", title_en="Disciplinary file of worker X",
            path="/tasks/41", recipient_ids=frozenset({ids[CHAIR], ids[STAFF]}),
            confidential_category="human_resources", body_id=ids["_bodies"]["hr"]))
    as_admin = token_for(client, ADMIN)
    listing = client.get("/api/v1/outbox?status=planned", headers=as_admin).json()
    assert "disciplinaire" not in str(listing).lower() and listing["items"]
    assert all(i["preview"]["masked"] and i["preview"]["text"] is None for i in listing["items"])
    deliver(runtime)
    [msg] = _reminders(smtp, CHAIR)
    assert "Dossier disciplinaire" in msg["Subject"]
    assert "Instance\u00a0: Sous-comité ressources humaines" in _parts(msg)[0]
    assert_one_action(msg, "Ouvrir la tâche", "/tasks/41")
    assert smtp.sink.to(STAFF) == []  # a staff observer never hears of it
