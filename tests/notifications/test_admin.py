"""The admin's outbox (API and pages), the local mailbox, and the scheduler / worker."""

import asyncio
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from api.collective.models import Body, Person
from notifications.deadlines import Deadline, upsert_deadline
from notifications.models import OutboxMessage, Status
from tests.helpers import ADMIN, CHAIR, MEMBERS, make_settings, sign_in, token_for, unit_of_work
from tests.notifications.conftest import deliver


def _plan(runtime, clock):
    with unit_of_work(runtime) as ctx:
        session = ctx.session
        ids = {p.email: p.id for p in session.execute(select(Person)).scalars()}
        hr = session.execute(select(Body.id).where(Body.key == "hr")).scalar_one()
        upsert_deadline(ctx, Deadline(kind="task_due", object_type="task", object_id=1,
                                          due_at=clock.at + timedelta(hours=20), title_fr="Ordre du jour",
                                          title_en="Agenda", path="/tasks/1",
                                          recipient_ids=frozenset({ids[MEMBERS[0]]})))
        upsert_deadline(ctx, Deadline(kind="decision_closing", object_type="decision", object_id=2,
                                          due_at=clock.at + timedelta(hours=3), title_fr="Embauche secrète",
                                          title_en="Secret hiring", path="/decisions/2",
                                          confidential_category="human_resources", body_id=hr,
                                          recipient_ids=frozenset({ids[CHAIR]})))


def test_the_admin_sees_the_outbox_and_retries_a_failed_email_but_never_a_confidential_title(
        client, app, database, configure, clock):
    runtime = configure(base_url="http://testserver")
    _plan(runtime, clock)
    deliver(runtime)
    as_admin = token_for(client, ADMIN)
    listing = client.get("/api/v1/outbox?status=local", headers=as_admin)
    assert listing.status_code == 200 and listing.json()["total"] == 2
    subjects = [item["subject"] for item in listing.json()["items"]]
    assert "(point confidentiel)" in subjects and not any("secrète" in s for s in subjects)
    assert client.get("/api/v1/outbox?status=bogus", headers=as_admin).status_code == 422
    assert client.get("/api/v1/outbox", headers=token_for(client, MEMBERS[0])).status_code == 403

    with database.session() as session:
        row_id = session.execute(select(OutboxMessage.id).where(OutboxMessage.kind == "task_due")).scalar_one()
        session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id)
                        .values(status=Status.failed, last_error="SMTPRecipientRefused: 550"))
    assert client.get("/api/v1/outbox?status=failed", headers=as_admin).json()["items"][0]["last_error"]
    retried = client.post(f"/api/v1/outbox/{row_id}/retry", headers=as_admin)
    assert retried.status_code == 200 and retried.json()["status"] == "planned"
    assert client.post(f"/api/v1/outbox/{row_id}/retry", headers=as_admin).status_code == 422

    sign_in(client, ADMIN)
    outbox = client.get("/admin/outbox")
    assert outbox.status_code == 200 and "Ordre du jour" in outbox.text and "secrète" not in outbox.text
    assert 'href="/admin/outbox"' in outbox.text  # in the menu
    with database.session() as session:
        secret = session.execute(select(OutboxMessage.id).where(OutboxMessage.kind == "decision_closing")).scalar_one()
    shown = client.get(f"/admin/outbox/{secret}")
    assert shown.status_code == 200 and "secrète" not in shown.text.lower() and "Secret" not in shown.text


def test_the_local_mailbox_shows_the_email_to_the_admin(client, app, database, configure, clock):
    runtime = configure(base_url="http://testserver")
    _plan(runtime, clock)
    deliver(runtime)
    sign_in(client, ADMIN)
    with database.session() as session:
        row_id = session.execute(select(OutboxMessage.id).where(OutboxMessage.kind == "task_due")).scalar_one()
    shown = client.get(f"/admin/outbox/{row_id}")
    assert shown.status_code == 200 and "http://testserver/tasks/1" in shown.text
    assert client.get("/admin/outbox/999999").status_code == 404


def test_the_web_app_starts_the_scheduler_with_idempotent_interval_jobs(database, db_url, configure):
    from api.main import create_app
    from tests.helpers import seed_demo

    seed_demo(database)
    app = create_app(make_settings(db_url, scheduler_enabled=True), db=database)
    with TestClient(app) as client:
        assert client.get("/healthz").json()["scheduler"] == "running"
        jobs = {job.id: job for job in app.state.scheduler.get_jobs()}
        assert set(jobs) == {"deliver", "digest", "system", "sweep:register_seal"}
        for job in jobs.values():
            assert job.coalesce is True and job.max_instances == 1 and job.misfire_grace_time
        # a vote's register event is linked to the chain within about a second
        assert jobs["sweep:register_seal"].trigger.interval.total_seconds() == 1


