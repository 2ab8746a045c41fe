"""France Compétences certification registers (RNCP and Répertoire spécifique) -> fiche records.

Two official forms are read:

* the XML export, flux V4.1 (``export_fiches_RNCP_V4_1_YYYY-MM-DD.xml``, zipped or not):
  streamed with a hardened parser (the prolog is checked first: no entity declarations, no
  external DTD, so no "billion laughs" nor XXE; then expat in C); each ``<FICHE>`` is dropped once read,
  so memory stays at the size of one fiche whatever the file size;
* the CSV export (``export-fiches-csv-YYYY-MM-DD.zip`` or its unzipped folder):
  ``;``-separated files ``export_fiches_CSV_Standard_*``, ``_Blocs_De_Compétences_*``,
  ``_Rome_*``, ``_Formacode_*``, ``_Nsf_*``, ``_Certificateurs_*`` (and ``_Partenaires_*``
  when present). The Standard file is streamed; the small child files are grouped
  by fiche number in memory.

``read_fiches(path)`` yields either a ``dict`` (one fiche, see ``FICHE_FIELDS``, plus
lists ``blocs``, ``rome``, ``certifiers``) or a ``Rejected`` naming the fiche and the
field at fault. A malformed or dangerous file raises ``InputError`` instead.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Iterator

from adequa.errors import InputError

SOURCE = "France Compétences, RNCP / Répertoire spécifique"
LICENCE = "Licence Ouverte 2.0"
NUMERO = re.compile(r"^(RNCP|RS)(\d+)$")
_DATE_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_VOIES = {"SI_JURY_FI": "voie_fi", "SI_JURY_CA": "voie_ca", "SI_JURY_FC": "voie_fc",
          "SI_JURY_CQ": "voie_cq", "SI_JURY_CL": "voie_cl", "SI_JURY_VAE": "voie_vae"}
_ROLES = {"HABILITATION_FORMER": "former", "HABILITATION_ORGANISER": "evaluer",
          "HABILITATION_ORGA_FORM": "former+evaluer"}

#: The scalar fields of a fiche record (columns of the ``certifications`` table).
FICHE_FIELDS = (
    "numero", "repertoire", "id_fiche", "intitule", "abrege_code", "abrege_libelle", "etat", "actif",
    "type_enregistrement", "niveau", "niveau_libelle", "date_fin_enregistrement", "date_publication",
    "date_effet", "date_decision", "date_dernier_jo", "date_limite_delivrance", "activites_visees",
    "competences_attestees", "secteurs_activite", "types_emploi", "objectifs_contexte", "prerequis_entree",
    *_VOIES.values(), "codes_nsf", "codes_formacode", "codes_rome", "anciennes", "nouvelles", "stats", "url",
)


@dataclass
class Rejected:
    """A fiche that could not be read: where, which field, why."""

    path: str
    record: str | None       # the fiche number when known, else "#<ordinal>"
    field: str | None
    reason: str
    line: int | None = None
    raw: str | None = None


class _Bad(Exception):
    def __init__(self, field: str, reason: str):
        self.field, self.reason = field, reason


# -- small value parsers ------------------------------------------------------
def parse_date(value: str | None, field: str) -> str | None:
    """``JJ/MM/AAAA`` (XML) or ``AAAA-MM-JJ`` (CSV) -> ISO date; empty -> None."""
    value = (value or "").strip()
    if not value:
        return None
    m = re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})", value) or None
    try:
        if m:
            return date(int(m[3]), int(m[2]), int(m[1])).isoformat()
        m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?", value)
        if m:
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        pass
    raise _Bad(field, f"invalid date {value!r}, expected a date such as 01/09/2028")


def parse_level(value: str | None, field: str = "NOMENCLATURE_EUROPE/NIVEAU") -> int | None:
    """``NIV3``..``NIV8`` (or a bare 3..8) -> int; ``AUCUN``/empty -> None."""
    value = (value or "").strip().upper()
    if not value or value in {"AUCUN", "NIV0", "SANS NIVEAU"}:
        return None
    m = re.fullmatch(r"(?:NIV(?:EAU)?\s*)?([1-8])", value)
    if not m:
        raise _Bad(field, f"invalid level {value!r}, expected NIV3 … NIV8 or AUCUN")
    return int(m[1])


def parse_bool(value: str | None) -> bool | None:
    value = (value or "").strip().lower()
    if value in {"oui", "1", "true", "active", "actif", "o", "yes"}:
        return True
    if value in {"non", "0", "false", "inactive", "inactif", "n", "no"}:
        return False
    return None


def normalise_numero(value: str | None, repertoire: str | None = None) -> str | None:
    """``RNCP37674``, ``rncp 37674`` or bare ``37674`` (with ``repertoire``) -> ``RNCP37674``."""
    value = re.sub(r"\s+", "", (value or "")).upper()
    if not value:
        return None
    if value.isdecimal() and repertoire:
        value = repertoire.upper() + value
    m = NUMERO.match(value)
    return f"{m[1]}{int(m[2])}" if m else None


def export_date(path: str | Path) -> str | None:
    """The export's date as written in its file name (``…_2026-08-16.xml``), else None."""
    m = _DATE_IN_NAME.search(Path(path).name)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return None


