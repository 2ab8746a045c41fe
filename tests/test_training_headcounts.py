"""User-supplied headcounts: column mapping, defaults, number formats, rejects."""

import pytest

from adequa.errors import InputError
from adequa.pipeline.training import ingest_headcounts
from adequa.sources.headcounts import diploma_level, parse_number, read_headcounts
from adequa.sources.rncp import Rejected
from adequa.store.duckdb import Warehouse

MAPPING = {"diploma": "Intitulé de diplôme", "numero": "Code RNCP", "value": "Effectif", "departement": "Département"}
DEFAULTS = {"territory": "region:28", "period": "2022-2023", "measure": "students"}


def test_rows_with_mapping_and_defaults(fixtures):
    recs = list(read_headcounts(fixtures / "training" / "effectifs.csv", MAPPING, DEFAULTS))
    rows = [r for r in recs if isinstance(r, dict)]
    by = {r["diploma"]: r for r in rows}
    assert by["Licence"]["value"] == 1500 and by["Licence"]["niveau"] == 6 and by["Licence"]["territory"] == "region:28"
    assert by["BTS"]["niveau"] == 5 and by["Ingénieur"]["niveau"] == 7
    assert by["Analyste de données fictif"]["numero"] == "RNCP90001"
    assert by["Analyste de données fictif"]["territory"] == "departement:76"
    assert by["Ingénieur données fictif"]["numero"] == "RNCP90006"
    (bad,) = [r for r in recs if isinstance(r, Rejected)]
    assert bad.line == 9 and bad.field == "Effectif"


def test_ingest_is_idempotent(fixtures, db_path):
    with Warehouse(db_path) as wh:
        ingest_headcounts(fixtures / "training" / "effectifs.csv", wh, mapping=MAPPING, defaults=DEFAULTS)
        s = ingest_headcounts(fixtures / "training" / "effectifs.csv", wh, mapping=MAPPING, defaults=DEFAULTS)
        assert wh.count("training_headcounts") == 7 and s.updated == 7 and s.rejected == 1
        assert wh.scalar("SELECT sum(value) FROM training_headcounts WHERE numero IS NULL") == 120 + 210 + 1500 + 400 + 350


def test_mapping_errors(fixtures):
    with pytest.raises(InputError, match="unknown field"):
        list(read_headcounts(fixtures / "training" / "effectifs.csv", {"effectif": "Effectif"}))
    with pytest.raises(InputError, match="missing column"):
        list(read_headcounts(fixtures / "training" / "effectifs.csv", {"value": "Students"}))
    with pytest.raises(InputError, match="measure"):
        list(read_headcounts(fixtures / "training" / "effectifs.csv", {"value": "Effectif"}, {"measure": "heads"}))


def test_number_and_level_parsing():
    assert parse_number("1 872") == 1872 and parse_number("1\u202f872") == 1872 and parse_number("1,872") == 1872
    assert parse_number("12,5") == 12.5 and parse_number("") is None
    with pytest.raises(ValueError):
        parse_number("beaucoup")
    assert diploma_level("Master Informatique") == 7 and diploma_level("Licence pro métiers") == 6
    assert diploma_level("Inconnu") is None
