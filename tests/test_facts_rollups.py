"""The facts rollups answer exactly what the ads and mentions answer (real DuckDB warehouse in a temp dir).

A small synthetic warehouse (every région, département and bassin, two years, duplicates) with
shared employers (so that distinct posters differ from ads), ESCO-only and label-only mentions;
every ads-based indicator and the emerging trends are computed through the rollups and again
from the raw rows (option facts=false) and must be equal, suppression included.
"""

from __future__ import annotations

import re

import duckdb
import pytest

from adequa.indicators import compute, facts
from adequa.store.duckdb import Warehouse

ADS = ["offers_count", "offers_growth", "offers_durable_share", "offers_contract_mix", "offers_by_domain",
       "offers_by_territory", "offers_share_of_all", "skills_top", "skills_by_domain"]
TRENDS = ["emerging_rising_skills", "emerging_falling_skills"]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    from bench.synthetic_warehouse import build

    db = tmp_path_factory.mktemp("rollups") / "w.duckdb"
    build(db, 6000, seed=3)
    with Warehouse(db) as wh:
        con = wh.con
        # a few employers post many ads (posters < ads), the rest stay anonymous (the ad's opening)
        con.execute("UPDATE ads SET employer = 'Employeur ' || (hash(ad_id) % 7) WHERE hash(ad_id) % 3 = 0")
        # ESCO-only mentions (keyed by their URI) and label-only ones (not counted by the trends)
        con.execute("UPDATE skill_mentions SET esco_uri = 'http://data.europa.eu/esco/skill/' || rome_ogr, "
                    "rome_ogr = NULL WHERE hash(ad_id, start) % 11 = 0")
        con.execute("UPDATE skill_mentions SET rome_ogr = NULL, esco_uri = NULL WHERE hash(ad_id, start) % 13 = 0")
        con.execute("UPDATE skill_mentions SET unlisted = TRUE WHERE hash(ad_id, start) % 17 = 0")
        # planted trends: one skill rising from 10 % to 50 % of ads, one falling the other way
        for ogr, start, rate23, rate24 in (("199999", 990, 10, 2), ("199998", 995, 2, 10)):
            con.execute(f"""INSERT INTO skill_mentions (ad_id, field, start, "end", text, rome_ogr, label, kind,
                                score, method, unlisted)
                SELECT ad_id, 'description', {start}, {start + 3}, 'x', '{ogr}', 'Planted {ogr}', 'savoir', 1.0,
                       'exact', FALSE FROM ads
                WHERE hash(ad_id, 'p') % (CASE WHEN year(created_at) = 2023 THEN {rate23} ELSE {rate24} END) = 0""")
        built = facts.build(con)
    assert built["rollups"]["offer_facts_fr"] > 0 and built["rollups"]["skill_cell_facts"] > 0
    return db


@pytest.fixture(scope="module")
def con(warehouse):
    c = duckdb.connect(str(warehouse), read_only=True)
    yield c
    c.close()


def _same(con, name, **kw):
    from adequa.indicators import MissingData

    try:
        a = compute(name, con=con, **kw)
    except MissingData as exc:           # then the raw path must say the same
        with pytest.raises(MissingData, match=re.escape(str(exc)[:30])):
            compute(name, con=con, facts="false", **kw)
        return None
    b = compute(name, con=con, facts="false", **kw)
    assert (a.value, a.rows) == (b.value, b.rows), (name, kw)
    assert a.provenance.rows == b.provenance.rows, (name, kw)
    return a


def test_rollups_are_fresh_and_coarser(con):
    assert facts.fresh(con) and facts.rollups_fresh(con)
    n = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in facts.ROLLUP_TABLES + ("offer_facts",)}
    assert n["offer_facts_fr"] < n["offer_facts_reg"] < n["offer_facts_dep"] <= n["offer_facts_bassin"]
    assert n["offer_facts_bassin"] <= n["offer_facts"]
    # every level counts every representative ad once
    totals = {t: con.execute(f"SELECT sum(offers) FROM {t}").fetchone()[0]
              for t in ("offer_facts", "offer_facts_fr", "offer_facts_reg", "offer_facts_dep", "offer_facts_bassin",
                        "offer_facts_commune")}
    assert len(set(totals.values())) == 1, totals
    skill_totals = {t: con.execute(f"SELECT sum(ads) FROM {t}").fetchone()[0]
                    for t in ("skill_facts", "skill_facts_fr", "skill_facts_reg", "skill_cell_facts")}
    assert len(set(skill_totals.values())) == 1, skill_totals


