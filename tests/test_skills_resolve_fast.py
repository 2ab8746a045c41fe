"""Shortcuts of the resolving stage (``SkillExtractor._resolve``) against what they stand for: the
remembered rounding of scores is ``round(x, 3)`` (sign of zero, NaN and infinities included), and the
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
    for _ in range(2):      # computed, then remembered
        assert _same(skills._round3(x), round(x, 3))


def test_round3_zero_signs_and_memo_bound(monkeypatch):
    assert _same(skills._round3(0.0), 0.0) and _same(skills._round3(-0.0), -0.0)
    assert _same(skills._round3(-0.0004), -0.0)
    monkeypatch.setattr(skills, "CANDIDATE_MEMO", 10)
    skills._ROUNDED.clear()
    for i in range(1, 50):
        assert skills._round3(i / 7) == round(i / 7, 3)
    assert len(skills._ROUNDED) <= 10


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
