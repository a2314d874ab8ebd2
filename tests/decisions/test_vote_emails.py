"""The life of a vote reaches members by email: the invitation when it opens (in their
language, at the collective's local time, with vote buttons, a reply address and the closing
time in a calendar file), the outcome when it closes, once each; never a word of an in-camera
vote to a staff observer; the chair's "remind those who have not voted", once per 12 hours."""

from datetime import UTC, datetime

import icalendar

from api.decisions import service
from tests.decisions.conftest import create_and_open, events, person_id, text_of, vote, vote_links
from tests.helpers import CHAIR, MEMBERS, PARTNER, STAFF, csrf_of, sign_in

OTHER_STAFF = ["intervention1.err@relais.demo", "intervention2.err@relais.demo"]


def test_every_seat_holder_is_invited_once_in_their_language_and_everyone_gets_the_outcome_once(
        client, app, voters, mail, clock):
    decision_id = create_and_open(client, voters[CHAIR], kind="procedure", title="Procédure d'accueil")
    mail.send()
    mail.send()  # a second run of the worker sends nothing again

    # A French-speaking member: her invitation, with the rules in words and local times.
    [invitation] = mail.to(MEMBERS[0])
    assert invitation["Subject"] == ("Vote ouvert\u00a0: Procédure d'accueil — "
                                     "jusqu'au 23\u00a0octobre 2026, 8\u00a0h\u00a000 (HAE)")
    text = text_of(invitation)
    assert "Adoption du budget révisé." in text  # the text of the proposal
    assert "Proposé par Direction — Carrefour jeunesse-emploi (Carrefour jeunesse-emploi Memphrémagog)." in text
    assert "Fermeture du vote\u00a0: 23\u00a0octobre 2026, 8\u00a0h\u00a000 (HAE)" in text
    assert ("Pour être adoptée\u00a0: quorum de 50 % des sièges votants, soit 3 sur 5; "
            "majorité simple des votes exprimés.") in text
    assert "Le vote se fermera dès que tous auront voté." in text
    links = vote_links(invitation)
    assert set(links) == {"yes", "no", "abstain"}
    assert all(f"/decisions/{decision_id}/email-vote/" in url for url in links.values())
    assert "Ouvrir dans Relais" in text and f"http://testserver/decisions/{decision_id}" in text
    # Answering the email votes too: a personal reply address for this decision.
    reply_to = str(invitation["Reply-To"])
    assert reply_to.startswith(f"vote+{decision_id}.{person_id(app, MEMBERS[0])}.")
    assert reply_to.endswith("@relais.example")
    # The closing time in a calendar file.
    [ics] = [part for part in invitation.iter_attachments() if part.get_content_type() == "text/calendar"]
    [event] = icalendar.Calendar.from_ical(ics.get_content()).walk("VEVENT")
    assert event.decoded("DTSTART") == datetime(2026, 10, 23, 12, 0, tzinfo=UTC)

    # An English-speaking member reads it in English, at the same local time.
    [english] = mail.to(MEMBERS[3])
    assert english["Subject"] == "Vote open: Procédure d'accueil — until October 23, 2026, 8:00 AM (EDT)"
    assert "a quorum of 50% of the voting seats, that is 3 of 5; simple majority of votes cast" in text_of(english)
    assert "The vote will close as soon as everyone has voted." in text_of(english)

    # Staff observers are told, without vote buttons nor reply address; other bodies are not.
    [observer] = mail.to(STAFF)
    assert vote_links(observer) == {} and observer["Reply-To"] is None
    assert "pour information" in text_of(observer)
    assert mail.to(PARTNER) == []

    # Everyone votes: the vote closes early and the outcome goes to every seat holder, once.
    for email, choice in zip(voters, ["yes", "yes", "yes", "yes", "no"], strict=True):
        assert vote(client, voters[email], decision_id, choice).status_code == 201
    mail.send()
    mail.send()
    [outcome] = mail.kind(MEMBERS[1], "Résultat")
    assert outcome["Subject"] == "Résultat\u00a0: Procédure d'accueil — Adoptée"
    text = text_of(outcome)
    assert ("Adoptée\u00a0: 4 pour, 1 contre, 0 abstention; quorum de 3 sur 5 atteint; "
            "majorité simple des votes exprimés.") in text
    assert "Direction — Carrefour jeunesse-emploi (Carrefour jeunesse-emploi Memphrémagog)\u00a0: Pour" in text
    assert "Coordination — Memphré en Mouvement (Memphré en Mouvement)\u00a0: Contre" in text
    # The register's head when it closed: the adoption event.
    adopted = next(e for e in events(client, voters[CHAIR], decision_id) if e["action"] == "decision.adopt")
    assert f"événement n° {adopted['seq']}, empreinte {adopted['hash']}" in text
    assert outcome["Reply-To"] is None and not list(outcome.iter_attachments())
    assert [m["Subject"] for m in mail.kind(MEMBERS[3], "Outcome")] == ["Outcome: Procédure d'accueil — Adopted"]
    assert len(mail.kind(STAFF, "Résultat")) == 1
    assert mail.sink.duplicates() == {}
    assert all(len(mail.to(email)) == 2 for email in voters)  # one invitation, one outcome


