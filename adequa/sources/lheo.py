"""LHÉO 2.x training offers (XML) and their Intercarif JSON form -> offer records.

An offer record is a ``dict`` with the columns of ``training_offers`` plus ``actions``: a
list of action dicts (where and how it is taught: place, alternance, distance), each with
``sessions`` (when, how many places). XML is streamed formation by formation with the
hardened parser of :mod:`adequa.sources.rncp` (prolog checked, then expat); the namespace version
(2.2, 2.3 …) is not assumed. Unreadable formations come back as ``Rejected``.
"""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path
from typing import IO, Iterator

from adequa.errors import InputError
from adequa.sources.rncp import Rejected, iter_elements, normalise_numero

SOURCE_XML = "LHÉO training offers (XML)"
SOURCE_JSON = "Intercarif training offers (LHÉO JSON)"
_TAGS = re.compile(r"<[^>]+>")
_DISTANCE = {"0": "presentiel", "1": "mixte", "2": "distance"}


def stable_id(*parts) -> str:
    return hashlib.sha256("\x1f".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:20]


def strip_html(text: str | None) -> str | None:
    """LHÉO texts are HTML fragments, often escaped: unescape, drop tags, squeeze spaces."""
    if not text:
        return None
    text = html.unescape(text)
    text = _TAGS.sub(" ", text)
    text = re.sub(r"\s+", " ", html.unescape(text)).strip()
    return text or None


def parse_lheo_date(value: str | None, field: str) -> str | None:
    """``AAAAMMJJ`` (XML) or ``AAAA-MM-JJ`` (JSON) -> ISO; 00000000 / 99999999 (unknown) -> None."""
    value = (value or "").strip()
    if not value or value in {"00000000", "99999999"}:
        return None
    m = re.fullmatch(r"(\d{4})-?(\d{2})-?(\d{2})", value)
    if not m:
        raise ValueError(field, f"invalid date {value!r}, expected AAAAMMJJ such as 20250901")
    from datetime import date

    try:
        return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        raise ValueError(field, f"invalid date {value!r}, expected AAAAMMJJ such as 20250901") from None


def departement_of(commune: str | None, postal_code: str | None = None) -> str | None:
    """Département from an INSEE commune code (97x overseas, 2A/2B Corsica), else from a postal code."""
    code = (commune or "").strip().upper()
    if len(code) == 5:
        if code.startswith("97"):
            return code[:3]
        return code[:2]
    pc = (postal_code or "").strip()
    if len(pc) == 5 and pc.isdecimal():
        if pc.startswith("97"):
            return pc[:3]
        if pc.startswith("20"):
            return "2A" if int(pc) < 20200 else "2B"
        return pc[:2]
    return None


def read_offers(path: str | Path) -> Iterator[dict | Rejected]:
    """Offers from a LHÉO XML file or an Intercarif JSON file (array, JSONL or one record)."""
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=str(path))
    with open(path, "rb") as fh:
        head = fh.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        with open(path, "rb") as fh:
            yield from read_xml(fh, str(path))
    elif head[:1] in (b"{", b"["):
        yield from read_json(path)
    else:
        raise InputError("neither XML (LHÉO) nor JSON (Intercarif)", path=str(path), line=1)


# -- XML ------------------------------------------------------------------------------
def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(elem, name: str):
    for c in elem:
        if _local(c.tag) == name:
            return c
    return None


def _children(elem, name: str):
    return [c for c in elem if _local(c.tag) == name]


def _path(elem, *names: str):
    for n in names:
        if elem is None:
            return None
        elem = _child(elem, n)
    return elem


def _t(elem, *names: str) -> str | None:
    e = _path(elem, *names)
    if e is None or e.text is None:
        return None
    return e.text.strip() or None


def _descendant(elem, name: str):
    for e in elem.iter():
        if _local(e.tag) == name:
            return e
    return None


def read_xml(fh: IO[bytes], label: str) -> Iterator[dict | Rejected]:
    """Stream ``<formation>`` elements (any LHÉO namespace) with the hardened reader of RNCP exports."""
    for ordinal, elem in enumerate(iter_elements(fh, label, "formation", root_tag="lheo", local=True), start=1):
        yield _offer_from_xml(elem, label, ordinal)


def _place(coord) -> dict:
    """Place fields from a <coordonnees> or <adresse> element."""
    if coord is None:
        return {}
    adresse = coord if _local(coord.tag) == "adresse" else _child(coord, "adresse")
    if adresse is None:
        return {"lieu_nom": _t(coord, "ligne")}
    commune = _t(adresse, "code-INSEE-commune")
    postal = _t(adresse, "codepostal")
    dept = _t(adresse, "departement") or departement_of(commune, postal)
    return {"lieu_nom": _t(coord, "ligne") if _local(coord.tag) != "adresse" else _t(adresse, "ville"),
            "commune": commune, "postal_code": postal, "departement": dept, "region": _t(adresse, "region")}


