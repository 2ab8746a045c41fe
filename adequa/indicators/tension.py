"""Tension: how hard it is to recruit, after the DARES – France Travail approach.

The DARES and France Travail publish a composite tension indicator per
occupation (FAP) and région from several components: the intensity of hiring
needs (offers per job seeker), the recruitment difficulty declared by employers
(BMO), the job-seekers' outflow from the register, plus employment, working
conditions and mismatch components built from non-public data. Adequa computes
the components open data allows:

* ``tension_offers_per_job_seeker``: offers / job seekers, from the published
  ROME × bassin table (``tension_rome_bassin``) or, with ``source=ads``, from the
  ads in the warehouse over the job seekers of the period;
* ``bmo_difficult_share`` (section bmo) for the recruitment difficulty;
* ``tension_index``: the published tension index of the ROME × bassin table,
  weighted by job seekers;
* ``tension_shortage_list``: whether the group's FAP codes are on the official
  list of occupations in shortage for the région;
* ``tension_summary``: the components side by side, each with its source.

* ``tension_job_seeker_outflow``: exits from the register during the period over
  the job seekers at the end of the previous one, from a series table with
  entries/exits (``job_seeker_flows``); none is in the data mirror, so without
  one it is reported as missing rather than guessed.
"""

from __future__ import annotations

from adequa.indicators.base import IndicatorDefinition, MissingData, register, registry, share

TENSION_HINT = "adequa ingest tension FILE"
COLUMNS = {"region": "region", "bassin": "bassin"}
# The publishers behind the tables, for the "Source : …" line under a figure.
SOURCE_NAMES = {
    "tension_rome_bassin": "France Travail, offres, demandeurs d'emploi et tension par ROME v3 × bassin BMO "
                           "(table publiée pour Mobiville)",
    "shortage_occupations": "France Travail – DARES, liste des métiers en tension par région",
}


def _named(result):
    """The result with its source line naming the publishers instead of the warehouse tables."""
    from dataclasses import replace

    names = [SOURCE_NAMES.get(s, s) for s in result.provenance.source.split(", ")]
    result.provenance = replace(result.provenance, source=", ".join(dict.fromkeys(names)))
    return result


def _tension_years(ctx, where: str) -> str | None:
    return ctx.scalar(f"SELECT string_agg(DISTINCT year::VARCHAR, ', ' ORDER BY year::VARCHAR) FROM "
                      f"tension_rome_bassin WHERE {where}")


def _tension_where(ctx) -> str:
    ctx.require("tension_rome_bassin", TENSION_HINT)
    where = [ctx.territory_predicate(COLUMNS, table="tension_rome_bassin")]
    if not ctx.group.is_all:
        where.append(ctx.rome_predicate("rome", rome_version="3"))
    years = ctx.period.years if ctx.period else None
    if years:
        where.append(f"year IN ({', '.join(map(str, years))})")
    else:
        where.append("year = (SELECT max(year) FROM tension_rome_bassin)")
    return " AND ".join(f"({w})" for w in where)


def _offers_per_seeker(ctx):
    source = ctx.opt("source") or "official"
    if source == "official":
        where = _tension_where(ctx)
        offers, seekers, cells, years = ctx.con.execute(
            f"SELECT sum(offers), sum(job_seekers), count(*), string_agg(DISTINCT year::VARCHAR, ', ') "
            f"FROM tension_rome_bassin WHERE {where}").fetchone()
        if not cells:
            raise MissingData("no row of the ROME × bassin tension table matches this group, territory and period")
        if ctx.group.rome:
            ctx.note("ROME v3 table: ROME 4.0 fiches of the group are matched through their v3 parent when the "
                     "ROME referential is loaded, which widens the group")
        period, sources = years, ["tension_rome_bassin"]
    elif source == "ads":
        from adequa.indicators.cube import Cube
        from adequa.indicators.supply import defm_period

        if ctx.period is None:
            raise MissingData("source=ads needs a period (offers over the period / job seekers at its end)")
        offers = ctx.scalar(f"SELECT count(*) FROM ({ctx.ads_sql(columns='a.ad_id')})")
        cube = Cube(ctx, "job_seekers", "job_seekers")
        p = defm_period(ctx, ctx.period)
        seekers, cells = cube.total(f"period = '{p}'")
        period, sources = f"{ctx.period.label} (job seekers {p})", ["ads", "ad_occupations", "job_seekers"]
    else:
        raise MissingData(f"source must be official or ads, not {source!r}")
    ok = ctx.publishable(int(min(offers or 0, seekers or 0)), "offers or job seekers", value=True)
    ratio = round(offers / seekers, 2) if ok and seekers else None
    if not seekers:
        ctx.note("no job seekers: ratio undefined")
    rows = [{"offers": offers if ok else None, "job_seekers": seekers if ok else None, "offers_per_job_seeker": ratio}]
    if source == "official":
        ctx.note("the data mirror's README warns that some counts of the ROME × bassin table look implausibly low")
    return _named(ctx.result(OFFERS_PER_SEEKER, value=ratio, rows=rows, sources=sources, rows_used=cells,
                             period=period, filters={"source": source}))


