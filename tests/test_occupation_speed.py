"""Speed changes of the occupation classifier must not change a single score: each optimised step is
compared with a straightforward reference on fixtures (and on the real appellations with the mirror)."""

from __future__ import annotations

import numpy as np
import pytest

from adequa.enrich.ranking import LexicalIndex

TEXTS = [
    "Ingénieur / Ingénieure data", "Data scientist", "Développeur / Développeuse full stack",
    "Administrateur / Administratrice de bases de données", "Chargé / Chargée de relation client CRM",
    "Serveur / Serveuse en restauration", "Ingénieur / Ingénieure en intelligence artificielle",
    "Analyste décisionnel - Business Intelligence", "Technicien / Technicienne de maintenance",
    "Data engineer", "Data analyst", "Chef de projet data", "Cuisinier / Cuisinière",
]
QUERIES = ["ingenieur data", "data", "developpeur fullstack java", "serveuse", "chef projet bi",
           "administrateur bdd oracle", "zzz qqq", "", "intelligence artificielle machine learning",
           "technicien de maintenance industrielle h/f"]


def _reference(ix: LexicalIndex, text: str, coverage: float) -> np.ndarray:
    """Cosines gathered column by column (the pre-optimisation code)."""
    cols, vals = ix.query_vector(text)
    if len(cols) == 0:
        return np.zeros(ix.n_docs, np.float32)
    starts, ends = ix.indptr[cols], ix.indptr[cols + 1]
    lengths = ends - starts
    idx = np.concatenate([ix.indices[s:e] for s, e in zip(starts, ends)])
    w = np.concatenate([ix.data[s:e] for s, e in zip(starts, ends)]) * np.repeat(vals, lengths)
    cos = np.bincount(idx, weights=w, minlength=ix.n_docs)
    if coverage:
        share = np.bincount(idx, weights=np.repeat(vals * vals, lengths), minlength=ix.n_docs)
        share /= float((vals * vals).sum()) or 1.0
        cos *= (1.0 - coverage) + coverage * share
    return cos.astype(np.float32)


@pytest.mark.parametrize("coverage", [0.0, 0.5])
def test_doc_scores_are_bit_identical_to_the_column_by_column_reference(coverage):
    ix = LexicalIndex.build(TEXTS, list(range(len(TEXTS))))
    for q in QUERIES:
        got, want = ix.doc_scores(q, coverage), _reference(ix, q, coverage)
        assert got.dtype == want.dtype and got.shape == want.shape
        assert np.array_equal(got, want), q
    assert ix.doc_scores("ingenieur data", coverage).max() > 0     # the fixture does score something


def test_doc_scores_identical_on_real_appellations(mirror):
    from adequa.config import Settings
    from adequa.pipeline.annotate import load_occupation_classifier_or_none

    cl = load_occupation_classifier_or_none(Settings(mirror=mirror))
    if cl is None:
        pytest.skip("occupation classifier unavailable")
    queries = [cl.doc_texts[d] for d in range(0, len(cl.doc_texts), 97)] + QUERIES
    for q in queries:
        assert np.array_equal(cl.index.doc_scores(q, cl.COVERAGE), _reference(cl.index, q, cl.COVERAGE)), q
