"""Supply: workers (census) and job seekers (France Travail / DARES), for a group and territory.

Census figures use the latest census year within the period (default: the
latest loaded); job-seeker figures use the latest month or quarter within the
period (default: the latest loaded), category ABC unless ``category=`` says
otherwise. Distributions (age, diploma, status, sector) are shares of the sum
of their known categories.
"""

from __future__ import annotations

import re

from adequa.indicators.base import IndicatorDefinition, MissingData, Period, growth, register, share
from adequa.indicators.cube import Cube, category_clause

CENSUS = ("census_workers",)
DEFM = ("job_seekers",)


# ---- time selection ---------------------------------------------------------------------------------

def census_years(ctx) -> list[int]:
    key = ("census_years",)
    if key not in ctx.shared:
        ctx.shared[key] = [r[0] for r in ctx.con.execute("SELECT DISTINCT year FROM census_workers ORDER BY 1").fetchall()]
    return ctx.shared[key]


def census_year(ctx) -> int:
    ctx.require("census_workers", "adequa ingest census FILE")
    years = census_years(ctx)
    if not years:
        raise MissingData("no census year loaded: load one with `adequa ingest census FILE`")
    if ctx.period is not None:
        inside = [y for y in years if y in ctx.period.years]
        if not inside:
            raise MissingData(f"no census year in {ctx.period.label} (loaded: {', '.join(map(str, years))})")
        return inside[-1]
    return years[-1]


def census_compare_year(ctx, year: int) -> int:
    if ctx.opt("compare"):
        y = int(str(ctx.opt("compare"))[:4])
        if y not in census_years(ctx):
            raise MissingData(f"census year {y} is not loaded (loaded: {', '.join(map(str, census_years(ctx)))})")
        return y
    earlier = [y for y in census_years(ctx) if y < year]
    if not earlier:
        raise MissingData(f"a change needs two census years; only {year} is loaded before or at {year}")
    return earlier[0]


# Job seekers derived from France Travail's ROME × bassin tension table (adequa.pipeline.statistics).
TENSION_LAYOUT = "mobiville-tension-2020"
TENSION_SOURCE = ("France Travail, demandeurs d'emploi cat. ABC par ROME v3 × bassin BMO (table de tension "
                  "publiée pour Mobiville)")


def defm_period(ctx, period: Period | None) -> str:
    """The month or quarter (or year) of job seekers to use: the latest within ``period``.

    At the same end date a DEFM file's own period wins over the year derived from the tension table.
    """
    order = (f"ORDER BY period_end DESC, coalesce(layout, '') = '{TENSION_LAYOUT}', length(period), period LIMIT 1")
    if period is None:
        row = ctx.con.execute(f"SELECT period FROM job_seekers {order}").fetchone()
    else:
        row = ctx.con.execute(
            f"SELECT period FROM job_seekers WHERE period_end >= ? AND period_end < ? {order}",
            [period.start, period.end]).fetchone()
    if not row:
        loaded = defm_periods(ctx)
        raise MissingData(f"no job-seeker data for {period.label if period else 'any period'}"
                          + (f" (loaded: {', '.join(loaded)})" if loaded else ""))
    return row[0]


def defm_periods(ctx) -> list[str]:
    key = ("defm_periods",)
    if key not in ctx.shared:
        ctx.shared[key] = [r[0] for r in ctx.con.execute(
            "SELECT period FROM job_seekers GROUP BY period ORDER BY max(period_end), period").fetchall()] \
            if ctx.has_table("job_seekers") else []
    return ctx.shared[key]


def defm_layouts(ctx, period: str) -> set[str]:
    key = ("defm_layouts", period)
    if key not in ctx.shared:
        ctx.shared[key] = {r[0] or "" for r in ctx.con.execute(
            "SELECT DISTINCT layout FROM job_seekers WHERE period = ?", [period]).fetchall()}
    return ctx.shared[key]


