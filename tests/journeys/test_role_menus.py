"""Every role's menu leads somewhere: each demo person is shown only the entries they can
use, and neither an entry nor any link on the page it opens answers 403, 404 or 500
(the demo collective with its area data, on SQLite and PostgreSQL)."""

import html
import re

import pytest
from fastapi.testclient import TestClient

from tests.helpers import ADMIN, CHAIR, MEMBERS, PARTNER, STAFF, sign_in, unit_of_work

ROLES = {"admin": ADMIN, "chair": CHAIR, "treasurer": MEMBERS[0], "neutral member": MEMBERS[1],
         "secretary": MEMBERS[2], "staff coordinator": STAFF, "partner": PARTNER}
NAV = re.compile(r'<nav class="main".*?</nav>', re.S)
LINK = re.compile(r'href="(/[^"#?]*)(?:\?[^"#]*)?"')
SKIP = (".csv", ".ics", ".docx", ".pdf", "/static/", "/download", "/export")


@pytest.fixture
def demo_app(app):
    """The app with the demo collective's area data (decisions, grants, tasks, meetings...)."""
    with unit_of_work(app) as ctx:
        for _, hook in sorted(ctx.registry.demo_hooks, key=lambda h: h[0]):
            hook(ctx, ctx.today)
    return app


def menu_of(html: str) -> list[str]:
    nav = NAV.search(html)
    assert nav, "a signed-in page has the main menu"
    return [path for path in LINK.findall(nav.group(0))]


@pytest.mark.parametrize("role", list(ROLES))
def test_every_menu_entry_of_each_role_opens_and_leads_to_no_dead_end(demo_app, role):
    with TestClient(demo_app) as client:
        sign_in(client, ROLES[role])
        entries = menu_of(client.get("/").text)
        dead = []
        seen = set(entries)
        for path in entries:
            r = client.get(path)
            if r.status_code != 200:
                dead.append((path, r.status_code))
                continue
            for link in set(LINK.findall(r.text)) - seen:
                seen.add(link)
                if any(part in link for part in SKIP) or link in ("/signout",):
                    continue
                answer = client.get(link)
                if answer.status_code in (403, 404) or answer.status_code >= 500:
                    dead.append((f"{path} → {link}", answer.status_code))
        assert not dead, f"{role}: {dead}"


@pytest.mark.parametrize("role, hidden", [
    ("admin", {"/fee-splits"}),  # in camera: an admin without a member seat does not see them
    ("staff coordinator", {"/fee-splits", "/admin/outbox"}),
    ("partner", {"/fee-splits", "/admin/outbox"}),
    ("treasurer", {"/admin/outbox"}),
])
def test_each_person_is_shown_only_the_entries_they_can_use(demo_app, role, hidden):
    with TestClient(demo_app) as client:
        sign_in(client, ROLES[role])
        entries = set(menu_of(client.get("/").text))
        assert not entries & hidden, entries & hidden
        assert "/decisions" in entries and "/meetings" in entries


def test_the_in_camera_hint_is_said_once_without_title_or_count(demo_app):
    hint = "Certains points à huis clos ne vous sont pas affichés."
    with TestClient(demo_app) as client:
        sign_in(client, STAFF)
        for path in ("/decisions", "/meetings"):
            assert client.get(path).text.count(hint) == 1, path
    with TestClient(demo_app) as client:
        sign_in(client, CHAIR)  # sees every in-camera item: nothing to say
        assert hint not in client.get("/decisions").text


def test_the_staff_coordinators_grant_pipeline_shows_what_they_may_see_and_no_button_they_cannot_use(
        demo_app):
    with TestClient(demo_app) as client:
        sign_in(client, STAFF)
        pipeline = client.get("/grants").text
        assert "/grants/" in pipeline and 'href="/grants/new"' not in pipeline
        assert "Certains points à huis clos ne vous sont pas affichés." in pipeline


def test_a_refused_action_says_who_may_do_it(demo_app):
    with TestClient(demo_app) as client:
        sign_in(client, STAFF)
        page = client.get("/grants/new")
        assert page.status_code == 403
        text = html.unescape(page.text)
        assert "l'organisme porteur, les membres du conseil exécutif et l'administration" in text
        assert "présidence de votre instance ou à l'administration du site" in text


NEED = re.compile(r'<li><a href="#(s-[a-z0-9-]+)"[^>]*>\s*<span>([^<]+)(?:<br>.*?)?</span>\s*'
                  r'(?:<span class="count">(\d+)</span>)?', re.S)


@pytest.mark.parametrize("role", ["chair", "treasurer", "secretary"])
def test_the_dashboard_says_first_what_needs_me_now_with_counts_that_match_the_lists(demo_app, role):
    with TestClient(demo_app) as client:
        sign_in(client, ROLES[role])
        home = client.get("/").text
        assert html.unescape(home).index("Ce qui m'attend") < home.index("Mes sièges")
        needs = NEED.findall(home)
        assert needs, "the demo gives every CE officer something to do"
        for anchor, label, count in needs:
            section = re.search(rf'<section class="card" id="{anchor}".*?</section>', home, re.S)
            assert section, anchor
            if count:  # the next meeting is a date, not a count
                items = section.group(0).count("<li")
                assert items == int(count) or items == 10, (label, count, items)
