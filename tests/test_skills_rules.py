"""Span and link rules taken from the annotation guidelines (EVALUATION.md §3–§5), on the small
hand-written taxonomy of tests/fixtures/skills/mirror plus the curated lexicon."""

import html
import json
from pathlib import Path

import pytest

from adequa.config import Settings

FIXTURE = Path(__file__).parent / "fixtures" / "skills"


@pytest.fixture(scope="module")
def ex(tmp_path_factory):
    from adequa.pipeline.annotate import load_skill_extractor

    tmp = tmp_path_factory.mktemp("rules")
    return load_skill_extractor(Settings(mirror=FIXTURE / "mirror", data_dir=tmp / "absent", cache_dir=tmp / "cache"))


def spans(ex, text, **kw):
    got = ex.extract(text, **kw)
    for m in got:
        assert text[m.start:m.end] == m.text
    return [m.text for m in got]


def test_a_gender_mark_read_as_a_word_keeps_its_closing_bracket(ex):
    assert spans(ex, "Profil : vous êtes polyvalent(e) et rigoureux(se).") == ["polyvalent(e)", "rigoureux(se)"]


def test_certification_codes_and_categories_stay_in_the_span(ex):
    got = ex.extract("Profil : CACES R389/R489 cat 1-3-5 exigé, permis C/CE.")
    assert [m.text for m in got] == ["CACES R389/R489 cat 1-3-5", "permis C/CE"]
    assert {m.kind for m in got} == {"certification"}
    # but not the words after them
    assert spans(ex, "Profil : permis B exigé") == ["permis B"]


def test_quotes_end_a_span(ex):
    assert spans(ex, "Missions :\n- préparation des commandes « express »") == ["préparation des commandes"]


def test_a_span_stops_before_sur_once_it_names_its_object(ex):
    assert spans(ex, "Missions :\n- former les préparateurs sur les consignes de sécurité") == ["former les préparateurs"]


def test_a_soft_skill_verb_with_an_object_is_a_task(ex):
    got = ex.extract("Missions :\n- adapter les gammes de produits")
    assert [m.text for m in got] == ["adapter les gammes de produits"]
    assert got[0].kind == "savoir-faire" and got[0].rome_ogr != "300479"
    assert [m.rome_ogr for m in ex.extract("Profil : Adaptation.")] == ["300479"]
    task = ex.extract("Missions : organiser les tournées")
    assert [m.text for m in task] == ["organiser les tournées"] and task[0].kind == "savoir-faire"


def test_quantifiers_do_not_steer_the_link(ex):
    """"tous" is in the span but not in the keys used to find the label."""
    plain = ex.extract("Missions :\n- préparation des commandes")
    noisy = ex.extract("Missions :\n- préparation de toutes les commandes")
    assert plain and noisy and noisy[0].rome_ogr == plain[0].rome_ogr
    assert noisy[0].text == "préparation de toutes les commandes"


@pytest.fixture(scope="module")
def ex_tools(tmp_path_factory):
    """The fixture taxonomy plus a user file whose labels start with a framing verb."""
    from adequa.pipeline.annotate import load_skill_extractor

    tmp = tmp_path_factory.mktemp("rules_tools")
    extra = tmp / "tools.csv"
    extra.write_text("id,label\nT1,Utiliser les réseaux sociaux\nT2,Connaître les outils bureautiques\n"
                     "T3,Utiliser un chariot élévateur\n", encoding="utf-8")
    return load_skill_extractor(Settings(mirror=FIXTURE / "mirror", data_dir=tmp / "absent", cache_dir=tmp / "cache"),
                                taxonomies=[extra])


def test_a_labels_framing_verb_is_left_out_of_the_span(ex_tools):
    """EVALUATION.md §3: framing verbs are dropped, even when a label starts with one."""
    got = spans(ex_tools, "Missions :\n- utiliser les réseaux sociaux\n- connaître les outils bureautiques")
    assert got == ["réseaux sociaux", "outils bureautiques"]
    # a nominalised action is the skill itself: it stays
    assert spans(ex_tools, "Missions :\n- utilisation d'un chariot élévateur") == ["utilisation d'un chariot élévateur"]


def test_a_lone_adjective_after_et_continues_the_object_with_or_without_accents(ex):
    """"normes techniques et énergétiques" is one span, like "normes techniques et energetiques": the
    coordination rule does not depend on whether the adjective has an accent."""
    assert spans(ex, "Profil :\n- normes techniques et énergétiques") == ["normes techniques et énergétiques"]
    assert spans(ex, "Profil :\n- normes techniques et energetiques") == ["normes techniques et energetiques"]


def test_capacity_words_are_left_out_of_a_soft_skill_but_not_of_capacite_d_analyse(ex):
    """EVALUATION.md §7: "capacité d'**adaptation**"; "capacité d'analyse" is kept whole."""
    got = ex.extract("Profil : capacité d'adaptation, qualités d'écoute, capacité d'analyse.")
    assert [m.text for m in got] == ["adaptation", "écoute", "capacité d'analyse"]
    assert [m.rome_ogr for m in got[:1]] == ["300479"]


