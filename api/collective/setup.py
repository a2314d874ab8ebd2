"""First-run setup: the collective row and the bodies declared in the rules."""

from sqlalchemy import select

from api.collective.models import Body, Collective
from api.context import Context
from api.register import service as register


def sync_from_rules(ctx: Context) -> None:
    """Create or update the collective and its bodies from the rules in force (idempotent)."""
    session, rules = ctx.session, ctx.rules
    collective = session.get(Collective, 1)
    c = rules.collective
    if collective is None:
        session.add(Collective(id=1, name=c.name, locale=c.locale, timezone=c.timezone,
                               currency=c.currency))
    else:
        collective.name, collective.locale, collective.timezone = c.name, c.locale, c.timezone
    existing = {b.key: b for b in session.execute(select(Body)).scalars()}
    for spec in rules.bodies:  # parents are listed before their children in the rules
        body = existing.get(spec.key)
        parent = existing.get(spec.parent) if spec.parent else None
        values = dict(kind=spec.kind, name_fr=spec.name.fr, name_en=spec.name.en,
                      mandate_fr=spec.mandate.fr if spec.mandate else None,
                      mandate_en=spec.mandate.en if spec.mandate else None,
                      parent_id=parent.id if parent else None)
        if body is None:
            body = Body(key=spec.key, **values)
            session.add(body)
            session.flush()
            existing[spec.key] = body
            register.record(session, action="body.created", object_type="body", object_id=body.id,
                            actor_id=None, after={"key": spec.key, **values})
        else:
            for key, value in values.items():
                setattr(body, key, value)
    session.flush()
