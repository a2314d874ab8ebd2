"""Browser tests: a live Relais on 127.0.0.1 (SQLite, demo people) and Debian's Chromium
driven by Playwright. Under CI=true a missing Chromium fails the run instead of skipping."""

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn

from api.db import Database
from migrations import upgrade
from tests.helpers import DEMO_PASSWORD, IN_CI, make_settings, seed_demo

CHROMIUM = os.environ.get("RELAIS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic",
                 "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, url: str, database: Database, app):
        self.url, self.database, self.app = url, database, app


@pytest.fixture
def live_server(tmp_path) -> Iterator[LiveServer]:
    """A fresh database and a real uvicorn server per test."""
    with serve_live(tmp_path) as live:
        yield live


@contextmanager
def serve_live(tmp_path, name: str = "browser.db", with_area_data: bool = False) -> Iterator[LiveServer]:
    """A real uvicorn server on a new SQLite database with the demo people (and, with
    `with_area_data`, the demo's decisions, grants, tasks and meetings), until the block ends."""
    from api.main import create_app

    db_url = f"sqlite:///{tmp_path / name}"
    upgrade(db_url)
    database = Database(db_url)
    seed_demo(database, with_area_data=with_area_data)
    port = _free_port()
    app = create_app(make_settings(db_url, base_url=f"http://127.0.0.1:{port}"), db=database)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", database, app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        database.dispose()


@pytest.fixture
def browser():
    """Per test: Playwright's sync API keeps an event loop running while it is started, which
    would break every later test that calls asyncio.run(); so it is stopped after each test."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if IN_CI:
            pytest.fail(f"Chromium is required under CI=true but {CHROMIUM} is missing")
        pytest.skip("Chromium not installed")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()
    pw.stop()


@pytest.fixture
def page(browser):
    """A phone-sized page (375 px wide), JavaScript off: every page must work without it."""
    context = browser.new_context(viewport={"width": 375, "height": 812}, java_script_enabled=False,
                                  locale="fr-CA")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def sign_in(page, base_url: str, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base_url}/signin")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def open_menu(page) -> None:
    """On a phone the main menu is folded behind "Menu" (opened without JavaScript, by
    :target): open it, as a person would, before following an entry."""
    toggle = page.locator("nav.main a.menu-open")
    if toggle.count() and toggle.is_visible():
        toggle.click()
        page.locator("nav.main ul").wait_for(state="visible")


def follow_menu(page, label: str) -> None:
    """Open the menu (on a phone) and follow its entry named `label`."""
    open_menu(page)
    page.locator("nav.main ul a", has_text=label).first.click()
    page.wait_for_load_state()
