"""Census aggregates (INSEE, recensement de la population): employed persons by occupation.

Layout implemented: **RP "actifs en emploi au lieu de travail", long format**
(Adequa name: ``rp-long-1``): the INSEE "tableaux détaillés" of the population
census (e.g. the tables of employed persons by profession and place of work,
available per census year with the geography of 1 January of year + 2), put in
tidy form with occupations coded in FAP (through the DARES PCS → FAP table) as
the DARES and the Carif-Oref "Statoscope" publish them. One row per cell;
recognised columns (matched without case, accents or spacing):

=============  ====================================================================
year           ``annee`` / ``an_rp`` / ``rp``: 2021 (the census year)
territory      as for job seekers: ``niveau_geo`` + ``code_geo``, or ``reg``/``dep``/``ze``/``be``/``commune``
occupation     ``fap2021`` / ``fap2009`` / ``code_fap`` / ``fap`` / ``pcs`` / ``prof``; none: total
sex            ``sexe``
age band       ``tranche_age`` / ``age``: "Moins de 30 ans", "30 à 49 ans", "50 ans ou plus"…
diploma        ``diplome`` / ``niveau_diplome``: supérieur, bac, CAP-BEP, sans diplôme…
status         ``statut`` / ``condition_emploi`` / ``contrat``: durable (CDI, titulaire), non durable
               (CDD, intérim, apprentissage, contrat aidé), non salarié; "Ensemble"
sector         ``secteur`` / ``na5`` / ``secteur_activite``: agriculture, industrie, construction,
               commerce, services (NA5 codes AZ, BE, FZ, GU, OQ map onto them)
count          ``actifs_occupes`` / ``emplois`` / ``effectif`` / ``nombre`` / ``valeur`` / ``nb``
mean age       ``age_moyen`` (optional)
=============  ====================================================================

Census counts are estimates (weighted samples): INSEE advises against using
cells under about 200 people in small areas; the minimum cell size of the
indicators applies on top.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from adequa.errors import InputError
from adequa.sources.bmo import code, norm_text, parse_count, pick, read_table
from adequa.sources.job_seekers import (TOTAL, is_total, norm_age, norm_diploma, norm_sex, occupation_of,
                                        territory_columns, territory_of)

LAYOUT = "rp-long-1"
SECTORS = {"az": "agriculture", "agriculture": "agriculture", "be": "industrie", "industrie": "industrie",
           "fz": "construction", "construction": "construction", "gu": "commerce",
           "commerce": "commerce", "commerce, transports et services divers": "services",
           "oq": "services", "services": "services", "tertiaire": "services",
           "administration publique, enseignement, sante et action sociale": "services"}


def norm_status(value) -> str:
    t = norm_text(value)
    if is_total(t):
        return TOTAL
    if "non salari" in t or "independ" in t or "employeur" in t or "aide familial" in t:
        return "non-salarie"
    if "non durable" in t or "precaire" in t or any(k in t for k in ("cdd", "interim", "apprenti", "aide", "stage",
                                                                       "emploi a duree limitee")):
        return "non-durable"
    if "durable" in t or any(k in t for k in ("cdi", "titulaire", "duree indeterminee")):
        return "durable"
    raise ValueError(f"unknown employment status {value!r} (expected durable, non durable, non salarié…)")


def norm_sector(value) -> str:
    t = norm_text(value)
    if is_total(t):
        return TOTAL
    if t in SECTORS:
        return SECTORS[t]
    for key in ("agricult", "industri", "construct", "commerce", "service"):
        if key in t:
            return {"agricult": "agriculture", "industri": "industrie", "construct": "construction",
                    "commerce": "commerce", "service": "services"}[key]
    raise ValueError(f"unknown sector {value!r} (expected agriculture, industrie, construction, commerce, services)")


def read_census(path: str | Path, *, year: int | None = None, sheet: str | None = None,
                nomenclature: str | None = None) -> Iterator[dict]:
    """Yield one ``census_workers`` row per line (layout ``rp-long-1``); see the module docstring."""
    path_s = str(path)
    cols = None
    for line, row in read_table(path, sheet=sheet):
        if cols is None:
            cols = {
                "year": pick(row, "annee", "an_rp", "rp", "year"),
                "occ": pick(row, "fap2021", "fap2009", "code_fap", "fap", "pcs", "prof", "profession"),
                "sex": pick(row, "sexe", "sex"),
                "age": pick(row, "tranche_age", "age", "tranche_d_age", "agerevq"),
                "dipl": pick(row, "diplome", "niveau_diplome", "dipl", "niveau_de_diplome"),
                "status": pick(row, "statut", "condition_emploi", "contrat", "empl", "statut_emploi"),
                "sector": pick(row, "secteur", "na5", "secteur_activite", "secteur_d_activite"),
                "value": pick(row, "actifs_occupes", "emplois", "effectif", "nombre", "valeur", "nb", "actifs"),
                "mean_age": pick(row, "age_moyen", "age_moy"),
                **territory_columns(row),
            }
            if not cols["value"]:
                raise InputError(f"no count column (actifs_occupes, emplois, effectif…); found "
                                 f"{', '.join(list(row)[:14])}", path=path_s, line=1, field="actifs_occupes")
            if not cols["year"] and year is None:
                raise InputError("no annee column: pass the census year (--year)", path=path_s, line=1, field="annee")
        c = cols
        y = year
        if c["year"]:
            try:
                y = int(float(str(row.get(c["year"])).strip().upper().removeprefix("RP")))
            except ValueError:
                raise InputError(f"expected a census year, got {row.get(c['year'])!r}", path=path_s, line=line,
                                 field=c["year"]) from None
        field = None
        try:
            field = c["sex"]
            sex = norm_sex(row.get(field)) if field else TOTAL
            field = c["age"]
            age = norm_age(row.get(field)) if field else TOTAL
            field = c["dipl"]
            dipl = norm_diploma(row.get(field)) if field else TOTAL
            field = c["status"]
            status = norm_status(row.get(field)) if field else TOTAL
            field = c["sector"]
            sector = norm_sector(row.get(field)) if field else TOTAL
        except ValueError as exc:
            raise InputError(str(exc), path=path_s, line=line, field=field) from None
        level, terr = territory_of(row, c, path_s, line)
        if c["occ"] in ("pcs", "prof", "profession"):
            value = code(row.get(c["occ"]))
            nomen, occ = ("all", TOTAL) if not value or is_total(norm_text(value)) else ("pcs", value)
        else:
            nomen, occ = occupation_of(row, c["occ"], nomenclature, y)
        yield {"year": y, "level": level, "territory": terr, "nomenclature": nomen, "occupation": occ,
               "sex": sex, "age_band": age, "diploma": dipl, "status": status, "sector": sector,
               "workers": parse_count(row.get(c["value"]), path=path_s, line=line, field=c["value"]),
               "mean_age": parse_count(row.get(c["mean_age"]), path=path_s, line=line, field=c["mean_age"])
               if c["mean_age"] else None,
               "layout": LAYOUT, "origin_file": path_s, "origin_line": line}
