"""Streaming readers for CSV, JSON and JSONL, with errors that name the place.

Every reader yields ``(line, row)`` pairs so that callers can report the line
of a bad record. Encodings are checked on the fly: a file announced as UTF-8
that is not raises ``InputError`` naming the line, unless ``encoding="auto"``
lets the reader fall back to CP1252/Latin-1 (as some publishers' files are).
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import sys
import zipfile
from pathlib import Path
from typing import IO, Iterator, Sequence

from adequa.errors import InputError

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def ad_files(folder: Path) -> list[Path]:
    """The job-ad files below ``folder`` (a data folder's ``offers/``): CSV, JSON and JSONL, not the
    recruiters' skill tables ("*competences*"), sorted; none when the folder is absent."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.suffix in {".csv", ".json", ".jsonl"} and "competences" not in p.name)


def open_text(path: str | Path, encoding: str = "utf-8") -> IO[str]:
    """Open a possibly compressed text file (.gz, .bz2) for streaming."""
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=str(path))
    if encoding == "auto":
        encoding = sniff_encoding(path)
    opener = {".gz": gzip.open, ".bz2": bz2.open}.get(path.suffix)
    raw = opener(path, "rb") if opener else open(path, "rb")
    return io.TextIOWrapper(raw, encoding=encoding, newline="", errors="strict")


def sniff_encoding(path: str | Path, sample: int = 1 << 20) -> str:
    """utf-8-sig when the sample decodes as UTF-8, otherwise cp1252."""
    path = Path(path)
    opener = {".gz": gzip.open, ".bz2": bz2.open}.get(path.suffix, open)
    with opener(path, "rb") as fh:
        head = fh.read(sample)
    try:
        head.decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError as exc:
        if exc.start > len(head) - 4:      # a character cut by the sample boundary
            return "utf-8-sig"
        return "cp1252"


def sniff_delimiter(first_line: str, candidates: str = ",;|\t") -> str:
    counts = {d: first_line.count(d) for d in candidates}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_csv(path: str | Path, *, delimiter: str | None = None, encoding: str = "utf-8-sig",
             required: Sequence[str] = (), header: Sequence[str] | None = None) -> Iterator[tuple[int, dict]]:
    """Yield (line number, row dict) from a CSV file, streaming.

    ``delimiter=None`` sniffs it from the header line. ``required`` columns must
    be in the header, or ``InputError`` names the missing one. Rows with more
    fields than the header raise ``InputError`` naming the line (a sign of a
    wrong delimiter or a broken quote).
    """
    path = str(path)
    fh = open_text(path, encoding)
    try:
        try:
            first = fh.readline()
        except UnicodeDecodeError as exc:
            raise InputError(f"not valid {encoding} text ({exc.reason}); try another encoding", path=path, line=1) from exc
        if not first.strip():
            raise InputError("empty file, expected a CSV header", path=path, line=1)
        delim = delimiter or sniff_delimiter(first)
        if header is None:
            names = next(csv.reader([first], delimiter=delim))
            names = [n.strip().lstrip("\ufeff") for n in names]
            rest = fh
            start_line = 2
        else:
            names = list(header)
            rest = _chain_first(first, fh)
            start_line = 1
        missing = [c for c in required if c not in names]
        if missing:
            raise InputError(f"missing column(s) {', '.join(missing)}; found {', '.join(names[:12])}"
                             + (" — wrong delimiter?" if len(names) == 1 else ""),
                             path=path, line=1, field=missing[0])
        reader = csv.reader(rest, delimiter=delim, strict=False)
        width = len(names)
        line = start_line
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                break
            except UnicodeDecodeError as exc:
                raise InputError(f"not valid {encoding} text ({exc.reason}); try --encoding cp1252",
                                 path=path, line=reader.line_num + start_line - 1) from exc
            except csv.Error as exc:
                raise InputError(f"malformed CSV ({exc})", path=path, line=reader.line_num + start_line - 1) from exc
            row_line = line
            line = reader.line_num + start_line
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            if len(fields) > width:
                raise InputError(f"{len(fields)} fields where the header has {width} (wrong delimiter or unbalanced quote?)",
                                 path=path, line=row_line)
            if len(fields) < width:
                fields = fields + [""] * (width - len(fields))
            yield row_line, dict(zip(names, fields))
    finally:
        fh.close()


