"""A whole vote in Chromium on a phone-sized screen without JavaScript: the chair drafts and
opens a proposal, the five executive-committee voters vote, the outcome is shown."""

from tests.browser.conftest import follow_menu, screenshot, sign_in
from tests.helpers import CHAIR, MEMBERS


def test_the_chair_opens_a_vote_members_vote_in_the_browser_and_the_outcome_is_shown(live_server, page, browser):
    sign_in(page, live_server.url, CHAIR)
    follow_menu(page, "Décisions")
    page.click("text=Nouvelle proposition")
    page.select_option("#f-kind", value="procedure")
    page.fill("#f-title", "Procédure d'accueil des nouveaux partenaires")
    page.fill("#f-text", "Chaque nouveau partenaire reçoit la trousse d'accueil.")
    page.click("main form button[type=submit]")
    assert "Brouillon enregistré" in page.locator(".flash").inner_text()
    page.click("text=Ouvrir le vote")
    assert page.locator("#decision-state").inner_text() == "Vote ouvert"
    decision_url = page.url

    choices = {CHAIR: "yes", MEMBERS[0]: "yes", MEMBERS[1]: "no", MEMBERS[2]: "yes",
               MEMBERS[3]: "abstain"}  # the last one reads the pages in English
    for email, choice in choices.items():
        context = browser.new_context(viewport={"width": 375, "height": 812}, java_script_enabled=False,
                                      locale="fr-CA")
        voter = context.new_page()
        sign_in(voter, live_server.url, email)
        assert "Procédure d'accueil" in voter.locator("main").inner_text()  # my open votes
        voter.goto(decision_url)
        voter.click(f"button[name=choice][value={choice}]")
        flash = voter.locator(".flash.success").first.inner_text()
        assert "Votre vote est enregistré" in flash or "Your vote is recorded" in flash
        if email == MEMBERS[0]:
            screenshot(voter, "decision-vote-375")
        context.close()

    page.goto(decision_url)
    assert page.locator("#decision-state").inner_text() == "Adoptée"
    assert page.locator("#outcome").inner_text() == (
        "Adoptée\u00a0: 3 pour, 1 contre, 1 abstention; quorum de 3 sur 5 atteint; "
        "majorité simple des votes exprimés.")
