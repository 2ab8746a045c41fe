"""Territories: the "where" of an indicator, written ``level:code``.

Levels, from the finest: ``commune``, ``bassin`` (BMO bassin d'emploi),
``zone_emploi`` (INSEE zone d'emploi), ``departement``, ``region``, ``france``.
A user-defined territory (``custom`` in ``data/territories.yaml``, or a file
named by ``ADEQUA_TERRITORIES``) is a list of members at one level, written by
its id alone (``axe-seine``) or ``custom:axe-seine``.

A territory turns itself into a SQL predicate over whatever territorial
columns a table has (:meth:`Territory.predicate`); a level the table lacks is
reached through the commune → bassin/zone d'emploi referential when the table
has a commune column, otherwise the indicator says it cannot be computed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from adequa.errors import InputError

LEVELS = ("commune", "bassin", "zone_emploi", "departement", "region", "france")
ALIASES = {"reg": "region", "région": "region", "dep": "departement", "dept": "departement",
           "département": "departement", "be": "bassin", "bassin_emploi": "bassin", "ze": "zone_emploi",
           "zone": "zone_emploi", "com": "commune", "fr": "france", "national": "france"}
TERRITORIES_ENV = "ADEQUA_TERRITORIES"
_CODE = re.compile(r"^[0-9A-Za-z]{1,9}$")


class TerritoryUnavailable(InputError):
    """A table cannot be filtered at the territory's level."""


@dataclass(frozen=True)
class Territory:
    level: str
    code: str | None = None            # None for france
    label: str | None = None
    members: tuple[str, ...] = ()      # for custom territories: codes at ``level``
    id: str | None = None              # custom territories' id

    @property
    def spec(self) -> str:
        if self.id:
            return self.id
        return "france" if self.level == "france" else f"{self.level}:{self.code}"

    @property
    def codes(self) -> tuple[str, ...]:
        return self.members or ((self.code,) if self.code else ())

    def display(self) -> str:
        return self.label or self.spec

    def predicate(self, columns: dict[str, str], *, commune_column: str | None = None,
                  geo_table: str = "geo_communes", table: str = "table") -> str:
        """SQL boolean over ``columns`` (level -> column expression) selecting this territory.

        Raises ``TerritoryUnavailable`` when the table has neither the level nor a commune column.
        """
        if self.level == "france":
            return "TRUE"
        values = ", ".join(sql_str(c) for c in self.codes)
        if self.level in columns:
            return f"{columns[self.level]} IN ({values})"
        commune_column = commune_column or columns.get("commune")
        if commune_column and self.level in ("bassin", "zone_emploi", "departement", "region"):
            return (f"{commune_column} IN (SELECT commune FROM {geo_table} "
                    f"WHERE {self.level} IN ({values}))")
        raise TerritoryUnavailable(f"{table} has no {self.level} level (it has: {', '.join(columns) or 'none'})",
                                   field="territory")

    def to_dict(self) -> dict:
        return {"spec": self.spec, "level": self.level, "code": self.code, "label": self.label,
                "members": list(self.members)}


def sql_str(value: str) -> str:
    """A SQL string literal (codes are validated before reaching here, this is belt and braces)."""
    return "'" + str(value).replace("'", "''") + "'"


FRANCE = Territory(level="france", label="France")


@lru_cache(maxsize=4)
def _definitions(extra: tuple[str, ...] = ()) -> dict:
    paths = [Path(str(resources.files("adequa.indicators") / "data" / "territories.yaml"))]
    paths += [Path(p) for p in extra]
    out: dict = {"regions": {}, "departements": {}, "custom": {}}
    for path in paths:
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except FileNotFoundError as exc:
            raise InputError("territory file not found", path=str(path)) from exc
        except yaml.YAMLError as exc:
            raise InputError(f"invalid YAML ({exc})", path=str(path)) from exc
        for key in out:
            section = doc.get(key) or {}
            if not isinstance(section, dict):
                raise InputError(f"{key} must be a mapping", path=str(path), field=key)
            for code, value in section.items():
                if key == "custom":
                    if not isinstance(value, dict) or value.get("level") not in LEVELS or not value.get("members"):
                        raise InputError("a custom territory needs level (one of " + ", ".join(LEVELS[:-1])
                                         + ") and members", path=str(path), field=f"custom.{code}")
                out[key][str(code)] = value
    return out


def definitions() -> dict:
    env = os.environ.get(TERRITORIES_ENV)
    return _definitions(tuple(p for p in env.split(os.pathsep) if p) if env else ())


def regions() -> dict[str, str]:
    """Région code -> label."""
    return {k: str(v) for k, v in definitions()["regions"].items()}


def departements() -> dict[str, tuple[str, str]]:
    """Département code -> (label, région code)."""
    return {k: (str(v[0]), str(v[1])) for k, v in definitions()["departements"].items()}


def label_of(level: str, code: str) -> str | None:
    if level == "region":
        return regions().get(code)
    if level == "departement":
        d = departements().get(code)
        return d[0] if d else None
    return None


def get_territory(spec: str | Territory | None) -> Territory:
    """Parse ``france``, ``region:28``, ``departement:76``, ``bassin:2801``, ``zone_emploi:2801``,
    ``commune:76540`` or a custom territory's id."""
    if isinstance(spec, Territory):
        return spec
    if spec is None:
        return FRANCE
    text = spec.strip()
    low = text.lower()
    if ALIASES.get(low, low) == "france":
        return FRANCE
    custom = definitions()["custom"]
    cid = text[len("custom:"):] if low.startswith("custom:") else text
    if cid in custom:
        c = custom[cid]
        members = tuple(str(m) for m in c["members"])
        return Territory(level=c["level"], label=c.get("label", cid), members=members, id=cid)
    if ":" not in text:
        raise InputError(f"unknown territory {spec!r}: write level:code (e.g. region:28, departement:76, "
                         f"bassin:2801), france, or a custom id ({', '.join(sorted(custom)) or 'none defined'})",
                         field="territory")
    level, code = text.split(":", 1)
    level = ALIASES.get(level.lower(), level.lower())
    code = code.strip().upper()
    if level not in LEVELS:
        raise InputError(f"unknown territory level {level!r}; levels: {', '.join(LEVELS)}", field="territory")
    if not _CODE.match(code):
        raise InputError(f"{code!r} is not a territory code", field="territory")
    if level == "departement" and len(code) == 1:
        code = "0" + code
    if level == "region" and len(code) == 1:
        code = "0" + code
    if level == "region" and code not in regions():
        raise InputError(f"unknown région code {code!r}; known: {', '.join(sorted(regions()))}", field="territory")
    if level == "departement" and code not in departements():
        raise InputError(f"unknown département code {code!r}", field="territory")
    return Territory(level=level, code=code, label=label_of(level, code))


def all_territories(level: str) -> list[Territory]:
    """Every territory of a level known from the definition file (régions and départements)."""
    if level == "region":
        return [Territory("region", c, l) for c, l in sorted(regions().items())]
    if level == "departement":
        return [Territory("departement", c, v[0]) for c, v in sorted(departements().items())]
    if level == "france":
        return [FRANCE]
    raise InputError(f"territories of level {level!r} are listed by the geo referentials, not by the definition file",
                     field="territory")
