"""Emerging skills: rising and falling skills, new unlisted terms, occupation drift.

Four indicators of section ``emerging``, computed between two periods
(``from`` and ``to``, options of the context; see :func:`periods_of`):

* ``emerging_rising_skills`` / ``emerging_falling_skills``: taxonomy skills
  (ROME ``code_ogr`` or ESCO URI) whose share of the group's ads grows (falls)
  from one period to the other. Each skill gets a two-proportion z-test with
  continuity correction, Benjamini–Hochberg q-values over every skill tested
  (those with at least ``min_support`` ads over both periods), the Bayesian
  probability P(p_to > p_from) under Beta(½, ½) priors (normal approximation),
  and an effect size: the log ratio of shares with ½ pseudo-counts. A skill is
  rising when q ≤ ``alpha`` and the log ratio is positive; rows are ranked by
  effect size, then q-value. A change must be carried by at least ``min_posters``
  distinct posters (employer, else the opening of the ad) so that one recruiter's
  campaign is not read as a trend. Where training supply is loaded, each row lists
  the certifications whose blocs already cover the skill; where the ROME fiche items are
  loaded, ``rome_emergent`` says whether a fiche of the group already flags the skill as
  emerging (coeur_metier "Émergente").
* ``emerging_new_terms``: terms that behave like skills but match no taxonomy
  item (found by ``adequa skills emerging --discover``), grouped by variants,
  with first-seen date, growth and its test, example sentences and the nearest
  taxonomy item.
* ``emerging_occupation_drift``: skills asked for in an occupation's ads that
  the ROME fiche does not list (``rome_fiche_items``), for referential
  maintainers.

:func:`emerging_report` computes all four at once (for the CLI and the study).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Iterable, Sequence

from adequa.errors import InputError
from adequa.indicators.base import Context, IndicatorDefinition, MissingData, Period, register

__all__ = ["RateTest", "benjamini_hochberg", "compare_counts", "emerging_report", "log_ratio", "periods_of",
           "prob_increase", "two_proportion_test"]

PRIOR = 0.5          # pseudo-count added to successes and failures (Jeffreys prior)

# -- statistics (pure) ---------------------------------------------------------------------------


def _phi(z: float) -> float:
    """Standard normal CDF."""
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def two_proportion_test(x1: int, n1: int, x2: int, n2: int, *, continuity: bool = True) -> tuple[float, float]:
    """Two-sided two-proportion z-test of p1 = p2 (pooled variance, Yates continuity
    correction). Returns (z, p-value); z > 0 when the second share is larger."""
    if n1 <= 0 or n2 <= 0:
        return 0.0, 1.0
    p1, p2 = x1 / n1, x2 / n2
    pooled = (x1 + x2) / (n1 + n2)
    var = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
    if var <= 0:
        return 0.0, 1.0
    diff = p2 - p1
    corr = 0.5 * (1 / n1 + 1 / n2) if continuity else 0.0
    mag = max(0.0, abs(diff) - corr)
    z = math.copysign(mag / math.sqrt(var), diff) if mag > 0 else 0.0
    return z, min(1.0, math.erfc(abs(z) / math.sqrt(2.0)))


def prob_increase(x1: int, n1: int, x2: int, n2: int, *, prior: float = PRIOR) -> float:
    """P(p2 > p1) with independent Beta(x + prior, n - x + prior) posteriors, by the
    normal approximation of the difference (good once each period has a few ads)."""
    a1, b1 = x1 + prior, n1 - x1 + prior
    a2, b2 = x2 + prior, n2 - x2 + prior
    m1, m2 = a1 / (a1 + b1), a2 / (a2 + b2)
    v1 = a1 * b1 / ((a1 + b1) ** 2 * (a1 + b1 + 1))
    v2 = a2 * b2 / ((a2 + b2) ** 2 * (a2 + b2 + 1))
    sd = math.sqrt(v1 + v2)
    return _phi((m2 - m1) / sd) if sd > 0 else 0.5


def log_ratio(x1: int, n1: int, x2: int, n2: int, *, prior: float = PRIOR) -> float:
    """Natural log of share_to / share_from with ``prior`` pseudo-counts (finite when x1 = 0)."""
    return math.log((x2 + prior) / (n2 + 2 * prior)) - math.log((x1 + prior) / (n1 + 2 * prior))


def benjamini_hochberg(pvalues: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (q-values), in the input order."""
    m = len(pvalues)
    if m == 0:
        return []
    order = sorted(range(m), key=lambda i: pvalues[i])
    q = [0.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, pvalues[i] * m / rank)
        q[i] = min(1.0, running)
    return q


@dataclass
class RateTest:
    key: str
    x_from: int
    x_to: int
    share_from: float
    share_to: float
    log_ratio: float
    z: float
    p_value: float
    q_value: float
    prob_increase: float
    direction: str            # rising / falling / stable