def from_tension_table(ctx, period: str) -> bool:
    """True when the period's job seekers come only from the ROME × bassin tension table."""
    return defm_layouts(ctx, period) == {TENSION_LAYOUT}


def defm_cube(ctx, period: str) -> Cube:
    """A job-seeker cube that chooses its nomenclature and territorial level among those of ``period``
    (a DEFM file by FAP for 2024Q1 and the tension table's ROME v3 rows for 2020 can sit side by side)."""
    cube = Cube(ctx, "job_seekers", "job_seekers")
    key = ("defm_meta", period)
    if key not in ctx.shared:
        ctx.shared[key] = {
            "levels": {r[0] for r in ctx.con.execute(
                "SELECT DISTINCT level FROM job_seekers WHERE period = ?", [period]).fetchall()},
            "nomenclatures": {r[0] for r in ctx.con.execute(
                "SELECT DISTINCT nomenclature FROM job_seekers WHERE period = ?", [period]).fetchall()},
            "categories": {r[0] for r in ctx.con.execute(
                "SELECT DISTINCT category FROM job_seekers WHERE period = ?", [period]).fetchall()}}
    cube.meta = {**cube.meta, **ctx.shared[key]}
    return cube


def tension_caveat(ctx, period: str) -> str:
    """The note every figure read from the tension table's job seekers carries."""
    key = ("tension_total", period)
    if key not in ctx.shared:
        ctx.shared[key] = ctx.scalar("SELECT sum(job_seekers) FROM job_seekers WHERE period = ? AND level = 'france' "
                                     "AND layout = ?", [period, TENSION_LAYOUT])
    total = ctx.shared[key]
    return (f"Job seekers from France Travail's ROME v3 × BMO bassin table published for Mobiville ({period}; the "
            "reference date within the year is not stated): the data mirror's README warns that some counts look "
            "implausibly low"
            + (f" — its cells add up to {total:,.0f} job seekers for the whole of France, far below the ~6 million "
               "registered in categories A, B, C (DARES), so read counts as a lower bound and shares as shares of "
               "the file's own total" if total else "")
            + "; ROME 4.0 fiches of the group reach its ROME v3 codes through their v3 parent, which widens the "
            "group; no breakdown by sex, age, diploma or seniority.")


def defm_result(ctx, defn, defm_period_label: str, /, **kw):
    """``ctx.result`` for a job-seeker figure; when the rows come from the tension table, the source line
    names that table and its year and the caveat is added."""
    tension = from_tension_table(ctx, defm_period_label)
    if tension:
        ctx.note(tension_caveat(ctx, defm_period_label))
    r = ctx.result(defn, **kw)
    if tension:
        from dataclasses import replace

        src = [TENSION_SOURCE if s == "job_seekers" else s for s in r.provenance.source.split(", ")]
        r.provenance = replace(r.provenance, source=", ".join(dict.fromkeys(src)))
    return r


def no_breakdown(ctx, table: str, dim: str, period: str) -> MissingData:
    """Why a breakdown is missing, naming the source when it is the tension table."""
    words = {"sex": "sex", "age_band": "age band", "diploma": "diploma", "seniority": "seniority of registration"}
    if table == "job_seekers" and from_tension_table(ctx, period):
        # one wording for every dimension, so that the report lists these figures under one reason
        return MissingData(f"the job seekers of {period} come from France Travail's ROME × bassin tension table "
                           "(Mobiville), which has no breakdown by sex, age, diploma or seniority of registration: "
                           "load a DEFM table broken down by them (`adequa ingest job-seekers FILE`)")
    return MissingData(f"{table} has no breakdown by {words.get(dim, dim)} for this group, territory and period")


