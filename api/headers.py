"""Security headers on every answer: pages, the API, static files, errors, crashes and the
admission gate's "too busy" 503s.

* Content-Security-Policy: scripts only from this site, never inline (templates have no
  `<script>` block, event handler attribute or `javascript:` link; pages work without
  JavaScript anyway); no framing (`frame-ancestors 'none'`, and X-Frame-Options for old
  browsers); forms post only here. Inline styles stay allowed: templates use a few, and a
  style cannot run code. The API documentation page (Swagger UI, `/api/docs`) is the one
  exception: it needs its inline start-up script and the CDN it loads from.
* X-Content-Type-Options: nosniff; Referrer-Policy: same-origin.
* Strict-Transport-Security when cookies are secure (`RELAIS_COOKIE_SECURE=true`, served over
  HTTPS): for this host only, since other hosts of the collective's domain may not have HTTPS.

A route may set its own value for one of these headers; it is then left as it is.
"""

from collections.abc import Callable

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
          "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
          "frame-ancestors 'none'")
DOCS_POLICY = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
               "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
               "img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; object-src 'none'; "
               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HSTS = "max-age=31536000"


def _headers(policy: str, hsts: bool) -> list[tuple[bytes, bytes]]:
    headers = [("content-security-policy", policy), ("x-frame-options", "DENY"),
               ("x-content-type-options", "nosniff"), ("referrer-policy", "same-origin")]
    if hsts:
        headers.append(("strict-transport-security", HSTS))
    return [(name.encode(), value.encode()) for name, value in headers]


class SecurityHeaders:
    """Pure ASGI: adds the headers to the start of every HTTP answer, streamed or not."""

    def __init__(self, app: ASGIApp, hsts: bool = False, docs_path: str | None = None):
        self.app, self.docs_path = app, docs_path
        self.headers = _headers(POLICY, hsts)
        self.docs_headers = _headers(DOCS_POLICY, hsts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = self.docs_path is not None and scope["path"].startswith(self.docs_path)
        extra = self.docs_headers if docs else self.headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in extra if name not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install(app: FastAPI, hsts: bool) -> None:
    """Wrap the whole application, outside even Starlette's own error middleware (whose 500
    page and FastAPI's body-limit answers come from outside `add_middleware`'s reach) and the
    admission gate (its 503s): every answer goes through here."""
    build: Callable[[], ASGIApp] = app.build_middleware_stack

    def build_with_headers() -> ASGIApp:
        return SecurityHeaders(build(), hsts=hsts, docs_path=app.docs_url)

    app.build_middleware_stack = build_with_headers  # type: ignore[method-assign]
