# distutils: language = c++
# distutils: extra_compile_args = -ffp-contract=off
# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled short lists and per-label scoring of ``adequa.enrich.skills_semantic.SimilarityIndex.best``
(optional extension).

``Labels`` mirrors a frozen index's labels as C arrays (weight, head key id, entry, key ids), each label
copied from the index's lists the first time a short list holds it. ``Labels.shortlist`` picks the labels
scored for a candidate's one or two rarest keys as ``SimilarityIndex._shortlist`` does (labels holding
both keys first, in the rarer key's posting order, then those with the rarer key only, then those with
the other only; the first ``2 × size`` postings for one key). ``scores_top`` scores each label of a short
list — the IDF weights of the keys it shares added in the candidate's key order, ``(shared / wc) ×
sqrt(shared / label weight)``, × 0.85 when the label's head verb is not among the candidate's keys — and
returns the best ``k`` distinct entries as ``best`` sorts them (score, then entry, descending; an entry's
first pair is its best). The same float64 operations in the same order as the Python path (compiled with
``-ffp-contract=off``): the same floats bit for bit (tests/test_skills_semantic_fast.py). The Python path
stays the reference and the fallback (no build, ``ADEQUA_PURE_PYTHON=1``, or a ``prefer`` bonus). Every
function holds the GIL throughout (the lazy copies and the mark array are then safe from threads).
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


cdef class Short:
    """A short list: label numbers, in scoring order."""
    cdef vector[int32_t] idx

    def __len__(self):
        return self.idx.size()

    def labels(self):
        return [self.idx[i] for i in range(<Py_ssize_t>self.idx.size())]


cdef class Labels:
    """C copies of an index's labels (made as short lists first hold them) and a zeroed mark per label."""
    cdef object label_keys, label_weight, label_head, label_entry
    cdef dict key_id
    cdef vector[uint8_t] built
    cdef vector[uint8_t] mark
    cdef vector[double] weight
    cdef vector[int32_t] head
    cdef vector[int64_t] entry
    cdef vector[vector[int32_t]] kids

    def __init__(self, label_keys, label_weight, label_head, label_entry, dict key_id):
        cdef Py_ssize_t n = len(label_keys)
        self.label_keys, self.label_weight, self.label_head, self.label_entry = (
            label_keys, label_weight, label_head, label_entry)
        self.key_id = key_id
        self.built.resize(n, 0)
        self.mark.resize(n, 0)
        self.weight.resize(n, 0.0)
        self.head.resize(n, -1)
        self.entry.resize(n, 0)
        self.kids.resize(n)

    cdef void _build(self, int32_t i) except *:
        cdef vector[int32_t] ks
        h = self.label_head[i]
        for key in self.label_keys[i]:
            ks.push_back(self.key_id[key])
        self.weight[i] = self.label_weight[i]
        self.head[i] = -1 if h is None else self.key_id[h]
        self.entry[i] = self.label_entry[i]
        self.kids[i] = ks
        self.built[i] = 1

    def shortlist(self, list p0, list p1, Py_ssize_t size):
        """The labels scored for a candidate whose rarest keys' postings are ``p0`` and ``p1`` (None: one key)."""
        cdef Short s = Short()
        cdef Py_ssize_t i, n0 = len(p0), n1
        cdef int32_t j
        cdef vector[int32_t] a, b
        for i in range(n0):
            a.push_back(p0[i])
        if p1 is None:
            for i in range(min(n0, 2 * size)):
                s.idx.push_back(a[i])
        else:
            n1 = len(p1)
            for i in range(n1):
                b.push_back(p1[i])
            for i in range(n1):
                self.mark[b[i]] = 1
            for i in range(n0):
                if self.mark[a[i]] and <Py_ssize_t>s.idx.size() < size:
                    s.idx.push_back(a[i])
            if <Py_ssize_t>s.idx.size() < size:
                for i in range(n0):
                    if not self.mark[a[i]] and <Py_ssize_t>s.idx.size() < size:
                        s.idx.push_back(a[i])
            for i in range(n1):
                self.mark[b[i]] = 0
            if <Py_ssize_t>s.idx.size() < size:
                for i in range(n0):
                    self.mark[a[i]] = 1
                for i in range(n1):
                    if not self.mark[b[i]] and <Py_ssize_t>s.idx.size() < size:
                        s.idx.push_back(b[i])
                for i in range(n0):
                    self.mark[a[i]] = 0
        for i in range(<Py_ssize_t>s.idx.size()):
            j = s.idx[i]
            if not self.built[j]:
                self._build(j)
        return s

    def scores_top(self, Short s, list known_ids, list known_weights, double wc, Py_ssize_t k, seen=None):
        """Top ``k`` (score, entry) of the short list's labels for a candidate whose known keys (in the
        order their weights are added) have ids ``known_ids`` and IDF weights ``known_weights``, and whose
        key set weighs ``wc``; ``seen`` (a set) receives every label's entry."""
        cdef Py_ssize_t n = s.idx.size(), m = len(known_ids), i, j, p
        cdef vector[int32_t] ids
        cdef vector[double] ws
        cdef vector[Scored] scored
        cdef vector[int64_t] taken
        cdef vector[int32_t]* ks
        cdef double sh, sc
        cdef int32_t x, h, lab
        cdef bint found
        if n == 0:
            return []
        if seen is not None:
            for i in range(n):
                seen.add(self.entry[s.idx[i]])
        for j in range(m):
            ids.push_back(known_ids[j])
            ws.push_back(known_weights[j])
        scored.resize(n)
        for i in range(n):
            lab = s.idx[i]
            ks = &self.kids[lab]
            sh = 0.0
            for j in range(m):
                x = ids[j]
                for p in range(<Py_ssize_t>ks.size()):
                    if ks[0][p] == x:
                        sh = sh + ws[j]
                        break
            sc = (sh / wc) * sqrt(sh / self.weight[lab])
            h = self.head[lab]
            if h >= 0:
                found = False
                for j in range(m):
                    if ids[j] == h:
                        found = True
                        break
                if not found:
                    sc = sc * 0.85
            scored[i].score = sc
            scored[i].entry = self.entry[lab]
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
