"""Job-ad ingestion: files or the France Travail API -> normalised, scrubbed, deduplicated ``ads``.

``ingest_offers(paths, db=...)`` and ``ingest_france_travail(query, db=...)``
stream records through the same steps:

    read (sources) -> normalise (normalise.ads) -> remove personal data (enrich.personal_data)
    -> geography, content hash, id, language (normalise.ads.finish_ad)
    -> batch of ``batch_size`` ads -> one transaction: upsert ads + rejects,
       LSH bands of new texts, duplicate clusters of the texts touched (enrich.dedupe)

Each batch is one transaction, so a run killed at any moment leaves whole
batches, and running it again changes no counts (ads are keyed by
``ad_id``, rejects by file + line + reason). Memory is that of one batch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
import uuid
from operator import attrgetter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute  # noqa: F401 - pa.compute

from adequa.config import Settings, get_settings
from adequa.enrich.dedupe import DedupeConfig, MinHasher, connected_clusters
from adequa.enrich.personal_data import scrub, scrub_fields
from adequa.errors import InputError
from adequa.model import JobAd
from adequa.normalise.ads import finish_ad, from_france_travail, from_mapped
from adequa.normalise.clean import detect_languages
from adequa.normalise.geo import GeoResolver
from adequa.store.duckdb import Warehouse

__all__ = ["IngestSummary", "ingest_offers", "ingest_france_travail", "ingest_records", "load_geo", "AdSink"]

ADS_SCHEMA = pa.schema([
    ("ad_id", pa.string()), ("source", pa.string()), ("source_id", pa.string()), ("title", pa.string()),
    ("description", pa.string()), ("created_at", pa.date32()), ("updated_at", pa.date32()),
    ("employer", pa.string()), ("url", pa.string()), ("contract_type", pa.string()),
    ("contract_months", pa.float64()), ("durable", pa.bool_()), ("working_time", pa.string()),
    ("hours_per_week", pa.float64()), ("experience", pa.string()), ("experience_months", pa.float64()),
    ("qualification", pa.string()), ("salary_min", pa.float64()), ("salary_max", pa.float64()),
    ("salary_period", pa.string()), ("commune", pa.string()), ("postal_code", pa.string()),
    ("departement", pa.string()), ("region", pa.string()), ("bassin", pa.string()), ("location_text", pa.string()),
    ("source_rome", pa.string()), ("source_skills", pa.list_(pa.string())), ("naf", pa.string()),
    ("lang", pa.string()), ("content_hash", pa.string()), ("personal_data_removed", pa.int32()),
    ("duplicate_cluster", pa.string()), ("origin_file", pa.string()), ("origin_line", pa.int64()),
])
_DATE_COLS = {"created_at", "updated_at"}
INGEST_MEMORY_LIMIT = "384MB"      # DuckDB's cache during an ingestion run (see ingest_records)
INGEST_CHECKPOINT_THRESHOLD = "128MB"  # WAL size that triggers a checkpoint during a run (DuckDB's default: 16MB)
_AD_FIELDS = [f.name for f in ADS_SCHEMA if f.name not in ("duplicate_cluster", "origin_file", "origin_line")]


@dataclass
class IngestSummary:
    """What a run did; also stored as a row of ``ingest_runs``."""

    run_id: str
    source: str
    origin: str
    read: int = 0
    stored: int = 0          # ads inserted (new ad_id)
    updated: int = 0         # ads replaced (ad_id already there)
    rejected: int = 0
    duplicates: int = 0      # ads of this run that belong to a cluster represented by another ad
    personal_data_removed: int = 0
    seconds: float = 0.0
    started_at: str = ""
    files: list[str] = field(default_factory=list)

    @property
    def ads_per_second(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        return asdict(self) | {"ads_per_second": round(self.ads_per_second, 1)}


# -- geography -------------------------------------------------------------------------
def load_geo(settings: Settings | None = None, wh: Warehouse | None = None) -> GeoResolver:
    """A ``GeoResolver`` from the warehouse's ``geo_communes`` table when loaded, else from the
    geography files (``<data root>/geo``), else an empty one (départements and régions only)."""
    settings = settings or get_settings()
    if wh is not None and "geo_communes" in wh.tables():
        rows = wh.query_dicts("SELECT * FROM geo_communes")
        if rows:
            return GeoResolver(rows)
    try:
        from adequa.sources.referentials import geo as geo_source   # written by the referentials stage
        reader = getattr(geo_source, "read_communes", None) or getattr(geo_source, "communes", None)
    except ImportError:
        reader = None
    root = settings.data_root() / "geo"
    if reader is not None and root.exists():
        try:
            return GeoResolver(reader(root))
        except Exception:      # noqa: BLE001 - fall back on the plain file below
            pass
    lexique = root / "mobiville_lexique-bassins-bmo2019.csv"
    if lexique.exists():
        from adequa.sources.readers import read_csv

        return GeoResolver(row for _, row in read_csv(lexique))
    return GeoResolver()


# -- the sink: batches -> warehouse -------------------------------------------------------
def _key_of(content_hash: str) -> int:
    return int.from_bytes(bytes.fromhex(content_hash), "big", signed=True)


def _upsert_unique(con, table: str, batch: pa.Table, key: str, name: str) -> tuple[int, int]:
    """Upsert of a batch whose ``key`` values are distinct (checked by the caller), inside its transaction."""
    con.register(name, batch)
    con.register(name + "_k", batch.select([key]))
    try:
        existing = con.execute(f'SELECT count(*) FROM "{table}" t JOIN {name}_k b ON t."{key}" = b."{key}"').fetchall()[0][0]
        if existing:
            con.execute(f'DELETE FROM "{table}" t USING {name}_k b WHERE t."{key}" = b."{key}"')
        cols = ", ".join(f'"{c}"' for c in batch.column_names)
        con.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM {name}')
    finally:
        con.unregister(name)
        con.unregister(name + "_k")
    return batch.num_rows - existing, existing


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


def _ads_arrow(ads: list[tuple[JobAd, str | None, int | None]]) -> pa.Table:
    """The ``ads`` rows of normalised ads (``(JobAd, origin file, line)``) as an Arrow table."""
    get = attrgetter(*_AD_FIELDS)
    rows = [get(ad) for ad, _, _ in ads]
    cols = dict(zip(_AD_FIELDS, map(list, zip(*rows))))
    fromiso = dt.date.fromisoformat
    for name in _DATE_COLS:
        cols[name] = [fromiso(v) if v else None for v in cols[name]]
    cols["duplicate_cluster"] = cols["ad_id"]
    cols["origin_file"] = [p for _, p, _ in ads]
    cols["origin_line"] = [n for _, _, n in ads]
    return pa.table(cols, schema=ADS_SCHEMA)


@dataclass
class _Part:
    """Normalised ads of a run, in input order: their rows, text keys and LSH band keys (built by a worker)."""

    table: pa.Table
    keys: np.ndarray          # int64 content keys (``_key_of(content_hash)``)
    bands: np.ndarray         # (rows, bands) int64 LSH bucket keys

    def __len__(self) -> int:
        return self.table.num_rows

    def slice(self, start: int, stop: int | None = None) -> "_Part":
        stop = len(self) if stop is None else stop
        return _Part(self.table.slice(start, stop - start), self.keys[start:stop], self.bands[start:stop])


class AdSink:
    """Collects normalised ads (Arrow parts) and rejects; writes a batch per transaction; clusters duplicates.

    Batches hold exactly ``batch_size`` ads (the last one fewer), whatever the size of the parts added.
    """

    def __init__(self, wh: Warehouse, summary: IngestSummary, *, batch_size: int = 5000,
                 dedupe: DedupeConfig = DedupeConfig(), on_commit=None):
        self.wh, self.summary, self.batch_size = wh, summary, max(1, batch_size)
        self.dedupe = dedupe
        self.ads: list[_Part] = []
        self.pending = 0                 # ads in self.ads
        self.rejects: list[dict] = []
        self.on_commit = on_commit       # called with each mark once everything before it is committed
        self.marks: list = []

    def mark(self, token) -> None:
        """Note a position in the input (e.g. an API page read in full): reported once committed."""
        if self.ads or self.rejects:
            self.marks.append(token)
        elif self.on_commit:
            self.on_commit(token)

    def add_part(self, part: _Part) -> None:
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
    def _ads_table(self, ads: list[tuple[JobAd, str | None, int | None]]) -> pa.Table:
        """Kept for callers that build rows from ``JobAd`` objects (``AdSink._ads_table(None, ads)``)."""
        return _ads_arrow(ads)

    def flush(self) -> None:
        if not self.ads and not self.rejects:
            return
        marks, self.marks = self.marks, []
        parts, self.ads, self.pending = self.ads, [], 0
        rejects, self.rejects = self.rejects, []
        con = self.wh.con
        with self.wh.transaction():
            if parts:
                table = pa.concat_tables([p.table for p in parts]) if len(parts) > 1 else parts[0].table
                keys = np.concatenate([p.keys for p in parts])
                bands = np.concatenate([p.bands for p in parts])
                ids = table.column("ad_id").to_pylist()
                last = {ad_id: i for i, ad_id in enumerate(ids)}     # the last row for an id wins
                if len(last) < len(ids):
                    self.summary.updated += len(ids) - len(last)      # repeated in the batch: replaced at once
                    keep = np.fromiter(sorted(last.values()), dtype=np.int64, count=len(last))
                    table, keys, bands = table.take(keep), keys[keep], bands[keep]
                inserted, updated = _upsert_unique(con, "ads", table, "ad_id", "_ads_batch")
                self.summary.stored += inserted
                self.summary.updated += updated
                self._cluster(table, keys, bands)
            if rejects:
                _upsert_in(con, "rejects", pa.Table.from_pylist(rejects), ["reject_id"], "_rej_batch")
        if self.on_commit:
            for token in marks:
                self.on_commit(token)

    def _cluster(self, table: pa.Table, keys: np.ndarray, bands: np.ndarray) -> None:
        """Compare the batch's texts with every stored text; update the clusters they touch."""
        con, cfg = self.wh.con, self.dedupe
        ukeys, first = np.unique(keys, return_index=True)          # each distinct text once
        con.register("_keys", pa.table({"content_key": ukeys}))
        known = np.array([r[0] for r in con.execute(
            "SELECT c.content_key FROM ad_text_clusters c JOIN _keys k USING (content_key)").fetchall()],
            dtype=np.int64)
        con.unregister("_keys")
        fresh = ~np.isin(ukeys, known)
        new_keys, new_rows = ukeys[fresh], first[fresh]
        if len(new_keys):
            nb = pa.table({"content_key": np.repeat(new_keys, bands.shape[1]), "bucket": bands[new_rows].ravel()})
            con.register("_nb", nb)
            con.execute("INSERT INTO ad_lsh_bands SELECT content_key, bucket FROM _nb")
            pairs = con.execute(f"""
                WITH sizes AS (
                    SELECT b.bucket FROM ad_lsh_bands b WHERE b.bucket IN (SELECT bucket FROM _nb)
                    GROUP BY b.bucket HAVING count(*) BETWEEN 2 AND {int(cfg.max_bucket)})
                SELECT n.content_key AS new_key, b.content_key AS other_key
                FROM _nb n JOIN sizes s USING (bucket) JOIN ad_lsh_bands b USING (bucket)
                WHERE b.content_key <> n.content_key
                GROUP BY ALL HAVING count(*) >= {int(cfg.min_shared_bands)}""").fetchnumpy()
            pairs = np.stack((np.asarray(pairs["new_key"], dtype=np.int64),
                              np.asarray(pairs["other_key"], dtype=np.int64)), axis=1)
            con.unregister("_nb")
            con.register("_nc", pa.table({"content_key": new_keys,
                                          "content_hash": table.column("content_hash").take(pa.array(new_rows)),
                                          "component": new_keys}))
            con.execute("INSERT INTO ad_text_clusters SELECT content_key, content_hash, component FROM _nc")
            con.unregister("_nc")
        else:
            pairs = np.empty((0, 2), dtype=np.int64)
        if len(pairs):
            self._merge(pairs)
        # Representatives of every component the batch touches: its earliest ad.
        con.register("_keys", pa.table({"content_key": ukeys}))
        con.execute("""
            CREATE OR REPLACE TEMP TABLE _comp AS
            SELECT DISTINCT c.component FROM ad_text_clusters c JOIN _keys k USING (content_key)""")
        con.unregister("_keys")
        con.execute("""
            CREATE OR REPLACE TEMP TABLE _rep AS
            SELECT c.content_hash, first(r.rep) AS rep FROM ad_text_clusters c JOIN (
                SELECT c.component, arg_min(a.ad_id, coalesce(a.created_at, DATE '9999-12-31')::VARCHAR || a.ad_id) AS rep
                FROM ads a JOIN ad_text_clusters c ON a.content_hash = c.content_hash
                WHERE c.component IN (SELECT component FROM _comp) GROUP BY c.component
            ) r USING (component) GROUP BY c.content_hash""")
        con.execute("""
            UPDATE ads SET duplicate_cluster = _rep.rep FROM _rep
            WHERE ads.content_hash = _rep.content_hash AND ads.duplicate_cluster IS DISTINCT FROM _rep.rep""")
        # The batch's ads now carry their text's representative (every batch text is in a touched
        # component): count those represented by another ad without scanning ``ads`` again.
        con.register("_ids", table.select(["ad_id", "content_hash"]))
        self.summary.duplicates += con.execute(
            "SELECT count(*) FROM (SELECT DISTINCT ad_id, content_hash FROM _ids) JOIN _rep USING (content_hash) "
            "WHERE rep <> ad_id").fetchall()[0][0]
        con.unregister("_ids")
        con.execute("DROP TABLE _comp; DROP TABLE _rep")

    def _merge(self, pairs: np.ndarray) -> None:
        """Union the components linked by ``pairs`` of content keys.

        A component is named by the smallest content key of its texts, so merging components is
        naming each group of linked components after the smallest of their names: the work is on
        the components linked by this batch, never on all their texts (a large cluster costs one
        UPDATE in the warehouse, not a Python loop over its members)."""
        con = self.wh.con
        con.register("_pairs", pa.table({"a": pairs[:, 0], "b": pairs[:, 1]}))
        linked = con.execute("""
            SELECT DISTINCT ca.component AS x, cb.component AS y
            FROM _pairs p JOIN ad_text_clusters ca ON ca.content_key = p.a
                          JOIN ad_text_clusters cb ON cb.content_key = p.b
            WHERE ca.component <> cb.component""").fetchnumpy()
        con.unregister("_pairs")
        if not len(linked["x"]):
            return
        x, y = np.asarray(linked["x"], dtype=np.int64), np.asarray(linked["y"], dtype=np.int64)
        names = np.unique(np.concatenate((x, y)))                   # sorted: the smallest first
        edges = np.stack((np.searchsorted(names, x), np.searchsorted(names, y)), axis=1)
        merged = names[connected_clusters(len(names), edges)]        # each name -> the smallest linked name
        moved = merged != names
        con.register("_moved", pa.table({"old": names[moved], "new": merged[moved]}))
        con.execute("UPDATE ad_text_clusters SET component = m.new FROM _moved m WHERE ad_text_clusters.component = m.old")
        con.unregister("_moved")

    # -- run bookkeeping -------------------------------------------------------
    def start(self) -> None:
        s = self.summary
        self.wh.upsert("ingest_runs", [dict(run_id=s.run_id, source=s.source, origin=s.origin[:2000],
                                            started_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))],
                       key=["run_id"])

    def finish(self, t0: float) -> IngestSummary:
        self.flush()
        s = self.summary
        s.seconds = time.perf_counter() - t0
        self.wh.con.execute(
            "UPDATE ingest_runs SET finished_at = ?, read = ?, stored = ?, updated = ?, rejected = ?, duplicates = ?, "
            "personal_data_removed = ?, origin = ? WHERE run_id = ?",
            [dt.datetime.now(dt.timezone.utc).replace(tzinfo=None), s.read, s.stored, s.updated, s.rejected,
             s.duplicates, s.personal_data_removed, s.origin[:2000], s.run_id])
        return s


