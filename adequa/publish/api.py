"""The REST API and the dashboard, one FastAPI app, read-only on the warehouse.

    >>> from adequa.publish.api import create_app
    >>> app = create_app("adequa.duckdb")            # then: uvicorn.run(app, port=8000)

Everything under ``/api/v1`` answers JSON; every error has one shape::

    {"error": {"status": 404, "type": "not_found", "message": "…", "details": {…}}}

Safety: the DuckDB file is opened ``read_only`` once and each request works on
its own cursor; SQL is parameterised (group and territory codes are validated
by the indicators layer before reaching SQL); request bodies are limited in
size; pages are limited in length; responses carry a Content-Security-Policy
without external origins, ``X-Content-Type-Options: nosniff`` and
``frame-ancestors 'none'``. Write endpoints (``POST /api/v1/annotate``) exist
only when an annotator is given, and require ``Authorization: Bearer <token>``
when ``settings.api_token`` is set.
"""

from __future__ import annotations

import hmac
import json
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from adequa.errors import AdequaError, InputError
from adequa.publish.figures import Figure, figure_from_result, jsonable

API = "/api/v1"
MAX_BODY = 64 * 1024                 # bytes accepted in a request body
MAX_PAGE = 100                       # rows per page at most
MAX_TEXT = 20_000                    # characters of text to annotate
MAX_SECONDS = 30.0                   # time to answer a request, at most (503 "timeout" beyond)
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
# Swagger UI needs one inline bootstrap script and inline styles; still no external origin.
CSP_DOCS = CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'")


class ApiError(AdequaError):
    """An error with an HTTP status, rendered in the one JSON shape."""

    def __init__(self, status: int, type_: str, message: str, details: dict | None = None):
        self.status = status
        self.type = type_
        self.message = message
        self.details = details or {}
        super().__init__(message)


def error_body(status: int, type_: str, message: str, details: dict | None = None) -> dict:
    return {"error": {"status": status, "type": type_, "message": message, "details": jsonable(details or {})}}


# -- state shared by the requests ----------------------------------------------------------------------------------

class State:
    """The warehouse connection, the indicator cache and the app's defaults."""

    def __init__(self, db_path: str | Path, *, settings=None, annotator: Callable | None = None,  # noqa: D107
                 defaults: dict | None = None, cache_size: int = 512, connection=None):
        import duckdb

        from adequa.store.duckdb import WarehouseError

        self.db_path = Path(db_path)
        if connection is not None:
            # Serving beside a writer of the same process: each request's cursor reads the last
            # committed snapshot, and nothing is cached (the data may change between requests).
            self.con, cache_size = connection, 0
        elif not self.db_path.exists():
            raise WarehouseError(f"{self.db_path}: no warehouse here yet (run `adequa run` or an ingest first)")
        else:
            try:
                self.con = duckdb.connect(str(self.db_path), read_only=True)
            except duckdb.Error as exc:
                raise WarehouseError(f"{self.db_path}: cannot open the warehouse read-only ({exc}); a process "
                                     "writing to it (an ingest) holds the lock: serve once it has finished") from exc
        self.live = connection is not None
        if settings is None:
            from adequa.config import get_settings

            settings = get_settings()
        self.settings = settings
        self.annotator = annotator
        self.defaults = {"group": "data-ia", "territory": "region:28", "period": None, **(defaults or {})}
        self._cache: OrderedDict = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._tables: set[str] | None = None
        self.shared: dict = {}                     # indicators' per-connection facts, shared by every cursor
        self.started = time.time()
        self.warm_seconds: float | None = None       # set when the start-up warm-up has finished

    def cursor(self):
        return self.con.cursor()

    def cached(self, key: tuple, compute: Callable[[], Any]):
        """``compute()`` once per key: the warehouse is read-only, so a result never goes stale."""
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        value = compute()
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return value

    def close(self) -> None:
        self.con.close()

    def tables(self) -> set[str]:
        if self._tables is None or self.live:
            cur = self.cursor()
            self._tables = {r[0] for r in cur.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' UNION "
                "SELECT view_name FROM duckdb_views() WHERE schema_name = 'main'").fetchall()}
        return self._tables

    def has(self, table: str) -> bool:
        return table in self.tables()

    # -- indicators --------------------------------------------------------------------------------------------
    def context(self, cur, *, group: str | None, territory: str | None, period: str | None, **options):
        from adequa.indicators import Context, get_group, get_territory
        from adequa.indicators.base import Period

        if int(self.settings.min_cell_size) < 1:
            raise InputError("min_cell_size must be at least 1", field="min_cell_size")
        # facts about the read-only connection (tables, facts' freshness: scans of the ads) are computed
        # once for the server, not once per request's cursor; a live (writable) connection shares nothing
        return Context(con=cur, group=get_group(group or self.defaults["group"]),
                       territory=get_territory(territory or self.defaults["territory"]),
                       period=Period.parse(period if period is not None else self.defaults["period"]),
                       min_cell_size=int(self.settings.min_cell_size), options=options,
                       shared={} if getattr(self, "live", False) else self.shared)

    def figure(self, name: str, *, group=None, territory=None, period=None, lang: str = "fr",
               options: dict | None = None) -> Figure:
        """The Figure of one indicator, computed once per filters (the warehouse is read-only)."""
        from adequa.indicators import get_definition

        defn = get_definition(name)
        key = (name, group, territory, period, lang, json.dumps(options or {}, sort_keys=True))
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        cur = self.cursor()
        try:
            ctx = self.context(cur, group=group, territory=territory, period=period, **(options or {}))
            try:
                fig = figure_from_result(defn, defn.compute(ctx), lang=lang)
            except (InputError, ApiError):
                raise
            except AdequaError as exc:
                fig = figure_from_result(defn, error=exc, lang=lang)
            except Exception as exc:       # one broken indicator must not take the page down
                fig = figure_from_result(defn, error=f"{type(exc).__name__}: {exc}", lang=lang)
        finally:
            cur.close()
        with self._lock:
            self._cache[key] = fig
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return fig


