"""The storage layout shared by the DuckDB and Spark engines: Parquet, partitioned by source and month.

::

    <root>/_layout.json                         layout version and what wrote it
    <root>/ads/p_source=<slug>/p_month=<YYYY-MM|unknown>/*.parquet
    <root>/ad_occupations/p_source=…/p_month=…/*.parquet   (partition of the ad)
    <root>/skill_mentions/p_source=…/p_month=…/*.parquet   (partition of the ad)
    <root>/offer_facts/*.parquet, skill_facts/, rejects/, ad_lsh_bands/, ad_text_clusters/

Columns are those of the warehouse tables of the same name (``store/migrations``), plus the two
Hive partition columns ``p_source`` (the ad's source, reduced to ``[a-z0-9._-]``) and ``p_month``
(its creation month). DuckDB (``COPY … PARTITION_BY``) and Spark (``partitionBy``) write the same
directory names, and both read each other's files.

A table is always written whole into a staging folder next to it, then swapped in, so a reader
never sees half a table and re-running a write never duplicates rows (:func:`swap_in`).

``export_warehouse(db, root)`` writes a DuckDB warehouse into the layout;
``import_layout(root, db)`` makes the warehouse tables equal to the layout's.
"""

from __future__ import annotations

import json
import re
import shutil
import time
import uuid
from pathlib import Path
from typing import Iterable, Sequence

from adequa.errors import AdequaError, InputError

__all__ = ["PARTITION_COLUMNS", "PARTITIONED", "TABLES", "LayoutError", "source_slug", "month_of",
           "partition_sql_duckdb", "partition_sql_spark", "partition_exprs_spark", "table_path", "tables_in", "swap_in",
           "export_warehouse", "import_layout", "duckdb_source", "write_manifest"]

LAYOUT_VERSION = 1
PARTITION_COLUMNS = ("p_source", "p_month")
# Tables partitioned by the ad's source and month; the others are written as a few plain files.
PARTITIONED = ("ads", "ad_occupations", "skill_mentions")
TABLES = ("ads", "ad_occupations", "skill_mentions", "rejects", "ad_lsh_bands", "ad_text_clusters",
          "offer_facts", "skill_facts")


class LayoutError(AdequaError):
    """The Parquet layout is missing, foreign or inconsistent."""


# -- partition keys: one definition, in Python and in both SQL dialects ------------------------
_SLUG = re.compile(r"[^a-z0-9._-]+")


def source_slug(source: str | None) -> str:
    """The partition value of a source name: lower case, runs of other characters as ``_``."""
    return _SLUG.sub("_", (source or "unknown").lower()) or "unknown"


def month_of(created_at) -> str:
    """``YYYY-MM`` of a date (or ISO string), ``unknown`` when absent."""
    if created_at is None or created_at == "":
        return "unknown"
    return str(created_at)[:7]


def partition_sql_duckdb(source: str = "source", created_at: str = "created_at") -> str:
    return (f"regexp_replace(lower(coalesce({source}, 'unknown')), '[^a-z0-9._-]+', '_', 'g') AS p_source, "
            f"coalesce(strftime({created_at}, '%Y-%m'), 'unknown') AS p_month")


def partition_exprs_spark(source: str = "source", created_at: str = "created_at") -> list[str]:
    """The two partition columns as Spark SQL expressions (for ``selectExpr``)."""
    return [f"regexp_replace(lower(coalesce({source}, 'unknown')), '[^a-z0-9._-]+', '_') AS p_source",
            f"coalesce(date_format({created_at}, 'yyyy-MM'), 'unknown') AS p_month"]


def partition_sql_spark(source: str = "source", created_at: str = "created_at") -> str:
    return ", ".join(partition_exprs_spark(source, created_at))


# -- folders -----------------------------------------------------------------------------------
def table_path(root: str | Path, table: str) -> Path:
    if table not in TABLES:
        raise InputError(f"unknown layout table {table!r}; expected one of {', '.join(TABLES)}", field="table")
    return Path(root) / table


def tables_in(root: str | Path) -> list[str]:
    """The layout tables present under ``root`` (a folder holding at least one Parquet file)."""
    root = Path(root)
    return [t for t in TABLES if (root / t).is_dir() and next((root / t).rglob("*.parquet"), None) is not None]


def staging_path(root: str | Path, table: str) -> Path:
    return Path(root) / f".{table}.staging-{uuid.uuid4().hex[:8]}"