def test_what_follows_experience_en_is_a_skill_even_as_one_word(ex):
    """EVALUATION.md §4: "expérience en **maçonnerie**" is labelled, though no label is that word
    and it is not an item of a list; a lone word elsewhere still is not a mention."""
    assert spans(ex, "Profil : expérience en maçonnerie souhaitée.") == ["maçonnerie"]
    assert spans(ex, "Profil : une connaissance de la taille des arbres fruitiers") == ["taille des arbres fruitiers"]
    assert spans(ex, "Profil : la maçonnerie vous plaît.") == []
    # "secteur" heads no skill, except as the knowledge asked for ("connaissance du secteur agroalimentaire")
    assert spans(ex, "Profil : connaissance du secteur agroalimentaire") == ["secteur agroalimentaire"]
    assert spans(ex, "Entreprise du secteur agroalimentaire, expérience dans le secteur.") == []


def test_how_much_a_skill_is_wanted_is_not_part_of_its_span(ex):
    assert spans(ex, "Missions :\n- préparation des commandes exigée") == ["préparation des commandes"]
    assert spans(ex, "Profil : maîtrise de la soudure TIG indispensable") == ["soudure TIG"]


def test_a_lone_action_before_et_shares_the_next_mentions_object(ex):
    """EVALUATION.md §3: "réception et contrôle des marchandises" is one span; but an action that is
    itself the complement of a noun ("équipes de production et …") is not pulled in."""
    got = spans(ex, "Missions :\n- la vérification et la préparation des commandes")
    assert got == ["vérification et la préparation des commandes"]
    got = spans(ex, "Missions :\n- encadrer les équipes de vérification et la préparation des commandes")
    assert "préparation des commandes" in got and not any(g.startswith("vérification") for g in got)


def test_an_adjective_after_et_shares_the_mentions_noun(ex):
    got = spans(ex, "Profil : maîtrise des outils bureautiques et informatiques.")
    assert got == ["outils bureautiques et informatiques"]
    # a noun conjunct with another ending stays out
    assert spans(ex, "Profil : maîtrise des outils bureautiques et tableaux.") != ["outils bureautiques et tableaux"]


def test_et_autres_starts_another_item(ex):
    got = spans(ex, "Missions :\n- réalisation de terrasses et autres travaux de maçonnerie")
    assert got and got[0] == "réalisation de terrasses"


def test_an_amount_of_time_is_not_a_skill(ex):
    assert spans(ex, "Missions :\n- un projet de data mining d'au moins 2 ans") == ["data mining"]
    assert spans(ex, "Missions :\n- réaliser des missions de 6 mois") == []
    assert spans(ex, "Missions :\n- minimum 3 ans en préparation de commandes") == ["préparation de commandes"]


def test_a_diplomas_field_is_not_a_skill_but_experience_in_it_is(ex):
    got = spans(ex, "Profil :\n- de formation bac +2 en comptabilité analytique\n- préparation des commandes")
    assert got == ["préparation des commandes"]
    assert "comptabilité analytique" in spans(ex, "Profil :\n- une expérience en comptabilité analytique")


def test_a_plural_quality_noun_is_a_thing(ex):
    assert spans(ex, "Profil : autonomie.") == ["autonomie"]
    assert "adaptations" not in spans(ex, "Missions :\n- suivre les entreprises et adaptations, préparation des commandes")


def test_a_span_does_not_start_with_a_past_participle_but_a_present_tense_is_kept(ex):
    got = spans(ex, "Missions :\n- vous assurez la gestion des commandes dans le cadre des objectifs\n"
                    "définis par l'entreprise.")
    assert got == ["gestion des commandes"]
    from adequa.enrich.skills import _past_participle

    assert _past_participle("établie", "etablir") and _past_participle("reçu", "recevoir")
    assert not _past_participle("négocie", "negocier") and not _past_participle("préparer", "preparer")


def test_a_long_one_line_text_gives_each_sentence_its_own_mentions(ex):
    # one line holding the same sentence many times (a feed without line breaks): the candidates
    # replace the exact matches inside them sentence by sentence, as in the sentence alone
    sentence = ("Vous assurez la préparation des commandes clients en entrepôt (une phrase qui contient un label), "
                "la préparation des commandes, l'accueil des clients et la mise en rayon. ")
    one = [(m.start, m.end, m.rome_ogr, m.esco_uri, m.method) for m in ex.extract(sentence)]
    assert [sentence[m[0]:m[1]] for m in one] == ["préparation des commandes clients en entrepôt",
                                                    "préparation des commandes", "accueil des clients", "mise en rayon"]
    assert [m[4] for m in one] == ["semantic", "lemma", "semantic", "semantic"]
    text = sentence * 300
    got = [(m.start, m.end, m.rome_ogr, m.esco_uri, m.method) for m in ex.extract(text)]
    step = len(sentence)
    assert got == [(s + k * step, e + k * step, *rest) for k in range(300) for s, e, *rest in one]


