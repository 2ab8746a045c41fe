"""Offers and skills indicators on a small hand-built warehouse; expected figures computed by hand.

Région 28, 2024Q1, group data-ia: ads a1 a2 a3 a4 a5 a8 a10 (7). a6 duplicates a5, a7 is another
occupation, a9's recruiter code is M1811 but the enricher says D1106 (the enriched code wins).
"""

import pytest

from adequa.errors import InputError
from adequa.indicators import compute, list_indicators
from adequa.store.duckdb import Warehouse

ADS = [
    # ad_id, created, source_rome, enriched rome, contract, months, dep, region, dup
    ("a1", "2024-01-10", "M1811", None, "CDI", None, "14", "28", None),
    ("a2", "2024-02-01", "M1405", None, "CDD", 12, "14", "28", None),
    ("a3", "2024-02-15", "M1419", None, "CDD", 3, "76", "28", None),
    ("a4", "2024-03-01", "M1811", None, "MIS", 1, "76", "28", None),
    ("a5", "2024-03-20", "M1889", None, "CDI", None, "76", "28", None),
    ("a6", "2024-03-21", "M1889", None, "CDI", None, "76", "28", "a5"),
    ("a7", "2024-03-25", "A1101", None, "CDI", None, "14", "28", None),
    ("a8", "2024-01-05", None, "M1824", "CDD", 0.5, "14", "28", None),
    ("a9", "2024-02-10", "M1811", "D1106", "CDI", None, "14", "28", None),
    ("a10", "2024-03-31", "M1868", None, "ALT", 24, "76", "28", None),
    ("b1", "2024-02-01", "M1811", None, "CDI", None, "75", "11", None),
    ("c1", "2023-01-15", "M1811", None, "CDI", None, "14", "28", None),
    ("c2", "2023-02-15", "M1405", None, "CDD", 9, "76", "28", None),
    ("c3", "2023-03-15", "M1419", None, "CDI", None, "76", "28", None),
    ("c4", "2023-03-16", "M1419", None, "CDI", None, "76", "28", "c3"),
    ("d1", "2024-04-01", "M1811", None, "CDI", None, "14", "28", None),
]
SKILLS = [("a1", "Python", "100001"), ("a1", "SQL", "100002"), ("a2", "Python", "100001"),
          ("a2", "Statistiques", "100003"), ("a3", "SQL", "100002"), ("a4", "Python", "100001"),
          ("a5", "Python", "100001"), ("a5", "Deep learning", "100004"), ("a8", "SQL", "100002"),
          ("a10", "SQL", "100002"), ("a6", "Python", "100001"), ("a7", "Conduite d'engins", "100005")]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("ads") / "w.duckdb"
    with Warehouse(path) as wh:
        wh.upsert("ads", [dict(ad_id=a, source="test", title="t", description="d", created_at=c, source_rome=r,
                               contract_type=ct, contract_months=m, departement=dep, region=reg,
                               bassin=dep + "01", commune=dep + "001", duplicate_cluster=dup)
                          for a, c, r, _e, ct, m, dep, reg, dup in ADS], key=["ad_id"])
        wh.upsert("ad_occupations", [dict(ad_id=a, rome=e) for a, _c, _r, e, *_ in ADS if e], key=["ad_id"])
        mentions = [dict(ad_id=a, field="description", start=i * 10, end=i * 10 + 5, label=l, rome_ogr=o,
                         kind="savoir-faire", score=1.0, method="exact") for i, (a, l, o) in enumerate(SKILLS)]
        mentions.append(dict(ad_id="a1", field="description", start=500, end=506, label="Python", rome_ogr="100001",
                             kind="savoir-faire", score=1.0, method="exact"))   # twice in one ad: counted once
        wh.upsert("skill_mentions", mentions, key=["ad_id", "field", "start", "end"])
        wh.con.execute("CREATE TABLE IF NOT EXISTS rome_competences (version VARCHAR, code_ogr VARCHAR, "
                       "nature VARCHAR, label VARCHAR, macro_code VARCHAR)")
        wh.con.execute("INSERT INTO rome_competences (version, code_ogr, nature, label, macro_code) VALUES "
                       "('1','100001','sf','Python','2B101'), ('1','100002','sf','SQL','4C202'),"
                       "('1','100003','sf','Statistiques','4A101'), ('1','100004','sf','Deep learning','2B101')")
    return path


