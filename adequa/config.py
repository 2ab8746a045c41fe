"""Typed settings in one place: precedence CLI flag > ADEQUA_* environment > defaults.

A plain class that reads its own environment variables and converts the usual values itself
(a path, digits, a secret string): pydantic-settings did the same for these nine scalar fields
but imported asyncio, ssl and logging on the way (0.15-0.25 s of every command's start-up), and
pydantic itself, to validate them, cost another ~0.1 s of `adequa annotate`'s (measured with
``python -X importtime``). Any other value (``batch_size=2.0``, ``db=None``...) is validated by
the pydantic model of the same fields, built then: the same conversions, and the same
``pydantic.ValidationError`` naming the setting when a value does not fit.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

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


class SecretStr:
    """A secret string: shown as ``**********``, read with ``get_secret_value()`` (pydantic's API)."""

    __slots__ = ("_secret_value",)

    def __init__(self, secret_value: str):
        self._secret_value = secret_value

    def get_secret_value(self) -> str:
        return self._secret_value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretStr) and other._secret_value == self._secret_value

    def __hash__(self) -> int:
        return hash(self._secret_value)

    def __str__(self) -> str:
        return "**********" if self._secret_value else ""

    def __repr__(self) -> str:
        return f"SecretStr({str(self)!r})"

    def __len__(self) -> int:
        return len(self._secret_value)


class Setting(NamedTuple):
    """One setting: its type (``path``, ``int`` or ``secret``, optional or not), default and meaning."""

    kind: str
    optional: bool
    default: Any
    description: str
    default_factory: Any = None


_DIGITS = re.compile(r"-?[0-9]+")


class Settings:
    """Every setting of Adequa; ``Settings(field=value)`` beats ``ADEQUA_<FIELD>`` which beats the default."""

    model_fields: dict[str, Setting] = {
        "db": Setting("path", False, Path("adequa.duckdb"), "DuckDB warehouse file (--db, ADEQUA_DB)."),
        "mirror": Setting("path", True, None, "Local mirror of the publishers' files (ADEQUA_MIRROR)."),
        "data_dir": Setting("path", False, Path("data"), "Where `adequa data pull` stores the official files."),
        "cache_dir": Setting("path", False, None, "Compiled taxonomies and other caches (per user: any working directory).",
                             user_cache_dir),
        "batch_size": Setting("int", False, 5000, "Rows per batch written to the warehouse."),
        "min_cell_size": Setting("int", False, 5, "Figures computed from fewer units are not published."),
        "api_token": Setting("secret", True, None, "Token that enables write/admin API endpoints."),
        "ft_client_id": Setting("secret", True, None, "France Travail API client id (FT_CLIENT_ID)."),
        "ft_client_secret": Setting("secret", True, None, "France Travail API client secret (FT_CLIENT_SECRET)."),
    }

    db: Path
    mirror: Path | None
    data_dir: Path
    cache_dir: Path
    batch_size: int
    min_cell_size: int
    api_token: SecretStr | None
    ft_client_id: SecretStr | None
    ft_client_secret: SecretStr | None

    def __init__(self, **values: Any):
        # each field not given as an argument comes from its environment variable when set
        # (names compared without regard to case, as shells and pydantic-settings do); other
        # arguments are ignored
        env = {k.upper(): v for k, v in os.environ.items()}
        odd = {}
        for name, field in self.model_fields.items():
            if name in values:
                value = values[name]
            elif env_name(name) in env:
                value = env[env_name(name)]
            else:
                value = field.default_factory() if field.default_factory else field.default
                object.__setattr__(self, name, value)
                continue
            got = _convert(field, value)
            if got is _ODD:
                odd[name] = value
            else:
                object.__setattr__(self, name, got)
        if odd:
            for name, value in _validated(odd).items():
                object.__setattr__(self, name, value)

    def model_copy(self, update: dict[str, Any] | None = None) -> "Settings":
        """A copy with ``update``'s values set as they are (not converted, as pydantic's ``model_copy``)."""
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.__dict__.update(update or {})
        return new

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.__dict__ == self.__dict__

    __hash__ = None     # type: ignore[assignment]     # mutable, as a pydantic model

    def __repr__(self) -> str:
        return f"Settings({', '.join(f'{k}={v!r}' for k, v in self.__dict__.items())})"

    def data_root(self) -> Path:
        """Where official files are read from: the pulled copy if present, else the mirror."""
        if (self.data_dir / "rome").exists() or self.mirror is None:
            return self.data_dir
        return self.mirror


_ODD = object()


def _convert(field: Setting, value: Any) -> Any:
    """``value`` as the setting holds it, or ``_ODD`` for a value that pydantic must judge."""
    if value is None:
        return None if field.optional else _ODD
    if field.kind == "path":
        return Path(value) if isinstance(value, (str, Path)) else _ODD
    if field.kind == "int":
        if type(value) is int:
            return value
        return int(value) if isinstance(value, str) and _DIGITS.fullmatch(value) else _ODD
    if isinstance(value, SecretStr):
        return value
    return SecretStr(value) if type(value) is str else _ODD


def _validated(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` converted by the pydantic model of the same fields (or its ValidationError)."""
    import pydantic

    types = {"path": Path, "int": int, "secret": pydantic.SecretStr}
    model = pydantic.create_model("Settings", **{
        name: (types[f.kind] | None if f.optional else types[f.kind], None)
        for name, f in Settings.model_fields.items() if name in values})
    got = model(**values)
    out = {}
    for name in values:
        v = getattr(got, name)
        out[name] = SecretStr(v.get_secret_value()) if isinstance(v, pydantic.SecretStr) else v
    return out


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
