"""A decision's discussion and the reasons given with votes: members comment (in order, with
their organisation), may edit their comment for 15 minutes, and the voters read new comments
in their daily digest, never one email per comment; a comment is as confidential as its
decision. A vote may carry a reason, shown with the vote when votes are named. Withdrawing a
proposal that has votes asks for a confirmation and a reason, both recorded and told."""

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from tests.decisions.conftest import create_and_open, events, text_of, vote
from tests.helpers import CHAIR, MEMBERS, STAFF, csrf_of, sign_in, token_for


def _comment(client, headers, decision_id: int, text: str):
    return client.post(f"/api/v1/decisions/{decision_id}/comments", json={"text": text}, headers=headers)


def test_members_discuss_a_proposal_and_edit_their_comment_for_fifteen_minutes(client, voters, clock):
    decision_id = create_and_open(client, voters[CHAIR], kind="procedure", title="Procédure d'accueil")
    r = _comment(client, voters[MEMBERS[0]], decision_id, "Qui prépare la trousse d'accueil ?")
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["organisation"] == "Han-Droits" and first["editable"] is True
    clock.advance(minutes=2)
    assert _comment(client, voters[CHAIR], decision_id, "La coordination, comme l'an dernier.").status_code == 201

    # In order, with each author's organisation; only the author may edit.
    items = client.get(f"/api/v1/decisions/{decision_id}/comments", headers=voters[MEMBERS[1]]).json()["items"]
    assert [c["text"] for c in items] == ["Qui prépare la trousse d'accueil ?", "La coordination, comme l'an dernier."]
    assert [c["editable"] for c in items] == [False, False]
    r = client.patch(f"/api/v1/decisions/{decision_id}/comments/{first['id']}", json={"text": "Piraté"},
                     headers=voters[MEMBERS[1]])
    assert r.status_code == 403 and r.json()["code"] == "decision.comment_not_yours"

    clock.advance(minutes=10)  # 12 minutes after writing it
    r = client.patch(f"/api/v1/decisions/{decision_id}/comments/{first['id']}",
                     json={"text": "Qui prépare la trousse d'accueil 2027 ?"}, headers=voters[MEMBERS[0]])
    assert r.status_code == 200 and r.json()["edited_at"] is not None
    clock.advance(minutes=4)  # 16 minutes: too late
    r = client.patch(f"/api/v1/decisions/{decision_id}/comments/{first['id']}", json={"text": "Encore"},
                     headers=voters[MEMBERS[0]])
    assert r.status_code == 403 and r.json()["code"] == "decision.comment_edit_expired"
    items = client.get(f"/api/v1/decisions/{decision_id}/comments", headers=voters[MEMBERS[1]]).json()["items"]
    assert items[0]["text"] == "Qui prépare la trousse d'accueil 2027 ?"

    # The register keeps that they were written and edited, not their text.
    logged = [e for e in events(client, voters[CHAIR], decision_id) if e["action"].startswith("comment.")]
    assert [e["action"] for e in logged] == ["comment.added", "comment.added", "comment.edited"]
    assert all("Qui prépare" not in str(e) for e in logged)

    # The page shows the thread, with an edit link for its author only while it is editable.
    browser = TestClient(client.app)
    sign_in(browser, MEMBERS[0])
    page = browser.get(f"/decisions/{decision_id}").text
    assert "Qui prépare la trousse d&#39;accueil 2027 ?" in page and "(Han-Droits)" in page
    assert f"/comments/{first['id']}/edit" not in page
    r = browser.post(f"/decisions/{decision_id}/comments", data={"csrf_token": csrf_of(page), "text": "Merci !"},
                     follow_redirects=False)
    assert r.status_code == 303
    page = browser.get(f"/decisions/{decision_id}").text
    assert "Merci !" in page and "/edit" in page


def test_new_comments_reach_the_voters_in_their_daily_digest_not_one_email_each(client, voters, mail, clock):
    decision_id = create_and_open(client, voters[CHAIR], kind="procedure", title="Procédure d'accueil")
    mail.send()  # the invitations
    before = {email: len(mail.to(email)) for email in voters}
    for text in ("Premier commentaire", "Deuxième commentaire", "Troisième commentaire"):
        assert _comment(client, voters[CHAIR], decision_id, text).status_code == 201
        clock.advance(minutes=1)
    mail.send()
    assert {email: len(mail.to(email)) for email in voters} == before  # no email per comment

    clock.set(datetime(2026, 10, 21, 11, 0, tzinfo=UTC))  # 7 h the next morning in Toronto
    mail.send(digest=True)
    digests = [m for m in mail.to(MEMBERS[1]) if "Procédure d'accueil" in text_of(m)
               and "Nouveaux commentaires dans la discussion" in text_of(m)]
    assert len(digests) == 1
    assert text_of(digests[0]).count("Nouveaux commentaires dans la discussion") == 1  # one line, three comments
    # The author is not told of their own comments.
    assert not any("Nouveaux commentaires" in text_of(m) for m in mail.to(CHAIR))