def compare_counts(counts: Iterable[tuple[str, int, int]], n_from: int, n_to: int, *, alpha: float = 0.05,
                   min_support: int = 5, prior: float = PRIOR) -> list[RateTest]:
    """Test every (key, ads in period 1, ads in period 2) whose total reaches ``min_support``;
    q-values by Benjamini–Hochberg over the tested keys. Ranked by |effect| within direction."""
    rows = [(k, int(x1), int(x2)) for k, x1, x2 in counts if int(x1) + int(x2) >= min_support]
    tests = [two_proportion_test(x1, n_from, x2, n_to) for _, x1, x2 in rows]
    qs = benjamini_hochberg([p for _, p in tests])
    out = []
    for (k, x1, x2), (z, p), q in zip(rows, tests, qs):
        lr = log_ratio(x1, n_from, x2, n_to, prior=prior)
        direction = "stable"
        if q <= alpha:
            direction = "rising" if z > 0 else "falling"
        out.append(RateTest(k, x1, x2, x1 / n_from if n_from else 0.0, x2 / n_to if n_to else 0.0, lr, z, p, q,
                            prob_increase(x1, n_from, x2, n_to, prior=prior), direction))
    out.sort(key=lambda t: (-abs(t.log_ratio), t.q_value, str(t.key)))  # key last: ties ordered the same on every engine
    return out


# -- periods -----------------------------------------------------------------------------------------


def periods_of(ctx: Context) -> tuple[Period, Period]:
    """The two periods compared: options ``from``/``to`` (2024Q1, 2024-03, 2024); else the
    context period ``A..B`` split into A and B; else a single period and the same span a year
    earlier; else the last year with ads and the year before."""
    p_from, p_to = ctx.opt("from"), ctx.opt("to")
    if p_from or p_to:
        if not (p_from and p_to):
            raise InputError("give both --from and --to (e.g. --from 2024Q1 --to 2025Q1)", field="from")
        a, b = Period.parse(p_from), Period.parse(p_to)
    elif ctx.period is not None and ".." in ctx.period.label:
        left, right = ctx.period.label.split("..", 1)
        a, b = Period.parse(left), Period.parse(right)
    elif ctx.period is not None:
        a, b = ctx.period.previous(), ctx.period
    else:
        last = ctx.scalar("SELECT max(created_at) FROM ads") if ctx.has_table("ads") else None
        if last is None:
            raise MissingData("no ads in the warehouse: load some with `adequa ingest offers FILE`")
        b = Period.parse(str(last.year))
        a = b.previous()
    if a.start < b.end and b.start < a.end:
        raise InputError(f"periods {a.label} and {b.label} overlap: compare disjoint periods", field="from")
    if b.start < a.start:
        a, b = b, a
    return a, b


# Who posted an ad (employer, else the opening of the description): a rise must be carried by
# several posters, not by one recruiter's campaign. Distinct posters are counted up to POSTER_CAP.
from adequa.indicators.facts import POSTER, POSTER_CAP  # noqa: E402


def _period_ads(ctx: Context, a: Period, b: Period) -> str:
    """SQL of (ad_id, p, rome, created_at) for the group's ads in the territory, p = 0 (from) or 1 (to)."""
    inner = ctx.ads_sql(period=False, columns=f"a.ad_id, a.created_at, {POSTER} AS poster")
    return (f"SELECT ad_id, rome, created_at, poster, CASE WHEN {a.predicate('created_at')} THEN 0 ELSE 1 END AS p "
            f"FROM ({inner}) x WHERE {a.predicate('created_at')} OR {b.predicate('created_at')}")


def _volumes(ctx: Context, ads: str) -> tuple[int, int]:
    """Materialise the two periods' ads as the temp table ``_em_f`` (ad_id, p, poster hash)
    and return the number of ads in each period."""
    ctx.con.execute(f"CREATE OR REPLACE TEMP TABLE _em_f AS SELECT ad_id, p, hash(poster) AS poster FROM ({ads})")
    n = dict(ctx.con.execute("SELECT p, count(*) FROM _em_f GROUP BY p").fetchall())
    return int(n.get(0, 0)), int(n.get(1, 0))


def _item_counts(ctx: Context, item: str, table: str, where: str = "TRUE") -> list[tuple[str, int, int]]:
    """(item, ads in period 0, ads in period 1) over ``_em_f``; an ad counts once per item."""
    return ctx.con.execute(f"""
        SELECT k, count(*) FILTER (WHERE p = 0), count(*) FILTER (WHERE p = 1) FROM (
            SELECT m.ad_id, {item} AS k, any_value(f.p) AS p FROM {table} m JOIN _em_f f ON f.ad_id = m.ad_id
            WHERE {where} AND {item} IS NOT NULL GROUP BY m.ad_id, {item})
        GROUP BY k""").fetchall()


def _item_posters(ctx: Context, keys: Iterable[str], item: str, table: str,
                  where: str = "TRUE", cap: int | None = None) -> dict[str, tuple[int, int]]:
    """Distinct posters carrying each item in each period (counted up to ``cap`` when given);
    computed for the few items that passed the test only (counting distinct posters for every
    item is the slow part)."""
    keys = sorted(set(keys))
    if not keys:
        return {}
    ctx.con.execute("CREATE OR REPLACE TEMP TABLE _em_sel (k VARCHAR)")
    ctx.con.executemany("INSERT INTO _em_sel VALUES (?)", [[k] for k in keys])
    rows = ctx.con.execute(f"""
        SELECT k, least(count(DISTINCT poster) FILTER (WHERE p = 0), {cap or 'NULL'}),
               least(count(DISTINCT poster) FILTER (WHERE p = 1), {cap or 'NULL'}) FROM (
            SELECT {item} AS k, f.p, f.poster FROM {table} m JOIN _em_f f ON f.ad_id = m.ad_id
            WHERE {where} AND {item} IN (SELECT k FROM _em_sel))
        GROUP BY k""").fetchall()
    out = {k: (0, 0) for k in keys}
    out.update({k: (int(p0), int(p1)) for k, p0, p1 in rows})
    return out