def fiche_hash(fiche: dict) -> str:
    """Stable hash of a fiche's content (partners excluded: they change without a new version)."""
    payload = {k: fiche.get(k) for k in FICHE_FIELDS}
    payload["blocs"] = fiche.get("blocs", [])
    payload["rome"] = fiche.get("rome", [])
    payload["certifiers"] = [c for c in fiche.get("certifiers", []) if c["role"] == "certificateur"]
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def fiche_url(numero: str) -> str:
    m = NUMERO.match(numero)
    return f"https://www.francecompetences.fr/recherche/{m[1].lower()}/{m[2]}/" if m else ""


# -- entry point ---------------------------------------------------------------
def read_fiches(path: str | Path) -> Iterator[dict | Rejected]:
    """Stream the fiches of an RNCP/RS export: XML or CSV, zipped or not, file or folder."""
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=str(path))
    if path.is_dir():
        if any(p.suffix.lower() == ".xml" for p in path.iterdir()):
            for p in sorted(q for q in path.iterdir() if q.suffix.lower() == ".xml"):
                yield from _read_xml_file(p)
        else:
            yield from read_csv_export(path)
        return
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            xmls = sorted(n for n in names if n.lower().endswith(".xml"))
            if xmls:
                for name in xmls:
                    with zf.open(name) as fh:
                        yield from read_xml(fh, f"{path}!{name}")
                return
        yield from read_csv_export(path)
        return
    yield from _read_xml_file(path)


def _read_xml_file(path: Path) -> Iterator[dict | Rejected]:
    with open(path, "rb") as fh:
        yield from read_xml(fh, str(path))


# -- XML, flux V4.1 --------------------------------------------------------------
class _Chain(io.RawIOBase):
    """A binary stream that replays ``head`` then continues with ``rest``."""

    def __init__(self, head: bytes, rest: IO[bytes]):
        self.head, self.rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:
        if self.head:
            n = min(len(buf), len(self.head))
            buf[:n], self.head = self.head[:n], self.head[n:]
            return n
        data = self.rest.read(len(buf))
        buf[:len(data)] = data
        return len(data)


_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")
_DANGEROUS = re.compile(rb"<!ENTITY|<!DOCTYPE[^>\[]*(SYSTEM|PUBLIC)|<!DOCTYPE[^>]*\[", re.I)


