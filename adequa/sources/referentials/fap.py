"""FAP occupational families (DARES) and the ROME -> FAP crosswalks.

Files read, as published (found in a folder by their names, see ``locate``):

* the FAP-2021 nomenclature (``*nomenclature*fap2021*.csv``): ``;``-separated,
  UTF-8 with BOM, one row per detailed code with its 4 levels
  (FAP 22 -> 86/87 -> 228 -> 341);
* the DARES table de passage ROME v3 -> FAP-2021 (``*passage*rome*fap2021*``),
  either the CSV re-encoding kept in the mirror or the official DARES
  ``.xlsx`` when a user supplies it (columns found by their content);
* the DARES table FAP-2009 ; PCS-2003 ; ROME v3 (``*fap2009*pcs*rome*``): no
  header, blank cells repeat the previous value.

ROME 4.0 fiches are not in the DARES table; each fiche carries
``code_rome_parent``, its ROME v3 parent, through which the table is reached
(``method = "via-rome-v3-parent"``). See docs/crosswalks.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from adequa.errors import InputError, ReferentialError
from adequa.sources.referentials._csv import read_table as read_csv

SOURCE = "DARES (nomenclature FAP, tables de passage ROME/PCS/FAP)"
LICENCE = "Licence Ouverte / Etalab 2.0"

_FAP2021 = re.compile(r"^[A-Z][0-9A-Z][A-Z](\d\d[a-z]?)?$")
_FAP2009 = re.compile(r"^[A-Z]\d[A-Z]\d\d$")
_FAP2009_HEAD = re.compile(r"^[A-Z](\d[A-Z])?$")
_PCS = re.compile(r"^\d{3}[a-z]$")
_ROME = re.compile(r"^[A-N]\d{4}$")
_LEVELS = (("fap22", 1), ("fap86", 2), ("fap228", 3), ("fap341", 4))
_NOMENCLATURE_COLUMNS = ("Code FAP 22", "Intitulé FAP 22", "Code FAP 86", "Intitulé FAP 86",
                         "Code FAP 228", "Intitulé FAP 228", "Code FAP 341", "Intitulé FAP 341")


@dataclass(frozen=True)
class FapFiles:
    """The FAP files found in a folder (any may be None)."""

    folder: Path
    nomenclature: Path | None
    passage: Path | None        # DARES ROME v3 -> FAP-2021
    fap2009: Path | None        # FAP-2009 ; PCS ; ROME v3

    def all(self) -> list[Path]:
        return [p for p in (self.nomenclature, self.passage, self.fap2009) if p is not None]


def locate(folder: str | Path) -> FapFiles:
    """Find the FAP files in ``folder`` by their names (case-insensitive)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ReferentialError(f"{folder}: FAP folder not found (run `adequa data pull`)")
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        name = path.name.lower()
        if path.suffix.lower() not in (".csv", ".xlsx"):
            continue
        if "nomenclature" in name and "2021" in name:
            found.setdefault("nomenclature", path)
        elif "passage" in name and "rome" in name and "2021" in name:
            # The official xlsx wins over the re-encoded CSV when both are present.
            if path.suffix.lower() == ".xlsx" or "passage" not in found:
                found["passage"] = path
        elif "2009" in name and "pcs" in name and "rome" in name:
            found.setdefault("fap2009", path)
    if not found:
        raise ReferentialError(f"{folder}: no FAP files (expected *nomenclature*fap2021*.csv, "
                               "*passage*rome*fap2021*.csv|xlsx, *fap2009*pcs*rome*.csv)")
    return FapFiles(folder, found.get("nomenclature"), found.get("passage"), found.get("fap2009"))


def _files(folder_or_files: str | Path | FapFiles) -> FapFiles:
    return folder_or_files if isinstance(folder_or_files, FapFiles) else locate(folder_or_files)


# -- FAP-2021 nomenclature -------------------------------------------------------

