"""Duplicate job ads: exact (same normalised text) and near duplicates (MinHash LSH).

The same job is often posted several times: reposted, reworded, published on
several boards, or copied to another town. Detection, in two passes:

1. **exact**: ads whose normalised text has the same ``content_hash`` (see
   ``normalise.ads.content_hash``) are one cluster, whatever their source id;
2. **near**: each distinct text gets a MinHash signature over word shingles
   (numpy-vectorised, a multiply-shift hash family, stable across processes),
   cut into ``bands`` LSH bands of ``rows`` values. Two texts sharing at least
   ``min_shared_bands`` band buckets are near duplicates (the number of shared
   bands estimates their Jaccard similarity: with 16 bands of 4 rows, texts at
   Jaccard 0.8 share 6.6 bands on average, at 0.6 2.1, at 0.3 0.13). The
   defaults (word bigrams, 64 values, 16 bands, 3 shared) were chosen on planted
   reposts: see docs/ingestion.md for the measured precision and recall.

Clusters are the connected components of the duplicate pairs; each ad's
``duplicate_cluster`` is the id of the cluster's representative (its earliest
ad). This module is pure: the pipeline persists band keys in the warehouse so
that later batches are compared with everything stored before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

__all__ = ["MinHasher", "DedupeConfig", "SortedRuns", "candidate_pairs", "connected_clusters", "near_duplicate_clusters",
           "shared_bucket_pairs"]

_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xC2B2AE3D27D4EB4F)
_M3 = np.uint64(0x165667B19E3779F9)
_SHIFT = np.uint64(32)
_S15 = np.uint32(15)
_BASE = np.uint64(0x100000001B3)
_IBASE = np.uint64(pow(0x100000001B3, -1, 2**64))
# Bytes of ASCII punctuation and white space -> space, A-Z -> a-z; other bytes (UTF-8 letters) stay.
_LUT = np.arange(256, dtype=np.uint8)
_LUT[[ord(c) for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~\t\n\r\x0b\x0c"]] = 32
_LUT[65:91] += 32


@dataclass(frozen=True)
class DedupeConfig:
    num_perm: int = 64
    bands: int = 16
    shingle: int = 2              # words per shingle
    min_shared_bands: int = 3
    max_bucket: int = 2000        # a bucket pairs only its first max_bucket texts in arrival order (boilerplate)
    seed: int = 20240101

    @property
    def rows(self) -> int:
        return self.num_perm // self.bands


class MinHasher:
    """MinHash signatures and LSH band keys for batches of texts."""

    def __init__(self, config: DedupeConfig = DedupeConfig()):
        if config.num_perm % config.bands:
            raise ValueError("num_perm must be a multiple of bands")
        self.config = config
        rng = np.random.default_rng(config.seed)
        self.a = rng.integers(1, 2**32 - 1, size=config.num_perm, dtype=np.uint32) | np.uint32(1)
        self.b = rng.integers(0, 2**32 - 1, size=config.num_perm, dtype=np.uint32)
        self._pow = np.empty(0, dtype=np.uint64)
        self._ipow = np.empty(0, dtype=np.uint64)
        rows = config.rows
        self._band_mult = (np.uint64(0x100000001B3) ** np.arange(rows, dtype=np.uint64)).astype(np.uint64)
        self._band_salt = (np.arange(config.bands, dtype=np.uint64) + np.uint64(1)) * _M3

    # Word shingles, hashed for a whole group of texts at once (no per-word Python work):
    # texts are lower-cased with punctuation turned into spaces, each word gets a polynomial
    # hash from prefix sums over the UTF-8 bytes, k consecutive words of one text make a shingle.
    def _powers(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        if len(self._pow) < n:
            size = max(n, 2 * len(self._pow), 1 << 16)
            self._pow = np.cumprod(np.full(size, _BASE, dtype=np.uint64), dtype=np.uint64)
            self._pow = np.concatenate(([np.uint64(1)], self._pow[:-1]))
            self._ipow = np.cumprod(np.full(size, _IBASE, dtype=np.uint64), dtype=np.uint64)
            self._ipow = np.concatenate(([np.uint64(1)], self._ipow[:-1]))
        return self._pow[:n], self._ipow[:n]

    def shingle_hashes(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(32-bit shingle hashes as uint64, number of shingles of each text >= 1)."""
        k = self.config.shingle
        joined = " \x01 ".join(texts)
        b = _LUT[np.frombuffer(joined.encode("utf-8", "replace"), dtype=np.uint8)]
        b = np.concatenate((b, [32])).astype(np.uint8)
        n = len(b)
        pw, ipw = self._powers(n)
        word = b != 32
        prev = np.concatenate(([False], word[:-1]))
        nxt = np.concatenate((word[1:], [False]))
        starts = np.flatnonzero(word & ~prev)
        ends = np.flatnonzero(word & ~nxt)                 # inclusive
        prefix = np.cumsum(b.astype(np.uint64) * pw, dtype=np.uint64)
        before = np.where(starts > 0, prefix[starts - 1], np.uint64(0))
        wh = (prefix[ends] - before) * ipw[starts]
        wh = (wh ^ (wh >> np.uint64(31))) * _M1
        sep = b[starts] == 1                                # the text separators
        doc = np.cumsum(sep)
        keep = ~sep
        wh, doc = wh[keep], doc[keep]
        m = len(wh)
        ndocs = len(texts)
        if m >= k:
            sh = wh[: m - k + 1] * _M1
            for i in range(1, k):
                sh = (sh ^ (wh[i: m - k + 1 + i] * _M2)) * _M1
            sdoc = doc[: m - k + 1]
            valid = sdoc == doc[k - 1:]
            sh, sdoc = sh[valid], sdoc[valid]
        else:
            sh, sdoc = np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)
        counts = np.bincount(sdoc, minlength=ndocs)
        short = np.flatnonzero(counts == 0)
        if len(short):                                      # texts under k words: one shingle of their words
            fill = np.zeros(len(short), dtype=np.uint64)
            if m:
                np.bitwise_xor.at(fill, np.searchsorted(short, doc[np.isin(doc, short)]), wh[np.isin(doc, short)])
            sh = np.concatenate((sh, fill * _M2))
            sdoc = np.concatenate((sdoc, short))
            order = np.argsort(sdoc, kind="stable")
            sh, sdoc = sh[order], sdoc[order]
            counts = np.bincount(sdoc, minlength=ndocs)
        return (sh * _M3) >> _SHIFT, counts

    def shingles(self, text: str) -> np.ndarray:
        """Distinct 32-bit shingle hashes of one text."""
        return np.unique(self.shingle_hashes([text])[0])

    def signatures(self, texts: Sequence[str], *, group: int = 256) -> np.ndarray:
        """(n, num_perm) uint32 signatures by one-permutation hashing with rotation densification.

        Each shingle hash is mixed once; its top bits choose one of ``num_perm`` bins and the
        signature keeps the smallest value per bin (empty bins borrow from the next non-empty
        one, circularly, plus an offset). Cost is linear in the number of shingles, and
        P[sig_a[i] == sig_b[i]] is the Jaccard similarity, as with classic MinHash.
        """
        n = len(texts)
        k = self.config.num_perm
        bits = k.bit_length() - 1
        if 1 << bits != k:
            raise ValueError("num_perm must be a power of two")
        out = np.empty((n, k), dtype=np.uint32)
        empty = np.uint32(0xFFFFFFFF)
        for g in range(0, n, group):
            sh, counts = self.shingle_hashes(texts[g: g + group])
            h = sh.astype(np.uint32) * self.a[0] + self.b[0]
            h ^= h >> _S15
            h *= self.a[1]
            h ^= h >> np.uint32(13)
            nd = len(counts)
            doc = np.repeat(np.arange(nd, dtype=np.int64), counts)
            bins = (h >> np.uint32(32 - bits)).astype(np.int64)
            vals = h & np.uint32((1 << (32 - bits)) - 1)
            m = np.full(nd * k, empty, dtype=np.uint32)
            np.minimum.at(m, doc * k + bins, vals)
            m = m.reshape(nd, k)
            miss = m == empty
            if miss.any():                                  # rotation densification
                idx = np.where(~miss, np.arange(k)[None, :], 2 * k)
                idx2 = np.concatenate((idx, idx + k), axis=1)
                nxt = np.minimum.accumulate(idx2[:, ::-1], axis=1)[:, ::-1][:, :k]
                src = nxt % k
                dist = (nxt - np.arange(k)[None, :]).astype(np.uint32)
                filled = np.take_along_axis(m, src, axis=1) + dist * np.uint32(0x9E3779B1)
                m = np.where(miss, filled, m)
            out[g: g + nd] = m
        return out

    def band_keys(self, signatures: np.ndarray) -> np.ndarray:
        """(n, bands) int64 LSH bucket keys; the band number is folded into the key."""
        n = signatures.shape[0]
        bands = signatures.reshape(n, self.config.bands, self.config.rows).astype(np.uint64)
        keys = (bands * self._band_mult[None, None, :]).sum(axis=2, dtype=np.uint64) ^ self._band_salt[None, :]
        keys = (keys * _M2) ^ (keys >> np.uint64(29))
        return keys.view(np.int64)


