"""The fast paths of ingestion give the results of the plain ones.

France Travail JSON Lines are sent to the workers as raw lines and decoded there
(orjson, json for what orjson refuses): a malformed line still stops the run
with its file and line, after storing every record before it, in one process
or with workers; digit counts and the language vote keep their meaning.
"""

from __future__ import annotations

import json
import sys

import pytest

from adequa.errors import InputError
from adequa.normalise.clean import detect_language
from adequa.normalise.geo import GeoResolver
from adequa.pipeline.ingest import _digits, ingest_offers
from adequa.sources.france_travail import iter_json_records, jsonl_lines, parse_jsonl_line
from adequa.store.duckdb import Warehouse


def _offer(i: int) -> dict:
    return {"id": f"T{i:04d}", "intitule": f"Analyste de données {i} (H/F)", "dateCreation": "2024-03-01T10:00:00Z",
            "typeContrat": "CDI", "description": f"Poste {i} : vous analysez les données de vente et de la "
            f"production pour l'équipe {i}. Contact : recrutement{i}@exemple.fr ou 02 31 45 67 {i % 90 + 10:02d}.",
            "lieuTravail": {"libelle": "14 - CAEN", "codePostal": "14000"}, "romeCode": "M1403"}


def _write(path, lines: list[str]) -> None:
    path.write_bytes(("\ufeff" + "\n".join(lines) + "\n").encode("utf-8"))


@pytest.mark.parametrize("workers", [1, 2])
def test_malformed_line_stops_with_its_line_after_storing_the_records_before(tmp_path, workers):
    lines = [json.dumps(_offer(i), ensure_ascii=False) for i in range(30)]
    lines[21] = lines[21][:-5]                       # cut: not JSON any more
    lines.insert(5, "   ")                           # blank lines are skipped, numbering kept
    path, db = tmp_path / "dump.jsonl", tmp_path / "w.duckdb"
    _write(path, lines)
    with pytest.raises(InputError) as err:
        ingest_offers([path], db=db, progress=False, geo=GeoResolver(), workers=workers, batch_size=7)
    assert err.value.path == str(path) and err.value.line == 23 and "malformed JSON" in err.value.message
    with Warehouse(db) as wh:
        ids = [r[0] for r in wh.query("SELECT source_id FROM ads ORDER BY source_id")]
    assert ids == [f"T{i:04d}" for i in range(21)]


def test_raw_lines_decode_like_the_reader(tmp_path):
    path = tmp_path / "d.jsonl"
    _write(path, [json.dumps(_offer(1)), "", '{"id": "N", "intitule": "x", "salaire": NaN}', "[1, 2]"])
    got = [(n, parse_jsonl_line(raw, str(path), n)) for n, raw in list(jsonl_lines(path))[:2]]
    assert got[0] == (1, _offer(1)) and got[1][0] == 3 and got[1][1]["salaire"] != got[1][1]["salaire"]   # NaN kept
    with pytest.raises(InputError, match="expected a JSON object"):
        list(iter_json_records(path))


def test_workers_store_what_one_process_stores_from_raw_lines(tmp_path):
    path = tmp_path / "dump.jsonl"
    _write(path, [json.dumps(_offer(i), ensure_ascii=False) for i in range(40)] + [json.dumps(_offer(3))])
    rows = {}
    for workers in (1, 2):
        db = tmp_path / f"w{workers}.duckdb"
        s = ingest_offers([path], db=db, progress=False, geo=GeoResolver(), workers=workers, batch_size=9)
        with Warehouse(db) as wh:
            rows[workers] = (wh.query("SELECT * EXCLUDE (ingested_at) FROM ads ORDER BY ad_id"), s.read,
                             s.personal_data_removed, s.duplicates)
    assert rows[1] == rows[2]
    assert rows[1][1] == 41 and rows[1][2] == 82 and len(rows[1][0]) == 40      # 2 contacts in each ad read; one repeated
    assert all("@" not in r[4] and "02 31" not in r[4] for r in rows[1][0])


def test_digit_count_is_str_isdigit():
    samples = ["", "06 12 34 56 78", "Développeur 2024", "²³¹ ①② ٣٤", "tél. ０６１２", "abc"]
    for text in samples:
        assert _digits(text) == sum(c.isdigit() for c in text), text
    odd = [chr(i) for i in range(0x110000) if chr(i).isdigit()]
    assert _digits("é" + "".join(odd)) == len(odd)


@pytest.mark.parametrize("text, lang", [
    ("Nous recherchons pour notre client un poste de data analyst avec vous et les équipes", "fr"),
    ("We are looking for a data analyst to join our team and you will work with the job", "en"),
    ("Wir suchen für unsere Firma einen Analysten und die Stelle ist mit Ihre Erfahrung", "de"),
    ("data data data", None), ("", None)])
def test_language_vote(text, lang):
    assert detect_language(text) == lang
