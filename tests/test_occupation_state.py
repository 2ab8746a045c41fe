"""The occupation classifier's start-up state (``OccupationClassifier.state_path``): a classifier
loaded from it is the one loaded from the saved files, member for member, and classifies the same."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from adequa.config import Settings
from adequa.enrich import occupation as occupation_module
from adequa.enrich.occupation import OccupationClassifier
from adequa.pipeline import occupations as occ

ADS = [("Data engineer (H/F)", "Vous concevrez des pipelines de données en Python et SQL."),
       ("Conducteur de ligne", "Régler la presse à injecter, plasturgie."),
       ("Serveuse (H/F) CDD", None), ("Ingénieur(e) data - Lyon", "Spark, Kafka, SQL"),
       ("zzzz qqqq", "rien de connu"), ("", None)]


def _same(a, b, where="") -> None:
    """Deep equality, arrays with their dtype and shape, objects by their members."""
    assert type(a) is type(b) or (type(a).__name__ == type(b).__name__), where
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes(), where
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            _same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{where}[{i}]")
    elif hasattr(a, "__dict__") and not callable(a):
        _same(vars(a), vars(b), where)
    else:
        assert a == b, where


@pytest.fixture()
def saved(fixtures, tmp_path) -> tuple[Settings, Path]:
    """Settings whose cache holds the classifier's saved files (no start-up state yet), and its folder."""
    occ._loaded.clear()
    settings = Settings(data_dir=fixtures / "occupations", mirror=None, cache_dir=tmp_path / "cache")
    occ.load_occupation_classifier(settings)        # builds and saves the files
    occ._loaded.clear()
    _, path = occ._classifier_folder(settings)
    return settings, path


def _load(settings: Settings) -> OccupationClassifier:
    occ._loaded.clear()
    return occ.load_occupation_classifier(settings)


def test_the_state_is_what_the_files_give(saved):
    settings, folder = saved
    state = OccupationClassifier.state_path(folder)
    assert not state.exists()
    assert OccupationClassifier.from_state(state) is None
    from_files = _load(settings)            # from the files, then the pipeline writes the state
    assert state.exists()
    from_state = OccupationClassifier.from_state(state, from_files.domains)
    assert from_state is not None
    again = OccupationClassifier.load(folder, from_files.domains)
    runtime = set(OccupationClassifier._RUNTIME)
    assert set(vars(from_state)) == set(vars(again))
    _same({k: v for k, v in vars(from_state).items() if k not in runtime},
          {k: v for k, v in vars(again).items() if k not in runtime})
    want = [json.dumps(from_files.classify(t, d), sort_keys=True) for t, d in ADS]
    assert [json.dumps(from_state.classify(t, d), sort_keys=True) for t, d in ADS] == want
    assert [json.dumps(r, sort_keys=True) for r in from_state.classify_many(ADS)] == want
    # the state holds none of the members a process makes for itself (memos, buffers)
    assert not any(k in pickle.loads(state.read_bytes()) for k in runtime)
    # loading from the files writes nothing: the state is the pipeline's cache entry
    state.unlink()
    OccupationClassifier.load(folder)
    assert not state.exists()


def test_a_bad_state_is_replaced_and_the_key_follows_the_source(saved):
    settings, folder = saved
    state = OccupationClassifier.state_path(folder)
    h = hashlib.sha256()
    for mod in ("occupation.py", "ranking.py"):
        h.update(Path(occupation_module.__file__).with_name(mod).read_bytes())
    assert state.name == f"state-{h.hexdigest()[:16]}.pickle"
    old = [folder / f"state-{n:016d}.pickle" for n in range(3)]
    for n, p in enumerate(old):
        p.write_bytes(b"old")
        os.utime(p, (1_000 + n, 1_000 + n))
    state.write_bytes(b"\x80\x05truncated")
    assert OccupationClassifier.from_state(state) is None
    clf = _load(settings)
    assert clf.classify("Data engineer", None)["occupation"]["rome"] == "M9001"
    assert isinstance(pickle.loads(state.read_bytes()), dict)
    assert [p.exists() for p in old] == [False, True, True]     # other versions: the two most recent kept


def test_the_domain_rules_are_kept_parsed_and_follow_their_file(tmp_path):
    from adequa.enrich.domain import DEFAULT_RULES, DomainTagger

    settings = Settings(cache_dir=tmp_path / "cache")
    cases = [("Data engineer", "M1811", None), ("Consultant CRM Salesforce", None, None), ("Vendeur", "D1211", None),
             ("Développeur", "M1805", "python python sql"), ("Chargé BI", None, "power bi, tableau")]
    ref = DomainTagger.from_yaml()
    first = occ._domain_tagger(settings)
    second = occ._domain_tagger(settings)
    (cached,) = (tmp_path / "cache" / "domains").glob("domains-*.pickle")
    assert [second.tag(*c) for c in cases] == [first.tag(*c) for c in cases] == [ref.tag(*c) for c in cases]
    assert any(ref.tag(*c) for c in cases)
    # another rules file: its own entry, its own rules
    mine = tmp_path / "mine.yaml"
    mine.write_text(DEFAULT_RULES.read_text(encoding="utf-8").replace("Data engineer", "Data engineer", 1) +
                    "\n", encoding="utf-8")
    other = occ._domain_tagger(settings, mine)
    assert [other.tag(*c) for c in cases] == [ref.tag(*c) for c in cases]
    assert len(list((tmp_path / "cache" / "domains").glob("domains-*.pickle"))) == 2 and cached.exists()
    mine.write_text("domains: []\n", encoding="utf-8")
    assert not any(occ._domain_tagger(settings, mine).tag(*c) for c in cases)
