"""Referentials into the warehouse: ROME, FAP, ESCO, crosswalks, geography.

``load(root, warehouse)`` reads the official files under ``root`` (one folder
per dataset: ``rome/``, ``fap/``, ``esco/``, ``crosswalks/``, ``geo/``) with the
readers of ``adequa.sources.referentials`` and writes one table at a time.

Idempotency: each table load is keyed by (table, version). The checksum of
the files behind it is recorded in ``provenance``; a table whose version and
checksum are already recorded is skipped ("unchanged"); the same version with
other bytes replaces that version's rows ("replaced"); a new version is added
beside the old ones ("loaded"). Each table is written in one transaction,
together with its provenance record.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterable, Iterator

from adequa.errors import ReferentialError
from adequa.sources import pull as pull_mod
from adequa.sources.referentials import esco, fap, geo, rome
from adequa.store.duckdb import Warehouse

DATASETS = ("rome", "fap", "esco", "crosswalks", "geo")


@dataclass
class TableLoad:
    dataset: str
    table: str
    version: str
    status: str            # loaded / replaced / unchanged / skipped
    rows: int
    seconds: float
    note: str = ""


@dataclass
class _Job:
    dataset: str
    table: str
    version: str
    source: str
    licence: str
    files: list[Path]
    build: Callable[[], Iterable[dict]]


# Keys checked at load time for the tables that have no index on them (see 0010_referentials.sql).
_KEYS = {"rome_fiche_items": ("version", "code_rome", "code_ogr"),
         "esco_occupation_skills": ("version", "occupation_uri", "skill_uri")}

Progress = Callable[[str, str, int, int], None]     # (dataset, table, done, total)


def _checksum(paths: Iterable[Path], known: dict[str, str]) -> str:
    """sha256 over the sha256 of each file (from the pull manifest when it knows the file)."""
    digest = hashlib.sha256()
    for p in sorted({Path(x).resolve() for x in paths}):
        one = known.get(str(p))
        if one is None:
            one = known[str(p)] = pull_mod.sha256(p)      # several tables share files: hash each once
        digest.update(f"{p.name}:{one}\n".encode())
    return digest.hexdigest()


def _retrieved_at(paths: Iterable[Path]) -> str | None:
    times = [Path(p).stat().st_mtime for p in paths if Path(p).exists()]
    if not times:
        return None
    return datetime.fromtimestamp(max(times), timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


# -- jobs per dataset -----------------------------------------------------------------

class _Rome:
    def __init__(self, folder: Path):
        self.export = rome.locate(folder)
        self.folder = folder

    @cached_property
    def competences(self) -> list[dict]:
        return list(rome.competences(self.export))

    @cached_property
    def savoirs(self) -> list[dict]:
        return list(rome.savoirs(self.export))

    @cached_property
    def contextes(self) -> list[dict]:
        return list(rome.contextes(self.export)) if "referentiel_contexte_travail" in self.export.files else []

    @cached_property
    def fiches(self) -> list[dict]:
        tree = {}
        if "cr_gd_dp" in self.export.files:
            tree = {h["code_rome"]: h for h in rome.hierarchy(self.export)}
        out = []
        for f in rome.fiches(self.export):
            h = tree.get(f["code_rome"], {})
            out.append({**f, "grand_domaine": h.get("grand_domaine"), "grand_domaine_label": h.get("grand_domaine_label"),
                        "domaine": h.get("domaine"), "domaine_label": h.get("domaine_label")})
        return out

    def items(self) -> Iterator[dict]:
        kinds = {c["code_ogr"]: ("macro-competence" if c["nature"].lower().startswith("macro") else "competence")
                 for c in self.competences}
        kinds.update({s["code_ogr"]: "savoir" for s in self.savoirs})
        kinds.update({c["code_ogr"]: "contexte" for c in self.contextes})
        return ({**r, "kind": kinds.get(r["code_ogr"])} for r in rome.fiche_items(self.export))

    def jobs(self) -> list[_Job]:
        e, v = self.export, self.export.version
        f = e.files

        def job(table: str, names: list[str], build) -> _Job:
            return _Job("rome", table, v, rome.SOURCE, rome.LICENCE, [f[n] for n in names if n in f], build)

        jobs = [
            job("rome_fiches", ["referentiel_code_rome", "cr_gd_dp"], lambda: self.fiches),
            job("rome_appellations", ["referentiel_appellation"], lambda: rome.appellations(e)),
            job("rome_competences", ["referentiel_competence"], lambda: self.competences),
            job("rome_savoirs", ["referentiel_savoir"], lambda: self.savoirs),
        ]
        if "referentiel_contexte_travail" in f:
            jobs.append(job("rome_contextes", ["referentiel_contexte_travail"], lambda: self.contextes))
        if "coherence_item" in f:
            jobs.append(job("rome_fiche_items", ["coherence_item", "referentiel_competence", "referentiel_savoir",
                                                 "referentiel_contexte_travail"], self.items))
        v3 = rome.locate_v3(self.folder)
        if v3:
            path, version = v3
            jobs.append(_Job("rome", "rome_v3", version, "ROME v3 (Pôle emploi)", rome.LICENCE, [path],
                             lambda: list(rome.v3_codes(path))))
        return jobs


def _fap_jobs(folder: Path, rome_folder: Path | None) -> list[_Job]:
    files = fap.locate(folder)
    jobs: list[_Job] = []

    def year(path: Path | None, default: str) -> str:
        return geo._year(path) if path and geo._year(path) else default

    if files.nomenclature:
        jobs.append(_Job("fap", "fap2021", year(files.nomenclature, "2021"), fap.SOURCE, fap.LICENCE,
                         [files.nomenclature], lambda: list(fap.nomenclature(files))))
    if files.fap2009:
        jobs.append(_Job("fap", "fap2009", "2009", fap.SOURCE, fap.LICENCE, [files.fap2009],
                         lambda: list(fap.fap2009_labels(files))))
        jobs.append(_Job("fap", "fap2009_pcs_rome3", "2009", fap.SOURCE, fap.LICENCE, [files.fap2009],
                         lambda: list(fap.fap2009_pcs_rome3(files))))
    if files.passage:
        jobs.append(_Job("fap", "dares_rome_fap2021", year(files.passage, "2021"), fap.SOURCE, fap.LICENCE,
                         [files.passage], lambda: list(fap.passage_rows(files))))
        if rome_folder is not None:
            export = rome.locate(rome_folder)

            def build() -> list[dict]:
                passage = fap.passage_index(files)
                f2009 = fap.fap2009_index(files) if files.fap2009 else {}
                rows, rank = [], {}
                for r in fap.crosswalk(list(rome.fiches(export)), passage, f2009):
                    # rank 0 = the primary FAP code, then the others in the table's order.
                    n = rank.get(r["code_rome"], 0)
                    rank[r["code_rome"]] = n + 1
                    rows.append(r | {"rank": n})
                for r in rows:
                    if r["primary"] and r["rank"] != 0:
                        first = next(x for x in rows if x["code_rome"] == r["code_rome"] and x["rank"] == 0)
                        first["rank"], r["rank"] = r["rank"], 0
                return rows

            jobs.append(_Job("fap", "rome_fap", export.version, f"{fap.SOURCE}; {rome.SOURCE}; method: docs/crosswalks.md",
                             fap.LICENCE, [files.passage, *[p for p in (files.fap2009,) if p],
                                           export.files["referentiel_code_rome"]], build))
    return jobs


def _esco_jobs(folder: Path) -> list[_Job]:
    jobs: list[_Job] = []
    for files in esco.locate_versions(folder):
        v = files.version
        paths = files.paths()

        def each_lang(reader, kind, files=files):
            return lambda: (r for lang in files.languages(kind) for r in reader(files, lang))

        if files.languages("skills"):
            jobs.append(_Job("esco", "esco_skills", v, esco.SOURCE, esco.LICENCE, paths, each_lang(esco.skills, "skills")))
        if files.languages("occupations"):
            jobs.append(_Job("esco", "esco_occupations", v, esco.SOURCE, esco.LICENCE, paths,
                             each_lang(esco.occupations, "occupations")))
        if files.languages("ISCOGroups"):
            jobs.append(_Job("esco", "esco_isco_groups", v, esco.SOURCE, esco.LICENCE, paths,
                             lambda files=files: [r | {"lang": lang} for lang in files.languages("ISCOGroups")
                                                  for r in esco.isco_groups(files, lang)]))
        if files.has("occupationSkillRelations"):
            jobs.append(_Job("esco", "esco_occupation_skills", v, esco.SOURCE, esco.LICENCE, paths,
                             lambda files=files: esco.occupation_skills(files)))
        if files.has("broaderRelationsSkillPillar"):
            jobs.append(_Job("esco", "esco_skill_hierarchy", v, esco.SOURCE, esco.LICENCE, paths,
                             lambda files=files: esco.skill_hierarchy(files)))
    return jobs


def _crosswalk_jobs(folder: Path, warehouse: Warehouse, rome_folder: Path | None = None) -> list[_Job]:
    # code_rome is resolved through the ROME appellations: a new ROME export re-resolves it.
    extra = []
    if rome_folder is not None:
        try:
            extra = [rome.locate(rome_folder).files["referentiel_appellation"]]
        except (ReferentialError, KeyError):
            extra = []
    jobs = []
    for path in esco.locate_rome_mappings(folder):
        meta, _ = esco.rome_mapping(path)

        def build(path=path) -> list[dict]:
            to_fiche = dict(warehouse.query("SELECT code_ogr, code_rome FROM current_rome_appellations"))
            _, rows = esco.rome_mapping(path)
            return (r | {"code_rome": to_fiche.get(r["rome_ogr"])} for r in rows)

        jobs.append(_Job("crosswalks", "esco_rome", meta["version"], "France Travail, ESCO - ROME mapping "
                         f"{meta.get('mapping_version', '')} (ESCO {meta.get('esco_version', '?')}, ROME "
                         f"{meta.get('rome_version', '?')})", "Licence Ouverte / Etalab 2.0", [path, *extra], build))
    return jobs


def _geo_jobs(folder: Path) -> list[_Job]:
    files = geo.locate(folder)
    v = files.version
    cache: dict[str, list[dict]] = {}

    def communes() -> list[dict]:
        if "c" not in cache:
            cache["c"] = list(geo.communes(files))
        return cache["c"]

    csvs = [p for p in (files.lexique, files.bassins, files.zones) if p]
    jobs = []
    if csvs:
        jobs += [
            _Job("geo", "geo_communes", v, geo.SOURCE, geo.LICENCE, csvs, communes),
            _Job("geo", "geo_departements", v, geo.SOURCE, geo.LICENCE, csvs + files.shapes,
                 lambda: list(geo.departements(files, communes()))),
            _Job("geo", "geo_bassins", v, geo.SOURCE, geo.LICENCE, csvs, lambda: list(geo.bassins(files, communes()))),
        ]
        if files.zones:
            jobs.append(_Job("geo", "geo_zones_emploi", v, geo.SOURCE, geo.LICENCE, csvs,
                             lambda: list(geo.zones_emploi(files, communes()))))
    if files.regions:
        jobs.append(_Job("geo", "geo_regions", v, geo.SOURCE, geo.LICENCE, [files.regions],
                         lambda: list(geo.regions(files))))
    if files.shapes:
        def shapes() -> list[dict]:
            keep: dict[tuple, dict] = {}
            for r in geo.shapes(files):
                keep[(r["level"], r["code"])] = r      # the last file wins: the detailed regional outline
            return list(keep.values())

        jobs.append(_Job("geo", "geo_shapes", v, geo.SOURCE, geo.LICENCE, files.shapes, shapes))
    # geo_shapes keeps the last outline of each territory, so it needs them all first (2,800 rows).
    return jobs


# -- the load ------------------------------------------------------------------------

def plan(root: str | Path, warehouse: Warehouse, only: Iterable[str] | None = None) -> Iterator[_Job]:
    """The table loads for the datasets present under ``root`` (lazily: ESCO-ROME needs ROME loaded first)."""
    root = Path(root)
    wanted = [d for d in DATASETS if not only or d in set(only)]
    rome_folder = root / "rome" if (root / "rome").is_dir() else None
    for name in wanted:
        folder = root / name
        if not folder.is_dir():
            continue
        if name == "rome":
            yield from _Rome(folder).jobs()
        elif name == "fap":
            yield from _fap_jobs(folder, rome_folder)
        elif name == "esco":
            yield from _esco_jobs(folder)
        elif name == "crosswalks":
            yield from _crosswalk_jobs(folder, warehouse, rome_folder)
        elif name == "geo":
            yield from _geo_jobs(folder)


def load(root: str | Path, warehouse: Warehouse, *, only: Iterable[str] | None = None, force: bool = False,
         progress: Progress | None = None) -> list[TableLoad]:
    """Load every referential found under ``root`` into ``warehouse``; one ``TableLoad`` per table.

    ``only`` limits to some datasets (rome, fap, esco, crosswalks, geo);
    ``force`` reloads even when the version and checksum are already recorded.
    """
    root = Path(root)
    only = [o for o in (only or []) if o in DATASETS] or None
    if not any((root / d).is_dir() for d in (only or DATASETS)):
        raise ReferentialError(f"{root}: no referential folder ({', '.join(only or DATASETS)}); "
                               "run `adequa data pull --from DIR` first")
    manifest = pull_mod.read_manifest(root).get("files", {})
    known = {str((root / rel).resolve()): info["sha256"] for rel, info in manifest.items()}
    results: list[TableLoad] = []
    jobs = plan(root, warehouse, only)
    done: dict[str, int] = {}
    for job in jobs:
        t0 = time.perf_counter()
        checksum = _checksum(job.files, known)
        recorded = warehouse.checksum_of(job.table, job.version)
        if recorded == checksum and not force:
            rows = warehouse.scalar(f'SELECT count(*) FROM "{job.table}" WHERE version = ?', [job.version])
            results.append(TableLoad(job.dataset, job.table, job.version, "unchanged", rows, time.perf_counter() - t0))
        else:
            rows = job.build()          # a list or an iterator: replace_version streams it in batches
            n = warehouse.replace_version(job.table, job.version, rows, key=_KEYS.get(job.table), provenance={
                "source": job.source, "licence": job.licence, "checksum": checksum,
                "origin": ", ".join(str(p) for p in job.files[:6]) + (" …" if len(job.files) > 6 else ""),
                "retrieved_at": _retrieved_at(job.files)})
            status = "replaced" if recorded else "loaded"
            results.append(TableLoad(job.dataset, job.table, job.version, status, n, time.perf_counter() - t0))
        done[job.dataset] = done.get(job.dataset, 0) + 1
        if progress:
            progress(job.dataset, job.table, done[job.dataset], 0)
    return results


def record_pulled(warehouse: Warehouse, pulled: list) -> int:
    """Write the pull's files (dataset, path, sha256, size, origin) into ``pulled_files``."""
    rows = pull_mod.as_rows(pulled)
    if not rows:
        return 0
    warehouse.upsert("pulled_files", rows, key=["dataset", "path"])
    return len(rows)


