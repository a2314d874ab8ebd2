"""Appending to the register, signing it, and verifying its chain.

Every event carries the hash of the previous one; the hash covers every field that a reader
sees, so editing, inserting or deleting a row breaks the chain at that point. An event is
always written in the caller's transaction: the change and its event commit together.

Most events are linked to the chain at once (`_append`, which locks the head row until the
caller commits). The vote path's events are not: a burst of votes on many decisions would all
queue on that one row. They are written *pending* (no sequence number, no hash yet;
`record(..., deferred=True)`) and linked in order of their ids by whoever next holds the
head's lock: the next linked append (which links every pending event it can see before its
own, so a vote comes before the close it caused), the `register_seal` sweep (every second), or
a reader of the register (`seal`, before the page, the API, `verify` and the anchors read
it). A pending event is therefore linked at most about a second after its commit; one whose
transaction rolled back never existed, so the chain has no gaps. Until it is linked, a pending
event is covered by nothing but the database's own guarantees: `verify` counts it (`pending`)
and the register's page says so.

A hash chain alone does not stop someone with write access to the database: they can delete
the last events and move the head back, or edit an event and recompute every later hash and
the head. Two things catch that:

* **Keyed signatures** (HMAC-SHA256 with a key derived from the secret key of the settings,
  which does not live in the database). Each event is signed, and the head row holds the
  signature of the last signed event (`signed_seq`). Signing *each event* rather than periodic
  checkpoints costs one HMAC per append (microseconds, next to the insert itself) and lets
  `verify` name the very event that was rewritten, not a range. A rewrite fails at the edited
  event's signature; a truncation fails at the head (its signature names a later event, or no
  longer matches); stripping signatures fails at the first unsigned event before a signed one.
  An event appended without the key (a caller that has only a session) is signed by the next
  keyed append or by the `register_seal` sweep, after its links are checked ("sealing").
* **Anchors outside the database**: `head(ctx)` is printed in outcome emails, the minutes and
  the semi-annual packet, so members hold copies; `verify(..., anchor=(seq, hash))` checks the
  chain still contains that head. This also catches what a signature cannot: the whole
  database put back to an older copy (an old head replayed with its old, valid signature).
"""

import functools
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.orm import Session

from api.register.models import RegisterEvent, RegisterHead
from api.timeutil import as_utc, now

log = logging.getLogger("relais.register")

GENESIS = "0" * 64
Scope = tuple[str | None, int | None]


# --- hashing and signing --------------------------------------------------------------------

def _canonical(event: RegisterEvent) -> str:
    payload = {
        "seq": event.seq,
        "occurred_at": as_utc(event.occurred_at).isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "before": event.before,
        "after": event.after,
        "confidential_category": event.confidential_category,
        "body_id": event.body_id,
        "rules_version_id": event.rules_version_id,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)


def compute_hash(event: RegisterEvent) -> str:
    return hashlib.sha256(_canonical(event).encode()).hexdigest()


@functools.lru_cache(maxsize=8)
def signing_key(secret_key: str) -> bytes:
    """The register's own key, derived from the settings' secret key (never stored); computed
    once per secret, as every append on the vote's path asks for it."""
    return hashlib.sha256(b"relais-register-v1\x00" + secret_key.encode()).digest()


def key_of(ctx: Any) -> bytes:
    return signing_key(ctx.settings.secret_key)


def _mac(key: bytes, kind: str, seq: int, digest: str) -> str:
    # Events and the head are signed under different labels: an event's signature can
    # never be copied into the head, nor the other way round.
    return hmac.new(key, f"relais-register|{kind}|{seq}|{digest}".encode(), hashlib.sha256).hexdigest()


def sign_event(key: bytes, seq: int, digest: str) -> str:
    return _mac(key, "event", seq, digest)


def sign_head(key: bytes, seq: int, digest: str) -> str:
    return _mac(key, "head", seq, digest)


def _same(a: str | None, b: str) -> bool:
    return a is not None and hmac.compare_digest(a, b)


def _jsonable(value: Any) -> Any:
    # Round-trip through JSON so the stored value and the hashed value are identical.
    return None if value is None else json.loads(json.dumps(value, default=str))


# --- appending ---------------------------------------------------------------------------------

_PENDING = RegisterEvent.seq.is_(None)
# The head, locked, and whether pending events wait to be linked before the next one.
_LOCK_HEAD = (select(RegisterHead.seq, RegisterHead.hash, RegisterHead.signed_seq,
                     exists().where(_PENDING).label("pending"))
              .where(RegisterHead.id == 1).with_for_update(of=RegisterHead))