def nomenclature(folder: str | Path | FapFiles) -> Iterator[dict]:
    """Every FAP-2021 code of the 4 levels: code, label, level (1-4), parent (the code one level up).

    A family not split at the detailed level (M2X90) is both a FAP 228 and a FAP 341
    code: it is yielded once per level, the level-4 row having itself as parent.
    """
    files = _files(folder)
    if files.nomenclature is None:
        raise ReferentialError(f"{files.folder}: FAP-2021 nomenclature file not found")
    path = files.nomenclature
    seen: set[tuple[int, str]] = set()
    for line, r in read_csv(path, delimiter=";", required=_NOMENCLATURE_COLUMNS):
        parent = None
        for (name, level), (code_col, label_col) in zip(_LEVELS, zip(_NOMENCLATURE_COLUMNS[::2], _NOMENCLATURE_COLUMNS[1::2])):
            code = r[code_col].strip()
            if not code:
                raise InputError("empty FAP code", path=str(path), line=line, field=code_col)
            if level > 1 and not _FAP2021.match(code):
                raise InputError(f"{code!r} is not a FAP-2021 code (such as M2X90 or M2X90a)",
                                 path=str(path), line=line, field=code_col)
            if (level, code) not in seen:
                seen.add((level, code))
                yield {"code": code, "label": r[label_col].strip(), "level": level, "parent": parent}
            parent = code


# -- DARES ROME v3 -> FAP-2021 -----------------------------------------------------

def passage_rows(folder: str | Path | FapFiles) -> Iterator[dict]:
    """Rows of the DARES ROME v3 -> FAP-2021 table, in file order.

    Yields ``rome_v3, fap2021 (detailed, FAP 341 level when given), fap2021_228,
    qualification (PCS qualification digits, "" = every level), line``.
    """
    files = _files(folder)
    if files.passage is None:
        raise ReferentialError(f"{files.folder}: DARES table de passage ROME -> FAP-2021 not found")
    path = files.passage
    if path.suffix.lower() == ".xlsx":
        yield from _passage_xlsx(path)
        return
    for line, r in read_csv(path, required=("code_rome", "code_fap2021_detaille")):
        rome = r["code_rome"].strip()
        fap = r["code_fap2021_detaille"].strip()
        if not _ROME.match(rome):
            raise InputError(f"{rome!r} is not a ROME code (such as M1805)", path=str(path), line=line, field="code_rome")
        if not _FAP2021.match(fap):
            raise InputError(f"{fap!r} is not a FAP-2021 code (such as M2X90)", path=str(path), line=line,
                             field="code_fap2021_detaille")
        quals = (r.get("qualification_values") or "").replace(" ", "")
        if not quals and r.get("qualification_code", "").startswith("Q_"):
            quals = r["qualification_code"][2:]
        yield {"rome_v3": rome, "fap2021": fap, "fap2021_228": (r.get("code_fap2021") or fap[:5]).strip(),
               "qualification": quals, "line": line}


