"""Full-text search of the ads: an inverted index in the warehouse, ranked by BM25.

DuckDB's FTS extension must be downloaded (``INSTALL fts``), which this project cannot do at
run time, so the index is two plain tables (migration ``0650_search_index.sql``):

- ``ad_search``: one row per ad with a dense integer ``doc`` and the columns the search filters
  on (date, occupation, territory, contract, duplicate flag): no join to ``ad_occupations``
  at query time;
- ``ad_terms(term, doc, w)``: one row per distinct term of an ad's title + description, with
  the BM25 term-frequency weight (title occurrences count ``TITLE_BOOST`` times), sorted by
  term so DuckDB's zone maps skip to a term's rows.

Terms: lower case, accents folded (``é`` → ``e``, ``œ`` → ``oe``), split on anything not a
letter or digit, terms of one character and a few French/English stop words dropped. A query
matches the ads holding **every** term (AND); they are ranked by the sum over terms of
``idf(term) × w`` (idf over all ads), ties by most recent. Without words, ads are listed most
recent first.

Building::

    from adequa.publish.search import update_index
    update_index(con)                    # whole index when stale, on a writable connection
    update_index(con, ad_ids=[...])      # only these ads (after ingesting or enriching them)

``update_index`` is what pipeline code calls after ingesting or enriching ads; ``adequa serve
--prepare`` calls it too. The search (:func:`search`) uses the index only while its
fingerprint (ads and occupations row counts and last times) matches the warehouse; otherwise
the API falls back to a substring scan.
"""

from __future__ import annotations

import math
import re
import time
import unicodedata
from typing import Iterable

TITLE_BOOST = 3.0
K1, B = 1.2, 0.75
MAX_TERMS = 8
STOP = ("de", "la", "le", "les", "des", "du", "et", "en", "un", "une", "au", "aux", "pour", "par", "sur", "dans",
        "avec", "ou", "a", "l", "d", "the", "and", "of", "to", "in", "for", "with")
_STOP_SQL = ", ".join(f"'{w}'" for w in STOP)
_SPLIT = "[^a-z0-9]+"


def fold_sql(expr: str) -> str:
    """SQL folding a text expression the way terms are indexed (lower case, accents removed)."""
    return f"strip_accents(lower(replace(replace(replace(replace({expr}, 'œ', 'oe'), 'Œ', 'oe'), 'æ', 'ae'), 'Æ', 'ae')))"


def terms(text: str | None) -> list[str]:
    """The index terms of a query, in order, without repeats (same folding as the SQL)."""
    if not text:
        return []
    t = text.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae").lower()
    t = "".join(c for c in unicodedata.normalize("NFD", t) if not unicodedata.combining(c))
    out: list[str] = []
    for w in re.split(_SPLIT, t):
        if len(w) > 1 and w not in STOP and w not in out:
            out.append(w)
    return out[:MAX_TERMS]


def _exists(con, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND schema_name = 'main'",
                            [name]).fetchone()[0])


def fingerprint(con) -> str:
    """A cheap summary of what the index depends on (ads and their occupations)."""
    a = con.execute("SELECT count(*), count(duplicate_cluster), max(ingested_at) FROM ads").fetchone()
    parts = ["ads:" + ":".join(map(str, a))]
    if _exists(con, "ad_occupations"):
        o = con.execute("SELECT count(*), count(rome), max(enriched_at) FROM ad_occupations").fetchone()
        parts.append("occ:" + ":".join(map(str, o)))
    return "|".join(parts)


def state(con) -> dict | None:
    """``{"fresh": bool, "avg_terms": float, "docs": int}`` of the index, or None when there is none."""
    if not _exists(con, "search_index_state") or not _exists(con, "ads"):
        return None
    row = con.execute("SELECT fingerprint, avg_terms FROM search_index_state WHERE name = 'ads'").fetchone()
    if not row:
        return None
    return {"fresh": row[0] == fingerprint(con), "avg_terms": row[1] or 1.0,
            "docs": con.execute("SELECT count(*) FROM ad_search").fetchone()[0]}


