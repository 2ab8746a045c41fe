"""A synthetic warehouse for benchmarks: n ads, ~8 skill mentions per ad, one occupation per ad.

    from bench.synthetic_warehouse import build
    build("/tmp/w.duckdb", n_ads=1_000_000, seed=1)

or ``python -m bench.synthetic_warehouse /tmp/w.duckdb 1000000``. Everything is
generated inside DuckDB from small pattern sets (every département of France
with its région, a bassin and communes per département, ~70 ROME codes with
data/AI and computing fiches over-represented, dates over 2023–2024, a contract
mix, ~5% duplicate ads pointing at a representative, ~250 skills), so 10M ads
take a few minutes. Values are deterministic for a given ``seed``. The schema is
the real one (migrations applied); ``keys=False`` (default above 2M ads) builds
``skill_mentions`` without its primary key, which is the slow part of a load,
and records that in the ``synthetic_info`` table.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

# ROME codes: data & AI and computing fiches (weighted up) and a spread of other occupations.
DATA_ROME = ["M1811", "M1405", "M1419", "M1423", "M1414", "M1824", "M1851", "M1872", "M1868", "M1894", "M1889", "M1873"]
IT_ROME = ["M1801", "M1802", "M1803", "M1805", "M1806", "M1810", "M1816", "M1818", "M1822", "M1841", "M1853"]
OTHER_ROME = ["A1101", "A1203", "A1414", "B1801", "C1102", "C1401", "D1106", "D1211", "D1401", "D1502", "E1103",
              "F1602", "F1703", "G1602", "G1603", "G1803", "H1203", "H2909", "H3302", "I1304", "J1102", "J1501",
              "J1506", "K1302", "K1304", "K2111", "K2204", "M1203", "M1607", "N1103", "N1105", "N4101", "N4105",
              "A1405", "D1507", "F1701", "H2102", "I1604", "J1301", "K1303", "K2202", "L1510", "M1501", "N4102",
              "D1505", "G1605"]
CONTRACTS = [("CDI", None, 45), ("CDD", 3.0, 12), ("CDD", 9.0, 10), ("CDD", 0.5, 3), ("MIS", 1.0, 15),
             ("ALT", 24.0, 5), ("CDD", 6.0, 5), ("LIB", None, 3), ("SAI", 2.0, 2)]
SKILL_WORDS = ["Python", "SQL", "Machine learning", "Power BI", "Spark", "Statistiques", "Excel", "Java",
               "Gestion de projet", "Travail en équipe", "Anglais", "Communication", "Rigueur", "Autonomie",
               "Cloud AWS", "Docker", "Kubernetes", "Linux", "Réseaux", "Cybersécurité", "ETL", "Data visualisation",
               "Deep learning", "NLP", "R", "Tableau", "Big data", "Hadoop", "DevOps", "Git", "Scrum",
               "Relation client", "Vente", "Conduite d'engins", "Soudure", "Comptabilité", "Paie", "Accueil",
               "Nettoyage", "Cuisine", "Logistique", "Manutention", "Soins", "Pédagogie", "Maintenance",
               "Électricité", "Mécanique", "Permis B", "Sécurité", "Qualité"]
KINDS = ["savoir-faire", "savoir", "savoir-être", "langue"]


def _departements() -> list[tuple[str, str]]:
    from adequa.indicators.territories import departements

    return [(code, region) for code, (_label, region) in sorted(departements().items())]


def build(db_path: str | Path, n_ads: int, seed: int = 0, *, keys: bool | None = None,
          mentions_per_ad: int = 8, threads: int | None = None) -> dict:
    """Create (or replace) a warehouse at ``db_path`` with ``n_ads`` synthetic ads.

    Returns a summary dict (rows per table, seconds).
    """
    import duckdb

    from adequa.store.duckdb import Warehouse

    db_path = Path(db_path)
    for p in (db_path, Path(str(db_path) + ".wal")):
        if p.exists():
            p.unlink()
    keys = n_ads <= 2_000_000 if keys is None else keys
    t0 = time.perf_counter()
    with Warehouse(db_path) as wh:
        con = wh.con
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        con.execute("SET preserve_insertion_order = false")
        deps = _departements()
        con.execute("CREATE TEMP TABLE p_dep AS SELECT * FROM (VALUES " +
                    ", ".join(f"({i}, '{d}', '{r}')" for i, (d, r) in enumerate(deps)) + ") t(i, dep, region)")
        romes = DATA_ROME * 3 + IT_ROME * 2 + OTHER_ROME
        con.execute("CREATE TEMP TABLE p_rome AS SELECT * FROM (VALUES " +
                    ", ".join(f"({i}, '{r}')" for i, r in enumerate(romes)) + ") t(i, rome)")
        weighted = [(c, m) for c, m, w in CONTRACTS for _ in range(w)]
        con.execute("CREATE TEMP TABLE p_contract AS SELECT * FROM (VALUES " +
                    ", ".join(f"({i}, '{c}', {m if m is not None else 'NULL'}::DOUBLE)"
                              for i, (c, m) in enumerate(weighted)) + ") t(i, contract, months)")
        skills = [(f"{w}" if k == 0 else f"{w} ({k})") for k in range(5) for w in SKILL_WORDS]
        con.execute("CREATE TEMP TABLE p_skill AS SELECT * FROM (VALUES " +
                    ", ".join(f"({i}, '{s.replace(chr(39), chr(39) * 2)}', '{100000 + i}', '{KINDS[i % len(KINDS)]}')"
                              for i, s in enumerate(skills)) + ") t(i, label, ogr, kind)")
        nd, nr, nc, ns = len(deps), len(romes), len(weighted), len(skills)
        s = int(seed)
        con.execute(f"""
            INSERT INTO ads (ad_id, source, source_id, title, description, created_at, contract_type,
                             contract_months, durable, commune, departement, region, bassin, source_rome,
                             duplicate_cluster, content_hash)
            SELECT 'syn' || lpad(g.i::VARCHAR, 9, '0'), 'synthetic', g.i::VARCHAR,
                   'Offre ' || r.rome, 'Annonce synthétique ' || g.i,
                   DATE '2023-01-01' + (hash(g.i, {s}, 3) % 731)::INTEGER,
                   c.contract, c.months,
                   c.contract = 'CDI' OR (c.contract IN ('CDD', 'MIS') AND c.months > 6),
                   d.dep || lpad((hash(g.i, {s}, 4) % 50)::VARCHAR, 3, '0'),
                   d.dep, d.region, d.dep || lpad((hash(g.i, {s}, 5) % 4)::VARCHAR, 2, '0'), r.rome,
                   CASE WHEN g.i > 100 AND hash(g.i, {s}, 6) % 20 = 0
                        THEN 'syn' || lpad((g.i - 1 - hash(g.i, {s}, 7) % 100)::VARCHAR, 9, '0') END,
                   md5(g.i::VARCHAR)
            FROM range({int(n_ads)}) g(i)
            JOIN p_dep d ON d.i = hash(g.i, {s}, 1) % {nd}
            JOIN p_rome r ON r.i = hash(g.i, {s}, 2) % {nr}
            JOIN p_contract c ON c.i = hash(g.i, {s}, 8) % {nc}
        """)
        # The enriched occupation: the recruiter's code for 90% of ads, a neighbour otherwise.
        con.execute(f"""
            INSERT INTO ad_occupations (ad_id, rome, score, taxonomy_version)
            SELECT a.ad_id,
                   CASE WHEN hash(a.ad_id, {s}, 9) % 10 = 0 THEN r.rome ELSE a.source_rome END,
                   0.5 + (hash(a.ad_id, {s}, 10) % 50) / 100.0, 'synthetic'
            FROM ads a JOIN p_rome r ON r.i = hash(a.ad_id, {s}, 11) % {nr}
        """)
        # Skill mentions: each ROME draws from its own window of ~40 skills, so that skills
        # differ between occupations as they do in real ads.
        if not keys:
            con.execute("DROP TABLE skill_mentions")
            con.execute("""CREATE TABLE skill_mentions (ad_id VARCHAR NOT NULL, field VARCHAR NOT NULL,
                start INTEGER NOT NULL, "end" INTEGER NOT NULL, text VARCHAR, rome_ogr VARCHAR, esco_uri VARCHAR,
                label VARCHAR, kind VARCHAR, score DOUBLE, method VARCHAR, unlisted BOOLEAN,
                taxonomy_version VARCHAR)""")
        con.execute(f"""
            INSERT INTO skill_mentions (ad_id, field, start, "end", text, rome_ogr, label, kind, score, method,
                                        unlisted, taxonomy_version)
            SELECT m.ad_id, 'description', k * 20, k * 20 + 10, sk.label, sk.ogr, sk.label, sk.kind,
                   0.8, 'exact', FALSE, 'synthetic'
            FROM (SELECT a.ad_id, k, (r.i * 7 + hash(a.ad_id, {s}, 12, k) % 40) % {ns} AS si
                  FROM ads a JOIN (SELECT rome, min(i) AS i FROM p_rome GROUP BY rome) r ON r.rome = a.source_rome, range({int(mentions_per_ad)}) t(k)) m
            JOIN p_skill sk ON sk.i = m.si
        """)
        # The ROME competences of the synthetic skills, so that skills can be grouped by domain (1–6).
        con.execute("""INSERT INTO rome_competences (version, code_ogr, nature, label, macro_code)
                       SELECT 'synthetic', ogr, kind, label, ((i % 6) + 1)::VARCHAR || 'A101' FROM p_skill""")
        con.execute("CREATE TABLE IF NOT EXISTS synthetic_info (n_ads BIGINT, seed INTEGER, keys BOOLEAN, "
                    "built_seconds DOUBLE)")
        counts = {t: wh.count(t) for t in ("ads", "ad_occupations", "skill_mentions")}
        seconds = time.perf_counter() - t0
        con.execute("INSERT INTO synthetic_info VALUES (?, ?, ?, ?)", [n_ads, seed, keys, seconds])
        con.execute("CHECKPOINT")
    return {**counts, "seconds": round(seconds, 1), "keys": keys}


if __name__ == "__main__":
    path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/adequa-synthetic.duckdb"
    n = int(float(sys.argv[2])) if len(sys.argv) > 2 else 100_000
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    print(build(path, n, seed))
