"""End to end on a real DuckDB file: ingestion is streaming, idempotent, keeps rejects, removes personal data
and clusters duplicates across runs."""

import csv
import json

import pytest

from adequa.normalise.geo import GeoResolver
from adequa.pipeline.ingest import ingest_offers
from adequa.store.duckdb import Warehouse


@pytest.fixture(scope="module")
def geo():
    from pathlib import Path

    with open(Path(__file__).parent / "fixtures" / "ads" / "geo_communes.csv", encoding="utf-8") as fh:
        return GeoResolver(list(csv.DictReader(fh)))


def counts(db):
    with Warehouse(db) as wh:
        return {t: wh.count(t) for t in ("ads", "rejects", "ad_lsh_bands", "ad_text_clusters")}


def test_flat_csv_end_to_end(fixtures, db_path, geo):
    s = ingest_offers([fixtures / "ads" / "ft_flat.csv"], db=db_path, progress=False, geo=geo)
    assert (s.read, s.stored, s.updated, s.rejected) == (7, 4, 0, 3)
    with Warehouse(db_path) as wh:
        ad = wh.query_dicts("SELECT * FROM ads WHERE source_id = '900AAA1'")[0]
        rejects = wh.query_dicts("SELECT origin_file, line, field, reason FROM rejects ORDER BY line")
        run = wh.query_dicts("SELECT * FROM ingest_runs")[0]
    assert ad["source"] == "france-travail" and ad["title"] == "Data engineer (H/F)"
    assert (ad["commune"], ad["departement"], ad["region"], ad["bassin"]) == ("76540", "76", "28", "2805")
    assert ad["contract_type"] == "CDI" and ad["durable"] is True
    assert (ad["salary_min"], ad["salary_max"], ad["salary_period"]) == (42000.0, 50000.0, "year")
    assert ad["source_rome"] == "M1811" and ad["source_skills"] == ["300123", "100456"]
    assert str(ad["created_at"]) == "2024-03-05" and ad["lang"] == "fr"
    assert "<li>" not in ad["description"] and "- Python, SQL" in ad["description"]
    for secret in ("julie.durand", "06 12 34 56 78", "DURAND"):
        assert secret not in ad["description"]
    assert ad["personal_data_removed"] >= 6      # e-mail, phone, name in the text; name, e-mail, phone in contact.*
    assert [r["field"] for r in rejects] == ["dateCreation", "competences", "intitule"]
    assert all(r["origin_file"].endswith("ft_flat.csv") and r["line"] >= 2 for r in rejects)
    assert run["read"] == 7 and run["rejected"] == 3 and run["finished_at"] is not None


def test_running_twice_changes_no_counts(fixtures, db_path, geo):
    paths = [fixtures / "ads" / "ft_flat.csv", fixtures / "ads" / "ft.jsonl"]
    first = ingest_offers(paths, db=db_path, progress=False, geo=geo, batch_size=3)
    before = counts(db_path)
    second = ingest_offers(paths, db=db_path, progress=False, geo=geo, batch_size=2)
    assert counts(db_path) == before
    assert second.stored == 0 and second.updated == second.read - second.rejected and second.rejected == first.rejected
    with Warehouse(db_path) as wh:
        assert wh.count("ingest_runs") == 2


def test_same_source_id_in_two_files_is_one_ad(fixtures, db_path, geo):
    s = ingest_offers([fixtures / "ads" / "ft_page.json", fixtures / "ads" / "ft_list.json"], db=db_path,
                      progress=False, geo=geo)
    assert s.read == 11 and counts(db_path)["ads"] == 7


def test_generic_csv_with_mapping_file(fixtures, db_path, geo):
    s = ingest_offers([fixtures / "ads" / "board.csv"], db=db_path, progress=False, geo=geo,
                      mapping=fixtures / "ads" / "board_mapping.toml")
    assert (s.stored, s.rejected) == (2, 1)
    with Warehouse(db_path) as wh:
        rows = {r["source_id"]: r for r in wh.query_dicts("SELECT * FROM ads")}
        reject = wh.query_dicts("SELECT * FROM rejects")[0]
    assert rows["B-1"]["source"] == "board-example" and rows["B-1"]["commune"] == "76351"
    assert "07.11.22.33.44" not in rows["B-1"]["description"] and "Martin" not in rows["B-1"]["description"]
    assert rows["B-2"]["contract_type"] == "STG" and rows["B-2"]["employer"] is None and rows["B-2"]["departement"] == "14"
    assert reject["field"] == "date" and reject["line"] == 4


def test_generic_csv_columns_guessed(tmp_path, db_path, geo):
    path = tmp_path / "jobs.csv"
    path.write_text("titre,description,date_creation,lieu,contrat\n"
                    "Développeur Python,Développement d'API,2024-01-10,14 - CAEN,CDI\n", encoding="utf-8")
    s = ingest_offers([path], db=db_path, progress=False, geo=geo)
    assert s.stored == 1
    with Warehouse(db_path) as wh:
        row = wh.query_dicts("SELECT source, commune, contract_type FROM ads")[0]
    assert row == {"source": "csv:jobs", "commune": "14118", "contract_type": "CDI"}


def test_file_without_title_column_is_refused(tmp_path, db_path):
    from adequa.errors import InputError

    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="title"):
        ingest_offers([path], db=db_path, progress=False, geo=GeoResolver())


