"""Emerging skills: detection quality on planted signals, power curve, speed on 1M ads.

Planted experiment (needs the real data mirror): real ad descriptions from
``offers/france-travail/*.csv`` are drawn at random into two synthetic periods
(2024Q1, 2025Q1) of ``n`` ads each, all in the data-ia group and région 28. Then

* new terms: invented tool names (with spelling variants) are written into some
  descriptions in requirement-like phrasings of varying strength; "rising" ones
  go from a rate of 0–0.5 % to 4 %, "decoys" stay at 2 % in both periods (unlisted but
  not emerging). Discovery runs with the real ROME + ESCO labels as the known set;
  precision/recall of ``emerging_new_terms`` against the planted rising terms.
* taxonomy skills: 200 synthetic skills with base rates log-uniform in 1–30 %;
  20 double, 10 halve, the rest stay; precision/recall of the rising/falling
  indicators (Benjamini–Hochberg at 5 %).

Power curve (pure simulation with the same test): the smallest number of ads per
period at which a doubling of a skill's share is detected 80 % of the time.
Speed: the rising/falling and new-terms indicators on the synthetic 1M-ad warehouse
(``bench/synthetic_warehouse.py``), against a plain GROUP BY over the same mentions.
"""

from __future__ import annotations

import math
import os
import random
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from bench._harness import Measure, timed

PERIODS = (("2024Q1", date(2024, 1, 1)), ("2025Q1", date(2025, 1, 1)))
# Invented names: no taxonomy lists them. (canonical, variants written in ads)
RISING_TERMS = [("Zorblax", ["Zorblax", "zorblax", "ZorBlax"]), ("Vextra DB", ["Vextra DB", "VextraDB", "vextra-db"]),
                ("FlumeML", ["FlumeML", "Flume ML"]), ("Krandex", ["Krandex"]), ("Quillora", ["Quillora"]),
                ("NimbusQL", ["NimbusQL", "Nimbus QL"]), ("Pyravel", ["Pyravel", "pyravel"]),
                ("Glintflow", ["Glintflow", "GlintFlow"]), ("snorkl", ["snorkl"]), ("Draxis Cloud", ["Draxis Cloud"])]
DECOY_TERMS = [("Mervane", ["Mervane"]), ("Toxlo", ["Toxlo", "TOXLO"]), ("Brintel Suite", ["Brintel Suite"])]
# Listed skills written next to the planted terms (all in ROME/ESCO, so never "new" themselves).
KNOWN_NEIGHBOURS = ["Python", "SQL", "Docker", "Git", "Spark", "Scrum", "Kubernetes"]
TEMPLATES = [
    "\n- Maîtrise de {t}",
    "\nEnvironnement technique : {k1}, {t}, {k2}",
    "\nCompétences attendues :\n- {k1}\n- {t}\n- {k2}",
    " Une connaissance de {t} serait un plus.",
    "\nVous utiliserez {t} au quotidien.",                # weak context: no list, no trigger
    "\nStack : {k1} / {t} / {k2} / {k3}",
]


def real_descriptions(mirror: Path, limit: int | None = None) -> list[str]:
    """Descriptions of the real offers in the mirror (every CSV but the competences file)."""
    from adequa.sources.readers import read_csv

    out = []
    for path in sorted((mirror / "offers" / "france-travail").glob("*.csv")):
        if "competences" in path.name:
            continue
        for _, row in read_csv(path):
            text = row.get("description") or ""
            if len(text) >= 80:
                out.append(text)
    if not out:
        raise RuntimeError(f"no offer descriptions under {mirror}/offers/france-travail")
    return out[:limit] if limit else out


@dataclass
class Planted:
    rising_terms: dict[str, set[str]] = field(default_factory=dict)     # canonical -> term_keys of variants
    decoy_terms: dict[str, set[str]] = field(default_factory=dict)
    rising_skills: set[str] = field(default_factory=set)
    falling_skills: set[str] = field(default_factory=set)
    n_per_period: int = 0


