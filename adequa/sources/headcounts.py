"""Headcounts supplied by a user: students, places or graduates per certification and territory.

Publishers (Carif-Oref, rectorats, SIES) share these as spreadsheets of many shapes, so the
reader takes a *mapping* from Adequa's fields to the file's column names, and *defaults*
for fields the file does not carry (a whole file is often one territory and one year):

    read_headcounts("effectifs.csv", mapping={"diploma": "Intitulé de diplôme", "value": "Effectif"},
                    defaults={"territory": "region:28", "period": "2022-2023", "measure": "students"})

Fields: ``numero`` (RNCP/RS number), ``diploma`` (BTS, BUT, Licence … or a title), ``niveau``
(3..8), ``territory`` (``level:code``) or ``region`` / ``departement`` columns, ``period``,
``measure`` (students / places / graduates), ``value``, ``institution``.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Iterator

from adequa.errors import InputError
from adequa.sources.readers import read_csv
from adequa.sources.rncp import Rejected, normalise_numero

FIELDS = ("numero", "diploma", "niveau", "territory", "region", "departement", "period", "measure", "value",
          "institution")
MEASURES = {"students", "places", "graduates"}
#: Diploma names -> level of the 2019 nomenclature, for rows that give no level.
DIPLOMA_LEVELS = {"cap": 3, "bac pro": 4, "bac": 4, "bp": 4, "bts": 5, "dut": 5, "but": 6, "licence": 6,
                  "licence pro": 6, "licence professionnelle": 6, "bachelor": 6, "master": 7, "ingénieur": 7,
                  "ingenieur": 7, "doctorat": 8}


def parse_number(value: str | None) -> float | None:
    """``1 872``, ``1 872``, ``1,872`` or ``1872.0`` -> 1872.0; empty -> None; else ValueError."""
    text = (value or "").strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    if not text:
        return None
    if re.fullmatch(r"\d{1,3}(,\d{3})+", text):
        text = text.replace(",", "")
    text = text.replace(",", ".")
    return float(text)


def diploma_level(diploma: str | None) -> int | None:
    key = (diploma or "").strip().lower()
    if key in DIPLOMA_LEVELS:
        return DIPLOMA_LEVELS[key]
    for name, level in sorted(DIPLOMA_LEVELS.items(), key=lambda kv: -len(kv[0])):
        if re.match(rf"{re.escape(name)}\b", key):
            return level
    return None


def read_headcounts(path: str | Path, mapping: dict[str, str] | None = None,
                    defaults: dict[str, str] | None = None) -> Iterator[dict | Rejected]:
    """Rows of ``training_headcounts`` from a CSV (any of , ; | tab), or ``Rejected`` for bad rows."""
    path = Path(path)
    mapping = {k: v for k, v in (mapping or {}).items() if v}
    defaults = {k: v for k, v in (defaults or {}).items() if v not in (None, "")}
    unknown = sorted(set(mapping) - set(FIELDS)) or sorted(set(defaults) - set(FIELDS) - {"source"})
    if unknown:
        raise InputError(f"unknown field(s) {', '.join(unknown)} in the mapping; known: {', '.join(FIELDS)}", path=str(path))
    columns = {f: mapping.get(f, f) for f in FIELDS}
    if "value" not in mapping and "value" not in defaults:
        pass  # a column literally named "value" is accepted
    measure_default = defaults.get("measure", "students")
    if measure_default not in MEASURES:
        raise InputError(f"measure {measure_default!r} unknown, expected one of {', '.join(sorted(MEASURES))}",
                         path=str(path), field="measure")
    required = [columns["value"]]
    for line, row in read_csv(path, encoding="auto", required=required):
        def val(field):
            v = row.get(columns[field])
            return v.strip() if isinstance(v, str) and v.strip() else None

        def get(field):
            return val(field) or defaults.get(field)
        try:
            value = parse_number(get("value"))
        except ValueError:
            yield Rejected(str(path), None, columns["value"], f"expected a number, got {get('value')!r}", line=line)
            continue
        if value is None:
            continue                     # blank cell: nothing to record
        if value < 0:
            yield Rejected(str(path), None, columns["value"], f"negative count {value}", line=line)
            continue
        numero_raw = get("numero")
        numero = normalise_numero(numero_raw, "RNCP") if numero_raw else None
        if numero_raw and not numero:
            yield Rejected(str(path), numero_raw, columns["numero"], "expected an RNCP/RS number such as RNCP37674",
                           line=line)
            continue
        diploma = get("diploma")
        if not numero and not diploma:
            yield Rejected(str(path), None, columns["diploma"], "neither a certification number nor a diploma", line=line)
            continue
        territory = val("territory")
        if not territory and val("region"):
            territory = f"region:{val('region')}"
        if not territory and val("departement"):
            territory = f"departement:{val('departement')}"
        territory = territory or defaults.get("territory") or (
            f"region:{defaults['region']}" if defaults.get("region") else None)
        if territory and territory != "france" and not re.fullmatch(r"[a-z_]+:[0-9A-Za-z]+", territory):
            yield Rejected(str(path), numero, columns["territory"], f"territory {territory!r}, expected level:code "
                           "such as region:28", line=line)
            continue
        measure = (get("measure") or measure_default).lower()
        if measure not in MEASURES:
            yield Rejected(str(path), numero, columns["measure"], f"measure {measure!r} unknown", line=line)
            continue
        niveau_raw = get("niveau")
        try:
            niveau = int(re.sub(r"\D", "", niveau_raw)) if niveau_raw else diploma_level(diploma)
        except ValueError:
            yield Rejected(str(path), numero, columns["niveau"], f"level {niveau_raw!r}, expected 3..8", line=line)
            continue
        period = get("period")
        institution = get("institution")
        key = "\x1f".join(str(x or "") for x in (numero, diploma, territory, period, measure, institution))
        yield {"headcount_id": hashlib.sha256(key.encode()).hexdigest()[:20], "numero": numero, "diploma": diploma,
               "niveau": niveau, "territory": territory, "period": period, "measure": measure, "value": value,
               "institution": institution, "source": defaults.get("source"), "origin_file": str(path),
               "origin_line": line}
