"""Skills demanded: how often the group's ads mention each skill, and how important that makes it.

Importance levels (the study's "moyennement élevé / élevé / très élevé"), on the
share of the group's ads that mention a skill, duplicates counted once:

=====  ====================  ==================
level  label                 share of ads
=====  ====================  ==================
3      très élevé            ≥ 50 %
2      élevé                 ≥ 25 % and < 50 %
1      moyennement élevé     ≥ 10 % and < 25 %
—      (not ranked)          < 10 %
=====  ====================  ==================

The thresholds can be changed per call (``thresholds="50,25,10"``). Skills are
identified by their ROME code (``rome_ogr``) when the enricher found one, else
by label. Macro-competence domains are the first digit of the ROME 4.0
macro-competence code (``rome_competences.macro_code``, e.g. ``4A101`` → 4).
"""

from __future__ import annotations

from adequa.indicators.base import IndicatorDefinition, MissingData, register, share
from adequa.indicators.territories import sql_str

LEVEL_LABELS = {3: "très élevé", 2: "élevé", 1: "moyennement élevé"}
DEFAULT_THRESHOLDS = (50.0, 25.0, 10.0)
DOMAINS = {"1": "Management, Social, Soin", "2": "Communication, Création, Innovation, Nouvelles technologies",
           "3": "Production, Construction, Qualité, Logistique", "4": "Pilotage, Gestion, Cadre réglementaire",
           "5": "Développement économique", "6": "Coopération, Organisation et Développement de ses compétences"}
SKILL_HINT = "adequa enrich (skill mentions)"


def thresholds(ctx) -> tuple[float, float, float]:
    raw = ctx.opt("thresholds")
    if not raw:
        return DEFAULT_THRESHOLDS
    try:
        vals = tuple(float(x) for x in str(raw).split(","))
    except ValueError:
        vals = ()
    if len(vals) != 3 or not (vals[0] > vals[1] > vals[2] >= 0):
        raise MissingData("thresholds must be three decreasing percentages, e.g. 50,25,10")
    return vals


def importance(pct: float | None, th=DEFAULT_THRESHOLDS) -> int | None:
    """1–3 from the share of ads mentioning a skill (None under the lowest threshold)."""
    if pct is None:
        return None
    for level, bound in zip((3, 2, 1), th):
        if pct >= bound:
            return level
    return None


def _skill_counts(ctx, *, with_domain: bool = False) -> tuple[int, list[dict]]:
    from adequa.indicators import facts
    from adequa.indicators.demand import fact_where, offer_total, use_facts, use_rollups

    ctx.require("ads", "adequa ingest offers FILE")
    ctx.require("skill_mentions", SKILL_HINT)
    kinds = ctx.opt("kind")
    comp = ctx.ref("rome_competences") if with_domain else None
    dom_sel = ", c.macro_code" if comp else ""
    dom_join = (f"LEFT JOIN (SELECT code_ogr, min(macro_code) AS macro_code FROM {comp} GROUP BY 1) c "
                "ON c.code_ogr = s.rome_ogr") if comp else ""
    n_ads = offer_total(ctx)
    quarterly = ctx.period is None or (ctx.period.start.month - 1) % 3 == 0 and (ctx.period.end.month - 1) % 3 == 0
    roll = facts.skill_table(ctx.period, ctx.territory.level) if use_rollups(ctx) else None
    if roll is not None or (use_facts(ctx) and ctx.territory.level in ("france", "region", "departement")
                            and quarterly):
        # the coarsest facts table holding the territory; min(): every cell keeps its smallest label
        table, geo = roll if roll is not None else ("skill_facts", None)
        kind_where = f" AND kind = {sql_str(str(kinds))}" if kinds else ""
        inner = (f"SELECT skill_id, min(label) AS skill, min(rome_ogr) AS rome_ogr, min(kind) AS kind,"
                 f" sum(ads)::BIGINT AS ads FROM {table} WHERE "
                 f"{fact_where(ctx, ctx.period, ctx.territory, True, time_column='quarter', geo=geo, table=table)}"
                 f"{kind_where} GROUP BY 1")
    else:
        ads = ctx.ads_sql(columns="a.ad_id")
        # Unlisted mentions (no ROME or ESCO item) are candidates for new skills, not demanded skills.
        kind_where = "WHERE NOT coalesce(m.unlisted, false)" + (f" AND m.kind = {sql_str(str(kinds))}" if kinds else "")
        # min(), as the facts: a skill seen under several spellings or kinds shows the same one whatever
        # the row order (any_value would depend on it, so on how the warehouse was written)
        inner = (f"SELECT coalesce(m.rome_ogr, m.esco_uri, lower(m.label)) AS skill_id, min(m.label) AS skill, "
                 f"min(m.rome_ogr) AS rome_ogr, min(m.kind) AS kind, count(DISTINCT m.ad_id) AS ads "
                 f"FROM skill_mentions m SEMI JOIN ({ads}) g ON g.ad_id = m.ad_id {kind_where} GROUP BY 1")
    rows = ctx.dicts(f"SELECT s.*{dom_sel} FROM ({inner}) s {dom_join} ORDER BY s.ads DESC, s.skill, s.skill_id")
    return n_ads, rows


