"""The words of the report, in French (default) and English. Figures never appear here."""

from __future__ import annotations

TEXTS = {
    "fr": {
        "html_lang": "fr",
        "colon": "\u00a0: ",
        "study": "Étude",
        "kind": "Étude flash",
        "observatory": "Observatoire Adequa des emplois, compétences et formations",
        "toc": "Sommaire",
        "figure": "Figure",
        "table": "Tableau",
        "period": "Période",
        "all_periods": "toutes les données disponibles",
        "generated": "Édition générée le",
        "territory": "Territoire",
        "group": "Métiers étudiés",
        "data_file": "Données",
        "first_rows": "{shown} premières lignes sur {total} ; toutes les lignes dans",
        "withheld_legend": "n.d. : valeur non diffusée (secret statistique)",
        "missing_section": "Aucun indicateur n'est disponible pour cette partie : les données n'ont pas été chargées.",
        "missing_hint": "Pour la compléter, chargez les données correspondantes (voir « Méthode et sources »).",
        "key_figures": "Chiffres clés",
        "not_shown": "Indicateurs non publiés :",
        "notes": "Notes",
        "sources_title": "Sources chargées dans l'entrepôt",
        "source_cols": ["Table", "Source", "Version", "Licence", "Lignes", "Récupéré le"],
        "no_sources": "Aucune source n'est enregistrée dans l'entrepôt.",
        "indicators_title": "Indicateurs de cette édition",
        "indicator_cols": ["Figure", "Indicateur", "Définition", "Statut"],
        "status": {"ok": "publié", "missing": "non disponible", "suppressed": "non diffusé (secret statistique)",
                   "error": "erreur"},
        "codes": "Codes ROME retenus",
        "domains": "Domaines",
        "reproduce": "Reproduire cette édition",
        "contents_of_folder": "Contenu du dossier",
        "folder_items": [("index.html", "ce rapport, autonome (aucune ressource externe)"),
                         ("study.pdf", "la même étude, paginée pour l'impression"),
                         ("data/", "les chiffres derrière chaque figure (CSV et Parquet)"),
                         ("figures/", "chaque graphique et carte (SVG vectoriel et PNG)")],
        "skip": "Aller au contenu",
        "intro": {
            "context": "Cette étude décrit les métiers retenus sur le territoire : qui les exerce, combien de "
                       "personnes les recherchent, combien d'offres et de projets de recrutement ils suscitent, "
                       "quelles compétences les employeurs demandent, quelles formations y préparent, et où se "
                       "situent les écarts. Chaque chiffre est recalculé à partir de données ouvertes ; la source "
                       "et la période figurent sous chaque figure.",
            "workers": "Les actifs en emploi dans les métiers étudiés, d'après le recensement de la population : "
                       "effectifs, âge, sexe, diplôme, conditions d'emploi et évolution.",
            "job_seekers": "Les personnes inscrites à France Travail (catégories A, B, C) recherchant l'un des "
                           "métiers étudiés.",
            "offers": "Les offres d'emploi diffusées pour ces métiers : volume, évolution, conditions proposées et "
                      "répartition territoriale. Une offre publiée plusieurs fois n'est comptée qu'une fois.",
            "bmo": "Les projets de recrutement déclarés par les employeurs dans l'enquête Besoins en main-d'œuvre "
                   "(BMO), par département et bassin d'emploi, dont ceux jugés difficiles.",
            "skills": "Les compétences repérées dans le texte des offres et rattachées au référentiel ROME 4.0 ou "
                      "ESCO, avec leur fréquence et leur niveau d'importance.",
            "tension": "Les indicateurs de tension du marché du travail pour ces métiers.",
            "training": "Les certifications (RNCP, RS) et les formations qui préparent aux métiers étudiés.",
            "gaps": "Les compétences demandées par les employeurs que les formations couvrent peu ou pas.",
            "emerging": "Les compétences dont la fréquence dans les offres progresse le plus, ou qui n'apparaissent "
                        "pas encore dans les référentiels.",
            "method": "Les chiffres de cette étude sont produits par Adequa, un logiciel libre, à partir de données "
                      "publiques. Une figure calculée sur moins d'unités que le seuil de diffusion n'est pas "
                      "publiée. Les offres d'emploi en double sont regroupées et comptées une fois.",
            "other": "",
        },
    },
    "en": {
        "html_lang": "en",
        "colon": ": ",
        "study": "Study",
        "kind": "Flash study",
        "observatory": "Adequa observatory of jobs, skills and training",
        "toc": "Contents",
        "figure": "Figure",
        "table": "Table",
        "period": "Period",
        "all_periods": "all available data",
        "generated": "Generated on",
        "territory": "Territory",
        "group": "Occupations studied",
        "data_file": "Data",
        "first_rows": "first {shown} rows of {total}; every row in",
        "missing_section": "No indicator is available for this part: its data have not been loaded.",
        "missing_hint": "Load the corresponding data to complete it (see \"Method and sources\").",
        "key_figures": "Key figures",
        "not_shown": "Indicators not published:",
        "notes": "Notes",
        "sources_title": "Sources loaded in the warehouse",
        "source_cols": ["Table", "Source", "Version", "Licence", "Rows", "Retrieved"],
        "no_sources": "No source is recorded in the warehouse.",
        "indicators_title": "Indicators of this edition",
        "indicator_cols": ["Figure", "Indicator", "Definition", "Status"],
        "status": {"ok": "published", "missing": "not available", "suppressed": "withheld (confidentiality)",
                   "error": "error"},
        "codes": "ROME codes",
        "domains": "Domains",
        "reproduce": "Reproduce this edition",
        "contents_of_folder": "Contents of the folder",
        "folder_items": [("index.html", "this report, self-contained (no external resource)"),
                         ("study.pdf", "the same study, paginated for print"),
                         ("data/", "the numbers behind every figure (CSV and Parquet)"),
                         ("figures/", "every chart and map (vector SVG and PNG)")],
        "skip": "Skip to content",
        "intro": {
            "context": "This study describes the selected occupations in the territory: who works in them, how many "
                       "people seek them, how many offers and recruitment projects they attract, which skills "
                       "employers ask for, which training leads to them, and where the gaps lie. Every figure is "
                       "recomputed from open data; its source and period are printed under it.",
            "workers": "Employed workers in the occupations studied, from the population census: headcount, age, "
                       "sex, diploma, employment conditions and change.",
            "job_seekers": "People registered with France Travail (categories A, B, C) seeking one of the "
                           "occupations studied.",
            "offers": "Job offers published for these occupations: volume, change, conditions offered and "
                      "territorial breakdown. An offer published several times is counted once.",
            "bmo": "Recruitment projects declared by employers in the BMO survey (Besoins en main-d'œuvre), by "
                   "département and employment area, including those expected to be difficult.",
            "skills": "Skills found in the text of the offers and linked to ROME 4.0 or ESCO, with their frequency "
                      "and importance level.",
            "tension": "Labour-market tension indicators for these occupations.",
            "training": "Certifications (RNCP, RS) and training programmes leading to the occupations studied.",
            "gaps": "Skills employers ask for that training covers little or not at all.",
            "emerging": "Skills whose frequency in offers grows fastest, or which are not yet in the referentials.",
            "method": "The figures of this study are produced by Adequa, free software, from public data. A figure "
                      "computed from fewer units than the publication threshold is withheld. Duplicate job offers "
                      "are grouped and counted once.",
            "other": "",
        },
    },
}
