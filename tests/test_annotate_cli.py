"""`adequa annotate` / `adequa enrich` end to end, on the hand-written fixture taxonomy."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURE = Path(__file__).parent / "fixtures" / "skills"


@pytest.fixture()
def env(tmp_path):
    return {**os.environ, "ADEQUA_MIRROR": str(FIXTURE / "mirror"), "ADEQUA_DATA_DIR": str(tmp_path / "absent"),
            "ADEQUA_CACHE_DIR": str(tmp_path / "cache"), "ADEQUA_DB": str(tmp_path / "w.duckdb")}


def _adequa(args, env, **kw):
    return subprocess.run([sys.executable, "-m", "adequa", *args], env=env, capture_output=True, text=True, **kw)


def test_annotate_writes_the_interface(tmp_path, env):
    ads = tmp_path / "ads.jsonl"
    ads.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in [
        {"id": "a1", "title": "Préparateur de commandes (H/F)",
         "description": "Missions :/r/n- préparation des commandes/r/nProfil : rigoureux(se), permis B."},
        {"id": "a2", "title": "Vendeur", "description": "Notre entreprise familiale recrute. Mutuelle, primes. Postulez !"},
    ]) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    proc = _adequa(["annotate", "--input", str(ads), "--output", str(out), "--lang", "fr", "-q"], env)
    assert proc.returncode == 0, proc.stderr
    recs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in recs] == ["a1", "a2"]
    for key in ("occupation", "fap2021", "fap2009", "isco", "esco_occupation", "domain", "skills"):
        assert key in recs[0]
    assert set(recs[0]["occupation"]) >= {"rome", "appellation", "score", "candidates"}
    desc = recs[0]["description"]
    skills = [s for s in recs[0]["skills"] if s.get("field", "description") == "description"]
    assert [s["text"] for s in skills] == ["préparation des commandes", "rigoureux(se)", "permis B"]
    for s in skills:
        assert desc[s["start"]:s["end"]] == s["text"]
        assert set(s) >= {"start", "end", "text", "rome_ogr", "esco_uri", "label", "kind", "score", "method", "unlisted"}
    assert skills[0]["rome_ogr"] == "800001"
    assert recs[1]["skills"] == []


def test_annotate_rejects_bad_input_with_its_place(tmp_path, env):
    ads = tmp_path / "bad.jsonl"
    ads.write_text('{"id": "ok", "description": "x"}\n{"id": \n', encoding="utf-8")
    proc = _adequa(["annotate", "--input", str(ads), "--output", str(tmp_path / "o.jsonl"), "-q"], env)
    assert proc.returncode == 2
    assert "bad.jsonl" in proc.stderr and "line 2" in proc.stderr
    ads.write_text('{"id": "n", "description": 3}\n', encoding="utf-8")
    proc = _adequa(["annotate", "--input", str(ads), "--output", str(tmp_path / "o.jsonl"), "-q"], env)
    assert proc.returncode == 2 and "description" in proc.stderr


def test_a_failed_run_leaves_the_previous_output_as_it_was(tmp_path, env):
    good = tmp_path / "good.jsonl"
    good.write_text('{"id": "a", "description": "préparation des commandes"}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert _adequa(["annotate", "-i", str(good), "-o", str(out), "-q"], env).returncode == 0
    before = out.read_bytes()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "description": "x"}\n' * 500 + '{"id": \n', encoding="utf-8")
    proc = _adequa(["annotate", "-i", str(bad), "-o", str(out), "-q"], env)
    assert proc.returncode == 2 and "line 501" in proc.stderr
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.jsonl", "cache", "good.jsonl", "out.jsonl"]
    # a device is written to, not replaced
    assert _adequa(["annotate", "-i", str(good), "-o", os.devnull, "-q"], env).returncode == 0
    assert Path(os.devnull).is_char_device()


def test_an_unusable_cache_folder_warns_and_annotates_all_the_same(tmp_path, env):
    ads = tmp_path / "ads.jsonl"
    ads.write_text('{"id": "a", "description": "Missions : préparation des commandes"}\n', encoding="utf-8")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    proc = _adequa(["annotate", "-i", str(ads), "-o", str(tmp_path / "o.jsonl"), "-q"],
                   {**env, "ADEQUA_CACHE_DIR": str(blocker / "cache")})
    assert proc.returncode == 0, proc.stderr
    assert "cannot write the compiled taxonomy cache" in proc.stderr and "ADEQUA_CACHE_DIR" in proc.stderr
    rec = json.loads((tmp_path / "o.jsonl").read_text(encoding="utf-8"))
    assert [m["text"] for m in rec["skills"]] == ["préparation des commandes"]


def test_read_ads_takes_a_byte_order_mark_and_crlf_and_names_bytes_that_are_not_utf8(tmp_path):
    from adequa.errors import InputError
    from adequa.pipeline.annotate import read_ads

    ads = tmp_path / "bom.jsonl"
    ads.write_bytes(b'\xef\xbb\xbf{"id": "a", "description": "caf\xc3\xa9"}\r\n\r\n{"id": "b"}\r\n')
    assert [(n, ad["id"]) for n, ad in read_ads(ads)] == [(1, "a"), (3, "b")]
    assert next(read_ads(ads))[1]["description"] == "café"
    latin1 = tmp_path / "latin1.jsonl"
    latin1.write_bytes('{"id": "a", "description": "ok"}\n{"id": "b", "description": "crème"}\n'.encode("latin-1"))
    with pytest.raises(InputError) as err:
        list(read_ads(latin1))
    assert err.value.line == 2 and "0xe8" in str(err.value) and "latin1.jsonl" in str(err.value)
    utf16 = tmp_path / "utf16.jsonl"
    utf16.write_bytes('{"id": "a"}\n'.encode("utf-16"))
    with pytest.raises(InputError, match="UTF-16") as err:
        list(read_ads(utf16))
    assert err.value.line == 1


@pytest.mark.parametrize("to", ["file", "stdout"])
def test_annotate_keeps_lone_surrogate_escapes_as_escapes(tmp_path, env, to):
    # "\ud800" is valid JSON but no UTF-8 text can hold it: the line is written with JSON escapes
    # (the same strings once read), the run goes on, a repeat of the ad is written the same way
    ad = {"id": "s", "title": "Vendeur \ud800", "description": "préparation des commandes \udc00 et accueil"}
    ads = tmp_path / "ads.jsonl"
    ads.write_text("\n".join(json.dumps(a) for a in [ad, ad, {**ad, "id": "\ud801"}, {"id": "ok", "description": "x"}])
                   + "\n", encoding="ascii")
    out = tmp_path / "out.jsonl"
    proc = _adequa(["annotate", "--input", str(ads), "--output", str(out) if to == "file" else "-", "-q"], env)
    assert proc.returncode == 0, proc.stderr
    text = out.read_text(encoding="utf-8") if to == "file" else proc.stdout
    recs = [json.loads(line) for line in text.splitlines()]
    assert [r["id"] for r in recs] == ["s", "s", "\ud801", "ok"]
    assert recs[0]["description"] == ad["description"] and recs[1]["skills"] == recs[0]["skills"]
    assert [m["text"] for m in recs[0]["skills"]] and all(
        recs[0]["description"][m["start"]:m["end"]] == m["text"] for m in recs[0]["skills"])


def test_enrich_is_idempotent_and_catches_up(tmp_path, env, monkeypatch):
    from adequa.config import Settings
    from adequa.pipeline.enrich import enrich_warehouse
    from adequa.store.duckdb import Warehouse

    db = tmp_path / "w.duckdb"
    settings = Settings(db=db, mirror=FIXTURE / "mirror", data_dir=tmp_path / "absent", cache_dir=tmp_path / "cache")
    ads = [{"ad_id": f"ad{i}", "source": "test", "title": "Magasinier",
            "description": "Missions :\n- préparation des commandes\n- accueil de la clientèle\nProfil : autonome."}
           for i in range(5)]
    with Warehouse(db) as wh:
        wh.upsert("ads", ads, key=["ad_id"])
    first = enrich_warehouse(settings, batch_size=2)
    assert first["ads"] == 5 and first["mentions"] >= 15
    again = enrich_warehouse(settings)
    assert again["ads"] == 0
    with Warehouse(db) as wh:
        assert wh.query("SELECT count(*) FROM skill_mentions") == [(first["mentions"],)]
        assert wh.query("SELECT count(*) FROM ad_occupations") == [(5,)]
    with Warehouse(db) as wh:
        wh.upsert("ads", [{**ads[0], "ad_id": "ad9"}], key=["ad_id"])
        wh.query("UPDATE ad_occupations SET taxonomy_version = 'old' WHERE ad_id = 'ad0'")
    third = enrich_warehouse(settings)
    assert third["ads"] == 2          # the new ad and the one enriched with an older taxonomy
    with Warehouse(db) as wh:
        assert wh.query("SELECT count(*) FROM skill_mentions") == [(first["mentions"] // 5 * 6,)]
        rows = wh.query("SELECT count(DISTINCT taxonomy_version) FROM skill_mentions")
        assert rows[0][0] == 1
