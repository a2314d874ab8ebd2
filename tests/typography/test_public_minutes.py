"""Public minutes (the partners' report) keep the agenda's numbering: the in-camera item
reads "Point traité à huis clos" instead of renumbering; only readers who may see the
complete version are offered its link."""

import html

from fastapi.testclient import TestClient

from tests.committees.helpers import IN_CAMERA_TITLE, OPEN_TITLES, ce_meeting_with_in_camera_item
from tests.helpers import MEMBERS, STAFF, sign_in


def _text(response) -> str:
    assert response.status_code == 200, response.text[:300]
    return html.unescape(response.text)


def test_the_partners_report_keeps_item_4_as_4_with_a_placeholder_for_the_in_camera_item(client, app, as_chair):
    meeting, _ = ce_meeting_with_in_camera_item(client, as_chair)
    with TestClient(app) as member:
        sign_in(member, MEMBERS[1])
        for path in (f"/meetings/{meeting}/minutes?version=public",
                     f"/meetings/{meeting}/minutes/print?version=public"):
            page = _text(member.get(path))
            assert IN_CAMERA_TITLE not in page and "Congédiement" not in page
            assert "3. Point traité à huis clos" in page, path
            assert "4. " + OPEN_TITLES[2] in page and "1. " + OPEN_TITLES[0] in page
        public = _text(member.get(f"/meetings/{meeting}/minutes?version=public"))
        assert f'href="/meetings/{meeting}/minutes"' in public  # a member may open the complete one


def test_a_staff_observer_is_not_offered_a_complete_version_that_is_the_public_one_again(client, app, as_chair):
    meeting, _ = ce_meeting_with_in_camera_item(client, as_chair)
    with TestClient(app) as staff:
        sign_in(staff, STAFF)
        for path in (f"/meetings/{meeting}/minutes", f"/meetings/{meeting}/minutes?version=public"):
            page = _text(staff.get(path))
            assert "Version complète" not in page and f'href="/meetings/{meeting}/minutes"' not in page
            assert "Point traité à huis clos" not in page  # staff never learn such items exist
            assert IN_CAMERA_TITLE not in page