def _options(ctx: Context) -> tuple[float, int, int]:
    alpha = float(ctx.opt("alpha", 0.05))
    min_support = int(ctx.opt("min_support", max(ctx.min_cell_size, 5)))
    limit = int(ctx.opt("limit", 50))
    if not 0 < alpha < 1:
        raise InputError("alpha must be between 0 and 1", field="alpha")
    if min_support < 1 or limit < 1:
        raise InputError("min_support and limit must be at least 1", field="min_support")
    return alpha, min_support, limit


def _fmt(t: RateTest) -> dict:
    return {"ads_from": t.x_from, "ads_to": t.x_to, "share_from": round(100 * t.share_from, 2),
            "share_to": round(100 * t.share_to, 2), "log_ratio": round(t.log_ratio, 3),
            "ratio": round(math.exp(t.log_ratio), 2), "z": round(t.z, 2), "p_value": float(f"{t.p_value:.3g}"),
            "q_value": float(f"{t.q_value:.3g}"), "prob_increase": round(t.prob_increase, 4),
            "direction": t.direction}


# -- rising / falling taxonomy skills -------------------------------------------------------------------

SKILL_KEY = "coalesce(m.rome_ogr, m.esco_uri)"


def skill_trends(ctx: Context) -> dict:
    """Every tested skill with its test, plus the volumes; shared by the rising and falling indicators."""
    key = ("skill_trends",)
    if key in ctx._cache:
        return ctx._cache[key]
    ctx.require("ads", "adequa ingest offers FILE")
    ctx.require("skill_mentions", "adequa enrich skills")
    a, b = periods_of(ctx)
    alpha, min_support, _ = _options(ctx)
    fast = _trend_facts(ctx, a, b)
    if fast is not None:          # per-skill counts, ad totals and posters from the pre-aggregated facts
        n_from, n_to, counts, poster_fn = fast
    else:
        ads = _period_ads(ctx, a, b)
        n_from, n_to = _volumes(ctx, ads)
        where = "NOT coalesce(m.unlisted, FALSE)"
        counts = _item_counts(ctx, SKILL_KEY, "skill_mentions", where)

        def poster_fn(keys):
            return _item_posters(ctx, keys, SKILL_KEY, "skill_mentions", where, cap=_poster_cap(ctx))
    tests = compare_counts(counts, n_from, n_to, alpha=alpha, min_support=min_support) if n_from and n_to else []
    posters = poster_fn([x.key for x in tests if x.direction != "stable"])
    out = {"from": a, "to": b, "n_from": n_from, "n_to": n_to, "tests": tests, "alpha": alpha,
           "min_support": min_support, "tested": len(tests), "posters": posters}
    if not n_from or not n_to:
        ctx.note(f"no ads in {a.label if not n_from else b.label} for this group and territory: nothing to compare")
    ctx._cache[key] = out
    return out


def _trend_facts(ctx: Context, a: Period, b: Period):
    """``(n_from, n_to, [(skill, x_from, x_to)], posters(keys))`` read from the facts rollups, or None
    when they cannot answer (stale or missing, month periods, a territory level they do not hold,
    option facts=false, min_posters above the cap). Same counts as the scan of the mentions: an ad
    lies in one cell, and ``keyed_ads`` counts the ads whose mention of the skill has a ROME/ESCO code."""
    from adequa.indicators import demand, facts

    t = ctx.territory
    if not (facts.quarterly(a) and facts.quarterly(b)) or _min_posters(ctx) > (_poster_cap(ctx) or math.inf) \
            or not demand.use_rollups(ctx):
        return None
    roll = facts.skill_table(a, t.level)
    if roll is None or not ctx.has_table("ads"):
        return None
    table, geo = roll
    n_from = demand.offer_total(ctx, period=a)
    n_to = demand.offer_total(ctx, period=b)
    both = f"({a.predicate('quarter')} OR {b.predicate('quarter')})"
    where = demand.fact_where(ctx, None, t, True, time_column="quarter", geo=geo, table=table)
    counts = ctx.con.execute(f"""
        SELECT skill_id, coalesce(sum(keyed_ads) FILTER (WHERE {a.predicate('quarter')}), 0)::BIGINT,
               coalesce(sum(keyed_ads) FILTER (WHERE {b.predicate('quarter')}), 0)::BIGINT
        FROM {table} WHERE {where} AND {both} AND keyed_ads > 0 GROUP BY 1""").fetchall()

    def posters(keys):
        keys = sorted(set(keys))
        if not keys:
            return {}
        src, cond = (("skill_posters_fr", "TRUE") if t.level == "france" else ("skill_cell_facts", "keyed_ads > 0"))
        cap = _poster_cap(ctx) or "NULL"
        rows = ctx.con.execute(f"""
            SELECT skill_id, least(count(DISTINCT poster) FILTER (WHERE {a.predicate('quarter')}), {cap}),
                   least(count(DISTINCT poster) FILTER (WHERE {b.predicate('quarter')}), {cap})
            FROM {src} WHERE {cond} AND {both} AND skill_id IN (SELECT unnest(?::VARCHAR[]))
              AND {demand.fact_where(ctx, None, t, True, time_column='quarter', geo=('region', 'departement', 'bassin'), table=src)}
            GROUP BY 1""", [keys]).fetchall()
        out = {k: (0, 0) for k in keys}
        out.update({k: (int(p0), int(p1)) for k, p0, p1 in rows})
        return out

    return n_from, n_to, counts, posters