def census_cube(ctx, year: int) -> Cube:
    """A census cube that chooses its nomenclature among those of ``year`` only.

    Two censuses may be coded differently (RP 2015 in PCS 2003 → FAP-2009, RP 2021 in PCS 2020 →
    FAP-2021): each year is read in the first nomenclature it has that the group can be matched in.
    """
    cube = Cube(ctx, "census_workers", "workers")
    key = ("census_nomenclatures", year)
    if key not in ctx.shared:
        ctx.shared[key] = {r[0] for r in ctx.con.execute(
            "SELECT DISTINCT nomenclature FROM census_workers WHERE year = ?", [year]).fetchall()}
    cube.meta = {**cube.meta, "nomenclatures": ctx.shared[key]}
    return cube


def _census(ctx) -> tuple[Cube, int, str]:
    y = census_year(ctx)
    return census_cube(ctx, y), y, f"year = {y}"


def _two_censuses(ctx) -> tuple[int, int, dict[int, Cube]]:
    """(comparison year, year, cube per year); a note when the two years use different nomenclatures."""
    y = census_year(ctx)
    y0 = census_compare_year(ctx, y)
    cubes = {yr: census_cube(ctx, yr) for yr in (y0, y)}
    noms = {yr: c.nomenclature() for yr, c in cubes.items()}
    if noms[y0] != noms[y]:
        ctx.note(f"the two census years are coded differently ({y0}: {noms[y0]}, {y}: {noms[y]}): the group's "
                 "families are not exactly the same in both, so the change mixes real change and nomenclature change")
    return y0, y, cubes


def _defm(ctx) -> tuple[Cube, str, str]:
    ctx.require("job_seekers", "adequa ingest job-seekers FILE (or `adequa ingest tension` for the ROME × bassin "
                               "table's 2020 job seekers)")
    p = defm_period(ctx, ctx.period)
    return defm_cube(ctx, p), p, f"period = '{p}'"


def _finish(ctx, kind: str, defn, label, **kw):
    if kind == "census":
        return ctx.result(defn, **kw)
    return defm_result(ctx, defn, str(label), **kw)


# ---- generic builders -----------------------------------------------------------------------------

def _count(kind: str):
    def compute(ctx):
        cube, label, where = _census(ctx) if kind == "census" else _defm(ctx)
        n, cells = cube.total(where)
        if n is None:
            ctx.note("no matching cell")
        value = ctx.publishable(int(n or 0), "people", value=n) if n is not None else None
        if n is None and kind != "census":
            _why_no_cell(ctx, cube, label)
        return _finish(ctx, kind, DEFS[f"{_prefix(kind)}_count"], label, value=value,
                       rows=[{"period": str(label), "count": value}], sources=[cube.table], rows_used=cells,
                       period=str(label))
    return compute


def _share_of_all(kind: str):
    def compute(ctx):
        cube, label, where = _census(ctx) if kind == "census" else _defm(ctx)
        n, cells = cube.total(where)
        total, cells_all = cube.total(where, group=False)
        value = ctx.publishable(int(n or 0), "people of the group", value=share(n, total, 2))
        if not total:
            ctx.note("no total for all occupations: share undefined")
        if total is None and kind != "census":
            _why_no_cell(ctx, cube, label, what="for any occupation")
        return _finish(ctx, kind, DEFS[f"{_prefix(kind)}_share_of_all"], label, value=value,
                       rows=[{"group": n if value is not None else None, "all": total}], sources=[cube.table],
                       rows_used=cells + cells_all, period=str(label))
    return compute


