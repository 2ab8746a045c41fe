# cython: language_level=3, boundscheck=False, wraparound=False
"""Compiled candidate phrases of ``adequa.enrich.skills.SkillExtractor._plan`` (optional extension).

``candidates`` gives what ``SkillExtractor._candidates`` (with its ``_trim``, ``_diploma_before``,
``_recruiting`` and ``_past_participle``) gives, and ``token_classes`` what ``_token_classes`` gives,
with the loops over C arrays: each token's word-list memberships are read once, as two bit sets
(one for its folded form, one for its key; remembered per word in dicts the caller keeps), instead
of a set look-up of a Python string at every test, and the gaps between tokens are read from the
line's buffer instead of sliced and matched by a regular expression. The word lists themselves stay
in ``skills`` (``configure`` receives them). The Python methods stay the reference and the fallback
(no build, ``ADEQUA_PURE_PYTHON=1``); tests/test_skills_planner_fast.py compares the two on real text.
"""

from cpython.object cimport PyObject
from cpython.unicode cimport Py_UNICODE_ISDECIMAL, Py_UNICODE_ISLOWER, Py_UNICODE_ISSPACE, Py_UNICODE_ISUPPER, \
    PyUnicode_DATA, PyUnicode_KIND, PyUnicode_READ
from cpython.bytes cimport PyBytes_AS_STRING
from libc.stdlib cimport free, malloc
from libc.stdint cimport uint32_t, uint64_t

# bits of a folded word (``toks[t][2]``): the first ones in the order of ``configure``'s ``norm_sets``
cdef enum:
    N_COORD = 1 << 0
    N_CLAUSE = 1 << 1
    N_TRAILING = 1 << 2
    N_HOW_WELL = 1 << 3
    N_NOT_KNOWLEDGE = 1 << 4
    N_NOT_SKILL_HEAD = 1 << 5
    N_DIPLOMA = 1 << 6
    N_POSSESSIVE = 1 << 7
    N_DURATION = 1 << 8
    N_VAGUE = 1 << 9
    N_SETTING_WORD = 1 << 10
    N_RECRUITS = 1 << 11
    N_RECRUITED = 1 << 12
    N_SETS = 13             # the bits above come from ``norm_sets``; those below from the word itself
    N_FRAMING = 1 << 13     # in the language's framing words (per call: the memo is per language)
    N_DECIMAL = 1 << 14     # ``w.isdecimal()``
    N_FIRST_DECIMAL = 1 << 15   # ``w[:1].isdecimal()``
    N_SHORT = 1 << 16       # one character
    N_AUTRE = 1 << 17       # "autre", "autres"
    N_NOUS = 1 << 18
    N_EN = 1 << 19
    N_TANT = 1 << 20
    N_QUE = 1 << 21
    N_QUALITE = 1 << 22
    N_A_AU_AUX = 1 << 23
    N_ONS = 1 << 24         # ends with "ons"
    N_ANT = 1 << 25         # ends with "ant"
    N_LONG_ANT = 1 << 26    # ends with "ant", more than five characters
    N_D = 1 << 27
    N_UN_UNE = 1 << 28
    N_VOUS_NOUS = 1 << 29   # "vous", "nous"

# bits of a key (``keys[t]``, "" for a function word): in the order of ``configure``'s ``key_sets``
cdef enum:
    K_KNOWLEDGE = 1 << 0
    K_ASKED = 1 << 1
    K_LIGHT = 1 << 2
    K_COPULA = 1 << 3
    K_REQUIRED = 1 << 4
    K_NOT_SKILL_HEAD = 1 << 5
    K_DIPLOMA = 1 << 6
    K_FIELD_HEAD = 1 << 7
    K_SETTING_VERB = 1 << 8
    K_LINK_NOISE = 1 << 9
    K_SETS = 10
    K_FRAMING = 1 << 10
    K_CONTENT = 1 << 11     # not ""
    # and of the word as written (lower case), the forms above being its folded form and key:
    K_ACTION = 1 << 12      # ``km.is_action(lower)``
    K_NOMINAL = 1 << 13     # ``km.is_nominal(lower)``
    K_PARTICIPLE = 1 << 14  # ``skills._past_participle(lower, key)``
    K_TITLE = 1 << 15       # the key is one of a job title's (``title_words``)
    K_LIGHT_NOUN = 1 << 16  # a light verb named by its noun ("prise": prendre), which is the action itself
    K_UNREAD = 1 << 31      # not read yet: a token outside job / neutral segments (see ``_read``)

