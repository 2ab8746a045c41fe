"""The pipeline on Apache Spark: ingestion of dumps, enrichment and the indicators' facts, at scale.

``run_spark(settings, inputs, master, out)`` does what ``adequa run`` does with DuckDB, on a Spark
master (``local[2]``, ``spark://…``, ``yarn``, ``k8s://…``):

1. **ingest**: the input files become reading tasks (uncompressed France Travail JSON Lines cut
   into byte ranges of whole lines, other files whole); each task reads its records and normalises,
   scrubs and signs them with ``ingest._process_chunk``, the very function of the DuckDB engine's
   workers, inside one ``mapInArrow``: records reach the JVM only as Arrow rows of the result. The
   last record of an ``ad_id`` in input order wins, as in the warehouse; near-duplicates are
   clustered from the same MinHash LSH bands (pairs sharing ``min_shared_bands`` buckets, a bucket
   pairing only its first ``max_bucket`` texts in arrival order: ``row_number()`` over the bucket
   by ``ad_text_clusters.arrival``; components, earliest ad as representative), on narrow columns,
   the wide rows being joined once;
2. **enrich**: ``annotate_ad`` (skills + occupation) per partition (``mapInArrow``); the compiled
   skill taxonomy and the occupation classifier are **broadcast** once and rebuilt once per
   Python worker (workers are reused);
3. **facts**: ``offer_facts`` and ``skill_facts``, the pre-aggregates every ads-based indicator
   reads: the very SQL of :mod:`adequa.indicators.facts` (declared once, in the subset both engines
   read alike), run by Spark SQL;
4. **write** every table into the shared Parquet layout (:mod:`adequa.store.parquet`), each one
   staged then swapped in, and **import** it into the DuckDB warehouse, where the declared
   indicators, the API, the dashboard and the study read it as usual.

Re-running on the same inputs changes nothing: ads are keyed by ``ad_id`` (merged with those
already in the layout), rejects by file + line + reason, and ads already enriched with the current
taxonomy version are not enriched again.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import tempfile
import time
from pathlib import Path
from typing import Iterator, Sequence

from adequa.config import Settings
from adequa.errors import AdequaError, InputError

__all__ = ["run_spark", "spark_pipeline", "import_to_warehouse", "default_layout", "input_files", "spark_sql",
           "SparkRunError"]


class SparkRunError(AdequaError):
    """A Spark job failed; the message carries the Python error raised on the executor."""


def default_layout(settings: Settings) -> Path:
    """``ADEQUA_LAYOUT``, else ``<warehouse file without suffix>.parquet`` next to the warehouse."""
    env = os.environ.get("ADEQUA_LAYOUT")
    return Path(env) if env else Path(settings.db).with_suffix(".parquet")


def input_files(inputs: Sequence[str | Path] | None, settings: Settings) -> list[Path]:
    """Job-ad files to ingest: the given files and folders (searched recursively), or the data
    root's ``offers/`` folder (as ``adequa run`` does)."""
    if not inputs:
        inputs = [settings.data_root() / "offers"]
    out: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            out.extend(sorted(q for q in p.rglob("*") if q.is_file() and _is_ads_file(q)))
        elif p.exists():
            out.append(p)
        else:
            raise InputError("file not found", path=str(p))
    return out


def _is_ads_file(p: Path) -> bool:
    name = p.name.lower()
    for comp in (".gz", ".bz2"):
        if name.endswith(comp):
            name = name[: -len(comp)]
    return name.endswith((".csv", ".json", ".jsonl")) and "competences" not in name


# -- schemas -------------------------------------------------------------------------------------
def _ads_spark_fields():
    from pyspark.sql import types as T

    from adequa.pipeline.ingest import ADS_SCHEMA

    return [T.StructField(f.name, _spark_type(f.type)) for f in ADS_SCHEMA]


def _spark_type(t):
    import pyarrow as pa
    from pyspark.sql import types as T

    if pa.types.is_string(t):
        return T.StringType()
    if pa.types.is_date32(t):
        return T.DateType()
    if pa.types.is_float64(t):
        return T.DoubleType()
    if pa.types.is_int32(t):
        return T.IntegerType()
    if pa.types.is_int64(t):
        return T.LongType()
    if pa.types.is_boolean(t):
        return T.BooleanType()
    if pa.types.is_list(t):
        return T.ArrayType(_spark_type(t.value_type))
    raise TypeError(t)


_REJECT_FIELDS = ("r_id", "r_path", "r_line", "r_record", "r_field", "r_reason", "r_raw")


def _normalised_schema():
    from pyspark.sql import types as T

    return T.StructType(_ads_spark_fields() + [
        T.StructField("seq", T.LongType()), T.StructField("content_key", T.LongType()),
        T.StructField("bands", T.ArrayType(T.LongType())), T.StructField("what", T.StringType()),
        T.StructField("r_id", T.StringType()), T.StructField("r_path", T.StringType()), T.StructField("r_line", T.LongType()),
        T.StructField("r_record", T.StringType()), T.StructField("r_field", T.StringType()),
        T.StructField("r_reason", T.StringType()), T.StructField("r_raw", T.StringType())])


