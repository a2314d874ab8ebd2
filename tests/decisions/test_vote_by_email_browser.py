"""The journey of issue 12 in Chromium on a 375 px phone screen, without JavaScript: a member
opens the "Pour" button of the invitation that reached a real SMTP server, confirms, sees
their choice marked; then, signed in, the decision page marks it too and says until when it
can be changed."""

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import uvicorn
from fastapi.testclient import TestClient

from api.areas import build_runtime
from api.db import Database
from migrations import upgrade
from tests.browser.conftest import _free_port, browser, screenshot, sign_in  # noqa: F401 - fixture
from tests.decisions.conftest import create_and_open, vote_links
from tests.helpers import CHAIR, MEMBERS, make_settings, seed_demo, token_for
from tests.notifications.conftest import clock, deliver, smtp  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


class Live:
    def __init__(self, url: str, app, runtime):
        self.url, self.app, self.runtime = url, app, runtime


@pytest.fixture
def live(tmp_path, smtp, clock) -> Iterator[Live]:  # noqa: F811 - the imported fixtures
    """A real uvicorn server on a fresh SQLite database (the demo people), and the worker's
    delivery to the SMTP sink, with links to that server; the clock at 08:00 in Toronto."""
    from api.main import create_app

    db_url = f"sqlite:///{tmp_path / 'journey.db'}"
    upgrade(db_url)
    database = Database(db_url)
    seed_demo(database, today=clock.at.date())
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    app = create_app(make_settings(db_url, base_url=base_url), db=database)
    worker = build_runtime(make_settings(db_url, base_url=base_url, smtp_host="127.0.0.1", smtp_port=smtp.port,
                                         mail_from="Relais <relais@relais.example>"), database)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    yield Live(base_url, app, worker)
    server.should_exit = True
    thread.join(timeout=10)
    database.dispose()


def test_a_member_votes_from_the_invitation_on_a_phone_and_sees_their_choice_marked(live, smtp, browser):  # noqa: F811
    api = TestClient(live.app)
    decision_id = create_and_open(api, token_for(api, CHAIR), kind="procedure", title="Procédure d'accueil")
    # Playwright's sync API runs an event loop in this thread: the worker delivers from another.
    with ThreadPoolExecutor(1) as worker:
        worker.submit(deliver, live.runtime).result()
    [invitation] = [m for m in smtp.sink.to(MEMBERS[0]) if "Vote ouvert" in str(m["Subject"])]
    link = vote_links(invitation)["yes"]
    assert link.startswith(f"{live.url}/decisions/{decision_id}/email-vote/yes/")

    context = browser.new_context(viewport={"width": 375, "height": 812}, java_script_enabled=False,
                                  locale="fr-CA")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(link)
    assert "Procédure d'accueil" in page.locator("h1").inner_text()
    assert page.locator("#confirm-title").inner_text() == "Votre choix\u00a0: Pour"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.click("#confirm-vote")

    assert "Votre vote est enregistré\u00a0: Pour." in page.locator(".flash.success").inner_text()
    assert page.locator("#choice-yes").is_checked()
    assert not page.locator("#choice-no").is_checked() and not page.locator("#choice-abstain").is_checked()
    assert page.locator("#confirm-vote").count() == 0
    assert "Pour le changer d'ici le 23\u00a0octobre 2026, 8\u00a0h\u00a000 (HAE)" in (
        page.locator("#change-until").inner_text())
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "decision-vote-by-email-375")

    # Signed in, the decision page marks the same choice (aria-pressed) and says until when.
    sign_in(page, live.url, MEMBERS[0])
    page.goto(f"{live.url}/decisions/{decision_id}")
    pressed = page.locator("button[name=choice][aria-pressed=true]")
    assert pressed.count() == 1 and pressed.get_attribute("value") == "yes"
    assert "Vous pouvez changer votre vote jusqu'au 23\u00a0octobre 2026, 8\u00a0h\u00a000 (HAE)." in (
        page.locator("#change-until").inner_text())
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()
