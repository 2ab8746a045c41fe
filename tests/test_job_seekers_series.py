"""Job seekers from the publishers' series tables (layout stmt-defm-series-2024): one column per
period, title rows, footnotes, CP1252, secret-statistique marks.

Fixture tests/fixtures/statistics/defm_series_2024T1.csv is written by hand in that layout; the
expected figures below are computed by hand from it.
"""

from datetime import date
from pathlib import Path

import pytest

from adequa.errors import InputError
from adequa.indicators import compute
from adequa.pipeline.statistics import ingest_statistics
from adequa.sources.job_seekers import (LAYOUT, WIDE_LAYOUT, detect_layout, period_header, read_job_seekers,
                                        read_job_seekers_series)
from adequa.store.duckdb import Warehouse

STATS = Path(__file__).parent / "fixtures" / "statistics"
SERIES = STATS / "defm_series_2024T1.csv"


@pytest.mark.parametrize("title,expected", [
    ("T1 2024", "2024Q1"), ("2024T1", "2024Q1"), ("2024-T1", "2024Q1"), ("1er trimestre 2024", "2024Q1"),
    ("4e trimestre 2023", "2023Q4"), ("mars 2024", "2024-03"), ("déc. 2023", "2023-12"), ("03/2024", "2024-03"),
    ("Janv-24", "2024-01"), ("Ensemble", None), ("Code région", None), ("2024", None),
])
def test_period_titles(title, expected):
    got = period_header(title)
    assert (got[0] if got else None) == expected


def test_series_layout_is_read_as_published():
    assert detect_layout(SERIES) == WIDE_LAYOUT
    assert detect_layout(Path(__file__).parent / "fixtures" / "stats" / "defm_2024.csv") == LAYOUT
    rows = list(read_job_seekers(SERIES))
    assert len(rows) == 13 * 2                       # 13 data lines × 2 periods; titles and footnotes skipped
    first = rows[0]
    assert (first["period"], first["period_end"], first["level"], first["territory"]) == \
        ("2019Q1", date(2019, 3, 31), "region", "28")
    assert (first["nomenclature"], first["occupation"], first["category"]) == ("fap2009", "M2Z90", "ABC")
    assert first["layout"] == WIDE_LAYOUT and first["origin_line"] == 5
    by = {(r["period"], r["occupation"], r["sex"], r["age_band"], r["diploma"], r["seniority"]): r["job_seekers"]
          for r in rows}
    t = "total"
    assert by[("2024Q1", "M2Z90", "F", t, t, t)] == 110
    assert by[("2024Q1", "M2Z90", t, "<25", t, t)] is None          # "s": secret statistique
    assert by[("2019Q1", "M2Z90", t, "50+", t, t)] is None          # "nd"
    assert by[("2024Q1", "M2Z90", t, t, "infra", t)] is None        # "-", and "Inférieur au CAP-BEP" is infra
    assert by[("2024Q1", "M2Z90", t, t, "sup", t)] == 569
    assert by[("2024Q1", "M2Z90", t, t, t, "12m+")] == 230
    assert by[("2024Q1", "M1Z80", t, t, t, t)] == 2420               # "2 420"
    assert by[("2024Q1", "total", t, t, t, t)] == 250000             # non-breaking space as thousands separator


