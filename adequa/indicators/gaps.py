"""Where training supply and labour demand part: skill coverage, skills taught but rarely
demanded, emerging skills not yet covered, and the volume view (offers and recruitment
projects against places, students and graduates).

Coverage of a demanded skill (a taxonomy concept found in the group's ads in the territory):

* ``covered``: a certification of the group taught in the territory covers it (one of its
  blocs' items is linked to that concept); when no LHÉO offer or headcount is located in the
  territory at all, the group's certifications are taken nationally, and a note says so;
* ``partly``: no such certification, but a certification elsewhere (another territory, or
  leading to other occupations) covers it: the skill is taught, not here for these jobs;
* ``not covered``: no certification in the warehouse covers it.

Importance levels are the skills-demand indicator's (``adequa.indicators.skills_demand``):
très élevé from 50 % of the ads, élevé from 25 %, moyennement élevé from 10 %, faible below
(thresholds changeable with the ``thresholds`` option).
"""

from __future__ import annotations

from adequa.indicators.base import IndicatorDefinition, MissingData, register, share
from adequa.indicators.territories import sql_str
from adequa.indicators.training import LEVELS, SUPPLY_BY_LEVEL, as_table, supply_numeros, territory_covered

ADS_HINT = "adequa ingest ads FILE, then adequa enrich"
STATUS_ORDER = {"covered": 0, "partly": 1, "not covered": 2}


def importance_level(ctx, share_pct: float | None) -> str | None:
    """The importance of a skill from the share of ads (in %) asking for it: the skills-demand
    indicator's rule and thresholds (option ``thresholds``), as a label."""
    from adequa.indicators.skills_demand import LEVEL_LABELS, importance, thresholds

    level = importance(share_pct, thresholds(ctx))
    return LEVEL_LABELS.get(level, "faible") if share_pct is not None else None


def demanded_skills(ctx) -> tuple[list[dict], int]:
    """(concept, label, kind, ads) of the skills found in the group's ads in the territory, and the ads count."""
    ctx.require("ads", ADS_HINT)
    ctx.require("skill_mentions", "adequa enrich")
    ads = ctx.ads_sql(columns="a.ad_id")
    total = ctx.scalar(f"SELECT count(*) FROM ({ads})")
    rows = ctx.dicts(f"""
        SELECT coalesce(m.rome_ogr, m.esco_uri) AS concept, mode(m.label) AS label, mode(m.kind) AS kind,
               count(DISTINCT m.ad_id) AS ads
        FROM skill_mentions m JOIN ({ads}) a ON a.ad_id = m.ad_id
        WHERE coalesce(m.rome_ogr, m.esco_uri) IS NOT NULL AND NOT coalesce(m.unlisted, FALSE)
        GROUP BY 1 ORDER BY ads DESC, concept""")
    return rows, total


def _cert_concepts(ctx, numeros: set[str] | None) -> dict[str, list[str]]:
    """concept -> certifications (current) whose blocs cover it; ``numeros=None`` for all."""
    where = "c.is_current"
    if numeros is not None:
        if not numeros:
            return {}
        where += f" AND s.numero IN ({', '.join(sql_str(n) for n in sorted(numeros))})"
    out: dict[str, list[str]] = {}
    for concept, nums in ctx.con.execute(
            f"SELECT s.concept, list(DISTINCT s.numero ORDER BY s.numero) FROM certification_skills s "
            f"JOIN certifications c ON c.numero = s.numero AND {where} GROUP BY 1").fetchall():
        out[concept] = list(nums)
    return out


def _scope(ctx):
    local, group = supply_numeros(ctx)
    if ctx.territory.level != "france" and not local and territory_covered(ctx):
        ctx.note("no certification of the group is located in the territory (no LHÉO offers or headcounts for it): "
                 "every taught skill shows as 'partly' at best; use --territory france for the national supply")
    return local, group


