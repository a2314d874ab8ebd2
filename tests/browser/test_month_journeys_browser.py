"""A month of Relais for four roles, in Chromium at 375 px with JavaScript off, in French and
in English, with axe-core finding no violation (of any impact) on every page reached:

* the staff coordinator's month: dashboard, the grant pipeline with its pictures (amounts per
  stage, the year's funder reports), the calendar, the sub-committees, the meetings;
* a sub-committee member's board: the new-task form at the top, owners ticked, what the task is
  about chosen by name, the card's one main action, and cancelling (under "more") that asks
  for a reason and a confirmation;
* the secretary's meeting: the whole body's attendance in one form, then the public minutes
  without the in-camera item;
* the admin's outbox.

The live server here holds the demo's area data (grants, tasks, meetings)."""

from collections.abc import Iterator

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.conftest import LiveServer, follow_menu, screenshot, serve_live, sign_in
from tests.helpers import ADMIN, MEMBERS, STAFF

SECRETARY = MEMBERS[2]  # executive committee's secretary (Corporation Jeunesse Memphrémagog)
BOARD_MEMBER = MEMBERS[3]  # member of the administration sub-committee
IN_CAMERA_KIND_TEXT = {"fr": "huis clos", "en": "camera"}

WORDS = {
    "fr": {"grants": "Subventions", "calendar": "Calendrier", "committees": "Sous-comités",
           "meetings": "Réunions", "outbox": "Envois", "administration": "Sous-comité administration"},
    "en": {"grants": "Grants", "calendar": "Calendar", "committees": "Sub-committees",
           "meetings": "Meetings", "outbox": "Outbox", "administration": "Administration sub-committee"},
}


@pytest.fixture
def live_month(tmp_path) -> Iterator[LiveServer]:
    """A live Relais with the demo people and the demo's area data."""
    with serve_live(tmp_path, "month.db", with_area_data=True) as live:
        yield live


def start(page, live, email: str, lang: str) -> None:
    """Sign in and read the pages in `lang` (the header's language button)."""
    sign_in(page, live.url, email)
    if page.locator("html").get_attribute("lang") != f"{lang}-CA":
        page.click("header .lang-switch button")
        page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == f"{lang}-CA"


