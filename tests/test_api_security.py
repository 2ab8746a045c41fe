"""The API and dashboard as an attacker sees them, over a real uvicorn server on loopback.

Every query and path parameter of every operation of the OpenAPI spec (and every
dashboard page) receives SQL-injection attempts and oversized values: the answer
is a 2xx or a 4xx in the one JSON error shape, never a 500, and the warehouse is
unchanged. Pages are bounded, bodies are bounded, the connection is read-only, the
only non-GET endpoint (annotate) needs a token when one is configured, and every
response carries the security headers.
"""

from __future__ import annotations

import importlib.util
import re
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from adequa.config import Settings
from adequa.publish.api import MAX_BODY, MAX_PAGE, create_app

FIX = Path(__file__).parent / "fixtures" / "publish"

INJECTIONS = [
    "' OR 1=1 --", "'; DROP TABLE ads; --", '" OR ""="', "1; SELECT * FROM provenance", "region:28' OR '1'='1",
    "all') UNION SELECT ad_id, title FROM ads --", "departement:76'--", "rome:M1811' OR 'a'='a", "%", "_", "\\",
    "$1", "?", "${jndi:ldap://x}", "<script>alert(1)</script>", "../../etc/passwd", "M1811\x00", "é" * 5,
    "2024' OR '1'='1", "2024..2025'; DROP TABLE ads;--",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """uvicorn serving ``app`` on 127.0.0.1 in a thread."""

    def __init__(self, app):
        self.port = _free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            assert time.time() < deadline, "server did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)


def _fixture_warehouse(path: Path) -> None:
    spec = importlib.util.spec_from_file_location("publish_warehouse", FIX / "warehouse.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.build(path)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    db = tmp_path_factory.mktemp("apisec") / "w.duckdb"
    _fixture_warehouse(db)
    return db


@pytest.fixture(scope="module")
def app(warehouse):
    return create_app(warehouse, settings=Settings(db=warehouse, min_cell_size=3), warm_up=False)


@pytest.fixture(scope="module")
def client(app):
    with Server(app) as s, httpx.Client(base_url=s.url, timeout=60) as c:
        yield c


def _fingerprint(app) -> list:
    cur = app.state.adequa.cursor()
    try:
        tables = cur.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()
        return tables + [(t[0], cur.execute(f'SELECT count(*) FROM "{t[0]}"').fetchone()[0]) for t in tables]
    finally:
        cur.close()


def _assert_handled(r: httpx.Response, what: str) -> None:
    assert r.status_code < 500, f"{what}: {r.status_code} {r.text[:300]}"
    if r.status_code >= 400 and r.headers.get("content-type", "").startswith("application/json"):
        err = r.json()["error"]
        assert set(err) == {"status", "type", "message", "details"} and err["status"] == r.status_code, what


def _operations(client) -> list[tuple[str, str, list[dict]]]:
    spec = client.get("/openapi.json").json()
    out = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            out.append((method.upper(), path, op.get("parameters", [])))
    return out


def test_only_reads_and_annotate_are_exposed(client):
    ops = _operations(client)
    assert len(ops) >= 10
    writes = [(m, p) for m, p, _ in ops if m != "GET"]
    assert writes == [("POST", "/api/v1/annotate")], writes


def test_every_parameter_resists_injection(client, app):
    before = _fingerprint(app)
    baseline = client.get("/api/v1/ads", params={"group": "all", "territory": "france"}).json()["total"]
    tried = 0
    for method, path, params in _operations(client):
        if method != "GET":
            continue
        for p in params:
            for payload in INJECTIONS:
                if p["in"] == "path":
                    url = path.replace("{" + p["name"] + "}", httpx.URL("/", params={"x": payload}).query.decode()[2:])
                    url = re.sub(r"\{[^}]+\}", "offers_by_territory", url)
                    r = client.get(url.replace("offers_by_territory.offers_by_territory", "offers_by_territory.csv"))
                else:
                    url = re.sub(r"\{name\}", "offers_by_territory", path)
                    url = re.sub(r"\{fmt\}", "csv", url)
                    url = re.sub(r"\{ad_id\}", "ad001", url)
                    r = client.get(url, params={p["name"]: payload})
                tried += 1
                _assert_handled(r, f"{path} {p['name']}={payload!r}")
                if r.status_code == 200 and path == "/api/v1/ads" and p["name"] in ("q", "skill"):
                    assert r.json()["total"] == 0, (p["name"], payload)     # a literal, never SQL
    assert tried > 200
    assert _fingerprint(app) == before
    assert client.get("/api/v1/ads", params={"group": "all", "territory": "france"}).json()["total"] == baseline


@pytest.mark.parametrize("page", ["/", "/occupations", "/skills", "/territories", "/training", "/ads", "/sources",
                                  "/ads/ad001"])
def test_dashboard_pages_resist_injection_and_send_headers(client, app, page):
    before = _fingerprint(app)
    for name in ("group", "territory", "period", "q", "skill", "page", "lang"):
        for payload in INJECTIONS[:12]:
            r = client.get(page, params={name: payload}, headers={"accept": "text/html"})
            _assert_handled(r, f"{page} {name}={payload!r}")
            assert "<script>alert(1)</script>" not in r.text
    r = client.get(page, headers={"accept": "text/html"})
    assert r.status_code == 200
    _security_headers(r)
    assert _fingerprint(app) == before


def _security_headers(r: httpx.Response) -> None:
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert not re.search(r"https?://", csp), csp                 # no external origin
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0] if "script-src" in csp else True
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"


def test_security_headers_on_api_and_errors(client):
    for url in ("/api/v1/health", "/api/v1/ads?per_page=100000", "/api/v1/nope", "/api/v1/indicators/nope"):
        _security_headers(client.get(url))


def test_pagination_and_size_limits(client):
    ok = client.get("/api/v1/ads", params={"group": "all", "territory": "france", "per_page": MAX_PAGE})
    assert ok.status_code == 200 and len(ok.json()["items"]) <= MAX_PAGE
    for params in ({"per_page": MAX_PAGE + 1}, {"per_page": 0}, {"page": 0}, {"page": 10**9}, {"per_page": -1},
                   {"page": "1e9"}, {"limit": 10**6}):
        url = "/api/v1/skills" if "limit" in params else "/api/v1/ads"
        r = client.get(url, params=params)
        assert r.status_code == 422 and r.json()["error"]["type"] == "invalid_request", params
    for name, size in (("q", 201), ("group", 201), ("territory", 101), ("period", 41), ("skill", 201)):
        r = client.get("/api/v1/ads", params={name: "a" * size})
        assert r.status_code == 422, name
    long_url = client.get("/api/v1/ads", params={"q": "x" * 60_000})
    assert long_url.status_code in (414, 422, 431, 400)
    long_id = client.get("/api/v1/ads/" + "a" * 5000)
    assert long_id.status_code == 404


def test_request_bodies_are_bounded(client):
    big = b'{"text": "' + b"a" * (MAX_BODY + 10) + b'"}'
    r = client.post("/api/v1/annotate", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["type"] == "payload_too_large"

    def chunks():                                    # no Content-Length: the limit still holds
        for _ in range(20):
            yield b"a" * 8192

    r = client.post("/api/v1/annotate", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    r = client.post("/api/v1/annotate", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_the_connection_is_read_only(app):
    import duckdb

    cur = app.state.adequa.cursor()
    try:
        for sql in ("CREATE TABLE hack (i INTEGER)", "DELETE FROM ads", "UPDATE ads SET title = 'x'",
                    "INSERT INTO ads (ad_id, source, title) VALUES ('x', 'x', 'x')"):
            with pytest.raises(duckdb.Error):
                cur.execute(sql)
    finally:
        cur.close()


def test_annotate_is_off_without_an_annotator_and_needs_the_token(warehouse):
    calls = []

    def annotator(text, title=None):
        calls.append(text)
        return {"skills": []}

    off = create_app(warehouse, settings=Settings(db=warehouse), warm_up=False, dashboard=False)
    guarded = create_app(warehouse, settings=Settings(db=warehouse, api_token="t0ken-ABC"), warm_up=False,
                         dashboard=False, annotator=annotator)
    with Server(off) as s, httpx.Client(base_url=s.url) as c:
        r = c.post("/api/v1/annotate", json={"text": "Python"})
        assert r.status_code == 503
    with Server(guarded) as s, httpx.Client(base_url=s.url) as c:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "t0ken-ABC"},
                        {"Authorization": "Basic t0ken-ABC"}, {"Authorization": "Bearer t0ken-AB"},
                        {"Authorization": "Bearer t0ken-ABCD"}, {"X-Api-Token": "t0ken-ABC"}):
            r = c.post("/api/v1/annotate", json={"text": "Python"}, headers=headers)
            assert r.status_code == 401 and r.json()["error"]["type"] == "unauthorized", headers
            assert "t0ken" not in r.text
        assert calls == []                               # never reached the annotator
        r = c.post("/api/v1/annotate", json={"text": "Python"}, headers={"Authorization": "Bearer t0ken-ABC"})
        assert r.status_code == 200 and calls == ["Python"]
        for url in ("/api/v1/sources", "/api/v1/health", "/openapi.json"):
            assert "t0ken" not in c.get(url).text


def test_a_slow_request_gets_a_timeout_and_the_server_keeps_answering(warehouse):
    import threading as th

    release = th.Event()

    def slow(text, title=None):
        release.wait(10)
        return {"skills": []}

    app = create_app(warehouse, settings=Settings(db=warehouse), warm_up=False, dashboard=False, annotator=slow,
                     time_limit=0.5)
    with Server(app) as s, httpx.Client(base_url=s.url, timeout=30) as c:
        t0 = time.perf_counter()
        r = c.post("/api/v1/annotate", json={"text": "Python"})
        took = time.perf_counter() - t0
        assert r.status_code == 503 and r.json()["error"]["type"] == "timeout", r.text
        assert 0.4 < took < 5
        _security_headers(r)
        assert c.get("/api/v1/health").status_code == 200          # still serving
        release.set()
        time.sleep(0.2)
        assert c.get("/api/v1/ads", params={"group": "all", "territory": "france"}).status_code == 200
