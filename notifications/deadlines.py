"""The one interface between areas and the reminders / calendars.

An area describes each dated item as a `Deadline` (`notifications.deadline`, re-exported
here) and, in the unit of work that changes the item:
  * calls `upsert_deadline(ctx, deadline)` whenever the item is created, its date moves, its
    people change (for example a voter has voted and leaves `recipient_ids`), so future
    reminders are (re)planned and stale ones cancelled;
  * may call `drop_recipients(ctx, kind, object_type, object_ids, still_expected)` instead,
    when the only change is that people left the lists (cheaper than replanning everyone;
    `still_expected` selects the people still expected for the item `ITEM_ID`);
  * calls `cancel_deadline(ctx, kind, object_type, object_id)` when the item no longer needs
    reminders (decision closed, report submitted, task done, meeting cancelled);
  * installs a provider `fn(ctx, start, end) -> list[Deadline]` in its `area.py`
    (`registry.add_provider("kind", fn)`) listing its deadlines between two instants, used by
    the calendar page, the ICS feeds and a full re-sync (`resync`).

The reminders layer, not the areas, drops any recipient who may not see a confidential item
(`confidential_category` + `body_id`, checked with `api.access`).

Imports go one way: this module -> `planner` -> `deadline`; nothing imports this module back.
"""

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import Select

from api.context import Context
from notifications import planner
from notifications.deadline import Deadline
from notifications.planner import ITEM_ID

__all__ = ["ITEM_ID", "Deadline", "Provider", "cancel_deadline", "deadlines_between", "details", "drop_recipients",
           "resync", "upsert_deadline"]

Provider = Callable[[Context, datetime, datetime], Iterable[Deadline]]


def details(*, funder: str | None = None, grant: str | None = None, amount_cents: int | None = None,
            amount_awarded: bool = True, owner: str | Iterable[str] | None = None,
            body: tuple[str, str] | None = None) -> tuple[str, str]:
    """What a deadline is about, as `Deadline.details_fr` / `details_en`: one "Label : value"
    line per known value ("Bailleur de fonds : Centraide", "Montant accordé : 10 000,00 $",
    "Responsables : Ana, Luc"). `body` is the body's name (fr, en); the planner adds it from
    the deadline's `body_id` when an area does not."""
    from api.i18n import t
    from api.money import format_money

    owners = [owner] if isinstance(owner, str) else [o for o in (owner or ()) if o]
    out = []
    for index, lang in enumerate(("fr", "en")):
        lines = []
        if body:
            lines.append(t("notif.detail.body", lang, value=body[index]))
        if funder:
            lines.append(t("notif.detail.funder", lang, value=funder))
        if grant:
            lines.append(t("notif.detail.grant", lang, value=grant))
        if amount_cents is not None:
            key = "notif.detail.amount_awarded" if amount_awarded else "notif.detail.amount_requested"
            lines.append(t(key, lang, value=format_money(amount_cents, lang)))
        if owners:
            lines.append(t("notif.detail.owner", lang, count=len(owners), value=", ".join(owners)))
        out.append("\n".join(lines))
    return out[0], out[1]


def deadlines_between(ctx: Context, start: datetime, end: datetime,
                      kinds: Iterable[str] | None = None) -> list[Deadline]:
    """Every installed provider's deadlines in [start, end), unfiltered (callers filter by viewer)."""
    wanted = set(kinds) if kinds is not None else None
    found: list[Deadline] = []
    for kind, fn in ctx.registry.providers.items():
        if wanted is None or kind in wanted:
            found.extend(fn(ctx, start, end))
    return sorted(found, key=lambda d: d.due_at)


def upsert_deadline(ctx: Context, deadline: Deadline) -> None:
    """(Re)plan the reminders of this deadline, in the caller's unit of work."""
    planner.plan_deadline(ctx, deadline)


def drop_recipients(ctx: Context, kind: str, object_type: str, object_ids: Iterable[int],
                    still_expected: Select) -> None:
    """Cancel the future reminders of these items for the recipients no longer expected (a
    SELECT of person ids for the item `ITEM_ID`; see `planner.drop_recipients`), in the
    caller's unit of work."""
    planner.drop_recipients(ctx, kind, object_type, object_ids, still_expected)


def cancel_deadline(ctx: Context, kind: str, object_type: str, object_id: int) -> None:
    """Cancel the future reminders of this item, in the caller's unit of work."""
    planner.cancel(ctx, kind, object_type, object_id)


def resync(ctx: Context, start: datetime, end: datetime) -> int:
    """Plan every area's deadlines in [start, end) from their providers (idempotent);
    returns how many outbox rows were inserted or revived."""
    kinds = ctx.rules.reminders.kinds
    return sum(planner.plan_deadline(ctx, d) for d in deadlines_between(ctx, start, end)
               if d.kind in kinds)
