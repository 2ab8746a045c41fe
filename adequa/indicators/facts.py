"""Pre-aggregated facts for the ads-based indicators, and when they can be trusted.

Counting offers for a group, territory and period straight from ``ads`` joins
millions of rows to ``ad_occupations`` on every query. ``build`` aggregates once
(per rome × département × bassin × month × contract class) into ``offer_facts``,
and per rome × département × quarter × skill into ``skill_facts``; indicators read them while the warehouse's **fingerprint**
(row counts, duplicate marks, last ingestion and enrichment times) still equals
the one recorded at build time, and fall back to the ads themselves otherwise
(same figures, slower, with a note). ``build`` is run by
``adequa indicators refresh`` (:func:`adequa.pipeline.statistics.refresh_facts`).

**Rollups** (:func:`build_rollups`, also run at the end of :func:`build`): the same counts
summed to coarser cells, so that a query reads the coarsest table that still holds the columns
it filters and groups on (:func:`offer_table`, :func:`skill_table`):

========================  ==================================================  =================
table                     cell                                                serves
========================  ==================================================  =================
``offer_facts_fr``        rome × quarter × contract class                     France
``offer_facts_reg``       + région                                            régions
``offer_facts_dep``       + département                                       départements
``offer_facts_bassin``    + bassin                                            bassins
``offer_facts_commune``   rome × commune × month                              bassin → communes
``skill_facts_fr``        skill × rome × quarter                              France
``skill_facts_reg``       + région                                            régions
``skill_cell_facts``      skill × rome × bassin × quarter × poster            départements, bassins
``skill_posters_fr``      smallest ``POSTER_CAP`` poster hashes per           distinct posters
                          skill × rome × quarter                              (France)
========================  ==================================================  =================

Month periods (2024-03) read the monthly ``offer_facts``. Rollups are used only while their
fingerprint (name ``rollups`` in ``indicator_facts_state``) matches the warehouse. The Spark
path builds the fine facts itself, then calls :func:`build_rollups` on the warehouse.
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
# Who posted an ad: the employer when known, else the opening of the description (ads of one
# employer usually start with the same company presentation); emerging trends require a change
# to be carried by several posters.
POSTER = ("coalesce(nullif(trim(a.employer), ''), "
          "left(coalesce(nullif(trim(a.description), ''), a.ad_id), 120))")
# At the France level, distinct posters of a skill are counted up to this number (POSTER_CAP = that
# many or more): skill_posters_fr keeps the POSTER_CAP smallest poster hashes of each cell.
POSTER_CAP = 20

OFFER_ROLLUPS = (("offer_facts_fr", ()), ("offer_facts_reg", ("region",)),
                 ("offer_facts_dep", ("region", "departement")),
                 ("offer_facts_bassin", ("region", "departement", "bassin")))
SKILL_ROLLUPS = (("skill_facts_fr", ()), ("skill_facts_reg", ("region",)),
                 ("skill_cell_facts", ("region", "departement", "bassin")))
ROLLUP_TABLES = tuple(t for t, _ in OFFER_ROLLUPS + SKILL_ROLLUPS) + ("offer_facts_commune", "skill_posters_fr",
                                                                     "skill_labels")


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


# -- the fine facts, declared once for every engine ----------------------------------------------
# Written in the SQL that DuckDB and Spark SQL both read the same way: CAST(… AS DATE) rather than
# ``::DATE``, explicit GROUP BY lists, functions both have (date_trunc, coalesce, nullif, lower,
# upper, min, count); a quote inside a literal is doubled as in standard SQL, which Spark reads as
# two adjacent literals, so the Spark engine passes every query through
# ``adequa.pipeline.spark_run.spark_sql`` (literal escapes only). ``build`` runs them on DuckDB,
# ``spark_run`` on Spark; tests/test_spark_facts.py compares both builds row by row.
# Each table is filled by ``SELECT … FROM _ad_cells`` (the cell of every ad counted: duplicates
# once), ``_ad_cells`` being a temporary table (DuckDB) or view (Spark) of AD_CELLS_SQL.
# min(label), min(rome_ogr), min(kind): one skill seen under several spellings or kinds keeps the
# same (smallest) one whatever the row order, in either engine.
FACT_TABLES = ("offer_facts", "skill_facts")
# Physical order of the rows written by DuckDB (zone maps for the indicators' filters); no effect on content.
FACT_ORDER = {"offer_facts": "region, month, rome", "skill_facts": "region, quarter, rome"}


def ad_cells_sql(has_occ: bool) -> str:
    """SELECT of every counted ad's cell (rome, territory, month, contract class, durable)."""
    rome = "coalesce(o.rome, a.source_rome)" if has_occ else "a.source_rome"
    join = "LEFT JOIN ad_occupations o ON o.ad_id = a.ad_id" if has_occ else ""
    return f"""SELECT a.ad_id, {rome} AS rome, a.region, a.departement, a.bassin,
               CAST(date_trunc('month', a.created_at) AS DATE) AS month,
               {CONTRACT_CLASS} AS contract_class, {DURABLE} AS durable
        FROM ads a {join}
        WHERE a.duplicate_cluster IS NULL OR a.duplicate_cluster = a.ad_id"""