# The columns an event is written with (its id comes from the database).
_EVENT_COLUMNS = [c.key for c in RegisterEvent.__table__.columns if c.key != "id"]
_INSERT_EVENT = RegisterEvent.__table__.insert()
_MOVE_HEAD = RegisterHead.__table__.update().where(RegisterHead.id == 1)  # SET from the params
# On PostgreSQL, a signed event is inserted and the head moved in one statement (a data-
# modifying WITH): one round trip fewer while every other writer waits for the head's lock.
# SQLite has no such WITH; it takes the two statements.
_INSERT_SIGNED_EVENT_MOVING_HEAD = _INSERT_EVENT.add_cte(
    RegisterHead.__table__.update().where(RegisterHead.id == 1).values(
        seq=bindparam("head_seq"), hash=bindparam("head_hash"),
        signed_seq=bindparam("head_seq"), signature=bindparam("head_signature"))
    .cte("moved_head"))


def _append(session: Session, event: RegisterEvent, key: bytes | None) -> RegisterEvent:
    """Link `event` to the chain's head, hash and sign it, and move the head: in the caller's
    transaction, the head row locked until it commits (which serialises appends).

    Most writes of the collective come through here, so the usual case is written with three
    plain statements (read the head FOR UPDATE, insert the event, move the head; the last two
    are one on PostgreSQL) rather than through the ORM's unit of work, which cost more than
    the statements themselves. The returned event is not attached to the session. The first
    append, and an append after pending events or events written without the key (which it
    links and signs first), take the slower ORM path."""
    session.flush()  # what the event refers to is written first (nothing to do, usually)
    row = session.connection().execute(_LOCK_HEAD).first()
    if row is None or row.pending or (key is not None and (row.signed_seq or 0) != row.seq):
        return _append_sealing(session, event, key)
    event.seq, event.prev_hash = row.seq + 1, row.hash
    event.hash = compute_hash(event)
    moved = {"seq": event.seq, "hash": event.hash}
    if key is not None:
        event.signature = sign_event(key, event.seq, event.hash)
        moved.update(signed_seq=event.seq, signature=sign_head(key, event.seq, event.hash))
    connection = session.connection()
    values = {name: getattr(event, name) for name in _EVENT_COLUMNS}
    if key is not None and connection.dialect.name == "postgresql":
        connection.execute(_INSERT_SIGNED_EVENT_MOVING_HEAD, {
            **values, "head_seq": event.seq, "head_hash": event.hash,
            "head_signature": moved["signature"]})
        return event
    connection.execute(_INSERT_EVENT, values)
    connection.execute(_MOVE_HEAD, moved)
    return event


def _append_sealing(session: Session, event: RegisterEvent, key: bytes | None) -> RegisterEvent:
    """The ORM path of `_append`: creates the head on the first append, signs an unsigned
    tail and links the pending events before linking the new event."""
    head = _locked_head(session, create=True)
    _settle(session, head, key)
    event.seq, event.prev_hash = head.seq + 1, head.hash
    event.hash = compute_hash(event)
    if key is not None:
        event.signature = sign_event(key, event.seq, event.hash)
        if (head.signed_seq or 0) == head.seq:
            head.signed_seq, head.signature = event.seq, sign_head(key, event.seq, event.hash)
    head.seq, head.hash = event.seq, event.hash
    session.add(event)
    session.flush()
    return event


