"""Workers (census), job seekers (DEFM), BMO and tension indicators on hand-written fixtures.

Expected figures are computed by hand from tests/fixtures/stats/*.csv (see the comments).
"""

import pytest

from adequa.indicators import MissingData, compute
from adequa.pipeline.statistics import ingest_many


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("stats") / "w.duckdb"
    from pathlib import Path

    stats = Path(__file__).parent / "fixtures" / "stats"
    ingest_many([("bmo", stats / "bmo_2024.csv", {}), ("job-seekers", stats / "defm_2024.csv", {}),
                 ("census", stats / "census_rp.csv", {}), ("tension", stats / "tension_rome_bassin.csv", {}),
                 ("shortage", stats / "shortage_2024.csv", {"year": 2024}),
                 ("offer-counts", stats / "offer_counts.csv", {})], db=path)
    return path


def run(name, db, **kw):
    kw.setdefault("group", "data-ia")
    kw.setdefault("territory", "region:28")
    kw.setdefault("min_cell_size", 1)
    return compute(name, db=db, **kw)


# ---- census: data-ia = FAP-2009 M2Z + M1Z; the detail rows M2Z90/M2Z91 must not be added to M2Z

def test_workers_count_uses_one_level_of_detail(db):
    r = run("workers_count", db)
    assert r.value == 13358          # 5000 (M2Z) + 8358 (M1Z), not + 4000 + 1000
    assert r.period == "2021"
    assert run("workers_count", db, period="2015").value == 11085
    assert run("workers_count", db, group="fap2009:M2Z90").value == 4000


def test_workers_shares(db):
    assert run("workers_share_of_all", db).value == pytest.approx(1.0)          # 13358 / 1335800
    assert run("workers_women_share", db).value == pytest.approx(20.1)         # 2685 / 13358
    change = run("workers_women_share_change", db)
    assert change.value == pytest.approx(2.1)                                  # 20.10 − 18.00 (1995.3 / 11085)
    assert [x["year"] for x in change.rows] == [2015, 2021]
    assert run("workers_growth", db).value == pytest.approx(20.5)             # 13358 / 11085 − 1


def test_workers_distributions(db):
    assert run("workers_diploma", db).value == pytest.approx(73.6)            # 9833 / 13358
    assert run("workers_status_mix", db).value == pytest.approx(87.9)         # 11742 / 13358
    assert run("workers_sector_mix", db).value == pytest.approx(72.8)         # 9725 / 13358
    ages = run("workers_age_bands", db)
    assert ages.value == "30-49" and [x["age_band"] for x in ages.rows] == ["<30", "30-49", "50+"]
    assert [x["count"] for x in ages.rows] == [3000, 7358, 3000]


def test_workers_mean_age_published_or_from_bands(db):
    assert run("workers_mean_age", db).value == pytest.approx(38.9)           # (38×5000 + 39.5×8358) / 13358
    from adequa.indicators.supply import band_midpoint

    assert [band_midpoint(b) for b in ("<30", "30-49", "50+")] == [22.5, 40.0, 57.5]


def test_census_errors_are_explicit(db):
    with pytest.raises(MissingData):
        run("workers_count", db, period="2019")                                 # no census year in 2019
    with pytest.raises(MissingData):
        run("workers_count", db, territory="departement:14")                   # only régional rows loaded


# ---- job seekers: data-ia = M2Z90 + M1Z80 rows, 2024Q1

def test_job_seekers_figures(db):
    assert run("job_seekers_count", db).value == 3000
    assert run("job_seekers_share_of_all", db).value == pytest.approx(1.2)     # 3000 / 250000
    assert run("job_seekers_women_share", db).value == pytest.approx(15.0)     # 450 / 3000
    assert run("job_seekers_long_term_share", db).value == pytest.approx(36.8) # 1104 / 3000
    assert run("job_seekers_diploma", db).value == pytest.approx(74.3)         # 2230 / 3000
    ages = run("job_seekers_age_bands", db)
    assert ages.value == "30-49" and ages.rows[1]["share"] == pytest.approx(66.3)


def test_job_seekers_growth_between_quarters(db):
    assert run("job_seekers_growth", db, period="2024Q1").value == pytest.approx(20.0)   # vs 2023Q1: 2500
    assert run("job_seekers_growth", db, period="2024Q1", compare="2019Q1").value == pytest.approx(20.5)  # 2490
    with pytest.raises(MissingData):
        run("job_seekers_growth", db, period="2022Q1")


