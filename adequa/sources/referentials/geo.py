"""French territories: commune -> département -> région, BMO bassins d'emploi,
INSEE zones d'emploi, and GeoJSON outlines.

Files read from one folder, as published, found by their names (``locate``):

* ``*lexique*bassins*bmo<YYYY>*.csv`` (France Travail): commune code and name,
  département, région, BMO bassin (code and name);
* ``*Bassin_Emploi_<YYYY>*.csv`` (France Travail): commune -> BMO bassin of that year;
* ``*Zones_Emploi_<YYYY>*.csv`` (INSEE): commune -> zone d'emploi;
* ``*region_<YYYY>*.csv`` (INSEE COG): région codes and names;
* ``**/*.geojson``: outlines; the level (région, département, commune) is read
  from the file name, code and label from the ``code``/``nom`` properties.

Some publishers drop leading zeros (``1001`` for commune ``01001``, ``1`` for
région ``01``): codes are re-padded. No file maps postal codes to communes:
``departement_from_postal_code`` gives the département from a postal code's
first digits (the fallback rule, documented in docs/referentials.md).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from adequa.errors import InputError, ReferentialError
from adequa.sources.referentials._csv import read_table as read_csv

SOURCE = "INSEE (COG, zones d'emploi), France Travail (bassins BMO), IGN Admin Express via france-geojson"
LICENCE = "Licence Ouverte / Etalab 2.0"

_YEAR = re.compile(r"(?:19|20)\d\d")
_COMMUNE = re.compile(r"^(\d{5}|2[AB]\d{3})$")

# Overseas départements are missing from the national outline file; their names are
# part of the official geographic code (COG) and do not change.
OVERSEAS = {"971": "Guadeloupe", "972": "Martinique", "973": "Guyane", "974": "La Réunion", "975": "Saint-Pierre-et-Miquelon",
            "976": "Mayotte", "977": "Saint-Barthélemy", "978": "Saint-Martin"}


@dataclass
class GeoFiles:
    folder: Path
    lexique: Path | None = None          # commune, name, département, région, bassin (older year)
    bassins: Path | None = None          # commune -> bassin (newer year)
    zones: Path | None = None            # commune -> zone d'emploi
    regions: Path | None = None          # INSEE régions
    shapes: list[Path] = field(default_factory=list)
    years: dict[str, str] = field(default_factory=dict)

    @property
    def version(self) -> str:
        """One version for the geographic tables, naming the year of every file read,
        e.g. ``bmo2019-be2021-ze2020-reg2022``."""
        order = ("bmo", "be", "ze", "reg")
        return "-".join(f"{k}{self.years[k]}" for k in order if k in self.years) or "unknown"

    def all(self) -> list[Path]:
        return [p for p in (self.lexique, self.bassins, self.zones, self.regions) if p] + self.shapes


def _year(path: Path) -> str | None:
    found = _YEAR.findall(path.stem)
    return found[-1] if found else None


def locate(folder: str | Path) -> GeoFiles:
    folder = Path(folder)
    if not folder.is_dir():
        raise ReferentialError(f"{folder}: geography folder not found (run `adequa data pull`)")
    files = GeoFiles(folder)
    for path in sorted(folder.iterdir()):
        name = path.name.lower()
        if path.suffix.lower() != ".csv":
            continue
        if "lexique" in name and "bassin" in name:
            files.lexique, files.years["bmo"] = path, _year(path) or "?"
        elif "bassin" in name:
            # Several years supplied: the newest wins.
            if files.bassins is None or (_year(path) or "") > files.years.get("be", ""):
                files.bassins, files.years["be"] = path, _year(path) or "?"
        elif "zone" in name and "emploi" in name:
            if files.zones is None or (_year(path) or "") > files.years.get("ze", ""):
                files.zones, files.years["ze"] = path, _year(path) or "?"
        elif "region" in name:
            files.regions, files.years["reg"] = path, _year(path) or "?"
    files.shapes = sorted(folder.rglob("*.geojson"))
    if not (files.lexique or files.bassins or files.zones or files.regions or files.shapes):
        raise ReferentialError(f"{folder}: no geography files (expected bassin, zone d'emploi, région CSVs or GeoJSON)")
    return files


def _files(folder) -> GeoFiles:
    return folder if isinstance(folder, GeoFiles) else locate(folder)


# -- codes -------------------------------------------------------------------------

def pad_commune(code: str) -> str:
    """``1001`` -> ``01001``; Corsican ``2A004`` kept."""
    code = code.strip()
    return code.zfill(5) if code.isdecimal() else code


def pad_region(code: str) -> str:
    code = code.strip()
    return code.zfill(2) if code.isdecimal() else code


def departement_of_commune(commune: str) -> str:
    """The département of an INSEE commune code: 3 digits overseas (97x), else 2 (2A/2B in Corsica)."""
    commune = pad_commune(commune)
    return commune[:3] if commune.startswith("97") else commune[:2]


def departement_from_postal_code(postal_code: str | None) -> str | None:
    """The département of a French postal code, or None when it cannot be told.

    The first two digits give the département, except in Corsica (``20000``-``20199``
    -> 2A, ``20200``-``20999`` -> 2B) and overseas (``971``..``976``: three digits).
    ``98xxx`` (Monaco, overseas collectivities) gives None. Postal codes cross
    département borders in a few places; the commune code is better when known.
    """
    if not postal_code:
        return None
    cp = re.sub(r"\s", "", str(postal_code))
    if len(cp) == 4 and cp.isdecimal():
        cp = "0" + cp                   # a dropped leading zero
    if len(cp) != 5 or not cp.isdecimal() or cp.startswith("00"):
        return None
    if cp.startswith("20"):
        return "2A" if int(cp) < 20200 else "2B"
    if cp.startswith("97"):
        return cp[:3] if cp[:3] in OVERSEAS else None
    if cp.startswith(("98", "99")):
        return None
    return cp[:2]


def _check_commune(code: str, path: Path, line: int, column: str) -> str:
    code = pad_commune(code)
    if not _COMMUNE.match(code):
        raise InputError(f"{code!r} is not an INSEE commune code (such as 76540 or 2A004)", path=str(path),
                         line=line, field=column)
    return code


# -- readers ---------------------------------------------------------------------------

def regions(folder) -> Iterator[dict]:
    files = _files(folder)
    if files.regions is None:
        raise ReferentialError(f"{files.folder}: INSEE région file not found")
    for line, r in read_csv(files.regions, required=("REG", "LIBELLE")):
        yield {"code": pad_region(r["REG"]), "label": r["LIBELLE"].strip()}


def _lexique(files: GeoFiles) -> dict[str, dict]:
    out: dict[str, dict] = {}
    if files.lexique is None:
        return out
    path = files.lexique
    bcol = ncol = None
    first = True
    for line, r in read_csv(path, required=("CODE_COMMUNE_INSEE", "DEP", "REG", "NOMCOM")):
        code = _check_commune(r["CODE_COMMUNE_INSEE"], path, line, "CODE_COMMUNE_INSEE")
        if first:
            first = False
            bcol = next((c for c in r if c.upper().startswith("BE") and c[2:].isdecimal()), None)
            ncol = next((c for c in r if c.upper().startswith("NOMBE")), None)
        out[code] = {"label": r["NOMCOM"].strip(), "departement": r["DEP"].strip().zfill(2),
                     "region": pad_region(r["REG"]), "bassin": (r[bcol].strip() if bcol else None) or None,
                     "bassin_label": (r[ncol].strip() if ncol else None) or None}
    return out


def _bassins(files: GeoFiles) -> dict[str, dict]:
    out: dict[str, dict] = {}
    if files.bassins is None:
        return out
    path = files.bassins
    for line, r in read_csv(path, required=("codgeo", "codbe", "libbe")):
        code = _check_commune(r["codgeo"], path, line, "codgeo")
        out[code] = {"bassin": r["codbe"].strip(), "bassin_label": r["libbe"].strip(),
                     "region": pad_region(r.get("reg", "")) or None}
    return out


def _zones(files: GeoFiles) -> dict[str, dict]:
    out: dict[str, dict] = {}
    if files.zones is None:
        return out
    path = files.zones
    head = next(read_csv(path), (0, {}))[1]
    zcol = next((c for c in head if c.lower().startswith("codze")), None)
    lcol = next((c for c in head if c.lower().startswith("libze")), None)
    if zcol is None:
        raise InputError("missing column codzeYYYY (zone d'emploi code)", path=str(path), line=1, field="codze")
    for line, r in read_csv(path, required=("codgeo", "libgeo")):
        if not r["codgeo"].strip():
            continue                            # the publisher's trailing empty row
        code = _check_commune(r["codgeo"], path, line, "codgeo")
        out[code] = {"label": r["libgeo"].strip(), "zone_emploi": r[zcol].strip() or None,
                     "zone_emploi_label": (r[lcol].strip() if lcol else "") or None}
    return out


def communes(folder) -> Iterator[dict]:
    """Every commune found in any file: code, label, postal_codes (None: no file has them),
    département, région, BMO bassin (newest year supplied) and zone d'emploi."""
    files = _files(folder)
    lex, bas, zon = _lexique(files), _bassins(files), _zones(files)
    if not (lex or bas or zon):
        raise ReferentialError(f"{files.folder}: no commune file (bassins or zones d'emploi)")
    bassin_year = files.years.get("be") if bas else files.years.get("bmo")
    for code in sorted(set(lex) | set(bas) | set(zon)):
        l, b, z = lex.get(code, {}), bas.get(code, {}), zon.get(code, {})
        bassin = b.get("bassin") or l.get("bassin")
        yield {"commune": code, "label": l.get("label") or z.get("label"), "postal_codes": None,
               "departement": l.get("departement") or departement_of_commune(code),
               "region": l.get("region") or b.get("region"),
               "bassin": bassin, "bassin_label": b.get("bassin_label") or l.get("bassin_label"),
               "bassin_year": bassin_year if b.get("bassin") else files.years.get("bmo"),
               "zone_emploi": z.get("zone_emploi"), "zone_emploi_label": z.get("zone_emploi_label")}


