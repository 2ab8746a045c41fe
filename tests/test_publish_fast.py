"""The whole-response cache (adequa.publish.fast) and `adequa serve --prepare`'s preparation."""

import importlib.util
from pathlib import Path

from starlette.applications import Starlette
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from adequa.publish.fast import FastJSONResponse, ResponseCache


def _app():
    calls = {"n": 0}

    def count(request):
        calls["n"] += 1
        return JSONResponse({"n": calls["n"], "q": request.query_params.get("q")}, headers={"X-Test": "1"})

    def fail(request):
        calls["n"] += 1
        return PlainTextResponse("no", status_code=404)

    def big(request):
        calls["n"] += 1
        return PlainTextResponse("x" * 5000)

    app = Starlette(routes=[Route("/c", count), Route("/fail", fail), Route("/big", big),
                            Route("/api/v1/health", count), Route("/c", count, methods=["POST"])])
    return ResponseCache(app, max_bytes=10_000, max_entry=4000), calls


def test_repeated_get_is_replayed_with_its_headers():
    app, calls = _app()
    c = TestClient(app)
    first = c.get("/c?q=a")
    again = c.get("/c?q=a")
    assert first.json() == again.json() == {"n": 1, "q": "a"} and again.headers["x-test"] == "1"
    assert c.get("/c?q=b").json()["n"] == 2          # the full query string is the key
    assert app.hits == 1


def test_not_cached_errors_health_origin_other_methods_big_bodies():
    app, calls = _app()
    c = TestClient(app)
    c.get("/fail"), c.get("/fail")
    assert calls["n"] == 2
    assert c.get("/api/v1/health").json()["n"] != c.get("/api/v1/health").json()["n"]
    n1 = c.get("/c", headers={"Origin": "http://x"}).json()["n"]
    assert c.get("/c", headers={"Origin": "http://x"}).json()["n"] == n1 + 1
    assert c.get("/c", headers={"Authorization": "Bearer t"}).json()["n"] == n1 + 2
    before = calls["n"]
    c.get("/big"), c.get("/big")                     # over max_entry
    assert calls["n"] == before + 2
    assert app.hits == 0


def test_memory_bound_evicts_least_recent():
    app, calls = _app()
    c = TestClient(app)
    for i in range(200):                             # ~60 bytes each + overhead: over 10 kB in total
        c.get(f"/c?q={i}")
    assert app._bytes <= app.max_bytes and len(app._store) < 200
    n = calls["n"]
    c.get("/c?q=199")                                # recent: still there
    assert calls["n"] == n
    c.get("/c?q=0")                                  # evicted: computed again
    assert calls["n"] == n + 1


def test_orjson_response_equals_json():
    import json

    body = {"a": 1.5, "b": ["é", None], "c": {"d": True}}
    assert json.loads(FastJSONResponse(body).body) == body


def test_prepare_builds_facts_and_index(tmp_path):
    spec = importlib.util.spec_from_file_location("search_fx", Path(__file__).parent / "fixtures" / "search" / "ads.py")
    fx = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fx)
    db = tmp_path / "w.duckdb"
    fx.build(db)
    from adequa.cli.publish import prepare_warehouse
    from adequa.indicators import facts
    from adequa.publish import search
    from adequa.store.duckdb import Warehouse

    out = prepare_warehouse(db)
    assert out["search_index"]["rebuilt"] and out["search_index"]["ads"] == 8
    with Warehouse(db, read_only=True) as wh:
        assert search.state(wh.con)["fresh"] and facts.fresh(wh.con)
    again = prepare_warehouse(db)
    assert again["facts"] == "fresh" and again["search_index"]["rebuilt"] is False
