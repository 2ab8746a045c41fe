"""Demand: job offers (from the ads in the warehouse, duplicates counted once) and BMO
recruitment projects.

Contract classes follow the study (Carif-Oref, from France Travail's definitions):
a *durable* offer is a CDI or a CDD/temporary contract of more than 6 months;
the contract-duration mix splits offers into "plus de 6 mois" (CDI included),
"de 1 à 6 mois", "moins d'un mois", "intérim" and "autre" (apprenticeship,
internship, unknown).
"""

from __future__ import annotations

from datetime import timedelta

from adequa.indicators.base import IndicatorDefinition, MissingData, Period, growth, register, share
from adequa.indicators import facts
from adequa.indicators.facts import CONTRACT_CLASS, DURABLE
from adequa.indicators.territories import get_territory

ADS_HINT = "adequa ingest offers FILE"
BMO_HINT = "adequa ingest bmo FILE"

MIX_ORDER = ["plus de 6 mois", "de 1 à 6 mois", "moins d'un mois", "intérim", "autre"]
SUBLEVEL = {"france": "region", "region": "departement", "departement": "bassin", "bassin": "commune",
            "zone_emploi": "commune", "commune": "commune"}
BY_RAW = {"quarter": "year(created_at) || 'Q' || quarter(created_at)", "contract_class": CONTRACT_CLASS,
          "durable": DURABLE, "rome": "rome", "region": "region", "departement": "departement", "bassin": "bassin",
          "commune": "commune"}
BY_FACTS = {"quarter": "year(month) || 'Q' || quarter(month)", "contract_class": "contract_class",
            "durable": "durable", "rome": "rome", "region": "region", "departement": "departement",
            "bassin": "bassin"}
FACT_LEVELS = {"france", "region", "departement", "bassin"}


def use_facts(ctx) -> bool:
    """Read ``offer_facts``/``skill_facts`` when they match the warehouse (option facts=false forces the ads)."""
    wanted = str(ctx.opt("facts", "auto")).lower()
    if wanted in ("false", "0", "no", "off"):
        return False
    key = ("facts_fresh",)
    if key not in ctx.shared:
        ctx.shared[key] = facts.fresh(ctx.con)
        ctx.shared[("ads_rows",)] = ctx.scalar("SELECT count(*) FROM ads") if ctx.has_table("ads") else 0
    if not ctx.shared[key] and ctx.shared[("ads_rows",)] > 100_000 and ctx.has_table("offer_facts"):
        ctx.note("pre-aggregated facts are missing or stale: figures computed from the ads "
                 "(slower); run `adequa indicators refresh`")
    return ctx.shared[key]


def use_rollups(ctx) -> bool:
    """The coarser rollups of the facts are there and match the warehouse (implies :func:`use_facts`)."""
    if not use_facts(ctx):
        return False
    key = ("rollups_fresh",)
    if key not in ctx.shared:
        ctx.shared[key] = facts.rollups_fresh(ctx.con)
    return ctx.shared[key]


def _by_sql(b: str, time_column: str) -> str:
    return f"year({time_column}) || 'Q' || quarter({time_column})" if b == "quarter" else BY_FACTS.get(b, b)


