"""The indicators' facts built by DuckDB (``adequa.indicators.facts.build``) and by Spark SQL
(``spark_run._facts``) from the same ads, occupations and skill mentions: every row of every facts
table equal, and every indicator equal on periods (quarters, months) as well as on all data.

The facts SQL is declared once (``facts.ad_cells_sql``, ``facts.fact_queries``) and run by both
engines (through ``spark_run.spark_sql`` on Spark); this test checks that they read it alike. The
warehouse is generated here (no real data) with the cases where the dialects can disagree: dates on quarter and
month edges and missing, contract types in every class (quotes in the SQL), durable unknown,
duplicates, ads without occupation, one skill under several labels and kinds, ESCO-only and
label-only skills, unlisted mentions.
"""

import random
import shutil
from datetime import date, timedelta

import duckdb
import pytest

pytestmark = pytest.mark.spark
pytest.importorskip("pyspark", reason="pyspark not installed: pip install 'adequa[spark]'")
if shutil.which("java") is None:
    pytest.skip("Java not found (Spark needs Java 17)", allow_module_level=True)

from adequa.indicators import facts  # noqa: E402
from adequa.pipeline.spark_run import compare_warehouses, import_to_warehouse  # noqa: E402
from adequa.store.duckdb import Warehouse  # noqa: E402
from adequa.store.parquet import export_warehouse  # noqa: E402

PLACES = [("76", "28", "2801"), ("14", "28", "2802"), ("75", "11", "1101"), ("69", "84", "8401"), (None, None, None)]
ROMES = ["M1811", "M1405", "M1805", "D1106", "J1501", None]
CONTRACTS = [("CDI", None, None), ("MIS", 1.0, None), ("interim", None, None), ("Intérim", 2.0, None),
             ("CDD", 0.5, None), ("CDD", 1.0, None), ("CDD", 6.0, None), ("CDD", 7.0, True), ("cdd", None, True),
             ("CDD", None, False), ("CDD", None, None), ("ALT", 24.0, None), ("stage", 6.0, None), ("LIB", None, None),
             (None, None, None)]
# (rome_ogr, esco_uri, label variants, kinds): one skill, several spellings and kinds across mentions.
SKILLS = [("100001", None, ["Python", "python", "PYTHON"], ["savoir-faire", "savoir"]),
          ("100002", None, ["SQL"], ["savoir"]),
          ("100003", "http://data.europa.eu/esco/skill/x3", ["Travail en équipe", "travail en equipe"], ["savoir-être"]),
          (None, "http://data.europa.eu/esco/skill/e1", ["apprentissage automatique", "Apprentissage automatique"],
           ["savoir-faire"]),
          (None, None, ["Permis B", "permis b"], ["savoir"]),
          ("100004", None, ["Anglais"], ["langue", "savoir"])]


def _day(rng: random.Random):
    edges = [date(2024, 1, 1), date(2024, 3, 31), date(2024, 4, 1), date(2024, 2, 29), date(2024, 6, 30),
             date(2024, 12, 31), date(2023, 12, 31), None]
    return rng.choice(edges) if rng.random() < 0.3 else date(2023, 10, 1) + timedelta(days=rng.randrange(470))


