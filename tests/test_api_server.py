"""The REST API over a real uvicorn server on loopback, on a small hand-made warehouse."""

import importlib.util
import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from adequa.config import Settings
from adequa.publish.api import create_app
from test_api_security import Server

FIX = Path(__file__).parent / "fixtures" / "publish"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, FIX / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    db = tmp_path_factory.mktemp("api") / "w.duckdb"
    _load("warehouse").build(db)
    return db


@pytest.fixture(scope="module")
def server(warehouse):
    def annotator(text, title=None):
        return {"skills": [{"label": w, "start": text.find(w)} for w in ("Python", "SQL") if w in text]}

    app = create_app(warehouse, settings=Settings(db=warehouse, min_cell_size=3), annotator=annotator,
                     cors_origins=["http://allowed.example"], warm_up=False)
    with Server(app) as s:
        yield s


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, timeout=30) as c:
        yield c


def assert_error_shape(r, status, type_):
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"status", "type", "message", "details"}
    assert body["error"]["status"] == status and body["error"]["type"] == type_
    assert body["error"]["message"]


def test_indicator_with_provenance(client):
    names = [d["name"] for d in client.get("/api/v1/indicators").json()["items"]]
    assert "offers_count" in names
    r = client.get("/api/v1/indicators/offers_count", params={"territory": "region:28"})
    assert r.status_code == 200
    result = r.json()["result"]
    # fixture: data & AI ads in region 28 = every 7th ad plus M1405/M1419/M1811 ads outside Paris
    assert result["value"] == 37 and result["status"] == "ok"
    assert result["source"].endswith("traitement Adequa")
    assert result["provenance"]["filters"]["territory"] == "region:28"


def test_one_error_shape_everywhere(client):
    assert_error_shape(client.get("/api/v1/indicators/no_such_thing"), 404, "not_found")
    assert_error_shape(client.get("/api/v1/indicators/offers_count", params={"territory": "planet:3"}), 400, "bad_request")
    assert_error_shape(client.get("/api/v1/ads", params={"per_page": 1000}), 422, "invalid_request")
    assert_error_shape(client.get("/api/v1/nowhere"), 404, "not_found")
    assert_error_shape(client.get("/api/v1/indicators/offers_count", params={"colour": "red"}), 400, "bad_request")
    assert_error_shape(client.delete("/api/v1/ads"), 405, "method_not_allowed")


