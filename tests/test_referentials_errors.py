"""Bad referential files give an InputError naming the file, the line and the column."""

import shutil

import pytest

from adequa.errors import InputError
from adequa.sources.referentials import esco, fap, geo, rome

FICHES = "unix_referentiel_code_rome_v999_utf8.csv"


@pytest.fixture()
def rome_copy(fixtures, tmp_path):
    folder = tmp_path / "rome"
    shutil.copytree(fixtures / "referentials" / "rome", folder)
    return folder


def _rewrite(path, transform):
    path.write_bytes(transform(path.read_bytes()))


def _error(fn) -> InputError:
    with pytest.raises(InputError) as info:
        fn()
    return info.value


def test_truncated_csv_names_file_line_and_column(rome_copy):
    path = rome_copy / FICHES
    _rewrite(path, lambda b: b[: b.rindex(b'","') + 1])      # cut inside the last row, after a closing quote
    err = _error(lambda: list(rome.fiches(rome.locate(rome_copy))))
    assert err.path == str(path) and err.line == 4
    assert err.field == "code_rome_parent"
    assert "truncated" in str(err) and FICHES in str(err) and "line 4" in str(err)


def test_truncated_inside_a_quoted_field(rome_copy):
    path = rome_copy / FICHES
    _rewrite(path, lambda b: b.rstrip(b'\n')[:-3])           # the last field loses its closing quote
    err = _error(lambda: list(rome.fiches(rome.locate(rome_copy))))
    assert err.path == str(path) and err.line == 4 and err.field
    assert "truncated" in err.message or "quote" in err.message


def test_wrong_delimiter(rome_copy):
    path = rome_copy / FICHES
    _rewrite(path, lambda b: b.replace(b'","', b'";"'))
    err = _error(lambda: list(rome.fiches(rome.locate(rome_copy))))
    assert err.line == 1 and err.field == "code_rome" and "wrong delimiter" in err.message
    assert "';'" in err.message


def test_wrong_encoding(rome_copy):
    path = rome_copy / FICHES
    _rewrite(path, lambda b: b.decode("utf-8").encode("cp1252"))
    err = _error(lambda: list(rome.fiches(rome.locate(rome_copy))))
    assert err.path == str(path) and err.line == 2                # "Ingénieur" on the first data row
    assert "utf-8" in err.message.lower()


def test_missing_column(rome_copy):
    path = rome_copy / "unix_referentiel_appellation_v999_utf8.csv"
    _rewrite(path, lambda b: b.replace(b'"libelle_appellation_court"', b'"libelle_court"'))
    err = _error(lambda: list(rome.appellations(rome.locate(rome_copy))))
    assert err.path == str(path) and err.line == 1 and err.field == "libelle_appellation_court"


def test_extra_field_in_a_row(rome_copy):
    path = rome_copy / FICHES
    _rewrite(path, lambda b: b.replace(b'"K2111"\n', b'"K2111","x"\n'))
    err = _error(lambda: list(rome.fiches(rome.locate(rome_copy))))
    assert err.line == 4 and "fields where the header has" in err.message


def test_bad_fap_code_is_named(fixtures, tmp_path):
    folder = tmp_path / "fap"
    shutil.copytree(fixtures / "referentials" / "fap", folder)
    path = folder / "dares_table_passage_rome_fap2021.csv"
    _rewrite(path, lambda b: b.replace(b"M2X90,M2X90", b"m2x90,M2X90"))
    err = _error(lambda: fap.passage_index(folder))
    assert err.path == str(path) and err.line == 4 and err.field == "code_fap2021_detaille"


def test_bad_rome_code_in_fap2009_table(fixtures, tmp_path):
    folder = tmp_path / "fap"
    shutil.copytree(fixtures / "referentials" / "fap", folder)
    path = folder / "table-correspondance-fap2009-pcs-romev3.csv"
    _rewrite(path, lambda b: b.replace(b"423a;K2111", b"423a;K21"))
    err = _error(lambda: list(fap.fap2009_pcs_rome3(folder)))
    assert err.line == 12 and "ROME v3" in err.field


def test_bad_commune_code(fixtures, tmp_path):
    folder = tmp_path / "geo"
    shutil.copytree(fixtures / "referentials" / "geo", folder)
    path = folder / "Bassin_Emploi_2021.csv"
    _rewrite(path, lambda b: b.replace(b"76351", b"7635X"))
    err = _error(lambda: list(geo.communes(folder)))
    assert err.path == str(path) and err.line == 5 and err.field == "codgeo"


def test_malformed_geojson(fixtures, tmp_path):
    folder = tmp_path / "geo"
    shutil.copytree(fixtures / "referentials" / "geo", folder)
    path = folder / "france-geojson" / "regions-version-simplifiee.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    err = _error(lambda: list(geo.shapes(folder)))
    assert err.path == str(path) and err.line == 1


def test_esco_missing_column_and_mapping_header(fixtures, tmp_path):
    folder = tmp_path / "esco"
    shutil.copytree(fixtures / "referentials" / "esco", folder)
    path = folder / "v9.9.9_en" / "skills_en.csv"
    _rewrite(path, lambda b: b.replace(b'"preferredLabel"', b'"label"'))
    err = _error(lambda: list(esco.skills(esco.locate_versions(folder)[0], "en")))
    assert err.field == "preferredLabel" and err.line == 1
    bad = tmp_path / "mapping_esco_rome.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    err = _error(lambda: esco.rome_mapping(bad))
    assert err.path == str(bad)
