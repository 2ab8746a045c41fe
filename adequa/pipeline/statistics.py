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
    "job-seeker-flows": StatSource("job-seeker-flows", "job_seeker_flows",
                                   ("period", "level", "territory", "nomenclature", "occupation", "category", "flow"),
                                   "France Travail – DARES, entrées et sorties des listes (STMT)",
                                   "Licence Ouverte 2.0", js_source.WIDE_LAYOUT),
    "job-seeker-qualifications": StatSource("job-seeker-qualifications", "job_seeker_qualifications",
                                            ("period", "level", "territory", "nomenclature", "occupation",
                                             "category", "qualification"),
                                            "France Travail – DARES, demandeurs d'emploi par niveau de qualification "
                                            "(STMT)", "Licence Ouverte 2.0", js_source.WIDE_LAYOUT),
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
    "pcs-fap": StatSource("pcs-fap", "pcs_fap", ("pcs_nomenclature", "pcs", "fap_nomenclature", "fap"),
                          "Table de passage PCS → FAP (DARES, or supplied by the user)", "Licence Ouverte 2.0",
                          census_source.PCS_FAP_LAYOUT),
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
                                          period=options.get("period"), layout=options.get("layout"),
                                          territory_names=territory_names(),
                                          stats=options.setdefault("_stats", {}))
    if kind == "job-seeker-flows":
        return js_source.read_job_seekers_series(path, nomenclature=options.get("nomenclature"),
                                                 sheet=options.get("sheet"), territory_names=territory_names(),
                                                 flows=True)
    if kind == "job-seeker-qualifications":
        return js_source.read_job_seekers_series(path, nomenclature=options.get("nomenclature"),
                                                 sheet=options.get("sheet"), territory_names=territory_names(),
                                                 qualifications=True)
    if kind == "census":
        layout = options.get("layout") or census_source.detect_layout(path, sheet=options.get("sheet"))
        extra = {}
        if layout in (census_source.FD_LAYOUT, census_source.BTT_LAYOUT):
            from adequa.indicators.territories import departements

            extra = {"region_of": {d: r for d, (_label, r) in departements().items()},
                     "stats": options.setdefault("_stats", {})}
            if options.get("levels"):
                extra["levels"] = tuple(options["levels"])
                if {"zone_emploi", "bassin"} & set(extra["levels"]):
                    extra["commune_zones"] = options.get("_commune_zones") or {}
            if layout == census_source.FD_LAYOUT and options.get("place"):
                extra["place"] = options["place"]
        return census_source.read_census(path, year=options.get("year"), sheet=options.get("sheet"),
                                         nomenclature=options.get("nomenclature"), layout=layout, **extra)
    if kind == "pcs-fap":
        return census_source.read_pcs_fap(path, pcs_nomenclature=options.get("pcs_nomenclature") or "pcs2020",
                                          sheet=options.get("sheet"))
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


