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
from adequa.sources.referentials._csv import read_table as read_csv

SOURCE = "ESCO (European Commission)"
LICENCE = "CC BY 4.0, attribution ESCO, European Commission"
_VERSION = re.compile(r"v(\d+\.\d+(?:\.\d+)?)")
_LANG = re.compile(r"^(?P<kind>[A-Za-z]+)_(?P<lang>[a-z]{2,3}(?:-[A-Za-z]+)?)$")


@dataclass
class EscoFiles:
    """Where each ESCO CSV member lives: (container zip or None, path or member name)."""

    version: str
    members: dict[str, tuple[Path | None, str]] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return name in self.members

    def rows(self, name: str, required: tuple[str, ...] = ()) -> Iterator[dict]:
        """Stream one member's rows; ``required`` columns are checked against the header."""
        if name not in self.members:
            raise ReferentialError(f"ESCO file {name} not found among {sorted(self.members)[:10]}")
        container, member = self.members[name]
        if container is None:
            for _, row in read_csv(member, delimiter=",", required=required):
                yield row
            return
        where = f"{container}!{member}"
        with zipfile.ZipFile(container) as zf, zf.open(member) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
            reader = csv.reader(text)
            try:
                names = [n.strip() for n in next(reader, [])]
            except UnicodeDecodeError as exc:
                raise InputError(f"not valid UTF-8 ({exc.reason})", path=where, line=1) from exc
            missing = [c for c in required if c not in names]
            if missing:
                raise InputError(f"missing column(s) {', '.join(missing)}; found {', '.join(names[:12])}"
                                 + (" — wrong delimiter?" if len(names) == 1 else ""), path=where, line=1,
                                 field=missing[0])
            width = len(names)
            try:
                for fields in reader:
                    if len(fields) != width:
                        if not fields:
                            continue
                        raise InputError(f"{len(fields)} fields where the header has {width} (truncated file, "
                                         "wrong delimiter or unbalanced quote?)", path=where, line=reader.line_num,
                                         field=names[min(len(fields), width - 1)])
                    yield dict(zip(names, fields))
            except csv.Error as exc:
                raise InputError(f"malformed CSV ({exc})", path=where, line=reader.line_num) from exc
            except UnicodeDecodeError as exc:
                raise InputError(f"not valid UTF-8 ({exc.reason})", path=where, line=reader.line_num + 1) from exc

    def languages(self, kind: str = "skills") -> list[str]:
        """Languages present for ``kind`` (skills, occupations, ISCOGroups…), e.g. ['en', 'fr']."""
        out = []
        for name in self.members:
            m = _LANG.match(name)
            if m and m["kind"] == kind:
                out.append(m["lang"])
        return sorted(out)

    def paths(self) -> list[Path]:
        """The files read: zips and plain CSV files."""
        return sorted({Path(c) if c is not None else Path(m) for c, m in self.members.values()})


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


def locate_versions(root: str | Path) -> list[EscoFiles]:
    """Every ESCO version under ``root``, one ``EscoFiles`` each, oldest first.

    Files are grouped by the version read from their path (``v1.1.1_en/…zip``,
    ``v1.2.1_fr_trimmed_api/skills_fr.csv``), so that a French folder and the
    English and relations zips of the same version form one set.
    """
    root = Path(root)
    if not root.is_dir():
        raise ReferentialError(f"{root}: ESCO folder not found (run `adequa data pull`)")
    groups: dict[str, list[Path]] = {}
    for path in sorted(root.iterdir()):
        if path.suffix not in (".zip", ".csv") and not path.is_dir():
            continue
        m = _VERSION.search(path.name)
        groups.setdefault(m.group(1) if m else "unknown", []).append(path)
    out = []
    for version, paths in groups.items():
        files = EscoFiles(version=version)
        for path in paths:
            try:
                part = locate(path) if path.is_dir() else _locate_file(path)
            except ReferentialError:
                continue
            for k, v in part.members.items():
                files.members.setdefault(k, v)
        if files.members:
            out.append(files)
    if not out:
        raise ReferentialError(f"no ESCO CSV files under {root}")
    return sorted(out, key=lambda f: version_key(f.version))


def _locate_file(path: Path) -> EscoFiles:
    files = EscoFiles(version="")
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            for member in zf.namelist():
                if member.endswith(".csv"):
                    files.members.setdefault(Path(member).stem, (path, member))
    else:
        files.members[path.stem] = (None, str(path))
    return files


def version_key(version: str) -> tuple[int, ...]:
    """``"1.1.1"`` -> (1, 1, 1), for ordering versions."""
    return tuple(int(x) for x in re.findall(r"\d+", version)) or (0,)


def _alt_labels(value: str | None) -> list[str]:
    """ESCO packs alternative labels one per line; some third-party files use ``|``."""
    value = value or ""
    sep = "\n" if "\n" in value or "|" not in value else "|"
    return [a.strip() for a in value.split(sep) if a.strip()]


