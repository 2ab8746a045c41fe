"""Named, ordered schema migrations, recorded in the ``_migrations`` table.

Each migration is a file ``adequa/store/migrations/NNNN_name.sql``; files are
applied in name order, each in its own transaction, exactly once. Number
ranges by stage keep parallel work from colliding: 00xx foundation and
referentials, 01xx ads, 02xx enrichment, 03xx statistics, 04xx training,
05xx emerging skills, 06xx publish/serve.
"""

from __future__ import annotations

from importlib import resources

import duckdb


def available() -> list[tuple[str, str]]:
    """(name, sql) of every migration shipped with the package, in order."""
    folder = resources.files("adequa.store") / "migrations"
    files = sorted(p for p in folder.iterdir() if p.name.endswith(".sql"))
    return [(p.name[:-4], p.read_text(encoding="utf-8")) for p in files]


def apply(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the migrations not yet recorded; return the names applied."""
    con.execute("CREATE TABLE IF NOT EXISTS _migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP DEFAULT now())")
    done = {row[0] for row in con.execute("SELECT name FROM _migrations").fetchall()}
    applied = []
    for name, sql in available():
        if name in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute("INSERT INTO _migrations (name) VALUES (?)", [name])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied
