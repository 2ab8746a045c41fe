"""Personal data in ad text: recruiters' e-mails, phone numbers and names.

``scrub(text, names=...)`` replaces each item with a placeholder (``[email]``,
``[téléphone]``, ``[nom]``) and returns how many of each it removed. Stored
text is always scrubbed; the removed values are never kept, only their count.

Detection:

- e-mails: ``local@domain.tld`` and the usual obfuscations
  (``prenom.nom [at] domaine.fr``, ``(arobase)``, `` at ``+``dot``);
- French phone numbers in every usual layout: ``06 12 34 56 78``,
  ``06.12.34.56.78``, ``06-12-34-56-78``, ``0612345678``, ``+33 6 12 34 56 78``,
  ``+33 (0)6 12 34 56 78``, ``0033 6 12 34 56 78``, ``+336 12 34 56 78``,
  plus short numbers ``0 800 12 34 56`` / ``3949``-style numbers are left alone;
- names: the contact names given in the ad's own fields (``contact.nom``),
  names after a civility (``M. Dupont``, ``Mme Claire MARTIN``), and
  "Prénom NOM" after contact words (``contactez Julie Durand``,
  ``auprès de``, ``à l'attention de``, ``interlocuteur :``…).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Iterable

__all__ = ["scrub", "scrub_fields", "EMAIL", "PHONE"]

_LOCAL = r"[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}"
_DOMAIN = r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?"
EMAIL = re.compile(
    rf"{_LOCAL}\s*(?:@|\[\s*(?:at|@|arobase)\s*\]|\(\s*(?:at|@|arobase)\s*\)|\s(?:at|arobase)\s)\s*"
    rf"{_DOMAIN}(?:\s*(?:\.|\[\s*(?:dot|point)\s*\]|\(\s*(?:dot|point)\s*\)|\s(?:dot|point)\s)\s*{_DOMAIN})*"
    rf"\s*(?:\.|\[\s*(?:dot|point)\s*\]|\(\s*(?:dot|point)\s*\)|\s(?:dot|point)\s)\s*[A-Za-z]{{2,12}}\b",
    re.I,
)
_SEP = r"[ \u00a0\u202f.\-/]?"
PHONE = re.compile(
    r"(?<![\w+])(?:"
    rf"(?:\+|00)\s?33\s?(?:\(\s?0\s?\)\s?)?{_SEP}[1-9](?:{_SEP}\d{{2}}){{4}}"     # +33 6 12 34 56 78, 0033...
    rf"|0[1-9](?:{_SEP}\d{{2}}){{4}}"                                              # 06 12 34 56 78 and variants
    rf"|0\s?[89]\d{{2}}(?:{_SEP}\d{{2}}){{3}}"                                     # 0 800 12 34 56
    rf"|\(0\)\s?[1-9](?:{_SEP}\d{{2}}){{4}}"                                       # (0)6 12 34 56 78
    r")(?![\w])"
)
_CIVILITY = r"(?:M\.|Mr\.?|Mme\.?|Mlle\.?|Monsieur|Madame|Mademoiselle)"
_UPPER = r"[A-ZÀ-ÖØ-Þ]"
_CAP_WORD = rf"{_UPPER}[a-zà-öø-ÿ'’\-]+"
_UP_WORD = rf"{_UPPER}[A-ZÀ-ÖØ-Þ'’\-]+"
_NAME_WORD = rf"(?:{_CAP_WORD}|{_UP_WORD})"
_PARTICLE = r"(?:(?:de|du|van|von|le|la|d['’])\s?)?"
NAME_AFTER_CIVILITY = re.compile(rf"\b{_CIVILITY}\s+(?:{_NAME_WORD}\s+){{0,2}}{_PARTICLE}{_NAME_WORD}")
NAME_AFTER_CONTACT = re.compile(
    rf"(?i:\b(?:contacte[rz]?|contact\s*:|aupr[èe]s\s+de|à\s+l['’]attention\s+de|interlocut(?:eur|rice)\s*:?|"
    rf"recruteu(?:r|se)\s*:|candidature\s+à|cv\s+à|envoyer\s+(?:votre\s+)?(?:cv|candidature)\s+à|"
    rf"responsable\s+(?:du\s+)?recrutement\s*:?|chargée?\s+de\s+recrutement\s*:?))\s+"
    rf"({_CAP_WORD}(?:[\s\-]{_CAP_WORD})?\s+{_PARTICLE}{_UP_WORD}(?:\s+{_UP_WORD})?"
    rf"|{_CAP_WORD}\s+{_PARTICLE}{_CAP_WORD})"
)
_NAME_TOKEN = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿ'’\-]+$")
_STOP_CAPS = {"Pour", "Nous", "Vous", "Le", "La", "Les", "Notre", "Votre", "Merci", "Poste", "CV", "Service", "Agence",
              "Equipe", "Équipe", "Ressources", "Humaines", "Pôle", "France", "Travail", "Emploi", "Direction"}


def _name_variants(names: Iterable[str]) -> list[re.Pattern]:
    return _name_patterns(tuple(n for n in names if n))


@lru_cache(maxsize=4096)
def _name_patterns(names: tuple[str, ...]) -> list[re.Pattern]:
    """Patterns for the contact names given in the ad's own fields ("FLUNCH - M. Alain MARTINEZ")."""
    out = []
    for raw in names:
        if not raw:
            continue
        raw = str(raw)
        part = raw.split(" - ", 1)[1] if " - " in raw else raw
        part = re.sub(rf"^\s*{_CIVILITY}\s*", "", part).strip()
        words = [w for w in re.split(r"\s+", part) if len(w) > 1 and w not in _STOP_CAPS]
        if not words or len(part) < 3 or len(words) > 4 or not all(_NAME_TOKEN.match(w) for w in words):
            continue
        # the full name, and the last word alone when it looks like a surname (2+ letters, capitalised)
        alts = [re.escape(" ".join(words))]
        if len(words) >= 2 and len(words[-1]) >= 3:
            alts.append(re.escape(words[-1]))
        out.append(re.compile(r"(?<!\w)(?:" + "|".join(alts) + r")(?!\w)", re.I))
    return out


