"""Supply, certifications and the supply/demand gap, on a small warehouse built from fixtures:
fictitious certifications, offers and headcounts, and ads with their skill mentions."""

import json

import pytest
from typer.testing import CliRunner

from adequa.indicators import compute
from adequa.pipeline.training import (PhraseExtractor, annotate_certifications, ingest_headcounts, ingest_lheo,
                                      ingest_rncp)
from adequa.store.duckdb import Warehouse
from tests.conftest import FIXTURES

GROUP = "rome:M1419,M1811,M1405"
TAXONOMY = [
    {"rome_ogr": "1001", "label": "SQL"},
    {"rome_ogr": "1002", "label": "Nettoyer des données"},
    {"rome_ogr": "1003", "label": "tableau de bord"},
    {"rome_ogr": "1004", "label": "Python"},
    {"rome_ogr": "1005", "label": "Configurer un routeur"},
    {"rome_ogr": "1006", "label": "Machine learning"},
    {"rome_ogr": "1007", "label": "architecture de données"},
]
OGR_ROMES = {"1001": {"M1419", "M1811"}, "1002": {"M1419"}, "1003": {"M1419"}, "1004": {"M1811", "M1405"},
             "1005": {"M1801"}, "1006": {"M1405"}, "1007": {"M1811"}}
# skill -> number of ads (in Normandy) asking for it
DEMAND = {"1001": 8, "1003": 6, "1006": 7, "1005": 5, "1004": 5, "1002": 2}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    t = FIXTURES / "training"
    db_path = tmp_path_factory.mktemp("gap") / "gap.duckdb"
    with Warehouse(db_path) as wh:
        ingest_rncp(t / "csv_export", wh)
        # the XML carries the blocs' texts: loaded as the newer export, its versions become current
        ingest_rncp(t / "rncp_export_2025-01-10.xml", wh, export_date="2025-03-01")
        ingest_lheo(t / "lheo_offres.xml", wh)
        ingest_lheo(t / "intercarif_offres.json", wh)
        ingest_headcounts(t / "effectifs.csv", wh, defaults={"territory": "region:28", "period": "2022-2023"},
                          mapping={"diploma": "Intitulé de diplôme", "numero": "Code RNCP", "value": "Effectif",
                                   "departement": "Département"})
        annotate_certifications(wh, PhraseExtractor(TAXONOMY), ogr_romes=OGR_ROMES)
        ads, mentions, occ = [], [], []
        n = 0
        for ogr, count in DEMAND.items():
            for i in range(count):
                n += 1
                ad = f"ad{n}"
                ads.append({"ad_id": ad, "source": "test", "title": "Data analyst", "description": "x",
                            "created_at": "2024-02-01", "region": "28", "departement": "76", "source_rome": "M1419"})
                occ.append({"ad_id": ad, "rome": "M1419", "score": 1.0})
                label = next(x["label"] for x in TAXONOMY if x["rome_ogr"] == ogr)
                mentions.append({"ad_id": ad, "field": "description", "start": 0, "end": 3, "text": label,
                                 "rome_ogr": ogr, "label": label, "kind": "savoir-faire", "score": 1.0,
                                 "method": "exact", "unlisted": False})
        wh.upsert("ads", ads, key=["ad_id"])
        wh.upsert("ad_occupations", occ, key=["ad_id"])
        wh.upsert("skill_mentions", mentions, key=["ad_id", "field", "start", "end"])
        # emerging terms: "LLM" (no bloc mentions it) in 6 ads, "réseau local" (a bloc of RNCP90005) in 5
        emerging = [{"ad_id": f"ad{i}", "field": "description", "start": 0, "end": 3, "term": "LLM",
                     "term_key": "llm", "group_key": "llm"} for i in range(1, 7)]
        emerging += [{"ad_id": f"ad{i}", "field": "description", "start": 5, "end": 17, "term": "réseau local",
                      "term_key": "reseau local", "group_key": "reseau-local"} for i in range(10, 15)]
        wh.upsert("emerging_term_mentions", emerging, key=["ad_id", "field", "start", "end"])
    return db_path


def test_skills_and_inferred_links_are_stored(warehouse):
    with Warehouse(warehouse) as wh:
        skills = set(wh.query("SELECT numero, bloc_code, concept FROM certification_skills"))
        assert ("RNCP90001", "RNCP90001BC01", "1001") in skills          # SQL in the first bloc
        assert ("RNCP90001", "RNCP90001BC01", "1002") in skills
        assert ("RS9002", "_fiche", "1004") in skills                    # RS: compétences attestées
        assert ("RNCP90005", "RNCP90005BC01", "1005") in skills
        inferred = dict(wh.query("SELECT rome, score FROM certification_rome WHERE numero = 'RNCP90005' "
                                 "AND method = 'inferred'"))
        assert inferred == {"M1801": 1.0}
        ev = json.loads(wh.scalar("SELECT evidence FROM certification_rome WHERE numero = 'RNCP90005' "
                                  "AND method = 'inferred'"))
        assert ev == [{"ogr": "1005", "label": "Configurer un routeur"}]


