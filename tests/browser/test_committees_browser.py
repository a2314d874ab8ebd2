"""A task moved on a sub-committee board in Chromium, phone-sized, JavaScript off: the move
buttons are plain POST forms and the columns stack on a 375-px screen."""

from datetime import datetime, timedelta

from tests.browser.conftest import follow_menu, screenshot, sign_in
from tests.helpers import CHAIR, unit_of_work


def _seed_task(app) -> tuple[int, int]:
    from api.collective.service import body_by_key
    from api.committees import tasks
    from api.committees.schemas import TaskIn

    with unit_of_work(app, CHAIR) as ctx:
        board = body_by_key(ctx.session, "administration")
        task, _ = tasks.create_task(ctx, TaskIn(
            body_id=board.id, title="Réviser le code d'éthique", owner_ids=[ctx.viewer.id],
            due_at=datetime.now() + timedelta(days=10)))
        return board.id, task.id


def test_a_member_moves_a_task_on_the_board_in_chromium_without_javascript(live_server, page):
    board_id, task_id = _seed_task(live_server.app)
    sign_in(page, live_server.url, CHAIR)
    follow_menu(page, "Sous-comités")
    page.click(f"a[href='/committees/{board_id}/board']")
    todo = page.locator("section.column[data-state=todo]")
    assert "Réviser le code d'éthique" in todo.inner_text()

    # On a 375-px phone the columns stack: each one starts at the same left edge.
    boxes = [page.locator(f"section.column[data-state={s}]").bounding_box()
             for s in ("todo", "in_progress", "blocked")]
    assert boxes[0]["x"] == boxes[1]["x"] == boxes[2]["x"]
    assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.click(f"#task-{task_id} button[value=start]")
    page.wait_for_load_state()
    assert "Nouvel état\u00a0: En cours." in page.locator(".flash").first.inner_text()
    in_progress = page.locator("section.column[data-state=in_progress]")
    assert "Réviser le code d'éthique" in in_progress.inner_text()
    assert "Réviser le code d'éthique" not in page.locator("section.column[data-state=todo]").inner_text()

    # Blocking without a reason is refused with the guard's message; with one it moves.
    # (Moves other than the card's main one are under its "more" menu.)
    page.click(f"#task-{task_id} details.more-actions summary")
    page.click(f"#task-{task_id} button[value=block]")
    assert "Indiquez la raison du blocage." in page.locator(".flash").first.inner_text()
    page.click(f"#task-{task_id} details.more-actions summary")
    page.fill(f"#reason-{task_id}", "En attente du conseil")
    page.click(f"#task-{task_id} button[value=block]")
    blocked = page.locator("section.column[data-state=blocked]")
    assert "En attente du conseil" in blocked.inner_text()
    screenshot(page, "committees-board-375")
