"""Spark engine: enrichment and indicators throughput on local[1] vs local[2]; DuckDB vs Spark on 1M ads;
both engines compared indicator by indicator on a generated ad set.

* ingestion (normalise, scrub, sign, near-duplicates) of a synthetic France Travail dump: Spark local[2]
  against the DuckDB engine (``ingest_offers``), then every declared indicator compared on both warehouses;
* enrichment (skills + occupation, the same ``annotate_ad``) of the same ads: Spark local[1] and local[2]
  (needs the referentials: ADEQUA_MIRROR);
* indicators: the facts every ads-based indicator reads (``offer_facts``, ``skill_facts``) over a
  1M-ad synthetic warehouse (``bench.synthetic_warehouse``): DuckDB ``facts.build`` against Spark SQL
  on the Parquet layout at local[1] and local[2]; the facts and indicators are checked equal.

``python -m bench spark [--quick]`` (quick: 200 enriched ads, 5k ingested, 100k-ad warehouse).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from bench._harness import Measure

CPU = os.cpu_count() or 1


def _add(out: list, m: Measure) -> None:
    """Keep a measure and print it at once (the whole bench takes a while)."""
    import sys

    out.append(m)
    ratio = f" ({m.ratio:.2f}x {m.baseline_name})" if m.ratio is not None else ""
    print(f"[bench spark] {m.name}: {m.value:,.2f} {m.unit}{ratio}", file=sys.stderr, flush=True)


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _session(master: str):
    from adequa.store.spark import spark_session, stop_session

    stop_session()
    return spark_session(master)


def _facts_spark(spark, layout: Path) -> tuple[float, int]:
    from adequa.indicators.facts import CONTRACT_CLASS, DURABLE
    from adequa.pipeline.spark_run import _facts, _spark_literal_sql

    t0 = time.perf_counter()
    for t in ("ads", "ad_occupations", "skill_mentions"):
        spark.read.parquet(str(layout / t)).createOrReplaceTempView(t)
    out = _facts(spark, True, _spark_literal_sql(CONTRACT_CLASS), _spark_literal_sql(DURABLE))
    target = layout / "_bench_facts"
    n = 0
    for name, df in out.items():
        df.write.mode("overwrite").parquet(str(target / name))
        n += spark.read.parquet(str(target / name)).count()
    return time.perf_counter() - t0, n


def _indicators(quick: bool, tmp: Path) -> list[Measure]:
    import duckdb

    from adequa.indicators import facts
    from adequa.pipeline.spark_run import compare_warehouses, import_to_warehouse
    from adequa.store.parquet import export_warehouse
    from bench.synthetic_warehouse import build

    n = int(os.environ.get("ADEQUA_BENCH_SPARK_ADS", 100_000 if quick else 1_000_000))
    db = tmp / "synthetic.duckdb"
    build(db, n_ads=n, seed=3)
    layout = tmp / "layout"
    t0 = time.perf_counter()
    export_warehouse(db, layout, ["ads", "ad_occupations", "skill_mentions"])
    export_s = time.perf_counter() - t0
    con = duckdb.connect(str(db))
    t0 = time.perf_counter()
    facts.build(con)
    duck_s = time.perf_counter() - t0
    con.close()
    out: list[Measure] = []
    _add(out, Measure("spark", f"layout write by DuckDB ({n:,} ads + enrichment)", n / export_s, "ads/s"))
    times = {}
    for master in ("local[1]", "local[2]"):
        spark = _session(master)
        _facts_spark(spark, layout)                    # warm-up (JIT, file listing)
        times[master], cells = _facts_spark(spark, layout)
    _add(out, Measure("spark", f"indicator facts, Spark local[1], {n:,} ads", n / times["local[1]"], "ads/s"))
    _add(out, Measure("spark", f"indicator facts, Spark local[2], {n:,} ads", n / times["local[2]"], "ads/s",
                       baseline=n / times["local[1]"], baseline_name="local[1]", goal="scales with cores"))
    _add(out, Measure("spark", f"indicator facts, Spark local[2] vs DuckDB, {n:,} ads", n / times["local[2]"], "ads/s",
                       baseline=n / duck_s, baseline_name="DuckDB facts.build"))
    # Same facts, same indicators: import the Spark facts into a copy of the warehouse.
    from pyspark.sql import SparkSession

    spark = SparkSession.getActiveSession()
    for name in ("offer_facts", "skill_facts"):
        spark.read.parquet(str(layout / "_bench_facts" / name)).write.mode("overwrite").parquet(str(layout / name))
    shutil.rmtree(layout / "_bench_facts", ignore_errors=True)
    copy = tmp / "spark.duckdb"
    shutil.copy(db, copy)
    import_to_warehouse(layout, copy)
    report = compare_warehouses(db, copy, territories=("france", "region:28", "departement:76"),
                                groups=("data-ia", "all"), periods=(None, "2024Q1"))
    _add(out, Measure("spark", f"indicators equal, DuckDB vs Spark facts, {n:,} ads",
                       report["equal"], "indicators", baseline=report["compared"], baseline_name="compared",
                       goal="ratio 1.00"))
    return out


def _pipeline(quick: bool, tmp: Path) -> list[Measure]:
    from adequa.config import get_settings
    from adequa.pipeline.enrich import enrich_warehouse
    from adequa.pipeline.ingest import ingest_offers
    from adequa.pipeline.spark_run import compare_warehouses, import_to_warehouse, spark_pipeline
    from adequa.indicators import facts
    from bench.synthetic_ads import write_synthetic_dump

    import duckdb

    out: list[Measure] = []
    n = int(os.environ.get("ADEQUA_BENCH_SPARK_INGEST", 5_000 if quick else 100_000))
    parts = [write_synthetic_dump(tmp / f"dump-{i}.jsonl", n // 4, seed=10 + i) for i in range(4)]
    settings = get_settings().model_copy(update={"db": tmp / "spark-ingest.duckdb"})
    duck = tmp / "duck-ingest.duckdb"
    t0 = time.perf_counter()
    ingest_offers(parts, db=duck, settings=settings, progress=False)
    duck_s = time.perf_counter() - t0
    con = duckdb.connect(str(duck))
    facts.build(con)
    con.close()
    spark = _session("local[2]")
    t0 = time.perf_counter()
    spark_pipeline(spark, settings, parts, tmp / "layout-ingest", enrich=False)
    spark_s = time.perf_counter() - t0
    import_to_warehouse(tmp / "layout-ingest", settings.db)
    _add(out, Measure("spark", f"ingest + dedupe + facts, Spark local[2], {n:,} ads", n / spark_s, "ads/s",
                       baseline=n / duck_s, baseline_name="DuckDB engine ingest"))
    report = compare_warehouses(duck, settings.db, territories=("france", "region:28", "departement:76"),
                                groups=("data-ia", "all"), periods=(None, "2024Q1"))
    _add(out, Measure("spark", f"indicators equal, DuckDB vs Spark engine, {n:,} generated ads",
                       report["equal"], "indicators", baseline=report["compared"], baseline_name="compared",
                       goal="ratio 1.00"))
    # Enrichment: the same ads, local[1] vs local[2] (broadcast + per-worker load included).
    m = int(os.environ.get("ADEQUA_BENCH_SPARK_ENRICH", 200 if quick else 2_000))
    sub = write_synthetic_dump(tmp / "enrich.jsonl", m, seed=99)
    rates = {}
    for master in ("local[1]", "local[2]"):
        spark = _session(master)
        layout = tmp / f"layout-enrich-{master[6]}"
        res = spark_pipeline(spark, settings, [sub], layout, enrich=True)
        rates[master] = res["tables"]["ads"] / res["seconds"]["enrich"]
    _add(out, Measure("spark", f"enrichment, Spark local[1], {m:,} ads", rates["local[1]"], "ads/s"))
    _add(out, Measure("spark", f"enrichment, Spark local[2], {m:,} ads", rates["local[2]"], "ads/s",
                       baseline=rates["local[1]"], baseline_name="local[1]", goal="scales with cores"))
    edb = tmp / "duck-enrich.duckdb"
    ingest_offers([sub], db=edb, settings=settings, progress=False)
    t0 = time.perf_counter()
    done = enrich_warehouse(settings.model_copy(update={"db": edb}))
    _add(out, Measure("spark", f"enrichment, DuckDB engine (1 process), {m:,} ads",
                       done["ads"] / (time.perf_counter() - t0), "ads/s", baseline=rates["local[2]"],
                       baseline_name="Spark local[2]"))
    return out


def run(quick: bool) -> list[Measure]:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return []
    tmp = Path(tempfile.mkdtemp(prefix="bench-spark-"))
    try:
        out = _indicators(quick, tmp)
        if os.environ.get("ADEQUA_MIRROR"):
            out += _pipeline(quick, tmp)
        return out
    finally:
        from adequa.store.spark import stop_session

        stop_session()
        shutil.rmtree(tmp, ignore_errors=True)