def test_the_employer_speaking_is_not_a_skill(ex):
    # EVALUATION.md §4: "nous accompagnons…", "nous proposons…" describe the company, not the job;
    # the same task said of the worker stays
    got = spans(ex, "Missions :\n- nous accompagnons les clients\n- vous accompagnez les clients")
    assert got == ["accompagnez les clients"]


def test_objects_coordinated_after_an_action_join_its_span(ex):
    """EVALUATION.md §3: "des délais", "des budgets" cannot stand alone, they share "suivi": one span.
    After a comma only a repeated determiner says so; a list of skills stays a list, and a conjunct
    that goes on (a hyphen, a preposition) or is an action of its own is not taken."""
    assert spans(ex, "Missions :\n- Suivi des livrables, des délais et des budgets") == [
        "Suivi des livrables, des délais et des budgets"]
    assert spans(ex, "Missions :\n- suivi des devis et des bordereaux (clients)") == ["suivi des devis et des bordereaux"]
    got = spans(ex, "Missions :\n- préparation de commandes, la visibilité des prix")
    assert "préparation de commandes, la visibilité des prix" not in got
    assert got[0] == "préparation de commandes"
    assert spans(ex, "Missions :\n- Suivi des livrables, des bordereaux-type")[0] == "Suivi des livrables"
    assert spans(ex, "Missions :\n- Suivi des livrables, des délais pour les clients")[0] == "Suivi des livrables"
    assert spans(ex, "Missions :\n- Suivi des livrables, des suivis de délais")[0] == "Suivi des livrables"


def test_more_coordinated_objects_join_the_action(ex):
    """EVALUATION.md §3, session 12: the object's determiner is read after the action's particle
    ("mettre en place **les** …"), elided determiners count ("de l'", "d'"), "ainsi que" coordinates,
    an action noun that ends its conjunct is an object ("et de l'isolation"), and a conjunct that
    was an unlisted phrase of its own is absorbed. Not: a verb with a clitic ("les gérer"), an
    action noun followed by an action with its own object."""
    assert spans(ex, "Missions :\n- mettre en place les huisseries, les encadrements et les montants") == [
        "mettre en place les huisseries, les encadrements et les montants"]
    assert spans(ex, "Missions :\n- Mise en place des rails et de l'isolation") == [
        "Mise en place des rails et de l'isolation"]
    assert spans(ex, "Missions :\n- Suivi des livrables ainsi que des budgets") == [
        "Suivi des livrables ainsi que des budgets"]
    got = spans(ex, "Missions :\n- Suivre les livrables, les gérer")
    assert got and got[0] == "Suivre les livrables"
    got = spans(ex, "Missions :\n- Prendre en charge l'accueil des clients, le conseil et la vente de produits")
    assert not any(g.endswith("le conseil") for g in got)


def test_where_the_work_is_done_is_context_but_an_activity_there_is_a_skill(ex):
    """EVALUATION.md §4: "vous interviendrez sur les chantiers", "travaillez au sein du service" say
    where the job is done (work context, not labelled); when what follows the setting word is an
    action, that action is the skill, without the framing verb."""
    assert spans(ex, "Missions :\n- Vous interviendrez sur les chantiers de la région") == []
    assert spans(ex, "Missions :\n- Vous travaillez au sein du service logistique") == []
    got = spans(ex, "Missions :\n- Vous intervenez sur le suivi des livrables")
    assert got == ["suivi des livrables"]


def test_patient_is_a_quality_only_when_said_of_the_person(ex):
    """"patient" is a quality in "minutieux et patient", the noun in "dossier patient", "du patient"."""
    assert "patient" in spans(ex, "Profil : vous êtes minutieux et patient.")
    assert "patient" not in spans(ex, "Missions :\n- mise à jour du dossier patient")
    assert "patient" not in spans(ex, "Missions :\n- assurer le confort du patient")


def test_benefits_are_not_skills(ex):
    """EVALUATION.md §4: pay and benefits ("Prime de poste", "Mutuelle d'entreprise") are not skills."""
    assert spans(ex, "Avantages :\n- Prime de poste\n- Mutuelle d'entreprise\n- Indemnités kilométriques") == []
    assert spans(ex, "Missions :\n- Prime de nuit, tickets restaurant") == []
    assert spans(ex, "Missions :\n- Chèques vacances, tarifs préférentiels, une indemnisation de vos déplacements") == []


def test_knowledge_asked_for_after_opening_words_is_a_skill_without_how_well(ex):
    """EVALUATION.md §3/§4: "vous maîtrisez les **normes comptables**", "une connaissance approfondie des
    **bases de données**": the knowledge asked for is a mention even when no label says it, without
    the framing nor how well it must be known; a role ("maîtrise d'œuvre") or a vague word alone is not."""
    assert spans(ex, "Profil : Vous maîtrisez les normes comptables nationales.") == ["normes comptables nationales"]
    assert spans(ex, "Profil : une connaissance approfondie des bases de données") == ["bases de données"]
    assert spans(ex, "Profil : la maîtrise d'œuvre de travaux d'eau potable") == []
    assert spans(ex, "Profil : vous avez des connaissances techniques.") == []


