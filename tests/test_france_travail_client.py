"""The offers API client against a real HTTP server on loopback replaying hand-written pages,
with the failures the real API shows: 429 with Retry-After, 500s, truncated bodies, token expiry."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from adequa.errors import SourceUnavailable
from adequa.sources.france_travail import Checkpoint, FranceTravailClient, Query

OFFERS = json.loads((Path(__file__).parent / "fixtures" / "ads" / "api_offers.json").read_text(encoding="utf-8"))


class FakeApi:
    """State of the loopback API: scripted faults by search-call number, a request log."""

    def __init__(self, faults=None, too_many_days=None, fail_after=None):
        self.faults = dict(faults or {})
        self.too_many_days = too_many_days
        self.fail_after = fail_after
        self.search_calls = 0
        self.tokens_issued = 0
        self.valid_token = None
        self.log = []

    def token(self):
        self.tokens_issued += 1
        self.valid_token = f"tok{self.tokens_issued}"
        return {"access_token": self.valid_token, "token_type": "Bearer", "expires_in": 1499}

    def offers_for(self, q):
        lo, hi = q.get("minCreationDate"), q.get("maxCreationDate")
        out = []
        for o in OFFERS:
            created = o["dateCreation"][:19] + "Z"
            if lo and not (lo <= created <= hi):
                continue
            out.append(o)
        return out


def make_handler(api: FakeApi):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, status, body: bytes = b"", headers=None, cut=None):
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body if cut is None else body[:cut])
            if cut is not None:
                self.wfile.flush()
                self.close_connection = True

        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            form = parse_qs(self.rfile.read(length).decode())
            if urlparse(self.path).path != "/token":
                return self._send(404)
            if form.get("client_secret") != ["s3cret"] or form.get("grant_type") != ["client_credentials"]:
                return self._send(401, b'{"error": "invalid_client"}')
            assert form["scope"] == ["api_offresdemploiv2 o2dsoffre"]
            self._send(200, json.dumps(api.token()).encode(), {"Content-Type": "application/json"})

        def do_GET(self):
            url = urlparse(self.path)
            q = {k: v[0] for k, v in parse_qs(url.query).items()}
            api.search_calls += 1
            n = api.search_calls
            api.log.append(q)
            if self.headers.get("Authorization") != f"Bearer {api.valid_token}":
                return self._send(401, b'{"message": "invalid token"}')
            fault = api.faults.pop(n, None)
            if api.fail_after is not None and n > api.fail_after:
                fault = "500"
            if fault == "429":
                return self._send(429, b"{}", {"Retry-After": "2"})
            if fault == "500":
                return self._send(500, b"oops")
            if fault == "expire":
                api.valid_token = None
                return self._send(401, b'{"message": "token expired"}')
            start, end = (int(x) for x in q["range"].split("-"))
            found = api.offers_for(q)
            total = len(found)
            if api.too_many_days and q.get("minCreationDate"):
                lo = dt.datetime.fromisoformat(q["minCreationDate"].replace("Z", "+00:00"))
                hi = dt.datetime.fromisoformat(q["maxCreationDate"].replace("Z", "+00:00"))
                if (hi - lo).days > api.too_many_days:
                    total = 3200                 # pretend the range holds more than the API can page through
            page = found[start: end + 1]
            if not page:
                return self._send(204)
            status = 206 if start + len(page) < total else 200
            body = json.dumps({"resultats": page, "filtresPossibles": []}).encode()
            headers = {"Content-Type": "application/json",
                       "Content-Range": f"offres {start}-{start + len(page) - 1}/{total}"}
            if fault == "truncated":
                return self._send(status, body, headers, cut=len(body) // 2)
            if fault == "garbled":
                return self._send(status, body[: len(body) // 2], headers)
            self._send(status, body, headers)

    return Handler


@pytest.fixture()
def serve():
    servers = []

    def start(api: FakeApi):
        server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(api))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


def client_for(base, **kw):
    waits = []
    kw.setdefault("page_size", 2)
    c = FranceTravailClient("id", "s3cret", api_url=base, token_url=f"{base}/token", rate=1000,
                            sleep=waits.append, **kw)
    return c, waits


def test_pages_through_faults_and_token_expiry(serve):
    api = FakeApi(faults={1: "429", 3: "500", 4: "truncated", 6: "expire", 7: "garbled"})
    base = serve(api)
    client, waits = client_for(base)
    got = list(client.offers(Query(rome="M1811")))
    assert [o["id"] for o in got] == [o["id"] for o in OFFERS]
    assert client.stats.throttled == 1 and 2.0 in waits           # Retry-After honoured
    assert client.stats.retries == 4 and client.stats.token_renewals == 1 and api.tokens_issued == 2
    assert api.log[-1]["codeROME"] == "M1811"
    ranges = [q["range"] for q in api.log]
    assert ranges[0] == "0-1" and ranges[-1] == "6-7"


def test_large_result_sets_are_split_by_date(serve):
    api = FakeApi(too_many_days=40)
    client, _ = client_for(serve(api), page_size=3)
    got = list(client.offers(Query(since="2024-01-01", until="2024-07-01")))
    assert sorted(o["id"] for o in got) == sorted(o["id"] for o in OFFERS)   # each once, none lost at the seams
    assert client.stats.splits >= 2


def test_gives_up_with_a_retryable_error(serve):
    api = FakeApi(fail_after=0)
    client, waits = client_for(serve(api), max_retries=3)
    with pytest.raises(SourceUnavailable) as err:
        list(client.offers(Query()))
    assert err.value.retryable and err.value.status == 500
    # exponential back-off; the recorder may also hold a rate-limit pause (two calls within the
    # 1 ms of rate=1000 on a fast machine), which the client's stats keep apart
    assert client.stats.waits == [1.0, 2.0, 4.0]
    assert [w for w in waits if w >= 0.5] == [1.0, 2.0, 4.0]


def test_bad_credentials_are_not_retried(serve):
    base = serve(FakeApi())
    client = FranceTravailClient("id", "wrong", api_url=base, token_url=f"{base}/token", sleep=lambda s: None)
    with pytest.raises(SourceUnavailable) as err:
        list(client.offers(Query()))
    assert not err.value.retryable and err.value.status == 401


def test_missing_credentials():
    with pytest.raises(SourceUnavailable, match="FT_CLIENT_ID"):
        FranceTravailClient(None, None)


def test_query_params_and_key():
    q = Query(rome="M1811", region="28", since="2024-01-01")
    p = q.params(now=dt.datetime(2024, 2, 1, tzinfo=dt.timezone.utc))
    assert p == {"codeROME": "M1811", "region": "28", "minCreationDate": "2024-01-01T00:00:00Z",
                 "maxCreationDate": "2024-02-01T00:00:00Z"}
    assert q.key == Query(rome="M1811", region="28", since="2024-01-01").key != Query(rome="M1811").key


def test_harvest_resumes_from_the_checkpoint(serve, tmp_path, db_path):
    from adequa.normalise.geo import GeoResolver
    from adequa.pipeline.ingest import ingest_france_travail
    from adequa.store.duckdb import Warehouse

    ckpt = tmp_path / "ckpt.json"
    broken = FakeApi(fail_after=2)                        # two pages, then the server breaks
    client, _ = client_for(serve(broken), max_retries=1)
    with pytest.raises(SourceUnavailable):
        ingest_france_travail(Query(rome="M1811"), db=db_path, client=client, checkpoint=ckpt, progress=False,
                              batch_size=2, geo=GeoResolver())
    state = json.loads(ckpt.read_text())
    assert list(state.values())[0]["next"] == 4 and not list(state.values())[0]["done"]
    with Warehouse(db_path) as wh:
        assert wh.count("ads") == 4                       # the committed pages are kept

    healthy = FakeApi()
    client, _ = client_for(serve(healthy))
    s = ingest_france_travail(Query(rome="M1811"), db=db_path, client=client, checkpoint=ckpt, progress=False,
                              batch_size=2, geo=GeoResolver())
    assert healthy.log[0]["range"] == "4-5"               # resumed after the last committed page
    assert s.read == 3
    with Warehouse(db_path) as wh:
        assert wh.count("ads") == len(OFFERS)
    assert list(json.loads(ckpt.read_text()).values())[0]["done"] is True
    again = FakeApi()
    client, _ = client_for(serve(again))
    ingest_france_travail(Query(rome="M1811"), db=db_path, client=client, checkpoint=ckpt, progress=False,
                          geo=GeoResolver())
    assert again.search_calls == 0                        # a finished query is not asked again


def test_cli_harvest(serve, db_path, monkeypatch):
    from typer.testing import CliRunner

    from adequa.cli import app
    from adequa.config import get_settings
    from adequa.store.duckdb import Warehouse

    base = serve(FakeApi())
    monkeypatch.setenv("FT_CLIENT_ID", "id")
    monkeypatch.setenv("FT_CLIENT_SECRET", "s3cret")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["ingest", "france-travail", "--rome", "M1811", "--region", "28",
                                          "--since", "2024-01-01", "--api-url", base, "--token-url", f"{base}/token",
                                          "--db", str(db_path), "-q"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    with Warehouse(db_path) as wh:
        assert wh.count("ads") == len(OFFERS)