def offer_counts(ctx, by=(), *, period=True, territory=True, group=True) -> list[dict]:
    """Offers (duplicate clusters counted once) grouped by ``by`` (quarter, contract_class, durable, rome,
    region, departement, bassin, commune): ``[{**by, "n": count}]``."""
    ctx.require("ads", ADS_HINT)
    by = list(by)
    p = ctx.period if period is True else (period or None)
    t = ctx.territory if territory is True else (territory or None)
    roll = facts.offer_table(p, t.level if t is not None else None, by) if use_rollups(ctx) else None
    if roll is not None:          # the coarsest pre-aggregate that holds the columns asked for
        table, tc, geo = roll
        sel = "".join(f"{_by_sql(b, tc)} AS {b}, " for b in by)
        sql = (f"SELECT {sel}coalesce(sum(offers), 0)::BIGINT AS n FROM {table} WHERE "
               + fact_where(ctx, p, t, group, time_column=tc, geo=geo, table=table) + (" GROUP BY ALL" if by else ""))
    elif use_facts(ctx) and all(b in BY_FACTS for b in by) and (t is None or t.level in FACT_LEVELS):
        sel = "".join(f"{BY_FACTS[b]} AS {b}, " for b in by)
        sql = (f"SELECT {sel}coalesce(sum(offers), 0)::BIGINT AS n FROM offer_facts WHERE "
               + fact_where(ctx, p, t, group) + (" GROUP BY ALL" if by else ""))
    else:
        cols = "a.created_at, a.contract_type, a.contract_months, a.durable, a.region, a.departement, a.bassin, a.commune"
        sel = "".join(f"{BY_RAW[b]} AS {b}, " for b in by)
        sql = (f"SELECT {sel}count(*) AS n FROM ({ctx.ads_sql(period=p or False, territory=t or False, group=group, columns=cols)})"
               + (" GROUP BY ALL" if by else ""))
    rows = ctx.dicts(sql)
    if by:
        rows.sort(key=lambda r: tuple("" if r[b] is None else str(r[b]) for b in by))
    return rows


def fact_where(ctx, p, t, group: bool, *, time_column: str = "month", geo: tuple | None = None,
               table: str | None = None) -> str:
    """WHERE clause over offer_facts (``month``) or skill_facts (``quarter``, no bassin) for a period,
    territory and (optionally) the group; ``geo``: the territory columns of another facts table."""
    where = []
    if p is not None:
        where.append(p.predicate(time_column))
    if t is not None and t.level != "france":
        if geo is not None:
            cols = {c: c for c in geo}
        else:
            cols = {"region": "region", "departement": "departement"}
            if time_column == "month":
                cols["bassin"] = "bassin"
        table = table or ("offer_facts" if time_column == "month" else "skill_facts")
        where.append(t.predicate(cols, table=table))
    if group and not ctx.group.is_all:
        where.append(ctx.rome_predicate("rome"))
    return " AND ".join(where) or "TRUE"


def offer_total(ctx, **kw) -> int:
    rows = offer_counts(ctx, **kw)
    return int(rows[0]["n"]) if rows else 0


def _mix_result(ctx, defn, rows: list[dict], total: int, *, unit: str, label: str, columns: list[str],
                sources=None, rows_used: int | None = None, values=("share",), count="offers", **kw):
    """The shared ending of every breakdown: suppress small cells, publish the total only above the minimum."""
    ctx.publishable(int(total), unit)
    ctx.protect(rows, count=count, values=list(values), label=label)
    return ctx.result(defn, value=total if total >= ctx.min_cell_size else None, rows=rows, columns=columns,
                      sources=SRC if sources is None else sources, rows_used=total if rows_used is None else rows_used, **kw)


SRC = ["ads", "ad_occupations"]


# ---- offers ------------------------------------------------------------------------------------

def _offers_count(ctx):
    rows = [{"quarter": r["quarter"], "offers": r["n"]} for r in offer_counts(ctx, ["quarter"])]
    n = sum(r["offers"] for r in rows)
    ctx.protect(rows, count="offers", label="quarter")
    return ctx.result(OFFERS_COUNT, value=ctx.publishable(n, "offers"), rows=rows, columns=["quarter", "offers"],
                      sources=SRC, rows_used=n)


OFFERS_COUNT = register(IndicatorDefinition(
    name="offers_count", title="Offres d'emploi diffusées", title_en="Job offers published",
    definition="Number of job ads published in the period for the group and territory, each cluster of "
               "duplicate ads counted once; the table gives the count per quarter.",
    unit="offers", inputs=("ads", "ad_occupations"), section="offers", compute=_offers_count))


