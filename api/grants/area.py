"""The grants area, installed by `api.areas.install_all` after the decisions area (its
submission guard reads decisions): funders, grant applications and their reports — routes and
pages, the two workflow guards, the application and report bindings with their after-hooks,
the three deadline providers, the freezing of a report's indicators at submission
(`reports.after_transition`), the overdue-reports sweep, the demo data, the menu entry and
the dashboard's "my upcoming reports" section."""

from sqlalchemy import select

from api.grants import demo, guards, pages, reports, routes, service
from api.grants.models import GrantApplication, Report, ReportingRequirement
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
    registry.engine.on_transition(service.REPORT, reports.after_transition)  # submitting freezes figures
    registry.add_provider("grant_application_deadline", service.application_deadlines)
    registry.add_provider("grant_internal_draft", service.draft_deadlines)
    registry.add_provider("report_due", service.report_deadlines)
    # Current confidentiality (an application can be made confidential; its requirements
    # and reports follow it): read by the register, the outbox and the emails.
    app_scope = (GrantApplication.confidential_category, GrantApplication.body_id)
    registry.add_scope(service.APPLICATION, lambda: select(GrantApplication.id, *app_scope))
    registry.add_scope(service.REPORT, lambda: select(Report.id, *app_scope).join(
        GrantApplication, GrantApplication.id == Report.application_id))
    registry.add_scope("grant_requirement", lambda: select(ReportingRequirement.id, *app_scope).join(
        GrantApplication, GrantApplication.id == ReportingRequirement.application_id))
    registry.add_sweep("grants_mark_overdue_reports", service.overdue_sweep)
    registry.add_demo(30, demo.load_grants)
    registry.add_nav("nav.grants", "/grants", shown=grants_in_menu)
    registry.sections.append(pages.my_grant_deadlines)


def grants_in_menu(ctx, viewer) -> bool:
    """The menu's "Subventions" entry: for whoever may manage grants or sees at least one
    application (staff, who see no in-camera funding item, do not get an empty pipeline)."""
    if service.may_manage(ctx):
        return True
    visible = viewer.visible(GrantApplication.confidential_category, GrantApplication.body_id)
    return ctx.session.execute(select(GrantApplication.id).where(visible).limit(1)).first() is not None
