"""Recurring reporting requirements: month ends (January 31 + 1 month) and daylight saving."""

from datetime import UTC, date, datetime

from api.grants.recurrence import add_months, due_at, recurring_dates, requirement_dates
from tests.grants.helpers import HANDROITS, award, make_application
from tests.helpers import token_for, unit_of_work


def test_january_31_plus_one_month_is_the_end_of_february():
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)  # leap year
    assert add_months(date(2027, 1, 31), 2) == date(2027, 3, 31)  # from the anchor: no drift
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert add_months(date(2027, 12, 15), 1) == date(2028, 1, 15)


def test_monthly_reports_end_each_month_and_the_last_one_ends_with_the_period():
    assert recurring_dates(date(2027, 1, 31), date(2027, 6, 15), "monthly") == [
        date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30), date(2027, 5, 31), date(2027, 6, 15)]
    # 30 days after each quarter END (March 31, June 30...), not after the next quarter's first day.
    assert recurring_dates(date(2027, 1, 1), date(2027, 12, 31), "quarterly", offset_days=30) == [
        date(2027, 4, 30), date(2027, 7, 30), date(2027, 10, 30), date(2028, 1, 30)]
    assert recurring_dates(date(2026, 4, 1), date(2029, 3, 31), "yearly") == [
        date(2027, 3, 31), date(2028, 3, 31), date(2029, 3, 31)]
    assert requirement_dates("offset", anchor=date(2027, 3, 31), offset_days=30) == [date(2027, 4, 30)]
    assert requirement_dates("fixed", due_date=date(2027, 6, 1)) == [date(2027, 6, 1)]


def test_due_dates_keep_local_midnight_across_a_daylight_saving_change():
    # Toronto moves to summer time on 14 March 2027: local midnight is 05:00 UTC before, 04:00 after.
    assert due_at(date(2027, 3, 13), "America/Toronto") == datetime(2027, 3, 13, 5, 0, tzinfo=UTC)
    assert due_at(date(2027, 3, 15), "America/Toronto") == datetime(2027, 3, 15, 4, 0, tzinfo=UTC)
    assert due_at(date(2027, 11, 8), "America/Toronto") == datetime(2027, 11, 8, 5, 0, tzinfo=UTC)


def test_an_awarded_grant_gets_its_monthly_reports_across_dst_and_month_ends(client):
    lead = token_for(client, HANDROITS)
    app = make_application(client, lead, period_start="2027-01-31", period_end="2027-04-30",
                           requirements=[{"kind": "financial", "due_rule": "recurring", "frequency": "monthly",
                                          "preparation_days": 10}])
    award(client, lead, app["id"])
    reports = client.get(f"/api/v1/reports?application_id={app['id']}", headers=lead).json()["items"]
    assert [r["due_date"] for r in reports] == ["2027-02-28", "2027-03-31", "2027-04-30"]
    assert [r["internal_date"] for r in reports] == ["2027-02-18", "2027-03-21", "2027-04-20"]
    from api.grants.service import report_deadlines

    with unit_of_work(client.app) as ctx:
        found = report_deadlines(ctx, datetime(2027, 2, 1, tzinfo=UTC), datetime(2027, 5, 1, tzinfo=UTC))
        times = sorted(d.due_at for d in found)
    assert times == [datetime(2027, 2, 28, 5, tzinfo=UTC), datetime(2027, 3, 31, 4, tzinfo=UTC),
                     datetime(2027, 4, 30, 4, tzinfo=UTC)]
