"""SIGKILL at random points of an ingestion and of an enrichment: nothing partial, nothing lost.

Each loop kills a real run (a child process writing a real DuckDB file) at a
random moment, then checks what a reader would see: the integrity checks of
``adequa data check`` pass, only whole batches are visible (ads: a prefix of
the input in batches of ``BATCH``; enrichment: occupations and mentions of the
same ads together), and every visible row equals the row of an uninterrupted
run. The next run starts on the same file; at the end the counts and contents
equal those of an uninterrupted run (rows lost: 0). ``ADEQUA_CRASH_KILLS``
sets the number of kills per loop (default 12, so 24 in all; `make soak` runs more).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from adequa.store.duckdb import Warehouse

KILLS = int(os.environ.get("ADEQUA_CRASH_KILLS", "12"))
BATCH = 20
N_ADS = int(os.environ.get("ADEQUA_CRASH_ADS", "240"))
SKILLS_MIRROR = Path(__file__).parent / "fixtures" / "skills" / "mirror"
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}

# A fork server: imports once, then forks one child per run, so that a run starts in milliseconds
# and the test can afford a few dozen kills. The child is a real process writing the real file.
SERVER = """
import json, os, sys, traceback
from pathlib import Path
from adequa.normalise.geo import GeoResolver
from adequa.pipeline import ingest
from adequa.config import Settings
from adequa.pipeline.enrich import enrich_warehouse
from adequa.pipeline.annotate import load_skill_extractor

def job(kind, a):
    if kind == "ingest":
        ingest.ingest_offers([a["dump"]], db=a["db"], progress=False, geo=GeoResolver(), batch_size=a["batch"],
                             workers=a["workers"])
    else:
        settings = Settings(db=Path(a["db"]), mirror=Path(a["mirror"]), data_dir=Path(a["cache"]) / "absent",
                            cache_dir=Path(a["cache"]))
        enrich_warehouse(settings, batch_size=a["batch"])

print("ready", flush=True)
for line in sys.stdin:
    kind, a = json.loads(line)
    if kind == "warm":
        load_skill_extractor(Settings(mirror=Path(a["mirror"]), data_dir=Path(a["cache"]) / "absent",
                                      cache_dir=Path(a["cache"])))
        print("warm", flush=True)
        continue
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            job(kind, a)
        except BaseException:
            traceback.print_exc()
            code = 3
        sys.stdout.flush(); sys.stderr.flush()
        os._exit(code)
    print("pid", pid, flush=True)
    _, status = os.waitpid(pid, 0)
    print("exit", status, flush=True)
