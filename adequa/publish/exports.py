"""The numbers behind a figure, as files: CSV, Parquet, XLSX, JSON.

Each function takes rows (dicts) and column names and returns bytes, so the
same code writes ``DIR/data/*.csv`` for the study and answers the dashboard's
download links. CSV is UTF-8 with a byte-order mark (so spreadsheet software
opens accents correctly), comma-separated, RFC 4180 quoting.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Callable, Iterable, Sequence

from adequa.publish.figures import jsonable

FORMATS: dict[str, tuple[str, str]] = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "parquet": ("application/vnd.apache.parquet", "parquet"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "json": ("application/json", "json"),
}


def _columns(rows: Sequence[dict], columns: Sequence[str] | None) -> list[str]:
    names = list(columns or [])
    for r in rows:
        for k in r:
            if k not in names:
                names.append(k)
    return names


def _cell(v):
    if isinstance(v, (list, tuple, dict)):
        return json.dumps(jsonable(v), ensure_ascii=False)
    return jsonable(v)


def to_csv(rows: Sequence[dict], columns: Sequence[str] | None = None) -> bytes:
    names = _columns(rows, columns)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(names)
    for r in rows:
        writer.writerow(["" if r.get(n) is None else _cell(r.get(n)) for n in names])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_parquet(rows: Sequence[dict], columns: Sequence[str] | None = None) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = _columns(rows, columns)
    data = {n: _arrow_column(pa, [_cell(r.get(n)) for r in rows]) for n in names}
    table = pa.table(data) if names else pa.table({"empty": pa.array([], pa.string())})
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def _arrow_column(pa, values: list):
    """An Arrow column; a column mixing types (a "total" label among numbers) becomes text."""
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], pa.string())


def to_xlsx(rows: Sequence[dict], columns: Sequence[str] | None = None, *, title: str = "data",
            source: str | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    names = _columns(rows, columns)
    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = (title or "data")[:31].replace("/", "-").replace(":", "-") or "data"
    ws.append(names)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append([_cell(r.get(n)) for n in names])
    if source:
        ws.append([])
        ws.append([source])
    sink = io.BytesIO()
    wb.save(sink)
    return sink.getvalue()


def to_json(rows: Sequence[dict], columns: Sequence[str] | None = None) -> bytes:
    return json.dumps([{k: jsonable(v) for k, v in r.items()} for r in rows], ensure_ascii=False).encode("utf-8")


WRITERS: dict[str, Callable[..., bytes]] = {"csv": to_csv, "parquet": to_parquet, "xlsx": to_xlsx, "json": to_json}


def export(rows: Iterable[dict], columns: Sequence[str] | None, fmt: str, **kwargs) -> tuple[bytes, str]:
    """(content, media type) of rows in ``fmt``; ValueError names the formats on offer."""
    if fmt not in WRITERS:
        raise ValueError(f"unknown export format {fmt!r}: one of {', '.join(WRITERS)}")
    rows = list(rows)
    writer = WRITERS[fmt]
    data = writer(rows, columns, **kwargs) if fmt == "xlsx" else writer(rows, columns)
    return data, FORMATS[fmt][0]