# -- integrity checks ---------------------------------------------------------------------

@dataclass
class Check:
    name: str
    description: str
    requires: tuple[str, ...]        # tables (or views) that must exist and hold rows
    sql: str                         # selects the offending rows (first column: what is wrong)
    severity: str = "error"          # error (exit code 1) / warning (printed only)


@dataclass
class CheckResult:
    check: Check
    status: str                      # ok / problem / skipped
    count: int = 0
    examples: list = None
    note: str = ""


_REFERENTIAL_CHECKS = (
    Check("appellations-fiches", "every ROME appellation points to an existing fiche", ("current_rome_appellations",),
          "SELECT a.code_ogr || ' -> ' || coalesce(a.code_rome, 'NULL') FROM current_rome_appellations a "
          "LEFT JOIN current_rome_fiches f USING (code_rome) WHERE f.code_rome IS NULL"),
    Check("fiche-items-fiches", "every fiche <-> item link points to an existing fiche", ("current_rome_fiche_items",),
          "SELECT i.code_rome || ' / ' || i.code_ogr FROM current_rome_fiche_items i "
          "LEFT JOIN current_rome_fiches f USING (code_rome) WHERE f.code_rome IS NULL"),
    Check("fiche-items-items", "every fiche <-> item link points to an existing compétence, savoir or work context",
          ("current_rome_fiche_items",),
          "SELECT i.code_rome || ' -> ' || i.code_ogr FROM current_rome_fiche_items i WHERE i.code_ogr NOT IN "
          "(SELECT code_ogr FROM current_rome_competences UNION ALL SELECT code_ogr FROM current_rome_savoirs "
          "UNION ALL SELECT code_ogr FROM current_rome_contextes)"),
    Check("competences-macro", "every compétence's macro-compétence exists and is a macro-compétence",
          ("current_rome_competences",),
          "SELECT c.code_ogr || ' -> ' || c.macro_ogr FROM current_rome_competences c WHERE c.macro_ogr IS NOT NULL "
          "AND c.macro_ogr NOT IN (SELECT code_ogr FROM current_rome_competences WHERE nature ILIKE 'macro%')"),
    Check("fiches-hierarchy", "every ROME fiche has a grand domaine and a domaine", ("current_rome_fiches",),
          "SELECT code_rome FROM current_rome_fiches WHERE grand_domaine IS NULL OR domaine IS NULL"),
    Check("fiches-v3-parent", "every fiche's ROME v3 parent is a known v3 code", ("current_rome_fiches", "current_rome_v3"),
          "SELECT code_rome || ' -> ' || code_rome_parent FROM current_rome_fiches WHERE code_rome_parent IS NOT NULL "
          "AND code_rome_parent NOT IN (SELECT code_rome FROM current_rome_v3)", "warning"),
    Check("rome-fap-coverage", "every ROME fiche has a FAP-2021 family", ("current_rome_fiches", "current_rome_fap"),
          "SELECT f.code_rome FROM current_rome_fiches f LEFT JOIN current_rome_fap m "
          "ON m.code_rome = f.code_rome AND m.\"primary\" AND m.fap2021 IS NOT NULL WHERE m.code_rome IS NULL"),
    Check("rome-fap-codes", "every FAP-2021 code of the crosswalk is in the FAP-2021 nomenclature",
          ("current_rome_fap", "current_fap2021"),
          "SELECT DISTINCT m.fap2021 FROM current_rome_fap m WHERE m.fap2021 IS NOT NULL "
          "AND m.fap2021 NOT IN (SELECT code FROM current_fap2021)"),
    Check("fap2021-parents", "every FAP-2021 code's parent exists one level up", ("current_fap2021",),
          "SELECT c.code || ' -> ' || c.parent FROM current_fap2021 c LEFT JOIN current_fap2021 p "
          "ON p.code = c.parent AND p.level = c.level - 1 WHERE c.level > 1 AND p.code IS NULL"),
    Check("communes-departements", "every commune's département exists", ("current_geo_communes", "current_geo_departements"),
          "SELECT c.commune || ' -> ' || coalesce(c.departement, 'NULL') FROM current_geo_communes c "
          "LEFT JOIN current_geo_departements d ON d.code = c.departement WHERE d.code IS NULL"),
    Check("departements-regions", "every département's région exists", ("current_geo_departements", "current_geo_regions"),
          "SELECT d.code || ' -> ' || coalesce(d.region, 'NULL') FROM current_geo_departements d "
          "LEFT JOIN current_geo_regions r ON r.code = d.region WHERE r.code IS NULL", "warning"),
    Check("communes-regions", "every commune's région exists", ("current_geo_communes", "current_geo_regions"),
          "SELECT c.commune || ' -> ' || coalesce(c.region, 'NULL') FROM current_geo_communes c "
          "LEFT JOIN current_geo_regions r ON r.code = c.region WHERE r.code IS NULL", "warning"),
    Check("communes-bassins", "every commune's BMO bassin exists", ("current_geo_communes", "current_geo_bassins"),
          "SELECT c.commune || ' -> ' || c.bassin FROM current_geo_communes c LEFT JOIN current_geo_bassins b "
          "ON b.code = c.bassin WHERE c.bassin IS NOT NULL AND b.code IS NULL"),
    Check("esco-relations-skills", "every ESCO occupation <-> skill relation points to an existing skill",
          ("current_esco_occupation_skills", "current_esco_skills"),
          "SELECT DISTINCT r.skill_uri FROM current_esco_occupation_skills r WHERE r.skill_uri NOT IN "
          "(SELECT uri FROM esco_skills)"),
    Check("esco-relations-occupations", "every ESCO occupation <-> skill relation points to an existing occupation",
          ("current_esco_occupation_skills", "current_esco_occupations"),
          "SELECT DISTINCT r.occupation_uri FROM current_esco_occupation_skills r WHERE r.occupation_uri NOT IN "
          "(SELECT uri FROM esco_occupations)", "warning"),   # ESCO v1.1.1 itself: 1 occupation of the relations
                                                              # is missing from occupations_en.csv
    Check("esco-rome-occupations", "ESCO occupations of the ESCO <-> ROME crosswalk exist in the loaded ESCO",
          ("current_esco_rome", "current_esco_occupations"),
          "SELECT DISTINCT esco_uri FROM current_esco_rome WHERE esco_uri NOT IN (SELECT uri FROM esco_occupations)",
          "warning"),
    Check("esco-rome-appellations", "ROME appellations of the ESCO <-> ROME crosswalk exist in the loaded ROME",
          ("current_esco_rome", "current_rome_appellations"),
          "SELECT DISTINCT rome_ogr || ' ' || rome_label FROM current_esco_rome WHERE code_rome IS NULL", "warning"),
)