def _distribution(kind: str, dim: str, headline: str | None, name: str, order: list[str] | None = None):
    def compute(ctx):
        cube, label, where = _census(ctx) if kind == "census" else _defm(ctx)
        rows = cube.sum(where, by=dim)
        if not rows:
            raise no_breakdown(ctx, cube.table, dim, str(label))
        total = sum(r["n"] or 0 for r in rows)
        n_all, _ = cube.total(where)
        if n_all and total < n_all:
            ctx.note(f"the breakdown by {dim} covers {total:,.0f} of the group's {n_all:,.0f} people; shares are "
                     "computed over those")
        if headline and n_all and all(r["key"] == headline for r in rows):
            # only the headline band is given (e.g. "Supérieur au Bac"): the rest of the group is the other bands
            ctx.note(f"the file gives only the {headline} band: its share is taken over the group's total")
            total = max(total, n_all)
        out = [{dim: r["key"], "count": r["n"], "share": share(r["n"], total)} for r in rows]
        if order:
            out.sort(key=lambda r: (order.index(r[dim]) if r[dim] in order else len(order), r[dim]))
        else:
            out.sort(key=lambda r: _band_key(r[dim]))
        ctx.publishable(int(total), "people")
        head = next((r["share"] for r in out if r[dim] == headline), None) if headline else None
        if headline is None and out:
            top = max(out, key=lambda r: r["count"] or 0)
            head = top[dim]
        ctx.protect(out, count="count", values=["share"], label=dim)
        if total < ctx.min_cell_size:
            head = None
        return _finish(ctx, kind, DEFS[name], label, value=head, rows=out, columns=[dim, "count", "share"],
                       sources=[cube.table], rows_used=sum(r["cells"] for r in rows), period=str(label))
    return compute


def _band_key(band: str):
    nums = [int(n) for n in re.findall(r"\d+", band or "")]
    return (nums[0] if nums else 999) + (0.5 if band and band.endswith("+") else 0) - (0.5 if band.startswith("<") else 0)


def _women(kind: str):
    def compute(ctx):
        cube, label, where = _census(ctx) if kind == "census" else _defm(ctx)
        n_all, _ = cube.total(where)
        n, cells = cube.total(where, only_with="sex")
        f, _ = cube.total(where, dims={"sex": "F"})
        if f is None:
            raise no_breakdown(ctx, cube.table, "sex", str(label))
        if n_all is not None and n is not None and n < n_all:
            ctx.note(f"the breakdown by sex covers {n:,.0f} of the group's {n_all:,.0f} people; the share is "
                     "computed over those")
        value = ctx.publishable(int(n or 0), "people", value=share(f, n))
        rows = [{"sex": "F", "count": f, "share": share(f, n)}, {"sex": "H", "count": (n or 0) - f,
                                                                  "share": share((n or 0) - f, n)}]
        ctx.protect(rows, count="count", values=["share"], label="sex", secondary=False)
        return _finish(ctx, kind, DEFS[f"{_prefix(kind)}_women_share"], label, value=value, rows=rows,
                       sources=[cube.table], rows_used=cells, period=str(label))
    return compute


def _prefix(kind: str) -> str:
    return "workers" if kind == "census" else "job_seekers"


# ---- workers-specific ----------------------------------------------------------------------------------

def _workers_mean_age(ctx):
    cube, y, where = _census(ctx)
    n, cells = cube.total(where)
    direct = ctx.con.execute(
        f"SELECT sum(mean_age * workers) / nullif(sum(workers), 0) FROM census_workers WHERE {where} AND "
        f"{cube.territory_where()} AND {cube.occupation_where()} AND sex = 'total' AND age_band = 'total' AND "
        "diploma = 'total' AND status = 'total' AND sector = 'total' AND mean_age IS NOT NULL").fetchone()[0]
    if direct is not None:
        value, method = round(direct, 1), "published mean age"
        rows = [{"year": y, "mean_age": value, "method": method}]
    else:
        bands = cube.sum(where, by="age_band")
        known = [(b["key"], b["n"]) for b in bands if b["n"]]
        mids = [(band_midpoint(k), v) for k, v in known]
        if not mids or any(m is None for m, _ in mids):
            raise MissingData("neither a published mean age nor parsable age bands for this group and territory")
        tot = sum(v for _, v in mids)
        value = round(sum(m * v for m, v in mids) / tot, 1) if tot else None
        method = "age-band midpoints (approximation)"
        ctx.note("mean age estimated from age-band midpoints: " + ", ".join(f"{k} → {band_midpoint(k)}" for k, _ in known))
        rows = [{"year": y, "mean_age": value, "method": method}]
    value = ctx.publishable(int(n or 0), "workers", value=value)
    if value is None:
        rows = []
    return ctx.result(DEFS["workers_mean_age"], value=value, rows=rows, sources=list(CENSUS), rows_used=cells,
                      period=str(y))


