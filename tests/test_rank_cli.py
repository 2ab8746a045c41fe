"""`adequa occupations rank` and `adequa skills rank` end to end, on the fixture referential."""

import json

import pytest
from typer.testing import CliRunner

from adequa.cli import app
from adequa.pipeline import occupations as occ


@pytest.fixture()
def env(fixtures, tmp_path, monkeypatch):
    from adequa.config import get_settings

    monkeypatch.setenv("ADEQUA_DATA_DIR", str(fixtures / "occupations"))
    monkeypatch.setenv("ADEQUA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("ADEQUA_MIRROR", raising=False)
    get_settings.cache_clear()
    occ._loaded.clear()
    yield tmp_path
    get_settings.cache_clear()


def _run(args):
    result = CliRunner().invoke(app, args)
    return result


def _write(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_occupations_rank_rome(env):
    src = _write(env / "titles.jsonl", [{"id": 1, "title": "Conductrice de bus (H/F)"},
                                        {"id": "x", "title": "Conducteur de ligne", "description": "hygiène HACCP, produits alimentaires"}])
    out = env / "out.jsonl"
    r = _run(["occupations", "rank", "--input", str(src), "--output", str(out), "--taxonomy", "rome", "--top", "3", "-q"])
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [row["id"] for row in rows] == [1, "x"]
    assert rows[0]["ranking"][0] == {"id": "N9001", "label": "Conducteur / Conductrice de bus",
                                     "score": rows[0]["ranking"][0]["score"]}
    assert rows[1]["ranking"][0]["id"] == "H9001"
    assert all(len(row["ranking"]) <= 3 for row in rows)


def test_occupations_rank_esco_french_and_english_titles(env):
    src = _write(env / "titles.jsonl", [{"id": 1, "title": "Machiniste receveur"}, {"id": 2, "title": "city bus driver"},
                                        {"id": 3, "title": "Ingénieure big data H/F"}, {"id": 4, "title": "garçon de café"}])
    out = env / "out.jsonl"
    r = _run(["occupations", "rank", "-i", str(src), "-o", str(out), "--taxonomy", "esco", "-q"])
    assert r.exit_code == 0, r.output
    firsts = [json.loads(line)["ranking"][0]["id"].rsplit("/", 1)[1] for line in out.read_text().splitlines()]
    assert firsts == ["test-bus-driver", "test-bus-driver", "test-data-engineer", "test-waiter"]


def test_esco_ranking_is_guided_by_the_rome_fiche(env):
    from adequa.config import Settings

    s = Settings()
    guided = occ.esco_occupation_ranker(s)
    # "chauffeuse de car" is no ESCO label, but it is a ROME appellation of the fiche mapped to "bus driver"
    assert guided.rank("Chauffeuse de car H/F", 1)[0]["id"].endswith("test-bus-driver")
    assert guided.bonus("Chauffeuse de car").max() > 0
    assert guided.bonus("zzzz").max() == 0


def test_skills_rank_esco_lexical_and_rome(env):
    src = _write(env / "s.jsonl", [{"id": "s1", "text": "You will build ML models in Python"},
                                   {"id": "s2", "text": "travail en équipe"}])
    out = env / "out.jsonl"
    r = _run(["skills", "rank", "-i", str(src), "-o", str(out), "--taxonomy", "esco", "--method", "lexical", "-q"])
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    top2 = {x["id"].rsplit("/", 1)[1] for x in rows[0]["ranking"][:2]}
    assert top2 == {"test-python", "test-ml"}
    assert rows[1]["ranking"][0]["id"].endswith("test-team")
    r = _run(["skills", "rank", "-i", str(src), "-o", str(out), "--taxonomy", "rome", "--method", "lexical", "-q"])
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows[0]["ranking"][0]["id"] in {"700001", "700004"}


def test_auto_method_falls_back_to_lexical_with_a_note(env, monkeypatch):
    from adequa._libs import embeddings

    monkeypatch.setattr(embeddings, "available", lambda: False)
    src = _write(env / "s.jsonl", [{"id": 1, "text": "serve drinks"}])
    r = CliRunner().invoke(app, ["skills", "rank", "-i", str(src), "-o", str(env / "o.jsonl")])
    assert r.exit_code == 0, r.output
    assert "not installed" in r.output and "lexical" in r.output
    r = CliRunner().invoke(app, ["skills", "rank", "-i", str(src), "-o", str(env / "o.jsonl"), "--method", "semantic"])
    assert r.exit_code != 0


@pytest.mark.parametrize("line, field", [('{"title": "x"}', "id"), ('{"id": 1, "text": "x"}', "title"),
                                         ('{"id": 1, "title": 3}', "title"), ("not json", None)])
def test_bad_input_names_line_and_field(env, line, field):
    from adequa.errors import InputError

    src = env / "bad.jsonl"
    src.write_text('{"id": 0, "title": "serveur"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        occ.rank_file(occ.Settings(), "occupations", "rome", src, env / "o.jsonl")
    assert err.value.line == 2 and err.value.field == field and "bad.jsonl" in str(err.value)


def test_unknown_taxonomy_is_a_user_error(env):
    src = _write(env / "s.jsonl", [{"id": 1, "text": "x"}])
    r = _run(["skills", "rank", "-i", str(src), "-o", str(env / "o.jsonl"), "--taxonomy", "onet"])
    assert r.exit_code != 0


def test_help_has_examples():
    for cmd in (["skills", "rank", "--help"], ["occupations", "rank", "--help"]):
        r = _run(cmd)
        assert r.exit_code == 0 and "Example:" in r.output
