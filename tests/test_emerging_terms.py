"""Skill-like term candidates, variant grouping and nearest taxonomy items (pure functions)."""

from adequa.enrich.emerging_terms import (acronym_definitions, acronym_of, candidate_terms, group_variants,
                                          is_tool_shaped, nearest_item, nearest_items, term_key)

KNOWN = {term_key(t) for t in ("Python", "SQL", "Docker", "Git", "Excel", "Azure")}

AD = """Nous recherchons un(e) ingénieur(e) data pour rejoindre notre équipe à Rouen.
Votre profil :
- Maîtrise de Python et de SQL
- Expérience avec les LLM et LangChain
- Connaissance de dbt, Snowflake et Zorblax
Environnement technique : Azure, Databricks, PyTorch, GPT-4, Node.js, C++
Poste en CDI, 35h, tickets restaurant, mutuelle.
Vous serez rigoureux et autonome."""


def _terms(text, known=KNOWN):
    return [c.term for c in candidate_terms(text, known=known)]


def test_candidates_are_the_unlisted_tools_of_requirement_lists():
    terms = _terms(AD)
    for expected in ("LLM", "LangChain", "dbt", "Snowflake", "Zorblax", "Databricks", "PyTorch", "GPT-4",
                     "Node.js", "C++"):
        assert expected in terms, (expected, terms)
    # Known skills are not candidates; neither are contract terms, benefits, places or soft words.
    for absent in ("Python", "SQL", "Azure", "CDI", "35h", "tickets restaurant", "mutuelle", "Rouen",
                   "rigoureux", "autonome", "Maîtrise de Python"):
        assert absent not in terms, (absent, terms)


def test_known_terms_are_filtered_by_key_not_by_spelling():
    assert "python" not in [t.lower() for t in _terms("Compétences : PYTHON, Zorblax, sql")]
    assert "PYTHON" in _terms("Compétences : PYTHON, Zorblax, sql", known=set())


def test_offsets_point_into_the_original_text():
    for c in candidate_terms(AD, known=KNOWN):
        assert AD[c.start:c.end] == c.term
        assert c.sentence and c.term in c.sentence
        assert 0.5 <= c.score <= 1.0


def test_offsets_survive_escaped_newlines_and_entities():
    text = "Profil :/r/n- Connaissance de Zorblax&#xa;et de Quillora\\nStack : Krandex, dbt, Python"
    found = {c.term: c for c in candidate_terms(text, known=KNOWN)}
    assert {"Zorblax", "Quillora", "Krandex", "dbt"} <= set(found)
    for c in found.values():
        assert text[c.start:c.end].startswith(c.term.split()[0])


def test_plain_prose_gives_no_candidates():
    prose = ("Notre entreprise familiale fabrique des meubles depuis 1950. Vous travaillerez dans un atelier "
             "lumineux avec une équipe accueillante, du lundi au vendredi.")
    assert _terms(prose) == []


def test_tool_shapes():
    for t in ("PyTorch", "MLOps", "LLM", "LLMs", "GPT-4", "S3", "C++", "C#", "Node.js", ".NET"):
        assert is_tool_shaped(t), t
    for t in ("CDI", "RTT", "35h", "Python", "données", "H/F", "example.com"):
        assert not is_tool_shaped(t), t


def test_term_key_ignores_case_accents_spaces_hyphens_and_plural():
    assert term_key("Power BI") == term_key("PowerBI") == term_key("power-bi")
    assert term_key("LLMs") == term_key("LLM") == "llm"
    assert term_key("Données") == term_key("donnee")
    assert term_key("C++") != term_key("C#")


def test_acronyms_and_their_definitions():
    assert acronym_of("Large Language Models") == "llm"
    assert acronym_of("Retrieval-Augmented Generation") == "rag"
    assert acronym_of("traitement automatique des langues") == "tal"
    assert acronym_of("Python") is None
    text = "Projets de Retrieval Augmented Generation (RAG) et de traitement du langage naturel (TLN)."
    assert ("Retrieval Augmented Generation", "RAG") in acronym_definitions(text)
    assert ("traitement du langage naturel", "TLN") in acronym_definitions(text)
    assert acronym_definitions("Une équipe de dix personnes (ABC) à Caen.") == []


def test_variants_group_spellings_acronyms_translations_and_typos():
    groups = group_variants({"LLM": 5, "LLMs": 2, "Large Language Models": 1, "grands modèles de langage": 1,
                             "Power BI": 3, "PowerBI": 1, "power-bi": 1, "Kubernetes": 2, "Kubernetess": 1,
                             "apprentissage automatique": 2, "Machine Learning": 3, "ML": 1, "Zorblax": 4})
    by_label = {g.label: g for g in groups}
    assert set(by_label["LLM"].variants) == {"LLM", "LLMs", "Large Language Models", "grands modèles de langage"}
    assert by_label["LLM"].count == 9
    assert set(by_label["Power BI"].variants) == {"Power BI", "PowerBI", "power-bi"}
    assert set(by_label["Kubernetes"].variants) == {"Kubernetes", "Kubernetess"}
    assert set(by_label["Machine Learning"].variants) == {"Machine Learning", "apprentissage automatique", "ML"}
    assert set(by_label["Zorblax"].variants) == {"Zorblax"}
    assert groups[0].label == "LLM"        # largest first


def test_short_or_shared_acronyms_do_not_chain_phrases():
    groups = group_variants({"TP": 5, "temps partiel": 3, "téléphone professionnel": 2, "PA": 1,
                             "personnes âgées": 2, "produits agroalimentaires": 1})
    assert len(groups) == 6
    # A 3-letter acronym with one long form joins it; with two long forms it stays apart.
    assert len(group_variants({"RAG": 3, "retrieval augmented generation": 1})) == 1
    assert len(group_variants({"CRM": 3, "customer relationship management": 1, "centre de ressources mobiles": 1})) == 3


def test_plausible_terms_from_other_extractors():
    from adequa.enrich.emerging_terms import plausible_term

    for ok in ("Databricks", "dbt", "Power BI", "MLOps", "data mesh"):
        assert plausible_term(ok), ok
    for bad in ("interviendrez sur des projets à fort impact", "stimulant", "CDI", "Bac+2", "poste", ""):
        assert not plausible_term(bad), bad


def test_unrelated_terms_stay_apart():
    groups = group_variants(["dataiku", "databricks", "Docker", "Dagster", "RAG", "rag-time band"], fuzzy=90)
    assert len(groups) == 6


def test_explicit_pairs_join_groups():
    groups = group_variants({"TLN": 2, "traitement du langage naturel": 1},
                            pairs=[("traitement du langage naturel", "TLN")])
    assert len(groups) == 1


def test_nearest_item_uses_spelling_and_translations():
    labels = [("1", "Machine learning"), ("2", "Gestion de stock"), ("3", "Microsoft Power BI"),
              ("4", "Langage SQL")]
    assert nearest_item("apprentissage automatique", labels)["id"] == "1"
    assert nearest_item("PowerBI Microsoft", labels)["id"] == "3"
    assert nearest_item("gestion des stocks", labels)["id"] == "2"
    assert nearest_item("Zorblax", labels, min_score=80) is None
    assert nearest_items([], labels) == []
    assert nearest_items(["x"], []) == [None]
