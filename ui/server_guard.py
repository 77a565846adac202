"""What the web server refuses before Gradio sees a request, and how refusals are reported.

Kept apart from ``ui/web.py`` (the UI) because these are server rules, not UI:

- **No uploads.** The app has no file input, yet Gradio always mounts
  ``POST /gradio_api/upload`` (files of any size, kept in its temp folder after the server
  stops, served back through ``/gradio_api/file=``). Every upload route is refused here,
  so nothing is written.
- **Request bodies are capped before parsing.** ``Content-Length`` over the limit is
  refused unread; a body without one (chunked) is counted as it streams and refused as
  soon as it passes the limit. A 300 MB JSON body used to be parsed (+800 MB of server
  memory) before the question-length check could run.
- **One line per refusal, no traceback.** Each refused request gets a JSON body
  ``{"error": ..., "status": ...}`` and one console line naming the method, path and
  reason: never the question text (questions travel in bodies, which are not logged).
  ``rejected()`` does the same for refusals raised inside API handlers (``gr.Error``
  with ``print_exception=False``: Gradio prints a traceback for every other error).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DEFAULT_MAX_REQUEST_BYTES = 1_000_000
_UPLOAD_PATH = re.compile(r"/*(?:gradio_api/+)?upload(?:_progress)?/*", re.IGNORECASE)


def log_rejection(method: str, path: str, reason: str) -> None:
    """The one console line for a refused request (no body, no query string)."""
    print(f"rejected {method} {path[:120]}: {reason[:200]}", file=sys.stderr, flush=True)


class RequestGuard:
    """ASGI middleware: refuses upload routes and over-long bodies before the app runs."""

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_REQUEST_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        method = str(scope.get("method", "GET"))
        path = str(scope.get("path", ""))
        if _UPLOAD_PATH.fullmatch(path):
            await self._reject(send, method, path, 403,
                               "uploads are disabled on this server (the app has no file inputs)")
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        declared = headers.get("content-length", "").strip()
        if declared:
            if not declared.isdigit():
                await self._reject(send, method, path, 400, "invalid Content-Length header")
                return
            if int(declared) > self.max_bytes:
                await self._reject(send, method, path, 413, self._too_large())
                return
        if not declared and "chunked" not in headers.get("transfer-encoding", "").lower():
            await self.app(scope, receive, send)  # no body (GET, SSE streams, ...)
            return
        body: list[Message] = []
        size = 0
        while True:  # read (at most the limit of) the body before the app parses any of it
            message = await receive()
            if message["type"] != "http.request":
                body.append(message)
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._reject(send, method, path, 413, self._too_large())
                return
            body.append(message)
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return body.pop(0) if body else await receive()

        await self.app(scope, replay, send)

    def _too_large(self) -> str:
        return f"request body too large: the limit is {self.max_bytes:,} bytes"

    @staticmethod
    async def _reject(send: Send, method: str, path: str, status: int, reason: str) -> None:
        log_rejection(method, path, f"{reason} ({status})")
        payload = json.dumps({"error": reason, "status": status}).encode()
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
            (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": payload})


def app_kwargs(max_bytes: int | None = None) -> dict[str, Any]:
    """For ``Blocks.launch(app_kwargs=...)``: the FastAPI app Gradio creates gets the guard
    as a middleware (Gradio offers no other hook before the server starts)."""
    from starlette.middleware import Middleware

    if max_bytes is None:
        from ingest.settings import Settings

        max_bytes = Settings.load().max_request_bytes
    return {"middleware": [Middleware(RequestGuard, max_bytes=max_bytes)]}


def rejected(message: str, api: str = "/ask") -> Exception:
    """A refusal raised in an API handler: the client gets ``message``, the console one
    line (the message is ours, never the question), no traceback."""
    import gradio as gr

    log_rejection("POST", api, message)
    return gr.Error(message, print_exception=False)
