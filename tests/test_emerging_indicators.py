"""The emerging indicators on a real DuckDB warehouse built in a temp dir."""

import json
import random
from datetime import date, timedelta

import pytest

from adequa.errors import InputError
from adequa.indicators import MissingData, compute
from adequa.store.duckdb import Warehouse

P0, P1 = date(2024, 1, 1), date(2025, 1, 1)
OPTS = {"from": "2024Q1", "to": "2025Q1"}


def _ad(ad_id, day, region="28", rome="M1811", description="", cluster=None):
    return {"ad_id": ad_id, "source": "test", "source_id": ad_id, "title": "Data engineer",
            "description": description, "created_at": day, "region": region, "departement": "76",
            "source_rome": rome, "duplicate_cluster": cluster, "employer": None}


def build(path, *, n=200, seed=1, extra=None):
    """n ads per period in région 28 (data-ia), with skills at known rates:
    A 10% -> 40% (rising), B 20% -> 20% (stable), C 30% -> 5% (falling)."""
    rng = random.Random(seed)
    rates = {"100001": (0.10, 0.40), "100002": (0.20, 0.20), "100003": (0.30, 0.05)}
    ads, occ, mentions = [], [], []
    for p, start in enumerate((P0, P1)):
        for i in range(n):
            ad_id = f"a{p}-{i:04d}"
            ads.append(_ad(ad_id, start + timedelta(days=i % 80)))
            occ.append({"ad_id": ad_id, "rome": "M1811", "score": 1.0})
            for k, (skill, r) in enumerate(rates.items()):
                # Deterministic counts: exactly rate × n ads carry the skill.
                if i < round(r[p] * n):
                    mentions.append({"ad_id": ad_id, "field": "description", "start": k, "end": k + 1,
                                     "rome_ogr": skill, "label": f"Skill {skill[-1]}", "kind": "savoir-faire",
                                     "score": 1.0, "method": "exact", "unlisted": False})
    rng.shuffle(mentions)
    for table, rows in (extra or {}).items():
        if table == "ads":
            ads += rows
        elif table == "ad_occupations":
            occ += rows
        else:
            mentions += rows
    with Warehouse(path) as wh:
        wh.upsert("ads", ads, key=["ad_id"])
        wh.upsert("ad_occupations", occ, key=["ad_id"])
        wh.upsert("skill_mentions", mentions, key=["ad_id", "field", "start", "end"])
    return path


def test_rising_and_falling_skills(db_path):
    build(db_path)
    up = compute("emerging_rising_skills", db=db_path, group="data-ia", territory="region:28", **OPTS)
    down = compute("emerging_falling_skills", db=db_path, group="data-ia", territory="region:28", **OPTS)
    assert [r["skill"] for r in up.rows] == ["100001"]
    assert [r["skill"] for r in down.rows] == ["100003"]
    row = up.rows[0]
    assert (row["ads_from"], row["ads_to"], row["share_from"], row["share_to"]) == (20, 80, 10.0, 40.0)
    assert row["label"] == "Skill 1" and row["ratio"] > 3 and row["q_value"] < 0.001 and row["prob_increase"] > 0.99
    assert up.value == 1 and up.period == "2024Q1..2025Q1"
    assert up.provenance.rows == 400
    assert any("3 items tested" in n for n in up.notes)


def test_context_period_range_equals_from_to(db_path):
    build(db_path)
    a = compute("emerging_rising_skills", db=db_path, group="data-ia", period="2024Q1..2025Q1")
    b = compute("emerging_rising_skills", db=db_path, group="data-ia", **OPTS)
    assert a.rows == b.rows
    # A single period is compared with the same span a year before.
    c = compute("emerging_rising_skills", db=db_path, group="data-ia", period="2025Q1")
    assert c.rows == b.rows


