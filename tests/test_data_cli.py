"""`adequa data pull | list | check` end to end on the fixtures, and pulling over real HTTP on loopback."""

import hashlib
import http.server
import json
import shutil
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adequa.cli import app
from adequa.errors import SourceUnavailable
from adequa.sources import pull as pull_mod
from adequa.store.duckdb import Warehouse

runner = CliRunner()


@pytest.fixture(scope="module", autouse=True)
def own_cache(tmp_path_factory):
    """Pulls build the enrichment models: into a cache folder of this module's, not the user's."""
    from adequa.config import get_settings

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ADEQUA_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        get_settings.cache_clear()
        yield
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def pulled_once(tmp_path_factory, own_cache):
    tmp = tmp_path_factory.mktemp("pulled")
    data, db = tmp / "data", tmp / "w.duckdb"
    source = Path(__file__).parent / "fixtures" / "referentials"
    result = runner.invoke(app, ["data", "pull", "--from", str(source), "--data-dir", str(data), "--db", str(db)])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return data, db, result


@pytest.fixture()
def pulled(pulled_once, tmp_path):
    """A copy of one pull (data dir and warehouse) for each test."""
    data, db, result = pulled_once
    shutil.copytree(data, tmp_path / "data")
    shutil.copyfile(db, tmp_path / "w.duckdb")
    return tmp_path / "data", tmp_path / "w.duckdb", result


def test_pull_copies_files_with_checksums_and_loads(fixtures, pulled):
    data, db, result = pulled
    manifest = json.loads((data / "manifest.json").read_text())["files"]
    src = fixtures / "referentials" / "rome" / "unix_referentiel_code_rome_v999_utf8.csv"
    entry = manifest["rome/unix_referentiel_code_rome_v999_utf8.csv"]
    assert entry["sha256"] == hashlib.sha256(src.read_bytes()).hexdigest() and entry["size"] == src.stat().st_size
    assert (data / "rome" / src.name).read_bytes() == src.read_bytes()
    assert "rome_fiches" in result.output and "loaded" in result.output
    with Warehouse(db) as wh:
        assert wh.count("rome_fiches") == 3
        assert wh.scalar("SELECT sha256 FROM pulled_files WHERE path = ?", [f"rome/{src.name}"]) == entry["sha256"]


def test_pull_twice_copies_and_loads_nothing_new(fixtures, pulled):
    data, db, _ = pulled
    again = runner.invoke(app, ["data", "pull", "--from", str(fixtures / "referentials"), "--data-dir", str(data),
                                "--db", str(db)])
    assert again.exit_code == 0
    assert "0 copied" in again.output and "unchanged" in again.output and " loaded " not in again.output


def test_pull_builds_the_enrichment_models_once(fixtures, tmp_path, monkeypatch):
    """After the files, pull compiles the skills taxonomy and the occupation classifier into the cache
    folder, so the first annotate is warm; a second pull finds them; --no-index skips the step."""
    from adequa.config import get_settings
    from adequa.pipeline import occupations as occ

    monkeypatch.setenv("ADEQUA_CACHE_DIR", str(tmp_path / "cache"))
    get_settings.cache_clear()
    occ._loaded.clear()     # a classifier another test loaded from files like these would be reused
    data, db = tmp_path / "data", tmp_path / "w.duckdb"
    args = ["data", "pull", "--from", str(fixtures / "referentials"), "--data-dir", str(data), "--db", str(db)]
    skipped = runner.invoke(app, [*args, "--no-index"])
    assert skipped.exit_code == 0, skipped.output
    assert "enrichment models" not in skipped.output and not (tmp_path / "cache").exists()
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "enrichment models ready (skills taxonomy and occupation classifier" in first.output
    assert list((tmp_path / "cache").glob("skills-fr-*.pickle")) and (tmp_path / "cache" / "occupations").is_dir()
    built = {p: p.stat().st_mtime_ns for p in (tmp_path / "cache").rglob("*") if p.is_file()}
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "enrichment models ready" in again.output
    assert {p: p.stat().st_mtime_ns for p in built} == built      # loaded, not rebuilt
    get_settings.cache_clear()