def guarded_stream(fh: IO[bytes], label: str, *, max_prolog: int = 1 << 22) -> tuple[IO[bytes], str | None]:
    """Refuse documents whose prolog declares entities or references an external DTD.

    Entities can only be declared in the DOCTYPE, which comes before the root element: the
    prolog is read up to the first element and checked, then replayed to the parser. Official
    exports have no DOCTYPE at all. (Expat ≥ 2.4 also caps entity amplification: belt and braces.)
    Returns the stream and the root element's name (``None`` for an empty document).
    """
    head = b""
    while True:
        chunk = fh.read(1 << 16)
        head += chunk
        clean = _strip_comments(head)
        m = _FIRST_ELEMENT.search(clean)
        if (m and re.match(rb"<[^\s/>]+[\s/>]", clean[m.start():])) or not chunk:
            prolog = clean[:m.start()] if m else clean
            break
        if len(head) > max_prolog:
            raise InputError(f"no root element in the first {max_prolog >> 20} MiB", path=label, line=1)
    if _DANGEROUS.search(prolog):
        raise InputError("refused: the file declares entities or an external DTD (<!DOCTYPE …>); "
                         "an official export never does", path=label, line=1)
    root = None
    if m:
        root = re.match(rb"<([^\s/>]+)", clean[m.start():])[1].decode("utf-8", "replace")
    return io.BufferedReader(_Chain(head, fh), buffer_size=1 << 16), root


def _strip_comments(data: bytes) -> bytes:
    return re.sub(rb"<!--.*?-->", b"", data, flags=re.S)


def iter_elements(fh: IO[bytes], label: str, tag: str, root_tag: str | None = None,
                  local: bool = False) -> Iterator:
    """Yield each ``tag`` element of a hardened XML stream once complete, then clear it so that
    memory stays at the size of one element (an empty shell of ~100 bytes stays per element).
    ``local`` ignores namespaces."""
    from xml.etree.ElementTree import ParseError, iterparse

    stream, root = guarded_stream(fh, label)
    if root is None:
        raise InputError(f"empty file, expected an XML document with <{root_tag or tag}>", path=label)
    if root_tag and (root.split(":")[-1] if local else root) != root_tag:
        raise InputError(f"root element is <{root}>, expected <{root_tag}>", path=label, line=1)
    suffix = "}" + tag
    try:
        for _, elem in iterparse(stream, events=("end",)):
            t = elem.tag
            if t == tag or (local and t.endswith(suffix)):
                yield elem
                elem.clear()
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise InputError(f"malformed XML ({exc})", path=label, line=line) from exc
    except (LookupError, ValueError) as exc:       # <?xml encoding="…"?>: an unknown or multi-byte codec
        raise InputError(f"unsupported XML encoding ({exc})", path=label, line=1) from None


def read_xml(fh: IO[bytes], label: str) -> Iterator[dict | Rejected]:
    """Stream ``<FICHE>`` elements from a V4.1 export opened in binary mode."""
    for ordinal, elem in enumerate(iter_elements(fh, label, "FICHE", root_tag="FICHES"), start=1):
        yield _fiche_from_xml(elem, label, ordinal)


def _text(elem, path: str) -> str | None:
    found = elem.find(path)
    if found is None or found.text is None:
        return None
    text = found.text.strip()
    return text or None