def build_planted(db_path: Path, texts: list[str], *, n: int, seed: int = 0, factor: float = 2.0,
                  term_rate: float = 0.04, decoy_rate: float = 0.02, n_skills: int = 200, n_rising: int = 20,
                  n_falling: int = 10) -> Planted:
    """A warehouse of 2 × ``n`` real descriptions with planted terms and skill rates (see module doc)."""
    import numpy as np
    import pyarrow as pa

    from adequa.enrich.emerging_terms import term_key
    from adequa.store.duckdb import Warehouse

    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    truth = Planted(n_per_period=n)
    ads, occ = [], []
    for p, (label, start) in enumerate(PERIODS):
        for i in range(n):
            text = rng.choice(texts)
            for terms, rate0, rate1, bucket in ((RISING_TERMS, None, term_rate, truth.rising_terms),
                                                (DECOY_TERMS, decoy_rate, decoy_rate, truth.decoy_terms)):
                for j, (canon, variants) in enumerate(terms):
                    bucket.setdefault(canon, {term_key(v) for v in variants})
                    # Half the rising terms are brand new, half already rare in the first period.
                    r = rate1 if p == 1 else (rate0 if rate0 is not None else (0.005 if j % 2 else 0.0))
                    if rng.random() < r:
                        k = rng.sample(KNOWN_NEIGHBOURS, 3)
                        text += rng.choice(TEMPLATES).format(t=rng.choice(variants), k1=k[0], k2=k[1], k3=k[2])
            ad_id = f"pl{p}{i:07d}"
            ads.append({"ad_id": ad_id, "source": "planted", "source_id": ad_id, "title": "Data engineer",
                        "description": text, "created_at": start + timedelta(days=rng.randrange(90)),
                        "region": "28", "departement": "76", "source_rome": "M1811"})
            occ.append({"ad_id": ad_id, "rome": "M1811", "score": 1.0})
    # Taxonomy skills: Bernoulli mentions at known rates, some doubled or halved in period 2.
    base = np.exp(nrng.uniform(math.log(0.01), math.log(0.30), n_skills))
    ids = [f"9{i:05d}" for i in range(n_skills)]
    order = nrng.permutation(n_skills)
    rising, falling = set(order[:n_rising]), set(order[n_rising:n_rising + n_falling])
    truth.rising_skills = {ids[i] for i in rising}
    truth.falling_skills = {ids[i] for i in falling}
    m_ad, m_skill = [], []
    for p in range(2):
        rates = base.copy()
        if p == 1:
            for i in rising:
                rates[i] = min(0.95, rates[i] * factor)
            for i in falling:
                rates[i] = rates[i] / factor
        hits = nrng.random((n, n_skills)) < rates
        rows, cols = np.nonzero(hits)
        m_ad.extend(f"pl{p}{r:07d}" for r in rows)
        m_skill.extend(int(c) for c in cols)
    mentions = pa.table({"ad_id": m_ad, "field": ["description"] * len(m_ad), "start": m_skill,
                         "end": [s + 1 for s in m_skill], "rome_ogr": [ids[s] for s in m_skill],
                         "label": [f"Compétence {ids[s]}" for s in m_skill], "kind": ["savoir-faire"] * len(m_ad),
                         "score": [1.0] * len(m_ad), "method": ["planted"] * len(m_ad),
                         "unlisted": [False] * len(m_ad)})
    with Warehouse(db_path) as wh:
        wh.upsert("ads", ads, key=["ad_id"])
        wh.upsert("ad_occupations", occ, key=["ad_id"])
        wh.upsert("skill_mentions", mentions, key=["ad_id", "field", "start", "end"])
    return truth


def _prf(found: set, truth: set) -> tuple[float, float]:
    tp = len(found & truth)
    precision = tp / len(found) if found else 1.0
    recall = tp / len(truth) if truth else 1.0
    return precision, recall