def _generated_warehouse(db, n: int = 600, seed: int = 7) -> None:
    rng = random.Random(seed)
    ads, occ, mentions = [], [], []
    for i in range(n):
        ad_id = f"ad{i:04d}"
        dep, reg, bassin = rng.choice(PLACES)
        ctype, months, durable = rng.choice(CONTRACTS)
        dup = None if i < 20 or rng.random() < 0.8 else rng.choice([ad_id, f"ad{rng.randrange(i):04d}"])
        ads.append((ad_id, "france-travail", f"T{i}", f"Titre {i}", "texte", _day(rng), ctype, months, durable,
                    dep, reg, bassin, rng.choice(ROMES), dup))
        if rng.random() < 0.85:
            occ.append((ad_id, rng.choice(ROMES[:-1] + [None]), f"v{seed}"))
        start = 0
        for _ in range(rng.randrange(0, 6)):
            ogr, uri, labels, kinds = rng.choice(SKILLS)
            unlisted = rng.choice([False, False, False, None, True])
            mentions.append((ad_id, "description", start, start + 5, "x", ogr, uri, rng.choice(labels),
                             rng.choice(kinds), unlisted))
            start += 10
    with Warehouse(db) as wh:
        con = wh.con
        con.executemany("INSERT INTO ads (ad_id, source, source_id, title, description, created_at, contract_type, "
                        "contract_months, durable, departement, region, bassin, source_rome, duplicate_cluster) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ads)
        con.executemany("INSERT INTO ad_occupations (ad_id, rome, taxonomy_version) VALUES (?, ?, ?)", occ)
        con.executemany('INSERT INTO skill_mentions (ad_id, field, start, "end", text, rome_ogr, esco_uri, label, '
                        "kind, unlisted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", mentions)


# Literals spelt differently by the two dialects (spark_run.spark_sql translates them), read by both.
LITERALS = ("SELECT 'moins d''un mois' AS a, '' AS b, 'C:\\temp\\n' AS c, '''quoted''' AS d, \"end\" "
            "FROM (SELECT 'x' AS \"end\") t")
LITERALS_READ: dict = {}


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """(DuckDB-built warehouse, copy whose facts were built by Spark local[1])."""
    from adequa.pipeline.spark_run import _facts, spark_sql
    from adequa.store.spark import spark_session

    tmp = tmp_path_factory.mktemp("facts")
    duck = tmp / "duck.duckdb"
    _generated_warehouse(duck)
    layout = tmp / "layout"
    export_warehouse(duck, layout, ["ads", "ad_occupations", "skill_mentions"])
    con = duckdb.connect(str(duck))
    facts.build(con)
    con.close()
    spark = spark_session("local[1]", conf={"spark.sql.shuffle.partitions": "2"})
    for name in ("ads", "ad_occupations", "skill_mentions"):
        spark.read.parquet(str(layout / name)).createOrReplaceTempView(name)
    for name, df in _facts(spark, True).items():
        df.write.mode("overwrite").parquet(str(layout / name))
    con = duckdb.connect()
    LITERALS_READ.update(duckdb=con.execute(LITERALS).fetchall(),
                         spark=[tuple(r) for r in spark.sql(spark_sql(LITERALS)).collect()])
    con.close()
    spark.stop()
    copy = tmp / "spark.duckdb"
    shutil.copy(duck, copy)
    import_to_warehouse(layout, copy)
    return duck, copy


def _rows(db, table):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
    finally:
        con.close()


@pytest.mark.parametrize("table", ["offer_facts", "skill_facts"])
def test_every_facts_row_equal(both, table):
    duck, spark = both
    rows = _rows(duck, table)
    assert len(rows) > 50
    assert _rows(spark, table) == rows


def test_literals_read_alike(both):
    assert LITERALS_READ["spark"] == LITERALS_READ["duckdb"] == [
        ("moins d'un mois", "", "C:\\temp\\n", "'quoted'", "x")]


def test_facts_cover_the_edge_cases(both):
    """The generated data really exercise quarters, every contract class and label variants."""
    duck, _ = both
    con = duckdb.connect(str(duck), read_only=True)
    quarters = {r[0] for r in con.execute("SELECT DISTINCT quarter FROM skill_facts").fetchall()}
    classes = {r[0] for r in con.execute("SELECT DISTINCT contract_class FROM offer_facts").fetchall()}
    labels = {r[0] for r in con.execute("SELECT DISTINCT label FROM skill_mentions WHERE rome_ogr = '100001'").fetchall()}
    kept = {r[0] for r in con.execute("SELECT DISTINCT label FROM skill_facts WHERE rome_ogr = '100001'").fetchall()}
    con.close()
    assert {date(2024, 1, 1), date(2024, 4, 1), date(2023, 10, 1), None} <= quarters
    assert classes == {"intérim", "plus de 6 mois", "autre", "de 1 à 6 mois", "moins d'un mois"}
    assert labels == {"Python", "python", "PYTHON"} and "PYTHON" in kept     # min() of the variants


def test_rollups_equal(both):
    """The coarser rollups the dashboard reads: built by ``facts.build`` on one side, by
    ``import_to_warehouse`` (``facts.build_rollups``) from the Spark facts on the other."""
    duck, spark = both
    tables = getattr(facts, "ROLLUP_TABLES", ())
    if not tables:
        pytest.skip("no facts rollups in this version of adequa.indicators.facts")
    for table in tables:
        assert _rows(spark, table) == _rows(duck, table), table


def test_every_indicator_equal_on_periods(both):
    duck, spark = both
    report = compare_warehouses(duck, spark, territories=("france", "region:28", "departement:76"),
                                groups=("all",), periods=(None, "2024", "2024Q1", "2024Q2"))
    assert report["compared"] >= 20
    assert report["differences"] == []


def test_every_indicator_equal_on_a_month(both):
    duck, spark = both
    report = compare_warehouses(duck, spark, territories=("france", "region:28"), groups=("all",),
                                periods=("2024-03",))
    assert report["compared"] >= 10
    assert report["differences"] == []
