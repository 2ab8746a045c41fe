"""Job seekers registered at France Travail (STMT): "demandeurs d'emploi en fin de mois" (DEFM).

Two layouts, told apart from the header row by :func:`detect_layout`:

* ``stmt-defm-series-2024`` — the publishers' series tables as downloaded (title rows, dimension
  columns, one column per month or quarter, footnotes, "s"/"nd"/"-" marks):
  :func:`read_job_seekers_series`;
* ``defm-long-1`` — a tidy long table, described below.

Layout ``defm-long-1``: **DEFM par métier, long format** (Adequa name:
``defm-long-1``), the shape of the DARES / France Travail open-data tables of
job seekers by occupation and territory once put in tidy form: one row per cell,
one column per dimension, and a count. Recognised columns (matched without
case, accents or spacing):

=================  =================================================================
period             ``periode`` / ``trimestre`` / ``mois`` / ``date``: 2024T1, 2024Q1, 2024-03, 31/03/2024
territory          ``niveau_geo`` + ``code_geo``; or one column per level: ``reg``/``region``,
                   ``dep``/``departement``, ``be``/``bassin``, ``ze``/``zone_emploi``, ``commune``
                   (the finest non-empty one is used); none: France
occupation         ``code_rome`` / ``rome`` (ROME 4.0, or v3 with ``nomenclature="rome3"``), or
                   ``code_fap`` / ``fap`` / ``fap2021`` / ``fap2009``; none or ``Ensemble``: total
category           ``categorie`` / ``cat``: A, B, C, ABC… (default ABC)
sex                ``sexe``: F/Femmes/2, H/Hommes/1, Ensemble
age band           ``tranche_age`` / ``age``: "Moins de 25 ans", "25 à 49 ans", "50 ans ou plus"…
diploma            ``niveau_formation`` / ``diplome`` / ``niveau_diplome``: supérieur, bac, CAP-BEP, infra…
seniority          ``anciennete`` / ``anciennete_inscription``: "Moins d'un an", "1 an ou plus"…
count              ``nb_de`` / ``defm`` / ``demandeurs`` / ``effectif`` / ``nombre`` / ``valeur``
=================  =================================================================

A dimension that is absent, blank or "Ensemble"/"Total" is stored as ``total``;
values are normalised (``<25``, ``25-49``, ``50+``; ``<12m``, ``12m+``; ``sup``,
``bac``, ``cap-bep``, ``infra``); counts marked ``*``/``s`` are stored as NULL.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Iterator

from adequa.errors import InputError
from adequa.sources.bmo import (code, fap_nomenclature, norm_header, norm_text, parse_count, pick, raw_rows,
                                read_table)

LAYOUT = "defm-long-1"
TOTAL = "total"
LEVEL_COLUMNS = [("commune", ("commune", "code_commune", "depcom")),
                 ("bassin", ("be", "bassin", "code_bassin", "bassin_emploi")),
                 ("zone_emploi", ("ze", "zone_emploi", "code_ze", "ze2020")),
                 ("departement", ("dep", "dept", "departement", "code_departement")),
                 ("region", ("reg", "region", "code_region"))]
LEVEL_NAMES = {"france": "france", "fr": "france", "national": "france", "region": "region", "reg": "region",
               "departement": "departement", "dep": "departement", "bassin": "bassin", "be": "bassin",
               "bassin_emploi": "bassin", "zone_emploi": "zone_emploi", "ze": "zone_emploi", "commune": "commune"}
WIDTH = {"region": 2, "departement": 2, "bassin": 4, "zone_emploi": 4, "commune": 5}


# ---- dimension values -------------------------------------------------------------------------

def is_total(text: str) -> bool:
    return text in ("", "ensemble", "total", "tous", "toutes", "tout", "all", "abc_total", "nan")


def norm_sex(value) -> str:
    t = norm_text(value)
    if is_total(t):
        return TOTAL
    if t in ("f", "2", "femme", "femmes", "female", "women"):
        return "F"
    if t in ("h", "m", "1", "homme", "hommes", "male", "men"):
        return "H"
    raise ValueError(f"unknown sex {value!r} (expected F, H or Ensemble)")


def norm_age(value) -> str:
    t = norm_text(value)
    if is_total(t):
        return TOTAL
    nums = [int(n) for n in re.findall(r"\d+", t)]
    if not nums:
        raise ValueError(f"unknown age band {value!r}")
    if "moins" in t or t.startswith("<"):
        return f"<{nums[0]}"
    if "plus" in t or t.endswith("+") or "et +" in t or "ou +" in t:
        return f"{nums[0]}+"
    if len(nums) >= 2:
        return f"{nums[0]}-{nums[1]}"
    raise ValueError(f"unknown age band {value!r}")


def norm_seniority(value) -> str:
    """<12m / 12m+ when the band says less / more than a year; finer bands as '<Nm', 'N-Mm', 'Nm+'."""
    t = norm_text(value)
    if is_total(t):
        return TOTAL
    t = t.replace("d'un an", "1 an").replace("d un an", "1 an").replace("un an", "1 an")
    nums = [int(n) for n in re.findall(r"\d+", t)]
    if not nums:
        if "longue" in t:
            return "12m+"
        raise ValueError(f"unknown seniority band {value!r}")
    factor = 12 if "an" in t and "mois" not in t else 1
    months = [n * factor for n in nums]
    if "moins" in t or t.startswith("<"):
        return f"<{months[0]}m"
    if "plus" in t or "+" in t:
        return f"{months[0]}m+"
    if len(months) >= 2:
        return f"{months[0]}-{months[1]}m"
    raise ValueError(f"unknown seniority band {value!r}")


def norm_diploma(value) -> str:
    t = norm_text(value)
    if is_total(t):
        return TOTAL
    if any(k in t for k in ("sup", "bac+", "bac +", "licence", "master", "doctorat", "bts", "dut")) \
            or re.fullmatch(r"(niveau )?(i|ii|iii|5|6|7|8)", t):
        return "sup"
    if "bac" in t or re.fullmatch(r"(niveau )?(iv|4)", t):
        return "bac"
    if any(k in t for k in ("cap", "bep")) or re.fullmatch(r"(niveau )?(v|3)", t):
        return "cap-bep"
    if any(k in t for k in ("sans", "aucun", "infra", "brevet", "cep", "bepc", "vbis", "vi")) \
            or re.fullmatch(r"(niveau )?(1|2)", t):
        return "infra"
    raise ValueError(f"unknown diploma level {value!r} (expected supérieur, bac, CAP-BEP, sans diplôme…)")


def parse_period(value) -> tuple[str, date]:
    """(label, last day) of a month or quarter: '2024T1'/'2024Q1' -> ('2024Q1', 2024-03-31)."""
    if isinstance(value, date):
        value = value.isoformat()
    t = str(value or "").strip().upper().replace(" ", "")
    m = re.fullmatch(r"(\d{4})-?[TQ]([1-4])", t) or re.fullmatch(r"[TQ]([1-4])-?(\d{4})", t)
    if m:
        a, b = m.group(1), m.group(2)
        y, q = (int(a), int(b)) if len(a) == 4 else (int(b), int(a))
        return f"{y}Q{q}", _month_end(y, 3 * q)
    m = re.fullmatch(r"(\d{4})-(\d{2})(-\d{2})?(T.*)?", t) or None
    if m:
        y, mo = int(m.group(1)), int(m.group(2))
        return f"{y}-{mo:02d}", _month_end(y, mo)
    m = re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})", t)
    if m:
        y, mo = int(m.group(3)), int(m.group(2))
        return f"{y}-{mo:02d}", _month_end(y, mo)
    m = re.fullmatch(r"(\d{4})(\d{2})", t)
    if m and 1 <= int(m.group(2)) <= 12:
        return f"{m.group(1)}-{m.group(2)}", _month_end(int(m.group(1)), int(m.group(2)))
    raise ValueError(f"unknown period {value!r} (expected 2024T1, 2024Q1, 2024-03 or 31/03/2024)")


def _month_end(y: int, mo: int) -> date:
    from datetime import timedelta

    nxt = date(y + (mo == 12), mo % 12 + 1, 1)
    return nxt - timedelta(days=1)


def territory_of(row: dict, cols: dict, path: str, line: int,
                 names: dict[str, tuple[str, str]] | None = None) -> tuple[str, str]:
    """(level, code) of a long-table row; a région or département given by name ("Normandie") is found
    in ``names`` (normalised name -> (level, code))."""
    if cols.get("level_col"):
        level = LEVEL_NAMES.get(norm_text(row.get(cols["level_col"])).replace(" ", "_"))
        if level is None:
            raise InputError(f"unknown territory level {row.get(cols['level_col'])!r}", path=path, line=line,
                             field=cols["level_col"])
        if level == "france":
            return "france", "FR"
        c = code(row.get(cols["code_col"]), WIDTH.get(level, 0))
        if not c:
            raise InputError("empty territory code", path=path, line=line, field=cols["code_col"])
        return level, c
    for level, col in cols["level_cols"]:
        c = code(row.get(col), WIDTH.get(level, 0))
        if c and not is_total(norm_text(c)) and norm_text(c) not in _FRANCE:
            if names is not None and not any(ch.isdecimal() for ch in c) and len(c) > 3:
                found = names.get(norm_text(row.get(col)))
                if found is None:
                    raise InputError(f"unknown territory {row.get(col)!r} (give codes, or a name of a région or "
                                     "département)", path=path, line=line, field=col)
                return found
            return level, c
    return "france", "FR"


def territory_columns(row: dict) -> dict:
    return {"level_col": pick(row, "niveau_geo", "niveau", "niveau_geographique"),
            "code_col": pick(row, "code_geo", "code_territoire", "territoire", "codgeo"),
            "level_cols": [(lvl, c) for lvl, names in LEVEL_COLUMNS if (c := pick(row, *names))]}


def occupation_of(row: dict, col: str | None, nomenclature: str | None, year: int | None = None) -> tuple[str, str]:
    if col is None:
        return "all", TOTAL
    value = code(row.get(col))
    if not value or is_total(norm_text(value)):
        return "all", TOTAL
    if col in ("code_rome", "rome", "rome_code"):
        return nomenclature or "rome4", value
    return nomenclature or fap_nomenclature(value, year), value


# ---- the reader ---------------------------------------------------------------------------------

def read_job_seekers(path: str | Path, *, nomenclature: str | None = None, sheet: str | None = None,
                     period: str | None = None, layout: str | None = None,
                     territory_names: dict[str, tuple[str, str]] | None = None,
                     stats: dict | None = None) -> Iterator[dict]:
    """Yield ``job_seekers`` rows: layout ``defm-long-1`` (one row per cell, see the module docstring)
    or ``stmt-defm-series-2024`` (the publishers' series tables, :func:`read_job_seekers_series`);
    ``layout=None`` tells them apart from the header row."""
    layout = layout or detect_layout(path, sheet=sheet)
    if layout == WIDE_LAYOUT:
        yield from read_job_seekers_series(path, nomenclature=nomenclature, sheet=sheet,
                                           territory_names=territory_names, stats=stats)
        return
    if layout == BREAKDOWN_LAYOUT:
        yield from read_job_seekers_breakdown(path, nomenclature=nomenclature, sheet=sheet, period=period,
                                              territory_names=territory_names, stats=stats)
        return
    if layout != LAYOUT:
        raise InputError(f"unknown job-seeker layout {layout!r}; known: {LAYOUT}, {WIDE_LAYOUT}, {BREAKDOWN_LAYOUT}",
                         path=str(path), field="layout")
    path_s = str(path)
    cols = None
    for line, row in read_table(path, sheet=sheet):
        if cols is None:
            cols = {
                "period": pick(row, "periode", "trimestre", "mois", "date", "period"),
                "occ": pick(row, "code_rome", "rome", "rome_code", "code_fap", "fap", "fap2021", "fap2009"),
                "cat": pick(row, "categorie", "cat", "category"),
                "sex": pick(row, "sexe", "sex"),
                "age": pick(row, "tranche_age", "age", "tranche_d_age", "classe_age"),
                "dipl": pick(row, "niveau_formation", "diplome", "niveau_diplome", "niveau_de_formation"),
                "sen": pick(row, "anciennete", "anciennete_inscription", "anciennete_d_inscription"),
                "value": pick(row, "nb_de", "defm", "demandeurs", "effectif", "nombre", "valeur", "nb"),
                **territory_columns(row),
            }
            if not cols["value"]:
                raise InputError(f"no count column (nb_de, defm, effectif, nombre…); found {', '.join(list(row)[:14])}",
                                 path=path_s, line=1, field="nb_de")
            if not cols["period"] and not period:
                raise InputError("no period column (periode, trimestre, mois): pass --period", path=path_s, line=1,
                                 field="periode")
        c = cols
        field = None
        try:
            field = c["period"] or "periode"
            label, end = parse_period(row.get(c["period"]) if c["period"] else period)
            field = c["sex"]
            sex = norm_sex(row.get(c["sex"])) if c["sex"] else TOTAL
            field = c["age"]
            age = norm_age(row.get(c["age"])) if c["age"] else TOTAL
            field = c["dipl"]
            dipl = norm_diploma(row.get(c["dipl"])) if c["dipl"] else TOTAL
            field = c["sen"]
            sen = norm_seniority(row.get(c["sen"])) if c["sen"] else TOTAL
        except ValueError as exc:
            raise InputError(str(exc), path=path_s, line=line, field=field) from None
        level, terr = territory_of(row, c, path_s, line, territory_names)
        nomen, occ = occupation_of(row, c["occ"], nomenclature, end.year)
        cat = (str(row.get(c["cat"]) or "ABC").strip().upper().replace(" ", "").replace(",", "")
               if c["cat"] else "ABC")
        if cat in ("ENSEMBLE", "TOTAL"):
            cat = "ABC"
        yield {"period": label, "period_end": end, "level": level, "territory": terr, "nomenclature": nomen,
               "occupation": occ, "category": cat, "sex": sex, "age_band": age, "diploma": dipl,
               "seniority": sen,
               "job_seekers": parse_count(row.get(c["value"]), path=path_s, line=line, field=c["value"]),
               "layout": LAYOUT, "origin_file": path_s, "origin_line": line}


# ---- the publishers' own layout: series tables, one column per period ------------------------------

WIDE_LAYOUT = "stmt-defm-series-2024"
_FOOTNOTE = re.compile(r"^(source|sources|champ|note|notes|lecture|definition|definitions|remarque|\(|\*|nb ?:|"
                       r"donnees (brutes|cvs)|unite|en milliers|mise a jour|date de mise)", re.I)
_MONTHS = {"janv": 1, "jan": 1, "janvier": 1, "fevr": 2, "fev": 2, "fevrier": 2, "mars": 3, "mar": 3, "avr": 4,
           "avril": 4, "mai": 5, "juin": 6, "juil": 7, "juillet": 7, "aout": 8, "sept": 9, "sep": 9,
           "septembre": 9, "oct": 10, "octobre": 10, "nov": 11, "novembre": 11, "dec": 12, "decembre": 12}
# Dimension columns of the series tables, by their normalised title.
_WIDE_DIMS = {
    "region": ("reg", "region", "code_region", "code_reg", "nouvelle_region", "code_nouvelle_region"),
    "departement": ("dep", "dept", "departement", "code_departement", "code_dep"),
    "bassin": ("be", "bassin", "code_bassin", "bassin_d_emploi", "code_bassin_d_emploi", "code_bassin_emploi"),
    "zone_emploi": ("ze", "zone_emploi", "zone_d_emploi", "code_zone_d_emploi", "code_ze"),
    "commune": ("commune", "code_commune", "depcom"),
    "rome": ("rome", "code_rome", "metier_rome", "metier_recherche_rome", "code_metier_rome",
             "metier_recherche", "code_metier"),
    "fap": ("fap", "code_fap", "fap2021", "fap2009", "famille_professionnelle", "code_fap2021", "code_fap2009",
            "fap_87", "fap_225", "fap_341"),
    "category": ("categorie", "categories", "cat", "categorie_d_inscription", "categorie_de_demandeurs"),
    "sex": ("sexe", "genre"),
    "age": ("tranche_d_age", "tranche_age", "age", "classe_d_age", "tranche_d_ages"),
    "diploma": ("niveau_de_formation", "niveau_formation", "niveau_de_diplome", "diplome", "formation"),
    "seniority": ("anciennete_d_inscription", "anciennete_inscription", "anciennete", "anciennete_sur_les_listes",
                  "duree_d_inscription"),
    "qualification": ("niveau_de_qualification", "qualification"),
    "flow": ("indicateur", "flux", "mesure", "serie", "type_de_flux", "variable", "type_de_donnees"),
    "territory": ("territoire", "zone_geographique", "libelle_territoire", "libelle_geographique", "zone"),
}
_FRANCE = {"france", "france entiere", "france metropolitaine", "france hors mayotte", "ensemble", "total"}
_ALL_DIM_NAMES = {n for names in _WIDE_DIMS.values() for n in names}
_LONG_NAMES = {"niveau_geo", "code_geo", "nb_de", "defm", "demandeurs", "effectif", "nombre", "valeur"}
_CODE_IN_TEXT = re.compile(r"^\s*([A-Z][0-9A-Z]{1,2}[0-9]{0,2}[a-z]?|[A-N][0-9]{4}|[0-9]{1,5}|2[AB])\b")


def _is_footnote(cells: list, columns) -> bool:
    """A "Source : …" / "Champ : …" row: footnote text first and no value in the data columns
    (``columns``: (index, …) triples)."""
    first = cells[0] if cells else ""
    return isinstance(first, str) and bool(_FOOTNOTE.match(norm_text(first))) and \
        not any(cells[i] not in ("", None) for i, _, _ in columns if i < len(cells))


def period_header(value) -> tuple[str, date] | None:
    """(label, last day) when a column title names a quarter or a month, else None.

    Accepts the publishers' spellings: 2024T1, 2024-T1, T1 2024, "1er trimestre 2024",
    "2024 - 1er trimestre", 2024-03, 03/2024, "mars 2024", "mars-24", an Excel date (end of month).
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return None
    if isinstance(value, date):
        return parse_period(value.isoformat()[:7])
    t = norm_text(value).replace("trim.", "trimestre").replace("e trimestre", " trimestre")
    t = re.sub(r"\s+", " ", t.replace("er ", " ").replace("eme ", " ")).strip()
    m = re.fullmatch(r"(\d{4})\s*-?\s*[tq]\s*([1-4])", t) or re.fullmatch(r"[tq]\s*([1-4])\s*-?\s*(\d{4})", t)
    if m:
        a, b = m.groups()
        return parse_period(f"{a}Q{b}" if len(a) == 4 else f"{b}Q{a}")
    m = re.fullmatch(r"([1-4]) ?trimestre (\d{4})", t) or re.fullmatch(r"(\d{4}) ?-? ?([1-4]) ?trimestre", t)
    if m:
        a, b = m.groups()
        return parse_period(f"{b}Q{a}" if len(b) == 4 else f"{a}Q{b}")
    m = re.fullmatch(r"(\d{4})-(\d{2})", t) or None
    if m and 1 <= int(m.group(2)) <= 12:
        return parse_period(t)
    m = re.fullmatch(r"(\d{1,2})/(\d{4})", t)
    if m and 1 <= int(m.group(1)) <= 12:
        return parse_period(f"{m.group(2)}-{int(m.group(1)):02d}")
    m = re.fullmatch(r"([a-z]+)\.? ?-?(\d{4}|\d{2})", t)
    if m and m.group(1) in _MONTHS:
        y = int(m.group(2)) + (2000 if len(m.group(2)) == 2 else 0)
        return parse_period(f"{y}-{_MONTHS[m.group(1)]:02d}")
    return None


def _wide_diploma(value) -> str:
    t = norm_text(value)
    if is_total(t):
        return TOTAL
    if t.startswith(("inf", "infra", "sans", "aucun", "niveau inferieur")) or "inferieur au cap" in t:
        return "infra"
    if t.startswith(("sup", "bac +", "bac+")) or "superieur au bac" in t or "apres le bac" in t:
        return "sup"
    return norm_diploma(value)


def _category(value) -> str:
    t = norm_text(value).replace("categories", "").replace("categorie", "").replace("cat.", "").replace("cat", "")
    t = re.sub(r"[\s,;/+-]|et", "", t).upper()
    if t in ("", "ENSEMBLE", "TOTAL", "ABC", "ABCDE") or t == "TOTALABC":
        return "ABC" if t != "ABCDE" else "ABCDE"
    if re.fullmatch(r"[A-E]{1,5}", t):
        return t
    raise ValueError(f"unknown job-seeker category {value!r} (expected A, B, C, ABC, D, E)")


QUALIFICATIONS = ("manoeuvres-os", "ouvriers-qualifies", "employes-non-qualifies", "employes-qualifies",
                  "techniciens-agents-maitrise", "cadres", "non-precise")


def norm_qualification(value) -> str:
    """France Travail's qualification levels of the job sought (niveau de qualification)."""
    t = norm_text(value).replace("œ", "oe")
    if is_total(t):
        return TOTAL
    if "manoeuvre" in t or "manuvre" in t or "ouvriers specialises" in t or "o.s" in t or t in ("os", "mo"):
        return "manoeuvres-os"
    if "ouvrier" in t:
        return "ouvriers-non-qualifies" if "non qualifi" in t else "ouvriers-qualifies"
    if "employ" in t:
        return "employes-non-qualifies" if "non qualifi" in t else "employes-qualifies"
    if "technicien" in t or "maitrise" in t or "tam" == t:
        return "techniciens-agents-maitrise"
    if "cadre" in t or "ingenieur" in t:
        return "cadres"
    if "non precis" in t or "inconnu" in t or "non renseign" in t:
        return "non-precise"
    raise ValueError(f"unknown qualification level {value!r} (expected manœuvres, ouvriers (non) qualifiés, "
                     "employés (non) qualifiés, techniciens et agents de maîtrise, cadres)")


def norm_flow(value) -> str | None:
    """None for the stock (job seekers at the end of the period), ``entries`` or ``exits`` for flows."""
    t = norm_text(value)
    if is_total(t) or any(k in t for k in ("fin de", "stock", "inscrits", "defm", "demandeurs d'emploi",
                                             "demandeurs d emploi", "nombre de demandeurs")) and \
            not any(k in t for k in ("entree", "sortie")):
        return None
    if "entree" in t or "inscription" in t:
        return "entries"
    if "sortie" in t:
        return "exits"
    raise ValueError(f"unknown series {value!r} (expected job seekers at the end of the period, entries "
                     "(entrées) or exits (sorties))")


def _code_of(value, width: int = 0) -> str | None:
    """'M1811 - Data engineer' -> 'M1811'; '28 - Normandie' -> '28'; 14.0 -> '14'."""
    c = code(value, width)
    if c is None:
        return None
    m = _CODE_IN_TEXT.match(str(value).strip() if not isinstance(value, (int, float)) else c)
    out = m.group(1) if m else c
    if width and out.isdecimal() and len(out) < width:
        out = out.zfill(width)
    return out


def _title_category(titles: list[str]) -> str | None:
    for t in titles:
        n = norm_text(t)
        m = re.search(r"categories? ([a-e](?:\s*(?:,|et)\s*[a-e])*)\b", n)
        if m:
            return re.sub(r"[^a-e]", "", m.group(1)).upper()
    return None


def _place_and_occupation(cells: list, dims: dict[str, int], header: list[str], *, nomenclature: str | None,
                          year: int, territory_names: dict | None, path: str, line: int) -> tuple[str, str, str, str]:
    """(level, territory, nomenclature, occupation) of a publisher's table row: the finest territory column
    that holds a code (or a name found in ``territory_names``), and the ROME or FAP code."""
    def cell(key):
        i = dims.get(key)
        return cells[i] if i is not None and i < len(cells) else None

    level, terr = "france", "FR"
    for lvl in ("commune", "bassin", "zone_emploi", "departement", "region", "territory"):
        if lvl in dims:
            raw = cell(lvl)
            c = _code_of(raw, WIDTH.get(lvl, 0))
            if not c or is_total(norm_text(c)) or norm_text(raw) in _FRANCE:
                continue
            if lvl == "territory" or not any(ch.isdecimal() for ch in c) and len(c) > 3:
                # a name ("Normandie", "Calvados"), not a code
                found = (territory_names or {}).get(norm_text(raw))
                if found is None:
                    raise InputError(f"unknown territory {raw!r} (give codes, or a name of a région or "
                                     "département)", path=path, line=line, field=header[dims[lvl]])
                level, terr = found
            else:
                level, terr = lvl, c
            break
    nomen, occ = "all", TOTAL
    if "rome" in dims or "fap" in dims:
        key = "rome" if "rome" in dims else "fap"
        raw = cell(key)
        c = _code_of(raw)
        if c and not is_total(norm_text(raw)):
            occ = c
            nomen = (nomenclature or "rome4") if key == "rome" else (nomenclature or fap_nomenclature(c, year))
    return level, terr, nomen, occ


def read_job_seekers_series(path: str | Path, *, nomenclature: str | None = None, sheet: str | None = None,
                            territory_names: dict[str, tuple[str, str]] | None = None,
                            stats: dict | None = None, flows: bool = False,
                            qualifications: bool = False) -> Iterator[dict]:
    """Yield ``job_seekers`` rows from a publisher's series table (layout ``stmt-defm-series-2024``).

    The layout of the DARES / France Travail statistical tables of job seekers registered at the
    end of a month or quarter ("demandeurs d'emploi inscrits en fin de mois", STMT), as downloaded
    in CSV or XLSX: title rows, one header row, dimension columns (territory, métier ROME or FAP,
    category, sex, age band, training level, seniority of registration), then **one column per
    period** holding counts; footnote rows ("Source :", "Champ :", "Note :") after the data.
    Withheld or unavailable cells are "s", "nd", "-", "*" or blank (stored as NULL). A category
    named in the title ("catégories A, B, C") applies when there is no category column.
    Territories may be given by name (a "Région" or "Territoire" column holding "Normandie",
    "Calvados"): ``territory_names`` maps normalised names to (level, code).
    A series column ("Indicateur", "Flux"…) may mix the stock with **flows** ("Entrées", "Sorties"
    des listes): stock rows are yielded by default, flow rows with ``flows=True`` (table
    ``job_seeker_flows``; counted in ``stats["flow_rows"]`` otherwise).
    Rows broken down by qualification level (manœuvres … cadres) are yielded with
    ``qualifications=True`` only (table ``job_seeker_qualifications``; ``job_seekers`` has no such
    dimension), counted in ``stats["qualification_rows"]`` otherwise.
    """
    path_s = str(path)
    titles: list[str] = []
    header: list[str] | None = None
    periods: list[tuple[int, str, date]] = []
    dims: dict[str, int] = {}
    title_cat = None
    for line, cells in raw_rows(path, sheet=sheet):
        if header is None:
            found = [(i, p) for i, c in enumerate(cells) if (p := period_header(c))]
            names = [norm_header(c) if isinstance(c, str) else str(c) for c in cells]
            if found and any(n in _ALL_DIM_NAMES for n in names[:found[0][0]]):
                header = names
                periods = [(i, p[0], p[1]) for i, p in found]
                first_period = periods[0][0]
                for key, known in _WIDE_DIMS.items():
                    for i, h in enumerate(header[:first_period]):
                        if h in known and key not in dims:
                            dims[key] = i
                title_cat = _title_category(titles)
                continue
            titles.append(" ".join(str(c) for c in cells if c != ""))
            if line > 40:
                break
            continue
        first = cells[0] if cells else ""
        if _is_footnote(cells, periods):
            continue
        if isinstance(first, str) and _FOOTNOTE.match(norm_text(first)) and len([c for c in cells if c != ""]) == 1:
            continue

        def cell(key):
            i = dims.get(key)
            return cells[i] if i is not None and i < len(cells) else None

        field = None
        try:
            field = header[dims["sex"]] if "sex" in dims else None
            sex = norm_sex(cell("sex")) if "sex" in dims else TOTAL
            field = header[dims["age"]] if "age" in dims else None
            age = norm_age(cell("age")) if "age" in dims else TOTAL
            field = header[dims["diploma"]] if "diploma" in dims else None
            dipl = _wide_diploma(cell("diploma")) if "diploma" in dims else TOTAL
            field = header[dims["seniority"]] if "seniority" in dims else None
            sen = norm_seniority(cell("seniority")) if "seniority" in dims else TOTAL
            field = header[dims["category"]] if "category" in dims else None
            cat = _category(cell("category")) if "category" in dims else (title_cat or "ABC")
        except ValueError as exc:
            raise InputError(str(exc), path=path_s, line=line, field=field) from None
        flow = None
        if "flow" in dims:
            try:
                flow = norm_flow(cell("flow"))
            except ValueError as exc:
                raise InputError(str(exc), path=path_s, line=line, field=header[dims["flow"]]) from None
        if (flow is not None) != flows:
            if flow is not None and stats is not None:
                stats["flow_rows"] = stats.get("flow_rows", 0) + 1
            continue
        qual = TOTAL
        if "qualification" in dims:
            try:
                qual = norm_qualification(cell("qualification"))
            except ValueError as exc:
                raise InputError(str(exc), path=path_s, line=line, field=header[dims["qualification"]]) from None
        if (qual != TOTAL) != qualifications:
            if qual != TOTAL and stats is not None:
                stats["qualification_rows"] = stats.get("qualification_rows", 0) + 1
            continue
        if qualifications and (sex, age, dipl, sen) != (TOTAL, TOTAL, TOTAL, TOTAL):
            continue                  # qualification crossed with another breakdown: only margins are kept
        level, terr, nomen, occ = _place_and_occupation(cells, dims, header, nomenclature=nomenclature,
                                                        year=periods[0][2].year, territory_names=territory_names,
                                                        path=path_s, line=line)
        for i, label, end in periods:
            value = cells[i] if i < len(cells) else None
            if qualifications:
                yield {"period": label, "period_end": end, "level": level, "territory": terr, "nomenclature": nomen,
                       "occupation": occ, "category": cat, "qualification": qual,
                       "job_seekers": parse_count(value, path=path_s, line=line, field=header[i]),
                       "layout": WIDE_LAYOUT, "origin_file": path_s, "origin_line": line}
                continue
            if flows:
                yield {"period": label, "period_end": end, "level": level, "territory": terr, "nomenclature": nomen,
                       "occupation": occ, "category": cat, "flow": flow,
                       "value": parse_count(value, path=path_s, line=line, field=header[i]),
                       "layout": WIDE_LAYOUT, "origin_file": path_s, "origin_line": line}
                continue
            yield {"period": label, "period_end": end, "level": level, "territory": terr, "nomenclature": nomen,
                   "occupation": occ, "category": cat, "sex": sex, "age_band": age, "diploma": dipl,
                   "seniority": sen,
                   "job_seekers": parse_count(value, path=path_s, line=line, field=header[i]),
                   "layout": WIDE_LAYOUT, "origin_file": path_s, "origin_line": line}
    if header is None:
        raise InputError("no header row with period columns (2024T1, T1 2024, mars 2024…) in the first 40 rows",
                         path=path_s, line=1)


# ---- the publishers' other table shape: one column per breakdown, one period ------------------------

BREAKDOWN_LAYOUT = "stmt-defm-breakdown-2024"
_NOT_A_COUNT = ("part", "%", "evolution", "taux", "variation", "poids", "indice", "moyenne", "rang")


def breakdown_column(label) -> tuple[str, str] | None:
    """(dimension, value) a column title of a breakdown table stands for, or None.

    "Ensemble" / "Total" / "DEFM ABC" → ("total", "total"); "Femmes" → ("sex", "F"); "Moins de 25 ans" →
    ("age_band", "<25"); "Inscrits depuis un an ou plus" → ("seniority", "12m+"); "Supérieur au Bac" →
    ("diploma", "sup"); "Catégorie A" → ("category", "A"). Shares, changes and rates ("Part des femmes (%)",
    "Évolution sur un an") are not counts: None.
    """
    if not isinstance(label, str) or not label.strip():
        return None
    t = norm_text(label)
    if any(k in t for k in _NOT_A_COUNT):
        return None
    if t in ("ensemble", "total", "tous", "nombre", "effectif", "demandeurs d'emploi", "defm", "defm abc",
             "nombre de demandeurs d'emploi") or t.startswith(("ensemble des", "total ")):
        return ("total", TOTAL)
    if t in ("hommes", "homme", "femmes", "femme"):
        return ("sex", norm_sex(t))
    if re.search(r"\bans?\b", t) and not any(k in t for k in ("inscri", "depuis", "anciennete", "duree")):
        try:
            return ("age_band", norm_age(t))
        except ValueError:
            return None
    if any(k in t for k in ("inscri", "depuis", "anciennete", "longue duree", "duree d")):
        try:
            return ("seniority", norm_seniority(t.replace("inscrits ", "").replace("depuis ", "")))
        except ValueError:
            return None
    if re.fullmatch(r"cat(egorie|\.)? ?[a-e]", t):
        return ("category", t[-1].upper())
    if any(k in t for k in ("bac", "cap", "bep", "diplome", "superieur", "inferieur", "infra")):
        try:
            return ("diploma", _wide_diploma(t))
        except ValueError:
            return None
    return None


_BANDS = {"sex": ("F", "H"), "seniority": ("<12m", "12m+"), "age_band": ("<25", "25-49", "50+"),
          "diploma": ("sup", "bac", "cap-bep", "infra")}


def _complement(dim: str, given: set[str]) -> str | None:
    """The band of ``dim`` that ``given`` leaves out: the missing one, or ``autre`` ("the other bands
    together") when several are missing; None when nothing is missing or the bands are not the usual ones."""
    bands = _BANDS.get(dim)
    if not bands or not given <= set(bands):
        return None
    missing = [b for b in bands if b not in given]
    if not missing:
        return None
    return missing[0] if len(missing) == 1 else "autre"


def _title_period(titles: list[str]) -> tuple[str, date] | None:
    """A quarter or month named in the title rows ("au 1er trimestre 2024", "fin mars 2024", "31/03/2024")."""
    for text in titles:
        t = norm_text(text)
        m = re.search(r"([1-4])\s*(?:er|e|eme)?\s*trimestre\s*(\d{4})", t) or \
            re.search(r"\b[tq]([1-4])\s*-?\s*(\d{4})", t)
        if m:
            return parse_period(f"{m.group(2)}Q{m.group(1)}")
        m = re.search(r"\b(\d{4})\s*-?\s*[tq]([1-4])\b", t)
        if m:
            return parse_period(f"{m.group(1)}Q{m.group(2)}")
        m = re.search(r"(\d{2})/(\d{2})/(\d{4})", t)
        if m:
            return parse_period(m.group(0))
        for word in re.findall(r"([a-z]+)\.?\s+(\d{4})", t):
            if word[0] in _MONTHS:
                return parse_period(f"{word[1]}-{_MONTHS[word[0]]:02d}")
    return None


def read_job_seekers_breakdown(path: str | Path, *, nomenclature: str | None = None, sheet: str | None = None,
                               period: str | None = None, territory_names: dict[str, tuple[str, str]] | None = None,
                               stats: dict | None = None) -> Iterator[dict]:
    """Yield ``job_seekers`` rows from a table with **one column per breakdown** and a single period
    (layout ``stmt-defm-breakdown-2024``), the other shape of the DARES / France Travail tables:
    rows = territory and/or métier (ROME, FAP), columns = "Ensemble", "Hommes", "Femmes", "Moins de 25
    ans", "De 25 à 49 ans", "50 ans ou plus", "Inscrits depuis moins d'un an" / "depuis un an ou plus",
    training levels, "Catégorie A"…; the period is named in the title rows ("au 1er trimestre 2024", "fin
    mars 2024") or given with ``period``. Share or change columns ("Part des femmes (%)", "Évolution
    sur un an") are not counts and are left out (listed in ``stats["ignored_columns"]``).
    """
    path_s = str(path)
    titles: list[str] = []
    header: list[str] | None = None
    columns: list[tuple[int, str, str]] = []
    dims: dict[str, int] = {}
    when = parse_period(period) if period else None
    title_cat = None
    for line, cells in raw_rows(path, sheet=sheet):
        if header is None:
            found = [(i, b) for i, c in enumerate(cells) if (b := breakdown_column(c))]
            names = [norm_header(c) if isinstance(c, str) else str(c) for c in cells]
            if len(found) >= 2:
                header = names
                columns = [(i, d, v) for i, (d, v) in found]
                first = columns[0][0]
                for key, known in _WIDE_DIMS.items():
                    for i, h in enumerate(header[:first]):
                        if h in known and key not in dims:
                            dims[key] = i
                ignored = [str(c) for i, c in enumerate(cells) if i >= first and c not in ("", None)
                           and i not in {j for j, _, _ in columns}]
                if stats is not None and ignored:
                    stats["ignored_columns"] = ignored
                when = when or _title_period(titles)
                if when is None:
                    raise InputError("no period in the title rows (\"1er trimestre 2024\", \"mars 2024\"): pass "
                                     "--period", path=path_s, line=line, field="period")
                title_cat = _title_category(titles)
                continue
            titles.append(" ".join(str(c) for c in cells if c != ""))
            if line > 40:
                break
            continue
        if _is_footnote(cells, columns):
            continue
        level, terr, nomen, occ = _place_and_occupation(cells, dims, header, nomenclature=nomenclature,
                                                        year=when[1].year, territory_names=territory_names,
                                                        path=path_s, line=line)
        try:
            row_cat = _category(cells[dims["category"]]) if "category" in dims else (title_cat or "ABC")
        except ValueError as exc:
            raise InputError(str(exc), path=path_s, line=line, field=header[dims["category"]]) from None
        base = {"period": when[0], "period_end": when[1], "level": level, "territory": terr, "nomenclature": nomen,
                "occupation": occ, "layout": BREAKDOWN_LAYOUT, "origin_file": path_s, "origin_line": line}
        total = None
        given: dict[str, dict[str, float | None]] = {}
        for i, dim, value in columns:
            out = {"sex": TOTAL, "age_band": TOTAL, "diploma": TOTAL, "seniority": TOTAL}
            cat = row_cat
            if dim == "category":
                cat = value
            elif dim != "total":
                out[dim] = value
            n = parse_count(cells[i] if i < len(cells) else None, path=path_s, line=line, field=header[i])
            if dim == "total":
                total = n
            elif dim != "category":
                given.setdefault(dim, {})[value] = n
            yield {**base, "category": cat, **out, "job_seekers": n}
        # A table giving only some bands of a dimension ("Femmes", "Inscrits depuis un an ou plus") leaves the
        # rest implicit: the complement band is total − given bands, so that shares are taken over everyone.
        for dim, values in given.items():
            if total is None or any(v is None for v in values.values()):
                continue
            rest = total - sum(values.values())
            if rest < -(0.01 * total + 1):        # published counts are rounded: allow 1 %
                raise InputError(f"the {dim} columns add up to more than the total ({sum(values.values()):,.0f} > "
                                 f"{total:,.0f})", path=path_s, line=line, field=dim)
            band = _complement(dim, set(values))
            if band is None:
                continue
            out = {"sex": TOTAL, "age_band": TOTAL, "diploma": TOTAL, "seniority": TOTAL, dim: band}
            yield {**base, "category": row_cat, **out, "job_seekers": max(rest, 0.0),
                   "layout": f"{BREAKDOWN_LAYOUT}/complement"}
    if header is None:
        raise InputError("no header row with breakdown columns (Ensemble, Hommes, Femmes, Moins de 25 ans…) in the "
                         "first 40 rows", path=path_s, line=1)


def detect_layout(path: str | Path, *, sheet: str | None = None) -> str:
    """``stmt-defm-series-2024`` when the header row (within the first 40) has period titles as
    columns, ``stmt-defm-breakdown-2024`` when it has breakdown titles (Hommes, Femmes, Moins de 25
    ans…), ``defm-long-1`` when it has a period column (periode, trimestre, mois) or long names."""
    for line, cells in raw_rows(path, sheet=sheet):
        names = [norm_header(c) for c in cells if isinstance(c, str)]
        if any(n in ("periode", "trimestre", "mois", "date", "period") for n in names):
            return LAYOUT
        if any(period_header(c) for c in cells) and any(n in _ALL_DIM_NAMES for n in names):
            return WIDE_LAYOUT
        if sum(1 for c in cells if breakdown_column(c)) >= 2:
            return BREAKDOWN_LAYOUT
        if any(n in _ALL_DIM_NAMES or n in _LONG_NAMES for n in names):
            return LAYOUT
        if line > 40:
            break
    return LAYOUT
