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
compares the two on random and real text. ``cue_rank`` walks the segmenter's cue trie over a
segment's lemmas (``Segmenter.lemmas_cue_class``, whose Python loop is its reference).
"""

from cpython.unicode cimport Py_UNICODE_ISALNUM, Py_UNICODE_ISDECIMAL, Py_UNICODE_ISSPACE, PyUnicode_DATA, \
    PyUnicode_KIND, PyUnicode_READ


cdef inline bint _ws(Py_UCS4 c) noexcept:
    return Py_UNICODE_ISSPACE(c)


cdef inline bint _word(Py_UCS4 c) noexcept:
    return Py_UNICODE_ISALNUM(c) or c == u"_"


cdef inline bint _lower(Py_UCS4 c) noexcept:
    return (u"a" <= c <= u"z") or (u"à" <= c <= u"ÿ")


cdef inline bint _upper(Py_UCS4 c) noexcept:
    return (u"A" <= c <= u"Z") or (u"À" <= c <= u"Ý")


cdef inline bint _letter(Py_UCS4 c) noexcept:
    """``[^\\W\\d_]``: a word character that is no decimal digit and no underscore."""
    return Py_UNICODE_ISALNUM(c) and not Py_UNICODE_ISDECIMAL(c) and c != u"_"


cdef struct Text:
    int kind
    void *data
    Py_ssize_t n


cdef inline Py_UCS4 _at(Text t, Py_ssize_t i) noexcept:
    return PyUnicode_READ(t.kind, t.data, i)


cdef inline Text _text(str text):
    cdef Text t
    t.kind = PyUnicode_KIND(text)
    t.data = PyUnicode_DATA(text)
    t.n = len(text)
    return t


cdef Py_ssize_t _match_at(Text text, Py_ssize_t n, Py_ssize_t p) noexcept:
    """End of the separator that ``segment._SPLIT`` matches at ``p``, or -1 (no match there)."""
    cdef Py_UCS4 c = _at(text, p)
    cdef Py_ssize_t q, r
    # every alternative starts with one of these (the pattern's leading look-ahead): most characters stop here
    if not (c in u"*-–—•·●▪►✓✔➢→:.!?;" or _ws(c)):
        return -1
    # (?<=[a-zà-ÿ]{2})[.!?;](?=[A-ZÀ-Ý][a-zà-ÿ])
    if c in u".!?;":
        if p >= 2 and p + 2 < n and _lower(_at(text, p - 1)) and _lower(_at(text, p - 2)) \
                and _upper(_at(text, p + 1)) and _lower(_at(text, p + 2)):
            return p + 1
        return -1
    # \n+
    if c == u"\n":
        q = p + 1
        while q < n and _at(text, q) == u"\n":
            q += 1
        return q
    # \*{2,}
    if c == u"*" and p + 1 < n and _at(text, p + 1) == u"*":
        q = p + 2
        while q < n and _at(text, q) == u"*":
            q += 1
        return q
    # (?:^|(?<=\s))[-–—*•·●▪►✓✔➢→](?=\s|\w)
    if c in u"-–—*•·●▪►✓✔➢→" and (p == 0 or _ws(_at(text, p - 1))) and p + 1 < n \
            and (_ws(_at(text, p + 1)) or _word(_at(text, p + 1))):
        return p + 1
    # (?<=[^\W\d_])[-–](?= [A-ZÀ-Ý])
    if (c == u"-" or c == u"–") and p > 0 and p + 2 < n and _letter(_at(text, p - 1)) and _at(text, p + 1) == u" ":
        q = p + 2
        if (u"A" <= _at(text, q) <= u"Z") or (u"À" <= _at(text, q) <= u"Ý"):
            return p + 1
    # [•●▪►✓✔➢]
    if c in u"•●▪►✓✔➢":
        return p + 1
    if _ws(c):
        q = p + 1
        while q < n and _ws(_at(text, q)):
            q += 1
        # (?<=[.!?;])\s+(?=[^\s])
        if p > 0 and _at(text, p - 1) in u".!?;" and q < n:
            return q
        # \s{3,}
        if q - p >= 3:
            return q
    # (?<=\w)\s*:\s+(?=[A-ZÀ-Ý-])
    q = p
    while q < n and _ws(_at(text, q)):
        q += 1
    if q < n and _at(text, q) == u":" and p > 0 and _word(_at(text, p - 1)):
        q += 1
        r = q
        while r < n and _ws(_at(text, r)):
            r += 1
        if r > q and r < n:
            c = _at(text, r)
            if (u"A" <= c <= u"Z") or (u"À" <= c <= u"Ý") or c == u"-":
                return r
    return -1


cdef bint _bullet_sep(Text text, Py_ssize_t a, Py_ssize_t b) noexcept:
    """The first character of _at(text, a:b) that is not white space is a bullet."""
    while a < b and _ws(_at(text, a)):
        a += 1
    return a < b and _at(text, a) in u"-–—*•·●▪►✓✔➢→"


def parts(str text):
    """``segment._parts(text)``: ([(start, end, separator, bullet)] of the pieces with content, white
    space stripped, each flagged when the separator before it is a bullet; the number of pieces)."""
    cdef Py_ssize_t n = len(text), p = 0, pos = 0, q, s, e, count = 0
    cdef bint last = False, prev_bullet = False, b
    cdef Text t = _text(text)
    out = []
    while True:
        if p < n:
            q = _match_at(t, n, p)
            if q < 0:
                p += 1
                continue
        else:
            last = True
            p = q = n
        # the piece text[pos:p], ended by the separator text[p:q] ("" for the last)
        count += 1
        s, e = pos, p
        while s < e and _ws(_at(t, s)):
            s += 1
        while e > s and _ws(_at(t, e - 1)):
            e -= 1
        b = _bullet_sep(t, p, q)
        if s < e:
            out.append((s, e, text[p:q], prev_bullet))
            prev_bullet = b
        elif q > p:
            prev_bullet = b
        if last:
            return out, count
        pos = p = q


def pieces(str text):
    """[(start, end, separator)] of ``text``: the stretches between the separators ``segment._SPLIT``
    finds, each with the separator that ends it ("" for the last)."""
    cdef Py_ssize_t n = len(text), p = 0, pos = 0, q
    cdef Text t = _text(text)
    out = []
    while p < n:
        q = _match_at(t, n, p)
        if q >= 0:
            out.append((pos, p, text[p:q]))
            pos = q
            p = q
        else:
            p += 1
    out.append((pos, n, ""))
    return out


def cue_rank(list lemmas, Py_ssize_t i, Py_ssize_t j, dict trie):
    """``Segmenter.lemmas_cue_class``'s walk of its cue trie over ``lemmas[i:j]``: the best (lowest)
    rank of a cue found, 9 for none, -1 when a lemma holds a space (the caller then reads the
    automaton). Stops at rank 0, the first class."""
    cdef Py_ssize_t x, y
    cdef long best = 9, rank
    cdef dict level
    for x in range(i, j):
        if u" " in <str>lemmas[x]:
            return -1
    x = i
    while best > 0 and x < j:
        level = trie
        y = x
        while y < j:
            got = level.get(lemmas[y])
            if got is None:
                break
            rank = (<tuple>got)[0]
            if rank < best:
                best = rank
            nxt = (<tuple>got)[1]
            if nxt is None:
                break
            level = <dict>nxt
            y += 1
        x += 1
    return best