def test_how_well_something_is_known_is_not_the_knowledge(ex):
    assert spans(ex, "Profil :\n- Connaissances détaillées :") == []
    assert spans(ex, "Profil :\n- Connaissance approfondie de la comptabilité analytique") == ["comptabilité analytique"]


def test_a_nationality_is_not_a_language(ex):
    """"partenaire français", "entreprise française", "clients principalement allemands" name no
    language asked for; "maîtrise de l'anglais", "Français courant", "langue anglaise" do."""
    assert spans(ex, "Nous sommes le 1er partenaire français du secteur.") == []
    assert spans(ex, "Cette entreprise française conçoit des machines.") == []
    assert spans(ex, "Nos clients sont principalement allemands.") == []
    got = spans(ex, "Profil : maîtrise de l'anglais, Français courant, allemand.")
    assert ["anglais", "allemand"] == [t for t in got if t in ("anglais", "allemand")]
    assert any(t.startswith("Français") for t in got)
    assert "anglaise" in spans(ex, "Profil : connaissance de la langue anglaise.")


def test_a_language_keeps_its_level(ex):
    """EVALUATION.md §2: a language "with or without a level": "**Français courant**", "**allemand B2**"."""
    got = spans(ex, "Profil : Français courant, allemand B2, espagnol.")
    assert got[:2] == ["Français courant", "allemand B2"]


def test_the_employer_growing_or_committing_is_company_text(ex):
    """EVALUATION.md §4: "pour renforcer son équipe", "X s'engage dans …", "un groupe international":
    the employer, not the job."""
    assert spans(ex, "Safran s'engage dans des programmes qui préservent les priorités environnementales.") == []
    assert spans(ex, "Pour renforcer ses équipes, la société recherche un comptable.") == []


def test_html_in_a_description_is_read_decoded_with_offsets_into_the_text_as_given(ex):
    plain = "Missions :\n- Vous maîtrisez les règles d'hygiène HACCP\n- préparation des commandes"
    escaped = ("Missions :&lt;br /&gt;- Vous ma&icirc;trisez les r&egrave;gles d&#39;hygi&egrave;ne HACCP"
               "<br>- pr&eacute;paration des commandes")
    want = ex.extract(plain)
    got = ex.extract(escaped)
    assert want and len(got) == len(want)
    for m in got:
        assert escaped[m.start:m.end] == m.text
    # the same mentions, linked the same way: only their offsets and surface text differ
    assert [(m.rome_ogr, m.esco_uri, m.kind, m.label) for m in got] == \
        [(m.rome_ogr, m.esco_uri, m.kind, m.label) for m in want]
    assert [html.unescape(m.text) for m in got] == [m.text for m in want]
    # extract_json (what annotate writes) gives the same offsets
    body, n = ex.extract_json(escaped)
    assert n == len(got) and [(d["start"], d["end"]) for d in json.loads(f"[{body}]")] == \
        [(m.start, m.end) for m in got]


def test_a_role_sentence_frames_the_task_it_announces(ex):
    # "rôle" heads no skill: before, "Votre rôle sera de …" dropped the whole task
    assert spans(ex, "Votre rôle sera de gérer votre espace de vente.") == ["gérer votre espace de vente"]
    assert spans(ex, "Avoir un rôle de conseil auprès des clients.") == ["conseil auprès des clients"]


def test_a_benefits_header_with_words_of_its_own_opens_a_boilerplate_section(ex):
    # "Vos avantages chez Dupont :" is the "vos avantages" header followed by the employer's name
    assert spans(ex, "Vos avantages chez Dupont :\n- accompagnement personnalisé\n- gestion des stocks") == []
    assert spans(ex, "Vos avantages :\n- gestion des stocks") == []
    # but a job header does not open a line that way: "Mission en temps plein" says the contract
    assert spans(ex, "Mission en temps plein : préparation des commandes\n- gestion des stocks") == \
        ["gestion des stocks"]


def test_a_phrase_opening_with_a_number_is_no_skill(ex):
    # schedules, hours and pay in a task list ("13ème mois", "36h/semaine", "8h-12h/14h-17h")
    assert spans(ex, "Missions :\n- 13ème mois\n- préparation des commandes") == ["préparation des commandes"]
    assert spans(ex, "Missions :\n- 36h/semaine avec acquisition de RTT") == []
    assert spans(ex, "Missions :\n- 8h-12h/14h-17h") == []


def test_a_driving_licence_keeps_its_category_and_links_to_it(ex):
    # "d" and "ce" are function words to the key matcher: the category is read after "permis"
    got = ex.extract("Profil : permis D exigé, vous avez le permis CE.")
    assert [(m.text, m.rome_ogr) for m in got] == [("permis D", "810090"), ("permis CE", "810091")]
    # in lower case, "de" is a word, not the category DE
    assert [m.text for m in ex.extract("afin d'obtenir les permis de travail")] == ["permis"]


