"""The facts SQL is declared once (``adequa.indicators.facts``) and run by DuckDB and by Spark SQL;
``spark_run.spark_sql`` translates the few lexical differences. These tests need neither Spark nor
Java (the Spark side of the same literals is checked in tests/test_spark_facts.py)."""

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adequa.indicators import facts
from adequa.pipeline.spark_run import spark_sql


@pytest.mark.parametrize("duck, spark", [
    ("SELECT 'moins d''un mois'", "SELECT 'moins d\\'un mois'"),
    ("nullif(x, '')", "nullif(x, '')"),                       # an empty literal stays empty
    ("SELECT 'a''''b'", "SELECT 'a\\'\\'b'"),
    ("SELECT 'C:\\temp'", "SELECT 'C:\\\\temp'"),              # Spark reads backslashes as escapes
    ('SELECT "end" FROM t', "SELECT `end` FROM t"),          # Spark reads "end" as a string
    ('SELECT "a`b"', "SELECT `a``b`"),
    ("SELECT 1 -- it's a comment\nFROM t", "SELECT 1 -- it's a comment\nFROM t"),
    ("SELECT 'x' || '--y' AS z", "SELECT 'x' || '--y' AS z"),
])
def test_spark_sql_translates_literals_only(duck, spark):
    assert spark_sql(duck) == spark


@pytest.mark.parametrize("bad", ["SELECT 'open", 'SELECT "open', "SELECT 'a''"])
def test_spark_sql_refuses_unterminated(bad):
    with pytest.raises(ValueError, match="unterminated"):
        spark_sql(bad)


def _spark_unquote(lit: str) -> str:
    """The value Spark SQL gives a single-quoted literal holding only \\' and \\\\ escapes."""
    assert lit[0] == lit[-1] == "'"
    out, i, body = [], 0, lit[1:-1]
    while i < len(body):
        if body[i] == "\\":
            out.append(body[i + 1])
            i += 2
        else:
            assert body[i] != "'"
            out.append(body[i])
            i += 1
    return "".join(out)


@given(st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40))
def test_spark_literal_has_duckdb_value(text):
    """Whatever the text, the translated literal means what DuckDB reads in the original."""
    lit = "'" + text.replace("'", "''") + "'"
    con = duckdb.connect()
    assert con.execute(f"SELECT {lit}").fetchone()[0] == text
    con.close()
    assert _spark_unquote(spark_sql(lit)) == text


def test_facts_sql_declared_once_in_the_common_subset():
    """Both engines run these very strings; DuckDB-only syntax would break Spark (or, worse, mean
    something else there), so it is kept out of them."""
    texts = [facts.ad_cells_sql(True), facts.ad_cells_sql(False), *facts.fact_queries(True).values()]
    assert set(facts.fact_queries(True)) == set(facts.FACT_TABLES)
    assert set(facts.fact_queries(False)) == {"offer_facts"}
    for sql in texts:
        upper = " ".join(sql.upper().split())
        for dialect_only in ("::", "GROUP BY ALL", "ANY_VALUE", "QUALIFY", '"', " FILTER ("):
            assert dialect_only not in upper, (dialect_only, sql)
    assert "ad_occupations" in facts.ad_cells_sql(True) and "ad_occupations" not in facts.ad_cells_sql(False)


def test_duckdb_build_runs_the_declared_queries(tmp_path):
    """``facts.build`` fills each table with exactly the declared SELECT (no second text to drift)."""
    from adequa.store.duckdb import Warehouse

    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        con = wh.con
        con.execute("INSERT INTO ads (ad_id, source, source_id, title, description, created_at, contract_type, "
                    "contract_months, region, departement, bassin, source_rome) VALUES "
                    "('a1', 's', '1', 't', 'd', DATE '2024-02-29', 'CDD', 0.5, '28', '76', '2801', 'M1811'), "
                    "('a2', 's', '2', 't', 'd', DATE '2024-04-01', 'MIS', NULL, '28', '14', NULL, NULL), "
                    "('a3', 's', '3', 't', 'd', NULL, 'CDI', NULL, NULL, NULL, NULL, 'M1805')")
        con.execute("INSERT INTO skill_mentions (ad_id, field, start, \"end\", text, rome_ogr, label, kind) VALUES "
                    "('a1', 'description', 0, 3, 'SQL', '100002', 'SQL', 'savoir'), "
                    "('a1', 'description', 5, 8, 'sql', '100002', 'sql', 'savoir-faire')")
        facts.build(con)
        con.execute(f"CREATE TEMP TABLE _ad_cells AS {facts.ad_cells_sql(True)}")
        for table, sql in facts.fact_queries(True).items():
            got = sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            assert got == sorted(con.execute(sql).fetchall(), key=repr)
            assert got, table
        classes = dict(con.execute("SELECT rome, contract_class FROM offer_facts").fetchall())
        assert classes == {"M1811": "moins d'un mois", None: "intérim", "M1805": "plus de 6 mois"}
        assert con.execute("SELECT label, kind, ads FROM skill_facts").fetchall() == [("SQL", "savoir", 1)]