def evaluate_planted(db_path: Path, truth: Planted, *, taxonomy=None, known: set[str] | None = None,
                     alpha: float = 0.05) -> dict:
    """Run discovery and the indicators on a planted warehouse; precision/recall per task."""
    from adequa.indicators import compute
    from adequa.pipeline.emerging import discover_terms

    t0 = time.perf_counter()
    disc = discover_terms(db_path, taxonomy=taxonomy, known=known)
    opts = {"from": PERIODS[0][0], "to": PERIODS[1][0], "alpha": alpha, "limit": 10_000}
    kw = dict(db=db_path, group="data-ia", territory="region:28", min_cell_size=1)
    new = compute("emerging_new_terms", **kw, **opts)
    rising = compute("emerging_rising_skills", **kw, **opts)
    falling = compute("emerging_falling_skills", **kw, **opts)
    # A detected term group is a planted one when one of its keys is a planted variant key.
    import duckdb

    con = duckdb.connect(str(db_path), read_only=True)
    keys = {g: set(k or []) for g, k in con.execute("SELECT group_key, keys FROM emerging_term_groups").fetchall()}
    con.close()

    def which(group_key: str) -> str | None:
        ks = keys.get(group_key, {group_key})
        for canon, variants in {**truth.rising_terms, **truth.decoy_terms}.items():
            if ks & variants:
                return canon
        return None

    detected = [which(r["group_key"]) or f"other:{r['term']}" for r in new.rows]
    found_terms = set(detected)
    p_terms, r_terms = _prf(found_terms, set(truth.rising_terms))
    # Variant grouping: each planted term should be one group, holding all its variants.
    split = sum(1 for canon in truth.rising_terms if detected.count(canon) > 1)
    p_up, r_up = _prf({r["skill"] for r in rising.rows}, truth.rising_skills)
    p_down, r_down = _prf({r["skill"] for r in falling.rows}, truth.falling_skills)
    return {"n_per_period": truth.n_per_period, "terms_precision": p_terms, "terms_recall": r_terms,
            "terms_detected": len(new.rows), "terms_false": sorted(t for t in found_terms
                                                                   if t not in truth.rising_terms),
            "terms_split": split, "rising_precision": p_up, "rising_recall": r_up, "falling_precision": p_down,
            "falling_recall": r_down, "discovery": disc.to_dict(), "seconds": time.perf_counter() - t0,
            "examples": {r["term"]: (r["examples"] or [None])[0] for r in new.rows[:5]}}


def power_curve(base_rates=(0.02, 0.05, 0.10, 0.20),
                volumes=(25, 50, 75, 100, 150, 200, 300, 400, 600, 800, 1200, 1600, 2400, 3200, 6400),
                factor: float = 2.0, reps: int = 400, alpha: float = 0.05, seed: int = 0) -> list[dict]:
    """Share of replicates where a ``factor``-fold rise is detected (two-sided z-test with
    continuity correction at ``alpha``, rising direction), per base rate and ads per period."""
    import numpy as np

    from adequa.indicators.emerging import two_proportion_test

    rng = np.random.default_rng(seed)
    out = []
    for p in base_rates:
        for n in volumes:
            x1 = rng.binomial(n, p, reps)
            x2 = rng.binomial(n, min(1.0, p * factor), reps)
            hits = 0
            for a, b in zip(x1, x2):
                z, pv = two_proportion_test(int(a), n, int(b), n)
                hits += z > 0 and pv <= alpha
            out.append({"base_rate": p, "n_per_period": n, "power": hits / reps})
    return out


def min_volume(curve: list[dict], base_rate: float, power: float = 0.8) -> int | None:
    for row in sorted((r for r in curve if r["base_rate"] == base_rate), key=lambda r: r["n_per_period"]):
        if row["power"] >= power:
            return row["n_per_period"]
    return None


def _mirror() -> Path | None:
    for c in ([Path(os.environ["ADEQUA_MIRROR"])] if os.environ.get("ADEQUA_MIRROR") else []) + \
             [Path(__file__).resolve().parents[2] / "shared" / "data"]:
        if (c / "rome").is_dir():
            return c
    return None


