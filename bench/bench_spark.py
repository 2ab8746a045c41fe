"""Spark engine: enrichment and indicators on local[1] vs local[2]; DuckDB engine vs Spark engine end to end;
both engines compared indicator by indicator on generated ad sets.

Every engine run happens in a child process watched by :class:`TreeMonitor`, which samples the CPU time
and resident memory of the child **and all its descendants** (the Spark JVM, its Python workers, the
ingestion worker processes) from ``/proc``: the CPU figures are what the run cost, whatever else the
shared machine was doing, and the peak memory is the peak of the whole process tree. Each child reports
the start and end of its stages, so CPU and wall are also given per stage (from the sampled timeline).

* **end to end** (needs the referentials: ADEQUA_MIRROR): a generated France Travail dump of N ads
  (``bench.synthetic_ads``, 30 % reposts) through the DuckDB engine (``ingest_offers``,
  ``enrich_warehouse``, ``facts.build``) and through the Spark engine at local[2] (``spark_pipeline``
  with enrichment, then ``import_to_warehouse``); then every declared indicator compared on both
  warehouses (groups data-ia and all; France, Normandie, Seine-Maritime, Île-de-France; all data and
  2024Q1), and the tables (duplicate clusters, occupations, skill mentions) row by row;
* **ingestion** alone (no enrichment) of a generated dump of N ads: DuckDB engine ``ingest_offers`` (read,
  normalise, scrub, MinHash, near-duplicates, upsert; baseline) against the Spark engine's ingest and
  near-duplicate stages at local[2]: CPU per ad of the whole process tree, the ads compared row by row,
  the ads whose ``duplicate_cluster`` differs (goal 0: one order-defined bucket cap in both engines) and
  the texts whose arrival number differs;
* **enrichment** of M generated ads by the Spark engine at local[1] and local[2] (the enrich stage:
  broadcast, one taxonomy load per Python worker, ``annotate_ad`` per partition);
* **indicators**: the facts every ads-based indicator reads (``offer_facts``, ``skill_facts``) of a
  synthetic warehouse (``bench.synthetic_warehouse``): DuckDB ``facts.build`` against Spark SQL on the
  Parquet layout at local[1] and local[2] (each after a warm-up pass); the Spark facts are then imported
  into a copy of the warehouse and every indicator compared.

``python -m bench spark [--quick]``. Sizes: ``ADEQUA_BENCH_SPARK_E2E`` (comma-separated ad counts,
default 100000; quick 3000), ``ADEQUA_BENCH_SPARK_INGEST`` (same form and defaults), ``ADEQUA_BENCH_SPARK_ENRICH`` (default 10000; quick 500),
``ADEQUA_BENCH_SPARK_ADS`` (facts warehouse, default 1000000; quick 50000). ``ADEQUA_BENCH_SPARK_PARTS``
picks the parts (``e2e,ingest,enrich,facts``); ``ADEQUA_BENCH_SPARK_DUMPS`` gives ready dumps (JSON Lines). Run it under ``nice`` on a shared machine (the children inherit it).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench._harness import Measure

_REPO = Path(__file__).resolve().parents[1]
_TICK = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")
TERRITORIES = ("france", "region:28", "departement:76", "region:11")
GROUPS = ("data-ia", "all")
PERIODS = (None, "2024Q1")


def _add(out: list, m: Measure) -> None:
    """Keep a measure and print it at once (the whole bench takes a while)."""
    out.append(m)
    ratio = f" ({m.ratio:.2f}x {m.baseline_name})" if m.ratio is not None else ""
    print(f"[bench spark] {m.name}: {m.value:,.2f} {m.unit}{ratio}", file=sys.stderr, flush=True)


# -- measuring a process tree --------------------------------------------------------------------
def _proc_table() -> dict[int, tuple[int, int, int]]:
    """pid -> (ppid, CPU ticks user+system, RSS pages) of every readable process."""
    out = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read().decode("ascii", "replace")
        except OSError:
            continue
        rest = stat[stat.rfind(")") + 2:].split()     # fields after the command name
        out[int(name)] = (int(rest[1]), int(rest[11]) + int(rest[12]), int(rest[21]))
    return out


class TreeMonitor:
    """Samples CPU seconds and RSS of a process and all its descendants every ``interval`` seconds.

    CPU of a process is its last sampled value (kept after it exits), so the total misses at most one
    interval of processes that end between samples; the total is also checked against ``getrusage``
    of waited-for children (the larger is kept). ``timeline`` holds (epoch seconds, cumulative CPU s).
    """

    def __init__(self, pid: int, interval: float = 0.5):
        self.pid, self.interval = pid, interval
        self.cpu_ticks: dict[int, int] = {}
        self.peak_rss = 0
        self.timeline: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> "TreeMonitor":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        table = _proc_table()
        children: dict[int, list[int]] = {}
        for pid, (ppid, _, _) in table.items():
            children.setdefault(ppid, []).append(pid)
        tree, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            if pid in table:
                tree.append(pid)
                todo.extend(children.get(pid, ()))
        rss = 0
        for pid in tree:
            _, ticks, pages = table[pid]
            self.cpu_ticks[pid] = max(ticks, self.cpu_ticks.get(pid, 0))
            rss += pages * _PAGE
        self.peak_rss = max(self.peak_rss, rss)
        self.timeline.append((time.time(), sum(self.cpu_ticks.values()) / _TICK))

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    @property
    def cpu(self) -> float:
        return sum(self.cpu_ticks.values()) / _TICK

    def cpu_between(self, start: float, end: float) -> float:
        """CPU seconds used between two epoch times (from the sampled timeline)."""
        def at(t: float) -> float:
            before = [c for s, c in self.timeline if s <= t]
            return before[-1] if before else 0.0
        return max(0.0, at(end) - at(start))


def run_child(args: list[str], env: dict | None = None) -> dict:
    """Run ``python -m bench.bench_spark <args>``; its JSON report plus wall, CPU (tree),
    peak RSS (tree) and CPU/wall per stage."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bench.bench_spark", *args], cwd=_REPO,
                            env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    mon = TreeMonitor(proc.pid).start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    mon.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    waited = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if proc.returncode != 0:
        raise RuntimeError(f"bench child {args[0]} failed ({proc.returncode}):\n{stderr[-3000:]}")
    report = json.loads(stdout.strip().splitlines()[-1])
    report.update(wall=wall, cpu=max(mon.cpu, waited), peak_mib=mon.peak_rss / 2**20,
                  stages={k: {"wall": e - s, "cpu": mon.cpu_between(s, e)} for k, (s, e) in
                          report.get("marks", {}).items()})
    return report


