"""Property-based fuzzing of every parser: bad input ends in Adequa's own error, never a crash or a hang.

Readers (CSV, JSON, JSONL, France Travail dumps, mapped ad files, RNCP and LHÉO
XML) receive random bytes, structured garbage and mutations of valid files; the
only exception allowed out of them is ``InputError`` (which must name the file).
Value parsers (dates, salaries, contracts, …) follow their documented contract:
``None`` or a value, or ``ValueError`` with a message. Normalising a record
(France Travail or mapped) raises only ``InputError``. Each test is bounded by
``max_examples`` and a per-example deadline, so a hang fails the test.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from adequa.errors import InputError

FUZZ = settings(max_examples=int(os.environ.get("ADEQUA_FUZZ_EXAMPLES", "120")),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# -- generators -------------------------------------------------------------------------------------------------

VALID_CSV = ("id;intitule;description;dateCreation;typeContrat;salaire\n"
             "A1;Data analyst;Analyse de données, SQL;2024-03-01;CDI;\"{'libelle': 'Annuel de 40000 Euros'}\"\n"
             "A2;\"Ingénieur \"\"ML\"\"\";Python;01/02/2024;CDD;\n").encode("utf-8")
VALID_JSONL = b"\n".join(json.dumps(r, ensure_ascii=False).encode() for r in [
    {"id": "B1", "intitule": "Data engineer", "description": "Spark, Kafka", "dateCreation": "2024-05-01T00:00:00Z",
     "lieuTravail": {"libelle": "76 - ROUEN", "codePostal": "76000"}, "salaire": {"libelle": "Mensuel de 3000 Euros"}},
    {"id": "B2", "intitule": "Statisticien", "description": "R", "typeContrat": "CDD", "dureeTravailLibelle": "35H"},
]) + b"\n"
VALID_JSON = json.dumps({"resultats": [json.loads(l) for l in VALID_JSONL.splitlines()]}).encode()
VALID_RNCP = (b'<?xml version="1.0" encoding="UTF-8"?>\n<FICHES><FICHE><NUMERO_FICHE>RNCP1234</NUMERO_FICHE>'
              b"<INTITULE>Data analyst</INTITULE><ACTIF>Oui</ACTIF><DATE_FIN_ENREGISTREMENT>31/12/2027"
              b"</DATE_FIN_ENREGISTREMENT><NOMENCLATURE_EUROPE><NIVEAU>NIV6</NIVEAU></NOMENCLATURE_EUROPE>"
              b"</FICHE></FICHES>\n")
VALID_LHEO = ('<?xml version="1.0" encoding="UTF-8"?>\n<lheo xmlns="http://lheo.gouv.fr/2.3"><offres><formation>'
              "<intitule-formation>Data scientist</intitule-formation><objectif-formation>Python</objectif-formation>"
              "<action><session><periode><debut>20240901</debut><fin>20250630</fin></periode></session></action>"
              "</formation></offres></lheo>\n").encode()

NASTY = [b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b'"', b";", b",", b"\n", b"\r", b"{", b"}", b"[", b"]", b"<", b">",
         b"<!--", b"-->", b"&amp;", b"&#0;", b"\\u0000", b"\\ud800", b"NaN", b"1e999", b"\xc3", b"\xe9", b"\t",
         b'"""', b"<![CDATA[", b"]]>", b"</FICHE>", b"<FICHE>", b"</formation>", b"null", b"-", b"9" * 40]


@st.composite
def mutated(draw, base: bytes):
    """``base`` with a few random cuts, insertions of nasty tokens and byte flips."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["cut", "insert", "flip", "dup", "truncate"]))
        pos = draw(st.integers(0, max(0, len(data))))
        if op == "cut" and data:
            del data[pos:pos + draw(st.integers(1, 20))]
        elif op == "insert":
            data[pos:pos] = draw(st.sampled_from(NASTY) | st.binary(max_size=12))
        elif op == "flip" and data:
            data[min(pos, len(data) - 1)] = draw(st.integers(0, 255))
        elif op == "dup":
            data[pos:pos] = bytes(data[max(0, pos - 30):pos])
        elif op == "truncate":
            data = data[:pos]
    return bytes(data)


def inputs(base: bytes):
    return st.one_of(mutated(base), st.binary(max_size=300),
                     st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")))


def _drain(make_iter, data: bytes, suffix: str) -> None:
    """Write ``data`` to a file, read it completely: only InputError may come out, and it names the file."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(data)
        try:
            for item in make_iter(path):
                assert item is not None
        except InputError as exc:
            assert exc.path and Path(exc.path.split("!")[0]).name == path.name, f"error without its file: {exc!r}"
            assert exc.message