def reached(page, name: str) -> None:
    """Every page of a journey: no 4xx/5xx page, fits 375 px, and axe finds nothing."""
    assert page.locator("main").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, name
    assert_accessible(page, name)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_coordinators_month_on_a_phone(live_month, page, lang):
    words = WORDS[lang]
    start(page, live_month, STAFF, lang)
    reached(page, f"coordinator's dashboard ({lang})")
    follow_menu(page, words["grants"])
    assert page.locator("svg.chart[role=img]").count() >= 1  # the pictures, drawn without JavaScript
    chart = page.locator("svg.chart[role=img]").first
    assert chart.locator("title").count() == 1 and chart.bounding_box()["width"] <= 375
    reached(page, f"grant pipeline ({lang})")
    screenshot(page, f"coordinator-pipeline-375-{lang}")
    follow_menu(page, words["calendar"])
    reached(page, f"calendar ({lang})")
    follow_menu(page, words["committees"])
    reached(page, f"sub-committees ({lang})")
    follow_menu(page, words["meetings"])
    reached(page, f"meetings ({lang})")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_sub_committee_members_board_on_a_phone(live_month, page, lang):
    words = WORDS[lang]
    start(page, live_month, BOARD_MEMBER, lang)
    follow_menu(page, words["committees"])
    reached(page, f"sub-committees ({lang})")
    page.locator("main section.card", has_text=words["administration"]).locator("a[href$='/board']").click()
    page.wait_for_load_state()
    # The new-task form is at the top of the board, folded; no id number, no Ctrl/Cmd+click.
    box = page.locator("details#new-task")
    assert box.bounding_box()["y"] < page.locator(".board").bounding_box()["y"]
    reached(page, f"board ({lang})")
    box.locator("summary").click()
    assert page.locator("#f-title").is_visible()
    assert page.locator("select[multiple]").count() == 0 and page.locator("input[name=link_id]").count() == 0
    reached(page, f"board, new-task form open ({lang})")
    page.fill("#f-title", "Préparer la reddition de comptes")
    page.locator("#f-owner_ids label", has_text="Memphré en Mouvement").locator("input").check()
    grant_options = page.locator("#f-link optgroup").first.locator("option")
    assert grant_options.count() >= 1
    page.select_option("#f-link", value=grant_options.first.get_attribute("value"))
    page.click("details#new-task button[type=submit]")
    page.wait_for_load_state()
    card = page.locator("article.task", has_text="Préparer la reddition de comptes")
    assert card.count() == 1
    assert card.locator("form.move-form:visible button").count() == 1  # one main action in view
    reached(page, f"board with the new task ({lang})")

    card.locator("form.move-form:visible button").click()  # start
    page.wait_for_load_state()
    card = page.locator("article.task", has_text="Préparer la reddition de comptes")
    card.locator("details.more-actions summary").click()
    reached(page, f"task card, more actions open ({lang})")
    cancel = card.locator("button[value=cancel]")
    cancel.click()  # reason and confirmation required: nothing is sent
    assert page.locator("section.column[data-state=cancelled]", has_text="Préparer la reddition").count() == 0
    card.locator("input[name=reason]").last.fill("Le bailleur a reporté le rapport")
    card.locator("input[name=confirm]").check()
    cancel.click()
    page.wait_for_load_state()
    cancelled = page.locator("section.column[data-state=cancelled]")
    assert "Préparer la reddition de comptes" in cancelled.inner_text()
    reached(page, f"board after cancelling ({lang})")
    cancelled.locator("a", has_text="Préparer la reddition de comptes").click()
    page.wait_for_load_state()
    reached(page, f"task page ({lang})")
    screenshot(page, f"member-task-375-{lang}")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_secretarys_meeting_attendance_and_public_minutes_on_a_phone(live_month, page, lang):
    words = WORDS[lang]
    start(page, live_month, SECRETARY, lang)
    follow_menu(page, words["meetings"])
    reached(page, f"meetings ({lang})")
    links = page.locator("main a[href^='/meetings/']")
    upcoming = [links.nth(i).get_attribute("href") for i in range(links.count())]
    page.goto(live_month.url + upcoming[0])
    # Attendance: one form for the whole body, one save.
    form = page.locator("#attendance-form")
    assert form.count() == 1
    reached(page, f"meeting ({lang})")
    groups = form.locator("fieldset.attendance-choice")
    for i in range(groups.count()):
        groups.nth(i).locator("input[value=present]" if i < 4 else "input[value=apologies]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#attendance-form input[value=present]:checked").count() == 4
    reached(page, f"meeting with attendance ({lang})")
    screenshot(page, f"secretary-attendance-375-{lang}")

    # The public minutes of a meeting whose minutes are written: no in-camera title.
    minutes_links = []
    for href in upcoming:
        page.goto(live_month.url + href)
        found = page.locator("main a[href$='/minutes'], main a[href*='/minutes?']")
        if found.count():
            minutes_links.append(href)
    assert minutes_links, "a meeting with minutes"
    page.goto(live_month.url + minutes_links[-1] + "/minutes?version=public")
    text = page.locator("main").inner_text()
    assert "Congédiement" not in text
    reached(page, f"public minutes ({lang})")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_admins_outbox_on_a_phone(live_month, page, lang):
    words = WORDS[lang]
    start(page, live_month, ADMIN, lang)
    reached(page, f"admin's dashboard ({lang})")
    follow_menu(page, words["outbox"])
    assert page.url.endswith("/admin/outbox")
    reached(page, f"outbox ({lang})")
    screenshot(page, f"admin-outbox-375-{lang}")