def test_job_seekers_suppressed_cells(db):
    r = run("job_seekers_count", db, territory="departement:14", min_cell_size=5)
    assert r.value is None                       # 3 people, the other cell withheld by the publisher
    assert any("withheld by the publisher" in n for n in r.notes)
    assert any("fewer than 5" in s for s in r.suppressed)


# ---- BMO: data-ia in région 28 = 130 + 80 + 10 + 200 + 60 = 480 projects, 240 difficult

def test_bmo_projects_and_difficulty(db):
    r = run("bmo_projects", db)
    assert r.value == 480 and r.rows[0]["difficult"] == 240
    assert any("withheld by the publisher" in n for n in r.notes)
    d = run("bmo_difficult_share", db)
    assert d.value == pytest.approx(50.0)
    assert d.rows[1]["difficult_share"] == pytest.approx(56.4)                  # 440 / 780, all occupations
    assert run("bmo_projects", db, territory="france").value == 980


def test_bmo_breakdowns_and_secondary_suppression(db):
    rows = {x["code"]: x for x in run("bmo_by_departement", db).rows}
    assert rows["14"]["projects"] == 190 and rows["76"]["projects"] == 290 and rows["50"]["projects"] is None
    assert rows["14"]["share"] == pytest.approx(39.6)
    hidden = run("bmo_by_departement", db, min_cell_size=200)
    got = {x["code"]: x["projects"] for x in hidden.rows}
    assert got["14"] is None and got["76"] is None           # 76 withheld too: 290 = 480 − 190
    assert any("secondary" in s for s in hidden.suppressed)
    bassins = run("bmo_by_bassin", db)
    assert {x["code"]: x["projects"] for x in bassins.rows}["2811"] == 280


def test_bmo_period_without_survey(db):
    assert run("bmo_projects", db, period="2023").value is None


# ---- tension

def test_tension_components(db):
    r = run("tension_offers_per_job_seeker", db, group="rome:M1805")
    assert r.value == pytest.approx(1.0) and r.rows[0]["offers"] == 40                  # 40 / 40
    assert run("tension_index", db, group="rome:M1805").value == pytest.approx(3.0)     # (4×20 + 2×20) / 40
    s = run("tension_shortage_list", db)
    assert [x["fap"] for x in s.rows] == ["M2Z90"] and s.value == 1
    summary = run("tension_summary", db, group="rome:M1805")
    comps = {x["component"]: x for x in summary.rows}
    assert comps["offers per job seeker"]["value"] == pytest.approx(1.0)
    assert comps["job-seeker outflow"]["value"] is None and comps["job-seeker outflow"]["missing"]


def test_tension_from_ads_needs_a_period(db):
    with pytest.raises(MissingData):
        run("tension_offers_per_job_seeker", db, source="ads")


def test_official_offer_counts(db):
    assert run("offers_official_count", db, group="rome:M1805", territory="france").value == 12     # 5 + 7
    dep = run("offers_official_count", db, group="rome:M1805", territory="departement:14")
    assert dep.value == 7 and dep.rows == [{"date": "2021-12-21", "offers": 7}]
    assert run("offers_official_count", db, group="rome:M1805", territory="departement:14",
               min_cell_size=8).value is None
    assert run("offers_official_count", db, group="all", territory="france", period="2022").value is None


def test_job_seekers_coded_in_rome(tmp_path):
    path = tmp_path / "defm_rome.csv"
    path.write_text("periode;reg;code_rome;sexe;nb_de\n"
                    "2024-03;28;M1811;Ensemble;12\n2024-03;28;M1405;Ensemble;8\n2024-03;28;M1405;Femmes;3\n"
                    "2024-03;28;A1101;Ensemble;100\n2024-03;28;Ensemble;Ensemble;1000\n", encoding="utf-8")
    db = tmp_path / "w.duckdb"
    ingest_many([("job-seekers", path, {})], db=db)
    assert run("job_seekers_count", db, period="2024Q1").value == 20          # M1811 + M1405
    assert run("job_seekers_share_of_all", db).value == pytest.approx(2.0)   # 20 / 1000
    assert run("job_seekers_count", db, group="all").value == 1000           # the 'Ensemble' row, not a sum
    women = run("job_seekers_women_share", db)                                # only M1405 is broken down by sex
    assert women.value == pytest.approx(37.5) and any("covers 8 of the group's 20" in n for n in women.notes)