# -- generic readers ----------------------------------------------------------------------------------------------

@FUZZ
@given(inputs(VALID_CSV))
def test_fuzz_read_csv(data):
    from adequa.sources.readers import read_csv

    _drain(lambda p: read_csv(p), data, ".csv")


@FUZZ
@given(inputs(VALID_JSONL))
def test_fuzz_read_jsonl(data):
    from adequa.sources.readers import read_jsonl

    _drain(lambda p: read_jsonl(p), data, ".jsonl")


@FUZZ
@given(inputs(VALID_JSON) | inputs(VALID_JSONL))
def test_fuzz_read_json_records(data):
    from adequa.sources.readers import read_json_records

    _drain(lambda p: read_json_records(p), data, ".json")


# -- France Travail dumps and mapped ad files --------------------------------------------------------------------

@FUZZ
@given(inputs(VALID_JSON) | inputs(VALID_JSONL) | inputs(VALID_CSV), st.sampled_from([".json", ".jsonl", ".csv"]))
def test_fuzz_france_travail_dump(data, suffix):
    from adequa.sources.france_travail import read_dump

    _drain(lambda p: read_dump(p), data, suffix)


@FUZZ
@given(inputs(VALID_CSV) | inputs(VALID_JSONL), st.sampled_from([".json", ".csv"]))
def test_fuzz_mapped_ads(data, suffix):
    from adequa.sources.ads_csv import read_mapped

    _drain(lambda p: read_mapped(p), data, suffix)


# -- XML readers ------------------------------------------------------------------------------------------------

def _rncp(p):
    from adequa.sources.rncp import read_fiches

    return read_fiches(p)


def _lheo(p):
    from adequa.sources.lheo import read_offers

    return read_offers(p)


@FUZZ
@given(inputs(VALID_RNCP))
def test_fuzz_rncp_xml(data):
    _drain(_rncp, data, ".xml")


@FUZZ
@given(inputs(VALID_LHEO))
def test_fuzz_lheo_xml(data):
    _drain(_lheo, data, ".xml")


BILLION_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE FICHES [<!ENTITY a "aaaaaaaaaa">'
                  + b"".join(b'<!ENTITY %s "%s">' % (chr(98 + i).encode(), (b"&" + chr(97 + i).encode() + b";") * 10)
                             for i in range(9))
                  + b"]>\n<FICHES><FICHE><INTITULE>&j;</INTITULE></FICHE></FICHES>")


def _xxe(root: str, target: Path) -> bytes:
    return (f'<?xml version="1.0"?>\n<!DOCTYPE {root} [<!ENTITY x SYSTEM "file://{target}">]>\n'
            f"<{root}><FICHE><INTITULE>&x;</INTITULE></FICHE></{root}>").encode()


@pytest.mark.parametrize("reader,root", [(_rncp, "FICHES"), (_lheo, "lheo")])
@pytest.mark.parametrize("attack", ["laughs", "xxe", "xxe_param", "external_dtd", "comment_hidden"])
def test_xml_readers_refuse_entities(tmp_path, reader, root, attack):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-42")
    doc = {
        "laughs": BILLION_LAUGHS.replace(b"FICHES", root.encode()),
        "xxe": _xxe(root, secret),
        "xxe_param": (f'<?xml version="1.0"?>\n<!DOCTYPE {root} [<!ENTITY % p SYSTEM "file://{secret}"> %p;]>'
                      f"<{root}/>").encode(),
        "external_dtd": f'<?xml version="1.0"?>\n<!DOCTYPE {root} SYSTEM "file://{secret}">\n<{root}/>'.encode(),
        "comment_hidden": (f'<?xml version="1.0"?>\n<!-- {"x" * 70_000} -->\n<!DOCTYPE {root} '
                           f'[<!ENTITY x SYSTEM "file://{secret}">]>\n<{root}>&x;</{root}>').encode(),
    }[attack]
    path = tmp_path / "attack.xml"
    path.write_bytes(doc)
    with pytest.raises(InputError) as err:
        items = list(reader(path))
        assert "TOPSECRET" not in repr(items)
    assert "TOPSECRET" not in str(err.value)
    assert err.value.path and "attack.xml" in err.value.path