def test_ads_search_full_text_filters_and_pages(client):
    r = client.get("/api/v1/ads", params={"territory": "france", "group": "all", "q": "python sql", "per_page": 5})
    body = r.json()
    assert body["total"] > 5 and len(body["items"]) == 5
    assert all("Python et SQL" in (a["excerpt"] or "") for a in body["items"])
    seen = set()
    for page in range(1, -(-body["total"] // 5) + 1):
        items = client.get("/api/v1/ads", params={"territory": "france", "group": "all", "q": "python sql",
                                                  "per_page": 5, "page": page}).json()["items"]
        ids = {a["ad_id"] for a in items}
        assert not ids & seen
        seen |= ids
    assert len(seen) == body["total"]
    dep = client.get("/api/v1/ads", params={"territory": "departement:27", "group": "all"}).json()
    assert dep["total"] > 0 and all(a["departement"] == "27" for a in dep["items"])


def test_search_input_is_never_sql(client):
    for q in ("' OR 1=1 --", "\"; DROP TABLE ads; --", "%", "_"):
        r = client.get("/api/v1/ads", params={"q": q, "group": "all", "territory": "france"})
        assert r.status_code == 200 and r.json()["total"] == 0, q
    assert client.get("/api/v1/ads", params={"group": "all", "territory": "france"}).json()["total"] == 60


def test_skills_occupations_and_one_ad(client):
    skills = client.get("/api/v1/skills", params={"territory": "france"}).json()["items"]
    assert skills[0]["label"] in ("Python", "SQL") and skills[0]["ads"] >= skills[-1]["ads"]
    ads = client.get("/api/v1/ads", params={"skill": "Power BI", "territory": "france"}).json()
    assert ads["total"] > 0
    one = client.get(f"/api/v1/ads/{ads['items'][0]['ad_id']}").json()
    assert "Power BI" in [s["label"] for s in one["skills"]] and one["occupation"]["rome"]
    assert_error_shape(client.get("/api/v1/ads/nope"), 404, "not_found")
    occ = client.get("/api/v1/occupations", params={"territory": "france"}).json()["items"]
    assert {o["rome"] for o in occ} == {"M1811", "M1405", "M1419"}
    deps = client.get("/api/v1/territories", params={"level": "departement", "region": "28"}).json()["items"]
    assert [d["code"] for d in deps] == ["14", "27", "50", "61", "76"]


def test_exports(client):
    params = {"territory": "france"}
    csv_ = client.get("/api/v1/export/offers_by_territory.csv", params=params)
    assert csv_.status_code == 200 and csv_.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv_.headers["content-disposition"]
    assert csv_.content.decode("utf-8-sig").splitlines()[0] == "code,label,offers,share"
    import pyarrow.parquet as pq
    from openpyxl import load_workbook

    table = pq.read_table(io.BytesIO(client.get("/api/v1/export/offers_by_territory.parquet", params=params).content))
    assert "offers" in table.column_names
    wb = load_workbook(io.BytesIO(client.get("/api/v1/export/offers_by_territory.xlsx", params=params).content))
    assert next(wb.active.values)[:2] == ("code", "label")
    assert_error_shape(client.get("/api/v1/export/offers_by_territory.docx"), 404, "not_found")


def test_annotate_and_body_limit(client):
    r = client.post("/api/v1/annotate", json={"text": "Vous maîtrisez Python et SQL."})
    assert r.status_code == 200 and [s["label"] for s in r.json()["skills"]] == ["Python", "SQL"]
    assert_error_shape(client.post("/api/v1/annotate", content=b"x" * 100_000,
                                   headers={"content-type": "application/json"}), 413, "payload_too_large")
    assert_error_shape(client.post("/api/v1/annotate", json={"text": ""}), 422, "invalid_request")


def test_write_endpoints_need_the_token_when_one_is_set(warehouse):
    app = create_app(warehouse, settings=Settings(db=warehouse, api_token="s3cret"), warm_up=False, dashboard=False,
                     annotator=lambda text, title=None: {"skills": []})
    with Server(app) as s, httpx.Client(base_url=s.url) as c:
        assert_error_shape(c.post("/api/v1/annotate", json={"text": "x"}), 401, "unauthorized")
        assert_error_shape(c.post("/api/v1/annotate", json={"text": "x"}, headers={"Authorization": "Bearer nope"}),
                           401, "unauthorized")
        assert c.post("/api/v1/annotate", json={"text": "x"}, headers={"Authorization": "Bearer s3cret"}).status_code == 200
    app = create_app(warehouse, settings=Settings(db=warehouse), warm_up=False, dashboard=False)
    with Server(app) as s, httpx.Client(base_url=s.url) as c:
        assert_error_shape(c.post("/api/v1/annotate", json={"text": "x"}), 503, "unavailable")


def test_security_headers_cors_and_local_docs(client):
    r = client.get("/api/v1/health")
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "http" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    ok = client.get("/api/v1/health", headers={"Origin": "http://allowed.example"})
    assert ok.headers.get("access-control-allow-origin") == "http://allowed.example"
    other = client.get("/api/v1/health", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    docs = client.get("/docs").text
    assert "/docs-static/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()
    assert client.get("/docs-static/swagger-ui-bundle.js").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/api/v1/ads" in spec["paths"] and "/api/v1/annotate" in spec["paths"]


def test_read_only_and_concurrent(server, client, warehouse):
    import duckdb

    state = server.server.config.app.state.adequa if hasattr(server.server.config.app, "state") else None
    if state is not None:
        with pytest.raises(duckdb.Error):
            state.con.execute("CREATE TABLE hack (i INTEGER)")

    def hit(i):
        return client.get("/api/v1/ads", params={"group": "all", "territory": "france", "page": 1 + i % 3,
                                                 "per_page": 10}).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(hit, range(40)))
    assert codes == [200] * 40
