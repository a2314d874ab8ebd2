"""The FastAPI application: settings, database, rules in force, routers, scheduler."""

import gc
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.middleware.sessions import SessionMiddleware

from api import errors, headers
from api.areas import build_runtime
from api.config import Settings, get_settings
from api.db import Database
from api.deps import NeedsSignIn
from api.web import TEMPLATES_DIR, flash, redirect

log = logging.getLogger("relais")


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    # An invalid rules file stops the app here, with file:line messages (RulesInvalid).
    runtime = build_runtime(settings, db)
    database = runtime.database

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        scheduler = None
        if settings.scheduler_enabled:
            from notifications.scheduler import start_scheduler

            scheduler = start_scheduler(runtime)
        app.state.scheduler = runtime.scheduler = scheduler
        # Everything loaded at start-up lives for the whole process: move it out of the
        # collector's reach so full collections do not walk it on every request.
        gc.collect()
        gc.freeze()
        yield
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        if db is None:
            database.dispose()

    app = FastAPI(title="Relais", version="0.1.0", lifespan=lifespan,
                  openapi_url="/openapi.json", docs_url="/api/docs", redoc_url=None)
    # The one thing the app keeps: the runtime, read by api.deps and the error handlers.
    app.state.runtime = runtime
    app.state.scheduler = None

    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key, session_cookie="relais",
                       max_age=settings.session_max_age_seconds, same_site="lax",
                       https_only=settings.cookie_secure)
    errors.install(app)
    # Security headers wrap everything, the gate's 503s and Starlette's 500 page included.
    headers.install(app, hsts=settings.cookie_secure)

    @app.exception_handler(NeedsSignIn)
    async def _needs_sign_in(request: Request, exc: NeedsSignIn):
        if exc.expired:
            request.session.pop("pid", None)
            flash(request, "auth.session_expired", "warning")
        from urllib.parse import quote

        return redirect(f"/signin?next={quote(exc.next_path)}")

    app.mount("/static", StaticFiles(directory=str(TEMPLATES_DIR.parent / "static")), name="static")
    for router in (*runtime.registry.hot_routers, *runtime.registry.routers):
        app.include_router(router)

    @app.get("/healthz", tags=["health"])
    def healthz() -> JSONResponse:
        try:
            with database.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            db_state = "ok"
        except Exception:  # noqa: BLE001 - reported, not raised
            db_state = "unavailable"
        scheduler = app.state.scheduler
        sched_state = ("running" if scheduler is not None and scheduler.running
                       else "disabled" if not settings.scheduler_enabled else "stopped")
        ok = db_state == "ok"
        return JSONResponse({"status": "ok" if ok else "degraded", "database": db_state,
                             "database_engine": database.engine.dialect.name,
                             "scheduler": sched_state, "rules_version": runtime.book.in_force.content_hash[:12]},
                            status_code=200 if ok else 503)

    return app