_AD_CHECKS = (
    Check("mentions-ads", "every skill mention belongs to an existing ad", ("skill_mentions", "ads"),
          "SELECT DISTINCT m.ad_id FROM skill_mentions m LEFT JOIN ads a USING (ad_id) WHERE a.ad_id IS NULL"),
    Check("ad-occupations-ads", "every ad occupation belongs to an existing ad", ("ad_occupations", "ads"),
          "SELECT o.ad_id FROM ad_occupations o LEFT JOIN ads a USING (ad_id) WHERE a.ad_id IS NULL"),
    Check("ad-occupations-fiches", "every ad's ROME code is a ROME fiche", ("ad_occupations", "current_rome_fiches"),
          "SELECT DISTINCT o.rome FROM ad_occupations o WHERE o.rome IS NOT NULL AND o.rome NOT IN "
          "(SELECT code_rome FROM rome_fiches)"),
    Check("mentions-rome-items", "every mention's ROME code_ogr is a compétence or savoir", ("skill_mentions",
                                                                                          "current_rome_competences"),
          "SELECT DISTINCT m.rome_ogr FROM skill_mentions m WHERE m.rome_ogr IS NOT NULL AND m.rome_ogr NOT IN "
          "(SELECT code_ogr FROM rome_competences UNION ALL SELECT code_ogr FROM rome_savoirs)"),
    Check("ads-communes", "every ad's commune is a known commune", ("ads", "current_geo_communes"),
          "SELECT DISTINCT a.commune FROM ads a WHERE a.commune IS NOT NULL AND a.commune NOT IN "
          "(SELECT commune FROM geo_communes)", "warning"),
    Check("ads-departements", "every ad's département is a known département", ("ads", "current_geo_departements"),
          "SELECT DISTINCT a.departement FROM ads a WHERE a.departement IS NOT NULL AND a.departement NOT IN "
          "(SELECT code FROM geo_departements)"),
)


