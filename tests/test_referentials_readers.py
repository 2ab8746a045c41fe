"""Referential readers on small hand-written fixtures (tests/fixtures/referentials)."""

import shutil
import zipfile

import pytest

from adequa.sources.referentials import esco, fap, geo, rome


@pytest.fixture()
def ref(fixtures):
    return fixtures / "referentials"


def test_rome_version_read_from_the_file_names(ref):
    export = rome.locate(ref / "rome")
    assert export.version == "999"
    assert export.release == "9.99"
    assert export.release_note() == {"number": "99", "published": "2030-02-01"}


def test_rome_tables(ref):
    export = rome.locate(ref / "rome")
    fiches = {f["code_rome"]: f for f in rome.fiches(export)}
    assert set(fiches) == {"M1811", "M1805", "K2111"}
    assert fiches["M1811"]["code_rome_parent"] == "M1805"
    apps = list(rome.appellations(export))
    assert len(apps) == 5
    by_code = {a["code_ogr"]: a for a in apps}
    assert by_code["10001"]["cadre"] is True and by_code["10003"]["cadre"] is False and by_code["10004"]["cadre"] is None
    assert by_code["10004"]["rarely_used"] and by_code["10001"]["principal"]
    comps = {c["code_ogr"]: c for c in rome.competences(export)}
    assert comps["20001"]["nature"] == "Macro-compétence" and comps["20001"]["macro_code"] == "4A101"
    assert comps["20002"]["macro_ogr"] == "20001"
    items = list(rome.fiche_items(export))
    assert sum(i["core"] for i in items) == 3
    assert {i["coeur_metier"] for i in items} == {"Principale", "Émergente", None}
    tree = {h["code_rome"]: h for h in rome.hierarchy(export)}
    assert tree["K2111"]["domaine"] == "K21"


def test_rome_v3_codes(ref):
    path, version = rome.locate_v3(ref / "rome")
    assert version == "346"
    assert [r["code_rome"] for r in rome.v3_codes(path)] == ["M1805", "K2111"]


def test_rome_v3_xml(tmp_path):
    path = tmp_path / "unix_referentiel_code_rome_v346_utf8.xml"
    path.write_text("<ogr><item_referentiel_code_rome><code_ogr>7</code_ogr><code_rome>A1201</code_rome>"
                    "<libelle>Bûcheronnage</libelle></item_referentiel_code_rome></ogr>", encoding="utf-8")
    assert list(rome.v3_codes(path)) == [{"code_rome": "A1201", "code_ogr": "7", "label": "Bûcheronnage"}]


def test_several_rome_versions_in_one_folder_are_refused(ref, tmp_path):
    for p in (ref / "rome").glob("*.csv"):
        (tmp_path / p.name).write_bytes(p.read_bytes())
    (tmp_path / "unix_referentiel_savoir_v461_utf8.csv").write_bytes((ref / "rome" / "unix_referentiel_savoir_v999_utf8.csv").read_bytes())
    with pytest.raises(Exception, match="several ROME versions"):
        rome.locate(tmp_path)


def test_fap2021_nomenclature_has_the_four_levels(ref):
    rows = list(fap.nomenclature(ref / "fap"))
    levels = {(r["level"], r["code"]): r for r in rows}
    assert levels[(1, "M")]["parent"] is None
    assert levels[(2, "M2X")]["parent"] == "M"
    assert levels[(4, "M2X90")]["parent"] == "M2X90"          # not split: same code at levels 3 and 4
    assert levels[(4, "W0X80a")]["parent"] == "W0X80"
    assert sorted({r["level"] for r in rows}) == [1, 2, 3, 4]


def test_fap2009_table_fills_blank_cells_down_and_skips_headings_and_notes(ref):
    rows = list(fap.fap2009_pcs_rome3(ref / "fap"))
    assert [(r["fap2009"], r["pcs"], r["rome_v3"]) for r in rows] == [
        ("M1Z80", "478a", "M1805"), ("M1Z80", "478b", None), ("M2Z90", "388a", "M1805"), ("W0Z80", "423a", "K2111")]
    labels = {r["code"]: r for r in fap.fap2009_labels(ref / "fap")}
    assert labels["M2Z"]["label"] == "Ingénieurs de l'informatique"      # the footnote star is dropped
    assert labels["M2Z90"]["parent"] == "M2Z"


def test_rome_to_fap_goes_through_the_v3_parent(ref):
    mapping = fap.rome_to_fap(ref / "rome", ref / "fap")
    assert mapping["M1811"] == {"fap2021": "M1X80", "fap2009": "M1Z80", "method": "via-rome-v3-parent", "rome_v3": "M1805"}
    assert mapping["K2111"]["method"] == "dares-table" and mapping["K2111"]["fap2021"] == "W0X80a"


def test_rome_to_fap_picks_the_most_general_row_or_the_qualification(ref):
    # M1805's first row covers qualifications 7-8, the second 0-6: the wider one wins.
    rows = fap.passage_index(ref / "fap")["M1805"]
    assert fap.choose(rows)["qualification"] == "0123456"
    assert fap.choose(rows, "9")["fap2021"] == "M2X90"
    cadres = fap.rome_to_fap(rome.locate(ref / "rome"), ref / "fap", qualification="9")
    assert cadres["M1811"]["fap2021"] == "M2X90"


def test_crosswalk_rows_carry_shares(ref):
    export = rome.locate(ref / "rome")
    rows = [r for r in fap.crosswalk(list(rome.fiches(export)), fap.passage_index(ref / "fap"), {})
            if r["code_rome"] == "M1811"]
    assert {r["fap2021"]: round(r["share"], 3) for r in rows} == {"M1X80": 0.667, "M2X90": 0.333}
    assert [r["fap2021"] for r in rows if r["primary"]] == ["M1X80"]


