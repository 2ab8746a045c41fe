"""The LSH bucket cap is one order-defined rule in every path: a bucket pairs only its first
``max_bucket`` texts in arrival order (run, file, line).

On a generated set whose buckets overflow (a shared boilerplate paragraph, families of reposts, a
cap of 8), the writer's in-memory path, its SQL reference path and ``candidate_pairs`` over all the
texts in arrival order give every ad the same duplicate cluster, whatever the batch size, and an
incremental ingestion (three runs) equals a one-shot ingestion of the same files in the same order.
(The Spark engine is held to the same clusters in tests/test_spark_bucket_cap.py.)
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adequa.enrich.dedupe import DedupeConfig, MinHasher, SortedRuns, candidate_pairs, connected_clusters, \
    shared_bucket_pairs
from adequa.normalise.geo import GeoResolver
from adequa.pipeline import ingest_sink
from adequa.pipeline.ingest import ingest_offers
from adequa.store.duckdb import Warehouse
from tests.support import cluster_reads, write_jsonl

CAP = DedupeConfig(max_bucket=8)
WORDS = ("données analyse python pipeline équipe client projet modèle rapport qualité tableau réseau sécurité "
         "maintenance cloud serveur base requête indicateur pilotage budget planning formation contrat mission").split()


def overflowing_offers(seed: int, n: int = 300, families: int = 40, prefix: str = "K") -> list[dict]:
    """Ads made of one boilerplate paragraph (shared by all: its bands fill buckets far beyond the cap)
    followed by one of ``families`` texts, reworded in up to three words (reposts and near duplicates)."""
    rng = random.Random(seed)
    boiler = " ".join(rng.choice(WORDS) + str(rng.randrange(9)) for _ in range(25))
    bases = [" ".join(rng.choice(WORDS) + str(rng.randrange(50)) for _ in range(30)) for _ in range(families)]
    out = []
    for i in range(n):
        words = rng.choice(bases).split()
        for _ in range(rng.randrange(4)):
            words[rng.randrange(len(words))] = rng.choice(WORDS) + str(rng.randrange(50))
        offer = {"id": f"{prefix}{i}", "intitule": "Chargé de projet (H/F)", "description": boiler + " " + " ".join(words),
                 "typeContrat": "CDI"}
        if rng.random() < 0.9:
            offer["dateCreation"] = f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T08:00:00Z"
        out.append(offer)
    return out


def _ads(db) -> dict[str, str]:
    with Warehouse(db) as wh:
        return dict(wh.query("SELECT ad_id, duplicate_cluster FROM ads ORDER BY ad_id"))


def _texts(db) -> list:
    with Warehouse(db) as wh:
        return wh.query("SELECT content_key, content_hash, component, best, arrival FROM ad_text_clusters "
                        "ORDER BY content_key")


def reference(db, cfg: DedupeConfig, *, rule: str = "rank") -> dict[str, str]:
    """ad_id -> earliest ad of its component, clustering every stored text at once with
    ``candidate_pairs`` over the texts in arrival order (``rule="final size"``: the former Spark rule,
    buckets fuller than the cap at the end dropped whole)."""
    with Warehouse(db) as wh:
        ads = wh.query("SELECT ad_id, content_hash, coalesce(created_at, DATE '9999-12-31')::VARCHAR || ad_id, "
                       "title || chr(10) || description FROM ads ORDER BY ad_id")
        hashes = [r[0] for r in wh.query("SELECT content_hash FROM ad_text_clusters ORDER BY arrival")]
    text_of = {h: t for _, h, _, t in ads}
    hasher = MinHasher(cfg)
    keys = hasher.band_keys(hasher.signatures([text_of[h] for h in hashes]))
    if rule == "final size":
        _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        keys = keys.copy()
        full = counts[inverse.reshape(keys.shape)] > cfg.max_bucket
        keys[full] = -1 - np.arange(int(full.sum()))             # a bucket of its own: pairs no one
        pairs = candidate_pairs(keys, min_shared_bands=cfg.min_shared_bands, max_bucket=10**9)
    else:
        pairs = candidate_pairs(keys, min_shared_bands=cfg.min_shared_bands, max_bucket=cfg.max_bucket)
    comp = dict(zip(hashes, connected_clusters(len(hashes), pairs).tolist()))
    earliest: dict[int, str] = {}
    for _, h, order, _ in ads:
        earliest[comp[h]] = min(earliest.get(comp[h], order), order)
    return {ad_id: earliest[comp[h]][10:] for ad_id, h, _, _ in ads}


def _ingest(paths, db, batch_size):
    return ingest_offers(paths, db=db, progress=False, geo=GeoResolver(), workers=1, batch_size=batch_size,
                         dedupe=CAP)


@pytest.fixture(scope="module")
def one_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("cap") / "k.jsonl"
    write_jsonl(path, overflowing_offers(1))
    return path


def test_the_generated_buckets_overflow_and_the_rule_matters(one_file, tmp_path):
    db = tmp_path / "w.duckdb"
    _ingest([one_file], db, 300)
    hasher = MinHasher(CAP)
    with Warehouse(db) as wh:
        texts = [t for (t,) in wh.query("SELECT title || chr(10) || description FROM ads ORDER BY ad_id")]
    _, counts = np.unique(hasher.band_keys(hasher.signatures(texts)), return_counts=True)
    assert (counts > CAP.max_bucket).sum() >= 10                       # many buckets over the cap
    rank, final = reference(db, CAP), reference(db, CAP, rule="final size")
    assert sum(rank[a] != final[a] for a in rank) >= 5                  # the two rules disagree on ads
    assert len(set(rank.values())) < len(rank) - 100                    # and the reposts did cluster


@pytest.mark.parametrize("batch_size", [7, 300])
def test_memory_and_sql_paths_equal_the_reference(one_file, tmp_path, monkeypatch, batch_size):
    got = {}
    for how in ("memory", "sql"):
        db = tmp_path / f"{how}.duckdb"
        with cluster_reads(monkeypatch, how):
            _ingest([one_file], db, batch_size)
        got[how] = (_ads(db), _texts(db))
        assert got[how][0] == reference(db, CAP)
    assert got["memory"] == got["sql"]
    arrivals = sorted(t[4] for t in got["memory"][1])
    assert arrivals == list(range(len(arrivals)))                     # 0, 1, 2… one per distinct text


def test_incremental_runs_equal_one_shot(tmp_path):
    offers = overflowing_offers(2, 240)
    paths = [tmp_path / f"part-{i}.jsonl" for i in range(3)]
    for i, path in enumerate(paths):
        write_jsonl(path, offers[80 * i: 80 * (i + 1)])
    once, runs = tmp_path / "once.duckdb", tmp_path / "runs.duckdb"
    _ingest(paths, once, 500)
    for path, batch in zip(paths, (11, 500, 23)):
        _ingest([path], runs, batch)
    _ingest([paths[1]], runs, 13)                 # re-ingesting stored texts changes no rank
    assert _ads(runs) == _ads(once) == reference(once, CAP)
    assert _texts(runs) == _texts(once)
    # a first-in-arrival text of each file keeps its number: texts are numbered in input order
    with Warehouse(once) as wh:
        first = wh.query("SELECT c.arrival FROM ads a JOIN ad_text_clusters c USING (content_hash) "
                         "WHERE a.ad_id IN (SELECT ad_id FROM ads WHERE origin_line = 1) ORDER BY c.arrival")
    assert [a for (a,) in first][0] == 0


def test_texts_without_arrival_are_numbered_after_the_others_by_key(tmp_path, one_file):
    db = tmp_path / "w.duckdb"
    _ingest([one_file], db, 50)
    with Warehouse(db) as wh:
        wh.con.execute("UPDATE ad_text_clusters SET arrival = NULL WHERE content_key % 3 = 0")
        n_null = wh.scalar("SELECT count(*) FROM ad_text_clusters WHERE arrival IS NULL")
        top = wh.scalar("SELECT max(arrival) FROM ad_text_clusters")
        assert n_null > 0
        with wh.transaction() as con:
            assert ingest_sink.repair_text_arrivals(con) == n_null
        got = wh.query("SELECT arrival FROM ad_text_clusters WHERE arrival > ? ORDER BY content_key", [top])
        assert [a for (a,) in got] == list(range(top + 1, top + 1 + n_null))
        assert wh.scalar("SELECT count(DISTINCT arrival) FROM ad_text_clusters") == wh.count("ad_text_clusters")


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**16), st.integers(1, 3), st.integers(2, 12), st.lists(st.integers(1, 40), min_size=1,
                                                                             max_size=6))
def test_pairs_found_batch_by_batch_are_those_of_one_pass(seed, min_shared, cap, sizes):
    """The writer's index fed batch after batch (``shared_bucket_pairs`` of each batch's texts against all
    before) finds the pairs ``candidate_pairs`` finds over the whole set in arrival order."""
    rng = np.random.default_rng(seed)
    n, bands = sum(sizes), 5
    rows = rng.integers(0, 6, size=(n, bands)) + np.arange(bands) * 100        # few buckets: they overflow
    index, found, start = SortedRuns(max_run=int(rng.integers(4, 200))), set(), 0
    for size in sizes:
        texts = np.arange(start, start + size)
        index.add(rows[texts].ravel(), np.repeat(texts, bands))
        got = shared_bucket_pairs(index, texts, rows[texts], min_shared_bands=min_shared, max_bucket=cap)
        found |= {(min(a, b), max(a, b)) for a, b in got.tolist()}
        start += size
    want = {tuple(p) for p in candidate_pairs(rows, min_shared_bands=min_shared, max_bucket=cap).tolist()}
    assert found == want
