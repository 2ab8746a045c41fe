"""Helpers shared by several test modules (not collected: no ``test_`` prefix)."""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import duckdb


def sorted_rows(db: Path, sql: str) -> list[tuple]:
    """The rows of ``sql`` on the DuckDB file ``db``, sorted: engines and runs may store rows in any order."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return sorted(con.execute(sql).fetchall(), key=repr)
    finally:
        con.close()


def write_jsonl(path: Path, records) -> None:
    """``records`` as JSON Lines (UTF-8, accents kept as they are in real dumps)."""
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def local_spark(shuffle_partitions: int):
    """A local[2] Spark session for a module's fixture (``yield from local_spark(n)``), stopped after it."""
    from adequa.store.spark import spark_session

    session = spark_session("local[2]", conf={"spark.sql.shuffle.partitions": str(shuffle_partitions),
                                              "spark.default.parallelism": "2"})
    yield session
    session.stop()


@contextmanager
def cluster_reads(monkeypatch, how: str):
    """The ingestion writer reading duplicate clusters from its in-memory state (``"memory"``, the
    default path) or from the tables with SQL (``"sql"``, the reference, used past the state budget)."""
    from adequa.pipeline import ingest_sink

    with monkeypatch.context() as m:
        if how == "sql":
            m.setattr(ingest_sink.AdSink, "_cluster", ingest_sink.AdSink._cluster_sql)
        yield
