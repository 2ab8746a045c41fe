"""The writer side of ingestion: batches of normalised ads -> the warehouse, duplicate clusters kept up to date.

``AdSink`` receives the Arrow parts built by the workers (``Part``: rows, content keys, LSH band
keys) and writes one transaction per batch of ``batch_size`` ads: the ads, their rejects, the
LSH bands of their new texts and the duplicate clusters they touch.

The writer's work per batch does not grow with the warehouse (issue #3):

- **ads are appended**: a plain ``INSERT`` whose primary-key check probes the ``ad_id`` index; only
  when a batch holds ids already stored (the insert refuses it) is the batch redone with an
  existence check, and the rest of the run checks ids first (re-runs of a file);
- **representatives by integer key**: each text keeps its earliest ad (``ad_text_clusters.best``:
  ``created_at`` (or 9999-12-31) followed by the ``ad_id``), so a component's representative is the
  smallest ``best`` of its texts: read from ``ad_text_clusters`` (8-byte keys), never from ``ads``;
- **the batch's ads are inserted with their ``duplicate_cluster``** already set; ads stored before
  whose representative changed are not rewritten batch after batch (each UPDATE of old rows made
  the next checkpoint recompress their row groups): their components are noted in
  ``ad_cluster_pending`` within the batch's transaction, and the run ends by rewriting those ads
  once (``apply_pending``; a run killed before that leaves the note, and the next run applies it
  first);
- **reads from memory**: the run keeps a copy of ``ad_lsh_bands`` and ``ad_text_clusters``
  (``ClusterState``: sorted numpy runs for bucket -> text and key -> text, union-find components,
  each component's earliest ad), loaded when the run starts; the batch's LSH pairs, known texts,
  components and representatives are looked up there, not by scanning the tables (whose scans grew
  with every batch). Every change is still written to the tables in the batch's transaction: they
  stay the truth, and a failed transaction drops the copy (read again from them).
  ``_cluster_sql`` is the same computation with its reads in SQL (the reference, used in tests).

Clusters are the same as computing, after every batch, for each component the batch touches (the
components of its texts, and of the texts its re-ingested ads carried before), the earliest ad
of the component's texts, and giving it to every ad of those texts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import time
from dataclasses import dataclass
from typing import Sequence

import duckdb
import numpy as np
import pyarrow as pa

from adequa.enrich.dedupe import DedupeConfig, SortedRuns, connected_clusters, shared_bucket_pairs
from adequa.store.duckdb import Warehouse

__all__ = ["AdSink", "Part", "NO_AD", "ClusterState", "apply_pending", "repair_text_bests", "repair_text_arrivals"]

NO_AD = "~"          # ``best`` of a text that no ad carries any more (sorts after every date)
_ORDER = "coalesce({t}created_at, DATE '9999-12-31')::VARCHAR || {t}ad_id"   # earliest ad first, ties by id


@dataclass
class Part:
    """Normalised ads of a run, in input order: their rows, text keys and LSH band keys (built by a worker)."""

    table: pa.Table
    keys: np.ndarray          # int64 content keys (``key_of(content_hash)``)
    bands: np.ndarray         # (rows, bands) int64 LSH bucket keys

    def __len__(self) -> int:
        return self.table.num_rows

    def slice(self, start: int, stop: int | None = None) -> "Part":
        stop = len(self) if stop is None else stop
        return Part(self.table.slice(start, stop - start), self.keys[start:stop], self.bands[start:stop])


def key_of(content_hash: str) -> int:
    return int.from_bytes(bytes.fromhex(content_hash), "big", signed=True)


def _upsert_in(con, table: str, batch: pa.Table, key: Sequence[str], name: str) -> tuple[int, int]:
    """Warehouse.upsert's statements, run inside the caller's transaction (one per batch)."""
    con.register(name, batch)
    try:
        cols = ", ".join(f'"{c}"' for c in batch.column_names)
        on = " AND ".join(f't."{k}" = b."{k}"' for k in key)
        keys = ", ".join(f'"{k}"' for k in key)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name}_b AS SELECT * FROM (SELECT *, row_number() OVER "
                    f"(PARTITION BY {keys}) AS _rn FROM {name}) QUALIFY _rn = count(*) OVER (PARTITION BY {keys})")
        existing = con.execute(f'SELECT count(*) FROM "{table}" t JOIN {name}_b b ON {on}').fetchall()[0][0]
        if existing:
            con.execute(f'DELETE FROM "{table}" t USING {name}_b b WHERE {on}')
        con.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM {name}_b')
        total = con.execute(f"SELECT count(*) FROM {name}_b").fetchall()[0][0]
        con.execute(f"DROP TABLE {name}_b")
    finally:
        con.unregister(name)
    return total - existing, existing


def repair_text_bests(con) -> int:
    """Set ``ad_text_clusters.best`` where it is unknown (texts written by an older version, or by
    a Parquet/Spark import) from the ads that carry each text; returns the texts repaired."""
    todo = con.execute("SELECT count(*) FROM ad_text_clusters WHERE best IS NULL").fetchall()[0][0]
    if todo:
        con.execute(f"""
            UPDATE ad_text_clusters SET best = coalesce(s.best, '{NO_AD}') FROM (
                SELECT c.content_key, min({_ORDER.format(t='a.')}) AS best
                FROM ad_text_clusters c LEFT JOIN ads a ON a.content_hash = c.content_hash
                WHERE c.best IS NULL GROUP BY c.content_key) s
            WHERE ad_text_clusters.content_key = s.content_key""")
    return todo


def repair_text_arrivals(con) -> int:
    """Number the texts whose ``ad_text_clusters.arrival`` is unknown (written by an older version, or
    imported from an older layout) after the known ones, in content_key order; returns how many."""
    todo = con.execute("SELECT count(*) FROM ad_text_clusters WHERE arrival IS NULL").fetchall()[0][0]
    if todo:
        con.execute("""
            UPDATE ad_text_clusters SET arrival = s.arrival FROM (
                SELECT content_key, (SELECT coalesce(max(arrival), -1) FROM ad_text_clusters)
                       + row_number() OVER (ORDER BY content_key) AS arrival
                FROM ad_text_clusters WHERE arrival IS NULL) s
            WHERE ad_text_clusters.content_key = s.content_key""")
    return todo


def next_arrival(con) -> int:
    """The arrival number of the next new text."""
    return int(con.execute("SELECT coalesce(max(arrival), -1) + 1 FROM ad_text_clusters").fetchall()[0][0])


def apply_pending(con) -> int:
    """Give every ad of the components noted in ``ad_cluster_pending`` its component's representative
    (one pass over ``ads``), then clear the note; returns the ads changed. Run in a transaction."""
    if not con.execute("SELECT count(*) FROM ad_cluster_pending").fetchall()[0][0]:
        return 0
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _prep AS
        SELECT c.content_hash, r.rep FROM ad_text_clusters c JOIN (
            SELECT component, substr(min(best), 11) AS rep FROM ad_text_clusters
            WHERE component IN (SELECT component FROM ad_cluster_pending)
            GROUP BY component HAVING min(best) <> '{NO_AD}') r USING (component)""")
    changed = con.execute("""
        UPDATE ads SET duplicate_cluster = _prep.rep FROM _prep
        WHERE ads.content_hash = _prep.content_hash AND ads.duplicate_cluster IS DISTINCT FROM _prep.rep""").fetchall()
    con.execute("DROP TABLE _prep")
    con.execute("DELETE FROM ad_cluster_pending")
    return int(changed[0][0]) if changed else 0