def run(name, db, **kw):
    kw.setdefault("group", "data-ia")
    kw.setdefault("territory", "region:28")
    kw.setdefault("period", "2024Q1")
    kw.setdefault("min_cell_size", 1)
    return compute(name, db=db, **kw)


def test_offers_count_counts_clusters_once_and_uses_enriched_rome(warehouse):
    r = run("offers_count", warehouse)
    assert r.value == 7
    assert r.rows == [{"quarter": "2024Q1", "offers": 7}]
    assert r.provenance.rows == 7 and r.provenance.filters["territory"] == "region:28"
    assert run("offers_count", warehouse, territory="france").value == 8
    assert run("offers_count", warehouse, territory="departement:14").value == 3


def test_offers_count_below_the_minimum_cell_size_is_withheld(warehouse):
    r = run("offers_count", warehouse, territory="departement:14", min_cell_size=5)
    assert r.value is None
    assert any("fewer than 5" in s for s in r.suppressed)
    assert r.rows[0]["offers"] is None


def test_missing_period_gives_no_figure(warehouse):
    r = run("offers_count", warehouse, period="2022Q1")
    assert r.value is None and r.rows == []
    g = run("offers_growth", warehouse, period="2022Q1")
    assert g.value is None


def test_growth_between_two_quarters(warehouse):
    r = run("offers_growth", warehouse)
    assert [x["offers"] for x in r.rows] == [3, 7]
    assert r.value == pytest.approx(133.3)
    assert r.provenance.filters["compare"] == "2023Q1"
    assert run("offers_growth", warehouse, compare="2023Q1", min_cell_size=5).value is None   # 3 offers in 2023Q1


def test_growth_without_a_period_uses_the_latest_full_quarter(warehouse):
    # the last ad is dated 2024-04-01: 2024Q2 has barely started, so 2024Q1 is compared with 2023Q1
    r = run("offers_growth", warehouse, period=None)
    assert [x["period"] for x in r.rows] == ["2023Q1", "2024Q1"]
    assert [x["offers"] for x in r.rows] == [3, 7]
    assert any("latest full quarter" in n for n in r.notes)


def test_durable_share_and_zero_denominator(warehouse):
    assert run("offers_durable_share", warehouse).value == pytest.approx(42.9)
    empty = run("offers_durable_share", warehouse, period="2020Q1")
    assert empty.value is None and any("no offers" in n for n in empty.notes)


def test_contract_mix(warehouse):
    r = run("offers_contract_mix", warehouse)
    mix = {x["contract"]: x["offers"] for x in r.rows}
    assert mix == {"plus de 6 mois": 3, "de 1 à 6 mois": 1, "moins d'un mois": 1, "intérim": 1, "autre": 1}
    assert sum(x["share"] for x in r.rows) == pytest.approx(100, abs=0.2)
    hidden = run("offers_contract_mix", warehouse, min_cell_size=2)
    shown = {x["contract"]: x["offers"] for x in hidden.rows}
    assert shown["plus de 6 mois"] == 3 and shown["intérim"] is None and len(hidden.suppressed) == 4


def test_by_domain_and_by_territory(warehouse):
    d = {x["domain"]: x["offers"] for x in run("offers_by_domain", warehouse).rows}
    assert d == {"Data / Big data": 4, "Décisionnel / Business intelligence": 1,
                 "Administration de base de données": 1, "IA / Machine learning": 1}
    t = run("offers_by_territory", warehouse).rows
    assert [(x["code"], x["label"], x["offers"]) for x in t] == [("76", "Seine-Maritime", 4), ("14", "Calvados", 3)]
    with pytest.raises(Exception):
        run("offers_by_domain", warehouse, group="rome:M1811")      # an ad-hoc group has no domains


def test_small_cells_of_a_breakdown_are_all_withheld(warehouse):
    r = run("offers_contract_mix", warehouse, min_cell_size=3)
    withheld = [x["contract"] for x in r.rows if x["offers"] is None]
    assert sorted(withheld) == sorted(["de 1 à 6 mois", "moins d'un mois", "intérim", "autre"])
    assert r.value == 7


def test_share_of_all(warehouse):
    r = run("offers_share_of_all", warehouse)
    assert r.value == pytest.approx(77.78) and r.rows == [{"group_offers": 7, "all_offers": 9}]


def test_ad_hoc_group(warehouse):
    assert run("offers_count", warehouse, group="rome:M1811,M1405").value == 3     # a1 a2 a4


