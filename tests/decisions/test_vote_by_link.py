"""Voting from the invitation's buttons: following a link only shows the vote to confirm (a
mail scanner that opens links votes nothing); "Confirmer mon vote" casts it through the same
service as the page; a link used for another decision, another choice, after closing or
after a recusal is refused with a page that says why, and changes nothing."""

from fastapi.testclient import TestClient

from tests.decisions.conftest import create_and_open, events, vote_links
from tests.helpers import CHAIR, MEMBERS, csrf_of


def _invitation_links(mail, email: str, decision_id: int) -> dict[str, str]:
    mail.send()
    found = [vote_links(m) for m in mail.to(email)]
    return next(links for links in found if links and f"/decisions/{decision_id}/" in links["yes"])


def _path(url: str) -> str:
    return url.split("http://testserver", 1)[1]


def _my_vote(client, voters, email: str, decision_id: int):
    return client.get(f"/api/v1/decisions/{decision_id}", headers=voters[email]).json()["my_vote"]


def test_a_member_confirms_the_vote_of_the_button_they_followed(app, client, voters, mail, clock):
    decision_id = create_and_open(client, voters[CHAIR], kind="procedure", title="Procédure d'accueil")
    links = _invitation_links(mail, MEMBERS[0], decision_id)
    browser = TestClient(app)  # not signed in: the link is enough

    # Following the link (twice, like a mail scanner then the person) votes nothing.
    for _ in range(2):
        page = browser.get(_path(links["yes"]))
        assert page.status_code == 200
        assert "Votre choix\u00a0: Pour" in page.text and "Confirmer mon vote" in page.text
    assert _my_vote(client, voters, MEMBERS[0], decision_id) is None

    # Confirming casts it, through the same service: the register says it came by link.
    r = browser.post(_path(links["yes"]), data={"csrf_token": csrf_of(page.text)})
    assert r.status_code == 200 and "Votre vote est enregistré\u00a0: Pour." in r.text
    assert 'id="choice-yes" name="shown-choice" value="yes" disabled checked' in r.text
    assert "Confirmer mon vote" not in r.text
    assert _my_vote(client, voters, MEMBERS[0], decision_id) == "yes"
    cast = [e for e in events(client, voters[CHAIR], decision_id) if e["action"] == "vote.cast"]
    assert len(cast) == 1 and cast[0]["after"]["channel"] == "link"
    assert cast[0]["actor_id"] == client.get("/api/v1/me", headers=voters[MEMBERS[0]]).json()["id"]
    # The browser is not signed in by the link.
    assert browser.get("/decisions", follow_redirects=False).status_code in (303, 307)

    # Another button of the same email changes the vote (the kind allows it).
    page = browser.get(_path(links["no"]))
    assert "Votre vote actuel\u00a0: Pour." in page.text
    r = browser.post(_path(links["no"]), data={"csrf_token": csrf_of(page.text)})
    assert "Votre vote est modifié\u00a0: Contre." in r.text
    assert _my_vote(client, voters, MEMBERS[0], decision_id) == "no"


def test_a_link_is_refused_for_another_decision_another_choice_after_closing_or_after_a_recusal(
        app, client, voters, mail, clock):
    first = create_and_open(client, voters[CHAIR], kind="procedure", title="Première procédure")
    second = create_and_open(client, voters[CHAIR], kind="budget", title="Budget 2027")
    links = _invitation_links(mail, MEMBERS[1], first)
    browser = TestClient(app)
    csrf = csrf_of(browser.get(_path(links["yes"])).text)

    # The token of the first decision on the second one's address.
    elsewhere = _path(links["yes"]).replace(f"/decisions/{first}/", f"/decisions/{second}/")
    for method in (browser.get, lambda url: browser.post(url, data={"csrf_token": csrf})):
        r = method(elsewhere)
        assert r.status_code == 403 and "celui d&#39;une autre décision" in r.text
        assert "Aucun vote n&#39;a été enregistré." in r.text
    assert _my_vote(client, voters, MEMBERS[1], second) is None

    # The "Pour" token on the "Contre" address.
    other_choice = _path(links["yes"]).replace("/email-vote/yes/", "/email-vote/no/")
    r = browser.post(other_choice, data={"csrf_token": csrf})
    assert r.status_code == 403 and "celui d&#39;un autre choix" in r.text
    assert _my_vote(client, voters, MEMBERS[1], first) is None

    # A forged token.
    r = browser.get(_path(links["yes"])[:-6] + "AAAAAA")
    assert r.status_code == 403 and "n&#39;est pas valide" in r.text

    # After a recusal the link no longer votes.
    r = client.post(f"/api/v1/decisions/{first}/recusals", json={"reason": "Mon organisme est visé."},
                    headers=voters[MEMBERS[1]])
    assert r.status_code == 201
    r = browser.post(_path(links["yes"]), data={"csrf_token": csrf})
    assert r.status_code == 403 and "Votre siège est récusé" in r.text
    assert _my_vote(client, voters, MEMBERS[1], first) is None

    # After closing (here: every other seat voted, the vote closed early), the links are dead.
    links = _invitation_links(mail, MEMBERS[2], second)
    for email in [CHAIR, MEMBERS[0], MEMBERS[1], MEMBERS[3]]:
        assert client.post(f"/api/v1/decisions/{second}/votes", json={"choice": "yes"},
                           headers=voters[email]).status_code == 201
    clock.advance(hours=73)
    r = browser.get(_path(links["abstain"]))
    assert r.status_code == 410 and "Le vote est fermé" in r.text
    r = browser.post(_path(links["abstain"]), data={"csrf_token": csrf})
    assert r.status_code == 410
    assert _my_vote(client, voters, MEMBERS[2], second) is None


def test_a_confirmation_without_the_form_token_votes_nothing(app, client, voters, mail, clock):
    decision_id = create_and_open(client, voters[CHAIR], kind="procedure", title="Procédure")
    links = _invitation_links(mail, MEMBERS[2], decision_id)
    r = TestClient(app).post(_path(links["yes"]))
    assert r.status_code == 403
    assert _my_vote(client, voters, MEMBERS[2], decision_id) is None