def _reps(con, components: np.ndarray) -> dict[int, str]:
    """The smallest ``best`` of the texts of each component (components without any ad left out)."""
    if not len(components):
        return {}
    con.register("_cq", pa.table({"component": components}))
    got = con.execute(f"""SELECT component, min(best) FROM ad_text_clusters
                          WHERE component IN (SELECT component FROM _cq) GROUP BY component""").fetchall()
    con.unregister("_cq")
    return {c: b for c, b in got if b is not None and b != NO_AD}


class ClusterState:
    """The writer's in-memory copy of ``ad_text_clusters`` and ``ad_lsh_bands`` for one run.

    Texts get dense ids (``tid``) in the order they are known; per text: its content key, its
    earliest ad (``best``, bytes), and a union-find parent (a component is the tree of its texts,
    rooted at the text whose key names it, the smallest key); per root: the smallest ``best`` of
    its texts (``cbest``). Two ``SortedRuns`` indexes: content key -> tid, LSH bucket -> tid.
    Lookups cost the same whatever the warehouse holds; memory is ~12 bytes per band plus ~80
    bytes per text (about 200 MB for 1M ads of which 700k distinct texts). Loaded from the tables
    when a run starts; the tables stay the truth: every change is also written to them in the
    batch's transaction, and a failed transaction discards this copy (reloaded from the tables).
    """

    def __init__(self, keys: np.ndarray, components: np.ndarray, bests: np.ndarray,
                 band_texts: np.ndarray, band_buckets: np.ndarray, arrivals: np.ndarray | None = None):
        keys = np.asarray(keys, dtype=np.int64)
        components = np.asarray(components, dtype=np.int64)
        arrivals = np.arange(len(keys), dtype=np.int64) if arrivals is None else np.asarray(arrivals, dtype=np.int64)
        self.next_arrival = int(arrivals.max()) + 1 if len(arrivals) else 0
        order = np.argsort(keys, kind="stable")
        keys, components, bests = keys[order], components[order], np.asarray(bests, dtype=object)[order]
        arrivals = arrivals[order]
        # a component name that is no stored text's key (never written by Adequa) gets a text of its own
        ghost = np.setdiff1d(components, keys)
        if len(ghost):
            keys = np.concatenate((keys, ghost))
            components = np.concatenate((components, ghost))
            bests = np.concatenate((bests, np.full(len(ghost), NO_AD, dtype=object)))
            arrivals = np.concatenate((arrivals, np.full(len(ghost), np.iinfo(np.int64).max, dtype=np.int64)))
            order = np.argsort(keys, kind="stable")
            keys, components, bests, arrivals = keys[order], components[order], bests[order], arrivals[order]
        n = len(keys)
        self.n = n
        cap = max(1024, n + n // 4)
        self.key = np.empty(cap, dtype=np.int64)
        self.key[:n] = keys
        self.parent = np.empty(cap, dtype=np.int64)
        self.parent[:n] = np.searchsorted(keys, components)
        width = max([26] + [len(b) for b in bests.tolist() if b is not None])   # YYYY-MM-DD + 16 hex
        self.best = np.zeros(cap, dtype=f"S{width}")
        self.best[:n] = [(b or "").encode() for b in bests.tolist()]
        self.cbest = np.zeros(cap, dtype=f"S{width}")
        roots = self.parent[:n]
        if n:                                   # the smallest best of each component's texts
            srt = np.lexsort((self.best[:n], roots))
            firsts = srt[np.concatenate(([True], roots[srt][1:] != roots[srt][:-1]))]
            self.cbest[roots[firsts]] = self.best[firsts]
        self.lookup = SortedRuns(keys, np.arange(n), value_dtype=np.int32)
        band_tids = np.searchsorted(keys, np.asarray(band_texts, dtype=np.int64))
        # a bucket's texts in arrival order, as when added batch by batch (the bucket cap counts on it)
        by_text = np.lexsort((band_tids, arrivals[band_tids]))
        self.bands = SortedRuns(np.asarray(band_buckets, dtype=np.int64)[by_text], band_tids[by_text],
                                value_dtype=np.int32)

    @classmethod
    def load(cls, con) -> "ClusterState":
        texts = con.sql("SELECT content_key, component, best, arrival FROM ad_text_clusters").to_arrow_table()
        bands = con.sql("SELECT content_key, bucket FROM ad_lsh_bands").to_arrow_table()
        return cls(texts.column("content_key").to_numpy(), texts.column("component").to_numpy(),
                   np.asarray(texts.column("best").to_pylist(), dtype=object),
                   bands.column("content_key").to_numpy(), bands.column("bucket").to_numpy(),
                   texts.column("arrival").to_numpy())

    @property
    def nbytes(self) -> int:
        return (self.key.nbytes + self.parent.nbytes + self.best.nbytes + self.cbest.nbytes
                + self.lookup.nbytes + self.bands.nbytes)

    def tids(self, keys: np.ndarray) -> np.ndarray:
        """The tid of each content key, -1 for a text not stored."""
        return self.lookup.get(keys)

    def root(self, tids: np.ndarray) -> np.ndarray:
        """The root (component) of each tid, compressing the paths followed."""
        tids = np.asarray(tids, dtype=np.int64)
        r = self.parent[tids]
        while True:
            up = self.parent[r]
            if (up == r).all():
                break
            r = up
        self.parent[tids] = r
        return r

    def _fit(self, values: list[bytes]) -> None:
        width = max((len(v) for v in values), default=0)
        if width > self.best.dtype.itemsize:
            self.best = self.best.astype(f"S{width}")
            self.cbest = self.cbest.astype(f"S{width}")

    def add(self, keys: np.ndarray, bests: list[bytes], bands: np.ndarray) -> np.ndarray:
        """New texts (each its own component), in arrival order, and their bands; returns their tids
        (their arrival numbers are ``next_arrival`` on, in the same order)."""
        m = len(keys)
        if self.n + m > len(self.key):
            cap = max(len(self.key) + len(self.key) // 2, self.n + m)
            for name in ("key", "parent", "best", "cbest"):
                old = getattr(self, name)
                new = np.zeros(cap, dtype=old.dtype)
                new[: self.n] = old[: self.n]
                setattr(self, name, new)
        self._fit(bests)
        tids = np.arange(self.n, self.n + m, dtype=np.int64)
        self.key[tids] = keys
        self.parent[tids] = tids
        self.best[tids] = bests
        self.cbest[tids] = bests
        self.n += m
        self.lookup.add(keys, tids)
        self.bands.add(bands.ravel(), np.repeat(tids, bands.shape[1]))
        self.next_arrival += m
        return tids

    def recompute(self, roots: np.ndarray) -> None:
        """``cbest`` of these roots again from their texts (a text's best went up)."""
        roots = np.unique(np.asarray(roots, dtype=np.int64))
        if not len(roots):
            return
        every = self.root(np.arange(self.n, dtype=np.int64))
        mine = np.flatnonzero(np.isin(every, roots))
        for r in roots.tolist():
            self.cbest[r] = b"~"
        for t, r in zip(mine.tolist(), every[mine].tolist()):
            if self.best[t] < self.cbest[r]:
                self.cbest[r] = self.best[t]


def _refresh_best(con, left: np.ndarray) -> None:
    """Each text in ``left`` (texts that re-ingested ads left) gets its earliest ad again from the
    ads that still carry it (``NO_AD`` when none does)."""
    con.register("_left", pa.table({"content_key": left}))
    con.execute(f"""
        UPDATE ad_text_clusters SET best = coalesce(s.best, '{NO_AD}') FROM (
            SELECT c.content_key, min({_ORDER.format(t='a.')}) AS best
            FROM ad_text_clusters c LEFT JOIN ads a ON a.content_hash = c.content_hash
            WHERE c.content_key IN (SELECT content_key FROM _left) GROUP BY c.content_key) s
        WHERE ad_text_clusters.content_key = s.content_key""")
    con.unregister("_left")


def _insert_texts(con, keys: np.ndarray, hashes, bests: np.ndarray, arrivals: np.ndarray) -> None:
    """Store a batch's new texts, each its own component, with their earliest ad and arrival number."""
    con.register("_nc", pa.table({"content_key": keys, "content_hash": hashes, "component": keys,
                                  "best": pa.array(bests.tolist(), pa.string()), "arrival": arrivals}))
    con.execute("INSERT INTO ad_text_clusters (content_key, content_hash, component, best, arrival) "
                "SELECT content_key, content_hash, component, best, arrival FROM _nc")
    con.unregister("_nc")


def _arrival_order(fresh: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Positions of the batch's new texts (``fresh`` among its distinct texts) in arrival order: by
    their first row in the batch (the batch's rows are in input order)."""
    idx = np.flatnonzero(fresh)
    return idx[np.argsort(first[idx], kind="stable")]


def state_budget() -> int:
    """Bytes the writer's ClusterState may hold (``ADEQUA_INGEST_STATE_MB``, default 1,024 MiB ≈ 4M
    distinct texts); beyond it, a run reads clusters from the tables instead (slower per batch)."""
    return int(os.environ.get("ADEQUA_INGEST_STATE_MB", "1024")) << 20


class AdSink:
    """Collects normalised ads (Arrow parts) and rejects; writes a batch per transaction; clusters duplicates.

    Batches hold exactly ``batch_size`` ads (the last one fewer), whatever the size of the parts added.
    """

    def __init__(self, wh: Warehouse, summary, *, batch_size: int = 5000,
                 dedupe: DedupeConfig = DedupeConfig(), on_commit=None, checkpoint_every: int | None = None,
                 in_memory: bool = True):
        self.wh, self.summary, self.batch_size = wh, summary, max(1, batch_size)
        self.dedupe = dedupe
        self.ads: list[Part] = []
        self.pending = 0                 # ads in self.ads
        self.rejects: list[dict] = []
        self.on_commit = on_commit       # called with each mark once everything before it is committed
        self.marks: list = []
        self.check_ids = False           # True once a batch held ids already stored: check ids before inserting
        self.checkpoint_every = checkpoint_every    # CHECKPOINT after this many ads (None: DuckDB decides)
        self.since_checkpoint = 0
        self.in_memory = in_memory        # reads answered by a ClusterState (False: by SQL, the reference)
        self.state: ClusterState | None = None
        self.cpu: dict[str, float] = {}    # CPU seconds of this process by step of the batches (for benchmarks)

    def _took(self, step: str, since: float) -> float:
        now = time.process_time()
        self.cpu[step] = self.cpu.get(step, 0.0) + now - since
        return now

    def mark(self, token) -> None:
        """Note a position in the input (e.g. an API page read in full): reported once committed."""
        if self.ads or self.rejects:
            self.marks.append(token)
        elif self.on_commit:
            self.on_commit(token)

    def add_part(self, part: Part) -> None:
        """Add normalised ads; a batch is written each time ``batch_size`` ads are waiting."""
        while len(part):
            room = self.batch_size - self.pending
            head = part if len(part) <= room else part.slice(0, room)
            self.ads.append(head)
            self.pending += len(head)
            part = part.slice(len(head)) if len(head) < len(part) else part.slice(0, 0)
            if self.pending >= self.batch_size:
                self.flush()

    def reject(self, *, source: str, path: str | None, line: int | None, record: str | None, field: str | None,
               reason: str, raw: str | None) -> None:
        rid = hashlib.blake2b(f"{path}\x1f{line}\x1f{record}\x1f{field}\x1f{reason}".encode(), digest_size=8).hexdigest()
        self.rejects.append(dict(reject_id=rid, source=source, origin_file=path, line=line, record=record,
                                 field=field, reason=reason, raw=(raw or "")[:4000]))
        self.summary.rejected += 1
        if len(self.rejects) >= self.batch_size:
            self.flush()

    # -- one batch -------------------------------------------------------------
    def flush(self) -> None:
        if not self.ads and not self.rejects:
            return
        marks, self.marks = self.marks, []
        parts, self.ads, self.pending = self.ads, [], 0
        rejects, self.rejects = self.rejects, []
        repeated = 0
        table = keys = bands = None
        if parts:
            table = pa.concat_tables([p.table for p in parts]) if len(parts) > 1 else parts[0].table
            keys = np.concatenate([p.keys for p in parts])
            bands = np.concatenate([p.bands for p in parts])
            ids = table.column("ad_id").to_pylist()
            last = {ad_id: i for i, ad_id in enumerate(ids)}     # the last row for an id wins
            if len(last) < len(ids):
                repeated = len(ids) - len(last)                  # repeated in the batch: replaced at once
                keep = np.fromiter(sorted(last.values()), dtype=np.int64, count=len(last))
                table, keys, bands = table.take(keep), keys[keep], bands[keep]
        t = time.process_time()
        while True:
            try:
                with self.wh.transaction() as con:
                    counts = self._write(con, table, keys, bands) if table is not None else (0, 0, 0)
                    if rejects:
                        _upsert_in(con, "rejects", pa.Table.from_pylist(rejects), ["reject_id"], "_rej_batch")
                break
            except duckdb.ConstraintException:
                self.state = None           # rolled back: the in-memory copy is read again from the tables
                if self.check_ids:
                    raise
                self.check_ids = True       # ids already stored (a re-run): redo the batch, checking ids first
            except BaseException:
                self.state = None
                raise
        inserted, updated, duplicates = counts
        self.since_checkpoint += inserted + updated
        t = self._took("batch transactions", t)
        if self.checkpoint_every and self.since_checkpoint >= self.checkpoint_every:
            self.wh.con.execute("CHECKPOINT")     # a full row group: compressed once, not at every WAL threshold
            self.since_checkpoint = 0
            self._took("checkpoints", t)
        s = self.summary
        s.stored += inserted
        s.updated += updated + repeated
        s.duplicates += duplicates
        if self.on_commit:
            for token in marks:
                self.on_commit(token)

    def _write(self, con, table: pa.Table, keys: np.ndarray, bands: np.ndarray) -> tuple[int, int, int]:
        """One batch of ads with distinct ids, inside its transaction: (inserted, updated, duplicates)."""
        n = table.num_rows
        con.register("_ab", table.select(["ad_id", "created_at"]))
        order = np.asarray(con.execute(f"SELECT {_ORDER.format(t='')} AS o FROM _ab").fetchnumpy()["o"], dtype=object)
        left = np.empty(0, dtype=np.int64)        # texts that re-ingested ads carried before
        existing = 0
        if self.check_ids:
            old = con.execute("DELETE FROM ads WHERE ad_id IN (SELECT ad_id FROM _ab) RETURNING content_hash").fetchall()
            existing = len(old)
            if old:
                left = np.unique(np.fromiter((key_of(h) for (h,) in old if h), dtype=np.int64))
        con.unregister("_ab")
        t = time.process_time()
        clusters = self._cluster(con, table, keys, bands, order, left)
        t = self._took("clusters", t)
        rep = np.array([clusters[k] for k in keys.tolist()], dtype=object)
        ids = np.asarray(table.column("ad_id").to_numpy(zero_copy_only=False), dtype=object)
        duplicates = int((rep != ids).sum())
        out = table.set_column(table.schema.get_field_index("duplicate_cluster"), "duplicate_cluster",
                               pa.array(rep.tolist(), pa.string()))
        cols = ", ".join(f'"{c}"' for c in out.column_names)
        con.register("_ads_batch", out)
        con.execute(f'INSERT INTO ads ({cols}) SELECT {cols} FROM _ads_batch')   # a stored id: ConstraintException
        con.unregister("_ads_batch")
        self._took("insert ads", t)
        return n - existing, existing, duplicates

    def _cluster(self, con, table: pa.Table, keys: np.ndarray, bands: np.ndarray, order: np.ndarray,
                 left: np.ndarray) -> dict[int, str]:
        """``_cluster_sql`` with every read answered by the run's ``ClusterState`` (same writes)."""
        if not self.in_memory:
            return self._cluster_sql(con, table, keys, bands, order, left)
        if self.state is None:
            t = time.process_time()
            self.state = ClusterState.load(con)
            self._took("clusters: load state", t)
        if self.state.nbytes > state_budget():
            # past the budget the reads go back to SQL (same writes, same clusters: the tables are
            # the truth), so the writer's memory stays bounded whatever the warehouse holds
            self.state, self.in_memory = None, False
            logging.getLogger(__name__).info("duplicate index over %d MiB (ADEQUA_INGEST_STATE_MB): read from the "
                                             "warehouse for the rest of the run", state_budget() >> 20)
            return self._cluster_sql(con, table, keys, bands, order, left)
        st, cfg = self.state, self.dedupe
        ukeys, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        best = np.full(len(ukeys), None, dtype=object)                   # each text's earliest ad in the batch
        for k, o in zip(inverse.tolist(), order.tolist()):
            if best[k] is None or o < best[k]:
                best[k] = o
        n0 = st.n
        tid = st.tids(ukeys)
        fresh = tid < 0
        newi = _arrival_order(fresh, first)        # the new texts, in arrival order (first row in the batch)
        new_keys, new_rows = ukeys[newi], first[newi]
        known = tid[~fresh]
        left_t = st.tids(left) if len(left) else np.empty(0, dtype=np.int64)
        left_t = left_t[left_t >= 0]
        pairs = np.empty((0, 2), dtype=np.int64)
        new_t = np.empty(0, dtype=np.int64)
        if len(new_keys):
            nb = pa.table({"content_key": np.repeat(new_keys, bands.shape[1]), "bucket": bands[new_rows].ravel()})
            arrival0 = st.next_arrival
            t = time.process_time()
            con.register("_nb", nb)
            con.execute("INSERT INTO ad_lsh_bands SELECT content_key, bucket FROM _nb")
            con.unregister("_nb")
            t = self._took("clusters: SQL insert bands", t)
            new_t = st.add(new_keys, [b.encode() for b in best[newi].tolist()], bands[new_rows])
            self._took("clusters: add to the index", t)
            tid[newi] = new_t
            t = time.process_time()
            pairs = shared_bucket_pairs(st.bands, new_t, bands[new_rows], min_shared_bands=cfg.min_shared_bands,
                                        max_bucket=cfg.max_bucket)
            self._took("clusters: LSH pairs (in memory)", t)
        # components before the batch: of its known texts, of the stored texts the pairs reach, of left texts
        old_t = np.unique(np.concatenate((known, pairs[:, 1][pairs[:, 1] < n0], left_t)))
        old_roots = st.root(old_t)
        before = {r: b for r, b in zip(np.unique(old_roots).tolist(), st.cbest[np.unique(old_roots)].tolist())
                  if b not in (b"", NO_AD.encode())}
        left_roots = st.root(left_t)
        if len(new_keys):
            t = time.process_time()
            _insert_texts(con, new_keys, table.column("content_hash").take(pa.array(new_rows)), best[newi],
                          np.arange(arrival0, arrival0 + len(new_keys), dtype=np.int64))
            self._took("clusters: SQL insert texts", t)
        kb = [b.encode() for b in best[~fresh].tolist()]
        if len(left):
            # texts re-ingested ads left: their earliest ad again from the ads that still carry them
            _refresh_best(con, left)
            again = np.unique(np.concatenate((left_t, known)))
            con.register("_again", pa.table({"content_key": st.key[again]}))
            got = dict(con.execute("SELECT content_key, best FROM ad_text_clusters "
                                   "WHERE content_key IN (SELECT content_key FROM _again)").fetchall())
            con.unregister("_again")
            st._fit([(b or "").encode() for b in got.values()])
            st.best[again] = [(got.get(k) or "").encode() for k in st.key[again].tolist()]
        stored = st.best[known].tolist()
        better = [i for i, (b, o) in enumerate(zip(kb, stored)) if o in (b"", NO_AD.encode()) or b < o]
        if better:
            bt, bb = known[better], [kb[i] for i in better]
            con.register("_better", pa.table({"content_key": st.key[bt], "best": pa.array([b.decode() for b in bb],
                                                                                           pa.string())}))
            t = time.process_time()
            con.execute("UPDATE ad_text_clusters SET best = b.best FROM _better b "
                        "WHERE ad_text_clusters.content_key = b.content_key")
            self._took("clusters: SQL update best", t)
            con.unregister("_better")
            st._fit(bb)
            st.best[bt] = bb
            for r, b in zip(st.root(bt).tolist(), bb):
                if b < st.cbest[r] or st.cbest[r] == b"":
                    st.cbest[r] = b
        # merge the components the pairs link: each takes the smallest name (content key) of its group
        names_t = np.unique(np.concatenate((old_roots, new_t)))
        nk = st.key[names_t]
        srt = np.argsort(nk, kind="stable")
        names_t, nk = names_t[srt], nk[srt]
        final = dict(zip(names_t.tolist(), names_t.tolist()))
        if len(pairs):
            ends = np.searchsorted(nk, st.key[st.root(pairs.ravel())]).reshape(-1, 2)
            label = connected_clusters(len(nk), ends)
            moved = label != np.arange(len(nk))
            if moved.any():
                con.register("_moved", pa.table({"old": nk[moved], "new": nk[label[moved]]}))
                t = time.process_time()
                con.execute("UPDATE ad_text_clusters SET component = m.new FROM _moved m "
                            "WHERE ad_text_clusters.component = m.old")
                con.execute("UPDATE ad_cluster_pending SET component = m.new FROM _moved m "
                            "WHERE ad_cluster_pending.component = m.old")
                self._took("clusters: SQL rename components", t)
                con.unregister("_moved")
                for old, to in zip(names_t[moved].tolist(), names_t[label[moved]].tolist()):
                    st.parent[old] = to
                    final[old] = to
                    if st.cbest[old] < st.cbest[to]:
                        st.cbest[to] = st.cbest[old]
        touched = np.unique(np.fromiter(final.values(), dtype=np.int64, count=len(final)))
        if len(left):
            st.recompute(touched)               # a text's earliest ad may have become later
        after = {r: b for r, b in zip(touched.tolist(), st.cbest[touched].tolist()) if b not in (b"", NO_AD.encode())}
        # ads stored before whose representative changes are rewritten once, at the end of the run
        stale = {final[c] for c, b in before.items() if after.get(final[c]) != b}
        stale.update(final[r] for r in left_roots.tolist())
        if stale:
            con.register("_stale", pa.table({"component": np.sort(st.key[np.array(sorted(stale), dtype=np.int64)])}))
            con.execute("INSERT INTO ad_cluster_pending SELECT component FROM _stale")
            con.unregister("_stale")
        reps = st.cbest[st.root(tid)].tolist()
        return {k: r[10:].decode() for k, r in zip(ukeys.tolist(), reps)}

    def _cluster_sql(self, con, table: pa.Table, keys: np.ndarray, bands: np.ndarray, order: np.ndarray,
                     left: np.ndarray) -> dict[int, str]:
        """Store the batch's new texts and their bands, merge the components they link, and return the
        representative ``ad_id`` of each of the batch's texts (content key -> ad_id)."""
        cfg = self.dedupe
        ukeys, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        best = np.full(len(ukeys), None, dtype=object)                   # each text's earliest ad in the batch
        for i, (k, o) in enumerate(zip(inverse.tolist(), order.tolist())):
            if best[k] is None or o < best[k]:
                best[k] = o
        # the batch's texts already stored: component and earliest ad
        con.register("_keys", pa.table({"content_key": ukeys}))
        known = con.execute("""SELECT content_key, component, best FROM ad_text_clusters
                               WHERE content_key IN (SELECT content_key FROM _keys)""").fetchall()
        con.unregister("_keys")
        comp_of: dict[int, int] = {k: c for k, c, _ in known}
        stored_best = {k: b for k, _, b in known}
        fresh = np.array([k not in comp_of for k in ukeys.tolist()], dtype=bool)
        newi = _arrival_order(fresh, first)        # the new texts, in arrival order (first row in the batch)
        new_keys, new_rows = ukeys[newi], first[newi]
        arrivals = next_arrival(con) + np.arange(len(new_keys), dtype=np.int64)
        pairs = np.empty((0, 2), dtype=np.int64)
        if len(new_keys):
            nb = pa.table({"content_key": np.repeat(new_keys, bands.shape[1]), "bucket": bands[new_rows].ravel()})
            con.register("_nb", nb)
            con.register("_na", pa.table({"content_key": new_keys, "arrival": arrivals}))
            con.execute("INSERT INTO ad_lsh_bands SELECT content_key, bucket FROM _nb")
            # every stored member of the batch's buckets, in one scan, ranked in its bucket by arrival;
            # a bucket pairs only its first max_bucket texts (a text below that rank meets no one)
            con.execute(f"""
                CREATE OR REPLACE TEMP TABLE _members AS
                SELECT bucket, content_key FROM (
                    SELECT b.bucket, b.content_key, row_number() OVER (
                        PARTITION BY b.bucket ORDER BY coalesce(c.arrival, a.arrival), b.content_key) AS rank
                    FROM ad_lsh_bands b LEFT JOIN ad_text_clusters c USING (content_key)
                    LEFT JOIN _na a USING (content_key)
                    WHERE b.bucket IN (SELECT bucket FROM _nb))
                WHERE rank <= {int(cfg.max_bucket)}""")
            got = con.execute(f"""
                SELECT n.content_key AS new_key, m.content_key AS other_key
                FROM _nb n SEMI JOIN _members s ON s.bucket = n.bucket AND s.content_key = n.content_key
                JOIN _members m ON m.bucket = n.bucket
                WHERE m.content_key <> n.content_key
                GROUP BY ALL HAVING count(*) >= {int(cfg.min_shared_bands)}""").fetchnumpy()
            con.execute("DROP TABLE _members")
            con.unregister("_na")
            con.unregister("_nb")
            pairs = np.stack((np.asarray(got["new_key"], dtype=np.int64),
                              np.asarray(got["other_key"], dtype=np.int64)), axis=1)
        # components of the stored texts the pairs reach, and of the texts re-ingested ads left
        outside = np.setdiff1d(np.union1d(pairs[:, 1], left), ukeys) if len(pairs) or len(left) else left
        if len(outside):
            con.register("_out", pa.table({"content_key": outside}))
            comp_of.update(con.execute("""SELECT content_key, component FROM ad_text_clusters
                                          WHERE content_key IN (SELECT content_key FROM _out)""").fetchall())
            con.unregister("_out")
        # representatives before the batch, of the components that held ads already
        before = _reps(con, np.unique(np.fromiter(comp_of.values(), dtype=np.int64, count=len(comp_of))))
        for k in new_keys.tolist():
            comp_of[k] = k
        # the batch's texts: new ones stored, known ones get an earlier ad when the batch has one
        if len(new_keys):
            _insert_texts(con, new_keys, table.column("content_hash").take(pa.array(new_rows)), best[newi], arrivals)
        better = [(k, b) for k, b in zip(ukeys[~fresh].tolist(), best[~fresh].tolist())
                  if stored_best.get(k) is None or b < stored_best[k]]
        if len(left):
            # texts re-ingested ads left: their earliest ad again from the ads that still carry them
            # (the batch's ads are not inserted yet: they count through ``better`` when they keep a text)
            _refresh_best(con, left)
            refreshed = dict(con.execute("SELECT content_key, best FROM ad_text_clusters WHERE content_key IN "
                                         "(SELECT unnest(?::BIGINT[]))", [ukeys[~fresh].tolist()]).fetchall()) \
                if (~fresh).any() else {}
            better = [(k, b) for k, b in zip(ukeys[~fresh].tolist(), best[~fresh].tolist())
                      if refreshed.get(k) in (None, NO_AD) or b < refreshed[k]]
        if better:
            con.register("_better", pa.table({"content_key": np.array([k for k, _ in better], dtype=np.int64),
                                              "best": pa.array([b for _, b in better], pa.string())}))
            con.execute("UPDATE ad_text_clusters SET best = b.best FROM _better b "
                        "WHERE ad_text_clusters.content_key = b.content_key")
            con.unregister("_better")
        # merge the components the pairs link: each takes the smallest name of its group
        names = np.unique(np.fromiter(comp_of.values(), dtype=np.int64, count=len(comp_of)))
        merged = names
        if len(pairs):
            ends = np.array([[comp_of[a], comp_of[b]] for a, b in pairs.tolist()], dtype=np.int64)
            edges = np.searchsorted(names, ends)
            merged = names[connected_clusters(len(names), edges)]
            moved = merged != names
            if moved.any():
                con.register("_moved", pa.table({"old": names[moved], "new": merged[moved]}))
                con.execute("UPDATE ad_text_clusters SET component = m.new FROM _moved m "
                            "WHERE ad_text_clusters.component = m.old")
                con.execute("UPDATE ad_cluster_pending SET component = m.new FROM _moved m "
                            "WHERE ad_cluster_pending.component = m.old")
                con.unregister("_moved")
        final = dict(zip(names.tolist(), merged.tolist()))
        touched = np.unique(merged)
        after = _reps(con, touched)
        # ads stored before whose representative changes are rewritten once, at the end of the run
        stale = {final[c] for c, b in before.items() if after.get(final[c]) != b}
        if len(left):
            stale.update(final[comp_of[k]] for k in left.tolist() if k in comp_of)
        if stale:
            con.register("_stale", pa.table({"component": np.array(sorted(stale), dtype=np.int64)}))
            con.execute("INSERT INTO ad_cluster_pending SELECT component FROM _stale")
            con.unregister("_stale")
        return {k: after[final[comp_of[k]]][10:] for k in ukeys.tolist()}

    # -- run bookkeeping -------------------------------------------------------
    def start(self) -> None:
        s = self.summary
        with self.wh.transaction() as con:      # what a killed run or an import left to do
            repair_text_bests(con)
            repair_text_arrivals(con)
            apply_pending(con)
        self.wh.upsert("ingest_runs", [dict(run_id=s.run_id, source=s.source, origin=s.origin[:2000],
                                            started_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))],
                       key=["run_id"])

    def finish(self, t0: float) -> object:
        self.flush()
        with self.wh.transaction() as con:
            apply_pending(con)
        s = self.summary
        s.seconds = time.perf_counter() - t0
        self.wh.con.execute(
            "UPDATE ingest_runs SET finished_at = ?, read = ?, stored = ?, updated = ?, rejected = ?, duplicates = ?, "
            "personal_data_removed = ?, origin = ? WHERE run_id = ?",
            [dt.datetime.now(dt.timezone.utc).replace(tzinfo=None), s.read, s.stored, s.updated, s.rejected,
             s.duplicates, s.personal_data_removed, s.origin[:2000], s.run_id])
        return s
