"""Where an ad's job is: commune -> département -> région -> BMO bassin d'emploi.

``GeoResolver`` is pure: it is built from plain commune rows passed in by the
pipeline (read from the warehouse or the geography referential files) and
answers from memory. It resolves, in order of trust:

1. a commune INSEE code (``76540``): every level;
2. a postal code (``76000``): the département from its digits (Corsica 2A/2B,
   overseas 97x), and the commune when the rows give a postal-code mapping or
   when the postal code belongs to a single commune;
3. free text such as ``"76 - ROUEN"``, ``"Rouen (76)"``, ``"76000 Rouen"``,
   ``"92 - Hauts-de-Seine"``, ``"Rouen"`` or ``"Normandie"``: département from
   the number, commune by its folded name within it (or across France when the
   name is unique), région by name.

Without rows it still resolves départements and régions from codes (a static
table of the 101 départements), so ingestion works before referentials load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from adequa.normalise.clean import fold

__all__ = ["GeoResolver", "Location", "DEPARTEMENT_REGION", "REGION_NAMES", "departement_of_postal_code"]

_REGIONS = {
    "11": "75 77 78 91 92 93 94 95", "24": "18 28 36 37 41 45", "27": "21 25 39 58 70 71 89 90",
    "28": "14 27 50 61 76", "32": "02 59 60 62 80", "44": "08 10 51 52 54 55 57 67 68 88",
    "52": "44 49 53 72 85", "53": "22 29 35 56", "75": "16 17 19 23 24 33 40 47 64 79 86 87",
    "76": "09 11 12 30 31 32 34 46 48 65 66 81 82", "84": "01 03 07 15 26 38 42 43 63 69 73 74",
    "93": "04 05 06 13 83 84", "94": "2A 2B", "01": "971", "02": "972", "03": "973", "04": "974", "06": "976",
}
DEPARTEMENT_REGION: dict[str, str] = {d: r for r, deps in _REGIONS.items() for d in deps.split()}
REGION_NAMES = {
    "11": "Île-de-France", "24": "Centre-Val de Loire", "27": "Bourgogne-Franche-Comté", "28": "Normandie",
    "32": "Hauts-de-France", "44": "Grand Est", "52": "Pays de la Loire", "53": "Bretagne",
    "75": "Nouvelle-Aquitaine", "76": "Occitanie", "84": "Auvergne-Rhône-Alpes",
    "93": "Provence-Alpes-Côte d'Azur", "94": "Corse", "01": "Guadeloupe", "02": "Martinique", "03": "Guyane",
    "04": "La Réunion", "06": "Mayotte",
}
_REGION_BY_NAME = {fold(n): c for c, n in REGION_NAMES.items()} | {"PACA": "93", "IDF": "11", "REUNION": "04",
                                                                     "ILE DE FRANCE": "11", "CENTRE": "24"}
# Paris, Lyon and Marseille: arrondissement codes -> the commune.
_ARRONDISSEMENTS = [(range(75101, 75121), "75056"), (range(69381, 69390), "69123"), (range(13201, 13217), "13055")]


@dataclass(frozen=True)
class Location:
    commune: str | None = None
    postal_code: str | None = None
    departement: str | None = None
    region: str | None = None
    bassin: str | None = None
    method: str | None = None        # commune / postal_code / text / none


def departement_of_postal_code(postal_code: str) -> str | None:
    """Département of a French postal code: first two digits, 2A/2B for Corsica (20xxx), 97x overseas."""
    pc = postal_code.strip().replace(" ", "")
    if len(pc) == 4 and pc.isdecimal():
        pc = "0" + pc
    if len(pc) != 5 or not pc.isdecimal():
        return None
    if pc.startswith("20"):
        return "2A" if int(pc) < 20200 else "2B"
    if pc.startswith(("97", "98")):
        return pc[:3]
    if pc.startswith("00"):
        return None
    return pc[:2]


def _departement_of_commune(code: str) -> str:
    return code[:3] if code.startswith(("97", "98")) else code[:2]


_ALIASES = {
    "commune": ("commune", "code_commune", "codgeo", "CODE_COMMUNE_INSEE", "insee", "code_insee", "com"),
    "name": ("name", "label", "nom", "libelle", "NOMCOM", "libgeo", "nom_commune"),
    "departement": ("departement", "dep", "DEP", "code_departement"),
    "region": ("region", "reg", "REG", "code_region"),
    "bassin": ("bassin", "bassin_bmo", "BE19", "codbe", "BE25", "code_bassin"),
    "postal_code": ("postal_code", "code_postal", "codePostal", "cp"),
}


def _get(row: dict, field: str):
    for key in _ALIASES[field]:
        value = row.get(key)
        if value not in (None, ""):
            return str(value).strip()
    return None


_TEXT_CODE_FIRST = re.compile(r"^\s*(\d{2,3}|2[AB])\s*[-–:]\s*(.+?)\s*$", re.I)
_TEXT_CODE_LAST = re.compile(r"^\s*(.+?)\s*\(\s*(\d{2,3}|2[AB]|\d{5})\s*\)\s*$", re.I)
_TEXT_POSTAL = re.compile(r"^\s*(\d{5})\s+(.+?)\s*$|^\s*(.+?)\s+(\d{5})\s*$")
_ARR = re.compile(r"\s+(\d{1,2})(?:E|ER|EME)?(?:\s+ARRONDISSEMENT)?$")


_SAINT = re.compile(r"\bSAINT\b")
_SAINTE = re.compile(r"\bSAINTE\b")


def _name_keys(name: str) -> set[str]:
    """Folded spellings of a commune name: "Saint-Lô" -> {"SAINT LO", "ST LO"}."""
    base = fold(name)
    keys = {base}
    if "SAINT" in base:
        keys.add(_SAINTE.sub("STE", _SAINT.sub("ST", base)))
    for k in list(keys):
        if k.startswith(("L ", "LE ", "LA ", "LES ")):
            keys.add(k.split(" ", 1)[1])
    return keys


class GeoResolver:
    """Resolve ad locations from commune rows (see the module docstring).

    :param communes: rows with a commune INSEE code and, when known, name,
        département, région, BMO bassin and postal code (several key spellings
        are accepted, e.g. ``CODE_COMMUNE_INSEE``/``NOMCOM``/``DEP``/``REG``/``BE19``).
    """

    def __init__(self, communes: Iterable[dict] = ()):
        self.communes: dict[str, dict] = {}
        self._by_dep_name: dict[tuple[str, str], str] = {}
        self._by_name: dict[str, set[str]] = {}
        self._by_postal: dict[str, set[str]] = {}
        for row in communes:
            code = _get(row, "commune")
            if not code:
                continue
            code = code.zfill(5)
            entry = self.communes.setdefault(code, {"commune": code})
            for field in ("name", "departement", "region", "bassin"):
                value = _get(row, field)
                if value and not entry.get(field):
                    entry[field] = value.zfill(2) if field in ("departement", "region") and value.isdecimal() else value
            entry.setdefault("departement", _departement_of_commune(code))
            if not entry.get("region"):
                entry["region"] = DEPARTEMENT_REGION.get(entry["departement"])
            pcs = row.get("postal_codes")
            pcs = list(pcs) if isinstance(pcs, (list, tuple)) else [_get(row, "postal_code")]
            for pc in pcs:
                if pc:
                    self._by_postal.setdefault(str(pc).strip().zfill(5), set()).add(code)
        self._names_built = False
        self.resolve = lru_cache(maxsize=65536)(self._resolve)

    def _build_names(self) -> None:
        """Index of folded commune names, built on the first lookup by name."""
        for code, entry in self.communes.items():
            if entry.get("name"):
                for key in _name_keys(entry["name"]):
                    self._by_dep_name.setdefault((entry["departement"], key), code)
                    self._by_name.setdefault(key, set()).add(code)
        self._names_built = True

    def prepare(self) -> "GeoResolver":
        """Build the name index now (before forking workers, so that they share it instead of each building it)."""
        if not self._names_built:
            self._build_names()
        return self

    def __len__(self) -> int:
        return len(self.communes)

    # -- single levels ---------------------------------------------------------
    def _from_commune(self, code: str, postal_code: str | None, method: str) -> Location | None:
        code = code.strip().zfill(5)
        entry = self.communes.get(code)
        if entry is None and code.isdecimal():
            n = int(code)
            for arr, parent in _ARRONDISSEMENTS:
                if n in arr:
                    entry = self.communes.get(parent)
                    break
        if entry is None:
            if not re.fullmatch(r"\d{5}|2[AB]\d{3}", code):
                return None
            dep = _departement_of_commune(code)
            if dep not in DEPARTEMENT_REGION:
                return None
            return Location(code, postal_code, dep, DEPARTEMENT_REGION.get(dep), None, method)
        return Location(code, postal_code, entry["departement"], entry.get("region"), entry.get("bassin"), method)

    def _from_departement(self, dep: str, postal_code: str | None, method: str) -> Location:
        return Location(None, postal_code, dep, DEPARTEMENT_REGION.get(dep), None, method)

    def _commune_by_name(self, name: str, dep: str | None) -> str | None:
        if not self._names_built:
            self._build_names()
        keys = _name_keys(name)
        m = _ARR.search(fold(name))
        if m:   # "PARIS 15" / "Lyon 3e Arrondissement"
            keys |= _name_keys(fold(name)[: m.start()])
        for key in keys:
            if dep:
                code = self._by_dep_name.get((dep, key))
                if code:
                    return code
            else:
                codes = self._by_name.get(key)
                if codes and len(codes) == 1:
                    return next(iter(codes))
        return None

    # -- the resolver ----------------------------------------------------------
    def _resolve(self, commune: str | None = None, postal_code: str | None = None,
                 text: str | None = None) -> Location:
        postal_code = postal_code.strip().zfill(5) if postal_code and postal_code.strip().isdecimal() else (postal_code or None)
        if commune:
            loc = self._from_commune(commune, postal_code, "commune")
            if loc:
                return loc
        if postal_code:
            codes = self._by_postal.get(postal_code)
            if codes and len(codes) == 1:
                return self._from_commune(next(iter(codes)), postal_code, "postal_code")
            dep = departement_of_postal_code(postal_code)
            if dep and dep in DEPARTEMENT_REGION:
                if text:
                    name = _TEXT_CODE_FIRST.match(text)
                    code = self._commune_by_name(name.group(2) if name else text, dep)
                    if code:
                        return self._from_commune(code, postal_code, "postal_code")
                return self._from_departement(dep, postal_code, "postal_code")
        if text:
            return self._from_text(text, postal_code)
        return Location(method="none", postal_code=postal_code)

    def _from_text(self, text: str, postal_code: str | None) -> Location:
        dep = name = None
        m = _TEXT_CODE_FIRST.match(text)
        if m:
            dep, name = m.group(1).upper(), m.group(2)
        else:
            m = _TEXT_CODE_LAST.match(text)
            if m:
                name, dep = m.group(1), m.group(2).upper()
            else:
                m = _TEXT_POSTAL.match(text)
                if m:
                    pc = m.group(1) or m.group(4)
                    name = m.group(2) or m.group(3)
                    dep = departement_of_postal_code(pc)
                    postal_code = postal_code or pc
                else:
                    name = text
        if dep and len(dep) == 5:
            postal_code, dep = dep, departement_of_postal_code(dep)
        if dep and dep.isdecimal() and len(dep) == 1:
            dep = dep.zfill(2)
        if dep and dep not in DEPARTEMENT_REGION:
            dep = None
        if name:
            code = self._commune_by_name(name, dep)
            if code:
                return self._from_commune(code, postal_code, "text")
        if dep:
            return self._from_departement(dep, postal_code, "text")
        if name:
            region = _REGION_BY_NAME.get(fold(name))
            if region:
                return Location(None, postal_code, None, region, None, "text")
        return Location(method="none", postal_code=postal_code)