def test_relais_worker_runs_the_same_jobs_and_stops_cleanly(database, db_url, configure, clock, people,
                                                            monkeypatch):
    from api.areas import build_runtime
    from notifications import worker

    ran = []

    def probe(ctx, now):
        ran.append(now)

    def runtime_with_probe(settings):  # the worker's own runtime, with one more sweep installed
        runtime = build_runtime(settings)
        runtime.registry.add_sweep("test_probe", probe)
        return runtime

    monkeypatch.setattr(worker, "build_runtime", runtime_with_probe)
    _plan(configure(), clock)

    async def run():
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(1.5, stop.set)
        await worker._main(make_settings(db_url), stop)

    asyncio.run(run())
    assert ran  # the system sweep ran
    with database.session() as session:
        statuses = set(session.execute(select(OutboxMessage.status)).scalars())
    assert Status.local in statuses  # the due reminder went to the local mailbox


def _app_with_hourly_jobs(database, db_url):
    from api.main import create_app

    return create_app(make_settings(db_url, scheduler_enabled=True, sweep_interval_seconds=3600), db=database)


def _wait_for_the_start_up_run(app) -> None:
    """The jobs run once at start; then the next tick is an hour away."""
    from datetime import datetime

    from tests.notifications.conftest import wait_for

    deliver_job = app.state.scheduler.get_job("deliver")
    wait_for(lambda: deliver_job.next_run_time.timestamp() > datetime.now().timestamp() + 600)


def _sign_in_link_status(database):
    with database.session() as session:
        return session.execute(select(OutboxMessage.status)
                               .where(OutboxMessage.kind == "signin_link")).scalar_one_or_none()


def test_a_sign_in_link_wakes_the_delivery_job_instead_of_waiting_for_the_next_tick(database, db_url):

    from tests.helpers import csrf_of
    from tests.notifications.conftest import wait_for

    app = _app_with_hourly_jobs(database, db_url)

    def link_status():
        return _sign_in_link_status(database)

    with TestClient(app) as client:
        _wait_for_the_start_up_run(app)
        csrf = csrf_of(client.get("/signin/link").text)
        assert client.post("/signin/link", data={"csrf_token": csrf, "email": MEMBERS[2]}).status_code == 200
        wait_for(lambda: link_status() == Status.local, timeout=10)
    assert link_status() == Status.local  # sent (local mailbox) at once, not an hour later


def test_a_sign_in_link_asked_for_while_a_delivery_is_finishing_goes_out_in_that_delivery_not_an_hour_later(
        database, db_url, monkeypatch):
    import threading

    import notifications.scheduler as scheduler_module
    from notifications.scheduler import wake
    from tests.helpers import csrf_of
    from tests.notifications.conftest import wait_for

    real_deliver_due = scheduler_module.deliver_due
    finishing, release = threading.Event(), threading.Event()
    hold = {"next": False}

    async def slow_to_finish(runtime, **kwargs):
        # The outbox has been read (nothing due yet); sending takes a while: the sign-in link
        # is committed in the meantime, and its wake-up finds this delivery still running.
        report = await real_deliver_due(runtime, **kwargs)
        if hold["next"] and not kwargs.get("digest"):
            hold["next"] = False
            finishing.set()
            await asyncio.to_thread(release.wait, 10)
        return report

    monkeypatch.setattr(scheduler_module, "deliver_due", slow_to_finish)
    app = _app_with_hourly_jobs(database, db_url)

    def link_status():
        return _sign_in_link_status(database)

    with TestClient(app) as client:
        scheduler = app.state.scheduler
        _wait_for_the_start_up_run(app)
        hold["next"] = True
        wake(scheduler)  # a delivery starts, and is slow to finish
        assert finishing.wait(10)
        csrf = csrf_of(client.get("/signin/link").text)
        assert client.post("/signin/link", data={"csrf_token": csrf, "email": MEMBERS[2]}).status_code == 200
        assert link_status() == Status.planned  # committed while the delivery is still running
        release.set()
        wait_for(lambda: link_status() == Status.local, timeout=10)
    assert link_status() == Status.local


def test_yesterdays_email_is_on_the_first_page_of_the_outbox_before_a_year_of_planned_reminders(
        client, app, database, configure, clock):
    from notifications.pages import PER_PAGE

    runtime = configure(base_url="http://testserver")
    _plan(runtime, clock)
    deliver(runtime)  # "Ordre du jour" goes out now (to the local mailbox)
    with unit_of_work(runtime) as ctx:
        member = ctx.session.execute(select(Person.id).where(Person.email == MEMBERS[1])).scalar_one()
        for n in range(PER_PAGE + 5):
            upsert_deadline(ctx, Deadline(kind="task_due", object_type="task", object_id=100 + n,
                                          due_at=clock.at + timedelta(days=60 + n), title_fr=f"Bilan {n}",
                                          title_en=f"Report {n}", path=f"/tasks/{100 + n}",
                                          recipient_ids=frozenset({member})))
    sign_in(client, ADMIN)
    first_page = client.get("/admin/outbox").text
    assert "Ordre du jour" in first_page
    # Then what is planned, soonest first.
    assert "Bilan 0" in first_page and f"Bilan {PER_PAGE + 4}" not in first_page
    assert first_page.index("Ordre du jour") < first_page.index("Bilan 0")