def band_midpoint(band: str) -> float | None:
    """Midpoint of an age band of working people (15–64 assumed at the open ends)."""
    nums = [int(n) for n in re.findall(r"\d+", band or "")]
    if not nums:
        return None
    if band.startswith("<"):
        return (15 + nums[0]) / 2
    if band.endswith("+"):
        return (nums[0] + 65) / 2
    if len(nums) >= 2:
        return (nums[0] + nums[1] + 1) / 2
    return None


def _women_change(ctx):
    y0, y, cubes = _two_censuses(ctx)
    rows = []
    for year in (y0, y):
        n, _ = cubes[year].total(f"year = {year}")
        f, _ = cubes[year].total(f"year = {year}", dims={"sex": "F"})
        rows.append({"year": year, "workers": n, "women": f, "women_share": share(f, n, 2)})
    ok = all(ctx.publishable(int(r["workers"] or 0), f"workers in {r['year']}", value=True) for r in rows)
    a, b = rows[0]["women_share"], rows[1]["women_share"]
    value = round(b - a, 1) if ok and a is not None and b is not None else None
    if not ok:
        for r in rows:
            r["women"] = r["women_share"] = None
    return ctx.result(DEFS["workers_women_share_change"], value=value, rows=rows, sources=list(CENSUS),
                      rows_used=len(rows), period=f"{y0} → {y}", filters={"compare": y0})


def _workers_growth(ctx):
    y0, y, cubes = _two_censuses(ctx)
    n1, c1 = cubes[y].total(f"year = {y}")
    n0, c0 = cubes[y0].total(f"year = {y0}")
    rows = [{"year": y0, "workers": n0}, {"year": y, "workers": n1}]
    ok = ctx.publishable(int(min(n0 or 0, n1 or 0)), "workers in one of the two census years", value=True)
    ctx.protect(rows, count="workers", label="year", secondary=False)
    return ctx.result(DEFS["workers_growth"], value=growth(n1, n0) if ok else None, rows=rows, sources=list(CENSUS),
                      rows_used=c0 + c1, period=f"{y0} → {y}", filters={"compare": y0})


# ---- job-seekers-specific ---------------------------------------------------------------------------------

def _long_term(ctx):
    cube, p, where = _defm(ctx)
    bands = cube.sum(where, by="seniority")
    if not bands:
        raise no_breakdown(ctx, "job_seekers", "seniority", p)
    total = sum(b["n"] or 0 for b in bands)
    long_n = sum(b["n"] or 0 for b in bands if is_long_term(b["key"]))
    if all(is_long_term(b["key"]) for b in bands):
        # only "registered for a year or more" is given: the rest of the group is the shorter seniority
        n_all, _ = cube.total(where)
        if n_all:
            ctx.note("the file gives only long-term job seekers: the share is taken over the group's total")
            total = max(total, n_all)
    rows = [{"seniority": b["key"], "count": b["n"], "share": share(b["n"], total),
             "long_term": is_long_term(b["key"])} for b in bands]
    value = ctx.publishable(int(total), "job seekers", value=share(long_n, total))
    ctx.protect(rows, count="count", values=["share"], label="seniority")
    return defm_result(ctx, DEFS["job_seekers_long_term_share"], p, value=value, rows=rows, sources=list(DEFM),
                       rows_used=sum(b["cells"] for b in bands), period=p)


