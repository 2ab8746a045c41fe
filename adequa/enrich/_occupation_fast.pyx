# distutils: language = c++
# distutils: extra_compile_args = -ffp-contract=off
# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled kernels of the occupation classifier (optional extension): the title short list and the
batch's description evidence.

``title_shortlist`` does in one pass what ``OccupationClassifier._title_dense`` and ``_fiches_of`` do
with numpy over every label: add up each scored text's per-token postings (``LexicalIndex.token_parts``),
turn them into the coverage-weighted cosine, keep the best over the texts, short-list the labels within
reach of the best one and name each fiche's best label. It touches only the labels the title's words
reach, with the same floating-point operations in the same order as the numpy path (float64 sums in
posting order, one rounding to float32, float32 thresholds), so the results are the same bit for bit
(tests compare both); ``token_postings`` and ``shared_features`` compute its inputs the same way.
``description_batch`` builds each description's query row and adds each (ad, candidate fiche) pair's
float32 products as ``np.add.reduceat`` does (numpy's pairwise summation), bit for bit too; ``Vocab``
maps a description's words to stem ids in C. ``adequa.enrich.occupation`` falls back on the numpy path
when this module is not built (or with ``ADEQUA_PURE_PYTHON=1``).
"""

from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t
from cpython.unicode cimport PyUnicode_DecodeASCII
from libc.math cimport sqrt
from libc.string cimport memcpy
from libcpp.algorithm cimport nth_element, sort
from cython.operator cimport dereference as deref
from libcpp.string cimport string
from libcpp.unordered_map cimport unordered_map
from libcpp.unordered_set cimport unordered_set
from libcpp.vector cimport vector

import numpy as np


cdef inline uint64_t _key(float score, int64_t doc) noexcept nogil:
    # ascending key = descending score (non-negative float32 bits are monotonic), then ascending doc
    cdef uint32_t bits
    memcpy(&bits, &score, 4)
    return ((<uint64_t>(~bits)) << 32) | <uint64_t>doc


cdef class Scratch:
    """Zeroed work buffers of one thread (kept zeroed between calls)."""
    cdef double[::1] acc        # per label: Σ dots at 2 × label, Σ squares at 2 × label + 1 (one cache line)
    cdef float[::1] out         # per label: its best score
    cdef float[::1] text_scores # per label: this text's score (titles of several texts only)
    cdef float[::1] seq         # a title of one text: its labels' scores, in the order of its labels
    cdef uint8_t[::1] seen_text
    cdef uint8_t[::1] seen_any
    cdef uint8_t[::1] seen_group
    cdef int64_t[::1] union_docs
    cdef int64_t[::1] text_docs

    def __init__(self, Py_ssize_t n_docs, Py_ssize_t n_groups):
        self.acc = np.zeros(2 * n_docs, np.float64)
        self.out = np.zeros(n_docs, np.float32)
        self.text_scores = np.zeros(n_docs, np.float32)
        self.seq = np.zeros(n_docs + 1, np.float32)
        self.seen_text = np.zeros(n_docs, np.uint8)
        self.seen_any = np.zeros(n_docs, np.uint8)
        self.seen_group = np.zeros(max(n_groups, 1), np.uint8)
        self.union_docs = np.zeros(n_docs, np.int64)
        self.text_docs = np.zeros(n_docs + 1, np.int64)     # (+1: the branch-free append's spare slot)


def title_shortlist(Scratch s, list texts, const int32_t[::1] groups, double floor, Py_ssize_t title_top,
                    Py_ssize_t limit, const int64_t[::1] indptr, const int32_t[::1] indices, const float[::1] data):
    """``texts``: one ``(docs, dots, sqs, k1, k2, weight, corrections)`` per scored text, where
    ``docs``/``dots``/``sqs`` are lists of int64 / float64 / float64 arrays (the parts of ``token_parts``)
    and ``corrections`` is None or ``(columns, dot factors, square terms)`` (``token_parts(...,
    raw_corrections=True)``): each column's postings in the index (``indptr``/``indices``/``data``, CSC)
    add ``data × dot factor`` and the square term after the parts. A label's score is
    ``float32((Σ sqs × k1 + k2) × Σ dots)`` and the text counts ``float32(weight) × score`` (the first text
    as is); a label scores its best text. Returns (short-listed label ids, their float32 scores): each
    group's best label among the ``title_top`` best labels (by score, then label id) of the short list
    (labels ≥ ``floor`` × the best; lower floors 0.1 and 0.03, then every label > 0, when fewer than
    ``title_top // 3`` reach it), best first, at most ``limit`` of them."""
    cdef double* acc = &s.acc[0]
    cdef float* outs = &s.out[0]
    cdef float* text_scores = &s.text_scores[0]
    cdef float* seq = &s.seq[0]
    cdef uint8_t[::1] seen_text = s.seen_text
    cdef uint8_t[::1] seen_any = s.seen_any
    cdef uint8_t[::1] seen_group = s.seen_group
    cdef int64_t[::1] union_docs = s.union_docs
    cdef int64_t[::1] text_docs = s.text_docs
    cdef const int64_t[::1] docs
    cdef const double[::1] dots
    cdef const double[::1] sqs
    cdef Py_ssize_t n_union = 0, n_text, i, j, t, n_parts
    cdef int64_t d
    cdef double k1, k2, f
    cdef float w, score, value, best = 0.0
    cdef bint first
    cdef const int64_t[::1] fcols
    cdef const double[::1] dcorr
    cdef const double[::1] scorr
    cdef int64_t c, p
    cdef double dc, sc
    cdef bint single = len(texts) == 1
    for t in range(len(texts)):
        parts_docs, parts_dots, parts_sqs, k1, k2, weight, corrections = texts[t]
        w = <float>weight
        first = t == 0
        n_text = 0
        n_parts = len(parts_docs)
        for j in range(n_parts):
            docs = parts_docs[j]
            dots = parts_dots[j]
            sqs = parts_sqs[j]
            with nogil:
                for i in range(docs.shape[0]):
                    d = docs[i]
                    # (branch-free: the label is appended, and kept when it is new to this text)
                    text_docs[n_text] = d
                    n_text += 1 - seen_text[d]
                    seen_text[d] = 1
                    acc[2 * d] += dots[i]
                    acc[2 * d + 1] += sqs[i]
        if corrections is not None:
            fcols, dcorr, scorr = corrections
            with nogil:
                for j in range(fcols.shape[0]):
                    c = fcols[j]
                    dc = dcorr[j]
                    sc = scorr[j]
                    for p in range(indptr[c], indptr[c + 1]):
                        d = indices[p]
                        text_docs[n_text] = d
                        n_text += 1 - seen_text[d]
                        seen_text[d] = 1
                        acc[2 * d] += <double>data[p] * dc
                        acc[2 * d + 1] += sc
        with nogil:
            for i in range(n_text):
                d = text_docs[i]
                f = acc[2 * d + 1] * k1
                f = f + k2
                score = <float>(f * acc[2 * d])
                acc[2 * d] = 0.0
                acc[2 * d + 1] = 0.0
                seen_text[d] = 0
                if single:          # its labels are the union: scores kept in their order, read in order
                    seq[i] = score
                    if score > best:
                        best = score
                elif first:
                    outs[d] = score
                    if score > best:
                        best = score
                    seen_any[d] = 1
                    union_docs[n_union] = d
                    n_union += 1
                else:
                    text_scores[d] = w * score
                    seen_text[d] = 2          # touched by this text (cleared below)
            if not first:
                # np.maximum(docs, w * scores): labels this text misses count w × 0
                for i in range(n_text):
                    d = text_docs[i]
                    if not seen_any[d]:
                        seen_any[d] = 1
                        union_docs[n_union] = d
                        n_union += 1
                        outs[d] = 0.0
                for i in range(n_union):
                    d = union_docs[i]
                    value = text_scores[d] if seen_text[d] == 2 else <float>0.0
                    if value > outs[d]:
                        outs[d] = value
                        if value > best:
                            best = value
                for i in range(n_text):
                    d = text_docs[i]
                    seen_text[d] = 0
                    text_scores[d] = 0.0
    cdef int64_t* ud = &union_docs[0]
    if single:
        ud = &text_docs[0]
        n_union = n_text
    cdef vector[uint64_t] keys
    cdef float thr, t03, t01, t003
    cdef Py_ssize_t c03 = 0, c01 = 0, k = 0, j2
    cdef uint64_t cut
    with nogil:
        if best > 0:
            t03 = <float>(<double>best * floor)
            t01 = <float>(<double>best * 0.1)
            t003 = <float>(<double>best * (floor if floor < 0.03 else 0.03))
            keys.reserve(n_union)
            # one pass: the labels >= the lowest floor, counted at the two others
            for i in range(n_union):
                d = ud[i]
                value = seq[i] if single else outs[d]
                if value >= t003:
                    keys.push_back(_key(value, d))
                    if value >= t03:
                        c03 += 1
                    if value >= t01:
                        c01 += 1
            thr = t003
            if c03 >= title_top // 3:
                thr = t03
            elif c01 >= title_top:
                thr = t01
            elif <Py_ssize_t>keys.size() < title_top:
                thr = -1.0          # every label > 0
            if thr < 0:
                keys.clear()
                for i in range(n_union):
                    d = ud[i]
                    value = seq[i] if single else outs[d]
                    if value > 0:
                        keys.push_back(_key(value, d))
            elif thr != t003:       # keep the keys of the labels >= thr (their scores' bits are >= thr's)
                cut = _key(thr, 0xFFFFFFFF)
                j2 = 0
                for i in range(<Py_ssize_t>keys.size()):
                    if keys[i] <= cut:
                        keys[j2] = keys[i]
                        j2 += 1
                keys.resize(j2)
            k = <Py_ssize_t>keys.size()
            if k > title_top:
                nth_element(keys.begin(), keys.begin() + title_top, keys.end())
                k = title_top
                sort(keys.begin(), keys.begin() + k)
            else:
                sort(keys.begin(), keys.end())
    res_docs = np.empty(min(k, limit) if best > 0 else 0, np.int64)
    res_scores = np.empty(len(res_docs), np.float32)
    cdef int64_t[::1] rd = res_docs
    cdef float[::1] rs = res_scores
    cdef Py_ssize_t n_out = 0
    cdef int32_t g
    cdef uint32_t bits
    if best > 0:
        with nogil:
            for i in range(k):
                d = <int64_t>(keys[i] & <uint64_t>0xFFFFFFFFu)
                g = groups[d]
                if not seen_group[g]:
                    seen_group[g] = 1
                    rd[n_out] = d
                    bits = ~(<uint32_t>(keys[i] >> 32))     # the score (outs[d]), from its key
                    memcpy(&value, &bits, 4)
                    rs[n_out] = value
                    n_out += 1
                    if n_out >= limit:
                        break
            for i in range(n_out):
                seen_group[groups[rd[i]]] = 0
    if not single:      # (a title of one text wrote no per-label score)
        for i in range(n_union):
            d = ud[i]
            outs[d] = 0.0
            seen_any[d] = 0
    return res_docs[:n_out], res_scores[:n_out]


cdef inline float _pairwise_sum(const float* a, Py_ssize_t n) noexcept nogil:
    # numpy's float32 pairwise summation (``FLOAT_pairwise_sum``), what ``np.add.reduceat`` adds with
    cdef float res, r0, r1, r2, r3, r4, r5, r6, r7
    cdef Py_ssize_t i, n2
    if n < 8:
        res = -0.0
        for i in range(n):
            res += a[i]
        return res
    elif n <= 128:
        r0 = a[0]; r1 = a[1]; r2 = a[2]; r3 = a[3]
        r4 = a[4]; r5 = a[5]; r6 = a[6]; r7 = a[7]
        i = 8
        while i < n - (n % 8):
            r0 += a[i]; r1 += a[i + 1]; r2 += a[i + 2]; r3 += a[i + 3]
            r4 += a[i + 4]; r5 += a[i + 5]; r6 += a[i + 6]; r7 += a[i + 7]
            i += 8
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n:
            res += a[i]
            i += 1
        return res
    else:
        n2 = n // 2
        n2 -= n2 % 8
        return _pairwise_sum(a, n2) + _pairwise_sum(a + n2, n - n2)


cdef int _fold_tokens(str text, Py_ssize_t limit, dict memo, fold_char, vector[char]& chars,
                     vector[Py_ssize_t]& ends) except -1:
    # the words of text[:limit] (see fold_words), their characters one after the other in ``chars`` and
    # the end of each in ``ends``
    cdef Py_ssize_t n = min(len(text), limit), i, j, m, start = chars.size()
    cdef Py_UCS4 ch
    cdef bytes got
    cdef const char* g
    cdef char c
    cdef long code
    for i in range(n):
        ch = text[i]
        code = <long>ch
        if code < 128:
            if 97 <= code <= 122 or 48 <= code <= 57:
                chars.push_back(<char>code)
            elif 65 <= code <= 90:
                chars.push_back(<char>(code + 32))
            elif <Py_ssize_t>chars.size() > start:
                ends.push_back(chars.size())
                start = chars.size()
            continue
        got = memo.get(code)
        if got is None:
            got = fold_char(chr(code))
            if len(memo) < 100_000:
                memo[code] = got
        g = got
        m = len(got)
        for j in range(m):
            c = g[j]
            if c == 32:
                if <Py_ssize_t>chars.size() > start:
                    ends.push_back(chars.size())
                    start = chars.size()
            else:
                chars.push_back(c)
    if <Py_ssize_t>chars.size() > start:
        ends.push_back(chars.size())
    return 0


def fold_words(str text, Py_ssize_t limit, dict memo, fold_char):
    """``adequa.enrich.ranking.words(text[:limit])`` in one pass: ASCII letters lowered, ASCII letters and
    digits kept, any other ASCII character a separator; every other character replaced by
    ``fold_char(char)`` (remembered in ``memo``: the ASCII bytes ``words``' steps make of that character
    alone, letters, digits and spaces). Each of ``words``' steps acts on one character at a time (the
    canonical reordering of NFKD moves only combining marks, which the ASCII encoding drops), so the
    words are the same."""
    cdef vector[char] chars
    cdef vector[Py_ssize_t] ends
    cdef Py_ssize_t t, b = 0
    _fold_tokens(text, limit, memo, fold_char, chars, ends)
    out = []
    for t in range(<Py_ssize_t>ends.size()):
        out.append(PyUnicode_DecodeASCII(chars.data() + b, ends[t] - b, NULL))
        b = ends[t]
    return out


cdef class Vocab:
    """Description word -> stem id, remembered in C (keyed by the word's ASCII bytes): ``resolve(word)``
    is asked once per distinct word (at most ``limit`` words remembered; the others are asked again).
    After ``use_stems``, a new word is stemmed and looked up in C instead (``stem_id``), without
    ``resolve``."""
    cdef unordered_map[string, int64_t] ids
    cdef object resolve
    cdef Py_ssize_t limit
    cdef bint c_stems
    cdef unordered_map[string, int64_t] stem_ids
    cdef unordered_set[string] stop
    cdef vector[string] suffixes
    cdef vector[string] repls
    cdef Py_ssize_t min_len

    def __init__(self, resolve, Py_ssize_t limit=1_000_000):
        self.resolve = resolve
        self.limit = limit

    def __len__(self):
        return self.ids.size()

    def use_stems(self, dict stem_ids, stop, suffixes, Py_ssize_t min_len):
        """Resolve new words in C: a word shorter than ``min_len`` or in ``stop`` has the stem ""; another
        one is stemmed as ``ranking.stem`` does with ``suffixes`` (``(suffix, replacement)`` pairs, the
        first that fits wins); its id is ``stem_ids.get(stem, -1)`` (ASCII keys only)."""
        cdef str k
        self.stem_ids.clear()
        self.stop.clear()
        self.suffixes.clear()
        self.repls.clear()
        for k, v in stem_ids.items():
            self.stem_ids[k.encode("ascii")] = v
        for k in stop:
            self.stop.insert(k.encode("ascii"))
        for a, b in suffixes:
            self.suffixes.push_back(a.encode("ascii"))
            self.repls.push_back(b.encode("ascii"))
        self.min_len = min_len
        self.c_stems = True

    cdef string _stem(self, const string& t) noexcept:
        # ranking.stem on an ASCII word
        cdef Py_ssize_t n = t.size(), i, m
        cdef char c
        if n <= 3:
            return t
        for i in range(n):
            c = t[i]
            if not ((97 <= c <= 122) or (65 <= c <= 90)):
                return t
        for i in range(<Py_ssize_t>self.suffixes.size()):
            m = self.suffixes[i].size()
            if n - m >= 3 and t.compare(n - m, m, self.suffixes[i]) == 0:
                return t.substr(0, n - m) + self.repls[i]
        c = t[n - 1]
        if (c == 115 or c == 120) and t[n - 2] != 115 and t[n - 2] != 117:      # s x / s u
            return t.substr(0, n - 1)
        return t

    cdef int64_t _stem_id(self, const string& word) noexcept:
        cdef string st
        cdef unordered_map[string, int64_t].iterator it
        if <Py_ssize_t>word.size() < self.min_len or self.stop.count(word):
            st = string()
        else:
            st = self._stem(word)
        it = self.stem_ids.find(st)
        return deref(it).second if it != self.stem_ids.end() else -1

    def stem_id(self, str word):
        """The id ``use_stems``' rules give an ASCII word (what ``text_ids`` uses for a new word)."""
        return self._stem_id(word.encode("ascii"))

    def text_ids(self, list texts, Py_ssize_t limit, dict memo, fold_char):
        """(the stem ids of the words of each ``text[:limit]`` (as ``fold_words`` cuts them), one after
        the other, int64; the number of words of each text, int64)."""
        cdef vector[char] chars
        cdef vector[Py_ssize_t] ends
        cdef vector[int64_t] out
        cdef Py_ssize_t r, t, b, done = 0, n = len(texts)
        cdef string key
        cdef int64_t v
        cdef unordered_map[string, int64_t].iterator it
        lengths = np.empty(n, np.int64)
        cdef int64_t[::1] lens = lengths
        for r in range(n):
            chars.clear()
            ends.clear()
            _fold_tokens(texts[r], limit, memo, fold_char, chars, ends)
            b = 0
            for t in range(<Py_ssize_t>ends.size()):
                key.assign(chars.data() + b, ends[t] - b)
                it = self.ids.find(key)
                if it != self.ids.end():
                    v = deref(it).second
                else:
                    if self.c_stems:
                        v = self._stem_id(key)
                    else:
                        v = self.resolve(PyUnicode_DecodeASCII(chars.data() + b, ends[t] - b, NULL))
                    if <Py_ssize_t>self.ids.size() < self.limit:
                        self.ids[key] = v
                out.push_back(v)
                b = ends[t]
            lens[r] = ends.size()
        ids = np.empty(out.size(), np.int64)
        cdef int64_t[::1] o = ids
        if out.size():
            memcpy(&o[0], out.data(), out.size() * sizeof(int64_t))
        return ids, lengths


cdef extern from *:
    int __builtin_ctzll(unsigned long long) nogil


cdef class PostingsScratch:
    """Zeroed per-document sums and a bitmap of the documents touched, for ``token_postings`` (one per
    thread; kept zeroed between calls: no per-call allocation or scan of every document)."""
    cdef vector[double] acc     # per document: Σ dots at 2 × document, Σ squares at 2 × document + 1
    cdef vector[uint64_t] bits
    cdef Py_ssize_t n_docs

    def __init__(self, Py_ssize_t n_docs):
        self.n_docs = n_docs
        self.acc.resize(2 * n_docs, 0.0)
        self.bits.resize((n_docs + 63) // 64, 0)


def token_postings(PostingsScratch s, const int64_t[::1] cols, const float[::1] idf, const double[::1] logtab,
                   const int64_t[::1] indptr, const int32_t[::1] indices, const float[::1] data):
    """``LexicalIndex._token_postings``' arrays in one pass, for a token's known feature columns ``cols``
    (with repeats): its distinct columns ascending and their counts (``np.unique(cols,
    return_counts=True)``), their weights ``(1 + logtab[count]) × float64(idf[column])`` (``logtab`` =
    ``np.log`` of the int64 counts, made by numpy), and each document's Σ float64(data) × w and Σ w × w,
    added in posting order (columns in order, each column's postings in order) as ``np.bincount`` adds
    them; returns (columns, counts, weights, the documents whose Σ w × w is not 0, ascending as
    ``np.flatnonzero``, their two sums). Every document id must be < ``s``'s ``n_docs`` and a count
    < ``len(logtab)`` (checked)."""
    cdef Py_ssize_t n = cols.shape[0], i, j, m = 0, nu = 0, b, word
    cdef vector[int64_t] srt
    cdef int64_t c, p, d
    cdef double wj, ww
    cdef uint64_t x
    cdef double* acc = s.acc.data()
    cdef uint64_t* bits = s.bits.data()
    srt.reserve(n)
    for i in range(n):
        srt.push_back(cols[i])
    sort(srt.begin(), srt.end())
    for i in range(n):
        if i == 0 or srt[i] != srt[i - 1]:
            nu += 1
    ucols = np.empty(nu, np.int64)
    counts = np.empty(nu, np.int64)
    weights = np.empty(nu, np.float64)
    cdef int64_t[::1] uc = ucols
    cdef int64_t[::1] cn = counts
    cdef double[::1] w = weights
    j = -1
    for i in range(n):
        if i == 0 or srt[i] != srt[i - 1]:
            j += 1
            uc[j] = srt[i]
            cn[j] = 1
        else:
            cn[j] += 1
    for j in range(nu):
        if cn[j] >= logtab.shape[0]:
            raise ValueError("logtab shorter than a count")
        if uc[j] < 0 or uc[j] + 1 >= indptr.shape[0]:
            raise IndexError("column out of range")
        w[j] = (1.0 + logtab[cn[j]]) * <double>idf[uc[j]]
    with nogil:
        for j in range(nu):
            c = uc[j]
            wj = w[j]
            ww = wj * wj
            for p in range(indptr[c], indptr[c + 1]):
                d = indices[p]
                acc[2 * d] += <double>data[p] * wj
                acc[2 * d + 1] += ww
                bits[d >> 6] |= (<uint64_t>1) << (d & 63)
        # the labels touched, in ascending order (the bitmap's): counted in a first walk, then written
        # straight into the output arrays and cleared in a second one
        for word in range(<Py_ssize_t>s.bits.size()):
            x = bits[word]
            while x:
                d = word * 64 + __builtin_ctzll(x)
                x &= x - 1
                if acc[2 * d + 1] != 0.0:
                    m += 1
    docs = np.empty(m, np.int64)
    dots = np.empty(m, np.float64)
    sqs = np.empty(m, np.float64)
    cdef int64_t[::1] od = docs
    cdef double[::1] ot = dots
    cdef double[::1] oq = sqs
    j = 0
    with nogil:
        for word in range(<Py_ssize_t>s.bits.size()):
            x = bits[word]
            if not x:
                continue
            bits[word] = 0
            while x:
                d = word * 64 + __builtin_ctzll(x)
                x &= x - 1
                if acc[2 * d + 1] != 0.0:
                    od[j] = d
                    ot[j] = acc[2 * d]
                    oq[j] = acc[2 * d + 1]
                    j += 1
                acc[2 * d] = 0.0
                acc[2 * d + 1] = 0.0
    return ucols, counts, weights, docs, dots, sqs


def shared_features(list ucols, list counts, list weights, list mult, const float[::1] idf, const double[::1] logtab):
    """The corrections ``LexicalIndex.token_parts`` makes when a query's tokens share features (or a token
    repeats): for the tokens' distinct columns ``ucols[t]`` (int64, ascending), their counts ``counts[t]``
    (int64) and weights ``weights[t]`` (float64), the token repeated ``mult[t]`` times, taken one after the
    other as the numpy path concatenates them: the query's distinct columns (ascending), their true weights
    ``(1 + logtab[Σ m × count]) × float64(idf)``, and for the columns met more than once (Σ m > 1) the
    column, ``true weight - Σ m × w`` and ``true weight² - Σ (m × w) × w`` (the sums in concatenation
    order, as ``np.bincount`` adds them). Raises ValueError when a count reaches ``len(logtab)``."""
    cdef vector[int64_t] cols
    cdef vector[int64_t] order
    cdef vector[double] ms
    cdef vector[double] cnts
    cdef vector[double] ws
    cdef const int64_t[::1] uc
    cdef const int64_t[::1] cn
    cdef const double[::1] w
    cdef Py_ssize_t t, i, n, j, k, nu = 0, nf = 0
    cdef double m, cnt_sum, m_sum, s1, s2, wt
    for t in range(len(ucols)):
        uc = ucols[t]
        cn = counts[t]
        w = weights[t]
        m = <double>(<Py_ssize_t>mult[t])
        for i in range(uc.shape[0]):
            cols.push_back(uc[i])
            ms.push_back(m)
            cnts.push_back(<double>cn[i])
            ws.push_back(w[i])
    n = cols.size()
    # positions sorted by (column, position): each column's occurrences in concatenation order
    for i in range(n):
        order.push_back(cols[i] * n + i)
    sort(order.begin(), order.end())
    for i in range(n):
        if i == 0 or order[i] // n != order[i - 1] // n:
            nu += 1
    out_cols = np.empty(nu, np.int64)
    out_w = np.empty(nu, np.float64)
    f_cols = np.empty(nu, np.int64)
    f_dot = np.empty(nu, np.float64)
    f_sq = np.empty(nu, np.float64)
    cdef int64_t[::1] oc = out_cols
    cdef double[::1] ow = out_w
    cdef int64_t[::1] fc = f_cols
    cdef double[::1] fd = f_dot
    cdef double[::1] fs = f_sq
    i = 0
    k = 0
    while i < n:
        j = i
        cnt_sum = 0.0
        m_sum = 0.0
        s1 = 0.0
        s2 = 0.0
        while j < n and order[j] // n == order[i] // n:
            t = order[j] % n
            cnt_sum += ms[t] * cnts[t]
            m_sum += ms[t]
            s1 += ms[t] * ws[t]
            s2 += (ms[t] * ws[t]) * ws[t]
            j += 1
        if <Py_ssize_t>cnt_sum >= logtab.shape[0] or cnt_sum < 1:
            raise ValueError("logtab shorter than a count")
        wt = (1.0 + logtab[<Py_ssize_t>cnt_sum]) * <double>idf[order[i] // n]
        oc[k] = order[i] // n
        ow[k] = wt
        if m_sum > 1:
            fc[nf] = order[i] // n
            fd[nf] = wt - s1
            fs[nf] = wt * wt - s2
            nf += 1
        k += 1
        i = j
    return out_cols, out_w, f_cols[:nf], f_dot[:nf], f_sq[:nf]


def description_batch(const int64_t[::1] ids, const int64_t[::1] lengths, const float[::1] idf,
                      const float[::1] logtab, const int64_t[::1] ads, const int64_t[::1] fiches,
                      const int64_t[::1] ptr, const int32_t[::1] fids, const float[::1] weights):
    """A batch's description evidence, one description at a time in one zeroed row of ``len(idf)`` floats
    (no (descriptions × stems) buffer: the row stays in cache), as ``OccupationClassifier.
    _description_scores_many``'s numpy path computes it, bit for bit. Row ``r`` holds the stem ids ``ids``
    of its ``lengths[r]`` words (-1: not a fiche stem); each stem counted ``c`` times weighs ``q =
    float32(1 + logtab[c]) × idf[stem]`` (``logtab`` = ``np.log`` of float32 counts, made by numpy), the
    row's norm is the float64 sum of the float32 ``q × q`` in ascending stem order (``np.bincount`` over
    ``np.unique``'s sorted keys), 1.0 when 0, and the row holds ``q / float32(norm)``. Then each (ad,
    fiche) pair of that row (``ads`` ascending; a fiche < 0 is skipped) gets Σ weights × row[ids] over the
    fiche's (stem id, weight) pairs ``fids[ptr[f]:ptr[f + 1]]``, as ``np.add.reduceat(weights *
    row[fids], starts)`` adds them (float32 products; the first plus numpy's pairwise sum of the others).
    Returns (the float32 score of each pair, 0 for a skipped pair or a row without a fiche stem; for each
    row, whether it has a fiche stem)."""
    cdef Py_ssize_t n = lengths.shape[0], n_stems = idf.shape[0], n_pairs = ads.shape[0]
    cdef Py_ssize_t r, p, b = 0, e, j, m, run, q = 0, n_tab = logtab.shape[0], longest = 1, fb, fe
    cdef vector[int64_t] row
    cdef vector[float] qs
    cdef vector[float] dense
    cdef vector[float] buf
    cdef int64_t s, f
    cdef double acc
    cdef float w, nf, first
    for r in range(n):
        if lengths[r] > n_tab - 1:
            raise ValueError("logtab shorter than a row")
        b += lengths[r]
    if b != ids.shape[0]:
        raise ValueError("lengths do not add up to the ids")
    b = 0
    for p in range(ids.shape[0]):
        if ids[p] >= n_stems:
            raise IndexError("stem id out of range")
    for p in range(n_pairs):
        if p and ads[p] < ads[p - 1]:
            raise ValueError("pairs not grouped by ascending ad")
        if ads[p] < 0 or ads[p] >= n:
            raise IndexError("ad out of range")
        f = fiches[p]
        if f >= 0:
            if f + 1 >= ptr.shape[0]:
                raise IndexError("fiche out of range")
            if ptr[f + 1] - ptr[f] > longest:
                longest = ptr[f + 1] - ptr[f]
    out = np.zeros(n_pairs, np.float32)
    has = np.zeros(n, np.uint8)
    cdef float[::1] o = out
    cdef uint8_t[::1] h = has
    dense.resize(n_stems, 0.0)
    buf.resize(longest, 0.0)
    with nogil:
        for r in range(n):
            e = b + lengths[r]
            row.clear()
            for p in range(b, e):
                if ids[p] >= 0:
                    row.push_back(ids[p])
            b = e
            m = row.size()
            if m:
                h[r] = 1
                sort(row.begin(), row.end())
                qs.clear()
                acc = 0.0
                j = 0
                while j < m:        # each distinct stem's weight, then the norm
                    s = row[j]
                    run = 1
                    while j + run < m and row[j + run] == s:
                        run += 1
                    w = (<float>1.0 + logtab[run]) * idf[s]
                    qs.push_back(w)
                    acc += <double>(w * w)
                    j += run
                acc = sqrt(acc)
                if acc == 0.0:
                    acc = 1.0
                nf = <float>acc
                j = 0
                p = 0
                while j < m:
                    s = row[j]
                    dense[s] = qs[p] / nf
                    p += 1
                    while j < m and row[j] == s:
                        j += 1
            while q < n_pairs and ads[q] == r:      # this row's pairs
                f = fiches[q]
                if m and f >= 0:
                    fb = ptr[f]
                    fe = ptr[f + 1]
                    if fe > fb:
                        for j in range(fb, fe):
                            buf[j - fb] = weights[j] * dense[fids[j]]
                        first = buf[0]
                        first += _pairwise_sum(&buf[1], fe - fb - 1)
                        o[q] = first
                q += 1
            for j in range(m):
                dense[row[j]] = 0.0
    return out, has.view(bool)
