"""Someone with write access to the database (but not the server's secret key) tries to
rewrite the register quietly: truncate it and move its head back, rewrite an event and
recompute every later hash, strip the signatures, or put back an older copy. `verify` (and
`relais register verify`) names the event where it happened; the heads printed in emails,
minutes and packets catch the rest."""

import html
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from api.register import service as register
from api.register.models import RegisterEvent, RegisterHead
from tests.helpers import CHAIR, MEMBERS, make_settings, sign_in, token_for, unit_of_work

ROOT = Path(__file__).parents[2]
KEY = register.signing_key(make_settings("sqlite://").secret_key)


@pytest.fixture
def signed(runtime, client):
    """The demo collective's register, sealed as `relais init` and the sweep do, then a few
    decisions drafted and voted through the API (signed as they are appended; the votes'
    events, written pending, linked and signed by the sweep as the app does every second)."""
    with unit_of_work(runtime) as ctx:
        register.seal(ctx)
    chair = token_for(client, CHAIR)
    for title in ("Budget révisé 2026-2027", "Politique de remboursement"):
        r = client.post("/api/v1/decisions", json={"kind": "budget", "title": title, "text": "Texte."},
                        headers=chair)
        assert r.status_code == 201, r.text
        assert client.post(f"/api/v1/decisions/{r.json()['id']}/transitions", json={"trigger": "open"},
                           headers=chair).status_code == 200
        for email in (CHAIR, MEMBERS[0]):
            assert client.post(f"/api/v1/decisions/{r.json()['id']}/votes", json={"choice": "yes"},
                               headers=token_for(client, email)).status_code == 201
    with unit_of_work(runtime) as ctx:
        assert register.seal(ctx) > 0  # the votes' events
    with runtime.database.session() as session:
        assert register.verify(session, KEY).signed
        return session.execute(select(func.max(RegisterEvent.seq))).scalar_one()


def _verify(database, **kw) -> register.VerifyResult:
    with database.session() as session:
        return register.verify(session, KEY, **kw)


def _cli(db_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {"RELAIS_DATABASE_URL": db_url, "RELAIS_SECRET_KEY": make_settings(db_url).secret_key,
           "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "api.cli", "register", "verify", *args],
                          capture_output=True, text=True, env=env, cwd=ROOT)


def _rewrite(database, seq: int) -> None:
    """Edit event `seq` and recompute every later hash and the head, as anyone who has read
    the source code can."""
    with database.session() as session:
        events = session.execute(select(RegisterEvent).where(RegisterEvent.seq >= seq)
                                 .order_by(RegisterEvent.seq)).scalars().all()
        prev = events[0].prev_hash
        events[0].after = {**(events[0].after or {}), "role": "chair"}
        for event in events:
            event.prev_hash = prev
            event.hash = register.compute_hash(event)
            prev = event.hash
        head = session.get(RegisterHead, 1)
        head.hash = prev


def test_every_event_is_signed_as_it_is_appended_and_the_head_is_the_last_one(runtime, signed, database):
    with database.session() as session:
        unsigned = session.execute(select(func.count()).select_from(RegisterEvent)
                                   .where(RegisterEvent.signature.is_(None))).scalar_one()
        last = session.execute(select(RegisterEvent).where(RegisterEvent.seq == signed)).scalar_one()
    assert unsigned == 0
    with unit_of_work(runtime) as ctx:
        assert register.head(ctx) == (signed, last.hash)
    result = _verify(database)
    assert result.ok and result.signed and result.unsigned == 0 and result.head_seq == signed


def test_a_rewrite_with_every_later_hash_recomputed_is_caught_at_the_rewritten_event(signed, database, db_url):
    _rewrite(database, 60)
    with database.session() as session:
        assert register.verify(session).ok  # the hash chain alone is fooled...
    result = _verify(database)  # ...not the signatures
    assert not result.ok and result.broken_seq == 60 and result.code == "signature"
    cli = _cli(db_url)
    assert cli.returncode == 1 and "event 60" in cli.stderr and "rewritten" in cli.stderr


def test_a_truncated_register_with_its_head_moved_back_is_caught(signed, database, db_url):
    keep = signed - 5
    with database.engine.begin() as conn:
        kept_hash = conn.execute(text("SELECT hash FROM register_event WHERE seq = :s"), {"s": keep}).scalar_one()
        conn.execute(text("DELETE FROM register_event WHERE seq > :s"), {"s": keep})
        conn.execute(text("UPDATE register_head SET seq = :s, hash = :h"), {"s": keep, "h": kept_hash})
    result = _verify(database)
    assert not result.ok and result.code == "truncated" and result.broken_seq == keep + 1
    assert f"names event {signed}" in result.reason
    cli = _cli(db_url)
    assert cli.returncode == 1 and f"event {keep + 1}" in cli.stderr

    # Moving the signed part of the head back too: its signature no longer matches.
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE register_head SET signed_seq = :s"), {"s": keep})
    result = _verify(database)
    assert not result.ok and result.code == "head_signature" and result.broken_seq == keep
    # Nor does an event's own signature, copied into the head.
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE register_head SET signature = (SELECT signature FROM register_event "
                          "WHERE seq = :s)"), {"s": keep})
    assert _verify(database).code == "head_signature"


def test_an_edited_event_is_named(signed, database, db_url):
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE register_event SET actor_id = NULL WHERE seq = :s"), {"s": signed - 3})
    result = _verify(database)
    assert not result.ok and result.broken_seq == signed - 3 and result.code == "content"
    cli = _cli(db_url)
    assert cli.returncode == 1 and f"event {signed - 3}" in cli.stderr


