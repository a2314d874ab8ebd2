"""What follows a decision's transitions besides its own bookkeeping (`service.after_transition`,
which runs first): the invitation when its vote opens, the outcome when it closes (by time,
early, withdrawn) and when its ratification settles, the reason of a withdrawal, and the
ratification by a second body (`ratification`). All in the transaction of the transition.
"""

from api.context import Context
from api.decisions import notices, ratification, service
from api.decisions.models import Decision
from workflows.engine import Fired


def on_transition(ctx: Context, fired: Fired) -> None:
    decision: Decision = fired.obj
    if decision.rules_version_id is None:
        return  # a draft withdrawn: nobody was ever invited
    rules = service.judged_rules(ctx, decision)
    if fired.trigger == "withdraw":
        decision.withdrawal_reason = str(fired.params.get("reason") or "").strip()[:2000] or None
    was_voting = service.is_voting(rules, decision, fired.source)
    is_voting = service.is_voting(rules, decision, fired.dest)
    if is_voting and not was_voting:
        notices.invite(ctx, decision, rules)
    elif was_voting and not is_voting:
        chain = notices.register_head(ctx)  # the register as the vote closed
        ratification.after_vote_closed(ctx, decision, rules)  # the outcome says what follows
        notices.announce_outcome(ctx, decision, rules, chain)
    elif fired.trigger in ("ratify", "refuse_ratification"):
        notices.announce_outcome(ctx, decision, rules)