def _last_full_quarter(ctx) -> Period:
    """The latest quarter that the ads cover to its end (a quarter still being collected would
    read as a fall)."""
    latest = ctx.scalar("SELECT max(created_at)::DATE FROM ads")
    if latest is None:
        raise MissingData("no dated offers: a growth needs two periods")
    q = Period.parse(f"{latest.year}Q{(latest.month - 1) // 3 + 1}")
    return q if latest >= q.end - timedelta(days=1) else q.shift(months=-3)


def _offers_growth(ctx):
    now = ctx.period
    if now is None:
        now = _last_full_quarter(ctx)
        ctx.note(f"no period given: the latest full quarter of the offers ({now.label}) against a year earlier")
    before = Period.parse(ctx.opt("compare")) or now.previous()
    n_now = offer_total(ctx, period=now)
    n_before = offer_total(ctx, period=before)
    rows = [{"period": before.label, "offers": n_before}, {"period": now.label, "offers": n_now}]
    ok = ctx.publishable(min(n_now, n_before), "offers in one of the two periods", value=True)
    if n_before == 0:
        ctx.note(f"no offers in {before.label}: growth undefined")
    ctx.protect(rows, count="offers", label="period", secondary=False)
    value = growth(n_now, n_before) if ok else None
    return ctx.result(OFFERS_GROWTH, value=value, rows=rows, sources=SRC, rows_used=n_now + n_before,
                      period=f"{before.label} → {now.label}", filters={"compare": before.label})


OFFERS_GROWTH = register(IndicatorDefinition(
    name="offers_growth", title="Évolution des offres d'emploi", title_en="Change in job offers",
    definition="Change in the number of offers between the comparison period and the period, in percent "
               "(100 × (now − before) / before); the study compares T1 2019 with T1 2024. Without a period: "
               "the latest quarter the offers cover to its end, against the same quarter a year earlier.",
    unit="%", inputs=("ads", "ad_occupations"), section="offers", compute=_offers_growth,
    options={"compare": "comparison period (default: the same span a year earlier), e.g. 2019Q1"}))


def _durable_share(ctx):
    got = {r["durable"]: r["n"] for r in offer_counts(ctx, ["durable"])}
    n, d = sum(got.values()), got.get(True, 0)
    value = ctx.publishable(n, "offers", value=share(d, n))
    if n == 0:
        ctx.note("no offers: share undefined")
    return ctx.result(DURABLE_SHARE, value=value, rows=[{"offers": n, "durable": d}] if value is not None else [],
                      columns=["offers", "durable"], sources=SRC, rows_used=n)


DURABLE_SHARE = register(IndicatorDefinition(
    name="offers_durable_share", title="Part des offres d'emploi durable", title_en="Share of durable offers",
    definition="Share of offers that are durable: a CDI, or a fixed-term or temporary contract of more than "
               "6 months (the ad's durable flag when the source gives it).",
    unit="%", inputs=("ads", "ad_occupations"), section="offers", compute=_durable_share))


def _contract_mix(ctx):
    got = {r["contract_class"]: r["n"] for r in offer_counts(ctx, ["contract_class"])}
    total = sum(got.values())
    rows = [{"contract": k, "offers": got.get(k, 0), "share": share(got.get(k, 0), total)} for k in MIX_ORDER]
    return _mix_result(ctx, CONTRACT_MIX, rows, total, unit="offers", label="contract",
                       columns=["contract", "offers", "share"])


CONTRACT_MIX = register(IndicatorDefinition(
    name="offers_contract_mix", title="Offres par durée de contrat", title_en="Offers by contract duration",
    definition="Offers by contract class: more than 6 months (CDI included), 1 to 6 months, less than a month, "
               "temporary agency work (intérim), other (apprenticeship, internship, unknown); value = offers.",
    unit="offers", inputs=("ads", "ad_occupations"), section="offers", compute=_contract_mix))