def fact_queries(has_skills: bool) -> dict[str, str]:
    """``{table: SELECT}`` of the fine facts, read from ``_ad_cells`` (and ``skill_mentions``),
    columns named and ordered as the tables (``skill_facts`` only with ``has_skills``)."""
    out = {"offer_facts": """SELECT rome, region, departement, bassin, month, contract_class, durable,
               count(*) AS offers
        FROM _ad_cells GROUP BY rome, region, departement, bassin, month, contract_class, durable"""}
    if has_skills:
        out["skill_facts"] = """SELECT c.rome, c.region, c.departement,
               CAST(date_trunc('quarter', c.month) AS DATE) AS quarter, m.skill_id,
               min(m.label) AS label, min(m.rome_ogr) AS rome_ogr, min(m.kind) AS kind, count(*) AS ads
        FROM (SELECT ad_id, coalesce(rome_ogr, esco_uri, lower(label)) AS skill_id, min(label) AS label,
                     min(rome_ogr) AS rome_ogr, min(kind) AS kind
              FROM skill_mentions WHERE NOT coalesce(unlisted, false)
              GROUP BY ad_id, coalesce(rome_ogr, esco_uri, lower(label))) m
        JOIN _ad_cells c ON c.ad_id = m.ad_id
        GROUP BY c.rome, c.region, c.departement, CAST(date_trunc('quarter', c.month) AS DATE), m.skill_id"""
    return out


def build(con) -> dict:
    """(Re)build ``offer_facts`` and ``skill_facts`` on a writable connection; returns row counts and seconds."""
    t0 = time.perf_counter()
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _ad_cells AS {ad_cells_sql(_exists(con, 'ad_occupations'))}")
        queries = fact_queries(_exists(con, "skill_mentions"))
        for table in FACT_TABLES:
            con.execute(f"DELETE FROM {table}")
            if table in queries:
                con.execute(f"INSERT INTO {table} {queries[table]} ORDER BY {FACT_ORDER[table]}")
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in FACT_TABLES}
        con.execute("DROP TABLE _ad_cells")
        seconds = time.perf_counter() - t0
        con.execute("INSERT OR REPLACE INTO indicator_facts_state (name, fingerprint, built_at, seconds) "
                    "VALUES ('ads', ?, now(), ?)", [fingerprint(con), seconds])
        rolled = _rollups(con) if _exists(con, "offer_facts_fr") else {}
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return {**counts, "seconds": round(time.perf_counter() - t0, 2),
            **({"rollups": rolled} if rolled else {})}


