"""Shortcuts of the resolving stage (``SkillExtractor._resolve``) against what they stand for: the
rounding of scores without dtoa is ``round(x, 3)`` (sign of zero, NaN and infinities included), and the
test made before the gender-mark regex never skips a position where it would match."""

from __future__ import annotations

import math
import sys

from hypothesis import given, settings, strategies as st

from adequa.enrich import skills


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1.0, a) == math.copysign(1.0, b))


@settings(max_examples=3000, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True) | st.floats(0.0, 1.5))
def test_round3_is_round(x):
    assert _same(skills._round3(x), round(x, 3))


def test_round3_near_halves_and_edges():
    """Thousandths ending in 5 (the ties and their neighbours, where ``1000 x`` may round across the
    half), the ends of the fast range, zeros of both signs."""
    n = 0
    for k in range(0, 1_000_000, 7):
        mid = (k + 0.5) / 1000
        for x in (mid, math.nextafter(mid, 0.0), math.nextafter(mid, 2.0), k / 1000 + 1e-9, (k + 0.4999995) / 1000):
            assert _same(skills._round3(x), round(x, 3)), x
            n += 1
    for x in (0.0, -0.0, -0.0004, 1e-3, math.nextafter(1e-3, 0.0), 999_999.9995, 1e6, 1e300, 5e-324, 0.0625):
        assert _same(skills._round3(x), round(x, 3)), x
    assert n > 500_000


def test_gender_mark_starts_with_what_resolve_tests_first():
    """``_resolve`` runs ``_GENDER.match(line, end)`` only when the character at ``end`` is one of
    "(./-" or a space: for every other character the regex cannot match there."""
    tails = ["e", "(e)", "(se)", "-e", "e)", "es", "euse", "/e", ".e"]
    skipped = 0
    for cp in range(sys.maxunicode + 1):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        if c in "(./-" or c.isspace():
            continue
        skipped += 1
        for t in tails:
            assert skills._GENDER.match(c + t) is None, (hex(cp), t)
    assert skipped > 1_000_000
    for text in ["(e)", " (e)", ".e", "/e", "-e", " -e", "\u00a0(se)"]:     # and the others can
        assert skills._GENDER.match(text), text


def test_gender_mark_after_a_space_needs_a_bracket_or_a_hyphen():
    """After a space, ``_resolve`` runs the regex only when "(" or "-" follows (``_MARK_AFTER_SPACE``):
    every alternative that may open with a space goes on with one of them."""
    tails = ["e", "(e)", "(se)", "-e", "e)", "es", "euse", "/e", ".e", ""]
    spaces = [c for c in map(chr, range(0x3001)) if c.isspace()]
    for sp in spaces:
        for cp in range(0x3001):
            c = chr(cp)
            if c in skills._MARK_AFTER_SPACE:
                continue
            for t in tails:
                assert skills._GENDER.match(sp + c + t) is None, (hex(ord(sp)), hex(cp), t)
    for text in [" (e)", " -e", "\u00a0(se)", "\t-euse"]:
        assert skills._GENDER.match(text) and text[1] in skills._MARK_AFTER_SPACE


def _entries(rome, esco):
    from types import SimpleNamespace

    ex = object.__new__(skills.SkillExtractor)
    ex.c = SimpleNamespace(entries=SimpleNamespace(rome=["R%d" % i if r else None for i, r in enumerate(rome)],
                                                   esco=["E%d" % i if e else "" for i, e in enumerate(esco)]))
    ex._rome_flags = b""
    return ex


@settings(max_examples=500, deadline=None)
@given(st.lists(st.integers(0, 7), min_size=1, max_size=6), st.lists(st.booleans(), min_size=8, max_size=8),
       st.lists(st.booleans(), min_size=8, max_size=8))
def test_pick_without_hint_is_pick(entries, rome, esco):
    ex = _entries(rome, esco)
    assert skills._pick_without_hint(entries, ex._flags(), ex.c.entries.esco) == ex._pick(entries, None)


def _link_reference(ranked, rome_of):
    """``_link_uncached(ranked, None)`` as written before ``_link_without_hint``."""
    if not ranked:
        return None
    rome = other = None
    for x in ranked:
        if rome_of[x[1]]:
            if rome is None:
                rome = x
        elif other is None:
            other = x
    if rome is not None and rome[0] >= skills.T_ROME:
        return rome
    if other is not None and other[0] >= skills.T_ESCO:
        return other
    return ranked[0]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.3, 0.45, 0.62, 0.65, 0.7, 0.8, 1.0]), st.integers(0, 7)), max_size=12),
       st.lists(st.booleans(), min_size=8, max_size=8))
def test_link_without_hint_is_the_reference(ranked, rome):
    ranked = sorted(ranked, reverse=True)
    ex = _entries(rome, [False] * 8)
    want = _link_reference(ranked, ex.c.entries.rome)
    assert skills._link_without_hint(ranked, ex._flags()) == want
    assert ex._link_uncached(ranked, None) == want


_WORDS = ["et", "ou", "de", "la", "des", "préparer", "préparation", "commandes", "clients", "gestion", "stocks",
          "suivi", "qualité", "relationnelles", "rédactionnelles", "langues", "française", "anglaise", "sont"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_WORDS), st.sampled_from([" ", " ", ", ", " - ", " ; "])), min_size=1,
                max_size=12), st.data())
def test_coordination_and_object_calls_skipped_only_where_they_change_nothing(words, data):
    """``_resolve`` calls ``_shared_coordination`` only when ``_coordinated`` says it may move the mention,
    and ``_shared_objects`` only when ``_listed_after`` says it may extend it: elsewhere both give the
    mention back unchanged."""
    from adequa.enrich.lexical import KeyMaker
    from adequa.normalise.text import spans as word_spans

    line = "".join(w + sep for w, sep in words).rstrip(" ,-;")
    toks = word_spans(line)
    n = len(toks)
    km = KeyMaker("fr", verbs={"preparer", "gerer", "suivre"})
    keys = [km.key(t[3]) for t in toks]
    i = data.draw(st.integers(0, n - 1))
    j = data.draw(st.integers(i, n - 1))
    last_end = data.draw(st.sampled_from([-1, toks[i][0]]))
    spans = {i: j}
    for x in data.draw(st.lists(st.integers(0, n - 1), max_size=3)):
        spans.setdefault(x, x)
    if not skills._coordinated(toks, i, j, n):
        assert skills.SkillExtractor._shared_coordination(i, j, toks, keys, line, km, last_end, spans) == (i, j)
    if not skills._listed_after(toks, line, j, n):
        assert skills.SkillExtractor._shared_objects(i, j, toks, keys, line, km, spans) == j