def _why_no_cell(ctx, cube: Cube, period, what: str = "of the group") -> None:
    """No job-seeker cell for this territory: say why when the tension table is the source."""
    t = ctx.territory
    if not from_tension_table(ctx, str(period)):
        return
    if t.level == "departement":
        present = {r[0] for r in ctx.con.execute(
            "SELECT DISTINCT territory FROM job_seekers WHERE period = ? AND level = 'departement'",
            [str(period)]).fetchall()}
        missing = [c for c in t.codes if c not in present]
        if missing:
            raise MissingData(f"the {period} ROME × bassin table gives no figure for département(s) "
                              f"{', '.join(missing)}: a BMO bassin reaching into a neighbouring département (or one "
                              "missing from the geography referential) would make the sum wrong; use the région or "
                              "the bassins")
    raise MissingData(f"the {period} ROME × bassin table has no cell {what} in {t.display()}: it lists only the "
                      "ROME × bassin pairs it counts, so the job seekers there are none or not published")


def is_long_term(band: str) -> bool:
    """Registered for 12 months or more: '12m+', '24m+', '12-24m'…; not '<12m' or '6-12m'."""
    nums = [int(n) for n in re.findall(r"\d+", band or "")]
    if not nums or band.startswith("<"):
        return False
    return nums[0] >= 12


def _defm_growth(ctx):
    ctx.require("job_seekers", "adequa ingest job-seekers FILE")
    if ctx.period is None:
        # default: the latest period loaded, compared with the same span a year earlier
        p1 = defm_period(ctx, None)
        try:
            current = Period.parse(p1)
        except Exception:
            raise MissingData("a change needs a period (e.g. --period 2024Q1); the comparison defaults to a year "
                              "earlier") from None
    else:
        current = ctx.period
        p1 = defm_period(ctx, current)
    before = Period.parse(ctx.opt("compare")) or current.previous()
    try:
        p0 = defm_period(ctx, before)
    except MissingData:
        raise MissingData(f"a change needs job seekers for two periods: none for {before.label} to compare "
                          f"with {p1} (loaded: {', '.join(defm_periods(ctx))})") from None
    c1_cube, c0_cube = defm_cube(ctx, p1), defm_cube(ctx, p0)
    n1, c1 = c1_cube.total(f"period = '{p1}'")
    n0, c0 = c0_cube.total(f"period = '{p0}'")
    n1_nom, n0_nom = c1_cube.nomenclature(), c0_cube.nomenclature()
    if n1_nom != n0_nom or from_tension_table(ctx, p1) != from_tension_table(ctx, p0):
        ctx.note(f"the two periods come from different files ({p0}: {n0_nom}, {p1}: {n1_nom}): the change mixes real "
                 "change and differences of source and nomenclature")
    rows = [{"period": p0, "job_seekers": n0}, {"period": p1, "job_seekers": n1}]
    ok = ctx.publishable(int(min(n0 or 0, n1 or 0)), "job seekers in one of the two periods", value=True)
    ctx.protect(rows, count="job_seekers", label="period", secondary=False)
    return defm_result(ctx, DEFS["job_seekers_growth"], p1, value=growth(n1, n0) if ok else None, rows=rows,
                       sources=list(DEFM), rows_used=c0 + c1, period=f"{p0} → {p1}", filters={"compare": p0})


QUALIFICATION_ORDER = ["manoeuvres-os", "ouvriers-qualifies", "employes-non-qualifies", "employes-qualifies",
                       "techniciens-agents-maitrise", "cadres", "non-precise"]


