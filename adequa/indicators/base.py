"""How an indicator is declared, computed and returned.

An indicator is declared once, as data (:class:`IndicatorDefinition`): a name,
titles, a definition in words, a unit, the tables it reads, a section of the
study and a ``compute`` function. ``compute`` receives a :class:`Context`
(connection, occupation group, territory, period, minimum cell size, options)
and returns an :class:`IndicatorResult`: the headline value, the table behind
it, its provenance and the cells withheld for confidentiality.

Modules register their indicators at import time::

    from adequa.indicators.base import IndicatorDefinition, register

    def _count(ctx):
        n = ctx.scalar(f"SELECT count(*) FROM ({ctx.ads_sql()})")
        return ctx.result(DEFN, value=ctx.publishable(n, "offers"), rows_used=n, sources=["ads"])

    DEFN = register(IndicatorDefinition(name="offers_count", title="Offres d'emploi", ..., compute=_count))

and are then reachable through :func:`adequa.indicators.compute`.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Callable, Iterable

from adequa.errors import AdequaError, InputError
from adequa.indicators.groups import OccupationGroup
from adequa.indicators.territories import Territory, sql_str
from adequa.model import Provenance

SECTIONS = ("workers", "job_seekers", "offers", "bmo", "skills", "tension", "training", "gaps", "emerging")


class MissingData(AdequaError):
    """An indicator's input table is absent or empty; the message says which command loads it."""


