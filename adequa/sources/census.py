"""Census (INSEE, recensement de la population): employed persons by occupation, in three layouts.

* ``insee-rp-fd-2021`` — INSEE's *fichiers détail* (one row per person, ``IPONDI`` weights;
  FD_MOBPRO, FD_INDCVI…; CSV, Parquet or the zip INSEE distributes): :func:`read_census_fd`;
* ``insee-rp-btt-2021`` — INSEE's *bases de tableaux détaillés* (``NIVGEO;CODGEO;LIBGEO;…;NB``):
  :func:`read_census_btt`;
* ``rp-long-1`` — a tidy long table, described below.

:func:`read_census` tells them apart from the header row. PCS-coded rows are turned into FAP rows
by :func:`adequa.pipeline.statistics.derive_census_fap` (tables read by :func:`read_pcs_fap`).

Layout ``rp-long-1``: **RP "actifs en emploi au lieu de travail", long format**
(Adequa name: ``rp-long-1``): the INSEE "tableaux détaillés" of the population
census (e.g. the tables of employed persons by profession and place of work,
available per census year with the geography of 1 January of year + 2), put in
tidy form with occupations coded in FAP (through the DARES PCS → FAP table) as
the DARES and the Carif-Oref "Statoscope" publish them. One row per cell;
recognised columns (matched without case, accents or spacing):

=============  ====================================================================
year           ``annee`` / ``an_rp`` / ``rp``: 2021 (the census year)
territory      as for job seekers: ``niveau_geo`` + ``code_geo``, or ``reg``/``dep``/``ze``/``be``/``commune``
occupation     ``fap2021`` / ``fap2009`` / ``code_fap`` / ``fap`` / ``pcs`` / ``prof``; none: total
sex            ``sexe``
age band       ``tranche_age`` / ``age``: "Moins de 30 ans", "30 à 49 ans", "50 ans ou plus"…
diploma        ``diplome`` / ``niveau_diplome``: supérieur, bac, CAP-BEP, sans diplôme…
status         ``statut`` / ``condition_emploi`` / ``contrat``: durable (CDI, titulaire), non durable
               (CDD, intérim, apprentissage, contrat aidé), non salarié; "Ensemble"
sector         ``secteur`` / ``na5`` / ``secteur_activite``: agriculture, industrie, construction,
               commerce, services (NA5 codes AZ, BE, FZ, GU, OQ map onto them)
count          ``actifs_occupes`` / ``emplois`` / ``effectif`` / ``nombre`` / ``valeur`` / ``nb``
mean age       ``age_moyen`` (optional)
=============  ====================================================================

Census counts are estimates (weighted samples): INSEE advises against using
cells under about 200 people in small areas; the minimum cell size of the
indicators applies on top.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from adequa.errors import InputError
from adequa.sources.bmo import (code, fap_nomenclature, norm_header, norm_text, parse_count, pick, raw_rows,
                                read_table)
from adequa.sources.job_seekers import (TOTAL, is_total, norm_age, norm_diploma, norm_sex, occupation_of,
                                        territory_columns, territory_of)

LAYOUT = "rp-long-1"
SECTORS = {"az": "agriculture", "agriculture": "agriculture", "be": "industrie", "industrie": "industrie",
           "fz": "construction", "construction": "construction", "gu": "commerce",
           "commerce": "commerce", "commerce, transports et services divers": "services",
           "oq": "services", "services": "services", "tertiaire": "services",
           "administration publique, enseignement, sante et action sociale": "services"}


def norm_status(value) -> str:
    """Employment status, in the study's categories when the label allows: durable (CDI, civil
    servants), apprenti, cdd-interim, non-salarie (self-employed, employers), autre (subsidised jobs,
    trainees, family helpers, "autres"); an aggregate "non durable" / "précaire" stays non-durable."""
    t = norm_text(value)
    if is_total(t):
        return TOTAL
    if "aide familial" in t or "aides familiaux" in t:
        return "autre"
    if "non salari" in t or "independ" in t or "employeur" in t:
        return "non-salarie"
    if "non durable" in t or "precaire" in t or "emploi a duree limitee" in t:
        return "non-durable"
    if "apprenti" in t or "professionnalisation" in t:
        return "apprenti"
    if any(k in t for k in ("cdd", "interim", "saisonn", "duree determinee", "vacataire")):
        return "cdd-interim"
    if any(k in t for k in ("aide", "stage", "stagiaire")) or t in ("autre", "autres"):
        return "autre"
    if "durable" in t or any(k in t for k in ("cdi", "titulaire", "duree indeterminee", "fonction publique")):
        return "durable"
    if "salari" in t:
        return "salarie"              # wage earner, contract not given (INSEE STAT 10)
    raise ValueError(f"unknown employment status {value!r} (expected durable, CDI, apprentis, CDD, intérim, "
                     "non salarié, autres…)")


def norm_sector(value) -> str:
    t = norm_text(value)
    if is_total(t):
        return TOTAL
    if t in SECTORS:
        return SECTORS[t]
    for key in ("agricult", "industri", "construct", "commerce", "service"):
        if key in t:
            return {"agricult": "agriculture", "industri": "industrie", "construct": "construction",
                    "commerce": "commerce", "service": "services"}[key]
    raise ValueError(f"unknown sector {value!r} (expected agriculture, industrie, construction, commerce, services)")


def detect_layout(path: str | Path, *, sheet: str | None = None) -> str:
    """``insee-rp-fd-2021`` (an IPONDI column), ``insee-rp-btt-2021`` (CODGEO and NB) or ``rp-long-1``."""
    if Path(path).suffix.lower() == ".parquet":
        return FD_LAYOUT
    if Path(path).suffix.lower() == ".zip":
        import zipfile

        try:
            with zipfile.ZipFile(path) as zf:
                member = zip_member(zf.namelist())
        except zipfile.BadZipFile as exc:
            raise InputError(f"not a readable zip archive ({exc})", path=str(path)) from exc
        name = (member or "").rsplit("/", 1)[-1].upper()
        return FD_LAYOUT if name.startswith("FD_") or name.endswith(".PARQUET") else (
            BTT_LAYOUT if name.startswith(("BTT_", "TD_")) else LAYOUT)
    for _line, row in read_table(path, sheet=sheet):
        if "ipondi" in row or "ipond" in row:
            return FD_LAYOUT
        if "codgeo" in row and "nb" in row:
            return BTT_LAYOUT
        return LAYOUT
    raise InputError("no data rows", path=str(path))


def zip_member(names: list[str]) -> str | None:
    """The data file of an INSEE archive: ``FD_…``/``BTT_…`` first, else the largest-named CSV/TXT/Parquet;
    documentation members (``varmod``, ``meta``, ``doc``) are never picked."""
    data = [n for n in names if n.lower().endswith((".csv", ".txt", ".parquet")) and not n.endswith("/")
            and not any(k in n.lower().rsplit("/", 1)[-1] for k in ("varmod", "meta", "doc", "lisez", "readme"))]
    preferred = [n for n in data if n.rsplit("/", 1)[-1].upper().startswith(("FD_", "BTT_", "TD_"))]
    pool = preferred or data
    return pool[0] if pool else None


def _from_zip(path, **kwargs) -> Iterator[dict]:
    """Read the data member of a zip archive as INSEE distributes the files (extracted to a temporary
    folder: CSV readers need a seekable file); errors name ``archive.zip!member``."""
    import shutil
    import tempfile
    import zipfile

    path = Path(path)
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise InputError(f"not a readable zip archive ({exc})", path=str(path)) from exc
    with zf, tempfile.TemporaryDirectory(prefix="adequa-census-") as tmp:
        member = zip_member(zf.namelist())
        if member is None:
            raise InputError("no CSV, TXT or Parquet data file in the archive", path=str(path))
        target = Path(tmp) / member.rsplit("/", 1)[-1]
        with zf.open(member) as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        try:
            for row in read_census(target, **kwargs):
                row["origin_file"] = f"{path}!{member}"
                yield row
        except InputError as exc:
            exc.path = f"{path}!{member}"
            raise InputError(exc.message, path=exc.path, line=exc.line, record=exc.record, field=exc.field) from None


def read_census(path: str | Path, *, year: int | None = None, sheet: str | None = None,
                nomenclature: str | None = None, layout: str | None = None, **options) -> Iterator[dict]:
    """Yield ``census_workers`` rows from any supported layout (``layout=None``: told from the header).

    ``rp-long-1``: one row per line (see the module docstring); ``insee-rp-fd-2021``:
    :func:`read_census_fd`; ``insee-rp-btt-2021``: :func:`read_census_btt` (``options`` go to them:
    ``place``, ``levels``, ``region_of``, ``stats``).
    """
    if Path(path).suffix.lower() == ".zip":
        yield from _from_zip(path, year=year, sheet=sheet, nomenclature=nomenclature, layout=layout, **options)
        return
    layout = layout or detect_layout(path, sheet=sheet)
    if layout == FD_LAYOUT:
        yield from read_census_fd(path, year=year, nomenclature=nomenclature, **options)
        return
    if layout == BTT_LAYOUT:
        options.pop("place", None)
        yield from read_census_btt(path, year=year, nomenclature=nomenclature, **options)
        return
    if layout != LAYOUT:
        raise InputError(f"unknown census layout {layout!r}; known: {LAYOUT}, {FD_LAYOUT}, {BTT_LAYOUT}",
                         path=str(path), field="layout")
    path_s = str(path)
    cols = None
    for line, row in read_table(path, sheet=sheet):
        if cols is None:
            cols = {
                "year": pick(row, "annee", "an_rp", "rp", "year"),
                "occ": pick(row, "fap2021", "fap2009", "code_fap", "fap", "pcs", "prof", "profession"),
                "sex": pick(row, "sexe", "sex"),
                "age": pick(row, "tranche_age", "age", "tranche_d_age", "agerevq"),
                "dipl": pick(row, "diplome", "niveau_diplome", "dipl", "niveau_de_diplome"),
                "status": pick(row, "statut", "condition_emploi", "contrat", "empl", "statut_emploi"),
                "sector": pick(row, "secteur", "na5", "secteur_activite", "secteur_d_activite"),
                "value": pick(row, "actifs_occupes", "emplois", "effectif", "nombre", "valeur", "nb", "actifs"),
                "mean_age": pick(row, "age_moyen", "age_moy"),
                **territory_columns(row),
            }
            if not cols["value"]:
                raise InputError(f"no count column (actifs_occupes, emplois, effectif…); found "
                                 f"{', '.join(list(row)[:14])}", path=path_s, line=1, field="actifs_occupes")
            if not cols["year"] and year is None:
                raise InputError("no annee column: pass the census year (--year)", path=path_s, line=1, field="annee")
        c = cols
        y = year
        if c["year"]:
            try:
                y = int(float(str(row.get(c["year"])).strip().upper().removeprefix("RP")))
            except ValueError:
                raise InputError(f"expected a census year, got {row.get(c['year'])!r}", path=path_s, line=line,
                                 field=c["year"]) from None
        field = None
        try:
            field = c["sex"]
            sex = norm_sex(row.get(field)) if field else TOTAL
            field = c["age"]
            age = norm_age(row.get(field)) if field else TOTAL
            field = c["dipl"]
            dipl = norm_diploma(row.get(field)) if field else TOTAL
            field = c["status"]
            status = norm_status(row.get(field)) if field else TOTAL
            field = c["sector"]
            sector = norm_sector(row.get(field)) if field else TOTAL
        except ValueError as exc:
            raise InputError(str(exc), path=path_s, line=line, field=field) from None
        level, terr = territory_of(row, c, path_s, line)
        if c["occ"] in ("pcs", "prof", "profession"):
            value = code(row.get(c["occ"]))
            nomen, occ = (("all", TOTAL) if not value or is_total(norm_text(value))
                          else (pcs_nomenclature(y, nomenclature), value.lower()))
        else:
            nomen, occ = occupation_of(row, c["occ"], nomenclature, y)
        yield {"year": y, "level": level, "territory": terr, "nomenclature": nomen, "occupation": occ,
               "sex": sex, "age_band": age, "diploma": dipl, "status": status, "sector": sector,
               "workers": parse_count(row.get(c["value"]), path=path_s, line=line, field=c["value"]),
               "mean_age": parse_count(row.get(c["mean_age"]), path=path_s, line=line, field=c["mean_age"])
               if c["mean_age"] else None,
               "layout": LAYOUT, "origin_file": path_s, "origin_line": line}


# ---- INSEE's own files: fichiers détail (one row per person) and bases de tableaux détaillés ----------

FD_LAYOUT = "insee-rp-fd-2021"
BTT_LAYOUT = "insee-rp-btt-2021"
AGE_BANDS = ((30, "<30"), (50, "30-49"), (200, "50+"))      # the study's bands (Statoscope)

# DIPL, "diplôme le plus élevé": two-digit codes since RP 2016 (01-03 no diploma, 11 CEP, 12 BEPC,
# 13 CAP-BEP, 14 bac général/techno, 15 bac pro, 16 bac+2, 17 bac+3/4, 18 bac+5, 19 doctorat),
# letters before (A-C no diploma, D CEP, E BEPC, F CAP-BEP, G-H bac, I-L higher education).
DIPL = {**{c: "infra" for c in ("01", "02", "03", "11", "12", "A", "B", "C", "D", "E")},
        "13": "cap-bep", "F": "cap-bep", "14": "bac", "15": "bac", "G": "bac", "H": "bac",
        **{c: "sup" for c in ("16", "17", "18", "19", "I", "J", "K", "L")}}
# EMPL, "condition d'emploi", grouped as the study does: CDI and civil servants / apprentices /
# fixed-term and temporary work / self-employed and employers / others (subsidised jobs, paid
# trainees, family helpers).
EMPL = {"16": "durable", "11": "apprenti", "12": "cdd-interim", "15": "cdd-interim", "21": "non-salarie",
        "22": "non-salarie", "13": "autre", "14": "autre", "23": "autre"}
# STAT (statut professionnel) when EMPL is absent: 10 salariés (contract unknown), 21-23 non salariés.
STAT = {"10": "salarie", "21": "non-salarie", "22": "non-salarie", "23": "autre"}
OUT_OF_SCOPE = {"", "Z", "ZZ", "ZZZ", "ZZZZ", "ZZZZZ", "Y", "YY", "YYYY", "YYYYY", "99999", "X", "XX", "XXXXX"}
CENSUS_DIMS = ("sex", "age_band", "diploma", "status", "sector")
LEVELS = ("france", "region", "departement", "zone_emploi", "bassin", "commune")


def sector_of(code_value: str) -> str | None:
    """Sector from an activity code of any NA level (NA5 AZ…OQ, NA17 AZ…RU, NA38 AZ…UZ, NA88 01…99).

    agriculture A, industrie B-E, construction F, commerce G, services H-U. NA5 merges commerce with
    transport and market services (GU): it is counted in services.
    """
    c = (code_value or "").strip().upper()
    if not c or c in OUT_OF_SCOPE:
        return None
    if c == "GU":
        return "services"
    if c[:2].isdecimal():
        n = int(c[:2])
        letter = ("A" if n <= 3 else "B" if n <= 9 else "C" if n <= 33 else "D" if n == 35 else "E" if n <= 39
                  else "F" if n <= 43 else "G" if n <= 47 else "H")
    else:
        letter = c[0]
    if letter == "A":
        return "agriculture"
    if letter in "BCDE":
        return "industrie"
    if letter == "F":
        return "construction"
    if letter == "G":
        return "commerce"
    if "H" <= letter <= "U":
        return "services"
    return None


def age_band_of(age: int) -> str:
    for upper, band in AGE_BANDS:
        if age < upper:
            return band
    return AGE_BANDS[-1][1]


def pcs_nomenclature(year: int | None, given: str | None = None) -> str:
    """PCS 2003 for census years up to 2020, PCS 2020 from the 2021 census (INSEE's switch)."""
    if given:
        return given
    return "pcs2020" if (year or 0) >= 2021 else "pcs2003"


def occupation_code(value, kind: str, year: int | None, nomenclature: str | None) -> tuple[str, str] | None:
    """(nomenclature, code) of a profession / catégorie / groupe code, or None when out of scope."""
    c = str(value if value is not None else "").strip()
    if isinstance(value, float) and value.is_integer():
        c = str(int(value))
    if not c or c.upper() in OUT_OF_SCOPE or c in ("00", "0", "0000"):
        return None
    if kind == "fap":
        return (nomenclature or fap_nomenclature(c.upper(), year)), c.upper()
    return pcs_nomenclature(year, nomenclature), c.lower()


class CellAggregator:
    """Sums weights into ``census_workers`` cells: one margin per dimension, every other one at total.

    ``add`` takes the finest key of one person (or one published cell); ``rows`` rolls them up to
    the requested territorial levels and to all occupations (nomenclature ``all``), and writes one
    total cell plus one cell per value of each dimension — the shape the indicators read.
    """

    def __init__(self, *, levels: tuple[str, ...], region_of: dict[str, str] | None,
                 commune_zones: dict[str, tuple[str | None, str | None]] | None = None):
        bad = [lv for lv in levels if lv not in LEVELS]
        if bad:
            raise InputError(f"unknown level(s) {', '.join(bad)}; use {', '.join(LEVELS)}", field="levels")
        if {"zone_emploi", "bassin"} & set(levels) and not commune_zones:
            raise InputError("zone d'emploi and bassin cells need the commune referential (geo_communes): run "
                             "`adequa data pull`", field="levels")
        self.levels = levels
        self.keep_communes = bool({"commune", "zone_emploi", "bassin"} & set(levels))
        self.region_of = region_of or {}
        self.commune_zones = commune_zones or {}        # commune -> (zone d'emploi, bassin)
        self.cells: dict[tuple, list[float]] = {}
        self.unplaced = 0.0

    def add(self, commune: str | None, dep: str | None, region: str | None, occ: tuple[str, str] | None,
            dims: tuple, weight: float, age: float | None) -> None:
        if commune is not None and not self.keep_communes:
            # communes are not wanted: keep their département only (far fewer cells to roll up)
            if dep is None:
                dep = commune[:3] if commune.startswith("97") else commune[:2]
            commune = None
        key = (commune, dep, region, occ, dims)
        cell = self.cells.get(key)
        if cell is None:
            cell = self.cells[key] = [0.0, 0.0, 0.0]
        cell[0] += weight
        if age is not None:
            cell[1] += weight * age
            cell[2] += weight

    def _places(self, commune, dep, region):
        if dep is None and commune:
            dep = commune[:3] if commune.startswith("97") else commune[:2]
        if region is None and dep:
            region = self.region_of.get(dep)
        ze, bassin = self.commune_zones.get(commune, (None, None)) if commune else (None, None)
        out = []
        for level in self.levels:
            code_value = {"commune": commune, "departement": dep, "region": region, "france": "FR",
                          "zone_emploi": ze, "bassin": bassin}[level]
            if code_value:
                out.append((level, code_value))
        return out

    def rows(self, *, year: int, layout: str, origin: str) -> Iterator[dict]:
        out: dict[tuple, list[float]] = {}
        for (commune, dep, region, occ, dims), (w, wa, wn) in self.cells.items():
            places = self._places(commune, dep, region)
            if not places:
                self.unplaced += w
                continue
            occs = [("all", TOTAL)] + ([occ] if occ else [])
            margins = [(TOTAL,) * len(CENSUS_DIMS)]
            for i, v in enumerate(dims):
                if v is not None:
                    margins.append(tuple(v if j == i else TOTAL for j in range(len(CENSUS_DIMS))))
            for level, terr in places:
                for o in occs:
                    for m in margins:
                        k = (level, terr, o, m)
                        acc = out.get(k)
                        if acc is None:
                            acc = out[k] = [0.0, 0.0, 0.0]
                        acc[0] += w
                        acc[1] += wa
                        acc[2] += wn
        for (level, terr, (nomen, occ), m), (w, wa, wn) in out.items():
            yield {"year": year, "level": level, "territory": terr, "nomenclature": nomen, "occupation": occ,
                   **dict(zip(CENSUS_DIMS, m)), "workers": round(w, 4),
                   "mean_age": round(wa / wn, 2) if wn else None,
                   "layout": layout, "origin_file": origin, "origin_line": None}


def _year_from_name(path: Path) -> int | None:
    m = re.search(r"(?:RP|rp|_)(19\d\d|20\d\d)(?!\d)", path.name)
    return int(m.group(1)) if m else None


FD_OCCUPATION = (("prof", "pcs"), ("profession", "pcs"), ("pcs", "pcs"), ("pcs4", "pcs"), ("pcs_4", "pcs"),
                 ("cs2", "pcs"), ("cs_2", "pcs"), ("cs1", "pcs"), ("gs", "pcs"), ("fap", "fap"),
                 ("fap2021", "fap"), ("fap2009", "fap"))


def read_census_fd(path: str | Path, *, year: int | None = None, nomenclature: str | None = None,
                   place: str | None = None, levels: tuple[str, ...] = ("region", "departement"),
                   region_of: dict[str, str] | None = None, stats: dict | None = None,
                   commune_zones: dict | None = None) -> Iterator[dict]:
    """Aggregate an INSEE census *fichier détail* (one row per person, weight ``IPONDI``) into
    ``census_workers`` cells (layout ``insee-rp-fd-2021``).

    Read as INSEE publishes them (``;``-separated CSV, UTF-8 or Latin-1, or Parquet; one column per
    variable, codes):
    ``IPONDI`` weight; employed persons only (``TACT`` = 11 when present, else ``EMPL`` not ZZ);
    place of work ``DCLT`` (FD_MOBPRO) or, with ``place="residence"`` or when absent, ``ARM`` /
    ``COMMUNE`` / ``DEPT`` / ``REGION`` (FD_INDCVI: ``CANTVILLE``'s département); occupation
    ``PROF``/``PROFESSION`` (PCS, 4 characters), else ``CS2``/``CS1``/``GS`` (coarser PCS levels),
    PCS 2003 up to RP 2020 and PCS 2020 from RP 2021; ``SEXE`` 1/2; age ``AGEREV`` / ``AGED`` (years) or
    ``AGEREVQ`` (five-year bands, mean from their midpoints); ``DIPL``; ``EMPL`` (else ``STAT``);
    activity ``NA17`` / ``NA38`` / ``NA88`` / ``NA5``. ``region_of`` maps a département to its région
    (needed for régional cells when the file has no ``REGION`` column); ``commune_zones`` maps a commune to
    its (zone d'emploi, bassin) for ``levels`` with ``zone_emploi`` / ``bassin``.
    """
    path = Path(path)
    path_s = str(path)
    year = year or _year_from_name(path)
    if year is None:
        raise InputError("the census year is neither given (--year) nor in the file name (RP2021…)", path=path_s,
                         field="year")
    agg = CellAggregator(levels=levels, region_of=region_of, commune_zones=commune_zones)
    read = kept = 0
    lines = _csv_lines(path)
    try:
        _first, header = next(lines)
    except StopIteration:
        raise InputError("empty file, expected INSEE's header (IPONDI…)", path=path_s, line=1) from None
    names = {norm_header(h): i for i, h in enumerate(header)}
    c = _fd_columns(names, path_s, place)
    ix = {k: (names[v] if isinstance(v, str) and v in names else None) for k, v in c.items()}
    width = len(header)
    i_w, i_tact, i_empl, i_stat = ix["weight"], ix["tact"], ix["empl"], ix["stat"]
    i_com, i_arm, i_dep, i_reg = ix["commune"], ix["arm"], ix["dept"], ix["region"]
    i_occ, i_sex, i_age, i_dipl, i_sec = ix["occ"], ix["sex"], ix["age"], ix["dipl"], ix["sector"]
    at_work = c["place"] == "work"
    quinq = c["age_quinq"]
    occ_cache: dict[str, tuple | None] = {}
    sector_cache: dict[str, str | None] = {}
    sexes = {"1": "H", "2": "F"}
    for line, cells in lines:
        if len(cells) != width:
            if len(cells) == 1 and not cells[0].strip():
                continue
            raise InputError(f"{len(cells)} fields where the header has {width} (wrong delimiter?)", path=path_s,
                             line=line)
        read += 1
        if i_tact is not None:
            if cells[i_tact].strip() not in ("11", "1"):
                continue
        elif i_empl is not None and cells[i_empl].strip().upper() in OUT_OF_SCOPE:
            continue
        try:
            weight = float(cells[i_w].replace(",", "."))
        except ValueError:
            raise InputError(f"expected a weight, got {cells[i_w]!r}", path=path_s, line=line,
                             field=header[i_w]) from None
        if weight < 0:
            raise InputError(f"negative weight {weight}", path=path_s, line=line, field=header[i_w])
        commune = dep = region = None
        if i_com is not None:
            v = cells[i_com].strip().upper()
            if v and v not in OUT_OF_SCOPE:
                commune = v
            elif at_work:
                agg.unplaced += weight          # works abroad or place unknown
                continue
            if i_arm is not None and commune is not None:
                v = cells[i_arm].strip().upper()
                if v and v not in OUT_OF_SCOPE:
                    commune = v
        if i_dep is not None:
            v = cells[i_dep].strip().upper()
            dep = v.zfill(2) if v and v not in OUT_OF_SCOPE else None
        if i_reg is not None:
            v = cells[i_reg].strip().upper()
            region = v.zfill(2) if v and v not in OUT_OF_SCOPE else None
        occ = None
        if i_occ is not None:
            raw = cells[i_occ]
            if raw in occ_cache:
                occ = occ_cache[raw]
            else:
                occ = occ_cache[raw] = occupation_code(raw, c["occ_kind"], year, nomenclature)
        sex = None
        if i_sex is not None:
            sex = sexes.get(cells[i_sex].strip())
            if sex is None:
                raise InputError(f"unknown SEXE {cells[i_sex]!r} (expected 1 or 2)", path=path_s, line=line,
                                 field=header[i_sex])
        age = band = None
        if i_age is not None:
            try:
                a = int(cells[i_age])
            except ValueError:
                raise InputError(f"expected an age, got {cells[i_age]!r}", path=path_s, line=line,
                                 field=header[i_age]) from None
            band = "<30" if a < 30 else ("30-49" if a < 50 else "50+")
            age = a + 2.5 if quinq else a + 0.5
        dipl = DIPL.get(cells[i_dipl].strip().upper()) if i_dipl is not None else None
        if i_empl is not None:
            status = EMPL.get(cells[i_empl].strip())
        elif i_stat is not None:
            status = STAT.get(cells[i_stat].strip())
        else:
            status = None
        sector = None
        if i_sec is not None:
            raw = cells[i_sec]
            if raw in sector_cache:
                sector = sector_cache[raw]
            else:
                sector = sector_cache[raw] = sector_of(raw)
        kept += 1
        agg.add(commune, dep, region, occ, (sex, band, dipl, status, sector), weight, age)
    if stats is not None:
        stats.update({"persons_read": read, "employed": kept, "cells": len(agg.cells), "place": c["place"]})
    yield from agg.rows(year=year, layout=f"{FD_LAYOUT}/{c['place']}", origin=path_s)
    if stats is not None:
        stats["unplaced_weight"] = round(agg.unplaced, 1)


def _parquet_lines(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(row number, fields as text) of an INSEE Parquet fichier détail, batch by batch, header first."""
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:     # pyarrow raises ArrowInvalid, OSError…
        raise InputError(f"not a readable Parquet file ({exc})", path=str(path)) from exc
    names = pf.schema_arrow.names
    yield 1, list(names)
    number = 1
    for batch in pf.iter_batches(batch_size=65_536):
        columns = [["" if v is None else (v if isinstance(v, str) else repr(v) if isinstance(v, float) else str(v))
                    for v in col.to_pylist()] for col in batch.columns]
        for fields in zip(*columns):
            number += 1
            yield number, list(fields)


def _csv_lines(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line, fields) of an INSEE CSV (``;`` or ``,``, UTF-8 or Latin-1) or Parquet file, streaming,
    header included."""
    import csv

    from adequa.sources.readers import open_text, sniff_delimiter, sniff_encoding

    if path.suffix.lower() == ".parquet":
        yield from _parquet_lines(path)
        return
    encoding = sniff_encoding(path)
    with open_text(path, "cp1252" if encoding == "cp1252" else "utf-8-sig") as fh:
        try:
            first = fh.readline()
        except UnicodeDecodeError as exc:
            raise InputError(f"not valid {encoding} text ({exc.reason})", path=str(path), line=1) from exc
        delim = sniff_delimiter(first)
        yield 1, next(csv.reader([first], delimiter=delim))
        reader = csv.reader(fh, delimiter=delim)
        try:
            for fields in reader:
                yield reader.line_num + 1, fields
        except UnicodeDecodeError as exc:
            raise InputError(f"not valid {encoding} text ({exc.reason})", path=str(path),
                             line=reader.line_num + 2) from exc
        except csv.Error as exc:
            raise InputError(f"malformed CSV ({exc})", path=str(path), line=reader.line_num + 1) from exc


def _fd_columns(row: dict, path: str, place: str | None) -> dict:
    weight = pick(row, "ipondi", "ipond", "poids")
    if not weight:
        raise InputError(f"no IPONDI weight column: not an INSEE fichier détail; found {', '.join(list(row)[:14])}",
                         path=path, line=1, field="IPONDI")
    work = pick(row, "dclt")
    if place not in (None, "work", "residence"):
        raise InputError(f"place must be work or residence, not {place!r}", path=path, field="place")
    use_work = work is not None and place != "residence"
    if place == "work" and work is None:
        raise InputError("no DCLT column (commune of work): this file locates people where they live; "
                         "pass place=residence", path=path, line=1, field="DCLT")
    occ, kind = None, None
    for name, k in FD_OCCUPATION:
        if name in row:
            occ, kind = name, k
            break
    age = pick(row, "agerev", "aged", "age")
    age_q = pick(row, "agerevq", "ageq") if not age else None
    return {
        "weight": weight, "place": "work" if use_work else "residence",
        "commune": work if use_work else pick(row, "commune", "com", "codgeo"),
        "arm": None if use_work else pick(row, "arm"),
        "dept": None if use_work else pick(row, "dept", "dep", "departement"),
        "region": pick(row, "reglt") if use_work else pick(row, "region", "reg"),
        "tact": pick(row, "tact"), "empl": pick(row, "empl"), "stat": pick(row, "stat"),
        "occ": occ, "occ_kind": kind, "sex": pick(row, "sexe"),
        "age": age or age_q, "age_quinq": age is None and age_q is not None,
        "dipl": pick(row, "dipl", "dipl_19", "diplome"),
        "sector": pick(row, "na17", "na38", "na88", "na5", "na17_2008"),
    }


# BTT variables: the name before the first "_" says the variable, the rest its number of modalities.
BTT_ROLES = {"sexe": "sex", "dipl": "diploma", "empl": "status", "stat": "status", "na5": "sector",
             "na17": "sector", "na38": "sector", "na88": "sector", "tact": "tact", "tactr": "tact",
             "typact": "tact", "prof": "occ", "profession": "occ", "pcs": "occ", "cs3": "occ", "cs2": "occ",
             "cs1": "occ", "gs": "occ", "fap": "occ"}


def _btt_role(column: str) -> str | None:
    base = column.split("_")[0]
    if base.startswith("age"):
        return "age"
    return BTT_ROLES.get(base)


def read_census_btt(path: str | Path, *, year: int | None = None, nomenclature: str | None = None,
                    levels: tuple[str, ...] = ("region", "departement"),
                    region_of: dict[str, str] | None = None, stats: dict | None = None,
                    commune_zones: dict | None = None) -> Iterator[dict]:
    """Roll an INSEE *base de tableaux détaillés* of the census (``BTT_TD_<table>_<year>``) up to
    ``census_workers`` cells (layout ``insee-rp-btt-2021``).

    The layout INSEE publishes (``;``, Latin-1 or UTF-8): ``NIVGEO;CODGEO;LIBGEO``, one column per
    crossed variable named ``VARIABLE_nmodalities`` (``SEXE``, ``AGEQ80_17``/``AGED100`` — age as the
    lower bound of the band —, ``DIPL_19``, ``EMPL``, ``NA17``, ``CS1_6``, ``CS2_24``, ``PROF``…) holding
    codes, then ``NB`` (weighted count, decimals). Communes (``NIVGEO`` COM/ARM) are summed to their
    département and région; unknown variables are summed over; ``TACT*`` rows other than 11 (employed)
    are left out.
    """
    path = Path(path)
    path_s = str(path)
    year = year or _year_from_name(path)
    if year is None:
        raise InputError("the census year is neither given (--year) nor in the file name (…_2021.csv)",
                         path=path_s, field="year")
    agg = CellAggregator(levels=levels, region_of=region_of, commune_zones=commune_zones)
    cols = None
    ignored: list[str] = []
    levels_seen: dict[str, str] = {}
    occ_cache: dict[str, tuple | None] = {}
    sector_cache: dict[str, str | None] = {}
    for line, row in _named_rows(path):
        if cols is None:
            if "nb" not in row or "codgeo" not in row:
                raise InputError(f"missing column(s) {', '.join(c for c in ('CODGEO', 'NB') if c not in row)}: not an "
                                 f"INSEE base de tableaux détaillés; found {', '.join(list(row)[:14])}",
                                 path=path_s, line=1, field="NB" if "nb" not in row else "CODGEO")
            cols = {}
            for k in row:
                if k in ("nivgeo", "codgeo", "libgeo", "nb"):
                    continue
                role = _btt_role(k)
                if role is None or role in cols:
                    ignored.append(k)
                else:
                    cols[role] = k
        c = cols
        if "tact" in c and str(row.get(c["tact"]) or "").strip() not in ("11", "1"):
            continue
        raw_n = row.get("nb")
        try:
            n = float(raw_n)
        except (TypeError, ValueError):
            n = parse_count(raw_n, path=path_s, line=line, field="NB")
        if n is None:
            continue
        raw_level = row.get("nivgeo") or "com"
        level = levels_seen.get(raw_level)
        if level is None:
            level = levels_seen[raw_level] = norm_text(raw_level)
        geo = str(row.get("codgeo") or "").strip().upper()
        if not geo:
            raise InputError("empty CODGEO", path=path_s, line=line, field="CODGEO")
        commune = dep = region = None
        if level in ("com", "arm", "commune"):
            commune = geo
        elif level in ("dep", "departement"):
            dep = geo.zfill(2)
        elif level in ("reg", "region"):
            region = geo.zfill(2)
        elif level in ("fe", "fr", "france", "metro"):
            region = None
        else:
            raise InputError(f"unknown NIVGEO {row.get('nivgeo')!r} (expected COM, ARM, DEP, REG)", path=path_s,
                             line=line, field="NIVGEO")
        occ = None
        if "occ" in c:
            raw_occ = row.get(c["occ"])
            if raw_occ in occ_cache:
                occ = occ_cache[raw_occ]
            else:
                occ = occ_cache[raw_occ] = occupation_code(raw_occ, "fap" if c["occ"].startswith("fap") else "pcs",
                                                           year, nomenclature)
        band = age = None
        if "age" in c:
            raw = str(row.get(c["age"]) or "").strip()
            try:
                a = int(raw)
            except ValueError:
                raise InputError(f"expected an age (band lower bound), got {raw!r}", path=path_s, line=line,
                                 field=c["age"]) from None
            band = age_band_of(a)
            age = a + 2.5 if c["age"].startswith(("ageq", "agerevq")) else None
        sex = {"1": "H", "2": "F"}.get(str(row.get(c["sex"]) or "").strip()) if "sex" in c else None
        dipl = DIPL.get(str(row.get(c["diploma"]) or "").strip().upper()) if "diploma" in c else None
        status = None
        if "status" in c:
            v = str(row.get(c["status"]) or "").strip()
            status = EMPL.get(v) if c["status"].startswith("empl") else STAT.get(v)
        sector = None
        if "sector" in c:
            raw_sec = row.get(c["sector"]) or ""
            if raw_sec in sector_cache:
                sector = sector_cache[raw_sec]
            else:
                sector = sector_cache[raw_sec] = sector_of(raw_sec)
        if level in ("fe", "fr", "france", "metro"):
            agg.add(None, None, None, occ, (sex, band, dipl, status, sector), n, age)
            continue
        agg.add(commune, dep, region, occ, (sex, band, dipl, status, sector), n, age)
    if cols is None:
        raise InputError("no data rows", path=path_s)
    if stats is not None:
        stats.update({"cells_read": len(agg.cells), "ignored_columns": ignored})
    yield from agg.rows(year=year, layout=BTT_LAYOUT, origin=path_s)
    if stats is not None:
        stats["unplaced_weight"] = round(agg.unplaced, 1)


def _named_rows(path: Path) -> Iterator[tuple[int, dict]]:
    """(line, {normalised column: stripped value}) of an INSEE CSV, header names normalised once."""
    lines = _csv_lines(path)
    try:
        _first, header = next(lines)
    except StopIteration:
        return
    names = [norm_header(h) for h in header]
    width = len(names)
    for line, cells in lines:
        if len(cells) != width:
            if not any(c.strip() for c in cells):
                continue
            raise InputError(f"{len(cells)} fields where the header has {width} (wrong delimiter?)", path=str(path),
                             line=line)
        yield line, {n: c.strip() for n, c in zip(names, cells)}


# ---- PCS → FAP tables --------------------------------------------------------------------------------

PCS_FAP_LAYOUT = "pcs-fap-table-1"
_PCS4 = re.compile(r"^\d{3}[a-z]$")
_FAP_DETAILED = re.compile(r"^[A-Z][0-9][A-Z][0-9]{2}[a-z]?$")


def read_pcs_fap(path: str | Path, *, pcs_nomenclature: str = "pcs2020", sheet: str | None = None) -> Iterator[dict]:
    """Rows of a PCS → FAP correspondence table (layout ``pcs-fap-table-1``), CSV or XLSX.

    Columns are found by their content, as in the DARES tables de passage: the first column whose
    values are PCS professions (``388a``) and the first holding detailed FAP codes (``M2X90``,
    ``M2Z90``); an optional weight column (``poids``, ``part``, ``weight``, ``share``: a share, in
    % or as a fraction) says how a profession split over several families is divided — without it
    the split is equal. The FAP nomenclature is told from the codes (X in third position: FAP-2021).
    """
    path_s = str(path)
    pcs_col = fap_col = weight_col = None
    header: list = []
    for line, cells in raw_rows(path, sheet=sheet):
        texts = [str(c).strip() for c in cells]
        if pcs_col is None:
            pcs_i = next((i for i, t in enumerate(texts) if _PCS4.match(t.lower()) and len(t) == 4), None)
            fap_i = next((i for i, t in enumerate(texts) if _FAP_DETAILED.match(t)), None)
            if pcs_i is None or fap_i is None:
                header = [norm_text(t) for t in texts]
                continue
            pcs_col, fap_col = pcs_i, fap_i
            weight_col = next((i for i, h in enumerate(header) if h.split(" ")[0] in ("poids", "part", "weight",
                                                                                    "share", "ponderation")), None)
        pcs = texts[pcs_col].lower() if pcs_col < len(texts) else ""
        fap = texts[fap_col] if fap_col < len(texts) else ""
        if not pcs and not fap:
            continue
        if not _PCS4.match(pcs):
            if not any(t for i, t in enumerate(texts) if i != pcs_col):   # a footnote
                continue
            raise InputError(f"{pcs!r} is not a PCS profession code (such as 388a)", path=path_s,
                             line=line, field=(header[pcs_col] if pcs_col < len(header) else None) or
                             f"column {pcs_col + 1}")
        if not _FAP_DETAILED.match(fap):
            raise InputError(f"{fap!r} is not a detailed FAP code (such as M2X90 or M2Z90)", path=path_s, line=line,
                             field=(header[fap_col] if fap_col < len(header) else None) or f"column {fap_col + 1}")
        weight = None
        if weight_col is not None and weight_col < len(cells):
            weight = parse_count(cells[weight_col], path=path_s, line=line,
                                 field=header[weight_col] if weight_col < len(header) else "weight")
        yield {"pcs_nomenclature": pcs_nomenclature, "pcs": pcs, "fap_nomenclature": fap_nomenclature(fap),
               "fap": fap, "weight": weight, "origin_file": path_s, "origin_line": line}
    if pcs_col is None:
        raise InputError("no row with a PCS profession code (388a) and a detailed FAP code (M2X90)", path=path_s,
                         line=1)