def test_permis_after_avoir_is_permettre_not_a_licence(ex):
    assert spans(ex, "Votre expérience vous a permis de progresser.") == []
    assert spans(ex, "Nos valeurs nous ont permis de grandir.") == []


def test_adapte_says_a_thing_is_suitable_not_that_someone_adapts(ex):
    # read by its lemma, "adaptées" would be the quality "s'adapter": the soft-skill check refuses it
    toks = [(0, 9, "solutions", "solutions"), (10, 18, "adaptees", "adaptées")]
    assert not ex._soft_ok(toks, ["solution", "adapter"], 1, 1, [False, True])
    toks = [(0, 8, "capacite", "capacité"), (9, 21, "adaptation", "adaptation")]
    assert ex._soft_ok(toks, ["capacite", "adaptation"], 1, 1, [False, True])


def test_each_form_of_an_auto_row_of_the_lexicon_is_linked_on_its_own(ex):
    # the lexicon's "Golang|Rust|…|Ruby|…|PowerShell  auto" row is a list of tools: before, the first form
    # found among the labels (Ruby) gave its link to every form of the row
    got = {m.text: m.rome_ogr for m in ex.extract("Compétences : PowerShell, Ruby.")}
    assert got == {"PowerShell": None, "Ruby": "810092"}


def test_a_phrase_with_the_gender_pair_of_a_job_title_is_no_skill(ex):
    assert spans(ex, "Exploitation familiale recherche un agent de maintenance (H/F).") == []
    assert spans(ex, "Missions :\n- Conseiller immobilier en transaction H/F") == []
    # the title's pair does not hide the tasks of the next lines
    assert spans(ex, "Technicien de maintenance (H/F)\nVos missions :\n- gestion des stocks") == ["gestion des stocks"]


def test_who_recruits_is_no_skill_but_a_search_task_is(ex):
    assert spans(ex, "Exploitation laitière de 120 vaches recherche un salarié.") == []
    # "des" has the lemma "un": the rule reads the words as written
    assert spans(ex, "Missions :\n- recherche des pannes") == ["recherche des pannes"]


def test_an_adjective_shared_by_a_noun_holds_before_the_verb_that_asks_for_it(ex):
    assert spans(ex, "Profil :\n- Les langues française et anglaise sont exigées.") == ["langues française et anglaise"]


def test_a_l_ecoute_is_the_quality_as_ads_say_it_and_methodique_is_rigour(ex):
    got = ex.extract("Profil : vous êtes à l'écoute, méthodique et rigoureux.")
    assert [m.text for m in got] == ["à l'écoute", "méthodique", "rigoureux"]
    assert len({m.rome_ogr for m in got[1:]}) == 1      # EVALUATION.md §7: méthodique is rigueur


def test_more_qualities_ads_ask_for_are_found(ex):
    got = {m.text: m.kind for m in ex.extract("Profil : soigneux, débrouillard, sens des priorités, goût du challenge.")}
    assert got == dict.fromkeys(["soigneux", "débrouillard", "sens des priorités", "goût du challenge"], "savoir-être")


def test_a_lone_word_left_beside_a_tool_is_no_skill(ex):
    # "les intégrer dans la [GMAO] [SAP]": the tools are the mentions, "intégrer" alone names nothing
    assert spans(ex, "Missions :\n- Réaliser les avis d'interventions et les intégrer dans la GMAO SAP") == \
        ["Réaliser les avis d'interventions", "GMAO", "SAP"]
    assert "appliquer" not in spans(ex, "Missions :\n- Connaître et appliquer les règles HACCP")


def test_integre_is_a_quality_only_as_written(ex):
    # "intègre" (honest) and "intégration" share the key of the verb "intégrer"
    assert not ex._soft_ok([(0, 11, "integration", "intégration")], ["integrer"], 0, 0, [False])
    assert ex._soft_ok([(0, 7, "integre", "intègre")], ["integrer"], 0, 0, [False])


def test_a_plural_adjective_after_a_noun_qualifies_things_or_others(ex):
    def ok(words, keys):
        toks = [(0, 1, w, w) for w in words]
        return ex._soft_ok(toks, keys, len(words) - 1, len(words) - 1, [False] * len(words))

    assert not ok(["donnees", "fiables"], ["donnee", "fiable"])          # "données fiables"
    assert not ok(["salaries", "engages"], ["salarie", "engager"])        # "salariés engagés"
    assert not ok(["nous", "engageons"], ["", "engager"])                 # the employer speaking
    assert ok(["competences", "relationnelles"], ["competence", "relationnel"])
    assert ok(["rigoureux"], ["rigoureux"])


def test_benefits_and_negations_head_no_skill(ex):
    assert spans(ex, "Missions :\n- Pas de formation particulière\n- Actionnariat salarial possible") == []