# -- per-record processing ------------------------------------------------------------
# what str.isdigit accepts: \d (decimal digits of every script) and the other digits (superscripts,
# subscripts, circled digits...) of the Unicode database of this Python
_ANY_DIGIT = re.compile("[\\d\U000000b2-\U000000b3\U000000b9\U00001369-\U00001371\U000019da\U00002070\U00002074-\U00002079\U00002080-\U00002089\U00002460-\U00002468\U00002474-\U0000247c\U00002488-\U00002490\U000024ea\U000024f5-\U000024fd\U000024ff\U00002776-\U0000277e\U00002780-\U00002788\U0000278a-\U00002792\U00010a40-\U00010a43\U00010e60-\U00010e68\U00011052-\U0001105a\U0001f100-\U0001f10a]")


def _digits(text: str) -> int:
    """How many digits ``text`` holds: ten C-level scans for ASCII text, far cheaper than a per-character loop."""
    if text.isascii():
        return sum(map(text.count, "0123456789"))
    return len(_ANY_DIGIT.findall(text))


def _may_hold_contact(text: str) -> bool:
    """The cheap test for short fields: an "@" or at least 8 digits (``str.isdigit`` digits)."""
    if "@" in text:
        return True
    ascii_digits = sum(map(text.count, "0123456789"))
    return ascii_digits >= 8 or (not text.isascii() and _digits(text) >= 8)


