"""Ingestion benchmarks: throughput and peak memory, duplicate detection quality, personal-data recall.

Measures (each with a baseline measured in the same run):

- end-to-end ingestion of synthetic France Travail dumps (``bench.synthetic_ads``) into a fresh
  DuckDB file, in a child process so that its peak memory is its own: ads/s against the raw
  read rate of the same file (baseline), and peak RSS against the run on the smallest size
  (memory must stay flat as input grows);
- near-duplicate precision/recall (pairwise) on planted reposts (exact, reworded, reordered,
  relocated), against exact-text matching alone (baseline), and the time to sign 1M texts;
- personal-data recall on planted e-mails, phone numbers and names, with false positives on
  the same texts before planting (baseline).

``python -m bench ingest --quick`` uses 20k ads; the full run 100k and 1M. Dumps are written once
and cached under ``ADEQUA_BENCH_CACHE`` (default /tmp/adequa-bench). With
``ADEQUA_BENCH_INGEST_BASELINE=<a source tree of another version>`` (e.g. ``git archive <commit> | tar -x -C
/tmp/base``) the bench only compares this tree's ingestion CPU with that tree's, on the same dump in the
same run (sizes: ``ADEQUA_BENCH_INGEST_SIZES``, default 100000; alternated ``ADEQUA_BENCH_INGEST_ROUNDS`` times,
default 2, the smallest CPU of each side kept).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench._harness import Measure, python, run_measured
from bench.synthetic_ads import planted_duplicates, planted_personal_data, write_synthetic_dump

_REPO = Path(__file__).resolve().parents[1]

_INGEST = """
import json, os, resource, sys, time
from adequa.pipeline import ingest
geo = ingest.load_geo()
page = os.sysconf("SC_PAGE_SIZE") / 2**20
trace = []                      # (ads read, RSS of the writer in MiB) after each committed batch
flush = ingest.AdSink.flush
sinks = []
def traced(self):
    sinks[:] = [self]
    flush(self)
    with open("/proc/self/statm") as fh:
        rss = int(fh.read().split()[1]) * page
    duck = self.wh.con.execute("SELECT sum(memory_usage_bytes) / 2^20 FROM duckdb_memory()").fetchall()[0][0]
    state = self.state.nbytes / 2**20 if getattr(self, "state", None) is not None else 0.0
    trace.append((self.summary.read, rss, duck, time.process_time(), state, dict(getattr(self, "cpu", {}))))
    if len(trace) % 10 == 0 and len(sys.argv) > 3:     # kept on disk as it goes: a long run tells where it got
        with open(sys.argv[3], "w") as fh:
            json.dump(trace, fh)
ingest.AdSink.flush = traced
r0, c0 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
t0 = time.perf_counter()
s = ingest.ingest_offers([sys.argv[1]], db=sys.argv[2], progress=False, geo=geo)
wall = time.perf_counter() - t0
r1, c1 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = lambda a, b: (b.ru_utime + b.ru_stime) - (a.ru_utime + a.ru_stime)
print(json.dumps(s.as_dict() | {"wall": wall, "parent_cpu": cpu(r0, r1), "workers_cpu": cpu(c0, c1),
                                "peak_self": r1.ru_maxrss / 1024, "peak_worker": c1.ru_maxrss / 1024,
                                "trace": trace, "writer_steps": sinks[0].cpu if sinks else {}}))