# -- the children ----------------------------------------------------------------------------------
def _settings(db: Path):
    from adequa.config import get_settings

    return get_settings().model_copy(update={"db": Path(db)})


def _child_duck(db: str, files: list[str]) -> dict:
    """DuckDB engine: ingest, enrich, facts."""
    from adequa.pipeline.enrich import enrich_warehouse
    from adequa.pipeline.ingest import ingest_offers
    from adequa.pipeline.statistics import refresh_facts

    settings = _settings(Path(db))
    marks = {}
    t = time.time()
    ingest_offers([Path(f) for f in files], db=settings.db, settings=settings, progress=False)
    marks["ingest"], t = (t, time.time()), time.time()
    enrich_warehouse(settings)
    marks["enrich"], t = (t, time.time()), time.time()
    refresh_facts(db=settings.db)
    marks["facts"] = (t, time.time())
    return {"marks": marks}


def _child_duck_ingest(db: str, files: list[str]) -> dict:
    """DuckDB engine, ingestion alone (read, normalise, scrub, MinHash, near-duplicates, upsert)."""
    from adequa.pipeline.ingest import ingest_offers

    settings = _settings(Path(db))
    t = time.time()
    ingest_offers([Path(f) for f in files], db=settings.db, settings=settings, progress=False)
    return {"marks": {"ingest": (t, time.time())}}