def _coverage(ctx):
    ctx.require("certification_skills", "adequa training annotate")
    demanded, total = demanded_skills(ctx)
    min_ads = int(ctx.opt("min_ads", ctx.min_cell_size))
    local, _group = _scope(ctx)
    here = _cert_concepts(ctx, local)
    anywhere = _cert_concepts(ctx, None)
    rows, dropped = [], 0
    for d in demanded:
        if d["ads"] < min_ads:
            dropped += 1
            continue
        s = share(d["ads"], total)
        if d["concept"] in here:
            status, certs = "covered", here[d["concept"]]
        elif d["concept"] in anywhere:
            status, certs = "partly", anywhere[d["concept"]]
        else:
            status, certs = "not covered", []
        rows.append({"concept": d["concept"], "label": d["label"], "kind": d["kind"], "ads": d["ads"], "share": s,
                     "importance": importance_level(ctx, s), "status": status, "certifications": len(certs),
                     "examples": certs[:5]})
    if dropped:
        ctx.note(f"{dropped} skills asked for by fewer than {min_ads} ads are left out (option min_ads)")
    if total and total < ctx.min_cell_size:
        rows = []
        ctx.publishable(total, "ads")
    covered = sum(1 for r in rows if r["status"] == "covered")
    rows.sort(key=lambda r: (STATUS_ORDER[r["status"]], -r["ads"]))
    value = share(covered, len(rows)) if rows else None
    return ctx.result(COVERAGE, value=value, rows=rows,
                      columns=["concept", "label", "kind", "ads", "share", "importance", "status", "certifications",
                               "examples"],
                      sources=["ads", "skill_mentions", "certification_skills", "certification_rome", "training_offers"],
                      rows_used=total, notes=[f"{covered} covered, {sum(r['status'] == 'partly' for r in rows)} partly, "
                                              f"{sum(r['status'] == 'not covered' for r in rows)} not covered"])


COVERAGE = register(IndicatorDefinition(
    name="training_skill_coverage", title="Couverture des compétences demandées par l'offre de formation",
    title_en="Coverage of demanded skills by training",
    definition="Each skill found in the group's ads in the territory (with the share of ads and its importance) "
               "against the certifications whose blocs cover it: covered (a certification of the group taught in "
               "the territory), partly (covered only by certifications elsewhere or for other occupations), not "
               "covered. Value = % of the demanded skills that are covered.",
    unit="%", inputs=("ads", "skill_mentions", "certification_skills", "certification_rome", "training_offers"),
    section="gaps", compute=_coverage,
    options={"min_ads": "leave out skills asked for by fewer ads (default: the minimum cell size)",
             "inferred": "use inferred ROME links to find the group's certifications (default true)",
             "min_score": "minimum score (cosine) of an inferred link (default 0.1)",
             "thresholds": "importance thresholds in % of ads, default 50,25,10 (as skills demand)"},
    limits="A skill counts as covered when the extractor finds it in a bloc's text; a bloc may teach it under "
           "words the taxonomy does not list (under-coverage), and ad skills depend on the same extractor."))


def _taught_not_demanded(ctx):
    ctx.require("certification_skills", "adequa training annotate")
    demanded, total = demanded_skills(ctx)
    by_concept = {d["concept"]: d["ads"] for d in demanded}
    max_share = float(ctx.opt("max_share", 2.0))
    local, group = _scope(ctx)
    numeros = local if ctx.territory.level != "france" else group
    taught = _cert_concepts(ctx, numeros)
    labels = dict(ctx.con.execute("SELECT concept, mode(label) FROM certification_skills GROUP BY 1").fetchall()) \
        if taught else {}
    rows = []
    for concept, certs in taught.items():
        n = by_concept.get(concept, 0)
        s = share(n, total) if total else None
        if s is None or s < max_share:
            rows.append({"concept": concept, "label": labels.get(concept), "certifications": len(certs),
                         "examples": certs[:5], "ads": n, "share": s})
    rows.sort(key=lambda r: (-r["certifications"], r["ads"], r["concept"]))
    value = len(rows)
    if total < ctx.min_cell_size:               # too few ads to call anything "rarely demanded"
        rows, value = [], None
        ctx.publishable(total, "ads")
        ctx.note(f"only {total} ads of the group in the territory: too few to tell which taught skills are rarely "
                 "demanded")
    return as_table(ctx.result(TAUGHT, value=value, rows=rows,
                      columns=["concept", "label", "certifications", "examples", "ads", "share"],
                               sources=["certification_skills", "ads", "skill_mentions"], rows_used=total,
                               filters={"max_share": max_share}))