def _bool01(value: str | None) -> bool | None:
    return {"1": True, "0": False}.get((value or "").strip())


def _offer_from_xml(f, label: str, ordinal: int) -> dict | Rejected:
    numero = f.get("numero")
    record = numero or f"#{ordinal}"
    try:
        intitule = strip_html(_t(f, "intitule-formation"))
        if not intitule:
            raise ValueError("intitule-formation", "missing title")
        dom = _child(f, "domaine-formation")
        certs = _children(f, "certification")
        rncp = [normalise_numero(c, "RNCP") for c in (_t(x, "code-RNCP") for x in certs) if c]
        rs = [normalise_numero(c, "RS") for c in (_t(x, "code-RS") for x in certs) if c]
        if None in rncp or None in rs:
            raise ValueError("certification/code-RNCP", "invalid certification code, expected digits or RNCPnnnn")
        org = _child(f, "organisme-formation-responsable")
        offer_id = stable_id("lheo", numero or label, ordinal if not numero else "")
        offer = {
            "offer_id": offer_id, "source": "lheo-xml", "source_id": numero, "intitule": intitule,
            "objectif": strip_html(_t(f, "objectif-formation")), "certifiante": _bool01(_t(f, "certifiante")),
            "codes_rncp": rncp, "codes_rs": rs,
            "code_certifinfo": next((c for c in (_t(x, "code-CERTIFINFO") for x in certs) if c), None),
            "codes_formacode": [e.text.strip() for e in _children(dom, "code-FORMACODE") if e.text] if dom is not None else [],
            "codes_nsf": [e.text.strip() for e in _children(dom, "code-NSF") if e.text] if dom is not None else [],
            "codes_rome": [e.text.strip().upper() for e in _children(dom, "code-ROME") if e.text] if dom is not None else [],
            "niveau_sortie": _t(f, "code-niveau-sortie"),
            "organisme_id": org.get("numero") if org is not None else None,
            "organisme_siret": _t(org, "SIRET-organisme-formation", "SIRET") if org is not None else None,
            "organisme_nom": _t(org, "nom-organisme") if org is not None else None,
            "origin_file": label, "origin_record": ordinal,
        }
        actions = []
        for ai, a in enumerate(_children(f, "action"), start=1):
            lieu = _place(_path(a, "lieu-de-formation", "coordonnees"))
            alt_text = (_t(a, "modalites-alternance") or "").strip()
            action_id = stable_id(offer_id, a.get("numero") or "", ai)
            heures = _t(a, "nombre-heures-total")
            action = {"action_id": action_id, "offer_id": offer_id, "source_id": a.get("numero"),
                      "alternance": _child(a, "alternance") is not None or alt_text not in ("", "-", "0"),
                      "distance": _DISTANCE.get(_t(a, "modalites-enseignement") or ""),
                      "rythme": _t(a, "rythme-formation"), "heures_total": float(heures) if heures and
                      re.fullmatch(r"\d+(\.\d+)?", heures) else None, "duree": _t(a, "duree-indicative"),
                      "lieu_nom": None, "commune": None, "postal_code": None, "departement": None, "region": None}
            action.update({k: v for k, v in lieu.items() if v})
            sessions = []
            for si, s in enumerate(_children(a, "session"), start=1):
                debut = parse_lheo_date(_t(s, "periode", "debut"), "session/periode/debut")
                fin = parse_lheo_date(_t(s, "periode", "fin"), "session/periode/fin")
                places_e = _descendant(s, "nb-places")
                places = places_e.text.strip() if places_e is not None and places_e.text else None
                if places and not places.isdecimal():
                    raise ValueError("session/nb-places", f"expected a whole number, got {places!r}")
                where = {k: action[k] for k in ("commune", "postal_code", "departement", "region")}
                if not where["commune"]:
                    insc = _place(_path(s, "adresse-inscription", "adresse"))
                    where.update({k: insc.get(k) for k in where if insc.get(k)})
                sessions.append({"session_id": stable_id(action_id, s.get("numero") or "", si), "action_id": action_id,
                                 "offer_id": offer_id, "source_id": s.get("numero"), "debut": debut, "fin": fin,
                                 "places": int(places) if places else None, **where})
            action["sessions"] = sessions
            actions.append(action)
        offer["actions"] = actions
        return offer
    except ValueError as exc:
        field, reason = exc.args if len(exc.args) == 2 else (None, str(exc))
        return Rejected(label, record, field, reason)


