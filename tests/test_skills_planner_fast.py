"""The compiled planner kernel (``adequa/enrich/_planner_fast.pyx``: candidate phrases and token classes)
gives what the Python loops of ``SkillExtractor._candidates`` and ``_token_classes`` give: whole line
plans compared with the kernel on and off, on hand-written lines that reach each rule, on random
sequences of the words the rules test, and on every line of the mirror's real offers (skipped when
the kernel is not built)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adequa.config import Settings
from adequa.enrich import skills
from adequa.normalise.text import mask_escapes

FIXTURE = Path(__file__).parent / "fixtures" / "skills"
needs_kernel = pytest.mark.skipif(skills._planner is None, reason="adequa.enrich._planner_fast is not built "
                                  "(no Cython or C compiler at install, or ADEQUA_PURE_PYTHON=1)")

# each rule of ``_candidates`` / ``_trim``, and near misses
LINES = [
    "Vos missions : préparation des commandes et mise en rayon des produits",
    "- Réception et contrôle des marchandises",
    "Superviser le balisage et les promotions ; juridiques et fiscales",
    "Vous maîtrisez les normes comptables, une connaissance approfondie des pièces automobiles",
    "Connaissances détaillées : Excel",
    "Expérience en maçonnerie souhaitée. Connaissance du secteur agroalimentaire",
    "Nous accompagnons nos clients et nous proposons des formations",
    "Vous interviendrez sur les chantiers et intervenez sur la conception des plans",
    "Objectifs définis par l'entreprise, procédure établie",
    "3 ans d'expérience, au moins 2 ans en gestion, 35 heures par semaine",
    "Bac +2 en assurances, formation en comptabilité",
    "Conseiller immobilier en transaction H/F",
    "En tant que référent technique, en qualité de chargé de projet",
    "Exploitation laitière recherche un salarié ; recherche d'une alternance ; recherche des pannes",
    "Ponceuse, rabot, scie et perceuse",
    "Effectuer la mise en place du chantier et réaliser le chargement des camions",
    "Prise de commandes, prise de rendez-vous et assurer la prise en charge des patients",
    "Chargé de la gestion des stocks + suivi des livraisons & inventaires – relation client",
    "Assurer l'accueil, au sein de l'équipe, à vos côtés, en respectant les consignes",
    "et autres travaux de peinture et Décoration",
    "Utiliser les réseaux sociaux et maîtriser les outils bureautiques et logiciels",
    "Data scientist, conseiller clientèle, technicien de maintenance",
    "Gestion et 3 dossiers et suivi",
    "Accueil/Orientation/Information",
    "Σ ΟΔΟΣ accueil İstanbul ß",
    "",
]
WORDS = ["et", "ou", "de", "la", "les", "des", "d", "un", "une", "en", "tant", "que", "qualite", "qualité", "nous",
         "vous", "recherche", "recrutons", "autres", "connaissance", "maîtrise", "expérience", "approfondie", "bonne",
         "outils", "secteur", "domaine", "intervenir", "sur", "au", "à", "vos", "gestion", "préparation", "préparer",
         "commandes", "stocks", "chargé", "effectuer", "mise", "place", "accompagnons", "défini", "établie", "3",
         "ans", "heures", "bac", "formation", "Excel", "Gestion", "souhaité", "afin", "pour", "dont", "étant",
         "respectant", "souhaitée", "H/F", "poste", "data", "scientist", "cap", "client"]
MARKS = [" ", " ", " ", ", ", " ; ", " : ", " - ", " + ", " & ", " – ", "/", "\n", ". ", "  ", " (", ") ", " • "]


@pytest.fixture(scope="module")
def fixture_extractor(tmp_path_factory):
    from adequa.pipeline.annotate import load_skill_extractor

    tmp = tmp_path_factory.mktemp("planner")
    return load_skill_extractor(Settings(mirror=FIXTURE / "mirror", data_dir=tmp / "absent", cache_dir=tmp / "cache"))


def _plans(ex, line: str):
    """The line's plan in each section, with the kernel and with the Python loops."""
    model = ex.c.langs["fr"]
    got = []
    for kernel in (skills._planner, None):
        saved, skills._planner = skills._planner, kernel
        ex._word_bits.clear()
        try:
            got.append([ex._plan(line, section, model, field) for section in ("neutral", "job", "offer")
                        for field in ("description", "intitule")])
        finally:
            skills._planner = saved
    return got


def _same(ex, line: str) -> None:
    with_kernel, python = _plans(ex, line)
    assert with_kernel == python, line


@needs_kernel
@pytest.mark.parametrize("line", LINES)
def test_rules(fixture_extractor, line):
    _same(fixture_extractor, line)


@needs_kernel
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(MARKS)), max_size=16))
def test_random_word_sequences(fixture_extractor, items):
    _same(fixture_extractor, "".join(w + m for w, m in items))


@needs_kernel
@pytest.mark.mirror
def test_real_offers(mirror, mirror_offers):
    """Every line of the mirror's offers, with the real taxonomy (its job titles among them)."""
    from adequa.pipeline.annotate import load_skill_extractor

    ex = load_skill_extractor(Settings(mirror=mirror))
    lines = set()
    for row in mirror_offers:
        lines.update(x for x in mask_escapes(row.get("description") or "").split("\n") if x.strip())
    n = 0
    for line in sorted(lines):
        with_kernel, python = _plans(ex, line)
        assert with_kernel == python, line
        n += sum(len(p[4]) for p in python)
    assert n > 10_000       # candidate phrases compared
