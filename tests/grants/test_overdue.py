"""Reports become overdue on their own, once, whatever the number of sweeps or restarts."""

from datetime import UTC, datetime

from sqlalchemy import func, select

from api.areas import build_runtime
from api.db import Database
from api.grants.service import mark_overdue_reports
from api.register.models import RegisterEvent
from api.timeutil import set_clock
from tests.grants.helpers import HANDROITS, award, fire, make_application
from tests.helpers import token_for, unit_of_work


def _overdue_events(db: Database) -> int:
    with db.session() as session:
        return session.execute(select(func.count()).select_from(RegisterEvent)
                               .where(RegisterEvent.action == "report.mark_overdue")).scalar_one()


def test_a_report_past_its_due_date_is_marked_overdue_exactly_once(client, db_url):
    lead = token_for(client, HANDROITS)
    app = make_application(client, lead, period_start="2027-01-01", period_end="2027-03-31",
                           requirements=[{"kind": "financial", "due_rule": "fixed", "due_date": "2027-04-30"}])
    award(client, lead, app["id"])
    rid = client.get(f"/api/v1/reports?application_id={app['id']}", headers=lead).json()["items"][0]["id"]
    runtime = client.app.state.runtime
    db = runtime.database
    try:
        # 23:00 in Toronto on the due date (03:00 UTC the next day): not late yet.
        set_clock(lambda: datetime(2027, 5, 1, 3, 0, tzinfo=UTC))
        with unit_of_work(runtime) as ctx:
            assert mark_overdue_reports(ctx) == 0
        set_clock(lambda: datetime(2027, 5, 1, 5, 0, tzinfo=UTC))  # 01:00 on May 1st
        with unit_of_work(runtime) as ctx:
            assert mark_overdue_reports(ctx) == 1
        with unit_of_work(runtime) as ctx:  # the sweep runs again
            assert mark_overdue_reports(ctx) == 0
        restarted = Database(db_url)  # a restart (or another worker): a new engine
        try:
            restarted_runtime = build_runtime(runtime.settings, restarted)
            with unit_of_work(restarted_runtime) as ctx:
                assert mark_overdue_reports(ctx) == 0
            from notifications.sweeps import run_sweeps

            outcome = run_sweeps(restarted_runtime)  # the scheduler's tick, twice
            outcome = run_sweeps(restarted_runtime)
            assert outcome["grants_mark_overdue_reports"] == "ok"
        finally:
            restarted.dispose()
        assert _overdue_events(db) == 1
        report = client.get(f"/api/v1/reports/{rid}", headers=lead).json()
        assert report["state"] == "overdue" and set(report["allowed_transitions"]) == {"start", "submit"}
        # Still late until it is submitted; then it is no longer a candidate.
        assert fire(client, lead, "reports", rid, "submit").status_code == 200
        with unit_of_work(runtime) as ctx:
            assert mark_overdue_reports(ctx) == 0
        assert _overdue_events(db) == 1
    finally:
        set_clock(None)
