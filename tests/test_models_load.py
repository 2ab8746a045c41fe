"""``load_models`` on cold caches: the occupation classifier is built in a forked process while the
skills compile, and what that process cached classifies as a classifier built here does."""

from __future__ import annotations

import os

import pytest

from adequa.config import Settings
from adequa.pipeline import annotate as A
from adequa.pipeline import occupations as occ

ADS = [("Data engineer (H/F)", "Vous concevrez des pipelines de données en Python et SQL."),
       ("Conducteur de ligne", "Régler la presse à injecter, plasturgie."),
       ("Serveuse (H/F) CDD", None),
       ("zzzz qqqq", "rien de connu")]

needs_fork = pytest.mark.skipif((os.cpu_count() or 1) < 2 or not hasattr(os, "fork"),
                                reason="the classifier is built aside only with fork and two cores")


def _settings(fixtures, cache) -> Settings:
    return Settings(data_dir=fixtures / "occupations", mirror=None, cache_dir=cache)


@needs_fork
def test_the_classifier_built_aside_is_cached_and_classifies_as_one_built_here(fixtures, tmp_path):
    occ._loaded.clear()
    aside_settings = _settings(fixtures, tmp_path / "aside")
    assert not occ.classifier_cached(aside_settings)
    proc = A._build_occupations_aside(aside_settings)
    assert proc is not None
    proc.join(60)
    assert proc.exitcode == 0
    assert not occ._loaded                      # built in the child: nothing loaded in this process
    assert occ.classifier_cached(aside_settings)
    assert A._build_occupations_aside(aside_settings) is None      # cached: nothing to build
    from_child = occ.load_occupation_classifier(aside_settings)
    occ._loaded.clear()
    built_here = occ.load_occupation_classifier(_settings(fixtures, tmp_path / "here"))
    assert [from_child.classify(t, d) for t, d in ADS] == [built_here.classify(t, d) for t, d in ADS]
    occ._loaded.clear()


@needs_fork
def test_load_models_on_cold_caches_gives_both_models(fixtures, tmp_path):
    occ._loaded.clear()
    settings = _settings(fixtures, tmp_path / "cache")
    extractor, classifier = A.load_models(settings)
    assert classifier is not None and classifier.classify("Data engineer", None)["occupation"]["rome"] == "M9001"
    assert extractor.extract("Maîtrise de Python et SQL.")
    assert occ.classifier_cached(settings)
    _, none = A.load_models(settings, occupations=False)
    assert none is None
    occ._loaded.clear()


def test_no_referentials_leaves_the_error_to_the_caller(tmp_path):
    # nothing to build aside; the caller's own load reports the missing ROME folder
    settings = Settings(data_dir=tmp_path / "absent", mirror=None, cache_dir=tmp_path / "cache")
    assert A._build_occupations_aside(settings) is None


@needs_fork
def test_a_stuck_builder_is_stopped_and_the_classifier_built_here(fixtures, tmp_path, monkeypatch):
    import time

    occ._loaded.clear()
    monkeypatch.setattr(A, "_build_occupations", lambda settings: time.sleep(3600))
    monkeypatch.setattr(A, "ASIDE_TIMEOUT", 0.5)
    settings = _settings(fixtures, tmp_path / "cache")
    t0 = time.perf_counter()
    _, classifier = A.load_models(settings)
    assert time.perf_counter() - t0 < 60
    assert classifier is not None and occ.classifier_cached(settings)
    occ._loaded.clear()