# -- periods ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """A half-open date interval [start, end) with its label: 2024, 2024Q1, 2024-03, 2019Q1..2024Q1."""

    label: str
    start: date
    end: date
    kind: str = "range"          # year | quarter | month | range

    @classmethod
    def parse(cls, text: "str | Period | None") -> "Period | None":
        if text is None or isinstance(text, Period):
            return text
        raw = str(text).strip()
        if ".." in raw:
            a, b = (cls.parse(p) for p in raw.split("..", 1))
            if b.end <= a.start:
                raise InputError(f"period {raw!r} ends before it starts", field="period")
            return cls(f"{a.label}..{b.label}", a.start, b.end, "range")
        t = raw.upper().replace(" ", "")
        m = re.fullmatch(r"(\d{4})", t)
        if m:
            y = int(m.group(1))
            return cls(str(y), date(y, 1, 1), date(y + 1, 1, 1), "year")
        m = re.fullmatch(r"(\d{4})-?[QT]([1-4])", t) or re.fullmatch(r"[QT]([1-4])-?(\d{4})", t)
        if m:
            y, q = (int(m.group(1)), int(m.group(2))) if len(m.group(1)) == 4 else (int(m.group(2)), int(m.group(1)))
            return cls(f"{y}Q{q}", date(y, 3 * q - 2, 1), _add_months(date(y, 3 * q - 2, 1), 3), "quarter")
        m = re.fullmatch(r"(\d{4})-(\d{1,2})", t)
        if m and 1 <= int(m.group(2)) <= 12:
            y, mo = int(m.group(1)), int(m.group(2))
            return cls(f"{y}-{mo:02d}", date(y, mo, 1), _add_months(date(y, mo, 1), 1), "month")
        raise InputError(f"{text!r} is not a period: write 2024, 2024Q1 (or 2024-T1), 2024-03, or A..B",
                         field="period")

    def shift(self, *, years: int = 0, months: int = 0) -> "Period":
        """The same span moved in time (e.g. the same quarter a year earlier)."""
        n = years * 12 + months
        start, end = _add_months(self.start, n), _add_months(self.end, n)
        if self.kind == "year":
            label = str(start.year)
        elif self.kind == "quarter":
            label = f"{start.year}Q{(start.month - 1) // 3 + 1}"
        elif self.kind == "month":
            label = f"{start.year}-{start.month:02d}"
        else:
            label = f"{start.isoformat()}..{end.isoformat()}"
        return Period(label, start, end, self.kind)

    def previous(self) -> "Period":
        """The comparison period by default: the same span one year earlier."""
        return self.shift(years=-1)

    def predicate(self, column: str) -> str:
        return f"({column} >= DATE '{self.start.isoformat()}' AND {column} < DATE '{self.end.isoformat()}')"

    @property
    def years(self) -> list[int]:
        return list(range(self.start.year, (self.end.year if self.end.month == 1 and self.end.day == 1
                                              else self.end.year + 1)))

    @property
    def quarters(self) -> list[str]:
        out, d = [], date(self.start.year, 3 * ((self.start.month - 1) // 3) + 1, 1)
        while d < self.end:
            out.append(f"{d.year}Q{(d.month - 1) // 3 + 1}")
            d = _add_months(d, 3)
        return out

    def __str__(self) -> str:
        return self.label


def _add_months(d: date, n: int) -> date:
    m = d.year * 12 + d.month - 1 + n
    return date(m // 12, m % 12 + 1, 1)


# -- results ------------------------------------------------------------------------------------------

@dataclass
class IndicatorResult:
    """A computed figure: headline ``value``, the table behind it, provenance, withheld cells."""

    name: str
    title: str
    unit: str
    value: Any = None
    rows: list[dict] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    provenance: Provenance = field(default_factory=lambda: Provenance(source="adequa"))
    suppressed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    group: str | None = None
    territory: str | None = None
    period: str | None = None

    def to_dict(self) -> dict:
        d = asdict(self)
        d["provenance"] = self.provenance.to_dict()
        return d


@dataclass(frozen=True)
class IndicatorDefinition:
    name: str
    title: str
    title_en: str
    definition: str
    unit: str                        # count, %, years, ratio, index…
    inputs: tuple[str, ...]          # tables read
    section: str
    compute: Callable[["Context"], IndicatorResult] = field(repr=False, compare=False)
    options: dict = field(default_factory=dict, compare=False)   # option name -> help text
    limits: str | None = None

    def __post_init__(self):
        if self.section not in SECTIONS:
            raise ValueError(f"{self.name}: section {self.section!r} not in {SECTIONS}")
        if not re.fullmatch(r"[a-z][a-z0-9_]*", self.name):
            raise ValueError(f"indicator name {self.name!r}: lower-case letters, digits and _")

    def to_dict(self) -> dict:
        return {"name": self.name, "title": self.title, "title_en": self.title_en, "definition": self.definition,
                "unit": self.unit, "inputs": list(self.inputs), "section": self.section,
                "options": dict(self.options), "limits": self.limits}


_REGISTRY: dict[str, IndicatorDefinition] = {}


def register(defn: IndicatorDefinition) -> IndicatorDefinition:
    """Add an indicator to the registry (re-registering the same name replaces it); returns it."""
    _REGISTRY[defn.name] = defn
    return defn


def registry() -> dict[str, IndicatorDefinition]:
    return dict(_REGISTRY)


# -- the context an indicator computes in -----------------------------------------------------------

@dataclass
class Context:
    con: Any                                  # duckdb.DuckDBPyConnection (read-only is enough)
    group: OccupationGroup
    territory: Territory
    period: Period | None
    min_cell_size: int = 5
    options: dict = field(default_factory=dict)
    shared: dict = field(default_factory=dict, repr=False)    # facts about the connection (tables, freshness…)
    _cache: dict = field(default_factory=dict, repr=False)    # this result's notes and withheld cells

    # ---- database helpers
    def scalar(self, sql: str, params: list | None = None):
        row = self.con.execute(sql, params or []).fetchone()
        return row[0] if row else None

    def dicts(self, sql: str, params: list | None = None) -> list[dict]:
        cur = self.con.execute(sql, params or [])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]

    def has_table(self, name: str) -> bool:
        key = ("table", name)
        if key not in self.shared:
            self.shared[key] = bool(self.scalar(
                "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND schema_name = 'main'", [name])
                or self.scalar("SELECT count(*) FROM duckdb_views() WHERE view_name = ? AND schema_name = 'main'",
                               [name]))
        return self.shared[key]

    def has_column(self, table: str, column: str) -> bool:
        key = ("column", table, column)
        if key not in self.shared:
            self.shared[key] = bool(self.scalar(
                "SELECT count(*) FROM duckdb_columns() WHERE table_name = ? AND column_name = ?", [table, column]))
        return self.shared[key]

    def ref(self, name: str, *, nonempty: bool = True) -> str | None:
        """The referential's ``current_<name>`` view if present, else the table, else None.

        With ``nonempty`` (the default) an empty referential counts as absent.
        """
        for candidate in (f"current_{name}", name):
            if self.has_table(candidate):
                if nonempty:
                    key = ("nonempty", candidate)
                    if key not in self.shared:
                        self.shared[key] = bool(self.scalar(f"SELECT count(*) FROM (SELECT 1 FROM {candidate} LIMIT 1)"))
                    if not self.shared[key]:
                        return None
                return candidate
        return None

    def require(self, table: str, hint: str) -> None:
        """Raise MissingData unless ``table`` exists and has rows; ``hint`` is the command that loads it."""
        key = ("has_rows", table)
        if key not in self.shared:
            self.shared[key] = self.has_table(table) and bool(
                self.scalar(f'SELECT count(*) FROM (SELECT 1 FROM "{table}" LIMIT 1)'))
        if not self.shared[key]:
            raise MissingData(f"no data in table {table!r}: load it first with `{hint}`")

    def opt(self, name: str, default=None):
        return self.options.get(name, default)

    # ---- occupation filters
    def rome_predicate(self, column: str, *, rome_version: str = "4") -> str:
        """SQL selecting the group's ROME codes in ``column``.

        Explicit ``rome`` codes win; a group defined by FAP codes only is mapped to ROME through
        the ``rome_fap`` referential. For ROME v3-keyed sources (``rome_version="3"``), ROME 4.0
        fiches reach their v3 code through ``rome_fiches.code_rome_parent`` when that is loaded.
        """
        g = self.group
        if g.is_all:
            return "TRUE"
        if g.rome:
            parts = _code_predicate(column, g.rome)
            if rome_version == "3" and (fiches := self.ref("rome_fiches")):
                parts += (f" OR {column} IN (SELECT code_rome_parent FROM {fiches} "
                          f"WHERE {_code_predicate('code_rome', g.rome)})")
            return f"({parts})"
        rome_fap = self.ref("rome_fap")
        if rome_fap is None:
            raise MissingData(f"group {g.id!r} is defined by FAP codes only and the ROME→FAP table is not loaded: "
                              "run `adequa data pull` (referentials) or add rome codes to the group")
        fap_parts = []
        if g.fap2021:
            fap_parts.append(_code_predicate("fap2021", g.fap2021, prefix_always=True))
        if g.fap2009:
            fap_parts.append(_code_predicate("fap2009", g.fap2009, prefix_always=True))
        primary = " AND rank = 0" if self.has_column(rome_fap, "rank") else ""
        rome_col = "rome_v3" if rome_version == "3" and self.has_column(rome_fap, "rome_v3") else "code_rome"
        return (f"({column} IN (SELECT {rome_col} FROM {rome_fap} WHERE ({' OR '.join(fap_parts)}){primary}))")

    def fap_predicate(self, column: str, *, nomenclature: str = "fap2021") -> str:
        """SQL selecting the group's FAP codes (``fap2021`` or ``fap2009``) in ``column`` (prefix match)."""
        g = self.group
        if g.is_all:
            return "TRUE"
        codes = g.fap2021 if nomenclature == "fap2021" else g.fap2009
        if codes:
            return f"({_code_predicate(column, codes, prefix_always=True)})"
        rome_fap = self.ref("rome_fap")
        if rome_fap is None or not g.rome:
            raise MissingData(f"group {g.id!r} has no {nomenclature} codes and the ROME→FAP table is not loaded: "
                              f"add {nomenclature} codes to the group or run `adequa data pull`")
        primary = " AND rank = 0" if self.has_column(rome_fap, "rank") else ""
        return (f"({column} IN (SELECT {nomenclature} FROM {rome_fap} WHERE "
                f"{self.rome_predicate('code_rome')}{primary}))")

    def territory_predicate(self, columns: dict[str, str], *, table: str = "table") -> str:
        geo = self.ref("geo_communes")
        if geo is None and self.territory.level not in columns and self.territory.level != "france":
            raise MissingData(f"{table} has no {self.territory.level} column and the commune referential "
                              "(geo_communes) is not loaded: run `adequa data pull`")
        return self.territory.predicate(columns, geo_table=geo or "geo_communes", table=table)

    # ---- the ads, counted once per duplicate cluster
    def ads_sql(self, *, period: "Period | None | bool" = True, territory: "Territory | None | bool" = True,
                group: bool = True, columns: str = "a.*") -> str:
        """SQL of the group's ads in the territory and period, one row per duplicate cluster,
        with ``rome`` = the enriched occupation (fallback: the recruiter's code) and ``month``.

        ``period=False`` / ``territory=False`` / ``group=False`` drop a filter; a Period or
        Territory passed explicitly replaces the context's one.
        """
        where = ["(a.duplicate_cluster IS NULL OR a.duplicate_cluster = a.ad_id)"]
        p = self.period if period is True else (period or None)
        if p is not None:
            where.append(p.predicate("a.created_at"))
        t = self.territory if territory is True else (territory or None)
        if t is not None and t.level != "france":
            cols = {"commune": "a.commune", "departement": "a.departement", "region": "a.region", "bassin": "a.bassin"}
            geo = self.ref("geo_communes")
            if geo is None and t.level not in cols:
                raise MissingData(f"ads have no {t.level} column and the commune referential (geo_communes) is not "
                                  "loaded: run `adequa data pull`")
            where.append(t.predicate(cols, geo_table=geo or "geo_communes", table="ads"))
        rome = "coalesce(o.rome, a.source_rome)" if self.has_table("ad_occupations") else "a.source_rome"
        if group and not self.group.is_all:
            where.append(self.rome_predicate(rome))
        join = "LEFT JOIN ad_occupations o ON o.ad_id = a.ad_id" if self.has_table("ad_occupations") else ""
        return (f"SELECT {columns}, {rome} AS rome FROM ads a {join} WHERE " + " AND ".join(where))

    # ---- confidentiality
    def publishable(self, n: int | None, what: str, value=None):
        """``value`` (default ``n``) if ``n`` reaches the minimum cell size, else None with a reason recorded."""
        if n is None:
            return None
        if n < self.min_cell_size:
            self._suppressed().append(f"{what}: computed from fewer than {self.min_cell_size} units "
                                      f"(minimum cell size), not published")
            return None
        return n if value is None else value

    def protect(self, rows: list[dict], *, count: str, values: Iterable[str] = (), label: str | None = None,
                secondary: bool = True) -> list[dict]:
        """Withhold the cells of a breakdown computed from fewer than ``min_cell_size`` units.

        The count and every column in ``values`` are set to None in such rows. With ``secondary``,
        when exactly one row is withheld its value could be recovered from the published total, so
        the next smallest row is withheld too (secondary suppression).
        """
        values = [count, *values]
        small = [r for r in rows if r.get(count) is not None and r[count] < self.min_cell_size]
        extra = []
        if secondary and len(small) == 1 and len(rows) > 2:
            others = sorted((r for r in rows if r not in small and r.get(count) is not None), key=lambda r: r[count])
            extra = others[:1]
        for r in small:
            self._suppressed().append(f"{_row_label(r, label)}: fewer than {self.min_cell_size} units, withheld")
        for r in extra:
            self._suppressed().append(f"{_row_label(r, label)}: withheld so that the small cell above "
                                      "cannot be recovered from the total (secondary suppression)")
        for r in small + extra:
            for v in values:
                r[v] = None
        return rows

    def _suppressed(self) -> list[str]:
        return self._cache.setdefault("suppressed", [])

    def note(self, text: str) -> None:
        self._cache.setdefault("notes", []).append(text)

    # ---- building the result
    def result(self, defn: IndicatorDefinition, *, value=None, rows: list[dict] | None = None,
               columns: list[str] | None = None, sources: Iterable[str] = (), rows_used: int | None = None,
               period: str | None = None, notes: Iterable[str] = (), filters: dict | None = None) -> IndicatorResult:
        rows = rows or []
        if columns is None:
            columns = list(rows[0].keys()) if rows else []
        srcs = list(dict.fromkeys(sources)) or list(defn.inputs)
        versions = self.source_versions(srcs)
        period_label = period or (self.period.label if self.period else None)
        prov = Provenance(
            source=", ".join(srcs),
            version="; ".join(f"{t} {v}" for t, v in versions.items()) or None,
            period=period_label,
            rows=rows_used,
            filters={"group": self.group.id, "territory": self.territory.spec, "period": period_label,
                     "min_cell_size": self.min_cell_size, **(filters or {}),
                     **{k: v for k, v in self.options.items() if v is not None}},
        )
        return IndicatorResult(name=defn.name, title=defn.title, unit=defn.unit, value=value, rows=rows,
                               columns=columns, provenance=prov, suppressed=list(self._suppressed()),
                               notes=[*self._cache.get("notes", []), *notes], group=self.group.id,
                               territory=self.territory.spec, period=period_label)

    def source_versions(self, tables: Iterable[str]) -> dict[str, str]:
        """Versions of the loaded tables, from the warehouse's provenance records."""
        if not self.has_table("provenance"):
            return {}
        key = ("provenance",)
        if key not in self.shared:
            self.shared[key] = dict(self.con.execute(
                "SELECT table_name, string_agg(DISTINCT version, ', ' ORDER BY version) FROM provenance "
                "GROUP BY 1").fetchall())
        known = self.shared[key]
        return {t: known[t] for t in tables if known.get(t)}


def _code_predicate(column: str, codes: Iterable[str], *, prefix_always: bool = False) -> str:
    exact = [c for c in codes if not prefix_always and len(c) >= 5]
    prefixes = [c for c in codes if prefix_always or len(c) < 5]
    parts = []
    if exact:
        parts.append(f"{column} IN ({', '.join(sql_str(c) for c in exact)})")
    for p in prefixes:
        parts.append(f"starts_with({column}, {sql_str(p)})")
    return " OR ".join(parts) or "FALSE"


def _row_label(row: dict, label: str | None) -> str:
    if label and row.get(label) is not None:
        return str(row[label])
    for k, v in row.items():
        if isinstance(v, str):
            return v
    return "a cell"


def share(part: float | None, whole: float | None, digits: int = 1) -> float | None:
    """part / whole in percent, None when the denominator is zero or unknown."""
    if part is None or not whole:
        return None
    return round(100.0 * part / whole, digits)


def growth(new: float | None, old: float | None, digits: int = 1) -> float | None:
    """Change from ``old`` to ``new`` in percent; None when ``old`` is zero or unknown."""
    if new is None or not old:
        return None
    return round(100.0 * (new - old) / old, digits)
