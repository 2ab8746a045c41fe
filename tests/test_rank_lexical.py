"""The lexical taxonomy ranker and the ESCO-ROME crosswalk reader."""

import numpy as np
import pytest

from adequa.enrich.ranking import Item, LexicalIndex, Ranker, fold, stem
from adequa.errors import InputError
from adequa.sources.referentials import esco_rome

ITEMS = [
    Item("a", "Python (computer programming)", ["python programming"], "Write programs in Python."),
    Item("b", "machine learning", ["statistical learning"], "Algorithms that learn from data."),
    Item("c", "serve beverages", ["serve drinks"], "Serve drinks to guests in a bar."),
    Item("d", "conduire un autobus", ["conduite de bus"], None),
]


def test_fold_and_stem_join_accents_plural_and_gender():
    assert fold("Œuvre Électrique") == "oeuvre electrique"
    assert stem("conductrice") == stem("conducteur")
    assert stem("serveuses") == stem("serveur")
    assert stem("donnees") == stem("donnee")


def test_identical_label_scores_one_and_ranks_first():
    r = Ranker.build(ITEMS, description_weight=0.0)
    top = r.rank("machine learning", 2)
    assert top[0]["id"] == "b" and top[0]["score"] == pytest.approx(1.0, abs=1e-3)
    assert top[1]["score"] < 0.5


def test_inflections_and_typos_still_match():
    r = Ranker.build(ITEMS)
    assert r.rank("Conduite d'autobus", 1)[0]["id"] == "d"
    assert r.rank("machne lerning", 1)[0]["id"] == "b"
    assert r.rank("serving drinks to customers", 1)[0]["id"] == "c"


def test_description_adds_evidence():
    with_desc = Ranker.build(ITEMS, description_weight=0.5)
    without = Ranker.build(ITEMS, description_weight=0.0)
    q = "algorithms that learn"
    assert with_desc.rank(q, 1)[0]["id"] == "b"
    assert without.scores(q)[1] < with_desc.scores(q)[1]


def test_batch_ranking_equals_one_by_one():
    r = Ranker.build(ITEMS)
    queries = ["python", "bar drinks", "bus", "nothing in common zzz"]
    batch = list(r.rank_many(queries, 3))
    for q, b in zip(queries, batch):
        one = r.rank(q, 3)
        assert [x["id"] for x in one if x["score"] > 0] == [x["id"] for x in b if x["score"] > 0]
        assert np.allclose([x["score"] for x in one], [x["score"] for x in b], atol=1e-3)


def test_index_save_load_roundtrip(tmp_path):
    ix = LexicalIndex.build(["data engineer", "data scientist", "serveur"], [0, 1, 2])
    ix.save(tmp_path / "ix.npz")
    back = LexicalIndex.load(tmp_path / "ix.npz")
    for q in ("data engineering", "serveuse"):
        assert np.allclose(ix.doc_scores(q), back.doc_scores(q))


def test_too_common_features_are_dropped_but_known():
    texts = [f"agent numero {i}" for i in range(200)] + ["ingenieur"]
    ix = LexicalIndex.build(texts, list(range(len(texts))), max_df=0.05)
    assert " ag" in ix.stop and " ag" not in ix.vocab     # a common n-gram is pruned
    assert "w:agent" in ix.vocab                          # whole words never are
    # a pruned n-gram does not lower the score as an unknown one would
    assert ix.doc_scores("ingenieur agent")[-1] > ix.doc_scores("ingenieur zzzzq")[-1]


def test_crosswalk_reader(fixtures):
    path = esco_rome.locate(fixtures / "occupations" / "crosswalks")
    meta, rows = esco_rome.read_mapping(path)
    rows = list(rows)
    assert meta["Mapping project name"] == "ESCO - ROME"
    assert len(rows) == 4 and rows[0]["rome_ogr"] == "900002" and rows[0]["relation"] == "skos:exactMatch"
    assert esco_rome.appellation_to_esco(path)["900020"] == ["http://data.europa.eu/esco/occupation/test-bus-driver"]


def test_crosswalk_reader_names_the_bad_line(tmp_path):
    bad = tmp_path / "FR_1_mapping_esco_rome.csv"
    bad.write_text("Mapping project name,x\n\nclassification 1 ID,classification 1 prefered label,"
                   "classification 2 ID,classification 2 prefered label,mapping relation\n"
                   "not-a-uri,x,1,y,skos:exactMatch\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        list(esco_rome.read_mapping(bad)[1])
    assert err.value.line == 4 and err.value.field == "classification 1 ID"


@pytest.mark.mirror
def test_real_crosswalk_parses(mirror):
    mapping = esco_rome.appellation_to_esco(esco_rome.locate(mirror / "crosswalks"))
    assert len(mapping) > 5000
    assert all(u.startswith("http://data.europa.eu/esco/occupation/") for v in list(mapping.values())[:100] for u in v)


def test_semantic_ranker_mixes_embedding_and_lexical_scores():
    from adequa.enrich.ranking import SemanticRanker

    # a deterministic stand-in encoder: one axis per concept word, so "drinks" ~ "beverages"
    axes = {"python": 0, "programming": 0, "learning": 1, "statistical": 1, "drinks": 2, "beverages": 2, "bus": 3}

    def encode(texts):
        out = np.zeros((len(texts), 4), np.float32)
        for i, t in enumerate(texts):
            for w in fold(t).split():
                if w in axes:
                    out[i, axes[w]] += 1
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    lexical = Ranker.build(ITEMS, description_weight=0.0)
    labels = [it.label for it in ITEMS]
    sem = SemanticRanker(lexical, encode(labels), np.arange(len(ITEMS)), lexical_weight=0.0, encode=encode)
    assert sem.rank("beverages please", 1)[0]["id"] == "c"
    # with the lexical share, an exact label match adds to the embedding score
    sem.lexical_weight = 1.0
    scores = next(iter(sem.scores_many(["machine learning"])))
    assert scores[1] == pytest.approx(1.0 + 1.0, abs=1e-3)
    assert [r[0]["id"] for r in sem.rank_many(["python", "bus"], 1)] == ["a", "d"]


def test_framing_words_of_job_ads_are_left_out_of_skill_queries():
    from adequa.enrich.ranking import SKILL_QUERY_STOPWORDS

    items = [Item("sql", "SQL"), Item("cx", "manage the customer experience"),
             Item("kn", "maintain updated professional knowledge")]
    plain = Ranker.build(items, description_weight=0.0)
    framed = Ranker.build(items, description_weight=0.0, query_stopwords=SKILL_QUERY_STOPWORDS)
    q = "Strong professional experience with SQL is required"
    assert plain.rank(q, 1)[0]["id"] != "sql"          # the framing words outweigh the one skill word
    assert framed.rank(q, 1)[0]["id"] == "sql"
    assert framed.scores(q)[1] == 0.0 and framed.scores(q)[2] == 0.0
    assert framed.query("Vous maîtrisez Python, une expérience en SQL") == "python une en sql"
    assert list(framed.rank_many([q], 1))[0][0]["id"] == "sql"      # batches too