def test_an_action_named_by_a_noun_stays_though_its_verb_frames(ex):
    # "veiller à" frames a task; "veille technologique" is the task (the same for "chargement": charger)
    assert spans(ex, "Missions :\n- Veille technologique permanente") == ["Veille technologique permanente"]
    # "participation" is framing as a noun too, as "participer" is
    assert spans(ex, "Missions :\n- Participation à la gestion des stocks") == ["gestion des stocks"]


def test_what_follows_en_tant_que_is_a_role(ex):
    got = spans(ex, "Missions :\n- En tant que référent technique principal du projet, vous coordonnez les équipes.")
    assert not [t for t in got if "référent" in t]


def test_infrastructure_acronyms_are_tools(ex):
    """Network and security acronyms of IT ads are knowledge (lexicon.tsv), each its own mention;
    the words around them are not."""
    got = spans(ex, "Profil :\n- maîtrise de DNS, GPO, LDAP/LDAPS et PKI ; supervision Grafana et Zabbix")
    for tool in ("DNS", "GPO", "LDAP", "LDAPS", "PKI", "Grafana", "Zabbix"):
        assert tool in got
    assert not any("maîtrise" in t for t in got)


def test_a_quality_after_a_verb_of_having_keeps_its_article(ex):
    """"la"/"le" before a quality word make it a thing ("nos engagements", "la rigueur de nos
    process")... except after a verb of having or liking: "acceptez la polyvalence" is the person's."""
    assert spans(ex, "Profil : vous acceptez la polyvalence.") == ["polyvalence"]
    assert spans(ex, "Profil : vous aimez le relationnel client.") == ["relationnel"]
    assert "polyvalence" not in spans(ex, "Profil : vous connaissez la polyvalence de nos ateliers.")


def test_prise_de_names_the_action(ex):
    """A light verb in front goes ("effectuer la saisie"); "prise" (prendre) + its object is the action."""
    assert spans(ex, "Missions :\n- prise de commandes et encaissement") == ["prise de commandes", "encaissement"]


def test_a_noun_marked_not_derived_keeps_its_own_key():
    """The "-age" rule reads "garage" as "garer"; derivations.tsv marks it "=": its own key, no action."""
    from adequa.enrich.lexical import NOT_DERIVED, KeyMaker

    assert KeyMaker("fr", {}, {"garer"}).key("garage") == "garer"
    marked = KeyMaker("fr", {"garage": NOT_DERIVED}, {"garer"})
    assert marked.key("garage") == "garage" and not marked.is_action("garage")
    assert marked.key("garer") == "garer"


def test_lone_actions_listed_before_an_object_share_it(ex):
    """§3: the verbs of "Accueillir, conseiller et servir la clientèle" share their object: one span.
    Verbs with no object stay one each, and so do nouns that name actions, and a verb with its own
    object ("les")."""
    assert spans(ex, "Missions :\n- Accueillir, conseiller et servir la clientèle") == \
        ["Accueillir, conseiller et servir la clientèle"]
    assert "Accueillir, conseiller" not in " ".join(spans(ex, "Missions :\n- accueillir, conseiller, encaisser"))
    got = spans(ex, "Missions :\n- la vente, la pose ou la fabrication de produits")
    assert not any(t.startswith("vente,") for t in got)


def test_the_clients_served_are_the_job_the_employers_own_client_is_company_talk(ex):
    # "vos clients", "nos clients" and "notre client" share the lemma "son client": only the employer's
    # (or agency's) own client makes a segment company talk
    for served in ("Vous conseillez vos clients et assurez la gestion des stocks.",
                   "Assurer la gestion des stocks auprès de nos clients."):
        assert any("gestion des stocks" in span for span in spans(ex, served))
    assert spans(ex, "Notre client conçoit des bennes et assure la gestion des stocks.") == []
    assert spans(ex, "Chez l'un de nos clients, gestion des stocks.") == []
    assert spans(ex, "Pour son client, il assure la gestion des stocks.") == []


def test_the_candidates_agency_and_values_are_the_job_the_employers_are_company_talk(ex):
    # "votre agence" and "notre agence" share a lemma too: only "notre"/"nos" is the employer speaking
    assert any("gestion des stocks" in span for span in spans(ex, "Vous gérez votre agence et la gestion des stocks."))
    assert spans(ex, "Notre agence assure la gestion des stocks.") == []
    assert spans(ex, "Nos valeurs : la gestion des stocks.") == []


def test_a_recruiting_sentence_asks_for_qualities_and_in_a_job_section_for_tasks(ex):
    # outside a job section, the qualities a recruiting sentence asks for are read, not its tasks
    assert spans(ex, "Nous recherchons une personne rigoureuse pour la gestion des stocks.") == ["rigoureuse"]
    assert spans(ex, "Profil :\nNous recherchons une personne rigoureuse et autonome.") == ["rigoureuse", "autonome"]
    assert any("gestion des stocks" in span for span in spans(ex, "Missions :\n- Recruter, former et assurer la gestion des stocks"))


