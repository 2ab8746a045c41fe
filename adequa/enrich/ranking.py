"""Rank the items of a taxonomy (ROME, ESCO…) for a short text: a lexical ranker.

One shape for every taxonomy: an ``Item(id, label, labels, description)``. The
ranker indexes each label (preferred + alternative) as its own document and the
description as a weaker field, with TF-IDF weights over **word tokens and
character n-grams** (so that inflections, gender forms, typos and compounds
still match), and scores an item by the cosine of its best label plus a share
of its description's cosine. Queries go through a hand-rolled inverted index
(numpy ``bincount``), about 0.1 ms for a job title over 40,000 labels; batches
go through one sparse matrix product (scipy).

Pure functions and plain data: nothing here reads a file. ``adequa.pipeline``
loads the referentials and passes items in; ``save``/``load`` let it cache a
built index (``numpy.savez``, no pickle).
"""

from __future__ import annotations

import json
import math
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import orjson

from adequa.enrich._native import kernel

# optional compiled kernels, or None: the numpy path (same results: tests/test_occupation_compiled.py)
_fast = kernel("_occupation_fast")

__all__ = ["Item", "LexicalIndex", "Ranker", "SemanticRanker", "fold", "tokens", "words"]

# Function words of French and English: no weight as features (char n-grams are
# built from content words only).
STOPWORDS = frozenset("""
a au aux avec ce ces d de des du en et l la le les ou par pour sur un une dans
qui que au a h f x hf fh the of and or for to in on with at an as by from is are be this that
""".split())

# Framing words of job-ad sentences ("3+ years of experience", "strong knowledge of", "vous maîtrisez",
# "une expérience réussie"): they name no skill, yet match skill labels that contain them ("manage the
# customer experience", "maintain updated professional knowledge"). Left out of skill queries (folded).
# Words that are part of skills themselves (team, work, communication…) are not in the list.
SKILL_QUERY_STOPWORDS = frozenset("""
experience experiences experienced year years strong knowledge ability able abilities skill skills skilled
excellent good great solid understanding professional required requirement requirements plus must will you
we our your us looking candidate candidates preferred preferably etc including such well responsible
position role job
experience experiences experimente an ans annee annees connaissance connaissances maitrise maitriser
maitrisez capacite capacites aptitude aptitudes competence competences vous nous votre vos notre nos
requis requise souhaite souhaitee souhaitees exige exigee idealement bonne bonnes bon bons solide solides
poste profil candidat candidate mission missions
""".split())

_TOKEN = re.compile(r"[a-z0-9]+(?:[+#]+|(?:\.[a-z0-9]+)+)?")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower case, accents removed, ligatures expanded (``Œuvre`` -> ``oeuvre``)."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae").replace("’", "'")
    if text.isascii():
        return text
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


_NON_ALNUM = {c: " " for c in range(128) if not chr(c).isalnum()}


def words(text: str) -> list[str]:
    """Folded alphanumeric words, faster than ``tokens`` on long texts (no ``c++``/``node.js`` forms)."""
    t = text.lower().replace("œ", "oe").replace("’", " ")
    if not t.isascii():
        t = unicodedata.normalize("NFKD", t).encode("ascii", "ignore").decode("ascii")
    return t.translate(_NON_ALNUM).split()


def fold_char(char: str) -> bytes:
    """What ``words``' steps make of one character alone, as ASCII bytes (letters, digits, spaces): the
    table of the compiled ``words`` (``adequa.enrich._occupation_fast.fold_words``)."""
    t = char.lower().replace("œ", "oe").replace("’", " ")
    if not t.isascii():
        t = unicodedata.normalize("NFKD", t).encode("ascii", "ignore").decode("ascii")
    return t.translate(_NON_ALNUM).encode("ascii")


def tokens(text: str) -> list[str]:
    """Folded word tokens, keeping ``c++``, ``c#``, ``node.js``; stop words kept (callers filter)."""
    return _TOKEN.findall(fold(text))


# (ending, replacement) of ``stem``, the first that fits wins (also read by the compiled description
# vocabulary, ``_occupation_fast.Vocab.use_stems``)
STEM_SUFFIXES = (("euses", "eur"), ("euse", "eur"), ("rices", "eur"), ("rice", "eur"), ("ieres", "ier"),
                 ("iere", "ier"), ("ennes", "en"), ("enne", "en"), ("ives", "if"), ("ive", "if"),
                 ("eres", "er"), ("ere", "er"), ("ies", "y"), ("aux", "al"), ("ees", "e"), ("ee", "e"))


