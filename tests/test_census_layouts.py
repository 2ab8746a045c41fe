"""INSEE census files in INSEE's own layouts (fichier détail, base de tableaux détaillés) and the
PCS → FAP derivation that lets group indicators read them.

Fixtures (tests/fixtures/statistics/, written by hand in INSEE's layouts):
* FD_MOBPRO_2015.csv — 7 persons, place of work DCLT, PCS 2003 professions, IPONDI weights;
* BTT_TD_ACT_2021.csv — 6 cells NIVGEO;CODGEO;LIBGEO;PROF;SEXE;AGEQ80_17;DIPL_19;EMPL;NA17;NB (PCS 2020);
* pcs2020_fap2009.csv / pcs2020_fap2021.csv — PCS 2020 → FAP tables, 388c split 75/25.
Expected figures are worked out by hand in the comments.
"""

from pathlib import Path

import pytest

from adequa.errors import InputError
from adequa.indicators import MissingData, compute
from adequa.pipeline.statistics import derive_census_fap, ingest_statistics
from adequa.sources.census import (BTT_LAYOUT, FD_LAYOUT, age_band_of, detect_layout, read_census, read_census_btt,
                                   read_census_fd, read_pcs_fap, sector_of)
from adequa.store.duckdb import Warehouse

STATS = Path(__file__).parent / "fixtures" / "statistics"
REGION_OF = {"14": "28", "76": "28", "75": "11"}


def _reference_fap2009(wh: Warehouse) -> None:
    """The DARES FAP-2009 ; PCS-2003 ; ROME v3 referential, reduced to the professions used here."""
    wh.upsert("fap2009_pcs_rome3", [
        {"version": "2009.1", "line": 1, "fap2009": "M2Z90", "pcs": "388a", "rome_v3": "M1805"},
        {"version": "2009.1", "line": 2, "fap2009": "M1Z80", "pcs": "478a", "rome_v3": "M1805"},
    ], key=["version", "line"])


@pytest.fixture(scope="module")
def wh_2009(tmp_path_factory):
    """FD 2015 (PCS 2003 → FAP-2009 by the referential) + BTT 2021 (PCS 2020 → FAP-2009 by a user table)."""
    path = tmp_path_factory.mktemp("census") / "w.duckdb"
    with Warehouse(path) as wh:
        _reference_fap2009(wh)
        loads = [ingest_statistics("census", STATS / "FD_MOBPRO_2015.csv", warehouse=wh),
                 ingest_statistics("pcs-fap", STATS / "pcs2020_fap2009.csv", warehouse=wh),
                 ingest_statistics("census", STATS / "BTT_TD_ACT_2021.csv", warehouse=wh)]
    return path, loads


def run(name, db, **kw):
    kw.setdefault("group", "data-ia")
    kw.setdefault("territory", "region:28")
    kw.setdefault("min_cell_size", 1)
    return compute(name, db=db, **kw)


def test_layouts_are_told_apart():
    assert detect_layout(STATS / "FD_MOBPRO_2015.csv") == FD_LAYOUT
    assert detect_layout(STATS / "BTT_TD_ACT_2021.csv") == BTT_LAYOUT
    assert detect_layout(Path(__file__).parent / "fixtures" / "stats" / "census_rp.csv") == "rp-long-1"


