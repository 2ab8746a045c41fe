"""Statistical sources into the warehouse: BMO, job seekers, census, tension tables.

Library first; ``adequa ingest bmo|job-seekers|census|tension`` are thin
wrappers. Each loader streams its file through the source reader, writes
batches with ``Warehouse.upsert`` on the table's natural key (re-running on
the same file changes no counts) and records the file's provenance (origin,
sha256, rows). A malformed value stops the load with an ``InputError`` naming
the file, line and column; batches already written stay (they are keyed, so a
corrected re-run completes them).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from adequa.errors import InputError
from adequa.sources import bmo as bmo_source
from adequa.sources import census as census_source
from adequa.sources import job_seekers as js_source
from adequa.sources import tension as tension_source
from adequa.store.duckdb import Warehouse


@dataclass(frozen=True)
class StatSource:
    kind: str
    table: str
    key: tuple[str, ...]
    source: str
    licence: str
    layout: str
    sum_duplicates: bool = False      # rows repeating a key are summed (files listing unlocated offers twice)


SOURCES = {
    "bmo": StatSource("bmo", "bmo", ("year", "metier_code", "bassin"),
                      "France Travail, enquête Besoins en main-d'œuvre (BMO)", "Licence Ouverte 2.0", bmo_source.LAYOUT),
    "job-seekers": StatSource("job-seekers", "job_seekers",
                              ("period", "level", "territory", "nomenclature", "occupation", "category", "sex",
                               "age_band", "diploma", "seniority"),
                              "France Travail – DARES, demandeurs d'emploi en fin de mois (STMT)",
                              "Licence Ouverte 2.0", js_source.LAYOUT),
    "census": StatSource("census", "census_workers",
                         ("year", "level", "territory", "nomenclature", "occupation", "sex", "age_band", "diploma",
                          "status", "sector"),
                         "Insee, recensement de la population (actifs en emploi au lieu de travail)",
                         "Licence Ouverte 2.0", census_source.LAYOUT),
    "tension": StatSource("tension", "tension_rome_bassin", ("year", "rome", "bassin"),
                          "France Travail, demandeurs, offres et tension par ROME × bassin", "Licence Ouverte 2.0",
                          "mobiville-tension-2020"),
    "shortage": StatSource("shortage", "shortage_occupations", ("year", "region", "fap"),
                           "France Travail – DARES, métiers en tension", "Licence Ouverte 2.0",
                           "metiers-en-tension-2024"),
    "offer-counts": StatSource("offer-counts", "offer_counts", ("date", "commune", "rome"),
                               "France Travail, offres par commune × ROME", "Licence Ouverte 2.0",
                               "offres-commune-rome", sum_duplicates=True),
}


@dataclass
class StatsLoad:
    kind: str
    table: str
    origin: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    suppressed: int = 0          # cells the publisher withheld (NULL counts)
    seconds: float = 0.0
    checksum: str | None = None
    details: dict = field(default_factory=dict)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _rows(kind: str, path: Path, options: dict) -> Iterator[dict]:
    if kind == "bmo":
        return bmo_source.read_bmo(path, year=options.get("year"), sheet=options.get("sheet"))
    if kind == "job-seekers":
        return js_source.read_job_seekers(path, nomenclature=options.get("nomenclature"), sheet=options.get("sheet"),
                                          period=options.get("period"))
    if kind == "census":
        return census_source.read_census(path, year=options.get("year"), sheet=options.get("sheet"),
                                         nomenclature=options.get("nomenclature"))
    if kind == "tension":
        return tension_source.read_tension_rome_bassin(path)
    if kind == "shortage":
        from adequa.indicators.territories import regions

        year = options.get("year")
        if not year:
            raise InputError("the shortage list has no year column: pass --year", path=str(path), field="year")
        return tension_source.read_shortage(path, year=int(year), regions=regions())
    if kind == "offer-counts":
        return tension_source.read_offer_counts(path, rome_version=options.get("rome_version", "3"))
    raise InputError(f"unknown statistical source {kind!r}; known: {', '.join(SOURCES)}", field="kind")


def _value_column(table: str) -> str | None:
    return {"bmo": "projects", "job_seekers": "job_seekers", "census_workers": "workers",
            "tension_rome_bassin": "job_seekers", "offer_counts": "offers"}.get(table)


def ingest_statistics(kind: str, path: str | Path, *, db: str | Path | None = None, warehouse: Warehouse | None = None,
                      batch_size: int = 50_000, progress: Callable[[int], None] | None = None,
                      force: bool = False, **options) -> StatsLoad:
    """Load one statistical file of ``kind`` (bmo, job-seekers, census, tension, shortage, offer-counts).

    Options go to the reader: ``year``, ``sheet``, ``period``, ``nomenclature``, ``rome_version``.
    """
    if kind not in SOURCES:
        raise InputError(f"unknown statistical source {kind!r}; known: {', '.join(SOURCES)}", field="kind")
    spec = SOURCES[kind]
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=str(path))
    t0 = time.perf_counter()
    own = warehouse is None
    if own:
        if db is None:
            from adequa.config import get_settings

            db = get_settings().db
        warehouse = Warehouse(db)
    warehouse.con.execute("SET enable_progress_bar = false")
    result = StatsLoad(kind=kind, table=spec.table, origin=str(path), checksum=sha256(path))
    value_col = _value_column(spec.table)
    version = f"{path.name}:{result.checksum[:12]}"
    try:
        if not force and warehouse.has_version(spec.table, version):
            # The same bytes were loaded before: upserting them again would change nothing.
            result.read = warehouse.scalar("SELECT rows FROM provenance WHERE table_name = ? AND version = ?",
                                           [spec.table, version]) or 0
            result.details["unchanged"] = True
            return result
        batch: list[dict] = []
        rows = _rows(kind, path, options)
        if spec.sum_duplicates:
            rows = _summed(rows, spec.key, value_col, result)
        for row in rows:
            batch.append(row)
            result.read += 1
            if value_col and row.get(value_col) is None:
                result.suppressed += 1
            if len(batch) >= batch_size:
                _flush(warehouse, spec, batch, result)
                if progress:
                    progress(result.read)
        _flush(warehouse, spec, batch, result)
        if progress:
            progress(result.read)
        if result.read == 0:
            raise InputError("no data rows", path=str(path))
        warehouse.record_provenance(spec.table, source=spec.source, version=version,
                                    licence=spec.licence, origin=str(path), checksum=result.checksum,
                                    rows=result.read)
    finally:
        if own:
            warehouse.close()
    result.seconds = time.perf_counter() - t0
    result.details["layout"] = spec.layout
    return result


def _summed(rows: Iterator[dict], key: tuple[str, ...], value_col: str, result: StatsLoad) -> Iterator[dict]:
    merged: dict[tuple, dict] = {}
    for row in rows:
        k = tuple(row[c] for c in key)
        if k in merged:
            old = merged[k]
            if row[value_col] is not None:
                old[value_col] = (old[value_col] or 0) + row[value_col]
            result.details["merged_rows"] = result.details.get("merged_rows", 0) + 1
        else:
            merged[k] = row
    yield from merged.values()


def _flush(warehouse: Warehouse, spec: StatSource, batch: list[dict], result: StatsLoad) -> None:
    if not batch:
        return
    import pyarrow as pa

    table = pa.Table.from_pylist(batch)
    ins, upd = warehouse.upsert(spec.table, table, key=list(spec.key))
    result.inserted += ins
    result.updated += upd
    batch.clear()


def ingest_many(items: Iterable[tuple[str, str | Path, dict]], *, db: str | Path | None = None) -> list[StatsLoad]:
    """Several loads on one warehouse connection: ``[(kind, path, options), …]``."""
    if db is None:
        from adequa.config import get_settings

        db = get_settings().db
    out = []
    with Warehouse(db) as wh:
        for kind, path, opts in items:
            out.append(ingest_statistics(kind, path, warehouse=wh, **(opts or {})))
    return out


def ingest_mirror_labour(mirror: str | Path, *, db: str | Path | None = None) -> list[StatsLoad]:
    """Load the labour files of the data mirror (``<mirror>/labour``): tension table, shortage list
    (March 2024), offers per commune × ROME."""
    root = Path(mirror) / "labour"
    items = []
    if (p := root / "mobiville_tension_defm_oee_rome_bassin.csv").exists():
        items.append(("tension", p, {}))
    if (p := root / "metiers_en_tension_mars_2024.csv").exists():
        items.append(("shortage", p, {"year": 2024}))
    if (p := root / "mobiville_20211221_offres_par_commune_rome.csv.bz2").exists():
        items.append(("offer-counts", p, {}))
    if not items:
        raise InputError("no labour files found", path=str(root))
    return ingest_many(items, db=db)


def refresh_facts(*, db: str | Path | None = None, warehouse: Warehouse | None = None) -> dict:
    """Rebuild the pre-aggregated facts the ads-based indicators read (``offer_facts``, ``skill_facts``).

    Run after loading or enriching ads; until then indicators notice the change and read the ads directly.
    """
    from adequa.indicators import facts

    if warehouse is not None:
        return facts.build(warehouse.con)
    if db is None:
        from adequa.config import get_settings

        db = get_settings().db
    with Warehouse(db) as wh:
        wh.con.execute("SET enable_progress_bar = false")
        return facts.build(wh.con)


# Files looked for under <root>/labour (and <root>/statistics) by load_available, by kind.
PATTERNS = {
    "bmo": ("*bmo*.csv", "*bmo*.xlsx", "*BMO*.csv", "*BMO*.xlsx"),
    "job-seekers": ("*defm*.csv", "*defm*.xlsx", "*DEFM*.csv", "*demandeurs*.csv", "*demandeurs*.xlsx"),
    "census": ("*rp20*.csv", "*rp20*.xlsx", "*RP20*.csv", "*recensement*.csv", "*census*.csv"),
}
MIRROR_FILES = {"mobiville_tension_defm_oee_rome_bassin.csv", "metiers_en_tension_mars_2024.csv",
                "mobiville_20211221_offres_par_commune_rome.csv.bz2"}


def load_available(settings, root: str | Path | None = None, *, facts: bool = True) -> dict:
    """Every statistical file found under the data root, then the indicator facts (the ``statistics``
    stage of ``adequa run``).

    ``<root>/labour`` holds the mirror's tension table, shortage list and offer counts; BMO, job-seeker
    and census files are picked up by name (``*bmo*``, ``*defm*``/``*demandeurs*``, ``*rp20*``/``*census*``)
    in ``<root>/labour`` or ``<root>/statistics``. Absent inputs are skipped and reported; a file that
    fails to load is reported with its error and the others still load.
    """
    root = Path(root or settings.data_root())
    out: dict = {"loaded": [], "skipped": []}
    folders = [f for f in (root / "labour", root / "statistics") if f.is_dir()]
    with Warehouse(settings.db) as wh:
        wh.con.execute("SET enable_progress_bar = false")
        items: list[tuple[str, Path, dict]] = []
        labour = root / "labour"
        for name, kind, opts in (("mobiville_tension_defm_oee_rome_bassin.csv", "tension", {}),
                                 ("metiers_en_tension_mars_2024.csv", "shortage", {"year": 2024}),
                                 ("mobiville_20211221_offres_par_commune_rome.csv.bz2", "offer-counts", {})):
            if (labour / name).exists():
                items.append((kind, labour / name, opts))
        for kind, patterns in PATTERNS.items():
            seen = set()
            for folder in folders:
                for pattern in patterns:
                    for p in sorted(folder.glob(pattern)):
                        if p.name not in MIRROR_FILES and p not in seen:
                            seen.add(p)
                            items.append((kind, p, {}))
            if not seen:
                out["skipped"].append(f"{kind}: no file under {', '.join(map(str, folders)) or root}")
        for kind, path, opts in items:
            try:
                r = ingest_statistics(kind, path, warehouse=wh, **opts)
                out["loaded"].append({"kind": kind, "file": str(path), "table": r.table, "read": r.read,
                                      "inserted": r.inserted, "updated": r.updated})
            except InputError as exc:
                out["skipped"].append(f"{path.name}: {exc}")
        if facts:
            try:
                out["facts"] = refresh_facts(warehouse=wh)
            except Exception as exc:       # no ads table content is fine: facts are an optimisation
                out["skipped"].append(f"facts: {exc}")
    return out
