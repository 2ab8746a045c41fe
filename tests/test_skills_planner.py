"""The planner's small helpers (``SkillExtractor._method``, ``_greedy``, ``_free_stretch``,
``_diploma_before``), written as plain loops for speed, give what their earlier one-line
generator-expression forms (kept here as the reference) gave, on random token arrays: on the
compiled build when it is there, on the Python source under ``ADEQUA_PURE_PYTHON=1``."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from adequa.enrich.skills import _DIPLOMA, SkillExtractor as SX

WORDS = ["", "bac", "formation", "en", "gestion", "et", "de", "licence", "paie"]


@st.composite
def lines(draw):
    n = draw(st.integers(1, 12))
    norms = draw(st.lists(st.sampled_from(WORDS[1:]), min_size=n, max_size=n))
    keys = [w if draw(st.booleans()) else "" for w in norms]
    # keys sometimes differ from the word (a lemma): "exact" against "lemma"
    keys = [k + "r" if k and draw(st.integers(0, 5)) == 0 else k for k in keys]
    brk = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=3)))
    seg_of = [sum(1 for c in cuts if c <= t) - (1 if draw(st.integers(0, 9)) == 0 else 0) for t in range(n)]
    toks = [(t, t + 1, w, w) for t, w in enumerate(norms)]
    return toks, keys, norms, brk, seg_of


def _method_ref(toks, keys, i, j):
    return "exact" if all(keys[x] == toks[x][2] for x in range(i, j + 1) if keys[x]) else "lemma"


def _greedy_ref(matches, taken):
    out = []
    if len(matches) > 1:
        matches = sorted(matches, key=lambda m: (-m[5], -(m[1] - m[0]), m[0]))
    for m in matches:
        i, j = m[0], m[1]
        if any(taken[x] for x in range(i, j + 1)):
            continue
        for x in range(i, j + 1):
            taken[x] = True
        out.append(m)
    return out


def _free_stretch_ref(i, j, taken, keys):
    best, cur = None, None
    for x in range(i, j + 1):
        if taken[x]:
            cur = None
            continue
        cur = (cur[0], x) if cur else (x, x)
        n = sum(1 for y in range(cur[0], cur[1] + 1) if keys[y])
        if best is None or n > best[2]:
            best = (cur[0], cur[1], n)
    if not best or best[2] == 0:
        return None, None
    a, b = best[0], best[1]
    while a <= b and not keys[a]:
        a += 1
    while b >= a and not keys[b]:
        b -= 1
    return (a, b) if a <= b else (None, None)


def _diploma_before_ref(i, keys, norms, seg_of, brk):
    return any(keys[x] in _DIPLOMA or norms[x] in _DIPLOMA for x in range(max(0, i - 6), i - 1)
               if seg_of[x] == seg_of[i] and not any(brk[y] for y in range(x + 1, i)))


@settings(max_examples=400, deadline=None)
@given(lines(), st.data())
def test_helpers_give_what_their_generator_forms_gave(line, data):
    toks, keys, norms, brk, seg_of = line
    n = len(toks)
    i = data.draw(st.integers(0, n - 1))
    j = data.draw(st.integers(i, n - 1))
    assert SX._method(toks, keys, i, j) == _method_ref(toks, keys, i, j)
    assert SX._diploma_before(i, keys, norms, seg_of, brk) == _diploma_before_ref(i, keys, norms, seg_of, brk)
    taken = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    assert SX._free_stretch(i, j, taken, keys) == _free_stretch_ref(i, j, taken, keys)
    spans = data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, 3), st.integers(1, 3)), max_size=5))
    matches = [(a, min(n - 1, a + d), "e", 1.0, "exact", p) for a, d, p in spans]
    t1, t2 = list(taken), list(taken)
    assert SX._greedy(list(matches), t1) == _greedy_ref(list(matches), t2)
    assert t1 == t2


def test_a_diploma_counts_only_in_the_same_segment_and_without_punctuation_between():
    norms = ["bac", "2", "en", "gestion"]
    keys = ["bac", "", "", "gestion"]
    assert SX._diploma_before(3, keys, norms, [0, 0, 0, 0], [False] * 4)
    assert not SX._diploma_before(3, keys, norms, [0, 0, 0, 0], [False, True, False, False])
    assert not SX._diploma_before(3, keys, norms, [0, 1, 1, 1], [False] * 4)
