"""Labour-market indicators, declared once and computed with provenance.

    >>> from adequa.indicators import compute, list_indicators
    >>> r = compute("offers_count", db="adequa.duckdb", group="data-ia", territory="region:28", period="2024Q1")
    >>> r.value, r.provenance.line(), r.suppressed

Other areas add indicators by registering them in a module listed in
``INDICATOR_MODULES`` (see :mod:`adequa.indicators.base`).
"""

from __future__ import annotations

import difflib
import importlib
from pathlib import Path

from adequa.errors import InputError
from adequa.indicators.base import (Context, IndicatorDefinition, IndicatorResult, MissingData, Period, register,
                                    registry)
from adequa.indicators.groups import OccupationGroup, get_group, load_groups
from adequa.indicators.territories import Territory, get_territory

__all__ = ["Context", "IndicatorDefinition", "IndicatorResult", "MissingData", "OccupationGroup", "Period",
           "Territory", "compute", "compute_many", "get_group", "get_territory", "list_indicators", "load_groups",
           "register", "registry"]

# Built-in indicator modules; those of other areas are imported when present.
INDICATOR_MODULES = ("demand", "supply", "skills_demand", "tension")
OPTIONAL_MODULES = ("training", "gaps", "emerging")

_loaded = False


def _load() -> None:
    global _loaded
    if _loaded:
        return
    for name in INDICATOR_MODULES:
        importlib.import_module(f"adequa.indicators.{name}")
    for name in OPTIONAL_MODULES:
        try:
            importlib.import_module(f"adequa.indicators.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"adequa.indicators.{name}":
                raise
    _loaded = True


def list_indicators(section: str | None = None) -> list[IndicatorDefinition]:
    """Every registered indicator, by section then name."""
    _load()
    from adequa.indicators.base import SECTIONS

    defs = [d for d in registry().values() if section is None or d.section == section]
    return sorted(defs, key=lambda d: (SECTIONS.index(d.section), d.name))


def get_definition(name: str) -> IndicatorDefinition:
    _load()
    reg = registry()
    if name not in reg:
        close = difflib.get_close_matches(name, reg, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see `adequa indicators list`"
        raise InputError(f"unknown indicator {name!r}{hint}", field="name")
    return reg[name]


_SHARED: dict[int, tuple] = {}


def shared_state(con) -> dict:
    """Facts about a read-only connection (its tables, whether the facts are fresh…), kept while it is open.

    A read-only DuckDB connection cannot see writes, so these stay true; a writable connection gets a
    fresh dict on every call.
    """
    entry = _SHARED.get(id(con))
    if entry is not None and entry[0] is con:
        return entry[1]
    try:
        read_only = con.execute("SELECT current_setting('access_mode')").fetchone()[0] == "read_only"
    except Exception:
        read_only = False
    if not read_only:
        return {}
    if True:
        if len(_SHARED) >= 16:
            _SHARED.pop(next(iter(_SHARED)))
        entry = _SHARED[id(con)] = (con, {})
    return entry[1]


def make_context(con, *, group="data-ia", territory="france", period=None, min_cell_size=None,
                 **options) -> Context:
    if min_cell_size is None:
        from adequa.config import get_settings

        min_cell_size = get_settings().min_cell_size
    if int(min_cell_size) < 1:
        raise InputError("min_cell_size must be at least 1", field="min_cell_size")
    return Context(con=con, group=get_group(group), territory=get_territory(territory),
                   period=Period.parse(period), min_cell_size=int(min_cell_size), options=options,
                   shared=shared_state(con))


def open_warehouse(db: str | Path | None = None):
    """A read-only DuckDB connection on the warehouse (``db`` or the configured one)."""
    import duckdb

    from adequa.config import get_settings
    from adequa.store.duckdb import WarehouseError

    path = Path(db) if db is not None else get_settings().db
    if not path.exists():
        raise WarehouseError(f"{path}: no warehouse here yet (run an `adequa ingest …` first or pass --db)")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise WarehouseError(f"{path}: cannot open the warehouse read-only ({exc})") from exc


def compute(name: str, *, db: str | Path | None = None, con=None, group: str | OccupationGroup = "data-ia",
            territory: str | Territory = "france", period: str | Period | None = None,
            min_cell_size: int | None = None, **options) -> IndicatorResult:
    """Compute one indicator for a group, territory and period.

    :param name: an indicator name (see :func:`list_indicators`).
    :param db: warehouse file (default: settings); or pass an open DuckDB ``con``.
    :param group: group id (``data-ia``), ad-hoc ``rome:M1811,M1405`` / ``fap2021:M2X``, or ``all``.
    :param territory: ``france``, ``region:28``, ``departement:76``, ``bassin:2801``, a custom id…
    :param period: ``2024``, ``2024Q1``, ``2024-03``, ``2019Q1..2024Q1`` or None (all data).
    :param min_cell_size: figures from fewer units are withheld (default: settings, 5).
    :param options: indicator-specific options (see each definition's ``options``).
    """
    defn = get_definition(name)
    own = con is None
    if own:
        con = open_warehouse(db)
    try:
        ctx = make_context(con, group=group, territory=territory, period=period, min_cell_size=min_cell_size,
                           **options)
        return defn.compute(ctx)
    finally:
        if own:
            _SHARED.pop(id(con), None)
            con.close()


def compute_many(names, *, db=None, con=None, territories=("france",), group="data-ia", period=None,
                 min_cell_size=None, errors: str = "raise", **options) -> list[IndicatorResult]:
    """Compute several indicators over several territories on one connection.

    ``errors="skip"`` drops indicators whose inputs are missing (MissingData) instead of raising.
    """
    own = con is None
    if own:
        con = open_warehouse(db)
    out = []
    try:
        for territory in territories:
            for name in names:
                try:
                    out.append(compute(name, con=con, group=group, territory=territory, period=period,
                                       min_cell_size=min_cell_size, **options))
                except MissingData:
                    if errors != "skip":
                        raise
    finally:
        if own:
            _SHARED.pop(id(con), None)
            con.close()
    return out