def _state(request: Request) -> State:
    return request.app.state.adequa


# -- middleware -------------------------------------------------------------------------------------------------

class BodyLimit:
    """Reject request bodies larger than ``limit`` bytes with 413, even without a Content-Length."""

    def __init__(self, app, limit: int = MAX_BODY):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:  # bytes: ASCII digits only
            return await _send_json(send, 413, error_body(413, "payload_too_large",
                                                          f"request body over {self.limit} bytes"))
        if scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        # Read the whole body first (at most ``limit`` bytes), then replay it: a chunked body over
        # the limit gets the same 413 as one with a Content-Length (not a parser's 400).
        chunks, seen = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return                                   # the client went away
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.limit:
                return await _send_json(send, 413, error_body(413, "payload_too_large",
                                                              f"request body over {self.limit} bytes"))
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        body, replayed = b"".join(chunks), False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class TimeLimit:
    """Answer 503 ``timeout`` when a request takes more than ``seconds``.

    The work itself is not killed (a DuckDB query in a worker thread cannot be cancelled
    safely): it finishes in the background, its late response is dropped, and what it
    computed stays in the caches for the next request. Streaming responses already
    started are let through.
    """

    def __init__(self, app, seconds: float | None = MAX_SECONDS):
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope, receive, send):
        import asyncio

        if scope["type"] != "http" or not self.seconds:
            return await self.app(scope, receive, send)
        state = {"started": False, "late": False}

        async def guarded(message):
            if state["late"]:
                return                                    # the client already got its 503
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        task = asyncio.ensure_future(self.app(scope, receive, guarded))
        done, _ = await asyncio.wait({task}, timeout=self.seconds)
        if task in done or state["started"]:
            return await task
        state["late"] = True
        task.add_done_callback(lambda t: t.cancelled() or t.exception())      # consumed, never logged as lost
        await _send_json(send, 503, error_body(503, "timeout", f"no answer within {self.seconds:g} s; "
                                               "try again shortly (the result may then be ready)"))


