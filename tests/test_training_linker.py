"""Bloc items -> ROME items: splitting bloc texts, linking task sentences to compétences, the
certification's own fiches favoured, the feedback pass for fiches without ROME codes."""

import pytest

from adequa.enrich.certification_skills import BlocSkillLinker, split_items
from adequa.pipeline.training import annotate_certifications, bloc_linker
from adequa.store.duckdb import Warehouse

ITEMS = [
    {"ogr": "c1", "label": "Concevoir une base de données relationnelle", "kind": "compétence"},
    {"ogr": "c2", "label": "Analyser les besoins du client", "kind": "compétence"},
    {"ogr": "c3", "label": "Rédiger un cahier des charges", "kind": "compétence"},
    {"ogr": "c4", "label": "Tester une application", "kind": "compétence"},
    {"ogr": "c5", "label": "Analyser les besoins des clients en matière de formation", "kind": "compétence"},
    {"ogr": "c6", "label": "Nettoyer les locaux", "kind": "compétence"},
    {"ogr": "c7", "label": "Gérer une équipe", "kind": "compétence"},
    {"ogr": "c8", "label": "Coder une application", "kind": "compétence"},
    {"ogr": "s1", "label": "Base de données", "kind": "savoir"},
    {"ogr": "s2", "label": "Langage SQL", "kind": "savoir"},
]
FICHES = {"M1805": {"c1", "c3", "c4", "c8", "s2"}, "K2204": {"c6", "c7"}, "K2111": {"c5", "c7"},
          "M1806": {"c2", "c3"}}


def texts(text, spans):
    return [text[a:b] for a, b in spans]


@pytest.mark.parametrize("text,expected", [
    ("- Analyser le besoin  - Coder une page web", ["Analyser le besoin", "Coder une page web"]),
    ("* Installer le poste      * Coder          * Tester le code", ["Installer le poste", "Tester le code"]),
    ("C.1. Organiser une réunion      C.2. Analyser les besoins.", ["Organiser une réunion", "Analyser les besoins"]),
    ("1.1 Recueillir le besoin    1.1.1 Auditer les parties prenantes", ["Recueillir le besoin",
                                                                         "Auditer les parties prenantes"]),
    ("A1C1. Evaluer les contextes    A1C2.Apprécier les incidences", ["Evaluer les contextes", "Apprécier les incidences"]),
    ("Rédiger un devis ; suivre le chantier", ["Rédiger un devis", "suivre le chantier"]),
    ("Valider une solution   technique  - Lire un plan", ["Valider une solution   technique", "Lire un plan"]),
    ("Les compétences attestées par la certification :    * C1. Concevoir un projet", ["Concevoir un projet"]),
    ("", []),
])
def test_split_items(text, expected):
    got = split_items(text)
    assert texts(text, got) == expected
    assert all(0 <= a < b <= len(text) for a, b in got)


def test_single_words_are_not_items_and_offsets_point_into_the_text():
    text = "* Coder      * Coder une application"
    assert texts(text, split_items(text)) == ["Coder une application"]
    assert texts(text, split_items(text, min_words=1)) == ["Coder", "Coder une application"]


@pytest.fixture(scope="module")
def linker():
    return BlocSkillLinker(ITEMS, fiche_items=FICHES, parents={"M1805": {"M1805", "M1811"}})


def test_task_sentences_link_to_the_compétence_they_state(linker):
    text = ("Concevoir et mettre en place une base de données relationnelle afin de stocker les données  "
            "Analyser les besoins du client en réalisant un diagnostic de son écosystème")
    links = linker.link(text)
    assert [x.ogr for x in links] == ["c1", "c2"]
    for x in links:
        assert text[x.start:x.end] == x.text and 0.25 <= x.score <= 1.0


def test_purpose_clauses_weigh_less_than_the_task(linker):
    # the purpose ("pour nettoyer les locaux") must not outweigh the task itself
    best = linker.score_item("Gérer une équipe de techniciens pour nettoyer les locaux")
    assert linker.labels[best[0][0]]["ogr"] == "c7"


def test_unrelated_items_stay_unlinked(linker):
    assert linker.link("Piloter un drone agricole en vol stationnaire") == []


def test_the_certifications_own_fiches_are_favoured(linker):
    item = "Analyser les besoins du client"
    plain = linker.labels[linker.score_item(item)[0][0]]["ogr"]
    boosted = linker.labels[linker.score_item(item, linker.boost_set(["K2111"]))[0][0]]["ogr"]
    assert (plain, boosted) == ("c2", "c5")
    # a ROME v3 code reaches the 4.0 fiches it was split into
    assert linker.boost_set(["M1805"]) == {o: linker.boost for o in FICHES["M1805"]}
    assert linker.boost_set("ZZZ") == {}


def test_feedback_pass_guesses_fiches_for_certifications_without_rome(linker):
    texts_ = [("b1", "Coder une application  Tester une application"), ("b2", "Rédiger un cahier des charges")]
    _, used_with = linker.link_certification(texts_, ["K2204"])
    assert used_with == ["K2204"]
    links, guessed = linker.link_certification(texts_, None)
    assert guessed and guessed[0] == "M1805"
    assert {x.ogr for x in links["b1"]} == {"c8", "c4"}


def test_mentions_keep_the_item_as_evidence(linker):
    text = "- Tester une application web"
    (m,) = linker.extract(text, rome_hint="M1805")
    assert (m.rome_ogr, m.text, m.method, m.kind) == ("c4", "Tester une application web", "bloc-item", "savoir-faire")


def test_annotate_with_the_linker_keeps_inference_independent_of_published_codes(tmp_path, linker):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.upsert("certifications", [{"numero": "RNCP1", "content_hash": "h", "is_current": True, "intitule": "Dev",
                                      "codes_rome": ["K2204"]}], key=["numero", "content_hash"])
        wh.upsert("certification_blocs", [{"numero": "RNCP1", "code": "RNCP1BC01", "ordre": 1, "libelle": "Développer",
                                           "competences": "Coder une application  Tester une application  "
                                                          "Rédiger un cahier des charges"}], key=["numero", "code"])
        ogr_romes = {}
        for rome, items in FICHES.items():
            for o in items:
                ogr_romes.setdefault(o, set()).add(rome)
        out = annotate_certifications(wh, linker, ogr_romes=ogr_romes)
        assert out["skills"] == 3
        rows = wh.query("SELECT concept, text, method FROM certification_skills ORDER BY start")
        assert [r[0] for r in rows] == ["c8", "c4", "c3"] and {r[2] for r in rows} == {"bloc-item"}
        inferred = wh.query("SELECT rome FROM certification_rome WHERE method = 'inferred' ORDER BY score DESC")
        assert inferred[0][0] == "M1805"         # from the blocs, not from the published K2204


def test_real_blocs_link_to_rome_items(mirror):
    from adequa.sources.rncp import read_fiches

    linker = bloc_linker(mirror)
    fiche = next(f for f in read_fiches(mirror / "training" / "rncp" / "export_fiches_RNCP_v4.1_sample.xml")
                 if isinstance(f, dict) and f["numero"] == "RNCP37674")
    bloc = next(b for b in fiche["blocs"] if b["code"] == "RNCP37674BC02")
    links, _ = linker.link_certification([("c", bloc["competences"])], fiche["codes_rome"])
    by_item = {x.text: x.label for x in links["c"]}
    assert "SQL" in by_item["Développer des composants d'accès aux données SQL et NoSQL"]
    assert all(bloc["competences"][x.start:x.end] == x.text for x in links["c"])
