"""Settings: argument > environment > default, read without pydantic-settings."""

import subprocess
import sys
from pathlib import Path

from adequa.config import Settings, env_name


def test_an_argument_beats_the_environment_which_beats_the_default(monkeypatch):
    monkeypatch.delenv("ADEQUA_BATCH_SIZE", raising=False)
    assert Settings().batch_size == 5000
    monkeypatch.setenv("ADEQUA_BATCH_SIZE", "123")
    assert Settings().batch_size == 123
    assert Settings(batch_size=7).batch_size == 7
    monkeypatch.setenv("adequa_min_cell_size", "11")        # any case, as before
    assert Settings().min_cell_size == 11


def test_values_from_the_environment_are_validated(monkeypatch):
    import pydantic
    import pytest

    monkeypatch.setenv("ADEQUA_BATCH_SIZE", "many")
    with pytest.raises(pydantic.ValidationError, match="batch_size"):
        Settings()


def test_france_travail_credentials_come_from_their_own_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("FT_CLIENT_ID", "id-1")
    monkeypatch.setenv("ADEQUA_MIRROR", str(tmp_path))
    monkeypatch.setenv("ADEQUA_DATA_DIR", str(tmp_path / "absent"))
    s = Settings()
    assert s.ft_client_id.get_secret_value() == "id-1" and s.ft_client_secret is None
    assert s.mirror == Path(tmp_path) and s.data_root() == Path(tmp_path)
    assert env_name("ft_client_secret") == "FT_CLIENT_SECRET" and env_name("db") == "ADEQUA_DB"


def test_config_show_redacts_secrets_and_the_import_stays_light(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "ADEQUA_API_TOKEN": "t0ps3cret", "ADEQUA_MIN_CELL_SIZE": "9"}
    exe = Path(sys.executable).with_name("adequa")
    shown = subprocess.run([str(exe), "config", "show"], env=env, cwd=tmp_path, capture_output=True, text=True,
                           timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert "t0ps3cret" not in shown.stdout and "********" in shown.stdout and " 9 " in shown.stdout
    code = "import sys, adequa.config; print(sorted(m for m in ('asyncio', 'ssl', 'pydantic_settings') if m in sys.modules))"
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert got.stdout.strip() == "[]", got.stdout + got.stderr
