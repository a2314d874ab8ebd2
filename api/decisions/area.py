"""The decisions area: proposals, online votes, recusals, closing; the emails of a vote's
life (invitation, outcome, reminders asked for, votes by email link and by reply), the
discussion, alternates and proxies, and ratification by a second body."""

from sqlalchemy import select

from api.decisions import demo, guards, lifecycle, pages, routes, service
from api.decisions.models import Decision
from api.registry import Registry
from workflows.engine import Binding


def install(registry: Registry) -> None:
    registry.hot_routers.append(routes.router)  # votes
    registry.routers.append(pages.router)
    for name, fn in guards.GUARDS.items():
        registry.engine.add_guard(name, fn)
    registry.engine.bind(Binding(
        object_type=service.OBJECT_TYPE, workflow_name=lambda decision: decision.workflow,
        actor_roles=service.actor_roles, after=[service.after_transition, lifecycle.on_transition]))
    registry.add_provider(service.DEADLINE_KIND, service.closing_deadlines)
    registry.add_scope(service.OBJECT_TYPE,
                       lambda: select(Decision.id, Decision.confidential_category, Decision.body_id))
    registry.add_sweep("close_due_decisions", service.sweep_close_due)
    registry.add_demo(20, demo.demo_decisions)
    registry.add_nav("nav.decisions", "/decisions")
    registry.sections.append(pages.my_open_votes)