def _shape_labels(files: GeoFiles, level: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for row in shapes(files, with_geometry=False):
        if row["level"] == level and row["label"]:
            out.setdefault(row["code"], row["label"])
    return out


def departements(folder, commune_rows: list[dict] | None = None) -> Iterator[dict]:
    """Départements: code, label (from the outlines, overseas names built in), région (the
    région of their communes)."""
    files = _files(folder)
    rows = commune_rows if commune_rows is not None else list(communes(files))
    region: dict[str, Counter] = {}
    for r in rows:
        if r["region"]:
            region.setdefault(r["departement"], Counter())[r["region"]] += 1
    shape_labels = _shape_labels(files, "departement")
    labels = {**OVERSEAS, **shape_labels}
    for code in sorted(set(region) | set(shape_labels)):
        reg = region.get(code)
        yield {"code": code, "label": labels.get(code), "region": reg.most_common(1)[0][0] if reg else None}


def bassins(folder, commune_rows: list[dict] | None = None) -> Iterator[dict]:
    """BMO bassins d'emploi: code, label, département and région (those of most of their communes)."""
    files = _files(folder)
    rows = commune_rows if commune_rows is not None else list(communes(files))
    info: dict[str, dict] = {}
    for r in rows:
        if not r["bassin"]:
            continue
        b = info.setdefault(r["bassin"], {"label": r["bassin_label"], "dep": Counter(), "reg": Counter()})
        b["dep"][r["departement"]] += 1
        if r["region"]:
            b["reg"][r["region"]] += 1
    for code in sorted(info):
        b = info[code]
        yield {"code": code, "label": b["label"], "departement": b["dep"].most_common(1)[0][0],
               "region": b["reg"].most_common(1)[0][0] if b["reg"] else None}


def zones_emploi(folder, commune_rows: list[dict] | None = None) -> Iterator[dict]:
    files = _files(folder)
    rows = commune_rows if commune_rows is not None else list(communes(files))
    seen: dict[str, str | None] = {}
    for r in rows:
        if r["zone_emploi"]:
            seen.setdefault(r["zone_emploi"], r["zone_emploi_label"])
    for code in sorted(seen):
        yield {"code": code, "label": seen[code]}


def _level(path: Path) -> str | None:
    name = path.stem.lower()
    for prefix, level in (("communes", "commune"), ("commune", "commune"), ("departement", "departement"),
                          ("region", "region")):
        if name.startswith(prefix):
            return level
    return None


def shapes(folder, *, with_geometry: bool = True) -> Iterator[dict]:
    """Outlines: level, code, label, geojson (one Feature as a JSON string), file.

    The same territory may come from several files (France-wide simplified
    outlines and a detailed regional set): every one is yielded, in path order;
    the loader keeps the last, i.e. the regional sub-folder's detailed outline.
    """
    files = _files(folder)
    for path in files.shapes:
        level = _level(path)
        if level is None:
            continue
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError(f"malformed GeoJSON ({exc.msg})", path=str(path), line=exc.lineno) from exc
        except UnicodeDecodeError as exc:
            raise InputError(f"not valid UTF-8 ({exc.reason})", path=str(path)) from exc
        features = doc.get("features") if doc.get("type") == "FeatureCollection" else [doc]
        if not isinstance(features, list):
            raise InputError("expected a GeoJSON Feature or FeatureCollection", path=str(path))
        for number, feat in enumerate(features, start=1):
            props = feat.get("properties") or {}
            code = str(props.get("code") or "").strip()
            if not code:
                raise InputError("feature without a 'code' property", path=str(path), record=str(number), field="code")
            row = {"level": level, "code": code, "label": props.get("nom") or props.get("name"), "file": path.name}
            if with_geometry:
                row["geojson"] = json.dumps(feat, separators=(",", ":"), ensure_ascii=False)
            yield row
