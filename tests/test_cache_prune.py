"""Cache housekeeping: a new compiled entry keeps its family to the few most recent entries."""

import os
import time

from adequa.pipeline.cache import prune_family


def _touch(path, age):
    path.write_bytes(b"x")
    t = time.time() - age
    os.utime(path, (t, t))
    return path


def test_keeps_the_most_recent_of_the_family_only(tmp_path):
    old = [_touch(tmp_path / f"skills-fr-{i:04x}.pickle", 100 + i) for i in range(5)]
    other = _touch(tmp_path / "skills-en-0000.pickle", 500)          # another family: untouched
    writing = _touch(tmp_path / "skills-fr-ffff.tmp123", 600)         # another process still writing
    fresh = _touch(tmp_path / "skills-fr-beef.pickle", 0)
    gone = prune_family(fresh, "skills-fr-*.pickle", keep=3)
    assert sorted(gone) == sorted(old[2:])                            # the two most recent others are kept
    assert fresh.exists() and other.exists() and writing.exists() and old[0].exists() and old[1].exists()


def test_folders_are_removed_whole_and_the_fresh_one_is_never_pruned(tmp_path):
    for i, age in enumerate((50, 40)):
        d = tmp_path / f"old{i}"
        (d / "sub").mkdir(parents=True)
        (d / "sub" / "f").write_text("x")
        os.utime(d, (time.time() - age,) * 2)
    fresh = tmp_path / "new"
    fresh.mkdir()
    os.utime(fresh, (time.time() - 1000,) * 2)                        # even when it looks oldest
    assert {p.name for p in prune_family(fresh, "*", keep=1)} == {"old0", "old1"}
    assert [p.name for p in tmp_path.iterdir()] == ["new"]


def test_the_default_cache_is_per_user_not_per_working_directory(tmp_path, monkeypatch):
    """Compiled models are keyed by code and inputs: one cache serves every working directory."""
    from adequa.config import Settings

    monkeypatch.delenv("ADEQUA_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    assert Settings().cache_dir == tmp_path / "xdg" / "adequa"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert Settings().cache_dir == tmp_path / "home" / ".cache" / "adequa"
    monkeypatch.setenv("ADEQUA_CACHE_DIR", str(tmp_path / "mine"))
    assert Settings().cache_dir == tmp_path / "mine"