def test_certifications_of_the_group(warehouse):
    r = compute("training_certifications", db=warehouse, group=GROUP, territory="france")
    by = {row["numero"]: row for row in r.rows}
    assert {"RNCP90001", "RNCP90006"} <= set(by) and "RNCP90005" not in by
    assert by["RNCP90001"]["link"] == "published" and by["RNCP90001"]["certifiers"] == ["ECOLE FICTIVE DES DONNEES"]
    assert r.value == len(r.rows)
    pub = compute("training_certifications", db=warehouse, group=GROUP, territory="france", inferred=False)
    assert {row["numero"] for row in pub.rows} == {"RNCP90001", "RNCP90006"}


def test_regional_supply(warehouse):
    r = compute("training_supply", db=warehouse, group=GROUP, territory="region:28")
    assert r.value == 2
    rouen = next(row for row in r.rows if row["numero"] == "RNCP90001")
    assert (rouen["institution"], rouen["sessions"], rouen["places"], rouen["students"]) == (
        "Centre fictif de Rouen", 2, 20, 25)
    assert rouen["alternance"] is True and rouen["niveau"] == 6
    caen = next(row for row in r.rows if row["numero"] == "RNCP90006")
    assert caen["places"] == 15 and caen["departement"] == "14"
    by_level = compute("training_supply_by_level", db=warehouse, group=GROUP, territory="region:28")
    levels = {row["niveau"]: row for row in by_level.rows}
    assert levels[6]["certifications"] == 1 and levels[7]["certifications"] == 1 and levels[7]["places"] == 15
    assert compute("training_supply", db=warehouse, group=GROUP, territory="region:53").value == 0


def test_skill_coverage_statuses(warehouse):
    r = compute("training_skill_coverage", db=warehouse, group=GROUP, territory="region:28")
    status = {row["concept"]: row["status"] for row in r.rows}
    assert status == {"1001": "covered", "1003": "covered", "1004": "covered", "1005": "partly",
                      "1006": "not covered"}                          # 1002: fewer ads than min_ads
    sql = next(row for row in r.rows if row["concept"] == "1001")
    assert sql["ads"] == 8 and sql["importance"] == "moyennement élevé" and sql["examples"] == ["RNCP90001"]
    assert r.value == pytest.approx(60.0)
    assert any("fewer than 5 ads" in n for n in r.notes)
    # the national view: the network certification is not the group's, so the router stays "partly"
    nat = compute("training_skill_coverage", db=warehouse, group=GROUP, territory="france", min_ads=1)
    assert {row["concept"]: row["status"] for row in nat.rows}["1002"] == "covered"


def test_taught_but_rarely_demanded(warehouse):
    r = compute("training_skills_taught_not_demanded", db=warehouse, group=GROUP, territory="region:28",
                max_share=10)
    rare = {row["concept"]: row for row in r.rows}
    assert "1007" in rare and rare["1007"]["ads"] == 0                   # architecture de données: no ad
    assert "1002" in rare and "1001" not in rare


def test_emerging_terms_against_blocs(warehouse):
    r = compute("training_emerging_not_covered", db=warehouse, group=GROUP, territory="region:28")
    status = {row["term"]: (row["status"], row["examples"]) for row in r.rows}
    assert status == {"LLM": ("not covered", []), "réseau local": ("partly", ["RNCP90005"])}
    assert r.value == 1


def test_volume_view(warehouse):
    r = compute("training_volume_gap", db=warehouse, group=GROUP, territory="region:28")
    total = r.rows[-1]
    assert total["niveau"] == "total" and total["offers"] == sum(DEMAND.values())
    assert total["places"] == 35
    assert total["students"] == 25 + 30 + 120 + 210 + 1500 + 400 + 350
    assert r.value == pytest.approx(round(33 / (35 + total["students"]), 2))


def test_cli_gap_and_supply(warehouse):
    from adequa.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["training", "gap", "--group", GROUP, "--territory", "region:28", "--format", "json",
                              "--db", str(warehouse)])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["name"] == "training_skill_coverage" and len(doc["rows"]) == 5
    res = runner.invoke(app, ["training", "supply", "--group", GROUP, "--territory", "region:28", "--format", "csv",
                              "--db", str(warehouse)])
    assert res.exit_code == 0 and res.stdout.splitlines()[0].startswith("niveau,numero,intitule")
    assert len(res.stdout.strip().splitlines()) == 3


def test_cli_ingest_rncp_and_rejects(fixtures, tmp_path):
    from adequa.cli import app

    db = tmp_path / "cli.duckdb"
    runner = CliRunner()
    res = runner.invoke(app, ["ingest", "rncp", str(fixtures / "training" / "rncp_export_2025-01-10.xml"),
                              "--no-annotate", "--db", str(db)])
    assert res.exit_code == 0, res.output
    assert "stored 3" in res.output and "rejected 2" in res.output
    res = runner.invoke(app, ["training", "rejects", "--db", str(db)], env={"COLUMNS": "300"})
    assert "RNCP90003" in res.stdout and "DATE_FIN_ENREGISTREMENT" in res.stdout