def _poster_cap(ctx: Context) -> int | None:
    """Distinct posters of a skill are counted up to POSTER_CAP at the France level (a change carried
    by that many posters nationally is no single recruiter's campaign), exactly below it."""
    return POSTER_CAP if ctx.territory.level == "france" else None


def _skill_labels(ctx: Context, keys: list[str]) -> dict[str, tuple[str, str]]:
    if not keys:
        return {}
    from adequa.indicators import demand

    if demand.use_rollups(ctx):
        rows = ctx.con.execute("SELECT skill_key, label, kind FROM skill_labels "
                               "WHERE skill_key IN (SELECT unnest(?::VARCHAR[]))", [list(keys)]).fetchall()
        return {k: (label, kind) for k, label, kind in rows}
    ctx.con.execute("CREATE OR REPLACE TEMP TABLE _em_keys (k VARCHAR)")
    ctx.con.executemany("INSERT INTO _em_keys VALUES (?)", [[k] for k in keys])
    rows = ctx.con.execute(f"""
        SELECT {SKILL_KEY} AS k, mode(m.label), mode(m.kind) FROM skill_mentions m
        WHERE {SKILL_KEY} IN (SELECT k FROM _em_keys) GROUP BY 1""").fetchall()
    return {k: (label, kind) for k, label, kind in rows}


def certification_coverage(ctx: Context, concepts: list[str], *, per_skill: int = 5) -> dict[str, list[dict]] | None:
    """Current certifications whose blocs cover each concept (rome_ogr or ESCO URI), or None
    when training supply is not loaded.

    In a territory, only the certifications available there count: those of LHÉO training
    offers with an action or a session located in it (or headcounts placed there), and
    ``offers`` counts those local offers. When no LHÉO data covers the territory, the national
    certifications are given, each marked ``scope='national'``, and a note says so."""
    if not concepts or not ctx.has_table("certification_skills") or not ctx.scalar(
            "SELECT count(*) FROM (SELECT 1 FROM certification_skills LIMIT 1)"):
        return None
    from adequa.indicators.training import _located_offers_sql, territory_certifications

    regional = territory_certifications(ctx)          # None: France, or no training data covers the territory
    scope = "national" if regional is None else "territory"
    ctx.con.execute("CREATE OR REPLACE TEMP TABLE _em_concepts (k VARCHAR)")
    ctx.con.executemany("INSERT INTO _em_concepts VALUES (?)", [[k] for k in concepts])
    # Certifications known to be archived or superseded are left out; unknown ones are kept.
    current = ("LEFT JOIN certifications c ON c.numero = s.numero AND coalesce(c.is_current, TRUE)"
               if ctx.has_table("certifications") else "")
    title = "any_value(c.intitule)" if current else "NULL"
    inactive = ("AND s.numero NOT IN (SELECT numero FROM certifications GROUP BY numero "
                "HAVING NOT bool_or(coalesce(actif, TRUE) AND coalesce(is_current, TRUE)))" if current else "")
    local = ""
    if regional is not None:
        ctx.con.execute("CREATE OR REPLACE TEMP TABLE _em_local (numero VARCHAR)")
        ctx.con.executemany("INSERT INTO _em_local VALUES (?)", [[n] for n in sorted(regional)])
        local = "AND s.numero IN (SELECT numero FROM _em_local)"
    offers = ""
    if ctx.has_table("training_offers"):
        located = f" AND o.offer_id IN ({_located_offers_sql(ctx)})" if regional is not None else ""
        offers = (", (SELECT count(*) FROM training_offers o WHERE (list_contains(o.codes_rncp, s.numero) "
                  f"OR list_contains(o.codes_rs, s.numero)){located}) AS offers")
    rows = ctx.dicts(f"""
        SELECT s.concept, s.numero, {title} AS intitule{offers}
        FROM certification_skills s {current}
        WHERE s.concept IN (SELECT k FROM _em_concepts) {inactive} {local}
        GROUP BY s.concept, s.numero ORDER BY s.concept, s.numero""")
    out: dict[str, list[dict]] = {}
    for r in rows:
        r["scope"] = scope
        out.setdefault(r.pop("concept"), []).append(r)
    return {k: v[:per_skill] for k, v in out.items()}


def certification_texts_covering(ctx: Context, variants: dict[str, list[str]], *,
                                 per_term: int = 5) -> dict[str, list[str]] | None:
    """Current certifications whose blocs' texts (title and compétences) name a term, by any of
    its spellings as a whole word (case- and accent-insensitive); None when no blocs are loaded.
    New terms are in no taxonomy, so certification_skills cannot hold them: the text is searched.
    In a territory, only the certifications available there (see :func:`certification_coverage`)."""
    if not variants or not ctx.has_table("certification_blocs") or not ctx.scalar(
            "SELECT count(*) FROM (SELECT 1 FROM certification_blocs LIMIT 1)"):
        return None
    import re

    from adequa.indicators.training import territory_certifications

    current = ""
    if ctx.has_table("certifications") and ctx.scalar("SELECT count(*) FROM (SELECT 1 FROM certifications LIMIT 1)"):
        current = ("AND b.numero IN (SELECT numero FROM certifications "
                   "WHERE coalesce(is_current, TRUE) AND coalesce(actif, TRUE))")
    regional = territory_certifications(ctx)
    if regional is not None:
        ctx.con.execute("CREATE OR REPLACE TEMP TABLE _em_local_terms (numero VARCHAR)")
        ctx.con.executemany("INSERT INTO _em_local_terms VALUES (?)", [[n] for n in sorted(regional)])
        current += " AND b.numero IN (SELECT numero FROM _em_local_terms)"
    out: dict[str, list[str]] = {}
    for key, spellings in variants.items():
        words = sorted({v.strip().lower() for v in spellings if v and len(v.strip()) >= 2})
        if not words:
            continue
        pattern = "(^|[^a-z0-9])(" + "|".join(re.escape(w) for w in words) + ")($|[^a-z0-9])"
        found = ctx.con.execute(
            "SELECT DISTINCT b.numero FROM certification_blocs b WHERE regexp_matches("
            "strip_accents(lower(coalesce(b.libelle, '') || ' ' || coalesce(b.competences, ''))), "
            f"strip_accents(?)) {current} ORDER BY 1 LIMIT {int(per_term)}", [pattern]).fetchall()
        out[key] = [r[0] for r in found]
    return out


