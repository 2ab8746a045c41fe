"""Job seekers registered at France Travail (STMT): "demandeurs d'emploi en fin de mois" (DEFM).

Layout implemented: **DEFM par métier, long format** (Adequa name:
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
from adequa.sources.bmo import code, fap_nomenclature, norm_text, parse_count, pick, read_table

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


def territory_of(row: dict, cols: dict, path: str, line: int) -> tuple[str, str]:
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
        if c and not is_total(norm_text(c)):
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
                     period: str | None = None) -> Iterator[dict]:
    """Yield one ``job_seekers`` row per line (layout ``defm-long-1``); see the module docstring."""
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
        level, terr = territory_of(row, c, path_s, line)
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
