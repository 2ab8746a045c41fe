"""Training supply indicators: certifications leading to a group's occupations, the regional
supply (where, by whom, at which level, with sessions and places) and headcounts.

Definitions shared with :mod:`adequa.indicators.gaps`:

* a certification *leads to* the group when one of its ROME links (``certification_rome``)
  is one of the group's occupations: links published in the RNCP fiche (ROME v3 codes, matched
  through the ROME 4.0 fiches' ``code_rome_parent`` when the referential is loaded), and links
  inferred from the skills of its blocs when their score reaches ``min_score`` (option, 0.1);
  only the current version of each fiche counts, active ones unless ``include_inactive``;
* a certification is *in the territory's supply* when a LHÉO action or session teaching it
  takes place in the territory, or when a headcount row places it there; at ``france`` level
  every certification of the group is in the supply. When no LHÉO action or session and no
  headcount at all is located in the territory (no data covers it), the supply falls back to
  the national one, and every result says so in a note.
"""

from __future__ import annotations

from adequa.indicators.base import IndicatorDefinition, MissingData, register
from adequa.indicators.territories import departements, sql_str

RNCP_HINT = "adequa ingest rncp EXPORT.xml"
LEVELS = (3, 4, 5, 6, 7, 8)
ACTION_COLUMNS = {"commune": "a.commune", "departement": "a.departement", "region": "a.region"}
SESSION_COLUMNS = {"commune": "s.commune", "departement": "s.departement", "region": "s.region"}


def as_table(result):
    """Mark a result whose rows hold lists (certifiers, ROME codes, examples) as a table for the
    study's chart chooser (``chart`` hint read by ``adequa.publish.figures``)."""
    result.chart = "table"
    return result