def _trend_rows(ctx: Context, direction: str) -> tuple[list[dict], dict]:
    t = skill_trends(ctx)
    _, _, limit = _options(ctx)
    min_posters = _min_posters(ctx)
    side = 1 if direction == "rising" else 0
    candidates = [x for x in t["tests"] if x.direction == direction]
    chosen = [x for x in candidates if t["posters"][x.key][side] >= min_posters][:limit]
    _note_posters(ctx, len(candidates) - len([x for x in candidates if t["posters"][x.key][side] >= min_posters]),
                  min_posters)
    labels = _skill_labels(ctx, [x.key for x in chosen])
    coverage = certification_coverage(ctx, [x.key for x in chosen]) if direction == "rising" else None
    rows = []
    for rank, x in enumerate(chosen, 1):
        label, kind = labels.get(x.key, (None, None))
        row = {"rank": rank, "skill": x.key, "label": label, "kind": kind, **_fmt(x),
               "posters": t["posters"][x.key][side]}
        if direction == "rising":
            if coverage is None:
                row["certifications"] = None
            else:
                row["certifications"] = ", ".join(c["numero"] for c in coverage.get(x.key, [])) or ""
        rows.append(row)
    flagged = _rome_emergent(ctx, [x.key for x in chosen]) if direction == "rising" else None
    if flagged is not None:
        for row in rows:
            row["rome_emergent"] = row["skill"] in flagged
    if direction == "rising" and coverage is None and chosen:
        ctx.note("training supply (certification_skills) is not loaded: certification coverage not shown; "
                 "load it with `adequa ingest rncp FILE`")
    _protect_from(ctx, rows, "label")
    return rows, t


def _flag(value) -> bool:
    """A boolean option, also when it comes as text from a URL (?unconfirmed=false)."""
    if isinstance(value, str):
        if value.strip().lower() in ("1", "true", "yes", "on", "oui"):
            return True
        if value.strip().lower() in ("", "0", "false", "no", "off", "non"):
            return False
        raise InputError(f"{value!r} is not a yes/no value (true or false)", field="unconfirmed")
    return bool(value)


def _min_posters(ctx: Context) -> int:
    value = int(ctx.opt("min_posters", 3))
    if value < 1:
        raise InputError("min_posters must be at least 1", field="min_posters")
    return value


def _note_posters(ctx: Context, dropped: int, min_posters: int) -> None:
    if dropped:
        ctx.note(f"{dropped} significant item(s) left out: carried by fewer than {min_posters} distinct posters "
                 "(employer, or the opening of the ad when the employer is unknown); option min_posters")


def _rome_emergent(ctx: Context, keys: list[str]) -> set[str] | None:
    """The items that the ROME fiches of the group already flag as emerging (coeur_metier =
    'Émergente'); None when the fiche items are not loaded."""
    items = ctx.ref("rome_fiche_items")
    if not keys or items is None or not ctx.scalar(f"SELECT count(*) FROM (SELECT 1 FROM {items} LIMIT 1)"):
        return None
    ctx.con.execute("CREATE OR REPLACE TEMP TABLE _em_emergent (k VARCHAR)")
    ctx.con.executemany("INSERT INTO _em_emergent VALUES (?)", [[k] for k in keys])
    rows = ctx.con.execute(f"""
        SELECT DISTINCT i.code_ogr FROM {items} i
        WHERE i.code_ogr IN (SELECT k FROM _em_emergent) AND strip_accents(lower(i.coeur_metier)) LIKE 'emergent%'
          AND {ctx.rome_predicate('i.code_rome')}""").fetchall()
    return {r[0] for r in rows}


def _protect_from(ctx: Context, rows: list[dict], label: str) -> None:
    """Withhold first-period counts below the minimum cell size (0 stays: it says "new").
    The second-period count is at least ``min_support`` for every listed row."""
    for r in rows:
        for col, share in (("ads_from", "share_from"), ("ads_to", "share_to")):
            if r[col] and ctx.publishable(r[col], f"{r.get(label)} ({col})") is None:
                r[col] = r[share] = None


def _result(ctx: Context, defn: IndicatorDefinition, rows: list[dict], t: dict, *, sources: list[str]):
    a, b = t["from"], t["to"]
    ctx.note(f"{t['tested']} items tested ({t['min_support']}+ ads over both periods); "
             f"Benjamini–Hochberg at q ≤ {t['alpha']}; {a.label}: {t['n_from']} ads, {b.label}: {t['n_to']} ads")
    label = f"{a.label}..{b.label}" if ".." not in a.label + b.label else f"{a.label} vs {b.label}"
    return ctx.result(defn, value=len(rows), rows=rows, sources=sources, rows_used=t["n_from"] + t["n_to"],
                      period=label, filters={"from": a.label, "to": b.label})


