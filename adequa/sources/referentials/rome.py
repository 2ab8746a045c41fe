"""ROME 4.0 "RefRomeCsv" export (France Travail): official files -> rows.

The export is a folder of ``unix_<table>_v<NNN>_utf8.csv`` files, UTF-8,
comma-separated, every field quoted. The version number is read from the file
names (and ``version.txt`` when present), never assumed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from adequa.errors import ReferentialError
from adequa.sources.readers import read_csv

SOURCE = "ROME 4.0 (France Travail, RefRomeCsv)"
LICENCE = "Licence Ouverte / Etalab 2.0"
_FILE = re.compile(r"^unix_(?P<table>.+)_v(?P<version>\d+)_utf8\.csv$")

# Table name in the export -> the columns we rely on.
TABLES = {
    "referentiel_code_rome": ("code_rome", "code_ogr", "libelle_rome", "code_rome_parent"),
    "referentiel_appellation": ("code_ogr", "libelle_appellation_long", "libelle_appellation_court", "code_rome"),
    "referentiel_competence": ("code_ogr", "nature", "libelle_competence", "code_ogr_macro_comp"),
    "referentiel_savoir": ("code_ogr_savoir", "libelle_savoir", "categorie_savoir"),
    "coherence_item": ("code_rome", "code_ogr", "coeur_metier"),
    "liens_rome_referentiels": ("code_rome", "code_ogr"),
    "cr_gd_dp": ("code_rome", "code_grand_domaine", "code_domaine_professionel"),
    "item": ("code_ogr", "libelle"),
}


@dataclass(frozen=True)
class RomeExport:
    """A located RefRomeCsv export: its folder, version and files by table name."""

    folder: Path
    version: str
    files: dict[str, Path]

    def rows(self, table: str) -> Iterator[dict]:
        """Stream the rows of one table, checking its required columns."""
        if table not in self.files:
            raise ReferentialError(f"{self.folder}: ROME table {table!r} not found (expected unix_{table}_v{self.version}_utf8.csv)")
        encoding = "cp1252" if table == "arborescence_secteur_naf" else "utf-8-sig"  # publisher's quirk
        for _, row in read_csv(self.files[table], delimiter=",", encoding=encoding, required=TABLES.get(table, ())):
            yield row


def locate(folder: str | Path) -> RomeExport:
    """Find the RefRomeCsv files in ``folder`` and read their version from the names."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ReferentialError(f"{folder}: ROME folder not found (run `adequa data pull`)")
    files: dict[str, Path] = {}
    versions: set[str] = set()
    for path in folder.iterdir():
        m = _FILE.match(path.name)
        if m:
            files[m["table"]] = path
            versions.add(m["version"])
    if not files:
        raise ReferentialError(f"{folder}: no unix_*_vNNN_utf8.csv files (is this a RefRomeCsv export?)")
    if len(versions) > 1:
        raise ReferentialError(f"{folder}: files of several ROME versions mixed: {sorted(versions)}")
    missing = [t for t in ("referentiel_code_rome", "referentiel_appellation") if t not in files]
    if missing:
        raise ReferentialError(f"{folder}: ROME export incomplete, missing {', '.join(missing)}")
    return RomeExport(folder, versions.pop(), files)


def fiches(export: RomeExport) -> Iterator[dict]:
    for r in export.rows("referentiel_code_rome"):
        yield {"code_rome": r["code_rome"], "code_ogr": r["code_ogr"], "label": r["libelle_rome"],
               "code_rome_parent": r.get("code_rome_parent") or None}


def appellations(export: RomeExport) -> Iterator[dict]:
    for r in export.rows("referentiel_appellation"):
        yield {"code_ogr": r["code_ogr"], "label": r["libelle_appellation_long"],
               "short_label": r["libelle_appellation_court"], "code_rome": r["code_rome"],
               "rarely_used": r.get("peu_usite") == "O"}


def competences(export: RomeExport) -> Iterator[dict]:
    """Compétences and macro-compétences (``nature`` tells which)."""
    for r in export.rows("referentiel_competence"):
        yield {"code_ogr": r["code_ogr"], "nature": r["nature"], "label": r["libelle_competence"],
               "definition": r.get("definition") or None, "macro_ogr": r.get("code_ogr_macro_comp") or None,
               "macro_code": r.get("code_macro_comp") or None, "category": r.get("cat_comp") or None,
               "subcategory": r.get("sous_cat_comp") or None}


def savoirs(export: RomeExport) -> Iterator[dict]:
    for r in export.rows("referentiel_savoir"):
        yield {"code_ogr": r["code_ogr_savoir"], "label": r["libelle_savoir"],
               "category": r.get("categorie_savoir") or None, "subcategory": r.get("sous_categorie_savoir") or None}


def fiche_items(export: RomeExport) -> Iterator[dict]:
    """Fiche <-> item links with the ``coeur_metier`` flag (unix_coherence_item)."""
    for r in export.rows("coherence_item"):
        yield {"code_rome": r["code_rome"], "code_ogr": r["code_ogr"], "coeur_metier": r.get("coeur_metier") or None,
               "core": r.get("coeur_metier") == "Principale"}


def hierarchy(export: RomeExport) -> Iterator[dict]:
    """Grand domaine -> domaine professionnel -> fiche."""
    for r in export.rows("cr_gd_dp"):
        yield {"code_rome": r["code_rome"], "grand_domaine": r["code_grand_domaine"],
               "grand_domaine_label": r.get("libelle_grand_domaine"), "domaine": r["code_domaine_professionel"],
               "domaine_label": r.get("libelle_domaine_professionel")}
