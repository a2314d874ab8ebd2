"""Appending to the register and verifying its chain.

Every event carries the hash of the previous one; the hash covers every field that a
reader sees, so editing, inserting or deleting a row breaks the chain at that point.
Appends happen in the caller's transaction: the change and its event commit together.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.register.models import RegisterEvent, RegisterHead
from api.timeutil import as_utc, now

GENESIS = "0" * 64


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


def _jsonable(value: Any) -> Any:
    # Round-trip through JSON so the stored value and the hashed value are identical.
    return None if value is None else json.loads(json.dumps(value, default=str))


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
) -> RegisterEvent:
    """Append one event in the current transaction (locks the chain's head row)."""
    head = session.execute(
        select(RegisterHead).where(RegisterHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = RegisterHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
        session.flush()
    event = RegisterEvent(
        seq=head.seq + 1,
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
        prev_hash=head.hash,
    )
    event.hash = compute_hash(event)
    head.seq, head.hash = event.seq, event.hash
    session.add(event)
    session.flush()
    return event


def scope_of(obj: Any) -> tuple[str | None, int | None]:
    """(confidential category, body) of an object, as its model declares them."""
    return getattr(obj, "confidential_category", None), getattr(obj, "body_id", None)


def record_for(ctx: Any, obj: Any, action: str, *, object_type: str, before: dict | None = None,
               after: dict | None = None, actor_id: int | None | bool = True,
               rules_version_id: int | None = None) -> RegisterEvent:
    """Append an event about `obj`, its visibility taken from the object itself.

    `actor_id=True` (the default) means the person of the unit of work (`ctx.actor_id`)."""
    category, body_id = scope_of(obj)
    return record(ctx.session, action=action, object_type=object_type, object_id=obj.id,
                  actor_id=ctx.actor_id if actor_id is True else actor_id, before=before,
                  after=after, confidential_category=category, body_id=body_id,
                  rules_version_id=rules_version_id)


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


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    reason: str | None = None


def verify(session: Session, batch: int = 1000) -> VerifyResult:
    """Walk the chain in order; report the first event whose hash or link is wrong."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    while True:
        rows = session.execute(
            select(RegisterEvent).where(RegisterEvent.seq >= expected_seq)
            .order_by(RegisterEvent.seq).limit(batch)
        ).scalars().all()
        if not rows:
            break
        for event in rows:
            if event.seq != expected_seq:
                return VerifyResult(False, checked, expected_seq, "missing event")
            if event.prev_hash != prev:
                return VerifyResult(False, checked, event.seq, "link to previous event broken")
            if compute_hash(event) != event.hash:
                return VerifyResult(False, checked, event.seq, "content does not match its hash")
            prev = event.hash
            expected_seq += 1
            checked += 1
        session.expunge_all()
    head = session.get(RegisterHead, 1)
    if head is not None and (head.seq != checked or head.hash != prev):
        return VerifyResult(False, checked, checked + 1 if head.seq > checked else checked,
                            "events missing at the end of the chain")
    return VerifyResult(True, checked)
