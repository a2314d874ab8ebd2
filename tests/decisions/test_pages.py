"""The decision pages work without JavaScript: forms carry the CSRF token, errors keep the input."""

import re

from fastapi.testclient import TestClient

from tests.helpers import CHAIR, MEMBERS, csrf_of, sign_in


def _browser(app, email: str) -> TestClient:
    browser = TestClient(app)
    sign_in(browser, email)
    return browser


def test_the_chair_drafts_and_opens_and_a_member_votes_through_the_html_forms(app):
    chair = _browser(app, CHAIR)
    form = chair.get("/decisions/new")
    assert form.status_code == 200 and 'for="f-title"' in form.text and 'for="f-text"' in form.text
    # A missing title: the form comes back with the error and what was typed.
    r = chair.post("/decisions", data={"csrf_token": csrf_of(form.text), "kind": "budget", "title": "",
                                       "text": "Mon texte précieux"})
    assert r.status_code == 422 and "Mon texte précieux" in r.text and 'id="e-title"' in r.text
    r = chair.post("/decisions", data={"csrf_token": csrf_of(form.text), "kind": "budget",
                                       "title": "Budget 2027", "text": "Le budget."}, follow_redirects=False)
    assert r.status_code == 303
    path = r.headers["location"]
    decision_id = int(path.rsplit("/", 1)[1])
    page = chair.get(path)
    assert "Brouillon enregistré" in page.text and "Ouvrir le vote" in page.text
    r = chair.post(f"/decisions/{decision_id}/transition", data={"csrf_token": csrf_of(page.text),
                                                                 "trigger": "open"})
    assert r.status_code == 200 and "Vote ouvert" in r.text
    assert "(HNE)" in r.text or "(HAE)" in r.text or "(EST)" in r.text or "(EDT)" in r.text

    member = _browser(app, MEMBERS[0])
    assert "Budget 2027" in member.get("/").text  # "Mes votes en attente"
    page = member.get(f"/decisions/{decision_id}")
    assert page.status_code == 200
    assert re.search(r'<button type="submit" name="choice" value="yes"', page.text)
    r = member.post(f"/decisions/{decision_id}/vote", data={"csrf_token": csrf_of(page.text), "choice": "yes"})
    assert r.status_code == 200
    assert "Votre vote est enregistré\u00a0: Pour." in r.text
    assert "Vous avez voté\u00a0: Pour." in r.text and 'id="results-hidden"' in r.text
    # A forged form (no CSRF token) is refused and changes nothing.
    r = member.post(f"/decisions/{decision_id}/vote", data={"choice": "no"})
    assert r.status_code == 403
    # A bad choice is a clear message on the page, not a crash.
    r = member.post(f"/decisions/{decision_id}/vote", data={"csrf_token": csrf_of(page.text), "choice": "maybe"})
    assert r.status_code == 422 and "Vous avez voté\u00a0: Pour." in r.text


def test_the_outcome_is_shown_with_the_rules_applied(app, client, voters):
    from tests.decisions.conftest import create_and_open, vote

    decision_id = create_and_open(client, voters[CHAIR], kind="procedure", title="Procédure")
    for email, choice in zip(voters, ["yes", "yes", "yes", "yes", "no"], strict=True):
        assert vote(client, voters[email], decision_id, choice).status_code == 201
    page = _browser(app, MEMBERS[2]).get(f"/decisions/{decision_id}").text
    assert ("Adoptée\u00a0: 4 pour, 1 contre, 0 abstention; quorum de 3 sur 5 atteint; "
            "majorité simple des votes exprimés.") in page
    assert "Adoptée" in _browser(app, MEMBERS[2]).get("/decisions").text
