"""Who may see a confidential (in-camera) item: the rule every area relies on."""

import pytest
from sqlalchemy import select

from api.access import load_viewer
from api.collective.models import Body, Person
from tests.helpers import ADMIN, CHAIR, MEMBERS, PARTNER, STAFF, seed_demo


@pytest.fixture
def viewers(database):
    seed_demo(database)
    with database.session() as session:
        bodies = {b.key: b.id for b in session.execute(select(Body)).scalars()}

        def viewer(email):
            person = session.execute(select(Person).where(Person.email == email)).scalar_one()
            from datetime import date

            return load_viewer(session, person, date.today())

        yield viewer, bodies


def test_a_staff_observer_never_sees_in_camera_items(viewers):
    viewer, bodies = viewers
    staff = viewer(STAFF)
    assert staff.is_staff
    for key in ("executive_committee", "hr", "funding", "partners_committee"):
        assert not staff.can_see("human_resources", bodies[key])
    assert staff.can_see(None, bodies["executive_committee"])  # ordinary items are fine


def test_an_executive_committee_member_sees_its_own_and_its_sub_committees_items(viewers):
    viewer, bodies = viewers
    chair = viewer(CHAIR)
    assert chair.can_see("human_resources", bodies["executive_committee"])
    assert chair.can_see("funding", bodies["funding"])  # not on that sub-committee, but on the CE


def test_a_partner_only_on_the_partners_committee_does_not_see_the_executive_committees_in_camera_items(viewers):
    viewer, bodies = viewers
    partner = viewer(PARTNER)
    assert partner.can_see("funding", bodies["partners_committee"])
    assert not partner.can_see("funding", bodies["executive_committee"])
    assert not partner.can_see("human_resources", bodies["hr"])


def test_being_site_administrator_does_not_open_in_camera_items(viewers):
    viewer, bodies = viewers
    assert not viewer(ADMIN).can_see("human_resources", bodies["executive_committee"])


def test_a_confidential_item_without_a_body_is_hidden_from_everyone(viewers):
    viewer, _ = viewers
    assert not viewer(MEMBERS[0]).can_see("funding", None)
