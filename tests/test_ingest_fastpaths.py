"""The fast paths added for ingestion speed give exactly the results of the plain computations.

Each fast path is checked against a plain reference written here (the obvious, slow
formula), on hand-written edge cases and on random texts built from the characters
that matter (blanks of every kind, quotes, line breaks, stop words).
"""

from __future__ import annotations

import ast
import gzip
import hashlib
import json
import random

import pytest

from adequa.enrich.personal_data import NAME_AFTER_CONTACT, _match_near, scrub
from adequa.errors import InputError
from adequa.normalise import values
from adequa.normalise.ads import _GENDER, content_hash
from adequa.normalise.clean import _STOPWORDS, detect_language, detect_languages, normalise_whitespace
from adequa.normalise.geo import GeoResolver
from adequa.pipeline.ingest import BLOCK, ingest_offers, ingest_records
from adequa.sources.france_travail import jsonl_blocks, jsonl_lines
from adequa.store.duckdb import Warehouse

_BLANKS = ["a", "b", "É", "é", " ", "  ", "\n", "\n\n", "\n\n\n", " \n", "\t", "\r\n", "\u00a0", "\u2028", "\u200b",
           "\x85", "\u00ad", "(H/F)", "x'y", "’"]


def _random_texts(seed: int, n: int, alphabet=_BLANKS, size=24):
    rnd = random.Random(seed)
    return ["".join(rnd.choice(alphabet) for _ in range(rnd.randrange(size))) for _ in range(n)]