def _enriched_schema():
    from pyspark.sql import types as T

    s, d, i, b = T.StringType(), T.DoubleType(), T.IntegerType(), T.BooleanType()
    mention = T.StructType([T.StructField(n, t) for n, t in (
        ("field", s), ("start", i), ("end", i), ("text", s), ("rome_ogr", s), ("esco_uri", s), ("label", s),
        ("kind", s), ("score", d), ("method", s), ("unlisted", b))])
    return T.StructType([T.StructField(n, t) for n, t in (
        ("ad_id", s), ("rome", s), ("appellation", s), ("score", d), ("candidates", s), ("fap2021", s),
        ("fap2009", s), ("isco", s), ("esco_occupation", s), ("domain", s), ("taxonomy_version", s))]
        + [T.StructField("skills", T.ArrayType(mention))])


# -- executor side: reading, normalising, enriching ------------------------------------------------
_SEQ_FILE = 1 << 40          # seq = file index * 2^40 + line: input order across files


_SPLIT_BYTES = 1 << 25       # uncompressed France Travail JSON Lines are cut into tasks of about this size
_BLOCK_BYTES = 1 << 19       # lines travel to ``ingest._process_chunk`` in blocks of about this size
_CHUNK_RECORDS = 1000        # records normalised and handed to the JVM at a time (bounds worker memory)


def _read_tasks(paths: Sequence[str]) -> list[tuple]:
    """The reading tasks, ``(file index, path, start, end, first line)``: uncompressed France Travail
    JSON Lines cut into byte ranges of whole lines (the driver counts the lines before each one, at
    the speed of reading the file), every other file whole (``start`` = ``end`` = None)."""
    from adequa.pipeline.ingest import _is_ft_jsonl

    tasks: list[tuple] = []
    for index, path in enumerate(paths):
        p = Path(path)
        if p.suffix.lower() in (".gz", ".bz2") or not _is_ft_jsonl(p, None, None):
            tasks.append((index, path, None, None, 1))
            continue
        size = p.stat().st_size
        with open(p, "rb") as fh:
            pos = 3 if fh.read(3) == b"\xef\xbb\xbf" else 0     # byte-order mark, as jsonl_lines drops it
            fh.seek(pos)
            line = 1
            while pos < size:
                data = fh.read(_SPLIT_BYTES)
                while not data.endswith(b"\n"):                   # up to the end of a line (or of the file)
                    more = fh.readline()
                    if not more:
                        break
                    data += more
                tasks.append((index, path, pos, pos + len(data), line))
                line += data.count(b"\n")
                pos += len(data)
    return tasks


def _task_chunks(task: tuple, block_bytes: int, chunk_records: int) -> Iterator[tuple[int, list]]:
    """(file index, chunk) of one reading task, chunks as ``ingest._process_chunk`` takes them:
    ``(path, line, record, kind)`` items, or blocks of whole JSON lines ``(path, first line, bytes, BLOCK)``."""
    from adequa.pipeline.ingest import BLOCK, _is_ft_jsonl, _records_of
    from adequa.sources.france_travail import jsonl_blocks

    index, path, start, end, first = task
    p = Path(path)
    chunk: list = []
    weight = 0
    if start is not None:
        items = _range_blocks(p, start, end, first, block_bytes)
    elif _is_ft_jsonl(p, None, None):
        items = ((first_line, block) for first_line, block in jsonl_blocks(p, block_bytes))
    else:
        items = None
    if items is not None:
        for first_line, block in items:
            chunk.append((path, first_line, block, BLOCK))
            weight += block.count(b"\n") + 1
            if weight >= chunk_records:
                yield index, chunk
                chunk, weight = [], 0
    else:
        kind, rows = _records_of(p, None, None)
        for line, rec, _raw in rows:
            if kind == "mapped":
                rec.setdefault("source", f"csv:{p.stem}")
            chunk.append((path, line, rec, kind))
            if len(chunk) >= chunk_records:
                yield index, chunk
                chunk = []
    if chunk:
        yield index, chunk


def _range_blocks(p: Path, start: int, end: int, line: int, block_bytes: int) -> Iterator[tuple[int, bytes]]:
    """(number of its first line, bytes of whole lines) of the byte range [start, end) of a file,
    which begins at line ``line`` and holds whole lines."""
    with open(p, "rb") as fh:
        fh.seek(start)
        remaining, rest = end - start, b""
        while remaining > 0 or rest:
            data = fh.read(min(block_bytes, remaining)) if remaining > 0 else b""
            remaining -= len(data)
            data = rest + data if rest else data
            if remaining > 0:
                cut = data.rfind(b"\n")
                if cut < 0:
                    rest = data
                    continue
                block, rest = data[:cut + 1], data[cut + 1:]
            else:
                block, rest = data, b""
            if block:
                yield line, block
                line += block.count(b"\n")


def _ingest_batches(tasks: list[tuple], bc):
    """``mapInArrow`` function of the ingestion: each reading task (``id`` = its index in ``tasks``)
    read, normalised, scrubbed and signed by ``ingest._process_chunk``, the very function the DuckDB
    engine's workers run (vectorised language guess, Arrow rows, MinHash bands), plus the input order
    (``seq``). Records are read where they are normalised: none crosses to the JVM before it is an
    Arrow row of the result."""
    block_bytes, chunk_records = _BLOCK_BYTES, _CHUNK_RECORDS        # read here, on the driver

    def run(batches):
        from adequa.pipeline import ingest

        geo, hasher = _normaliser(bc)
        ingest._WORKER.update(geo=geo, hasher=hasher, source="mixed")
        schema = _normalised_schema_arrow()
        for batch in batches:
            for task in batch.column("id").to_pylist():
                for idx, chunk in _task_chunks(tasks[task], block_bytes, chunk_records):
                    part, events, _read = ingest._process_chunk(chunk)
                    rejects = []
                    for _before, what, value in events:
                        if what == "fatal":     # a line that is not a JSON object: the run stops, as in DuckDB
                            raise InputError(value.pop("message"), **value)
                        rejects.append(value)
                    if part is not None:
                        yield from _ads_part(part, idx, schema).to_batches()
                    if rejects:
                        yield from _rejects_part(rejects, schema).to_batches()
    return run


