"""Pre-aggregated facts for the ads-based indicators, and when they can be trusted.

Counting offers for a group, territory and period straight from ``ads`` joins
millions of rows to ``ad_occupations`` on every query. ``build`` aggregates once
(per rome × département × bassin × month × contract class) into ``offer_facts``,
and per rome × département × quarter × skill into ``skill_facts``; indicators read them while the warehouse's **fingerprint**
(row counts, duplicate marks, last ingestion and enrichment times) still equals
the one recorded at build time, and fall back to the ads themselves otherwise
(same figures, slower, with a note). ``build`` is run by
``adequa indicators refresh`` (:func:`adequa.pipeline.statistics.refresh_facts`).
"""

from __future__ import annotations

import time

# One SQL expression, shared by the facts, the durable share and the mix, so that they agree.
CONTRACT_CLASS = """CASE
  WHEN upper(contract_type) IN ('MIS', 'INTERIM', 'INTÉRIM') THEN 'intérim'
  WHEN upper(contract_type) = 'CDI' THEN 'plus de 6 mois'
  WHEN upper(contract_type) IN ('ALT', 'APP', 'PRO', 'STG', 'STAGE') THEN 'autre'
  WHEN contract_months IS NULL THEN CASE WHEN durable THEN 'plus de 6 mois' ELSE 'autre' END
  WHEN contract_months > 6 THEN 'plus de 6 mois'
  WHEN contract_months >= 1 THEN 'de 1 à 6 mois'
  ELSE 'moins d''un mois' END"""
DURABLE = f"coalesce(durable, ({CONTRACT_CLASS}) = 'plus de 6 mois')"


def _exists(con, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND schema_name = 'main'",
                            [name]).fetchone()[0])


def fingerprint(con) -> str:
    """A cheap summary of what the facts depend on."""
    parts = []
    a = con.execute("SELECT count(*), count(duplicate_cluster), max(ingested_at) FROM ads").fetchone()
    parts.append("ads:" + ":".join(map(str, a)))
    if _exists(con, "ad_occupations"):
        o = con.execute("SELECT count(*), count(rome), max(enriched_at) FROM ad_occupations").fetchone()
        parts.append("occ:" + ":".join(map(str, o)))
    if _exists(con, "skill_mentions"):
        parts.append(f"skills:{con.execute('SELECT count(*) FROM skill_mentions').fetchone()[0]}")
    return "|".join(parts)


def fresh(con) -> bool:
    """True when facts exist and were built from the warehouse as it is now."""
    if not _exists(con, "indicator_facts_state") or not _exists(con, "ads"):
        return False
    row = con.execute("SELECT fingerprint FROM indicator_facts_state WHERE name = 'ads'").fetchone()
    return bool(row) and row[0] == fingerprint(con)


def build(con) -> dict:
    """(Re)build ``offer_facts`` and ``skill_facts`` on a writable connection; returns row counts and seconds."""
    t0 = time.perf_counter()
    has_occ = _exists(con, "ad_occupations")
    rome = "coalesce(o.rome, a.source_rome)" if has_occ else "a.source_rome"
    join = "LEFT JOIN ad_occupations o ON o.ad_id = a.ad_id" if has_occ else ""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _ad_cells AS
            SELECT a.ad_id, {rome} AS rome, a.region, a.departement, a.bassin,
                   date_trunc('month', a.created_at)::DATE AS month,
                   {CONTRACT_CLASS} AS contract_class, {DURABLE} AS durable
            FROM ads a {join}
            WHERE a.duplicate_cluster IS NULL OR a.duplicate_cluster = a.ad_id""")
        con.execute("DELETE FROM offer_facts")
        con.execute("""INSERT INTO offer_facts SELECT rome, region, departement, bassin, month, contract_class, durable,
                       count(*) FROM _ad_cells GROUP BY ALL ORDER BY region, month, rome""")
        con.execute("DELETE FROM skill_facts")
        if _exists(con, "skill_mentions"):
            con.execute("""INSERT INTO skill_facts
                SELECT c.rome, c.region, c.departement, date_trunc('quarter', c.month)::DATE, m.skill_id,
                       min(m.label), min(m.rome_ogr), min(m.kind), count(*)
                FROM (SELECT ad_id, coalesce(rome_ogr, esco_uri, lower(label)) AS skill_id, min(label) AS label,
                             min(rome_ogr) AS rome_ogr, min(kind) AS kind   -- min: the same choice as Spark
                      FROM skill_mentions WHERE NOT coalesce(unlisted, false) GROUP BY 1, 2) m
                JOIN _ad_cells c ON c.ad_id = m.ad_id
                GROUP BY c.rome, c.region, c.departement, date_trunc('quarter', c.month), m.skill_id
                ORDER BY c.region, 4, c.rome""")
        counts = {"offer_facts": con.execute("SELECT count(*) FROM offer_facts").fetchone()[0],
                  "skill_facts": con.execute("SELECT count(*) FROM skill_facts").fetchone()[0]}
        con.execute("DROP TABLE _ad_cells")
        seconds = time.perf_counter() - t0
        con.execute("INSERT OR REPLACE INTO indicator_facts_state (name, fingerprint, built_at, seconds) "
                    "VALUES ('ads', ?, now(), ?)", [fingerprint(con), seconds])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return {**counts, "seconds": round(time.perf_counter() - t0, 2)}