def _insert(con, where: str, params: list, avg: float | None, first: int) -> float:
    """Index the ads selected by ``where`` (over ``ads a``) as docs after ``first``; returns the average
    length used."""
    has_occ = _exists(con, "ad_occupations")
    rome = "coalesce(o.rome, a.source_rome)" if has_occ else "a.source_rome"
    join = "LEFT JOIN ad_occupations o ON o.ad_id = a.ad_id" if has_occ else ""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _search_tok AS
        SELECT {first} + row_number() OVER (ORDER BY a.ad_id) AS doc, a.ad_id, {rome} AS rome, a.created_at, a.region,
               a.departement, a.bassin, a.commune, a.contract_type,
               (a.duplicate_cluster IS NULL OR a.duplicate_cluster = a.ad_id) AS representative,
               regexp_split_to_array({fold_sql("coalesce(a.title, '')")}, '{_SPLIT}') AS t_title,
               regexp_split_to_array({fold_sql("coalesce(a.description, '')")}, '{_SPLIT}') AS t_desc
        FROM ads a {join} WHERE {where}""", params)
    con.execute("""INSERT INTO ad_search
        SELECT doc, ad_id, created_at, rome, region, departement, bassin, commune, contract_type, representative,
               len(list_filter(t_title, lambda x: len(x) > 1)) + len(list_filter(t_desc, lambda x: len(x) > 1))
        FROM _search_tok""")
    if avg is None:
        avg = con.execute("SELECT avg(n_terms) FROM ad_search").fetchone()[0] or 1.0
    avg = max(float(avg), 1.0)
    con.execute(f"""INSERT INTO ad_terms
        WITH toks AS (
            SELECT doc, unnest(t_title) AS term, {TITLE_BOOST} AS f FROM _search_tok
            UNION ALL
            SELECT doc, unnest(t_desc) AS term, 1.0 AS f FROM _search_tok),
        tf AS (SELECT term, doc, sum(f) AS f FROM toks WHERE len(term) > 1 AND term NOT IN ({_STOP_SQL})
               GROUP BY term, doc)
        SELECT tf.term, tf.doc, (tf.f * {K1 + 1} / (tf.f + {K1} * ({1 - B} + {B} * s.n_terms / {avg})))::REAL
        FROM tf JOIN ad_search s ON s.doc = tf.doc ORDER BY tf.term, tf.doc""")
    con.execute("DROP TABLE _search_tok")
    return avg


def update_index(con, ad_ids: Iterable[str] | None = None, *, force: bool = False) -> dict:
    """Build the search index on a writable connection (migrations applied).

    Without ``ad_ids``: rebuild everything when the index is missing or stale (or ``force``).
    With ``ad_ids``: re-index only those ads (new or changed), keeping the rest — call it after
    ingesting or enriching a batch. Returns ``{"ads": n, "terms": n, "seconds": s, "rebuilt": bool}``.
    """
    t0 = time.perf_counter()
    st = state(con)
    ids = None if ad_ids is None else list(dict.fromkeys(ad_ids))
    if ids is not None and (st is None or st["docs"] == 0):
        ids = None                                   # nothing to update incrementally: build it all
    if ids is None and st is not None and st["fresh"] and not force:
        return {"ads": st["docs"], "terms": None, "seconds": 0.0, "rebuilt": False}
    # new docs are numbered after every doc ever seen in this transaction (DuckDB refuses re-using a key
    # deleted in the same transaction)
    first = con.execute("SELECT coalesce(max(doc), 0) FROM ad_search").fetchone()[0] if _exists(con, "ad_search") else 0
    con.execute("BEGIN TRANSACTION")
    try:
        if ids is None:
            con.execute("DELETE FROM ad_terms")
            con.execute("DELETE FROM ad_search")
            avg = _insert(con, "TRUE", [], None, first)
        else:
            con.execute("CREATE OR REPLACE TEMP TABLE _search_ids AS SELECT unnest(?::VARCHAR[]) AS ad_id", [ids])
            con.execute("DELETE FROM ad_terms WHERE doc IN (SELECT doc FROM ad_search SEMI JOIN _search_ids USING (ad_id))")
            con.execute("DELETE FROM ad_search WHERE ad_id IN (SELECT ad_id FROM _search_ids)")
            avg = _insert(con, "a.ad_id IN (SELECT ad_id FROM _search_ids)", [], st["avg_terms"], first)
            con.execute("DROP TABLE _search_ids")
        con.execute("INSERT OR REPLACE INTO search_index_state (name, fingerprint, avg_terms, built_at, seconds) "
                    "VALUES ('ads', ?, ?, now(), ?)", [fingerprint(con), avg, time.perf_counter() - t0])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    n = con.execute("SELECT count(*) FROM ad_search").fetchone()[0]
    nt = con.execute("SELECT count(*) FROM ad_terms").fetchone()[0]
    return {"ads": n, "terms": nt, "seconds": round(time.perf_counter() - t0, 2), "rebuilt": ids is None}


def search(con, *, words: list[str], where: list[str], params: list, page: int, per_page: int,
           docs: int) -> tuple[list[tuple[str, float | None, str | None]], int]:
    """``(ad_id, score, rome)`` of one page (best first) and the total, from the index.

    ``where``: SQL predicates over ``s`` (``ad_search``) with their ``params``; ``docs``: ads in
    the index (for idf). ``words`` come from :func:`terms` (the caller returns nothing when a
    query has text but no term).
    """
    offset = (page - 1) * per_page
    cond = " AND ".join(["s.representative"] + where)
    if not words:
        rows = con.execute(f"SELECT s.ad_id, NULL, count(*) OVER (), s.rome FROM ad_search s WHERE {cond} "
                           f"ORDER BY s.created_at DESC NULLS LAST, s.ad_id LIMIT ? OFFSET ?",
                           params + [per_page, offset]).fetchall()
        total_sql = f"SELECT count(*) FROM ad_search s WHERE {cond}"
    else:
        marks = ", ".join("?" for _ in words)
        # document frequencies first (a hash aggregate over the terms' rows: much cheaper than a window)
        hits = (f"WITH d AS (SELECT term, count(*) AS df FROM ad_terms WHERE term IN ({marks}) GROUP BY term), "
                f"h AS (SELECT t.doc, sum(t.w * ln(1 + ({docs} - d.df + 0.5) / (d.df + 0.5))) AS score "
                f"FROM ad_terms t JOIN d ON d.term = t.term GROUP BY t.doc HAVING count(*) = {len(words)}) ")
        rows = con.execute(hits + f"SELECT s.ad_id, h.score, count(*) OVER (), s.rome FROM h JOIN ad_search s ON s.doc = h.doc "
                           f"WHERE {cond} ORDER BY h.score DESC, s.created_at DESC NULLS LAST, s.ad_id "
                           f"LIMIT ? OFFSET ?", words + params + [per_page, offset]).fetchall()
        total_sql = hits + f"SELECT count(*) FROM h JOIN ad_search s ON s.doc = h.doc WHERE {cond}"
        params = words + params
    if rows:
        total = rows[0][2]
    elif page == 1:
        total = 0
    else:                                 # past the last page: the window saw no row
        total = con.execute(total_sql, params).fetchone()[0]
    return [(r[0], None if r[1] is None else round(float(r[1]), 3), r[3]) for r in rows], total


def ad_filters(alias: str, params: list, *, skill: str | None = None, rome: str | None = None,
               contract: str | None = None) -> list[str]:
    """The ads search's skill / ROME / contract filters on ``alias``, parameters appended to ``params``.

    Shared by the indexed search and the substring-scan fallback of the API, so both filter alike.
    """
    where = []
    if skill:
        where.append(f"{alias}.ad_id IN (SELECT ad_id FROM skill_mentions WHERE label = ?)")
        params.append(skill)
    if rome:
        where.append(f"{alias}.rome = ?")
        params.append(rome.upper())
    if contract:
        where.append(f"{alias}.contract_type = ?")
        params.append(contract)
    return where


def idf(docs: int, df: int) -> float:
    """The idf used in ranking (BM25's, always positive)."""
    return math.log(1 + (docs - df + 0.5) / (df + 0.5))


# -- the API's use ----------------------------------------------------------------------------------------------

PAGE_COLUMNS = ("ad_id", "title", "excerpt", "employer", "created_at", "contract_type", "rome", "departement", "bassin",
                "location_text", "url", "source")


def index_usable(app_state) -> dict | None:
    """The index state when it exists and is fresh for this (read-only) warehouse, computed once per server."""
    live = getattr(app_state, "live", False)          # beside a writer: check on every request
    cached = False if live else getattr(app_state, "_search_index", False)
    if cached is False:
        cur = app_state.cursor()
        try:
            st = state(cur) if app_state.has("ad_search") else None
        except Exception:                      # an index is an optimisation: fall back to scanning
            st = None
        finally:
            cur.close()
        cached = st if st and st["fresh"] else None
        if not live:
            app_state._search_index = cached
    return cached


def indexed_search(app_state, f, *, q=None, skill=None, rome=None, contract=None, page=1,
                   per_page=20) -> tuple[list[dict], int] | None:
    """One page of ads and the total through the index, or None when the index cannot answer
    (missing, stale, or a territory level it does not hold)."""
    st = index_usable(app_state)
    if st is None:
        return None
    words = terms(q)
    cur = app_state.cursor()
    try:
        ctx = app_state.context(cur, group=f.group, territory=f.territory, period=f.period)
        if q and not words:
            return [], 0                       # text without any searchable word matches nothing
        where: list[str] = []
        params: list = []
        if ctx.period is not None:
            where.append(ctx.period.predicate("s.created_at"))
        t = ctx.territory
        if t is not None and t.level != "france":
            cols = {"commune": "s.commune", "departement": "s.departement", "region": "s.region", "bassin": "s.bassin"}
            geo = ctx.ref("geo_communes")
            if geo is None and t.level not in cols:
                return None
            where.append(t.predicate(cols, geo_table=geo or "geo_communes", table="ad_search"))
        if not ctx.group.is_all:
            where.append(ctx.rome_predicate("s.rome"))
        if skill and not app_state.has("skill_mentions"):
            return None
        where += ad_filters("s", params, skill=skill, rome=rome, contract=contract)
        hits, total = search(cur, words=words, where=where, params=params, page=page, per_page=per_page,
                             docs=st["docs"])
        if not hits:
            return [], total
        marks = ", ".join("?" for _ in hits)
        c = cur.execute(f"SELECT ad_id, title, left(description, 300) AS excerpt, employer, created_at, contract_type, "
                        f"departement, bassin, location_text, url, source FROM ads WHERE ad_id IN ({marks})",
                        [h[0] for h in hits])
        cols = [d[0] for d in c.description]
        by_id = {r[0]: dict(zip(cols, r)) for r in c.fetchall()}
        rows = []
        for ad_id, score, rome_code in hits:
            r = by_id.get(ad_id)
            if r is None:
                continue
            r["rome"] = rome_code
            row = {k: r.get(k) for k in PAGE_COLUMNS}
            if score is not None:
                row["score"] = score
            rows.append(row)
        return rows, total
    finally:
        cur.close()
