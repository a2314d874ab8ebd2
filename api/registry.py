"""What the areas install into one application: workflow bindings, guards and hooks, deadline
providers, sweeps, demo data, menu entries, dashboard sections, routers, and how to read the
current confidentiality of each kind of object (`scopes`).

An area exposes `install(registry)` (in `api/<area>/area.py`); `api.areas.install_all` calls
them in a fixed order and the result travels with the application's runtime. Nothing here is
filled at import time, so importing a module never changes what another one sees.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from workflows.engine import Engine


@dataclass(frozen=True)
class NavEntry:
    """A menu entry: shown to a person when `shown(viewer)` says so (everyone by default)."""

    key: str  # translation key of the label
    path: str
    shown: Callable[[Any, Any], bool] | None = None  # (context, viewer) -> bool


@dataclass
class Registry:
    engine: Engine = field(default_factory=Engine)
    # kind -> fn(ctx, start, end) -> deadlines of that kind in [start, end)
    providers: dict[str, Callable[..., Any]] = field(default_factory=dict)
    # name -> fn(ctx, at): idempotent work run by the scheduler at every tick
    sweeps: dict[str, Callable[..., Any]] = field(default_factory=dict)
    # name -> seconds, for a sweep that runs more often than the tick, as a job of its own
    sweep_seconds: dict[str, float] = field(default_factory=dict)
    # (order, fn(ctx, today)): demo data, run after the demo people
    demo_hooks: list[tuple[int, Callable[..., Any]]] = field(default_factory=list)
    nav: list[NavEntry] = field(default_factory=list)
    # fn(ctx) -> dashboard Section | None
    sections: list[Callable[..., Any]] = field(default_factory=list)
    # decision kind -> fn(ctx, decision) -> ids of the organisations the decision pays
    beneficiaries: dict[str, Callable[..., set[int]]] = field(default_factory=dict)
    # object type -> fn() -> SQL select of (object id, confidential category, body id), one row
    # per object, as it is NOW: what the register, the outbox and the emails check at read
    # time, so an item made confidential after the fact hides what was written about it.
    scopes: dict[str, Callable[[], Any]] = field(default_factory=dict)
    # object type -> fn(ctx) -> bool: only those for whom it is true read the register's
    # events about objects of that type (logbook entries: the team and the bodies named).
    readers: dict[str, Callable[[Any], bool]] = field(default_factory=dict)
    routers: list[Any] = field(default_factory=list)
    # Routers matched before all the others. Starlette tries routes one by one (about 300):
    # the vote path, which comes in bursts of hundreds, is found in a few tries instead of ~80.
    hot_routers: list[Any] = field(default_factory=list)

    def add_nav(self, key: str, path: str, shown: Callable[[Any, Any], bool] | None = None) -> None:
        self.nav.append(NavEntry(key, path, shown))

    def add_provider(self, kind: str, fn: Callable[..., Any]) -> None:
        self.providers[kind] = fn

    def add_scope(self, object_type: str, fn: Callable[[], Any]) -> None:
        """How to read the current (id, confidential category, body id) of this object type."""
        self.scopes[object_type] = fn

    def add_readers(self, object_type: str, fn: Callable[[Any], bool]) -> None:
        """Who may read register events about this object type (everyone, by default)."""
        self.readers[object_type] = fn

    def add_sweep(self, name: str, fn: Callable[..., Any], seconds: float | None = None) -> None:
        """`fn(ctx, at)` at every scheduler tick, or every `seconds` when that is sooner."""
        self.sweeps[name] = fn
        if seconds is not None:
            self.sweep_seconds[name] = seconds

    def add_demo(self, order: int, fn: Callable[..., Any]) -> None:
        self.demo_hooks.append((order, fn))