def _by_domain(ctx):
    g = ctx.group
    if not g.domains:
        raise MissingData(f"group {g.id!r} defines no domains (add a `domains:` mapping to its YAML file)")
    got = {r["rome"]: r["n"] for r in offer_counts(ctx, ["rome"])}
    counts = {label: 0 for label in g.domains}
    other = 0
    for rome, n in got.items():
        d = g.domain_of(rome)
        if d is None:
            other += n
        else:
            counts[d] += n
    total = sum(got.values())
    rows = [{"domain": k, "offers": v, "share": share(v, total)} for k, v in counts.items()]
    if other:
        rows.append({"domain": "autre", "offers": other, "share": share(other, total)})
    rows.sort(key=lambda r: -r["offers"])
    return _mix_result(ctx, BY_DOMAIN, rows, total, unit="offers", label="domain",
                       columns=["domain", "offers", "share"])


BY_DOMAIN = register(IndicatorDefinition(
    name="offers_by_domain", title="Offres par domaine", title_en="Offers by domain",
    definition="Offers broken down by the group's domains (the `domains` of its YAML file, e.g. Data / Big data, "
               "IA / Machine learning); value = offers.",
    unit="offers", inputs=("ads", "ad_occupations"), section="offers", compute=_by_domain))


def _by_territory(ctx):
    from adequa.indicators.territories import label_of

    level = ctx.opt("by") or SUBLEVEL[ctx.territory.level]
    if level not in ("region", "departement", "bassin", "commune"):
        raise MissingData(f"offers can be broken down by region, departement, bassin or commune, not {level!r}")
    rows = [{"code": r[level], "offers": r["n"]} for r in offer_counts(ctx, [level])]
    rows.sort(key=lambda r: (-r["offers"], r["code"] or ""))
    total = sum(r["offers"] for r in rows)
    for r in rows:
        r["label"] = (label_of(level, r["code"]) or r["code"]) if r["code"] else "non localisé"
        r["share"] = share(r["offers"], total)
    return _mix_result(ctx, BY_TERRITORY, rows, total, unit="offers", label="label",
                       columns=["code", "label", "offers", "share"], filters={"by": level})


BY_TERRITORY = register(IndicatorDefinition(
    name="offers_by_territory", title="Offres par territoire", title_en="Offers by territory",
    definition="Offers broken down by the territory's next level down (France → régions → départements → "
               "bassins), or by the level given with by=; value = offers.",
    unit="offers", inputs=("ads", "ad_occupations"), section="offers", compute=_by_territory,
    options={"by": "region, departement, bassin or commune"}))


def _share_of_all(ctx):
    n = offer_total(ctx)
    total = offer_total(ctx, group=False)
    value = ctx.publishable(n, "offers of the group", value=share(n, total, 2))
    return ctx.result(SHARE_OF_ALL, value=value, rows=[{"group_offers": n, "all_offers": total}],
                      sources=SRC, rows_used=total)


SHARE_OF_ALL = register(IndicatorDefinition(
    name="offers_share_of_all", title="Part des offres toutes professions", title_en="Share of all offers",
    definition="The group's offers as a share of all offers in the territory and period.",
    unit="%", inputs=("ads", "ad_occupations"), section="offers", compute=_share_of_all))


# ---- BMO recruitment projects ---------------------------------------------------------------------

BMO_COLUMNS = {"region": "region", "departement": "departement", "bassin": "bassin"}


def _bmo_where(ctx, *, group: bool = True) -> tuple[str, list[int]]:
    ctx.require("bmo", BMO_HINT)
    years = ctx.period.years if ctx.period else [ctx.scalar("SELECT max(year) FROM bmo")]
    where = [f"year IN ({', '.join(str(int(y)) for y in years)})",
             ctx.territory_predicate(BMO_COLUMNS, table="bmo")]
    if group and not ctx.group.is_all:
        where.append(f"((nomenclature = 'fap2021' AND {ctx.fap_predicate('metier_code', nomenclature='fap2021')}) OR "
                     f"(nomenclature = 'fap2009' AND {ctx.fap_predicate('metier_code', nomenclature='fap2009')}))")
    return " AND ".join(where), years


