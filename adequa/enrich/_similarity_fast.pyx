# distutils: language = c++
# distutils: extra_compile_args = -ffp-contract=off
# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled ``adequa.enrich.skills_semantic.SimilarityIndex.best`` without a ``prefer`` bonus (optional
extension).

``Labels`` copies a frozen index's flat arrays (``SimilarityIndex.packed``, made when the index is frozen
and pickled with it): per key, its IDF weight, its number of labels, its rank in the order ``best`` sorts a
candidate's keys ((number of labels, key): one integer per key, the same order), its rank in code-point
order and its postings; per label, its key ids, weight, head key id and entry. ``Labels.best`` is ``best``
end to end: the candidate's known keys in rank order, its one or two rarest keys under the posting limit
(or the rarest), their short list — labels holding both keys first, in the rarer key's posting order, then
those with the rarer key only, then those with the other only; the first ``2 × size`` postings for one
key — remembered per pair in the dict it is given with each of its labels' weight, entry, head and key
ids copied side by side (``Short``: scoring a remembered short list reads one block of memory, not one
record per label scattered over the index), and each label of it scored: the IDF weights of the keys it
shares added in the candidate's key order, ``(shared / wc) × sqrt(shared / label weight)``, × 0.85 when
the label's head verb is not among the candidate's keys; the best ``k`` distinct entries as ``best``
sorts them (score, then entry, descending; an entry's first pair is its best). The candidate's weight
``wc`` comes from the index's own ``weight`` when a key is unknown, else the same sum is made here. The
same float64 operations in the same order as the Python path (compiled with ``-ffp-contract=off``): the
same floats bit for bit (tests/test_skills_semantic_fast.py). ``Labels.ranked`` also gathers the codes of
the entries it gives in the same pass. The Python path stays the reference and the fallback (no build,
``ADEQUA_PURE_PYTHON=1``, or a ``prefer`` bonus). Every function holds the GIL throughout (the mark array
is then safe from threads).
"""

from libc.math cimport sqrt
from libc.stdint cimport int32_t, int64_t, uint8_t
from libc.stdlib cimport free
from libcpp.algorithm cimport sort
from posix.stdlib cimport posix_memalign
from cpython.list cimport PyList_GET_ITEM
from cpython.object cimport PyObject

cdef extern from *:
    """
    #define ADEQUA_PREFETCH(p) __builtin_prefetch((const void*)(p))
    """
    void ADEQUA_PREFETCH(const void* p) noexcept nogil
from libcpp.vector cimport vector


cdef struct Scored:
    double score
    int64_t entry


cdef inline bint _after(const Scored& a, const Scored& b) noexcept nogil:
    # descending (score, entry): Python's sorted(zip(scores, entries), reverse=True)
    if a.score != b.score:
        return a.score > b.score
    return a.entry > b.entry


cdef struct Label:
    # everything scoring reads of a shortlisted label, next to the others of its short list
    double weight
    int64_t entry
    int32_t head            # key id of its head verb, -1 if none
    int32_t start           # its key ids: Short.keys[start:end]
    int32_t end


cdef enum:
    INLINE_KEYS = 10      # key ids held in a label's own record (64 bytes); the rest read from the CSR arrays


cdef struct Record:
    # a label of the index: what a short list copies of it, in one 64-byte cache line
    double weight
    int64_t entry
    int32_t head
    int32_t n
    int32_t keys[INLINE_KEYS]


cdef struct Known:
    int32_t rank
    int32_t kid


cdef inline bint _rarer(const Known& a, const Known& b) noexcept nogil:
    return a.rank < b.rank


cdef class Short:
    """A short list: its labels in scoring order, each with its weight, entry, head and key ids copied
    next to one another (scoring a remembered short list reads one block of memory)."""
    cdef vector[int32_t] idx
    cdef vector[Label] labs
    cdef vector[int32_t] keys

    def __len__(self):
        return self.idx.size()

    def labels(self):
        return [self.idx[i] for i in range(<Py_ssize_t>self.idx.size())]


cdef inline void _copy_ints(vector[int32_t]& v, object src) except *:
    cdef const int32_t[::1] m = src
    cdef Py_ssize_t i, n = m.shape[0]
    v.resize(n)
    for i in range(n):
        v[i] = m[i]


cdef inline void _copy_doubles(vector[double]& v, object src) except *:
    cdef const double[::1] m = src
    cdef Py_ssize_t i, n = m.shape[0]
    v.resize(n)
    for i in range(n):
        v[i] = m[i]


cdef class Labels:
    """C copies of an index's flat arrays (``SimilarityIndex.packed``: per key its IDF weight, number of
    labels, rank and postings; per label its key ids, weight, head and entry) and a zeroed mark per
    label."""
    cdef dict key_id
    cdef vector[double] idf
    cdef vector[int32_t] key_len
    cdef vector[int32_t] key_rank
    cdef vector[int32_t] key_alpha
    cdef vector[int32_t] post_start
    cdef vector[int32_t] post
    cdef vector[int32_t] lab_start
    cdef vector[int32_t] lab_keys
    cdef Record* recs
    cdef vector[uint8_t] mark

    def __cinit__(self):
        self.recs = NULL

    def __dealloc__(self):
        free(self.recs)

    def __init__(self, list key_names, tuple packed):
        cdef Py_ssize_t i, n
        cdef const int64_t[::1] ent
        cdef const int32_t[::1] head
        cdef const double[::1] weight
        cdef void* mem = NULL
        cdef Record* r
        cdef Py_ssize_t p, a
        self.key_id = {kk: i for i, kk in enumerate(key_names)}
        (idf, key_len, key_rank, key_alpha, post_start, post, lab_start, lab_keys, lab_head, lab_weight,
         lab_entry) = packed
        _copy_doubles(self.idf, idf)
        _copy_ints(self.key_len, key_len)
        _copy_ints(self.key_rank, key_rank)
        _copy_ints(self.key_alpha, key_alpha)
        _copy_ints(self.post_start, post_start)
        _copy_ints(self.post, post)
        _copy_ints(self.lab_start, lab_start)
        _copy_ints(self.lab_keys, lab_keys)
        ent, head, weight = lab_entry, lab_head, lab_weight
        n = ent.shape[0]
        if posix_memalign(&mem, 64, max(n, 1) * sizeof(Record)) != 0:
            raise MemoryError()
        self.recs = <Record*>mem
        for i in range(n):
            r = &self.recs[i]
            r.weight = weight[i]
            r.entry = ent[i]
            r.head = head[i]
            a = self.lab_start[i]
            r.n = self.lab_start[i + 1] - a
            for p in range(min(r.n, <int32_t>INLINE_KEYS)):
                r.keys[p] = self.lab_keys[a + p]
        self.mark.resize(n, 0)

    cdef Short _shortlist(self, int32_t k0, int32_t k1, Py_ssize_t size):
        """The labels scored for a candidate whose rarest keys are ``k0`` and ``k1`` (-1: one key)."""
        cdef Short s = Short()
        cdef Py_ssize_t i, a0, a1, b0 = 0, b1 = 0, p, q
        cdef int32_t j
        cdef int32_t* P = self.post.data()
        cdef uint8_t* mark = self.mark.data()
        cdef Label lab
        cdef const Record* r
        a0 = self.post_start[k0]
        a1 = self.post_start[k0 + 1]
        if k1 < 0:
            for i in range(a0, min(a1, a0 + 2 * size)):
                s.idx.push_back(P[i])
        else:
            b0 = self.post_start[k1]
            b1 = self.post_start[k1 + 1]
            for i in range(b0, b1):
                mark[P[i]] = 1
            for i in range(a0, a1):
                if mark[P[i]] and <Py_ssize_t>s.idx.size() < size:
                    s.idx.push_back(P[i])
            if <Py_ssize_t>s.idx.size() < size:
                for i in range(a0, a1):
                    if not mark[P[i]] and <Py_ssize_t>s.idx.size() < size:
                        s.idx.push_back(P[i])
            for i in range(b0, b1):
                mark[P[i]] = 0
            if <Py_ssize_t>s.idx.size() < size:
                for i in range(a0, a1):
                    mark[P[i]] = 1
                for i in range(b0, b1):
                    if not mark[P[i]] and <Py_ssize_t>s.idx.size() < size:
                        s.idx.push_back(P[i])
                for i in range(a0, a1):
                    mark[P[i]] = 0
        # every record asked for at once (misses overlap), then read
        for i in range(<Py_ssize_t>s.idx.size()):
            ADEQUA_PREFETCH(&self.recs[s.idx[i]])
        s.labs.resize(s.idx.size())
        s.keys.reserve(s.idx.size() * 8)
        for i in range(<Py_ssize_t>s.idx.size()):
            j = s.idx[i]
            r = &self.recs[j]
            lab.weight = r.weight
            lab.entry = r.entry
            lab.head = r.head
            lab.start = s.keys.size()
            for p in range(min(r.n, <int32_t>INLINE_KEYS)):
                s.keys.push_back(r.keys[p])
            if r.n > INLINE_KEYS:
                for p in range(self.lab_start[j] + INLINE_KEYS, self.lab_start[j + 1]):
                    s.keys.push_back(self.lab_keys[p])
            lab.end = s.keys.size()
            s.labs[i] = lab
        return s

    cdef list _top(self, keys, Py_ssize_t k, seen, dict shorts, Py_ssize_t limit, Py_ssize_t size, weight,
                   list codes_of, set codes):
        """``best``; when ``codes`` is a set, it receives the true ``codes_of[entry]`` of the entries given."""
        cdef vector[Known] known
        cdef vector[Known] alpha
        cdef vector[double] kw
        cdef Known kn
        cdef Py_ssize_t m, i, j, p, n, nk = self.key_len.size(), n_codes = 0
        cdef int32_t k0 = -1, k1 = -1, x, h
        cdef Short s
        cdef vector[Scored] scored
        cdef int64_t taken[64]
        cdef vector[int64_t] taken_more
        cdef Py_ssize_t n_taken = 0
        cdef vector[Py_ssize_t] picked
        cdef const Label* lp
        cdef const int32_t* lk
        cdef double sh, sc, wc
        cdef bint found
        cdef dict key_id = self.key_id
        cdef Py_ssize_t n_keys = 0
        cdef int64_t e
        for kk in keys:
            n_keys += 1
            got = key_id.get(kk)
            if got is not None:
                kn.kid = got
                kn.rank = self.key_rank[kn.kid]
                known.push_back(kn)
        m = known.size()
        if m == 0:
            return []
        sort(known.begin(), known.end(), _rarer)
        for i in range(m):
            if self.key_len[known[i].kid] <= limit:
                if k0 < 0:
                    k0 = known[i].kid
                else:
                    k1 = known[i].kid
                    break
        if k0 < 0:
            k0 = known[0].kid
        skey = (<int64_t>k0 + 1) * (nk + 1) + (k1 + 1)
        got = shorts.get(skey)
        if got is None:
            s = self._shortlist(k0, k1, size)
            shorts[skey] = s
        else:
            s = <Short>got
        n = s.idx.size()
        if n == 0:
            return []
        if seen is not None:
            for i in range(n):
                seen.add(s.labs[i].entry)
        if n_keys == m:
            for i in range(m):
                kn.kid = known[i].kid
                kn.rank = self.key_alpha[kn.kid]
                alpha.push_back(kn)
            sort(alpha.begin(), alpha.end(), _rarer)
            wc = 0.0
            for i in range(m):
                wc = wc + self.idf[alpha[i].kid]
        else:
            wc = weight(keys)
        kw.resize(m)
        for j in range(m):
            kw[j] = self.idf[known[j].kid]
        lk = s.keys.data()
        scored.resize(n)
        for i in range(n):
            lp = &s.labs[i]
            sh = 0.0
            for j in range(m):
                x = known[j].kid
                for p in range(lp.start, lp.end):
                    if lk[p] == x:
                        sh = sh + kw[j]
                        break
            sc = (sh / wc) * sqrt(sh / lp.weight)
            h = lp.head
            if h >= 0:
                found = False
                for j in range(m):
                    if known[j].kid == h:
                        found = True
                        break
                if not found:
                    sc = sc * 0.85
            scored[i].score = sc
            scored[i].entry = lp.entry
        sort(scored.begin(), scored.end(), _after)
        # the best scored pair of each entry, best first, until ``k`` entries
        for i in range(n):
            e = scored[i].entry
            found = False
            for j in range(n_taken):
                if (taken[j] if j < 64 else taken_more[j - 64]) == e:
                    found = True
                    break
            if found:
                continue
            if n_taken < 64:
                taken[n_taken] = e
            else:
                taken_more.push_back(e)
            n_taken += 1
            picked.push_back(i)
            if n_taken >= k:
                break
        if codes is not None:
            # the code strings are scattered in memory: all asked for before the first is read
            n_codes = len(codes_of)
            for i in range(<Py_ssize_t>picked.size()):
                e = scored[picked[i]].entry
                if e < 0 or e >= n_codes:
                    raise IndexError(e)
                ADEQUA_PREFETCH(PyList_GET_ITEM(codes_of, e))
        out = []
        for i in range(<Py_ssize_t>picked.size()):
            e = scored[picked[i]].entry
            out.append((scored[picked[i]].score, e))
            if codes is not None:
                c = codes_of[e]
                if c:
                    codes.add(c)
        return out

    cpdef list best(self, keys, Py_ssize_t k, seen, dict shorts, Py_ssize_t limit, Py_ssize_t size, weight):
        """Top ``k`` (score, entry) for a candidate key set (``SimilarityIndex.best`` without ``prefer``);
        ``seen`` (a set, or None) receives every scored label's entry; ``shorts`` remembers short lists
        per pair of rare keys; ``limit`` and ``size``: the index's ``MAX_POSTINGS`` and ``SHORTLIST``;
        ``weight``: the index's ``weight`` (the candidate's key set -> its IDF weight), called when a key
        is unknown to the index (when all are known, the same sum is made here: their IDF weights added
        in the keys' order, from 0.0)."""
        return self._top(keys, k, seen, shorts, limit, size, weight, None, None)

    def ranked(self, keys, Py_ssize_t k, dict shorts, Py_ssize_t limit, Py_ssize_t size, weight, list codes_of):
        """``best`` (without ``seen``) and the frozenset of the true ``codes_of[entry]`` of the entries it
        gives (``SimilarityIndex.ranked``)."""
        cdef set codes = set()
        cdef list out = self._top(keys, k, None, shorts, limit, size, weight, codes_of, codes)
        return out, frozenset(codes)
