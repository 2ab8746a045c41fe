"""A run killed with SIGKILL leaves whole batches; running it again completes the load without duplicates."""

import json
import os
import signal
import subprocess
import sys

from adequa.store.duckdb import Warehouse

SCRIPT = """
import sys
from adequa.normalise.geo import GeoResolver
from adequa.pipeline import ingest

flush = ingest.AdSink.flush
def noisy(self):
    n = len(self.ads)
    flush(self)
    print("committed", n, flush=True)
ingest.AdSink.flush = noisy
ingest.ingest_offers([sys.argv[1]], db=sys.argv[2], progress=False, geo=GeoResolver(), batch_size=50, workers=1)
print("done", flush=True)
"""


def _dump(path, n):
    words = "analyse données python conception tableau pilotage client réseau sécurité maintenance".split()
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            text = " ".join(words[(i * 7 + k) % len(words)] + str((i * 31 + k) % 97) for k in range(40))
            fh.write(json.dumps({"id": f"K{i}", "intitule": f"Poste {i}", "description": text,
                                 "dateCreation": "2024-05-01T00:00:00Z", "typeContrat": "CDI"}) + "\n")


def test_sigkill_mid_run_then_rerun(tmp_path):
    dump, db = tmp_path / "ads.jsonl", tmp_path / "w.duckdb"
    _dump(dump, 600)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(dump), str(db)], stdout=subprocess.PIPE, text=True, env=env)
    commits = 0
    for line in proc.stdout:
        if line.startswith("committed"):
            commits += 1
            if commits == 3:
                proc.send_signal(signal.SIGKILL)
                break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    with Warehouse(db) as wh:
        stored = wh.count("ads")
        texts = wh.count("ad_text_clusters")
        bands = wh.count("ad_lsh_bands")
        unfinished = wh.scalar("SELECT count(*) FROM ingest_runs WHERE finished_at IS NULL")
    assert stored % 50 == 0 and 150 <= stored < 600         # whole batches only
    assert texts == stored and bands == 16 * texts and unfinished == 1
    for _ in range(2):                                      # finish the load, then run it once more
        out = subprocess.run([sys.executable, "-c", SCRIPT, str(dump), str(db)], capture_output=True, text=True,
                             env=env, timeout=300)
        assert out.returncode == 0, out.stderr[-2000:]
        with Warehouse(db) as wh:
            assert wh.count("ads") == 600 and wh.count("ad_text_clusters") == 600
            assert wh.scalar("SELECT count(DISTINCT ad_id) FROM ads") == 600
