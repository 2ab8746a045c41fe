"""Housekeeping of ``settings.cache_dir``: compiled taxonomies, classifiers and rankers are cached under
a key made of their inputs and code, so every new referential or Adequa version writes a new entry and
the old ones would pile up (hundreds of MB each). After writing an entry, keep only the most recent few
of its family."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

KEEP = 3        # entries kept per family: the fresh one and two others (another input set may still use them)


def prune_family(fresh: Path, pattern: str, keep: int = KEEP) -> list[Path]:
    """Delete the entries of ``fresh.parent`` matching ``pattern`` (a glob, e.g. ``skills-fr-*.pickle``)
    beyond the ``keep`` most recently modified, never ``fresh`` itself nor a temporary file being written.
    Returns what was deleted; errors (a file in use elsewhere, a race with another process) are ignored."""
    try:
        family = [p for p in fresh.parent.glob(pattern) if p != fresh and ".tmp" not in p.name]
        family.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return []
    gone = []
    for old in family[max(keep - 1, 0):]:
        try:
            if old.is_dir():
                shutil.rmtree(old)
            else:
                old.unlink()
            gone.append(old)
        except OSError:
            pass
    return gone


def save_pickle(path: Path, obj, family: str) -> OSError | None:
    """Pickle ``obj`` at ``path`` atomically (a temporary file beside it, then renamed), then drop the
    old entries of its ``family`` (``prune_family``). A read-only or full disk is returned, not raised:
    a cache entry that cannot be written is never fatal, the caller says so or not."""
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as fh:
            pickle.dump(obj, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp.parent.is_dir():
            tmp.unlink(missing_ok=True)
        return exc
    prune_family(path, family)
    return None
