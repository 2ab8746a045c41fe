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
    code = ("import sys, adequa.config; adequa.config.get_settings(); "
            "print(sorted(m for m in ('asyncio', 'ssl', 'pydantic_settings', 'pydantic') if m in sys.modules))")
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert got.stdout.strip() == "[]", got.stdout + got.stderr


def test_values_are_converted_as_pydantic_converts_them(monkeypatch, tmp_path):
    import pydantic
    import pytest

    from adequa.config import SecretStr

    class Reference(pydantic.BaseModel):       # the fields' types, as the pydantic model had them
        db: Path = Path("adequa.duckdb")
        mirror: Path | None = None
        batch_size: int = 5000
        api_token: pydantic.SecretStr | None = None

    for name in ("ADEQUA_DB", "ADEQUA_MIRROR", "ADEQUA_BATCH_SIZE", "ADEQUA_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    cases = [("db", "x/y"), ("db", ""), ("db", tmp_path), ("mirror", None), ("mirror", "m"), ("batch_size", 7),
             ("batch_size", "12"), ("batch_size", "-3"), ("batch_size", " 4 "), ("batch_size", "1_000"),
             ("batch_size", 2.0), ("batch_size", True), ("batch_size", "+5"), ("api_token", "s3"), ("api_token", None),
             ("api_token", SecretStr("s4"))]
    for name, value in cases:
        ref_value = pydantic.SecretStr(value.get_secret_value()) if isinstance(value, SecretStr) else value
        got = getattr(Settings(**{name: value}), name)
        want = getattr(Reference(**{name: ref_value}), name)
        if isinstance(want, pydantic.SecretStr):
            assert isinstance(got, SecretStr) and got.get_secret_value() == want.get_secret_value(), (name, value)
            assert str(got) == str(want) and "s3" not in repr(got)
        else:
            assert (got, type(got)) == (want, type(want)), (name, value)
    for name, value in [("db", None), ("db", 3), ("batch_size", "2.5"), ("batch_size", "0x10"), ("batch_size", None)]:
        with pytest.raises(pydantic.ValidationError, match=name):
            Reference(**{name: value})
        with pytest.raises(pydantic.ValidationError, match=name):
            Settings(**{name: value})
    # env values go the same way, and a copy takes its update as it is
    monkeypatch.setenv("ADEQUA_BATCH_SIZE", " 8 ")
    s = Settings()
    assert s.batch_size == 8 and s.model_copy(update={"db": None}).db is None and s.db == Path("adequa.duckdb")
    assert Settings() == s and Settings(batch_size=9) != s