def _locked_head(session: Session, create: bool = False) -> RegisterHead | None:
    """The head row, locked until the caller's transaction ends (created if asked)."""
    head = session.execute(
        select(RegisterHead).where(RegisterHead.id == 1).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if head is None and create:
        head = RegisterHead(id=1, seq=0, hash=GENESIS, signed_seq=0)
        session.add(head)
        session.flush()
    return head


def _append_pending(session: Session, event: RegisterEvent) -> RegisterEvent:
    """Write `event` pending: no sequence number, hash or signature yet, and no lock on the
    head (see the module's note). One plain INSERT; the event is not attached to the session."""
    session.flush()
    session.connection().execute(_INSERT_EVENT, {name: getattr(event, name) for name in _EVENT_COLUMNS})
    return event


def record(
    session: Session,
    *,
    action: str,
    object_type: str,
    object_id: int | None,
    actor_id: int | None,
    before: dict | None = None,
    after: dict | None = None,
    confidential_category: str | None = None,
    body_id: int | None = None,
    rules_version_id: int | None = None,
    at: datetime | None = None,
    key: bytes | None = None,
    deferred: bool = False,
) -> RegisterEvent:
    """Append one event in the current transaction (locks the chain's head row).

    `key` (`key_of(ctx)`) signs it at once; without it the event is signed by the next keyed
    append or the `register_seal` sweep. `deferred`: written pending, linked and signed a
    moment later (see the module's note); for the vote path only."""
    event = RegisterEvent(
        occurred_at=as_utc(at or now()),
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=_jsonable(before),
        after=_jsonable(after),
        confidential_category=confidential_category,
        body_id=body_id,
        rules_version_id=rules_version_id,
    )
    if deferred:
        return _append_pending(session, event)
    return _append(session, event, key)


# --- a pending event written by the caller's own statement (the vote, on PostgreSQL) -------

def pending_values_for(ctx: Any, obj: Any, action: str, *, object_type: str, after: dict | None,
                       rules_version_id: int | None, at: datetime) -> dict:
    """The bound values of `insert_pending_from` for a pending event about `obj`, written by
    the person of the unit of work (what `record_for(..., deferred=True)` would write)."""
    category, body_id = scope_of(obj)
    return {f"event_{name}": value for name, value in {
        "seq": None, "prev_hash": None, "hash": None, "signature": None,
        "occurred_at": as_utc(at), "actor_id": ctx.actor_id, "action": action,
        "object_type": object_type, "object_id": obj.id, "before": None, "after": _jsonable(after),
        "confidential_category": category, "body_id": body_id, "rules_version_id": rules_version_id,
    }.items()}


def insert_pending_from(source: Any) -> Any:
    """INSERT one pending event (values bound as `event_<column>`, see `pending_values_for`)
    for each row of `source`, a CTE of the caller's statement: on PostgreSQL the vote's event
    is written by the vote's own INSERT (one round trip fewer on every vote), and only when
    that INSERT inserted the vote."""
    table = RegisterEvent.__table__
    values = select(*(bindparam(f"event_{name}", type_=table.c[name].type) for name in _EVENT_COLUMNS))
    return table.insert().from_select(_EVENT_COLUMNS, values.select_from(source))


def scope_of(obj: Any) -> Scope:
    """(confidential category, body) of an object, as its model declares them."""
    return getattr(obj, "confidential_category", None), getattr(obj, "body_id", None)


def narrowest(*scopes: Scope) -> Scope:
    """The first confidential scope of several (an object's before and after a change): an
    event recording a change out of camera still shows what the in-camera item held."""
    return next((s for s in scopes if s[0] is not None), scopes[-1])


def record_for(ctx: Any, obj: Any, action: str, *, object_type: str, before: dict | None = None,
               after: dict | None = None, actor_id: int | None | bool = True,
               rules_version_id: int | None = None, scope: Scope | None = None,
               deferred: bool = False) -> RegisterEvent:
    """Append a signed event about `obj`, its visibility taken from the object itself (or
    `scope`, when the event must stay as confidential as the object was before a change).

    `actor_id=True` (the default) means the person of the unit of work (`ctx.actor_id`).
    `deferred`: written pending, without the head's lock (the vote path; `record`)."""
    category, body_id = scope if scope is not None else scope_of(obj)
    return record(ctx.session, action=action, object_type=object_type, object_id=obj.id,
                  actor_id=ctx.actor_id if actor_id is True else actor_id, before=before,
                  after=after, confidential_category=category, body_id=body_id,
                  rules_version_id=rules_version_id, key=key_of(ctx), deferred=deferred)


def on_transition(ctx: Any, fired: Any) -> None:
    """The workflow engine's hook for every transition: its event, in the same transaction.

    The rules version is the object's own (a decision's opening version) or, for an object
    judged by the rules in force, the version in force."""
    obj = fired.obj
    version = getattr(obj, "rules_version_id", False)
    record_for(ctx, obj, f"{fired.object_type}.{fired.trigger}", object_type=fired.object_type,
               actor_id=getattr(fired.actor, "id", None), before={"state": fired.source},
               after={"state": fired.dest, **{k: v for k, v in fired.params.items() if _is_scalar(v)}},
               rules_version_id=None if version is False else (version or ctx.rules_version_id))


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) or value is None


# --- sealing: linking pending events, signing what was appended without the key --------------

def _settle(session: Session, head: RegisterHead, key: bytes | None) -> int:
    """With the head locked: sign the unsigned tail (with `key`), then link (and sign) the
    pending events in order of their ids. Returns how many events it signed or linked."""
    done = _seal_tail(session, head, key) if key is not None and (head.signed_seq or 0) != head.seq else 0
    return done + _link_pending(session, head, key)