def _bmo_projects(ctx):
    where, years = _bmo_where(ctx)
    n_rows, projects, difficult, seasonal, hidden = ctx.con.execute(
        f"SELECT count(*), sum(projects), sum(difficult), sum(seasonal), count(*) FILTER (WHERE projects IS NULL) "
        f"FROM bmo WHERE {where}").fetchone()
    if hidden:
        ctx.note(f"{hidden} cells were withheld by the publisher (*) and count as 0")
    rows = [{"projects": projects, "difficult": difficult, "seasonal": seasonal,
             "difficult_share": share(difficult, projects), "seasonal_share": share(seasonal, projects)}]
    value = ctx.publishable(int(projects or 0), "recruitment projects", value=projects)
    if value is None:
        rows = []
    return ctx.result(BMO_PROJECTS, value=value, rows=rows, sources=["bmo"], rows_used=n_rows,
                      period=", ".join(f"BMO {y}" for y in years))


BMO_PROJECTS = register(IndicatorDefinition(
    name="bmo_projects", title="Projets de recrutement (BMO)", title_en="Recruitment projects (BMO survey)",
    definition="Recruitment projects declared by employers in France Travail's Besoins en main-d'œuvre survey "
               "for the year(s) of the period (default: the latest), with the difficult and seasonal ones. "
               "BMO métiers are matched to the group by their FAP code.",
    unit="projects", inputs=("bmo",), section="bmo", compute=_bmo_projects,
    limits="Projects are intentions, rounded to the nearest 10 by the publisher; cells the publisher withheld "
           "(*) count as zero."))


def _bmo_difficult(ctx):
    where, years = _bmo_where(ctx)
    projects, difficult, n_rows = ctx.con.execute(
        f"SELECT sum(projects), sum(difficult), count(*) FROM bmo WHERE {where}").fetchone()
    if not projects:
        ctx.note("no recruitment projects: share undefined")
    value = ctx.publishable(int(projects or 0), "recruitment projects", value=share(difficult, projects))
    where_all, _ = _bmo_where(ctx, group=False)
    p_all, d_all = ctx.con.execute(f"SELECT sum(projects), sum(difficult) FROM bmo WHERE {where_all}").fetchone()
    rows = [{"scope": ctx.group.label, "projects": projects, "difficult": difficult,
             "difficult_share": share(difficult, projects)},
            {"scope": "toutes professions", "projects": p_all, "difficult": d_all,
             "difficult_share": share(d_all, p_all)}]
    ctx.protect(rows, count="projects", values=["difficult", "difficult_share"], label="scope", secondary=False)
    return ctx.result(BMO_DIFFICULT, value=value, rows=rows, sources=["bmo"], rows_used=n_rows,
                      period=", ".join(f"BMO {y}" for y in years))


BMO_DIFFICULT = register(IndicatorDefinition(
    name="bmo_difficult_share", title="Part des recrutements jugés difficiles",
    title_en="Share of recruitments expected to be difficult",
    definition="Difficult recruitment projects / all recruitment projects (BMO), for the group and, for "
               "comparison, for all occupations.",
    unit="%", inputs=("bmo",), section="bmo", compute=_bmo_difficult))


def _bmo_breakdown(level, defn_name):
    def compute(ctx):
        where, years = _bmo_where(ctx)
        label_col = {"departement": "departement_label", "bassin": "bassin_label"}[level]
        rows = ctx.dicts(f"SELECT {level} AS code, any_value({label_col}) AS label, sum(projects) AS projects, "
                         f"sum(difficult) AS difficult FROM bmo WHERE {where} GROUP BY 1 ORDER BY projects DESC NULLS LAST, code")
        total = sum(r["projects"] or 0 for r in rows)
        for r in rows:
            r["share"] = share(r["projects"], total)
            r["difficult_share"] = share(r["difficult"], r["projects"])
        return _mix_result(ctx, registry_get(defn_name), rows, total, unit="recruitment projects", label="label",
                           columns=["code", "label", "projects", "share", "difficult", "difficult_share"],
                           count="projects", values=("difficult", "share", "difficult_share"),
                           sources=["bmo"], rows_used=len(rows), period=", ".join(f"BMO {y}" for y in years))
    return compute


