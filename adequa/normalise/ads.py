"""Raw ad records -> canonical ``JobAd``: one function per record shape.

- ``from_france_travail(record)``: the "Offres d'emploi v2" schema (nested as
  the API returns it, or unflattened from a CSV export whose nested values are
  Python-repr or JSON strings);
- ``from_mapped(record)``: a record already renamed to canonical keys by a
  column mapping (see ``sources.ads_csv``).

Both return ``(JobAd, Contacts)``: the contact fields are never stored, the
pipeline removes the contact names from the text and counts the personal items. Bad values raise
``InputError`` naming the field; the pipeline adds the file and line.
``finish_ad`` then sets the geography, the content hash, the stable id and the
language once the text is final (after personal data removal).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, NamedTuple

from adequa.errors import InputError
from adequa.model import JobAd
from adequa.normalise import values
from adequa.normalise.clean import _plain, clean_text, detect_language
from adequa.normalise.geo import GeoResolver

__all__ = ["Contacts", "from_france_travail", "from_mapped", "finish_ad", "make_ad_id", "content_hash", "CANONICAL_FIELDS"]

FT_SOURCE = "france-travail"
CANONICAL_FIELDS = ("source_id", "title", "description", "date", "updated", "commune", "postal_code", "location",
                    "contract", "contract_label", "employer", "url", "source", "rome", "skills", "salary",
                    "salary_min", "salary_max",
                    "working_time", "experience", "qualification", "naf")


class Contacts(NamedTuple):
    """Contact data of an ad, never stored: ``names`` are also removed from the text,
    ``fields`` are counted for the personal items they held."""

    names: list[str]
    fields: list[str]


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def make_ad_id(source: str, source_id: str | None, chash: str | None = None) -> str:
    """Stable id: hash of source + source id, or of source + content when there is no id."""
    if source_id:
        return _hash(f"{source}\x1f{source_id}")
    if not chash:
        raise InputError("an ad needs a source id or some text to identify it", field="id")
    return _hash(f"{source}\x1fcontent\x1f{chash}")


_GENDER = re.compile(r"\((?:h\s*/\s*f|f\s*/\s*h|m\s*/\s*f|f\s*/\s*m|h\s*/\s*f\s*/\s*x)\)", re.I)
_NON_WORD = re.compile(r"[\W_]+")


def content_hash(title: str | None, description: str | None) -> str:
    """Hash of the normalised text (case, spacing and "(H/F)" in the title ignored): equal for exact duplicates."""
    title = title or ""
    if "(" in title:
        title = _GENDER.sub(" ", title)
    # " ".join(f"{title}\n{description}".lower().split()), without splitting a clean description into words
    head = " ".join(title.lower().split())
    low = (description or "").lower()
    body = low.replace("\n\n", "\n").replace("\n", " ") if "\n" in low else low
    if not _plain(body):
        body = " ".join(low.split())
    return _hash(f"{head} {body}" if head and body else head or body)


def _field(record: dict, path: str) -> Any:
    cur: Any = record
    for part in path.split("."):
        if isinstance(cur, str):
            try:
                cur = values.parse_nested(cur)
            except ValueError as exc:
                raise InputError(str(exc), field=path.rsplit(".", 1)[0]) from None
        if not isinstance(cur, dict):
            return None
        cur = cur.get(part)
        if cur is None:
            return None
    if isinstance(cur, str):
        cur = cur.strip()
        if cur in ("", "nan", "NaN", "None", "null"):
            return None
    return cur


def _nested(record: dict, name: str) -> Any:
    try:
        return values.parse_nested(record.get(name))
    except ValueError as exc:
        raise InputError(str(exc), field=name) from None


def _parse(field: str, parser, *args):
    try:
        return parser(*args)
    except ValueError as exc:
        raise InputError(str(exc), field=field) from None


def _str(value) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


_FT_NESTED = ("lieuTravail", "entreprise", "salaire", "contact", "agence", "origineOffre", "competences")


_EMPTY = frozenset(("", "nan", "NaN", "None", "null"))


def _v(d: dict, key: str):
    """A value of a record, with empty strings and "nan"/"None" read as missing."""
    v = d.get(key)
    if v.__class__ is str:
        v = v.strip()
        if v in _EMPTY:
            return None
    return v


def _sub(record: dict, key: str) -> dict:
    v = record.get(key)
    return v if isinstance(v, dict) else {}


def from_france_travail(record: dict, *, source: str = FT_SOURCE) -> tuple[JobAd, Contacts]:
    """A France Travail offer (API v2 schema, nested or unflattened) as a ``JobAd``."""
    copied = False
    for key in _FT_NESTED:      # parse each nested value once (CSV exports hold them as repr strings)
        value = record.get(key)
        if isinstance(value, str) and value[:1] in "[{":
            if not copied:
                record, copied = dict(record), True
            record[key] = _nested(record, key)
    source_id = _str(record.get("id"))
    title = clean_text(_v(record, "intitule"))
    if not title:
        raise InputError("missing job title (intitule)", field="intitule")
    created = _parse("dateCreation", values.parse_date, _v(record, "dateCreation"))
    updated = _parse("dateActualisation", values.parse_date, _v(record, "dateActualisation"))
    contract, months = _parse("typeContrat", values.parse_contract, _v(record, "typeContrat"),
                              _v(record, "typeContratLibelle"))
    experience, exp_months = _parse("experienceExige", values.parse_experience, _v(record, "experienceExige"),
                                    _v(record, "experienceLibelle"))
    working, hours = values.parse_working_time(_v(record, "dureeTravailLibelleConverti"),
                                               _v(record, "dureeTravailLibelle"))
    salaire = _sub(record, "salaire")
    smin, smax, period = _parse("salaire.libelle", values.parse_salary, _v(salaire, "libelle"))
    if smin is None and salaire.get("commentaire"):
        smin, smax, period = values.parse_salary(_v(salaire, "commentaire"), free_text=True)
    qcode = _str(_v(record, "qualificationCode"))
    qualification = _str(_v(record, "qualificationLibelle")) or values.QUALIFICATIONS.get(qcode or "")
    skills = record.get("competences") or []
    if not isinstance(skills, list):
        raise InputError("expected a list of {code, libelle, exigence}", field="competences")
    source_skills = [str(s.get("code")) for s in skills if isinstance(s, dict) and s.get("code")]
    contact, agence = _sub(record, "contact"), _sub(record, "agence")
    name = _v(contact, "nom")
    contacts = [str(v) for v in (name, _v(contact, "coordonnees1"), _v(contact, "coordonnees2"),
                                 _v(contact, "coordonnees3"), _v(contact, "courriel"), _v(contact, "telephone"),
                                 _v(agence, "courriel"), _v(agence, "telephone")) if v]
    url = _v(_sub(record, "origineOffre"), "urlOrigine") or (
        f"https://candidat.francetravail.fr/offres/recherche/detail/{source_id}" if source_id else None)
    lieu = _sub(record, "lieuTravail")
    ad = JobAd(
        ad_id="", source=source, source_id=source_id, title=title,
        description=clean_text(_v(record, "description")) or "",
        created_at=created, updated_at=updated,
        employer=clean_text(_v(_sub(record, "entreprise"), "nom")), url=_str(url),
        contract_type=contract, contract_months=months, durable=values.is_durable(contract, months),
        working_time=working, hours_per_week=hours, experience=experience, experience_months=exp_months,
        qualification=qualification, salary_min=smin, salary_max=smax, salary_period=period,
        commune=_str(_v(lieu, "commune")), postal_code=_str(_v(lieu, "codePostal")),
        location_text=clean_text(_v(lieu, "libelle")),
        source_rome=_str(_v(record, "romeCode")), source_skills=source_skills,
        naf=_str(_v(record, "codeNAF")),
    )
    return ad, Contacts([str(name)] if name else [], contacts)


def from_mapped(record: dict, *, source: str) -> tuple[JobAd, Contacts]:
    """A record with canonical keys (see ``CANONICAL_FIELDS``) as a ``JobAd``."""
    title = clean_text(record.get("title"))
    if not title:
        raise InputError("missing job title", field="title")
    contract_text = " ".join(str(v) for v in (record.get("contract"), record.get("contract_label")) if v)
    contract, months = values.lenient(lambda v: values.parse_contract(None, v), contract_text, "null", (None, None))
    smin, smax, period = values.parse_salary(record.get("salary"), free_text=True)
    if smin is None and (record.get("salary_min") or record.get("salary_max")):
        lo = values.lenient(values.parse_float, record.get("salary_min"), "null")
        hi = values.lenient(values.parse_float, record.get("salary_max"), "null")
        if lo or hi:
            smin, smax = lo or hi, hi or lo
            period = "hour" if smax < 100 else "month" if smax < 10000 else "year"
    experience, exp_months = _parse("experience", values.parse_experience, None, record.get("experience"))
    working, hours = values.parse_working_time(record.get("working_time"), None)
    skills = record.get("skills")
    if isinstance(skills, str):
        parsed = _nested(record, "skills")
        skills = parsed if isinstance(parsed, list) else [s.strip() for s in re.split(r"[;,|]", skills) if s.strip()]
    if skills is not None and not isinstance(skills, (list, tuple)):
        skills = [skills]               # a lone value (number, object) in a JSON file
    skills = [str(s.get("code") if isinstance(s, dict) else s) for s in (skills or [])]
    loc = _str(record.get("location"))
    commune = _str(record.get("commune"))
    postal = _str(record.get("postal_code"))
    ad = JobAd(
        ad_id="", source=_str(record.get("source")) or source, source_id=_str(record.get("source_id")),
        title=title, description=clean_text(record.get("description")) or "",
        created_at=_parse("date", values.parse_date, record.get("date")),
        updated_at=_parse("updated", values.parse_date, record.get("updated")),
        employer=clean_text(record.get("employer")), url=_str(record.get("url")),
        contract_type=contract, contract_months=months, durable=values.is_durable(contract, months),
        working_time=working, hours_per_week=hours, experience=experience, experience_months=exp_months,
        qualification=_str(record.get("qualification")), salary_min=smin, salary_max=smax, salary_period=period,
        commune=commune, postal_code=postal, location_text=clean_text(loc),
        source_rome=_str(record.get("rome")), source_skills=skills, naf=_str(record.get("naf")),
    )
    if ad.employer in ("N/A", "n/a", "NA", "-"):
        ad.employer = None
    return ad, Contacts([str(record["contact"])] if record.get("contact") else [],
                        [str(record[k]) for k in ("contact", "email", "phone") if record.get(k)])


def finish_ad(ad: JobAd, geo: GeoResolver | None, *, language: bool = True) -> JobAd:
    """Geography, content hash, stable id and language (unless ``language`` is false: the caller then
    guesses it for many ads at once with ``clean.detect_languages``), once the text is final."""
    if geo is not None:
        loc = geo.resolve(ad.commune, ad.postal_code, ad.location_text)
        ad.commune = loc.commune
        ad.postal_code = loc.postal_code or ad.postal_code
        ad.departement, ad.region, ad.bassin = loc.departement, loc.region, loc.bassin
    ad.content_hash = content_hash(ad.title, ad.description)
    ad.ad_id = make_ad_id(ad.source, ad.source_id, ad.content_hash)
    if language:
        ad.lang = detect_language(ad.description) or detect_language(ad.title)
    return ad
