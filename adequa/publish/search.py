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

TITLE_BOOST = 3.0                          # a whole number: title tokens are counted that many times
POSTINGS_CACHE_BYTES = 256 * 1024 * 1024   # postings of frequent terms kept in memory by a server
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
    # term frequencies per ad from its own token list (a histogram of a few dozen tokens, title tokens
    # repeated TITLE_BOOST times), not a hash aggregate over every (term, ad) pair of the warehouse
    boost = int(TITLE_BOOST)
    tokens = "list_concat(" + ", ".join(["t_title"] * boost + ["t_desc"]) + ")"
    con.execute(f"""INSERT INTO ad_terms
        SELECT e.key AS term, doc, (e.value * {K1 + 1} / (e.value + {K1} * ({1 - B} + {B} * n_terms / {avg})))::REAL
        FROM (SELECT doc, n_terms, unnest(map_entries(list_aggregate(
                  list_filter({tokens}, lambda x: len(x) > 1 AND x NOT IN ({_STOP_SQL})), 'histogram'))) AS e
              FROM _search_tok JOIN (SELECT doc, n_terms FROM ad_search) USING (doc))
        ORDER BY term, doc""")
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
        stats = _exists(con, "ad_term_stats")
        if stats:
            con.execute("DELETE FROM ad_term_stats")
        if ids is None:
            con.execute("DELETE FROM ad_terms")
            con.execute("DELETE FROM ad_search")
            avg = _insert(con, "TRUE", [], None, first)
            if stats:
                con.execute("INSERT INTO ad_term_stats SELECT term, count(*) FROM ad_terms GROUP BY term "
                            "ORDER BY 2 DESC, 1")
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