# The pending events' hashed fields, oldest first, and the statement that links one of them.
_UNLINKED = ("seq", "prev_hash", "hash", "signature")
_PENDING_EVENTS = (select(*[c for c in RegisterEvent.__table__.columns if c.key not in _UNLINKED])
                   .where(_PENDING).order_by(RegisterEvent.id))
_LINK_EVENT = (RegisterEvent.__table__.update()
               .where(RegisterEvent.__table__.c.id == bindparam("event_id"))
               .values(seq=bindparam("seq"), prev_hash=bindparam("prev_hash"), hash=bindparam("hash"),
                       signature=bindparam("signature")))


def _link_pending(session: Session, head: RegisterHead, key: bytes | None) -> int:
    """Give each pending event the chain's next sequence number, link, hash and (with `key`)
    sign it, and move the head past them. Pending events of transactions not yet committed are
    not seen here; the next one links them. Plain statements (one SELECT, one UPDATE run for
    every event): this runs every second under a burst of votes, the ORM would triple its cost."""
    connection = session.connection()
    signing = key is not None and (head.signed_seq or 0) == head.seq
    links = []
    for row in connection.execute(_PENDING_EVENTS):
        event = RegisterEvent(**row._asdict(), seq=head.seq + 1, prev_hash=head.hash)  # not added
        event.hash = compute_hash(event)
        links.append({"event_id": row.id, "seq": event.seq, "prev_hash": event.prev_hash, "hash": event.hash,
                      "signature": sign_event(key, event.seq, event.hash) if signing else None})
        head.seq, head.hash = event.seq, event.hash
    if links:
        connection.execute(_LINK_EVENT, links)
        if signing:
            head.signed_seq, head.signature = head.seq, sign_head(key, head.seq, head.hash)
        session.flush()
    return len(links)


def _seal_tail(session: Session, head: RegisterHead, key: bytes) -> int:
    """Sign the events after the last signed one, once their links and hashes check out (a
    broken tail is left unsigned for `verify` to report). The head row is locked."""
    start = head.signed_seq or 0
    prev = GENESIS if start == 0 else session.execute(
        select(RegisterEvent.hash).where(RegisterEvent.seq == start)).scalar_one_or_none()
    events = session.execute(select(RegisterEvent).where(RegisterEvent.seq > start)
                             .order_by(RegisterEvent.seq)).scalars().all()
    expected = start + 1
    for event in events:
        if prev is None or event.seq != expected or event.prev_hash != prev or compute_hash(event) != event.hash:
            log.error("register: not sealing from event %s, the chain is broken there", expected)
            return 0
        prev, expected = event.hash, expected + 1
    if expected - 1 != head.seq or prev != head.hash:
        log.error("register: not sealing, the head does not match the last event")
        return 0
    for event in events:
        event.signature = sign_event(key, event.seq, event.hash)
    if events:
        head.signed_seq, head.signature = head.seq, sign_head(key, head.seq, head.hash)
    session.flush()
    return len(events)


_TO_SETTLE = select(RegisterHead.seq, RegisterHead.signed_seq, exists().where(_PENDING).label("pending")) \
    .where(RegisterHead.id == 1)


def seal(ctx: Any, at: datetime | None = None) -> int:
    """Link the pending events and sign the events appended without the key; returns how
    many. Run by the `register_seal` sweep, `relais init`, and every reader of the register
    before it reads (its page, the API, `verify`, `head`), so a reader sees every committed
    event in the chain. Locks the head only when there is something to do."""
    session = ctx.session
    current = session.connection().execute(_TO_SETTLE).first()
    if current is None:
        pending = session.execute(select(exists().where(_PENDING))).scalar()
        if not pending:
            return 0
    elif current.seq == (current.signed_seq or 0) and not current.pending:
        return 0
    return _settle(session, _locked_head(session, create=True), key_of(ctx))


def head(ctx: Any) -> tuple[int, str]:
    """(sequence number, hash) of the register's last event, pending events linked first:
    the anchor printed in outcome emails, minutes and packets. (0, GENESIS) for an empty
    register."""
    seal(ctx)
    row = ctx.session.execute(select(RegisterHead.seq, RegisterHead.hash).where(RegisterHead.id == 1)).first()
    return (row.seq, row.hash) if row is not None else (0, GENESIS)


def parse_anchor(text: str) -> tuple[int, str] | None:
    """"SEQ:HASH" (as printed) -> (seq, hash); None when it is not one."""
    seq, sep, digest = text.strip().partition(":")
    digest = digest.strip().lower()
    if not sep or not seq.strip().isdigit() or len(digest) != 64 \
            or any(c not in "0123456789abcdef" for c in digest):
        return None
    number = int(seq.strip())
    return (number, digest) if 1 <= number < 2**63 else None