def _ads_part(part, idx: int, schema):
    import numpy as np
    import pyarrow as pa

    n = len(part)
    lines = part.table.column("origin_line").to_numpy(zero_copy_only=False)
    width = part.bands.shape[1] if part.bands.ndim == 2 else 0
    bands = pa.ListArray.from_arrays(pa.array(np.arange(0, n * width + 1, width, dtype=np.int32)),
                                     pa.array(np.ascontiguousarray(part.bands, dtype=np.int64).ravel()))
    extra = {"seq": pa.array(idx * _SEQ_FILE + np.nan_to_num(lines, nan=0).astype(np.int64)),
             "content_key": pa.array(np.asarray(part.keys, dtype=np.int64)),
             "bands": bands, "what": pa.array(["ad"] * n, pa.string())}
    return _complete(part.table, extra, schema)


def _rejects_part(rejects: list[dict], schema):
    import pyarrow as pa

    for r in rejects:
        r["id"] = hashlib.blake2b(     # the key AdSink.reject gives it
            f"{r['path']}\x1f{r['line']}\x1f{r['record']}\x1f{r['field']}\x1f{r['reason']}".encode(),
            digest_size=8).hexdigest()
        r["raw"] = (r.get("raw") or "")[:4000]
    extra = {"what": pa.array(["reject"] * len(rejects), pa.string()),
             "source": pa.array(["mixed"] * len(rejects), pa.string())}
    for f in _REJECT_FIELDS:
        extra[f] = pa.array([r.get(f[2:]) for r in rejects], schema.field(f).type)
    return _complete(pa.table({}), extra, schema, len(rejects))


_STATE: dict = {}


def _normaliser(bc):
    key = ("norm", bc.id if hasattr(bc, "id") else id(bc))
    if key not in _STATE:
        from adequa.enrich.dedupe import DedupeConfig, MinHasher

        from functools import lru_cache

        from adequa.normalise.geo import GeoResolver

        state, dedupe = pickle.loads(bc.value)
        geo = GeoResolver.__new__(GeoResolver)
        geo.__dict__.update(state)
        geo.resolve = lru_cache(maxsize=65536)(geo._resolve)
        _STATE[key] = (geo, MinHasher(dedupe or DedupeConfig()))
    return _STATE[key]


def _normalised_schema_arrow():
    import pyarrow as pa

    from adequa.pipeline.ingest import ADS_SCHEMA

    return pa.schema(list(ADS_SCHEMA) + [
        ("seq", pa.int64()), ("content_key", pa.int64()), ("bands", pa.list_(pa.int64())), ("what", pa.string()),
        ("r_id", pa.string()), ("r_path", pa.string()), ("r_line", pa.int64()), ("r_record", pa.string()), ("r_field", pa.string()),
        ("r_reason", pa.string()), ("r_raw", pa.string())])


def _complete(table, extra: dict, schema, n: int | None = None):
    """A table of ``schema``: columns from ``table`` or ``extra``, the others null."""
    import pyarrow as pa

    n = table.num_rows if n is None else n
    cols = []
    for f in schema:
        if f.name in extra:
            cols.append(extra[f.name])
        elif f.name in table.column_names:
            cols.append(table.column(f.name))
        else:
            cols.append(pa.nulls(n, f.type))
    return pa.table(cols, schema=schema)


def _enricher(bc):
    key = ("enrich", bc.id if hasattr(bc, "id") else id(bc))
    if key not in _STATE:
        from adequa.enrich.skills import SkillExtractor

        payload = pickle.loads(bc.value)
        ex = SkillExtractor(pickle.loads(payload["compiled"]))
        ex.semantic = payload["semantic"]
        clf = None
        if payload["classifier"]:
            from adequa.enrich.domain import DomainTagger
            from adequa.enrich.occupation import OccupationClassifier

            folder = Path(tempfile.mkdtemp(prefix="adequa-occ-"))
            for name, data in payload["classifier"].items():
                (folder / name).write_bytes(data)
            clf = OccupationClassifier.load(folder, DomainTagger.from_yaml())
            shutil.rmtree(folder, ignore_errors=True)
        _STATE[key] = (ex, clf)
    return _STATE[key]


def _enrich_batches(bc):
    def run(batches):
        import pyarrow as pa

        from adequa.pipeline.annotate import annotate_ad
        from adequa.pipeline.enrich import _domain

        ex, clf = _enricher(bc)
        version = ex.version
        schema = _enriched_schema_arrow()
        for batch in batches:
            cols = batch.to_pydict()
            rows = []
            for ad_id, title, desc in zip(cols["ad_id"], cols["title"], cols["description"]):
                rec = annotate_ad({"id": ad_id, "title": title, "description": desc}, ex, clf, "fr")
                occ = rec.get("occupation") or {}
                rows.append({"ad_id": ad_id, "rome": occ.get("rome"), "appellation": occ.get("appellation"),
                             "score": occ.get("score"), "candidates": json.dumps(occ.get("candidates") or []),
                             "fap2021": rec.get("fap2021"), "fap2009": rec.get("fap2009"), "isco": rec.get("isco"),
                             "esco_occupation": rec.get("esco_occupation"), "domain": _domain(rec.get("domain")),
                             "taxonomy_version": version,
                             "skills": [{"field": m.get("field", "description"), "start": m["start"], "end": m["end"],
                                         "text": m["text"], "rome_ogr": m["rome_ogr"], "esco_uri": m["esco_uri"],
                                         "label": m["label"], "kind": m["kind"], "score": float(m["score"]),
                                         "method": m["method"], "unlisted": bool(m["unlisted"])}
                                        for m in rec["skills"]]})
            yield from pa.Table.from_pylist(rows, schema=schema).to_batches()
    return run