def _qualification(ctx):
    from adequa.indicators import cube as cube_mod
    from adequa.indicators.territories import sql_str

    table = "job_seeker_qualifications"
    cube_mod.DIMS.setdefault(table, ("category", "qualification"))
    cube_mod.HINTS.setdefault(table, "adequa ingest job-seekers FILE (a series table by niveau de qualification)")
    cube = Cube(ctx, table, "job_seekers")
    if ctx.period is None:
        row = ctx.con.execute(f"SELECT period FROM {table} ORDER BY period_end DESC, period LIMIT 1").fetchone()
    else:
        row = ctx.con.execute(f"SELECT period FROM {table} WHERE period_end >= ? AND period_end < ? ORDER BY "
                              "period_end DESC, length(period) LIMIT 1", [ctx.period.start, ctx.period.end]).fetchone()
    if not row:
        raise MissingData(f"no job seekers by qualification for {ctx.period.label if ctx.period else 'any period'}")
    cats = {r[0] for r in ctx.con.execute(f"SELECT DISTINCT category FROM {table}").fetchall()}
    cat_where = category_clause(ctx, table, cats)
    rows = cube.sum(f"period = {sql_str(row[0])} AND {cat_where}", by="qualification")
    if not rows:
        raise MissingData("no job seekers by qualification for this group and territory")
    total = sum(r["n"] or 0 for r in rows)
    out = [{"qualification": r["key"], "count": r["n"], "share": share(r["n"], total)} for r in rows]
    out.sort(key=lambda r: QUALIFICATION_ORDER.index(r["qualification"]) if r["qualification"] in QUALIFICATION_ORDER
             else len(QUALIFICATION_ORDER))
    hidden = sum(r["hidden"] for r in rows)
    if hidden:
        ctx.note(f"{hidden} cell(s) withheld by the publisher are left out of the shares")
    value = ctx.publishable(int(total), "job seekers",
                            value=next((r["share"] for r in out if r["qualification"] == "cadres"), 0.0))
    ctx.protect(out, count="count", values=["share"], label="qualification")
    return ctx.result(DEFS["job_seekers_qualification"], value=value, rows=out,
                      columns=["qualification", "count", "share"], sources=[table],
                      rows_used=sum(r["cells"] for r in rows), period=row[0])


# ---- declarations ---------------------------------------------------------------------------------------

DEFS: dict[str, IndicatorDefinition] = {}


def _decl(name, title, title_en, definition, unit, inputs, section, compute, **kw):
    DEFS[name] = register(IndicatorDefinition(name=name, title=title, title_en=title_en, definition=definition,
                                              unit=unit, inputs=inputs, section=section, compute=compute, **kw))


CENSUS_LIMITS = ("Census counts are weighted estimates (INSEE advises caution below ~200 people); data & AI "
                 "occupations are not separable in the census and are proxied by the computing FAP families.")
_decl("workers_count", "Actifs en emploi", "Employed persons",
      "Employed persons of the group at their place of work, census year within the period (default: latest).",
      "persons", CENSUS, "workers", _count("census"), limits=CENSUS_LIMITS)
_decl("workers_share_of_all", "Part des emplois du territoire", "Share of all employment",
      "Employed persons of the group / all employed persons in the territory, same census year.",
      "%", CENSUS, "workers", _share_of_all("census"), limits=CENSUS_LIMITS)
_decl("workers_mean_age", "Âge moyen des actifs", "Mean age of workers",
      "Mean age of employed persons: the published mean when the table has it, else the mean of age-band "
      "midpoints weighted by counts (15–64 assumed at open ends).",
      "years", CENSUS, "workers", _workers_mean_age, limits=CENSUS_LIMITS)
_decl("workers_age_bands", "Actifs par tranche d'âge", "Workers by age band",
      "Employed persons by age band, with shares; value = the most represented band.",
      "band", CENSUS, "workers", _distribution("census", "age_band", None, "workers_age_bands"))
_decl("workers_women_share", "Part des femmes parmi les actifs", "Share of women among workers",
      "Employed women / employed persons of the group.", "%", CENSUS, "workers", _women("census"))
_decl("workers_women_share_change", "Évolution de la part des femmes", "Change in the share of women",
      "Share of women in the census year minus the share in the comparison year (default: earliest loaded), "
      "in percentage points.", "points", CENSUS, "workers", _women_change,
      options={"compare": "comparison census year, e.g. 2015"})
_decl("workers_diploma", "Actifs par niveau de diplôme", "Workers by diploma level",
      "Employed persons by diploma level (sup = higher education, bac, cap-bep, infra); value = share with a "
      "higher-education diploma.", "%", CENSUS, "workers",
      _distribution("census", "diploma", "sup", "workers_diploma", ["sup", "bac", "cap-bep", "infra"]))