def _plain_whitespace(text: str) -> str:
    """The reference: every line's words joined by one space, runs of blank lines as one."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for ch in "\u200b\u200c\u200d\u2060\ufeff\u00ad":
        text = text.replace(ch, "")
    out, blank = [], False
    for line in text.split("\n"):
        line = " ".join(line.split())
        if line:
            if blank and out:
                out.append("")
            out.append(line)
            blank = False
        else:
            blank = True
    return "\n".join(out)


def test_whitespace_fast_path_is_the_plain_join():
    for text in _random_texts(1, 20000) + ["", " ", "a  b", " a", "a ", "a\u00a0b", "x\n\n\ny"]:
        assert normalise_whitespace(text) == _plain_whitespace(text), repr(text)


def test_content_hash_is_the_hash_of_the_plain_normalised_text():
    def plain(title, description):
        title = title or ""
        if "(" in title:
            title = _GENDER.sub(" ", title)
        text = " ".join(f"{title}\n{description or ''}".lower().split())
        return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()

    titles = _random_texts(2, 3000, size=8) + [None, "", "Data engineer (H/F)"]
    bodies = _random_texts(3, 3000) + [None, "", "Une ligne\n\nune autre"]
    rnd = random.Random(4)
    for _ in range(6000):
        t, d = rnd.choice(titles), rnd.choice(bodies)
        d = normalise_whitespace(d) if d and rnd.random() < 0.5 else d
        assert content_hash(t, d) == plain(t, d), (t, d)


def test_vectorised_language_vote_is_the_scalar_vote():
    words = [w for ws in _STOPWORDS.values() for w in ws] + ["données", "l'équipe", "vous’êtes", "LE", "Être",
                                                               "\n", "\u00a0", "\t", "\x07", "'le'", "x" * 12]
    rnd = random.Random(5)
    texts = [" ".join(rnd.choice(words) for _ in range(rnd.randrange(0, 120))) for _ in range(3000)]
    texts += [None, "", "data data data", "Nous recherchons pour notre client un poste avec vous et les équipes"]
    assert detect_languages(texts) == [detect_language(t) for t in texts]


def test_python_repr_translation_equals_literal_eval():
    cases = ["{'libelle': 'Mensuel de 2000 Euros', 'ok': False, 'n': None}",
             "[{'code': '123', 'libelle': 'Python', 'exigence': 'E'}, {'code': 'x', 'n': -1.5e3}]",
             "{'nom': 'Société Générale', 'url': 'https://x.fr/?a=1&b=2', 't': True}", "{}", "[]",
             "{'a': 'None True False'}", "{'a': \"l'eau\"}", "{'a': (1, 2)}", "{'a': true}", "{1: 'a'}",
             "['a',]", "{'a': 'x\\ty'}", "{'a': 1_000}", "{'a': +1}", "{'a': 1.}", "{'a': NaN}", "{'a' 'b': 1}"]
    rnd = random.Random(6)
    tokens = ["{", "}", "[", "]", ":", ",", " ", "'a'", "'b c'", "True", "False", "None", "true", "null", "1",
              "-2.5", "1e3", "(", ")", "'", "x", "NaN", "+", ".", "\n"]
    cases += ["{" + "".join(rnd.choice(tokens) for _ in range(rnd.randrange(1, 12))) for _ in range(8000)]
    for text in cases:
        try:
            expected = ast.literal_eval(text)
        except Exception:                    # noqa: BLE001 - literal_eval refuses in many ways
            expected = ValueError
        try:
            got = values.parse_nested(text)
        except ValueError:
            got = ValueError
        if expected is ValueError or got is ValueError:
            assert got is expected, text
        else:
            assert got == expected and type(got) is type(expected), text


def test_value_caches_keep_results_not_errors():
    assert values.parse_contract("CDD", "Contrat à durée déterminée - 6 Mois") == ("CDD", 6.0)
    assert values.parse_contract("CDD", "Contrat à durée déterminée - 6 Mois") == ("CDD", 6.0)
    for _ in range(2):
        with pytest.raises(ValueError):
            values.parse_contract(None, "bénévolat du dimanche")
    assert values.parse_date("2024-03-01T10:00:00Z") == "2024-03-01"
    assert values.parse_date("2024-03-01T23:59:00.000Z") == "2024-03-01"        # same day, from the cache
    with pytest.raises(ValueError):
        values.parse_date("2024-02-30T10:00:00Z")
    assert values.parse_salary(["not", "hashable"], free_text=True) == (None, None, None)


def test_name_patterns_are_tried_only_where_they_can_start():
    texts = _random_texts(7, 3000, alphabet=["Contactez ", "contact : ", "Julie ", "DURAND ", "Jean-Pierre ",
                                              "auprès de ", "à l'attention de ", "x", " ", "\n", "M. "], size=12)
    for text in texts:
        for pos in range(0, len(text), 3):
            m = NAME_AFTER_CONTACT.search(text, max(0, pos - 6), min(len(text), pos + 160))
            want = m.span() if m is not None and m.start() <= pos + 1 else None
            got = _match_near(NAME_AFTER_CONTACT, text, pos - 6, min(len(text) - 1, pos + 1), min(len(text), pos + 160))
            assert (got.span() if got else None) == want, (text, pos)
    out, found = scrub("Contactez Julie DURAND au 06 12 34 56 78 ou julie.durand@exemple.fr")
    assert found == {"name": 1, "phone": 1, "email": 1} and "DURAND" not in out


@pytest.mark.parametrize("opener, name", [(open, "d.jsonl"), (gzip.open, "d.jsonl.gz")])
@pytest.mark.parametrize("size", [7, 64, 1 << 19])
def test_blocks_hold_the_lines_of_the_file(tmp_path, opener, name, size):
    lines = ["\ufeff{\"id\": 1}", "", "{\"id\": \"é\"}", "   ", "{\"id\": 3}\r", "{\"id\": " + "9" * 100 + "}", "{}"]
    path = tmp_path / name
    with opener(path, "wb") as fh:
        fh.write("\n".join(lines).encode("utf-8"))           # no newline at the end
    got = []
    for first, block in jsonl_blocks(path, size=size):
        parts = block.split(b"\n")
        if block.endswith(b"\n"):
            parts.pop()
        got += [(first + i, raw) for i, raw in enumerate(parts) if raw and not raw.isspace()]
    assert got == [(n, raw.rstrip(b"\n")) for n, raw in jsonl_lines(path)]


def _offer(i: int, bad: bool = False) -> dict:
    rec = {"id": f"B{i:04d}", "intitule": f"Technicien réseau {i} (H/F)", "dateCreation": "2024-04-02T08:00:00Z",
           "typeContrat": "CDD", "typeContratLibelle": f"Contrat à durée déterminée - {i % 12 + 1} Mois",
           "description": f"Vous installez les réseaux du site {i % 7}. Équipe de {i % 5 + 2} personnes.\n\n"
                          f"Contact : M. Martin au 02 31 {i % 90 + 10:02d} 45 67.",
           "lieuTravail": {"libelle": "14 - CAEN", "codePostal": "14000"},
           "salaire": "{'libelle': 'Mensuel de 2000.00 Euros à 2500.00 Euros sur 12 mois'}"}
    if bad:
        rec["dateCreation"] = "hier"
    return rec


def test_blocks_and_workers_store_what_one_process_stores_record_by_record(tmp_path):
    """Many small blocks, rejects between ads, repeated ids, batches cut inside blocks."""
    lines = [json.dumps(_offer(i, bad=i % 9 == 4), ensure_ascii=False) for i in range(120)]
    lines += [json.dumps(_offer(7), ensure_ascii=False), json.dumps(_offer(8), ensure_ascii=False)]
    path = tmp_path / "ads.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = {}
    for mode in ("records", "blocks-1", "blocks-2"):
        db = tmp_path / f"{mode}.duckdb"
        if mode == "records":
            items = ((str(path), n, raw, "france-travail") for n, raw in jsonl_lines(path))
            workers = 1
        else:
            items = ((str(path), first, block, BLOCK) for first, block in jsonl_blocks(path, size=900))
            workers = int(mode[-1])
        s = ingest_records(items, db=db, source="mixed", geo=GeoResolver(), batch_size=17, workers=workers)
        with Warehouse(db) as wh:
            out[mode] = (wh.query("SELECT * EXCLUDE (ingested_at) FROM ads ORDER BY ad_id"),
                         wh.query("SELECT origin_file, line, field, reason FROM rejects ORDER BY line"),
                         wh.query("SELECT * FROM ad_text_clusters ORDER BY content_key"),
                         (s.read, s.stored, s.updated, s.rejected, s.duplicates, s.personal_data_removed))
    assert out["records"] == out["blocks-1"] == out["blocks-2"]
    ads, rejects, _, counts = out["records"]
    assert counts[:4] == (122, 107, 2, 13) and len(ads) == 107
    assert [r[1] for r in rejects] == [i + 1 for i in range(120) if i % 9 == 4]
    assert all(r[2] == "dateCreation" for r in rejects)
    assert all(r[17] == 2000.0 and r[18] == 2500.0 for r in ads)           # salaire read from its Python repr


def test_malformed_line_in_a_block_stops_after_the_lines_before(tmp_path):
    lines = [json.dumps(_offer(i), ensure_ascii=False) for i in range(40)]
    lines[33] = "{not json"
    path = tmp_path / "ads.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        ingest_offers([path], db=tmp_path / "w.duckdb", progress=False, geo=GeoResolver(), workers=2, batch_size=10)
    assert err.value.line == 34
    with Warehouse(tmp_path / "w.duckdb") as wh:
        assert wh.scalar("SELECT count(*) FROM ads") == 33

