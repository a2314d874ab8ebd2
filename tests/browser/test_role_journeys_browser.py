"""Pages that fit the role, in Chromium at 375 px with JavaScript off (and at 1280 px), with
axe-core finding no violation on any page reached, in French and in English:

* the treasurer previews a fee split (a wrong amount is kept and listed at the top), proposes
  it, and is told who opens the vote; the chair finds it on the dashboard and opens the vote;
* the staff coordinator's menu holds only what they can use, an in-camera hint is said once,
  and a refused action says who may do it;
* on a phone the menu is folded behind "Menu" and a skip link leads to the content; on a
  laptop the menu is shown as is."""

from tests.browser.axe import assert_accessible
from tests.browser.conftest import follow_menu, open_menu, screenshot, sign_in
from tests.helpers import CHAIR, MEMBERS, STAFF

TREASURER = MEMBERS[0]
ENGLISH_MEMBER = MEMBERS[3]


def sign_out(page) -> None:
    page.click("header.top button:has-text('Se déconnecter'), header.top button:has-text('Sign out')")
    page.wait_for_load_state()
    page.context.clear_cookies()


def test_the_treasurers_fee_split_reaches_the_chairs_vote_on_a_phone(live_server, page):
    sign_in(page, live_server.url, TREASURER)
    # The menu is folded on a phone: one "Menu" link, the entries hidden until it is opened.
    assert page.locator("nav.main a.menu-open").is_visible()
    assert not page.locator("nav.main ul").is_visible()
    assert_accessible(page, "dashboard, menu folded")
    open_menu(page)
    assert page.locator("nav.main ul").is_visible()
    assert_accessible(page, "dashboard, menu open")
    follow_menu(page, "Frais de gestion")
    page.click("main a:has-text('Proposer une répartition')")

    # A wrong amount: listed at the top, with a link to the field, and kept as typed.
    page.fill("#f-amount", "2,5,0")
    page.fill("#f-period", "2026-2027")
    weights = page.locator("fieldset input")
    for i in range(weights.count()):
        weights.nth(i).fill("10")
    page.click("button[value=preview]")
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    assert summary.bounding_box()["y"] < page.locator("#f-amount").bounding_box()["y"]
    assert summary.locator("a[href='#f-amount']").count() == 1
    assert page.input_value("#f-amount") == "2,5,0"
    assert_accessible(page, "fee split with an error")
    summary.locator("a[href='#f-amount']").click()
    assert page.url.endswith("#f-amount")

    page.fill("#f-amount", "3 000,00")
    page.click("button[value=preview]")
    assert page.locator("#preview").is_visible() and page.locator("#error-summary").count() == 0
    assert_accessible(page, "fee split preview")
    page.click("button[value=propose]")
    flash = page.locator(".flash.success").inner_text()
    assert "L'ouverture du vote revient à" in flash and "Direction — Carrefour jeunesse-emploi" in flash
    assert page.locator("button:has-text('Ouvrir le vote')").count() == 0
    assert_accessible(page, "decision drafted by the treasurer")
    decision_url = page.url
    screenshot(page, "feesplit-hand-off-375")
    sign_out(page)

    sign_in(page, live_server.url, CHAIR)
    needs = page.locator("section[aria-labelledby=now-title]")
    assert "Propositions à mettre au vote" in needs.inner_text()
    assert "Ouvrir le vote" in page.locator("main").inner_text()  # the hand-off task, in my tasks
    assert_accessible(page, "chair's dashboard")
    needs.locator("a", has_text="Propositions à mettre au vote").click()
    page.locator("#s-dashboard-to-open a").first.click()
    assert page.url == decision_url
    page.click("button:has-text('Ouvrir le vote')")
    assert page.locator("#decision-state").inner_text() == "Vote ouvert"
    assert_accessible(page, "decision, vote open")


def test_the_staff_coordinator_sees_only_what_they_can_use(live_server, page):
    sign_in(page, live_server.url, STAFF)
    open_menu(page)
    menu = page.locator("nav.main ul").inner_text()
    assert "Frais de gestion" not in menu and "Décisions" in menu
    follow_menu(page, "Décisions")
    hint = "Certains points à huis clos ne vous sont pas affichés."
    assert page.locator("main").inner_text().count(hint) == 1
    assert_accessible(page, "staff's decisions")
    page.goto(live_server.url + "/grants/new")
    text = page.locator("main").inner_text()
    assert "Seuls l'organisme porteur, les membres du conseil exécutif et l'administration" in text
    assert "présidence de votre instance" in text
    assert_accessible(page, "403 page")


def test_the_skip_link_leads_to_the_content_and_a_laptop_shows_the_whole_menu(live_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, java_script_enabled=False,
                                  locale="en-CA")
    page = context.new_page()
    sign_in(page, live_server.url, ENGLISH_MEMBER)  # reads the pages in English
    assert page.locator("html").get_attribute("lang") == "en-CA"
    assert page.locator("nav.main ul").is_visible()
    assert not page.locator("nav.main a.menu-open").is_visible()
    assert "What needs me now" in page.locator("main").inner_text()
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    assert skip.inner_text() == "Skip to main content" and skip.is_visible()
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    assert_accessible(page, "dashboard in English at 1280 px")
    page.goto(live_server.url + "/decisions")
    assert_accessible(page, "decisions in English at 1280 px")
    screenshot(page, "decisions-1280-en")
    context.close()
