"""Loading the referentials into a real DuckDB file: counts, versions, idempotency, integrity checks."""

import shutil
from pathlib import Path

import pytest

from adequa.pipeline import referentials
from adequa.store.duckdb import Warehouse


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """One load of the fixtures, copied for each test (a copy is cheaper than a load)."""
    folder = tmp_path_factory.mktemp("template")
    shutil.copytree(Path(__file__).parent / "fixtures" / "referentials", folder / "data")
    with Warehouse(folder / "t.duckdb") as wh:
        referentials.load(folder / "data", wh)
    return folder


@pytest.fixture()
def root(template, tmp_path):
    dest = tmp_path / "data"
    shutil.copytree(template / "data", dest)
    return dest


@pytest.fixture()
def loaded(template, root, db_path):
    shutil.copyfile(template / "t.duckdb", db_path)
    wh = Warehouse(db_path)
    yield wh
    wh.close()


def _snapshot(wh: Warehouse) -> dict:
    tables = [t for t in wh.tables() if t in referentials._REFERENTIAL_TABLES]
    return {t: wh.query(f'SELECT * FROM "{t}" ORDER BY ALL') for t in tables}


def _problems(wh: Warehouse) -> dict:
    return {r.check.name: r for r in referentials.check(wh) if r.status == "problem"}


def test_load_counts_match_the_files(loaded):
    wh = loaded
    assert wh.count("rome_fiches") == 3 and wh.count("rome_appellations") == 5
    assert wh.count("rome_competences") == 4 and wh.count("rome_savoirs") == 2 and wh.count("rome_fiche_items") == 7
    assert wh.scalar("SELECT grand_domaine || '/' || domaine FROM rome_fiches WHERE code_rome = 'M1811'") == "M/M18"
    assert dict(wh.query("SELECT kind, count(*) FROM rome_fiche_items GROUP BY kind")) == {
        "competence": 3, "savoir": 3, "contexte": 1}
    assert wh.count("esco_skills") == 3 and wh.count("esco_occupations") == 4      # 2 in English, 2 in French
    assert wh.scalar("SELECT alt_labels FROM esco_skills WHERE uri LIKE '%/s1'") == ["Python", "python programming"]
    assert wh.count("geo_communes") == 4 and wh.count("geo_departements") == 3
    assert wh.scalar("SELECT file FROM geo_shapes WHERE code = '76'") == "departement-76-seine-maritime.geojson"
    assert wh.query("SELECT code_rome, fap2021, method FROM rome_fap WHERE \"primary\" ORDER BY 1") == [
        ("K2111", "W0X80a", "dares-table"), ("M1805", "M1X80", "dares-table"), ("M1811", "M1X80", "via-rome-v3-parent")]
    assert dict(wh.query("SELECT rome_ogr, code_rome FROM esco_rome")) == {"10002": "M1811", "99999": None}


def test_every_table_has_a_provenance_record(loaded):
    records = {(p["table_name"], p["version"]): p for p in loaded.provenance()}
    assert records[("rome_fiches", "999")]["rows"] == 3
    assert records[("rome_fiches", "999")]["licence"].startswith("Licence Ouverte")
    assert records[("esco_skills", "9.9.9")]["licence"].startswith("CC BY 4.0")
    assert all(p["checksum"] and len(p["checksum"]) == 64 for p in records.values())
    filled = {t for t in loaded.tables() if t in referentials._REFERENTIAL_TABLES and loaded.count(t)}
    assert {t for t, _ in records} == filled and "esco_isco_groups" not in filled     # no ISCO file in the fixtures


def test_reloading_the_same_version_changes_nothing(root, loaded):
    before = _snapshot(loaded)
    provenance = loaded.query("SELECT table_name, version, loaded_at FROM provenance ORDER BY ALL")
    again = referentials.load(root, loaded)
    assert {r.status for r in again} == {"unchanged"}
    assert _snapshot(loaded) == before
    assert loaded.query("SELECT table_name, version, loaded_at FROM provenance ORDER BY ALL") == provenance
    forced = referentials.load(root, loaded, force=True)
    assert {r.status for r in forced} == {"replaced"}
    assert _snapshot(loaded) == before


def test_a_newer_version_is_kept_beside_the_old(root, loaded):
    old = root / "rome"
    new = root.parent / "data2" / "rome"
    new.mkdir(parents=True)
    for p in old.glob("*.csv"):
        text = p.read_text(encoding="utf-8")
        if "appellation" in p.name:                                   # one title less in the new version
            text = "\n".join(line for line in text.split("\n") if "10004" not in line)
        (new / p.name.replace("v999", "v1000")).write_text(text, encoding="utf-8")
    results = referentials.load(new.parent, loaded, only=["rome"])
    assert {(r.table, r.version, r.status) for r in results} >= {("rome_appellations", "1000", "loaded")}
    assert dict(loaded.query("SELECT version, count(*) FROM rome_appellations GROUP BY 1")) == {"999": 5, "1000": 4}
    # Versions order by number: 1000 is newer than 999 although "1000" < "999" as text.
    assert loaded.scalar("SELECT DISTINCT version FROM current_rome_appellations") == "1000"
    assert loaded.count("current_rome_appellations") == 4