cdef tuple _norm_sets = ()
cdef tuple _key_sets = ()
cdef dict _shared_bits = {}     # bit pattern -> the one int object the word memos hold for it


def configure(tuple norm_sets, tuple key_sets):
    """The word lists of ``skills``, in the order of the N_ and K_ bits above."""
    global _norm_sets, _key_sets
    assert len(norm_sets) == N_SETS and len(key_sets) == K_SETS
    _norm_sets, _key_sets = norm_sets, key_sets


cdef inline uint32_t _member_bits(str w, tuple sets, int n):
    """Bit b set when ``w`` is in ``sets[b]``, for the first ``n`` sets."""
    cdef uint32_t bits = 0
    cdef int b
    for b in range(n):
        if w in <frozenset>sets[b]:
            bits |= 1u << b
    return bits


cdef uint32_t _norm_bits(str w, framing):
    cdef uint32_t bits = _member_bits(w, _norm_sets, N_SETS)
    if w in framing:
        bits |= N_FRAMING
    if w.isdecimal():
        bits |= N_DECIMAL
    if w[:1].isdecimal():
        bits |= N_FIRST_DECIMAL
    if len(w) == 1:
        bits |= N_SHORT
    if w == "autre" or w == "autres":
        bits |= N_AUTRE
    if w == "nous":
        bits |= N_NOUS
    if w == "en":
        bits |= N_EN
    if w == "tant":
        bits |= N_TANT
    if w == "que":
        bits |= N_QUE
    if w == "qualite":
        bits |= N_QUALITE
    if w == "a" or w == "au" or w == "aux":
        bits |= N_A_AU_AUX
    if w.endswith("ons"):
        bits |= N_ONS
    if w.endswith("ant"):
        bits |= N_ANT
        if len(w) > 5:
            bits |= N_LONG_ANT
    if w == "d":
        bits |= N_D
    if w == "un" or w == "une":
        bits |= N_UN_UNE
    if w == "vous" or w == "nous":
        bits |= N_VOUS_NOUS
    return bits


cdef bint _past_participle(str word, str key):
    """``skills._past_participle``."""
    if word.endswith(("é", "ée", "és", "ées")):
        return key.endswith("er")
    if word.endswith(("i", "ie", "is", "ies")):
        return key.endswith("ir") and not key.endswith("oir")
    if word.endswith(("u", "ue", "us", "ues")):
        return key.endswith(("re", "ir", "oir"))
    return False


cdef uint32_t _key_bits(str k, str lower, str w, km, framing, title_words):
    cdef uint32_t bits = _member_bits(k, _key_sets, K_SETS)
    if k in framing:
        bits |= K_FRAMING
    if k:
        bits |= K_CONTENT
    if km.is_action(lower):
        bits |= K_ACTION
    if km.is_nominal(lower):
        bits |= K_NOMINAL
    if _past_participle(lower, k):
        bits |= K_PARTICIPLE
    if k in title_words:
        bits |= K_TITLE
    if k == "prendre" and w.startswith("prise"):
        bits |= K_LIGHT_NOUN
    return bits


def word_bits(str lower, str folded, str k, km, framing, title_words):
    """The bits ``candidates`` reads for a word written ``lower`` (its folded form and key given): what
    its memo would hold, computed once per word by ``SkillExtractor._word_forms`` so that the tokeniser
    hands them over with the line's tokens (no memo look-up per token)."""
    cdef uint64_t bits = (<uint64_t>_norm_bits(folded, framing)) | \
        ((<uint64_t>_key_bits(k, lower, folded, km, framing, title_words)) << 32)
    shared = _shared_bits.get(bits)
    if shared is None:
        shared = _shared_bits[bits] = bits
    return shared