def _enriched_schema_arrow():
    import pyarrow as pa

    s, d = pa.string(), pa.float64()
    mention = pa.struct([("field", s), ("start", pa.int32()), ("end", pa.int32()), ("text", s), ("rome_ogr", s),
                         ("esco_uri", s), ("label", s), ("kind", s), ("score", d), ("method", s),
                         ("unlisted", pa.bool_())])
    return pa.schema([("ad_id", s), ("rome", s), ("appellation", s), ("score", d), ("candidates", s),
                      ("fap2021", s), ("fap2009", s), ("isco", s), ("esco_occupation", s), ("domain", s),
                      ("taxonomy_version", s), ("skills", pa.list_(mention))])


# -- driver side ---------------------------------------------------------------------------------
def _enrichment_payload(settings: Settings) -> tuple[bytes, str]:
    """What executors need to enrich: the compiled taxonomy and the classifier's files (pickled)."""
    from adequa.pipeline.annotate import load_models

    ex, clf = load_models(settings)
    files = None
    if clf is not None:
        folder = Path(tempfile.mkdtemp(prefix="adequa-occ-save-"))
        try:
            clf.save(folder / "c")
            files = {p.name: p.read_bytes() for p in (folder / "c").iterdir()}
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    payload = {"compiled": pickle.dumps(ex.c, protocol=pickle.HIGHEST_PROTOCOL), "semantic": ex.semantic,
               "classifier": files}
    return pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL), ex.version


def _geo_payload(settings: Settings, dedupe=None) -> bytes:
    from adequa.enrich.dedupe import DedupeConfig
    from adequa.pipeline.ingest import load_geo
    from adequa.store.duckdb import Warehouse

    if Path(settings.db).exists():
        with Warehouse(settings.db) as wh:
            geo = load_geo(settings, wh)
    else:
        geo = load_geo(settings, None)
    state = {k: v for k, v in vars(geo).items() if k != "resolve"}     # its per-instance cache is rebuilt
    return pickle.dumps((state, dedupe or DedupeConfig()), protocol=pickle.HIGHEST_PROTOCOL)


