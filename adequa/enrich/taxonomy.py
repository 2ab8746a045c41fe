"""One shape for every skill taxonomy (ROME, ESCO, a user's own list, O*NET…).

A taxonomy is data, not code: it is built from plain rows (dicts) so that a
referential reader, a CSV file written by a user or a test can all produce one.

Row fields: ``id`` (required), ``label`` (required), ``alt_labels`` (list, or a
string separated by ``|`` or newlines), ``kind`` (savoir-faire / savoir /
savoir-être / langue / certification), ``parent``, ``lang``, ``source``
(e.g. "rome", "esco", "custom"); a row may also carry ``target_source`` and
``target_id`` to make it an *alias* of an item of another taxonomy.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Iterable

from adequa.errors import InputError

KINDS = ("savoir-faire", "savoir", "savoir-être", "langue", "certification")
_KIND_ALIASES = {"hard": "savoir-faire", "skill": "savoir-faire", "skill/competence": "savoir-faire",
                 "competence": "savoir-faire", "knowledge": "savoir", "soft": "savoir-être",
                 "language": "langue", "savoir-etre": "savoir-être", "savoir etre": "savoir-être",
                 "savoir faire": "savoir-faire"}


@dataclass(frozen=True)
class TaxonomyItem:
    id: str
    label: str
    alt_labels: tuple[str, ...] = ()
    kind: str = "savoir-faire"
    parent: str | None = None
    lang: str = "fr"
    source: str = "custom"

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.label, *self.alt_labels)


def normalise_kind(kind: str | None, default: str = "savoir-faire") -> str:
    if not kind:
        return default
    k = kind.strip().lower()
    k = _KIND_ALIASES.get(k, k)
    return k if k in KINDS else default


def split_alt_labels(value) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        parts = value.replace("\r", "\n").replace("|", "\n").split("\n")
    else:
        parts = list(value)
    seen, out = set(), []
    for p in parts:
        p = (p or "").strip()
        if p and p not in seen:
            seen.add(p)
            out.append(p)
    return tuple(out)


@dataclass
class Taxonomy:
    """Named, versioned list of items; ``get`` by id."""

    name: str
    version: str
    items: list[TaxonomyItem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_id = {it.id: it for it in self.items}

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return iter(self.items)

    def get(self, item_id: str) -> TaxonomyItem | None:
        return self._by_id.get(item_id)

    def fingerprint(self) -> str:
        """Content hash: changes whenever an id, label, alt label or kind changes."""
        h = hashlib.sha256(f"{self.name}\0{self.version}".encode())
        for it in self.items:
            h.update("\0".join((it.id, it.label, "|".join(it.alt_labels), it.kind, it.parent or "")).encode())
        return h.hexdigest()[:16]

    @classmethod
    def from_rows(cls, name: str, version: str, rows: Iterable[dict], *, source: str | None = None,
                  default_kind: str = "savoir-faire", lang: str = "fr", origin: str | None = None) -> "Taxonomy":
        """Build from plain dict rows; a row without ``id`` or ``label`` is an InputError naming it."""
        items = []
        for n, row in enumerate(rows, start=1):
            item_id = str(row.get("id") or "").strip()
            label = str(row.get("label") or "").strip()
            if not item_id:
                raise InputError("an item needs an id", path=origin, record=str(n), field="id")
            if not label:
                raise InputError("an item needs a label", path=origin, record=item_id, field="label")
            items.append(TaxonomyItem(
                id=item_id, label=label, alt_labels=split_alt_labels(row.get("alt_labels")),
                kind=normalise_kind(row.get("kind"), default_kind), parent=(row.get("parent") or None),
                lang=row.get("lang") or lang, source=row.get("source") or source or name))
        return cls(name=name, version=version, items=items)