TAUGHT = register(IndicatorDefinition(
    name="training_skills_taught_not_demanded", title="Compétences enseignées mais peu demandées",
    title_en="Skills taught but rarely demanded",
    definition="Skills covered by the group's certifications in the territory that fewer than max_share % of the "
               "group's ads ask for. Value = number of such skills.",
    unit="skills", inputs=("certification_skills", "ads", "skill_mentions"), section="gaps",
    compute=_taught_not_demanded, options={"max_share": "share of ads (in %) below which a skill is rare (default 2)"}))


def _emerging_not_covered(ctx):
    ctx.require("emerging_term_mentions", "adequa skills emerging --discover")
    ads = ctx.ads_sql(columns="a.ad_id")
    total = ctx.scalar(f"SELECT count(*) FROM ({ads})")
    min_ads = int(ctx.opt("min_ads", ctx.min_cell_size))
    has_groups = ctx.has_table("emerging_term_groups")
    label = "coalesce(g.label, mode(e.term))" if has_groups else "mode(e.term)"
    join = "LEFT JOIN emerging_term_groups g ON g.group_key = e.group_key" if has_groups else ""
    terms = ctx.dicts(f"""
        SELECT coalesce(e.group_key, e.term_key) AS term_key, {label} AS term,
               list(DISTINCT lower(e.term)) AS variants, count(DISTINCT e.ad_id) AS ads
        FROM emerging_term_mentions e JOIN ({ads}) a ON a.ad_id = e.ad_id {join}
        GROUP BY coalesce(e.group_key, e.term_key){', g.label' if has_groups else ''}
        HAVING count(DISTINCT e.ad_id) >= {min_ads} ORDER BY ads DESC""")
    local, group = _scope(ctx)
    numeros_here = local if ctx.territory.level != "france" else group
    rows = []
    for t in terms:
        variants = [v for v in t["variants"] if v and len(v) >= 2][:10]
        if not variants:
            continue
        cond = " OR ".join(f"regexp_matches(lower(coalesce(b.libelle, '') || ' ' || coalesce(b.competences, '')), "
                           f"{sql_str(r'(^|[^a-z0-9])' + _re_escape(v) + r'($|[^a-z0-9])')})" for v in variants)
        found = [r[0] for r in ctx.con.execute(
            f"SELECT DISTINCT b.numero FROM certification_blocs b JOIN certifications c ON c.numero = b.numero "
            f"AND c.is_current WHERE {cond} ORDER BY 1").fetchall()]
        here = [n for n in found if n in numeros_here]
        status = "covered" if here else ("partly" if found else "not covered")
        rows.append({"term": t["term"], "ads": t["ads"], "share": share(t["ads"], total), "status": status,
                     "certifications": len(here or found), "examples": (here or found)[:5]})
    rows.sort(key=lambda r: (-STATUS_ORDER[r["status"]], -r["ads"]))
    not_covered = sum(1 for r in rows if r["status"] == "not covered")
    return ctx.result(EMERGING, value=not_covered, rows=rows,
                      columns=["term", "ads", "share", "status", "certifications", "examples"],
                      sources=["emerging_term_mentions", "certification_blocs", "ads"], rows_used=total)


def _re_escape(text: str) -> str:
    import re

    return re.escape(text.lower())