def build_rollups(con) -> dict:
    """(Re)build the coarser rollups from ``offer_facts``, the ads and their skill mentions, on a
    writable connection (migrations applied), in one transaction; returns rows per table and seconds.

    :func:`build` calls it; an engine that writes the fine facts itself (Spark) calls it after
    importing them into the warehouse."""
    con.execute("BEGIN TRANSACTION")
    try:
        out = _rollups(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return out


def _rollups(con) -> dict:
    t0 = time.perf_counter()
    has_occ = _exists(con, "ad_occupations")
    rome = "coalesce(o.rome, a.source_rome)" if has_occ else "a.source_rome"
    join = "LEFT JOIN ad_occupations o ON o.ad_id = a.ad_id" if has_occ else ""
    for table in ROLLUP_TABLES:
        con.execute(f"DELETE FROM {table}")
    # offers: each level summed from the next finer one
    con.execute("""INSERT INTO offer_facts_bassin
        SELECT rome, region, departement, bassin, date_trunc('quarter', month)::DATE AS quarter, contract_class,
               durable, sum(offers)::BIGINT FROM offer_facts GROUP BY ALL
        ORDER BY region, departement, bassin, quarter, rome""")
    con.execute("""INSERT INTO offer_facts_dep
        SELECT rome, region, departement, quarter, contract_class, durable, sum(offers)::BIGINT
        FROM offer_facts_bassin GROUP BY ALL ORDER BY region, departement, quarter, rome""")
    con.execute("""INSERT INTO offer_facts_reg
        SELECT rome, region, quarter, contract_class, durable, sum(offers)::BIGINT
        FROM offer_facts_dep GROUP BY ALL ORDER BY region, quarter, rome""")
    con.execute("""INSERT INTO offer_facts_fr
        SELECT rome, quarter, contract_class, durable, sum(offers)::BIGINT
        FROM offer_facts_reg GROUP BY ALL ORDER BY quarter, rome""")
    # per ad: the cell, the commune and the poster (representatives of duplicate clusters only)
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _roll_ads AS
        SELECT a.ad_id, {rome} AS rome, a.region, a.departement, a.bassin, a.commune,
               date_trunc('month', a.created_at)::DATE AS month, hash({POSTER}) AS poster
        FROM ads a {join} WHERE a.duplicate_cluster IS NULL OR a.duplicate_cluster = a.ad_id""")
    con.execute("""INSERT INTO offer_facts_commune
        SELECT rome, region, departement, bassin, commune, month, count(*) FROM _roll_ads GROUP BY ALL
        ORDER BY region, departement, bassin, commune, month""")
    if _exists(con, "skill_mentions"):
        con.execute("""INSERT INTO skill_cell_facts
            SELECT c.region, c.departement, c.bassin, date_trunc('quarter', c.month)::DATE AS quarter, c.rome,
                   m.skill_id, c.poster, min(m.label), min(m.rome_ogr), min(m.kind), count(*),
                   count(*) FILTER (WHERE m.keyed)
            FROM (SELECT ad_id, coalesce(rome_ogr, esco_uri, lower(label)) AS skill_id, min(label) AS label,
                         min(rome_ogr) AS rome_ogr, min(kind) AS kind,
                         bool_or(coalesce(rome_ogr, esco_uri) IS NOT NULL) AS keyed
                  FROM skill_mentions WHERE NOT coalesce(unlisted, false) GROUP BY 1, 2) m
            JOIN _roll_ads c ON c.ad_id = m.ad_id
            GROUP BY c.region, c.departement, c.bassin, quarter, c.rome, m.skill_id, c.poster
            ORDER BY c.region, c.departement, c.bassin, quarter, c.rome""")
        con.execute("""INSERT INTO skill_facts_reg
            SELECT rome, region, quarter, skill_id, min(label), min(rome_ogr), min(kind), sum(ads)::BIGINT,
                   sum(keyed_ads)::BIGINT
            FROM skill_cell_facts GROUP BY rome, region, quarter, skill_id ORDER BY region, quarter, rome""")
        con.execute("""INSERT INTO skill_facts_fr
            SELECT rome, quarter, skill_id, min(label), min(rome_ogr), min(kind), sum(ads)::BIGINT,
                   sum(keyed_ads)::BIGINT
            FROM skill_facts_reg GROUP BY rome, quarter, skill_id ORDER BY quarter, rome""")
        con.execute(f"""INSERT INTO skill_posters_fr
            SELECT skill_id, rome, quarter, unnest(min(poster, {POSTER_CAP})) FROM (
                SELECT DISTINCT skill_id, rome, quarter, poster FROM skill_cell_facts WHERE keyed_ads > 0)
            GROUP BY skill_id, rome, quarter ORDER BY quarter, rome""")
        # the most frequent label and kind of every taxonomy skill (what emerging trends show)
        con.execute("""INSERT INTO skill_labels
            SELECT coalesce(rome_ogr, esco_uri), mode(label), mode(kind) FROM skill_mentions
            WHERE coalesce(rome_ogr, esco_uri) IS NOT NULL GROUP BY 1 ORDER BY 1""")
    con.execute("DROP TABLE _roll_ads")
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ROLLUP_TABLES}
    seconds = time.perf_counter() - t0
    con.execute("INSERT OR REPLACE INTO indicator_facts_state (name, fingerprint, built_at, seconds) "
                "VALUES ('rollups', ?, now(), ?)", [fingerprint(con), seconds])
    return {**counts, "seconds": round(seconds, 2)}


def rollups_fresh(con) -> bool:
    """True when the rollups exist and were built from the warehouse as it is now."""
    if not _exists(con, "indicator_facts_state") or not _exists(con, "offer_facts_fr"):
        return False
    row = con.execute("SELECT fingerprint FROM indicator_facts_state WHERE name = 'rollups'").fetchone()
    return bool(row) and row[0] == fingerprint(con)


def quarterly(period) -> bool:
    """True when a period (or None: all time) is made of whole quarters, so quarterly cells answer it."""
    return period is None or ((period.start.month - 1) % 3 == 0 and period.start.day == 1
                              and (period.end.month - 1) % 3 == 0 and period.end.day == 1)


def _pick(rollups, need: set) -> tuple[str, tuple] | None:
    for table, cols in rollups:
        if need <= set(cols):
            return table, cols
    return None


def offer_table(period, level: str | None, by=()) -> tuple[str, str, tuple] | None:
    """``(table, time column, territory columns)`` of the coarsest offers table answering a query on
    ``period`` and a territory ``level`` (None or france: no filter), grouped by ``by``; None when no
    rollup can (the caller then reads ``offer_facts`` or the ads). Assumes :func:`rollups_fresh`."""
    geo = {"region", "departement", "bassin", "commune"}
    need = {b for b in by if b in geo} | ({level} if level and level != "france" else set())
    if "commune" in need:
        cols = ("region", "departement", "bassin", "commune")
        return ("offer_facts_commune", "month", cols) if need <= set(cols) and not set(by) & {
            "contract_class", "durable"} else None
    if not quarterly(period):
        return None
    found = _pick(OFFER_ROLLUPS, need)
    return None if found is None else (found[0], "quarter", found[1])


def skill_table(period, level: str | None) -> tuple[str, tuple] | None:
    """``(table, territory columns)`` of the coarsest skills table for ``period`` and territory
    ``level``; None when no rollup can answer. Assumes :func:`rollups_fresh`."""
    if not quarterly(period):
        return None
    return _pick(SKILL_ROLLUPS, {level} if level and level != "france" else set())
