"""Where a figure or a table comes from."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Provenance:
    source: str
    version: str | None = None
    period: str | None = None
    rows: int | None = None
    retrieved_at: str | None = None
    licence: str | None = None
    filters: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    def line(self, lang: str = "fr") -> str:
        """The "Source : …, traitement Adequa" line printed under a figure."""
        parts = [self.source]
        if self.period:
            parts.append(self.period)
        prefix = "Source : " if lang == "fr" else "Source: "
        suffix = ", traitement Adequa" if lang == "fr" else ", Adequa processing"
        return prefix + ", ".join(parts) + suffix