def spark_sql(sql: str) -> str:
    """SQL written for DuckDB (standard literals and identifiers) -> the same query for Spark SQL.

    Only the lexical differences are translated, the query itself is untouched: inside a string
    literal a doubled quote becomes ``\\'`` and a backslash ``\\\\`` (Spark reads ``'a''b'`` as
    ``'ab'`` and treats backslashes as escapes); a double-quoted identifier becomes a back-quoted one
    (Spark would read ``"end"`` as a string); ``--`` comments are kept as they are."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch == "-" and sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            out.append(sql[i:j])
            i = j
        elif ch == "'":
            j, lit = i + 1, []
            while j < n:
                if sql[j] == "'":
                    if j + 1 < n and sql[j + 1] == "'":
                        lit.append("\\'")
                        j += 2
                        continue
                    break
                lit.append("\\\\" if sql[j] == "\\" else sql[j])
                j += 1
            if j >= n:
                raise ValueError(f"unterminated string literal in SQL at character {i}")
            out.append("'" + "".join(lit) + "'")
            i = j + 1
        elif ch == '"':
            j = sql.find('"', i + 1)
            if j < 0:
                raise ValueError(f"unterminated quoted identifier in SQL at character {i}")
            out.append("`" + sql[i + 1:j].replace("`", "``") + "`")
            i = j + 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _read(spark, path: Path):
    return spark.read.option("mergeSchema", "false").parquet(str(path))


# Checkpoints of the run (read back once or twice, then deleted): a light codec, CPU before size.
_WORK_CODEC = os.environ.get("ADEQUA_SPARK_WORK_CODEC", "lz4")


def _write(df, path: Path, partitioned: bool, codec: str | None = None) -> None:
    w = df.write.mode("overwrite")
    if codec:
        w = w.option("compression", codec)
    if partitioned:
        w = w.partitionBy("p_source", "p_month")
    w.parquet(str(path))


def _materialise(spark, df, path: Path, codec: str | None = None):
    """``df`` written at ``path`` and read back: later steps start from the stored rows instead of
    recomputing the plan (Spark re-runs a lineage each time it is used), and a plan that adaptive
    execution cannot run whole is cut there."""
    _write(df, path, False, codec)
    return _read(spark, path)


def _dense_numbers(spark, df, order: str, base: int, path: Path):
    """``df`` (``content_key`` and the unique column ``order``) with ``arrival``: ``base``, ``base`` + 1, …
    in ``order`` order, computed in parallel (range partitions sorted within, numbered by an offset per
    partition) and materialised at ``path`` (so that the sampled range bounds are drawn once)."""
    from pyspark.sql import functions as F

    parallel = int(spark.conf.get("spark.sql.shuffle.partitions"))
    ranged = (df.select("content_key", order).repartitionByRange(parallel, order).sortWithinPartitions(order)
              .withColumn("_mid", F.monotonically_increasing_id()))
    ranged = _materialise(spark, ranged, path)
    counts = sorted((r["_p"], r["count"]) for r in
                    ranged.groupBy(F.shiftright("_mid", 33).alias("_p")).count().collect())
    offsets, total = [], base
    for part, n in counts:
        offsets += [F.lit(int(part)).cast("long"), F.lit(int(total)).cast("long")]
        total += n
    if not offsets:
        return ranged.select("content_key", F.lit(None).cast("long").alias("arrival"))
    start = F.element_at(F.create_map(*offsets), F.shiftright("_mid", 33))
    return ranged.select("content_key", (start + F.col("_mid").bitwiseAND(F.lit((1 << 33) - 1))).alias("arrival"))


def spark_pipeline(spark, settings: Settings, files: Sequence[Path], layout: Path, *,
                   enrich: bool = True, log=print, dedupe=None) -> dict:
    """Ingest ``files``, enrich and aggregate on ``spark``; write the layout under ``layout``.

    ``dedupe`` (an ``adequa.enrich.dedupe.DedupeConfig``, default the defaults) must be the one the
    DuckDB engine uses for the two engines to cluster alike.

    Returns counts per table (``tables``), seconds per stage (``seconds``) and each stage's start and
    end as epoch seconds (``marks``, for measuring CPU per stage). The DuckDB warehouse is not touched
    (see :func:`import_to_warehouse`).
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from adequa.enrich.dedupe import DedupeConfig, connected_clusters
    from adequa.store import parquet

    layout = Path(layout)
    layout.mkdir(parents=True, exist_ok=True)
    work = layout / f"._work-{os.getpid()}-{int(time.time())}"
    existing = set(parquet.tables_in(layout))
    timings: dict[str, float] = {}
    marks: dict[str, tuple[float, float]] = {}     # stage -> (start, end), epoch seconds
    staged: dict[str, Path] = {}
    sc = spark.sparkContext
    parallel = int(spark.conf.get("spark.sql.shuffle.partitions"))
    cfg = dedupe or DedupeConfig()
    try:
        # 1. ingest: read (one task per file), normalise (mapInArrow), checkpoint to Parquet.
        t0 = time.perf_counter()
        geo_bc = sc.broadcast(_geo_payload(settings, cfg))
        tasks = _read_tasks([str(p) for p in files])
        normalised = (spark.range(0, len(tasks), 1, max(1, len(tasks)))
                      .mapInArrow(_ingest_batches(tasks, geo_bc), _normalised_schema()))
        norm = _materialise(spark, normalised, work / "normalised", _WORK_CODEC)
        marks["ingest/normalise"] = (t_start := time.time() - (time.perf_counter() - t0), time.time())
        ads_fields = [f.name for f in _ads_spark_fields()]
        ad_rows = norm.where("what = 'ad'")
        # Every step below works on narrow columns (keys, dates); the wide rows (texts) are read once,
        # at the final write, and joined to the small per-ad results there.
        # the last record of an ad_id in input order wins (seq is unique per record)
        winners = ad_rows.groupBy("ad_id").agg(F.max("seq").alias("seq"))
        # one row per text: its hash and the LSH buckets of its first record in input order (texts equal
        # up to case and spacing share a key but not always their shingles: the warehouse keeps the first)
        # (and the text's arrival: its first record, ``_first``)
        per_text = (ad_rows.groupBy("content_key")
                    .agg(F.min_by(F.struct("content_hash", "bands"), "seq").alias("_t"), F.min("seq").alias("_first"))
                    .select("content_key", "_t.content_hash", "_t.bands", "_first"))
        rejects = norm.where("what = 'reject'").select(
            F.col("r_id").alias("reject_id"), F.col("source"), F.col("r_path").alias("origin_file"),
            F.col("r_line").alias("line"), F.col("r_record").alias("record"), F.col("r_field").alias("field"),
            F.col("r_reason").alias("reason"), F.col("r_raw").alias("raw"))
        # texts the layout holds already keep their hash, bands and arrival (as in the DuckDB engine's
        # warehouse); new texts are numbered on after them in the order of their first record
        base = 0
        old_texts = None
        if "ad_text_clusters" in existing:
            old_texts = _read(spark, layout / "ad_text_clusters")
            if "arrival" not in old_texts.columns:          # a layout written before arrival numbers
                old_texts = old_texts.withColumn("arrival", F.lit(None).cast("long"))
            old_texts = old_texts.select("content_key", "content_hash", F.col("arrival").cast("long"))
            top, unknown = old_texts.agg(F.max("arrival"), F.count_if(F.col("arrival").isNull())).collect()[0]
            base = 0 if top is None else int(top) + 1
            if unknown:    # texts without a number: after the known ones, in content_key order (as
                # ``ingest_sink.repair_text_arrivals`` numbers them in the warehouse)
                todo = old_texts.where(F.col("arrival").isNull()).select("content_key",
                                                                        F.col("content_key").alias("_k"))
                numbered = _dense_numbers(spark, todo, "_k", base, work / "_old_arrival")
                old_texts = (old_texts.join(numbered.withColumnRenamed("arrival", "_a"), "content_key", "left")
                             .select("content_key", "content_hash", F.coalesce("arrival", "_a").alias("arrival")))
                base += int(unknown)
            per_text = per_text.join(old_texts.select("content_key"), "content_key", "left_anti")
        per_text = _materialise(spark, per_text, work / "_new_texts", _WORK_CODEC)
        arrival = _dense_numbers(spark, per_text, "_first", base, work / "_arrival")
        bands = per_text.select("content_key", F.explode("bands").alias("bucket"))
        texts = per_text.select("content_key", "content_hash").join(arrival, "content_key")
        if "ad_lsh_bands" in existing:
            bands = bands.unionByName(_read(spark, layout / "ad_lsh_bands").select("content_key", "bucket"))
        if old_texts is not None:
            texts = texts.unionByName(old_texts)
        if "rejects" in existing:
            old_rej = _read(spark, layout / "rejects").select(*rejects.columns)
            rejects = rejects.unionByName(old_rej.join(rejects.select("reject_id"), "reject_id", "left_anti"))
        rejects = rejects.dropDuplicates(["reject_id"])
        t1 = time.time()
        bands = _materialise(spark, bands, work / "ad_lsh_bands")
        marks["ingest/bands"] = (t1, time.time())
        timings["ingest"] = time.perf_counter() - t0
        marks["ingest"] = (t_start, time.time())

        # 2. near-duplicates: pairs of texts sharing enough LSH buckets, components, earliest ad.
        t0 = time.perf_counter()
        # the bucket cap: a bucket pairs only its first max_bucket texts in arrival order; only the
        # members of buckets over the cap need ranking (a window over every band row cost ~20 % more)
        texts = _materialise(spark, texts, work / "_texts")
        cap = int(cfg.max_bucket)
        sizes = bands.groupBy("bucket").count().where("count >= 2")
        sized = bands.join(sizes, "bucket")
        ranked = (sized.where(F.col("count") > cap).drop("count")
                  .join(texts.select("content_key", "arrival"), "content_key")
                  .withColumn("_rank", F.row_number().over(Window.partitionBy("bucket").orderBy("arrival")))
                  .where(F.col("_rank") <= cap).select("bucket", "content_key"))
        usable = sized.where(F.col("count") <= cap).select("bucket", "content_key").unionByName(ranked)
        # materialised: a self-join straight on the union fails at scale once adaptive execution
        # coalesces its two sides differently ("Can't zip RDDs with unequal numbers of partitions")
        usable = _materialise(spark, usable, work / "_usable")
        pairs = (usable.alias("x").join(usable.alias("y"), "bucket")
                 .where("x.content_key < y.content_key")
                 .groupBy(F.col("x.content_key").alias("a"), F.col("y.content_key").alias("b")).count()
                 .where(f"count >= {int(cfg.min_shared_bands)}").select("a", "b"))
        import numpy as np
        import pyarrow as pa

        got = pairs.toArrow() if hasattr(pairs, "toArrow") else pa.Table.from_pandas(pairs.toPandas())
        if got.num_rows:
            a = got.column("a").to_numpy()
            b = got.column("b").to_numpy()
            nodes = np.unique(np.concatenate([a, b]))
            edges = np.stack([np.searchsorted(nodes, a), np.searchsorted(nodes, b)], axis=1)
            labels = connected_clusters(len(nodes), edges)
            comp = pa.table({"content_key": nodes, "component": nodes[labels]})
            comp = spark.createDataFrame(comp if _arrow_in() else comp.to_pandas())
        else:
            comp = spark.createDataFrame([], "content_key long, component long")
        clusters = (texts.join(comp, "content_key", "left")
                    .select("content_key", "content_hash",
                            F.coalesce("component", "content_key").alias("component"), "arrival"))
        clusters = _materialise(spark, clusters, work / "ad_text_clusters")
        marks["dedupe/pairs"] = (time.time() - (time.perf_counter() - t0), time.time())
        t1 = time.time()
        # per ad (narrow): its component, then per component its earliest ad as representative
        keys = ad_rows.select("seq", "ad_id", "content_hash", "created_at").join(winners, ["ad_id", "seq"], "left_semi")
        if "ads" in existing:
            old = _read(spark, layout / "ads").select(*ads_fields)
            old = old.join(winners.select("ad_id"), "ad_id", "left_anti")
            keys = keys.unionByName(old.select(F.lit(None).cast("long").alias("seq"), "ad_id", "content_hash",
                                               "created_at"))
        order = F.concat(F.coalesce(F.col("created_at").cast("string"), F.lit("9999-12-31")), F.col("ad_id"))
        with_comp = keys.join(clusters.select("content_hash", "component"), "content_hash", "left")
        reps = with_comp.groupBy("component").agg(F.min_by("ad_id", order).alias("_rep"))
        cluster_of = (with_comp.join(reps, "component", "left")
                      .select("ad_id", F.coalesce("_rep", "ad_id").alias("_cluster")))
        # the wide rows, once: the winning record of each new ad (and the layout's other ads)
        new_ads = ad_rows.join(winners, ["ad_id", "seq"], "left_semi").select(*ads_fields)
        if "ads" in existing:
            new_ads = new_ads.unionByName(old)
        ads = (new_ads.join(cluster_of, "ad_id", "left")
               .withColumn("duplicate_cluster", F.coalesce("_cluster", "ad_id"))
               .select(*ads_fields)
               .withColumn("ingested_at", F.current_timestamp())
               .selectExpr("*", *parquet.partition_exprs_spark()))
        _write(ads, work / "ads", True)
        _write(rejects, work / "rejects", False)
        marks["dedupe/ads"] = (t1, time.time())
        staged.update(ads=work / "ads", rejects=work / "rejects", ad_lsh_bands=work / "ad_lsh_bands",
                      ad_text_clusters=work / "ad_text_clusters")
        ads = _read(spark, work / "ads")
        timings["dedupe"] = time.perf_counter() - t0
        marks["dedupe"] = (time.time() - timings["dedupe"], time.time())

        # 3. enrichment per partition, taxonomies broadcast once.
        parts = ads.select("ad_id", "p_source", "p_month")
        if enrich:
            t0 = time.perf_counter()
            payload, version = _enrichment_payload(settings)
            enrich_bc = sc.broadcast(payload)
            todo = ads.select("ad_id", "title", "description")
            kept_occ = kept_m = None
            if "ad_occupations" in existing:
                old_occ = _read(spark, layout / "ad_occupations").drop("p_source", "p_month")
                kept_occ = old_occ.where(F.col("taxonomy_version") == F.lit(version)).join(parts.select("ad_id"),
                                                                                          "ad_id", "left_semi")
                todo = todo.join(kept_occ.select("ad_id"), "ad_id", "left_anti")
                if "skill_mentions" in existing:
                    kept_m = (_read(spark, layout / "skill_mentions").drop("p_source", "p_month")
                              .join(kept_occ.select("ad_id"), "ad_id", "left_semi"))
            enriched = todo.repartition(parallel).mapInArrow(_enrich_batches(enrich_bc), _enriched_schema())
            enriched = _materialise(spark, enriched, work / "enriched", _WORK_CODEC)
            occ = enriched.drop("skills").withColumn("enriched_at", F.current_timestamp())
            mentions = enriched.select("ad_id", F.explode("skills").alias("m")).select(
                "ad_id", "m.field", "m.start", "m.end", "m.text", "m.rome_ogr", "m.esco_uri", "m.label", "m.kind",
                "m.score", "m.method", "m.unlisted", F.lit(version).alias("taxonomy_version"))
            if kept_occ is not None:
                occ = occ.unionByName(kept_occ.select(*occ.columns))
            if kept_m is not None:
                mentions = mentions.unionByName(kept_m.select(*mentions.columns))
            _write(occ.join(parts, "ad_id"), work / "ad_occupations", True)
            _write(mentions.join(parts, "ad_id"), work / "skill_mentions", True)
            staged.update(ad_occupations=work / "ad_occupations", skill_mentions=work / "skill_mentions")
            timings["enrich"] = time.perf_counter() - t0
            marks["enrich"] = (time.time() - timings["enrich"], time.time())

        # 4. the indicators' facts, in Spark SQL.
        t0 = time.perf_counter()
        _read(spark, staged["ads"]).createOrReplaceTempView("ads")
        have_occ = "ad_occupations" in staged
        if have_occ:
            _read(spark, staged["ad_occupations"]).createOrReplaceTempView("ad_occupations")
            _read(spark, staged["skill_mentions"]).createOrReplaceTempView("skill_mentions")
        for name, df in _facts(spark, have_occ).items():
            _write(df, work / name, False)
            staged[name] = work / name
        timings["facts"] = time.perf_counter() - t0
        marks["facts"] = (time.time() - timings["facts"], time.time())

        # 5. swap every staged table in.
        counts = {name: _parquet_rows(path) for name, path in staged.items()}
        for name, path in staged.items():
            parquet.swap_in(path, layout / name)
        parquet.write_manifest(layout, "spark", counts, master=sc.master)
        return {"tables": counts, "seconds": {k: round(v, 2) for k, v in timings.items()}, "layout": str(layout),
                "marks": marks}
    except Exception as exc:
        if isinstance(exc, AdequaError):
            raise
        raise SparkRunError(_python_error(exc)) from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _arrow_in() -> bool:
    """Whether this PySpark makes DataFrames straight from Arrow tables (4.0 on)."""
    try:
        import pyspark

        return int(pyspark.__version__.split(".")[0]) >= 4
    except Exception:       # noqa: BLE001 - no pyspark: the question does not arise
        return False


