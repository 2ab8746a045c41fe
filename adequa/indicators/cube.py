"""Reading the statistical cubes (``job_seekers``, ``census_workers``) for a group and a territory.

Both tables hold one row per cell; a dimension set to ``total`` means "all values".
Three choices keep sums honest:

* **one nomenclature**: a file may hold the same people coded in ROME and in FAP;
  the first nomenclature present in the order rome4, rome3, fap2021, fap2009 that
  the group can be matched in is used (the ``all`` group uses ``total`` rows when
  present);
* **one level of detail per group code**: FAP codes nest (M, M2X, M2X90); for each
  code of the group the coarsest matching rows present are summed, never two levels;
* **one territorial level**: the territory's own level when present; otherwise
  régions are summed from départements (France from régions or départements).
"""

from __future__ import annotations

from adequa.indicators.base import Context, MissingData, _code_predicate
from adequa.indicators.territories import departements, regions, sql_str

DIMS = {"job_seekers": ("category", "sex", "age_band", "diploma", "seniority"),
        "census_workers": ("sex", "age_band", "diploma", "status", "sector")}
HINTS = {"job_seekers": "adequa ingest job-seekers FILE", "census_workers": "adequa ingest census FILE"}


class Cube:
    def __init__(self, ctx: Context, table: str, value: str):
        self.ctx, self.table, self.value = ctx, table, value
        ctx.require(table, HINTS[table])
        key = ("cube", table)
        if key not in ctx.shared:
            ctx.shared[key] = {
                "levels": {r[0] for r in ctx.con.execute(f"SELECT DISTINCT level FROM {table}").fetchall()},
                "nomenclatures": {r[0] for r in ctx.con.execute(f"SELECT DISTINCT nomenclature FROM {table}").fetchall()},
                "categories": ({r[0] for r in ctx.con.execute(f"SELECT DISTINCT category FROM {table}").fetchall()}
                               if table == "job_seekers" else set()),
            }
        self.meta = ctx.shared[key]

    # ---- territory
    def territory_where(self, territory=None) -> str:
        t = territory or self.ctx.territory
        levels = self.meta["levels"]
        if t.level == "france":
            for lvl, codes in (("france", None), ("region", list(regions())), ("departement", list(departements()))):
                if lvl in levels:
                    return f"level = '{lvl}'" + (f" AND territory IN ({_lits(codes)})" if codes else "")
            raise MissingData(f"{self.table} has no national, régional or départemental rows")
        if t.level in levels:
            return f"level = {sql_str(t.level)} AND territory IN ({_lits(t.codes)})"
        if t.level == "region" and "departement" in levels:
            deps = [d for d, (_l, r) in departements().items() if r in t.codes]
            return f"level = 'departement' AND territory IN ({_lits(deps)})"
        raise MissingData(f"{self.table} has no rows at the {t.level} level (levels present: "
                          f"{', '.join(sorted(levels))})")

    # ---- occupations
    def nomenclature(self, group=None) -> str:
        g = group or self.ctx.group
        present = self.meta["nomenclatures"]
        if g.is_all and "all" in present:
            return "all"
        order = ["rome4", "rome3", "fap2021", "fap2009"]
        for n in order:
            if n not in present:
                continue
            if g.is_all or (n.startswith("rome") and (g.rome or self.ctx.ref("rome_fap"))) \
                    or (n == "fap2021" and (g.fap2021 or (g.rome and self.ctx.ref("rome_fap")))) \
                    or (n == "fap2009" and (g.fap2009 or (g.rome and self.ctx.ref("rome_fap")))):
                return n
        raise MissingData(f"{self.table}: no rows in a nomenclature the group {g.id!r} can be matched in "
                          f"(present: {', '.join(sorted(present))})")

    def occupation_where(self, *, group: bool = True) -> str:
        """Rows of the group (or of all occupations), one nomenclature, one level of detail."""
        ctx = self.ctx
        from adequa.indicators.groups import ALL

        g = ctx.group if group else ALL
        n = self.nomenclature(g)
        if n == "all":
            return "nomenclature = 'all' AND occupation = 'total'"
        base = f"nomenclature = {sql_str(n)} AND occupation <> 'total'"
        if n.startswith("rome"):
            if g.is_all:
                return base
            saved, ctx.group = ctx.group, g
            try:
                return f"{base} AND {ctx.rome_predicate('occupation', rome_version=n[-1])}"
            finally:
                ctx.group = saved
        codes = g.fap2021 if n == "fap2021" else g.fap2009
        if g.is_all:
            # the coarsest level present (e.g. FAP 22 families) covers everything once
            return (f"{base} AND length(occupation) = (SELECT min(length(occupation)) FROM {self.table} "
                    f"WHERE nomenclature = {sql_str(n)} AND occupation <> 'total')")
        if not codes:
            saved, ctx.group = ctx.group, g
            try:
                return f"{base} AND {ctx.fap_predicate('occupation', nomenclature=n)}"
            finally:
                ctx.group = saved
        parts = []
        for c in codes:
            pred = _code_predicate("occupation", [c], prefix_always=True)
            parts.append(f"({pred} AND length(occupation) = coalesce((SELECT min(length(occupation)) FROM "
                         f"{self.table} WHERE nomenclature = {sql_str(n)} AND {pred}), 0))")
        return f"{base} AND ({' OR '.join(parts)})"

    def category_where(self) -> str:
        if self.table != "job_seekers":
            return "TRUE"
        return category_clause(self.ctx, self.table, self.meta["categories"])

    # ---- sums
    def sum(self, time_where: str, *, by: str | None = None, dims: dict | None = None, group: bool = True,
            territory=None, only_with: str | None = None) -> list[dict]:
        """``[{by: value, "n": sum, "cells": rows, "hidden": NULL cells}]`` with every other dimension at total.

        ``only_with``: keep only the (territory, occupation) cells that the file breaks down by that
        dimension, so that a share's numerator and denominator cover the same people.
        """
        dims = dict(dims or {})
        where = [time_where, self.territory_where(territory), self.occupation_where(group=group), self.category_where()]
        if only_with:
            where.append(f"territory || '|' || occupation IN (SELECT territory || '|' || occupation FROM {self.table} "
                         f"WHERE {time_where} AND {only_with} <> 'total')")
        for d in DIMS[self.table]:
            if d == "category" or d == by:
                continue
            v = dims.get(d, "total")
            where.append(f"{d} = {sql_str(v)}")
        if by:
            where.append(f"{by} <> 'total'")
        sel = f"{by} AS key, " if by else ""
        sql = (f"SELECT {sel}sum({self.value}) AS n, count(*) AS cells, count(*) FILTER (WHERE {self.value} IS NULL) "
               f"AS hidden FROM {self.table} WHERE " + " AND ".join(f"({w})" for w in where)
               + (" GROUP BY 1 ORDER BY 1" if by else ""))
        return self.ctx.dicts(sql)

    def total(self, time_where: str, **kw) -> tuple[float | None, int]:
        rows = self.sum(time_where, **kw)
        r = rows[0] if rows else {"n": None, "cells": 0, "hidden": 0}
        if r["hidden"]:
            self.ctx.note(f"{r['hidden']} cell(s) withheld by the publisher are left out of the sum")
        return (r["n"], r["cells"])


def _lits(codes) -> str:
    codes = list(codes)
    return ", ".join(sql_str(c) for c in codes) if codes else "NULL"


def category_clause(ctx, table: str, cats: set[str]) -> str:
    """WHERE clause for the job-seeker category asked (``category=``, default ABC: the A, B and C rows
    summed when no ABC row is published) among the categories ``cats`` present in ``table``."""
    wanted = str(ctx.opt("category") or "ABC").upper()
    if wanted in cats:
        return f"category = {sql_str(wanted)}"
    if wanted == "ABC" and {"A", "B", "C"} <= cats:
        return "category IN ('A', 'B', 'C')"
    raise MissingData(f"{table} has no category {wanted} rows (present: {', '.join(sorted(cats))})")
