"""Job seekers from France Travail's ROME × bassin tension table (the Mobiville file) when no DEFM file is loaded.

Hand-written fixture in the published layout (``annee;ROME;…;cbassin;…;oee;defm_abc;ind_tension_d``), with the
fixture referentials: data-ia's ROME 4.0 fiche M1811 reaches the v3 code M1805 through its parent; bassins 2801
Rouen and 2806 Le Havre are in département 76, 2817 Caen in 14, 8437 Trévoux in 01 (région 84).

2020, data-ia (M1805): Rouen 40 + Le Havre 15 + Caen 25 = 80 in Normandie (76: 55, 14: 25), + Trévoux 6 = 86 in
France; all occupations: Normandie 80 + 200 + 160 = 440, France 440 + 6 + 50 = 496. 2019: Normandie 30 + 20 = 50.
"""

import pytest

from adequa.indicators import compute
from adequa.indicators.base import MissingData
from adequa.pipeline import referentials
from adequa.pipeline.statistics import (TENSION_JS_LAYOUT, derive_job_seekers_from_tension, ingest_statistics,
                                        lexique_bassin_departements, place_bassins)
from adequa.store.duckdb import Warehouse

FILE = "tension_job_seekers_2019_2020.csv"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    from pathlib import Path

    fx = Path(__file__).parent / "fixtures"
    path = tmp_path_factory.mktemp("jst") / "w.duckdb"
    with Warehouse(path) as wh:
        referentials.load(fx / "referentials", wh, only=["rome", "geo"])
        first = ingest_statistics("tension", fx / "statistics" / FILE, warehouse=wh)
        assert first.details["job_seekers"]["periods"] == ["2019", "2020"]
    return path


def run(name, db, **kw):
    kw.setdefault("group", "data-ia")
    kw.setdefault("territory", "region:28")
    return compute(name, db=db, **kw)


def test_place_bassins_withholds_departements_a_bassin_straddles():
    deps = {"2801": {"76"}, "2817": {"14"}, "2811": {"27"}, "5304": {"22", "29"}, "5310": {"29"}, "5320": {"35"}}
    placed, withheld = place_bassins(["2801", "2817", "2811", "5304", "5310", "5320", "2899"], deps)
    assert placed == {"5320": "35"}                       # Normandie: unknown bassin 2899 withholds 76, 14, 27
    assert set(withheld) == {"14", "27", "76", "22", "29"}
    assert "5304" in withheld["29"] and "2899" in withheld["76"]
    placed, withheld = place_bassins(["2801", "2817"], deps)
    assert placed == {"2801": "76", "2817": "14"} and not withheld


def test_rows_by_level_and_no_duplicates_on_rerun(db, fixtures):
    with Warehouse(db) as wh:
        def snapshot():
            return wh.query("SELECT level, territory, period, occupation, job_seekers FROM job_seekers "
                            "ORDER BY ALL")
        before = snapshot()
        again = ingest_statistics("tension", fixtures / "statistics" / FILE, warehouse=wh)
        assert again.details.get("unchanged") and snapshot() == before
        forced = ingest_statistics("tension", fixtures / "statistics" / FILE, warehouse=wh, force=True)
        assert forced.details["job_seekers"]["rows"] == len(before) and snapshot() == before
        by = {(lv, t, p, o): n for lv, t, p, o, n in before}
        assert by[("region", "28", "2020", "M1805")] == 80 and by[("france", "FR", "2020", "K2204")] == 410
        assert by[("departement", "76", "2020", "M1805")] == 55 and by[("bassin", "2806", "2020", "M1805")] == 15
        assert {lv for lv, *_ in before} == {"bassin", "departement", "region", "france"}
        src = wh.scalar("SELECT source FROM provenance WHERE table_name = 'job_seekers'")
        assert "Mobiville" in src and "ROME v3 × bassin" in src
        assert wh.scalar("SELECT count(DISTINCT layout) FROM job_seekers") == 1


def test_count_and_share_with_source_line_and_caveat(db):
    r = run("job_seekers_count", db)
    assert r.value == 80 and r.period == "2020"
    line = r.provenance.line()
    assert "Mobiville" in line and "2020" in line and "job_seekers" not in line
    assert any("implausibly low" in n and "496" in n for n in r.notes)
    assert run("job_seekers_count", db, territory="france").value == 86
    assert run("job_seekers_count", db, territory="departement:76").value == 55
    assert run("job_seekers_count", db, territory="bassin:2817").value == 25
    s = run("job_seekers_share_of_all", db)
    assert s.value == pytest.approx(18.18) and s.rows == [{"group": 80, "all": 440}]
    assert run("job_seekers_share_of_all", db, territory="france").value == pytest.approx(17.34)    # 86 / 496
    assert run("job_seekers_count", db, period="2019").value == 50
    with pytest.raises(MissingData, match="no cell of the group in"):      # no M1810 row in the file
        run("job_seekers_count", db, territory="departement:01", group="rome:M1810")


