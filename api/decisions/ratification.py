"""Ratification by a second body: a decision kind names, in the rules, the body that must
adopt it too (`ratification: {body, kind}`). When the first vote adopts it, the decision
waits ("en attente de ratification") and the second body's vote opens at once, on the same
text, as the system; when that vote closes, the system ratifies the first decision if it was
adopted, and records the refusal otherwise. No one clicks "ratify".

Both happen in the transaction that closed the vote (the last ballot, the sweep, a
withdrawal), each decision locked before it changes (the closing one is already locked).
"""

from sqlalchemy import select

from api.collective.models import Body
from api.context import Context
from api.decisions import service
from api.decisions.models import Decision, DecisionAttachment
from api.register import service as register
from api.rules.schema import GovernanceRules


def after_vote_closed(ctx: Context, decision: Decision, rules: GovernanceRules) -> None:
    """Open the ratification vote of a decision just adopted, or settle the decision that
    a ratification vote just closed."""
    kind = rules.decision_kinds.get(decision.kind)
    workflow = rules.workflows[decision.workflow]
    if kind is not None and kind.ratification is not None and "ratify" in workflow.triggers_from(decision.state):
        open_ratification(ctx, decision, kind.ratification.body, kind.ratification.kind)
    if decision.ratifies_id is not None:
        settle(ctx, decision, rules)


def open_ratification(ctx: Context, first: Decision, body_key: str, kind_key: str) -> Decision | None:
    """The second body's vote on the same text, drafted and opened by the system under the
    rules in force. Rules without that body or kind any more: the decision keeps waiting and
    the register says why (the vote that adopted it must not fail for that)."""
    session, rules = ctx.session, ctx.rules
    body = session.execute(select(Body).where(Body.key == body_key)).scalar_one_or_none()
    kind = rules.decision_kinds.get(kind_key)
    if body is None or kind is None:
        register.record_for(ctx, first, "decision.ratification_unavailable", object_type=service.OBJECT_TYPE,
                            actor_id=None, after={"body": body_key, "kind": kind_key},
                            rules_version_id=first.rules_version_id)
        return None
    body_rules = rules.body(body.key)
    category = kind.confidential_category or (body_rules.confidential_category if body_rules else None)
    second = Decision(body_id=body.id, kind=kind_key, workflow=kind.workflow, title=first.title,
                      text=first.text, state=rules.workflows[kind.workflow].initial,
                      confidential_category=category, created_by=first.created_by, ratifies_id=first.id)
    second.attachments = [DecisionAttachment(title=a.title, url=a.url) for a in first.attachments]
    session.add(second)
    session.flush()
    register.record_for(ctx, second, "decision.created", object_type=service.OBJECT_TYPE, actor_id=None,
                        after={"kind": kind_key, "title": second.title, "body_id": body.id,
                               "state": second.state, "ratifies_id": first.id})
    register.record_for(ctx, first, "decision.ratification_opened", object_type=service.OBJECT_TYPE,
                        actor_id=None, after={"ratification_id": second.id, "body_id": body.id},
                        rules_version_id=first.rules_version_id)
    ctx.registry.engine.fire(ctx, second, "open", None, rules, service.OBJECT_TYPE)
    return second


def settle(ctx: Context, second: Decision, rules: GovernanceRules) -> None:
    """The ratification vote closed: ratify the first decision if it was adopted, else record
    that it was not ratified (rejected, no quorum, withdrawn)."""
    first = ctx.session.execute(
        select(Decision).where(Decision.id == second.ratifies_id).with_for_update()
        .execution_options(populate_existing=True)).scalar_one_or_none()
    if first is None or first.rules_version_id is None:
        return
    judged = service.judged_rules(ctx, first)
    adopted = second.state in service.adopted_states(rules, second.workflow)
    trigger = "ratify" if adopted else "refuse_ratification"
    if trigger in judged.workflows[first.workflow].triggers_from(first.state):
        ctx.registry.engine.fire(ctx, first, trigger, None, judged, service.OBJECT_TYPE,
                                 {"ratification_id": second.id})


def linked(ctx: Context, decision: Decision) -> dict:
    """What the page shows: the decision this one ratifies, and its own ratification vote
    (each only if the viewer may see it)."""
    session, viewer = ctx.session, ctx.viewer
    first = session.get(Decision, decision.ratifies_id) if decision.ratifies_id else None
    second = session.execute(select(Decision).where(Decision.ratifies_id == decision.id)
                             .order_by(Decision.id.desc())).scalars().first()

    def shown(d: Decision | None) -> Decision | None:
        return d if d is not None and viewer.can_see(d.confidential_category, d.body_id) else None

    return {"ratifies": shown(first), "ratification": shown(second)}