async def _send_json(send, status: int, body: dict) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                            (b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff")]})
    await send({"type": "http.response.body", "body": data})


def _security_headers(app: FastAPI) -> None:
    @app.middleware("http")
    async def headers(request: Request, call_next):
        response = await call_next(request)
        path = request.url.path
        response.headers.setdefault("Content-Security-Policy", CSP_DOCS if path.startswith("/docs") else CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response


def _error_handlers(app: FastAPI) -> None:
    def wants_html(request: Request) -> bool:
        return not request.url.path.startswith(API) and "text/html" in request.headers.get("accept", "")

    def render(request: Request, status: int, type_: str, message: str, details: dict | None = None):
        if wants_html(request):
            from adequa.publish.dashboard.views import error_page

            return error_page(request, status, message)
        return JSONResponse(error_body(status, type_, message, details), status_code=status)

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError):
        return render(request, exc.status, exc.type, exc.message, exc.details)

    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError):
        return render(request, 400, "bad_request", str(exc), {k: v for k, v in exc.attrs().items() if v is not None})

    @app.exception_handler(AdequaError)
    async def _adequa(request: Request, exc: AdequaError):
        missing = type(exc).__name__ in ("MissingData", "WarehouseError")
        return render(request, 404 if missing else 500, "not_available" if missing else "server_error", str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        types = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized", 403: "forbidden",
                 413: "payload_too_large", 503: "unavailable"}
        message = str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":     # an unknown path: say where the endpoints are
            message = f"no such endpoint: {request.url.path}; the API's endpoints are listed at /docs (OpenAPI: /openapi.json)"
        return render(request, exc.status_code, types.get(exc.status_code, "http_error"), message)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = [{"field": ".".join(str(p) for p in e.get("loc", ()) if p not in ("query", "body", "path")),
                   "message": e.get("msg")} for e in exc.errors()]
        first = errors[0] if errors else {"field": None, "message": "invalid request"}
        return render(request, 422, "invalid_request", f"{first['field']}: {first['message']}", {"errors": errors})

    @app.exception_handler(Exception)
    async def _other(request: Request, exc: Exception):
        return render(request, 500, "server_error", f"internal error ({type(exc).__name__})")


# -- the API ----------------------------------------------------------------------------------------------------

class ErrorDetail(BaseModel):
    status: int
    type: str
    message: str
    details: dict


class ErrorBody(BaseModel):
    """The one error shape, declared in the OpenAPI spec for every operation."""

    error: ErrorDetail


ERROR_RESPONSES = {code: {"model": ErrorBody, "description": text} for code, text in (
    (400, "Bad request (e.g. an unknown option or territory)"), (401, "Missing or wrong token"),
    (404, "Unknown item, or no data loaded for it"), (413, "Request body too large"),
    (422, "Invalid parameter"), (503, "Service not configured on this server, or no answer in time"))}


class Filters(BaseModel):
    group: str | None = None
    territory: str | None = None
    period: str | None = None


def filters(group: str | None = Query(None, max_length=200, description="Occupation group id, e.g. data-ia, or rome:M1811"),
            territory: str | None = Query(None, max_length=100, description="level:code, e.g. region:28, departement:76"),
            period: str | None = Query(None, max_length=40, description="2024, 2024Q1, 2024-03 or A..B")) -> Filters:
    return Filters(group=group or None, territory=territory or None, period=period or None)


class AnnotateIn(BaseModel):
    text: str = Field(..., min_length=1, max_length=MAX_TEXT, description="Text of a job ad (description).")
    title: str | None = Field(None, max_length=500, description="Title of the ad, if any.")


def _page(rows: list[dict], *, page: int, per_page: int, total: int | None) -> dict:
    return {"page": page, "per_page": per_page, "total": total, "items": jsonable(rows)}


def _text_filter(q: str | None, params: list) -> str:
    """Every word of ``q`` in the title or description (case-insensitive), as a parameterised predicate."""
    if not q:
        return "TRUE"
    words = [w for w in q.lower().split() if w][:8]
    parts = []
    for w in words:
        parts.append("(contains(lower(g.title), ?) OR contains(lower(g.description), ?))")
        params.extend([w, w])
    return " AND ".join(parts) or "TRUE"


