"""The compiled candidate cutter (``adequa/enrich/_candidates_fast.pyx``) gives exactly what the
planner's Python method gives (``SkillExtractor._candidates_reference``, the reference): the same
(first, last, action, knowledge) phrases on every line of the fixture texts, on random lines made of
the words its rules test (coordinations, framing and light verbs, diplomas, durations, "nous …ons",
list separators, "+", "&", " - "), in every section class, and on every line of the mirror's real
offers; and its ``trim`` gives ``_trim``'s span for every chunk of those lines."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adequa.config import Settings
from adequa.enrich._native import kernel

FIXTURE = Path(__file__).parent / "fixtures" / "skills"
fast = kernel("_candidates_fast")
pytestmark = pytest.mark.skipif(fast is None, reason="adequa.enrich._candidates_fast is not built "
                                "(no Cython or C compiler at install, or ADEQUA_PURE_PYTHON=1)")

WORDS = ("préparer préparation des commandes et ou la le les de du d' l' en à au aux vos nos nous assurons "
         "gestion contrôle réception marchandises stocks effectuer réaliser mise en place maîtrise connaissance "
         "expérience secteur domaine agroalimentaire bac +2 BTS formation comptabilité assurances 3 ans mois "
         "définis établie objectifs procédure autres travaux poste client Excel SQL Python afin pour avec "
         "capacité autonome rigoureux ponceuse rabot scie data scientist conseiller clientèle tous différents "
         "utiliser outils en utilisant étant a vos qualités analyser suivi").split()
SEPS = [" ", " ", " ", " ", ", ", " ; ", " : ", " - ", " + ", " & ", " / ", ". ", " – ", " (", ") ", "\n- ", "  "]


def _line(rnd: random.Random) -> str:
    out = []
    for _ in range(rnd.randint(1, 16)):
        w = rnd.choice(WORDS)
        out.append(w.capitalize() if rnd.random() < 0.15 else w)
        out.append(rnd.choice(SEPS))
    return "".join(out).strip()


@pytest.fixture(scope="module")
def extractor(tmp_path_factory):
    from adequa.pipeline.annotate import load_skill_extractor

    tmp = tmp_path_factory.mktemp("cands")
    return load_skill_extractor(Settings(mirror=FIXTURE / "mirror", data_dir=tmp / "absent", cache_dir=tmp / "cache"))


def _compare(ex, line: str, section: str = "neutral") -> int:
    """Both cutters on one line (and ``trim`` on each of its chunks); the number of candidates."""
    model = ex.c.langs["fr"]
    toks, keys, brk, lemmas, _, _ = ex._lexed(line, model, True)
    if not toks:
        return 0
    segments, _ = ex.c.segmenter.split_state(line, toks, lemmas, section)
    tok_cls, seg_of = ex._token_classes(toks, segments, "description")
    got = fast.candidates(toks, keys, tok_cls, seg_of, line, brk, model.keys, ex.c.job_titles)
    want = ex._candidates_reference(toks, keys, tok_cls, seg_of, segments, model, line, brk)
    assert got == want, line
    assert [type(x) for c in got for x in c] == [type(x) for c in want for x in c]
    km = model.keys
    for a in range(len(toks)):
        for b in (a + 1, a + 3, len(toks)):
            chunk = list(range(a, min(b, len(toks))))
            assert fast.trim(chunk, toks, keys, km, km.framing) == ex._trim(chunk, toks, keys, km, km.framing)
    return len(got)


def test_fixture_and_random_lines(extractor):
    from tests.test_skills_fastpaths import LINES

    rnd = random.Random(3)
    n = 0
    for line in LINES + [_line(rnd) for _ in range(1500)]:
        for section in ("neutral", "job", "offer"):
            n += _compare(extractor, line, section)
    assert n > 1000, "the lines must give candidates, or this test proves nothing"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPS)), min_size=1, max_size=14))
def test_hypothesis_lines(extractor, pairs):
    _compare(extractor, "".join(w + s for w, s in pairs).strip(), "job")


@pytest.mark.mirror
def test_real_offers(mirror, mirror_offers, tmp_path_factory):
    from adequa.pipeline.annotate import load_skill_extractor

    tmp = tmp_path_factory.mktemp("cands_real")
    ex = load_skill_extractor(Settings(mirror=mirror, data_dir=tmp / "absent", cache_dir=tmp / "cache"))
    lines = {line for r in mirror_offers for line in (r.get("description") or "").split("\n") if line.strip()}
    assert len(lines) > 1000
    n = sum(_compare(ex, line) for line in sorted(lines))
    assert n > 1000
