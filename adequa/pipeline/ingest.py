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
import os
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
from adequa.enrich.dedupe import DedupeConfig, MinHasher
from adequa.enrich.personal_data import scrub, scrub_fields
from adequa.errors import InputError
from adequa.model import JobAd
from adequa.normalise.ads import finish_ad, from_france_travail, from_mapped
from adequa.normalise.clean import detect_languages
from adequa.normalise.geo import GeoResolver
from adequa.pipeline.ingest_sink import AdSink, Part, key_of
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
JSONL_BLOCK = int(os.environ.get("ADEQUA_JSONL_BLOCK", 1 << 21))   # bytes of JSON Lines per chunk sent to a worker (~700 ads)
INGEST_MEMORY_LIMIT = "384MB"      # DuckDB's cache during an ingestion run (see ingest_records)
INGEST_CHECKPOINT_THRESHOLD = "1GB"   # WAL size that triggers a checkpoint by itself (DuckDB's default: 16MB)
INGEST_CHECKPOINT_ADS = 122_880          # ads between two checkpoints of a run: one DuckDB row group
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


# -- the sink: batches -> warehouse (adequa.pipeline.ingest_sink) ------------------------------
_Part, _key_of = Part, key_of        # the names the workers use


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
        # So the run checkpoints itself each time a row group of ads is full (INGEST_CHECKPOINT_ADS):
        # every row is compressed about once, and the WAL stays under ~200 MB.
        wh.con.execute(f"SET checkpoint_threshold = '{INGEST_CHECKPOINT_THRESHOLD}'")
        if pool is not None:          # the workers keep the cores busy: one DuckDB thread spends less CPU
            wh.con.execute("SET threads = 1")
    try:
        summary = IngestSummary(run_id=uuid.uuid4().hex[:16], source=source, origin=origin,
                                started_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
        sink = AdSink(wh, summary, batch_size=batch_size or settings.batch_size, dedupe=dedupe, on_commit=on_commit,
                      checkpoint_every=INGEST_CHECKPOINT_ADS if own else None)
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

                yield from ((str(path), first, block, BLOCK) for first, block in jsonl_blocks(path, JSONL_BLOCK))
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