def test_territory_group_and_duplicates_filter_the_ads(db_path):
    extra_ads, extra_occ, extra_m = [], [], []
    # Skill 100009 rises only outside région 28, only in a non data-ia occupation, or in duplicates.
    for i in range(150):
        for p, start in ((1, P1),):
            extra_ads.append(_ad(f"r11-{i}", start, region="11"))
            extra_occ.append({"ad_id": f"r11-{i}", "rome": "M1811"})
            extra_ads.append(_ad(f"k-{i}", start, rome="K2111"))
            extra_occ.append({"ad_id": f"k-{i}", "rome": "K2111"})
            extra_ads.append(_ad(f"dup-{i}", start, cluster="a1-0000"))
            extra_occ.append({"ad_id": f"dup-{i}", "rome": "M1811"})
            for a in (f"r11-{i}", f"k-{i}", f"dup-{i}"):
                extra_m.append({"ad_id": a, "field": "description", "start": 9, "end": 10, "rome_ogr": "100009",
                                "label": "Skill 9", "unlisted": False})
    build(db_path, extra={"ads": extra_ads, "ad_occupations": extra_occ, "skill_mentions": extra_m})
    r28 = compute("emerging_rising_skills", db=db_path, group="data-ia", territory="region:28", **OPTS)
    assert "100009" not in {r["skill"] for r in r28.rows}
    r11 = compute("emerging_rising_skills", db=db_path, group="data-ia", territory="region:11", **OPTS)
    assert r11.rows == []          # no ads of région 11 in the first period: nothing to compare
    assert any("no ads in 2024Q1" in n for n in r11.notes)
    everyone = compute("emerging_rising_skills", db=db_path, group="all", territory="france", **OPTS)
    assert "100009" in {r["skill"] for r in everyone.rows}


def test_certification_coverage_degrades_then_shows(db_path):
    build(db_path)
    r = compute("emerging_rising_skills", db=db_path, group="data-ia", **OPTS)
    assert r.rows[0]["certifications"] is None
    assert any("certification_skills" in n for n in r.notes)
    with Warehouse(db_path) as wh:
        wh.upsert("certification_skills", [{"numero": "RNCP37674", "bloc_code": "RNCP37674BC01", "field": "competences",
                                            "start": 0, "end": 5, "concept": "100001", "rome_ogr": "100001"}],
                  key=["numero", "bloc_code", "field", "start", "end", "concept"])
    r = compute("emerging_rising_skills", db=db_path, group="data-ia", **OPTS)
    assert r.rows[0]["certifications"] == "RNCP37674"


def test_small_first_period_counts_are_withheld_but_zero_is_kept(db_path):
    extra_ads, extra_m = [], []
    for i in range(60):
        extra_m.append({"ad_id": f"a1-{i:04d}", "field": "description", "start": 20, "end": 21, "rome_ogr": "100020",
                        "label": "Skill 20", "unlisted": False})
    for i in range(3):
        extra_m.append({"ad_id": f"a0-{i:04d}", "field": "description", "start": 20, "end": 21, "rome_ogr": "100020",
                        "label": "Skill 20", "unlisted": False})
    for i in range(50):
        extra_m.append({"ad_id": f"a1-{i:04d}", "field": "description", "start": 21, "end": 22, "rome_ogr": "100021",
                        "label": "Skill 21", "unlisted": False})
    build(db_path, extra={"skill_mentions": extra_m})
    r = compute("emerging_rising_skills", db=db_path, group="data-ia", min_cell_size=5, **OPTS)
    rows = {x["skill"]: x for x in r.rows}
    assert rows["100020"]["ads_from"] is None and rows["100020"]["ads_to"] == 60
    assert rows["100021"]["ads_from"] == 0
    assert any("Skill 20" in s for s in r.suppressed)


def test_bad_options(db_path):
    build(db_path)
    with pytest.raises(InputError, match="overlap"):
        compute("emerging_rising_skills", db=db_path, **{"from": "2024", "to": "2024Q2"})
    with pytest.raises(InputError, match="alpha"):
        compute("emerging_rising_skills", db=db_path, alpha=2, **OPTS)
    with pytest.raises(InputError, match="both --from and --to"):
        compute("emerging_rising_skills", db=db_path, **{"from": "2024Q1"})
    with pytest.raises(InputError, match="not a period"):
        compute("emerging_rising_skills", db=db_path, **{"from": "2024Q5", "to": "2025Q1"})


