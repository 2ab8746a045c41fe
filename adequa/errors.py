"""Adequa's exceptions, typed once and rendered by the CLI and the API.

AdequaError
 ├── InputError           bad input: names the file, line/record and field
 ├── ReferentialError     a referential is missing or inconsistent
 ├── SourceUnavailable    a remote source failed; ``retryable`` says whether to try again
 ├── MissingExtra         an optional dependency is absent; the message is the install command
 └── ConfidentialityError a figure below the minimum cell size was asked for
"""

from __future__ import annotations


class AdequaError(Exception):
    """Root of every error Adequa raises on purpose."""

    exit_code = 1

    def attrs(self) -> dict:
        """Structured fields, for logs and the API's JSON error body."""
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}


class InputError(AdequaError):
    """Bad input, located as precisely as possible."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 record: str | None = None, field: str | None = None):
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.record = record
        self.field = field
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = []
        if self.path:
            where.append(self.path)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.record is not None:
            where.append(f"record {self.record}")
        if self.field:
            where.append(f"field {self.field!r}")
        return (", ".join(where) + ": " if where else "") + self.message


class ReferentialError(AdequaError):
    """A referential (ROME, ESCO, FAP, geography…) is missing or inconsistent."""


class SourceUnavailable(AdequaError):
    """A remote source could not be reached or answered badly."""

    def __init__(self, message: str, *, retryable: bool = True, status: int | None = None):
        self.message = message
        self.retryable = retryable
        self.status = status
        super().__init__(message)


class MissingExtra(AdequaError):
    """An optional dependency is not installed; the message says how to install it."""

    def __init__(self, extra: str, module: str):
        self.extra = extra
        self.module = module
        super().__init__(f"{module} is not installed: pip install 'adequa[{extra}]'")


class ConfidentialityError(AdequaError):
    """A figure would be published from fewer units than the minimum cell size."""
