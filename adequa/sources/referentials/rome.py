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
from adequa.sources.referentials._csv import read_table as read_csv

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
    "referentiel_contexte_travail": ("code_ogr", "libelle_cont_travail", "libelle_type_cont_trav"),
}


@dataclass(frozen=True)
class RomeExport:
    """A located RefRomeCsv export: its folder, version and files by table name."""

    folder: Path
    version: str
    files: dict[str, Path]

    @property
    def release(self) -> str:
        """The version as France Travail writes it in its notes: ``460`` -> ``4.60``."""
        v = self.version
        return f"{v[0]}.{v[1:]}" if len(v) >= 2 and v.isdecimal() else v

    def release_note(self) -> dict:
        """Number and publication date from ``version.txt`` (the publisher's note), if present."""
        note = self.folder / "version.txt"
        out: dict = {}
        if note.exists():
            text = note.read_text(encoding="utf-8", errors="replace")
            m = re.search(r"Num[ée]ro de version\s*:\s*(\d+)", text)
            if m:
                out["number"] = m.group(1)
            m = re.search(r"Date de publication\s*:\s*(\d\d)/(\d\d)/(\d{4})", text)
            if m:
                out["published"] = f"{m.group(3)}-{m.group(2)}-{m.group(1)}"
        return out

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
               "rarely_used": r.get("peu_usite") == "O", "cadre": _flag(r.get("emploi_cadre")),
               "principal": r.get("classification") == "PRINCIPALE"}


def _flag(value: str | None) -> bool | None:
    return {"O": True, "N": False}.get((value or "").strip())


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


def contextes(export: RomeExport) -> Iterator[dict]:
    """Work contexts (hours, travel, physical conditions…), also linked to fiches as items."""
    for r in export.rows("referentiel_contexte_travail"):
        yield {"code_ogr": r["code_ogr"], "label": r["libelle_cont_travail"],
               "type_code": r.get("code_type_cont_trav") or None, "type_label": r.get("libelle_type_cont_trav") or None}


_V3_FILE = re.compile(r"referentiel_code_rome_v(?P<version>\d+)", re.I)


def locate_v3(folder: str | Path) -> tuple[Path, str] | None:
    """The ROME v3 code list (``*referentiel_code_rome_v3NN*.xml|csv``) under ``folder``, with its version."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    for path in sorted(folder.rglob("*")):
        m = _V3_FILE.search(path.name)
        if m and m["version"].startswith("3") and path.suffix.lower() in (".xml", ".csv"):
            return path, m["version"]
    return None


def v3_codes(path: str | Path) -> Iterator[dict]:
    """ROME v3 codes and labels, from the v3 ``unix_referentiel_code_rome`` export (XML or CSV)."""
    from adequa.errors import InputError

    path = Path(path)
    if path.suffix.lower() == ".csv":
        for _, r in read_csv(path, required=("code_rome", "code_ogr")):
            yield {"code_rome": r["code_rome"], "code_ogr": r["code_ogr"], "label": r.get("libelle") or r.get("libelle_rome")}
        return
    from defusedxml.ElementTree import iterparse
    from xml.etree.ElementTree import ParseError

    number = 0
    try:
        for _event, elem in iterparse(str(path), events=("end",)):
            if elem.tag != "item_referentiel_code_rome":
                continue
            number += 1
            row = {child.tag: (child.text or "").strip() for child in elem}
            if not row.get("code_rome"):
                raise InputError("item without code_rome", path=str(path), record=str(number), field="code_rome")
            yield {"code_rome": row["code_rome"], "code_ogr": row.get("code_ogr") or None, "label": row.get("libelle")}
            elem.clear()
    except ParseError as exc:
        raise InputError(f"malformed XML ({exc})", path=str(path), line=exc.position[0]) from exc