def create_app(db_path: str | Path, *, annotator: Callable[..., Any] | None = None, settings=None,
               cors_origins: list[str] | None = None, defaults: dict | None = None, dashboard: bool = True,
               warm_up: bool = True, connection=None, time_limit: float | None = MAX_SECONDS) -> FastAPI:
    """The FastAPI app: REST API under /api/v1, OpenAPI docs at /docs, the dashboard at /.

    :param db_path: the DuckDB warehouse, opened read-only.
    :param annotator: ``annotator(text, title) -> dict | list`` for ``POST /api/v1/annotate``
        (injected by the CLI; without it the endpoint answers 503).
    :param settings: Settings (api_token, min_cell_size); default: the environment's.
    :param cors_origins: origins allowed to call the API from a browser (default: none).
    :param defaults: default filters: group, territory, period.
    :param time_limit: seconds to answer a request before a 503 ``timeout`` (None: no limit).
    :param connection: an open DuckDB connection to serve from instead of opening ``db_path``
        read-only, for a process that also writes (e.g. ingests) to it: DuckDB lets one process
        write a file, and each request then reads the last committed snapshot (never a half
        batch); results are not cached.
    """
    state = State(db_path, settings=settings, annotator=annotator, defaults=defaults, connection=connection)
    app = FastAPI(title="Adequa API", version="1", docs_url=None, redoc_url=None, responses=ERROR_RESPONSES,
                  description="Jobs, skills and training indicators with provenance, read-only. "
                              "Every error answers {\"error\": {status, type, message, details}}.")
    app.state.adequa = state
    app.add_middleware(BodyLimit, limit=MAX_BODY)
    app.add_middleware(TimeLimit, seconds=time_limit)
    if cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"], max_age=600)
    _security_headers(app)
    from adequa.publish.fast import ResponseCache, fast_json

    if not getattr(state, "live", False):  # a read-only warehouse: a repeated GET is answered from memory
        app.add_middleware(ResponseCache)  # (outermost, headers included)
    fast_json(app)
    _error_handlers(app)
    _docs(app)
    token = state.settings.api_token.get_secret_value() if state.settings.api_token else None

    def require_token(request: Request) -> None:
        if token is None:
            return
        given = request.headers.get("authorization", "")
        if not (given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode())):
            raise ApiError(401, "unauthorized", "this endpoint needs Authorization: Bearer <token>")

    @app.get(f"{API}/indicators", tags=["indicators"], summary="Every indicator, with its definition")
    def indicators(section: str | None = Query(None, max_length=40)):
        from adequa.indicators import list_indicators

        return {"items": [d.to_dict() for d in list_indicators(section)]}

    def definition(name: str):
        from adequa.indicators import get_definition

        try:
            return get_definition(name)
        except InputError as exc:
            raise ApiError(404, "not_found", exc.message, {"name": name}) from exc

    @app.get(f"{API}/indicators/{{name}}", tags=["indicators"], summary="One indicator for a group, territory, period")
    def indicator(name: str, request: Request, f: Filters = Depends(filters),
                  lang: str = Query("fr", pattern="^(fr|en)$")):
        options = {k: v for k, v in request.query_params.items() if k not in ("group", "territory", "period", "lang")}
        defn = definition(name)
        unknown = set(options) - set(defn.options)
        if unknown:
            raise ApiError(400, "bad_request", f"unknown option(s) {', '.join(sorted(unknown))} for {name}; "
                           f"options: {', '.join(defn.options) or 'none'}")
        fig = state.figure(name, group=f.group, territory=f.territory, period=f.period, lang=lang, options=options)
        return {"indicator": defn.to_dict(), "result": fig.to_dict()}

    @app.get(f"{API}/export/{{name}}.{{fmt}}", tags=["exports"], summary="An indicator's table as CSV, Parquet, XLSX or JSON")
    def export(name: str, fmt: str, f: Filters = Depends(filters), lang: str = Query("fr", pattern="^(fr|en)$")):
        from adequa.publish.renderers import render_figure, renderers

        if fmt not in renderers():
            raise ApiError(404, "not_found", f"unknown format {fmt!r}: one of {', '.join(sorted(renderers()))}")
        definition(name)
        fig = state.figure(name, group=f.group, territory=f.territory, period=f.period, lang=lang)
        if not fig.available:
            raise ApiError(404, "not_available", fig.reason or "no data for these filters")
        content, media, filename = render_figure(fig, fmt)
        return Response(content, media_type=media,
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    @app.get(f"{API}/groups", tags=["occupations"], summary="Occupation groups")
    def groups():
        from adequa.indicators import load_groups

        return {"items": [g.to_dict() | {"path": None} for g in load_groups().values()]}

    @app.get(f"{API}/occupations", tags=["occupations"], summary="Occupations of a group with their offers")
    def occupations(f: Filters = Depends(filters)):
        return {"items": occupation_rows(state, f)}

    @app.get(f"{API}/skills", tags=["skills"], summary="Skills most asked for in the offers")
    def skills(f: Filters = Depends(filters), q: str | None = Query(None, max_length=100),
               kind: str | None = Query(None, max_length=40), limit: int = Query(50, ge=1, le=500)):
        return {"items": skill_rows(state, f, q=q, kind=kind, limit=limit)}

    @app.get(f"{API}/territories", tags=["territories"], summary="Known territories (régions, départements, bassins)")
    def territories(level: str = Query("departement", pattern="^(region|departement|bassin)$"),
                    region: str | None = Query(None, max_length=3)):
        return {"items": territory_rows(state, level, region)}

    @app.get(f"{API}/ads", tags=["ads"], summary="Search ads: full text and filters, paginated")
    def ads(f: Filters = Depends(filters), q: str | None = Query(None, max_length=200, description="words, all required"),
            skill: str | None = Query(None, max_length=200, description="exact skill label"),
            rome: str | None = Query(None, pattern="^[A-Za-z][0-9]{4}$"),
            contract: str | None = Query(None, pattern="^[A-Z]{2,4}$"),
            page: int = Query(1, ge=1, le=10_000), per_page: int = Query(20, ge=1, le=MAX_PAGE)):
        rows, total = search_ads(state, f, q=q, skill=skill, rome=rome, contract=contract, page=page,
                                 per_page=per_page)
        return _page(rows, page=page, per_page=per_page, total=total)

    @app.get(f"{API}/ads/{{ad_id}}", tags=["ads"], summary="One ad with its occupation and skills")
    def ad(ad_id: str):
        if len(ad_id) > 128:
            raise ApiError(404, "not_found", "no such ad")
        return one_ad(state, ad_id)

    @app.get(f"{API}/sources", tags=["sources"], summary="Data sources loaded and their freshness")
    def sources():
        return sources_info(state)

    @app.post(f"{API}/annotate", tags=["ads"], summary="Skills (and occupation) of one ad's text",
              dependencies=[Depends(require_token)])
    def annotate(body: AnnotateIn):
        if state.annotator is None:
            raise ApiError(503, "unavailable", "no skill extractor configured on this server "
                           "(start it with `adequa serve`, which loads the taxonomies)")
        try:
            out = state.annotator(body.text, body.title)
        except AdequaError as exc:
            raise ApiError(503, "unavailable", f"the skill extractor is not available: {exc}") from exc
        return jsonable(out if isinstance(out, dict) else {"skills": out})

    @app.get(f"{API}/health", tags=["sources"], summary="Liveness and the warehouse in use")
    def health():
        return {"status": "ok", "db": state.db_path.name, "uptime_s": round(time.time() - state.started, 1),
                "warm": state.warm_seconds is not None, "warm_up_s": state.warm_seconds}

    if dashboard:
        from adequa.publish.dashboard.views import add_dashboard

        add_dashboard(app, state, warm_up=warm_up)
    return app


def _docs(app: FastAPI) -> None:
    """Swagger UI from files served by this app (fastapi-offline's copy), never from a CDN."""
    from fastapi.openapi.docs import get_swagger_ui_html

    try:
        import fastapi_offline
        static = Path(fastapi_offline.__file__).parent / "static"
    except ImportError:
        static = None
    if static is not None and (static / "swagger-ui-bundle.js").exists():
        from starlette.staticfiles import StaticFiles

        app.mount("/docs-static", StaticFiles(directory=str(static)), name="docs-static")

        @app.get("/docs", include_in_schema=False)
        def docs():
            return get_swagger_ui_html(openapi_url=app.openapi_url, title="Adequa API",
                                       swagger_js_url="/docs-static/swagger-ui-bundle.js",
                                       swagger_css_url="/docs-static/swagger-ui.css",
                                       swagger_favicon_url="/docs-static/favicon.png")
    else:
        @app.get("/docs", include_in_schema=False)
        def docs():
            return HTMLResponse('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Adequa API'
                                '</title></head><body><h1>Adequa API</h1><p>The OpenAPI description is at '
                                '<a href="/openapi.json">/openapi.json</a>; install fastapi-offline for the '
                                'interactive page.</p></body></html>')


# -- queries (listings; the published figures come from the indicators) -----------------------------------------

def _group_ads_sql(state: State, cur, f: Filters, columns: str):
    ctx = state.context(cur, group=f.group, territory=f.territory, period=f.period)
    if not state.has("ads"):
        raise ApiError(404, "not_available", "no ads in the warehouse yet: run `adequa ingest offers FILE`")
    return ctx.ads_sql(columns=columns), ctx


def _norm(state: State, f: Filters) -> Filters:
    """Filters with the app's defaults filled in, so equal queries share one cache entry."""
    d = state.defaults
    return Filters(group=f.group or d["group"], territory=f.territory or d["territory"],
                   period=f.period if f.period is not None else d["period"])


def _facts_where(ctx) -> str | None:
    """The WHERE clause over the indicators' pre-aggregated ``offer_facts`` when they are fresh, else None."""
    try:
        from adequa.indicators import demand

        if ctx.territory.level not in demand.FACT_LEVELS or not demand.use_facts(ctx):
            return None
        return demand.fact_where(ctx, ctx.period, ctx.territory, True)
    except Exception:      # facts are an optimisation: fall back to the ads themselves
        return None


def _offer_source(ctx) -> str | None:
    """SQL of (rome, offers) cells for the filters from the coarsest fresh facts table, else None."""
    try:
        from adequa.indicators import demand, facts

        roll = facts.offer_table(ctx.period, ctx.territory.level) if demand.use_rollups(ctx) else None
        if roll is not None:
            table, tc, geo = roll
            return (f"SELECT rome, offers FROM {table} WHERE "
                    f"{demand.fact_where(ctx, ctx.period, ctx.territory, True, time_column=tc, geo=geo, table=table)}")
        where = _facts_where(ctx)
        return None if where is None else f"SELECT rome, offers FROM offer_facts WHERE {where}"
    except Exception:      # facts are an optimisation: fall back to the ads themselves
        return None


def _skill_source(ctx) -> str | None:
    """SQL of (label, kind, ads) cells for the filters from the coarsest fresh skills facts table, else None."""
    try:
        from adequa.indicators import demand, facts

        if not demand.use_facts(ctx):
            return None
        roll = facts.skill_table(ctx.period, ctx.territory.level) if demand.use_rollups(ctx) else None
        if roll is None:
            if ctx.territory.level not in ("france", "region", "departement") or not facts.quarterly(ctx.period):
                return None
            roll = ("skill_facts", None)
        table, geo = roll
        return (f"SELECT label, kind, ads FROM {table} WHERE "
                f"{demand.fact_where(ctx, ctx.period, ctx.territory, True, time_column='quarter', geo=geo, table=table)}")
    except Exception:      # facts are an optimisation: fall back to the ads themselves
        return None


def occupation_rows(state: State, f: Filters) -> list[dict]:
    f = _norm(state, f)
    return state.cached(("occupations", f.group, f.territory, f.period), lambda: _occupation_rows(state, f))


def _occupation_rows(state: State, f: Filters) -> list[dict]:
    cur = state.cursor()
    try:
        sql, ctx = _group_ads_sql(state, cur, f, "a.ad_id")
        label_join, label_col = "", "NULL"
        fiches = ctx.ref("rome_fiches")
        if fiches:
            cols = {r[0] for r in cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                                              [fiches]).fetchall()}
            lab = next((c for c in ("libelle", "label", "libelle_rome", "title") if c in cols), None)
            if "code_rome" in cols and lab:
                label_join, label_col = f"LEFT JOIN {fiches} r ON r.code_rome = g.rome", f"any_value(r.{lab})"
        facts = _offer_source(ctx)
        source = f"({facts})" if facts else f"(SELECT rome, 1 AS offers FROM ({sql}))"
        rows = cur.execute(f"SELECT g.rome, {label_col} AS label, sum(g.offers)::BIGINT AS offers FROM {source} g "
                           f"{label_join} GROUP BY g.rome HAVING sum(g.offers) > 0 ORDER BY offers DESC, g.rome").fetchall()
        out = [{"rome": r[0], "label": r[1], "offers": r[2]} for r in rows]
        return ctx.protect(out, count="offers", label="rome")
    finally:
        cur.close()