def test_growth_between_the_two_years_of_the_file(db):
    g = run("job_seekers_growth", db)                     # no period: the latest year against the one before
    assert g.value == pytest.approx(60.0) and g.period == "2019 → 2020"
    assert run("job_seekers_growth", db, period="2020", compare="2019").value == pytest.approx(60.0)
    with pytest.raises(MissingData, match="two periods.*2018"):
        run("job_seekers_growth", db, period="2019")


def test_breakdowns_the_file_has_not_are_missing_with_the_reason(db):
    for name in ("job_seekers_women_share", "job_seekers_age_bands", "job_seekers_diploma",
                 "job_seekers_long_term_share"):
        with pytest.raises(MissingData, match="tension table.*no breakdown"):
            run(name, db)
    with pytest.raises(MissingData, match="no job-seeker data for 2024.*2019, 2020"):
        run("job_seekers_count", db, period="2024")


def test_a_defm_file_wins_for_its_period_and_is_never_overwritten(tmp_path, fixtures):
    path = tmp_path / "w.duckdb"
    with Warehouse(path) as wh:
        referentials.load(fixtures / "referentials", wh, only=["rome", "geo"])
        ingest_statistics("job-seekers", fixtures / "statistics" / "defm_series_2024T1.csv", warehouse=wh)
        # a native row on the same key as a derived one: kept as the file gives it
        wh.con.execute("INSERT INTO job_seekers VALUES ('2020', DATE '2020-12-31', 'region', '28', 'rome3', 'M1805', "
                       "'ABC', 'total', 'total', 'total', 'total', 77, 'defm-long-1', 'x.csv', 2)")
        ingest_statistics("tension", fixtures / "statistics" / FILE, warehouse=wh)
        derive_job_seekers_from_tension(wh)
        assert wh.query("SELECT job_seekers, layout FROM job_seekers WHERE period = '2020' AND level = 'region' AND "
                        "territory = '28' AND occupation = 'M1805'") == [(77.0, "defm-long-1")]
        assert wh.scalar("SELECT count(*) FROM job_seekers WHERE layout = ?", [TENSION_JS_LAYOUT]) > 0
    latest = run("job_seekers_count", path)
    assert latest.period == "2024Q1" and latest.value == 3000          # the DEFM series (FAP-2009), not the ROME rows
    assert "Mobiville" not in latest.provenance.line()
    assert run("job_seekers_count", path, period="2019").value == 50   # ROME v3 rows of the tension table


def test_without_the_geography_no_departement_figure_and_why(tmp_path, fixtures):
    path = tmp_path / "w.duckdb"
    with Warehouse(path) as wh:
        referentials.load(fixtures / "referentials", wh, only=["rome"])
        out = ingest_statistics("tension", fixtures / "statistics" / FILE, warehouse=wh).details["job_seekers"]
        assert out["departements"] == 0
    assert run("job_seekers_count", path).value == 80
    with pytest.raises(MissingData, match="no rows at the departement level"):
        run("job_seekers_count", path, territory="departement:76")


@pytest.mark.mirror
def test_real_tension_table_gives_job_seekers(mirror, tmp_path):
    path = tmp_path / "w.duckdb"
    src = mirror / "labour" / "mobiville_tension_defm_oee_rome_bassin.csv"
    with Warehouse(path) as wh:
        referentials.load(mirror, wh, only=["rome", "geo"])
        r = ingest_statistics("tension", src, warehouse=wh)
        # the warehouse keeps the 2021 bassins: 2824 gained two communes of the Calvados, so 14 and 50 are withheld
        assert "2824" in r.details["job_seekers"]["departements_withheld"]["14"]
        deps, origin = lexique_bassin_departements(mirror)          # the file's own vintage: BMO 2019 bassins
        js = derive_job_seekers_from_tension(wh, bassin_deps=deps, bassin_deps_origin=origin)
        assert "2019" in origin and "14" not in js["departements_withheld"]
        file_total = wh.scalar("SELECT sum(job_seekers) FROM tension_rome_bassin")
        assert js["job_seekers_france"]["2020"] == file_total           # France rows add up to the file
        by_level = dict(wh.query("SELECT level, sum(job_seekers) FROM job_seekers GROUP BY 1"))
        assert by_level["region"] == file_total and by_level["bassin"] == file_total
        assert 0 < by_level["departement"] <= file_total
        # Normandie's 27 bassins each lie in one département: all five départements have figures
        assert {"14", "27", "50", "61", "76"} <= {r[0] for r in wh.query(
            "SELECT DISTINCT territory FROM job_seekers WHERE level = 'departement'")}
    fr = compute("job_seekers_count", db=path, group="data-ia", territory="france")
    norm = compute("job_seekers_count", db=path, group="data-ia", territory="region:28")
    deps = []
    for d in ("14", "27", "50", "61", "76"):
        try:
            deps.append(compute("job_seekers_count", db=path, group="data-ia", territory=f"departement:{d}",
                                min_cell_size=1))
        except MissingData as exc:                   # no cell of the group in the file for that département
            assert "no cell of the group" in str(exc)
    assert fr.period == "2020" and fr.value > norm.value > 0
    assert sum(d.value for d in deps) == norm.value
    share = compute("job_seekers_share_of_all", db=path, group="data-ia", territory="france").value
    assert 0 < share < 10