def _parquet_rows(folder: Path) -> int:
    """Rows of a Parquet folder, from the files' footers (no Spark job)."""
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(p).metadata.num_rows for p in Path(folder).rglob("*.parquet"))


def _python_error(exc: Exception) -> str:
    """The Python error raised on an executor, from Spark's long message."""
    text = str(exc)
    for marker in ("adequa.errors.InputError: ", "InputError: "):
        if marker in text:
            return "input error: " + text.split(marker, 1)[1].splitlines()[0]
    lines = [ln for ln in text.splitlines() if ln.strip()]
    errs = [ln for ln in lines if "Error" in ln or "Exception" in ln]
    return f"Spark job failed: {(errs[-1] if errs else lines[-1] if lines else type(exc).__name__)[:500]}"


def _facts(spark, have_occ: bool) -> dict:
    """``offer_facts`` and ``skill_facts`` (DataFrames) from the views ``ads``, ``ad_occupations`` and
    ``skill_mentions``: the very queries :func:`adequa.indicators.facts.build` runs on DuckDB
    (:func:`~adequa.indicators.facts.fact_queries`), through :func:`spark_sql`."""
    from adequa.indicators import facts

    spark.sql(spark_sql(facts.ad_cells_sql(have_occ))).createOrReplaceTempView("_ad_cells")
    return {name: spark.sql(spark_sql(sql)) for name, sql in facts.fact_queries(have_occ).items()}