def skill_rows(state: State, f: Filters, *, q: str | None = None, kind: str | None = None,
               limit: int = 50) -> list[dict]:
    f = _norm(state, f)
    return state.cached(("skills", f.group, f.territory, f.period, q, kind, limit),
                        lambda: _skill_rows(state, f, q=q, kind=kind, limit=limit))


def _skill_rows(state: State, f: Filters, *, q: str | None = None, kind: str | None = None,
                limit: int = 50) -> list[dict]:
    if not state.has("skill_mentions"):
        raise ApiError(404, "not_available", "no skill mentions yet: run `adequa enrich`")
    cur = state.cursor()
    try:
        sql, ctx = _group_ads_sql(state, cur, f, "a.ad_id")
        params: list = []
        where = ["TRUE"]
        if q:
            where.append("contains(lower(m.label), ?)")
            params.append(q.lower())
        if kind:
            where.append("m.kind = ?")
            params.append(kind)
        cells, offers = _skill_source(ctx), _offer_source(ctx)
        if cells and offers:  # pre-aggregated cells: an ad lies in one cell, so sums are distinct-ad counts
            rows = cur.execute(f"SELECT m.label, min(m.kind) AS kind, sum(m.ads)::BIGINT AS ads, "
                               f"(SELECT sum(offers) FROM ({offers})) AS total "
                               f"FROM ({cells}) m WHERE {' AND '.join(where)} GROUP BY m.label "
                               f"HAVING sum(m.ads) >= ? ORDER BY ads DESC, m.label LIMIT ?",
                               params + [ctx.min_cell_size, limit]).fetchall()
            return [{"label": r[0], "kind": r[1], "ads": r[2],
                     "share": round(100.0 * r[2] / r[3], 1) if r[3] else None} for r in rows]
        rows = cur.execute(f"WITH g AS MATERIALIZED ({sql}) "
                           f"SELECT m.label, any_value(m.kind) AS kind, count(DISTINCT m.ad_id) AS ads, "
                           f"(SELECT count(*) FROM g) AS total "
                           f"FROM skill_mentions m SEMI JOIN g ON g.ad_id = m.ad_id WHERE {' AND '.join(where)} "
                           f"GROUP BY m.label HAVING count(DISTINCT m.ad_id) >= ? ORDER BY ads DESC, m.label LIMIT ?",
                           params + [ctx.min_cell_size, limit]).fetchall()
        return [{"label": r[0], "kind": r[1], "ads": r[2], "share": round(100.0 * r[2] / r[3], 1) if r[3] else None}
                for r in rows]
    finally:
        cur.close()