def test_a_pronoun_after_a_skill_opens_another_clause(ex):
    # "vous plaît", "vous permet": the pronoun starts the verb's clause, which is no part of the skill
    assert spans(ex, "Missions :\nLa gestion des stocks vous plaît.") == ["gestion des stocks"]
    assert spans(ex, "Missions :\nLa gestion des stocks nous importe.") == ["gestion des stocks"]


def test_a_schedule_in_a_list_of_requirements_is_one_item_not_the_whole_list(ex):
    # "horaires" is an offer cue: it no longer makes boilerplate of the requirements listed beside it
    assert spans(ex, "horaires du matin, gestion des stocks, travail le samedi, sens du service") == \
        ["gestion des stocks", "sens du service"]
    # a list of benefits stays boilerplate, and so does a short one
    assert spans(ex, "Salaire attractif, mutuelle, gestion des stocks") == []


def test_a_task_whose_object_is_vague_is_no_mention(ex):
    # "relever le défi", "réaliser les missions suivantes": no skill named (§4); organising tasks is one
    assert spans(ex, "Missions :\n- relever le défi\n- réaliser les missions suivantes\n- effectuer d'autres tâches annexes") == []
    assert spans(ex, "Missions :\n- répartition des tâches") == ["répartition des tâches"]


def test_tu_es_and_tu_as_frame_a_skill_as_vous_etes_does(ex):
    # two-letter words are not lemmatised: "es" and "as" are framing words of their own
    assert spans(ex, "Profil :\nTu as une bonne gestion des stocks.") == ["gestion des stocks"]


def test_a_name_listed_beside_a_known_tool_is_an_unlisted_tool(ex):
    got = ex.extract("Compétences : Python, SQL, Webpack, Dagster (Polars).")
    assert [(m.text, m.kind, m.unlisted) for m in got if m.unlisted] == \
        [("Webpack", "savoir", True), ("Dagster", "savoir", True), ("Polars", "savoir", True)]
    # names with no known tool beside them, plain words, and a title's names are no tools
    assert spans(ex, "Postes à Paris, Lyon, Marseille.") == []
    assert not [m for m in ex.extract("Compétences : Python, anglais, divers outils.") if m.unlisted]
    assert [m.text for m in ex.extract("Data Engineer, Python", field="title")] == ["Python"]


def test_a_label_found_in_a_phrase_spans_what_makes_it_specific(ex):
    # §3: keep the object that makes the skill specific; the label's link stays
    got = ex.extract("Missions :\n- accueillir la clientèle de la boutique")
    assert [(m.text, m.rome_ogr) for m in got] == [("accueillir la clientèle de la boutique", "800004")]


def test_a_common_word_is_a_quality_only_in_a_frame_about_the_person(ex):
    """softskills.tsv "framed" rows: "rapide", "méthode", "logique", "efficace" are qualities after
    "vous êtes" / "tu es", after "faire preuve de", or listed beside another quality; not elsewhere."""
    assert spans(ex, "Profil : vous êtes autonome, rigoureux, rapide et soigneux.") == \
        ["autonome", "rigoureux", "rapide", "soigneux"]
    assert spans(ex, "Profil : tu es très efficace.") == ["efficace"]
    assert spans(ex, "Profil : tu fais preuve de logique.") == ["logique"]
    assert spans(ex, "Qualités : rigueur et méthode.") == ["rigueur", "méthode"]
    assert "rapide" not in spans(ex, "Le service assure une livraison rapide.")
    assert "méthode" not in spans(ex, "Profil : rigueur, méthode HACCP appliquée en cuisine.")
    assert "logique" not in spans(ex, "Missions :\n- suivre la logique de production")
    # a verb sharing the key is not the quality: the written form must be one of the row's forms
    assert "appliquez" not in spans(ex, "Profil : rigoureux et appliquez les consignes.")


def test_a_framed_quality_that_qualifies_the_next_word_is_not_one(ex):
    """"une rapide adaptation", "responsable du rayon": the word says something of what follows."""
    assert "rapide" not in spans(ex, "Profil : vous êtes autonome et une rapide adaptation est attendue.")
    assert "responsable" not in spans(ex, "Profil : vous êtes responsable du rayon.")
    assert "responsable" in spans(ex, "Profil : vous êtes organisé et responsable.")
    assert "responsable" not in spans(ex, "Missions :\n- rendre compte à votre responsable")


def test_esprit_before_a_framed_quality_is_part_of_it(ex):
    assert "esprit pragmatique" in spans(ex, "Profil : tu possèdes un esprit pragmatique.")


def test_a_quality_asked_for_by_a_recruiting_sentence_counts_before_a_join_us_cue(ex):
    """"Nous recherchons un vendeur motivé pour intégrer notre équipe": the company cue later in the
    sentence does not hide the quality the recruiting words ask for; company talk itself stays out."""
    assert "motivé" in spans(ex, "Nous recherchons un vendeur motivé pour intégrer notre équipe.")
    assert spans(ex, "Rejoignez notre équipe dynamique et bienveillante.") == []