def import_to_warehouse(layout: str | Path, db: str | Path) -> dict[str, int]:
    """Make the warehouse's tables those of the layout, and mark the imported facts fresh."""
    from adequa.indicators import facts
    from adequa.store.duckdb import Warehouse
    from adequa.store.parquet import import_layout

    counts = import_layout(layout, db)
    if "offer_facts" in counts:
        with Warehouse(db) as wh:
            # The coarser rollups the dashboard reads are derived from the fine facts inside DuckDB
            # (small tables): built here too, so a Spark-built warehouse has them like a DuckDB-built one.
            rollups = getattr(facts, "build_rollups", None)
            if rollups is not None:
                rollups(wh.con)
            wh.con.execute("INSERT OR REPLACE INTO indicator_facts_state (name, fingerprint, built_at, seconds) "
                           "VALUES ('ads', ?, now(), 0)", [facts.fingerprint(wh.con)])
    return counts


def run_spark(settings: Settings, inputs: Sequence[str | Path] | None = None, master: str = "local[2]",
              out: Path | None = None, *, layout: str | Path | None = None, enrich: bool = True,
              warehouse: bool = True, full: bool | None = None, group: str = "data-ia",
              territory: str = "france", period: str | None = None) -> dict:
    """``adequa run --engine spark``: the ads stages on Spark, the rest as with DuckDB.

    :param inputs: job-ad files or folders (default: ``<data root>/offers``).
    :param master: Spark master URL (``local[2]``, ``spark://host:7077``, ``yarn``, ``k8s://…``).
    :param out: folder of the study; when given (or ``full``), referentials are loaded first and the
        statistics, training and study stages of ``adequa run`` follow the Spark stages.
    :param layout: Parquet layout folder (default :func:`default_layout`).
    :param warehouse: import the layout into the DuckDB warehouse ``settings.db`` afterwards.
    :param group, territory, period: those of the study (with ``out``).
    """
    from rich.console import Console

    from adequa.store.spark import check_master, spark_session

    console = Console(stderr=True)
    master = check_master(master)
    full = out is not None if full is None else full
    layout = Path(layout) if layout else default_layout(settings)
    files = input_files(inputs, settings)
    if not files:
        raise InputError("no job-ad files to ingest (csv, json, jsonl)", path=str(inputs or settings.data_root()))
    results: dict = {}
    if full:
        from adequa.pipeline import run as duck

        with console.status("referentials (DuckDB)"):
            results["referentials"] = duck._referentials(settings)
    with console.status(f"Spark {master}: ingest, enrich and facts of {len(files)} file(s)"):
        spark = spark_session(master)
        results["spark"] = spark_pipeline(spark, settings, files, layout, enrich=enrich, log=console.print)
    console.print(f"[green]✓[/] spark: {results['spark']['tables']} [dim]{results['spark']['seconds']}[/]")
    if warehouse:
        with console.status(f"importing {layout} into {settings.db}"):
            results["import"] = import_to_warehouse(layout, settings.db)
        console.print(f"[green]✓[/] warehouse {settings.db}: {results['import']}")
    if full:
        from adequa.pipeline import run as duck

        for name, step in (("statistics", lambda: duck._statistics(settings, settings.data_root())),
                           ("training", lambda: duck._training(settings, settings.data_root())),
                           ("study", lambda: duck._study(settings, Path(out or "study"), group, territory, period))):
            t0 = time.perf_counter()
            results[name] = step()
            console.print(f"[green]✓[/] {name} [dim]({time.perf_counter() - t0:.1f} s)[/]")
    return results


