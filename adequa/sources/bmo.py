"""BMO: France Travail's "Besoins en main-d'œuvre" survey, open-data file.

Layout implemented: **BMO open data, "one row per métier BMO × bassin"**, as
published yearly since 2015 (CSV or XLSX; the layout of the 2019–2025 files):
``annee, Code métier BMO, Nom métier BMO, Famille_met, Lbl_fam_met, REG, NOM_REG,
Dept, NomDept, BEyy, NOMBEyy, met, xmet, smet`` where ``BEyy``/``NOMBEyy`` carry the
bassin zoning's year (BE19 … BE25), ``met`` = recruitment projects, ``xmet`` =
difficult ones, ``smet`` = seasonal ones, and ``*`` marks a cell the publisher
withheld (stored as NULL). Métier codes follow FAP-2009 until the 2024 survey
and FAP-2021 from 2025 (codes with an X in third position), recorded per row in
``nomenclature``. Header names are matched without case, accents or spacing; the
header row may be preceded by title rows (XLSX).

This module also holds the small helpers shared by the statistical loaders
(header normalisation, numbers with suppression markers, XLSX streaming).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Iterator

from adequa.errors import InputError
from adequa.sources.readers import read_csv

LAYOUT = "bmo-opendata-2019"
# Marks publishers put in a cell they withhold or do not have: INSEE/DARES "s" (secret statistique),
# "nd"/"n.d." (non disponible), "c" (confidentiel), "-" and "///" (sans objet), "nc" (non communiqué).
SUPPRESSED = {"*", "s", "S", "nd", "ND", "n.d.", "N.D.", "ns", "secret", "c", "C", "-", "–", "///", "//", "nc",
              "NC", "n.c.", "so", "s.o."}


# ---- shared helpers for statistical files ------------------------------------------------------

def norm_header(name: str) -> str:
    """'Code métier BMO ' -> 'code_metier_bmo'."""
    text = unicodedata.normalize("NFKD", str(name or "")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def norm_text(value) -> str:
    text = unicodedata.normalize("NFKD", str(value or "")).encode("ascii", "ignore").decode()
    return re.sub(r"\s+", " ", text.lower()).strip()


def parse_count(value, *, path: str, line: int, field: str) -> float | None:
    """A count as published: '1 234', '12,5', '' or a suppression marker (None)."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if text == "" or text in SUPPRESSED:
        return None
    text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise InputError(f"expected a number or a suppression mark (*), got {value!r}",
                         path=path, line=line, field=field) from None
    if number < 0:
        raise InputError(f"negative count {value!r}", path=path, line=line, field=field)
    return number


def read_table(path: str | Path, *, sheet: str | None = None, header_hint: tuple[str, ...] = ()) -> Iterator[tuple[int, dict]]:
    """(line, row) from a CSV (any delimiter, UTF-8 or CP1252) or an XLSX sheet, headers normalised.

    For XLSX, the header row is the first of the first 20 rows that contains every
    ``header_hint`` (normalised names); title rows above it are skipped.
    """
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=str(path))
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        yield from _read_xlsx(path, sheet=sheet, header_hint=header_hint)
        return
    for line, row in read_csv(path, encoding="auto"):
        yield line, {norm_header(k): (v.strip() if isinstance(v, str) else v) for k, v in row.items()}


