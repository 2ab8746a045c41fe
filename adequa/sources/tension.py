"""Tension statistics published by France Travail and the DARES, as found in the data mirror.

Three layouts:

* ``mobiville-tension-2020``: job seekers (cat. ABC), registered offers and a tension
  index per ROME v3 × BMO bassin, ``;``-separated:
  ``annee;ROME;rome_label;cbassin;lib_bassin_bmo19;oee;defm_abc;ind_tension_d``
  (France Travail, as published for the Mobiville service). The région is the
  bassin code's first two digits.
* ``metiers-en-tension-2024``: occupations in shortage by région,
  ``Region,Famille Professionnelle,Code FAP`` (FAP-2009 codes; "France Entière"
  for the national list). Régions are written by name and matched to their code.
* ``offres-commune-rome``: offers per commune × ROME on an extraction date,
  ``"commune";"dc_rome_id";"nb_offre";"date_extract"`` (a blank commune = not located).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Iterator

from adequa.errors import InputError
from adequa.sources.bmo import code, fap_nomenclature, norm_text, parse_count, pick, read_table


def read_tension_rome_bassin(path: str | Path) -> Iterator[dict]:
    path_s = str(path)
    cols = None
    for line, row in read_table(path):
        if cols is None:
            cols = {"year": pick(row, "annee", "year"), "rome": pick(row, "rome", "code_rome"),
                    "label": pick(row, "rome_label", "libelle_rome"), "bassin": pick(row, "cbassin", "bassin", "be"),
                    "bassin_label": pick(row, "lib_bassin_bmo19", "lib_bassin", pattern=r"lib_bassin.*"),
                    "offers": pick(row, "oee", "offres"), "seekers": pick(row, "defm_abc", "defm", "demandeurs"),
                    "index": pick(row, "ind_tension_d", "ind_tension", "indicateur_tension")}
            for k, name in (("year", "annee"), ("rome", "ROME"), ("bassin", "cbassin"), ("offers", "oee"),
                            ("seekers", "defm_abc")):
                if not cols[k]:
                    raise InputError(f"missing column {name}; found {', '.join(list(row)[:10])}", path=path_s,
                                     line=1, field=name)
        c = cols
        try:
            year = int(str(row[c["year"]]).strip())
        except ValueError:
            raise InputError(f"expected a year, got {row[c['year']]!r}", path=path_s, line=line,
                             field=c["year"]) from None
        rome, bassin = code(row.get(c["rome"])), code(row.get(c["bassin"]), 4)
        if not rome or not bassin:
            raise InputError("empty ROME or bassin code", path=path_s, line=line,
                             field=c["rome"] if not rome else c["bassin"])
        yield {"year": year, "rome": rome, "rome_label": row.get(c["label"]) if c["label"] else None,
               "bassin": bassin, "bassin_label": row.get(c["bassin_label"]) if c["bassin_label"] else None,
               "region": bassin[:2] if len(bassin) == 4 else None,
               "offers": parse_count(row.get(c["offers"]), path=path_s, line=line, field=c["offers"]),
               "job_seekers": parse_count(row.get(c["seekers"]), path=path_s, line=line, field=c["seekers"]),
               "tension_index": parse_count(row.get(c["index"]), path=path_s, line=line, field=c["index"])
               if c["index"] else None,
               "origin_file": path_s, "origin_line": line}


def read_shortage(path: str | Path, *, year: int, regions: dict[str, str]) -> Iterator[dict]:
    """Occupations in shortage by région; ``regions`` maps région code -> label (to read names)."""
    path_s = str(path)
    by_name = {norm_text(v): k for k, v in regions.items()}
    by_name.update({"france entiere": "FR", "france": "FR", "france metropolitaine": "FR"})
    cols = None
    for line, row in read_table(path):
        if cols is None:
            cols = {"region": pick(row, "region", "reg"), "label": pick(row, "famille_professionnelle", "libelle"),
                    "fap": pick(row, "code_fap", "fap")}
            if not cols["region"] or not cols["fap"]:
                raise InputError("missing column Region or Code FAP", path=path_s, line=1,
                                 field="Region" if not cols["region"] else "Code FAP")
        name = row.get(cols["region"]) or ""
        region = by_name.get(norm_text(name)) or (code(name, 2) if str(name).strip().isdecimal() else None)
        if region is None:
            raise InputError(f"unknown région {name!r}", path=path_s, line=line, field=cols["region"])
        fap = code(row.get(cols["fap"]))
        if not fap:
            raise InputError("empty FAP code", path=path_s, line=line, field=cols["fap"])
        yield {"year": year, "region": region, "region_label": name, "nomenclature": fap_nomenclature(fap, year),
               "fap": fap, "fap_label": row.get(cols["label"]) if cols["label"] else None,
               "origin_file": path_s, "origin_line": line}


def read_offer_counts(path: str | Path, *, rome_version: str = "3") -> Iterator[dict]:
    path_s = str(path)
    cols = None
    for line, row in read_table(path):
        if cols is None:
            cols = {"commune": pick(row, "commune", "code_commune"), "rome": pick(row, "dc_rome_id", "rome", "code_rome"),
                    "n": pick(row, "nb_offre", "nb_offres", "offres"), "date": pick(row, "date_extract", "date")}
            for k, name in (("rome", "dc_rome_id"), ("n", "nb_offre"), ("date", "date_extract")):
                if not cols[k]:
                    raise InputError(f"missing column {name}", path=path_s, line=1, field=name)
        try:
            d = date.fromisoformat(str(row[cols["date"]]).strip()[:10])
        except ValueError:
            raise InputError(f"expected a date such as 2021-12-21, got {row[cols['date']]!r}", path=path_s,
                             line=line, field=cols["date"]) from None
        rome = code(row.get(cols["rome"]))
        if not rome:
            raise InputError("empty ROME code", path=path_s, line=line, field=cols["rome"])
        yield {"date": d, "commune": code(row.get(cols["commune"]), 5) or "" if cols["commune"] else "",
               "rome": rome, "rome_version": rome_version,
               "offers": parse_count(row.get(cols["n"]), path=path_s, line=line, field=cols["n"]),
               "origin_file": path_s, "origin_line": line}