def run(quick: bool = False) -> list[Measure]:
    out: list[Measure] = []
    # -- power curve (pure statistics)
    curve = power_curve(reps=200 if quick else 1000)
    for p in (0.02, 0.05, 0.10, 0.20):
        n = min_volume(curve, p)
        out.append(Measure("emerging", f"min ads/period to detect a doubling from {p:.0%} (80% power, α=5%)",
                           float(n) if n else float("nan"), "ads", goal="lower is better"))
    # -- planted signals in real ads
    mirror = _mirror()
    if mirror is not None:
        from adequa.pipeline.emerging import load_taxonomy_labels

        texts = real_descriptions(mirror)
        taxonomy = load_taxonomy_labels(mirror)
        for n in ((1000,) if quick else (250, 500, 1000, 2000)):
            with tempfile.TemporaryDirectory() as tmp:
                db = Path(tmp) / "planted.duckdb"
                truth = build_planted(db, texts, n=n, seed=n)
                res = evaluate_planted(db, truth, taxonomy=taxonomy)
            print(f"planted n={n}: {res}")
            for task in ("terms", "rising", "falling"):
                out.append(Measure("emerging", f"planted {task}, {n} real ads/period: precision",
                                   res[f"{task}_precision"], "ratio"))
                out.append(Measure("emerging", f"planted {task}, {n} real ads/period: recall",
                                   res[f"{task}_recall"], "ratio"))
        # Discovery throughput on real descriptions, against a plain tokenisation of the same texts.
        import re

        from adequa.enrich.emerging_terms import candidate_terms

        sample = texts[:400 if quick else 1500]
        known = taxonomy.keys()
        candidate_terms(sample[0], known=known)
        _, s_disc = timed(lambda: [candidate_terms(t, known=known) for t in sample])
        _, s_tok = timed(lambda: [re.findall(r"\w+", t) for t in sample])
        out.append(Measure("emerging", "term discovery on real descriptions", len(sample) / s_disc, "ads/s",
                           baseline=len(sample) / s_tok, baseline_name="regex word split"))
    # -- speed on the synthetic warehouse
    n_ads = 100_000 if quick else 1_000_000
    out.extend(_speed(n_ads))
    return out


def _speed(n_ads: int) -> list[Measure]:
    import duckdb

    from adequa.indicators import compute
    from bench.synthetic_warehouse import build

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "syn.duckdb"
        build(db, n_ads, seed=1)
        con = duckdb.connect(str(db))
        # Unlisted terms for the new-terms indicator: one in ~10 ads, growing in 2024.
        con.execute("""INSERT INTO emerging_term_mentions (ad_id, field, start, "end", term, term_key, group_key,
                           score, sentence, origin)
                       SELECT ad_id, 'description', 0, 5, 'Term' || (hash(ad_id) % 300),
                              'term' || (hash(ad_id) % 300), 'term' || (hash(ad_id) % 300), 0.8,
                              'Compétences : Term' || (hash(ad_id) % 300), 'discovery'
                       FROM ads WHERE hash(ad_id, 1) % (CASE WHEN created_at >= DATE '2024-01-01' THEN 8 ELSE 12 END) = 0""")
        con.close()
        con = duckdb.connect(str(db), read_only=True)
        kw = dict(con=con, group="data-ia", territory="france", **{"from": "2023", "to": "2024"})
        _, s_base = timed(lambda: con.execute(
            "SELECT coalesce(rome_ogr, esco_uri), count(DISTINCT ad_id) FROM skill_mentions GROUP BY 1").fetchall())
        _, s_rise = timed(lambda: compute("emerging_rising_skills", **kw))
        _, s_new = timed(lambda: compute("emerging_new_terms", **kw))
        _, s_reg = timed(lambda: compute("emerging_rising_skills", con=con, group="data-ia", territory="region:28",
                                         **{"from": "2023Q1", "to": "2024Q1"}))
        con.close()
    label = f"{n_ads / 1e6:g}M" if n_ads >= 1_000_000 else f"{n_ads // 1000}k"
    out.append(Measure("emerging", f"rising skills, data-ia × France, 2023 vs 2024, {label} ads", s_rise, "s",
                       baseline=s_base, baseline_name="GROUP BY skill over all mentions", goal="< 10 s on 1M"))
    out.append(Measure("emerging", f"rising skills, data-ia × région 28, quarters, {label} ads", s_reg, "s",
                       baseline=s_base, baseline_name="GROUP BY skill over all mentions"))
    out.append(Measure("emerging", f"new terms, data-ia × France, {label} ads", s_new, "s",
                       baseline=s_base, baseline_name="GROUP BY skill over all mentions"))
    return out
