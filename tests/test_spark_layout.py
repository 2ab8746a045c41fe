"""The shared Parquet layout, written and read by DuckDB (no Spark needed), and the Spark CLI's edges."""

import json
import subprocess
import sys

import pytest

from adequa.errors import InputError
from adequa.pipeline.ingest import ingest_offers
from adequa.store.parquet import (LayoutError, export_warehouse, import_layout, month_of, source_slug, tables_in)
from adequa.store.spark import check_master
from tests.support import sorted_rows

ADS_COLS = "ad_id, source, title, created_at, region, departement, contract_type, duplicate_cluster, source_skills"


@pytest.fixture()
def warehouse(tmp_path, fixtures):
    db = tmp_path / "duck.duckdb"
    ingest_offers([fixtures / "spark" / "offers_a.jsonl", fixtures / "spark" / "offers_b.jsonl"], db=db,
                  progress=False, workers=1)
    return db


def test_partition_values():
    assert source_slug("csv:Board Export") == "csv_board_export"
    assert source_slug(None) == "unknown"
    assert month_of("2024-03-05") == "2024-03"
    assert month_of(None) == "unknown"


def test_export_partitions_by_source_and_month(warehouse, tmp_path):
    root = tmp_path / "layout"
    counts = export_warehouse(warehouse, root)
    n_ads = sorted_rows(warehouse, "SELECT count(*) FROM ads")[0][0]
    assert counts["ads"] == n_ads
    months = sorted(p.name for p in (root / "ads" / "p_source=france-travail").iterdir())
    expected = sorted({f"p_month={m}" for (m,) in sorted_rows(warehouse, "SELECT strftime(created_at, '%Y-%m') FROM ads")})
    assert months == expected
    assert "ads" in tables_in(root) and "rejects" in tables_in(root)
    manifest = json.loads((root / "_layout.json").read_text())
    assert manifest["engine"] == "duckdb" and manifest["tables"]["ads"] == n_ads


def test_round_trip_and_reimport_does_not_duplicate(warehouse, tmp_path):
    root = tmp_path / "layout"
    export_warehouse(warehouse, root)
    copy = tmp_path / "copy.duckdb"
    first = import_layout(root, copy)
    second = import_layout(root, copy)
    assert first == second
    assert sorted_rows(copy, f"SELECT {ADS_COLS} FROM ads") == sorted_rows(warehouse, f"SELECT {ADS_COLS} FROM ads")
    assert sorted_rows(copy, "SELECT line, field FROM rejects") == sorted_rows(warehouse, "SELECT line, field FROM rejects")
    # Exporting again replaces the table folder instead of adding files to it.
    export_warehouse(warehouse, root)
    assert import_layout(root, copy)["ads"] == first["ads"]


def test_foreign_or_missing_layout_is_refused(tmp_path, warehouse):
    with pytest.raises(LayoutError, match="no Parquet layout"):
        import_layout(tmp_path / "nowhere", tmp_path / "x.duckdb")
    root = tmp_path / "layout"
    export_warehouse(warehouse, root)
    (root / "_layout.json").write_text(json.dumps({"layout_version": 99}))
    with pytest.raises(LayoutError, match="layout version 99"):
        import_layout(root, tmp_path / "x.duckdb")


@pytest.mark.parametrize("master", ["local", "local[2]", "local[*]", "spark://node-1:7077", "yarn",
                                    "k8s://https://k8s.example:443"])
def test_masters_accepted(master):
    assert check_master(master) == master


@pytest.mark.parametrize("master", ["", "local[two]", "http://x", "spark:/x"])
def test_bad_master_names_the_option(master):
    with pytest.raises(InputError, match="--master"):
        check_master(master)


def test_without_pyspark_the_cli_says_how_to_install(fixtures):
    code = ("import sys; sys.modules['pyspark'] = None; from adequa.cli import main; "
            f"sys.argv = ['adequa', 'spark', 'run', {str(fixtures / 'spark' / 'offers_a.jsonl')!r}]; main()")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "pip install 'adequa[spark]'" in proc.stderr
