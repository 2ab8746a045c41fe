"""Regional certification coverage: a certification is available in a territory when a LHÉO offer
teaching it has an action or a session there; without LHÉO data for the territory, the national
certifications are used and a note says so. Hand-written LHÉO offers in two régions (28, 84)."""

import pytest

from adequa.indicators import compute, make_context
from adequa.indicators.emerging import certification_coverage, certification_texts_covering
from adequa.pipeline.training import ingest_lheo
from adequa.store.duckdb import Warehouse
from tests.conftest import FIXTURES

GROUP = "rome:M1419"
# certification -> (published ROME, {concept: bloc text})
CERTS = {"RNCP90001": ("M1419", {"1001": "Interroger une base avec SQL"}),
         "RNCP90005": ("M1801", {"1005": "Configurer un routeur"}),
         "RNCP90009": ("M1419", {"1001": "Écrire des requêtes SQL"})}      # no LHÉO offer anywhere
ADS = {"28": 6, "84": 6, "11": 6}                                          # ads asking for SQL (1001), by région


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("regional") / "r.duckdb"
    with Warehouse(path) as wh:
        for numero, (rome, skills) in CERTS.items():
            wh.upsert("certifications", [{"numero": numero, "content_hash": "h", "is_current": True, "actif": True,
                                          "intitule": f"Titre {numero}", "niveau": 6}], key=["numero", "content_hash"])
            wh.upsert("certification_rome", [{"numero": numero, "rome": rome, "method": "published", "score": 1.0}],
                      key=["numero", "rome", "method"])
            for concept, text in skills.items():
                wh.upsert("certification_blocs", [{"numero": numero, "code": numero + "BC01", "ordre": 1,
                                                   "libelle": "Bloc", "competences": text}], key=["numero", "code"])
                wh.upsert("certification_skills", [{"numero": numero, "bloc_code": numero + "BC01",
                                                    "field": "competences", "start": 0, "end": len(text),
                                                    "concept": concept, "rome_ogr": concept, "text": text,
                                                    "method": "bloc-item"}],
                          key=["numero", "bloc_code", "field", "start", "end", "concept"])
        ingest_lheo(FIXTURES / "training" / "lheo_two_regions.xml", wh)
        ads, mentions, occ = [], [], []
        for region, n in ADS.items():
            for i in range(n):
                ad = f"ad-{region}-{i}"
                ads.append({"ad_id": ad, "source": "test", "title": "Data analyst", "description": "SQL",
                            "created_at": "2025-02-01", "region": region, "source_rome": "M1419"})
                occ.append({"ad_id": ad, "rome": "M1419", "score": 1.0})
                mentions.append({"ad_id": ad, "field": "description", "start": 0, "end": 3, "text": "SQL",
                                 "rome_ogr": "1001", "label": "SQL", "kind": "savoir", "score": 1.0,
                                 "method": "exact", "unlisted": False})
        wh.upsert("ads", ads, key=["ad_id"])
        wh.upsert("ad_occupations", occ, key=["ad_id"])
        wh.upsert("skill_mentions", mentions, key=["ad_id", "field", "start", "end"])
    return path


def coverage(db, territory, fn=certification_coverage, arg=("1001", "1005")):
    with Warehouse(db) as wh:
        ctx = make_context(wh.con, group=GROUP, territory=territory, min_cell_size=1)
        got = fn(ctx, list(arg) if isinstance(arg, tuple) else arg)
        return got, ctx._cache.get("notes", [])


def test_only_certifications_taught_in_the_region_count(db):
    got, notes = coverage(db, "region:28")
    assert {k: [c["numero"] for c in v] for k, v in got.items()} == {"1001": ["RNCP90001"]}
    assert got["1001"][0]["scope"] == "territory" and got["1001"][0]["offers"] == 1
    assert notes == []
    got, _ = coverage(db, "region:84")
    assert {k: [c["numero"] for c in v] for k, v in got.items()} == {"1005": ["RNCP90005"]}
    got, _ = coverage(db, "departement:69")
    assert list(got) == ["1005"]


def test_national_fallback_when_no_lheo_data_covers_the_territory(db):
    got, notes = coverage(db, "region:11")
    assert [c["numero"] for c in got["1001"]] == ["RNCP90001", "RNCP90009"]
    assert {c["scope"] for v in got.values() for c in v} == {"national"}
    assert len(notes) == 1 and "region:11" in notes[0] and "nationally" in notes[0]
    got, notes = coverage(db, "france")
    assert set(got) == {"1001", "1005"} and notes == []


def test_terms_in_bloc_texts_follow_the_same_rule(db):
    terms = {"routeur": ["routeur"], "sql": ["SQL"]}
    got, _ = coverage(db, "region:84", certification_texts_covering, terms)
    assert got == {"routeur": ["RNCP90005"], "sql": []}
    got, notes = coverage(db, "region:11", certification_texts_covering, terms)
    assert got == {"routeur": ["RNCP90005"], "sql": ["RNCP90001", "RNCP90009"]} and notes


def test_gap_statuses_use_the_regional_supply_then_fall_back(db):
    def status(territory):
        r = compute("training_skill_coverage", db=db, group=GROUP, territory=territory, min_cell_size=1, min_ads=1)
        return {row["concept"]: (row["status"], row["examples"]) for row in r.rows}, r.notes

    here, notes = status("region:28")
    assert here == {"1001": ("covered", ["RNCP90001"])}
    assert not any("nationally" in n for n in notes)
    # région 84 has LHÉO data, but no certification of the group: SQL is taught, elsewhere
    there, notes = status("region:84")
    assert there["1001"][0] == "partly" and any("no certification of the group" in n for n in notes)
    # région 11 has no training data at all: the national supply of the group, said in a note
    none, notes = status("region:11")
    assert none["1001"] == ("covered", ["RNCP90001", "RNCP90009"])
    assert any("nationally" in n for n in notes)
    supply = compute("training_supply", db=db, group=GROUP, territory="region:11", min_cell_size=1)
    assert supply.value == 2 and any("nationally" in n for n in supply.notes)
    assert compute("training_supply", db=db, group=GROUP, territory="region:84", min_cell_size=1).value == 0


def test_taught_but_rarely_demanded_needs_enough_ads(db):
    r = compute("training_skills_taught_not_demanded", db=db, group=GROUP, territory="region:28", min_cell_size=1)
    assert r.value == 0 and r.rows == []              # SQL, the one skill taught here, is asked by every ad
    few = compute("training_skills_taught_not_demanded", db=db, group=GROUP, territory="region:28", min_cell_size=10)
    assert few.value is None and few.rows == [] and any("too few" in n for n in few.notes)
