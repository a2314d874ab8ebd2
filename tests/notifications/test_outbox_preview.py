"""The admin's outbox: a preview of each email the admin may see (subject and body, before it
leaves), the usual mask for confidential items, and reasons in words, not codes."""

from datetime import timedelta

from sqlalchemy import select

from api.collective.models import Person
from notifications.deadlines import Deadline, upsert_deadline
from notifications.models import OutboxMessage, Status
from tests.helpers import ADMIN, MEMBERS, sign_in, token_for, unit_of_work
from tests.notifications.conftest import deliver
from tests.notifications.test_admin import _plan


def test_the_admin_previews_a_planned_reminder_but_not_a_confidential_one(client, database, configure, clock):
    runtime = configure(base_url="http://testserver")
    _plan(runtime, clock)  # nothing delivered yet: the rows hold no text
    sign_in(client, ADMIN)
    outbox = client.get("/admin/outbox")
    assert outbox.status_code == 200
    assert "Rappel\u00a0: Ordre du jour" in outbox.text  # the subject the person will get
    assert "(point confidentiel)" in outbox.text and "secrète" not in outbox.text.lower()
    with database.session() as session:
        rows = {r.kind: r.id for r in session.execute(select(OutboxMessage)).scalars()}
        assert all(r.body_text is None for r in session.execute(select(OutboxMessage)).scalars())
    task = client.get(f"/admin/outbox/{rows['task_due']}")
    assert task.status_code == 200
    assert "Rappel\u00a0: Ordre du jour" in task.text and "http://testserver/tasks/1" in task.text
    assert "Aperçu" in task.text and "/unsubscribe/" not in task.text
    secret = client.get(f"/admin/outbox/{rows['decision_closing']}")
    assert secret.status_code == 200 and "secrète" not in secret.text.lower()
    assert "(point confidentiel)" in secret.text and "/decisions/2" not in secret.text


def test_a_moved_deadline_says_in_french_why_its_old_reminder_was_cancelled(client, database, configure, clock):
    runtime = configure(base_url="http://testserver")
    with unit_of_work(runtime) as ctx:
        member = ctx.session.execute(select(Person.id).where(Person.email == MEMBERS[0])).scalar_one()
        for days in (20, 25):  # planned, then the task's date moves
            upsert_deadline(ctx, Deadline(kind="task_due", object_type="task", object_id=7,
                                          due_at=clock.at + timedelta(days=days), title_fr="Budget",
                                          title_en="Budget", path="/tasks/7",
                                          recipient_ids=frozenset({member})))
    with database.session() as session:
        assert session.execute(select(OutboxMessage.last_error)
                               .where(OutboxMessage.status == Status.cancelled)).scalars().first() == "replanned"
    sign_in(client, ADMIN)
    page = client.get("/admin/outbox?status=cancelled")
    assert page.status_code == 200
    assert "la date de l'échéance a changé" in page.text.replace("&#39;", "'")
    assert "replanned" not in page.text


def test_the_outbox_api_gives_the_admin_the_same_preview_and_the_same_mask_as_the_page(
        client, database, configure, clock):
    from notifications import service

    runtime = configure(base_url="http://testserver")
    _plan(runtime, clock)  # a task the admin may see, an in-camera vote the admin may not
    with unit_of_work(runtime) as ctx:
        service.request_login_link(ctx, MEMBERS[0])  # a key to someone's account
    as_admin = token_for(client, ADMIN)
    answer = client.get("/api/v1/outbox", headers=as_admin)
    assert answer.status_code == 200
    items = {item["kind"]: item for item in answer.json()["items"]}
    task = items["task_due"]["preview"]
    assert task["masked"] is False and task["subject"].startswith("Rappel\u00a0: Ordre du jour — ")
    assert "http://testserver/tasks/1" in task["text"] and "/unsubscribe/" not in task["text"]
    assert items["decision_closing"]["subject"] == "(point confidentiel)"
    assert items["decision_closing"]["preview"] == {"subject": "(point confidentiel)", "text": None,
                                                    "masked": True}
    assert "secrète" not in answer.text.lower() and "/decisions/2" not in answer.text
    signin = items["signin_link"]["preview"]
    assert signin["masked"] is False and signin["text"] is None and "/signin/" not in answer.text

    # Once sent (here to the local mailbox), the preview is the email as it was kept.
    deliver(runtime)
    sent = client.get("/api/v1/outbox?status=local", headers=as_admin).json()["items"]
    kept = next(i for i in sent if i["kind"] == "task_due")
    with database.session() as session:
        row = session.get(OutboxMessage, kept["id"])
        assert kept["preview"] == {"subject": row.subject, "text": row.body_text, "masked": False}


def test_the_outbox_answer_declares_its_preview_in_the_api_schema(client):
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert set(schema["OutboxPreviewOut"]["properties"]) == {"subject", "text", "masked"}
    assert "preview" in schema["OutboxOut"]["properties"]