"""


class Runner:
    """Runs ingestion / enrichment jobs in forked children of one long-lived server process."""

    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, env=ENV)
        assert self.proc.stdout.readline().strip() == "ready"

    def send(self, kind: str, args: dict) -> None:
        self.proc.stdin.write(json.dumps([kind, args]) + "\n")
        self.proc.stdin.flush()

    def warm(self, args: dict) -> None:
        self.send("warm", args)
        assert self.proc.stdout.readline().strip() == "warm"

    def run(self, kind: str, args: dict, *, kill_after: float | None = None) -> bool:
        """Run to the end (True) or SIGKILL the child after ``kill_after`` seconds (False if killed)."""
        self.send(kind, args)
        pid = int(self.proc.stdout.readline().split()[1])
        if kill_after is not None:
            time.sleep(kill_after)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        status = int(self.proc.stdout.readline().split()[1])
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
            return False
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, f"{kind} failed: status {status}"
        return True

    def timed(self, kind: str, args: dict) -> float:
        t0 = time.perf_counter()
        self.run(kind, args)
        return time.perf_counter() - t0

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture()
def runner():
    r = Runner()
    yield r
    r.close()


WORDS = ("analyse données python conception tableau pilotage client réseau sécurité maintenance logistique "
         "entrepôt qualité vente comptabilité gestion").split()
MISSIONS = ["préparation des commandes", "accueil de la clientèle", "gestion des stocks", "permis B", "autonome",
            "rigoureux(se)"]


def _dump(path: Path, n: int) -> None:
    """France Travail-shaped offers, with a few rejects (no title) and exact duplicates of text."""
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            text = " ".join(WORDS[(i * 7 + k) % len(WORDS)] + str((i * 31 + k) % 97) for k in range(30))
            rec = {"id": f"K{i}", "intitule": f"Poste {i % 50}", "description": text,
                   "dateCreation": "2024-05-01T00:00:00Z", "typeContrat": "CDI",
                   "lieuTravail": {"libelle": "76 - ROUEN", "codePostal": "76000"}}
            if i % 37 == 5:
                rec["intitule"] = ""                          # rejected: no title
            if i % 41 == 7:
                rec["description"] = "Texte identique à une autre offre, contact 06 12 34 56 78."
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


def _integrity_errors(db: Path) -> list[str]:
    from adequa.pipeline import referentials

    with Warehouse(db, read_only=True) as wh:
        return [f"{r.check.name}: {r.examples}" for r in referentials.check(wh)
                if r.status == "problem" and r.check.severity == "error"]


def _ads(db: Path) -> dict[str, tuple]:
    with Warehouse(db, read_only=True) as wh:
        return {r[0]: r[1:] for r in wh.query("SELECT ad_id, origin_line, content_hash, title, description, "
                                              "departement FROM ads")}


def _counts(db: Path, tables) -> dict[str, int]:
    with Warehouse(db, read_only=True) as wh:
        return {t: wh.count(t) for t in tables}


INGEST_TABLES = ("ads", "rejects", "ad_text_clusters", "ad_lsh_bands")


def test_ingestion_survives_random_sigkills(tmp_path, runner):
    dump = tmp_path / "ads.jsonl"
    _dump(dump, N_ADS)
    ref_db, db = tmp_path / "reference.duckdb", tmp_path / "killed.duckdb"
    def args(path, workers=1):
        return {"dump": str(dump), "db": str(path), "batch": BATCH, "workers": workers}

    full = runner.timed("ingest", args(ref_db))
    reference = _ads(ref_db)
    ref_counts = _counts(ref_db, INGEST_TABLES)
    assert ref_counts["ads"] > N_ADS * 0.9 and ref_counts["rejects"] > 5
    in_order = sorted(reference, key=lambda k: reference[k][0])
    rng = random.Random(int(os.environ.get("ADEQUA_CRASH_SEED", "10")))
    kills = 0
    first_pass = True
    for round_ in range(KILLS):
        completed = runner.run("ingest", args(db, 1 + round_ % 2), kill_after=rng.uniform(0.0, full * 0.9))
        kills += not completed
        assert not _integrity_errors(db), f"after kill {round_}"
        seen = _ads(db)
        assert set(seen) <= set(reference)
        for ad_id, row in seen.items():             # no half-written row: every visible ad is whole
            assert row == reference[ad_id], ad_id
        if first_pass:                              # the first pass stores whole batches, in input order
            assert len(seen) % BATCH == 0 or len(seen) == len(reference), len(seen)
            assert set(seen) == set(in_order[:len(seen)])
        with Warehouse(db, read_only=True) as wh:
            texts = wh.count("ad_text_clusters")
            assert wh.count("ad_lsh_bands") == 16 * texts     # the bands of a text come with it
        first_pass = first_pass and len(seen) < len(reference)
    assert kills >= KILLS // 2, f"only {kills} of {KILLS} runs were killed: the timing is off"
    runner.run("ingest", args(db))
    assert _counts(db, INGEST_TABLES) == ref_counts
    assert _ads(db) == reference
    runner.run("ingest", args(db, 2))                            # once more: nothing changes
    assert _counts(db, INGEST_TABLES) == ref_counts
    proc = subprocess.run([sys.executable, "-m", "adequa", "data", "check", "--db", str(db)], capture_output=True,
                          text=True, env=ENV, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    print(f"ingestion: {kills} of {KILLS} runs killed, rows lost 0")


def _enrich_ads(n: int) -> list[dict]:
    rng = random.Random(3)
    out = []
    for i in range(n):
        items = rng.sample(MISSIONS, rng.randint(0, 4))
        out.append({"ad_id": f"ad{i:04d}", "source": "test", "title": rng.choice(["Magasinier", "Vendeur", "Cariste"]),
                    "description": "Missions :\n" + "".join(f"- {m}\n" for m in items) + "Profil : sérieux."})
    return out


def _enrichment(db: Path) -> tuple[dict, dict]:
    with Warehouse(db, read_only=True) as wh:
        occ = {r[0]: r[1:] for r in wh.query("SELECT ad_id, rome, appellation, score FROM ad_occupations")}
        men: dict = {}
        for r in wh.query('SELECT ad_id, field, start, "end", label FROM skill_mentions ORDER BY ALL'):
            men.setdefault(r[0], []).append(r[1:])
    return occ, men


def test_enrichment_survives_random_sigkills(tmp_path, runner):
    if not (SKILLS_MIRROR / "rome").is_dir():
        pytest.skip("fixture taxonomy tests/fixtures/skills/mirror missing")
    ads = _enrich_ads(N_ADS)
    ref_db, db, cache = tmp_path / "reference.duckdb", tmp_path / "killed.duckdb", tmp_path / "cache"
    for path in (ref_db, db):
        with Warehouse(path) as wh:
            wh.upsert("ads", ads, key=["ad_id"])
    def args(path):
        return {"db": str(path), "mirror": str(SKILLS_MIRROR), "cache": str(cache), "batch": BATCH}

    runner.warm(args(ref_db))
    full = runner.timed("enrich", args(ref_db))
    ref_occ, ref_men = _enrichment(ref_db)
    assert len(ref_occ) == N_ADS and sum(map(len, ref_men.values())) > N_ADS
    rng = random.Random(int(os.environ.get("ADEQUA_CRASH_SEED", "11")))
    kills = 0
    for round_ in range(KILLS):
        completed = runner.run("enrich", args(db), kill_after=rng.uniform(0.0, full * 0.8))
        kills += not completed
        assert not _integrity_errors(db), f"after kill {round_}"
        occ, men = _enrichment(db)
        assert len(occ) % BATCH == 0 or len(occ) == N_ADS, len(occ)      # whole batches
        assert set(men) <= set(occ), "mentions visible without their ad's occupation"
        for ad_id in occ:                           # an enriched ad has all its mentions, as in a full run
            assert occ[ad_id] == ref_occ[ad_id] and men.get(ad_id, []) == ref_men.get(ad_id, []), ad_id
        if completed:                               # start over, to kill more runs
            with Warehouse(db) as wh:
                wh.query("DELETE FROM skill_mentions")
                wh.query("DELETE FROM ad_occupations")
    assert kills >= KILLS // 2, f"only {kills} of {KILLS} runs were killed: the timing is off"
    runner.run("enrich", args(db))
    assert _enrichment(db) == (ref_occ, ref_men)
    print(f"enrichment: {kills} of {KILLS} runs killed, rows lost 0")
