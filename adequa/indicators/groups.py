"""Occupation groups: the "what" of an indicator, as data files the user can edit.

A group is a YAML file (``adequa/indicators/data/groups/*.yaml``, plus every
``*.yaml`` in the folder named by ``ADEQUA_GROUPS_DIR``)::

    id: data-ia
    label: Métiers de la donnée et de l'intelligence artificielle
    label_en: Data and AI occupations
    rome: [M1811, M1405, M1419]        # ROME 4.0 fiches; 3-character entries are prefixes (M18)
    fap2021: [M2X90]                   # FAP-2021 codes at any level (prefix match: M2X, M)
    fap2009: [M2Z90]                   # FAP-2009 codes, for older tables
    domains:                           # the study's breakdown: domain -> ROME codes
      Data / Big data: [M1811, M1405]

Ad-hoc groups need no file: ``rome:M1811,M1405``, ``fap2021:M2X``,
``fap2009:M2Z90`` or ``all`` (every occupation).

This module is pure data: it reads YAML and answers membership questions;
turning FAP codes into ROME codes through the ``rome_fap`` referential
happens in :mod:`adequa.indicators.base` with a database connection.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from adequa.errors import InputError

_CODE = re.compile(r"^[A-Za-z0-9]{1,8}$")
GROUPS_ENV = "ADEQUA_GROUPS_DIR"


@dataclass(frozen=True)
class OccupationGroup:
    """A set of occupations, by ROME and/or FAP codes (entries may be prefixes)."""

    id: str
    label: str
    label_en: str | None = None
    description: str | None = None
    rome: tuple[str, ...] = ()
    fap2021: tuple[str, ...] = ()
    fap2009: tuple[str, ...] = ()
    domains: dict = field(default_factory=dict, hash=False, compare=False)   # label -> tuple of ROME codes
    path: str | None = None

    @property
    def is_all(self) -> bool:
        return self.id == "all"

    def has_rome(self, code: str | None) -> bool:
        return self.is_all or _match(code, self.rome)

    def has_fap2021(self, code: str | None) -> bool:
        return self.is_all or _match(code, self.fap2021)

    def has_fap2009(self, code: str | None) -> bool:
        return self.is_all or _match(code, self.fap2009)

    def domain_of(self, rome: str | None) -> str | None:
        for label, codes in self.domains.items():
            if _match(rome, codes):
                return label
        return None

    def to_dict(self) -> dict:
        return {"id": self.id, "label": self.label, "label_en": self.label_en, "description": self.description,
                "rome": list(self.rome), "fap2021": list(self.fap2021), "fap2009": list(self.fap2009),
                "domains": {k: list(v) for k, v in self.domains.items()}, "path": self.path}


def _match(code: str | None, entries: tuple[str, ...]) -> bool:
    if not code:
        return False
    code = code.upper()
    return any(code == e or (len(e) < len(code) and code.startswith(e)) for e in entries)


ALL = OccupationGroup(id="all", label="Toutes professions", label_en="All occupations")


def _codes(value, *, path: str, field_name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [v for v in re.split(r"[,\s]+", value) if v]
    if not isinstance(value, list):
        raise InputError(f"expected a list of codes, got {type(value).__name__}", path=path, field=field_name)
    out = []
    for item in value:
        text = str(item).strip().upper()
        if not _CODE.match(text):
            raise InputError(f"{item!r} is not an occupation code (letters and digits, e.g. M1811)",
                             path=path, field=field_name)
        out.append(text)
    return tuple(out)


def parse_group(doc: dict, *, path: str = "<group>") -> OccupationGroup:
    """Validate one group document (a dict read from YAML)."""
    if not isinstance(doc, dict):
        raise InputError("a group file must hold a mapping with id, label and codes", path=path)
    gid = doc.get("id")
    if not gid or not re.match(r"^[a-z0-9][a-z0-9_-]*$", str(gid)):
        raise InputError("missing or invalid id (lower-case letters, digits, - and _)", path=path, field="id")
    if not doc.get("label"):
        raise InputError("missing label", path=path, field="label")
    rome = _codes(doc.get("rome"), path=path, field_name="rome")
    fap2021 = _codes(doc.get("fap2021"), path=path, field_name="fap2021")
    fap2009 = _codes(doc.get("fap2009"), path=path, field_name="fap2009")
    if not (rome or fap2021 or fap2009):
        raise InputError("a group needs at least one of rome, fap2021, fap2009", path=path, field="rome")
    domains = {}
    raw_domains = doc.get("domains") or {}
    if not isinstance(raw_domains, dict):
        raise InputError("domains must map a domain label to ROME codes", path=path, field="domains")
    for label, codes in raw_domains.items():
        domains[str(label)] = _codes(codes, path=path, field_name=f"domains.{label}")
    return OccupationGroup(id=str(gid), label=str(doc["label"]), label_en=doc.get("label_en"),
                           description=doc.get("description"), rome=rome, fap2021=fap2021, fap2009=fap2009,
                           domains=domains, path=path)


def load_group_file(path: str | Path) -> OccupationGroup:
    path = Path(path)
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except FileNotFoundError as exc:
        raise InputError("file not found", path=str(path)) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(f"invalid YAML ({getattr(exc, 'problem', exc)})", path=str(path),
                         line=mark.line + 1 if mark else None) from exc
    return parse_group(doc, path=str(path))


def group_dirs(extra: list[str | Path] | None = None) -> list[Path]:
    dirs = [Path(str(resources.files("adequa.indicators") / "data" / "groups"))]
    if os.environ.get(GROUPS_ENV):
        dirs += [Path(p) for p in os.environ[GROUPS_ENV].split(os.pathsep) if p]
    dirs += [Path(p) for p in (extra or [])]
    return dirs


_LOADED: dict[tuple, dict[str, OccupationGroup]] = {}


def load_groups(extra_dirs: list[str | Path] | None = None) -> dict[str, OccupationGroup]:
    """Every group file, by id; a later folder overrides an earlier one (user files win).

    Files are re-read only when one is added, removed or modified.
    """
    files = []
    for folder in group_dirs(extra_dirs):
        if folder.is_dir():
            files += [(str(p), p.stat().st_mtime_ns) for p in sorted(folder.glob("*.y*ml"))]
    key = tuple(files)
    if key not in _LOADED:
        groups: dict[str, OccupationGroup] = {"all": ALL}
        for path, _mtime in files:
            g = load_group_file(path)
            groups[g.id] = g
        _LOADED.clear()
        _LOADED[key] = groups
    return dict(_LOADED[key])


def get_group(spec: str | OccupationGroup | None, extra_dirs: list[str | Path] | None = None) -> OccupationGroup:
    """A group from its id, a file path, or an ad-hoc ``rome:…``/``fap2021:…``/``fap2009:…`` spec."""
    if isinstance(spec, OccupationGroup):
        return spec
    if spec is None or spec == "all":
        return ALL
    spec = spec.strip()
    m = re.match(r"^(rome|fap2021|fap2009):(.+)$", spec, re.I)
    if m:
        kind = m.group(1).lower()
        codes = _codes(m.group(2), path="--group", field_name=kind)
        return OccupationGroup(id=spec, label=spec, **{kind: codes})
    if spec.endswith((".yaml", ".yml")):
        return load_group_file(spec)
    groups = load_groups(extra_dirs)
    if spec not in groups:
        raise InputError(f"unknown occupation group {spec!r}; known: {', '.join(sorted(groups))} "
                         f"(or rome:CODE,…, fap2021:CODE, a .yaml file)", field="group")
    return groups[spec]
