"""ESCO classification (European Commission) CSV downloads -> rows.

Reads the official zips (``ESCO dataset - v1.1.1 - classification - en - csv.zip``)
or a folder of their CSV members, in any language (``skills_<lang>.csv``,
``occupations_<lang>.csv``), plus the language-independent relations zip.
Attribution: "ESCO, European Commission", CC BY 4.0.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from adequa.errors import InputError, ReferentialError
from adequa.sources.readers import read_csv

SOURCE = "ESCO (European Commission)"
LICENCE = "CC BY 4.0, attribution ESCO, European Commission"
_VERSION = re.compile(r"v(\d+\.\d+(?:\.\d+)?)")


@dataclass
class EscoFiles:
    """Where each ESCO CSV member lives: (container zip or None, path or member name)."""

    version: str
    members: dict[str, tuple[Path | None, str]] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return name in self.members

    def rows(self, name: str) -> Iterator[dict]:
        if name not in self.members:
            raise ReferentialError(f"ESCO file {name} not found among {sorted(self.members)[:10]}")
        container, member = self.members[name]
        if container is None:
            for _, row in read_csv(member, delimiter=","):
                yield row
            return
        with zipfile.ZipFile(container) as zf, zf.open(member) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            reader = csv.DictReader(text)
            try:
                yield from reader
            except csv.Error as exc:
                raise InputError(f"malformed CSV ({exc})", path=f"{container}!{member}", line=reader.line_num) from exc


def locate(*roots: str | Path) -> EscoFiles:
    """Collect ESCO CSV files from folders and zips under ``roots`` (first found wins)."""
    files = EscoFiles(version="")
    for root in roots:
        root = Path(root)
        if not root.exists():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix == ".zip":
                with zipfile.ZipFile(path) as zf:
                    for member in zf.namelist():
                        if member.endswith(".csv"):
                            files.members.setdefault(Path(member).stem, (path, member))
                _note_version(files, path)
            elif path.suffix == ".csv":
                files.members.setdefault(path.stem, (None, str(path)))
                _note_version(files, path)
    if not files.members:
        raise ReferentialError(f"no ESCO CSV files under {', '.join(map(str, roots))}")
    files.version = files.version or "unknown"
    return files


def _note_version(files: EscoFiles, path: Path) -> None:
    if not files.version:
        for part in reversed(path.parts):
            m = _VERSION.search(part)
            if m:
                files.version = m.group(1)
                return


def _alt_labels(value: str | None) -> list[str]:
    return [a.strip() for a in (value or "").split("\n") if a.strip()]


def skills(files: EscoFiles, lang: str = "en") -> Iterator[dict]:
    """Skills and knowledge concepts with labels in ``lang``."""
    for r in files.rows(f"skills_{lang}"):
        yield {"uri": r["conceptUri"], "lang": lang, "label": r.get("preferredLabel") or "",
               "alt_labels": _alt_labels(r.get("altLabels")), "skill_type": r.get("skillType") or None,
               "reuse_level": r.get("reuseLevel") or None, "description": r.get("description") or None}


def occupations(files: EscoFiles, lang: str = "en") -> Iterator[dict]:
    for r in files.rows(f"occupations_{lang}"):
        yield {"uri": r["conceptUri"], "lang": lang, "label": r.get("preferredLabel") or "",
               "alt_labels": _alt_labels(r.get("altLabels")), "isco_group": r.get("iscoGroup") or None,
               "code": r.get("code") or None, "description": r.get("description") or None}


def occupation_skills(files: EscoFiles) -> Iterator[dict]:
    for r in files.rows("occupationSkillRelations"):
        yield {"occupation_uri": r["occupationUri"], "skill_uri": r["skillUri"],
               "relation": r.get("relationType") or None, "skill_type": r.get("skillType") or None}


def skill_hierarchy(files: EscoFiles) -> Iterator[dict]:
    for r in files.rows("broaderRelationsSkillPillar"):
        yield {"uri": r["conceptUri"], "broader_uri": r["broaderUri"], "type": r.get("conceptType")}


def isco_groups(files: EscoFiles, lang: str = "en") -> Iterator[dict]:
    for r in files.rows(f"ISCOGroups_{lang}"):
        yield {"uri": r["conceptUri"], "code": r.get("code"), "label": r.get("preferredLabel")}