OFFERS_PER_SEEKER = register(IndicatorDefinition(
    name="tension_offers_per_job_seeker", title="Offres par demandeur d'emploi", title_en="Offers per job seeker",
    definition="Offers registered / job seekers (cat. ABC) — the hiring-intensity component of the DARES – France "
               "Travail tension indicator. Default source: the published ROME × bassin table; source=ads uses the "
               "ads of the period over the job seekers at its end.",
    unit="ratio", inputs=("tension_rome_bassin", "ads", "job_seekers"), section="tension", compute=_offers_per_seeker,
    options={"source": "official (ROME × bassin table) or ads"},
    limits="Offers registered at France Travail are a part of all hirings; ads from several boards are counted "
           "once per duplicate cluster but still miss unadvertised jobs."))


def _index(ctx):
    where = _tension_where(ctx)
    value, cells, seekers = ctx.con.execute(
        f"SELECT sum(tension_index * job_seekers) / nullif(sum(job_seekers) FILTER (WHERE tension_index IS NOT NULL), 0),"
        f" count(*), sum(job_seekers) FROM tension_rome_bassin WHERE {where}").fetchone()
    rows = ctx.dicts(f"SELECT tension_index AS index, count(*) AS cells, sum(job_seekers) AS job_seekers, "
                     f"sum(offers) AS offers FROM tension_rome_bassin WHERE {where} GROUP BY 1 ORDER BY 1")
    ctx.protect(rows, count="job_seekers", values=["offers"], label="index", secondary=False)
    value = ctx.publishable(int(seekers or 0), "job seekers", value=round(value, 2) if value is not None else None)
    return _named(ctx.result(INDEX, value=value, rows=rows, sources=["tension_rome_bassin"], rows_used=cells,
                             period=_tension_years(ctx, where)))


INDEX = register(IndicatorDefinition(
    name="tension_index", title="Indicateur de tension publié", title_en="Published tension index",
    definition="The tension index of the ROME × bassin table, averaged over the group's cells weighted by job "
               "seekers; the table gives the cells by index value.",
    unit="index", inputs=("tension_rome_bassin",), section="tension", compute=_index,
    limits="The publisher's index scale is not documented in the file; read it as an ordinal class."))


