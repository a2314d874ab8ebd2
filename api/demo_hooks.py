"""Areas add demo data (decisions, grants, tasks...) with `@demo_hook`, run after the people."""

from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

from api.rules.schema import GovernanceRules

DemoHook = Callable[[Session, GovernanceRules, date], None]
HOOKS: list[tuple[int, DemoHook]] = []


def demo_hook(order: int = 50) -> Callable[[DemoHook], DemoHook]:
    def register(fn: DemoHook) -> DemoHook:
        HOOKS.append((order, fn))
        return fn

    return register


def run_demo_hooks(session: Session, rules: GovernanceRules, today: date) -> None:
    for _, fn in sorted(HOOKS, key=lambda h: h[0]):
        fn(session, rules, today)