def _rising(ctx: Context):
    rows, t = _trend_rows(ctx, "rising")
    return _result(ctx, RISING, rows, t, sources=["ads", "skill_mentions", "ad_occupations"])


def _falling(ctx: Context):
    rows, t = _trend_rows(ctx, "falling")
    return _result(ctx, FALLING, rows, t, sources=["ads", "skill_mentions", "ad_occupations"])


_COMMON_OPTIONS = {
    "from": "first period compared (2024Q1, 2024-03, 2024); default: the period a year before 'to'",
    "to": "second period compared; default: the context period, or the last year with ads",
    "alpha": "false discovery rate for Benjamini–Hochberg (default 0.05)",
    "min_support": "minimum ads over both periods for an item to be tested (default: max(min cell size, 5))",
    "limit": "rows listed (default 50)",
    "min_posters": "minimum distinct posters (employer, or the ad's opening when unknown) carrying the change "
                   "(default 3)",
}

RISING = register(IndicatorDefinition(
    name="emerging_rising_skills", title="Compétences en hausse", title_en="Rising skills",
    definition="Skills (ROME compétences/savoirs, ESCO skills) whose share of the group's ads grows significantly "
               "between two periods: two-proportion z-test with continuity correction, Benjamini–Hochberg "
               "false discovery rate, ranked by the log ratio of shares (½ pseudo-counts). Value: number of "
               "rising skills listed.",
    unit="count", inputs=("ads", "skill_mentions", "ad_occupations", "certification_skills"), section="emerging",
    compute=_rising, options=_COMMON_OPTIONS,
    limits="Shares depend on how consistently skills are detected across periods; a change of source mix "
           "between periods shows up as a change of skills. Ads are counted once per duplicate cluster."))

FALLING = register(IndicatorDefinition(
    name="emerging_falling_skills", title="Compétences en baisse", title_en="Falling skills",
    definition="Skills whose share of the group's ads falls significantly between two periods (same test as "
               "emerging_rising_skills).",
    unit="count", inputs=("ads", "skill_mentions", "ad_occupations"), section="emerging", compute=_falling,
    options=_COMMON_OPTIONS, limits=RISING.limits))


# -- new, unlisted terms -----------------------------------------------------------------------------------


def _new_terms(ctx: Context):
    watch = _flag(ctx.opt("unconfirmed", False))
    ctx.require("ads", "adequa ingest offers FILE")
    ctx.require("emerging_term_mentions", "adequa skills emerging --discover")
    a, b = periods_of(ctx)
    alpha, min_support, limit = _options(ctx)
    ads = _period_ads(ctx, a, b)
    n_from, n_to = _volumes(ctx, ads)
    term = "coalesce(m.group_key, m.term_key)"
    counts = _item_counts(ctx, term, "emerging_term_mentions")
    tests = compare_counts(counts, n_from, n_to, alpha=alpha, min_support=min_support) if n_from and n_to else []
    n_tested = len(tests)
    tests = [x for x in tests if x.direction == "rising" or (watch and x.x_from == 0 and x.x_to >= min_support)]
    posters = {k: v[1] for k, v in _item_posters(ctx, [x.key for x in tests], term, "emerging_term_mentions").items()}
    min_posters = _min_posters(ctx)
    few = [x for x in tests if x.direction == "rising" and posters[x.key] < min_posters]
    tests = [x for x in tests if posters[x.key] >= min_posters]
    _note_posters(ctx, len(few), min_posters)
    # Listed: rising significantly. With the option unconfirmed=True, also terms absent from the first
    # period that reach min_support in the second without being significant yet (a watch list).
    chosen = list(tests)
    chosen.sort(key=lambda x: (x.direction != "rising", -x.log_ratio, x.q_value, str(x.key)))
    chosen = chosen[:limit]
    info = _term_info(ctx, [x.key for x in chosen], b)
    rows = []
    for rank, x in enumerate(chosen, 1):
        i = info.get(x.key, {})
        rows.append({"rank": rank, "term": i.get("label") or x.key, "group_key": x.key,
                     "variants": i.get("variants"), "first_seen": i.get("first_seen"), **_fmt(x),
                     "posters": posters[x.key],
                     "examples": i.get("examples") or [], "nearest_id": i.get("nearest_id"),
                     "nearest_label": i.get("nearest_label"), "nearest_score": i.get("nearest_score"),
                     "related_skills": i.get("related")})
    texts = certification_texts_covering(ctx, {r["group_key"]: (r["variants"] or r["term"]).split(", ") for r in rows})
    for r in rows:
        r["certifications"] = None if texts is None else ", ".join(texts.get(r["group_key"], []))
    if texts is None and rows:
        ctx.note("training supply (certification_blocs) is not loaded: certification coverage not shown; "
                 "load it with `adequa ingest rncp FILE`")
    _protect_from(ctx, rows, "term")
    t = {"from": a, "to": b, "n_from": n_from, "n_to": n_to, "tested": n_tested, "alpha": alpha,
         "min_support": min_support}
    return _result(ctx, NEW_TERMS, rows, t, sources=["ads", "emerging_term_mentions", "emerging_term_groups"])