def _passage_xlsx(path: Path) -> Iterator[dict]:
    """The official DARES workbook: columns are recognised by their values, not their titles."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds
        raise InputError(f"cannot read the workbook ({exc})", path=str(path)) from exc
    try:
        for ws in wb.worksheets:
            rows = ws.iter_rows(values_only=True)
            header: list[str] | None = None
            rome_col = fap_col = qual_col = None
            for number, values in enumerate(rows, start=1):
                cells = ["" if v is None else str(v).strip() for v in values]
                if rome_col is None:
                    romes = [i for i, c in enumerate(cells) if _ROME.match(c)]
                    faps = [i for i, c in enumerate(cells) if _FAP2021.match(c) and len(c) >= 5]
                    if romes and faps:
                        rome_col, fap_col = romes[0], faps[-1]   # the most detailed FAP column is the last
                        if header:
                            qual_col = next((i for i, h in enumerate(header) if "qualif" in h.lower()), None)
                    else:
                        header = cells
                        continue
                if rome_col >= len(cells) or not _ROME.match(cells[rome_col]):
                    continue
                fap = cells[fap_col] if fap_col < len(cells) else ""
                if not _FAP2021.match(fap):
                    raise InputError(f"{fap!r} is not a FAP-2021 code", path=str(path), line=number,
                                     field=(header or [""] * (fap_col + 1))[fap_col] or f"column {fap_col + 1}")
                quals = re.sub(r"\D", "", cells[qual_col]) if qual_col is not None and qual_col < len(cells) else ""
                yield {"rome_v3": cells[rome_col], "fap2021": fap, "fap2021_228": fap[:5], "qualification": quals,
                       "line": number}
            if rome_col is not None:
                return
        raise InputError("no sheet with ROME and FAP-2021 codes", path=str(path))
    finally:
        wb.close()


# -- FAP-2009 ; PCS ; ROME v3 --------------------------------------------------------

def _fap2009_lines(path: Path) -> Iterator[tuple[int, list[str]]]:
    import csv

    from adequa.sources.readers import open_text

    with open_text(path, "utf-8-sig") as fh:
        reader = csv.reader(fh, delimiter=";")
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                raise InputError(f"not valid UTF-8 text ({exc.reason})", path=str(path), line=reader.line_num + 1) from exc
            except csv.Error as exc:
                raise InputError(f"malformed CSV ({exc})", path=str(path), line=reader.line_num) from exc
            yield reader.line_num, [f.strip() for f in fields] + [""] * (3 - len(fields))


def fap2009_pcs_rome3(folder: str | Path | FapFiles) -> Iterator[dict]:
    """Rows (fap2009, pcs, rome_v3) of the DARES FAP-2009 table, blanks filled down.

    The published file has no header; a blank FAP or PCS cell repeats the value
    above; a row with neither PCS nor ROME (``;;``) only separates families.
    Heading rows (domain ``A``, family ``A0Z`` with its label) and footnotes
    (free text in the first cell) are skipped here; ``fap2009_labels`` reads
    the headings.
    """
    files = _files(folder)
    if files.fap2009 is None:
        raise ReferentialError(f"{files.folder}: FAP-2009 ; PCS ; ROME v3 table not found")
    path = files.fap2009
    fap = pcs = None
    for line, (f, p, rome, *_rest) in _fap2009_lines(path):
        if f:
            if not _FAP2009.match(f):
                if not _FAP2009_HEAD.match(f):
                    continue                      # a footnote
                fap = pcs = None                  # a heading: a new domain or family starts
                continue
            fap, pcs = f, None
        if p:
            pcs = p
        if not p and not rome:
            continue
        if fap is None:
            raise InputError("row before any FAP-2009 code", path=str(path), line=line, field="column 1 (FAP-2009)")
        if rome and not _ROME.match(rome):
            raise InputError(f"{rome!r} is not a ROME v3 code (such as M1805)", path=str(path), line=line,
                             field="column 3 (ROME v3)")
        if p and not _PCS.match(p):
            raise InputError(f"{p!r} is not a PCS-2003 code (such as 388a)", path=str(path), line=line,
                             field="column 2 (PCS)")
        yield {"fap2009": fap, "pcs": pcs, "rome_v3": rome or None, "line": line}


def fap2009_labels(folder: str | Path | FapFiles) -> Iterator[dict]:
    """FAP-2009 domains (level 1, ``A``) and families (level 2, ``A0Z``) with their labels,
    as given by the heading rows of the FAP-2009 ; PCS ; ROME table (no labels there for the
    detailed level-3 codes, which are listed with label None)."""
    files = _files(folder)
    if files.fap2009 is None:
        raise ReferentialError(f"{files.folder}: FAP-2009 ; PCS ; ROME v3 table not found")
    seen: set[str] = set()
    for _line, (f, p, *_rest) in _fap2009_lines(files.fap2009):
        if f in seen or not f:
            continue
        if _FAP2009_HEAD.match(f):
            seen.add(f)
            label = re.sub(r"\s*\*+$", "", p).strip() or None
            yield {"code": f, "label": label, "level": 1 if len(f) == 1 else 2, "parent": f[0] if len(f) == 3 else None}
        elif _FAP2009.match(f):
            seen.add(f)
            yield {"code": f, "label": None, "level": 3, "parent": f[:3]}


# -- ROME 4.0 -> FAP --------------------------------------------------------------

def _width(qualification: str) -> int:
    """How many PCS qualification levels a passage row covers ('' = all ten)."""
    return 10 if not qualification else len(set(qualification))


def passage_index(folder: str | Path | FapFiles) -> dict[str, list[dict]]:
    """ROME v3 code -> its DARES rows, in file order."""
    index: dict[str, list[dict]] = {}
    for row in passage_rows(folder):
        index.setdefault(row["rome_v3"], []).append(row)
    return index


def choose(rows: list[dict], qualification: str | None = None) -> dict | None:
    """The DARES row to use for one ROME v3 code.

    With ``qualification`` (a PCS qualification digit, "9" for ingénieurs et
    cadres) the first row covering it; otherwise the most general row, i.e.
    the one covering the most qualification levels (a row without
    qualification covers all), the first in file order on a tie.
    """
    if not rows:
        return None
    if qualification:
        for row in rows:
            if not row["qualification"] or qualification in row["qualification"]:
                return row
    best = rows[0]
    for row in rows[1:]:
        if _width(row["qualification"]) > _width(best["qualification"]):
            best = row
    return best


def fap2009_index(folder: str | Path | FapFiles) -> dict[str, str]:
    """ROME v3 code -> FAP-2009 code (the first family listing the code)."""
    index: dict[str, str] = {}
    for row in fap2009_pcs_rome3(folder):
        if row["rome_v3"]:
            index.setdefault(row["rome_v3"], row["fap2009"])
    return index


def crosswalk(fiches: list[dict], passage: dict[str, list[dict]], fap2009: dict[str, str]) -> Iterator[dict]:
    """ROME 4.0 fiches -> every candidate FAP-2021 row, with a share and the primary flag.

    ``fiches`` are dicts with ``code_rome`` and ``code_rome_parent``. One row
    per (fiche, FAP-2021 code); ``share`` is the fraction of the v3 code's DARES
    rows that give this FAP code; ``primary`` marks the one ``choose`` picks.
    Fiches whose parent is not in the table get one row with ``fap2021`` None.
    """
    for fiche in fiches:
        code = fiche["code_rome"]
        parent = fiche.get("code_rome_parent") or code
        if code in passage:
            v3, method = code, "dares-table"
        elif parent in passage:
            v3, method = parent, "via-rome-v3-parent"
        else:
            v3, method = parent, "none"
        rows = passage.get(v3, [])
        f2009 = fap2009.get(v3)
        if not rows:
            yield {"code_rome": code, "rome_v3": v3, "fap2021": None, "fap2009": f2009, "method": method,
                   "qualification": None, "share": None, "primary": True}
            continue
        primary = choose(rows)
        counts: dict[str, int] = {}
        quals: dict[str, list[str]] = {}
        for row in rows:
            counts[row["fap2021"]] = counts.get(row["fap2021"], 0) + 1
            quals.setdefault(row["fap2021"], []).append(row["qualification"])
        for fap, n in counts.items():
            yield {"code_rome": code, "rome_v3": v3, "fap2021": fap, "fap2009": f2009, "method": method,
                   "qualification": "|".join(q or "*" for q in quals[fap]), "share": n / len(rows),
                   "primary": fap == primary["fap2021"]}


def rome_to_fap(rome_folder_or_export, fap_folder: str | Path | FapFiles, *,
                qualification: str | None = None) -> dict[str, dict]:
    """ROME 4.0 fiche code -> ``{"fap2021", "fap2009", "method", "rome_v3"}``.

    ``rome_folder_or_export`` is a RefRomeCsv folder or a ``rome.locate`` result.
    Each fiche goes to its ROME v3 parent (itself for fiches that existed in
    v3), then to the DARES ROME -> FAP-2021 table (``choose``: the most general
    row, or the one for ``qualification``) and to the FAP-2009 table.
    ``method`` is "dares-table" when the fiche's own code is in the table,
    "via-rome-v3-parent" when only its parent is, "none" otherwise.
    """
    from adequa.sources.referentials import rome

    export = rome_folder_or_export if isinstance(rome_folder_or_export, rome.RomeExport) else rome.locate(rome_folder_or_export)
    files = _files(fap_folder)
    passage = passage_index(files)
    f2009 = fap2009_index(files) if files.fap2009 else {}
    out: dict[str, dict] = {}
    for fiche in rome.fiches(export):
        code = fiche["code_rome"]
        parent = fiche.get("code_rome_parent") or code
        v3 = code if code in passage else parent
        method = "dares-table" if code in passage else ("via-rome-v3-parent" if parent in passage else "none")
        row = choose(passage.get(v3, []), qualification)
        out[code] = {"fap2021": row["fap2021"] if row else None, "fap2009": f2009.get(v3), "method": method,
                     "rome_v3": v3}
    return out
