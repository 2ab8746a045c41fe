"""The volume view split by level: offers by the diploma level their text asks for, beside the
places of the territory's training offers at that level."""

import pytest

from adequa.indicators import compute
from adequa.store.duckdb import Warehouse

GROUP = "rome:M1419"
TEXTS = {
    "Titulaire d'un Bac+5 (école d'ingénieur ou master) en statistiques": 7,
    "Diplôme d'ingénieur ou Bac +5 exigé": 7,
    "Formation Bac+3 à Bac+5 en informatique": 6,
    "Vous avez un BUT informatique ou une licence pro": 6,
    "BTS SIO ou DUT informatique apprécié": 5,
    "Niveau Bac pro minimum, débutant accepté": 4,
    "Doctorat en apprentissage automatique": 8,
    "Titulaire d'un CAP, vous aimez le terrain": 3,
    "Ingénieur data confirmé, but : fiabiliser les flux": None,     # a job title and a French word
    "Poste basé à Caen, télétravail partiel": None,
}


@pytest.fixture()
def db(tmp_path):
    path = tmp_path / "levels.duckdb"
    ads, occ = [], []
    for i, text in enumerate(TEXTS):
        for k in range(2):
            ad = f"ad{i}-{k}"
            ads.append({"ad_id": ad, "source": "test", "title": "Data", "description": text, "created_at": "2025-01-10",
                        "region": "28", "source_rome": "M1419"})
            occ.append({"ad_id": ad, "rome": "M1419", "score": 1.0})
    with Warehouse(path) as wh:
        wh.upsert("ads", ads, key=["ad_id"])
        wh.upsert("ad_occupations", occ, key=["ad_id"])
        wh.upsert("certifications", [{"numero": "RNCP1", "content_hash": "h", "is_current": True, "actif": True,
                                      "intitule": "Data analyst", "niveau": 6}], key=["numero", "content_hash"])
        wh.upsert("certification_rome", [{"numero": "RNCP1", "rome": "M1419", "method": "published", "score": 1.0}],
                  key=["numero", "rome", "method"])
        wh.upsert("training_offers", [{"offer_id": "o1", "codes_rncp": ["RNCP1"], "niveau_sortie": "16"}],
                  key=["offer_id"])
        wh.upsert("training_actions", [{"action_id": "a1", "offer_id": "o1", "commune": "14118", "departement": "14",
                                        "region": "28", "lieu_nom": "Caen"}], key=["action_id"])
        wh.upsert("training_sessions", [{"session_id": "s1", "action_id": "a1", "offer_id": "o1", "places": 15}],
                  key=["session_id"])
    return path


def test_offers_are_split_by_the_level_their_text_asks_for(db):
    r = compute("training_volume_gap", db=db, group=GROUP, territory="region:28", min_cell_size=1)
    by = {row["niveau"]: row for row in r.rows}
    expected = {lvl: 2 * sum(1 for v in TEXTS.values() if v == lvl) for lvl in range(3, 9)}
    assert {lvl: by[lvl]["offers"] for lvl in range(3, 9)} == expected
    assert by["non précisé"]["offers"] == 4
    assert by[6]["places"] == 15 and by[6]["certifications"] == 1
    assert by["total"]["offers"] == 2 * len(TEXTS)
    assert [row["niveau"] for row in r.rows] == [3, 4, 5, 6, 7, 8, "non précisé", "total"]
    assert any("name none" in n for n in r.notes)


def test_small_level_cells_are_withheld(db):
    r = compute("training_volume_gap", db=db, group=GROUP, territory="region:28", min_cell_size=3)
    by = {row["niveau"]: row for row in r.rows}
    assert by[7]["offers"] == 4 and by[3]["offers"] is None and by[8]["offers"] is None
    assert by[6]["offers"] == 4 and by["non précisé"]["offers"] == 4
    assert sum(1 for x in r.suppressed if "withheld" in x) == 4
