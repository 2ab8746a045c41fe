"""Parsers of messy ad values: each case is a worked example of the rule."""

import pytest

from adequa.normalise import values as v


@pytest.mark.parametrize("raw, iso", [
    ("2023-03-16T15:28:01.000Z", "2023-03-16"), ("2026-04-26", "2026-04-26"), ("16/03/2023", "2023-03-16"),
    ("1er mars 2024", "2024-03-01"), ("", None), (None, None), (1710000000000, "2024-03-09"),
])
def test_parse_date(raw, iso):
    assert v.parse_date(raw) == iso


@pytest.mark.parametrize("raw", ["le 32 du mois", "2024-02-30", "demain"])
def test_parse_date_rejects_with_an_example_of_what_is_expected(raw):
    with pytest.raises(ValueError, match="2024|date"):
        v.parse_date(raw)


@pytest.mark.parametrize("code, label, expected", [
    ("CDD", "Contrat à durée déterminée - 6 Mois", ("CDD", 6.0)),
    ("MIS", "Mission intérimaire - 3 Mois", ("MIS", 3.0)),
    ("CDI", "Contrat à durée indéterminée", ("CDI", None)),
    (None, "CDD 18 mois", ("CDD", 18.0)),
    (None, "Intérim", ("MIS", None)),
    (None, "Stage", ("STG", None)),
    (None, "Contrat à durée déterminée - 2 ans", ("CDD", 24.0)),
    (None, "Profession commerciale", ("CCE", None)),
    ("SAI", "Saisonnier - 2 Mois", ("SAI", 2.0)),
    (None, None, (None, None)),
])
def test_parse_contract(code, label, expected):
    assert v.parse_contract(code, label) == expected


def test_unknown_contract_raises():
    with pytest.raises(ValueError, match="unknown contract"):
        v.parse_contract(None, "bénévolat du dimanche")


@pytest.mark.parametrize("ctype, months, durable", [
    ("CDI", None, True), ("CDD", 6, True), ("CDD", 5.9, False), ("CDD", None, None), ("MIS", 12, False),
    ("LIB", None, False), (None, None, None),
])
def test_durable_is_the_studys_definition(ctype, months, durable):
    assert v.is_durable(ctype, months) is durable


@pytest.mark.parametrize("label, expected", [
    ("Mensuel de 2500.00 Euros à 3000.00 Euros sur 12 mois", (2500.0, 3000.0, "month")),
    ("Mensuel de 1960,00 Euros à 1960,00 Euros sur 12 mois", (1960.0, 1960.0, "month")),
    ("Annuel de 60000,00 Euros à 75000,00 Euros sur 12 mois", (60000.0, 75000.0, "year")),
    ("Horaire de 11.88 Euros sur 12 mois", (11.88, 11.88, "hour")),
    ("Mensuel de 1 850,50 Euros sur 13 mois", (1850.5, 1850.5, "month")),
    ("35k€ - 45k€", (35000.0, 45000.0, "year")),
    ("14.20EUR brut de l'heure", (14.2, 14.2, "hour")),
    ("", (None, None, None)), ("Selon profil", (None, None, None)),
])
def test_parse_salary(label, expected):
    assert v.parse_salary(label) == expected


def test_free_text_salary_needs_a_currency():
    assert v.parse_salary("CCNT du 15 mars 1966", free_text=True) == (None, None, None)
    assert v.parse_salary("2000 € brut mensuel", free_text=True) == (2000.0, 2000.0, "month")


@pytest.mark.parametrize("code, label, expected", [
    ("E", "5 ans", ("E", 60.0)), ("E", "3 Mois", ("E", 3.0)), ("D", "Débutant accepté", ("D", 0.0)),
    ("S", "Expérience souhaitée de 2 An(s)", ("S", 24.0)), (None, "Expérience exigée de 1 An(s)", ("E", 12.0)),
    (None, None, (None, None)),
])
def test_parse_experience(code, label, expected):
    assert v.parse_experience(code, label) == expected


@pytest.mark.parametrize("conv, label, expected", [
    ("Temps plein", "35H Travail en journée", ("full", 35.0)),
    ("Temps partiel", "temps partiel - 30H Autre", ("part", 30.0)),
    (None, "24H30 Horaires normaux", ("part", 24.5)), (None, None, (None, None)),
])
def test_parse_working_time(conv, label, expected):
    assert v.parse_working_time(conv, label) == expected


def test_parse_nested_reads_python_repr_and_json():
    assert v.parse_nested("{'libelle': 'x', 'ok': False}") == {"libelle": "x", "ok": False}
    assert v.parse_nested('[{"code": "1"}]') == [{"code": "1"}]
    assert v.parse_nested("") is None
    assert v.parse_nested("plain text") == "plain text"


def test_parse_nested_never_evaluates_code(tmp_path):
    marker = tmp_path / "pwned"
    with pytest.raises(ValueError, match="malformed"):
        v.parse_nested(f"[__import__('pathlib').Path({str(marker)!r}).touch()]")
    assert not marker.exists()


def test_lenient_policies():
    assert v.lenient(v.parse_date, "zz", "null") is None
    assert v.lenient(v.parse_date, "zz", "keep") == "zz"
    with pytest.raises(ValueError):
        v.lenient(v.parse_date, "zz", "raise")