cdef uint64_t _word_bits(tuple tok, str k, km, framing, title_words, dict memo):
    """The bits of a token (start, end, folded, lower) and its key: the folded form's in the low 32,
    the key's and the written word's above; remembered by the written word, with the folded form and
    key they were read from (the same written word always has the same two, but that is checked)."""
    cdef str lower = <str>tok[3], w = <str>tok[2]
    got = memo.get(lower)
    if got is not None:
        known = <tuple>got
        if (known[0] is w or known[0] == w) and (known[1] is k or known[1] == k):
            return known[2]
    cdef uint64_t bits = (<uint64_t>_norm_bits(w, framing)) | ((<uint64_t>_key_bits(k, lower, w, km, framing, title_words)) << 32)
    if got is None:
        # the memo's values share one int object per bit pattern (a few hundred in all), which then stay
        # in the processor's cache: reading a token's bits is one dict look-up and its tuple
        shared = _shared_bits.get(bits)
        if shared is None:
            shared = _shared_bits[bits] = bits
        memo[lower] = (w, k, shared)
    return bits


cdef struct Line:
    Py_ssize_t n
    uint32_t *nb        # bits of each token's folded word
    uint32_t *kb        # bits of each token's key
    Py_ssize_t *start
    Py_ssize_t *end
    Py_ssize_t *seg     # segment of each token (-1: none)
    char *brk           # punctuation before the token
    char *open          # the token's class is "job" or "neutral"
    int kind            # the line's characters
    void *data
    Py_ssize_t length
    # what ``_read`` needs to read a token's bits (borrowed from ``candidates``' arguments)
    PyObject *toks
    PyObject *keys
    PyObject *km
    PyObject *framing
    PyObject *title_words
    PyObject *memo
    const uint64_t *given   # each token's bits from the tokeniser (``word_bits``), or NULL: read by ``_word_bits``


cdef inline Py_UCS4 _char(Line *ln, Py_ssize_t i) noexcept:
    return PyUnicode_READ(ln.kind, ln.data, i)


cdef int _read(Line *ln, Py_ssize_t x) except -1:
    """The bits of token ``x``, read on demand: only the tokens of job / neutral segments are read
    up front, and a candidate looks at most one token beyond each end ("nous", "en", a list mark)."""
    cdef uint64_t bits
    if x < 0 or x >= ln.n or not (ln.kb[x] & K_UNREAD):
        return 0
    if ln.given != NULL:
        bits = ln.given[x]
    else:
        bits = _word_bits(<tuple>(<list>ln.toks)[x], <str>(<list>ln.keys)[x], <object>ln.km, <object>ln.framing,
                          <object>ln.title_words, <dict>ln.memo)
    ln.nb[x] = <uint32_t>bits
    ln.kb[x] = <uint32_t>(bits >> 32)
    return 0


cdef bint _joiner_gap(Line *ln, Py_ssize_t a, Py_ssize_t b) noexcept:
    """``line[a:b].strip(" ") in ("+", "&", " - ", "–")`` (" - " never survives the strip)."""
    while a < b and _char(ln, a) == u" ":
        a += 1
    while b > a and _char(ln, b - 1) == u" ":
        b -= 1
    if b - a != 1:
        return False
    cdef Py_UCS4 c = _char(ln, a)
    return c == u"+" or c == u"&" or c == u"–"


cdef bint _list_gap(Line *ln, Py_ssize_t a, Py_ssize_t b) noexcept:
    """``skills._LIST_SEP.search(line[a:b])``: a list mark ``[,;:\\n()•\\-–*/]``, or only white space."""
    cdef Py_ssize_t x
    cdef Py_UCS4 c
    cdef bint blank = True
    for x in range(a, b):
        c = _char(ln, x)
        if c in u",;:\n()•-–*/":
            return True
        if not Py_UNICODE_ISSPACE(c):
            blank = False
    return blank


