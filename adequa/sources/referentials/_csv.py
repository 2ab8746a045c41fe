"""A strict CSV reader for published referential files.

Referential files are regular: every row has the header's width. A shorter
row means a truncated file or a broken quote, a longer one a wrong delimiter;
both raise ``InputError`` naming the file, the line and the first column
concerned, as do a wrong encoding and a missing column.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterator, Sequence

from adequa.errors import InputError
from adequa.sources.readers import open_text, sniff_delimiter

csv.field_size_limit(2**31 - 1)


def read_table(path: str | Path, *, delimiter: str | None = None, encoding: str = "utf-8-sig",
               required: Sequence[str] = ()) -> Iterator[tuple[int, dict]]:
    """Yield (line, row) from a CSV with a header; rows must have exactly the header's width."""
    path = str(path)
    with open_text(path, encoding) as fh:
        try:
            first = fh.readline()
        except UnicodeDecodeError as exc:
            raise InputError(f"not valid {encoding} text ({exc.reason}); is the file in another encoding?",
                             path=path, line=_bad_line(path, encoding) or 1) from exc
        if not first.strip():
            raise InputError("empty file, expected a CSV header", path=path, line=1)
        delim = delimiter or sniff_delimiter(first)
        names = [n.strip().lstrip("\ufeff") for n in next(csv.reader([first], delimiter=delim))]
        missing = [c for c in required if c not in names]
        if missing:
            hint = ""
            if len(names) == 1:
                other = sniff_delimiter(first)
                hint = f" — wrong delimiter? expected {delim!r}" + (f", the header looks {other!r}-separated"
                                                                    if other != delim else "")
            raise InputError(f"missing column(s) {', '.join(missing)}; found {', '.join(names[:12])}{hint}",
                             path=path, line=1, field=missing[0])
        width = len(names)
        reader = csv.reader(fh, delimiter=delim, strict=True)
        line = 2
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                raise InputError(f"not valid {encoding} text ({exc.reason}); is the file in another encoding?",
                                 path=path, line=_bad_line(path, encoding) or reader.line_num + 1) from exc
            except csv.Error as exc:
                raise InputError(f"malformed CSV ({exc}): truncated file or unbalanced quote?", path=path,
                                 line=line, field=names[0]) from exc
            row_line, line = line, reader.line_num + 2
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            if len(fields) != width:
                if len(fields) < width:
                    raise InputError(f"{len(fields)} fields where the header has {width}: column "
                                     f"{names[len(fields)]!r} is missing (truncated line?)",
                                     path=path, line=row_line, field=names[len(fields)])
                raise InputError(f"{len(fields)} fields where the header has {width} (wrong delimiter or "
                                 "unbalanced quote?)", path=path, line=row_line, field=names[-1])
            yield row_line, dict(zip(names, fields))


def _bad_line(path: str, encoding: str) -> int | None:
    """The first line that does not decode: text wrappers decode by blocks, so the
    error they raise does not tell the line."""
    import bz2
    import codecs
    import gzip

    opener = {".gz": gzip.open, ".bz2": bz2.open}.get(Path(path).suffix, open)
    decoder = codecs.getincrementaldecoder(encoding)()
    with opener(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                decoder.decode(raw)
            except UnicodeDecodeError:
                return number
    return None
