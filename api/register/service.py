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