# -- Intercarif JSON ---------------------------------------------------------------------
def read_json(path: Path) -> Iterator[dict | Rejected]:
    from adequa.sources.readers import read_json_records

    for number, obj in read_json_records(path, list_keys=("resultats", "formations", "offres", "items", "results")):
        yield _offer_from_json(obj, str(path), number)


def _s(value) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _offer_from_json(o: dict, label: str, number: int) -> dict | Rejected:
    numero = _s(o.get("id")) or _s(o.get("uid"))
    record = numero or f"#{number}"
    try:
        intitule = strip_html(_s(o.get("intitule")))
        if not intitule:
            raise ValueError("intitule", "missing title")
        rncp_raw = _s(o.get("code-rncp"))
        rncp = normalise_numero(rncp_raw, "RNCP") if rncp_raw else None
        if rncp_raw and not rncp:
            raise ValueError("code-rncp", f"invalid RNCP code {rncp_raw!r}")
        rs_raw = _s(o.get("code-rs"))
        rs = normalise_numero(rs_raw, "RS") if rs_raw else None
        org = o.get("organisme") or {}
        offer_id = stable_id("intercarif", o.get("catalogue") or "", numero or label, "" if numero else number)
        offer = {
            "offer_id": offer_id, "source": "intercarif-json", "source_id": numero, "intitule": intitule,
            "objectif": strip_html(_s(o.get("objectif"))),
            "certifiante": bool(o["certifiante"]) if isinstance(o.get("certifiante"), bool) else None,
            "codes_rncp": [rncp] if rncp else [], "codes_rs": [rs] if rs else [],
            "code_certifinfo": _s(o.get("code-certifinfo")),
            "codes_formacode": [str(c) for c in o.get("codes-formacode") or []],
            "codes_nsf": [str(c) for c in o.get("codes-nsf") or []],
            "codes_rome": [str(c).upper() for c in o.get("codes-rome-vises") or []],
            "niveau_sortie": _s(o.get("niveau-sortie")), "organisme_id": _s(org.get("id")),
            "organisme_siret": _s(org.get("siret")), "organisme_nom": _s(org.get("nom")),
            "origin_file": label, "origin_record": number,
        }
        distance = _DISTANCE.get(_s(o.get("modalite-enseignement")) or "")
        alternance = any(bool(o.get(k)) for k in ("alternance", "contrat-apprentissage", "contrat-professionnalisation"))
        actions: dict[str, dict] = {}
        for si, s in enumerate(o.get("sessions") or [], start=1):
            loc = ((s.get("localisation") or {}).get("formation")) or {}
            commune, postal = _s(loc.get("commune-insee")), _s(loc.get("code-postal"))
            key = commune or postal or ""
            if key not in actions:
                action_id = stable_id(offer_id, key)
                actions[key] = {"action_id": action_id, "offer_id": offer_id, "source_id": None,
                                "alternance": alternance, "distance": distance, "rythme": None,
                                "heures_total": float(s["nombre-heures-total"]) if _s(s.get("nombre-heures-total"))
                                and re.fullmatch(r"\d+(\.\d+)?", str(s["nombre-heures-total"])) else None,
                                "duree": None, "lieu_nom": _s(loc.get("ville")), "commune": commune,
                                "postal_code": postal, "departement": departement_of(commune, postal),
                                "region": _s(loc.get("region-insee")), "sessions": []}
            action = actions[key]
            places = 0
            seen_places = False
            for fin in s.get("financeurs") or []:
                p = _s(fin.get("places"))
                if p:
                    if not p.isdecimal():
                        raise ValueError(f"sessions[{si}]/financeurs/places", f"expected a whole number, got {p!r}")
                    places += int(p)
                    seen_places = True
            action["sessions"].append({
                "session_id": stable_id(action["action_id"], _s(s.get("id")) or "", si), "action_id": action["action_id"],
                "offer_id": offer_id, "source_id": _s(s.get("id")),
                "debut": parse_lheo_date(_s(s.get("debut")), f"sessions[{si}]/debut"),
                "fin": parse_lheo_date(_s(s.get("fin")), f"sessions[{si}]/fin"),
                "places": places if seen_places else None, "commune": commune, "postal_code": postal,
                "departement": action["departement"], "region": action["region"]})
        offer["actions"] = list(actions.values())
        return offer
    except ValueError as exc:
        field, reason = exc.args if len(exc.args) == 2 else (None, str(exc))
        return Rejected(label, record, field, reason)