"""

_READ = """
import json, resource, sys, time
from adequa.sources.france_travail import read_dump
t0, c0 = time.perf_counter(), time.process_time()
n = sum(1 for _ in read_dump(sys.argv[1]))
print(json.dumps({"read": n, "wall": time.perf_counter() - t0, "cpu": time.process_time() - c0}))
"""

_CACHE = Path(os.environ.get("ADEQUA_BENCH_CACHE", "/tmp/adequa-bench"))


def _child(code: str, *args: str) -> tuple[float, float, dict]:
    seconds, peak, out = run_measured([python(), "-c", code, *args], cwd=str(_REPO))
    return seconds, peak, json.loads(out.strip().splitlines()[-1])


def _dump(n: int, fmt: str) -> Path:
    """The synthetic dump of ``n`` ads, written once and kept under ``ADEQUA_BENCH_CACHE`` (1M ads take
    ~20 minutes to write: the texts are mixed from the mirror's real offers)."""
    path = _CACHE / f"ingest_{n}_s7.{fmt}"
    if not path.exists():
        _CACHE.mkdir(parents=True, exist_ok=True)
        part = path.with_name(path.name + ".part")
        write_synthetic_dump(part, n, seed=7, fmt=fmt)
        os.replace(part, path)
    return path


def throughput(sizes: list[int], tmp: Path, fmt: str = "jsonl") -> list[Measure]:
    """Wall-clock rates depend on what else the machine runs; CPU seconds do not (much): the
    projection for an idle 2-core machine is ads / max(parent CPU, total CPU / 2)."""
    out = []
    first_peak = None
    for n in sizes:
        dump = _dump(n, fmt)
        _, _, read = _child(_READ, str(dump))
        db = tmp / f"ads_{n}.duckdb"
        _, _, res = _child(_INGEST, str(dump), str(db), str(_CACHE / f"ingest_trace_{n}.partial.json"))
        rate = res["read"] / res["wall"]
        base = read["read"] / read["wall"]
        cpu = res["parent_cpu"] + res["workers_cpu"]
        out.append(Measure("ingest", f"end to end, {n:,} ads ({fmt}), wall clock", rate, "ads/s", base,
                           "reading the dump only", goal=">= 5,000 ads/s"))
        out.append(Measure("ingest", f"CPU per ad, {n:,} ads (parent + workers)", cpu / n * 1e6, "µs",
                           read["cpu"] / read["read"] * 1e6, "reading + JSON decoding only"))
        out.append(Measure("ingest", f"projected on an idle 2-core machine, {n:,} ads",
                           n / max(res["parent_cpu"], cpu / 2), "ads/s", read["read"] / read["cpu"],
                           "reading the dump only (CPU)", goal=">= 5,000 ads/s"))
        trace = res.get("trace") or []
        if trace:                        # RSS of the writer after its batches: what grows with the input
            at = [trace[min(len(trace) - 1, int(len(trace) * q))] for q in (0.1, 0.5)] + [trace[-1]]
            print(f"ingest {n:,}: writer RSS after batches " + ", ".join(
                f"{t[0]:,} ads {t[1]:.0f} MiB (DuckDB {t[2]:.0f} MiB, cluster state {t[4] if len(t) > 4 else 0:.0f} MiB, "
                f"writer CPU {t[3]:.0f} s)" for t in at), file=sys.stderr)
            print(f"ingest {n:,}: writer CPU by step " + ", ".join(
                f"{k} {v:.1f} s" for k, v in sorted((res.get("writer_steps") or {}).items())), file=sys.stderr)
            with open(_CACHE / f"ingest_trace_{n}.json", "w") as fh:       # the whole trace, for docs/ingestion.md
                json.dump(trace, fh)
            out.append(Measure("ingest", f"writer RSS after the last batch, {n:,} ads", trace[-1][1], "MiB",
                               at[0][1], f"after {at[0][0]:,} ads (10 % of the batches)", goal="flat (ratio ~1)"))
            tenth = max(1, len(trace) // 10)
            if len(trace) >= 20 and len(trace[0]) > 5:      # which steps grow: CPU per ad by step, first vs last 10 %
                def steps(a, b):
                    return {k: (b[5].get(k, 0) - a[5].get(k, 0)) / max(1, b[0] - a[0]) * 1e6 for k in b[5]}
                early, late = steps(trace[0], trace[tenth]), steps(trace[-tenth - 1], trace[-1])
                print(f"ingest {n:,}: writer CPU per ad by step, first -> last 10 % of the batches: " + ", ".join(
                    f"{k} {early.get(k, 0):.1f} -> {late[k]:.1f} µs" for k in sorted(late)), file=sys.stderr)
            if len(trace) >= 20:         # the writer's CPU per ad must not grow with the warehouse
                def per_ad(a, b):
                    return (b[3] - a[3]) / max(1, b[0] - a[0]) * 1e6
                out.append(Measure("ingest", f"writer CPU per ad over the last 10 % of the batches, {n:,} ads",
                                   per_ad(trace[-tenth - 1], trace[-1]), "µs", per_ad(trace[0], trace[tenth]),
                                   "same run, first 10 % of the batches", goal="flat (ratio ~1)"))
        out.append(Measure("ingest", f"CPU seconds in all, {n:,} ads (writer {res['parent_cpu']:.0f} s + workers "
                           f"{res['workers_cpu']:.0f} s); wall {res['wall']:.0f} s", cpu, "s",
                           read["cpu"], "reading + JSON decoding only"))
        peak = res["peak_self"]          # the writer: batches, DuckDB's cache and indexes
        first_peak = first_peak or (peak, res["peak_worker"], n)
        out.append(Measure("ingest", f"peak memory of the writer process, {n:,} ads ({fmt})", peak, "MiB",
                           first_peak[0], f"same run on {first_peak[2]:,} ads", goal="flat (ratio ~1)"))
        out.append(Measure("ingest", f"peak memory of a worker process, {n:,} ads", res["peak_worker"], "MiB",
                           first_peak[1], f"same run on {first_peak[2]:,} ads", goal="flat (ratio ~1)"))
        out.append(Measure("ingest", f"duplicates found, {n:,} ads", res["duplicates"] / max(1, res["read"]), "share",
                           0.3, "planted repost rate (upper bound of exact+near reposts)"))
        db.unlink(missing_ok=True)
    return out


def _pairwise(pred: list, truth: list) -> tuple[float, float]:
    """Pairwise precision and recall of a clustering against the true clusters."""
    def pairs(counter):
        return sum(c * (c - 1) // 2 for c in counter.values())

    both = pairs(Counter(zip(pred, truth)))
    p_pairs, t_pairs = pairs(Counter(pred)), pairs(Counter(truth))
    return (both / p_pairs if p_pairs else 1.0), (both / t_pairs if t_pairs else 1.0)


def _merge_similar_originals(texts: list[str], truth: list[int], kinds: list[str], threshold: float = 0.5) -> list[int]:
    """Real offers are not all distinct (one employer posts the same text in several towns): originals whose
    exact Jaccard similarity (word 3-shingles, computed exactly, no sketch) is >= ``threshold`` are one job.
    Reposts planted from one original always belong to its job."""
    import numpy as np
    from scipy.sparse import csr_matrix

    from adequa.enrich.dedupe import DedupeConfig, MinHasher, connected_clusters

    hasher = MinHasher(DedupeConfig(shingle=3))     # the truth does not depend on the tuned shingle size
    orig = [i for i, k in enumerate(kinds) if k == "original"]
    sets = [np.unique(hasher.shingles(texts[i])) for i in orig]
    vocab = {v: j for j, v in enumerate(np.unique(np.concatenate(sets)))}
    rows = np.repeat(np.arange(len(sets)), [len(x) for x in sets])
    cols = np.array([vocab[v] for x in sets for v in x])
    m = csr_matrix((np.ones(len(cols), dtype=np.int32), (rows, cols)), shape=(len(sets), len(vocab)))
    inter = (m @ m.T).tocoo()
    sizes = np.array([len(x) for x in sets])
    jac = inter.data / (sizes[inter.row] + sizes[inter.col] - inter.data)
    keep = (inter.row < inter.col) & (jac >= threshold)
    comp = connected_clusters(len(sets), np.stack((inter.row[keep], inter.col[keep]), axis=1))
    group_of = {truth[i]: truth[orig[comp[k]]] for k, i in enumerate(orig)}
    return [group_of[t] for t in truth]


def dedupe_quality(groups: int) -> list[Measure]:
    from adequa.enrich.dedupe import DedupeConfig, MinHasher, near_duplicate_clusters
    from adequa.normalise.ads import content_hash

    texts, truth, kinds = planted_duplicates(groups, seed=11)
    truth = _merge_similar_originals(texts, truth, kinds)
    hashes = [content_hash(*t.split("\n", 1)) for t in texts]
    t0 = time.perf_counter()
    labels = near_duplicate_clusters(texts, DedupeConfig(), exact_keys=hashes)
    seconds = time.perf_counter() - t0
    p, r = _pairwise(labels.tolist(), truth)
    exact = {}
    exact_labels = [exact.setdefault(h, i) for i, h in enumerate(hashes)]
    bp, br = _pairwise(exact_labels, truth)
    out = [Measure("ingest", f"near-dup precision ({len(texts):,} texts, {groups:,} jobs)", p, "pairwise P", bp,
                   "exact text only", goal=">= 0.95"),
           Measure("ingest", f"near-dup recall ({len(texts):,} texts)", r, "pairwise R", br, "exact text only",
                   goal=">= 0.95")]
    for kind in ("reworded", "reordered", "relocated"):          # recall per kind of repost
        idx = [i for i, k in enumerate(kinds) if k == kind]
        orig = {truth[i]: i for i, k in enumerate(kinds) if k == "original"}
        hit = sum(labels[i] == labels[orig[truth[i]]] for i in idx)
        out.append(Measure("ingest", f"near-dup recall, {kind} reposts", hit / max(1, len(idx)), "share"))
    # signing speed, the part of dedupe that grows with every ad
    hasher = MinHasher(DedupeConfig())
    sample = texts * max(1, 20000 // len(texts))
    t0 = time.perf_counter()
    hasher.band_keys(hasher.signatures(sample))
    per_ad = (time.perf_counter() - t0) / len(sample)
    out.append(Measure("ingest", "MinHash+LSH keys, time for 1M ads (extrapolated)", per_ad * 1e6, "s", seconds,
                       f"clustering {len(texts):,} texts in memory"))
    return out


def personal_data_recall(n: int) -> list[Measure]:
    from adequa.enrich.personal_data import scrub

    texts, planted = planted_personal_data(n, seed=5)
    found = Counter()
    total = Counter()
    for text, items in zip(texts, planted):
        out, _ = scrub(text)
        for kind, values in items.items():
            for v in values:
                total[kind] += 1
                if v not in out:
                    found[kind] += 1
    # false positives: items removed from the same base texts without anything planted
    from bench.synthetic_ads import _mix, base_offers
    import random

    rng = random.Random(5)
    pool = base_offers()
    clean = [_mix(rng, pool, rng.choice(pool)) for _ in range(n)]
    fp = sum(sum(scrub(t)[1].values()) for t in clean)
    out = []
    for kind in ("email", "phone", "name"):
        out.append(Measure("ingest", f"personal data recall, {kind} ({total[kind]:,} planted)",
                           found[kind] / max(1, total[kind]), "recall",
                           goal="1.00" if kind != "name" else None))
    out.append(Measure("ingest", f"items removed from {n:,} real texts with nothing planted (mostly real contacts)",
                       fp, "items", sum(total.values()), "items planted in as many texts"))
    return out


def versus_baseline(sizes: list[int], tmp: Path, tree: Path, rounds: int = 2) -> list[Measure]:
    """The same ingestion (same dump, fresh warehouse) by this tree and by another source tree of Adequa
    (``ADEQUA_BENCH_INGEST_BASELINE``, e.g. ``git archive <commit>`` unpacked), alternated ``rounds``
    times; the smallest CPU of each side is kept. CPU per ad of the writer (parent process: batches,
    clusters, DuckDB) and of the whole run (writer + workers), and the writer's clusters step."""
    out = []
    for n in sizes:
        dump = _dump(n, "jsonl")
        got: dict[str, list[dict]] = {"this tree": [], "baseline": []}
        for r in range(rounds):
            for side in ("baseline", "this tree"):
                db = tmp / f"vs_{side.replace(' ', '_')}_{n}_{r}.duckdb"
                env = {"PYTHONPATH": str(tree)} if side == "baseline" else None
                code = _INGEST
                _, _, stdout = run_measured([python(), "-c", code, str(dump), str(db)], env=env,
                                            cwd=str(tree if side == "baseline" else _REPO))
                res = json.loads(stdout.strip().splitlines()[-1])
                got[side].append(res)
                db.unlink(missing_ok=True)
                print(f"ingest {n:,} {side} round {r}: writer {res['parent_cpu']:.1f} s CPU, workers "
                      f"{res['workers_cpu']:.1f} s, wall {res['wall']:.1f} s, clusters "
                      f"{(res.get('writer_steps') or {}).get('clusters', 0):.1f} s", file=sys.stderr, flush=True)
        best = {k: min(v, key=lambda r: r["parent_cpu"]) for k, v in got.items()}
        total = {k: min(r["parent_cpu"] + r["workers_cpu"] for r in v) for k, v in got.items()}
        name = f"{tree.name}"
        out.append(Measure("ingest", f"writer CPU per ad, {n:,} ads, this tree vs {name}",
                           best["this tree"]["parent_cpu"] / n * 1e6, "µs",
                           best["baseline"]["parent_cpu"] / n * 1e6, f"{name} (same run, same dump)",
                           goal="ratio ~1"))
        out.append(Measure("ingest", f"CPU per ad (writer + workers), {n:,} ads, this tree vs {name}",
                           total["this tree"] / n * 1e6, "µs", total["baseline"] / n * 1e6,
                           f"{name} (same run, same dump)", goal="ratio ~1"))
        steps = {k: (b.get("writer_steps") or {}).get("clusters", 0.0) for k, b in best.items()}
        out.append(Measure("ingest", f"writer clusters step CPU per ad, {n:,} ads, this tree vs {name}",
                           steps["this tree"] / n * 1e6, "µs", steps["baseline"] / n * 1e6, name))
        out.append(Measure("ingest", f"duplicates found, {n:,} ads, this tree vs {name}",
                           best["this tree"]["duplicates"], "ads", best["baseline"]["duplicates"], name))
    return out


def run(quick: bool = False) -> list[Measure]:
    if os.environ.get("ADEQUA_BENCH_INGEST_BASELINE"):       # this tree against another version, alone
        sizes = [int(x) for x in os.environ.get("ADEQUA_BENCH_INGEST_SIZES", "20000" if quick else "100000").split(",")]
        with tempfile.TemporaryDirectory(prefix="adequa-bench-ingest-") as tmp:
            return versus_baseline(sizes, Path(tmp), Path(os.environ["ADEQUA_BENCH_INGEST_BASELINE"]).resolve(),
                                   rounds=int(os.environ.get("ADEQUA_BENCH_INGEST_ROUNDS", "2")))
    measures = []
    measures += personal_data_recall(500 if quick else 3000)
    measures += dedupe_quality(400 if quick else 800)
    with tempfile.TemporaryDirectory(prefix="adequa-bench-ingest-") as tmp:
        sizes = [5000, 20000] if quick else [10000, 100000, 1000000]
        if os.environ.get("ADEQUA_BENCH_INGEST_SIZES"):        # e.g. "10000,100000" on a busy machine
            sizes = [int(x) for x in os.environ["ADEQUA_BENCH_INGEST_SIZES"].split(",")]
        measures += throughput(sizes, Path(tmp))
    return measures


if __name__ == "__main__":
    from bench._harness import print_table

    print_table(run(quick="--quick" in sys.argv))