def test_same_version_with_other_content_is_replaced(root, loaded):
    path = root / "rome" / "unix_referentiel_savoir_v999_utf8.csv"
    path.write_text("\n".join(l for l in path.read_text(encoding="utf-8").split("\n") if "30002" not in l),
                    encoding="utf-8")
    results = {r.table: r.status for r in referentials.load(root, loaded, only=["rome"])}
    assert results["rome_savoirs"] == "replaced" and results["rome_fiches"] == "unchanged"
    assert loaded.query("SELECT code_ogr FROM rome_savoirs") == [("30001",)]


def test_esco_current_view_keeps_each_language(root, loaded):
    newer = root / "esco" / "v10.0.0_fr"
    newer.mkdir()
    (newer / "skills_fr.csv").write_text("conceptUri,preferredLabel,altLabels\n"
                                         "http://data.europa.eu/esco/skill/s1,Python (programmation),python|py\n",
                                         encoding="utf-8")
    referentials.load(root, loaded, only=["esco"])
    rows = loaded.query("SELECT lang, version, alt_labels FROM current_esco_skills WHERE uri LIKE '%/s1' ORDER BY 1")
    assert rows == [("en", "9.9.9", ["Python", "python programming"]), ("fr", "10.0.0", ["python", "py"])]


def test_fresh_load_passes_the_checks(loaded):
    assert not [r for r in _problems(loaded).values() if r.check.severity == "error"]
    assert set(_problems(loaded)) == {"esco-rome-appellations"}    # the fixture's vanished title: a warning


def test_check_catches_a_planted_broken_link(loaded):
    loaded.con.execute("UPDATE rome_appellations SET code_rome = 'Z9999' WHERE code_ogr = '10005'")
    loaded.con.execute("UPDATE rome_fiche_items SET code_ogr = '88888' WHERE code_ogr = '40001'")
    problems = _problems(loaded)
    assert problems["appellations-fiches"].count == 1
    assert problems["appellations-fiches"].examples == ["10005 -> Z9999"]
    assert problems["fiche-items-items"].examples == ["K2111 -> 88888"]


def test_check_catches_a_half_loaded_table(loaded):
    loaded.con.execute("DELETE FROM rome_savoirs WHERE code_ogr = '30002'")
    problems = _problems(loaded)
    assert problems["provenance-rows"].examples == ["rome_savoirs 999: 1 rows, provenance says 2"]
    assert "fiche-items-items" in problems                      # M1811 still links to savoir 30002


def test_check_covers_ads_and_mentions(loaded):
    loaded.con.execute("INSERT INTO ads (ad_id, source, commune, departement) VALUES ('a1', 't', '76540', '76'), "
                       "('a2', 't', '99999', '99')")
    loaded.con.execute("INSERT INTO skill_mentions (ad_id, field, start, \"end\", rome_ogr) VALUES "
                       "('a1', 'description', 0, 4, '30001'), ('gone', 'description', 0, 4, '30001')")
    problems = _problems(loaded)
    assert problems["mentions-ads"].examples == ["gone"]
    assert problems["ads-departements"].examples == ["99"]
    assert problems["ads-communes"].check.severity == "warning"


def test_listing(loaded):
    rows = {(r["table"], r["version"]): r for r in referentials.listing(loaded)}
    assert rows[("rome_appellations", "999")]["rows"] == 5
    assert rows[("geo_communes", "bmo2019-be2021-ze2020-reg2022")]["source"].startswith("INSEE")


def test_a_load_that_fails_midway_leaves_the_previous_content(root, loaded):
    from adequa.errors import InputError

    path = root / "rome" / "unix_coherence_item_v999_utf8.csv"
    path.write_text(path.read_text(encoding="utf-8") + '"K2111","20003","Principale","extra"\n', encoding="utf-8")
    before = loaded.query("SELECT * FROM rome_fiche_items ORDER BY ALL")
    with pytest.raises(InputError) as info:
        referentials.load(root, loaded, only=["rome"])
    assert info.value.line == 9 and info.value.path == str(path)
    assert loaded.query("SELECT * FROM rome_fiche_items ORDER BY ALL") == before
    assert not [r for r in _problems(loaded).values() if r.check.severity == "error"]


def test_a_repeated_record_is_refused(root, loaded):
    from adequa.store.duckdb import WarehouseError

    path = root / "rome" / "unix_coherence_item_v999_utf8.csv"
    path.write_text(path.read_text(encoding="utf-8") + '"K2111","20004",""\n', encoding="utf-8")
    with pytest.raises(WarehouseError, match="share the key"):
        referentials.load(root, loaded, only=["rome"])
    assert loaded.count("rome_fiche_items") == 7
