"""BMO reader and loader: the published layout, suppression marks, errors that name the place, re-runs."""

import pytest

from adequa.errors import InputError
from adequa.pipeline.statistics import ingest_statistics
from adequa.sources.bmo import norm_header, parse_count, read_bmo
from adequa.store.duckdb import Warehouse


def test_reads_the_published_layout(fixtures):
    rows = list(read_bmo(fixtures / "stats" / "bmo_2024.csv"))
    assert len(rows) == 9
    first = rows[0]
    assert first["year"] == 2024 and first["metier_code"] == "M2Z90" and first["nomenclature"] == "fap2009"
    assert (first["region"], first["departement"], first["bassin"]) == ("28", "14", "2801")
    assert (first["projects"], first["difficult"], first["seasonal"]) == (130.0, 90.0, 0.0)
    assert first["origin_line"] == 2 and first["bassin_label"] == "Caen"
    hidden = [r for r in rows if r["bassin"] == "2806" and r["metier_code"] == "M2Z90"][0]
    assert hidden["projects"] is None and hidden["difficult"] is None


def test_bad_number_names_file_line_and_column(fixtures):
    path = fixtures / "stats" / "bmo_bad_number.csv"
    with pytest.raises(InputError) as err:
        list(read_bmo(path))
    assert err.value.line == 3 and err.value.field == "met" and "bmo_bad_number.csv" in str(err.value)


def test_missing_bassin_column_is_named(fixtures):
    with pytest.raises(InputError) as err:
        list(read_bmo(fixtures / "stats" / "bmo_no_bassin.csv"))
    assert "BEyy" in str(err.value)


def test_xlsx_with_title_rows_and_fap2021_codes(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "BMO 2025"
    ws.append(["Enquête Besoins en main-d'œuvre 2025"])
    ws.append([])
    ws.append(["annee", "Code métier BMO", "Nom métier BMO", "REG", "NOM_REG", "Dept", "NomDept", "BE25", "NOMBE25",
               "met", "xmet", "smet"])
    ws.append([2025, "M2X90", "Ingénieurs informatique", 28, "Normandie", 14, "Calvados", 2801, "Caen", 140, 70, "*"])
    ws.append([2025, "M1X80", "Techniciens informatique", "28", "Normandie", "76", "Seine-Maritime", "2811", "Rouen",
               "1 020", "510", "0"])
    path = tmp_path / "bmo2025.xlsx"
    wb.save(path)
    rows = list(read_bmo(path))
    assert [r["nomenclature"] for r in rows] == ["fap2021", "fap2021"]
    assert rows[0]["region"] == "28" and rows[0]["bassin"] == "2801" and rows[0]["seasonal"] is None
    assert rows[1]["projects"] == 1020.0 and rows[1]["origin_line"] == 5


def test_ingest_twice_changes_no_counts(fixtures, db_path):
    path = fixtures / "stats" / "bmo_2024.csv"
    first = ingest_statistics("bmo", path, db=db_path)
    second = ingest_statistics("bmo", path, db=db_path)
    forced = ingest_statistics("bmo", path, db=db_path, force=True)
    assert (first.read, first.inserted, first.updated, first.suppressed) == (9, 9, 0, 1)
    # The same bytes again are recognised by their checksum and skipped; forcing upserts in place.
    assert (second.inserted, second.updated, second.details.get("unchanged")) == (0, 0, True)
    assert (forced.inserted, forced.updated) == (0, 9)
    with Warehouse(db_path, read_only=True) as wh:
        assert wh.count("bmo") == 9
        assert wh.scalar("SELECT sum(projects) FROM bmo") == 1320
        assert wh.scalar("SELECT rows FROM provenance WHERE table_name = 'bmo'") == 9


def test_helpers():
    assert norm_header(" Code métier BMO ") == "code_metier_bmo"
    assert parse_count("1 234,5", path="f", line=1, field="x") == 1234.5
    assert parse_count("*", path="f", line=1, field="x") is None
    with pytest.raises(InputError):
        parse_count("-3", path="f", line=4, field="x")
