"""Speed for the API and dashboard: a whole-response cache in front of the app and orjson.

The warehouse is opened read-only for the life of the server, so an answer to a GET never goes
stale: :class:`ResponseCache` keeps the bytes and headers of every successful GET (keyed by the
path and the full query string) and replays them without entering FastAPI (no routing, no
validation, no serialisation). Not cached: other methods, errors, ``/api/v1/health`` (uptime),
requests with an ``Origin`` (CORS answers vary by origin) or ``Authorization`` header, and
bodies over ``max_entry`` bytes. Memory is bounded by ``max_bytes`` (least recently used out).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from starlette.responses import JSONResponse

NOT_CACHED = ("/api/v1/health",)


class ResponseCache:
    """ASGI middleware: replay successful GET responses from memory."""

    def __init__(self, app, max_bytes: int = 256 * 1024 * 1024, max_entry: int = 4 * 1024 * 1024):
        self.app = app
        self.max_bytes = max_bytes
        self.max_entry = max_entry
        self._store: OrderedDict = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "GET" or scope.get("path") in NOT_CACHED:
            return await self.app(scope, receive, send)
        for name, _ in scope.get("headers") or ():
            if name in (b"origin", b"authorization"):
                return await self.app(scope, receive, send)
        key = (scope.get("path"), scope.get("query_string", b""))
        with self._lock:
            hit = self._store.get(key)
            if hit is not None:
                self._store.move_to_end(key)
                self.hits += 1
        if hit is not None:
            status, headers, body = hit
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        start: dict = {}
        chunks: list[bytes] = []
        size = 0
        keep = True

        async def capture(message):
            nonlocal size, keep
            if message["type"] == "http.response.start":
                start.update(message)
                keep = message["status"] == 200
            elif message["type"] == "http.response.body" and keep:
                chunks.append(message.get("body", b""))
                size += len(chunks[-1])
                if size > self.max_entry:
                    keep = False
                    chunks.clear()
                if keep and not message.get("more_body"):
                    self._put(key, (start["status"], list(start.get("headers") or []), b"".join(chunks)))
            await send(message)

        await self.app(scope, receive, capture)

    def _put(self, key, value) -> None:
        n = len(value[2]) + 200
        with self._lock:
            if key in self._store:
                return
            self._store[key] = value
            self._bytes += n
            while self._bytes > self.max_bytes and self._store:
                _, old = self._store.popitem(last=False)
                self._bytes -= len(old[2]) + 200


try:
    import orjson
except ImportError:                        # optional: the standard json module then
    orjson = None


class FastJSONResponse(JSONResponse):
    """JSON through orjson (UTF-8, no spaces); same output as JSONResponse for the encoded content."""

    def render(self, content) -> bytes:
        if orjson is None:
            return super().render(content)
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


def fast_json(app) -> None:
    """Make orjson the default response class of the routes declared after this call."""
    if orjson is not None:
        app.router.default_response_class = FastJSONResponse