EMERGING = register(IndicatorDefinition(
    name="training_emerging_not_covered", title="Compétences émergentes non couvertes",
    title_en="Emerging skills not yet covered",
    definition="Emerging terms (found in the group's ads, listed by no taxonomy) and whether the blocs of a "
               "certification mention them: covered (a certification of the group in the territory), partly "
               "(elsewhere), not covered. Value = number of emerging terms not covered.",
    unit="skills", inputs=("emerging_term_mentions", "certification_blocs", "ads"), section="gaps",
    compute=_emerging_not_covered, options={"min_ads": "leave out terms found in fewer ads (default: minimum cell size)"},
    limits="A term is matched in the blocs' text as written (with its variants); a bloc describing the skill in "
           "other words is not seen."))


#: Diploma level an ad asks for, read from its text (nomenclature 2019): the lowest level named,
#: since "Bac+3 à Bac+5" states the entry requirement. Acronyms are matched in capitals only
#: (CAP, BEP, BTS, BUT: "but" is also a French word); "ingénieur" only as a diploma or school.
LEVEL_PATTERNS = (
    (3, r"\b(CAP|BEP)\b|(?i:\b(titre|dipl[oô]me)\s+(de\s+)?niveau\s+3\b)"),
    (4, r"(?i:\bbac(calaur[ée]at)?\b\s*([^\s+]|$)|\bniveau\s+4\b)"),
    (5, r"\b(BTS|DUT|DEUST)\b|(?i:\bbac\s*\+\s*2\b|\bniveau\s+5\b)"),
    (6, r"\bBUT\b|(?i:\bbac\s*\+\s*[34]\b|\b(licence|bachelor)\b|\bniveau\s+6\b)"),
    (7, r"(?i:\bbac\s*\+\s*5\b|\bmast[eè]res?\b|\bmasters?\b|(dipl[oô]me|[ée]cole)s?\s+d.\s*ing[ée]nieur|"
        r"\bniveau\s+7\b)"),
    (8, r"(?i:\bbac\s*\+\s*8\b|\b(doctorat|ph\.?\s?d)\b|\bniveau\s+8\b)"),
)


def ads_level_sql(ctx) -> str:
    """SQL of the group's ads in the territory with ``niveau``, the diploma level the ad's text
    asks for (NULL when it names none)."""
    cases = ", ".join(f"CASE WHEN regexp_matches(coalesce(a.description, ''), {sql_str(p)}) THEN {lvl} END"
                      for lvl, p in LEVEL_PATTERNS)
    return f"SELECT least({cases}) AS niveau FROM ({ctx.ads_sql(columns='a.ad_id, a.description')}) a"