def test_a_comment_is_as_confidential_as_its_decision(client, voters):
    decision_id = create_and_open(client, voters[CHAIR], kind="hiring", title="Embauche — candidature B")
    assert _comment(client, voters[MEMBERS[2]], decision_id, "Candidature solide.").status_code == 201
    staff = token_for(client, STAFF)
    assert client.get(f"/api/v1/decisions/{decision_id}/comments", headers=staff).status_code == 404
    assert _comment(client, staff, decision_id, "Je peux ?").status_code == 404
    assert len(client.get(f"/api/v1/decisions/{decision_id}/comments",
                          headers=voters[MEMBERS[0]]).json()["items"]) == 1


def test_a_reason_is_shown_with_the_vote_when_votes_are_named_only(client, voters):
    named = create_and_open(client, voters[CHAIR], kind="procedure", title="Procédure")
    r = client.post(f"/api/v1/decisions/{named}/votes", json={"choice": "no", "reason": "Trop tôt dans l'année."},
                    headers=voters[MEMBERS[1]])
    assert r.status_code == 201
    [cast] = client.get(f"/api/v1/decisions/{named}", headers=voters[MEMBERS[0]]).json()["voters"]
    assert (cast["choice"], cast["reason"]) == ("no", "Trop tôt dans l'année.")
    browser = TestClient(client.app)
    sign_in(browser, MEMBERS[0])
    page = browser.get(f"/decisions/{named}").text
    assert "Contre — «\u00a0Trop tôt dans l&#39;année.\u00a0»" in page
    # From the page, with a reason: the register says it came from the page.
    r = browser.post(f"/decisions/{named}/vote", data={"csrf_token": csrf_of(page), "choice": "yes",
                                                       "reason": "Bonne pratique."}, follow_redirects=False)
    assert r.status_code == 303
    page = browser.get(f"/decisions/{named}").text
    assert "Pour — «\u00a0Bonne pratique.\u00a0»" in page
    assert 'value="yes"\n        aria-pressed="true"' in page or 'aria-pressed="true">✓ Pour' in page
    cast = [e for e in events(client, voters[CHAIR], named) if e["action"] == "vote.cast"]
    assert [(e["after"]["channel"], e["after"]["reason"]) for e in cast] == [
        ("api", "Trop tôt dans l'année."), ("page", "Bonne pratique.")]

    hidden = create_and_open(client, voters[CHAIR], kind="budget", title="Budget")
    r = client.post(f"/api/v1/decisions/{hidden}/votes", json={"choice": "no", "reason": "Trop cher."},
                    headers=voters[MEMBERS[1]])
    assert r.status_code == 201
    [cast] = client.get(f"/api/v1/decisions/{hidden}", headers=voters[MEMBERS[0]]).json()["voters"]
    assert "choice" not in cast and "reason" not in cast
    assert "Trop cher." not in browser.get(f"/decisions/{hidden}").text
    assert all("Trop cher." not in str(e) for e in events(client, voters[CHAIR], hidden))


def test_withdrawing_a_proposal_with_votes_asks_for_a_confirmation_and_a_reason(client, voters, mail, clock):
    decision_id = create_and_open(client, voters[CHAIR], kind="procedure", title="Procédure à retirer")
    assert vote(client, voters[MEMBERS[0]], decision_id, "yes").status_code == 201
    transitions = f"/api/v1/decisions/{decision_id}/transitions"
    r = client.post(transitions, json={"trigger": "withdraw"}, headers=voters[CHAIR])
    assert r.status_code == 409, r.text
    r = client.post(transitions, json={"trigger": "withdraw", "params": {"reason": "Texte à revoir"}},
                    headers=voters[CHAIR])
    assert r.status_code == 409  # no confirmation
    assert client.get(f"/api/v1/decisions/{decision_id}", headers=voters[CHAIR]).json()["state"] == "open"

    # On the page: the button leads to a confirmation with a reason.
    browser = TestClient(client.app)
    sign_in(browser, CHAIR)
    page = browser.get(f"/decisions/{decision_id}").text
    assert f'href="/decisions/{decision_id}/withdraw"' in page
    form = browser.get(f"/decisions/{decision_id}/withdraw").text
    r = browser.post(f"/decisions/{decision_id}/withdraw",
                     data={"csrf_token": csrf_of(form), "reason": "Texte à revoir"})
    assert r.status_code == 422
    assert client.get(f"/api/v1/decisions/{decision_id}", headers=voters[CHAIR]).json()["state"] == "open"
    r = browser.post(f"/decisions/{decision_id}/withdraw",
                     data={"csrf_token": csrf_of(form), "reason": "Texte à revoir", "confirmed": "on"},
                     follow_redirects=False)
    assert r.status_code == 303
    detail = client.get(f"/api/v1/decisions/{decision_id}", headers=voters[MEMBERS[1]]).json()
    assert detail["state"] == "withdrawn" and detail["withdrawal_reason"] == "Texte à revoir"
    withdrawn = next(e for e in events(client, voters[CHAIR], decision_id) if e["action"] == "decision.withdraw")
    assert (withdrawn["after"]["reason"], withdrawn["after"]["confirmed"]) == ("Texte à revoir", True)

    # Everyone is told, with the reason.
    mail.send()
    [outcome] = mail.kind(MEMBERS[0], "Résultat")
    assert "Texte à revoir" in text_of(outcome)
