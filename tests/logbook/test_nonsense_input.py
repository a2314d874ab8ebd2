"""Whatever a worker, a writer of reports or a script sends to the logbook's, the reports' and
the attachments' pages and API — letters for numbers, numbers for yes/no, years 1 or 9999,
ids of 2^63, a thousand referral rows, a retired or unknown category — the answer is a 4xx
naming what is wrong (a form shown again), never a server error, and nothing is changed in
the database. On SQLite and PostgreSQL."""

from datetime import date, timedelta

from tests.grants.helpers import HANDROITS, award, make_application
from tests.helpers import csrf_of, sign_in, token_for
from tests.logbook.helpers import WORKER, log, worker_headers
from tests.test_bad_input import changed_tables, fingerprint

BIG = str(2**63)


def test_nonsense_sent_to_the_logbook_is_refused_and_changes_nothing(app, client):
    h = worker_headers(client)
    mine = log(client, h)
    sign_in(client, WORKER)
    token = csrf_of(client.get("/logbook").text)
    before = fingerprint(app)
    api_bodies = [
        {"people": {"adults": True}},  # a yes/no is not a count
        {"people": {"adults": "beaucoup"}},
        {"people": {"adults": 10**12}},
        {"people": {}},
        {"duration_minutes": True},
        {"duration_minutes": -5},
        {"followups": "1.5"},
        {"note_confirmed": 1},
        {"occurred_on": "0001-01-01"},
        {"occurred_on": "9999-12-31"},
        {"site": "x" * 65},
        {"site": "omh\x00magog"},
        {"issues": ["housing", "housing"]},
        {"issues": ["housing"] * 31},
        {"referrals": [{"resource": "cisss", "organisation_id": 2**63}]},
        {"referrals": [{"resource": "cisss", "organisation_id": 999_999}]},
        {"referrals": [{"resource": "cisss"}] * 31},
        {"colour": "red"},
    ]
    for change in api_bodies:
        body = {"site": "magog", "mode": "individual", "people": {"adults": 1}, **change}
        for method, path in [("post", "/api/v1/logbook/entries"), ("put", f"/api/v1/logbook/entries/{mine['id']}")]:
            r = getattr(client, method)(path, json=body, headers=h)
            assert r.status_code == 422, (change, method, r.status_code, r.text[:300])
    for path in ["/api/v1/logbook/statistics?year=99999", f"/api/v1/logbook/statistics?worker_id={BIG}",
                 "/api/v1/logbook/statistics?period=grant", f"/api/v1/logbook/statistics?period=grant&grant_id={BIG}",
                 "/api/v1/logbook/statistics?period=grant&grant_id=999999",
                 "/api/v1/logbook/statistics?start=2026-01-01&end=2025-01-01",
                 "/api/v1/logbook/statistics?start=1900-01-01&end=2200-12-31",
                 "/api/v1/logbook/statistics?period=decade", "/api/v1/logbook/statistics?quarter=5",
                 "/api/v1/logbook/statistics.csv?start=0001-01-01"]:
        r = client.get(path, headers=h)
        assert r.status_code == 422, (path, r.status_code, r.text[:300])
    assert client.get(f"/api/v1/logbook/entries/{BIG}", headers=h).status_code == 404

    form = {"csrf_token": token, "site": "magog", "mode": "individual", "people_adults": "1"}
    for change in [{"people_adults": "beaucoup"}, {"people_adults": "-1"}, {"people_adults": "1e9"},
                   {"duration_minutes": "toujours"}, {"occurred_on": "31/12/2025"}, {"occurred_on": "9999-12-31"},
                   {"followups": "2"}, {"ref_rows": "100000", "ref_resource_1": "cisss", "ref_org_1": BIG},
                   {"ref_resource_1": "cisss", "ref_org_1": "abc"}, {"ref_resource_2": "teleport"},
                   {"issues": "pandemic"}, {"site": "omh\x1bmagog"}, {"note": "a\x00b"}]:
        for path in ["/logbook", f"/logbook/entries/{mine['id']}"]:
            r = client.post(path, data={**form, **change}, follow_redirects=False)
            assert r.status_code == 422, (change, path, r.status_code)
            assert 'class="error-text"' in r.text or 'class="flash error"' in r.text, change
    for path in ["/logbook/statistics?year=99999", "/logbook/statistics?period=grant&grant_id=999999",
                 "/logbook/statistics?start=2026-01-01&end=2025-01-01", f"/logbook/entries/{BIG}",
                 "/logbook/statistics?start=2026-13-45"]:
        assert client.get(path).status_code in (404, 422), path
    for raw in ["", "abc", BIG, "-1", "999999"]:
        r = client.post("/logbook/team", data={"csrf_token": token, "person_id": raw, "coordinator": "1"},
                        follow_redirects=False)
        assert r.status_code in (303, 403), (raw, r.status_code)
    assert changed_tables(before, fingerprint(app)) == []


