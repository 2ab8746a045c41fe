"""The ROME classifier, built from the hand-written referential in tests/fixtures/occupations."""

import json
from collections import Counter

import orjson
import pytest

from adequa.config import Settings
from adequa.enrich.domain import DomainTagger
from adequa.enrich.occupation import clean_title, gender_forms
from adequa.errors import InputError
from adequa.pipeline import occupations as occ


@pytest.fixture()
def settings(fixtures, tmp_path):
    occ._loaded.clear()
    return Settings(data_dir=fixtures / "occupations", mirror=None, cache_dir=tmp_path / "cache")


@pytest.fixture()
def clf(settings):
    return occ.load_occupation_classifier(settings)


@pytest.mark.parametrize("title, expected", [
    ("Data Engineer Senior (H/F) - CDI Paris", "data engineer - paris"),
    ("Développeur(se) Java F/H", "developpeur java"),
    ("Ingénieur(e) - Systèmes embarqués", "ingenieur - systemes embarques"),
    ("ALTERNANCE - Ingénieure / Ingénieur données", "ingenieure donnees"),
    ("Consultant·e Data (H/F)", "consultant data"),
    ("Administrateur/trice réseaux", "administrateur reseaux"),
    ("Serveur H/F temps partiel", "serveur"),
    # a person noun as a gender doublet or a segment head says no more than "h/f"; "sage-femme" stays
    ("Femme/Homme de ménage à Privas (H/F)", "de menage a privas"),
    ("homme-femme de ménage F/H - Vivaservices", "de menage - vivaservices"),
    ("Femme ou homme toutes mains", "toutes mains"),
    ("Sage-femme (H/F)", "sage-femme"),
    ("Homme sage-femme", "homme sage-femme"),
])
def test_clean_title_drops_gender_contract_and_seniority_marks(title, expected):
    assert clean_title(title) == expected


def test_gender_forms_split_masculine_and_feminine():
    assert gender_forms("Conseiller / Conseillère en gestion") == ["Conseiller en gestion", "Conseillère en gestion"]
    assert gender_forms("Technicien supérieur / Technicienne supérieure en chimie") == [
        "Technicien supérieur en chimie", "Technicienne supérieure en chimie"]
    assert gender_forms("Data engineer") == ["Data engineer"]


def test_classify_returns_the_agreed_shape(clf):
    out = clf.classify("Data engineer (H/F)", "Vous concevrez des pipelines de données en Python.")
    assert set(out) == {"occupation", "fap2021", "fap2009", "isco", "esco_occupation", "domain"}
    assert set(out["occupation"]) == {"rome", "appellation", "score", "candidates"}
    assert out["occupation"]["rome"] == "M9001"
    assert out["occupation"]["appellation"] == "900002"
    cands = out["occupation"]["candidates"]
    assert 1 <= len(cands) <= 5 and all(set(c) == {"rome", "score"} for c in cands)
    assert [c["score"] for c in cands] == sorted((c["score"] for c in cands), reverse=True)
    assert cands[0]["rome"] == "M9001"


@pytest.mark.parametrize("title, rome", [
    ("Conductrice de bus", "N9001"),
    ("Chauffeur de car scolaire H/F", "N9001"),
    ("Serveuse (H/F) CDD", "G9001"),
    ("Experte en science des données", "M9002"),
    ("Développeur Big Data", "M9001"),
    ("DATA SCIENTIST JUNIOR", "M9002"),
])
def test_titles_go_to_their_fiche(clf, title, rome):
    assert clf.classify(title)["occupation"]["rome"] == rome


def test_description_decides_between_fiches_sharing_a_title(clf):
    food = clf.classify("Conducteur de ligne", "Conditionner des produits alimentaires dans le respect de l'hygiène HACCP.")
    plastic = clf.classify("Conducteur de ligne", "Régler la presse à injecter, plasturgie, matières plastiques.")
    assert food["occupation"]["rome"] == "H9001"
    assert plastic["occupation"]["rome"] == "N9002"


def test_crosswalks_give_esco_and_isco(clf):
    out = clf.classify("Conducteur de bus")
    assert out["esco_occupation"] == "http://data.europa.eu/esco/occupation/test-bus-driver"
    assert out["isco"] == "8331"
    # no FAP table in the fixture: the fields are present and null
    assert out["fap2021"] is None and out["fap2009"] is None


def test_unknown_title_gives_an_empty_occupation(clf):
    out = clf.classify("zzzz qqqq")
    assert out["occupation"]["rome"] is None and out["occupation"]["candidates"] == []