def _read_xlsx(path: Path, *, sheet: str | None, header_hint: tuple[str, ...]) -> Iterator[tuple[int, dict]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:   # zipfile.BadZipFile, KeyError, InvalidFileException…
        raise InputError(f"not a readable XLSX workbook ({exc})", path=str(path)) from exc
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise InputError(f"no sheet {sheet!r}; sheets: {', '.join(wb.sheetnames)}", path=str(path), field="sheet")
        ws = wb[sheet] if sheet else None
        candidates = [ws] if ws is not None else [wb[n] for n in wb.sheetnames]
        for ws in candidates:
            rows = ws.iter_rows(values_only=True)
            header = None
            for number, values in enumerate(rows, start=1):
                if header is None:
                    names = [norm_header(v) if v is not None else "" for v in values]
                    if all(h in names for h in header_hint) and any(names):
                        header = names
                    elif number >= 20:
                        break
                    continue
                if values is None or all(v is None or str(v).strip() == "" for v in values):
                    continue
                yield number, {h: (v.strip() if isinstance(v, str) else v)
                               for h, v in zip(header, values) if h}
            if header is not None:
                return
        raise InputError(f"no header row with {', '.join(header_hint)} in the first 20 rows of any sheet",
                         path=str(path), line=1, field=header_hint[0] if header_hint else None)
    finally:
        wb.close()


def raw_rows(path: str | Path, *, sheet: str | None = None) -> Iterator[tuple[int, list]]:
    """(line, cells) of a CSV (any delimiter, UTF-8 or CP1252) or an XLSX sheet, without a header.

    For publishers' tables whose header row is not the first one (title rows above it, footnotes
    below the data): the caller finds the header itself. Cells are stripped strings (XLSX numbers
    stay numbers); blank lines are skipped.
    """
    import csv

    from adequa.sources.readers import open_text, sniff_delimiter, sniff_encoding

    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=str(path))
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:   # zipfile.BadZipFile, KeyError, InvalidFileException…
            raise InputError(f"not a readable XLSX workbook ({exc})", path=str(path)) from exc
        try:
            if sheet is not None and sheet not in wb.sheetnames:
                raise InputError(f"no sheet {sheet!r}; sheets: {', '.join(wb.sheetnames)}", path=str(path),
                                 field="sheet")
            ws = wb[sheet] if sheet else wb[wb.sheetnames[0]]
            for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
                cells = [v.strip() if isinstance(v, str) else ("" if v is None else v) for v in values]
                if any(c != "" for c in cells):
                    yield number, cells
        finally:
            wb.close()
        return
    encoding = sniff_encoding(path)
    with open_text(path, encoding) as fh:
        lines = iter(fh)
        try:
            first = next(lines, "")
            # The delimiter is the one of the longest of the first lines (title lines have none).
            head = [first] + [next(lines, "") for _ in range(30)]
        except UnicodeDecodeError as exc:
            raise InputError(f"not valid {encoding} text ({exc.reason})", path=str(path), line=1) from exc
        delim = sniff_delimiter(max(head, key=lambda t: max(t.count(d) for d in ",;|\t")))

        def chained():
            yield from head
            yield from lines

        reader = csv.reader(chained(), delimiter=delim, strict=False)
        try:
            for cells in reader:
                cells = [c.strip().lstrip("\ufeff") for c in cells]
                if any(cells):
                    yield reader.line_num, cells
        except UnicodeDecodeError as exc:
            raise InputError(f"not valid {encoding} text ({exc.reason})", path=str(path),
                             line=reader.line_num + 1) from exc
        except csv.Error as exc:
            raise InputError(f"malformed CSV ({exc})", path=str(path), line=reader.line_num) from exc


def pick(row: dict, *names: str, pattern: str | None = None):
    """The first present column among ``names`` (normalised), or one matching ``pattern``."""
    for n in names:
        if n in row:
            return n
    if pattern:
        for k in row:
            if re.fullmatch(pattern, k):
                return k
    return None


