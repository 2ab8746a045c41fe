# cython: language_level=3, boundscheck=False, wraparound=False
"""Compiled piece cutting of ``adequa.enrich.segment.Segmenter.split_state`` (optional extension).

``pieces(text)`` gives what the Python loop over ``segment._SPLIT.finditer(text)`` gives: the
(start, end, separator) of each piece, the last with separator "", in one scan of the characters
instead of the regular expression's tries at every position (the regex was ~45 % of the segmenter's
time). Each position is tried against the pattern's alternatives in their order, each written out
with the regex's own character tests (``\\s`` is ``Py_UNICODE_ISSPACE``, ``\\w`` is
``Py_UNICODE_ISALNUM`` or "_", as in ``re`` for ``str`` patterns) and its greedy runs; the first
alternative that matches wins and the scan resumes at its end, as ``finditer`` does. The regex stays
the reference and the fallback (no build, ``ADEQUA_PURE_PYTHON=1``); tests/test_segment_fast.py
compares the two on random and real text.
"""

from cpython.unicode cimport Py_UNICODE_ISALNUM, Py_UNICODE_ISSPACE


cdef inline bint _ws(Py_UCS4 c) noexcept:
    return Py_UNICODE_ISSPACE(c)


cdef inline bint _word(Py_UCS4 c) noexcept:
    return Py_UNICODE_ISALNUM(c) or c == u"_"


cdef Py_ssize_t _match_at(str text, Py_ssize_t n, Py_ssize_t p):
    """End of the separator that ``segment._SPLIT`` matches at ``p``, or -1 (no match there)."""
    cdef Py_UCS4 c = text[p]
    cdef Py_ssize_t q, r
    # \n+
    if c == u"\n":
        q = p + 1
        while q < n and text[q] == u"\n":
            q += 1
        return q
    # \*{2,}
    if c == u"*" and p + 1 < n and text[p + 1] == u"*":
        q = p + 2
        while q < n and text[q] == u"*":
            q += 1
        return q
    # (?:^|(?<=\s))[-–—*•·●▪►✓✔➢→](?=\s|\w)
    if (p == 0 or _ws(text[p - 1])) and c in u"-–—*•·●▪►✓✔➢→" and p + 1 < n \
            and (_ws(text[p + 1]) or _word(text[p + 1])):
        return p + 1
    # [•●▪►✓✔➢]
    if c in u"•●▪►✓✔➢":
        return p + 1
    if _ws(c):
        q = p + 1
        while q < n and _ws(text[q]):
            q += 1
        # (?<=[.!?;])\s+(?=[^\s])
        if p > 0 and text[p - 1] in u".!?;" and q < n:
            return q
        # \s{3,}
        if q - p >= 3:
            return q
    # (?<=\w)\s*:\s+(?=[A-ZÀ-Ý-])
    if p > 0 and _word(text[p - 1]):
        q = p
        while q < n and _ws(text[q]):
            q += 1
        if q < n and text[q] == u":":
            q += 1
            r = q
            while r < n and _ws(text[r]):
                r += 1
            if r > q and r < n:
                c = text[r]
                if (u"A" <= c <= u"Z") or (u"À" <= c <= u"Ý") or c == u"-":
                    return r
    return -1


def pieces(str text):
    """[(start, end, separator)] of ``text``: the stretches between the separators ``segment._SPLIT``
    finds, each with the separator that ends it ("" for the last)."""
    cdef Py_ssize_t n = len(text), p = 0, pos = 0, q
    out = []
    while p < n:
        q = _match_at(text, n, p)
        if q >= 0:
            out.append((pos, p, text[p:q]))
            pos = q
            p = q
        else:
            p += 1
    out.append((pos, n, ""))
    return out
