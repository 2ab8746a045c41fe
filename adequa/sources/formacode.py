"""Training referentials: the Formacode thesaurus (Centre Inffo) and the NSF nomenclature.

* Formacode: the LHÉO distribution ``FCod-utf-8.csv``: ``;``-separated, no header, one
  descriptor a line: code; LABEL; label; kind (DOM, PUB, DIP, OUT$…); semantic field
  ("110 MATHEMATIQUES"); synonyms ($-separated); generic term ("11022 RECHERCHE
  OPERATIONNELLE"); specific terms; related terms; definition; …; NSF ("114 Mathématiques");
  …; full label. Short lines (public descriptors) carry only the first four fields.
* NSF: ``codformation,libformation`` (comma-separated, header), one specialty a line; codes
  such as ``326`` or ``326t`` (the letter gives the field: production/services, …).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Iterator

from adequa.errors import InputError
from adequa.sources.readers import read_csv

FORMACODE_SOURCE = "Formacode (Centre Inffo), LHÉO distribution"
NSF_SOURCE = "Nomenclature des spécialités de formation (NSF, INSEE/CNIS)"
LICENCE = "Licence Ouverte / Etalab 2.0"
_CODE_LABEL = re.compile(r"^\s*(\d{3,5}[a-z]?)\s+(.*)$")
FCOD_HEADER = ("code", "label_upper", "label", "kind", "field", "synonyms", "generic", "specific", "related",
               "definition", "note1", "note2", "nsf", "note3", "full_label")


def file_version(path: str | Path) -> str:
    """A version tag for a file that carries none: the first 12 hex digits of its sha256."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest()[:12]


def _split_code(value: str) -> tuple[str | None, str | None]:
    m = _CODE_LABEL.match(value or "")
    return (m[1], m[2].strip() or None) if m else (None, (value or "").strip() or None)


def read_formacode(path: str | Path, version: str | None = None) -> Iterator[dict]:
    """Rows of the ``formacode`` table from the thesaurus file."""
    path = Path(path)
    version = version or file_version(path)
    for line, row in read_csv(path, delimiter=";", header=FCOD_HEADER):
        code = (row["code"] or "").strip()
        if not re.fullmatch(r"\d{5}", code):
            raise InputError(f"expected a 5-digit Formacode, got {code!r}", path=str(path), line=line, field="code")
        field_code, field_label = _split_code(row["field"])
        generic, _ = _split_code(row["generic"])
        related = [c for c, _ in (_split_code(x) for x in (row["related"] or "").split("$")) if c]
        nsf, _ = _split_code(row["nsf"])
        yield {"code": code, "label": (row["label"] or row["label_upper"] or "").strip() or None,
               "kind": (row["kind"] or "").strip() or None, "field_code": field_code, "field_label": field_label,
               "generic": generic, "related": related, "definition": (row["definition"] or "").strip() or None,
               "nsf": nsf, "version": version}


def read_nsf(path: str | Path, version: str | None = None) -> Iterator[dict]:
    """Rows of the ``nsf`` table."""
    path = Path(path)
    version = version or file_version(path)
    for line, row in read_csv(path, required=("codformation", "libformation")):
        code = (row["codformation"] or "").strip()
        if not re.fullmatch(r"\d{3}[a-z]?", code):
            raise InputError(f"expected an NSF code such as 326 or 326t, got {code!r}", path=str(path), line=line,
                             field="codformation")
        yield {"code": code, "label": row["libformation"].strip(), "version": version}