class DocTable:
    """The columns the search filters and sorts on, held in memory (numpy arrays indexed by ``doc``),
    for a read-only warehouse: a query then costs one read of each word's postings and a few
    vectorised operations, whatever the filters (no join of millions of postings with ``ad_search``).

    Same answers as :func:`search`: the ads holding every term, ranked by the sum of
    ``idf × w`` (idf over all indexed ads), then most recent, then ``ad_id``; without words, most
    recent first. Built once per server (about a second per million ads)."""

    CODED = ("region", "departement", "bassin", "rome", "contract_type", "commune")

    def __init__(self, con, *, cache_bytes: int = POSTINGS_CACHE_BYTES):
        import numpy as np
        import pyarrow.compute as pc

        t = con.sql("""SELECT doc, coalesce(date_diff('day', DATE '1970-01-01', created_at), -2147483648)::INTEGER
                                      AS day, region, departement, bassin, rome, contract_type, commune, representative,
                                  (row_number() OVER (ORDER BY ad_id))::INTEGER AS idrank, ad_id
                           FROM ad_search""").to_arrow_table()
        doc = t.column("doc").to_numpy()
        n = int(doc.max()) + 1 if len(doc) else 1
        self.size = n

        def dense(values, fill, dtype):
            out = np.full(n, fill, dtype=dtype)
            out[doc] = values
            return out

        self.day = dense(t.column("day").to_numpy(), np.iinfo(np.int32).min, np.int64)
        self.idrank = dense(t.column("idrank").to_numpy(), 0, np.int64)
        rep = t.column("representative").fill_null(False).to_numpy(zero_copy_only=False)
        self.live = dense(rep, False, bool)                 # representative ads only (absent docs: False)
        self.codes, self.values = {}, {}
        for c in self.CODED:
            enc = pc.dictionary_encode(t.column(c)).combine_chunks()
            idx = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32)
            self.codes[c] = dense(idx, -1, np.int32)
            self.values[c] = enc.dictionary.to_pylist()
        ad_ids = t.column("ad_id").to_pylist()
        self.ad_id = [None] * n
        for d, a in zip(doc.tolist(), ad_ids):
            self.ad_id[d] = a
        import threading
        from collections import OrderedDict

        self._postings: OrderedDict = OrderedDict()     # term -> (docs int32, w float32), least recent first
        self._cached_bytes = 0
        self.cache_bytes = cache_bytes
        self._lock = threading.Lock()

    def preload(self, con, *, share: float = 0.75) -> int:
        """Load the postings of the most frequent terms (``ad_term_stats``) into memory, up to ``share``
        of the cache; returns the number of terms loaded."""
        import numpy as np

        try:
            top = con.execute("SELECT term, df FROM ad_term_stats ORDER BY df DESC, term").fetchall()
        except Exception:
            return 0
        chosen, size = [], 0
        for term, df in top:
            if size + 8 * df > share * self.cache_bytes:
                break
            chosen.append(term)
            size += 8 * df
        if not chosen:
            return 0
        r = con.execute("SELECT term, doc, w FROM ad_terms WHERE term IN (SELECT unnest(?::VARCHAR[])) "
                        "ORDER BY term, doc", [chosen]).fetchnumpy()
        terms = np.asarray(r["term"])
        docs, ws = np.asarray(r["doc"], dtype=np.int32), np.asarray(r["w"], dtype=np.float32)
        cuts = np.flatnonzero(terms[1:] != terms[:-1]) + 1
        for a, b in zip(np.concatenate(([0], cuts)).tolist(), np.concatenate((cuts, [len(terms)])).tolist()):
            self._keep(str(terms[a]), (docs[a:b].copy(), ws[a:b].copy()))
        return len(chosen)

    def postings(self, con, term: str):
        """``(docs, w)`` of a term, from memory when cached (least recently used out)."""
        import numpy as np

        with self._lock:
            hit = self._postings.get(term)
            if hit is not None:
                self._postings.move_to_end(term)
                return hit
        r = con.execute("SELECT doc, w FROM ad_terms WHERE term = ?", [term]).fetchnumpy()
        value = (np.asarray(r["doc"], dtype=np.int32), np.asarray(r["w"], dtype=np.float32))
        self._keep(term, value)
        return value

    def _keep(self, term: str, value) -> None:
        n = value[0].nbytes + value[1].nbytes
        if n > self.cache_bytes // 4:
            return
        with self._lock:
            if term in self._postings:
                return
            self._postings[term] = value
            self._cached_bytes += n
            while self._cached_bytes > self.cache_bytes and self._postings:
                _, (d, w) = self._postings.popitem(last=False)
                self._cached_bytes -= d.nbytes + w.nbytes

    def _allowed(self, column: str, wanted) -> "object":
        """Lookup table over the column's codes: True for the wanted values (code -1, NULL, is False)."""
        import numpy as np

        pos = {v: i for i, v in enumerate(self.values[column])}
        table = np.zeros(len(self.values[column]) + 1, dtype=bool)
        table[[pos[w] for w in wanted if w in pos]] = True
        return table

    def filters(self, ctx, *, rome=None, contract=None):
        """``keep(docs) -> bool array`` for the context's period, territory and group (plus the ROME
        and contract filters), or None when a filter needs SQL (territories defined through communes)."""
        from datetime import date

        tests = []
        if ctx.period is not None:
            lo = (ctx.period.start - date(1970, 1, 1)).days
            hi = (ctx.period.end - date(1970, 1, 1)).days
            tests.append(lambda d: (self.day[d] >= lo) & (self.day[d] < hi))
        t = ctx.territory
        if t is not None and t.level != "france":
            if t.level not in ("region", "departement", "bassin", "commune"):
                return None
            tests.append(self._code_test(t.level, t.codes))
        if not ctx.group.is_all:
            romes = [v for v in self.values["rome"] if v is not None]
            allowed = [r[0] for r in ctx.con.execute(
                f"SELECT v FROM (SELECT unnest(?::VARCHAR[]) AS v) WHERE {ctx.rome_predicate('v')}", [romes]).fetchall()]
            tests.append(self._code_test("rome", allowed))
        if rome:
            tests.append(self._code_test("rome", [rome.upper()]))
        if contract:
            tests.append(self._code_test("contract_type", [contract]))

        def keep(d):
            ok = self.live[d].copy()            # a slice gives a view: never change the table
            for test in tests:
                ok &= test(d)
            return ok
        return keep

    def _code_test(self, column: str, wanted):
        table, codes = self._allowed(column, wanted), self.codes[column]
        return lambda d: table[codes[d]]

    def search(self, con, keep, words: list[str], *, page: int, per_page: int,
               docs: int) -> tuple[list[tuple[str, float | None, str | None]], int]:
        import numpy as np

        need = page * per_page
        if not words:
            cand = np.flatnonzero(keep(slice(None)))
            total = len(cand)
            key = -self.day[cand] * (1 << 31) + self.idrank[cand]
            if len(cand) > need:
                part = np.argpartition(key, need - 1)[:need]
                cand, key = cand[part], key[part]
            top = cand[np.argsort(key, kind="stable")][(page - 1) * per_page:need]
            return [(self.ad_id[d], None, self._rome(d)) for d in top.tolist()], total
        postings = [self.postings(con, w) for w in words]
        if any(len(d) == 0 for d, _ in postings):
            return [], 0
        postings.sort(key=lambda p: len(p[0]))
        d0, w0 = postings[0]
        ok = keep(d0)
        cand = d0[ok]
        score = w0[ok].astype(np.float64) * idf(docs, len(d0))
        if len(postings) > 1 and len(cand):
            pos = np.full(self.size, -1, dtype=np.int64)
            pos[cand] = np.arange(len(cand))
            for d, w in postings[1:]:
                where = pos[d]
                hit = where >= 0
                seen = np.zeros(len(cand), dtype=bool)
                seen[where[hit]] = True
                score[where[hit]] += w[hit].astype(np.float64) * idf(docs, len(d))
                pos[cand[~seen]] = -1              # out of the running for the next terms
                cand_keep = seen
                cand, score = cand[cand_keep], score[cand_keep]
                pos[cand] = np.arange(len(cand))
        total = len(cand)
        if total > need:                       # every doc scoring at least the need-th best, ties included
            kth = -np.partition(-score, need - 1)[need - 1]
            sel = score >= kth
            cand, score = cand[sel], score[sel]
        order = np.lexsort((self.idrank[cand], -self.day[cand], -score))
        top = order[(page - 1) * per_page:need]
        return [(self.ad_id[cand[i]], round(float(score[i]), 3), self._rome(cand[i])) for i in top.tolist()], total

    def _rome(self, d: int) -> str | None:
        c = int(self.codes["rome"][d])
        return None if c < 0 else self.values["rome"][c]


def doc_table(app_state) -> "DocTable | None":
    """The in-memory doc table of a read-only server's fresh index (built on first use), else None."""
    if getattr(app_state, "live", False) or index_usable(app_state) is None:
        return None
    table = getattr(app_state, "_doc_table", None)
    if table is None:
        lock = app_state.__dict__.setdefault("_doc_table_lock", __import__("threading").Lock())
        with lock:
            table = getattr(app_state, "_doc_table", None)
            if table is None:
                cur = app_state.cursor()
                try:
                    table = DocTable(cur)
                    table.preload(cur)
                except Exception:                # an optimisation: the SQL search still answers
                    table = False
                finally:
                    cur.close()
                app_state._doc_table = table
    return table or None


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
        table = None if skill else doc_table(app_state)
        keep = table.filters(ctx, rome=rome, contract=contract) if table is not None else None
        if keep is not None:
            hits, total = table.search(cur, keep, words, page=page, per_page=per_page, docs=st["docs"])
        else:
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