def commune_zones(warehouse: Warehouse) -> dict[str, tuple[str | None, str | None]]:
    """commune -> (zone d'emploi, bassin BMO) from the geography referential, {} when not loaded."""
    con = warehouse.con
    present = {r[0] for r in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' UNION "
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
    for name in ("current_geo_communes", "geo_communes"):
        if name in present:
            return {c: (ze, b) for c, ze, b in con.execute(
                f"SELECT commune, zone_emploi, bassin FROM {name}").fetchall()}
    return {}


def territory_names() -> dict[str, tuple[str, str]]:
    """Normalised names of régions and départements -> (level, code), for files that name territories."""
    from adequa.indicators.territories import departements, regions
    from adequa.sources.bmo import norm_text

    out = {norm_text(label): ("departement", code) for code, (label, _r) in departements().items()}
    out.update({norm_text(label): ("region", code) for code, label in regions().items()})
    return out


def _value_column(table: str) -> str | None:
    return {"bmo": "projects", "job_seekers": "job_seekers", "census_workers": "workers", "job_seeker_flows": "value",
            "job_seeker_qualifications": "job_seekers",
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
            if kind == "tension":      # e.g. a warehouse loaded before the job-seeker rows were derived
                result.details["job_seekers"] = derive_job_seekers_from_tension(warehouse)
            return result
        batch: list[dict] = []
        if kind == "census" and {"zone_emploi", "bassin"} & set(options.get("levels") or ()):
            options["_commune_zones"] = commune_zones(warehouse)
        rows = _rows(kind, path, options)
        if spec.sum_duplicates:
            rows = _summed(rows, spec.key, value_col, result)
        for row in rows:
            batch.append(row)
            result.read += 1
            if result.read == 1 and row.get("layout"):
                result.details["layout"] = row["layout"]
            if value_col and row.get(value_col) is None:
                result.suppressed += 1
            if len(batch) >= batch_size:
                _flush(warehouse, spec, batch, result)
                if progress:
                    progress(result.read)
        _flush(warehouse, spec, batch, result)
        if progress:
            progress(result.read)
        extra_rows = options.get("_stats", {})
        only_flows = kind == "job-seekers" and (extra_rows.get("flow_rows") or extra_rows.get("qualification_rows"))
        if result.read == 0 and not only_flows:
            raise InputError("no data rows", path=str(path))
        if result.read:
            warehouse.record_provenance(spec.table, source=spec.source, version=version,
                                        licence=spec.licence, origin=str(path), checksum=result.checksum,
                                        rows=result.read)
        if kind in ("census", "pcs-fap"):
            result.details["pcs_to_fap"] = derive_census_fap(warehouse)
        if kind == "tension":
            result.details["job_seekers"] = derive_job_seekers_from_tension(warehouse)
        if kind == "job-seekers" and options.get("_stats", {}).get("flow_rows"):
            flows = ingest_statistics("job-seeker-flows", path, warehouse=warehouse, force=force,
                                      nomenclature=options.get("nomenclature"), sheet=options.get("sheet"))
            result.details["flows"] = {"table": flows.table, "read": flows.read, "inserted": flows.inserted,
                                       "updated": flows.updated}
        if kind == "job-seekers" and options.get("_stats", {}).get("qualification_rows"):
            quals = ingest_statistics("job-seeker-qualifications", path, warehouse=warehouse, force=force,
                                      nomenclature=options.get("nomenclature"), sheet=options.get("sheet"))
            result.details["qualifications"] = {"table": quals.table, "read": quals.read,
                                                "inserted": quals.inserted, "updated": quals.updated}
    finally:
        if own:
            warehouse.close()
    result.seconds = time.perf_counter() - t0
    result.details.setdefault("layout", spec.layout)
    if options.get("_stats"):
        result.details.update(options["_stats"])
    return result


DERIVED = "derived:"


def derive_census_fap(warehouse: Warehouse) -> list[dict]:
    """Add FAP rows to ``census_workers`` for every census year coded in PCS professions.

    Each cell coded with a 4-character PCS profession is spread over the FAP families the
    profession belongs to: PCS 2003 → FAP-2009 through the DARES FAP-2009 ; PCS-2003 ; ROME v3
    referential (``fap2009_pcs_rome3``), and any pair loaded into ``pcs_fap`` (e.g. PCS 2020 →
    FAP-2021; a loaded table replaces the referential for its pair of nomenclatures). A profession
    in several families is split by the table's weights (normalised to 1), else equally.
    The derived rows carry ``layout = 'derived:<pcs>→<fap>'``; they are rebuilt on every call
    (idempotent) and never written over rows a file gives natively in that FAP nomenclature for
    that year. Returns one summary per (year, PCS → FAP) pair: workers mapped, not mapped, cells.
    """
    con = warehouse.con
    has = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
    has |= {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE schema_name = 'main'").fetchall()}
    if "census_workers" not in has:
        return []
    parts = []
    if "pcs_fap" in has:
        parts.append("SELECT pcs_nomenclature, pcs, fap_nomenclature, fap, weight FROM pcs_fap")
    ref = "current_fap2009_pcs_rome3" if "current_fap2009_pcs_rome3" in has else (
        "fap2009_pcs_rome3" if "fap2009_pcs_rome3" in has else None)
    if ref:
        user = (" AND NOT EXISTS (SELECT 1 FROM pcs_fap u WHERE u.pcs_nomenclature = 'pcs2003' AND "
                "u.fap_nomenclature = 'fap2009')") if "pcs_fap" in has else ""
        parts.append(f"SELECT DISTINCT 'pcs2003', lower(pcs), 'fap2009', fap2009, NULL::DOUBLE FROM {ref} "
                     f"WHERE pcs IS NOT NULL{user}")
    unmapped_hint = ("no PCS → FAP table for these codes: run `adequa data pull` (PCS 2003 → FAP-2009 comes with the "
                     "referentials) or load one with `adequa ingest pcs-fap`")
    pcs_years = con.execute("SELECT DISTINCT year, nomenclature FROM census_workers WHERE nomenclature LIKE 'pcs%' "
                            "ORDER BY 1, 2").fetchall()
    if not parts:
        return [{"year": y, "from": n, "to": None, "skipped": unmapped_hint} for y, n in pcs_years]
    con.execute("CREATE OR REPLACE TEMP TABLE _pcs_map AS SELECT pcs_nomenclature, pcs, fap_nomenclature, fap, "
                "coalesce(weight / nullif(sum(weight) OVER w, 0), 1.0 / count(*) OVER w) AS w FROM ("
                + " UNION ALL ".join(parts) + ") WINDOW w AS (PARTITION BY pcs_nomenclature, pcs, fap_nomenclature)")
    out = []
    pairs = con.execute(
        "SELECT DISTINCT c.year, c.nomenclature, m.fap_nomenclature FROM census_workers c JOIN "
        "(SELECT DISTINCT pcs_nomenclature, fap_nomenclature FROM _pcs_map) m ON m.pcs_nomenclature = c.nomenclature "
        "ORDER BY 1, 2, 3").fetchall()
    for year, pcs_nom, fap_nom in pairs:
        tag = f"{DERIVED}{pcs_nom}→{fap_nom}"
        native = con.execute("SELECT count(*) FROM census_workers WHERE year = ? AND nomenclature = ? AND "
                             "coalesce(layout, '') NOT LIKE 'derived:%'", [year, fap_nom]).fetchone()[0]
        summary = {"year": year, "from": pcs_nom, "to": fap_nom}
        if native:
            summary["skipped"] = f"{native} {fap_nom} rows of {year} come from a file: not derived"
            out.append(summary)
            continue
        with warehouse.transaction() as tx:
            tx.execute("DELETE FROM census_workers WHERE year = ? AND nomenclature = ? AND layout = ?",
                       [year, fap_nom, tag])
            tx.execute(f"""
                INSERT INTO census_workers (year, level, territory, nomenclature, occupation, sex, age_band, diploma,
                                            status, sector, workers, mean_age, layout, origin_file, origin_line)
                SELECT c.year, c.level, c.territory, m.fap_nomenclature, m.fap, c.sex, c.age_band, c.diploma,
                       c.status, c.sector, sum(c.workers * m.w),
                       sum(c.mean_age * c.workers * m.w) / nullif(sum(c.workers * m.w)
                           FILTER (WHERE c.mean_age IS NOT NULL), 0),
                       ?, 'census_workers ' || c.nomenclature || ' rows', NULL
                FROM census_workers c JOIN _pcs_map m ON m.pcs_nomenclature = c.nomenclature AND m.pcs = c.occupation
                WHERE c.year = ? AND c.nomenclature = ? AND m.fap_nomenclature = ?
                GROUP BY ALL""", [tag, year, pcs_nom, fap_nom])
        levels = {r[0] for r in con.execute("SELECT DISTINCT level FROM census_workers WHERE year = ? AND "
                                            "nomenclature = ?", [year, pcs_nom]).fetchall()}
        level = next((lv for lv in ("france", "region", "departement", "zone_emploi", "bassin", "commune")
                      if lv in levels), None)
        mapped, unmapped, cells = con.execute("""
            SELECT sum(workers) FILTER (WHERE occupation IN (SELECT pcs FROM _pcs_map WHERE pcs_nomenclature = ?
                                                             AND fap_nomenclature = ?)),
                   sum(workers) FILTER (WHERE occupation NOT IN (SELECT pcs FROM _pcs_map WHERE pcs_nomenclature = ?
                                                                 AND fap_nomenclature = ?)),
                   (SELECT count(*) FROM census_workers WHERE year = ? AND layout = ?)
            FROM census_workers WHERE year = ? AND nomenclature = ? AND length(occupation) = 4 AND level = ?
              AND sex = 'total' AND age_band = 'total' AND diploma = 'total' AND status = 'total'
              AND sector = 'total'""", [pcs_nom, fap_nom, pcs_nom, fap_nom, year, tag, year, pcs_nom, level]).fetchone()
        summary["level_measured"] = level
        summary.update({"workers_mapped": round(mapped or 0, 1), "workers_not_mapped": round(unmapped or 0, 1),
                        "rows": cells})
        out.append(summary)
    done = {(d["year"], d["from"]) for d in out}
    out += [{"year": y, "from": n, "to": None, "skipped": unmapped_hint} for y, n in pcs_years if (y, n) not in done]
    con.execute("DROP TABLE IF EXISTS _pcs_map")
    return out


TENSION_JS_LAYOUT = "mobiville-tension-2020"
TENSION_JS_SOURCE = ("France Travail, demandeurs d'emploi cat. ABC par ROME v3 × bassin BMO "
                     "(table de tension publiée pour Mobiville)")


def _relations(con) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' UNION "
        "SELECT view_name FROM duckdb_views() WHERE schema_name = 'main'").fetchall()}


def bassin_departements(con) -> dict[str, set[str]]:
    """BMO bassin -> départements of its communes, from the geography referential ({} when not loaded)."""
    present = _relations(con)
    for name in ("current_geo_communes", "geo_communes"):
        if name in present:
            out: dict[str, set[str]] = {}
            for b, d in con.execute(f"SELECT DISTINCT bassin, departement FROM {name} "
                                    "WHERE bassin IS NOT NULL AND departement IS NOT NULL").fetchall():
                out.setdefault(b, set()).add(d)
            return out
    return {}


def lexique_bassin_departements(root: str | Path) -> tuple[dict[str, set[str]], str | None]:
    """BMO bassin -> départements from a France Travail lexique (``<root>/geo/*lexique*bassins*bmo<YYYY>*.csv``,
    columns ``DEP`` and ``BE<YY>``), the bassins' own vintage; ({}, None) when absent."""
    import csv
    import re

    files = sorted(Path(root, "geo").glob("*lexique*bassins*bmo*.csv")) if Path(root, "geo").is_dir() else []
    if not files:
        return {}, None
    path = files[-1]
    out: dict[str, set[str]] = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        cols = reader.fieldnames or []
        bcol = next((c for c in cols if re.fullmatch(r"BE\d+", c.strip().upper())), None)
        dcol = next((c for c in cols if c.strip().upper() == "DEP"), None)
        if bcol is None or dcol is None:
            raise InputError("missing column BE<YY> or DEP", path=str(path), line=1, field=bcol and "DEP" or "BE19")
        for row in reader:
            b, d = (row.get(bcol) or "").strip(), (row.get(dcol) or "").strip()
            if b and d:
                out.setdefault(b.zfill(4), set()).add(d.zfill(2))
    return out, path.name


def place_bassins(bassins: Iterable[str], deps_of: dict[str, set[str]]) -> tuple[dict[str, str], dict[str, str]]:
    """(bassin -> département for the bassins a département row may sum, département -> why it gets none).

    A département gets a row only if it is a union of whole bassins of the file: a bassin whose
    communes lie in two départements, or a bassin the referential does not know (its
    département is unknown, so every département of its région), withholds the départements it
    may touch — a partial sum would be published as a département's figure.
    """
    bassins = sorted(set(bassins))
    withheld: dict[str, str] = {}
    for b in bassins:
        deps = deps_of.get(b)
        if not deps:
            region_deps = {d for bb, ds in deps_of.items() if bb[:2] == b[:2] for d in ds}
            for d in region_deps:
                withheld.setdefault(d, f"bassin {b} of the file is not in the geography referential")
        elif len(deps) > 1:
            for d in deps:
                withheld.setdefault(d, f"bassin {b} straddles départements {', '.join(sorted(deps))}")
    placed = {b: next(iter(deps_of[b])) for b in bassins
              if len(deps_of.get(b) or ()) == 1 and next(iter(deps_of[b])) not in withheld}
    return placed, withheld


def derive_job_seekers_from_tension(warehouse: Warehouse, *, bassin_deps: dict[str, set[str]] | None = None,
                                    bassin_deps_origin: str | None = None) -> dict:
    """Job seekers (cat. ABC) of the ROME × bassin tension table as ``job_seekers`` rows.

    The table France Travail published for Mobiville (``tension_rome_bassin``, loaded by
    ``adequa ingest tension``) counts job seekers by ROME v3 × BMO bassin for one year. Its
    counts become cube rows (``layout = 'mobiville-tension-2020'``, nomenclature ``rome3``,
    category ``ABC``, no breakdown by sex, age, diploma or seniority, period = the year with
    ``period_end`` = 31 December: the file does not say its reference date) at four levels:
    the bassin itself, the région (the bassin code's first two digits), the département (only
    where the geography referential shows it is a union of whole bassins, see
    :func:`place_bassins`; ``bassin_deps`` gives the bassins' own vintage, e.g. the BMO 2019 lexique,
    else the warehouse's geography referential is used) and France. Rows are rebuilt on every call (idempotent) and never
    written over rows a DEFM file gives for the same key. Returns a summary.
    """
    con = warehouse.con
    present = _relations(con)
    if "tension_rome_bassin" not in present or "job_seekers" not in present:
        return {"skipped": "no tension_rome_bassin or job_seekers table"}
    if not con.execute("SELECT count(*) FROM (SELECT 1 FROM tension_rome_bassin LIMIT 1)").fetchone()[0]:
        return {"skipped": "tension_rome_bassin is empty"}
    bassins = [r[0] for r in con.execute("SELECT DISTINCT bassin FROM tension_rome_bassin").fetchall()]
    if bassin_deps is None:
        bassin_deps, bassin_deps_origin = bassin_departements(con), "geography referential (geo_communes)"
    placed, withheld = place_bassins(bassins, bassin_deps)
    import pyarrow as pa

    con.register("_bassin_dep", pa.table({"bassin": list(placed), "departement": list(placed.values())}))
    key = ("period", "level", "territory", "nomenclature", "occupation", "category", "sex", "age_band", "diploma",
           "seniority")
    native = " AND ".join(f"j.{k} = s.{k}" for k in key)
    try:
        with warehouse.transaction() as tx:
            tx.execute("DELETE FROM job_seekers WHERE layout = ?", [TENSION_JS_LAYOUT])
            tx.execute(f"""
                INSERT INTO job_seekers (period, period_end, level, territory, nomenclature, occupation, category,
                                         sex, age_band, diploma, seniority, job_seekers, layout, origin_file,
                                         origin_line)
                SELECT * FROM (
                    SELECT year::VARCHAR AS period, make_date(year, 12, 31) AS period_end, level, territory,
                           'rome3' AS nomenclature, rome AS occupation, 'ABC' AS category, 'total' AS sex,
                           'total' AS age_band, 'total' AS diploma, 'total' AS seniority, n AS job_seekers,
                           ? AS layout, origin_file, origin_line
                    FROM (
                        SELECT year, 'bassin' AS level, bassin AS territory, rome, sum(job_seekers) AS n,
                               min(origin_file) AS origin_file, min(origin_line) AS origin_line
                        FROM tension_rome_bassin GROUP BY ALL
                        UNION ALL
                        SELECT year, 'region', region, rome, sum(job_seekers), 'tension_rome_bassin rows', NULL
                        FROM tension_rome_bassin WHERE region IS NOT NULL GROUP BY ALL
                        UNION ALL
                        SELECT t.year, 'departement', d.departement, t.rome, sum(t.job_seekers),
                               'tension_rome_bassin rows', NULL
                        FROM tension_rome_bassin t JOIN _bassin_dep d USING (bassin) GROUP BY ALL
                        UNION ALL
                        SELECT year, 'france', 'FR', rome, sum(job_seekers), 'tension_rome_bassin rows', NULL
                        FROM tension_rome_bassin GROUP BY ALL)
                ) s
                WHERE NOT EXISTS (SELECT 1 FROM job_seekers j WHERE {native})""", [TENSION_JS_LAYOUT])
    finally:
        con.unregister("_bassin_dep")
    rows = con.execute("SELECT count(*) FROM job_seekers WHERE layout = ?", [TENSION_JS_LAYOUT]).fetchone()[0]
    by_year = con.execute("SELECT period, sum(job_seekers) FROM job_seekers WHERE layout = ? AND level = 'france' "
                          "GROUP BY 1 ORDER BY 1", [TENSION_JS_LAYOUT]).fetchall()
    versions = [r[0] for r in con.execute("SELECT version FROM provenance WHERE table_name = 'tension_rome_bassin' "
                                          "ORDER BY version").fetchall()] if "provenance" in present else []
    origins = [r[0] for r in con.execute("SELECT DISTINCT origin_file FROM tension_rome_bassin "
                                         "ORDER BY 1").fetchall()]
    if rows:
        warehouse.record_provenance("job_seekers", source=TENSION_JS_SOURCE,
                                    version=f"{DERIVED}{TENSION_JS_LAYOUT} from " + (", ".join(versions) or "?"),
                                    licence=SOURCES["tension"].licence, origin=", ".join(origins), rows=rows)
    return {"layout": TENSION_JS_LAYOUT, "rows": rows, "periods": [p for p, _ in by_year],
            "job_seekers_france": {p: n for p, n in by_year},
            "departements": len(set(placed.values())), "departements_withheld": dict(sorted(withheld.items())),
            "bassins_to_departements": bassin_deps_origin,
            "bassins": len(bassins)}


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
    out = ingest_many(items, db=db)
    deps, origin = lexique_bassin_departements(mirror)
    tension = next((r for r in out if r.kind == "tension"), None)
    if deps and tension is not None:
        # the bassins' own vintage (BMO 2019 lexique) rather than the referential's newest bassins
        with Warehouse(db if db is not None else _default_db()) as wh:
            tension.details["job_seekers"] = derive_job_seekers_from_tension(wh, bassin_deps=deps,
                                                                             bassin_deps_origin=origin)
    return out


def _default_db():
    from adequa.config import get_settings

    return get_settings().db


def refresh_facts(*, db: str | Path | None = None, warehouse: Warehouse | None = None) -> dict:
    """Rebuild the pre-aggregated facts the ads-based indicators read (``offer_facts``, ``skill_facts``)
    and the census FAP rows derived from PCS codes (:func:`derive_census_fap`).

    Run after loading or enriching ads, or after loading referentials; until then indicators notice the change and read the ads directly.
    """
    from adequa.indicators import facts

    if warehouse is not None:
        out = facts.build(warehouse.con)
        out["pcs_to_fap"] = derive_census_fap(warehouse)
        return out
    if db is None:
        from adequa.config import get_settings

        db = get_settings().db
    with Warehouse(db) as wh:
        wh.con.execute("SET enable_progress_bar = false")
        out = facts.build(wh.con)
        out["pcs_to_fap"] = derive_census_fap(wh)
        return out


# Files looked for under <root>/labour (and <root>/statistics) by load_available, by kind.
PATTERNS = {
    "bmo": ("*bmo*.csv", "*bmo*.xlsx", "*BMO*.csv", "*BMO*.xlsx"),
    "job-seekers": ("*defm*.csv", "*defm*.xlsx", "*DEFM*.csv", "*demandeurs*.csv", "*demandeurs*.xlsx"),
    "census": ("*rp20*.csv", "*rp20*.xlsx", "*RP20*.csv", "*recensement*.csv", "*census*.csv", "FD_*.csv",
               "FD_*.parquet", "BTT_TD_*.csv", "BTT_TD_*.txt", "BTT_TD_*.zip", "RP20*_*.zip"),
    "pcs-fap": ("*pcs*fap*.csv", "*pcs*fap*.xlsx", "*PCS*FAP*.csv", "*PCS*FAP*.xlsx"),
}
MIRROR_FILES = {"mobiville_tension_defm_oee_rome_bassin.csv", "metiers_en_tension_mars_2024.csv",
                "mobiville_20211221_offres_par_commune_rome.csv.bz2"}


def load_available(settings, root: str | Path | None = None, *, facts: bool = True) -> dict:
    """Every statistical file found under the data root, then the indicator facts (the ``statistics``
    stage of ``adequa run``).

    ``<root>/labour`` holds the mirror's tension table, shortage list and offer counts; BMO, job-seeker
    census and PCS → FAP files are picked up by name (``*bmo*``, ``*defm*``/``*demandeurs*``,
    ``*rp20*``/``*census*``/``FD_*``/``BTT_TD_*``, ``*pcs*fap*``) in ``<root>/labour`` or
    ``<root>/statistics``. Absent inputs are skipped and reported; a file that
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
        out["pcs_to_fap"] = derive_census_fap(wh)
        deps, origin = lexique_bassin_departements(root)
        out["job_seekers_from_tension"] = derive_job_seekers_from_tension(
            wh, **({"bassin_deps": deps, "bassin_deps_origin": origin} if deps else {}))
        if facts:
            try:
                out["facts"] = refresh_facts(warehouse=wh)
            except Exception as exc:       # no ads table content is fine: facts are an optimisation
                out["skipped"].append(f"facts: {exc}")
    return out