cdef Py_ssize_t _trim(Line *ln, Py_ssize_t a, Py_ssize_t b, list toks, list keys, Py_ssize_t *j_out) except -2:
    """``SkillExtractor._trim`` of the tokens a..b: the first token kept (its last in ``j_out``), -1 for None."""
    cdef Py_ssize_t k = a, x, y, i, j
    cdef int n_content
    cdef uint32_t nb, kb, prev
    while k <= b:
        nb, kb = ln.nb[k], ln.kb[k]
        if not (kb & K_CONTENT) or nb & (N_DECIMAL | N_SHORT):
            k += 1
            continue
        if kb & K_FRAMING and (nb & N_FRAMING or not (kb & K_NOMINAL)):
            k += 1
            continue
        if kb & K_LIGHT and not (kb & K_LIGHT_NOUN):
            y = k + 1
            while y <= b and not (ln.kb[y] & K_CONTENT):
                y += 1
            if y <= b and ln.kb[y] & K_NOMINAL:
                k += 1
                continue
        break
    if k > b:
        return -1
    i = j = k
    n_content = 0
    prev = 0        # bits of the word before (none at the first)
    for x in range(k, b + 1):
        nb, kb = ln.nb[x], ln.kb[x]
        if n_content >= 2 and nb & N_CLAUSE:
            break
        if n_content >= 1 and x != i and (kb & K_COPULA or (prev & N_EN and nb & N_ANT)):
            break
        if n_content >= 2 and (prev & N_A_AU_AUX and nb & N_POSSESSIVE
                               or (nb & N_LONG_ANT and toks[x][2] != keys[x])):
            break
        if n_content >= 1 and nb & N_VOUS_NOUS and kb & K_CONTENT and _char(ln, ln.start[x] - 1) != u"-":
            break
        prev = nb
        if kb & K_CONTENT:
            n_content += 1
            if not (kb & K_REQUIRED):
                j = x
        elif not (nb & N_TRAILING):
            j = x
    j_out[0] = j
    return i


cdef bint _diploma_before(Line *ln, Py_ssize_t i) noexcept:
    """``SkillExtractor._diploma_before``."""
    cdef Py_ssize_t x, y
    cdef bint cut
    for x in range(i - 6 if i > 6 else 0, i - 1):
        if ln.seg[x] != ln.seg[i]:
            continue
        cut = False
        for y in range(x + 1, i):
            if ln.brk[y]:
                cut = True
                break
        if not cut and (ln.kb[x] & K_DIPLOMA or ln.nb[x] & N_DIPLOMA):
            return True
    return False


cdef bint _maybe_title(Line *ln, Py_ssize_t i, Py_ssize_t j) noexcept:
    """Every key of tokens i..j is a job title's (or there is none): only then can they be a title."""
    cdef Py_ssize_t x
    for x in range(i, j + 1):
        if ln.kb[x] & K_CONTENT and not (ln.kb[x] & K_TITLE):
            return False
    return True


cdef frozenset _content_keys(Line *ln, list keys, Py_ssize_t i, Py_ssize_t j):
    """``frozenset(filter(None, keys[i:j + 1]))``."""
    cdef Py_ssize_t x
    got = []
    for x in range(i, j + 1):
        if ln.kb[x] & K_CONTENT:
            got.append(keys[x])
    return frozenset(got)


cdef bint _maybe_gender(Line *ln, Py_ssize_t s, Py_ssize_t e) noexcept:
    """False when ``skills._GENDER_PAIR`` (``[\\s(]*\\b(?:H\\s?/\\s?F|F\\s?/\\s?H)\\b``) can neither be found in
    line[s:e] nor match at e: the first needs a "/" before e; the second, after white space and "(" from
    e, a letter then a "/" one or two characters further."""
    cdef Py_ssize_t x, q = e
    for x in range(s, e):
        if _char(ln, x) == u"/":
            return True
    while q < ln.length and (Py_UNICODE_ISSPACE(_char(ln, q)) or _char(ln, q) == u"("):
        q += 1
    return (q + 1 < ln.length and _char(ln, q + 1) == u"/") or (q + 2 < ln.length and _char(ln, q + 2) == u"/")


cdef bint _recruiting(Line *ln, Py_ssize_t i, Py_ssize_t j) noexcept:
    """``skills._recruiting``."""
    cdef Py_ssize_t x
    for x in range(i, j):
        if ln.nb[x] & N_RECRUITS:
            if ln.nb[x + 1] & N_RECRUITED or (ln.nb[x + 1] & N_D and x + 2 <= j and ln.nb[x + 2] & N_UN_UNE):
                return True
    return False


