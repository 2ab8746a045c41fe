"""France Travail's ESCO <-> ROME mapping (``FR_<date>_mapping_esco_rome.csv``) -> rows.

The file opens with ``key,value`` metadata lines (project name, versions: ESCO 1.0.9
occupations, ROME v3 appellations), a blank line, then the table::

    classification 1 ID,classification 1 prefered label,classification 2 ID,classification 2 prefered label,mapping relation

where ID 1 is an ESCO occupation URI, ID 2 a ROME appellation ``code_ogr`` (most are kept
in ROME 4.0), and the relation a SKOS match (exactMatch, closeMatch, broadMatch, narrowMatch).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterator

from adequa.errors import InputError, ReferentialError
from adequa.sources.readers import open_text

SOURCE = "ESCO - ROME mapping (France Travail)"
LICENCE = "Licence Ouverte / Etalab 2.0"
HEADER = ("classification 1 ID", "classification 2 ID", "mapping relation")
# How close each SKOS relation is, best first (used to order several ESCO occupations of one appellation).
RELATION_RANK = {"skos:exactMatch": 0, "skos:closeMatch": 1, "skos:narrowMatch": 2, "skos:broadMatch": 3}


def locate(folder: str | Path) -> Path:
    """The most recent ``FR_*_mapping_esco_rome.csv`` in ``folder`` (dates sort as text)."""
    folder = Path(folder)
    found = sorted(folder.glob("FR_*_mapping_esco_rome.csv")) if folder.is_dir() else []
    if not found:
        raise ReferentialError(f"{folder}: no FR_*_mapping_esco_rome.csv (ESCO-ROME crosswalk) found")
    return found[-1]


def read_mapping(path: str | Path) -> tuple[dict[str, str], Iterator[dict]]:
    """(metadata, rows) of one mapping file; rows are {esco_uri, esco_label, rome_ogr, rome_label, relation}."""
    path = Path(path)
    fh = open_text(path, "utf-8-sig")
    reader = csv.reader(fh)
    meta: dict[str, str] = {}
    header = None
    for row in reader:
        if row and row[0].strip().lower() == "classification 1 id":
            header = [c.strip() for c in row]
            break
        if len(row) >= 2 and row[0].strip():
            meta[row[0].strip()] = row[1].strip()
    if header is None:
        fh.close()
        raise InputError("no table header 'classification 1 ID,…' found", path=str(path), field="classification 1 ID")
    missing = [h for h in HEADER if h not in header]
    if missing:
        fh.close()
        raise InputError(f"missing column(s) {', '.join(missing)}", path=str(path), line=reader.line_num)
    i_uri, i_ogr, i_rel = (header.index(h) for h in HEADER)
    i_l1 = header.index("classification 1 prefered label") if "classification 1 prefered label" in header else None
    i_l2 = header.index("classification 2 prefered label") if "classification 2 prefered label" in header else None

    def rows() -> Iterator[dict]:
        with fh:
            for row in reader:
                if not row or not any(c.strip() for c in row):
                    continue
                if len(row) < len(header):
                    raise InputError(f"expected {len(header)} fields, got {len(row)}", path=str(path), line=reader.line_num)
                uri, ogr, rel = row[i_uri].strip(), row[i_ogr].strip(), row[i_rel].strip()
                if not uri.startswith("http"):
                    raise InputError(f"not an ESCO URI: {uri!r}", path=str(path), line=reader.line_num, field=HEADER[0])
                yield {"esco_uri": uri, "esco_label": row[i_l1] if i_l1 is not None else None, "rome_ogr": ogr,
                       "rome_label": row[i_l2] if i_l2 is not None else None, "relation": rel}

    return meta, rows()


def appellation_to_esco(path: str | Path) -> dict[str, list[str]]:
    """ROME appellation code_ogr -> ESCO occupation URIs, closest relation first."""
    _, rows = read_mapping(path)
    pairs: dict[str, list[tuple[int, str]]] = {}
    for r in rows:
        pairs.setdefault(r["rome_ogr"], []).append((RELATION_RANK.get(r["relation"], 9), r["esco_uri"]))
    return {ogr: [u for _, u in sorted(set(v))] for ogr, v in pairs.items()}
