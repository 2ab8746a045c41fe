"""Both engines on the real offers of the mirror, with enrichment: every declared indicator equal."""

import shutil

import duckdb
import pytest

pytestmark = [pytest.mark.spark, pytest.mark.mirror, pytest.mark.slow]
pytest.importorskip("pyspark", reason="pyspark not installed: pip install 'adequa[spark]'")
if shutil.which("java") is None:
    pytest.skip("Java not found (Spark needs Java 17)", allow_module_level=True)


@pytest.mark.timeout(1500)
def test_every_indicator_equal_on_real_offers(mirror, tmp_path):
    from adequa.config import Settings
    from adequa.indicators import facts
    from adequa.pipeline.enrich import enrich_warehouse
    from adequa.pipeline.ingest import ingest_offers
    from adequa.pipeline.spark_run import compare_warehouses, import_to_warehouse, input_files, spark_pipeline
    from adequa.store.spark import spark_session

    from tests.conftest import REPO

    # The compiled taxonomies are cached under a key of their input files: sharing the repository's
    # cache only saves their build time.
    common = dict(mirror=mirror, data_dir=tmp_path / "no-pull", cache_dir=REPO / ".cache" / "adequa")
    duck = Settings(db=tmp_path / "duck.duckdb", **common)
    spark_settings = Settings(db=tmp_path / "spark.duckdb", **common)
    files = input_files([mirror / "offers"], duck)
    assert files
    ingest_offers(files, db=duck.db, settings=duck, progress=False)
    enrich_warehouse(duck)
    con = duckdb.connect(str(duck.db))
    facts.build(con)
    con.close()

    spark = spark_session("local[2]", conf={"spark.sql.shuffle.partitions": "2"})
    try:
        spark_pipeline(spark, spark_settings, files, tmp_path / "layout")
    finally:
        spark.stop()
    import_to_warehouse(tmp_path / "layout", spark_settings.db)

    for sql in ("SELECT ad_id, duplicate_cluster FROM ads", "SELECT ad_id, rome, fap2021, domain FROM ad_occupations",
                'SELECT ad_id, field, start, "end", rome_ogr, label FROM skill_mentions'):
        got = []
        for db in (duck.db, spark_settings.db):
            con = duckdb.connect(str(db), read_only=True)
            got.append(sorted(con.execute(sql).fetchall(), key=repr))
            con.close()
        assert got[0] == got[1], sql
    report = compare_warehouses(duck.db, spark_settings.db, territories=("france", "region:28", "region:11"),
                                groups=("data-ia", "all"), periods=(None, "2026Q1", "2026-01"))
    assert report["compared"] >= 40
    assert [d[:4] for d in report["differences"]] == []