def test_pull_only_some_datasets(fixtures, tmp_path):
    data, db = tmp_path / "data", tmp_path / "w.duckdb"
    result = runner.invoke(app, ["data", "pull", "--from", str(fixtures / "referentials"), "--data-dir", str(data),
                                 "--db", str(db), "--only", "fap,rome"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in data.iterdir() if p.is_dir()) == ["fap", "rome"]
    with Warehouse(db) as wh:
        assert wh.count("rome_fap") == 5 and wh.count("esco_skills") == 0
    bad = runner.invoke(app, ["data", "pull", "--from", str(fixtures / "referentials"), "--data-dir", str(data),
                              "--db", str(db), "--only", "nope"])
    assert bad.exit_code != 0 and "unknown dataset" in str(bad.exception)


def test_list_shows_versions_and_counts(pulled):
    _, db, _ = pulled
    result = runner.invoke(app, ["data", "list", "--db", str(db), "--format", "json"])
    assert result.exit_code == 0
    rows = {(r["table"], r["version"]): r for r in json.loads(result.output)}
    assert rows[("rome_appellations", "999")]["rows"] == 5
    assert rows[("esco_skills", "9.9.9")]["licence"].startswith("CC BY")


def test_check_exit_code(pulled):
    _, db, _ = pulled
    ok = runner.invoke(app, ["data", "check", "--db", str(db)])
    assert ok.exit_code == 0, ok.output
    with Warehouse(db) as wh:
        wh.con.execute("UPDATE rome_appellations SET code_rome = 'Z9999' WHERE code_ogr = '10001'")
    broken = runner.invoke(app, ["data", "check", "--db", str(db), "--format", "json"])
    assert broken.exit_code == 1
    printed = json.loads(broken.output[: broken.output.rindex("]") + 1])
    bad = [r for r in printed if r["status"] == "problem" and r["severity"] == "error"]
    assert [r["check"] for r in bad] == ["appellations-fiches"] and "10001 -> Z9999" in bad[0]["examples"]


def test_help_has_examples():
    for cmd in ("pull", "list", "check"):
        result = runner.invoke(app, ["data", cmd, "--help"])
        assert result.exit_code == 0 and "Example: adequa data " + cmd in result.output


class _Files(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture()
def server(fixtures):
    folder = fixtures / "referentials" / "geo"
    handler = lambda *a, **k: _Files(*a, directory=str(folder), **k)  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def test_pull_from_publishers_over_http(server, fixtures, tmp_path):
    registry = {"geo": pull_mod.Dataset("geo", "t", "p", "l", server, referential=True, urls={
        "insee_region_2022.csv": server + "insee_region_2022.csv",
        "france-geojson/regions.geojson": server + "france-geojson/regions-version-simplifiee.geojson"})}
    pulled = pull_mod.pull_from_publishers(tmp_path, registry=registry)
    assert [p.path for p in pulled] == ["geo/france-geojson/regions.geojson", "geo/insee_region_2022.csv"]
    src = fixtures / "referentials" / "geo" / "insee_region_2022.csv"
    assert (tmp_path / "geo" / "insee_region_2022.csv").read_bytes() == src.read_bytes()
    assert pulled[1].sha256 == hashlib.sha256(src.read_bytes()).hexdigest()
    assert pulled[1].origin.startswith("http://127.0.0.1")


def test_pull_from_publishers_errors(server, tmp_path):
    missing = {"geo": pull_mod.Dataset("geo", "t", "p", "l", server, referential=True,
                                       urls={"x.csv": server + "no-such-file.csv"})}
    with pytest.raises(SourceUnavailable) as info:
        pull_mod.pull_from_publishers(tmp_path, registry=missing)
    assert info.value.status == 404 and not info.value.retryable
    offline = {"geo": pull_mod.Dataset("geo", "t", "p", "l", "", referential=True,
                                       urls={"x.csv": "http://127.0.0.1:9/x.csv"})}
    with pytest.raises(SourceUnavailable, match="offline"):
        pull_mod.pull_from_publishers(tmp_path, registry=offline, timeout=2)
    with pytest.raises(SourceUnavailable, match="--from"):
        pull_mod.pull_from_publishers(tmp_path, only=["rome"])          # no direct URL: download by hand


def test_pull_can_link_instead_of_copy(fixtures, tmp_path):
    source = fixtures / "referentials"
    pulled = pull_mod.pull_from_dir(source, tmp_path / "data", only=["fap"], link=True)
    target = tmp_path / "data" / "fap" / "dares_nomenclature_fap2021.csv"
    assert target.is_symlink() and target.resolve() == (source / "fap" / target.name).resolve()
    assert {p.path for p in pulled} == {f"fap/{p.name}" for p in (source / "fap").iterdir()}
    again = pull_mod.pull_from_dir(source, tmp_path / "data", only=["fap"], link=True)
    assert not any(p.copied for p in again)
