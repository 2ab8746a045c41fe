"""The publishers'-layout readers on arbitrary bytes: rows or InputError, never another exception."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adequa.errors import InputError
from adequa.sources.census import read_census, read_pcs_fap
from adequa.sources.job_seekers import breakdown_column, period_header, read_job_seekers

CELLS = st.sampled_from(["Code région", "Code FAP", "Sexe", "Tranche d'âge", "T1 2024", "mars 2024", "Ensemble",
                         "Hommes", "Femmes", "Moins de 25 ans", "28", "M2Z90", "s", "nd", "-", "1 234", "12,5", "",
                         "Source : Dares", "IPONDI", "DCLT", "PROF", "388a", "NIVGEO", "CODGEO", "NB", "COM", "14118",
                         "abc", "\u00e9", "2024Q1", "Catégorie A", "Sorties", "Indicateur"])
ROWS = st.lists(st.lists(CELLS, min_size=1, max_size=6), min_size=1, max_size=8)
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _write(tmp_path, rows, sep=";"):
    path = tmp_path / "f.csv"
    path.write_text("\n".join(sep.join(r) for r in rows) + "\n", encoding="utf-8")
    return path


@FUZZ
@given(rows=ROWS)
def test_job_seekers_readers_fail_only_with_input_error(tmp_path, rows):
    path = _write(tmp_path, rows)
    try:
        for _ in read_job_seekers(path, period="2024Q1"):
            pass
    except InputError:
        pass


@FUZZ
@given(rows=ROWS)
def test_census_readers_fail_only_with_input_error(tmp_path, rows):
    path = _write(tmp_path, rows)
    for reader in (lambda p: read_census(p, year=2021), read_pcs_fap):
        try:
            for _ in reader(path):
                pass
        except InputError:
            pass


@FUZZ
@given(text=st.text(max_size=30))
def test_title_classifiers_never_raise(text):
    period_header(text)
    breakdown_column(text)


@pytest.mark.parametrize("raw", [b"\xff\xfe\x00garbage", b"PK\x03\x04not a zip"])
def test_binary_input(tmp_path, raw):
    path = tmp_path / "f.csv"
    path.write_bytes(raw)
    for reader in (lambda p: read_job_seekers(p, period="2024Q1"), lambda p: read_census(p, year=2021)):
        try:
            list(reader(path))
        except InputError:
            pass