def territory_rows(state: State, level: str, region: str | None = None) -> list[dict]:
    from adequa.indicators.territories import departements, regions

    if level == "region":
        return [{"spec": f"region:{c}", "code": c, "label": l} for c, l in sorted(regions().items())]
    if level == "departement":
        return [{"spec": f"departement:{c}", "code": c, "label": l, "region": r}
                for c, (l, r) in sorted(departements().items()) if region is None or r == region]
    cur = state.cursor()
    try:
        for table in ("current_geo_bassins", "geo_bassins"):
            if state.has(table):
                cols = {r[0] for r in cur.execute("SELECT column_name FROM information_schema.columns "
                                                  "WHERE table_name = ?", [table]).fetchall()}
                code = next((c for c in ("bassin", "code") if c in cols), None)
                label = next((c for c in ("label", "name", "nom", "libelle") if c in cols), None)
                if code:
                    rows = cur.execute(f"SELECT DISTINCT {code}, {label or code} FROM {table} ORDER BY 1").fetchall()
                    return [{"spec": f"bassin:{r[0]}", "code": r[0], "label": r[1]} for r in rows]
        if state.has("ads"):
            rows = cur.execute("SELECT bassin, count(*) FROM ads WHERE bassin IS NOT NULL "
                               + ("AND region = ? " if region else "") + "GROUP BY 1 ORDER BY 1",
                               [region] if region else []).fetchall()
            return [{"spec": f"bassin:{r[0]}", "code": r[0], "label": None} for r in rows]
        return []
    finally:
        cur.close()