def test_xlsx_with_title_rows_and_a_category_column(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Demandeurs d'emploi en fin de mois par métier recherché (ROME)"])
    ws.append([])
    ws.append(["Code département", "Département", "Code ROME", "Métier", "Catégorie", "mars 2024", "juin 2024"])
    ws.append(["14", "Calvados", "M1811 - Data engineer", None, "A", 12, 15])
    ws.append(["14", "Calvados", "M1811 - Data engineer", None, "B", "s", 3])
    ws.append(["14", "Calvados", "M1811 - Data engineer", None, "C", 4, None])
    ws.append(["Source : France Travail - Dares, STMT"])
    path = tmp_path / "defm_rome_dep.xlsx"
    wb.save(path)
    rows = list(read_job_seekers(path))
    assert [(r["period"], r["territory"], r["occupation"], r["category"], r["job_seekers"]) for r in rows] == [
        ("2024-03", "14", "M1811", "A", 12), ("2024-06", "14", "M1811", "A", 15),
        ("2024-03", "14", "M1811", "B", None), ("2024-06", "14", "M1811", "B", 3),
        ("2024-03", "14", "M1811", "C", 4), ("2024-06", "14", "M1811", "C", None)]
    assert {r["level"] for r in rows} == {"departement"} and {r["nomenclature"] for r in rows} == {"rome4"}


def test_bad_cells_name_line_and_column(tmp_path):
    path = tmp_path / "defm.csv"
    path.write_text("Demandeurs d'emploi\nCode région;Sexe;T1 2024\n28;Hommes;10\n28;X;12\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        list(read_job_seekers_series(path))
    assert (err.value.line, err.value.field) == (4, "sexe")
    path.write_text("Code région;Sexe;T1 2024\n28;Hommes;dix\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        list(read_job_seekers_series(path))
    assert (err.value.line, err.value.field) == (2, "t1_2024")
    path.write_text("Demandeurs d'emploi\nNormandie\n", encoding="utf-8")
    with pytest.raises(InputError):
        list(read_job_seekers_series(path))


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("defm") / "w.duckdb"
    with Warehouse(path) as wh:
        first = ingest_statistics("job-seekers", SERIES, warehouse=wh)
        again = ingest_statistics("job-seekers", SERIES, warehouse=wh, force=True)
        assert first.details["layout"] == WIDE_LAYOUT and first.suppressed == 5
        assert (again.inserted, again.updated) == (0, first.inserted)        # re-run: nothing duplicated
    return path


def run(name, db, **kw):
    kw.setdefault("group", "data-ia")
    kw.setdefault("territory", "region:28")
    kw.setdefault("period", "2024Q1")
    kw.setdefault("min_cell_size", 1)
    return compute(name, db=db, **kw)


def test_indicators_from_the_series_table(db):
    assert run("job_seekers_count", db).value == 3000                                 # 580 + 2420
    assert run("job_seekers_share_of_all", db).value == pytest.approx(1.2)            # 3000 / 250000
    assert run("job_seekers_growth", db, compare="2019Q1").value == pytest.approx(38.2)   # 3000 / 2170 − 1
    assert run("job_seekers_women_share", db).value == pytest.approx(19.0)            # 110 / 580 (sex given for M2Z90)
    assert run("job_seekers_long_term_share", db).value == pytest.approx(39.7)        # 230 / 580
    assert run("job_seekers_diploma", db).value == pytest.approx(98.1)                # 569 / (569 + 11)
    ages = run("job_seekers_age_bands", db)
    assert ages.value == "25-49" and {r["age_band"]: r["count"] for r in ages.rows}["50+"] == 160


def test_territories_given_by_name(tmp_path):
    from adequa.pipeline.statistics import territory_names

    path = tmp_path / "defm.csv"
    path.write_text("Territoire;Catégorie;T4 2023;T1 2024\nFrance entière;ABC;5 000 000;5 100 000\n"
                    "Normandie;ABC;250 000;251 000\nCalvados;A;30 000;31 000\n", encoding="utf-8")
    rows = list(read_job_seekers(path, territory_names=territory_names()))
    assert sorted({(r["level"], r["territory"]) for r in rows}) == [("departement", "14"), ("france", "FR"),
                                                                    ("region", "28")]
    path.write_text("Territoire;T1 2024\nAtlantis;12\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        list(read_job_seekers(path, territory_names=territory_names()))
    assert (err.value.line, err.value.field) == (2, "territoire")


def test_qualification_rows_go_to_their_own_table(tmp_path):
    path = tmp_path / "defm.csv"
    path.write_text("Code région;Code FAP;Niveau de qualification;Sexe;T1 2024\n28;M2Z90;Ensemble;Ensemble;100\n"
                    "28;M2Z90;Cadres;Ensemble;70\n28;M2Z90;Techniciens, agents de maîtrise;Ensemble;20\n"
                    "28;M2Z90;Employés qualifiés;Ensemble;s\n28;M2Z90;Cadres;Femmes;15\n", encoding="utf-8")
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        r = ingest_statistics("job-seekers", path, warehouse=wh)
        assert r.read == 1 and r.details["qualification_rows"] == 4 and r.details["qualifications"]["read"] == 3
        assert wh.scalar("SELECT sum(job_seekers) FROM job_seekers") == 100         # only the total row
    q = run("job_seekers_qualification", db)
    assert q.value == pytest.approx(77.8)                                           # 70 / (70 + 20): "s" left out
    assert [x["qualification"] for x in q.rows] == ["employes-qualifies", "techniciens-agents-maitrise", "cadres"]
    bad = tmp_path / "bad.csv"
    bad.write_text("Code région;Niveau de qualification;T1 2024\n28;Astronautes;3\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        list(read_job_seekers(bad))
    assert (err.value.line, err.value.field) == (2, "niveau_de_qualification")


def test_entries_and_exits_go_to_their_own_table(tmp_path):
    """defm_flows_2024T1.csv: stock, entries and exits per FAP; exits T1 2024: 130 + 480 = 610;
    stock at the end of T4 2023: 600 + 2,400 = 3,000 → outflow 20.3 %."""
    path = tmp_path / "w.duckdb"
    with Warehouse(path) as wh:
        r = ingest_statistics("job-seekers", STATS / "defm_flows_2024T1.csv", warehouse=wh)
        assert r.read == 4 and r.details["flow_rows"] == 4 and r.details["flows"]["read"] == 8
        assert wh.scalar("SELECT value FROM job_seeker_flows WHERE period = '2023Q4' AND occupation = 'M1Z80' "
                         "AND flow = 'exits'") is None                                    # "s"
        assert wh.scalar("SELECT sum(job_seekers) FROM job_seekers WHERE period = '2024Q1'") == 3000
    out = run("tension_job_seeker_outflow", path)
    assert out.value == pytest.approx(20.3) and out.rows[0]["job_seekers_period"] == "2023Q4"
    summary = run("tension_summary", path)
    assert [x["value"] for x in summary.rows if x["component"] == "job-seeker outflow"] == [pytest.approx(20.3)]
    with pytest.raises(Exception) as err:
        run("tension_job_seeker_outflow", path, period="2023Q4")                         # no stock before 2023Q4
    assert "previous" in str(err.value) or "before" in str(err.value)
    bad = tmp_path / "bad.csv"
    bad.write_text("Code région;Indicateur;T1 2024\n28;Radiations administratives;3\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        list(read_job_seekers(bad))
    assert (err.value.line, err.value.field) == (2, "indicateur")


def test_breakdown_table_with_one_period(tmp_path):
    """defm_breakdown_2024T1.csv: one column per breakdown, the period in the title; bands left implicit
    (men/women both given; only "un an ou plus" and "Supérieur au Bac") get their complement."""
    from adequa.sources.job_seekers import BREAKDOWN_LAYOUT

    path = STATS / "defm_breakdown_2024T1.csv"
    assert detect_layout(path) == BREAKDOWN_LAYOUT
    stats: dict = {}
    rows = list(read_job_seekers(path, stats=stats))
    assert stats["ignored_columns"] == ["Part des femmes (%)", "Évolution sur un an (%)"]
    assert {(r["period"], r["category"]) for r in rows} == {("2024Q1", "ABC")}
    by = {(r["occupation"], r["sex"], r["age_band"], r["diploma"], r["seniority"]): r["job_seekers"] for r in rows}
    t = "total"
    assert by[("M2Z90", t, t, t, "<12m")] == 350                 # 580 − 230
    assert by[("M2Z90", t, t, "autre", t)] == 11                  # 580 − 569: bac and below together
    assert by[("M2Z90", t, "<25", t, t)] is None and ("M2Z90", t, "autre", t, t) not in by   # "s": no complement
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        ingest_statistics("job-seekers", path, warehouse=wh)
    assert run("job_seekers_count", db).value == 3000
    assert run("job_seekers_women_share", db).value == pytest.approx(12.7)        # (110 + 270) / 3000
    assert run("job_seekers_long_term_share", db).value == pytest.approx(36.8)    # (230 + 874) / 3000
    assert run("job_seekers_diploma", db).value == pytest.approx(74.3)            # (569 + 1660) / 3000
    no_title = tmp_path / "defm.csv"
    no_title.write_text("Code région;Ensemble;Hommes;Femmes\n28;10;6;4\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        list(read_job_seekers(no_title))
    assert err.value.field == "period"
    assert [r["period"] for r in read_job_seekers(no_title, period="2024-06")] == ["2024-06"] * 3
    no_title.write_text("T2 2024\nCode région;Ensemble;Hommes;Femmes\n28;10;6;7\n", encoding="utf-8")
    with pytest.raises(InputError) as err:                            # 6 + 7 > 10
        list(read_job_seekers(no_title))
    assert err.value.line == 3


def test_only_the_headline_band_is_given(tmp_path):
    path = tmp_path / "defm.csv"
    path.write_text("Code région;Code FAP;Niveau de formation;Ancienneté d'inscription;T1 2024\n"
                    "28;M2Z90;Ensemble;Ensemble;580\n28;M2Z90;Supérieur au Bac;Ensemble;569\n"
                    "28;M2Z90;Ensemble;Un an ou plus;230\n", encoding="utf-8")
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        ingest_statistics("job-seekers", path, warehouse=wh)
    assert run("job_seekers_diploma", db).value == pytest.approx(98.1)            # 569 / 580, not 100
    assert run("job_seekers_long_term_share", db).value == pytest.approx(39.7)    # 230 / 580, not 100


def test_long_table_with_region_names(tmp_path):
    from adequa.pipeline.statistics import territory_names

    path = tmp_path / "defm_long.csv"
    path.write_text("Trimestre;Région;Catégorie;Valeur\n2024-T1;Normandie;ABC;251000\n"
                    "2024-T1;France entière;ABC;5100000\n", encoding="utf-8")
    rows = list(read_job_seekers(path, territory_names=territory_names()))
    assert [(r["level"], r["territory"], r["job_seekers"]) for r in rows] == [("region", "28", 251000),
                                                                             ("france", "FR", 5100000)]
    assert rows[0]["layout"] == LAYOUT