def test_fichier_detail_is_weighted_and_placed_at_work():
    stats: dict = {}
    rows = list(read_census_fd(STATS / "FD_MOBPRO_2015.csv", region_of=REGION_OF, stats=stats))
    assert stats["unplaced_weight"] == 1.0 and stats["place"] == "work"    # DCLT ZZZZZ: works abroad
    cell = {(r["level"], r["territory"], r["nomenclature"], r["occupation"], r["sex"], r["status"]): r for r in rows
            if r["age_band"] == r["diploma"] == r["sector"] == "total"}
    # région 28: Caen 2.5 + 1.5 + 0.5, Rouen 3.0 + 4.0 = 11.5; Paris (5.0) is in région 11
    assert cell[("region", "28", "all", "total", "total", "total")]["workers"] == 11.5
    assert cell[("region", "11", "all", "total", "total", "total")]["workers"] == 5.0
    assert cell[("departement", "14", "pcs2003", "388a", "F", "total")]["workers"] == 1.5
    assert cell[("region", "28", "pcs2003", "388a", "total", "apprenti")]["workers"] == 1.5
    # mean age from five-year bands (lower bound + 2.5): (32.5 × 2.5 + 27.5 × 1.5) / 4
    assert cell[("region", "28", "pcs2003", "388a", "total", "total")]["mean_age"] == pytest.approx(30.62, abs=0.01)
    # by residence instead (COMMUNE): the Paris worker lives in 75, the abroad one in Caen
    res = [r for r in read_census_fd(STATS / "FD_MOBPRO_2015.csv", place="residence", region_of=REGION_OF)
           if r["level"] == "region" and r["nomenclature"] == "all" and r["sex"] == r["age_band"] == r["diploma"]
           == r["status"] == r["sector"] == "total"]
    assert {r["territory"]: r["workers"] for r in res} == {"28": 12.5, "11": 5.0}


def test_base_tableaux_detailles_rolls_communes_up():
    rows = list(read_census_btt(STATS / "BTT_TD_ACT_2021.csv", region_of=REGION_OF))
    tot = {(r["level"], r["territory"]): r["workers"] for r in rows if r["nomenclature"] == "all" and
           r["sex"] == r["age_band"] == r["diploma"] == r["status"] == r["sector"] == "total"}
    assert tot == {("region", "28"): 16.0, ("region", "11"): 6.0,
                   ("departement", "14"): 6.0, ("departement", "76"): 10.0, ("departement", "75"): 6.0}
    ages = {r["age_band"]: r["workers"] for r in rows if r["level"] == "region" and r["territory"] == "28"
            and r["nomenclature"] == "all" and r["age_band"] != "total"}
    assert ages == {"<30": 2.0, "30-49": 12.0, "50+": 2.0}
    assert {r["nomenclature"] for r in rows} == {"all", "pcs2020"}


def test_code_groupings():
    assert [age_band_of(a) for a in (15, 29, 30, 49, 50, 64)] == ["<30", "<30", "30-49", "30-49", "50+", "50+"]
    assert [sector_of(c) for c in ("AZ", "C3", "DE", "FZ", "GZ", "JZ", "OQ", "GU", "47", "62", "ZZ")] == \
        ["agriculture", "industrie", "industrie", "construction", "commerce", "services", "services", "services",
         "commerce", "services", None]