AD_COLUMNS = ("a.ad_id, a.title, a.description, a.employer, a.created_at, a.contract_type, a.departement, a.region, "
              "a.bassin, a.location_text, a.url, a.source")


def search_ads(state: State, f: Filters, *, q=None, skill=None, rome=None, contract=None, page=1,
               per_page=20) -> tuple[list[dict], int]:
    f = _norm(state, f)
    return state.cached(("ads", f.group, f.territory, f.period, q, skill, rome, contract, page, per_page),
                        lambda: _search_ads(state, f, q=q, skill=skill, rome=rome, contract=contract, page=page,
                                            per_page=per_page))


def _search_ads(state: State, f: Filters, *, q=None, skill=None, rome=None, contract=None, page=1,
                per_page=20) -> tuple[list[dict], int]:
    from adequa.publish.search import ad_filters, indexed_search

    found = indexed_search(state, f, q=q, skill=skill, rome=rome, contract=contract, page=page, per_page=per_page)
    if found is not None:                  # the inverted index answered (adequa serve --prepare builds it)
        return found
    cur = state.cursor()
    try:
        sql, _ = _group_ads_sql(state, cur, f, AD_COLUMNS)
        params: list = []
        where = [_text_filter(q, params)]
        if skill and not state.has("skill_mentions"):
            raise ApiError(404, "not_available", "no skill mentions yet: run `adequa enrich`")
        where += ad_filters("g", params, skill=skill, rome=rome, contract=contract)
        base = f"FROM ({sql}) g WHERE {' AND '.join(where)}"
        # one pass: the page and the total (a window over the filtered rows) together
        cur2 = cur.execute(f"SELECT g.ad_id, g.title, left(g.description, 300) AS excerpt, g.employer, g.created_at, "
                           f"g.contract_type, g.rome, g.departement, g.bassin, g.location_text, g.url, g.source, "
                           f"count(*) OVER () AS _total {base} "
                           f"ORDER BY g.created_at DESC NULLS LAST, g.ad_id LIMIT ? OFFSET ?",
                           params + [per_page, (page - 1) * per_page])
        cols = [d[0] for d in cur2.description]
        rows = [dict(zip(cols, r)) for r in cur2.fetchall()]
        if rows:
            total = rows[0]["_total"]
        elif page == 1:
            total = 0
        else:                      # past the last page: the window saw no row, count apart
            total = cur.execute(f"SELECT count(*) {base}", params).fetchone()[0]
        for r in rows:
            del r["_total"]
        return rows, total
    finally:
        cur.close()