def _finish_record(ad: JobAd, contacts, geo: GeoResolver | None, language: bool = True) -> JobAd:
    removed = scrub_fields(contacts.fields) if contacts.fields else 0
    ad.description, found = scrub(ad.description, names=contacts.names)
    n_title = 0
    if _may_hold_contact(ad.title):     # titles rarely hold any
        title, found_title = scrub(ad.title, names=())
        ad.title, n_title = title or ad.title, sum(found_title.values())
    for name in ("employer", "location_text", "url"):    # short fields, published too: same cheap test
        value = getattr(ad, name)
        if value and _may_hold_contact(value):
            clean, found_field = scrub(value, names=())
            setattr(ad, name, clean)
            n_title += sum(found_field.values())
    ad.personal_data_removed = removed + sum(found.values()) + n_title
    return finish_ad(ad, geo, language=language)


def _records_of(path: Path, fmt: str | None, mapping) -> tuple[str, Iterator[tuple[int, dict, dict | None]]]:
    """("france-travail" | "mapped", iterator of (line, record, raw)) for one file."""
    from adequa.sources import ads_csv, france_travail

    kind = (fmt or "").lower()
    if mapping is not None or kind in ("mapped", "generic"):
        return "mapped", ads_csv.read_mapped(path, mapping, fmt=None if kind in ("mapped", "generic", "") else kind)
    ft_fmt = {"ft": None, "france-travail": None, "ft-csv": "csv", "ft-json": "json", "ft-jsonl": "jsonl"}
    if kind in ft_fmt and (ft_fmt[kind] or france_travail._sniff(path)) == "jsonl":
        return "france-travail", ((n, raw, None) for n, raw in france_travail.jsonl_lines(path))
    if kind in ft_fmt:
        return "france-travail", ((n, r, None) for n, r in france_travail.read_dump(path, fmt=ft_fmt[kind]))
    if kind not in ("", "csv", "json", "jsonl"):
        raise InputError(f"unknown format {fmt!r}; expected ft, ft-csv, ft-json, ft-jsonl, csv, json, jsonl or mapped",
                         path=str(path), field="--format")
    if (kind or france_travail._sniff(path)) == "jsonl":
        # raw lines: decoded where they are normalised (in the workers), not here
        lines = france_travail.jsonl_lines(path)
        first = next(lines, None)
        if first is None:
            return "france-travail", iter(())
        rec = france_travail.parse_jsonl_line(first[1], str(path), first[0])
        if france_travail.looks_like_france_travail(rec.keys()):
            def raw_chain():
                yield first[0], rec, None
                yield from ((n, raw, None) for n, raw in lines)
            return "france-travail", raw_chain()
        lines.close()
        return "mapped", ads_csv.read_mapped(path, None, fmt="json")
    dump = france_travail.read_dump(path, fmt=kind or None)
    first = next(dump, None)
    if first is None:
        return "france-travail", iter(())
    if france_travail.looks_like_france_travail(first[1].keys()):
        def chain():
            yield first[0], first[1], None
            for n, r in dump:
                yield n, r, None
        return "france-travail", chain()
    dump.close()
    return "mapped", ads_csv.read_mapped(path, None, fmt="json" if kind in ("json", "jsonl") or
                                         path.suffix.lower() in (".json", ".jsonl") else None)