def test_an_in_camera_vote_never_reaches_a_staff_observer_and_a_secret_ballot_shows_no_names(
        client, voters, mail, clock):
    decision_id = create_and_open(client, voters[CHAIR], kind="hiring", title="Embauche — candidature B")
    mail.send()
    for email in [STAFF, *OTHER_STAFF]:
        assert mail.to(email) == []
    assert len(mail.to(MEMBERS[2])) == 1
    for email in voters:
        assert vote(client, voters[email], decision_id, "yes").status_code == 201
    mail.send()
    for email in [STAFF, *OTHER_STAFF]:
        assert mail.to(email) == []
    [outcome] = mail.kind(MEMBERS[2], "Résultat")
    text = text_of(outcome)
    assert text.startswith("Résultat du vote — Adoptée")
    assert "Adoptée\u00a0: 5 pour, 0 contre" in text
    assert "Votes par siège" not in text and "Direction — Han-Droits" not in text  # secret ballot
    # Nor on the page or in the register: the count only.
    detail = client.get(f"/api/v1/decisions/{decision_id}", headers=voters[MEMBERS[2]]).json()
    assert detail["tally"] == {"yes": 5, "no": 0, "abstain": 0}
    assert all("choice" not in v for v in detail["voters"])
    tallied = next(e for e in events(client, voters[CHAIR], decision_id) if e["action"] == "decision.tallied")
    assert all("choice" not in v for v in tallied["after"]["votes"])


def test_an_invitation_opened_at_night_leaves_in_the_morning(client, voters, mail, clock):
    clock.set(datetime(2026, 10, 21, 2, 30, tzinfo=UTC))  # 22 h 30 in Toronto
    create_and_open(client, voters[CHAIR], kind="procedure", title="Procédure de nuit")
    mail.send()
    assert mail.to(MEMBERS[0]) == []
    clock.set(datetime(2026, 10, 21, 12, 0, tzinfo=UTC))  # 8 h 00
    mail.send()
    [invitation] = mail.to(MEMBERS[0])
    assert "jusqu'au 23\u00a0octobre 2026, 22\u00a0h\u00a030 (HAE)" in str(invitation["Subject"])


def test_the_chair_reminds_those_who_have_not_voted_once_per_twelve_hours(client, voters, mail, clock):
    decision_id = create_and_open(client, voters[CHAIR], kind="budget", title="Budget 2027")
    assert vote(client, voters[MEMBERS[0]], decision_id, "yes").status_code == 201
    mail.send()
    # A member may not remind the others (the budget's rules: chair, secretary, admin).
    r = client.post(f"/api/v1/decisions/{decision_id}/nudges", headers=voters[MEMBERS[1]])
    assert r.status_code == 403 and r.json()["code"] == "decision.nudge_forbidden"
    r = client.post(f"/api/v1/decisions/{decision_id}/nudges", headers=voters[CHAIR])
    assert r.status_code == 201, r.text
    assert r.json()["recipients"] == 4  # the chair, members 1 to 3; not member 0, who voted
    assert r.json()["next_allowed_at"] == "2026-10-21T00:00:00+00:00"
    mail.send()
    assert mail.kind(MEMBERS[0], "Votre vote est attendu") == []
    [reminder] = mail.kind(MEMBERS[1], "Votre vote est attendu")
    assert "Direction — Carrefour jeunesse-emploi vous rappelle que vous n'avez pas encore voté." in text_of(reminder)
    assert set(vote_links(reminder)) == {"yes", "no", "abstain"} and reminder["Reply-To"] is not None
    # Twice within 12 hours: refused, nothing sent.
    clock.advance(hours=11)
    r = client.post(f"/api/v1/decisions/{decision_id}/nudges", headers=voters[CHAIR])
    assert r.status_code == 429 and r.json()["code"] == "decision.nudge_too_soon"
    clock.advance(hours=1)
    assert vote(client, voters[MEMBERS[1]], decision_id, "no").status_code == 201
    r = client.post(f"/api/v1/decisions/{decision_id}/nudges", headers=voters[CHAIR])
    assert r.status_code == 201 and r.json()["recipients"] == 3
    mail.send()  # 20 h in Toronto: the reminder waits for the sending hours
    assert len(mail.kind(MEMBERS[2], "Votre vote est attendu")) == 1
    clock.set(datetime(2026, 10, 21, 12, 0, tzinfo=UTC))
    mail.send()
    assert len(mail.kind(MEMBERS[1], "Votre vote est attendu")) == 1
    assert len(mail.kind(MEMBERS[2], "Votre vote est attendu")) == 2
    nudged = [e for e in events(client, voters[CHAIR], decision_id) if e["action"] == "decision.nudged"]
    assert [e["after"]["recipients"] for e in nudged] == [4, 3]
    assert {e["actor_id"] for e in nudged} == {person_id(client.app, CHAIR)}


def test_a_member_who_muted_invitations_gets_none(client, voters, mail, clock):
    sign_in(client, MEMBERS[1])
    page = client.get("/preferences").text
    assert "Ouverture d&#39;un vote" in page  # the new kinds are on the preferences page
    kinds = [k for k in client.app.state.runtime.rules.reminders.kinds if k != "decision_invitation"]
    r = client.post("/preferences", data={"csrf_token": csrf_of(page), "kinds": kinds, "mode": "immediate",
                                          "digest_hour": "7"}, follow_redirects=False)
    assert r.status_code == 303
    create_and_open(client, voters[CHAIR], kind="procedure", title="Procédure muette")
    mail.send()
    assert mail.to(MEMBERS[1]) == [] and len(mail.to(MEMBERS[2])) == 1


def test_a_vote_closed_by_time_sends_its_outcome(client, app, voters, mail, clock):
    decision_id = create_and_open(client, voters[CHAIR], kind="procedure", title="Procédure")
    clock.advance(hours=73)
    assert service.close_due_decisions(app.state.runtime) == [decision_id]
    mail.send()
    [outcome] = mail.kind(MEMBERS[0], "Résultat")
    assert "Quorum non atteint\u00a0: 0 pour, 0 contre, 0 abstention" in text_of(outcome)
