"""The skill extractor on a small hand-written taxonomy (tests/fixtures/skills/mirror)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adequa.config import Settings
from adequa.enrich.taxonomy import Taxonomy
from adequa.errors import InputError

FIXTURE = __import__("pathlib").Path(__file__).parent / "fixtures" / "skills"


@pytest.fixture(scope="module")
def extractor(tmp_path_factory):
    from adequa.pipeline.annotate import load_skill_extractor

    tmp = tmp_path_factory.mktemp("skills")
    s = Settings(mirror=FIXTURE / "mirror", data_dir=tmp / "absent", cache_dir=tmp / "cache")
    return load_skill_extractor(s)


def texts(mentions):
    return [m.text for m in mentions]


def test_tools_in_a_coordination_are_split(extractor):
    got = extractor.extract("Maîtrise de Python, SQL et Spark.")
    assert texts(got) == ["Python", "SQL", "Spark"]
    assert got[2].rome_ogr == "404056" and got[2].esco_uri is None   # curated link (lexicon.tsv)
    assert got[0].esco_uri and got[0].rome_ogr is None and not got[0].unlisted


def test_nominalisation_links_to_the_infinitive_label(extractor):
    text = "Vos missions :\n- Vous assurerez la préparation des commandes\n- accueil de la clientèle"
    got = extractor.extract(text)
    assert texts(got) == ["préparation des commandes", "accueil de la clientèle"]
    assert [m.rome_ogr for m in got] == ["800001", "800004"]
    assert all(m.kind == "savoir-faire" for m in got)


def test_conjugated_verb_and_reordered_words(extractor):
    got = extractor.extract("Missions :\n- vous gérerez les bases de données de l'entreprise")
    assert got and got[0].rome_ogr == "800003"
    assert got[0].text.startswith("gérerez les bases de données")


def test_fiche_hint_prefers_the_fiche_item(extractor):
    text = "Missions :\n- Préparer les commandes de produits frais"
    assert extractor.extract(text)[0].rome_ogr == "800006"      # literal label wins without a hint
    got = extractor.extract("Missions :\n- préparation des commandes", rome_hint="Z9901")
    assert got[0].rome_ogr == "800001"


def test_soft_skills_keep_gender_marks_and_use_the_mapping(extractor):
    text = "Profil : vous êtes rigoureux(se), autonome et doté d'un bon esprit d'équipe."
    got = extractor.extract(text)
    assert texts(got) == ["rigoureux(se)", "autonome", "esprit d'équipe"]
    assert [m.rome_ogr for m in got] == ["300490", "300460", "300465"]
    assert {m.kind for m in got} == {"savoir-être"}


def test_job_description_adjectives_are_not_soft_skills(extractor):
    got = extractor.extract("Vous rejoindrez un environnement dynamique sur un poste polyvalent.")
    assert got == []


def test_boilerplate_only_ad_gives_nothing(extractor):
    text = ("Qui sommes-nous ?\nNotre entreprise familiale, leader régional, recrute.\n"
            "Avantages : mutuelle, tickets restaurant, prime annuelle.\n"
            "Salaire : 2000 euros brut par mois, CDI, temps plein du lundi au vendredi.\n"
            "Pour postuler, envoyez votre CV. Poste ouvert aux personnes en situation de handicap.")
    assert extractor.extract(text) == []


def test_certification_and_diploma(extractor):
    got = extractor.extract("Profil : Bac pro exigé. Permis B indispensable.")
    assert texts(got) == ["Permis B"]
    assert got[0].rome_ogr == "123456" and got[0].kind == "certification"


def test_task_with_no_label_is_unlisted(extractor):
    got = extractor.extract("Missions :\n- Nettoyer les spectromètres quantiques du laboratoire")
    assert len(got) == 1 and got[0].unlisted and got[0].rome_ogr is None and got[0].esco_uri is None
    assert got[0].text == "Nettoyer les spectromètres quantiques du laboratoire"


def test_literal_escapes_do_not_shift_offsets(extractor):
    text = "Missions :/r/n- Préparer les commandes/r/n- Nettoyer le poste de travail"
    got = extractor.extract(text)
    assert texts(got) == ["Préparer les commandes", "Nettoyer le poste de travail"]


_WORDS = ["Python", "SQL", "rigoureux(se)", "préparation des commandes", "vous", "êtes", ",", " et ", "\n", "- ",
          "Missions :", "/r/n", "é", "’", "CACES", "(H/F)", "  ", "Permis B", "l'", "autonome", "😀", "\t", "ǅ"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.sampled_from(_WORDS), st.text(max_size=6)), max_size=40))
def test_offsets_always_index_the_input(extractor, parts):
    text = "".join(parts)
    for m in extractor.extract(text):
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start:m.end] == m.text
        assert not (m.rome_ogr and m.esco_uri)
        assert m.unlisted == (not (m.rome_ogr or m.esco_uri))


def test_taxonomy_from_rows_names_bad_rows():
    tax = Taxonomy.from_rows("custom", "1", [{"id": "x1", "label": "Pilotage de drones", "alt_labels": "drone|UAV"}])
    assert tax.get("x1").alt_labels == ("drone", "UAV")
    with pytest.raises(InputError) as err:
        Taxonomy.from_rows("custom", "1", [{"id": "x1", "label": ""}], origin="my.csv")
    assert "my.csv" in str(err.value) and "label" in str(err.value)


def test_user_alias_file_adds_a_surface_form(tmp_path):
    from adequa.pipeline.annotate import load_skill_extractor

    alias = tmp_path / "aliases.csv"
    alias.write_text("id,label,source\n800002,réassort,rome\nxx1,pilotage de drones,custom\n", encoding="utf-8")
    s = Settings(mirror=FIXTURE / "mirror", data_dir=tmp_path / "absent", cache_dir=tmp_path / "cache")
    ex = load_skill_extractor(s, taxonomies=[alias])
    got = ex.extract("Missions :\n- réassort ;\n- pilotage de drones")
    assert [(m.text, m.rome_ogr, m.unlisted) for m in got] == [("réassort", "800002", False),
                                                               ("pilotage de drones", None, True)]
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name\n1,x\n", encoding="utf-8")
    with pytest.raises(InputError):
        load_skill_extractor(s, taxonomies=[bad])
