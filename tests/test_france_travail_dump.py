"""France Travail dumps in every shape people save them: API JSON pages, arrays, JSONL, flattened CSV."""

import json

import pytest

from adequa.errors import InputError
from adequa.normalise.ads import from_france_travail
from adequa.sources.france_travail import iter_json_records, looks_like_france_travail, read_dump, unflatten


def ids(path, **kw):
    return [rec["id"] for _, rec in read_dump(path, **kw)]


def test_page_list_and_jsonl_give_the_same_offers(fixtures):
    d = fixtures / "ads"
    assert ids(d / "ft_page.json") == ["900AAA1", "900AAA2", "900AAA3", "900AAA4"]
    assert ids(d / "ft_list.json") == ids(d / "ft.jsonl") == [f"900AAA{i}" for i in range(1, 8)]


def test_flattened_csv_is_unflattened(fixtures):
    rows = list(read_dump(fixtures / "ads" / "ft_flat.csv"))
    line, first = rows[0]
    assert line == 2 and first["lieuTravail"]["codePostal"] == "76000" and first["salaire"]["libelle"].startswith("Annuel")
    ad, contacts = from_france_travail(first)
    assert ad.source_skills == ["300123", "100456"] and ad.postal_code == "76000" and ad.commune == "76540"
    assert contacts.names == ["DATANOR - Mme Julie DURAND"]


def test_pipe_csv_with_repr_columns(fixtures):
    rows = list(read_dump(fixtures / "ads" / "ft_nested_pipe.csv"))
    ad, _ = from_france_travail(rows[2][1])
    assert ad.postal_code == "97200" and ad.location_text == "972 - FORT DE FRANCE"
    assert ad.contract_type == "CDD" and ad.contract_months == 12 and ad.durable is True


def test_json_array_streams_across_chunk_boundaries(tmp_path):
    offers = [{"id": str(i), "intitule": f"Poste {i}", "description": "x" * (i * 37 % 500)} for i in range(300)]
    path = tmp_path / "big.json"
    path.write_text(json.dumps(offers, indent=2), encoding="utf-8")
    got = [rec["id"] for _, rec in iter_json_records(path, chunk=256)]
    assert got == [str(i) for i in range(300)]


def test_truncated_array_names_the_record(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text('[{"id": "1", "intitule": "a"}, {"id": "2", "intit', encoding="utf-8")
    with pytest.raises(InputError) as err:
        list(iter_json_records(path, chunk=16))
    assert err.value.record == "2" and err.value.path == str(path)


def test_bad_jsonl_line_is_located(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "1"}\n{oops}\n', encoding="utf-8")
    with pytest.raises(InputError) as err:
        list(read_dump(path))
    assert err.value.line == 2


def test_unflatten_and_detection():
    assert unflatten({"a.b": "1", "a.c": "", "d": "x"}) == {"a": {"b": "1"}, "d": "x"}
    assert looks_like_france_travail(["id", "intitule", "romeCode"])
    assert not looks_like_france_travail(["titre", "description", "lieu"])


@pytest.mark.mirror
def test_every_real_export_reads_and_normalises(mirror):
    """Each real France Travail export: at least 95 % of rows normalise, with title, date and contract."""
    folder = mirror / "offers" / "france-travail"
    files = [p for p in sorted(folder.glob("*offres*.csv")) if "ily25" not in p.name]
    assert files
    for path in files:
        ok = bad = 0
        for _, rec in read_dump(path):
            try:
                ad, _ = from_france_travail(rec)
            except InputError:
                bad += 1
                continue
            ok += 1
            assert ad.title and ad.created_at and ad.source_id
        assert ok and bad <= 0.05 * (ok + bad), path.name