def _fiche_from_xml(elem, label: str, ordinal: int) -> dict | Rejected:
    numero_raw = _text(elem, "NUMERO_FICHE")
    numero = normalise_numero(numero_raw)
    record = numero or numero_raw or f"#{ordinal}"
    try:
        if not numero:
            raise _Bad("NUMERO_FICHE", f"missing or invalid fiche number {numero_raw!r}, expected RNCPnnnn or RSnnnn")
        intitule = _text(elem, "INTITULE")
        if not intitule:
            raise _Bad("INTITULE", "missing title")
        id_fiche = _text(elem, "ID_FICHE")
        if id_fiche and not id_fiche.isdecimal():
            raise _Bad("ID_FICHE", f"expected a number, got {id_fiche!r}")
        fiche = {
            "numero": numero, "repertoire": NUMERO.match(numero)[1], "id_fiche": int(id_fiche) if id_fiche else None,
            "intitule": intitule, "abrege_code": _text(elem, "ABREGE/CODE"),
            "abrege_libelle": _text(elem, "ABREGE/LIBELLE"), "etat": _text(elem, "ETAT_FICHE"),
            "actif": parse_bool(_text(elem, "ACTIF")), "type_enregistrement": _text(elem, "TYPE_ENREGISTREMENT"),
            "niveau": parse_level(_text(elem, "NOMENCLATURE_EUROPE/NIVEAU")),
            "niveau_libelle": _text(elem, "NOMENCLATURE_EUROPE/LIBELLE"),
            "activites_visees": _text(elem, "ACTIVITES_VISEES"),
            "competences_attestees": _text(elem, "CAPACITES_ATTESTEES"),
            "secteurs_activite": _text(elem, "SECTEURS_ACTIVITE"),
            "types_emploi": _text(elem, "TYPE_EMPLOI_ACCESSIBLES"),
            "objectifs_contexte": _text(elem, "OBJECTIFS_CONTEXTE"),
            "prerequis_entree": _text(elem, "PREREQUIS_ENTREE_FORMATION"),
        }
        for tag, col in (("DATE_FIN_ENREGISTREMENT", "date_fin_enregistrement"),
                         ("DATE_DE_PUBLICATION", "date_publication"), ("DATE_EFFET", "date_effet"),
                         ("DATE_DECISION", "date_decision"), ("DATE_DERNIER_JO", "date_dernier_jo"),
                         ("DATE_LIMITE_DELIVRANCE", "date_limite_delivrance")):
            fiche[col] = parse_date(_text(elem, tag), tag)
        for tag, col in _VOIES.items():
            fiche[col] = parse_bool(_text(elem, f"{tag}/ACTIF"))
        fiche["codes_nsf"] = [c for c in (_text(n, "CODE") for n in elem.iterfind("CODES_NSF/NSF")) if c]
        fiche["codes_formacode"] = [c for c in (_text(n, "CODE") for n in elem.iterfind("FORMACODES/FORMACODE")) if c]
        rome = []
        for n in elem.iterfind("CODES_ROME/ROME"):
            code = (_text(n, "CODE") or "").upper()
            if not re.fullmatch(r"[A-N]\d{4}", code):
                raise _Bad("CODES_ROME/ROME/CODE", f"invalid ROME code {code!r}, expected a letter and 4 digits such as M1805")
            rome.append({"rome": code, "libelle": _text(n, "LIBELLE")})
        fiche["rome"] = rome
        fiche["codes_rome"] = [r["rome"] for r in rome]
        fiche["anciennes"] = [normalise_numero(n.text) or n.text.strip() for n in
                              elem.iterfind("ANCIENNES_CERTIFICATIONS/ANCIENNE_CERTIFICATION/ID_FICHE_ANCIENNE_CERTIFICATION")
                              if n.text and n.text.strip()]
        fiche["nouvelles"] = [normalise_numero(n.text) or n.text.strip() for n in
                              elem.iterfind("NOUVELLES_CERTIFICATIONS/NOUVELLE_CERTIFICATION/ID_FICHE_NOUVELLE_CERTIFICATION")
                              if n.text and n.text.strip()]
        stats = []
        for n in elem.iterfind("STATISTIQUES_PROMOTIONS/STATISTIQUES_PROMOTION"):
            stats.append({"annee": _text(n, "ANNEE"), "certifies": _int(_text(n, "NOMBRE_CERTIFIES")),
                          "certifies_vae": _int(_text(n, "NOMBRE_CERTIFIES_VAE")),
                          "insertion_6m": _int(_text(n, "TAUX_INSERTION_GLOBAL_6MOIS")),
                          "insertion_2a": _int(_text(n, "TAUX_INSERTION_METIER_2ANS"))})
        fiche["stats"] = json.dumps(stats, ensure_ascii=False) if stats else None
        blocs = []
        for i, b in enumerate(elem.iterfind("BLOCS_COMPETENCES/BLOC_COMPETENCES"), start=1):
            code = _text(b, "CODE")
            if not code:
                raise _Bad(f"BLOCS_COMPETENCES/BLOC_COMPETENCES[{i}]/CODE", "bloc without a code")
            blocs.append({"code": code, "ordre": i, "libelle": _text(b, "LIBELLE"),
                          "competences": _text(b, "LISTE_COMPETENCES"),
                          "modalites_evaluation": _text(b, "MODALITES_EVALUATION")})
        fiche["blocs"] = blocs
        certifiers = []
        for c in elem.iterfind("CERTIFICATEURS/CERTIFICATEUR"):
            nom = _text(c, "NOM_CERTIFICATEUR")
            if nom:
                certifiers.append({"role": "certificateur", "nom": nom, "siret": _text(c, "SIRET_CERTIFICATEUR"),
                                   "etat": _text(c, "ETAT_CERTIFICATEUR")})
        for p in elem.iterfind("PARTENAIRES/PARTENAIRE"):
            d = {c.tag: (c.text or "").strip() for c in p}      # one pass: partners are many
            if d.get("NOM_PARTENAIRE"):
                certifiers.append({"role": _ROLES.get(d.get("HABILITATION_PARTENAIRE", ""), "partenaire"),
                                   "nom": d["NOM_PARTENAIRE"], "siret": d.get("SIRET_PARTENAIRE") or None,
                                   "etat": d.get("ETAT_HABILITATION") or None})
        fiche["certifiers"] = certifiers
        fiche["url"] = fiche_url(numero)
    except _Bad as bad:
        return Rejected(label, record, bad.field, bad.reason, raw=None)
    fiche["content_hash"] = fiche_hash(fiche)
    fiche["_format"] = "rncp-xml"
    return fiche


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value not in (None, "") else None
    except ValueError:
        return None