def _offer(i, text, commune="76540", day=1):
    return {"id": f"D{i}", "intitule": "Data engineer (H/F)", "description": text,
            "dateCreation": f"2024-02-{day:02d}T10:00:00Z", "lieuTravail": {"commune": commune}, "typeContrat": "CDI"}


TEXT = ("Nous recherchons un data engineer pour rejoindre notre équipe. Vous concevez et maintenez des pipelines de "
        "données en Python et SQL, vous industrialisez les modèles et participez à la mise en place de la "
        "plateforme cloud. Profil : bac+5 en informatique, trois ans d'expérience, maîtrise de Spark et Airflow. "
        "Poste en CDI, télétravail partiel, tickets restaurant et mutuelle.")
OTHER = ("Boulangerie artisanale recrute un boulanger pour la fabrication du pain et des viennoiseries. Travail de "
         "nuit du mardi au samedi, expérience souhaitée, CAP boulanger exigé. Salaire selon la convention.")


def test_duplicates_cluster_across_runs(tmp_path, db_path, geo):
    a = tmp_path / "a.jsonl"
    a.write_text("\n".join(json.dumps(o) for o in [_offer(1, TEXT, day=3), _offer(2, OTHER)]), encoding="utf-8")
    b = tmp_path / "b.jsonl"
    b.write_text("\n".join(json.dumps(o) for o in [
        _offer(3, TEXT, commune="14118", day=1),                               # exact repost, earlier date
        _offer(4, TEXT.replace("Nous recherchons", "Nous recrutons"), day=5),   # reworded
    ]), encoding="utf-8")
    s1 = ingest_offers([a], db=db_path, progress=False, geo=geo)
    assert s1.duplicates == 0
    s2 = ingest_offers([b], db=db_path, progress=False, geo=geo)
    assert s2.duplicates == 1        # of this run's ads, D4 is a duplicate; D3 (earliest) now represents the cluster…
    with Warehouse(db_path) as wh:
        rows = dict(wh.query("SELECT source_id, duplicate_cluster FROM ads"))
        ids = dict(wh.query("SELECT source_id, ad_id FROM ads"))
        clusters = wh.scalar("SELECT count(DISTINCT duplicate_cluster) FROM ads")
    assert rows["D1"] == rows["D3"] == rows["D4"] == ids["D3"]   # …and D1, stored before, joined it
    assert rows["D2"] == ids["D2"] and clusters == 2


def test_cli_offers_prints_summary(fixtures, db_path):
    from typer.testing import CliRunner

    from adequa.cli import app

    result = CliRunner().invoke(app, ["ingest", "offers", str(fixtures / "ads" / "ft.jsonl"), "--db", str(db_path), "-q"])
    assert result.exit_code == 0, result.output
    assert "stored (new)" in result.output and "7" in result.output
    help_text = CliRunner().invoke(app, ["ingest", "offers", "--help"]).output
    assert "Example" in help_text and "--mapping" in help_text


@pytest.mark.mirror
def test_real_offers_ingest_twice_without_change(mirror, db_path):
    from adequa.config import Settings

    settings = Settings(mirror=mirror, data_dir=mirror / "_absent_", db=db_path)
    paths = sorted((mirror / "offers" / "france-travail").glob("*offres*.csv"))
    s = ingest_offers(paths, db=db_path, progress=False, settings=settings)
    assert s.read > 1400 and s.rejected <= 0.02 * s.read
    before = counts(db_path)
    ingest_offers(paths, db=db_path, progress=False, settings=settings)
    assert counts(db_path) == before
    with Warehouse(db_path) as wh:
        share = wh.scalar("SELECT avg((region IS NOT NULL)::INT) FROM ads")
        skills = wh.scalar("SELECT count(*) FROM ads WHERE len(source_skills) > 0")
        emails = wh.scalar(r"SELECT count(*) FROM ads WHERE regexp_matches(description, '[\w.+-]+@[\w-]+\.[a-z]{2,}')")
    assert share > 0.9 and skills > 200 and emails == 0


def test_worker_processes_store_exactly_what_one_process_stores(fixtures, tmp_path, geo):
    paths = [fixtures / "ads" / "ft_flat.csv", fixtures / "ads" / "ft.jsonl", fixtures / "ads" / "ft_nested_pipe.csv"]
    rows = {}
    for workers in (1, 2):
        db = tmp_path / f"w{workers}.duckdb"
        s = ingest_offers(paths, db=db, progress=False, geo=geo, workers=workers, batch_size=4)
        with Warehouse(db) as wh:
            rows[workers] = (wh.query("SELECT * EXCLUDE (ingested_at) FROM ads ORDER BY ad_id"),
                             wh.query("SELECT reject_id, line, field FROM rejects ORDER BY 1"), s.read, s.rejected)
    assert rows[1] == rows[2] and rows[1][2] == 17


def test_generic_salary_columns(tmp_path, db_path, geo):
    path = tmp_path / "jobs.csv"
    path.write_text("titre,description,salaire_min,salaire_max\nData analyst,Analyse,38000,45000\n"
                    "Vendeur,Vente,12.5,\n", encoding="utf-8")
    ingest_offers([path], db=db_path, progress=False, geo=geo, workers=1)
    with Warehouse(db_path) as wh:
        rows = wh.query("SELECT title, salary_min, salary_max, salary_period FROM ads ORDER BY title")
    assert rows == [("Data analyst", 38000.0, 45000.0, "year"), ("Vendeur", 12.5, 12.5, "hour")]
