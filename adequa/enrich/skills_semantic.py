"""Link a candidate phrase to the closest taxonomy label when no label matches it exactly.

Similarity is lexical-semantic: the candidate and every label are reduced to sets of
matching keys (lemmas, nominalisations mapped to verbs, function words dropped), and
compared with an IDF-weighted Dice coefficient, so word order, inflection, determiners
and verb/noun alternations do not matter ("bases de données : gestion" ~ "Gérer des
bases de données"). An inverted index on the rarest keys keeps it to a few hundred
set operations per candidate. Why not embeddings: see docs/skills.md (measured).
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections import defaultdict
from itertools import filterfalse, islice
from operator import itemgetter

from adequa.enrich._native import kernel

# optional compiled per-label scoring, or None: the Python path (same results: tests/test_skills_semantic_fast.py)
_sfast = kernel("_similarity_fast")


def _bounded_memo(d: dict, name: str, limit: int = 20_000) -> dict:
    """The memo stored as ``d[name]``, started afresh once it holds more than ``limit`` entries."""
    memo = d.get(name)
    if memo is None or len(memo) > limit:
        memo = d[name] = {}
    return memo


class SimilarityIndex:
    """Labels as key sets; ``best(keys)`` returns (score, entry) pairs, best first."""

    MAX_POSTINGS = 300       # keys in more labels than this are not used to shortlist
    SHORTLIST = 20
    # what is derived from the labels when first needed: dropped by ``finalize`` and never pickled
    _MEMOS = ("_psets", "_rank", "_shorts", "_clabels", "_cshorts")

    def __init__(self, light: frozenset = frozenset(), verbs: frozenset | set = frozenset()) -> None:
        self.light = frozenset(light)      # keys that weigh little ("réaliser", "effectuer")
        self.verbs = frozenset(verbs)
        self.label_head: list[str | None] = []
        self.label_pref: list[bool] = []
        self.label_keys: list[frozenset[str]] = []
        self.label_entry: list[int] = []
        self.label_weight: list[float] = []
        self.idf: dict[str, float] = {}
        self.postings: dict[str, list[int]] = {}
        self._default_idf = 1.0
        self.packed: tuple | None = None     # the index as flat arrays for the compiled kernel (``pack``)
        self.use_compiled = True       # the compiled scoring when built (tests switch it off to compare)

    def add(self, keys, entry: int, preferred: bool = False) -> None:
        """A label's keys; ``preferred`` labels (ROME, for "ROME first") come earlier in shortlists."""
        keys = [k for k in keys if k]
        ks = frozenset(keys)
        if ks:
            self.label_keys.append(ks)
            self.label_entry.append(entry)
            head = keys[0]
            self.label_head.append(head if head in self.verbs and head not in self.light else None)
            self.label_pref.append(preferred)

    def freeze(self) -> "SimilarityIndex":
        df: dict[str, int] = defaultdict(int)
        postings: dict[str, list[int]] = defaultdict(list)
        for i, ks in enumerate(self.label_keys):
            for k in ks:
                df[k] += 1
                postings[k].append(i)
        n = max(len(self.label_keys), 1)
        self.idf = {k: math.log(1 + n / c) * (0.1 if k in self.light else 1.0) for k, c in df.items()}
        self._default_idf = math.log(1 + n)
        self.label_weight = [sum(self.idf[k] for k in sorted(ks)) for ks in self.label_keys]
        # shortest labels first: among labels sharing the same rare key, they score highest
        lw, pref = self.label_weight, self.label_pref
        order = [w if p else w * 1.3 for w, p in zip(lw, pref)]
        self.postings = {k: sorted(v, key=order.__getitem__) for k, v in postings.items()}
        for memo in self._MEMOS:
            self.__dict__.pop(memo, None)
        self.packed = self.pack()
        return self

    def pack(self) -> tuple:
        """The frozen index as flat arrays, what the compiled kernel copies (``_similarity_fast.Labels``;
        made by ``freeze`` and pickled with the index, so a process does not rebuild them label by label):
        keys numbered in ``postings`` order; per key its IDF weight, number of labels, rank by (number of
        labels, key) and rank by key; the postings one after another (key ``i``'s are
        ``post[post_start[i]:post_start[i + 1]]``); per label its key ids (the same way), head key id
        (-1 for none), weight and entry."""
        names = list(self.postings)
        kid = {k: i for i, k in enumerate(names)}
        nk = len(names)
        key_len = array("i", [len(self.postings[k]) for k in names])
        key_rank = array("i", bytes(4 * nk))
        for r, i in enumerate(sorted(range(nk), key=lambda j: (key_len[j], names[j]))):
            key_rank[i] = r
        key_alpha = array("i", bytes(4 * nk))
        for r, i in enumerate(sorted(range(nk), key=names.__getitem__)):
            key_alpha[i] = r
        post_start, post = array("i", [0]), array("i")
        for k in names:
            post.extend(self.postings[k])
            post_start.append(len(post))
        lab_start, lab_keys = array("i", [0]), array("i")
        for ks in self.label_keys:
            lab_keys.extend(sorted(kid[k] for k in ks))
            lab_start.append(len(lab_keys))
        return (array("d", [self.idf[k] for k in names]), key_len, key_rank, key_alpha, post_start, post,
                lab_start, lab_keys, array("i", [-1 if h is None else kid[h] for h in self.label_head]),
                array("d", self.label_weight), array("q", self.label_entry))

    def __getstate__(self):
        state = dict(self.__dict__)
        for memo in self._MEMOS:
            state.pop(memo, None)
        return state

    def weight(self, keys) -> float:
        """IDF weight of a key set: its keys' weights added in key order, one by one from 0.0 (as the
        compiled ``best`` adds them; ``sum`` of Python 3.12+ would compensate)."""
        idf, default = self.idf, self._default_idf
        w = 0.0
        for kk in sorted(keys):
            w += idf.get(kk, default)
        return w

    def clear_memos(self) -> None:
        """Forget the shortlists remembered per pair of rare keys."""
        self.__dict__.pop("_shorts", None)
        self.__dict__.pop("_cshorts", None)

    def _shortlist(self, use: list[str]) -> tuple[tuple, tuple, tuple, tuple, dict]:
        """Label keys, weights, heads and entries of the labels scored for a candidate whose rarest
        keys are ``use`` (labels with both keys first, then those with the rarer one, then the
        other), and an empty {key: which labels hold it} filled as candidates ask."""
        postings = self.postings
        d = self.__dict__
        p0 = postings[use[0]]
        n_short = self.SHORTLIST
        if len(use) == 1:
            short = p0[: n_short * 2]
        else:
            psets = d.get("_psets")
            if psets is None or len(psets) > 50_000:
                psets = d["_psets"] = {}
            s1 = psets.get(use[1])
            if s1 is None:
                s1 = psets[use[1]] = frozenset(postings[use[1]])
            short = list(islice(filter(s1.__contains__, p0), n_short))
            if len(short) < n_short:
                short += islice(filterfalse(s1.__contains__, p0), n_short - len(short))
                if len(short) < n_short:
                    s0 = psets.get(use[0])
                    if s0 is None:
                        s0 = psets[use[0]] = frozenset(p0)
                    short += islice(filterfalse(s0.__contains__, postings[use[1]]), n_short - len(short))
        if not short:
            return (), (), (), (), {}
        if len(short) == 1:
            i = short[0]
            return (self.label_keys[i],), (self.label_weight[i],), (self.label_head[i],), (self.label_entry[i],), {}
        get = itemgetter(*short)
        return get(self.label_keys), get(self.label_weight), get(self.label_head), get(self.label_entry), {}

    def _labels(self):
        """The compiled kernel's copy of the index (``_similarity_fast.Labels``), made on first use."""
        d = self.__dict__
        labels = d.get("_clabels")
        if labels is None:
            packed = d.get("packed")
            if packed is None:       # an index frozen by code that did not pack it
                packed = d["packed"] = self.pack()
            labels = d["_clabels"] = _sfast.Labels(list(self.postings), packed)
        return labels

    def ranked(self, keys: frozenset[str], codes_of: list, k: int = 12) -> tuple[list[tuple[float, int]], frozenset]:
        """``best(keys, k=k)`` and the frozenset of the true ``codes_of[entry]`` of its entries (their ROME
        codes for the skill extractor), in one call of the compiled kernel when it is built and ``best``
        is not switched for another (``SkillExtractor.use_reference_paths``)."""
        d = self.__dict__
        if keys and _sfast is not None and d.get("use_compiled", True) and "best" not in d:
            return self._labels().ranked(keys, k, _bounded_memo(d, "_cshorts"), self.MAX_POSTINGS, self.SHORTLIST,
                                         self.weight, codes_of)
        top = self.best(keys, k=k)
        return top, frozenset([c for c in [codes_of[e] for _, e in top] if c])

    def best(self, keys: frozenset[str], *, prefer: frozenset | set | None = None, bonus: float = 0.05,
             entry_ogr=None, k: int = 3, seen: set | None = None) -> list[tuple[float, int]]:
        """Top ``k`` (score, entry) for a candidate key set; labels of ``prefer`` entries get ``bonus``.
        ``seen`` receives the entry of every label scored (those a ``prefer`` bonus could lift).

        The same floats as ``best_reference`` (same sums in the same order), with the per-label
        work done by C-level filters, ``itemgetter`` gathers and comprehensions — or, when the optional
        extension ``_similarity_fast`` is built and no ``prefer`` bonus is asked, by its C loops
        (``_similarity_fast.Labels.best``)."""
        if not keys:
            return []
        d = self.__dict__
        if _sfast is not None and not (prefer and entry_ogr is not None) and d.get("use_compiled", True):
            return self._labels().best(keys, k, seen, _bounded_memo(d, "_cshorts"), self.MAX_POSTINGS,
                                       self.SHORTLIST, self.weight)
        postings = self.postings
        known = [kk for kk in keys if kk in postings]
        if not known:
            return []
        rank = d.get("_rank")
        if rank is None:
            rank = d["_rank"] = {kk: (len(v), kk) for kk, v in postings.items()}
        if len(known) > 1:
            # sorted by key too: set order changes with the process's hash seed, results must not
            known.sort(key=rank.__getitem__)
        limit = self.MAX_POSTINGS
        use = [kk for kk in known if rank[kk][0] <= limit][:2] or known[:1]
        # the shortlist depends only on the one or two rarest keys: gathered once per pair
        shorts = _bounded_memo(d, "_shorts")
        skey = tuple(use)
        got = shorts.get(skey)
        if got is None:
            got = shorts[skey] = self._shortlist(use)
        lks, lws, heads, ents, masks = got
        if not ents:
            return []
        if seen is not None:
            seen.update(ents)
        idf = self.idf
        wc = self.weight(keys)
        if len(known) == 1:
            # every shortlisted label holds the one known key
            w = 0.0 + idf[known[0]]
            shared = [w] * len(lks)
        else:
            # the weights of the keys a label shares, added in ``known`` order (as the reference);
            # which labels hold a key is remembered per shortlist (no set probe of cold labels)
            shared = None
            for x in known:
                m = masks.get(x)
                if m is None:
                    m = masks[x] = [x in lk for lk in lks]
                w = idf[x]
                if shared is None:
                    shared = [w if b else 0.0 for b in m]
                else:
                    shared = [sh + w if b else sh for sh, b in zip(shared, m)]
        # the candidate must be said by the label; the label may say a little more
        sqrt = math.sqrt
        scores = [(sh / wc) * sqrt(sh / lw) for sh, lw in zip(shared, lws)]
        scores = [s * 0.85 if (h is not None and h not in keys) else s for s, h in zip(scores, heads)]
        if prefer and entry_ogr is not None:
            scores = [s + bonus if entry_ogr(e) in prefer else s for s, e in zip(scores, ents)]
        # best first; an entry's first pair is its best label
        out: list[tuple[float, int]] = []
        taken: set = set()
        for s, e in sorted(zip(scores, ents), reverse=True):
            if e not in taken:
                taken.add(e)
                out.append((s, e))
                if len(out) >= k:
                    break
        return out

    def best_reference(self, keys: frozenset[str], *, prefer: frozenset | set | None = None, bonus: float = 0.05,
             entry_ogr=None, k: int = 3, seen: set | None = None) -> list[tuple[float, int]]:
        """``best`` as first written, one label at a time (kept as the reference the tests compare with)."""
        if not keys:
            return []
        idf, postings = self.idf, self.postings
        known = [kk for kk in keys if kk in postings]
        if not known:
            return []
        # sorted by key too: set order changes with the process's hash seed, results must not
        known.sort(key=lambda kk: (len(postings[kk]), kk))
        use = [kk for kk in known if len(postings[kk]) <= self.MAX_POSTINGS][:2] or known[:1]
        p0 = postings[use[0]]
        if len(use) == 1:
            short = p0[: self.SHORTLIST * 2]
        else:
            # labels with both rare keys first, then those with the rarer one, then the other
            psets = self.__dict__.setdefault("_psets", {})     # postings as sets, made on first use
            if len(psets) > 50_000:
                psets.clear()
            s1 = psets.get(use[1])
            if s1 is None:
                s1 = psets[use[1]] = frozenset(postings[use[1]])
            short = [i for i in p0 if i in s1][: self.SHORTLIST]
            if len(short) < self.SHORTLIST:
                short += [i for i in p0 if i not in s1][: self.SHORTLIST - len(short)]
                if len(short) < self.SHORTLIST:
                    s0 = psets.get(use[0])
                    if s0 is None:
                        s0 = psets[use[0]] = frozenset(p0)
                    short += [i for i in postings[use[1]] if i not in s0][: self.SHORTLIST - len(short)]
        if seen is not None:
            seen.update(self.label_entry[i] for i in short)
        weights = [(x, idf[x]) for x in known]
        wc = self.weight(keys)
        label_keys, label_weight, label_head, label_entry = self.label_keys, self.label_weight, self.label_head, self.label_entry
        scored: dict[int, float] = {}
        sqrt = math.sqrt
        for i in short:
            lk = label_keys[i]
            shared = 0.0
            for x, w in weights:
                if x in lk:
                    shared += w
            # the candidate must be said by the label; the label may say a little more
            s = (shared / wc) * sqrt(shared / label_weight[i])
            head = label_head[i]
            if head is not None and head not in keys:
                s *= 0.85
            e = label_entry[i]
            if prefer and entry_ogr is not None and entry_ogr(e) in prefer:
                s += bonus
            if s > scored.get(e, -1.0):
                scored[e] = s
        return sorted(((s, e) for e, s in scored.items()), reverse=True)[:k]
