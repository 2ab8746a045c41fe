"""The default warehouse: one DuckDB file, migrated on open, one writer.

Writes go through ``upsert`` (keyed, inside a transaction) so a batch is
either fully visible or not at all, and re-running a load changes nothing.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import duckdb
import pyarrow as pa

from adequa.errors import AdequaError
from adequa.store import migrations


_ARROW = {"VARCHAR": pa.string(), "INTEGER": pa.int32(), "BIGINT": pa.int64(), "DOUBLE": pa.float64(),
          "BOOLEAN": pa.bool_(), "DATE": pa.date32(), "TIMESTAMP": pa.timestamp("us"), "VARCHAR[]": pa.list_(pa.string())}


def _to_arrow(rows: list[dict], fields: list[pa.Field]) -> pa.Table:
    return pa.table({f.name: pa.array([r.get(f.name) for r in rows], f.type) for f in fields},
                    schema=pa.schema(fields))


class WarehouseError(AdequaError):
    """The warehouse file cannot be opened or written."""


class Warehouse:
    """A DuckDB warehouse file. Use as a context manager, or call ``close``."""

    def __init__(self, path: str | Path, *, read_only: bool = False):
        self.path = Path(path)
        self.read_only = read_only
        if read_only and not self.path.exists():
            raise WarehouseError(f"{self.path}: no warehouse here yet (run `adequa data pull` or an ingest first)")
        try:
            if not read_only:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            raise WarehouseError(f"{self.path}: cannot open the warehouse ({exc})") from exc
        if not read_only:
            migrations.apply(self.con)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> "Warehouse":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- reading -------------------------------------------------------------
    def query(self, sql: str, params: Sequence | dict | None = None) -> list[tuple]:
        return self.con.execute(sql, params or []).fetchall()

    def query_dicts(self, sql: str, params: Sequence | dict | None = None) -> list[dict]:
        cur = self.con.execute(sql, params or [])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row)) for row in cur.fetchall()]

    def scalar(self, sql: str, params: Sequence | dict | None = None):
        # fetchall, not fetchone: DuckDB >= 2 keeps a partly fetched result open on the
        # connection, which then refuses register() and other work.
        rows = self.con.execute(sql, params or []).fetchall()
        return rows[0][0] if rows else None

    def tables(self) -> list[str]:
        return [r[0] for r in self.query("SELECT table_name FROM information_schema.tables WHERE table_schema='main' ORDER BY 1")]

    def count(self, table: str) -> int:
        return self.scalar(f'SELECT count(*) FROM "{table}"')

    # -- writing -------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def upsert(self, table: str, rows: pa.Table | Iterable[dict], *, key: Sequence[str]) -> tuple[int, int]:
        """Insert rows, replacing those whose ``key`` already exists.

        Returns (inserted, updated). Columns missing from ``rows`` stay NULL.
        The whole batch is one transaction: a crash never leaves half of it.
        """
        batch = rows if isinstance(rows, pa.Table) else pa.Table.from_pylist(list(rows))
        if batch.num_rows == 0:
            return 0, 0
        self.con.register("_batch", batch)
        try:
            cols = ", ".join(f'"{c}"' for c in batch.column_names)
            on = " AND ".join(f't."{k}" = b."{k}"' for k in key)
            with self.transaction() as con:
                # Dedupe inside the batch itself: the last row for a key wins.
                keys = ", ".join(f'"{k}"' for k in key)
                con.execute(f"CREATE OR REPLACE TEMP TABLE _b AS SELECT * FROM (SELECT *, row_number() OVER "
                            f"(PARTITION BY {keys}) AS _rn FROM _batch) QUALIFY _rn = count(*) OVER (PARTITION BY {keys})")
                existing = con.execute(f'SELECT count(*) FROM "{table}" t JOIN _b b ON {on}').fetchall()[0][0]
                con.execute(f'DELETE FROM "{table}" t USING _b b WHERE {on}')
                con.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM _b')
                total = con.execute("SELECT count(*) FROM _b").fetchall()[0][0]
                con.execute("DROP TABLE _b")
        finally:
            self.con.unregister("_batch")
        return total - existing, existing

    def record_provenance(self, table: str, *, source: str, version: str, licence: str | None = None,
                          origin: str | None = None, checksum: str | None = None, rows: int | None = None,
                          retrieved_at: str | None = None) -> None:
        self.upsert("provenance", [dict(table_name=table, source=source, version=version, licence=licence,
                                        origin=origin, checksum=checksum, rows=rows, retrieved_at=retrieved_at)],
                    key=["table_name", "version"])

    def provenance(self, table: str | None = None) -> list[dict]:
        """Provenance records, newest load first (all tables, or one)."""
        where, params = ("WHERE table_name = ?", [table]) if table else ("", [])
        return self.query_dicts(f"SELECT * FROM provenance {where} ORDER BY loaded_at DESC, table_name", params)

    def checksum_of(self, table: str, version: str) -> str | None:
        """The checksum recorded when ``table`` was loaded at ``version`` (None if never)."""
        return self.scalar("SELECT checksum FROM provenance WHERE table_name = ? AND version = ?", [table, version])

    def columns(self, table: str) -> list[tuple[str, str]]:
        """(name, DuckDB type) of a table's columns, in order."""
        return [(r[0], r[1]) for r in self.query(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'main' "
            "AND table_name = ? ORDER BY ordinal_position", [table])]

    def arrow_schema(self, table: str) -> pa.Schema:
        """The Arrow schema matching ``table``: build batches with it so that empty or all-null
        columns keep their SQL type."""
        return pa.schema([(name, _ARROW.get(kind, pa.string())) for name, kind in self.columns(table)])

    def replace_version(self, table: str, version: str, rows: pa.Table | Iterable[dict], *,
                        provenance: dict | None = None, key: Sequence[str] | None = None,
                        batch_size: int = 50_000) -> int:
        """Make ``rows`` the whole content of ``table`` for ``version``, in one transaction.

        Rows of other versions are untouched; rows of this version that are not
        in ``rows`` go (the content of a version is replaced, not merged). Rows
        are streamed in batches of ``batch_size`` (memory stays that of one
        batch). With ``provenance`` (source, licence, origin, checksum,
        retrieved_at), the provenance record is written in the same
        transaction. With ``key``, rows sharing a key raise ``WarehouseError``
        and nothing is written (for tables whose key is checked, not indexed).
        """
        schema = self.arrow_schema(table)
        if not len(schema):
            raise WarehouseError(f"{self.path}: no table {table!r}")
        total = 0
        with self.transaction() as con:
            con.execute(f'DELETE FROM "{table}" WHERE version = ?', [version])
            for batch in self._batches(rows, schema, version, batch_size):
                cols = ", ".join(f'"{c}"' for c in batch.column_names)
                con.register("_rows", batch)
                try:
                    con.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM _rows')
                finally:
                    con.unregister("_rows")
                total += batch.num_rows
            if key:
                cols_k = ", ".join(f'"{k}"' for k in key)
                dup = con.execute(f'SELECT {cols_k}, count(*) FROM "{table}" WHERE version = ? GROUP BY ALL '
                                  "HAVING count(*) > 1 LIMIT 1", [version]).fetchall()
                dup = dup[0] if dup else None
                if dup:
                    raise WarehouseError(f"{table} {version}: {dup[-1]} rows share the key "
                                         f"{dict(zip(key, dup[:-1]))}; the source file repeats a record")
            if provenance is not None:
                p = {"source": None, "licence": None, "origin": None, "checksum": None, "retrieved_at": None,
                     **provenance}
                con.execute("DELETE FROM provenance WHERE table_name = ? AND version = ?", [table, version])
                con.execute("INSERT INTO provenance (table_name, source, version, retrieved_at, licence, origin, "
                            "checksum, rows) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            [table, p["source"], version, p["retrieved_at"], p["licence"], p["origin"],
                             p["checksum"], total])
        return total

    @staticmethod
    def _batches(rows: pa.Table | Iterable[dict], schema: pa.Schema, version: str,
                 size: int) -> Iterator[pa.Table]:
        """Arrow batches typed like the table, with the ``version`` column set."""
        def versioned(batch: pa.Table) -> pa.Table:
            if "version" in batch.column_names:
                batch = batch.drop_columns(["version"])
            return batch.append_column("version", pa.array([version] * batch.num_rows, pa.string()))

        if isinstance(rows, pa.Table):
            yield versioned(rows)
            return
        names = set(schema.names) - {"version"}
        fields = None
        chunk: list[dict] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= size:
                fields = fields or [f for f in schema if f.name in names and f.name in chunk[0]]
                yield versioned(_to_arrow(chunk, fields))
                chunk = []
        if chunk or fields is None:
            fields = fields or [f for f in schema if f.name in names and (not chunk or f.name in chunk[0])]
            yield versioned(_to_arrow(chunk, fields))

    def has_version(self, table: str, version: str) -> bool:
        return bool(self.scalar("SELECT count(*) FROM provenance WHERE table_name = ? AND version = ?", [table, version]))
