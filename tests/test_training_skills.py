"""The phrase extractor (baseline and test double of the ads' extractor) and ROME inference."""

import pytest

from adequa.pipeline.training import PhraseExtractor, fold, infer_rome


def test_phrases_match_whole_words_with_original_offsets():
    ex = PhraseExtractor([{"rome_ogr": "1", "label": "Base de données"}, {"rome_ogr": "2", "label": "SQL"},
                          {"rome_ogr": "3", "label": "Son"}, {"rome_ogr": "4", "label": "données"}])
    text = "Interroger une BASE DE DONNÉES en SQL ; configurer son poste. SQLite n'est pas SQL."
    found = [(m.rome_ogr, m.text) for m in ex.extract(text)]
    assert ("1", "BASE DE DONNÉES") in found and ("4", "DONNÉES") in found
    assert found.count(("2", "SQL")) == 2                  # "SQLite" is not "SQL"
    assert not any(o == "3" for o, _ in found)             # 3-letter lower-case labels are too ambiguous


def test_fold():
    assert fold("Développer l'API") == "developper l api"


def test_infer_rome_prefers_specific_skills():
    links = {"a": {"R1"}, "b": {"R1", "R2"}, "c": {"R1", "R2", "R3", "R4"}, "d": {"R2"}}
    ranked = infer_rome(["a", "b", "c"], links, min_score=0)
    assert ranked[0][0] == "R1" and ranked[0][1] == pytest.approx(1.0)
    scores = dict((r, s) for r, s, _ in ranked)
    assert 0 < scores["R2"] < 0.5
    assert "R3" not in scores           # R3 lists only "c", which every fiche lists: no information
    assert infer_rome(["zzz"], links) == []
    assert [r for r, _, _ in infer_rome(["a", "b", "c"], links, top=1)] == ["R1"]