def _is_ft_jsonl(path: Path, fmt: str | None, mapping) -> bool:
    """Whether ``_records_of`` would read ``path`` as France Travail JSON Lines (then read in blocks)."""
    from adequa.sources import france_travail

    kind = (fmt or "").lower()
    if mapping is not None or kind not in ("", "jsonl", "ft", "france-travail", "ft-jsonl"):
        return False
    if kind not in ("jsonl", "ft-jsonl") and france_travail._sniff(path) != "jsonl":
        return False
    if kind in ("ft", "france-travail", "ft-jsonl"):
        return True
    lines = france_travail.jsonl_lines(path)
    try:
        first = next(lines, None)
    finally:
        lines.close()
    return first is not None and france_travail.looks_like_france_travail(
        france_travail.parse_jsonl_line(first[1], str(path), first[0]).keys())


def _progress(enabled: bool):
    from contextlib import nullcontext

    if not enabled:
        return nullcontext(None)
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(SpinnerColumn(), TextColumn("{task.description}"), TextColumn("{task.completed:,} ads"),
                    TextColumn("[dim]{task.fields[rate]}"), TimeElapsedColumn(), transient=False)


# -- the work per record, in this process or in worker processes ------------------------------
_WORKER: dict = {}          # geo resolver, hasher and source of the current run, inherited by forked workers