def candidates(list toks, list keys, list tok_cls, list seg_of, str masked, list brk, km, framing,
               job_titles, title_words, gender_pair, dict memo, list segments=None, bytes word_bits=None):
    """``SkillExtractor._candidates(toks, keys, tok_cls, seg_of, segments, model, masked, brk)`` with
    ``km = model.keys``, ``framing = km.framing``, the extractor's ``c.job_titles`` and
    ``skills._GENDER_PAIR``; ``title_words``: every key of a job title; ``memo``: {word as written:
    (folded, key, bits)}, one per language and extractor (the bits depend on its job titles).

    With ``segments`` (the line's, when no curated mention was kept: every candidate stays whole),
    each candidate comes as ``SkillExtractor._plan`` records it: (first, last, first, last, content
    tokens, the keys it is linked by, is a task, single, task in a job segment or knowledge, several
    words in a job bullet). ``word_bits``: each token's ``word_bits`` as the tokeniser gives them (8 bytes a
    token, native order), read instead of ``memo``."""
    cdef Line ln
    cdef Py_ssize_t n = len(toks), t, a, b, i, j, u, x, first, end, d, j2, i2, sg
    cdef bint coord_next, action, known, asked, lone_adj, field_known, listed
    cdef uint64_t bits
    out = []
    if n == 0:
        return out
    ln.n = n
    ln.kind = PyUnicode_KIND(masked)
    ln.data = PyUnicode_DATA(masked)
    ln.length = len(masked)
    ln.toks, ln.keys, ln.km, ln.framing = <PyObject *>toks, <PyObject *>keys, <PyObject *>km, <PyObject *>framing
    ln.title_words, ln.memo = <PyObject *>title_words, <PyObject *>memo
    ln.given = NULL
    if word_bits is not None and len(word_bits) == n * 8:
        ln.given = <const uint64_t *>PyBytes_AS_STRING(word_bits)
    ln.nb = <uint32_t *>malloc(n * sizeof(uint32_t))
    ln.kb = <uint32_t *>malloc(n * sizeof(uint32_t))
    ln.start = <Py_ssize_t *>malloc(n * sizeof(Py_ssize_t))
    ln.end = <Py_ssize_t *>malloc(n * sizeof(Py_ssize_t))
    ln.seg = <Py_ssize_t *>malloc(n * sizeof(Py_ssize_t))
    ln.brk = <char *>malloc(n)
    ln.open = <char *>malloc(n)
    if not (ln.nb and ln.kb and ln.start and ln.end and ln.seg and ln.brk and ln.open):
        free(ln.nb); free(ln.kb); free(ln.start); free(ln.end); free(ln.seg); free(ln.brk); free(ln.open)
        raise MemoryError()
    try:
        for t in range(n):
            tok = <tuple>toks[t]
            c = tok_cls[t]
            ln.open[t] = c == "job" or c == "neutral"
            if ln.open[t]:
                if ln.given != NULL:
                    bits = ln.given[t]
                else:
                    bits = _word_bits(tok, <str>keys[t], km, framing, title_words, memo)
                ln.nb[t] = <uint32_t>bits
                ln.kb[t] = <uint32_t>(bits >> 32)
            else:
                ln.nb[t] = 0
                ln.kb[t] = K_UNREAD
            ln.start[t] = tok[0]
            ln.end[t] = tok[1]
            ln.seg[t] = seg_of[t]
            ln.brk[t] = 1 if brk[t] else 0
        slash = "/" in masked
        t = 0
        while t < n:
            if not ln.open[t]:
                t += 1
                continue
            sg = ln.seg[t]
            # one chunk: until a break, a coordination or the end of the segment
            a = t
            t += 1
            while t < n and ln.seg[t] == sg and not ln.brk[t] and not (ln.nb[t] & N_COORD):
                if (ln.start[t] - ln.end[t - 1] != 1 or _char(&ln, ln.end[t - 1]) != u" ") \
                        and _joiner_gap(&ln, ln.end[t - 1], ln.start[t]):
                    break
                t += 1
            b = t - 1
            if t < n and ln.seg[t] == sg and ln.nb[t] & N_COORD:
                coord_next = True
                t += 1
            else:
                coord_next = False
            i = _trim(&ln, a, b, toks, keys, &j)
            if i < 0:
                continue
            action = ln.kb[i] & K_ACTION
            known = ln.kb[a] & K_KNOWLEDGE and i > a
            asked = False
            if not known and j > i and i > a:
                for x in range(a, b + 1):
                    if x >= i:
                        break
                    if ln.kb[x] & K_ASKED:
                        asked = True
                        break
                if asked:
                    for x in range(i - 1, j + 1):
                        if ln.nb[x] & N_NOT_KNOWLEDGE:
                            asked = False
                            break
            if known or asked:
                while i < j and (not (ln.kb[i] & K_CONTENT) or ln.nb[i] & N_HOW_WELL):
                    i += 1
                while j > i and (not (ln.kb[j] & K_CONTENT) or ln.nb[j] & N_HOW_WELL):
                    j -= 1
                if ln.nb[i] & N_HOW_WELL:
                    continue
                known = i < j or not (ln.nb[i] & N_VAGUE) or not asked
            if coord_next and j == b and t < n and ln.seg[t] == sg and (action or t - 1 > j):
                u = t
                while u < n and ln.seg[u] == sg and not ln.brk[u] and not (ln.nb[u] & N_COORD):
                    u += 1
                # the next conjunct: tokens t..u-1
                if u > t and u - t <= 6 and i < j and not (ln.nb[t] & N_AUTRE):
                    first = -1
                    for x in range(t, u):
                        if ln.kb[x] & K_CONTENT:
                            first = x
                            break
                    lone_adj = u - t == 1 and not (ln.nb[t] & N_FIRST_DECIMAL) \
                        and Py_UNICODE_ISLOWER(_char(&ln, ln.start[t]))
                    if first >= 0 and not (ln.kb[first] & K_ACTION) and \
                            ((action and not Py_UNICODE_ISUPPER(_char(&ln, ln.start[first]))) or lone_adj):
                        end = u - 1
                        while end > first and not (ln.kb[end] & K_CONTENT):
                            end -= 1
                        j = end
                        t = u
                        coord_next = False
            if coord_next and i == j and action and t < n and ln.seg[t] == sg:
                u = t
                while u < n and ln.seg[u] == sg and not ln.brk[u] and not (ln.nb[u] & N_COORD):
                    u += 1
                if u > t:
                    i2 = _trim(&ln, t, u - 1, toks, keys, &j2)
                    if i2 >= 0 and ln.kb[i2] & K_ACTION and j2 > i2:
                        j = j2
                        t = u
            if ln.kb[i] & (K_NOT_SKILL_HEAD | K_DIPLOMA) or ln.nb[i] & (N_NOT_SKILL_HEAD | N_DIPLOMA | N_FIRST_DECIMAL):
                field_known = False
                if known and ln.kb[i] & K_FIELD_HEAD:
                    for x in range(i + 1, j + 1):
                        if ln.kb[x] & K_CONTENT and not (ln.kb[x] & K_FRAMING):
                            field_known = True
                            break
                if not field_known:
                    continue    # but "connaissance du secteur agroalimentaire": knowledge asked for (§4)
            # the rules below look one token beyond the span at most (its span only changes by its first
            # token moving right, within it)
            _read(&ln, i - 1)
            _read(&ln, j + 1)
            if i > 0 and ln.nb[i - 1] & N_NOUS and ln.nb[i] & N_ONS:
                continue        # "nous accompagnons…": the employer speaking (§4)
            if ln.kb[i] & K_SETTING_VERB and i < j and ln.nb[i + 1] & N_SETTING_WORD:
                x = -1
                for u in range(i + 2, j + 1):
                    if ln.kb[u] & K_CONTENT:
                        x = u
                        break
                if x < 0 or not (ln.kb[x] & K_ACTION):
                    continue
                i, action = x, True
            if ln.kb[i] & K_PARTICIPLE and ln.kb[i] & K_ACTION and not (ln.kb[i] & K_NOMINAL):
                continue        # "(objectifs) définis par l'entreprise": what a thing undergoes
            d = i
            while d <= j and d < n - 1 and not (ln.nb[d] & N_DECIMAL and ln.nb[d + 1] & N_DURATION):
                d += 1
            if d <= j and d < n - 1:
                continue        # an amount of experience or of time is not a skill
            if not known and i > 0 and ln.nb[i - 1] & N_EN and _diploma_before(&ln, i):
                continue        # "bac +2 en assurances": a diploma's field (§4)
            if job_titles and _maybe_title(&ln, i, j) and _content_keys(&ln, keys, i, j) in job_titles:
                continue        # a job title is not a skill
            if slash and _maybe_gender(&ln, ln.start[i], ln.end[j]) and \
                    (gender_pair.search(masked, ln.start[i], ln.end[j]) or gender_pair.match(masked, ln.end[j])):
                continue        # "Conseiller immobilier en transaction H/F": a job title (§4)
            if i < j and (ln.nb[i] & N_TANT and ln.nb[i + 1] & N_QUE
                          or ln.nb[i] & N_QUALITE and i > 0 and ln.nb[i - 1] & N_EN):
                continue        # "en tant que référent technique": a role (§4)
            if _recruiting(&ln, i, j):
                continue        # who recruits or who is looking (§4)
            if i == j:
                # a lone word is a skill only as an item of a list ("Ponceuse, rabot, scie")
                listed = (i == 0 or _list_gap(&ln, ln.end[i - 1], ln.start[i]) or ln.nb[i - 1] & N_COORD) and \
                    (j + 1 >= n or _list_gap(&ln, ln.end[j], ln.start[j + 1]) or ln.nb[j + 1] & N_COORD)
                if not listed and not known:
                    continue
            if segments is None:
                out.append((i, j, action, known))
            else:
                out.append(_planned(&ln, keys, tok_cls, seg_of, segments, i, j, action, known))
    finally:
        free(ln.nb); free(ln.kb); free(ln.start); free(ln.end); free(ln.seg); free(ln.brk); free(ln.open)
    return out