def _chain_first(first: str, rest: IO[str]) -> Iterator[str]:
    yield first
    yield from rest


def read_jsonl(path: str | Path, *, encoding: str = "utf-8-sig") -> Iterator[tuple[int, dict]]:
    """Yield (line number, object) from a JSON Lines file."""
    path = str(path)
    fh = open_text(path, encoding)
    try:
        for number, text in enumerate(_lines(fh, path), start=1):
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                # the text still ends with its line break: an error there (a truncated record) is
                # at the end of this line, not at "line 2, column 1"
                line_len = len(text.rstrip("\r\n"))
                where = "the end of the line" if exc.pos >= line_len else f"column {exc.pos + 1}"
                raise InputError(f"malformed JSON ({exc.msg} at {where})", path=path, line=number) from exc
            if not isinstance(obj, dict):
                raise InputError(f"expected a JSON object, got {type(obj).__name__}", path=path, line=number)
            yield number, obj
    finally:
        fh.close()


def _lines(fh: IO[str], path: str) -> Iterator[str]:
    number = 0
    while True:
        try:
            text = fh.readline()
        except UnicodeDecodeError as exc:
            raise InputError(f"not valid UTF-8 ({exc.reason})", path=path, line=number + 1) from exc
        if not text:
            return
        number += 1
        yield text


def read_json_records(path: str | Path, *, list_keys: Sequence[str] = ("resultats",)) -> Iterator[tuple[int, dict]]:
    """Yield (record number, object) from a JSON array, a page ``{"resultats": [...]}`` or JSONL.

    The format is decided from the first non-blank character and, for objects,
    whether the file holds one document or one per line.
    """
    path = str(path)
    with open_text(path, "utf-8-sig") as fh:
        try:
            head = fh.read(4096)
        except UnicodeDecodeError as exc:
            raise InputError(f"not valid UTF-8 ({exc.reason})", path=path, line=1) from None
    stripped = head.lstrip()
    if not stripped:
        return
    if stripped[0] == "{":
        first_line = stripped.split("\n", 1)[0]
        try:
            json.loads(first_line)
            is_jsonl = True
        except json.JSONDecodeError:
            is_jsonl = False
        if is_jsonl and not any(f'"{k}"' in first_line for k in list_keys):
            yield from read_jsonl(path)
            return
    with open_text(path, "utf-8-sig") as fh:
        try:
            doc = json.load(fh)
        except json.JSONDecodeError as exc:
            raise InputError(f"malformed JSON ({exc.msg})", path=path, line=exc.lineno) from exc
        except UnicodeDecodeError as exc:
            raise InputError(f"not valid UTF-8 ({exc.reason})", path=path) from exc
    if isinstance(doc, dict):
        for k in list_keys:
            if isinstance(doc.get(k), list):
                doc = doc[k]
                break
        else:
            doc = [doc]
    if not isinstance(doc, list):
        raise InputError("expected a JSON array of records or an object with 'resultats'", path=path)
    for number, obj in enumerate(doc, start=1):
        if not isinstance(obj, dict):
            raise InputError(f"expected a JSON object, got {type(obj).__name__}", path=path, record=str(number))
        yield number, obj


def read_zip_member_csv(zip_path: str | Path, member_suffix: str, **kwargs) -> Iterator[tuple[int, dict]]:
    """Stream a CSV member of a zip archive (e.g. ESCO downloads), found by its name's end."""
    zip_path = Path(zip_path)
    with zipfile.ZipFile(zip_path) as zf:
        names = [n for n in zf.namelist() if n.endswith(member_suffix)]
        if not names:
            raise InputError(f"no member ending with {member_suffix!r}", path=str(zip_path))
        # zipfile streams fine, but csv wants text: wrap the member stream.
        with zf.open(names[0]) as raw:
            text = io.TextIOWrapper(raw, encoding=kwargs.pop("encoding", "utf-8-sig"), newline="")
            reader = csv.DictReader(text, delimiter=kwargs.pop("delimiter", ","))
            for row in reader:
                yield reader.line_num, row