def code(value, width: int = 0) -> str | None:
    """A territory or occupation code as text: 14.0 -> '14', 1 -> '01' (width 2)."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip().upper()
    if not text:
        return None
    if width and text.isdecimal() and len(text) < width:
        text = text.zfill(width)
    return text


def fap_nomenclature(code_value: str, year: int | None = None) -> str:
    """fap2021 for codes with an X in third position (M2X90) or surveys from 2025; else fap2009."""
    if len(code_value) >= 3 and code_value[2] == "X":
        return "fap2021"
    if len(code_value) >= 3 and code_value[2] == "Z":
        return "fap2009"
    return "fap2021" if (year or 0) >= 2025 else "fap2009"


# ---- BMO ---------------------------------------------------------------------------------------

REQUIRED = ("met",)


def read_bmo(path: str | Path, *, year: int | None = None, sheet: str | None = None) -> Iterator[dict]:
    """Yield one ``bmo`` row per line of a BMO open-data file (CSV or XLSX).

    ``year`` is used when the file has no ``annee`` column. Raises ``InputError``
    naming the file, line and column on a missing column or a malformed value.
    """
    path_s = str(path)
    cols = None
    for line, row in read_table(path, sheet=sheet, header_hint=("met", "xmet")):
        if cols is None:
            cols = _bmo_columns(row, path_s, year)
        c = cols
        y = year
        if c["year"]:
            try:
                y = int(float(str(row.get(c["year"])).strip()))
            except ValueError:
                raise InputError(f"expected a year, got {row.get(c['year'])!r}", path=path_s, line=line,
                                 field=c["year"]) from None
        metier = code(row.get(c["metier"]))
        if not metier:
            raise InputError("empty métier code", path=path_s, line=line, field=c["metier"])
        bassin = code(row.get(c["bassin"]), 4)
        if not bassin:
            raise InputError("empty bassin code", path=path_s, line=line, field=c["bassin"])
        region = code(row.get(c["region"]), 2) if c["region"] else (bassin[:2] if len(bassin) == 4 else None)
        yield {
            "year": y, "metier_code": metier, "metier_label": row.get(c["metier_label"]) if c["metier_label"] else None,
            "nomenclature": fap_nomenclature(metier, y),
            "family_code": code(row.get(c["family"])) if c["family"] else None,
            "family_label": row.get(c["family_label"]) if c["family_label"] else None,
            "region": region, "region_label": row.get(c["region_label"]) if c["region_label"] else None,
            "departement": code(row.get(c["dept"]), 2) if c["dept"] else None,
            "departement_label": row.get(c["dept_label"]) if c["dept_label"] else None,
            "bassin": bassin, "bassin_label": row.get(c["bassin_label"]) if c["bassin_label"] else None,
            "projects": parse_count(row.get("met"), path=path_s, line=line, field="met"),
            "difficult": parse_count(row.get("xmet"), path=path_s, line=line, field="xmet") if "xmet" in row else None,
            "seasonal": parse_count(row.get("smet"), path=path_s, line=line, field="smet") if "smet" in row else None,
            "layout": LAYOUT, "origin_file": path_s, "origin_line": line,
        }


def _bmo_columns(row: dict, path: str, year: int | None) -> dict:
    c = {
        "year": pick(row, "annee", "year"),
        "metier": pick(row, "code_metier_bmo", "code_metier", "metier", "code_fap"),
        "metier_label": pick(row, "nom_metier_bmo", "nom_metier", "libelle_metier"),
        "family": pick(row, "famille_met", "code_famille"),
        "family_label": pick(row, "lbl_fam_met", "libelle_famille"),
        "region": pick(row, "reg", "region", "code_region"),
        "region_label": pick(row, "nom_reg", "nom_region"),
        "dept": pick(row, "dept", "dep", "departement", "code_departement"),
        "dept_label": pick(row, "nomdept", "nom_dept", "nom_departement"),
        "bassin": pick(row, "be", "bassin", "code_bassin", pattern=r"be\d{2}"),
        "bassin_label": pick(row, "nombe", "nom_bassin", pattern=r"nombe\d{2}"),
    }
    for key, col in (("metier", "Code métier BMO"), ("bassin", "BEyy (bassin code)")):
        if not c[key]:
            raise InputError(f"missing column {col}; found {', '.join(list(row)[:14])}", path=path, line=1, field=col)
    if not c["year"] and year is None:
        raise InputError("no annee column: pass the survey year (--year)", path=path, line=1, field="annee")
    return c