def test_stripped_signatures_are_caught(signed, database):
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE register_event SET signature = NULL WHERE seq >= 60"))
    result = _verify(database)
    assert not result.ok and result.broken_seq == 60 and result.code == "unsigned"
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE register_head SET signature = NULL, signed_seq = 0"))
    result = _verify(database)
    assert not result.ok and result.code == "head_unsigned"


def test_an_older_copy_put_back_is_caught_by_a_head_printed_earlier(signed, runtime, database, db_url, client):
    """A whole older state (events and head, with its valid signature) put back: the
    signatures cannot tell, the head printed in an email since then can."""
    with database.session() as session:
        old = session.get(RegisterHead, 1)
        old_head = (old.seq, old.hash, old.signed_seq, old.signature)
    decision = client.post("/api/v1/decisions", json={"kind": "budget", "title": "Achat d'un local", "text": "T."},
                           headers=token_for(client, CHAIR)).json()
    with unit_of_work(runtime) as ctx:
        printed = register.head(ctx)  # e.g. in the outcome email every member received
    assert printed[0] > old_head[0] and decision["id"]
    with database.engine.begin() as conn:
        conn.execute(text("DELETE FROM register_event WHERE seq > :s"), {"s": old_head[0]})
        conn.execute(update(RegisterHead).values(seq=old_head[0], hash=old_head[1], signed_seq=old_head[2],
                                                 signature=old_head[3]))
    assert _verify(database).ok  # a consistent, signed, older register
    anchor = f"{printed[0]}:{printed[1]}"
    result = _verify(database, anchor=register.parse_anchor(anchor))
    assert not result.ok and result.code == "anchor_missing" and result.broken_seq == printed[0]
    cli = _cli(db_url, "--anchor", anchor)
    assert cli.returncode == 1 and f"event {printed[0]}" in cli.stderr

    r = client.get("/api/v1/register/verify", params={"anchor": anchor}, headers=token_for(client, MEMBERS[1]))
    assert r.status_code == 200 and r.json()["ok"] is False and r.json()["broken_seq"] == printed[0]
    sign_in(client, MEMBERS[1])
    page = client.get("/register/verify", params={"anchor": anchor})
    assert page.status_code == 200
    shown = html.unescape(page.text)
    assert f"ROMPU à l'événement n° {printed[0]}" in shown
    assert "s'arrête avant la tête notée" in shown


def test_a_head_kept_elsewhere_is_confirmed_and_a_rewritten_one_is_named(signed, runtime, database, db_url, client):
    with unit_of_work(runtime) as ctx:
        seq, digest = register.head(ctx)
    anchor = f"{seq}:{digest}"
    assert _cli(db_url, "--anchor", anchor).returncode == 0
    sign_in(client, MEMBERS[2])
    page = client.get("/register/verify", params={"anchor": anchor})
    shown = html.unescape(page.text)
    assert page.status_code == 200 and "Le registre est intact" in shown
    assert f"Il contient toujours l'événement n° {seq}" in shown
    assert "correspondent à la clé secrète" in shown

    _rewrite(database, seq)  # the anchored event itself rewritten, the head moved with it
    result = _verify(database, anchor=(seq, digest))
    assert not result.ok and result.broken_seq == seq


def test_a_malformed_anchor_is_refused_with_the_field_named(signed, client):
    member = token_for(client, MEMBERS[0])
    r = client.get("/api/v1/register/verify", params={"anchor": "12:abc"}, headers=member)
    assert r.status_code == 422 and "anchor" in r.text
    assert client.get("/api/v1/register/verify", params={"anchor": "x" * 101}, headers=member).status_code == 422
    sign_in(client, MEMBERS[0])
    page = client.get("/register/verify", params={"anchor": "pas une tête"})
    assert page.status_code == 422 and "numéro:empreinte" in page.text and 'aria-invalid="true"' in page.text
    assert 'label for="f-anchor"' in page.text


def test_the_minutes_and_the_packet_carry_the_register_head(signed, client, runtime):
    partners_chair = "direction.townshippers@relais.demo"  # chairs the partners' committee
    chair = token_for(client, partners_chair)
    bodies = {b["key"]: b["id"] for b in client.get("/api/v1/bodies?per_page=200", headers=chair).json()["items"]}
    r = client.post("/api/v1/meetings", json={"body_id": bodies["partners_committee"], "title": "Comité semestriel",
                                              "starts_at": "2026-12-08T13:30:00"}, headers=chair)
    assert r.status_code == 201, r.text
    meeting = r.json()
    with unit_of_work(runtime) as ctx:
        seq, digest = register.head(ctx)
    sign_in(client, partners_chair)
    for path in (f"/meetings/{meeting['id']}/minutes", f"/meetings/{meeting['id']}/minutes/print",
                 f"/meetings/{meeting['id']}/packet"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert f"{seq}:{digest}" in page.text.replace("<wbr>", ""), path
    register_page = client.get("/register")
    assert f"{seq}:{digest}" in register_page.text.replace("<wbr>", "")
    head = client.get("/api/v1/register/head", headers=chair).json()
    assert head == {"seq": seq, "hash": digest, "anchor": f"{seq}:{digest}"}


def test_events_written_without_the_key_are_sealed_by_the_sweep(signed, runtime, database, client):
    admin = token_for(client, "admin@relais.demo")
    r = client.post("/api/v1/organisations", json={"name": "Nouvel organisme"}, headers=admin)
    assert r.status_code == 201
    result = _verify(database)
    assert result.ok and result.signed and result.unsigned >= 1  # the recent tail, not yet signed
    from notifications.sweeps import run_sweeps

    assert run_sweeps(runtime)["register_seal"] == "ok"
    result = _verify(database)
    assert result.ok and result.signed and result.unsigned == 0
