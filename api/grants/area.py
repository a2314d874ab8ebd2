"""The grants area, installed by `api.areas.install_all` after the decisions area (its
submission guard reads decisions): funders, grant applications and their reports — routes and
pages, the two workflow guards, the application and report bindings with their after-hooks,
the three deadline providers, the overdue-reports sweep, the demo data, the menu entry and
the dashboard's "my upcoming reports" section."""

from api.grants import demo, guards, pages, routes, service
from api.registry import Registry
from workflows.engine import Binding


def install(registry: Registry) -> None:
    registry.routers += [routes.router, pages.router]
    for name, fn in guards.GUARDS.items():
        registry.engine.add_guard(name, fn)
    registry.engine.bind(Binding(
        object_type=service.APPLICATION, workflow_name=lambda app: service.APPLICATION,
        actor_roles=service.application_roles, after=[service.after_application]))
    registry.engine.bind(Binding(
        object_type=service.REPORT, workflow_name=lambda report: service.REPORT,
        actor_roles=service.report_roles, after=[service.after_report]))
    registry.add_provider("grant_application_deadline", service.application_deadlines)
    registry.add_provider("grant_internal_draft", service.draft_deadlines)
    registry.add_provider("report_due", service.report_deadlines)
    registry.add_sweep("grants_mark_overdue_reports", service.overdue_sweep)
    registry.add_demo(30, demo.load_grants)
    registry.add_nav("nav.grants", "/grants")
    registry.sections.append(pages.my_grant_deadlines)
