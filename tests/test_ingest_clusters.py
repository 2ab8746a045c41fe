"""Duplicate clusters kept incrementally by the writer equal a clustering of everything from scratch.

The writer never reads ``ads`` to find representatives (each text keeps its earliest ad) and rewrites
the clusters of ads stored before only once per run. Whatever the batch size, with re-ingested ads
whose text or date changed, after a run that died before that rewrite, or on texts written before
``best`` existed, every ad's ``duplicate_cluster`` must be the earliest ad (created_at, then ad_id)
of its near-duplicate component, computed here from all stored texts at once.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from adequa.enrich.dedupe import DedupeConfig, MinHasher, candidate_pairs, connected_clusters
from adequa.normalise.geo import GeoResolver
from adequa.pipeline import ingest_sink
from adequa.pipeline.ingest import ingest_offers
from adequa.store.duckdb import Warehouse
from tests.support import cluster_reads, write_jsonl

WORDS = ("données analyse python pipeline équipe client projet modèle rapport qualité tableau réseau sécurité "
         "maintenance cloud serveur base requête indicateur pilotage budget planning formation contrat mission "
         "logistique stock commande atelier production vente conseil marketing audit").split()


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) + str(rng.randrange(40)) for _ in range(60))


def _reword(rng: random.Random, text: str) -> str:
    words = text.split()
    for _ in range(2):
        words[rng.randrange(len(words))] = rng.choice(WORDS)
    return " ".join(words)


def _offers(seed: int, n: int, prefix: str = "C") -> list[dict]:
    """Ads with exact reposts, reworded reposts and distinct texts, dated at random (some undated)."""
    rng = random.Random(seed)
    texts: list[str] = []
    out = []
    for i in range(n):
        r = rng.random()
        if texts and r < 0.25:
            text = rng.choice(texts)                          # exact repost under another id
        elif texts and r < 0.45:
            text = _reword(rng, rng.choice(texts))            # near duplicate
        else:
            text = _text(rng)
        texts.append(text)
        offer = {"id": f"{prefix}{i}", "intitule": "Chargé de projet (H/F)", "description": text, "typeContrat": "CDI"}
        if rng.random() < 0.9:
            offer["dateCreation"] = f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T08:00:00Z"
        out.append(offer)
    return out


def _reference(db, extra_texts: dict[str, str] | None = None) -> dict[str, str]:
    """ad_id -> the earliest ad of its component, clustering every stored text at once."""
    with Warehouse(db) as wh:
        ads = wh.query("SELECT ad_id, content_hash, coalesce(created_at, DATE '9999-12-31')::VARCHAR || ad_id, "
                       "title || chr(10) || description FROM ads ORDER BY ad_id")
        hashes = [r[0] for r in wh.query("SELECT content_hash FROM ad_text_clusters ORDER BY arrival")]
    text_of = dict(extra_texts or {})
    text_of.update({h: t for _, h, _, t in ads})
    assert set(hashes) == set(text_of), "every stored text is known to the reference"
    cfg = DedupeConfig()
    hasher = MinHasher(cfg)
    keys = hasher.band_keys(hasher.signatures([text_of[h] for h in hashes]))
    pairs = candidate_pairs(keys, min_shared_bands=cfg.min_shared_bands, max_bucket=cfg.max_bucket)
    comp = dict(zip(hashes, connected_clusters(len(hashes), pairs).tolist()))
    earliest: dict[int, str] = {}
    for _, h, order, _ in ads:
        c = comp[h]
        earliest[c] = min(earliest.get(c, order), order)
    return {ad_id: earliest[comp[h]][10:] for ad_id, h, _, _ in ads}


def _stored(db) -> dict[str, str]:
    with Warehouse(db) as wh:
        return dict(wh.query("SELECT ad_id, duplicate_cluster FROM ads ORDER BY ad_id"))


@pytest.mark.parametrize("batch_size", [3, 13, 500])
def test_clusters_equal_a_clustering_from_scratch(tmp_path, batch_size):
    path, db = tmp_path / "a.jsonl", tmp_path / "w.duckdb"
    write_jsonl(path, _offers(1, 160))
    s = ingest_offers([path], db=db, progress=False, geo=GeoResolver(), workers=1, batch_size=batch_size)
    stored, ref = _stored(db), _reference(db)
    assert stored == ref
    assert len(set(ref.values())) < len(ref) - 40                      # the planted reposts did cluster
    # counted when stored: an ad represented by another at that time (later ones may take its place)
    assert 0 < s.duplicates <= sum(rep != ad_id for ad_id, rep in ref.items())
    with Warehouse(db) as wh:
        assert wh.count("ad_cluster_pending") == 0
        assert wh.scalar("SELECT count(*) FROM ad_text_clusters WHERE best IS NULL") == 0


def test_reingested_ads_with_other_texts_and_dates(tmp_path):
    """The second file gives some stored ids another text or date (and the first file's texts stay stored)."""
    first, second, db = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "w.duckdb"
    offers = _offers(2, 120)
    write_jsonl(first, offers)
    ingest_offers([first], db=db, progress=False, geo=GeoResolver(), workers=1, batch_size=17)
    with Warehouse(db) as wh:
        old_texts = {h: t for h, t in wh.query("SELECT content_hash, title || chr(10) || description FROM ads")}
    rng = random.Random(3)
    changed = []
    for o in rng.sample(offers, 40):
        o = dict(o)
        if rng.random() < 0.5:
            o["description"] = _text(rng) if rng.random() < 0.5 else _reword(rng, o["description"])
        o["dateCreation"] = f"2023-{rng.randrange(1, 13):02d}-01T08:00:00Z"     # earlier: may become representative
        changed.append(o)
    write_jsonl(second, changed + _offers(4, 30, prefix="N"))
    s = ingest_offers([second], db=db, progress=False, geo=GeoResolver(), workers=1, batch_size=11)
    assert s.updated == 40 and s.stored == 30
    assert _stored(db) == _reference(db, old_texts)


def test_a_run_that_dies_before_the_rewrite_is_completed_by_the_next(tmp_path, monkeypatch):
    path, db = tmp_path / "a.jsonl", tmp_path / "w.duckdb"
    offers = _offers(5, 150)
    write_jsonl(path, offers)
    with monkeypatch.context() as m:
        m.setattr(ingest_sink, "apply_pending", lambda con: 0)        # as if killed after the last batch
        ingest_offers([path], db=db, progress=False, geo=GeoResolver(), workers=1, batch_size=9)
    with Warehouse(db) as wh:
        assert wh.count("ad_cluster_pending") > 0
    assert _stored(db) != _reference(db)                              # old ads still name old representatives
    empty = tmp_path / "none.jsonl"
    write_jsonl(empty, offers[:1])
    ingest_offers([empty], db=db, progress=False, geo=GeoResolver(), workers=1)
    assert _stored(db) == _reference(db)
    with Warehouse(db) as wh:
        assert wh.count("ad_cluster_pending") == 0


def test_texts_without_best_are_repaired_from_ads(tmp_path):
    """Texts stored before ``best`` existed (or imported from Parquet) get it from the ads first."""
    first, second, db = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "w.duckdb"
    offers = _offers(6, 140)
    write_jsonl(first, offers[:90])
    write_jsonl(second, offers[90:])
    ingest_offers([first], db=db, progress=False, geo=GeoResolver(), workers=1, batch_size=25)
    with Warehouse(db) as wh:
        wh.con.execute("UPDATE ad_text_clusters SET best = NULL")
    ingest_offers([second], db=db, progress=False, geo=GeoResolver(), workers=1, batch_size=25)
    assert _stored(db) == _reference(db)
    with Warehouse(db) as wh:
        assert wh.scalar("SELECT count(*) FROM ad_text_clusters WHERE best IS NULL") == 0


def test_checkpoints_during_a_run_change_nothing(tmp_path, monkeypatch):
    """The run checkpoints after every INGEST_CHECKPOINT_ADS ads (a DuckDB row group); here every 20."""
    from adequa.pipeline import ingest

    path = tmp_path / "a.jsonl"
    write_jsonl(path, _offers(7, 120))
    rows = {}
    for every in (20, 10**9):
        monkeypatch.setattr(ingest, "INGEST_CHECKPOINT_ADS", every)
        db = tmp_path / f"w{every}.duckdb"
        ingest_offers([path], db=db, progress=False, geo=GeoResolver(), workers=1, batch_size=9)
        with Warehouse(db) as wh:
            rows[every] = (wh.query("SELECT * EXCLUDE (ingested_at) FROM ads ORDER BY ad_id"),
                           wh.query("SELECT * FROM ad_text_clusters ORDER BY content_key"))
        assert _stored(db) == _reference(db)
    assert rows[20] == rows[10**9]


def _tables(db) -> tuple:
    with Warehouse(db) as wh:
        return (wh.query("SELECT * EXCLUDE (ingested_at) FROM ads ORDER BY ad_id"),
                wh.query("SELECT * FROM ad_text_clusters ORDER BY content_key"),
                wh.query("SELECT content_key, bucket FROM ad_lsh_bands ORDER BY ALL"),
                wh.query("SELECT component FROM ad_cluster_pending ORDER BY ALL"))


def test_in_memory_state_writes_what_the_sql_reads_wrote(tmp_path, monkeypatch):
    """The writer's ClusterState answers the reads that _cluster_sql made in SQL: same tables after a
    first load, a killed run (its pending note left), and a re-ingestion with other texts and dates."""
    first, second, third = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    offers = _offers(8, 150)
    write_jsonl(first, offers[:110])
    rng = random.Random(9)
    changed = []
    for o in rng.sample(offers[:110], 35):
        o = dict(o)
        if rng.random() < 0.6:
            o["description"] = _text(rng) if rng.random() < 0.5 else _reword(rng, o["description"])
        o["dateCreation"] = f"2023-{rng.randrange(1, 13):02d}-01T08:00:00Z"
        changed.append(o)
    write_jsonl(second, offers[110:])
    write_jsonl(third, changed + _offers(10, 25, prefix="N"))
    got = {}
    for how in ("memory", "sql"):
        db = tmp_path / f"{how}.duckdb"
        with cluster_reads(monkeypatch, how):
            ingest_offers([first], db=db, progress=False, geo=GeoResolver(), workers=1, batch_size=13)
            with monkeypatch.context() as killed:
                killed.setattr(ingest_sink, "apply_pending", lambda con: 0)
                ingest_offers([second], db=db, progress=False, geo=GeoResolver(), workers=1, batch_size=7)
            runs = [ingest_offers([third], db=db, progress=False, geo=GeoResolver(), workers=1, batch_size=11)]
            runs.append(ingest_offers([third], db=db, progress=False, geo=GeoResolver(), workers=1, batch_size=500))
        got[how] = (_tables(db), [(s.stored, s.updated, s.duplicates) for s in runs])
    assert got["memory"] == got["sql"]
    assert got["memory"][1][0][0] == 25 and got["memory"][1][1][0] == 0


def _state_after(monkeypatch, paths, db, batch_size):
    """Ingest ``paths`` and return the writer's ClusterState at the end of the run."""
    kept = {}
    finish = ingest_sink.AdSink.finish

    def keep(self, t0):
        kept["state"] = self.state
        return finish(self, t0)

    with monkeypatch.context() as m:
        m.setattr(ingest_sink.AdSink, "finish", keep)
        ingest_offers(paths, db=db, progress=False, geo=GeoResolver(), workers=1, batch_size=batch_size)
    return kept["state"]


def _same_state(built, db) -> None:
    """The state built along a run equals the one loaded from the tables it wrote."""
    with Warehouse(db) as wh:
        loaded = ingest_sink.ClusterState.load(wh.con)
    assert loaded.n == built.n > 0

    def view(s):
        keys = s.key[: s.n]
        order = np.argsort(keys)
        roots = s.root(np.arange(s.n))
        return (keys[order].tolist(), s.key[roots][order].tolist(), s.best[: s.n][order].tolist(),
                s.cbest[roots][order].tolist())

    assert view(loaded) == view(built)
    probe = np.unique(np.concatenate([k for k, _ in built.bands.runs]))
    assert loaded.bands.counts(probe).tolist() == built.bands.counts(probe).tolist()
    # each bucket's texts in arrival order in both (the bucket cap counts ranks in that order)
    which_l, tids_l = loaded.bands.members(probe)
    which_b, tids_b = built.bands.members(probe)
    order_l = sorted(zip(which_l.tolist(), range(len(which_l))))
    order_b = sorted(zip(which_b.tolist(), range(len(which_b))))
    assert [loaded.key[tids_l[i]] for _, i in order_l] == [built.key[tids_b[i]] for _, i in order_b]
    assert loaded.next_arrival == built.next_arrival == built.n


def test_cluster_state_loaded_from_the_tables_equals_the_one_built_along(tmp_path, monkeypatch):
    """A second run starts from the tables: the state it loads equals the previous run's at its end,
    also when re-ingested ads took their earliest ad away from a text (its component's earliest ad
    is then computed again from its texts)."""
    first, second, db = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "w.duckdb"
    offers = _offers(11, 140)
    write_jsonl(first, offers)
    _same_state(_state_after(monkeypatch, [first], db, 9), db)
    earliest = sorted((o for o in offers if "dateCreation" in o), key=lambda o: o["dateCreation"])[:40]
    rng = random.Random(12)
    moved = [dict(o, description=_text(rng), dateCreation="2025-06-01T08:00:00Z") for o in earliest]
    write_jsonl(second, moved + offers[:20])
    _same_state(_state_after(monkeypatch, [second], db, 7), db)


def test_a_run_past_the_state_budget_reads_sql_and_writes_the_same(tmp_path, monkeypatch):
    """Past ADEQUA_INGEST_STATE_MB the writer drops its in-memory ClusterState mid-run and reads the
    tables instead: the stored ads, clusters and bands equal a run that kept the state."""
    path = tmp_path / "a.jsonl"
    offers = _offers(12, 120)
    write_jsonl(path, offers)
    got, dropped = {}, []
    real_cluster_sql = ingest_sink.AdSink._cluster_sql

    def counting_cluster_sql(self, *args):
        dropped.append(self.in_memory)
        return real_cluster_sql(self, *args)

    monkeypatch.setattr(ingest_sink.AdSink, "_cluster_sql", counting_cluster_sql)
    for how in ("kept", "dropped"):
        db = tmp_path / f"{how}.duckdb"
        with monkeypatch.context() as m:
            if how == "dropped":
                # the budget holds for the first three batches, then the state is over it
                calls = iter(range(10**6))
                m.setattr(ingest_sink, "state_budget", lambda: 1 << 40 if next(calls) < 3 else 0)
            summary = ingest_offers([path], db=db, progress=False, geo=GeoResolver(), workers=1, batch_size=9)
        got[how] = (_tables(db), (summary.stored, summary.duplicates))
        if how == "kept":
            assert dropped == []
    assert len(dropped) == len(offers) // 9 + 1 - 3 and not any(dropped)   # the later batches read SQL
    assert got["dropped"] == got["kept"]
    assert got["kept"][1][0] == len(offers)