@pytest.mark.parametrize("territory", ["france", "region:28", "departement:76", "bassin:7601", "region:11"])
@pytest.mark.parametrize("period", ["2024", "2024-03", None, "2023Q3..2024Q2"])
def test_ads_indicators_equal_from_rollups_and_from_ads(con, territory, period):
    for name in ADS:
        _same(con, name, group="data-ia", territory=territory, period=period, min_cell_size=1 if period else 5)


@pytest.mark.parametrize("group", ["all", "rome:M1805"])
def test_other_groups_and_breakdowns(con, group):
    for territory in ("france", "departement:13", "bassin:1301"):
        for name in ("offers_count", "offers_by_territory", "offers_contract_mix", "skills_top"):
            _same(con, name, group=group, territory=territory, period="2024", min_cell_size=3)
    _same(con, "offers_by_territory", group=group, territory="departement:13", period="2024", by="commune")


@pytest.mark.parametrize("territory", ["france", "region:84", "departement:69", "bassin:6901"])
def test_emerging_trends_equal_from_rollups_and_from_mentions(con, territory):
    listed = 0
    for group in ("data-ia", "all"):
        for opts in ({"period": "2024"}, {"from": "2023Q2", "to": "2024Q2"}, {"from": "2023-05", "to": "2024-05"}):
            for name in TRENDS:
                r = _same(con, name, group=group, territory=territory, min_cell_size=5, min_posters=2,
                          min_support=3, alpha=0.5, **opts)
                listed += len(r.rows)
                assert all(x["posters"] >= 2 for x in r.rows)
    assert listed > 0           # the comparison is not between two empty lists


def test_emerging_posters_are_exact_below_the_cap(con):
    from adequa.indicators.facts import POSTER_CAP

    r = _same(con, "emerging_rising_skills", group="all", territory="region:84", period="2024", alpha=0.9,
              min_support=3, min_posters=1)
    f = _same(con, "emerging_rising_skills", group="all", territory="france", period="2024", alpha=0.9,
              min_support=3, min_posters=1)
    assert any(x["posters"] > POSTER_CAP for x in r.rows)          # exact below the France level
    assert f.rows and max(x["posters"] for x in f.rows) == POSTER_CAP


def test_stale_rollups_are_not_read(warehouse, tmp_path):
    import shutil

    db = tmp_path / "copy.duckdb"
    shutil.copy(warehouse, db)
    with Warehouse(db) as wh:
        wh.con.execute("UPDATE indicator_facts_state SET fingerprint = 'old' WHERE name = 'rollups'")
    c = duckdb.connect(str(db), read_only=True)
    try:
        assert facts.fresh(c) and not facts.rollups_fresh(c)
        _same(c, "skills_top", group="data-ia", territory="bassin:7601", period="2024", min_cell_size=1)
        _same(c, "emerging_rising_skills", group="all", territory="france", period="2024", min_posters=1)
    finally:
        c.close()


def test_build_rollups_alone_gives_the_same_tables(warehouse, tmp_path):
    """What the Spark import calls after writing the fine facts."""
    import shutil

    db = tmp_path / "copy.duckdb"
    shutil.copy(warehouse, db)
    with Warehouse(db) as wh:
        def digest(t):
            return wh.con.execute(f"SELECT count(*), sum(hash(x)) FROM {t} x").fetchone()

        before = {t: digest(t) for t in facts.ROLLUP_TABLES}
        wh.con.execute("DELETE FROM offer_facts_fr")
        out = facts.build_rollups(wh.con)
        assert out["offer_facts_fr"] == before["offer_facts_fr"][0] > 0
        for t in facts.ROLLUP_TABLES:
            assert digest(t) == before[t], t
        assert facts.rollups_fresh(wh.con)
