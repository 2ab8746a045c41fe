"""Tension table, shortage list and offer counts: fixtures in the published layouts, and the real mirror."""

import pytest

from adequa.errors import InputError
from adequa.pipeline.statistics import ingest_mirror_labour, ingest_statistics
from adequa.sources.tension import read_offer_counts, read_shortage, read_tension_rome_bassin
from adequa.store.duckdb import Warehouse


def test_tension_rows(fixtures):
    rows = list(read_tension_rome_bassin(fixtures / "stats" / "tension_rome_bassin.csv"))
    assert len(rows) == 5
    assert rows[0]["region"] == "28" and rows[0]["offers"] == 30
    assert rows[4]["region"] == "11" and rows[4]["tension_index"] == 5


def test_shortage_regions_by_name(fixtures):
    rows = list(read_shortage(fixtures / "stats" / "shortage_2024.csv", year=2024,
                              regions={"28": "Normandie", "53": "Bretagne"}))
    assert [r["region"] for r in rows] == ["FR", "28", "28", "53"]
    with pytest.raises(InputError) as err:
        list(read_shortage(fixtures / "stats" / "shortage_2024.csv", year=2024, regions={"28": "Normandie"}))
    assert err.value.line == 5


def test_offer_counts_sum_repeated_keys(fixtures, db_path):
    rows = list(read_offer_counts(fixtures / "stats" / "offer_counts.csv"))
    assert rows[2]["commune"] == "14118" and rows[0]["commune"] == ""
    r = ingest_statistics("offer-counts", fixtures / "stats" / "offer_counts.csv", db=db_path)
    assert r.details["merged_rows"] == 1
    with Warehouse(db_path, read_only=True) as wh:
        assert wh.query("SELECT commune, offers FROM offer_counts WHERE rome = 'M1805' ORDER BY 1") == \
            [("", 5.0), ("14118", 7.0)]


@pytest.mark.mirror
def test_real_tension_files(mirror, tmp_path):
    src = mirror / "labour"
    db = tmp_path / "w.duckdb"
    r1 = ingest_statistics("tension", src / "mobiville_tension_defm_oee_rome_bassin.csv", db=db)
    r2 = ingest_statistics("shortage", src / "metiers_en_tension_mars_2024.csv", db=db, year=2024)
    assert r1.read > 20000 and r2.read > 300
    with Warehouse(db, read_only=True) as wh:
        assert wh.scalar("SELECT count(DISTINCT bassin) FROM tension_rome_bassin") > 300
        assert wh.scalar("SELECT count(DISTINCT region) FROM shortage_occupations") >= 13
        # every bassin's région prefix is a real région code
        bad = wh.scalar("SELECT count(*) FROM tension_rome_bassin WHERE region NOT IN "
                        "('01','02','03','04','06','11','24','27','28','32','44','52','53','75','76','84','93','94')")
        assert bad == 0


def test_load_available_picks_files_by_name(tmp_path, fixtures):
    import shutil

    from adequa.config import Settings
    from adequa.pipeline.statistics import load_available

    root = tmp_path / "data"
    (root / "statistics").mkdir(parents=True)
    shutil.copy(fixtures / "stats" / "bmo_2024.csv", root / "statistics" / "bmo_2024.csv")
    shutil.copy(fixtures / "stats" / "defm_2024.csv", root / "statistics" / "defm_2024.csv")
    (root / "statistics" / "rp2021_broken.csv").write_text("annee;fap2009\n2021;M2Z\n", encoding="utf-8")
    settings = Settings(db=tmp_path / "w.duckdb")
    out = load_available(settings, root)
    assert sorted(x["table"] for x in out["loaded"]) == ["bmo", "job_seekers"]
    assert any("rp2021_broken.csv" in s and "count column" in s for s in out["skipped"])
    assert out["facts"]["offer_facts"] == 0