# -- CSV export -------------------------------------------------------------------
#: Child files of the CSV export, by the word that follows ``export_fiches_CSV_`` in their name.
CSV_PARTS = ("Standard", "Blocs_De_Compétences", "Rome", "Formacode", "Nsf", "Certificateurs", "Partenaires")


class _CsvExport:
    """The members of a CSV export, in a zip archive or a folder."""

    def __init__(self, path: Path):
        self.path = path
        self.zip = zipfile.ZipFile(path) if path.is_file() else None
        names = self.zip.namelist() if self.zip else [p.name for p in path.iterdir()]
        self.members: dict[str, str] = {}
        for name in names:
            base = Path(name).name
            if not base.lower().endswith(".csv"):
                continue
            low = base.lower().replace("é", "e")
            for part in CSV_PARTS:
                key = part.lower().replace("é", "e")
                if re.search(rf"(^|_){re.escape(key)}(_|\.|$)", low):
                    self.members[part] = name
        if "Standard" not in self.members:
            raise InputError("no export_fiches_CSV_Standard_*.csv here: is this an RNCP CSV export "
                             "(export-fiches-csv-YYYY-MM-DD.zip)?", path=str(path))

    def label(self, part: str) -> str:
        name = self.members[part]
        return f"{self.path}!{name}" if self.zip else str(self.path / name)

    def rows(self, part: str) -> Iterator[tuple[int, dict]]:
        """(line, row) of one member, ``;``-separated, UTF-8 (BOM tolerated), CP1252 as a fallback."""
        if part not in self.members:
            return
        opener = (lambda: self.zip.open(self.members[part])) if self.zip else (lambda: open(self.path / self.members[part], "rb"))
        with opener() as raw:
            head = raw.read(1 << 16)
        try:
            head.decode("utf-8")
            encoding = "utf-8-sig"
        except UnicodeDecodeError as exc:
            encoding = "utf-8-sig" if exc.start > len(head) - 4 else "cp1252"
        with opener() as raw:
            yield from self._rows(io.TextIOWrapper(raw, encoding=encoding, newline=""), part)

    def _rows(self, text: IO[str], part: str) -> Iterator[tuple[int, dict]]:
        reader = csv.reader(text, delimiter=";")
        try:
            header = [h.strip().lstrip("\ufeff") for h in next(reader)]
        except StopIteration:
            return
        except UnicodeDecodeError as exc:
            raise InputError(f"not valid {text.encoding} text ({exc.reason})", path=self.label(part), line=1) from exc
        line = 2
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                break
            except UnicodeDecodeError as exc:
                raise InputError(f"not valid {text.encoding} text ({exc.reason})", path=self.label(part),
                                 line=line) from exc
            except csv.Error as exc:
                raise InputError(f"malformed CSV ({exc})", path=self.label(part), line=line) from exc
            row_line, line = line, reader.line_num + 1
            if not fields or all(not f.strip() for f in fields):
                continue
            if len(fields) > len(header):
                raise InputError(f"{len(fields)} fields where the header has {len(header)} (wrong delimiter?)",
                                 path=self.label(part), line=row_line)
            yield row_line, dict(zip(header, fields + [""] * (len(header) - len(fields))))

    def close(self) -> None:
        if self.zip:
            self.zip.close()


