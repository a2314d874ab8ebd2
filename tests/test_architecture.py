"""The shape of the code that keeps it easy to change (see CONTRIBUTING.md): the workflow
engine is a library, services flush and the edge commits, a failed request changes nothing,
and the answers the API sends are the ones its OpenAPI document describes."""

import ast
import re
from pathlib import Path

from fastapi import APIRouter, Request
from sqlalchemy import func, select

from api.collective.models import Organisation
from api.collective.schemas import OrganisationIn
from api.collective.service import create_organisation
from api.deps import AdminCtx, PageAdminCtx
from api.errors import Conflict
from api.register.models import RegisterEvent
from api.web import render
from tests.helpers import ADMIN, sign_in, token_for

ROOT = Path(__file__).resolve().parents[1]
APP_STATE = re.compile(r"\bapp\.state\.(runtime|db|rules|settings|scheduler|gate|rules_version_id)\b")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_workflow_engine_knows_nothing_of_the_application():
    for path in (ROOT / "workflows").rglob("*.py"):
        leaks = {name for name in _imports(path) if name == "api" or name.startswith("api.")}
        assert not leaks, f"{path.relative_to(ROOT)} imports {sorted(leaks)}"


def _commit_calls(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "commit"]


def test_services_flush_and_never_commit():
    services = [p for p in (ROOT / "api").rglob("*.py")
                if p.name in ("service.py", "tasks.py", "meetings.py", "common.py")]
    services += [p for p in (ROOT / "notifications").glob("*.py")
                 if p.name in ("service.py", "planner.py", "deadlines.py")]
    assert services
    for path in services:
        assert not _commit_calls(path), f"{path.relative_to(ROOT)} commits at lines {_commit_calls(path)}"


def test_nothing_is_found_through_app_state_or_session_info():
    allowed = {ROOT / "api" / "main.py", ROOT / "api" / "deps.py", ROOT / "api" / "web.py"}
    for path in list((ROOT / "api").rglob("*.py")) + list((ROOT / "notifications").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if path not in allowed:
            assert not APP_STATE.search(text), f"{path.relative_to(ROOT)} reads app.state"
        assert "session.info" not in text, f"{path.relative_to(ROOT)} uses session.info"
        assert "except ImportError" not in text, f"{path.relative_to(ROOT)} hides an import error"


def _counts(app) -> tuple[int, int]:
    with app.state.runtime.database.session() as session:
        return (session.execute(select(func.count()).select_from(Organisation)).scalar_one(),
                session.execute(select(func.count()).select_from(RegisterEvent)).scalar_one())


def test_a_request_that_fails_after_writing_leaves_nothing_in_the_database(app, client):
    router = APIRouter()

    @router.post("/api/v1/test/write-then-fail")
    def write_then_fail(ctx: AdminCtx):
        create_organisation(ctx, OrganisationIn(name="Organisme fantôme"))  # flushed, with its event
        raise Conflict("error.generic")

    @router.post("/test/form-then-error")
    def form_then_error(request: Request, ctx: PageAdminCtx):
        create_organisation(ctx, OrganisationIn(name="Organisme fantôme du formulaire"))
        return render(request, ctx, "error.html", {"status": 422, "message": "non"}, status=422)

    app.include_router(router)
    before = _counts(app)
    r = client.post("/api/v1/test/write-then-fail", headers=token_for(client, ADMIN))
    assert r.status_code == 409
    assert _counts(app) == before

    sign_in(client, ADMIN)
    assert client.post("/test/form-then-error").status_code == 422  # a page shown again with errors
    assert _counts(app) == before
