"""The Spark engine (local mode) against the DuckDB engine on the same input: same tables, same indicators."""

import shutil
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.spark
pytest.importorskip("pyspark", reason="pyspark not installed: pip install 'adequa[spark]'")
if shutil.which("java") is None:
    pytest.skip("Java not found (Spark needs Java 17)", allow_module_level=True)

from adequa.config import Settings  # noqa: E402
from adequa.indicators import facts  # noqa: E402
from adequa.pipeline import spark_run  # noqa: E402
from adequa.pipeline.ingest import ingest_offers  # noqa: E402
from adequa.pipeline.spark_run import compare_warehouses, import_to_warehouse, spark_pipeline  # noqa: E402
from tests.support import local_spark, sorted_rows  # noqa: E402

ADS = ("SELECT ad_id, source, title, description, created_at, region, departement, contract_type, contract_months, "
       "salary_min, content_hash, duplicate_cluster, source_skills, origin_file, origin_line FROM ads")


@pytest.fixture(scope="module")
def spark():
    yield from local_spark(2)          # shuffle partitions


@pytest.fixture(scope="module")
def engines(spark, tmp_path_factory, ):
    """The fixture dumps through both engines (ingestion and facts; no referentials needed)."""
    from tests.conftest import FIXTURES

    tmp = tmp_path_factory.mktemp("engines")
    # France Travail JSON Lines (read in blocks of lines) and a generic CSV (records decoded by the
    # readers, a quoted field over two lines, a repeated id, a record without title)
    files = [FIXTURES / "spark" / "offers_a.jsonl", FIXTURES / "spark" / "offers_b.jsonl",
             FIXTURES / "spark" / "board.csv"]
    settings = Settings(db=tmp / "spark.duckdb", mirror=None, data_dir=tmp / "no-data", cache_dir=tmp / "cache")
    duck = tmp / "duck.duckdb"
    ingest_offers(files, db=duck, settings=settings, progress=False, workers=1)
    con = duckdb.connect(str(duck))
    facts.build(con)
    con.close()
    layout = tmp / "layout"
    sizes = spark_run._SPLIT_BYTES, spark_run._BLOCK_BYTES
    # tasks of a few lines, blocks of fewer: line numbers carried across tasks and blocks
    spark_run._SPLIT_BYTES, spark_run._BLOCK_BYTES = 3000, 700
    try:
        first = spark_pipeline(spark, settings, files, layout, enrich=False)
    finally:
        spark_run._SPLIT_BYTES, spark_run._BLOCK_BYTES = sizes
    import_to_warehouse(layout, settings.db)
    return {"duck": duck, "spark": settings.db, "layout": layout, "files": files, "settings": settings,
            "first": first}


def test_same_ads_rejects_and_duplicates(engines):
    assert sorted_rows(engines["spark"], ADS) == sorted_rows(engines["duck"], ADS)
    rej = "SELECT reject_id, origin_file, line, field, reason FROM rejects"
    assert sorted_rows(engines["spark"], rej) == sorted_rows(engines["duck"], rej)
    got = dict(sorted_rows(engines["spark"], "SELECT source_id, duplicate_cluster FROM ads"))
    ids = dict(sorted_rows(engines["spark"], "SELECT source_id, ad_id FROM ads"))
    assert got["SPK0101"] == got["SPK0002"]                       # same text, another id: one job
    assert got["SPK0101"] in ids.values()                         # represented by one of its ads
    assert len(set(got.values())) < len(got)                      # some ads counted once
    title = sorted_rows(engines["spark"], "SELECT title FROM ads WHERE source_id = 'SPK0003'")
    assert title == [("Développeur full stack (H/F)",)]            # the last record of an id wins
    assert sorted(sorted_rows(engines["spark"], "SELECT line, field FROM rejects")) == [(5, "title"), (27, "intitule")]
    csv = sorted_rows(engines["spark"], "SELECT source_id, title, origin_line FROM ads WHERE source = 'csv:board'")
    assert csv == [("B001", "Ingénieur données (H/F)", 2), ("B002", "Analyste BI senior", 7),
                   ("B004", "Data scientist", 6)]


def test_layout_partitioned_by_source_and_month(engines):
    parts = sorted(p.name for p in (engines["layout"] / "ads" / "p_source=france-travail").iterdir())
    assert parts == ["p_month=2024-01", "p_month=2024-02", "p_month=2024-03", "p_month=2024-04", "p_month=2024-05"]


def test_same_facts_and_indicators(engines):
    cols = "rome, region, departement, bassin, month, contract_class, durable, offers"
    assert sorted_rows(engines["spark"], f"SELECT {cols} FROM offer_facts") == \
        sorted_rows(engines["duck"], f"SELECT {cols} FROM offer_facts")
    report = compare_warehouses(engines["duck"], engines["spark"], territories=("france", "departement:76"),
                                groups=("all",), periods=(None, "2024Q1"))
    assert report["compared"] > 0
    assert report["differences"] == []


def test_rerun_changes_nothing(spark, engines):
    again = spark_pipeline(spark, engines["settings"], engines["files"], engines["layout"], enrich=False)
    assert again["tables"] == engines["first"]["tables"]
    import_to_warehouse(engines["layout"], engines["spark"])
    assert sorted_rows(engines["spark"], ADS) == sorted_rows(engines["duck"], ADS)


def test_unreadable_input_names_the_file(spark, tmp_path, engines):
    from adequa.pipeline.spark_run import SparkRunError

    bad = tmp_path / "broken.jsonl"
    bad.write_text('{"id": "X1", "intitule": "Data analyst"}\n{not json\n', encoding="utf-8")
    with pytest.raises((SparkRunError,)) as info:
        spark_pipeline(spark, engines["settings"], [bad], tmp_path / "layout", enrich=False)
    assert "broken.jsonl" in str(info.value)