def test_geo_communes_merge_files_and_pad_codes(ref):
    files = geo.locate(ref / "geo")
    assert files.version == "bmo2019-be2021-ze2020-reg2022"
    communes = {c["commune"]: c for c in geo.communes(files)}
    assert set(communes) == {"76540", "14118", "01001", "76351"}
    assert communes["01001"]["bassin"] == "8437" and communes["01001"]["departement"] == "01"   # 2021 file: '1001'
    havre = communes["76351"]                                   # only in the 2021 bassins and the zones files
    assert havre["label"] == "Le Havre" and havre["departement"] == "76" and havre["region"] == "28"
    assert communes["76540"]["zone_emploi"] == "2815" and communes["76540"]["postal_codes"] is None


def test_geo_departements_regions_bassins(ref):
    files = geo.locate(ref / "geo")
    deps = {d["code"]: d for d in geo.departements(files)}
    assert deps["76"] == {"code": "76", "label": "Seine-Maritime", "region": "28"}
    assert deps["01"]["region"] == "84"
    assert {r["code"]: r["label"] for r in geo.regions(files)} == {"28": "Normandie", "84": "Auvergne-Rhône-Alpes"}
    bassins = {b["code"]: b for b in geo.bassins(files)}
    assert bassins["2806"]["departement"] == "76"


def test_geo_shapes_read_features_and_single_feature_files(ref):
    shapes = list(geo.shapes(ref / "geo"))
    assert {(s["level"], s["code"]) for s in shapes} == {("departement", "76"), ("departement", "14"),
                                                          ("departement", "01"), ("region", "28")}
    assert sum(1 for s in shapes if s["code"] == "76") == 2      # national and regional files
    assert shapes[0]["geojson"].startswith('{"type":"Feature"')


@pytest.mark.parametrize("postal, dep", [("76000", "76"), ("14000", "14"), ("01000", "01"), ("1000", "01"),
                                         ("20000", "2A"), ("20199", "2A"), ("20200", "2B"), ("97400", "974"),
                                         ("97100", "971"), ("98000", None), ("", None), ("7600", "07"),
                                         ("ABCDE", None)])
def test_departement_from_postal_code(postal, dep):
    assert geo.departement_from_postal_code(postal) == dep


def test_esco_folder_reader_and_versions(ref):
    versions = esco.locate_versions(ref / "esco")
    assert [v.version for v in versions] == ["9.9.9"]
    files = versions[0]
    assert files.languages("skills") == ["en"] and files.languages("occupations") == ["en", "fr"]
    skills = {s["uri"].rsplit("/", 1)[1]: s for s in esco.skills(files, "en")}
    assert skills["s1"]["alt_labels"] == ["Python", "python programming"]
    assert skills["s2"]["alt_labels"] == [] and skills["s3"]["skill_type"] == "skill/competence"
    occ = list(esco.occupations(files, "fr"))
    assert occ[0]["label"].startswith("ingénieur de données")
    assert len(list(esco.occupation_skills(files))) == 3


def test_esco_zip_reader(ref, tmp_path):
    folder = tmp_path / "v9.9.9_en"
    folder.mkdir()
    with zipfile.ZipFile(folder / "ESCO dataset - v9.9.9 - classification - en - csv.zip", "w") as zf:
        for p in (ref / "esco" / "v9.9.9_en").glob("*.csv"):
            zf.write(p, p.name)
    files = esco.locate_versions(tmp_path)[0]
    assert files.version == "9.9.9"
    assert [s["label"] for s in esco.skills(files, "en")][0] == "Python (computer programming)"


def test_esco_pipe_separated_alt_labels():
    assert esco._alt_labels("a|b | c") == ["a", "b", "c"]
    assert esco._alt_labels("a|b\nc") == ["a|b", "c"]


def test_esco_rome_mapping(ref):
    meta, rows = esco.rome_mapping(ref / "crosswalks" / "FR_20300101_mapping_esco_rome.csv")
    rows = list(rows)
    assert meta["version"] == "V9.9+20300101" and meta["esco_version"] == "9.9.9"
    assert rows[0] == {"esco_uri": "http://data.europa.eu/esco/occupation/o1", "esco_label": "ingénieur de données",
                       "rome_ogr": "10002", "rome_label": "Ingénieur pipelines de données", "relation": "exactMatch"}


def test_official_dares_workbook_is_read_by_content(ref, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Table de passage ROME - FAP 2021"])
    ws.append([])
    ws.append(["Code ROME", "Intitulé ROME", "Qualification", "FAP 228", "FAP 341"])
    ws.append(["M1805", "Études et développement informatique", "7, 8", "M1X80", "M1X80"])
    ws.append(["M1805", "Études et développement informatique", "9", "M2X90", "M2X90"])
    ws.append(["K2111", "Formation professionnelle", None, "W0X80", "W0X80a"])
    folder = tmp_path / "fap"
    shutil.copytree(ref / "fap", folder)
    wb.save(folder / "Dares_FAP2021_Table_passage_ROME.xlsx")
    files = fap.locate(folder)
    assert files.passage.suffix == ".xlsx"                      # the official workbook wins over the CSV
    rows = list(fap.passage_rows(files))
    assert [(r["rome_v3"], r["fap2021"], r["qualification"]) for r in rows] == [
        ("M1805", "M1X80", "78"), ("M1805", "M2X90", "9"), ("K2111", "W0X80a", "")]
    assert rows[0]["line"] == 4
    assert fap.rome_to_fap(ref / "rome", files)["K2111"]["fap2021"] == "W0X80a"
