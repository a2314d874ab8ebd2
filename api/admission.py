"""Admission control: at most `capacity` requests work on the database at once; the others
wait their turn in a short first-come-first-served queue, and whoever cannot get in quickly
gets a fast 503 with `Retry-After` instead of a long wait.

Why: a request holds a pooled connection across several thread hops. Without a gate, a
burst larger than the thread pool leaves every worker thread waiting for a connection while
the requests that hold the connections wait for a thread — the server stalls. With the gate
sized to what the database can take (one writer at a time on SQLite; the pool size on
PostgreSQL), requests inside always find a connection and a thread, and a burst turns into a
queue, then into clear "try again" answers, never into a stall or a 500.
"""

import asyncio
import json
import time
from collections import deque

from starlette.types import ASGIApp, Receive, Scope, Send

# Paths that never touch the database: served without waiting.
FREE_PREFIXES = ("/static/", "/healthz")


class Gate:
    """A FIFO gate: `capacity` holders at once, at most `max_queue` waiting, each for at most
    `max_wait` seconds."""

    def __init__(self, capacity: int, max_queue: int, max_wait: float):
        self.capacity, self.max_queue, self.max_wait = capacity, max_queue, max_wait
        self.inside = 0
        self.waiting: deque[asyncio.Future] = deque()
        self.shed = 0  # answered 503 since start (for /healthz and the benchmark)

    async def enter(self) -> bool:
        if self.inside < self.capacity and not self.waiting:
            self.inside += 1
            return True
        if len(self.waiting) >= self.max_queue:
            return False
        turn: asyncio.Future = asyncio.get_running_loop().create_future()
        self.waiting.append(turn)
        try:
            await asyncio.wait_for(asyncio.shield(turn), self.max_wait)
            return True
        except TimeoutError:
            if turn.done() and not turn.cancelled():
                return True  # admitted at the very last moment: the place is ours
            turn.cancel()
            return False
        except asyncio.CancelledError:  # the client went away while waiting
            if turn.done() and not turn.cancelled():
                self.leave()  # a place handed to us goes to the next in line
            else:
                turn.cancel()
            raise
        finally:
            if turn in self.waiting:
                self.waiting.remove(turn)

    def leave(self) -> None:
        while self.waiting:
            turn = self.waiting.popleft()
            if not turn.done():
                turn.set_result(True)  # the place passes directly to the next in line
                return
        self.inside -= 1


class AdmissionMiddleware:
    def __init__(self, app: ASGIApp, gate: Gate, retry_after: int = 1):
        self.app, self.gate, self.retry_after = app, gate, retry_after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(FREE_PREFIXES):
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        if not await self.gate.enter():
            self.gate.shed += 1
            await self._busy(scope, send, time.monotonic() - started)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.gate.leave()

    async def _busy(self, scope: Scope, send: Send, waited: float) -> None:
        from api.i18n import t

        wants_json = scope["path"].startswith("/api/")
        lang = "en" if b"lang=en" in dict(scope.get("headers") or []).get(b"cookie", b"") else "fr"
        message = t("error.busy", lang)
        if wants_json:
            body = json.dumps({"code": "error.busy", "message": message}).encode()
            kind = b"application/json"
        else:
            body = (f"<!doctype html><html lang=\"{lang}\"><meta charset=\"utf-8\">"
                    f"<meta name=\"viewport\" content=\"width=device-width\"><title>Relais</title>"
                    f"<p role=\"alert\">{message}</p></html>").encode()
            kind = b"text/html; charset=utf-8"
        await send({"type": "http.response.start", "status": 503, "headers": [
            (b"content-type", kind), (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(self.retry_after).encode()), (b"cache-control", b"no-store")]})
        await send({"type": "http.response.body", "body": body})
