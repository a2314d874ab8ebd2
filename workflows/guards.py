"""Guards: named checks that the rules put on a transition (`conditions: [name]`).

A guard returns None when the transition may go ahead, or a `Blocked` saying why, as a
translation key and its parameters: the application translates it where it answers.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Blocked:
    key: str  # a translation key, e.g. "grants.guard.decision_missing"
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class GuardContext:
    uow: Any  # the caller's unit of work, passed through untouched
    obj: Any
    actor: Any  # the person firing, or None for the system
    rules: Any  # the rules the object is judged by (anything with `.workflows`)
    params: dict = field(default_factory=dict)  # extra values sent with the trigger


GuardFn = Callable[[GuardContext], Blocked | None]