def _col(row: dict, *names: str) -> str | None:
    for n in names:
        v = row.get(n)
        if v is not None and v.strip():
            return v.strip()
    return None


def read_csv_export(path: str | Path) -> Iterator[dict | Rejected]:
    """Fiches from a France Compétences CSV export (zip or folder), same records as the XML."""
    export = _CsvExport(Path(path))
    try:
        children: dict[str, dict[str, list[dict]]] = {p: {} for p in CSV_PARTS[1:]}
        bad_children: dict[str, tuple[str, str, int]] = {}
        for part in CSV_PARTS[1:]:
            for line, row in export.rows(part):
                num = normalise_numero(_col(row, "Numero_Fiche", "NUMERO_FICHE"))
                if not num:
                    bad_children.setdefault(f"#{export.label(part)}:{line}", ("Numero_Fiche", export.label(part), line))
                    continue
                children[part].setdefault(num, []).append(row)
        for label_line, (field, label, line) in bad_children.items():
            yield Rejected(label, None, field, "missing or invalid fiche number in a child file", line=line)
        label = export.label("Standard")
        for line, row in export.rows("Standard"):
            yield _fiche_from_csv(row, children, label, line)
    finally:
        export.close()


def _fiche_from_csv(row: dict, children: dict, label: str, line: int) -> dict | Rejected:
    numero_raw = _col(row, "Numero_Fiche")
    numero = normalise_numero(numero_raw)
    try:
        if not numero:
            raise _Bad("Numero_Fiche", f"missing or invalid fiche number {numero_raw!r}, expected RNCPnnnn or RSnnnn")
        intitule = _col(row, "Intitule")
        if not intitule:
            raise _Bad("Intitule", "missing title")
        id_fiche = _col(row, "Id_Fiche")
        if id_fiche and not id_fiche.isdecimal():
            raise _Bad("Id_Fiche", f"expected a number, got {id_fiche!r}")
        fiche = {
            "numero": numero, "repertoire": NUMERO.match(numero)[1], "id_fiche": int(id_fiche) if id_fiche else None,
            "intitule": intitule, "abrege_code": _col(row, "Abrege_Libelle"),
            "abrege_libelle": _col(row, "Abrege_Intitule"), "etat": _col(row, "Etat_Fiche"),
            "actif": parse_bool(_col(row, "Actif")), "type_enregistrement": _col(row, "Type_Enregistrement"),
            "niveau": parse_level(_col(row, "Nomenclature_Europe_Niveau"), "Nomenclature_Europe_Niveau"),
            "niveau_libelle": _col(row, "Nomenclature_Europe_Intitule"),
            "activites_visees": _col(row, "Activites_Visees"),
            "competences_attestees": _col(row, "Capacites_Attestees"),
            "secteurs_activite": _col(row, "Secteurs_Activite"), "types_emploi": _col(row, "Type_Emploi_Accessibles"),
            "objectifs_contexte": _col(row, "Objectifs_Contexte"),
            "prerequis_entree": _col(row, "Prerequis_Entree_Formation"),
        }
        for src, col in (("Date_Fin_Enregistrement", "date_fin_enregistrement"),
                         ("Date_Publication", "date_publication"), ("Date_Effet", "date_effet"),
                         ("Date_Decision", "date_decision"), ("Date_dernier_jo", "date_dernier_jo"),
                         ("Date_Limite_Delivrance", "date_limite_delivrance")):
            fiche[col] = parse_date(_col(row, src), src)
        for tag, col in _VOIES.items():
            fiche[col] = parse_bool(_col(row, tag.title(), tag))
        kids = {part: rows.get(numero, []) for part, rows in children.items()}
        fiche["codes_nsf"] = [c for c in (_col(r, "Nsf_Code") for r in kids["Nsf"]) if c]
        fiche["codes_formacode"] = [c for c in (_col(r, "Formacode_Code") for r in kids["Formacode"]) if c]
        rome = []
        for r in kids["Rome"]:
            code = (_col(r, "Codes_Rome_Code") or "").upper()
            if not re.fullmatch(r"[A-N]\d{4}", code):
                raise _Bad("Codes_Rome_Code", f"invalid ROME code {code!r}, expected a letter and 4 digits such as M1805")
            rome.append({"rome": code, "libelle": _col(r, "Codes_Rome_Libelle")})
        fiche["rome"] = rome
        fiche["codes_rome"] = [r["rome"] for r in rome]
        fiche["anciennes"], fiche["nouvelles"], fiche["stats"] = [], [], None
        blocs = []
        for i, b in enumerate(kids["Blocs_De_Compétences"], start=1):
            code = _col(b, "Bloc_Competences_Code")
            if not code:
                raise _Bad("Bloc_Competences_Code", f"bloc {i} without a code")
            blocs.append({"code": code, "ordre": i, "libelle": _col(b, "Bloc_Competences_Libelle"),
                          "competences": _col(b, "Bloc_Competences_Liste_Competences", "Liste_Competences"),
                          "modalites_evaluation": _col(b, "Bloc_Competences_Modalites_Evaluation", "Modalites_Evaluation")})
        fiche["blocs"] = blocs
        certifiers = [{"role": "certificateur", "nom": _col(c, "Nom_Certificateur"), "siret": _col(c, "Siret_Certificateur"),
                       "etat": _col(c, "Etat_Certificateur")} for c in kids["Certificateurs"] if _col(c, "Nom_Certificateur")]
        certifiers += [{"role": _ROLES.get(_col(p, "Habilitation_Partenaire") or "", "partenaire"),
                        "nom": _col(p, "Nom_Partenaire"), "siret": _col(p, "Siret_Partenaire"),
                        "etat": _col(p, "Etat_Habilitation", "Etat_Partenaire")}
                       for p in kids["Partenaires"] if _col(p, "Nom_Partenaire")]
        fiche["certifiers"] = certifiers
        fiche["url"] = fiche_url(numero)
    except _Bad as bad:
        return Rejected(label, numero or numero_raw, bad.field, bad.reason, line=line,
                        raw=json.dumps(row, ensure_ascii=False)[:2000])
    fiche["content_hash"] = fiche_hash(fiche)
    fiche["_format"] = "rncp-csv"
    return fiche