def test_new_soft_skill_phrases_and_their_links(ex):
    got = {m.text: (m.rome_ogr, m.esco_uri, m.unlisted)
           for m in ex.extract("Profil : sens de l'observation, sens de l'analyse, goût du commerce, sociable, "
                               "team player, tempérament de manager.")}
    assert got["sens de l'observation"] == (None, None, True)
    assert got["sens de l'analyse"][0] == "492419"
    assert got["goût du commerce"][0] == "404865"
    assert got["sociable"][0] == "300463"
    assert got["team player"][0] == "300465"
    assert got["tempérament de manager"][0] == "300489"
    assert "habilité manuelle" in spans(ex, "Profil : habilité manuelle et minutie.")
    assert "à l'aise avec le contact client" in spans(ex, "Profil : vous êtes à l'aise avec le contact client.")


def test_two_quality_nouns_in_ite_are_two_mentions(ex):
    """The shared-adjective rule ("langues française et anglaise") does not join two nouns in -ité."""
    assert spans(ex, "Profil : amabilité, rapidité et efficacité.") == ["amabilité", "rapidité", "efficacité"]


def test_contact_is_a_quality_when_the_person_likes_it(ex):
    """"vous aimez le contact (client)" says the person's relational quality; "premier contact avec
    les clients" is a task, "le contact avec les animaux" no relational quality."""
    assert "contact client" in spans(ex, "Profil : vous aimez le contact client.")
    assert "contact" in spans(ex, "Profil : vous aimez le contact et savez conseiller.")
    assert not any("contact" in s for s in spans(ex, "Profil : vous aimez le contact avec les animaux."))
    got = ex.extract("Missions :\n- premier contact avec les clients, rigueur")
    assert not any("contact" in m.text and m.kind == "savoir-être" for m in got)


def test_people_place_and_company_heads_and_manners_are_no_task(ex):
    # §4: who the work is done with, where, and what the job offers are no skills
    assert spans(ex, "Missions :\n- travailler en collaboration avec le chef d'équipe\n- des perspectives d'évolution"
                     "\n- une ambiance conviviale") == []
    assert spans(ex, "Missions :\n- travailler en coordination avec les encadrants") == []
    # a task naming a link, and "relation client" after "en", stay
    assert spans(ex, "Missions :\n- assurer le lien avec les familles\n- une expérience en relation client") == \
        ["lien avec les familles", "relation client"]


def test_a_relative_clause_verb_and_an_address_are_no_task(ex):
    assert spans(ex, "Missions :\nLes équipes, qui gèrent les plannings des chauffeurs, vous accueillent.") == \
        ["accueillent"]
    assert spans(ex, "Missions :\n- gérer les plannings des chauffeurs") == ["gérer les plannings des chauffeurs"]
    assert spans(ex, "Missions :\n- venir nous rencontrer au 12 rue des Lilas") == []


def test_a_question_on_the_readers_wishes_is_a_hook_not_a_task(ex):
    assert spans(ex, "Description du poste :\nVous souhaitez apprendre un nouveau métier ?\n"
                     "Prêt(e) à relever les défis de demain ?") == []
    # a question on what the reader likes doing lists the job
    assert spans(ex, "Description du poste :\nVous aimez préparer les commandes ?") == ["préparer les commandes"]


def test_joining_a_team_and_what_other_teams_do_are_no_task(ex):
    assert spans(ex, "Missions :\nVous intégrez l'équipe logistique du site.") == []
    assert spans(ex, "Missions :\n- vous trouverez la logistique et la vente") == ["vente"]
    assert spans(ex, "Missions :\n- intégrer les maquettes graphiques") == ["intégrer les maquettes graphiques"]
    assert spans(ex, "Missions :\nNotre équipe support :\n- pilotent les développements applicatifs") == []
    assert spans(ex, "Missions :\n- Les équipes supports définissent et mettent en œuvre les plans de maintenance") == []
    assert spans(ex, "Missions :\nVous réaliserez notamment les missions suivantes :") == []


def test_a_listed_benefit_is_no_task(ex):
    assert spans(ex, "Missions :\n- Restaurant d'entreprise\n- Couverture mutuelle familiale\n- Titres restaurant") == []
    assert spans(ex, "Missions :\n- Gestion de la mutuelle des salariés") != []


def test_what_the_employer_does_for_the_reader_is_no_task(ex):
    # first person plural, and a future whose object is the reader: the company speaks
    assert spans(ex, "Missions :\n- nous vous accompagnerons durant votre intégration") == []
    assert spans(ex, "Missions :\n- Parlons chiffres") == []
    assert spans(ex, "Missions :\nVous interviendrez :\n- auprès des bovins") == []
    assert spans(ex, "Missions :\n- accompagner les nouveaux arrivants") == ["accompagner les nouveaux arrivants"]