def skills(files: EscoFiles, lang: str = "en") -> Iterator[dict]:
    """Skills and knowledge concepts with labels in ``lang``."""
    for r in files.rows(f"skills_{lang}", required=("conceptUri", "preferredLabel")):
        yield {"uri": r["conceptUri"], "lang": lang, "label": r.get("preferredLabel") or "",
               "alt_labels": _alt_labels(r.get("altLabels")), "skill_type": r.get("skillType") or None,
               "reuse_level": r.get("reuseLevel") or None, "description": r.get("description") or None}


def occupations(files: EscoFiles, lang: str = "en") -> Iterator[dict]:
    for r in files.rows(f"occupations_{lang}", required=("conceptUri", "preferredLabel")):
        yield {"uri": r["conceptUri"], "lang": lang, "label": r.get("preferredLabel") or "",
               "alt_labels": _alt_labels(r.get("altLabels")), "isco_group": r.get("iscoGroup") or None,
               "code": r.get("code") or None, "description": r.get("description") or None}


def occupation_skills(files: EscoFiles) -> Iterator[dict]:
    for r in files.rows("occupationSkillRelations", required=("occupationUri", "skillUri")):
        yield {"occupation_uri": r["occupationUri"], "skill_uri": r["skillUri"],
               "relation": r.get("relationType") or None, "skill_type": r.get("skillType") or None}


def skill_hierarchy(files: EscoFiles) -> Iterator[dict]:
    for r in files.rows("broaderRelationsSkillPillar", required=("conceptUri", "broaderUri")):
        yield {"uri": r["conceptUri"], "broader_uri": r["broaderUri"], "type": r.get("conceptType")}


def isco_groups(files: EscoFiles, lang: str = "en") -> Iterator[dict]:
    for r in files.rows(f"ISCOGroups_{lang}", required=("conceptUri", "code")):
        yield {"uri": r["conceptUri"], "code": r.get("code"), "label": r.get("preferredLabel")}


# -- the official ESCO <-> ROME crosswalk (France Travail) -------------------------------

_META = {"mapping project version": "mapping_version", "mapping project version date": "mapping_date",
         "classification 1 version": "esco_version", "classification 2 version": "rome_version"}


def locate_rome_mappings(folder: str | Path) -> list[Path]:
    """The ESCO <-> ROME mapping files (``*mapping_esco_rome*.csv``) in ``folder``, by name."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if re.search(r"esco.*rome", p.name, re.I) and p.suffix.lower() == ".csv")


def rome_mapping(path: str | Path) -> tuple[dict, Iterator[dict]]:
    """(metadata, rows) of a France Travail ESCO <-> ROME mapping file.

    The file opens with ``key,value`` metadata lines (mapping version and date,
    versions of both classifications), a blank line, then the table. ROME
    side IDs are ROME *appellation* ``code_ogr`` codes (ROME v3 era), not fiche
    codes: the loader resolves them to fiches through the appellations.
    ``metadata["version"]`` is the mapping version and the date stamp of the
    file name (``FR_20230607_…`` -> ``V1.4+20230607``) or of the metadata.
    """
    path = Path(path)
    meta: dict = {}
    header_line = 0
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for number, fields in enumerate(csv.reader(fh), start=1):
            if fields and fields[0].strip().lower().startswith("classification 1 id"):
                header_line = number
                break
            if len(fields) >= 2 and fields[0].strip().lower() in _META:
                meta[_META[fields[0].strip().lower()]] = fields[1].strip()
            if number > 50:
                break
    if not header_line:
        raise InputError("no 'classification 1 ID,…' table header in the first 50 lines (is this an ESCO mapping file?)",
                         path=str(path))
    stamp = re.search(r"(20\d{6})", path.name)
    meta["version"] = "+".join(x for x in (meta.get("mapping_version"), stamp.group(1) if stamp else meta.get("mapping_date")) if x)

    def rows() -> Iterator[dict]:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for _ in range(header_line):
                fh.readline()
            reader = csv.reader(fh)
            try:
                for fields in reader:
                    line = header_line + reader.line_num
                    if not fields or not "".join(fields).strip():
                        continue
                    if len(fields) < 5:
                        raise InputError(f"{len(fields)} fields where 5 are expected (ESCO URI, label, ROME code, "
                                         "label, relation)", path=str(path), line=line)
                    uri, label, code, rlabel, relation = (f.strip() for f in fields[:5])
                    if not uri.startswith("http"):
                        raise InputError(f"{uri[:40]!r} is not an ESCO URI", path=str(path), line=line,
                                         field="classification 1 ID")
                    yield {"esco_uri": uri, "esco_label": label, "rome_ogr": code, "rome_label": rlabel,
                           "relation": relation.replace("skos:", "") or None}
            except csv.Error as exc:
                raise InputError(f"malformed CSV ({exc})", path=str(path), line=header_line + reader.line_num) from exc
            except UnicodeDecodeError as exc:
                raise InputError(f"not valid UTF-8 ({exc.reason})", path=str(path)) from exc

    return meta, rows()
