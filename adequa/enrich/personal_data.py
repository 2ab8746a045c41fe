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

_LOCAL = r"[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}"     # possessive where used: no backtracking
_DOMAIN = r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?"
EMAIL = re.compile(
    rf"(?<![A-Za-z0-9._%+\-]){_LOCAL}+\s*(?:@|\[\s*(?:at|@|arobase)\s*\]|\(\s*(?:at|@|arobase)\s*\)|\s(?:at|arobase)\s)\s*"
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
_CAP_WORD = rf"{_UPPER}[a-zà-öø-ÿ'’]+(?:-{_UPPER}[a-zà-öø-ÿ'’]+)*"     # Julie, Jean-Pierre
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


def _name_variants(names: Iterable[str]) -> list[tuple[re.Pattern, tuple[str, ...]]]:
    if not names:                       # most ads name no contact
        return []
    return _name_patterns(tuple(n for n in names if n))


@lru_cache(maxsize=4096)
def _name_patterns(names: tuple[str, ...]) -> list[tuple[re.Pattern, tuple[str, ...]]]:
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
        alts = [" ".join(words)]
        if len(words) >= 2 and len(words[-1]) >= 3:
            alts.append(words[-1])
        pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, alts)) + r")(?!\w)", re.I)
        out.append((pattern, tuple(a.lower() for a in alts)))
    return out


_PLACEHOLDER = {"email": "[email]", "phone": "[téléphone]", "name": "[nom]"}
# Literal cues (found with str.find, far faster than a regex scan) and where the exact pattern
# is then tried around each cue: (kind, pattern, chars before, chars after, group).
_EMAIL_CUES = ("@", "[at]", "(at)", " at ", "arobase", "[AT]", "(AT)", " AT ", "[ at ]", "( at )")
_CIVILITY_CUES = ("M. ", "Mr ", "Mr. ", "Mme", "Mlle", "Monsieur", "Madame", "Mademoiselle")
_CONTACT_CUES = ("ontact", "ONTACT", "upr", "UPR", "ttention", "nterlocut", "ecrut", "esponsable", "nvoy", "CV ",
                 "cv ", "andidature", "harg")


_PHONE_CUES = ("+", "(0", "0")
_GROUPS = (0,) * len(_EMAIL_CUES) + (1,) * len(_CIVILITY_CUES) + (2,) * len(_CONTACT_CUES) + (3, 3, 4)


def _cue_automaton():
    """One Aho-Corasick automaton over every literal cue (and the characters a phone number starts
    with): a single pass finds them all. ahocorasick-rs (a DFA, ~4x faster), else pyahocorasick."""
    cues = _EMAIL_CUES + _CIVILITY_CUES + _CONTACT_CUES + _PHONE_CUES
    try:
        import ahocorasick_rs
    except ImportError:                 # pragma: no cover - ahocorasick-rs is a dependency
        import ahocorasick

        auto = ahocorasick.Automaton()
        for index, cue in enumerate(cues):
            auto.add_word(cue, (index, len(cue) - 1))
        auto.make_automaton()
        return lambda text: [(index, end - back, end + 1) for end, (index, back) in auto.iter(text)]
    auto = ahocorasick_rs.AhoCorasick(list(cues), implementation=ahocorasick_rs.Implementation.DFA)
    return lambda text: auto.find_matches_as_indexes(text, overlapping=True)


_CUES = _cue_automaton()


def _cue_positions(text: str) -> tuple[list[int], list[int], list[int], list[int]]:
    """Sorted start positions of the e-mail, civility and contact cues of ``text`` (overlaps included),
    and of what may start a French phone number: "+", "(0" or a "0" followed by a digit (or " 8"/" 9",
    as in "0 800"), not inside a word."""
    found: tuple[set, set, set, set] = (set(), set(), set(), set())
    groups = _GROUPS
    for index, start, _ in _CUES(text):
        group = groups[index]
        if group == 4:
            nxt = text[start + 1: start + 3]
            if not (nxt[:1].isdecimal() or nxt in (" 8", " 9")) or \
                    (start and (text[start - 1].isalnum() or text[start - 1] in "+(")):
                continue
            group = 3
        found[group].add(start)
    return sorted(found[0]), sorted(found[1]), sorted(found[2]), sorted(found[3])


def _match_near(pattern: re.Pattern, text: str, first: int, last: int, end: int):
    """``pattern.search(text, first, end)`` when the match starts at ``last`` at the latest (else None),
    trying only those starts: a failed search would scan the whole window."""
    for pos in range(max(0, first), last + 1):
        m = pattern.match(text, pos, end)
        if m is not None:
            return m
    return None


def scrub(text: str | None, *, names: Iterable[str] = ()) -> tuple[str | None, Counter]:
    """Remove e-mails, phone numbers and names from ``text``.

    Returns (scrubbed text, Counter of removed items by kind: email, phone, name).
    Literal cues (``@``, civilities, contact words, a leading ``0``/``+``) are found in one
    Aho-Corasick pass; the exact patterns then run only at them (a name pattern only from the
    few positions where its cue word can start), so clean text costs one fast scan.
    """
    counts: Counter = Counter()
    if not text:
        return text, counts
    n = len(text)
    spans: list[tuple[int, int, str]] = []
    email_cues, civility_cues, contact_cues, phone_starts = _cue_positions(text)
    last = -1
    for pos in email_cues:
        if pos < last:
            continue
        m = EMAIL.search(text, max(0, pos - 80), min(n, pos + 140))
        while m is not None and m.end() <= pos:
            m = EMAIL.search(text, m.end(), min(n, pos + 140))
        if m is not None and m.start() <= pos:
            spans.append((m.start(), m.end(), "email"))
            last = m.end()
    last = -1
    for pos in phone_starts:
        if pos < last:
            continue
        m = PHONE.match(text, pos, min(n, pos + 32))
        if m is not None and (m.end() == n or not text[m.end()].isalnum()):
            spans.append((m.start(), m.end(), "phone"))
            last = m.end()
    for found, pattern, before, group in ((civility_cues, NAME_AFTER_CIVILITY, 1, 0),
                                         (contact_cues, NAME_AFTER_CONTACT, 6, 1)):
        last = -1
        for pos in found:
            if pos < last:
                continue
            m = _match_near(pattern, text, pos - before, min(n - 1, pos + 1), min(n, pos + 160))
            if m is not None:
                spans.append((*m.span(group), "name"))
                last = m.end()
    low = None
    for pattern, keys in _name_variants(names):
        low = low if low is not None else text.lower()
        if any(k in low for k in keys):
            spans.extend((m.start(), m.end(), "name") for m in pattern.finditer(text))
    if not spans:
        return text, counts
    spans.sort()
    merged: list[list] = []
    for a, b, kind in spans:
        if merged and a < merged[-1][1]:      # overlapping finds are one item, as wide as both
            merged[-1][1] = max(merged[-1][1], b)
            continue
        merged.append([a, b, kind])
    out, last = [], 0
    for a, b, kind in merged:
        out.append(text[last:a])
        out.append(_PLACEHOLDER[kind])
        counts[kind] += 1
        last = b
    out.append(text[last:])
    return "".join(out), counts


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