def _term_info(ctx: Context, keys: list[str], to: Period, examples: int = 3) -> dict[str, dict]:
    if not keys:
        return {}
    ctx.con.execute("CREATE OR REPLACE TEMP TABLE _em_terms (k VARCHAR)")
    ctx.con.executemany("INSERT INTO _em_terms VALUES (?)", [[k] for k in keys])
    has_groups = ctx.has_table("emerging_term_groups")
    group_cols = ("g.label, g.variants, g.nearest_id, g.nearest_label, g.nearest_score" if has_groups
                  else "NULL, NULL, NULL, NULL, NULL")
    join = "LEFT JOIN emerging_term_groups g ON g.group_key = t.k" if has_groups else ""
    rows = ctx.con.execute(f"""
        WITH first AS (
            SELECT coalesce(e.group_key, e.term_key) AS k, min(a.created_at) AS first_seen, mode(e.term) AS term
            FROM emerging_term_mentions e JOIN ads a ON a.ad_id = e.ad_id
            WHERE coalesce(e.group_key, e.term_key) IN (SELECT k FROM _em_terms) GROUP BY 1),
        ex AS (
            SELECT k, list(sentence ORDER BY score DESC, ad_id)[1:{int(examples)}] AS examples FROM (
                SELECT DISTINCT coalesce(e.group_key, e.term_key) AS k, e.sentence, e.score, e.ad_id
                FROM emerging_term_mentions e JOIN ads a ON a.ad_id = e.ad_id
                WHERE coalesce(e.group_key, e.term_key) IN (SELECT k FROM _em_terms) AND {to.predicate('a.created_at')})
            GROUP BY k)
        SELECT t.k, first.first_seen, first.term, ex.examples, {group_cols}
        FROM _em_terms t LEFT JOIN first ON first.k = t.k LEFT JOIN ex ON ex.k = t.k {join}""").fetchall()
    related = _related_skills(ctx) if ctx.has_table("skill_mentions") else {}
    out = {}
    for k, first_seen, term, ex, label, variants, nid, nlabel, nscore in rows:
        seen, uniq = set(), []
        for s in ex or []:
            if s and s not in seen:
                seen.add(s)
                uniq.append(s)
        try:
            var = list(json.loads(variants)) if variants else [term]
        except (TypeError, ValueError):
            var = [term]
        out[k] = {"label": label or term, "first_seen": first_seen.isoformat() if first_seen else None,
                  "examples": uniq, "variants": ", ".join(v for v in var if v), "nearest_id": nid,
                  "nearest_label": nlabel, "nearest_score": nscore, "related": related.get(k)}
    return out