def test_classifier_is_cached_and_reloads_identically(settings):
    first = occ.load_occupation_classifier(settings)
    assert list((settings.cache_dir / "occupations").glob("*/title_index.npz"))
    occ._loaded.clear()
    second = occ.load_occupation_classifier(settings)
    assert second is not first
    for title in ("Data engineer", "Serveur", "Conducteur de ligne"):
        assert first.classify(title, "produits alimentaires") == second.classify(title, "produits alimentaires")
    # the cache (read with orjson) gives back what was built (json.dumps wrote it)
    for name in ("fiches", "appellations", "appellation_esco", "esco_isco", "fap", "fiche_parent"):
        assert getattr(second.ref, name) == getattr(first.ref, name), name
    assert second.doc_texts == first.doc_texts
    assert second.doc_appellation == first.doc_appellation and second._fiche_esco == first._fiche_esco
    assert second._stem_ids == first._stem_ids and second.index.vocab == first.index.vocab
    # made when first asked, not at load: the appellation labels and the rarely used appellations' labels
    some = first.ref.appellations[0]
    assert second.appellation_label(some["code_ogr"]) == some["label"] and second.appellation_label(None) is None
    assert second.appellation_label("no such code") is None
    rare = {a["code_ogr"] for a in first.ref.appellations if a.get("rarely_used")}
    got = second._rare_docs()
    assert (got is None) if not rare else sorted(got.tolist()) == [i for i, a in enumerate(second.doc_appellation)
                                                                    if a in rare]


@pytest.mark.parametrize("collecting", [True, False])
def test_loading_leaves_the_garbage_collector_as_it_was(settings, collecting):
    """``OccupationClassifier.load`` pauses the collector while it reads the cache, and restores it."""
    import gc

    occ.load_occupation_classifier(settings)    # builds the cache
    occ._loaded.clear()
    was = gc.isenabled()
    (gc.enable if collecting else gc.disable)()
    try:
        assert occ.load_occupation_classifier(settings).classify("Serveur")["occupation"]["rome"]
        assert gc.isenabled() is collecting
    finally:
        (gc.enable if was else gc.disable)()


def test_a_cache_orjson_refuses_is_rebuilt(settings):
    first = occ.load_occupation_classifier(settings)
    (meta,) = (settings.cache_dir / "occupations").glob("*/occupations.json")
    meta.write_text(meta.read_text(encoding="utf-8").replace('"doc_texts"', '"x": NaN, "doc_texts"', 1), encoding="utf-8")
    with pytest.raises(ValueError):
        orjson.loads(meta.read_bytes())
    occ._loaded.clear()
    again = occ.load_occupation_classifier(settings)        # built again from the referential
    assert again is not first and again.classify("Serveur", "salle") == first.classify("Serveur", "salle")


def test_domains_are_data(tmp_path, clf):
    assert clf.classify("Data engineer (H/F)")["domain"] == "data"
    assert clf.classify("Serveur")["domain"] is None
    rules = tmp_path / "domains.yaml"
    rules.write_text("domains:\n  - id: transport\n    label: Transport\n    title: ['bus', 'car']\n", encoding="utf-8")
    tagger = DomainTagger.from_yaml(rules)
    assert tagger.tag("Conducteur de bus") == "transport"
    assert tagger.tag("Serveur") is None