def one_ad(state: State, ad_id: str) -> dict:
    if not state.has("ads"):
        raise ApiError(404, "not_available", "no ads in the warehouse yet")
    cur = state.cursor()
    try:
        c = cur.execute("SELECT * EXCLUDE (source_skills) FROM ads WHERE ad_id = ?", [ad_id])
        cols = [d[0] for d in c.description]
        row = c.fetchone()
        if row is None:
            raise ApiError(404, "not_found", f"no ad {ad_id!r}")
        out = dict(zip(cols, row))
        if state.has("ad_occupations"):
            c = cur.execute("SELECT rome, appellation, score, fap2021, fap2009, domain FROM ad_occupations "
                            "WHERE ad_id = ?", [ad_id])
            r = c.fetchone()
            out["occupation"] = dict(zip([d[0] for d in c.description], r)) if r else None
        if state.has("skill_mentions"):
            c = cur.execute("SELECT field, start, \"end\", text, label, kind, rome_ogr, esco_uri, score, method "
                            "FROM skill_mentions WHERE ad_id = ? ORDER BY field, start", [ad_id])
            out["skills"] = [dict(zip([d[0] for d in c.description], r)) for r in c.fetchall()]
        return jsonable(out)
    finally:
        cur.close()


def sources_info(state: State) -> dict:
    """Sources loaded and their freshness (the same for every filter: computed once per server)."""
    return state.cached(("sources",), lambda: _sources_info(state))


def _sources_info(state: State) -> dict:
    cur = state.cursor()
    try:
        out: dict = {"sources": [], "ingest_runs": [], "ads": None}
        if state.has("provenance"):
            c = cur.execute("SELECT table_name, source, version, licence, origin, rows, retrieved_at, loaded_at "
                            "FROM provenance ORDER BY table_name, loaded_at DESC")
            out["sources"] = [dict(zip([d[0] for d in c.description], r)) for r in c.fetchall()]
        if state.has("ingest_runs"):
            c = cur.execute("SELECT source, origin, started_at, finished_at, read, stored, updated, rejected, duplicates "
                            "FROM ingest_runs ORDER BY finished_at DESC NULLS LAST LIMIT 50")
            out["ingest_runs"] = [dict(zip([d[0] for d in c.description], r)) for r in c.fetchall()]
        if state.has("ads"):
            c = cur.execute("SELECT count(*) AS ads, min(created_at) AS first_ad, max(created_at) AS last_ad, "
                            "max(ingested_at) AS last_ingest FROM ads")
            out["ads"] = dict(zip([d[0] for d in c.description], c.fetchone()))
        return jsonable(out)
    finally:
        cur.close()
