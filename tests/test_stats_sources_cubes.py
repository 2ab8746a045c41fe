"""Job seekers (DEFM long format) and census (RP long format) readers."""

from datetime import date

import pytest

from adequa.errors import InputError
from adequa.sources.census import norm_sector, norm_status, read_census
from adequa.sources.job_seekers import (norm_age, norm_diploma, norm_seniority, norm_sex, parse_period,
                                        read_job_seekers)


def test_job_seekers_layout(fixtures):
    rows = list(read_job_seekers(fixtures / "stats" / "defm_2024.csv"))
    assert len(rows) == 29
    r = rows[0]
    assert (r["period"], r["period_end"], r["level"], r["territory"]) == ("2024Q1", date(2024, 3, 31), "region", "28")
    assert (r["nomenclature"], r["occupation"], r["category"]) == ("fap2009", "M2Z90", "ABC")
    assert (r["sex"], r["age_band"], r["diploma"], r["seniority"], r["job_seekers"]) == \
        ("total", "total", "total", "total", 580.0)
    assert rows[1]["sex"] == "F" and rows[3]["age_band"] == "<30" and rows[5]["age_band"] == "50+"
    assert rows[6]["diploma"] == "sup" and rows[8]["seniority"] == "<12m" and rows[9]["seniority"] == "12m+"
    total = [x for x in rows if x["occupation"] == "total"][0]
    assert total["nomenclature"] == "all"
    dep = rows[-1]
    assert (dep["level"], dep["territory"], dep["job_seekers"]) == ("departement", "14", None)


def test_job_seekers_bad_value_names_line_and_field(fixtures):
    with pytest.raises(InputError) as err:
        list(read_job_seekers(fixtures / "stats" / "defm_bad_sex.csv"))
    assert (err.value.line, err.value.field) == (3, "sexe")


def test_job_seekers_rome_file_without_period_needs_one(tmp_path):
    path = tmp_path / "defm.csv"
    path.write_text("reg;code_rome;nb_de\n28;M1811;12\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        list(read_job_seekers(path))
    assert err.value.field == "periode"
    rows = list(read_job_seekers(path, period="2024-03"))
    assert rows[0]["nomenclature"] == "rome4" and rows[0]["period"] == "2024-03" and rows[0]["level"] == "region"


@pytest.mark.parametrize("text,expected", [("Moins de 25 ans", "<25"), ("25 à 49 ans", "25-49"),
                                           ("50 ans ou plus", "50+"), ("Ensemble", "total"), ("30-49", "30-49")])
def test_age_bands(text, expected):
    assert norm_age(text) == expected


@pytest.mark.parametrize("text,expected", [("Moins d'un an", "<12m"), ("1 an ou plus", "12m+"),
                                           ("Moins de 6 mois", "<6m"), ("De 12 à 24 mois", "12-24m"),
                                           ("2 ans ou plus", "24m+")])
def test_seniority_bands(text, expected):
    assert norm_seniority(text) == expected


def test_other_normalisers():
    assert norm_sex("2") == "F" and norm_sex("Hommes") == "H" and norm_sex("") == "total"
    assert [norm_diploma(x) for x in ("Bac+2", "Niveau IV", "CAP-BEP", "Sans diplôme", "Niveau 7")] == \
        ["sup", "bac", "cap-bep", "infra", "sup"]
    assert parse_period("T2-2023") == ("2023Q2", date(2023, 6, 30))
    assert parse_period("31/12/2024") == ("2024-12", date(2024, 12, 31))
    assert norm_status("CDD") == "cdd-interim" and norm_status("Titulaire de la fonction publique, CDI") == "durable"
    assert [norm_status(x) for x in ("CDI ou fonction publique", "Apprentis", "CDD et intérimaires",
                                     "Indépendants et employeurs", "Autres", "Emploi non durable",
                                     "Aides familiaux", "Emplois aidés")] == \
        ["durable", "apprenti", "cdd-interim", "non-salarie", "autre", "non-durable", "autre", "autre"]
    assert norm_sector("OQ") == "services" and norm_sector("Industrie manufacturière") == "industrie"
    with pytest.raises(ValueError):
        norm_diploma("quelque chose")


def test_census_layout(fixtures):
    rows = list(read_census(fixtures / "stats" / "census_rp.csv"))
    assert len(rows) == 34
    r = rows[0]
    assert (r["year"], r["level"], r["territory"], r["nomenclature"], r["occupation"]) == (2021, "region", "28",
                                                                                         "fap2009", "M2Z")
    assert r["workers"] == 5000 and r["mean_age"] == 38
    assert rows[9]["status"] == "durable" and rows[10]["status"] == "non-durable" and rows[11]["status"] == "non-salarie"
    assert rows[21]["diploma"] == "cap-bep"
    assert rows[33]["workers"] == 1300000 and rows[33]["occupation"] == "total"


def test_census_needs_a_year(tmp_path):
    path = tmp_path / "rp.csv"
    path.write_text("reg;fap2021;effectif\n28;M2X90;12\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        list(read_census(path))
    assert err.value.field == "annee"
    assert list(read_census(path, year=2021))[0]["nomenclature"] == "fap2021"