def _child_spark(db: str, layout: str, master: str, enrich: str, files: list[str]) -> dict:
    """Spark engine: session, ingest + dedupe + enrich + facts, import into the warehouse."""
    from adequa.pipeline.spark_run import import_to_warehouse, spark_pipeline
    from adequa.store.spark import spark_session

    settings = _settings(Path(db))
    t = time.time()
    spark = spark_session(master)
    marks = {"session": (t, time.time())}
    res = spark_pipeline(spark, settings, [Path(f) for f in files], Path(layout), enrich=enrich == "1",
                         log=lambda *a, **k: None)
    marks.update({k: tuple(v) for k, v in res["marks"].items()})
    spark.stop()
    t = time.time()
    import_to_warehouse(layout, settings.db)
    marks["import"] = (t, time.time())
    return {"marks": marks, "tables": res["tables"]}


def _child_facts(engine: str, db: str, layout: str) -> dict:
    """The indicators' facts of a warehouse: DuckDB ``facts.build`` or Spark SQL on the layout at
    ``engine`` (a master); a warm-up pass, then the measured one (marked ``facts``)."""
    if engine == "duckdb":
        import duckdb

        from adequa.indicators import facts

        con = duckdb.connect(db)
        facts.build(con)
        t = time.time()
        counts = facts.build(con)
        con.close()
        return {"marks": {"facts": (t, time.time())}, "tables": counts}
    from adequa.pipeline.spark_run import _facts
    from adequa.store.spark import spark_session

    spark = spark_session(engine)
    root = Path(layout)
    counts = {}
    for attempt in ("warm-up", "measured"):
        t = time.time()
        for name in ("ads", "ad_occupations", "skill_mentions"):
            spark.read.parquet(str(root / name)).createOrReplaceTempView(name)
        for name, df in _facts(spark, True).items():
            df.write.mode("overwrite").parquet(str(root / "_facts" / name))
            counts[name] = spark.read.parquet(str(root / "_facts" / name)).count()
    spark.stop()
    return {"marks": {"facts": (t, time.time())}, "tables": counts}