cdef tuple _planned(Line *ln, list keys, list tok_cls, list seg_of, list segments, Py_ssize_t i, Py_ssize_t j,
                    bint action, bint known):
    """A candidate as ``SkillExtractor._plan`` records it when no curated mention lies inside."""
    cdef Py_ssize_t x, sg = ln.seg[i]
    cdef bint is_task, single, bullet, job
    content = []
    noted = []      # the content keys that tell which label it is
    for x in range(i, j + 1):
        if ln.kb[x] & K_CONTENT:
            content.append(x)
            if not (ln.kb[x] & K_LINK_NOISE):
                noted.append(keys[x])
    if noted:
        linked = frozenset(noted)
    else:
        linked = frozenset([keys[x] for x in content])
    cls = tok_cls[i]
    job = cls == "job"
    bullet = sg >= 0 and segments[sg].bullet
    is_task = action and (job or bullet or (cls == "neutral" and len(content) >= 2)) or known
    single = len(content) == 1
    return (i, j, i, j, tuple(content), linked, is_task, single, is_task and job or known,
            not single and job and bullet)


def token_classes(list toks, list segments, str field):
    """``SkillExtractor._token_classes``: the class of each token ("header" for a header line's)
    and the index of its segment (-1 if none)."""
    cdef Py_ssize_t n = len(toks), t, si = 0, ns = len(segments), s
    if field != "description":
        return ["offer"] * n, [-1] * n
    if ns == 1 and n:
        seg = segments[0]
        if seg.start <= toks[0][0] and toks[n - 1][0] < seg.end:     # one segment holds every token
            return ["header" if seg.header else seg.cls] * n, [0] * n
    cls = ["neutral"] * n
    seg_of = [-1] * n
    cdef Py_ssize_t seg_start = 0, seg_end = 0
    if ns:
        seg = segments[0]
        seg_start, seg_end = seg.start, seg.end
    for t in range(n):
        s = toks[t][0]
        while si < ns and seg_end <= s:
            si += 1
            if si < ns:
                seg = segments[si]
                seg_start, seg_end = seg.start, seg.end
        if si < ns and seg_start <= s:
            cls[t] = "header" if seg.header else seg.cls
            seg_of[t] = si
    return cls, seg_of