# -- checking that both engines agree ---------------------------------------------------------------
def _comparable(result) -> dict:
    d = result.to_dict()
    d["provenance"].pop("retrieved_at", None)
    d["provenance"].pop("version", None)
    d.pop("notes", None)        # wording about where the figures were read from (facts or ads)
    return d


def compare_warehouses(db_a: str | Path, db_b: str | Path, *, territories: Sequence[str] = ("france",),
                       groups: Sequence[str] = ("data-ia",), periods: Sequence[str | None] = (None,),
                       names: Sequence[str] | None = None) -> dict:
    """Every declared indicator computed on two warehouses (e.g. DuckDB engine, Spark engine):
    ``{"compared": n, "equal": n, "differences": [(name, group, territory, period, a, b), ...],
    "missing": [...]}``. An indicator missing its inputs on both sides is listed under ``missing``."""
    from adequa.indicators import compute, list_indicators, open_warehouse
    from adequa.indicators.base import MissingData

    names = list(names) if names else [d.name for d in list_indicators()]
    con_a, con_b = open_warehouse(db_a), open_warehouse(db_b)
    out = {"compared": 0, "equal": 0, "differences": [], "missing": []}
    try:
        for group in groups:
            for territory in territories:
                for period in periods:
                    for name in names:
                        got = []
                        for con in (con_a, con_b):
                            try:
                                got.append(_comparable(compute(name, con=con, group=group, territory=territory,
                                                               period=period)))
                            except MissingData as exc:
                                got.append(("missing", str(exc)))
                        if got[0] == got[1] and isinstance(got[0], tuple):
                            out["missing"].append(name)
                            continue
                        out["compared"] += 1
                        if got[0] == got[1]:
                            out["equal"] += 1
                        else:
                            out["differences"].append((name, group, territory, period, got[0], got[1]))
    finally:
        con_a.close()
        con_b.close()
    return out