def _parse_line(raw: bytes, path, line) -> dict:
    from adequa.sources.france_travail import parse_jsonl_line

    return parse_jsonl_line(raw, path, line)


def _normalise_one(path, line, record: dict, kind: str, source: str, geo, language: bool = True):
    """("ad", JobAd) or ("reject", reject fields) for one raw record; ("fatal", InputError fields)
    when ``record`` is a raw JSON line that is not an object (the run stops there, as when reading).
    With ``language`` false the ad's language is left for the caller to guess (``_set_languages``)."""
    if record.__class__ is bytes:
        try:
            record = _parse_line(record, path, line)
        except InputError as exc:
            return "fatal", dict(message=exc.message, path=exc.path, line=exc.line, record=exc.record, field=exc.field)
    try:
        if kind == "france-travail":
            ad, contacts = from_france_travail(record, source=source if source != "mixed" else "france-travail")
        else:
            ad, contacts = from_mapped(record, source=record.get("source") or source)
        return "ad", _finish_record(ad, contacts, geo, language)
    except InputError as exc:
        return "reject", dict(path=path, line=line, record=str(record.get("id") or record.get("source_id") or ""),
                              field=exc.field, reason=exc.message, raw=_raw(record))


BLOCK = "_jsonl_block"       # kind of an input item holding whole France Travail JSON Lines: (path, first line, bytes, BLOCK)