def _shortage(ctx):
    ctx.require("shortage_occupations", "adequa ingest tension FILE --kind shortage --year 2024")
    t = ctx.territory
    if t.level == "france":
        regions = ["FR"]
    elif t.level == "region":
        regions = list(t.codes)
    elif t.level == "departement":
        from adequa.indicators.territories import departements

        regions = [departements()[c][1] for c in t.codes if c in departements()]
    else:
        raise MissingData("the shortage list is published by région: use a région, a département or france")
    year_where = f"year IN ({', '.join(map(str, ctx.period.years))})" if ctx.period else \
        "year = (SELECT max(year) FROM shortage_occupations)"
    group_where = "TRUE" if ctx.group.is_all else (
        f"((nomenclature = 'fap2009' AND {ctx.fap_predicate('fap', nomenclature='fap2009')}) OR "
        f"(nomenclature = 'fap2021' AND {ctx.fap_predicate('fap', nomenclature='fap2021')}))")
    reg = ", ".join(f"'{r}'" for r in regions)
    rows = ctx.dicts(f"SELECT year, region, region_label, fap, fap_label FROM shortage_occupations "
                     f"WHERE region IN ({reg}) AND {year_where} AND {group_where} ORDER BY year, region, fap")
    listed, years = ctx.con.execute(
        f"SELECT count(*), string_agg(DISTINCT year::VARCHAR, ', ' ORDER BY year::VARCHAR) FROM shortage_occupations "
        f"WHERE region IN ({reg}) AND {year_where}").fetchone()
    if not listed:
        loaded = ctx.scalar("SELECT string_agg(DISTINCT year::VARCHAR, ', ') FROM shortage_occupations")
        raise MissingData(f"no shortage list loaded for {', '.join(regions)} in "
                          f"{ctx.period.label if ctx.period else 'the latest year'} (years loaded: {loaded})")
    return _named(ctx.result(SHORTAGE, value=len(rows), rows=rows, sources=["shortage_occupations"],
                             rows_used=listed, period=years))


SHORTAGE = register(IndicatorDefinition(
    name="tension_shortage_list", title="Métiers en tension reconnus", title_en="Listed shortage occupations",
    definition="The group's FAP families on the official list of occupations in shortage for the région (or France); "
               "value = number of listed families.",
    unit="families", inputs=("shortage_occupations",), section="tension", compute=_shortage))


def _flows_cube(ctx):
    """A cube over ``job_seeker_flows`` (registered with the cube reader: dimension ``flow``)."""
    from adequa.indicators import cube as cube_mod

    cube_mod.DIMS.setdefault("job_seeker_flows", ("flow",))
    cube_mod.HINTS.setdefault("job_seeker_flows", "adequa ingest job-seekers FILE (a series table with "
                                                  "entries/exits: Entrées, Sorties)")
    return cube_mod.Cube(ctx, "job_seeker_flows", "value")


def _outflow(ctx):
    from datetime import timedelta

    from adequa.indicators.cube import Cube, category_clause
    from adequa.indicators.territories import sql_str

    flows = _flows_cube(ctx)          # no flows table: that is the reason, whatever the period
    if ctx.period is None:
        from adequa.indicators.base import Period

        last = ctx.scalar("SELECT period FROM job_seeker_flows WHERE flow = 'exits' ORDER BY period_end DESC, "
                          "length(period) DESC LIMIT 1")
        if last is None:
            raise MissingData("job_seeker_flows has no exits (sorties): load a series table with them")
        ctx = _with_period(ctx, Period.parse(last))
    cats = {r[0] for r in ctx.con.execute("SELECT DISTINCT category FROM job_seeker_flows").fetchall()}
    cat_where = category_clause(ctx, "job_seeker_flows", cats)
    start, end = ctx.period.start.isoformat(), ctx.period.end.isoformat()
    labels = [r[0] for r in ctx.con.execute(
        f"SELECT DISTINCT period FROM job_seeker_flows WHERE flow = 'exits' AND period_end >= DATE '{start}' AND "
        f"period_end < DATE '{end}' ORDER BY 1").fetchall()]
    quarters = [p for p in labels if "Q" in p]
    used = quarters or labels          # never months and quarters together
    if not used:
        raise MissingData(f"no exits (sorties) in {ctx.period.label}: load a series table with them")
    in_list = ", ".join(sql_str(p) for p in used)
    exits, cells = flows.total(f"period IN ({in_list}) AND {cat_where}", dims={"flow": "exits"})
    stock_cube = Cube(ctx, "job_seekers", "job_seekers")
    before = (ctx.period.start - timedelta(days=1)).isoformat()
    row = ctx.con.execute(
        f"SELECT period FROM job_seekers WHERE period_end <= DATE '{before}' AND period_end > DATE '{before}' - "
        f"INTERVAL 92 DAY ORDER BY period_end DESC, length(period) LIMIT 1").fetchone()
    if not row:
        raise MissingData(f"no job-seeker count at the end of the period before {ctx.period.label} (the rate's "
                          "denominator)")
    stock, stock_cells = stock_cube.total(f"period = {sql_str(row[0])}")
    ok = ctx.publishable(int(min(exits or 0, stock or 0)), "exits or job seekers", value=True)
    rate = share(exits, stock) if ok else None
    rows = [{"exits": exits if ok else None, "exit_periods": ", ".join(used), "job_seekers_before": stock if ok else None,
             "job_seekers_period": row[0], "outflow_rate": rate}]
    return ctx.result(OUTFLOW, value=rate, rows=rows, sources=["job_seeker_flows", "job_seekers"],
                      rows_used=cells + stock_cells, period=f"{ctx.period.label} (stock {row[0]})")


