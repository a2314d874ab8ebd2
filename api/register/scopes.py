"""What an object's confidentiality is NOW, for things written about it earlier.

A register event, an outbox row or an email about an object carries the object's scope
(confidential category, body) as it was when it was written. An object can become
confidential afterwards (an agenda item made in camera, a grant application made
confidential): what was written about it must then be shown only to people who may see the
object as it is now AND could see it then. The events themselves never change (their hash
would); visibility is decided when they are read, from the current scope that each area
declares in its `area.py`:

    registry.add_scope("agenda_item", lambda: select(AgendaItem.id, <category>, <body id>))

A provider returns a select of three columns (object id, confidential category, body id),
one row per object. An object without a provider (a person, a funder), or no longer there,
is judged by what was written alone.
"""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, true

from api.access import Viewer

Scope = tuple[str | None, int | None]


def _hidden(viewer: Viewer, category, body) -> ColumnElement[bool]:
    """SQL: a scope this viewer may not see (the negation of `Viewer.visible`)."""
    allowed = viewer.confidential_body_ids
    if not allowed:
        return category.is_not(None)
    return and_(category.is_not(None), or_(body.is_(None), body.not_in(allowed)))


def visible_now(registry: Any, viewer: Viewer, type_col, id_col) -> ColumnElement[bool]:
    """SQL condition on rows naming an object by (type_col, id_col): the viewer may see the
    object as it is now (no row about an object the viewer may not see any more)."""
    conditions = []
    for object_type, provider in registry.scopes.items():
        sub = provider().subquery()
        oid, category, body = list(sub.c)[:3]
        hidden = select(oid).where(oid == id_col, _hidden(viewer, category, body)).exists()
        conditions.append(or_(type_col != object_type, ~hidden))
    return and_(true(), *conditions) if conditions else true()


def current_scopes(ctx: Any, refs: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Scope]:
    """{(object type, id): (category, body id)} now, for the objects that have a provider and
    still exist (one query per object type)."""
    by_type: dict[str, set[int]] = {}
    for object_type, object_id in refs:
        if object_type in ctx.registry.scopes and object_id is not None:
            by_type.setdefault(object_type, set()).add(object_id)
    found: dict[tuple[str, int], Scope] = {}
    for object_type, ids in by_type.items():
        sub = ctx.registry.scopes[object_type]().subquery()
        oid, category, body = list(sub.c)[:3]
        for row in ctx.session.execute(select(oid, category, body).where(oid.in_(sorted(ids)))):
            found[(object_type, row[0])] = (row[1], row[2])
    return found


def current_scope(ctx: Any, object_type: str, object_id: int) -> Scope | None:
    return current_scopes(ctx, [(object_type, object_id)]).get((object_type, object_id))


def may_see(viewer: Viewer, written: Scope, now: Scope | None) -> bool:
    """The rule, in Python: may see the object as written then and as it is now."""
    return viewer.can_see(*written) and (now is None or viewer.can_see(*now))