def _expand(chunk: list) -> Iterator[tuple]:
    """The records of a chunk: its items, with blocks of JSON Lines cut into raw lines (blank lines skipped)."""
    for item in chunk:
        if item[3] != BLOCK:
            yield item
            continue
        path, first, block, _ = item
        lines = block.split(b"\n")
        if block.endswith(b"\n"):
            lines.pop()
        for i, raw in enumerate(lines):
            if raw and not raw.isspace():
                yield path, first + i, raw, "france-travail"


def _process_chunk(chunk: list) -> tuple[_Part | None, list, int]:
    """Normalise, scrub and sign a chunk of records (in a worker process, or in this one).

    Returns (the ads as one Arrow part, events, records read) where events are
    ``(ads before it, "reject" | "fatal", fields)`` in input order; a fatal record ends the chunk.
    """
    geo, hasher, source = _WORKER["geo"], _WORKER["hasher"], _WORKER["source"]
    ads: list[tuple[JobAd, str | None, int | None]] = []
    events: list = []
    read = 0
    for path, line, rec, kind in _expand(chunk):
        what, value = _normalise_one(path, line, rec, kind, source, geo, language=False)
        if what == "ad":
            ads.append((value, path, line))
        else:
            events.append((len(ads), what, value))
            if what == "fatal":
                break
        read += 1
    if not ads:
        return None, events, read
    _set_languages([ad for ad, _, _ in ads])
    table = _ads_arrow(ads)
    keys = np.fromiter((_key_of(ad.content_hash) for ad, _, _ in ads), dtype=np.int64, count=len(ads))
    bands = hasher.band_keys(hasher.signatures([f"{ad.title}\n{ad.description}" for ad, _, _ in ads]))
    return _Part(table, keys, bands), events, read


def _set_languages(ads: list[JobAd]) -> None:
    """``ad.lang`` as ``finish_ad`` sets it (description, else title), guessed for the whole list at once."""
    langs = detect_languages([ad.description for ad in ads])
    missing = [i for i, lang in enumerate(langs) if lang is None]
    if missing:
        for i, lang in zip(missing, detect_languages([ads[i].title for i in missing])):
            langs[i] = lang
    for ad, lang in zip(ads, langs):
        ad.lang = lang


def _chunks(records: Iterable, size: int, marks: dict) -> Iterator[list]:
    """Records in chunks (a block of lines is a chunk of its own); marks met in the stream are filed
    under the chunk they follow. When the input fails, the records read before are still yielded."""
    chunk: list = []
    index = 0
    try:
        for item in records:
            kind = item[3]
            if kind == "_mark":
                marks.setdefault(index, []).append(item[2])
                if chunk:
                    yield chunk
                    chunk, index = [], index + 1
                continue
            if kind == BLOCK:
                if chunk:
                    yield chunk
                    index += 1
                yield [item]
                chunk, index = [], index + 1
                continue
            chunk.append(item)
            if len(chunk) >= size:
                yield chunk
                chunk, index = [], index + 1
    except Exception:
        if chunk:
            yield chunk
        raise
    if chunk:
        yield chunk


class _NoPandas:
    """Import finder refusing pandas: pyarrow looks for it when it first builds an array (about 1 s
    of CPU to import), and a worker only builds tables from Python lists, which need no pandas."""

    def find_spec(self, name, path=None, target=None):
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError("pandas is not used by ingestion workers", name=name)
        return None


def _worker_init() -> None:
    import sys

    if "pandas" not in sys.modules:
        sys.meta_path.insert(0, _NoPandas())


def _workers(workers: int | None) -> int:
    import os

    if workers is not None:
        return max(1, workers)
    return 2 if (os.cpu_count() or 1) >= 2 else 1


