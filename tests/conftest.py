import os
from pathlib import Path

import pytest
from hypothesis import settings

# `make test` (and so CI) replays the same generated examples on every run: a red build then
# means a change broke something, not that this run drew a new example. `make soak` explores
# (HYPOTHESIS_PROFILE=explore: fresh random examples, many more of them).
settings.register_profile("repeatable", derandomize=True, deadline=None, database=None)
settings.register_profile("explore", derandomize=False, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _mirror() -> Path | None:
    value = os.environ.get("ADEQUA_MIRROR")
    candidates = [Path(value)] if value else []
    candidates.append(REPO.parent / "shared" / "data")
    for c in candidates:
        if (c / "rome").is_dir():
            return c.resolve()
    return None


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The real data mirror; tests that need it are skipped, with the reason, when it is absent."""
    path = _mirror()
    if path is None:
        pytest.skip("real data mirror not found: set ADEQUA_MIRROR=../shared/data")
    return path


@pytest.fixture(scope="session")
def mirror_offers(mirror) -> list[dict]:
    """Every row of the mirror's France Travail CSV exports, as dicts (the delimiter sniffed from each
    header as the readers do: the exports use ',' or '|')."""
    import csv

    from adequa.sources.readers import sniff_delimiter

    csv.field_size_limit(1 << 30)
    rows: list[dict] = []
    for path in sorted((mirror / "offers" / "france-travail").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            delimiter = sniff_delimiter(fh.readline())
            fh.seek(0)
            rows.extend(csv.DictReader(fh, delimiter=delimiter))
    return rows


@pytest.fixture()
def db_path(tmp_path) -> Path:
    return tmp_path / "test.duckdb"


@pytest.fixture()
def fixtures() -> Path:
    return FIXTURES
