# distutils: language = c++
# distutils: extra_compile_args = -ffp-contract=off
# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled ``adequa.enrich.skills_semantic.SimilarityIndex.best`` without a ``prefer`` bonus (optional
extension).

``Labels`` mirrors a frozen index as C arrays: per key, its IDF weight, its number of labels and its rank
in the order ``best`` sorts a candidate's keys ((number of labels, key): one integer per key, the same
order), its postings (copied the first time a short list needs them); per label, one record with its
weight, head key id, entry and key ids (copied the first time a short list holds it). ``Labels.best`` is ``best`` end to
end: the candidate's known keys in rank order, its one or two rarest keys under the posting limit (or the
rarest), their short list — labels holding both keys first, in the rarer key's posting order, then those
with the rarer key only, then those with the other only; the first ``2 × size`` postings for one key —
remembered per pair in the dict it is given, and each label of it scored: the IDF weights of the keys it
shares added in the candidate's key order, ``(shared / wc) × sqrt(shared / label weight)``, × 0.85 when
the label's head verb is not among the candidate's keys; the best ``k`` distinct entries as ``best``
sorts them (score, then entry, descending; an entry's first pair is its best). The candidate's weight
``wc`` comes from the index's own ``weight`` (the same Python ``sum``). The same float64 operations in the
same order as the Python path (compiled with ``-ffp-contract=off``): the same floats bit for bit
(tests/test_skills_semantic_fast.py). The Python path stays the reference and the fallback (no build,
``ADEQUA_PURE_PYTHON=1``, or a ``prefer`` bonus). Every function holds the GIL throughout (the lazy copies
and the mark array are then safe from threads).
"""

from libc.math cimport sqrt
from libc.stdint cimport int32_t, int64_t, uint8_t
from libcpp.algorithm cimport sort
from libcpp.vector cimport vector


cdef struct Scored:
    double score
    int64_t entry


cdef inline bint _after(const Scored& a, const Scored& b) noexcept nogil:
    # descending (score, entry): Python's sorted(zip(scores, entries), reverse=True)
    if a.score != b.score:
        return a.score > b.score
    return a.entry > b.entry


cdef enum:
    INLINE_KEYS = 10      # key ids held in a label's own record (64 bytes); more in its overflow vector


cdef struct Label:
    # everything scoring reads of a label, in one place (one or two cache lines, not five arrays)
    double weight
    int64_t entry
    int32_t head
    int32_t n               # number of keys; -1 until copied from the index
    int32_t keys[INLINE_KEYS]


cdef struct Known:
    int32_t rank
    int32_t kid


cdef inline bint _rarer(const Known& a, const Known& b) noexcept nogil:
    return a.rank < b.rank


cdef class Short:
    """A short list: label numbers, in scoring order."""
    cdef vector[int32_t] idx

    def __len__(self):
        return self.idx.size()

    def labels(self):
        return [self.idx[i] for i in range(<Py_ssize_t>self.idx.size())]


cdef class Labels:
    """C copies of an index's keys and labels (postings and labels copied when first needed) and a zeroed
    mark per label."""
    cdef object label_keys, label_weight, label_head, label_entry, postings, key_names
    cdef dict key_id
    cdef vector[double] idf
    cdef vector[int32_t] key_len
    cdef vector[int32_t] key_rank
    cdef vector[int32_t] key_alpha
    cdef vector[uint8_t] posted
    cdef vector[vector[int32_t]] post
    cdef vector[uint8_t] mark
    cdef vector[Label] labs
    cdef vector[vector[int32_t]] more

    def __init__(self, label_keys, label_weight, label_head, label_entry, dict postings, dict idf):
        cdef Py_ssize_t n = len(label_keys), nk = len(postings), i
        self.label_keys, self.label_weight, self.label_head, self.label_entry = (
            label_keys, label_weight, label_head, label_entry)
        self.postings = postings
        self.key_names = list(postings)
        self.key_id = {kk: i for i, kk in enumerate(self.key_names)}
        self.idf.resize(nk, 0.0)
        self.key_len.resize(nk, 0)
        self.key_rank.resize(nk, 0)
        self.key_alpha.resize(nk, 0)
        self.posted.resize(nk, 0)
        self.post.resize(nk)
        for i in range(nk):
            kk = self.key_names[i]
            self.idf[i] = idf[kk]
            self.key_len[i] = len(postings[kk])
        # the order ``best`` sorts a candidate's keys in: (number of labels, key), one rank per key
        order = sorted(range(nk), key=lambda j: (self.key_len[j], self.key_names[j]))
        for i in range(nk):
            self.key_rank[order[i]] = i
        # the order ``weight`` adds a key set's weights in: the keys' (code point) order
        order = sorted(range(nk), key=self.key_names.__getitem__)
        for i in range(nk):
            self.key_alpha[order[i]] = i
        self.mark.resize(n, 0)
        self.labs.resize(n)
        for i in range(n):
            self.labs[i].n = -1
        self.more.resize(n)

    cdef void _build(self, int32_t i) except *:
        cdef Label* lab = &self.labs[i]
        cdef int32_t n = 0
        h = self.label_head[i]
        for key in self.label_keys[i]:
            if n < INLINE_KEYS:
                lab.keys[n] = self.key_id[key]
            else:
                self.more[i].push_back(self.key_id[key])
            n += 1
        lab.weight = self.label_weight[i]
        lab.head = -1 if h is None else self.key_id[h]
        lab.entry = self.label_entry[i]
        lab.n = n

    cdef vector[int32_t]* _postings(self, int32_t kid) except NULL:
        cdef vector[int32_t]* v = &self.post[kid]
        if not self.posted[kid]:
            for lab in self.postings[self.key_names[kid]]:
                v.push_back(lab)
            self.posted[kid] = 1
        return v

    cdef Short _shortlist(self, int32_t k0, int32_t k1, Py_ssize_t size):
        """The labels scored for a candidate whose rarest keys are ``k0`` and ``k1`` (-1: one key)."""
        cdef Short s = Short()
        cdef Py_ssize_t i, n0, n1
        cdef int32_t j
        cdef vector[int32_t]* a = self._postings(k0)
        cdef vector[int32_t]* b
        n0 = a.size()
        if k1 < 0:
            for i in range(min(n0, 2 * size)):
                s.idx.push_back(a[0][i])
        else:
            b = self._postings(k1)
            n1 = b.size()
            for i in range(n1):
                self.mark[b[0][i]] = 1
            for i in range(n0):
                if self.mark[a[0][i]] and <Py_ssize_t>s.idx.size() < size:
                    s.idx.push_back(a[0][i])
            if <Py_ssize_t>s.idx.size() < size:
                for i in range(n0):
                    if not self.mark[a[0][i]] and <Py_ssize_t>s.idx.size() < size:
                        s.idx.push_back(a[0][i])
            for i in range(n1):
                self.mark[b[0][i]] = 0
            if <Py_ssize_t>s.idx.size() < size:
                for i in range(n0):
                    self.mark[a[0][i]] = 1
                for i in range(n1):
                    if not self.mark[b[0][i]] and <Py_ssize_t>s.idx.size() < size:
                        s.idx.push_back(b[0][i])
                for i in range(n0):
                    self.mark[a[0][i]] = 0
        for i in range(<Py_ssize_t>s.idx.size()):
            j = s.idx[i]
            if self.labs[j].n < 0:
                self._build(j)
        return s

    cpdef list best(self, keys, Py_ssize_t k, seen, dict shorts, Py_ssize_t limit, Py_ssize_t size, weight):
        """Top ``k`` (score, entry) for a candidate key set (``SimilarityIndex.best`` without ``prefer``);
        ``seen`` (a set, or None) receives every scored label's entry; ``shorts`` remembers short lists
        per pair of rare keys; ``limit`` and ``size``: the index's ``MAX_POSTINGS`` and ``SHORTLIST``;
        ``weight``: the index's ``weight`` (the candidate's key set -> its IDF weight), called when a key
        is unknown to the index (when all are known, the same sum is made here: their IDF weights added
        in the keys' order, from 0.0)."""
        cdef vector[Known] known
        cdef vector[Known] alpha
        cdef Known kn
        cdef Py_ssize_t m, i, j, p, n, nk = self.key_len.size()
        cdef int32_t k0 = -1, k1 = -1, x, h, lab
        cdef Short s
        cdef vector[Scored] scored
        cdef vector[int64_t] taken
        cdef Label* lp
        cdef vector[int32_t]* ks
        cdef Py_ssize_t nin
        cdef double sh, sc, wc
        cdef bint found
        cdef dict key_id = self.key_id
        cdef Py_ssize_t n_keys = 0
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
                seen.add(self.labs[s.idx[i]].entry)
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
        scored.resize(n)
        for i in range(n):
            lab = s.idx[i]
            lp = &self.labs[lab]
            nin = min(lp.n, <int32_t>INLINE_KEYS)
            ks = &self.more[lab]
            sh = 0.0
            for j in range(m):
                x = known[j].kid
                found = False
                for p in range(nin):
                    if lp.keys[p] == x:
                        found = True
                        break
                if not found:
                    for p in range(<Py_ssize_t>ks.size()):
                        if ks[0][p] == x:
                            found = True
                            break
                if found:
                    sh = sh + self.idf[x]
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
        out = []
        for i in range(n):
            found = False
            for j in range(<Py_ssize_t>taken.size()):
                if taken[j] == scored[i].entry:
                    found = True
                    break
            if found:
                continue
            taken.push_back(scored[i].entry)
            out.append((scored[i].score, scored[i].entry))
            if <Py_ssize_t>len(out) >= k:
                break
        return out

    def ranked(self, keys, Py_ssize_t k, dict shorts, Py_ssize_t limit, Py_ssize_t size, weight, list codes_of):
        """``best`` (without ``seen``) and the frozenset of the true ``codes_of[entry]`` of the entries it
        gives (``SimilarityIndex.ranked``)."""
        cdef list out = self.best(keys, k, None, shorts, limit, size, weight)
        cdef set codes = set()
        cdef Py_ssize_t i, n = len(codes_of)
        cdef Py_ssize_t e
        for i in range(len(out)):
            e = (<tuple>out[i])[1]
            if e < 0 or e >= n:
                raise IndexError(e)
            c = codes_of[e]
            if c:
                codes.add(c)
        return out, frozenset(codes)