def _with_period(ctx, period):
    from dataclasses import replace

    return replace(ctx, period=period, _cache=ctx._cache)


OUTFLOW = register(IndicatorDefinition(
    name="tension_job_seeker_outflow", title="Taux de sortie des demandeurs d'emploi",
    title_en="Job-seeker outflow rate",
    definition="Exits from the register (categories ABC unless category=…) during the period / job seekers at the end "
               "of the previous month or quarter, in percent — the outflow component of the DARES – France Travail "
               "tension indicator (a high rate: job seekers of the occupation find work or leave the list quickly).",
    unit="%", inputs=("job_seeker_flows", "job_seekers"), section="tension", compute=_outflow,
    options={"category": "A, B, C, ABC… (default ABC)"},
    limits="Exits include every reason for leaving the list (found a job, training, stopped updating, "
           "sanction…): France Travail publishes exits to employment separately only at national level. A "
           "quarter's exits over the stock before it approximate the monthly rate × 3 when the stock is stable."))


def _summary(ctx):
    from adequa.indicators.base import Context

    parts = [("offers per job seeker", "tension_offers_per_job_seeker"), ("recruitment difficulty (BMO)",
                                                                          "bmo_difficult_share"),
             ("published tension index", "tension_index"), ("listed shortage families", "tension_shortage_list")]
    rows = []
    for label, name in parts:
        sub = Context(con=ctx.con, group=ctx.group, territory=ctx.territory, period=ctx.period,
                      min_cell_size=ctx.min_cell_size, options={k: v for k, v in ctx.options.items()
                                                                 if k in ("source",)})
        try:
            r = registry()[name].compute(sub)
            rows.append({"component": label, "indicator": name, "value": r.value, "unit": r.unit,
                         "source": r.provenance.source, "period": r.period})
        except MissingData as exc:
            rows.append({"component": label, "indicator": name, "value": None, "unit": None,
                         "source": None, "period": None, "missing": str(exc)})
    sub = Context(con=ctx.con, group=ctx.group, territory=ctx.territory, period=ctx.period,
                  min_cell_size=ctx.min_cell_size, options={})
    try:
        r = OUTFLOW.compute(sub)
        rows.append({"component": "job-seeker outflow", "indicator": OUTFLOW.name, "value": r.value, "unit": r.unit,
                     "source": r.provenance.source, "period": r.period})
    except MissingData as exc:
        rows.append({"component": "job-seeker outflow", "indicator": OUTFLOW.name, "value": None, "unit": None,
                     "source": None, "period": None, "missing": str(exc)})
    available = sum(1 for r in rows if r["value"] is not None)
    for r in rows:
        r.setdefault("missing", None)
    return ctx.result(SUMMARY, value=available, rows=rows,
                      columns=["component", "indicator", "value", "unit", "source", "period", "missing"],
                      sources=[r["source"] for r in rows if r["source"]] or ["none"], rows_used=available)


SUMMARY = register(IndicatorDefinition(
    name="tension_summary", title="Tensions de recrutement : composantes", title_en="Recruitment tension components",
    definition="The tension components open data allows, side by side with their sources (offers per job seeker, "
               "BMO difficulty, published index, shortage list, job-seeker outflow) and the missing ones named; "
               "value = number of components available.",
    unit="components", inputs=("tension_rome_bassin", "bmo", "shortage_occupations", "job_seeker_flows"),
    section="tension",
    compute=_summary))

_ = share