def _bool(value, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() not in ("0", "false", "no", "non")
    return bool(value)


def group_certifications_sql(ctx) -> str:
    """SQL of the group's certifications: numero, published (bool), score, romes (list)."""
    ctx.require("certifications", RNCP_HINT)
    inferred = _bool(ctx.opt("inferred"), True)
    min_score = float(ctx.opt("min_score", 0.1))
    methods = "(r.method = 'published'" + (f" OR (r.method = 'inferred' AND r.score >= {min_score})" if inferred else "") + ")"
    active = "" if _bool(ctx.opt("include_inactive"), False) else " AND coalesce(c.actif, TRUE)"
    return f"""SELECT r.numero, bool_or(r.method = 'published') AS published, max(r.score) AS score,
                      list(DISTINCT r.rome ORDER BY r.rome) AS romes
               FROM certification_rome r JOIN certifications c ON c.numero = r.numero AND c.is_current{active}
               WHERE {methods} AND {ctx.rome_predicate('r.rome', rome_version='3')}
               GROUP BY r.numero"""


#: LHÉO ``dict-niveaux`` exit levels -> 2019 nomenclature (4 = ancien niveau V (CAP) -> 3 … 8 = niveau I -> 7;
#: 11..18 are already "Niveau 1" … "Niveau 8").
LHEO_LEVELS = {"4": 3, "5": 4, "6": 5, "7": 6, "8": 7, "13": 3, "14": 4, "15": 5, "16": 6, "17": 7, "18": 8}


def lheo_level(code) -> int | None:
    return LHEO_LEVELS.get(str(code).strip()) if code is not None else None


def _headcount_territories(ctx) -> list[str] | None:
    """Territory specs of headcount rows that fall in the context's territory (None = all)."""
    t = ctx.territory
    if t.level == "france":
        return None
    specs = [f"{t.level}:{c}" for c in t.codes] + ([t.spec] if t.id else [])
    if t.level == "region":
        specs += [f"departement:{d}" for d, (_, reg) in departements().items() if reg in t.codes]
    return specs


def _located_offers_sql(ctx) -> str:
    """SQL of the LHÉO offers with an action or a session located in the territory."""
    where_a = ctx.territory_predicate(ACTION_COLUMNS, table="training_actions")
    where_s = ctx.territory_predicate(SESSION_COLUMNS, table="training_sessions")
    return (f"SELECT a.offer_id FROM training_actions a WHERE {where_a} "
            f"UNION SELECT s.offer_id FROM training_sessions s WHERE {where_s}")


def territory_supply_sql(ctx) -> str:
    """SQL of the certification numbers taught in the territory: those of LHÉO offers with an
    action or a session located there, and those of headcount rows placed there."""
    if ctx.territory.level == "france":
        return "SELECT numero FROM certifications WHERE is_current"
    specs = _headcount_territories(ctx)
    hc = ", ".join(sql_str(s) for s in specs) if specs else "NULL"
    return f"""SELECT DISTINCT unnest(list_concat(coalesce(o.codes_rncp, []), coalesce(o.codes_rs, []))) AS numero
               FROM training_offers o WHERE o.offer_id IN ({_located_offers_sql(ctx)})
               UNION SELECT numero FROM training_headcounts WHERE numero IS NOT NULL AND territory IN ({hc})"""


def territory_covered(ctx) -> bool:
    """Whether training data covers the territory: a LHÉO action or session located there, or
    a headcount row placed there. At ``france`` level, always."""
    if ctx.territory.level == "france":
        return True
    for table in ("training_actions", "training_sessions", "training_headcounts"):
        if not ctx.has_table(table):
            return False
    specs = _headcount_territories(ctx)
    hc = ", ".join(sql_str(s) for s in specs) if specs else "NULL"
    return bool(ctx.scalar(f"SELECT (SELECT count(*) FROM ({_located_offers_sql(ctx)})) + "
                           f"(SELECT count(*) FROM training_headcounts WHERE territory IN ({hc}))"))


def national_fallback_note(ctx) -> str:
    return (f"no LHÉO training offer (action or session) and no headcount is located in {ctx.territory.spec}: "
            "certifications are taken nationally (RNCP/RS), not filtered to the territory; load a Carif-Oref LHÉO "
            "export covering it (adequa ingest lheo FILE) for the regional view")


def note_once(ctx, text: str) -> None:
    if text not in ctx._cache.get("notes", []):
        ctx.note(text)


def territory_certifications(ctx) -> set[str] | None:
    """Certifications available in the territory (LHÉO actions or sessions located there, or
    headcounts), or None for the whole country: at ``france`` level, and, with a note, when no
    training data covers the territory (national fallback)."""
    if ctx.territory.level == "france":
        return None
    if not territory_covered(ctx):
        note_once(ctx, national_fallback_note(ctx))
        return None
    return {r[0] for r in ctx.con.execute(territory_supply_sql(ctx)).fetchall() if r[0]}


def supply_numeros(ctx) -> tuple[set[str], set[str]]:
    """(the group's certifications in the territory, the group's certifications anywhere).

    When no training data covers the territory, the first set is the national one (see
    :func:`territory_certifications`)."""
    group = {r[0] for r in ctx.con.execute(f"SELECT numero FROM ({group_certifications_sql(ctx)})").fetchall()}
    # offers whose own ROME codes are the group's count too, even when their certification is not loaded
    group |= {r[0] for r in ctx.con.execute(f"""
        SELECT DISTINCT unnest(list_concat(coalesce(o.codes_rncp, []), coalesce(o.codes_rs, [])))
        FROM training_offers o
        WHERE EXISTS (SELECT 1 FROM unnest(o.codes_rome) AS u(x) WHERE {ctx.rome_predicate('u.x')})""").fetchall()}
    if ctx.territory.level == "france":
        local = {r[0] for r in ctx.con.execute(territory_supply_sql(ctx)).fetchall()}
        return group & local, group
    local = territory_certifications(ctx)
    if local is None:
        current = {r[0] for r in ctx.con.execute("SELECT numero FROM certifications WHERE is_current").fetchall()}
        return group & current, group
    return group & local, group


def _certifiers(ctx, numeros) -> dict[str, list[str]]:
    if not numeros:
        return {}
    ph = ", ".join(sql_str(n) for n in numeros)
    out: dict[str, list[str]] = {}
    for numero, nom in ctx.con.execute(f"SELECT numero, nom FROM certification_certifiers WHERE role = 'certificateur' "
                                       f"AND numero IN ({ph}) ORDER BY numero, nom").fetchall():
        out.setdefault(numero, []).append(nom)
    return out


# ---- certifications leading to the group ------------------------------------------------------------

def _certifications(ctx):
    local, group = supply_numeros(ctx)
    numeros = sorted(local)
    if not numeros:
        ctx.note("no certification of the group found"
                 + ("" if ctx.territory.level == "france" else " in the territory's supply (load LHÉO offers or "
                    "headcounts for it, or use --territory france)"))
    ph = ", ".join(sql_str(n) for n in numeros) or "NULL"
    rows = ctx.dicts(f"""
        SELECT c.numero, c.intitule, c.niveau, c.abrege_code AS type, c.etat, c.actif,
               c.date_fin_enregistrement AS fin_enregistrement, g.published, round(g.score, 3) AS score, g.romes,
               (SELECT count(*) FROM certification_blocs b WHERE b.numero = c.numero) AS blocs,
               (SELECT count(DISTINCT s.concept) FROM certification_skills s WHERE s.numero = c.numero) AS skills,
               c.voie_ca AS apprentissage, c.voie_vae AS vae, c.url
        FROM certifications c JOIN ({group_certifications_sql(ctx)}) g ON g.numero = c.numero
        WHERE c.is_current AND c.numero IN ({ph})
        ORDER BY c.niveau NULLS LAST, c.numero""")
    certifiers = _certifiers(ctx, numeros)
    for r in rows:
        r["link"] = "published" if r.pop("published") else "inferred"
        r["certifiers"] = certifiers.get(r["numero"], [])
    cols = ["numero", "intitule", "niveau", "type", "certifiers", "link", "score", "romes", "blocs", "skills", "etat",
            "actif", "fin_enregistrement", "apprentissage", "vae", "url"]
    return as_table(ctx.result(CERTIFICATIONS, value=len(rows), rows=rows, columns=cols,
                               sources=["certifications", "certification_rome", "certification_skills",
                                        "training_offers"], rows_used=len(group)))


CERTIFICATIONS = register(IndicatorDefinition(
    name="training_certifications", title="Certifications préparant aux métiers du groupe",
    title_en="Certifications leading to the group's occupations",
    definition="Current RNCP/RS certifications whose published ROME codes, or ROME codes inferred from the "
               "skills of their blocs (score ≥ min_score), are among the group's occupations; in a territory, "
               "those taught there (LHÉO actions or sessions, or headcounts), or the national ones, with a note, "
               "when no training data covers the territory. Value = number of certifications.",
    unit="certifications", inputs=("certifications", "certification_rome", "certification_skills"),
    section="training", compute=_certifications,
    options={"inferred": "also use inferred ROME links (default true)",
             "min_score": "minimum score (cosine) of an inferred link (default 0.1)",
             "include_inactive": "include certifications no longer registered (default false)"},
    limits="Inferred links are only as good as the skill extractor; published links are the certifier's claim."))


# ---- the regional supply -------------------------------------------------------------------------------

def _supply_rows(ctx) -> tuple[list[dict], set[str], set[str]]:
    local, group = supply_numeros(ctx)
    numeros = sorted(local)
    if not numeros:
        return [], local, group
    ph = ", ".join(sql_str(n) for n in numeros)
    certs = {r["numero"]: r for r in ctx.dicts(
        f"SELECT numero, intitule, niveau, abrege_code AS type FROM certifications WHERE is_current AND numero IN ({ph})")}
    certifiers = _certifiers(ctx, numeros)
    where = ctx.territory_predicate(ACTION_COLUMNS, table="training_actions")
    lheo = ctx.dicts(f"""
        WITH o AS (SELECT offer_id, organisme_nom, intitule, niveau_sortie,
                          unnest(list_concat(coalesce(codes_rncp, []), coalesce(codes_rs, []))) AS numero
                   FROM training_offers)
        SELECT o.numero, any_value(o.intitule) AS offer_intitule, any_value(o.niveau_sortie) AS niveau_sortie, o.organisme_nom AS institution, a.lieu_nom AS place, a.commune, a.departement,
               count(DISTINCT s.session_id) AS sessions, sum(s.places) AS places,
               bool_or(a.alternance) AS alternance, string_agg(DISTINCT a.distance, ', ') AS distance,
               min(s.debut) AS next_start
        FROM o JOIN training_actions a ON a.offer_id = o.offer_id
        LEFT JOIN training_sessions s ON s.action_id = a.action_id
        WHERE o.numero IN ({ph}) AND {where}
        GROUP BY ALL ORDER BY o.numero, institution""")
    specs = _headcount_territories(ctx)
    hc_where = f"territory IN ({', '.join(sql_str(s) for s in specs)})" if specs else "TRUE"
    heads = ctx.dicts(f"""SELECT numero, institution, territory, period, measure, sum(value) AS value
                          FROM training_headcounts WHERE numero IN ({ph}) AND {hc_where} GROUP BY ALL""")
    rows = []
    for r in lheo:
        c = certs.get(r["numero"], {})
        rows.append({"niveau": c.get("niveau") or lheo_level(r["niveau_sortie"]), "numero": r["numero"],
                     "intitule": c.get("intitule") or r["offer_intitule"],
                     "type": c.get("type"), "certifiers": certifiers.get(r["numero"], []), **{k: r[k] for k in (
                         "institution", "place", "commune", "departement", "sessions", "places", "alternance",
                         "distance", "next_start")}, "students": None, "period": None})
    for h in heads:
        match = next((r for r in rows if r["numero"] == h["numero"] and (h["institution"] is None or
                                                                       r["institution"] == h["institution"])), None)
        value = h["value"] if h["measure"] == "students" else None
        if match is not None and value is not None:
            match["students"] = (match["students"] or 0) + value
            match["period"] = h["period"]
            continue
        c = certs.get(h["numero"], {})
        rows.append({"niveau": c.get("niveau"), "numero": h["numero"], "intitule": c.get("intitule"),
                     "type": c.get("type"), "certifiers": certifiers.get(h["numero"], []),
                     "institution": h["institution"], "place": None, "commune": None,
                     "departement": h["territory"].split(":", 1)[1] if h["territory"].startswith("departement:") else None,
                     "sessions": None, "places": h["value"] if h["measure"] == "places" else None,
                     "alternance": None, "distance": None, "next_start": None, "students": value, "period": h["period"]})
    have = {r["numero"] for r in rows}
    for n in numeros:                        # national view: certifications with no offer data
        if n not in have:
            c = certs.get(n, {})
            rows.append({"niveau": c.get("niveau"), "numero": n, "intitule": c.get("intitule"), "type": c.get("type"),
                         "certifiers": certifiers.get(n, []), "institution": None, "place": None, "commune": None,
                         "departement": None, "sessions": None, "places": None, "alternance": None, "distance": None,
                         "next_start": None, "students": None, "period": None})
    rows.sort(key=lambda r: (r["niveau"] is None, r["niveau"] or 0, r["numero"], r["institution"] or ""))
    return rows, local, group


SUPPLY_COLUMNS = ["niveau", "numero", "intitule", "type", "certifiers", "institution", "place", "commune",
                  "departement", "sessions", "places", "students", "period", "alternance", "distance", "next_start"]


def _supply(ctx):
    rows, local, group = _supply_rows(ctx)
    if not rows:
        ctx.note("no training supply found for the group in the territory: load LHÉO offers (adequa ingest lheo) "
                 "or headcounts (adequa ingest headcounts) for it")
    return as_table(ctx.result(SUPPLY, value=len(local), rows=rows, columns=SUPPLY_COLUMNS,
                      sources=["certifications", "certification_rome", "training_offers", "training_sessions",
                               "training_headcounts"], rows_used=len(rows)))


SUPPLY = register(IndicatorDefinition(
    name="training_supply", title="Offre de formation régionale", title_en="Regional training supply",
    definition="The group's certifications taught in the territory, one row per certification, institution and "
               "place, with the number of sessions and places (LHÉO) and students (headcounts) where known; "
               "value = number of distinct certifications (the study's tables of RNCP certifications).",
    unit="certifications", inputs=("certifications", "certification_rome", "training_offers", "training_actions",
                                   "training_sessions", "training_headcounts"),
    section="training", compute=_supply, options=CERTIFICATIONS.options))


def _supply_by_level(ctx):
    rows, local, _ = _supply_rows(ctx)
    out = []
    for level in (*LEVELS, None):
        sel = [r for r in rows if r["niveau"] == level]
        if level is None and not sel:
            continue
        out.append({"niveau": level if level is not None else "sans niveau",
                    "certifications": len({r["numero"] for r in sel}),
                    "institutions": len({r["institution"] for r in sel if r["institution"]}),
                    "sessions": sum(r["sessions"] or 0 for r in sel) if any(r["sessions"] for r in sel) else None,
                    "places": sum(r["places"] or 0 for r in sel) if any(r["places"] for r in sel) else None,
                    "students": sum(r["students"] or 0 for r in sel) if any(r["students"] for r in sel) else None})
    return ctx.result(SUPPLY_BY_LEVEL, value=len(local), rows=out,
                      columns=["niveau", "certifications", "institutions", "sessions", "places", "students"],
                      sources=["certifications", "certification_rome", "training_offers", "training_headcounts"],
                      rows_used=len(rows))


SUPPLY_BY_LEVEL = register(IndicatorDefinition(
    name="training_supply_by_level", title="Offre de formation par niveau", title_en="Training supply by level",
    definition="The territory's supply for the group by level of the 2019 nomenclature (3 = CAP … 6 = licence, "
               "BUT … 7 = master, ingénieur, 8 = doctorat): certifications, institutions, sessions, places, students.",
    unit="certifications", inputs=SUPPLY.inputs, section="training", compute=_supply_by_level,
    options=CERTIFICATIONS.options))


# ---- headcounts -----------------------------------------------------------------------------------------

def _headcounts(ctx):
    ctx.require("training_headcounts", "adequa ingest headcounts FILE --map …")
    measure = ctx.opt("measure", "students")
    specs = _headcount_territories(ctx)
    where = [f"measure = {sql_str(measure)}"]
    if specs:
        where.append(f"territory IN ({', '.join(sql_str(s) for s in specs)})")
    rows = ctx.dicts(f"""SELECT coalesce(diploma, numero) AS diploma, niveau, period, sum(value) AS value,
                                string_agg(DISTINCT source, ', ') AS source
                         FROM training_headcounts WHERE {' AND '.join(where)}
                         GROUP BY ALL ORDER BY niveau NULLS LAST, diploma""")
    if not rows:
        raise MissingData(f"no {measure} headcounts for {ctx.territory.spec}: load them with "
                          "`adequa ingest headcounts FILE --territory …`")
    total = sum(r["value"] for r in rows)
    ctx.note("headcounts are taken as supplied for the group (rows without a certification number are not "
             "filtered by occupation)")
    return ctx.result(HEADCOUNTS, value=total, rows=rows, columns=["diploma", "niveau", "period", "value", "source"],
                      sources=["training_headcounts"], rows_used=len(rows),
                      period=", ".join(sorted({r["period"] for r in rows if r["period"]})) or None)


HEADCOUNTS = register(IndicatorDefinition(
    name="training_headcounts", title="Effectifs en formation", title_en="Students in training",
    definition="Students (or places, or graduates: option measure) per diploma in the territory, as supplied "
               "(the study: 3,320 students in 2022–2023, BTS 153, BUT 289, Licence 1,872, Master 449, "
               "Ingénieur 557); value = total.",
    unit="students", inputs=("training_headcounts",), section="training", compute=_headcounts,
    options={"measure": "students (default), places or graduates"}))
