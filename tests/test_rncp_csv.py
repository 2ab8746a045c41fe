"""RNCP CSV export (export-fiches-csv-YYYY-MM-DD.zip): folder or zip, same records as the XML."""

import zipfile

import pytest

from adequa.errors import InputError
from adequa.pipeline.training import ingest_rncp
from adequa.sources.rncp import Rejected, read_fiches
from adequa.store.duckdb import Warehouse


@pytest.fixture()
def folder(fixtures):
    return fixtures / "training" / "csv_export"


@pytest.fixture()
def zipped(folder, tmp_path):
    z = tmp_path / "export-fiches-csv-2025-02-01.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for p in folder.iterdir():
            zf.write(p, p.name)
    return z


def test_csv_export_folder(folder):
    recs = list(read_fiches(folder))
    fiches = {r["numero"]: r for r in recs if isinstance(r, dict)}
    assert set(fiches) == {"RNCP90001", "RNCP90006"}
    f = fiches["RNCP90006"]
    assert f["niveau"] == 7 and f["codes_rome"] == ["M1811", "M1405"] and f["codes_nsf"] == ["326t"]
    assert f["date_decision"] == "2024-07-01" and f["actif"] is True
    assert [b["code"] for b in f["blocs"]] == ["RNCP90006BC01"]
    assert f["certifiers"] == [{"role": "certificateur", "nom": "UNIVERSITE FICTIVE", "siret": "00000000000003",
                                "etat": None}]
    bad = [r for r in recs if isinstance(r, Rejected)]
    assert len(bad) == 1 and bad[0].record == "RNCP90007" and bad[0].field == "Nomenclature_Europe_Niveau"
    assert bad[0].line == 4


def test_csv_zip_reads_like_the_folder(folder, zipped):
    a = sorted(r["content_hash"] for r in read_fiches(folder) if isinstance(r, dict))
    b = sorted(r["content_hash"] for r in read_fiches(zipped) if isinstance(r, dict))
    assert a == b


def test_csv_ingest_is_idempotent_and_dated(zipped, db_path):
    with Warehouse(db_path) as wh:
        ingest_rncp(zipped, wh)
        n = {t: wh.count(t) for t in ("certifications", "certification_blocs", "certification_rome")}
        s = ingest_rncp(zipped, wh)
        assert {t: wh.count(t) for t in n} == n == {"certifications": 2, "certification_blocs": 3,
                                                     "certification_rome": 3}
        assert s.unchanged == 2 and s.rejected == 1
        assert wh.scalar("SELECT source FROM certifications LIMIT 1") == "rncp-csv"
        assert str(wh.scalar("SELECT max(export_date) FROM certifications")) == "2025-02-01"


def test_a_zip_without_the_standard_file_is_refused(tmp_path):
    z = tmp_path / "other.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("notes.csv", "a;b\n1;2\n")
    with pytest.raises(InputError, match="Standard"):
        list(read_fiches(z))


def test_wrong_delimiter_names_the_line(tmp_path, folder):
    d = tmp_path / "exp"
    d.mkdir()
    for p in folder.iterdir():
        (d / p.name).write_bytes(p.read_bytes())
    std = next(d.glob("*Standard*"))
    std.write_text(std.read_text(encoding="utf-8-sig") + "1;RNCP1;x;;;;;;;;;;;;;;;;extra;fields\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        list(read_fiches(d))
    assert err.value.line == 5
