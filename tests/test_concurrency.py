"""The API serving while an ingestion writes: readers never see half-written data.

DuckDB lets one process write a file; another process cannot even open it for
reading meanwhile. So there are two supported set-ups, both tested here:

* one process writes and serves (``create_app(db, connection=wh.con)``): every
  request reads the last committed snapshot, so it sees whole batches only;
* ``adequa serve`` (read-only) and ``adequa ingest`` as separate processes: the
  second one to start is refused with a clear message and changes nothing; the
  first one keeps working.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from adequa.config import Settings
from adequa.publish.api import create_app
from adequa.store.duckdb import Warehouse

from test_api_security import Server, _fixture_warehouse

BATCH = 20
N = 400
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}


def _offers(n: int) -> list[dict]:
    words = "analyse données python conception tableau pilotage client réseau sécurité maintenance cloud".split()
    return [{"id": f"C{i}", "intitule": f"Data engineer {i % 13}", "romeCode": "M1811",
             "description": " ".join(words[(i * 5 + k) % len(words)] + str((i * 17 + k) % 89) for k in range(30)),
             "dateCreation": "2024-05-01T00:00:00Z", "typeContrat": "CDI",
             "lieuTravail": {"libelle": "76 - ROUEN", "codePostal": "76000"}} for i in range(n)]


def test_readers_see_whole_batches_while_the_same_process_ingests(tmp_path):
    from adequa.normalise.geo import GeoResolver
    from adequa.pipeline.ingest import ingest_records

    db = tmp_path / "live.duckdb"
    wh = Warehouse(db)
    app = create_app(db, settings=Settings(db=db, min_cell_size=1), connection=wh.con, warm_up=False)
    seen: list[int] = []
    problems: list[str] = []
    done = threading.Event()
    summary: dict = {}

    def write():
        try:
            records = ((None, i + 1, rec, "france-travail") for i, rec in enumerate(_offers(N)))
            summary["run"] = ingest_records(records, wh=wh, source="france-travail", geo=GeoResolver(), batch_size=BATCH, workers=1)
        except BaseException as exc:             # noqa: BLE001 - reported by the test
            problems.append(f"writer: {exc!r}")
        finally:
            done.set()

    def read(client: httpx.Client) -> None:
        while not done.is_set():
            r = client.get("/api/v1/sources")
            if r.status_code != 200:
                problems.append(f"sources {r.status_code} {r.text[:200]}")
                continue
            ads = (r.json().get("ads") or {}).get("ads") or 0
            if ads % BATCH:
                problems.append(f"half a batch visible: {ads} ads")
            seen.append(ads)
            cur = wh.con.cursor()            # a snapshot: the batch's ads, texts and LSH bands agree
            try:
                n_ads, texts, bands, orphans = cur.execute(
                    "SELECT (SELECT count(*) FROM ads), (SELECT count(*) FROM ad_text_clusters), "
                    "(SELECT count(*) FROM ad_lsh_bands), (SELECT count(*) FROM ads a WHERE NOT EXISTS "
                    "(SELECT 1 FROM ad_text_clusters t WHERE t.content_hash = a.content_hash))").fetchone()
            finally:
                cur.close()
            if n_ads % BATCH or bands != 16 * texts or orphans:
                problems.append(f"snapshot: ads={n_ads} texts={texts} bands={bands} orphans={orphans}")
            r = client.get("/api/v1/ads", params={"group": "all", "territory": "france", "per_page": 5})
            if r.status_code != 200:
                problems.append(f"ads {r.status_code} {r.text[:200]}")

    with Server(app) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        writer = threading.Thread(target=write)
        writer.start()
        with ThreadPoolExecutor(3) as pool:
            list(pool.map(lambda _: read(client), range(3)))
        writer.join(120)
        final = client.get("/api/v1/sources").json()["ads"]["ads"]
    wh.close()
    assert problems == []
    assert final == N, (seen[-5:], final, summary)
    assert len(seen) >= 10 and len(set(seen)) >= 3, seen        # the readers really ran during the load
    assert seen == sorted(seen) or max(seen) <= N


def test_a_second_process_cannot_write_under_a_serving_one_and_says_so(tmp_path):
    db = tmp_path / "w.duckdb"
    _fixture_warehouse(db)
    with Warehouse(db, read_only=True) as wh:
        before = wh.count("ads")
    dump = tmp_path / "more.jsonl"
    dump.write_text("\n".join(json.dumps(o) for o in _offers(30)) + "\n", encoding="utf-8")
    app = create_app(db, settings=Settings(db=db, min_cell_size=3), warm_up=False)
    with Server(app) as server, httpx.Client(base_url=server.url, timeout=60) as client:
        assert client.get("/api/v1/sources").status_code == 200
        proc = subprocess.run([sys.executable, "-m", "adequa", "ingest", "offers", str(dump), "--db", str(db)],
                              capture_output=True, text=True, env=ENV, timeout=120)
        assert proc.returncode != 0
        assert "Traceback" not in proc.stderr and str(db.name) in proc.stderr, proc.stderr[-1500:]
        r = client.get("/api/v1/ads", params={"group": "all", "territory": "france"})
        assert r.status_code == 200
    app.state.adequa.close()
    with Warehouse(db, read_only=True) as wh:
        assert wh.count("ads") == before


def test_serving_is_refused_clearly_while_an_ingestion_writes(tmp_path):
    from adequa.store.duckdb import WarehouseError

    db = tmp_path / "w.duckdb"
    _fixture_warehouse(db)
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time, duckdb; c = duckdb.connect(sys.argv[1]); "
                               "print('locked', flush=True); time.sleep(60)", str(db)],
                              stdout=subprocess.PIPE, text=True, env=ENV)
    try:
        assert holder.stdout.readline().strip() == "locked"
        t0 = time.perf_counter()
        try:
            create_app(db, settings=Settings(db=db), warm_up=False)
        except WarehouseError as exc:
            assert "lock" in str(exc) and db.name in str(exc)
        else:
            raise AssertionError("a read-only server opened a file another process is writing")
        assert time.perf_counter() - t0 < 10
    finally:
        holder.kill()
        holder.wait()
