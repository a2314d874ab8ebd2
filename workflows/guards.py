"""Named guards that governance_rules.yaml can put on a transition (`conditions: [name]`).

A guard returns None when the transition may go ahead, or a `Blocked` saying why in both
languages. Areas register their guards at import time with `@guard("name")`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session


@dataclass
class Blocked:
    fr: str
    en: str

    def message(self, lang: str) -> str:
        return self.en if lang == "en" else self.fr


@dataclass
class GuardContext:
    session: Session
    obj: Any
    actor: Any  # Person or None for the system
    rules: Any  # GovernanceRules in force for this object
    params: dict = field(default_factory=dict)  # extra values sent with the trigger


GuardFn = Callable[[GuardContext], Blocked | None]
_GUARDS: dict[str, GuardFn] = {}


def guard(name: str) -> Callable[[GuardFn], GuardFn]:
    def register(fn: GuardFn) -> GuardFn:
        _GUARDS[name] = fn
        return fn

    return register


def get_guard(name: str) -> GuardFn:
    return _GUARDS[name]


def registered_guards() -> set[str]:
    from api.areas import import_all_areas

    import_all_areas()
    return set(_GUARDS)