def checks() -> tuple[Check, ...]:
    return _REFERENTIAL_CHECKS + _AD_CHECKS


def _has_rows(warehouse: Warehouse, name: str, present: set[str]) -> bool:
    return name in present and bool(warehouse.scalar(f'SELECT EXISTS (SELECT 1 FROM "{name}")'))


def check(warehouse: Warehouse, *, examples: int = 5) -> list[CheckResult]:
    """Run the integrity checks; each result says ok, problem (with a count and examples) or skipped."""
    present = set(warehouse.tables())
    out: list[CheckResult] = []
    for c in checks():
        missing = [t for t in c.requires if not _has_rows(warehouse, t, present)]
        if missing:
            out.append(CheckResult(c, "skipped", note=f"nothing loaded in {', '.join(missing)}"))
            continue
        count = warehouse.scalar(f"SELECT count(*) FROM ({c.sql})")
        sample = [r[0] for r in warehouse.query(f"SELECT * FROM ({c.sql}) LIMIT {int(examples)}")] if count else []
        out.append(CheckResult(c, "ok" if not count else "problem", count, sample))
    out.extend(_provenance_checks(warehouse, present))
    return out


def _provenance_checks(warehouse: Warehouse, present: set[str]) -> list[CheckResult]:
    """Each loaded (table, version) holds exactly the rows its provenance record says: a load cut short
    by a crash shows here."""
    c_rows = Check("provenance-rows", "each referential version holds the row count its provenance records",
                   ("provenance",), "")
    c_prov = Check("provenance-present", "every referential table's versions have a provenance record",
                   ("provenance",), "")
    bad, orphan = [], []
    recorded = {(r["table_name"], r["version"]): r["rows"] for r in warehouse.query_dicts(
        "SELECT table_name, version, rows FROM provenance")}
    tables = sorted({t for t, _ in recorded} | {t for t in present if not t.startswith("current_")
                                                 and t in _REFERENTIAL_TABLES})
    for table in tables:
        if table not in present:
            continue
        counts = dict(warehouse.query(f'SELECT version, count(*) FROM "{table}" GROUP BY version')) \
            if "version" in {c for c, _ in warehouse.columns(table)} else {}
        for (t, version), rows in recorded.items():
            if t == table and rows is not None and counts.get(version, 0) != rows:
                bad.append(f"{table} {version}: {counts.get(version, 0)} rows, provenance says {rows}")
        if table in _REFERENTIAL_TABLES:
            for version in counts:
                if (table, version) not in recorded:
                    orphan.append(f"{table} {version}")
    return [CheckResult(c_rows, "problem" if bad else "ok", len(bad), bad[:5]),
            CheckResult(c_prov, "problem" if orphan else "ok", len(orphan), orphan[:5])]