def test_bad_values_name_line_and_field(tmp_path):
    bad = tmp_path / "FD_MOBPRO_2021.csv"
    bad.write_text("DCLT;IPONDI;PROF;SEXE\n14118;1.5;388a;1\n14118;abc;388a;2\n", encoding="latin-1")
    with pytest.raises(InputError) as err:
        list(read_census(bad, region_of=REGION_OF))
    assert (err.value.line, err.value.field) == (3, "IPONDI")
    bad.write_text("DCLT;IPONDI;PROF;SEXE\n14118;1.5;388a;3\n", encoding="latin-1")
    with pytest.raises(InputError) as err:
        list(read_census(bad))
    assert (err.value.line, err.value.field) == (2, "SEXE")
    btt = tmp_path / "BTT_TD_X_2021.csv"
    btt.write_text("NIVGEO;CODGEO;LIBGEO;SEXE;NB\nCOM;14118;Caen;1;12.5\nCOM;14118;Caen;2;douze\n", encoding="latin-1")
    with pytest.raises(InputError) as err:
        list(read_census(btt))
    assert (err.value.line, err.value.field) == (3, "NB")
    nameless = tmp_path / "actifs.csv"
    nameless.write_text("DCLT;IPONDI\n14118;1\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        list(read_census(nameless))
    assert err.value.field == "year"


def test_pcs_fap_table_reader(tmp_path):
    rows = list(read_pcs_fap(STATS / "pcs2020_fap2009.csv"))
    assert [(r["pcs"], r["fap"], r["weight"]) for r in rows] == [
        ("388a", "M2Z90", 100.0), ("388c", "M2Z92", 75.0), ("388c", "L5Z90", 25.0), ("478a", "M1Z80", 100.0)]
    assert {r["fap_nomenclature"] for r in rows} == {"fap2009"}
    bad = tmp_path / "t.csv"
    bad.write_text("pcs;fap\n388a;M2X90\n388c;informatique\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        list(read_pcs_fap(bad))
    assert err.value.line == 3


def test_pcs_rows_reach_the_group_through_fap(wh_2009):
    db, loads = wh_2009
    fd, _table, btt = loads
    assert fd.details["layout"].startswith(FD_LAYOUT) and btt.details["layout"] == BTT_LAYOUT
    d2015 = [s for s in fd.details["pcs_to_fap"] if s["year"] == 2015][0]
    # région level (coarsest loaded; France = sum of régions): 388a 2.5+1.5+5 + 478a 3 = 12 mapped;
    # 526a 4 + 999z 0.5 not in the referential
    assert (d2015["workers_mapped"], d2015["workers_not_mapped"]) == (12.0, 4.5)
    # région 28, data-ia = FAP-2009 M2Z + M1Z: 388a (2.5 + 1.5) + 478a 3.0
    assert run("workers_count", db, period="2015").value == 7
    assert run("workers_share_of_all", db, period="2015").value == pytest.approx(60.87)   # 7 / 11.5
    assert run("workers_women_share", db, period="2015").value == pytest.approx(21.4)     # 1.5 / 7
    assert run("workers_mean_age", db, period="2015").value == pytest.approx(40.0)        # (81.25+41.25+157.5)/7
    assert run("workers_diploma", db, period="2015").value == pytest.approx(57.1)         # K, I: 4 / 7
    assert run("workers_status_mix", db, period="2015").value == pytest.approx(35.7)      # EMPL 16: 2.5 / 7
    assert run("workers_sector_mix", db, period="2015").value == pytest.approx(35.7)      # MN: 2.5 / 7
    ages = run("workers_age_bands", db, period="2015")
    assert {r["age_band"]: r["count"] for r in ages.rows} == {"<30": 1.5, "30-49": 2.5, "50+": 3.0}
    status = run("workers_status_mix", db, period="2015")
    assert {r["status"]: r["count"] for r in status.rows} == {"durable": 2.5, "apprenti": 1.5, "cdd-interim": 3.0}


def test_weights_split_a_profession_and_growth_spans_two_censuses(wh_2009):
    db, _ = wh_2009
    # 2021, région 28: 388a 4 + 2, 388c 3 × 0.75 (M2Z92; 0.25 goes to L5Z90), 478a 2 = 10.25
    assert run("workers_count", db, period="2021").value == pytest.approx(10.25)
    with Warehouse(db) as wh:
        assert wh.scalar("SELECT workers FROM census_workers WHERE year = 2021 AND level = 'region' AND territory = "
                         "'28' AND occupation = 'L5Z90' AND sex = 'total' AND age_band = 'total' AND diploma = "
                         "'total' AND status = 'total' AND sector = 'total'") == pytest.approx(0.75)
    assert run("workers_growth", db).value == pytest.approx(46.4)                          # 10.25 / 7 − 1
    change = run("workers_women_share_change", db)
    assert change.value == pytest.approx(-1.9)                                             # 19.51 − 21.43
    with pytest.raises(MissingData):
        run("workers_count", db, period="2019")


def test_derivation_is_idempotent_and_respects_native_rows(wh_2009, tmp_path):
    db, _ = wh_2009
    with Warehouse(db) as wh:
        before = wh.scalar("SELECT count(*) FROM census_workers")
        derive_census_fap(wh)
        derive_census_fap(wh)
        assert wh.scalar("SELECT count(*) FROM census_workers") == before
        again = ingest_statistics("census", STATS / "FD_MOBPRO_2015.csv", warehouse=wh)
        assert again.details.get("unchanged") and wh.scalar("SELECT count(*) FROM census_workers") == before
    # a file coded in FAP-2009 for 2015 wins over derivation
    path = tmp_path / "native.duckdb"
    native = tmp_path / "rp2015_fap.csv"
    native.write_text("annee;niveau_geo;code_geo;fap2009;actifs_occupes\n2015;region;28;M2Z90;99\n", encoding="utf-8")
    with Warehouse(path) as wh:
        _reference_fap2009(wh)
        ingest_statistics("census", native, warehouse=wh)
        r = ingest_statistics("census", STATS / "FD_MOBPRO_2015.csv", warehouse=wh)
        assert "skipped" in r.details["pcs_to_fap"][0]
    assert run("workers_count", path, period="2015").value == 99


def test_pcs2020_to_fap2021_table(tmp_path):
    path = tmp_path / "w21.duckdb"
    with Warehouse(path) as wh:
        ingest_statistics("census", STATS / "BTT_TD_ACT_2021.csv", warehouse=wh)
        r = ingest_statistics("pcs-fap", STATS / "pcs2020_fap2021.csv", warehouse=wh)
        assert r.details["pcs_to_fap"][0]["to"] == "fap2021"
    # no weights: 388c split equally between M2X91 and L5X90 → 1.5 each; 6 + 1.5 + 2 = 9.5
    assert run("workers_count", path, period="2021").value == pytest.approx(9.5)
    assert run("workers_count", path, period="2021", group="fap2021:M2X91").value == pytest.approx(1.5)


def test_real_dares_fap2009_pcs_table_maps_the_fixture(mirror, tmp_path):
    """The DARES FAP-2009 ; PCS-2003 ; ROME v3 table of the mirror, as the referential loader reads it."""
    from adequa.sources.referentials import fap

    rows = list(fap.fap2009_pcs_rome3(mirror / "fap"))
    families: dict[str, set] = {}
    for r in rows:
        if r["pcs"]:
            families.setdefault(r["pcs"], set()).add(r["fap2009"])
    assert families["388a"] == {"M2Z90"} and families["478a"] == {"M1Z80"}
    path = tmp_path / "real.duckdb"
    with Warehouse(path) as wh:
        wh.upsert("fap2009_pcs_rome3", [{"version": "mirror", "line": r["line"], "fap2009": r["fap2009"],
                                         "pcs": r["pcs"], "rome_v3": r["rome_v3"]} for r in rows],
                  key=["version", "line"])
        load = ingest_statistics("census", STATS / "FD_MOBPRO_2015.csv", warehouse=wh)
    summary = load.details["pcs_to_fap"][0]
    # 526a (a real PCS-2003 profession) is in the table; 999z is not
    assert summary["workers_not_mapped"] == 0.5 and summary["workers_mapped"] == 16.0
    assert run("workers_count", path, period="2015").value == 7


def test_fichier_detail_in_parquet_gives_the_same_cells(tmp_path):
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    table = pacsv.read_csv(STATS / "FD_MOBPRO_2015.csv", parse_options=pacsv.ParseOptions(delimiter=";"),
                           convert_options=pacsv.ConvertOptions(column_types={
                               c: (pa.float64() if c == "IPONDI" else pa.string())
                               for c in ("COMMUNE", "ARM", "DCLT", "AGEREVQ", "CS1", "DIPL", "EMPL", "ILT", "IPONDI",
                                         "NA17", "PROF", "SEXE", "TRANS")}))
    path = tmp_path / "FD_MOBPRO_2015.parquet"
    pq.write_table(table, path)
    assert detect_layout(path) == FD_LAYOUT

    def cells(p):
        return sorted((r["level"], r["territory"], r["occupation"], r["sex"], r["age_band"], r["diploma"],
                       r["status"], r["sector"], r["workers"]) for r in read_census(p, region_of=REGION_OF))

    assert cells(path) == cells(STATS / "FD_MOBPRO_2015.csv")


def test_zip_archive_as_insee_distributes_it(tmp_path):
    import zipfile

    archive = tmp_path / "RP2015_mobpro_csv.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("varmod_MOBPRO_2015.csv", "COD_VAR;LIB_VAR;COD_MOD;LIB_MOD\nSEXE;Sexe;1;Hommes\n")
        zf.write(STATS / "FD_MOBPRO_2015.csv", "FD_MOBPRO_2015.csv")
    assert detect_layout(archive) == FD_LAYOUT
    rows = list(read_census(archive, region_of=REGION_OF))
    direct = list(read_census(STATS / "FD_MOBPRO_2015.csv", region_of=REGION_OF))
    assert [r["workers"] for r in rows] == [r["workers"] for r in direct]
    assert rows[0]["origin_file"].endswith("RP2015_mobpro_csv.zip!FD_MOBPRO_2015.csv")
    broken = tmp_path / "RP2021_mobpro_csv.zip"
    with zipfile.ZipFile(broken, "w") as zf:
        zf.writestr("FD_MOBPRO_2021.csv", "DCLT;IPONDI;SEXE\n14118;1;1\n14118;x;2\n")
    with pytest.raises(InputError) as err:
        list(read_census(broken))
    assert err.value.path.endswith("RP2021_mobpro_csv.zip!FD_MOBPRO_2021.csv") and err.value.line == 3


def test_each_census_year_is_read_in_its_own_nomenclature(tmp_path):
    """RP 2015 in PCS 2003 → FAP-2009 (referential) and RP 2021 in PCS 2020 → FAP-2021 (user table):
    data-ia has codes in both, and growth compares M2Z+M1Z (2015) with M2X+M1X (2021), with a note."""
    path = tmp_path / "mixed.duckdb"
    with Warehouse(path) as wh:
        _reference_fap2009(wh)
        ingest_statistics("census", STATS / "FD_MOBPRO_2015.csv", warehouse=wh)
        ingest_statistics("pcs-fap", STATS / "pcs2020_fap2021.csv", warehouse=wh)
        ingest_statistics("census", STATS / "BTT_TD_ACT_2021.csv", warehouse=wh)
    assert run("workers_count", path, period="2015").value == 7                   # FAP-2009
    assert run("workers_count", path, period="2021").value == pytest.approx(9.5)  # FAP-2021, 388c split equally
    g = run("workers_growth", path)
    assert g.value == pytest.approx(35.7)                                          # 9.5 / 7 − 1
    assert any("coded differently" in n for n in g.notes)


def test_zones_d_emploi_and_bassins_through_the_commune_referential(tmp_path):
    path = tmp_path / "ze.duckdb"
    with Warehouse(path) as wh:
        _reference_fap2009(wh)
        with pytest.raises(InputError):                      # no geo referential yet
            ingest_statistics("census", STATS / "FD_MOBPRO_2015.csv", warehouse=wh,
                              levels=["region", "zone_emploi"])
        wh.upsert("geo_communes", [
            {"version": "2024", "commune": "14118", "departement": "14", "region": "28", "zone_emploi": "2804",
             "bassin": "2801"},
            {"version": "2024", "commune": "76540", "departement": "76", "region": "28", "zone_emploi": "2813",
             "bassin": "2820"}], key=["version", "commune"])
        ingest_statistics("census", STATS / "FD_MOBPRO_2015.csv", warehouse=wh,
                          levels=["region", "departement", "zone_emploi", "bassin"])
    # Caen's zone d'emploi: 388a 2.5 + 1.5 → data-ia 4.0; Rouen's bassin: 478a 3.0
    assert run("workers_count", path, period="2015", territory="zone_emploi:2804").value == 4
    assert run("workers_count", path, period="2015", territory="bassin:2820").value == 3
    assert run("workers_count", path, period="2015").value == 7                    # région 28 unchanged
