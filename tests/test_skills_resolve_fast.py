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