_REFERENTIAL_TABLES = {
    "rome_fiches", "rome_appellations", "rome_competences", "rome_savoirs", "rome_contextes", "rome_fiche_items",
    "rome_v3", "fap2021", "fap2009", "fap2009_pcs_rome3", "dares_rome_fap2021", "rome_fap", "esco_skills",
    "esco_occupations", "esco_occupation_skills", "esco_skill_hierarchy", "esco_isco_groups", "esco_rome",
    "geo_communes", "geo_departements", "geo_regions", "geo_bassins", "geo_zones_emploi", "geo_shapes"}


def listing(warehouse: Warehouse) -> list[dict]:
    """What is loaded: one row per (table, version) with its provenance and actual row count."""
    out = []
    present = set(warehouse.tables())
    for p in warehouse.query_dicts("SELECT * FROM provenance ORDER BY table_name, loaded_at"):
        table = p["table_name"]
        rows = None
        if table in present:
            cols = {c for c, _ in warehouse.columns(table)}
            rows = (warehouse.scalar(f'SELECT count(*) FROM "{table}" WHERE version = ?', [p["version"]])
                    if "version" in cols else warehouse.count(table))
        out.append({"table": table, "version": p["version"], "rows": rows, "source": p["source"],
                    "licence": p["licence"], "loaded_at": p["loaded_at"], "checksum": (p["checksum"] or "")[:12]})
    return out