def _related_skills(ctx: Context, top: int = 3, min_ads: int = 3) -> dict[str, str]:
    """For each term of ``_em_terms``: the taxonomy skills most over-represented in the ads that
    mention it (lift = share among those ads / share among the compared ads ``_em_f``, at least
    ``min_ads`` ads):
    the term's neighbours in context, e.g. SQL and data warehouse for a new database tool."""
    # The reference shares come from a hash sample of ~50,000 of the compared ads (exact below that).
    step = max(1, int(ctx.scalar("SELECT count(*) FROM _em_f") or 0) // 50_000)
    rows = ctx.con.execute(f"""
        WITH t AS (SELECT DISTINCT coalesce(m.group_key, m.term_key) AS k, m.ad_id
                   FROM emerging_term_mentions m JOIN _em_f f ON f.ad_id = m.ad_id
                   WHERE coalesce(m.group_key, m.term_key) IN (SELECT k FROM _em_terms)),
        s AS (SELECT m.ad_id, {SKILL_KEY} AS skill, any_value(m.label) AS label FROM skill_mentions m
              SEMI JOIN (SELECT DISTINCT ad_id FROM t) ta ON ta.ad_id = m.ad_id
              WHERE NOT coalesce(m.unlisted, FALSE) AND {SKILL_KEY} IS NOT NULL GROUP BY m.ad_id, {SKILL_KEY}),
        co AS (SELECT t.k, s.skill, any_value(s.label) AS label, count(*) AS n FROM t JOIN s ON s.ad_id = t.ad_id
               GROUP BY t.k, s.skill HAVING count(*) >= {int(min_ads)}),
        base AS (SELECT ad_id FROM _em_f WHERE hash(ad_id) % {step} = 0),
        df AS (SELECT skill, count(*) AS df FROM (
                   SELECT m.ad_id, {SKILL_KEY} AS skill FROM skill_mentions m SEMI JOIN base ON base.ad_id = m.ad_id
                   WHERE {SKILL_KEY} IN (SELECT DISTINCT skill FROM co) GROUP BY ALL) GROUP BY skill),
        nt AS (SELECT k, count(*) AS nt FROM t GROUP BY k),
        total AS (SELECT greatest(count(*), 1) AS n FROM base)
        SELECT co.k, list(co.label ORDER BY (co.n / nt.nt) / (df.df / total.n) DESC, co.n DESC)[1:{int(top)}]
        FROM co JOIN nt ON nt.k = co.k JOIN df ON df.skill = co.skill, total GROUP BY co.k""").fetchall()
    return {k: ", ".join(x for x in labels if x) for k, labels in rows}


NEW_TERMS = register(IndicatorDefinition(
    name="emerging_new_terms", title="Nouvelles compétences hors référentiels",
    title_en="New skills not in the taxonomies",
    definition="Terms and phrases that behave like skills in ads (requirement contexts, lists of requirements, "
               "next to known skills, tool-like shapes) but match no ROME or ESCO item, grouped by variants "
               "(spellings, acronyms, English/French); listed when their share of ads rises significantly "
               "(same test as emerging_rising_skills) or when they first appear in the second period. Each "
               "row gives the first-seen date, examples, the nearest taxonomy item in spelling and the "
               "taxonomy skills most over-represented in the same ads (related_skills).",
    unit="count", inputs=("ads", "emerging_term_mentions", "emerging_term_groups"), section="emerging",
    compute=_new_terms, options={**_COMMON_OPTIONS, "unconfirmed": "also list terms first seen in the second "
                                 "period that are not significant yet (watch list; default False)"},
    limits="Candidates come from patterns, not from a trained model: generic words that sit in lists "
           "(benefits, degrees) can appear; the test filters terms whose share does not change. Run the "
           "discovery again after loading new taxonomy versions."))


# -- occupation drift ------------------------------------------------------------------------------------------


def _drift(ctx: Context):
    ctx.require("ads", "adequa ingest offers FILE")
    ctx.require("skill_mentions", "adequa enrich skills")
    ctx.require("ad_occupations", "adequa enrich occupations")
    ctx.require("rome_fiche_items", "adequa data pull")
    items = ctx.ref("rome_fiche_items")         # current_rome_fiche_items: the latest ROME version
    _, min_support, limit = _options(ctx)
    min_share = float(ctx.opt("min_share", 5.0))
    period = Period.parse(ctx.opt("to")) if ctx.opt("to") else ctx.period
    ads = ctx.ads_sql(period=period if period is not None else False, columns="a.ad_id")
    version = ""
    if items == "rome_fiche_items":             # no current_ view: keep the latest version by hand
        version = ("AND i.version = (SELECT version FROM rome_fiche_items ORDER BY "
                   "regexp_extract_all(version, '\\d+')::BIGINT[] DESC LIMIT 1)")
    rows = ctx.dicts(f"""
        WITH f AS ({ads}),
        n AS (SELECT rome, count(*) AS ads_rome FROM f WHERE rome IS NOT NULL GROUP BY rome),
        d AS (SELECT DISTINCT f.rome, m.rome_ogr, m.ad_id FROM skill_mentions m JOIN f ON f.ad_id = m.ad_id
              WHERE m.rome_ogr IS NOT NULL AND f.rome IS NOT NULL AND NOT coalesce(m.unlisted, FALSE)),
        c AS (SELECT rome, rome_ogr, count(*) AS ads FROM d GROUP BY rome, rome_ogr)
        SELECT c.rome, c.rome_ogr AS skill, c.ads, n.ads_rome, round(100.0 * c.ads / n.ads_rome, 1) AS share
        FROM c JOIN n USING (rome)
        WHERE c.ads >= {int(min_support)} AND 100.0 * c.ads / n.ads_rome >= {min_share}
          AND NOT EXISTS (SELECT 1 FROM {items} i WHERE i.code_rome = c.rome AND i.code_ogr = c.rome_ogr {version})
        ORDER BY share DESC, ads DESC, rome, skill LIMIT {int(limit)}""")
    labels = _skill_labels(ctx, sorted({r["skill"] for r in rows}))
    for rank, r in enumerate(rows, 1):
        label, kind = labels.get(r["skill"], (None, None))
        r.update(rank=rank, label=label, kind=kind)
    rows = [{k: r[k] for k in ("rank", "rome", "skill", "label", "kind", "ads", "ads_rome", "share")} for r in rows]
    used = ctx.scalar(f"SELECT count(*) FROM ({ads})")
    ctx.note(f"skills in {min_share:g}%+ of an occupation's ads ({min_support}+ ads) that its ROME fiche does not list")
    return ctx.result(DRIFT, value=len(rows), rows=rows, sources=["ads", "skill_mentions", "ad_occupations", items],
                      rows_used=used, period=period.label if period else None)


DRIFT = register(IndicatorDefinition(
    name="emerging_occupation_drift", title="Compétences demandées hors fiche ROME",
    title_en="Skills asked for outside the ROME fiche",
    definition="Pairs (occupation, skill) where the skill is asked for in at least min_share % of the "
               "occupation's ads (and min_support ads) but is not an item of the occupation's ROME fiche "
               "(rome_fiche_items): candidates for the referential's maintainers.",
    unit="count", inputs=("ads", "skill_mentions", "ad_occupations", "rome_fiche_items"), section="emerging",
    compute=_drift,
    options={"to": "period of the ads (default: the context period, or all ads)",
             "min_share": "minimum share of the occupation's ads, in % (default 5)",
             "min_support": "minimum number of ads (default: max(min cell size, 5))", "limit": "rows listed"},
    limits="Only ROME items (code_ogr) can be compared with the fiches; ESCO-only mentions are skipped."))


# -- everything at once ---------------------------------------------------------------------------------------

SECTION = ("emerging_rising_skills", "emerging_falling_skills", "emerging_new_terms", "emerging_occupation_drift")


def emerging_report(con, *, group="data-ia", territory="france", date_from: str | None = None,
                    date_to: str | None = None, period: str | None = None, min_cell_size: int | None = None,
                    names: Sequence[str] = SECTION, **options) -> dict:
    """The section for training designers: {indicator name: IndicatorResult, or the reason it is
    missing}. ``con`` is an open DuckDB connection (e.g. ``adequa.indicators.open_warehouse()``)."""
    from adequa.indicators import compute

    out: dict = {}
    for name in names:
        try:
            out[name] = compute(name, con=con, group=group, territory=territory, period=period,
                                min_cell_size=min_cell_size, **{"from": date_from, "to": date_to, **options})
        except MissingData as exc:
            out[name] = str(exc)
    return out