def registry_get(name):
    from adequa.indicators.base import registry

    return registry()[name]


register(IndicatorDefinition(
    name="bmo_by_departement", title="Projets de recrutement par département",
    title_en="Recruitment projects by département",
    definition="BMO recruitment projects of the group by département, with their share and the share judged "
               "difficult.", unit="projects", inputs=("bmo",), section="bmo",
    compute=_bmo_breakdown("departement", "bmo_by_departement")))
register(IndicatorDefinition(
    name="bmo_by_bassin", title="Projets de recrutement par bassin d'emploi",
    title_en="Recruitment projects by employment area (bassin)",
    definition="BMO recruitment projects of the group by bassin d'emploi, with their share and the share judged "
               "difficult.", unit="projects", inputs=("bmo",), section="bmo",
    compute=_bmo_breakdown("bassin", "bmo_by_bassin")))

_ = get_territory  # re-exported for callers that build territories next to these definitions


# ---- official offer counts ---------------------------------------------------------------------------

def _official_offers(ctx):
    ctx.require("offer_counts", "adequa ingest tension FILE --kind offer-counts")
    where = []
    if ctx.period is not None:
        where.append(ctx.period.predicate("date"))
    t = ctx.territory
    if t.level != "france":
        geo = ctx.ref("geo_communes")
        if t.level == "commune":
            where.append(t.predicate({"commune": "commune"}, table="offer_counts"))
        elif t.level == "departement" and geo is None:
            where.append("(" + " OR ".join(f"starts_with(commune, '{c}')" for c in t.codes) + ")")
        elif geo is None:
            raise MissingData(f"official offer counts are by commune: the {t.level} level needs the commune "
                              "referential (geo_communes); run `adequa data pull`")
        else:
            where.append(t.predicate({"commune": "commune"}, geo_table=geo, table="offer_counts"))
        ctx.note("offers without a commune count only at the France level")
    if not ctx.group.is_all:
        versions = {r[0] for r in ctx.con.execute("SELECT DISTINCT rome_version FROM offer_counts").fetchall()}
        preds = [f"(rome_version IS NOT DISTINCT FROM {sql_lit(v)} AND {ctx.rome_predicate('rome', rome_version='3' if v == '3' else '4')})"
                 for v in versions]
        where.append("(" + " OR ".join(preds) + ")")
    rows = ctx.dicts("SELECT strftime(date, '%Y-%m-%d') AS date, sum(offers)::BIGINT AS offers, count(*) AS cells "
                     f"FROM offer_counts WHERE {' AND '.join(where) or 'TRUE'} GROUP BY 1 ORDER BY 1")
    total = sum(r["offers"] or 0 for r in rows)
    cells = sum(r["cells"] for r in rows)
    for r in rows:
        r.pop("cells")
    ctx.protect(rows, count="offers", label="date", secondary=False)
    if len(rows) > 1:
        ctx.note("several extraction dates: the value is the latest date's count")
    latest = rows[-1]["offers"] if rows else None
    value = ctx.publishable(int(latest or 0), "offers", value=latest) if rows else None
    return ctx.result(OFFICIAL, value=value, rows=rows, columns=["date", "offers"], sources=["offer_counts"],
                      rows_used=cells, period=", ".join(r["date"] for r in rows) or None,
                      filters={"total_over_dates": total})


def sql_lit(v):
    return "NULL" if v is None else "'" + str(v).replace("'", "''") + "'"


OFFICIAL = register(IndicatorDefinition(
    name="offers_official_count", title="Offres en cours (comptage officiel)", title_en="Open offers (official count)",
    definition="Offers open on the extraction date(s) of an official count (France Travail offers per commune × "
               "ROME), for the group and territory; value = the latest date's count.",
    unit="offers", inputs=("offer_counts",), section="offers", compute=_official_offers,
    limits="A stock on one date, not a flow over the period; the mirror's file is an unverified extract and is "
           "coded in ROME v3."))