# --- verifying ------------------------------------------------------------------------------

REASONS = {
    "missing": "missing event",
    "link": "link to previous event broken",
    "content": "content does not match its hash",
    "truncated": "events missing at the end of the chain",
    "signature": "signature does not match: the event was rewritten",
    "unsigned": "event not signed although the register was signed after it",
    "head_signature": "the register's head signature does not match: events after it may have been removed",
    "head_unsigned": "the register's head is not signed",
    "anchor_missing": "the chain ends before this anchor: events were removed",
    "anchor_differs": "the chain no longer holds this anchor: it was rewritten",
}


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str | None = None
    code: str | None = None  # a key of REASONS (translated on the page: register.verify.<code>)
    head_seq: int = 0
    head_hash: str = GENESIS
    signed: bool = False  # signatures were checked and the register's head is signed
    unsigned: int = 0  # events at the end not signed yet (appended without the key)
    pending: int = 0  # events written but not linked to the chain yet (see the module's note)
    anchor_ok: bool | None = None


def _fail(code: str, seq: int | None, checked: int, detail: str = "") -> VerifyResult:
    return VerifyResult(False, checked, seq, REASONS[code] + detail, code)


def verify(session: Session, key: bytes | None = None, anchor: tuple[int, str] | None = None,
           batch: int = 1000) -> VerifyResult:
    """Walk the chain in order; report the first event whose hash, link or signature is wrong.

    With `key`, signatures are checked too (every event up to the last signed one must carry
    a valid one; the head's signature must name that event). With `anchor` (seq, hash), the
    chain must still hold that event with that hash."""
    prev, expected, checked = GENESIS, 1, 0
    last_signed, last_signed_hash, first_unsigned = 0, GENESIS, None
    anchor_seen = False
    while True:
        rows = session.execute(
            select(RegisterEvent).where(RegisterEvent.seq >= expected)
            .order_by(RegisterEvent.seq).limit(batch)
        ).scalars().all()
        if not rows:
            break
        for event in rows:
            if event.seq != expected:
                return _fail("missing", expected, checked)
            if event.prev_hash != prev:
                return _fail("link", event.seq, checked)
            if compute_hash(event) != event.hash:
                return _fail("content", event.seq, checked)
            if key is not None:
                if event.signature is None:
                    first_unsigned = first_unsigned or event.seq
                elif first_unsigned is not None:
                    return _fail("unsigned", first_unsigned, checked)
                elif not _same(event.signature, sign_event(key, event.seq, event.hash)):
                    return _fail("signature", event.seq, checked)
                else:
                    last_signed, last_signed_hash = event.seq, event.hash
            if anchor is not None and event.seq == anchor[0]:
                if event.hash != anchor[1]:
                    return _fail("anchor_differs", event.seq, checked)
                anchor_seen = True
            prev = event.hash
            expected += 1
            checked += 1
        for event in rows:  # only what this walk loaded: the caller's objects stay attached
            session.expunge(event)
    head_row = session.execute(select(RegisterHead).where(RegisterHead.id == 1)
                               .execution_options(populate_existing=True)).scalar_one_or_none()
    if head_row is not None and (head_row.seq != checked or head_row.hash != prev):
        return _fail("truncated", checked + 1 if head_row.seq > checked else checked, checked)
    result = VerifyResult(True, checked, head_seq=checked, head_hash=prev,
                          pending=session.execute(select(func.count()).select_from(RegisterEvent).where(_PENDING)).scalar_one())
    if key is not None and checked:
        signed_seq = (head_row.signed_seq or 0) if head_row is not None else 0
        head_signature = head_row.signature if head_row is not None else None
        if signed_seq > checked:
            return _fail("truncated", checked + 1, checked, f" (the signed head names event {signed_seq})")
        if head_signature is None or signed_seq == 0:
            if last_signed:
                return _fail("head_unsigned", checked, checked)
            # Never signed: a register written before signatures existed, or only by callers
            # without the key, until the next keyed append or the seal sweep.
        elif signed_seq > last_signed:
            return _fail("unsigned", last_signed + 1, checked)
        elif signed_seq < last_signed:
            return _fail("head_signature", signed_seq, checked)
        elif not _same(head_signature, sign_head(key, signed_seq, last_signed_hash)):
            return _fail("head_signature", signed_seq, checked)
        else:
            result.signed = True
        result.unsigned = checked - last_signed
    if anchor is not None:
        if not anchor_seen:
            return _fail("anchor_missing", anchor[0], checked)
        result.anchor_ok = True
    return result
