"""The compiled piece cutter (``adequa/enrich/_segment_fast.pyx``) cuts exactly where the segmenter's
regular expression does (``segment._pieces``, the reference) and strips and flags the pieces as
``segment._parts`` does: on hand-picked separators, random text over the characters the pattern
tests, any Unicode text, and every real offer of the mirror. And the
segmenter's memo of inline headers gives what ``header_class`` gives, and stays out of its pickle."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adequa.enrich import segment
from adequa.enrich._native import kernel

fast = kernel("_segment_fast")
needs_kernel = pytest.mark.skipif(fast is None, reason="adequa.enrich._segment_fast is not built "
                                  "(no Cython or C compiler at install, or ADEQUA_PURE_PYTHON=1)")

# each alternative of segment.SPLIT_ALTERNATIVES, and near misses of each
CASES = ["", " ", "ions.Vous êtes", "ab.Cd", "aB.Cd", "ab.CD", "ab.C", "a.Cd", "ab!Éé", "ab;Àa", "ab?xy", "éé.Ùù", "ab. Cd", "équipe- Autonomie", "a- B", "9- B", "_- B", "a– É", "a-  B", "a- b", "²- B", "a -B", "a\n\n\nb", "\n", "x ** y", "***", "*a", "- item", "-item", "a -b", "a-b", "• a", "a•b", "·a", "a ·",
         "→ next", "a→b", "fin. Suite", "fin.  ", "fin. ", "fin.\u00a0Suite", "a ; b", "a   b", "a  b", "a\t\t\tb",
         "Missions : Vous", "Missions: Vous", "Missions :vous", "Missions : vous", "Missions :  - x", "Mission : É",
         "Mission : Þ", "Mission : Ý", "x_ : Y", ". : A", "  : A", "a\u2003:\u2003Z", "C++ ; C# : Z", "➢✓✔▪►●",
         "- ** a", "a ** - b", "** \n", " - ", "\n- a\n\n• b\n"]
ALPHABET = list(" \t\n\u00a0\u2003\u2028aZ_é9:.!?;,-–—*•·●▪►✓✔➢→ÀÝÞbÿ÷×")


def _same(text: str) -> None:
    assert fast.pieces(text) == segment._pieces(text)
    assert fast.parts(text) == segment._parts(text)


@needs_kernel
@pytest.mark.parametrize("text", CASES)
def test_cases(text):
    _same(text)


@needs_kernel
@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET), max_size=24).map("".join))
def test_separator_characters(text):
    _same(text)


@needs_kernel
@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60))
def test_any_text(text):
    _same(text)


@needs_kernel
@pytest.mark.mirror
def test_real_offers(mirror_offers):
    n = 0
    for row in mirror_offers:
        for text in (row.get("description") or "", row.get("intitule") or ""):
            _same(text)
            for line in text.split("\n"):
                _same(line)
                n += 1
    assert n > 1000


def test_inline_header_memo():
    seg = segment.Segmenter([("offer", "salaire")], [("job", "vos missions"), ("job", "profil recherché")])
    for before in ("Vos missions ", "PROFIL RECHERCHÉ", "Vos missions ", "Salaire", " ", "x" * 70):
        assert seg._inline_header(before) == seg.header_class(before)
    assert seg._before_memo
    got, _ = seg.split_state("Vos missions : gérer les stocks")
    assert got[0].cls == "job"
    again = pickle.loads(pickle.dumps(seg))
    assert "_before_memo" not in again.__dict__
    assert [(s.start, s.end, s.cls) for s in again.split_state("Vos missions : gérer les stocks")[0]] == \
        [(s.start, s.end, s.cls) for s in got]



CUE_SEG = segment.Segmenter([("offer", "salaire"), ("apply", "postuler"), ("company", "notre entreprise"),
                             ("offer", "notre entreprise vous offrir"), ("diversity", "handicap"), ("apply", "salaire"),
                             ("company", "notre"), ("offer", "a pourvoir")], [("job", "vos missions")])
CUE_WORDS = ["salaire", "postuler", "son", "entreprise", "vous", "offrir", "handicap", "a", "pourvoir", "gérer",
             "", "son entreprise", " ", "x"]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(CUE_WORDS), max_size=10), st.integers(0, 10), st.integers(0, 10))
def test_cue_trie_reads_what_the_automaton_finds(lemmas, i, j):
    """``lemmas_cue_class`` (the cue trie over lemmas) gives ``fast_cue_class`` on the joined string,
    with cues that are prefixes of others, one phrase in two classes, empty lemmas and lemmas
    holding a space."""
    i, j = min(i, len(lemmas)), min(j, len(lemmas))     # a segment's tokens lie in the line's
    assert CUE_SEG.lemmas_cue_class(lemmas, i, j) == CUE_SEG.fast_cue_class(f" {' '.join(lemmas[i:j])} ")


def test_cue_trie_stays_out_of_the_pickle():
    seg = segment.Segmenter([("offer", "salaire")], [("job", "vos missions")])
    assert seg.lemmas_cue_class(["un", "salaire"], 0, 2) == "offer"
    assert "_trie" in seg.__dict__
    assert "_trie" not in pickle.loads(pickle.dumps(seg)).__dict__
