"""Grant deadlines feed the reminders: owners and contributing partners' people are planned
for an application deadline, owners for a report; submitting cancels what is left."""

from datetime import UTC, datetime

from sqlalchemy import select

from api.collective.models import Organisation, Person
from api.timeutil import set_clock
from notifications.models import OutboxMessage
from tests.grants.helpers import HANDROITS, advance, make_application
from tests.helpers import PARTNER, token_for


def _rows(db, object_type: str, object_id: int, kind: str) -> list[OutboxMessage]:
    with db.session() as session:
        return list(session.execute(select(OutboxMessage).where(
            OutboxMessage.object_type == object_type, OutboxMessage.object_id == object_id,
            OutboxMessage.kind == kind)).scalars())


def test_application_deadline_reminders_reach_owner_and_partners_then_stop_at_submission(client):
    db = client.app.state.runtime.database
    with db.session() as session:
        elan = session.execute(select(Organisation).where(Organisation.name == "Centre l'Élan")).scalar_one().id
        partner_id = session.execute(select(Person.id).where(Person.email == PARTNER)).scalar_one()
        owner_id = session.execute(select(Person.id).where(Person.email == HANDROITS)).scalar_one()
    set_clock(lambda: datetime(2026, 11, 23, 15, 0, tzinfo=UTC))
    try:
        lead = token_for(client, HANDROITS)
        app = make_application(client, lead, confidential=False, partner_ids=[elan],
                               application_deadline="2027-02-15T17:00:00-05:00",
                               internal_draft_deadline="2027-02-01")
        rows = _rows(db, "grant_application", app["id"], "grant_application_deadline")
        assert {r.recipient_id for r in rows} == {owner_id, partner_id}
        assert {r.offset_seconds // 86400 for r in rows} == {30, 14, 7, 2, 1}
        drafts = _rows(db, "grant_application", app["id"], "grant_internal_draft")
        assert {r.recipient_id for r in drafts} == {owner_id}
        for trigger in ["start_drafting", "send_to_review", "approve", "submit"]:
            assert advance(client, lead, app["id"], trigger).status_code == 200
        rows = _rows(db, "grant_application", app["id"], "grant_application_deadline")
        assert rows and all(r.status == "cancelled" for r in rows)
    finally:
        set_clock(None)


def test_a_very_long_title_still_plans_its_reminders(client):
    set_clock(lambda: datetime(2026, 11, 23, 15, 0, tzinfo=UTC))
    try:
        lead = token_for(client, HANDROITS)
        app = make_application(client, lead, title="T" * 300, application_deadline="2027-02-15T17:00:00-05:00")
        rows = _rows(client.app.state.runtime.database, "grant_application", app["id"], "grant_application_deadline")
        assert rows and all(len(r.title_fr) <= 300 for r in rows)
    finally:
        set_clock(None)
