"""Typed settings in one place: precedence CLI flag > ADEQUA_* environment > defaults."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ADEQUA_", extra="ignore")

    db: Path = Field(Path("adequa.duckdb"), description="DuckDB warehouse file (--db, ADEQUA_DB).")
    mirror: Path | None = Field(None, description="Local mirror of the publishers' files (ADEQUA_MIRROR).")
    data_dir: Path = Field(Path("data"), description="Where `adequa data pull` stores the official files.")
    cache_dir: Path = Field(Path(".cache/adequa"), description="Compiled taxonomies and other caches.")
    batch_size: int = Field(5000, description="Rows per batch written to the warehouse.")
    min_cell_size: int = Field(5, description="Figures computed from fewer units are not published.")
    api_token: SecretStr | None = Field(None, description="Token that enables write/admin API endpoints.")
    ft_client_id: SecretStr | None = Field(None, validation_alias="FT_CLIENT_ID",
                                           description="France Travail API client id.")
    ft_client_secret: SecretStr | None = Field(None, validation_alias="FT_CLIENT_SECRET",
                                               description="France Travail API client secret.")

    def data_root(self) -> Path:
        """Where official files are read from: the pulled copy if present, else the mirror."""
        if (self.data_dir / "rome").exists() or self.mirror is None:
            return self.data_dir
        return self.mirror


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