def test_occupation_drift_needs_the_fiches_then_lists_unlisted_items(db_path):
    build(db_path)
    with pytest.raises(MissingData, match="rome_fiche_items"):
        compute("emerging_occupation_drift", db=db_path, group="data-ia")
    with Warehouse(db_path) as wh:
        wh.upsert("rome_fiche_items", [{"version": "460", "code_rome": "M1811", "code_ogr": "100002"},
                                       {"version": "459", "code_rome": "M1811", "code_ogr": "100003"}],
                  key=["version", "code_rome", "code_ogr"])
    with Warehouse(db_path) as wh:
        wh.upsert("rome_fiche_items", [{"version": "460", "code_rome": "M1811", "code_ogr": "100001",
                                        "coeur_metier": "Émergente"},
                                       {"version": "460", "code_rome": "K2111", "code_ogr": "100003",
                                        "coeur_metier": "Émergente"}],
                  key=["version", "code_rome", "code_ogr"])
    up = compute("emerging_rising_skills", db=db_path, group="data-ia", **OPTS)
    assert up.rows[0]["skill"] == "100001" and up.rows[0]["rome_emergent"] is True
    r = compute("emerging_occupation_drift", db=db_path, group="data-ia", min_share=5)
    got = {(x["rome"], x["skill"]) for x in r.rows}
    # 100001 (flagged emerging) and 100002 are on the fiche (latest version); 100003 is only in an
    # older version of M1811's fiche (and on another fiche): drift.
    assert got == {("M1811", "100003")}
    first = r.rows[0]
    assert first["ads"] == 70 and first["ads_rome"] == 400 and first["share"] == 17.5


def _fixture_ads(fixtures, copies=15):
    rows = [json.loads(line) for line in (fixtures / "emerging" / "ads.jsonl").read_text().splitlines() if line]
    ads = []
    for c in range(copies):
        for i, r in enumerate(rows):
            start = P0 if r["period"] == 0 else P1
            ads.append(_ad(f"f{r['period']}-{c:02d}-{i}", start + timedelta(days=c), description=r["description"]))
    return ads


def test_new_terms_end_to_end(db_path, fixtures):
    from adequa.pipeline.emerging import discover_terms, known_keys

    ads = _fixture_ads(fixtures)
    with Warehouse(db_path) as wh:
        wh.upsert("ads", ads, key=["ad_id"])
        wh.upsert("ad_occupations", [{"ad_id": a["ad_id"], "rome": "M1811"} for a in ads], key=["ad_id"])
    known = known_keys(["Python", "Langage SQL", "Microsoft Excel", "Docker", "Git", "Travail en équipe",
                        "Statistiques"])
    first = discover_terms(db_path, known=known)
    assert first.ads_read == len(ads) and first.mentions > 0
    r = compute("emerging_new_terms", db=db_path, group="data-ia", **OPTS)
    terms = {x["term"].lower(): x for x in r.rows}
    assert "zorblax" in terms, r.rows
    z = terms["zorblax"]
    assert set(z["variants"].split(", ")) == {"Zorblax", "ZorBlax", "zorblax"}
    assert z["ads_from"] == 0 and z["ads_to"] == 60 and z["first_seen"] == "2025-01-01"
    assert z["examples"] and all("orblax" in e.lower() for e in z["examples"])
    assert "talvio" not in terms          # unlisted but stable: not emerging
    assert not {"python", "sql", "excel", "docker", "git"} & set(terms)
    # Re-running changes nothing; a changed ad is scanned again.
    with Warehouse(db_path) as wh:
        before = wh.count("emerging_term_mentions")
    again = discover_terms(db_path, known=known)
    assert again.ads_read == 0 and again.ads_skipped == len(ads)
    with Warehouse(db_path) as wh:
        assert wh.count("emerging_term_mentions") == before
        wh.con.execute("UPDATE ads SET description = 'Compétences : Quillora, Krandex, Python', content_hash = 'x' "
                       "WHERE ad_id = 'f1-00-4'")
    third = discover_terms(db_path, known=known)
    assert third.ads_read == 1
    with Warehouse(db_path) as wh:
        terms_now = {t for (t,) in wh.query("SELECT term FROM emerging_term_mentions WHERE ad_id = 'f1-00-4'")}
    assert terms_now == {"Quillora", "Krandex"}


def test_report_collects_every_section(db_path):
    from adequa.indicators import open_warehouse
    from adequa.indicators.emerging import emerging_report

    build(db_path)
    con = open_warehouse(db_path)
    try:
        rep = emerging_report(con, group="data-ia", territory="region:28", date_from="2024Q1", date_to="2025Q1")
    finally:
        con.close()
    assert set(rep) == {"emerging_rising_skills", "emerging_falling_skills", "emerging_new_terms",
                        "emerging_occupation_drift"}
    assert rep["emerging_rising_skills"].rows[0]["skill"] == "100001"
    assert "adequa skills emerging --discover" in rep["emerging_new_terms"]
    assert "rome_fiche_items" in rep["emerging_occupation_drift"]