# -- value parsers ------------------------------------------------------------------------------------------------

ANY_VALUE = st.one_of(st.none(), st.text(max_size=60), st.integers(), st.floats(allow_nan=True),
                      st.booleans(), st.lists(st.text(max_size=5), max_size=3),
                      st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3))
SALARYISH = st.lists(st.sampled_from(["Mensuel", "Annuel", "Horaire", "de", "à", "Euros", "k€", "€", "40", "40000",
                                      "3 000,50", "1e308", "-5", "sur", "12", "mois", "0", ".", ",", "K", "brut", "9" * 30]),
                     max_size=10).map(" ".join)
DATEISH = st.one_of(st.dates().map(str), st.from_regex(r"\d{1,4}[/.-]\d{1,4}[/.-]\d{1,6}", fullmatch=True),
                    st.from_regex(r"\d{1,2}(er)? (janvier|mars|aout|décembre|foo) \d{1,5}", fullmatch=True),
                    st.integers(-10**15, 10**15), st.floats(allow_nan=True, allow_infinity=True))


def _contract(parser, *args):
    try:
        parser(*args)
    except ValueError as exc:
        assert str(exc), "ValueError without a message"


@FUZZ
@given(st.one_of(ANY_VALUE, DATEISH))
def test_fuzz_parse_date(value):
    from adequa.normalise.values import parse_date

    try:
        out = parse_date(value)
    except ValueError as exc:
        assert str(exc)
        return
    assert out is None or (len(out) == 10 and out[4] == "-")


@FUZZ
@given(st.one_of(ANY_VALUE, SALARYISH), st.booleans())
def test_fuzz_parse_salary(value, free):
    from adequa.normalise.values import parse_salary

    try:
        lo, hi, period = parse_salary(value, free_text=free)
    except ValueError as exc:
        assert str(exc)
        return
    for v in (lo, hi):
        assert v is None or (isinstance(v, float) and v == v)


@FUZZ
@given(ANY_VALUE, ANY_VALUE)
def test_fuzz_other_value_parsers(a, b):
    from adequa.normalise import values

    _contract(values.parse_contract, a, b)
    _contract(values.parse_experience, a, b)
    _contract(values.parse_working_time, a, b)
    _contract(values.parse_bool, a)
    _contract(values.parse_float, a)
    _contract(values.parse_nested, a)


LOCATIONISH = st.one_of(st.text(max_size=40), st.from_regex(r"(\d{1,3}|2[AB]) - [A-Za-zé' -]{0,20}", fullmatch=True),
                        st.from_regex(r"[A-Za-z -]{0,15}\(\d{0,6}\)", fullmatch=True))


@FUZZ
@given(st.one_of(st.none(), st.text(max_size=8)), st.one_of(st.none(), st.text(max_size=8), st.from_regex(r"\d{0,6}", fullmatch=True)),
       st.one_of(st.none(), LOCATIONISH))
def test_fuzz_location(commune, postal_code, text):
    from adequa.normalise.geo import GeoResolver

    geo = GeoResolver([{"code": "76540", "nom": "Rouen", "departement": "76", "region": "28", "codes_postaux": "76000"}])
    loc = geo.resolve(commune, postal_code, text)
    assert loc.departement is None or isinstance(loc.departement, str)


# -- whole records ---------------------------------------------------------------------------------------------------