@lru_cache(maxsize=262144)
def stem(token: str) -> str:
    """A light French/English stem: plural and feminine endings, enough to join gender forms."""
    if len(token) <= 3 or not token.isalpha():
        return token
    for suffix, repl in STEM_SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            return token[: -len(suffix)] + repl
    if token[-1] in "sx" and token[-2] not in "su":
        return token[:-1]
    return token


@lru_cache(maxsize=131072)
def _token_features(tok: str, lo: int, hi: int) -> tuple[str, ...]:
    """The stem feature and char n-grams of one folded token (cached: vocabularies are small)."""
    s = stem(tok)
    padded = f" {s} "
    out = ["w:" + s]
    for n in range(lo, min(hi, len(padded)) + 1):
        out.extend(padded[i:i + n] for i in range(len(padded) - n + 1))
    if len(padded) < lo:
        out.append(padded)
    return tuple(out)


def features(text: str, ngrams: tuple[int, int] = (3, 5), word_weight: float = 1.0) -> dict[str, float]:
    """Raw term counts of one text: ``w:<stem>`` for content words, char n-grams of each padded word."""
    out: dict[str, float] = {}
    lo, hi = ngrams
    for tok in tokens(text):
        if tok in STOPWORDS:
            continue
        feats = _token_features(tok, lo, hi)
        out[feats[0]] = out.get(feats[0], 0.0) + word_weight
        for g in feats[1:]:
            out[g] = out.get(g, 0.0) + 1.0
    return out


@dataclass
class Item:
    """One taxonomy item: ``id`` (ROME code, ESCO URI, code_ogr…), its preferred label, every label
    to match (preferred, alternative, feminine forms…) and an optional description."""

    id: str
    label: str
    labels: list[str] = field(default_factory=list)
    description: str | None = None

    def all_labels(self) -> list[str]:
        seen, out = set(), []
        for lab in [self.label, *self.labels]:
            key = fold(lab).strip()
            if key and key not in seen:
                seen.add(key)
                out.append(lab)
        return out


def log_table(holder, longest: int, floor: int, counts) -> np.ndarray:
    """``np.log`` of the counts 0..``longest`` (0 at 0) computed by numpy from counts of dtype ``counts``,
    so a compiled kernel reading it gets the numpy path's own floats; kept in ``holder._log_tab`` and
    remade (at least ``floor`` long) when a longer count comes."""
    tab = holder.__dict__.get("_log_tab")
    if tab is None or len(tab) <= longest:
        size = max(longest + 1, floor)
        logs = np.log(np.arange(1, size, dtype=counts))
        tab = np.zeros(size, logs.dtype)
        tab[1:] = logs
        holder._log_tab = tab
    return tab


def _fast_postings(index: "LexicalIndex"):
    """The compiled ``token_postings`` kernel (``_occupation_fast``) when it is built, not switched off
    (``ADEQUA_PURE_PYTHON=1``, ``index.use_compiled = False``) and the index's arrays have its types."""
    if _fast is None or not index.__dict__.get("use_compiled", True):
        return None
    ok = index.__dict__.get("_kernel_ok")
    if ok is None:      # its types, and every document id within the index (the kernel does not check)
        ok = index._kernel_ok = (index.indptr.dtype == np.int64 and index.indices.dtype == np.int32
                                 and index.data.dtype == np.float32 and index.idf.dtype == np.float32
                                 and (len(index.indices) == 0 or 0 <= int(index.indices.min())
                                      and int(index.indices.max()) < index.n_docs))
    return _fast.token_postings if ok else None