def test_bad_domain_rules_name_the_file(tmp_path):
    rules = tmp_path / "domains.yaml"
    rules.write_text("domains:\n  - id: x\n    label: X\n    title: ['(unclosed']\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        DomainTagger.from_yaml(rules)
    assert "domains.yaml" in str(err.value) and "title" in str(err.value)


@pytest.mark.mirror
def test_real_referential_classifies_common_titles(mirror, tmp_path):
    occ._loaded.clear()
    s = Settings(data_dir=tmp_path / "none", mirror=mirror, cache_dir=tmp_path / "cache")
    clf = occ.load_occupation_classifier(s)
    assert clf.coded is not None        # the mirror's coded offers vote (test_coded_titles.py) …
    clf.coded = None                    # … here, the referential alone
    out = clf.classify("Data Engineer (H/F)")
    assert out["occupation"]["rome"] == "M1811"
    assert out["esco_occupation"] and out["isco"]
    assert out["fap2021"] and out["fap2009"]
    assert clf.classify("Aide-soignant de nuit (H/F)")["occupation"]["rome"] == "J1501"
    json.dumps(out)
    codes = [c for c, _, _ in clf.rank("Conducteur de véhicules super lourds (H/F)", None, 3)]
    assert codes[:2] == ["N4115", "N4101"]        # a ROME 4.0 fiche, then its pre-4.0 parent
    # the fiche-level ESCO fallback: each fiche's most mapped ESCO occupation, the first met on ties
    # (as Counter.most_common(1); the real referential has ties)
    counts: dict = {}
    for a in clf.ref.appellations:
        for uri in clf.ref.appellation_esco.get(a["code_ogr"], [])[:1]:
            counts.setdefault(a["code_rome"], Counter())[uri] += 1
    assert clf._fiche_esco == {code: c.most_common(1)[0][0] for code, c in counts.items()}
    assert sum(len(c) > 1 and sorted(c.values())[-1] == sorted(c.values())[-2] for c in counts.values()) > 10


def test_fiche_definitions_are_description_evidence(clf):
    # "biscuits" and "extrudeuse" are only in the fiches' definitions (unix_texte), not in their items
    assert clf.classify("Conducteur de ligne", "Production de biscuits en série.")["occupation"]["rome"] == "H9001"
    assert clf.classify("Conducteur de ligne", "Vous surveillerez l'extrudeuse.")["occupation"]["rome"] == "N9002"


def test_access_texts_are_not_description_evidence(clf):
    # "extrusion" appears only in H9001's acces_metier text, which is about diplomas, not the job
    scores = clf._description_scores("extrusion", ["H9001", "N9002"])
    assert scores.get("H9001", 0.0) == 0.0


def test_parent_fiche_of_a_rome4_fiche_is_a_candidate(clf):
    out = clf.rank("Chef de rang (H/F)", None, 5)
    assert [c for c, _, _ in out[:2]] == ["G9002", "G9001"]      # the ROME 4.0 fiche first, then its parent
    assert out[1][1] == pytest.approx(clf.PARENT_SHARE * out[0][1])
    assert out[1][2] is None                                     # no appellation of the parent matched
    assert "G9001" not in [c for c, _, _ in clf.rank("Chef de rang", None, 5, parents=False)]
    cands = clf.classify("Chef de rang")["occupation"]["candidates"]
    assert [c["rome"] for c in cands[:2]] == ["G9002", "G9001"]


def test_title_acronyms_are_also_scored_spelled_out():
    from adequa.enrich.occupation import title_segments

    texts = [t for t, _ in title_segments(clean_title("ML Engineer (H/F)"))]
    assert "ml engineer" in texts and "machine learning engineer" in texts
    assert any("intelligence artificielle" in t for t, _ in title_segments(clean_title("Lead AI Engineer")))
    assert [t for t, _ in title_segments("serveur")] == ["serveur"]


@pytest.mark.parametrize("cleaned, heads", [
    ("conducteur de ligne ensachage", {"conducteur"}),
    ("technicienne methodes - lyon", {"technicien"}),      # feminine joined by the stemmer; first segment only
    ("software developer", {"software", "developpeur"}),   # an English head word brings its French equivalent
    ("", set()),
])
def test_title_heads(cleaned, heads):
    from adequa.enrich.occupation import title_heads

    assert title_heads(cleaned) == heads


def test_head_bonus_lifts_the_labels_holding_the_title_head(clf):
    title = clean_title("Développeur data scientist")
    plain = {c: s for c, s, _ in clf._title_uncached(title)}
    clf.HEAD_BONUS = 0.5
    try:
        boosted = clf._title_uncached(title)
    finally:
        clf.HEAD_BONUS = 0.0
    by_code = {c: (s, a) for c, s, a in boosted}
    # the fiche whose best label holds "développeur" gains exactly 1.5x, the others keep their score
    assert by_code["M9001"][0] == pytest.approx(1.5 * plain["M9001"], rel=1e-6)
    assert by_code["M9002"][0] == pytest.approx(plain["M9002"], rel=1e-6)
    assert boosted[0][0] == "M9001"


@pytest.mark.parametrize("title, french", [
    ("Night Nurse (H/F)", "infirmier"), ("Delivery driver", "conducteur"), ("Sales representative - Lyon", "commercial"),
])
def test_english_head_words_bring_their_french_equivalent(title, french):
    from adequa.enrich.occupation import title_segments

    texts = [t for t, _ in title_segments(clean_title(title))]
    assert texts[0] == clean_title(title).replace(" - ", " ")      # the title itself is scored first, unchanged
    assert any(french in t.split() for t in texts[1:])