def ingest_records(records: Iterable[tuple[str | None, int | None, dict, str]], *, db: str | Path | None = None,
                   source: str = "france-travail", origin: str = "", geo: GeoResolver | None = None,
                   batch_size: int | None = None, progress: bool = False, dedupe: DedupeConfig = DedupeConfig(),
                   settings: Settings | None = None, wh: Warehouse | None = None, on_commit=None,
                   description: str = "ingesting", workers: int | None = None) -> IngestSummary:
    """Ingest ``(origin_file, line, record, kind)`` tuples; ``kind`` is "france-travail" or "mapped"
    (mapped records carry canonical keys and their source name under "source"), or ``BLOCK`` for
    whole France Travail JSON Lines (``record`` is then their bytes and ``line`` the first line's number).

    Records are processed in chunks: each is normalised, scrubbed and signed into one Arrow
    table (in forked worker processes with ``workers`` > 1, default 2 on a multi-core machine),
    and this process only writes the batches; results keep the input order.
    """
    settings = settings or get_settings()
    own = wh is None
    n_workers = _workers(workers)
    pool = None
    if geo is None:
        if own:
            with Warehouse(db or settings.db) as probe:
                geo = load_geo(settings, probe)
        else:
            geo = load_geo(settings, wh)
    _WORKER.update(geo=geo, hasher=MinHasher(dedupe), source=source)
    if n_workers > 1:
        import gc
        import multiprocessing as mp

        if hasattr(geo, "prepare"):
            geo.prepare()                 # one name index, shared copy-on-write by the forked workers
        gc.freeze()                       # the workers' collections skip (and do not copy) what they inherit
        try:
            pool = mp.get_context("fork").Pool(n_workers, initializer=_worker_init)   # before the warehouse opens
        finally:
            gc.unfreeze()
    if wh is None:
        wh = Warehouse(db or settings.db)
        # DuckDB caches table pages up to its memory limit (80 % of RAM by default): cap it so that
        # a long load keeps the memory of a few batches, whatever the size of the warehouse.
        wh.con.execute(f"SET memory_limit = '{INGEST_MEMORY_LIMIT}'")
        # Each checkpoint recompresses the table's last row group: with DuckDB's default (16 MB of
        # WAL, about one batch of ads) that work dominates the writer's CPU on large loads. Committed
        # batches are in the WAL either way (a killed run loses none); the run ends with a checkpoint.
        wh.con.execute(f"SET checkpoint_threshold = '{INGEST_CHECKPOINT_THRESHOLD}'")
        if pool is not None:          # the workers keep the cores busy: one DuckDB thread spends less CPU
            wh.con.execute("SET threads = 1")
    try:
        summary = IngestSummary(run_id=uuid.uuid4().hex[:16], source=source, origin=origin,
                                started_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
        sink = AdSink(wh, summary, batch_size=batch_size or settings.batch_size, dedupe=dedupe, on_commit=on_commit)
        sink.start()
        t0 = time.perf_counter()
        marks: dict = {}
        with _progress(progress) as bar:
            task = bar.add_task(description, total=None, rate="") if bar else None

            def done() -> Iterator:
                """Results of the chunks, in input order."""
                if pool is None:
                    for chunk in _chunks(records, 200, marks):
                        yield _process_chunk(chunk)
                    return
                from collections import deque

                pending: deque = deque()       # at most 2 chunks in flight per worker (bounded memory)
                try:
                    for chunk in _chunks(records, 200, marks):
                        pending.append(pool.apply_async(_process_chunk, (chunk,)))
                        if len(pending) >= 2 * n_workers:
                            yield pending.popleft().get()
                except GeneratorExit:
                    raise
                except Exception:            # the input failed: what was read before is still stored
                    while pending:
                        yield pending.popleft().get()
                    raise
                while pending:
                    yield pending.popleft().get()

            stream = done()
            index = 0
            while True:
                try:
                    part, events, read = next(stream)
                except StopIteration:
                    break
                except Exception:
                    sink.flush()         # the input broke (e.g. the API gave up): keep every complete record read
                    raise
                summary.read += read
                at = 0
                for before, what, value in events:
                    if before > at:
                        sink.add_part(part.slice(at, before))
                        at = before
                    if what == "fatal":          # a malformed line: keep every complete record before it
                        sink.flush()
                        raise InputError(value.pop("message"), **value)
                    sink.reject(source=source, **value)
                if part is not None:
                    if at < len(part):
                        sink.add_part(part.slice(at) if at else part)
                    summary.personal_data_removed += pa.compute.sum(part.table.column("personal_data_removed")).as_py() or 0
                for token in marks.pop(index, ()):
                    sink.mark(token)
                index += 1
                if bar is not None:
                    elapsed = time.perf_counter() - t0
                    bar.update(task, completed=summary.read, rate=f"{summary.read / elapsed:,.0f} ads/s" if elapsed else "")
            for i in sorted(marks):
                for token in marks.pop(i):
                    sink.mark(token)
        return sink.finish(t0)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
        if own:
            wh.close()


def _raw(record: dict) -> str:
    import json

    try:
        return json.dumps(record, ensure_ascii=False, default=str)[:4000]
    except (TypeError, ValueError):
        return str(record)[:4000]


def ingest_offers(paths: Sequence[str | Path] | str | Path, *, db: str | Path | None = None, fmt: str | None = None,
                  mapping=None, progress: bool = True, batch_size: int | None = None, source: str | None = None,
                  geo: GeoResolver | None = None, settings: Settings | None = None,
                  dedupe: DedupeConfig = DedupeConfig(), workers: int | None = None) -> IngestSummary:
    """Ingest job-ad files into the warehouse and return the run's summary.

    :param paths: files (CSV, JSON, JSONL; .gz/.bz2 allowed): France Travail dumps (API JSON or
        flattened CSV exports) or any ads file read through ``mapping``.
    :param fmt: ``None`` to sniff; ``ft``/``ft-csv``/``ft-json``/``ft-jsonl`` to force the France
        Travail schema; ``csv``/``json``/``jsonl`` for the container only; ``mapped`` for a generic file.
    :param mapping: a ``sources.ads_csv.Mapping``, a mapping file path, or ``None`` (France Travail
        schema detected, else columns guessed from the header).
    :param source: the ``ads.source`` of generic files (default ``csv:<file stem>``).
    :param workers: processes that normalise records (default 2 on a multi-core machine; 1 = in process).

    Bad records go to ``rejects`` (file, line, field, reason) and the run goes on.
    """
    from adequa.sources.ads_csv import Mapping, load_mapping

    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = [Path(p) for p in paths]
    for p in paths:
        if not p.exists():
            raise InputError("file not found", path=str(p))
    if mapping is not None and not isinstance(mapping, Mapping):
        mapping = load_mapping(mapping, source=source)

    def records():
        for path in paths:
            if _is_ft_jsonl(path, fmt, mapping):
                from adequa.sources.france_travail import jsonl_blocks

                yield from ((str(path), first, block, BLOCK) for first, block in jsonl_blocks(path))
                continue
            kind, rows = _records_of(path, fmt, mapping)
            default_source = (mapping.source if mapping is not None and mapping.source else None) or source
            for line, rec, _raw_row in rows:
                if kind == "mapped":
                    rec.setdefault("source", default_source or f"csv:{path.stem}")
                yield str(path), line, rec, kind

    return ingest_records(records(), db=db, source=source or "mixed", origin=";".join(str(p) for p in paths),
                          geo=geo, batch_size=batch_size, progress=progress, settings=settings, dedupe=dedupe,
                          description=f"{len(paths)} file(s)", workers=workers)


def ingest_france_travail(query, *, db: str | Path | None = None, client=None, checkpoint: str | Path | None = None,
                          progress: bool = True, batch_size: int | None = None, settings: Settings | None = None,
                          geo: GeoResolver | None = None) -> IngestSummary:
    """Harvest the France Travail offers API for ``query`` (a ``sources.france_travail.Query``) into the warehouse.

    ``checkpoint`` (a JSON file) makes the harvest resumable: pages are marked
    once their batch is committed, so a re-run after a crash starts after the
    last committed page. ``client`` defaults to one built from FT_CLIENT_ID/FT_CLIENT_SECRET.
    """
    from adequa.sources.france_travail import Checkpoint, FranceTravailClient

    settings = settings or get_settings()
    own_client = client is None
    if client is None:
        cid = settings.ft_client_id.get_secret_value() if settings.ft_client_id else None
        secret = settings.ft_client_secret.get_secret_value() if settings.ft_client_secret else None
        client = FranceTravailClient(cid, secret)
    ckpt = Checkpoint(checkpoint)

    def records():
        for page in client.pages(query, checkpoint=ckpt):
            for rec in page.records:
                yield f"api:{page.query.key}", page.start, rec, "france-travail"
            yield None, None, page, "_mark"     # checkpointed once all its records are committed

    try:
        summary = ingest_records(records(), db=db, source="france-travail", origin=f"api:{query.key}", geo=geo,
                                 batch_size=batch_size or min(settings.batch_size, 1500), progress=progress,
                                 settings=settings, on_commit=ckpt.mark, description="France Travail API")
        return summary
    finally:
        if own_client:
            client.close()
