"""Any CSV or JSON/JSONL file of job ads, read through a column mapping.

A mapping says which column holds each canonical field (title, description,
date, location, commune, postal_code, contract, employer, url, source_id,
rome, skills, salary, …). It is a small TOML or YAML file::

    source = "myboard"            # the name stored in ads.source (default: "csv:<file stem>")
    [columns]
    title = "titre"
    description = "description"
    date = "date_creation"
    location = "lieu"              # "76 - ROUEN", "Rouen (76)", a postal code + town…
    contract = "contrat"
    employer = "entreprise"
    url = "lien"
    source_id = "hash_id"
    rome = "rome_code"

or ``--map title=titre --map date=date_creation`` on the command line. Without
one, ``guess_mapping`` recognises the usual column names (French and English).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from adequa.errors import InputError
from adequa.sources.france_travail import iter_json_records
from adequa.sources.readers import read_csv

__all__ = ["Mapping", "load_mapping", "guess_mapping", "read_mapped", "FIELDS"]

FIELDS = ("source_id", "title", "description", "date", "updated", "commune", "postal_code", "location", "contract",
          "contract_label", "employer", "url", "source", "rome", "skills", "salary", "salary_min", "salary_max",
          "working_time", "experience",
          "qualification", "naf", "contact", "email", "phone")
REQUIRED = ("title",)

# Usual spellings of each field, compared after folding case, accents and separators.
_SYNONYMS = {
    "source_id": ("id", "source_id", "offer_id", "job_id", "hash_id", "reference", "ref", "identifiant"),
    "title": ("title", "titre", "intitule", "job_title", "poste", "libelle_poste", "nom_poste", "name"),
    "description": ("description", "descriptif", "texte", "text", "job_description", "contenu", "body"),
    "date": ("date", "date_creation", "datecreation", "created_at", "created", "date_publication", "published",
             "posted_at", "publication_date"),
    "updated": ("date_actualisation", "updated_at", "dateactualisation", "updated"),
    "commune": ("commune", "code_commune", "insee", "code_insee", "commune_insee"),
    "postal_code": ("code_postal", "postal_code", "codepostal", "cp", "zip", "zipcode"),
    "location": ("lieu", "location", "localisation", "lieu_travail", "ville", "city", "lieutravail"),
    "contract": ("contrat", "type_contrat", "contract", "contract_type", "typecontrat", "contrat_type"),
    "employer": ("entreprise", "employer", "company", "societe", "recruteur", "employeur", "company_name"),
    "url": ("url", "lien", "link", "href", "url_offre"),
    "source": ("source", "site", "board", "plateforme"),
    "rome": ("rome", "rome_code", "code_rome", "romecode"),
    "skills": ("competences", "skills", "skill_codes"),
    "salary": ("salaire", "salary", "remuneration", "salaire_libelle"),
    "salary_min": ("salaire_min", "salary_min", "min_salary"),
    "salary_max": ("salaire_max", "salary_max", "max_salary"),
    "working_time": ("temps_travail", "working_time", "duree_travail"),
    "experience": ("experience", "niveau_experience", "experience_libelle"),
    "qualification": ("qualification", "qualification_libelle"),
    "naf": ("naf", "code_naf"),
}


def _fold(name: str) -> str:
    import unicodedata

    name = unicodedata.normalize("NFKD", name)
    name = "".join(c for c in name if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


@dataclass
class Mapping:
    """Canonical field -> column name; ``source`` names the ad source."""

    columns: dict[str, str] = field(default_factory=dict)
    source: str | None = None
    origin: str | None = None       # where the mapping came from, for messages

    def __post_init__(self):
        unknown = [k for k in self.columns if k not in FIELDS]
        if unknown:
            raise InputError(f"unknown field(s) {', '.join(unknown)} in the mapping; known: {', '.join(FIELDS)}",
                             path=self.origin, field=unknown[0])

    def apply(self, row: dict) -> dict:
        out = {}
        for canonical, column in self.columns.items():
            value = row.get(column)
            if value is not None and value != "":
                out[canonical] = value
        return out

    def check(self, header, *, path: str) -> None:
        missing_required = [f for f in REQUIRED if f not in self.columns]
        if missing_required:
            raise InputError(f"the mapping does not say which column holds {missing_required[0]!r}"
                             f" (columns: {', '.join(list(header)[:15])}); pass --map {missing_required[0]}=COLUMN",
                             path=path, field=missing_required[0])
        absent = [c for c in self.columns.values() if c not in header]
        if absent:
            raise InputError(f"column {absent[0]!r} named by the mapping is not in the file "
                             f"(columns: {', '.join(list(header)[:15])})", path=path, line=1, field=absent[0])


def load_mapping(path: str | Path | None = None, *, pairs: list[str] | None = None, source: str | None = None) -> Mapping:
    """A mapping from a TOML/YAML file and/or ``field=column`` pairs (pairs win)."""
    columns: dict[str, str] = {}
    src = source
    origin = None
    if path is not None:
        path = Path(path)
        origin = str(path)
        if not path.exists():
            raise InputError("mapping file not found", path=origin)
        text = path.read_text(encoding="utf-8")
        try:
            if path.suffix.lower() in (".yaml", ".yml"):
                import yaml

                doc = yaml.safe_load(text) or {}
            else:
                import tomllib

                doc = tomllib.loads(text)
        except Exception as exc:   # noqa: BLE001 - both parsers' errors become one InputError
            raise InputError(f"cannot parse the mapping ({exc})", path=origin) from None
        if not isinstance(doc, dict):
            raise InputError("expected a table of field = column", path=origin)
        src = src or doc.get("source")
        cols = doc.get("columns", {k: v for k, v in doc.items() if k != "source"})
        if not isinstance(cols, dict):
            raise InputError("[columns] must be a table of field = column", path=origin, field="columns")
        columns.update({str(k): str(v) for k, v in cols.items()})
    for pair in pairs or []:
        if "=" not in pair:
            raise InputError(f"expected FIELD=COLUMN, got {pair!r}", field="--map")
        k, v = pair.split("=", 1)
        columns[k.strip()] = v.strip()
    return Mapping(columns=columns, source=src, origin=origin)


def guess_mapping(header) -> Mapping:
    """A mapping from the usual column names; fields without a recognisable column are left out."""
    folded = {_fold(h): h for h in header if h}
    columns = {}
    for canonical, names in _SYNONYMS.items():
        for name in names:
            if name in folded and folded[name] not in columns.values():
                columns[canonical] = folded[name]
                break
    return Mapping(columns=columns, origin="guessed from the header")


def _kind(path: Path, fmt: str | None) -> str:
    if fmt:
        return fmt
    name = path.name.lower().removesuffix(".gz").removesuffix(".bz2")
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "json"
    return "csv"


def read_mapped(path: str | Path, mapping: Mapping | None = None, *, fmt: str | None = None,
                delimiter: str | None = None) -> Iterator[tuple[int, dict, dict]]:
    """Stream (line, canonical record, raw row) from a CSV or JSON/JSONL file of ads.

    With no mapping one is guessed from the header (or first record) and
    checked: a file without a recognisable title column raises ``InputError``.
    """
    path = Path(path)
    kind = _kind(path, fmt)
    rows = read_csv(path, delimiter=delimiter) if kind == "csv" else iter_json_records(path)
    checked = False
    for line, row in rows:
        if not checked:
            mapping = mapping or guess_mapping(row.keys())
            mapping.check(row.keys(), path=str(path))
            checked = True
        yield line, mapping.apply(row), row
