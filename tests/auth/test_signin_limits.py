"""The sign-in limit stops password guessing without letting anyone lock a member out:
failures count per (address, client) and per client, on SQLite and PostgreSQL."""

from tests.auth.helpers import ask_for_token, device
from tests.helpers import ADMIN, CHAIR, DEMO_PASSWORD, MEMBERS, csrf_of

ATTACKER = "203.0.113.66"
MEMBER_AT_HOME = "198.51.100.7"


def _fail(client, email: str, times: int) -> list[int]:
    return [ask_for_token(client, email, "pas-le-bon").status_code for _ in range(times)]


def test_wrong_passwords_from_another_client_never_lock_the_member_out(app):
    with device(app, ATTACKER) as attacker, device(app, MEMBER_AT_HOME) as member:
        assert _fail(attacker, MEMBERS[1], 5) == [401] * 5
        # The client that guessed is stopped, even if it now guesses right...
        assert ask_for_token(attacker, MEMBERS[1]).status_code == 429
        # ...but the member, from their own computer, signs in with the right password.
        assert ask_for_token(member, MEMBERS[1]).status_code == 200


def test_the_member_s_own_mistakes_are_limited_on_their_own_client(app):
    with device(app, MEMBER_AT_HOME) as member:
        assert _fail(member, MEMBERS[1], 5) == [401] * 5
        r = ask_for_token(member, MEMBERS[1])
        assert r.status_code == 429 and "15 minutes" in r.json()["message"]


def test_a_right_password_after_a_few_mistakes_starts_the_count_again(app):
    with device(app, MEMBER_AT_HOME) as member:
        _fail(member, MEMBERS[1], 4)
        assert ask_for_token(member, MEMBERS[1]).status_code == 200
        assert _fail(member, MEMBERS[1], 4) == [401] * 4
        assert ask_for_token(member, MEMBERS[1]).status_code == 200


def test_a_right_password_does_not_wipe_out_someone_else_s_failures(app):
    with device(app, ATTACKER) as attacker, device(app, MEMBER_AT_HOME) as member:
        _fail(attacker, MEMBERS[1], 5)
        assert ask_for_token(member, MEMBERS[1]).status_code == 200
        assert ask_for_token(attacker, MEMBERS[1]).status_code == 429


def test_one_client_trying_many_addresses_is_stopped(app):
    with device(app, ATTACKER) as attacker, device(app, MEMBER_AT_HOME) as member:
        answers = [ask_for_token(attacker, f"personne{i}@exemple.org", "devine").status_code
                   for i in range(40)]
        assert answers[:20] == [401] * 20 and set(answers[20:]) == {429}
        # Real addresses too, right password or not: this client has guessed too much.
        assert ask_for_token(attacker, CHAIR).status_code == 429
        # Other clients are not affected.
        assert ask_for_token(member, CHAIR).status_code == 200


def test_the_sign_in_page_has_the_same_limits(app):
    with device(app, ATTACKER) as attacker, device(app, MEMBER_AT_HOME) as member:
        token = csrf_of(attacker.get("/signin").text)
        for _ in range(5):
            r = attacker.post("/signin", data={"csrf_token": token, "email": ADMIN, "password": "non"})
            assert r.status_code == 401 and "Courriel ou mot de passe incorrect" in r.text
        r = attacker.post("/signin", data={"csrf_token": token, "email": ADMIN, "password": DEMO_PASSWORD})
        assert r.status_code == 429 and "Trop de tentatives" in r.text
        token = csrf_of(member.get("/signin").text)
        r = member.post("/signin", data={"csrf_token": token, "email": ADMIN, "password": DEMO_PASSWORD},
                        follow_redirects=False)
        assert r.status_code == 303


def test_failures_behind_one_ipv6_network_count_together(app):
    """One home or phone gets a whole /64: changing the last bits starts nothing afresh."""
    for i in range(5):
        with device(app, f"2001:db8:1:2::{i + 1:x}") as client:
            assert ask_for_token(client, MEMBERS[2], "non").status_code == 401
    with device(app, "2001:db8:1:2::99") as client:
        assert ask_for_token(client, MEMBERS[2]).status_code == 429
    with device(app, "2001:db8:1:3::1") as neighbour:
        assert ask_for_token(neighbour, MEMBERS[2]).status_code == 200
