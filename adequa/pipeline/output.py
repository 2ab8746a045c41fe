"""Output files of the JSONL commands (`annotate`, `skills rank`, `occupations rank`): written whole
or not at all, and able to hold any string their input held."""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def output_file(output: str | Path, *, binary: bool = True):
    """The file to write ``output`` through ('-': standard output, text). A regular file is written
    to a temporary file beside it, renamed over it when the block ends without an error, so a run
    stopped by a bad input line leaves the previous output as it was; a device or a pipe is written
    to directly."""
    if str(output) == "-":
        yield sys.stdout
        return
    target = Path(output)
    atomic = not target.exists() or target.is_file()
    path = target.with_name(f".{target.name}.tmp{os.getpid()}") if atomic else target
    fh = open(path, "wb") if binary else open(path, "w", encoding="utf-8")
    try:
        with fh:
            yield fh
    except BaseException:
        if atomic:
            path.unlink(missing_ok=True)
        raise
    if atomic:
        os.replace(path, target)


def escaped(line: str) -> str:
    """A JSON line holding a lone surrogate (a "\\ud800" escape in the input JSON, which no UTF-8
    text can hold), written with JSON escapes: the same strings once read."""
    return json.dumps(json.loads(line))


def write_line(fh, line: str) -> None:
    """``line`` and a newline to a text file, with JSON escapes when it holds a lone surrogate."""
    try:
        fh.write(line + "\n")
    except UnicodeEncodeError:
        fh.write(escaped(line) + "\n")
