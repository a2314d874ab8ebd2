"""The fee-split area, installed by `api.areas.install_all` after the decisions area: its
routes, its hook on the decision workflow (a fee-split decision is checked again when its vote
opens and its shares are recorded when it is adopted), who a fee-split decision pays (their
seats are recused), its demo data and its menu entry."""

from sqlalchemy import select

from api.feesplit import demo, pages, routes, service
from api.feesplit.models import FeeSplit
from api.registry import Registry


def install(registry: Registry) -> None:
    registry.routers += [routes.router, pages.router]
    registry.engine.on_transition("decision", service.on_decision_transition)
    registry.beneficiaries[service.KIND] = service.beneficiaries
    registry.add_scope(service.OBJECT_TYPE,
                       lambda: select(FeeSplit.id, FeeSplit.confidential_category, FeeSplit.body_id))
    registry.add_demo(25, demo.demo_fee_splits)
    registry.add_nav("nav.feesplit", "/fee-splits", shown=service.may_see_splits)