def test_one_recruiters_campaign_is_not_a_trend(db_path):
    extra_ads, extra_occ, extra_m = [], [], []
    for i in range(60):
        ad = _ad(f"camp-{i}", P1 + timedelta(days=i % 30), description=f"Offre {i}")
        ad["employer"] = "Propulsion SA"
        extra_ads.append(ad)
        extra_occ.append({"ad_id": ad["ad_id"], "rome": "M1811"})
        extra_m.append({"ad_id": ad["ad_id"], "field": "description", "start": 30, "end": 31, "rome_ogr": "100030",
                        "label": "Skill 30", "unlisted": False})
    build(db_path, extra={"ads": extra_ads, "ad_occupations": extra_occ, "skill_mentions": extra_m})
    r = compute("emerging_rising_skills", db=db_path, group="data-ia", **OPTS)
    assert "100030" not in {x["skill"] for x in r.rows}
    assert any("fewer than 3 distinct posters" in n for n in r.notes)
    r = compute("emerging_rising_skills", db=db_path, group="data-ia", min_posters=1, **OPTS)
    row = {x["skill"]: x for x in r.rows}["100030"]
    assert row["posters"] == 1 and row["ads_to"] == 60
    # Without an employer (and here without a description), each ad is its own poster; at the France
    # level posters are counted up to POSTER_CAP, below it exactly.
    from adequa.indicators.facts import POSTER_CAP

    assert {x["skill"]: x for x in r.rows}["100001"]["posters"] == min(80, POSTER_CAP)
    r = compute("emerging_rising_skills", db=db_path, group="data-ia", territory="region:28", min_posters=1, **OPTS)
    assert {x["skill"]: x for x in r.rows}["100001"]["posters"] == 80


def test_new_terms_show_the_certifications_that_name_them(db_path, fixtures):
    from adequa.pipeline.emerging import discover_terms, known_keys

    ads = _fixture_ads(fixtures)
    with Warehouse(db_path) as wh:
        wh.upsert("ads", ads, key=["ad_id"])
        wh.upsert("ad_occupations", [{"ad_id": a["ad_id"], "rome": "M1811"} for a in ads], key=["ad_id"])
    discover_terms(db_path, known=known_keys(["Python", "SQL", "Excel", "Docker", "Git"]))
    r = compute("emerging_new_terms", db=db_path, group="data-ia", **OPTS)
    assert {x["certifications"] for x in r.rows} == {None}
    assert any("certification_blocs" in n for n in r.notes)
    with Warehouse(db_path) as wh:
        wh.upsert("certification_blocs", [
            {"numero": "RNCP1", "code": "RNCP1BC01", "libelle": "Développer des pipelines",
             "competences": "Utiliser ZORBLAX pour orchestrer les traitements"},
            {"numero": "RNCP2", "code": "RNCP2BC01", "libelle": "Zorblaxien", "competences": "sans rapport"}],
            key=["numero", "code"])
    r = compute("emerging_new_terms", db=db_path, group="data-ia", **OPTS)
    z = {x["term"].lower(): x for x in r.rows}["zorblax"]
    assert z["certifications"] == "RNCP1"        # whole words only: "Zorblaxien" is not Zorblax


def test_options_given_as_text_like_the_api_does(db_path):
    build(db_path)
    as_text = compute("emerging_rising_skills", db=db_path, group="data-ia", alpha="0.05", limit="10",
                      min_posters="3", min_support="5", **OPTS)
    typed = compute("emerging_rising_skills", db=db_path, group="data-ia", **OPTS)
    assert as_text.rows == typed.rows
    with pytest.raises(InputError, match="yes/no"):
        compute("emerging_new_terms", db=db_path, group="data-ia", unconfirmed="maybe", **OPTS)


def test_parallel_discovery_finds_the_same_terms(tmp_path, fixtures):
    from adequa.pipeline.emerging import discover_terms

    ads = _fixture_ads(fixtures, copies=3)
    found = []
    for workers in (1, 2):
        db = tmp_path / f"w{workers}.duckdb"
        with Warehouse(db) as wh:
            wh.upsert("ads", ads, key=["ad_id"])
        ticks = []
        res = discover_terms(db, known={"python", "sql"}, workers=workers, batch_size=7,
                             progress=lambda done, total: ticks.append((done, total)))
        assert ticks[-1] == (len(ads), len(ads)) and res.ads_read == len(ads)
        with Warehouse(db) as wh:
            found.append(wh.query('SELECT ad_id, start, "end", term, group_key FROM emerging_term_mentions ORDER BY ALL'))
    assert found[0] == found[1] and found[0]