class LexicalIndex:
    """TF-IDF (sublinear tf, L2-normalised) over word + char n-gram features of documents; each
    document belongs to a group (an item), and a group scores the max over its documents."""

    def __init__(self, vocab: dict[str, int], idf: np.ndarray, indptr: np.ndarray, indices: np.ndarray,
                 data: np.ndarray, groups: np.ndarray, n_groups: int, ngrams: tuple[int, int], word_weight: float,
                 stop: frozenset[str] = frozenset()):
        self.vocab, self.idf = vocab, idf
        self.indptr, self.indices, self.data = indptr, indices, data   # CSC: feature -> (docs, weights)
        self.groups, self.n_groups = groups, n_groups
        self.n_docs = len(groups)
        self.ngrams, self.word_weight = ngrams, word_weight
        self.stop = stop      # features too common to index (ignored in queries)
        self._tok_cache: dict[str, tuple[np.ndarray, tuple[str, ...]]] = {}
        self._post_cache: dict[str, tuple] = {}
        self.prune_share = 0.0     # see _token_postings; set before the first query
        self._post_entries = 0
        self.max_idf = float(idf.max()) if len(idf) else 1.0
        # documents sorted by group, for a fast per-group max (np.maximum.reduceat)
        self._order = np.argsort(groups, kind="stable")
        sorted_groups = groups[self._order]
        self._starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]]) if len(groups) else np.array([], int)
        self._present = sorted_groups[self._starts] if len(groups) else np.array([], int)
        self._csr = None

    # -- building --------------------------------------------------------------------------
    @classmethod
    def build(cls, texts: Sequence[str], groups: Sequence[int], n_groups: int | None = None,
              ngrams: tuple[int, int] = (3, 5), word_weight: float = 1.0, max_df: float = 0.05,
              keep_docs: Sequence[bool] | None = None) -> "LexicalIndex":
        """Index ``texts``; character n-grams found in more than ``max_df`` of the documents (and in
        more than 50 of them) are dropped: they weigh little and cost most at query time."""
        from scipy import sparse

        # feature ids per distinct token, computed once; then (document, feature) counts in numpy
        vocab: dict[str, int] = {}
        token_ids: dict[str, np.ndarray] = {}
        parts: list[np.ndarray] = []
        owner: list[int] = []
        for d, text in enumerate(texts):
            for tok in tokens(text):
                if tok in STOPWORDS:
                    continue
                arr = token_ids.get(tok)
                if arr is None:
                    arr = np.array([vocab.setdefault(f, len(vocab)) for f in _token_features(tok, *ngrams)], np.int64)
                    token_ids[tok] = arr
                parts.append(arr)
                owner.append(d)
        n_docs = len(texts)
        if parts:
            ids = np.concatenate(parts)
            docs = np.repeat(np.array(owner, np.int64), [len(p) for p in parts])
            width = max(1, len(vocab))
            keys, counts = np.unique(docs * width + ids, return_counts=True)
            rows, cols_arr = keys // width, keys % width
            vals = (1.0 + np.log(counts)).astype(np.float32)
        else:
            rows, cols_arr, vals = np.array([], np.int64), np.array([], np.int64), np.array([], np.float32)
        stop: frozenset[str] = frozenset()
        df = np.bincount(cols_arr, minlength=len(vocab)).astype(np.float32)
        keep = (df <= max(50, max_df * n_docs))
        for feat, j in vocab.items():       # whole words are always kept: only n-grams are pruned
            if feat.startswith("w:"):
                keep[j] = True
        if not keep.all():
            new_id = np.cumsum(keep) - 1
            stop = frozenset(f for f, j in vocab.items() if not keep[j])
            vocab = {f: int(new_id[j]) for f, j in vocab.items() if keep[j]}
            mask = keep[cols_arr]
            rows = np.array(rows, np.int64)[mask]
            cols_arr = new_id[cols_arr[mask]]
            vals = np.array(vals, np.float32)[mask]
            df = df[keep]
        mat = sparse.csr_matrix((np.asarray(vals, np.float32), (np.asarray(rows, np.int64), cols_arr)),
                                shape=(n_docs, len(vocab)))
        idf = (np.log((1.0 + n_docs) / (1.0 + df)) + 1.0).astype(np.float32)
        for feat, j in vocab.items():
            if feat.startswith("w:"):
                idf[j] *= word_weight
        mat = mat.multiply(idf[None, :]).tocsr()
        norms = np.sqrt(np.asarray(mat.multiply(mat).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        mat = sparse.diags(1.0 / norms) @ mat
        groups_arr = np.asarray(groups, dtype=np.int32)
        if keep_docs is not None:      # documents that only weigh in the idf (e.g. duplicates)
            kd = np.asarray(keep_docs, bool)
            mat = mat[np.flatnonzero(kd)]
            groups_arr = groups_arr[kd]
        csc = mat.tocsc().astype(np.float32)
        csc.sort_indices()
        return cls(vocab, idf, csc.indptr.astype(np.int64), csc.indices.astype(np.int32), csc.data,
                   groups_arr, int(n_groups if n_groups is not None else (groups_arr.max() + 1 if len(groups_arr) else 0)),
                   ngrams, word_weight, stop)

    # -- querying --------------------------------------------------------------------------
    def _token_columns(self, tok: str) -> tuple[np.ndarray, tuple[str, ...]]:
        """(known feature columns, unknown non-stop features) of one token, cached per index."""
        hit = self._tok_cache.get(tok)
        if hit is None:
            known, unknown = [], []
            for f in _token_features(tok, *self.ngrams):
                j = self.vocab.get(f)
                if j is not None:
                    known.append(j)
                elif f not in self.stop:
                    unknown.append(f)
            hit = (np.array(known, np.int64), tuple(unknown))
            if len(self._tok_cache) < 200_000:
                self._tok_cache[tok] = hit
        return hit

    def query_vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(feature columns, weights) of a query, L2-normalised over all its features (unknown ones
        count with the highest idf, so a query full of unknown words scores low)."""
        parts, unknown = [], {}
        for tok in tokens(text):
            if tok in STOPWORDS:
                continue
            cols, unk = self._token_columns(tok)
            parts.append(cols)
            for f in unk:
                unknown[f] = unknown.get(f, 0) + 1
        sq = 0.0
        for f, tf in unknown.items():
            w = (1.0 + math.log(tf)) * self.max_idf * (self.word_weight if f.startswith("w:") else 1.0)
            sq += w * w
        if not parts:
            return np.array([], np.int64), np.array([], np.float32)
        cols = np.concatenate(parts)
        if len(cols) == 0:
            return cols, np.array([], np.float32)
        cols, counts = np.unique(cols, return_counts=True)
        vals = (1.0 + np.log(counts)) * self.idf[cols]
        norm = math.sqrt(float(vals @ vals) + sq)
        return cols, (vals / norm).astype(np.float32)

    def doc_scores(self, text: str, coverage: float = 0.0) -> np.ndarray:
        """Cosine of the query with every document. With ``coverage`` > 0 the cosine is multiplied by
        ``(1 - coverage) + coverage × share of the query's weight found in the document``, so that a
        label holding every word of the query beats a shorter one holding only some."""
        cols, vals = self.query_vector(text)
        if len(cols) == 0:
            return np.zeros(self.n_docs, np.float32)
        starts = self.indptr[cols]
        lengths = self.indptr[cols + 1] - starts
        # the postings of every column, concatenated in column order, as one gather (no slice per column)
        pos = np.arange(int(lengths.sum()), dtype=np.int64)
        pos += np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
        idx = self.indices[pos]
        w = self.data[pos] * np.repeat(vals, lengths)
        cos = np.bincount(idx, weights=w, minlength=self.n_docs)
        if coverage:
            share = np.bincount(idx, weights=np.repeat(vals * vals, lengths), minlength=self.n_docs)
            share /= float((vals * vals).sum()) or 1.0
            cos *= (1.0 - coverage) + coverage * share
        return cos.astype(np.float32)

    # entries (document, dot, square) kept by ``token_doc_scores``'s per-token cache, 24 bytes each
    # (48 MB at most; the 1,133 distinct title words of the development offers take 1.3 million)
    TOKEN_POSTINGS_BUDGET = 2_000_000

    def _postings_scratch(self):
        """The compiled ``token_postings``' zeroed buffers of the calling thread."""
        local = self.__dict__.get("_scratch_local")
        if local is None:
            local = self.__dict__.setdefault("_scratch_local", threading.local())
        s = getattr(local, "postings", None)
        if s is None:
            s = local.postings = _fast.PostingsScratch(self.n_docs)
        return s

    def _log_table(self, longest: int) -> np.ndarray:
        """``np.log`` of the int64 counts 0..``longest``, as ``np.log(cnt)`` makes them, for the compiled
        ``token_postings`` and ``shared_features``."""
        return log_table(self, longest, 64, np.int64)

    def _token_postings(self, tok: str) -> tuple:
        """One query token's postings collapsed per document, cached: (its distinct known feature
        columns, their counts in the token, their weights ``(1 + log count) × idf``, the documents
        holding any of them, Σ weight × document weight per document, Σ weight² per document, the
        columns as a set, Σ weight²)."""
        hit = self._post_cache.get(tok)
        if hit is not None:
            return hit
        cols, _ = self._token_columns(tok)
        kernel = _fast_postings(self) if len(cols) else None
        if kernel is not None:
            # np.unique, the weights and the per-document sums in one pass, in the same order (bit for
            # bit: tests/test_occupation_compiled.py), into per-thread zeroed buffers
            ucols, cnt, w, docs, dot_d, sq_d = kernel(self._postings_scratch(), cols, self.idf,
                                                      self._log_table(len(cols)), self.indptr, self.indices,
                                                      self.data)
            ww = float(w @ w)
            if self.prune_share:     # documents holding only a sliver of the token's n-grams
                keep = sq_d >= self.prune_share * ww
                docs, dot_d, sq_d = docs[keep], dot_d[keep], sq_d[keep]
            hit = (ucols, cnt, w, docs, dot_d, sq_d, frozenset(ucols.tolist()), ww)
        else:
            ucols, cnt = np.unique(cols, return_counts=True)
            w = (1.0 + np.log(cnt)) * self.idf[ucols]
            if len(ucols):
                starts = self.indptr[ucols]
                lengths = self.indptr[ucols + 1] - starts
                pos = np.arange(int(lengths.sum()), dtype=np.int64)
                pos += np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
                idx = self.indices[pos]
                dot = np.bincount(idx, weights=self.data[pos] * np.repeat(w, lengths), minlength=self.n_docs)
                sq = np.bincount(idx, weights=np.repeat(w * w, lengths), minlength=self.n_docs)
                docs = np.flatnonzero(sq)
                if self.prune_share:     # documents holding only a sliver of the token's n-grams
                    docs = docs[sq[docs] >= self.prune_share * float(w @ w)]
                hit = (ucols, cnt, w, docs, dot[docs], sq[docs], frozenset(ucols.tolist()), float(w @ w))
            else:
                empty = np.array([], np.float64)
                hit = (ucols, cnt, w, np.array([], np.int64), empty, empty, frozenset(), 0.0)
        if self._post_entries + len(hit[3]) <= self.TOKEN_POSTINGS_BUDGET:
            self._post_cache[tok] = hit
            self._post_entries += len(hit[3])
        return hit

    def token_doc_scores(self, text: str, coverage: float = 0.0) -> np.ndarray:
        """``doc_scores`` (same cosines up to float rounding, same coverage factor) from per-token
        postings collapsed per document and cached (``_token_postings``): a query sums its tokens'
        collapsed postings (about 4× fewer than its features' postings on ROME appellations); the
        features shared by two tokens, or by a repeated token, are corrected exactly from their own
        postings. Ties stay ties (identical labels get identical sums)."""
        parts = self.token_parts(text)
        if parts is None:
            return np.zeros(self.n_docs, np.float32)
        _, docs, dots, sqs, total, norm = parts
        idx = np.concatenate(docs) if len(docs) > 1 else docs[0]
        cos = np.bincount(idx, weights=np.concatenate(dots) if len(dots) > 1 else dots[0], minlength=self.n_docs)
        if not coverage:
            cos /= norm
            return cos.astype(np.float32)
        factor = np.bincount(idx, weights=np.concatenate(sqs) if len(sqs) > 1 else sqs[0], minlength=self.n_docs)
        factor *= coverage / ((total or 1.0) * norm)
        factor += (1.0 - coverage) / norm
        # the product in float64, rounded once to float32 (as factor * cos then astype)
        return np.multiply(factor, cos, out=np.empty(self.n_docs, np.float32), casting="same_kind")

    def token_parts(self, text: str, raw_corrections: bool = False) -> tuple[list, list, list, list, float, float] | None:
        """What ``token_doc_scores`` sums for a query: (a key per part — ``(token, multiplicity)`` for a
        token's cached postings, None for the corrections of shared features —, the documents of each
        part, their dot products, their squared weights, Σ weight² of the query's known features, the
        query norm); None when the query has no known feature. The score of document d is
        ``Σ dots[d] / norm``, times ``(1 - coverage) + coverage × Σ sqs[d] / total`` with a coverage.
        With ``raw_corrections``, the corrections of shared features are not expanded into a last part:
        the last key is then ``(columns, dot factor, square term)`` — for each column, its postings add
        ``data × dot factor`` to the dot products and the square term to the squares (what the compiled
        kernel reads straight from the index)."""
        mult: dict[str, int] = {}
        unknown: dict[str, int] = {}
        for tok in tokens(text):
            if tok not in STOPWORDS:
                mult[tok] = mult.get(tok, 0) + 1
        if not mult:
            return None
        per = []
        for tok, m in mult.items():
            per.append((self._token_postings(tok), m))
            for f in self._token_columns(tok)[1]:
                unknown[f] = unknown.get(f, 0) + m
        sq_unknown = 0.0
        for f, tf in unknown.items():
            w = (1.0 + math.log(tf)) * self.max_idf * (self.word_weight if f.startswith("w:") else 1.0)
            sq_unknown += w * w
        seen: set = set()
        disjoint = True          # no feature shared by two tokens, no repeated token: the sums are exact
        for p, m in per:
            if m > 1 or not seen.isdisjoint(p[6]):
                disjoint = False
                break
            seen |= p[6]
        keys = [(tok, m) for tok, m in mult.items()]
        if disjoint:
            total = sum(p[7] for p, _ in per)
            if total == 0.0:
                return None
            docs = [p[3] for p, _ in per]
            dots = [p[4] for p, _ in per]
            sqs = [p[5] for p, _ in per]
        elif raw_corrections and _fast_postings(self) is not None:
            # the same corrections in one call of the compiled kernel (the sums in the same order, bit for
            # bit: tests/test_occupation_compiled.py); the norm through numpy's dot as below
            args = ([p[0] for p, _ in per], [p[1] for p, _ in per], [p[2] for p, _ in per], [m for _, m in per])
            try:
                cols, w_true, fcols, dfix, sfix = _fast.shared_features(*args, self.idf, self._log_table(64))
            except ValueError:      # a count beyond the table: grown to the largest possible one
                bound = sum(m * int(p[1].sum()) for p, m in per)
                cols, w_true, fcols, dfix, sfix = _fast.shared_features(*args, self.idf, self._log_table(bound))
            if not len(cols):
                return None
            total = float(w_true @ w_true)
            docs = [p[3] for p, _ in per]
            dots = [p[4] * m if m > 1 else p[4] for p, m in per]
            sqs = [p[5] * m if m > 1 else p[5] for p, m in per]
            keys.append((fcols, dfix, sfix))
            return keys, docs, dots, sqs, total, math.sqrt(total + sq_unknown)
        else:
            all_cols = np.concatenate([p[0] for p, _ in per])
            if not len(all_cols):
                return None
            ms = np.concatenate([np.full(len(p[0]), m, np.float64) for p, m in per])
            # np.unique(all_cols, return_inverse=True), cheaper on these few dozen columns
            srt = np.sort(all_cols)
            cols = srt[np.concatenate(([True], srt[1:] != srt[:-1]))]
            inv = np.searchsorted(cols, all_cols)
            counts = np.bincount(inv, weights=ms * np.concatenate([p[1] for p, _ in per]))
            w_true = (1.0 + np.log(counts)) * self.idf[cols]
            total = float(w_true @ w_true)
            docs = [p[3] for p, _ in per]
            dots = [p[4] * m if m > 1 else p[4] for p, m in per]
            sqs = [p[5] * m if m > 1 else p[5] for p, m in per]
            shared = np.bincount(inv, weights=ms) > 1          # features whose summed weights are not the query's
            w_parts = np.concatenate([p[2] for p, _ in per])
            summed = np.bincount(inv, weights=ms * w_parts)
            summed_sq = np.bincount(inv, weights=ms * w_parts * w_parts)
            fix = np.flatnonzero(shared)
            fcols = cols[fix]
            if raw_corrections:
                keys.append((fcols, w_true[fix] - summed[fix], w_true[fix] ** 2 - summed_sq[fix]))
                return keys, docs, dots, sqs, total, math.sqrt(total + sq_unknown)
            starts = self.indptr[fcols]
            lengths = self.indptr[fcols + 1] - starts
            pos = np.arange(int(lengths.sum()), dtype=np.int64)
            pos += np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
            docs.append(self.indices[pos].astype(np.int64))     # int64 as the cached postings' documents
            dots.append(self.data[pos] * np.repeat(w_true[fix] - summed[fix], lengths))
            sqs.append(np.repeat(w_true[fix] ** 2 - summed_sq[fix], lengths))
            keys.append(None)
        return keys, docs, dots, sqs, total, math.sqrt(total + sq_unknown)

    def group_max(self, doc_scores: np.ndarray) -> np.ndarray:
        """Per-group max of document scores (groups without documents score 0)."""
        out = np.zeros(self.n_groups, np.float32)
        if self.n_docs:
            out[self._present] = np.maximum.reduceat(doc_scores[self._order], self._starts)
        return out

    def group_docs(self, group: int) -> np.ndarray:
        """The documents of one group."""
        i = int(np.searchsorted(self._present, group))
        if i >= len(self._present) or self._present[i] != group:
            return np.array([], np.int64)
        end = self._starts[i + 1] if i + 1 < len(self._starts) else self.n_docs
        return self._order[self._starts[i]:end]

    def group_argmax_doc(self, doc_scores: np.ndarray, group: int) -> int:
        docs = self.group_docs(group)
        return int(docs[np.argmax(doc_scores[docs])])

    def doc_scores_many(self, texts: Sequence[str]) -> np.ndarray:
        """Cosines for a batch of queries: one sparse product (rows: queries, columns: documents)."""
        from scipy import sparse

        if self._csr is None:
            csc = sparse.csc_matrix((self.data, self.indices, self.indptr), shape=(self.n_docs, len(self.vocab)))
            self._csr = csc.T.tocsr()    # features x docs
        rows, cols, vals = [], [], []
        for i, t in enumerate(texts):
            c, v = self.query_vector(t)
            rows.extend([i] * len(c))
            cols.extend(c.tolist())
            vals.extend(v.tolist())
        q = sparse.csr_matrix((np.array(vals, np.float32), (np.array(rows, np.int64), np.array(cols, np.int64))),
                              shape=(len(texts), len(self.vocab)))
        return (q @ self._csr).toarray()

    # -- persistence -----------------------------------------------------------------------
    def save(self, path: Path) -> None:
        keys = list(self.vocab)
        np.savez(path, vocab=np.array(json.dumps(keys)), stop=np.array(json.dumps(sorted(self.stop))), idf=self.idf, indptr=self.indptr, indices=self.indices,
                 data=self.data, groups=self.groups, meta=np.array([self.n_groups, *self.ngrams]),
                 word_weight=np.array([self.word_weight]))

    @classmethod
    def load(cls, path: Path) -> "LexicalIndex":
        z = np.load(path, allow_pickle=False)
        keys = orjson.loads(str(z["vocab"]))      # orjson: json.loads' values in half its time (start-up)
        n_groups, lo, hi = (int(x) for x in z["meta"])
        return cls(dict(zip(keys, range(len(keys)))), z["idf"], z["indptr"], z["indices"], z["data"], z["groups"],
                   n_groups, (lo, hi), float(z["word_weight"][0]), frozenset(orjson.loads(str(z["stop"]))))


class Ranker:
    """Rank taxonomy items for a text: best-label cosine + ``description_weight`` × description cosine."""

    def __init__(self, items: Sequence[Item], labels: LexicalIndex, descriptions: LexicalIndex | None = None,
                 description_weight: float = 0.3, query_stopwords: frozenset[str] = frozenset()):
        self.items = list(items)
        self.labels = labels
        self.descriptions = descriptions
        self.description_weight = description_weight
        self.query_stopwords = query_stopwords      # folded words left out of queries (see SKILL_QUERY_STOPWORDS)

    def query(self, text: str) -> str:
        """The text that is scored: ``text`` without its ``query_stopwords`` (folded tokens)."""
        if not self.query_stopwords:
            return text
        return " ".join(t for t in tokens(text) if t not in self.query_stopwords)

    @classmethod
    def build(cls, items: Iterable[Item], *, description_weight: float = 0.3,
              ngrams: tuple[int, int] = (3, 5), word_weight: float = 1.0,
              query_stopwords: frozenset[str] = frozenset()) -> "Ranker":
        items = list(items)
        texts, groups, dtexts, dgroups = [], [], [], []
        for g, it in enumerate(items):
            for lab in it.all_labels():
                texts.append(lab)
                groups.append(g)
            if it.description and description_weight > 0:
                dtexts.append(it.description)
                dgroups.append(g)
        labels = LexicalIndex.build(texts, groups, len(items), ngrams, word_weight)
        desc = LexicalIndex.build(dtexts, dgroups, len(items), ngrams, word_weight) if dtexts else None
        return cls(items, labels, desc, description_weight, query_stopwords)

    def scores(self, text: str) -> np.ndarray:
        text = self.query(text)
        s = self.labels.group_max(self.labels.doc_scores(text))
        if self.descriptions is not None and self.description_weight:
            s = s + self.description_weight * self.descriptions.group_max(self.descriptions.doc_scores(text))
        return s

    def scores_many(self, texts: Sequence[str], chunk: int = 256) -> Iterable[np.ndarray]:
        """Score rows for a batch of texts, ``chunk`` at a time (memory: chunk × documents floats)."""
        for i in range(0, len(texts), chunk):
            part = [self.query(t) for t in texts[i:i + chunk]]
            lab = self.labels.doc_scores_many(part)
            out = np.zeros((len(part), len(self.items)), np.float32)
            order, starts, present = self.labels._order, self.labels._starts, self.labels._present
            out[:, present] = np.maximum.reduceat(lab[:, order], starts, axis=1)
            if self.descriptions is not None and self.description_weight:
                d = self.descriptions.doc_scores_many(part)
                dd = np.zeros_like(out)
                dd[:, self.descriptions._present] = np.maximum.reduceat(
                    d[:, self.descriptions._order], self.descriptions._starts, axis=1)
                out += self.description_weight * dd
            yield from out

    def top(self, scores: np.ndarray, k: int) -> list[tuple[int, float]]:
        k = min(k, len(scores))
        if k <= 0:
            return []
        idx = np.argpartition(-scores, k - 1)[:k]
        idx = idx[np.argsort(-scores[idx], kind="stable")]
        return [(int(i), float(scores[i])) for i in idx]

    def rank(self, text: str, k: int = 10) -> list[dict]:
        """``[{"id", "label", "score"}]``, best first."""
        return self._format(self.top(self.scores(text), k))

    def rank_many(self, texts: Sequence[str], k: int = 10) -> Iterable[list[dict]]:
        for row in self.scores_many(texts):
            yield self._format(self.top(row, k))

    def _format(self, top: list[tuple[int, float]]) -> list[dict]:
        return [{"id": self.items[i].id, "label": self.items[i].label, "score": round(s, 4)} for i, s in top]


class SemanticRanker:
    """Rank items by the cosine of sentence embeddings (``adequa._libs.embeddings``), mixed with a
    lexical ``Ranker``'s score: ``score = semantic + lexical_weight × lexical``. ``vectors`` holds one
    L2-normalised row per embedded label and ``owners`` the item index of each row (an item scores
    its best label)."""

    def __init__(self, lexical: Ranker, vectors: np.ndarray, owners: np.ndarray, lexical_weight: float = 0.3,
                 encode=None):
        self.lexical = lexical
        self.items = lexical.items
        self.vectors = vectors.astype(np.float32)
        self.owners = owners.astype(np.int64)
        self.lexical_weight = lexical_weight
        if encode is None:
            from adequa._libs.embeddings import encode
        self.encode = encode
        self._order = np.argsort(self.owners, kind="stable")
        so = self.owners[self._order]
        self._starts = np.flatnonzero(np.r_[True, so[1:] != so[:-1]]) if len(so) else np.array([], int)
        self._present = so[self._starts] if len(so) else np.array([], int)

    def scores_many(self, texts: Sequence[str], chunk: int = 256) -> Iterable[np.ndarray]:
        lex = self.lexical.scores_many(texts, chunk) if self.lexical_weight else None
        for i in range(0, len(texts), chunk):
            q = self.encode(list(texts[i:i + chunk]))
            sims = q @ self.vectors.T
            out = np.full((len(q), len(self.items)), -1.0, np.float32)
            out[:, self._present] = np.maximum.reduceat(sims[:, self._order], self._starts, axis=1)
            for row in out:
                if lex is not None:
                    row = row + self.lexical_weight * next(lex)
                yield row

    def rank_many(self, texts: Sequence[str], k: int = 10) -> Iterable[list[dict]]:
        for row in self.scores_many(texts):
            yield self.lexical._format(self.lexical.top(row, k))

    def rank(self, text: str, k: int = 10) -> list[dict]:
        return next(iter(self.rank_many([text], k)))