def test_skills_top_levels(warehouse):
    r = run("skills_top", warehouse)
    by = {x["skill"]: x for x in r.rows}
    assert by["Python"]["ads"] == 4 and by["Python"]["share"] == pytest.approx(57.1) and by["Python"]["level"] == 3
    assert by["SQL"]["ads"] == 4 and by["Statistiques"]["level"] == 1 and by["Deep learning"]["share"] == pytest.approx(14.3)
    assert "Conduite d'engins" not in by
    assert r.value == 4
    strict = run("skills_top", warehouse, thresholds="60,30,20")
    assert {x["skill"]: x["level"] for x in strict.rows}["Python"] == 2
    small = run("skills_top", warehouse, min_cell_size=2)
    assert {x["skill"]: x["share"] for x in small.rows}["Statistiques"] is None


def test_skills_by_domain(warehouse):
    r = run("skills_by_domain", warehouse)
    got = [(x["domain"], x["skill"], x["ads"]) for x in r.rows]
    assert got == [("2", "Python", 4), ("2", "Deep learning", 1), ("4", "SQL", 4), ("4", "Statistiques", 1)]
    assert r.value == 2


def test_unknown_inputs_are_named(warehouse):
    with pytest.raises(InputError) as err:
        run("offers_count", warehouse, territory="region:99")
    assert err.value.field == "territory"
    with pytest.raises(InputError):
        run("offers_count", warehouse, period="2024Q5")
    with pytest.raises(InputError):
        run("offers_cuont", warehouse)


def test_bmo_without_data_says_how_to_load(warehouse):
    from adequa.indicators import MissingData

    with pytest.raises(MissingData) as err:
        run("bmo_projects", warehouse)
    assert "adequa ingest bmo" in str(err.value)


def test_every_indicator_has_a_definition():
    mine = {"workers", "job_seekers", "offers", "bmo", "skills", "tension"}
    for d in (d for d in list_indicators() if d.section in mine):
        assert d.definition and d.unit and d.inputs and d.title_en


ADS_INDICATORS = ["offers_count", "offers_growth", "offers_durable_share", "offers_contract_mix", "offers_by_domain",
                  "offers_by_territory", "offers_share_of_all", "skills_top", "skills_by_domain"]


def test_facts_give_the_same_figures_and_go_stale(warehouse, tmp_path):
    import shutil

    from adequa.indicators import facts
    from adequa.pipeline.statistics import refresh_facts

    db = tmp_path / "copy.duckdb"
    shutil.copy(warehouse, db)
    built = refresh_facts(db=db)
    assert built["offer_facts"] > 0 and built["skill_facts"] > 0
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    assert facts.fresh(con)
    for name in ADS_INDICATORS:
        for territory in ("region:28", "france", "departement:76"):
            a = compute(name, con=con, territory=territory, period="2024Q1", min_cell_size=1)
            b = compute(name, con=con, territory=territory, period="2024Q1", min_cell_size=1, facts="false")
            assert (a.value, a.rows) == (b.value, b.rows), (name, territory)
    con.close()
    with Warehouse(db) as wh:      # a new ad makes the facts stale: indicators read the ads again
        wh.upsert("ads", [dict(ad_id="z1", source="test", created_at="2024-02-02", source_rome="M1811",
                               contract_type="CDI", departement="14", region="28")], key=["ad_id"])
    con = duckdb.connect(str(db), read_only=True)
    assert not facts.fresh(con)
    assert compute("offers_count", con=con, territory="region:28", period="2024Q1", min_cell_size=1).value == 8
    con.close()


def test_skill_facts_serve_quarters_and_fall_back_for_months(warehouse, tmp_path):
    import shutil

    import duckdb

    from adequa.pipeline.statistics import refresh_facts

    db = tmp_path / "copy.duckdb"
    shutil.copy(warehouse, db)
    refresh_facts(db=db)
    con = duckdb.connect(str(db), read_only=True)
    for period in ("2024-03", "2024", "2024Q1..2024Q2", None):
        for territory in ("bassin:7601", "region:28"):
            a = compute("skills_top", con=con, territory=territory, period=period, min_cell_size=1)
            b = compute("skills_top", con=con, territory=territory, period=period, min_cell_size=1, facts="false")
            assert a.rows == b.rows, (period, territory)
    con.close()