_decl("workers_status_mix", "Actifs par statut d'emploi", "Workers by employment status",
      "Employed persons by status: durable (CDI, civil servants), non-durable (fixed-term, temporary, "
      "apprenticeship, subsidised) — split, when the file allows (INSEE EMPL codes), into apprenti, cdd-interim "
      "and autre (subsidised jobs, paid trainees, family helpers) —, self-employed and employers (non-salarie); "
      "value = share of durable jobs.", "%", CENSUS, "workers",
      _distribution("census", "status", "durable", "workers_status_mix",
                    ["durable", "apprenti", "cdd-interim", "non-durable", "salarie", "non-salarie", "autre"]))
_decl("workers_sector_mix", "Actifs par secteur d'activité", "Workers by sector",
      "Employed persons by sector (agriculture, industrie, construction, commerce, services); value = share "
      "in services.", "%", CENSUS, "workers",
      _distribution("census", "sector", "services", "workers_sector_mix",
                    ["agriculture", "industrie", "construction", "commerce", "services"]))
_decl("workers_growth", "Évolution de l'emploi entre deux recensements", "Employment growth between censuses",
      "Change in employed persons between the comparison census year (default: earliest loaded) and the "
      "census year, in percent.", "%", CENSUS, "workers", _workers_growth,
      options={"compare": "comparison census year, e.g. 2015"}, limits=CENSUS_LIMITS)

DEFM_LIMITS = ("Registered job seekers only (categories A, B, C by default); the occupation is the one sought, "
               "coded by the adviser.")
_decl("job_seekers_count", "Demandeurs d'emploi (cat. ABC)", "Job seekers (categories A, B, C)",
      "Job seekers registered at France Travail at the end of the latest month or quarter of the period, "
      "seeking an occupation of the group.", "persons", DEFM, "job_seekers", _count("defm"),
      options={"category": "A, B, C, ABC… (default ABC)"}, limits=DEFM_LIMITS)
_decl("job_seekers_share_of_all", "Part des demandeurs d'emploi du territoire", "Share of all job seekers",
      "Job seekers of the group / all job seekers of the territory, same period.", "%", DEFM, "job_seekers",
      _share_of_all("defm"))
_decl("job_seekers_women_share", "Part des femmes parmi les demandeurs", "Share of women among job seekers",
      "Women / all job seekers of the group.", "%", DEFM, "job_seekers", _women("defm"))
_decl("job_seekers_age_bands", "Demandeurs par tranche d'âge", "Job seekers by age band",
      "Job seekers by age band, with shares; value = the most represented band.", "band", DEFM, "job_seekers",
      _distribution("defm", "age_band", None, "job_seekers_age_bands"))
_decl("job_seekers_diploma", "Demandeurs par niveau de diplôme", "Job seekers by diploma level",
      "Job seekers by diploma level; value = share with a higher-education diploma.", "%", DEFM, "job_seekers",
      _distribution("defm", "diploma", "sup", "job_seekers_diploma", ["sup", "bac", "cap-bep", "infra"]))
_decl("job_seekers_qualification", "Demandeurs par niveau de qualification", "Job seekers by qualification",
      "Job seekers by qualification level of the job sought (manœuvres and OS, skilled / unskilled workers and "
      "employees, technicians and supervisors, cadres); value = share of cadres.", "%",
      ("job_seeker_qualifications",), "job_seekers", _qualification,
      options={"category": "A, B, C, ABC… (default ABC)"}, limits=DEFM_LIMITS)
_decl("job_seekers_long_term_share", "Part des demandeurs de longue durée", "Share of long-term job seekers",
      "Job seekers registered for 12 months or more / all job seekers of the group.", "%", DEFM, "job_seekers",
      _long_term)
_decl("job_seekers_growth", "Évolution du nombre de demandeurs", "Change in job seekers",
      "Change in job seekers between the comparison period (default: a year earlier) and the period, in percent.",
      "%", DEFM, "job_seekers", _defm_growth, options={"compare": "comparison period, e.g. 2019Q1"})
