"""Typed settings in one place: precedence CLI flag > ADEQUA_* environment > defaults.

A plain pydantic model that reads its own environment variables: pydantic-settings did the same
for these nine scalar fields but imported asyncio, ssl and logging on the way, 0.15-0.25 s of every
command's start-up (measured with ``python -X importtime``).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

# fields read from a variable other than ADEQUA_<FIELD NAME>
_ENV_NAMES = {"ft_client_id": "FT_CLIENT_ID", "ft_client_secret": "FT_CLIENT_SECRET"}


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/adequa``, else ``~/.cache/adequa``: the compiled models are keyed by the code
    and the referential files, so one cache serves every working directory."""
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "adequa"


def env_name(field: str) -> str:
    """The environment variable a setting is read from."""
    return _ENV_NAMES.get(field, "ADEQUA_" + field.upper())


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore")

    db: Path = Field(Path("adequa.duckdb"), description="DuckDB warehouse file (--db, ADEQUA_DB).")
    mirror: Path | None = Field(None, description="Local mirror of the publishers' files (ADEQUA_MIRROR).")
    data_dir: Path = Field(Path("data"), description="Where `adequa data pull` stores the official files.")
    cache_dir: Path = Field(default_factory=lambda: user_cache_dir(),
                            description="Compiled taxonomies and other caches (per user: any working directory).")
    batch_size: int = Field(5000, description="Rows per batch written to the warehouse.")
    min_cell_size: int = Field(5, description="Figures computed from fewer units are not published.")
    api_token: SecretStr | None = Field(None, description="Token that enables write/admin API endpoints.")
    ft_client_id: SecretStr | None = Field(None, description="France Travail API client id (FT_CLIENT_ID).")
    ft_client_secret: SecretStr | None = Field(None, description="France Travail API client secret (FT_CLIENT_SECRET).")

    @model_validator(mode="before")
    @classmethod
    def _environment(cls, values: Any) -> Any:
        """Each field not given as an argument comes from its environment variable when set
        (names compared without regard to case, as shells and pydantic-settings do)."""
        if not isinstance(values, dict):
            return values
        env = {k.upper(): v for k, v in os.environ.items()}
        out = dict(values)
        for name in cls.model_fields:
            if name not in out and env_name(name) in env:
                out[name] = env[env_name(name)]
        return out

    def data_root(self) -> Path:
        """Where official files are read from: the pulled copy if present, else the mirror."""
        if (self.data_dir / "rome").exists() or self.mirror is None:
            return self.data_dir
        return self.mirror


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