def scrub(text: str | None, *, names: Iterable[str] = ()) -> tuple[str | None, Counter]:
    """Remove e-mails, phone numbers and names from ``text``.

    Returns (scrubbed text, Counter of removed items by kind: email, phone, name).
    """
    counts: Counter = Counter()
    if not text:
        return text, counts

    def sub(pattern: re.Pattern, placeholder: str, kind: str, s: str, group: int = 0) -> str:
        def repl(m: re.Match) -> str:
            counts[kind] += 1
            if group:
                start, end = m.span(group)
                return m.group(0)[: start - m.start()] + placeholder + m.group(0)[end - m.start():]
            return placeholder
        return pattern.sub(repl, s)

    if "@" in text or " at " in text or "arobase" in text.lower() or "[at]" in text or "(at)" in text:
        text = sub(EMAIL, "[email]", "email", text)
    if any(c.isdigit() for c in text):
        text = sub(PHONE, "[téléphone]", "phone", text)
    for pattern in _name_variants(names):
        text = sub(pattern, "[nom]", "name", text)
    text = sub(NAME_AFTER_CIVILITY, "[nom]", "name", text)
    text = sub(NAME_AFTER_CONTACT, "[nom]", "name", text, group=1)
    return text, counts


def scrub_fields(values: Iterable[str | None]) -> int:
    """How many personal items sit in fields that are dropped whole (contact.nom, contact.courriel…)."""
    total = 0
    for value in values:
        if not value:
            continue
        value = str(value)
        found = len(EMAIL.findall(value)) + len(PHONE.findall(value))
        if not found and NAME_AFTER_CIVILITY.search(value):
            found = 1
        total += found
    return total