# -- the measures ---------------------------------------------------------------------------------
def _dump(folder: Path, n: int, parts: int = 4) -> list[Path]:
    """``parts`` generated files of ``n`` ads in all, or the files of ``ADEQUA_BENCH_SPARK_DUMPS`` (comma-separated
    paths, e.g. bench_ingest's cached dump: 1M ads take ~20 minutes to generate) when their ads number ``n``."""
    from bench.synthetic_ads import write_synthetic_dump

    given = [Path(p) for p in os.environ.get("ADEQUA_BENCH_SPARK_DUMPS", "").split(",") if p]
    if given:
        lines = 0
        for p in given:
            with open(p, "rb") as fh:
                lines += sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 24), b""))
        if lines == n:
            return given

    folder.mkdir(parents=True, exist_ok=True)
    sizes = [n // parts + (1 if i < n % parts else 0) for i in range(parts)]
    return [write_synthetic_dump(folder / f"dump-{i}.jsonl", size, seed=10 + i) for i, size in enumerate(sizes)]


def table_differences(db_a: Path, db_b: Path, tables=None) -> dict[str, int]:
    """Rows present in one warehouse and not in the other, per compared table (0 = identical)."""
    import duckdb

    queries = {"ads": "SELECT ad_id, title, created_at, region, departement, contract_type, duplicate_cluster FROM ads",
               "ad_occupations": "SELECT ad_id, rome, fap2021, domain FROM ad_occupations",
               "skill_mentions": 'SELECT ad_id, field, start, "end", rome_ogr, esco_uri, label FROM skill_mentions',
               "offer_facts": "SELECT * FROM offer_facts", "skill_facts": "SELECT * FROM skill_facts"}
    con = duckdb.connect()
    con.execute(f"ATTACH '{db_a}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{db_b}' AS b (READ_ONLY)")
    out = {}
    for name, sql in queries.items():
        if tables is not None and name not in tables:
            continue
        qa, qb = sql.replace(f"FROM {name}", f"FROM a.{name}"), sql.replace(f"FROM {name}", f"FROM b.{name}")
        out[name] = con.execute(f"SELECT (SELECT count(*) FROM ({qa} EXCEPT ALL {qb})) + "
                                f"(SELECT count(*) FROM ({qb} EXCEPT ALL {qa}))").fetchone()[0]
    con.close()
    return out


def cluster_differences(db_a: Path, db_b: Path) -> dict[str, int]:
    """Ads whose ``duplicate_cluster`` differs between two warehouses (joined by ``ad_id``), the number of
    clusters on each side, and the texts whose ``ad_text_clusters.arrival`` differs."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"ATTACH '{db_a}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{db_b}' AS b (READ_ONLY)")
    one = lambda sql: con.execute(sql).fetchone()[0]       # noqa: E731
    out = {"ads a": one("SELECT count(*) FROM a.ads"), "ads b": one("SELECT count(*) FROM b.ads"),
           "ads differing": one("SELECT count(*) FROM a.ads x FULL JOIN b.ads y USING (ad_id) "
                                "WHERE x.duplicate_cluster IS DISTINCT FROM y.duplicate_cluster"),
           "clusters a": one("SELECT count(DISTINCT duplicate_cluster) FROM a.ads"),
           "clusters b": one("SELECT count(DISTINCT duplicate_cluster) FROM b.ads")}
    try:
        out["arrivals differing"] = one("SELECT count(*) FROM a.ad_text_clusters x FULL JOIN b.ad_text_clusters y "
                                        "USING (content_key) WHERE x.arrival IS DISTINCT FROM y.arrival")
    except duckdb.Error:            # warehouses written before ad_text_clusters.arrival (migration 0120)
        out["arrivals differing"] = -1
    con.close()
    return out


def _compare(db_a: Path, db_b: Path, label: str, out: list, detail: Path) -> dict:
    from adequa.pipeline.spark_run import compare_warehouses

    report = compare_warehouses(db_a, db_b, territories=TERRITORIES, groups=GROUPS, periods=PERIODS)
    _add(out, Measure("spark", f"indicators equal, {label}", report["equal"], "indicators",
                      baseline=report["compared"], baseline_name="compared", goal="ratio 1.00"))
    detail.write_text(json.dumps(report, indent=1, default=str))
    for d in report["differences"]:
        print(f"[bench spark]   differs: {d[:4]}", file=sys.stderr, flush=True)
    return report


def _end_to_end(n: int, tmp: Path, out: list) -> None:
    files = _dump(tmp / f"dump-{n}", n)
    names = [str(f) for f in files]
    duck_db, spark_db = tmp / f"duck-{n}.duckdb", tmp / f"spark-{n}.duckdb"
    duck = run_child(["duck", str(duck_db), *names])
    (tmp / f"e2e-{n}-duck.json").write_text(json.dumps(duck, default=str, indent=1))
    spark = run_child(["spark", str(spark_db), str(tmp / f"layout-{n}"), "local[2]", "1", *names])
    (tmp / f"e2e-{n}-spark.json").write_text(json.dumps(spark, default=str, indent=1))
    label = f"{n:,} generated ads"
    _add(out, Measure("spark", f"end to end CPU, Spark local[2], {label}", spark["cpu"], "CPU s",
                      baseline=duck["cpu"], baseline_name="DuckDB engine"))
    _add(out, Measure("spark", f"end to end wall, Spark local[2], {label}", spark["wall"], "s",
                      baseline=duck["wall"], baseline_name="DuckDB engine"))
    _add(out, Measure("spark", f"end to end peak RSS (process tree), Spark local[2], {label}", spark["peak_mib"],
                      "MiB", baseline=duck["peak_mib"], baseline_name="DuckDB engine"))
    for engine, rep in (("DuckDB engine", duck), ("Spark local[2]", spark)):
        for stage, v in rep["stages"].items():
            _add(out, Measure("spark", f"stage {stage}, {engine}, {label}: CPU s (value) / wall s (baseline)",
                              v["cpu"], "CPU s", baseline=v["wall"], baseline_name="wall s"))
    diffs = table_differences(duck_db, spark_db)
    for name, k in diffs.items():
        _add(out, Measure("spark", f"rows differing in {name}, DuckDB vs Spark engine, {label}", k, "rows"))
    clusters = cluster_differences(duck_db, spark_db)
    _add(out, Measure("spark", f"ads in another duplicate_cluster, DuckDB vs Spark engine, {label}",
                      clusters["ads differing"], "ads", goal="0"))
    _compare(duck_db, spark_db, f"DuckDB vs Spark engine, {label}", out, tmp / f"compare-e2e-{n}.json")
    (tmp / f"e2e-{n}.json").write_text(json.dumps({"duck": duck, "spark": spark, "tables": diffs}, default=str,
                                                  indent=1))


def _ingestion(n: int, tmp: Path, out: list) -> None:
    """Ingestion alone (no enrichment): DuckDB engine (baseline) vs Spark local[2], CPU per ad."""
    files = _dump(tmp / f"dump-{n}", n)
    names = [str(f) for f in files]
    duck = run_child(["duck-ingest", str(tmp / f"ingest-duck-{n}.duckdb"), *names])
    spark = run_child(["spark", str(tmp / f"ingest-spark-{n}.duckdb"), str(tmp / f"layout-ingest-{n}"), "local[2]",
                       "0", *names])
    (tmp / f"ingest-{n}.json").write_text(json.dumps({"duck": duck, "spark": spark}, default=str, indent=1))
    base = duck["stages"]["ingest"]
    label = f"{n:,} generated ads"
    for stages in (("ingest",), ("dedupe",), ("ingest", "dedupe")):
        cpu = sum(spark["stages"][s]["cpu"] for s in stages)
        wall = sum(spark["stages"][s]["wall"] for s in stages)
        name = " + ".join(stages)
        _add(out, Measure("spark", f"ingestion CPU per ad, Spark local[2] {name}, {label}", 1e6 * cpu / n,
                          "µs CPU/ad", baseline=1e6 * base["cpu"] / n,
                          baseline_name="DuckDB engine ingest (dedupe included)"))
        _add(out, Measure("spark", f"ingestion wall, Spark local[2] {name}, {label}", wall, "s",
                          baseline=base["wall"], baseline_name="DuckDB engine ingest"))
    _add(out, Measure("spark", f"ingestion peak RSS (process tree), Spark local[2], {label}", spark["peak_mib"],
                      "MiB", baseline=duck["peak_mib"], baseline_name="DuckDB engine"))
    _add(out, Measure("spark", f"rows differing in ads, DuckDB vs Spark ingestion, {label}",
                      table_differences(tmp / f"ingest-duck-{n}.duckdb", tmp / f"ingest-spark-{n}.duckdb",
                                        ("ads",))["ads"], "rows"))
    clusters = cluster_differences(tmp / f"ingest-duck-{n}.duckdb", tmp / f"ingest-spark-{n}.duckdb")
    _add(out, Measure("spark", f"ads in another duplicate_cluster, DuckDB vs Spark ingestion, {label}",
                      clusters["ads differing"], "ads", goal="0"))
    _add(out, Measure("spark", f"duplicate clusters, Spark ingestion, {label}", clusters["clusters b"], "clusters",
                      baseline=clusters["clusters a"], baseline_name="DuckDB engine"))
    _add(out, Measure("spark", f"texts with another arrival number, DuckDB vs Spark ingestion, {label}",
                      clusters["arrivals differing"], "texts", goal="0"))
    (tmp / f"ingest-{n}-clusters.json").write_text(json.dumps(clusters, indent=1))


def _enrichment(m: int, tmp: Path, out: list) -> None:
    files = [str(f) for f in _dump(tmp / "dump-enrich", m, parts=2)]
    got = {}
    for master in ("local[1]", "local[2]"):
        rep = run_child(["spark", str(tmp / f"enrich-{master[6]}.duckdb"), str(tmp / f"layout-enrich-{master[6]}"),
                         master, "1", *files])
        got[master] = rep["stages"]["enrich"]
        ads = rep["tables"]["ads"]
    for master in ("local[1]", "local[2]"):
        _add(out, Measure("spark", f"enrichment wall, Spark {master}, {ads:,} ads", ads / got[master]["wall"], "ads/s",
                          baseline=ads / got["local[1]"]["wall"], baseline_name="local[1]"))
        _add(out, Measure("spark", f"enrichment CPU per ad, Spark {master}, {ads:,} ads",
                          1000 * got[master]["cpu"] / ads, "ms CPU/ad",
                          baseline=1000 * got["local[1]"]["cpu"] / ads, baseline_name="local[1]"))


def _indicators(n: int, tmp: Path, out: list) -> None:
    from adequa.pipeline.spark_run import import_to_warehouse
    from adequa.store.parquet import export_warehouse
    from bench.synthetic_warehouse import build

    db = tmp / "synthetic.duckdb"
    build(db, n_ads=n, seed=3)
    layout = tmp / "layout-facts"
    t0 = time.perf_counter()
    export_warehouse(db, layout, ["ads", "ad_occupations", "skill_mentions"])
    _add(out, Measure("spark", f"layout write by DuckDB ({n:,} ads + enrichment)", n / (time.perf_counter() - t0),
                      "ads/s"))
    got = {}
    for engine in ("duckdb", "local[1]", "local[2]"):
        got[engine] = run_child(["facts", engine, str(db), str(layout)])["stages"]["facts"]
    for engine in ("local[1]", "local[2]"):
        _add(out, Measure("spark", f"indicator facts wall, Spark {engine}, {n:,} ads", n / got[engine]["wall"],
                          "ads/s", baseline=n / got["duckdb"]["wall"], baseline_name="DuckDB facts.build"))
        _add(out, Measure("spark", f"indicator facts CPU, Spark {engine}, {n:,} ads", got[engine]["cpu"], "CPU s",
                          baseline=got["duckdb"]["cpu"], baseline_name="DuckDB facts.build"))
    _add(out, Measure("spark", f"indicator facts wall, Spark local[2] vs local[1], {n:,} ads",
                      n / got["local[2]"]["wall"], "ads/s", baseline=n / got["local[1]"]["wall"],
                      baseline_name="local[1]", goal="scales with cores"))
    for name in ("offer_facts", "skill_facts"):
        shutil.rmtree(layout / name, ignore_errors=True)
        shutil.move(str(layout / "_facts" / name), str(layout / name))
    copy = tmp / "synthetic-spark.duckdb"
    shutil.copy(db, copy)
    import_to_warehouse(layout, copy)
    for name, k in table_differences(db, copy).items():
        if name.endswith("facts"):
            _add(out, Measure("spark", f"rows differing in {name}, DuckDB vs Spark facts, {n:,} ads", k, "rows"))
    _compare(db, copy, f"DuckDB vs Spark facts, {n:,} synthetic ads", out, tmp / "compare-facts.json")


def run(quick: bool) -> list[Measure]:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return []
    parts = set(os.environ.get("ADEQUA_BENCH_SPARK_PARTS", "e2e,ingest,enrich,facts").split(","))
    keep = os.environ.get("ADEQUA_BENCH_SPARK_KEEP")          # a folder: keep warehouses and reports there
    tmp = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="bench-spark-"))
    tmp.mkdir(parents=True, exist_ok=True)
    out: list[Measure] = []
    try:
        if os.environ.get("ADEQUA_MIRROR"):
            if "e2e" in parts:
                for n in os.environ.get("ADEQUA_BENCH_SPARK_E2E", "3000" if quick else "100000").split(","):
                    _end_to_end(int(n), tmp, out)
            if "enrich" in parts:
                _enrichment(int(os.environ.get("ADEQUA_BENCH_SPARK_ENRICH", 500 if quick else 10_000)), tmp, out)
        if "ingest" in parts:
            for n in os.environ.get("ADEQUA_BENCH_SPARK_INGEST", "3000" if quick else "100000").split(","):
                _ingestion(int(n), tmp, out)
        if "facts" in parts:
            _indicators(int(os.environ.get("ADEQUA_BENCH_SPARK_ADS", 50_000 if quick else 1_000_000)), tmp, out)
        return out
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":          # a measured child (see run_child)
    kind, rest = sys.argv[1], sys.argv[2:]
    if kind == "duck":
        result = _child_duck(rest[0], rest[1:])
    elif kind == "duck-ingest":
        result = _child_duck_ingest(rest[0], rest[1:])
    elif kind == "spark":
        result = _child_spark(rest[0], rest[1], rest[2], rest[3], rest[4:])
    elif kind == "facts":
        result = _child_facts(rest[0], rest[1], rest[2])
    else:
        raise SystemExit(f"unknown child {kind!r}")
    print(json.dumps(result, default=list))