def test_nonsense_sent_to_a_reports_forms_and_attachments_is_refused_and_changes_nothing(app, client):
    lead = token_for(client, HANDROITS)
    day = date.today()
    grant = make_application(client, lead, confidential=False, period_start=(day - timedelta(days=30)).isoformat(),
                             period_end=day.isoformat(),
                             requirements=[{"kind": "final", "due_rule": "fixed", "due_date": day.isoformat()}])
    award(client, lead, grant["id"])
    report_id = client.get(f"/api/v1/reports?application_id={grant['id']}", headers=lead).json()["items"][0]["id"]
    assert client.put(f"/api/v1/reports/{report_id}/setup", json={"template": "centraide"},
                      headers=lead).status_code == 200
    sign_in(client, HANDROITS)
    token = csrf_of(client.get(f"/grants/reports/{report_id}").text)
    before = fingerprint(app)
    for body in [{"template": "nowhere"}, {"template": "centraide", "period_start": "0001-01-01"},
                 {"template": "centraide", "period_start": "2026-02-01", "period_end": "2026-01-01"},
                 {"template": 12}, {"template": "centraide", "extra": 1}]:
        r = client.put(f"/api/v1/reports/{report_id}/setup", json=body, headers=lead)
        assert r.status_code == 422, (body, r.status_code, r.text[:300])
    for body in [{"text": "x" * 50_001}, {"text": "a\x00b"}, {"text": "ok", "version": True},
                 {"text": "ok", "version": -1}, {"text": "ok", "version": 5}]:
        r = client.put(f"/api/v1/reports/{report_id}/sections/objectives", json=body, headers=lead)
        assert r.status_code in (409, 422), (body, r.status_code, r.text[:300])
    assert client.put(f"/api/v1/reports/{report_id}/sections/Bad-Key", json={"text": "x"},
                      headers=lead).status_code in (404, 422)
    assert client.get(f"/api/v1/reports/{BIG}/content", headers=lead).status_code == 404
    assert client.get(f"/api/v1/reports/{BIG}/report.docx", headers=lead).status_code == 404

    for data in [{"template": "nowhere"}, {"template": "centraide", "period_start": "9999-01-01"},
                 {"template": "centraide", "period_start": "2026-02-01", "period_end": "2026-01-01"},
                 {"template": "centraide", "period_end": "hier"}]:
        r = client.post(f"/grants/reports/{report_id}/setup", data={"csrf_token": token, **data},
                        follow_redirects=False)
        assert r.status_code == 422, (data, r.status_code)
    for data in [{"text": "a\x00b", "version": "0"}, {"text": "ok", "version": "beaucoup"},
                 {"text": "ok", "version": "7"}, {"text": "x" * 50_001, "version": "0"}]:
        r = client.post(f"/grants/reports/{report_id}/sections/objectives", data={"csrf_token": token, **data},
                        follow_redirects=False)
        assert r.status_code in (409, 422), (data, r.status_code)
    for data in [{"object_type": "decision", "object_id": BIG}, {"object_type": "spaceship", "object_id": "1"},
                 {"object_type": "report", "object_id": "abc"}]:
        r = client.post("/documents/attach", data={"csrf_token": token, **data},
                        files={"file": ("a.pdf", b"%PDF-1.4\n", "application/pdf")}, follow_redirects=False)
        assert r.status_code == 404, (data, r.status_code)
    r = client.post("/documents/attach", data={"csrf_token": token, "object_type": "report",
                                               "object_id": str(report_id), "title": "a\x1bb"},
                    files={"file": ("a.pdf", b"%PDF-1.4\n", "application/pdf")}, follow_redirects=False)
    assert r.status_code == 422
    r = client.post("/documents/attach", data={"csrf_token": token, "object_type": "report",
                                               "object_id": str(report_id)}, follow_redirects=False)
    assert r.status_code == 422
    assert changed_tables(before, fingerprint(app)) == []