def _top_skills(ctx):
    th = thresholds(ctx)
    top = int(ctx.opt("top") or 20)
    n_ads, rows = _skill_counts(ctx)
    if ctx.publishable(n_ads, "ads of the group") is None:
        return ctx.result(TOP, value=None, rows=[], columns=COLUMNS, sources=["ads", "skill_mentions"],
                          rows_used=n_ads)
    out = []
    for r in rows[:top]:
        pct = share(r["ads"], n_ads)
        lvl = importance(pct, th)
        out.append({"skill": r["skill"], "rome_ogr": r["rome_ogr"], "kind": r["kind"], "ads": r["ads"],
                    "share": pct, "level": lvl, "level_label": LEVEL_LABELS.get(lvl)})
    ctx.protect(out, count="ads", values=["share", "level", "level_label"], label="skill", secondary=False)
    ctx.note(f"importance thresholds: très élevé ≥ {th[0]} %, élevé ≥ {th[1]} %, moyennement élevé ≥ {th[2]} % "
             f"of {n_ads} ads")
    return ctx.result(TOP, value=len([r for r in out if r["level"]]), rows=out, columns=COLUMNS,
                      sources=["ads", "skill_mentions"], rows_used=n_ads)


COLUMNS = ["skill", "rome_ogr", "kind", "ads", "share", "level", "level_label"]

TOP = register(IndicatorDefinition(
    name="skills_top", title="Compétences les plus demandées", title_en="Most demanded skills",
    definition="Share of the group's ads (duplicates counted once) that mention each skill, with an importance "
               "level 1–3 (≥10 %, ≥25 %, ≥50 % of ads); value = number of skills with a level.",
    unit="skills", inputs=("ads", "ad_occupations", "skill_mentions"), section="skills", compute=_top_skills,
    options={"top": "number of skills listed (default 20)", "thresholds": "three percentages, default 50,25,10",
             "kind": "only this kind of skill (savoir-faire, savoir, savoir-être…)"},
    limits="Depends on the skill extractor's recall and precision; ads that describe skills implicitly are missed."))


def _by_domain(ctx):
    th = thresholds(ctx)
    per = int(ctx.opt("top") or 5)
    n_ads, rows = _skill_counts(ctx, with_domain=True)
    if not ctx.ref("rome_competences"):
        raise MissingData("the ROME competences referential (rome_competences) is not loaded: run `adequa data pull`")
    if ctx.publishable(n_ads, "ads of the group") is None:
        return ctx.result(BY_DOMAIN, value=None, rows=[], sources=["ads", "skill_mentions", "rome_competences"],
                          rows_used=n_ads)
    seen: dict[str, int] = {}
    out = []
    for r in rows:
        code = (r.get("macro_code") or "")[:1]
        if code not in DOMAINS:
            continue
        if seen.get(code, 0) >= per:
            continue
        seen[code] = seen.get(code, 0) + 1
        pct = share(r["ads"], n_ads)
        lvl = importance(pct, th)
        out.append({"domain": code, "domain_label": DOMAINS[code], "rank": seen[code], "skill": r["skill"],
                    "rome_ogr": r["rome_ogr"], "ads": r["ads"], "share": pct, "level": lvl,
                    "level_label": LEVEL_LABELS.get(lvl)})
    out.sort(key=lambda r: (r["domain"], r["rank"]))
    ctx.protect(out, count="ads", values=["share", "level", "level_label"], label="skill", secondary=False)
    return ctx.result(BY_DOMAIN, value=len(seen), rows=out, sources=["ads", "skill_mentions", "rome_competences"],
                      rows_used=n_ads)


BY_DOMAIN = register(IndicatorDefinition(
    name="skills_by_domain", title="Compétences demandées par domaine de compétences",
    title_en="Demanded skills by competence domain",
    definition="For each ROME 4.0 macro-competence domain (1 Management, Social, Soin … 6 Coopération, "
               "Organisation), the skills of that domain most often mentioned in the group's ads, with their share "
               "of ads and importance level; value = number of domains represented.",
    unit="domains", inputs=("ads", "ad_occupations", "skill_mentions", "rome_competences"), section="skills",
    compute=_by_domain, options={"top": "skills per domain (default 5)", "thresholds": "as for skills_top"}))