def candidate_pairs(band_keys: np.ndarray, *, min_shared_bands: int, max_bucket: int = 2000) -> np.ndarray:
    """(m, 2) int64 index pairs i < j of rows sharing at least ``min_shared_bands`` buckets.

    The bucket cap: a bucket pairs only its first ``max_bucket`` entries in arrival order (here the
    rows' order), so that a text's pairs never depend on texts that come after it (the same rule as
    the writer's :func:`shared_bucket_pairs` and the Spark engine's ranked self-join)."""
    n, b = band_keys.shape
    keys = band_keys.ravel()
    docs = np.repeat(np.arange(n, dtype=np.int64), b)
    order = np.argsort(keys, kind="stable")
    keys, docs = keys[order], docs[order]
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    sizes = np.diff(np.concatenate((starts, [len(keys)])))
    pairs = []
    for s, size in zip(starts[sizes > 1], sizes[sizes > 1]):
        members = np.unique(docs[s: s + min(int(size), max_bucket)])       # docs of a bucket in row order
        if len(members) < 2:
            continue
        i, j = np.triu_indices(len(members), k=1)
        pairs.append(np.stack((members[i], members[j]), axis=1))
    if not pairs:
        return np.empty((0, 2), dtype=np.int64)
    allp = np.concatenate(pairs)
    code = allp[:, 0] * n + allp[:, 1]
    uniq, counts = np.unique(code, return_counts=True)
    keep = uniq[counts >= min_shared_bands]
    return np.stack((keep // n, keep % n), axis=1)


def connected_clusters(n: int, pairs: np.ndarray) -> np.ndarray:
    """Component label (the smallest member index) of each of ``n`` nodes linked by ``pairs``."""
    parent = np.arange(n, dtype=np.int64)
    if len(pairs):
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        graph = coo_matrix((np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
        _, labels = connected_components(graph, directed=False)
        first = np.full(labels.max() + 1, n, dtype=np.int64)
        np.minimum.at(first, labels, np.arange(n, dtype=np.int64))
        parent = first[labels]
    return parent


def near_duplicate_clusters(texts: Sequence[str], config: DedupeConfig = DedupeConfig(),
                            exact_keys: Iterable | None = None) -> np.ndarray:
    """In-memory clustering of a list of texts: the cluster label (smallest index) of each text.

    ``exact_keys`` (e.g. content hashes) put texts with equal keys in one cluster
    before the LSH pass. The pipeline uses the same method against the warehouse.
    """
    n = len(texts)
    hasher = MinHasher(config)
    keys = hasher.band_keys(hasher.signatures(list(texts)))
    pairs = candidate_pairs(keys, min_shared_bands=config.min_shared_bands, max_bucket=config.max_bucket)
    if exact_keys is not None:
        seen: dict = {}
        extra = []
        for i, k in enumerate(exact_keys):
            if k in seen:
                extra.append((seen[k], i))
            else:
                seen[k] = i
        if extra:
            pairs = np.concatenate((pairs, np.array(extra, dtype=np.int64)))
    return connected_clusters(n, pairs)


class SortedRuns:
    """A multiset of (int64 key, integer value) pairs kept as a few sorted runs (a log-structured merge).

    Adding ``n`` pairs sorts them into a new run, then merges the last two runs while the older one is
    not larger (a binary counter: about log2(N / n) runs, each pair merged about log2(N / n) times)
    and the merged run stays under ``max_run`` pairs (so a merge never needs more than ``max_run``
    pairs of extra memory; beyond that, runs of ``max_run`` pairs pile up: N / max_run more
    lookups). Finding the pairs of a set of keys is two ``searchsorted`` per run. Within a run the
    pairs of one key keep the order they were added in, and runs are in the order they were added.

    Used as the writer's in-memory LSH band index (bucket -> text) and text index (content key ->
    text), so that a batch's lookups cost the same whatever the warehouse holds.
    """

    def __init__(self, keys: np.ndarray | None = None, values: np.ndarray | None = None, *, value_dtype=np.int32,
                 max_run: int = 1 << 22):
        self.value_dtype = np.dtype(value_dtype)
        self.max_run = max_run
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []
        if keys is not None and len(keys):
            self.add(keys, values)

    def __len__(self) -> int:
        return sum(len(k) for k, _ in self.runs)

    @property
    def nbytes(self) -> int:
        return sum(k.nbytes + v.nbytes for k, v in self.runs)

    def add(self, keys: np.ndarray, values: np.ndarray) -> None:
        keys = np.asarray(keys, dtype=np.int64)
        values = np.asarray(values, dtype=self.value_dtype)
        if not len(keys):
            return
        order = np.argsort(keys, kind="stable")
        self.runs.append((keys[order], values[order]))
        while (len(self.runs) > 1 and len(self.runs[-2][0]) <= len(self.runs[-1][0])
               and len(self.runs[-2][0]) + len(self.runs[-1][0]) <= self.max_run):
            second = self.runs.pop()
            self.runs[-1] = _merge(self.runs[-1], second)

    def ranges(self, queries: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """For each run, (first position, number of pairs) of every query key."""
        queries = np.asarray(queries, dtype=np.int64)
        out = []
        for k, _ in self.runs:
            lo = np.searchsorted(k, queries, "left")
            out.append((lo, np.searchsorted(k, queries, "right") - lo))
        return out

    def counts(self, queries: np.ndarray) -> np.ndarray:
        """How many pairs hold each query key."""
        out = np.zeros(len(queries), dtype=np.int64)
        for _, n in self.ranges(queries):
            out += n
        return out

    def get(self, queries: np.ndarray, missing: int = -1) -> np.ndarray:
        """The value of each query key (keys stored once), ``missing`` when absent."""
        queries = np.asarray(queries, dtype=np.int64)
        out = np.full(len(queries), missing, dtype=np.int64)
        for k, v in self.runs:
            pos = np.minimum(np.searchsorted(k, queries), len(k) - 1)
            hit = k[pos] == queries
            out[hit] = v[pos[hit]]
        return out

    def members(self, queries: np.ndarray, ranges: list | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(index of the query, value) of every pair whose key is a query key, run after run."""
        ranges = self.ranges(queries) if ranges is None else ranges
        which, values = [], []
        for (_, v), (lo, n) in zip(self.runs, ranges):
            total = int(n.sum())
            if not total:
                continue
            which.append(np.repeat(np.arange(len(n), dtype=np.int64), n))
            values.append(v[np.repeat(lo - (np.cumsum(n) - n), n) + np.arange(total, dtype=np.int64)])
        if not which:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=self.value_dtype)
        return np.concatenate(which), np.concatenate(values)


def _merge(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Two sorted runs as one (a's pairs before b's among equal keys), written straight into the result."""
    (ka, va), (kb, vb) = a, b
    n = len(ka) + len(kb)
    keys = np.empty(n, dtype=ka.dtype)
    values = np.empty(n, dtype=va.dtype)
    at_b = np.searchsorted(ka, kb, "right")
    at_b += np.arange(len(kb), dtype=at_b.dtype)               # where b's pairs go
    keys[at_b] = kb
    values[at_b] = vb
    from_a = np.ones(n, dtype=bool)
    from_a[at_b] = False
    del at_b
    keys[from_a] = ka
    values[from_a] = va
    return keys, values


def shared_bucket_pairs(index: SortedRuns, texts: np.ndarray, band_keys: np.ndarray, *, min_shared_bands: int,
                        max_bucket: int = 2000) -> np.ndarray:
    """(m, 2) pairs (text, other) of the ``texts`` and every indexed text sharing at least
    ``min_shared_bands`` usable buckets with them. Both orders of a pair of ``texts`` are given; a
    text is never paired with itself.

    ``index`` maps bucket -> text id with each bucket's texts in arrival order (runs in the order
    they were added, a run's pairs of one key in the order they were added); ``texts`` are the
    last texts added to it, in arrival order, with their ``band_keys`` rows.

    The bucket cap: a bucket pairs only its first ``max_bucket`` texts in arrival order. A text at
    rank r in a bucket (0 = first arrived) uses the bucket if r < ``max_bucket``, and then meets its
    members of rank < ``max_bucket``: the earlier ones, and the batch's later ones. Ranks never
    change when texts arrive later, so pairs found batch by batch are those of one pass over all.

    The same pairs as the SQL join of the batch's buckets with every stored bucket member ranked by
    arrival, computed on the members of the batch's buckets only: each (text, band) row meets the
    first members of its bucket in every run, and the (text, member) meetings are counted with one sort."""
    texts = np.asarray(texts, dtype=np.int64)
    if not len(texts):
        return np.empty((0, 2), dtype=np.int64)
    nb = band_keys.shape[1]
    buckets, inverse = np.unique(np.asarray(band_keys, dtype=np.int64).ravel(), return_inverse=True)
    ranges = index.ranges(buckets)
    sizes = np.zeros(len(buckets), dtype=np.int64)
    for _, n in ranges:
        sizes += n
    rows = inverse.ravel()
    owner = np.repeat(np.arange(len(texts), dtype=np.int64), nb)      # the text's position in ``texts``
    keep = sizes[rows] >= 2
    full = np.flatnonzero(sizes[rows] > max_bucket)
    if len(full):
        # in a bucket over the cap, the rank of each (text, bucket) row: the bucket's size less the
        # batch's texts at or after it (the batch's texts are the bucket's last members, in the
        # order of ``texts``); rows of smaller buckets are all within the cap
        fr, fo = rows[full], owner[full]
        srt = np.lexsort((fo, fr))
        r_s = fr[srt]
        grp = np.flatnonzero(np.concatenate(([True], r_s[1:] != r_s[:-1])))
        cnt = np.diff(np.concatenate((grp, [len(r_s)])))
        pos = np.arange(len(r_s), dtype=np.int64) - np.repeat(grp, cnt)
        rank = np.empty(len(full), dtype=np.int64)
        rank[srt] = sizes[r_s] - (np.repeat(cnt, cnt) - pos)
        keep[full[rank >= max_bucket]] = False
    rows, owner = rows[keep], owner[keep]
    codes = []
    seen = np.zeros(len(buckets), dtype=np.int64)       # members of each bucket in the runs before
    for (_, v), (lo, n) in zip(index.runs, ranges):
        take = np.clip(np.minimum(n, max_bucket - seen), 0, None) if len(full) else n   # the first members only
        seen += n
        nr = take[rows]
        total = int(nr.sum())
        if not total:
            continue
        pos = np.repeat(lo[rows] - (np.cumsum(nr) - nr), nr) + np.arange(total, dtype=np.int64)
        code = np.repeat(owner << np.int64(40), nr)
        code |= v[pos]
        codes.append(code)
    if not codes:
        return np.empty((0, 2), dtype=np.int64)
    code = np.concatenate(codes) if len(codes) > 1 else codes[0]
    code.sort()
    edge = np.flatnonzero(np.concatenate(([True], code[1:] != code[:-1], [True])))
    hit = code[edge[:-1][np.diff(edge) >= min_shared_bands]]
    a, b = texts[hit >> np.int64(40)], hit & np.int64((1 << 40) - 1)
    keep = a != b
    return np.stack((a[keep], b[keep]), axis=1)