def swap_in(staging: Path, final: Path) -> None:
    """Replace ``final`` by ``staging`` (two renames; the old folder is removed afterwards)."""
    old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex[:8]}")
    if final.exists():
        final.rename(old)
    staging.rename(final)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def write_manifest(root: str | Path, engine: str, tables: dict[str, int], **extra) -> Path:
    """``_layout.json``: layout version, engine, time and row count of each table written."""
    root = Path(root)
    path = root / "_layout.json"
    previous = json.loads(path.read_text()) if path.exists() else {}
    counts = {**previous.get("tables", {}), **tables}
    data = {"layout_version": LAYOUT_VERSION, "engine": engine, "written_at": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                                             time.gmtime()),
            "tables": counts, **extra}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1))
    tmp.replace(path)
    return path


def _check_root(root: Path) -> None:
    manifest = root / "_layout.json"
    if manifest.exists():
        try:
            version = json.loads(manifest.read_text()).get("layout_version")
        except ValueError as exc:
            raise LayoutError(f"{manifest}: not valid JSON ({exc})") from exc
        if version != LAYOUT_VERSION:
            raise LayoutError(f"{manifest}: layout version {version!r}, this Adequa reads {LAYOUT_VERSION}")


def duckdb_source(root: str | Path, table: str) -> str:
    """A DuckDB table expression reading one layout table (partition columns included)."""
    folder = table_path(root, table)
    glob = str(folder / "**" / "*.parquet").replace("'", "''")
    hive = "true" if table in PARTITIONED else "false"
    return f"read_parquet('{glob}', hive_partitioning = {hive}, union_by_name = true)"


# -- DuckDB <-> layout ---------------------------------------------------------------------------
def _partition_select(con, table: str) -> str:
    """SELECT of ``table`` with its partition columns (those of its ad for the enrichment tables)."""
    if table == "ads":
        return f"SELECT *, {partition_sql_duckdb()} FROM ads"
    if table in PARTITIONED:
        return (f"SELECT t.*, {partition_sql_duckdb('a.source', 'a.created_at')} "
                f"FROM \"{table}\" t LEFT JOIN ads a USING (ad_id)")
    return f'SELECT * FROM "{table}"'


def export_warehouse(db: str | Path, root: str | Path, tables: Sequence[str] | None = None) -> dict[str, int]:
    """Write warehouse tables into the layout (each table replaced whole); returns rows per table."""
    import duckdb

    root = Path(root)
    db = Path(db)
    if not db.exists():
        raise LayoutError(f"{db}: no warehouse here")
    root.mkdir(parents=True, exist_ok=True)
    _check_root(root)
    con = duckdb.connect(str(db), read_only=True)
    counts: dict[str, int] = {}
    try:
        present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
        for table in tables or TABLES:
            if table not in present:
                continue
            staging = staging_path(root, table)
            select = _partition_select(con, table)
            target = str(staging).replace("'", "''")
            n = con.execute(f"SELECT count(*) FROM ({select})").fetchone()[0]
            if table in PARTITIONED:
                if n:
                    con.execute(f"COPY ({select}) TO '{target}' (FORMAT parquet, PARTITION_BY (p_source, p_month))")
                else:
                    staging.mkdir(parents=True)
                    con.execute(f"COPY ({select} LIMIT 0) TO '{target}/part-0.parquet' (FORMAT parquet)")
            else:
                staging.mkdir(parents=True)
                con.execute(f"COPY ({select}) TO '{target}/part-0.parquet' (FORMAT parquet)")
            swap_in(staging, table_path(root, table))
            counts[table] = n
    finally:
        con.close()
    write_manifest(root, "duckdb", counts)
    return counts


def import_layout(root: str | Path, db: str | Path, tables: Iterable[str] | None = None) -> dict[str, int]:
    """Make the warehouse tables equal to the layout's (one transaction); returns rows per table.

    Columns are matched by name and cast to the warehouse's types; columns absent from the files
    take their default. (``adequa.pipeline.spark_run.import_to_warehouse`` also marks imported
    facts fresh for the indicators.)
    """
    from adequa.store.duckdb import Warehouse

    root = Path(root)
    if not root.is_dir():
        raise LayoutError(f"{root}: no Parquet layout here (run `adequa spark run … --layout {root}` or "
                          "`adequa spark export`)")
    _check_root(root)
    wanted = [t for t in (tables or TABLES) if t in tables_in(root)]
    counts: dict[str, int] = {}
    with Warehouse(db) as wh:
        with wh.transaction() as con:
            for table in wanted:
                cols = wh.columns(table)
                if not cols:
                    continue
                src = duckdb_source(root, table)
                have = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()}
                use = [(c, kind) for c, kind in cols if c in have]
                names = ", ".join(f'"{c}"' for c, _ in use)
                casts = ", ".join(f'CAST("{c}" AS {kind}) AS "{c}"' for c, kind in use)
                con.execute(f'DELETE FROM "{table}"')
                con.execute(f'INSERT INTO "{table}" ({names}) SELECT {casts} FROM {src}')
                counts[table] = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    return counts
