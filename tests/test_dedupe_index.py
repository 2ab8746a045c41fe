"""The writer's in-memory LSH index: ``SortedRuns`` answers like a plain list of pairs, and
``shared_bucket_pairs`` finds the pairs the SQL join of the batch's buckets with every stored member finds."""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from adequa.enrich.dedupe import SortedRuns, candidate_pairs, shared_bucket_pairs

batches = st.lists(st.lists(st.tuples(st.integers(-6, 6), st.integers(0, 50)), max_size=30), max_size=12)


@given(batches, st.lists(st.integers(-8, 8), max_size=10), st.sampled_from([7, 40, 1 << 22]))
def test_sorted_runs_answer_like_a_list_of_pairs(adds, queries, max_run):
    index, plain = SortedRuns(value_dtype=np.int64, max_run=max_run), []
    for batch in adds:
        index.add(np.array([k for k, _ in batch], dtype=np.int64), np.array([v for _, v in batch], dtype=np.int64))
        plain += batch
    assert len(index) == len(plain)
    if max_run > len(plain):                                              # log-structured: few runs
        assert len(index.runs) <= max(1, len(adds)).bit_length() + 1
    assert all(len(k) <= max(max_run, 30) for k, _ in index.runs)        # a run over max_run is one batch
    for k, v in index.runs:
        assert (np.diff(k) >= 0).all()
    # the pairs of one key come in the order they were added
    which, values = index.members(np.arange(-6, 7))
    for x in range(-6, 7):
        assert values[which == x + 6].tolist() == [v for k, v in plain if k == x]
    q = np.array(queries, dtype=np.int64)
    assert index.counts(q).tolist() == [sum(1 for k, _ in plain if k == x) for x in queries]
    which, values = index.members(q)
    got = Counter(zip(which.tolist(), values.tolist()))
    assert got == Counter((i, v) for i, x in enumerate(queries) for k, v in plain if k == x)


def test_get_finds_unique_keys_and_reports_missing():
    rng = np.random.default_rng(3)
    keys = np.unique(rng.integers(-2**61, 2**61, size=6000))[:5000] * 2          # even: key + 1 is never stored
    rng.shuffle(keys)
    index = SortedRuns(value_dtype=np.int64)
    for part in np.array_split(np.arange(5000), 9):
        index.add(keys[part], part)
    probe = np.concatenate((keys[::7], keys[::11] + 1))
    want = [i for i in range(0, 5000, 7)] + [-1] * len(keys[::11])
    assert index.get(probe).tolist() == want


def _sql_pairs(stored: np.ndarray, batch: np.ndarray, n_stored: int, min_shared: int, max_bucket: int) -> set:
    """What the SQL of ``_cluster_sql`` computes: (new text, any text) sharing >= min_shared buckets, a bucket
    pairing only its first max_bucket texts in arrival order (here the row order)."""
    members: dict[int, list[int]] = {}
    rows = np.concatenate((stored, batch))
    for t, row in enumerate(rows.tolist()):
        for b in row:
            members.setdefault(b, []).append(t)
    count: Counter = Counter()
    for i, row in enumerate(batch.tolist()):
        t = n_stored + i
        for b in row:
            first = members[b][:max_bucket]
            if t in first:
                count.update((t, m) for m in first if m != t)
    return {p for p, c in count.items() if c >= min_shared}


@given(st.integers(0, 2**16), st.integers(1, 4), st.integers(2, 40))
def test_shared_bucket_pairs_equal_the_sql_join(seed, min_shared, max_bucket):
    rng = np.random.default_rng(seed)
    n_stored, n_new, bands = int(rng.integers(0, 60)), int(rng.integers(1, 30)), 6
    rows = rng.integers(0, 25, size=(n_stored + n_new, bands)) + np.arange(bands) * 1000   # few buckets: many pairs
    index = SortedRuns(max_run=int(rng.integers(8, 400)))
    cuts = np.unique(np.concatenate(([0, n_stored], rng.integers(0, n_stored + 1, size=3))))
    for a, b in zip(cuts[:-1], cuts[1:]):                   # stored texts added in a few batches (several runs)
        index.add(rows[a:b].ravel(), np.repeat(np.arange(a, b), bands))
    index.add(rows[n_stored:].ravel(), np.repeat(np.arange(n_stored, n_stored + n_new), bands))
    texts = np.arange(n_stored, n_stored + n_new)
    got = shared_bucket_pairs(index, texts, rows[n_stored:], min_shared_bands=min_shared, max_bucket=max_bucket)
    assert {tuple(p) for p in got.tolist()} == _sql_pairs(rows[:n_stored], rows[n_stored:], n_stored, min_shared,
                                                         max_bucket)
    assert len(got) == len({tuple(p) for p in got.tolist()})


def test_shared_bucket_pairs_of_a_whole_set_are_the_in_memory_candidates():
    rng = np.random.default_rng(9)
    rows = rng.integers(0, 40, size=(300, 8)) + np.arange(8) * 100
    index = SortedRuns()
    index.add(rows.ravel(), np.repeat(np.arange(300), 8))
    got = shared_bucket_pairs(index, np.arange(300), rows, min_shared_bands=2, max_bucket=50)
    want = candidate_pairs(rows, min_shared_bands=2, max_bucket=50)
    assert len(want) > 100
    assert sorted(map(tuple, got[got[:, 0] < got[:, 1]].tolist())) == sorted(map(tuple, want.tolist()))
