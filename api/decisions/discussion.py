"""A decision's discussion: comments by the people who can see the decision, in order, with
the author's organisation; confidential like the decision (they are read through it: an
in-camera decision's comments never reach a staff observer). The author may edit a comment
for EDIT_MINUTES. New comments reach the voters in their daily digest (`notices`).

The register keeps that a comment was added or edited, by whom, and a fingerprint of its
text (not the text: the register is read by more people over time than the discussion).
"""

import hashlib
from datetime import timedelta

from sqlalchemy import select

from api.collective.models import Organisation, Person
from api.context import Context
from api.decisions import notices, service
from api.decisions.models import Comment, Decision
from api.errors import Forbidden, NotFound
from api.register import service as register
from api.timeutil import as_utc, now

EDIT_MINUTES = 15


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def editable_until(comment: Comment):
    return as_utc(comment.created_at) + timedelta(minutes=EDIT_MINUTES)


def comments_of(ctx: Context, decision: Decision) -> list[dict]:
    """The thread, oldest first, for someone who may see the decision."""
    viewer = ctx.viewer
    rows = ctx.session.execute(
        select(Comment, Person.name, Organisation.name)
        .join(Person, Person.id == Comment.author_id)
        .outerjoin(Organisation, Organisation.id == Comment.organisation_id)
        .where(Comment.decision_id == decision.id).order_by(Comment.created_at, Comment.id)).all()
    current = now()
    return [{"id": c.id, "decision_id": c.decision_id, "author_id": c.author_id, "author": name,
             "organisation": org, "text": c.text, "created_at": c.created_at, "edited_at": c.edited_at,
             "editable": viewer is not None and c.author_id == viewer.id and current < editable_until(c)}
            for c, name, org in rows]


def add_comment(ctx: Context, decision_id: int, text: str) -> Comment:
    decision = service.get_visible(ctx, decision_id)
    viewer = ctx.viewer
    comment = Comment(decision_id=decision.id, author_id=viewer.id,
                      organisation_id=viewer.person.organisation_id, text=text.strip(), created_at=now())
    ctx.session.add(comment)
    ctx.session.flush()
    register.record_for(ctx, decision, "comment.added", object_type=service.OBJECT_TYPE,
                        after={"comment_id": comment.id, "fingerprint": _fingerprint(comment.text)},
                        rules_version_id=decision.rules_version_id)
    if decision.rules_version_id is not None:
        notices.comment_digest(ctx, decision, comment)
    return comment


def get_comment(ctx: Context, decision_id: int, comment_id: int) -> tuple[Decision, Comment]:
    decision = service.get_visible(ctx, decision_id)
    comment = ctx.session.get(Comment, comment_id)
    if comment is None or comment.decision_id != decision.id:
        raise NotFound("decision.comment_not_found")
    return decision, comment


def edit_comment(ctx: Context, decision_id: int, comment_id: int, text: str) -> Comment:
    """Only its author, within EDIT_MINUTES of writing it."""
    decision, comment = get_comment(ctx, decision_id, comment_id)
    if comment.author_id != ctx.viewer.id:
        raise Forbidden("decision.comment_not_yours")
    if now() >= editable_until(comment):
        raise Forbidden("decision.comment_edit_expired", minutes=EDIT_MINUTES)
    before = _fingerprint(comment.text)
    comment.text, comment.edited_at = text.strip(), now()
    register.record_for(ctx, decision, "comment.edited", object_type=service.OBJECT_TYPE,
                        before={"comment_id": comment.id, "fingerprint": before},
                        after={"comment_id": comment.id, "fingerprint": _fingerprint(comment.text)},
                        rules_version_id=decision.rules_version_id)
    ctx.session.flush()
    return comment