FT_RECORD = st.fixed_dictionaries({}, optional={
    "id": ANY_VALUE, "intitule": ANY_VALUE, "description": ANY_VALUE, "dateCreation": st.one_of(ANY_VALUE, DATEISH),
    "dateActualisation": ANY_VALUE, "typeContrat": ANY_VALUE, "typeContratLibelle": ANY_VALUE,
    "salaire": st.one_of(ANY_VALUE, st.fixed_dictionaries({"libelle": SALARYISH})),
    "lieuTravail": st.one_of(ANY_VALUE, st.fixed_dictionaries({"libelle": LOCATIONISH}, optional={"codePostal": ANY_VALUE, "commune": ANY_VALUE})),
    "entreprise": ANY_VALUE, "contact": ANY_VALUE, "experienceExige": ANY_VALUE, "experienceLibelle": ANY_VALUE,
    "dureeTravailLibelle": ANY_VALUE, "dureeTravailLibelleConverti": ANY_VALUE, "competences": ANY_VALUE,
    "romeCode": ANY_VALUE, "alternance": ANY_VALUE, "qualificationCode": ANY_VALUE, "codeNAF": ANY_VALUE,
})


@FUZZ
@given(FT_RECORD)
def test_fuzz_france_travail_record(record):
    from adequa.normalise.ads import finish_ad, from_france_travail
    from adequa.normalise.geo import GeoResolver

    try:
        ad, _ = from_france_travail(record)
        finish_ad(ad, GeoResolver())
    except InputError as exc:
        assert exc.message


@FUZZ
@given(st.dictionaries(st.sampled_from(["title", "description", "date", "updated", "salary", "salary_min", "salary_max", "contract_label",
                                        "contract", "location", "postal_code", "employer", "url", "source_id", "source",
                                        "skills", "commune", "experience", "working_time"]),
                       st.one_of(ANY_VALUE, SALARYISH, DATEISH), max_size=10))
def test_fuzz_mapped_record(record):
    from adequa.normalise.ads import finish_ad, from_mapped
    from adequa.normalise.geo import GeoResolver

    try:
        ad, _ = from_mapped(record, source="fuzz")
        finish_ad(ad, GeoResolver())
    except InputError as exc:
        assert exc.message


def test_fuzz_corpus_is_not_trivial():
    """The mutation generator really produces broken files (otherwise the tests above would prove little)."""
    from adequa.sources.readers import read_csv

    rng = random.Random(7)
    errors = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(60):
            data = bytearray(VALID_CSV)
            for _ in range(4):
                pos = rng.randrange(len(data))
                data[pos:pos] = rng.choice(NASTY)
            path = Path(tmp) / f"{i}.csv"
            path.write_bytes(bytes(data))
            try:
                list(read_csv(path))
            except InputError:
                errors += 1
    assert errors >= 5


@pytest.mark.parametrize("reader,root", [(_rncp, "FICHES"), (_lheo, "lheo")])
@pytest.mark.parametrize("encoding", ["TF-8", "x-unknown", "utf-32"])
def test_xml_unknown_or_wrong_encoding(tmp_path, reader, root, encoding):
    """Found by the fuzzer: an unknown codec in the XML declaration raised LookupError."""
    path = tmp_path / "enc.xml"
    path.write_bytes(f'<?xml version="1.0" encoding="{encoding}"?><{root}></{root}>'.encode())
    with pytest.raises(InputError) as err:
        list(reader(path))
    assert "enc.xml" in err.value.path


@pytest.mark.parametrize("text, where", [('{"id": 1\n', "line 1: malformed JSON (Expecting ',' delimiter at the end of the line)"),
                                         ('{"id": 1}\n{"a": [1,}\n', "line 2: malformed JSON (Expecting value at column 10)"),
                                         ('{"id": 1}\r\n{"b" 2}', "line 2: malformed JSON (Expecting ':' delimiter at column 6)")])
def test_malformed_json_lines_name_the_line_and_the_column_in_it(tmp_path, text, where):
    from adequa.sources.readers import read_jsonl

    path = tmp_path / "ads.jsonl"
    path.write_bytes(text.encode())
    with pytest.raises(InputError) as err:
        list(read_jsonl(path))
    assert str(err.value) == f"{path}, {where}"