def _volume(ctx):
    by_level = SUPPLY_BY_LEVEL.compute(ctx)
    rows = [dict(r) for r in by_level.rows]
    for r in rows:
        r.setdefault("graduates", None)
    if ctx.has_table("training_headcounts"):
        from adequa.indicators.training import _headcount_territories

        specs = _headcount_territories(ctx)
        where = f"territory IN ({', '.join(sql_str(s) for s in specs)})" if specs else "TRUE"
        grads = dict(ctx.con.execute(f"SELECT niveau, sum(value) FROM training_headcounts WHERE measure = 'graduates' "
                                     f"AND {where} GROUP BY 1").fetchall())
        students = dict(ctx.con.execute(f"SELECT niveau, sum(value) FROM training_headcounts WHERE measure = 'students' "
                                        f"AND numero IS NULL AND {where} GROUP BY 1").fetchall())
        for r in rows:
            lvl = r["niveau"] if isinstance(r["niveau"], int) else None
            if grads.get(lvl) is not None:
                r["graduates"] = grads[lvl]
            if students.get(lvl) is not None:         # diploma-level headcounts without a certification number
                r["students"] = (r["students"] or 0) + students[lvl]
    offers = projects = None
    if ctx.has_table("ads") and ctx.scalar("SELECT count(*) FROM (SELECT 1 FROM ads LIMIT 1)"):
        by_level = dict(ctx.con.execute(f"SELECT niveau, count(*) FROM ({ads_level_sql(ctx)}) GROUP BY 1").fetchall())
        offers = ctx.publishable(sum(by_level.values()), "offers")
        for r in rows:
            r["offers"] = None
        if offers:
            have = {r["niveau"] for r in rows}
            for lvl in LEVELS:
                if by_level.get(lvl) and lvl not in have:
                    rows.append({"niveau": lvl, "certifications": 0, "institutions": 0, "sessions": None,
                                 "places": None, "students": None, "graduates": None})
            rows.sort(key=lambda r: (not isinstance(r["niveau"], int), r["niveau"] if isinstance(r["niveau"], int) else 0))
            for r in rows:
                if isinstance(r["niveau"], int):
                    r["offers"] = by_level.get(r["niveau"], 0)
            unstated = by_level.get(None, 0)
            rows.append({"niveau": "non précisé", "certifications": None, "institutions": None, "sessions": None,
                         "places": None, "students": None, "graduates": None, "offers": unstated})
            # small cells withheld, and one more when a single one is (it could be recovered from the total)
            ctx.protect([r for r in rows if r.get("offers") is not None], count="offers", label="niveau")
            ctx.note(f"level asked for: read from the ads' text (Bac+N, CAP, BTS, licence, master, école "
                     f"d'ingénieur…, lowest level named); {share(unstated, offers)} % of the offers name none")
    try:
        from adequa.indicators.demand import BMO_PROJECTS

        projects = BMO_PROJECTS.compute(ctx).value
    except (MissingData, ImportError, AttributeError):
        ctx.note("no BMO recruitment projects loaded (adequa ingest bmo FILE)")
    trained = sum((r.get("places") or 0) + (r.get("students") or 0) + (r.get("graduates") or 0) for r in rows)
    rows.append({"niveau": "total", "certifications": sum(r["certifications"] or 0 for r in rows),
                 "institutions": None, "sessions": sum(r["sessions"] or 0 for r in rows) or None,
                 "places": sum(r["places"] or 0 for r in rows) or None,
                 "students": sum(r["students"] or 0 for r in rows) or None,
                 "graduates": sum(r["graduates"] or 0 for r in rows) or None,
                 "offers": offers, "recruitment_projects": projects})
    value = round(offers / trained, 2) if offers and trained else None
    if value is None:
        ctx.note("ratio undefined: needs offers and places, students or graduates for the same territory")
    ctx.note("recruitment projects (BMO) are not split by level: the survey does not ask for it")
    return ctx.result(VOLUME, value=value, rows=rows,
                      columns=["niveau", "certifications", "institutions", "sessions", "places", "students",
                               "graduates", "offers", "recruitment_projects"],
                      sources=["ads", "bmo", "training_offers", "training_sessions", "training_headcounts"],
                      rows_used=len(rows))


VOLUME = register(IndicatorDefinition(
    name="training_volume_gap", title="Volumes : offres et projets de recrutement face aux places et diplômés",
    title_en="Volumes: offers and recruitment projects vs places and graduates",
    definition="By level (3–8): certifications, institutions, sessions and places (LHÉO), students and graduates "
               "(headcounts), and the group's offers (ads, duplicates once) asking for that diploma level (read from "
               "the ad's text; a row for offers naming none); in total: all offers and BMO recruitment projects. "
               "Value = offers per place, student or graduate (all levels).",
    unit="ratio", inputs=("ads", "bmo", "training_offers", "training_sessions", "training_headcounts"),
    section="gaps", compute=_volume, options=SUPPLY_BY_LEVEL.options,
    limits="Places, students and graduates are different stocks and flows; they are shown side by side, summed "
           "only for the headline ratio, which is an order of magnitude, not a rate."))
