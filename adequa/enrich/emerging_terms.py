"""Skill-like terms that no taxonomy lists yet, and their variants.

Pure functions, no I/O: the caller passes the text, the set of known
taxonomy keys and the taxonomy labels.

* :func:`candidate_terms` finds terms and short phrases that *behave* like
  skills: they sit in requirement contexts (bullet lines, "Compétences",
  "Profil", "Stack", "Environnement technique" sections, after "maîtrise de",
  "connaissance de", "experience with" …), in enumerations of short items,
  next to known skills, and/or have the shape of a tool name (``PyTorch``,
  ``dbt``, ``GPT-4``, ``MLOps``, ``Node.js``, ``C++``).
* :func:`term_key` and :func:`group_variants` group spellings, acronyms and
  English/French forms of one term (``Power BI`` / ``PowerBI`` / ``power-bi``;
  ``LLM`` / ``LLMs`` / ``Large Language Models`` / ``grands modèles de
  langage``).
* :func:`nearest_item` suggests the closest taxonomy label (rapidfuzz).

Example::

    >>> [c.term for c in candidate_terms("Stack : Python, dbt, Zorblax et SQL", known={"python", "sql"})]
    ['dbt', 'Zorblax']
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Iterable, Sequence

__all__ = [
    "Candidate", "TermGroup", "acronym_of", "acronym_definitions", "candidate_terms", "group_variants",
    "is_tool_shaped", "plausible_term", "nearest_item", "nearest_items", "strip_accents", "term_key", "TRANSLATIONS",
]

# -- normalisation --------------------------------------------------------------


def strip_accents(text: str) -> str:
    """Text without diacritics (é → e); characters with no ASCII form (œ, ·) are kept."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


_KEY_DROP = re.compile(r"[^a-z0-9+#]")


@lru_cache(maxsize=200_000)
def term_key(term: str) -> str:
    """The spelling-insensitive key of a term: accents, case, spaces, hyphens and dots
    dropped, a final plural ``s`` removed (``Power BI`` = ``power-bi`` = ``PowerBI`` →
    ``powerbi``; ``LLMs`` → ``llm``). ``+`` and ``#`` are kept (C++, C#)."""
    t = strip_accents(term).casefold().strip()
    t = t.replace("&", "and")
    key = _KEY_DROP.sub("", t)
    if len(key) > 3 and key.endswith("s") and not key.endswith("ss"):
        key = key[:-1]
    return key


# Function words skipped by acronyms and stripped from the ends of candidates.
STOPWORDS = frozenset("""
a à au aux avec ce ces cet cette chez d d' dans de des du elle en et être été il ils je l l' la le les leur leurs
lui ma mais me même mes mon ne êtes etes est sont sommes avez avons ont serez serons ferez aurez
recherchons cherchons souhaitons proposons offrons nos notre nous on ou où par pas pour qu qu' que qui sa se ses si son sur ta te tes
toi ton tu un une vos votre vous y afin ainsi selon sous tout tous toute toutes très plus moins bien etc
the of and or to in on for with a an as at by from is are be your our you we their this that these those into
""".split())

# Words that are common in job ads and never a skill on their own.
GENERIC = frozenset(strip_accents(w) for w in """
poste postes profil profils mission missions entreprise entreprises équipe équipes client clients candidat candidate
candidature cdi cdd cdd. interim intérim stage alternance contrat salaire rémunération avantages télétravail
expérience expériences experience years ans an mois année années semaine jour jours heure heures h/f f/h hf fh
compétences compétence connaissances connaissance maîtrise savoir savoir-faire qualités qualité requis requise
souhaité souhaitée souhaitable apprécié appréciée appréciés un atout atout plus minimum niveau bac bac+2 bac+3
bac+5 master licence diplôme formation débutant débutants accepté acceptés junior senior confirmé confirmée
autonomie rigueur rigoureux rigoureuse autonome dynamique motivé motivée organisé organisée curiosité curieux
sens esprit relationnel écoute communication travail capacité capacités aisance goût bonne bonnes bon bons
excellent excellente excellentes forte fort solide solides idéalement notamment également outils outil logiciels
logiciel environnement technique techniques technologies technologie langages langage frameworks framework
stack méthodes méthode méthodologies projet projets données data nouveau nouvelle nouvelles nouveaux
description profil recherché recherchée nous vous votre vos notre rejoindre rejoignez poste_à_pourvoir
france paris lyon lille nantes rouen caen le_havre normandie région site sites groupe société
skills skill requirements required knowledge proficiency good strong plus nice have must team work
oui non ok etc h f hf fh permis tickets ticket restaurant restaurants mutuelle prévoyance vacances chèques
cheques primes prime indemnités indemnites fériés feries participation intéressement interessement véhicule
vehicule avantage avantages horaires horaire
""".split())

# Short all-caps words of job ads that are not skills (contract, degree, admin acronyms).
NOT_SKILL_ACRONYMS = frozenset("""
CDI CDD CDII RTT SMIC SMIG TPE PME PMI ETI BTP RH DRH DG DSI CE CSE CV HF FH H F TTC HT SA SAS SARL SASU BAC BTS
DUT BUT IUT DEUG DEUST LMD VAE CPF RQTH TH ESAT EHPAD IDF UE USA UK FR EN NB PS AM PM OK KM NC NA ND NR VL PL
PDG CEO CTO CFO COO TVA IBAN RIB SIRET URSSAF APE NAF CAP BEP BP DE IDE AS AES AMP ASH AVS ETP JO SNCF RATP RER
TGV ZI ZA SAV ADV MUTUELLE HSE QHSE EPI CACES FIMO FCO SST VOUS NOUS LE LA LES DES UNE UN ET OU AU DU EN
""".split())

# Lines announcing requirements (a section header) or holding them inline (a trigger phrase).
_HEADER = re.compile(
    r"\b(compétences|competences|profil|stack|environnement technique|environnement tech|outils|technologies|"
    r"technos|langages|savoir[- ]faire|connaissances|qualifications|prérequis|pré-requis|requis|"
    r"skills|requirements|tech stack|tools|what you bring|vous maîtrisez|vous maitrisez|vous avez|"
    r"vous êtes|votre profil|ce que nous recherchons|must have|nice to have|bonus|un plus)\b",
    re.I)
_TRIGGER = re.compile(
    r"\b(maîtrise|maitrise|maîtriser|maitriser|connaissance|connaissances|connaître|connaitre|expérience|experience|"
    r"compétences?|pratique|utilisation|usage|familier|familière|à l'aise|aisance|expertise|expert|"
    r"knowledge|proficien\w*|familiar|hands-on|skilled|stack|environnement|outils|technos?|frameworks?|"
    r"langages?|librairies|bibliothèques|plateformes?|solutions?|idéalement|notions?|appréci\w+|atout)\b"
    r"\s*(?:(?:de|des|du|en|sur|avec|of|with|in)\b|d'|:)?",
    re.I)
_TRIGGER_END = re.compile(_TRIGGER.pattern + r"\s*(?:(?:les?|la|des|du|un|une|the|a)\s+|l['’]|d['’])?$", re.I)
# Cheap substring tests run before the alternation regexes above (Python's re tries every
# alternative at every position, which dominated the scan time).
_HEADER_STEMS = ("compét", "compet", "profil", "stack", "environnement", "outil", "techno", "langage", "savoir",
                 "connaissance", "qualification", "prérequis", "pré-requis", "requis", "skill", "requirement",
                 "tools", "bring", "vous ", "ce que", "must", "nice", "bonus", "un plus")
_TRIGGER_STEMS = ("maîtris", "maitris", "connai", "expérience", "experience", "compétence", "pratique",
                  "utilisation", "usage", "famili", "à l'aise", "aisance", "expert", "knowledge", "proficien",
                  "hands-on", "skilled", "stack", "environnement", "outils", "techno", "framework", "langage",
                  "librairies", "bibliothèques", "plateforme", "solution", "idéalement", "notion", "appréci",
                  "atout")


@lru_cache(maxsize=4)
def _automaton(stems: tuple[str, ...]):
    import ahocorasick

    a = ahocorasick.Automaton()
    for s in stems:
        a.add_word(s, s)
    a.make_automaton()
    return a


def _maybe(text: str, stems: tuple[str, ...]) -> bool:
    """Whether any stem occurs in ``text`` (lower-cased), in one Aho-Corasick pass."""
    for _ in _automaton(stems).iter(text.lower()):
        return True
    return False


_BULLET = re.compile(r"^\s*(?:[-•*·▪►●◦–—✓✔>]|\d{1,2}[.)])\s+")
_SEP = re.compile(r"\s*(?:,|;|/(?!\w\b)|\||\bet\b|\bou\b|\band\b|\bor\b|(?<=\s)\(|\((?=\s)|\)(?=[\s,;.:]|$)|:|"
                  r"\+(?=\s)|\s-\s|\s–\s|\.\s)\s*", re.I)
_TOKEN = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ0-9][A-Za-zÀ-ÖØ-öø-ÿ0-9+#._'’-]*")
_NONSPACE = re.compile(r"\S+")
_ELISION = re.compile(r"(?:l|d)['’]", re.I)
_GENERIC_WORD = re.compile(r"[\w+#.'’-]+")
_NUMBERISH = re.compile(r"[\d.,%€k+-]+")
_FIGURE = re.compile(r"\d{2,}|€|%")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý])")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý])|\n+")


@lru_cache(maxsize=200_000)
def is_tool_shaped(token: str) -> bool:
    """True for tokens shaped like product, tool or method names: inner capitals
    (PyTorch, MLOps), short acronyms (LLM, RAG, not CDI), digits mixed with letters
    (GPT-4, S3), or inner ``.``/``+``/``#`` (Node.js, C++, C#)."""
    t = token.strip(".,;:'’-")
    if len(t) < 2:
        return False
    bare = strip_accents(t)
    if bare.upper() in NOT_SKILL_ACRONYMS:
        return False
    if re.fullmatch(r"[A-Z][A-Z0-9]{1,6}s?", bare):                # LLM, RAG, GCP, LLMs
        return True
    if (re.search(r"[a-z][A-Z]|[A-Z]{2}[a-z]", bare)                   # PyTorch, MLOps, dbtCloud
            and re.fullmatch(r"[A-Za-z0-9.+#-]+", bare)):
        return True
    if re.search(r"[A-Za-z]", bare) and re.search(r"\d", bare) and not re.fullmatch(r"\d+[a-z]{1,3}", bare,
                                                                                     re.I):
        return bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9.+-]*", bare))     # GPT-4, S3, not 35h / 2ans
    if re.fullmatch(r"[A-Za-z]+[+#]{1,2}|\.?[A-Za-z]+\.[A-Za-z]{1,4}", bare):          # C++, C#, Node.js, .NET
        return not re.fullmatch(r"[a-z]+\.[a-z]{2,3}", bare) or bare.endswith(".js")  # no domain names
    return False


# -- candidates --------------------------------------------------------------------


@dataclass
class Candidate:
    term: str               # as written (runs of spaces collapsed)
    key: str                # term_key(term)
    start: int              # offsets in the text
    end: int
    score: float            # 0..1, how skill-like the context and shape are
    sentence: str           # the line or sentence it was found in (for examples)
    features: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


_STRIP = " \t.,;:!?'\"’«»()[]{}*-–—•"


def _trim(item: str, start: int, end: int) -> tuple[int, int]:
    while start < end and item[start] in _STRIP:
        start += 1
    while end > start and item[end - 1] in _STRIP:
        end -= 1
    return start, end


@lru_cache(maxsize=100_000)
def _is_stop(word: str) -> bool:
    """A function word (le, des, of…), also with an elided apostrophe (l', d')."""
    w = strip_accents(word.casefold())
    return w in STOPWORDS or w.rstrip("'’") in STOPWORDS or w.rstrip("'’") in ("l", "d")


def _clean_span(item: str) -> tuple[int, int]:
    """(start, end) of the term inside a list item: trigger phrase, leading and
    trailing function words and punctuation removed."""
    start, end = _trim(item, 0, len(item))
    first = _NONSPACE.match(item, start)
    if first and _is_stop(first.group()):     # "Une connaissance de X"
        start, end = _trim(item, first.end(), end)
    lead = _TRIGGER.match(item, start)
    if lead and lead.end() < end:
        start, end = _trim(item, lead.end(), end)
    words = [(m.start(), m.end()) for m in _NONSPACE.finditer(item, start, end)]
    while words and _is_stop(item[words[0][0]:words[0][1]]):
        words = words[1:]
    while words and _is_stop(item[words[-1][0]:words[-1][1]]):
        words = words[:-1]
    if not words:
        return start, start
    start, end = words[0][0], words[-1][1]
    m = _ELISION.match(item[start:end])
    if m:
        start += m.end()
    return _trim(item, start, end)


def _clean_item(item: str) -> str:
    start, end = _clean_span(item)
    return item[start:end]


def _is_generic(term: str) -> bool:
    words = [strip_accents(w.casefold()) for w in _GENERIC_WORD.findall(term)]
    if not words:
        return True
    content = [w for w in words if w not in STOPWORDS and w not in GENERIC]
    return not content or all(_NUMBERISH.fullmatch(w) for w in content)


_INFLECTION = re.compile(r"(?<=\w)(?:\((?:e|s|es|ne|le|se|ve|rice|trice|euse|ère)\)s?|[·.](?:e|ne|se|ve|rice)(?:[·.]?s)?\b)",
                         re.I)


def _tidy(text: str) -> str:
    """Literal ``\\n`` left by some exports become newlines, HTML entities become
    characters; the length is kept so that offsets still point into the original."""
    if "\\n" in text or "/r/n" in text:
        text = text.replace("\\r\\n", "   \n").replace("/r/n", "   \n").replace("\\n", " \n")
    # Gender inflections "organisé(e)", "un(e)", "expert·e·s" would read as list brackets.
    text = _INFLECTION.sub(lambda m: " " * len(m.group()), text)
    if "&" in text:
        text = re.sub(r"&#x?[0-9a-fA-F]{1,6};?|&[a-z]{2,6};", lambda m: " " * len(m.group()), text)
    return text


@lru_cache(maxsize=200_000)
def _is_word(term: str) -> bool:
    """A plain dictionary word of French or English (``sécurité``, ``propulsion``)."""
    import simplemma

    t = term.strip()
    if not t.isalpha():
        return False
    low = t.casefold()
    return simplemma.is_known(low, lang="fr") or simplemma.is_known(low, lang="en")


def _lines_with_offsets(text: str) -> Iterable[tuple[int, str]]:
    pos = 0
    for line in text.splitlines(keepends=True):
        yield pos, line.rstrip("\r\n")
        pos += len(line)


def candidate_terms(text: str | None, *, known: set[str] | frozenset[str] = frozenset(),
                    min_score: float = 0.5, max_words: int = 4) -> list[Candidate]:
    """Skill-like terms of ``text`` whose :func:`term_key` is not in ``known``.

    Each list item or short phrase is scored (added, capped at 1): requirement context
    (bullet line, under a requirement header, after a trigger phrase) +0.3; item of an
    enumeration (3+ short items, or a one-item bullet under a requirement header) +0.3; next
    to a known skill in it +0.2; right after a trigger phrase ("connaissance de X") +0.2;
    tool shape +0.4; a single plain dictionary word −0.3, a single non-word +0.1; a phrase
    of 3+ words without a tool-shaped token −0.2. Candidates need ``min_score``. Items
    longer than ``max_words`` words are sentences: only their tool-shaped tokens are kept.
    Offsets point into ``text``; ``term`` has its runs of spaces collapsed.
    """
    if not text:
        return []
    text = _tidy(text)
    out: list[Candidate] = []
    seen: set[tuple[int, int]] = set()
    in_section = 0              # lines left under a requirement header
    for offset, line in _lines_with_offsets(text):
        stripped = line.strip()
        if not stripped:
            in_section = max(0, in_section - 1)
            continue
        bullet = bool(_BULLET.match(line))
        header = ((len(stripped) < 80 or stripped.rstrip().endswith(":")) and _maybe(stripped[:60], _HEADER_STEMS)
                  and bool(_HEADER.search(stripped[:60])))
        if header:
            in_section = 12
        context = bullet or in_section > 0
        for seg_start, seg in _segments(line):
            trig = _TRIGGER.search(seg) if _maybe(seg, _TRIGGER_STEMS) else None
            seg_context = context or bool(trig) or header
            body_start = trig.end() if (trig and not context) else 0
            # Header lines "Compétences : Python, SQL" : the list starts after the colon.
            if header and ":" in seg[:60]:
                body_start = max(body_start, seg.index(":") + 1)
            body = seg[body_start:]
            base = offset + seg_start + body_start
            items = _items(body)
            sizes = [len(it.split()) for _, it in items]
            n_short = sum(1 for n in sizes if 0 < n <= max_words)
            if not seg_context and n_short < 3:
                continue            # neither a requirement context nor a list: nothing skill-like here
            # A bullet holding one short item under a requirement header is one item of a list.
            enumeration = (n_short >= 3 or (n_short >= 2 and seg_context)
                           or (bullet and in_section > 0 and n_short == 1 and len(items) == 1))
            spans = [_clean_span(it) if n <= max_words + 3 else None for (_, it), n in zip(items, sizes)]
            known_in_list = sum(1 for (_, it), n, sp in zip(items, sizes, spans)
                                if 0 < n <= max_words and term_key(it[sp[0]:sp[1]]) in known) if known else 0
            for index, (item_start, item) in enumerate(items):
                if spans[index] is None:
                    if seg_context:
                        _tool_tokens(text, item, base + item_start, seg_context, known, out, seen, line)
                    continue
                c_start, c_end = spans[index]
                term = item[c_start:c_end]
                if not term:
                    continue
                n_words = len(term.split())
                t_start = base + item_start + c_start
                rel = t_start - offset          # the term's position in the line
                before = line[max(0, rel - 60):rel]
                after_trigger = _maybe(before[-45:], _TRIGGER_STEMS) and bool(_TRIGGER_END.search(before))
                if after_trigger and n_words >= 2:
                    # "connaissance de Zorblax serait un plus": the name, up to the first plain word.
                    head = _name_head(term)
                    if head and len(head) < len(term):
                        term, n_words = head, len(head.split())
                if n_words > max_words:
                    _tool_tokens(text, term, t_start, seg_context, known, out, seen, line)
                    continue
                if n_words > 1:
                    toks = term.split()
                    tools = [t for t in toks if is_tool_shaped(t)]
                    if tools and all(t.islower() and (t in STOPWORDS or _is_word(t)) for t in toks if t not in tools):
                        # "utiliserez FlumeML au quotidien": the tool, not the phrase around it.
                        _tool_tokens(text, term, t_start, seg_context, known, out, seen, line)
                        continue
                key = term_key(term)
                if (not key or key in known or len(key) < 2 or _is_generic(term)
                        or strip_accents(term).upper().split("+")[0] in NOT_SKILL_ACRONYMS):
                    if n_words > 1:
                        _tool_tokens(text, term, t_start, seg_context, known, out, seen, line)
                    continue
                score, feats = 0.0, []
                if seg_context:
                    score += 0.3
                    feats.append("requirement-context")
                if enumeration:
                    score += 0.3
                    feats.append("enumeration")
                if known_in_list and enumeration:
                    score += 0.2
                    feats.append("next-to-known")
                if after_trigger:
                    score += 0.2                # "Connaissance de X", "maîtrise de la X"
                    feats.append("after-trigger")
                tokens = term.split()
                if any(is_tool_shaped(t) for t in tokens):
                    score += 0.4
                    feats.append("tool-shape")
                elif n_words == 1 and not term[0].isdecimal():
                    proper = index > 0 and term[0].isupper()      # a name in mid-list: Snowflake
                    score += -0.3 if (_is_word(term) and not proper) else 0.1
                if n_words >= 3 and "tool-shape" not in feats:
                    score -= 0.2            # long phrases are mostly tasks, not skills
                if _FIGURE.search(term) and "tool-shape" not in feats:
                    continue
                if score + 1e-9 < min_score:
                    if n_words > 1:
                        _tool_tokens(text, term, t_start, seg_context, known, out, seen, line)
                    continue
                span = (t_start, t_start + len(term))
                if span in seen:
                    continue
                seen.add(span)
                out.append(Candidate(" ".join(term.split()), key, span[0], span[1], round(min(score, 1.0), 3),
                                     " ".join(stripped.split())[:300], feats))
    return out


def _name_head(term: str) -> str:
    """The leading words of ``term`` up to the first lower-case function or dictionary word
    (``Zorblax serait un plus`` → ``Zorblax``; ``Vextra DB est apprécié`` → ``Vextra DB``);
    empty when the phrase starts with such a word."""
    end = 0
    for m in _NONSPACE.finditer(term):
        w = m.group().strip(".,;:!?")
        if w.islower() and (strip_accents(w) in STOPWORDS or w in STOPWORDS or _is_word(w)) and not is_tool_shaped(w):
            break
        end = m.end()
    return term[:end].strip(" .,;:!?")


def _tool_tokens(text, phrase, phrase_start, context, known, out, seen, line):
    """Tool-shaped single tokens inside a longer phrase ("déployer des LLM sur GCP")."""
    for m in _TOKEN.finditer(phrase):
        tok = m.group().strip(".,;:'’-")
        if not is_tool_shaped(tok):
            continue
        key = term_key(tok)
        if key in known or len(key) < 2:
            continue
        start = phrase_start + m.start()
        span = (start, start + len(tok))
        if span in seen:
            continue
        score = 0.4 + (0.3 if context else 0.0)
        if score < 0.5:
            continue
        seen.add(span)
        out.append(Candidate(tok, key, span[0], span[1], score, line.strip()[:300],
                             ["tool-shape"] + (["requirement-context"] if context else [])))


def _segments(line: str) -> Iterable[tuple[int, str]]:
    """Sentences of a line, with their offsets."""
    pos = 0
    for m in _SENTENCE_BREAK.finditer(line):
        yield pos, line[pos:m.start()]
        pos = m.end()
    yield pos, line[pos:]


def _items(body: str) -> list[tuple[int, str]]:
    """The pieces of ``body`` between list separators, with their offsets."""
    items, pos = [], 0
    for m in _SEP.finditer(body):
        if m.start() > pos:
            items.append((pos, body[pos:m.start()]))
        pos = m.end()
    if pos < len(body):
        items.append((pos, body[pos:]))
    # A bullet marker at the start of the body is not part of the item.
    fixed = []
    for start, item in items:
        b = _BULLET.match(item)
        if b:
            start, item = start + b.end(), item[b.end():]
        fixed.append((start, item))
    return fixed


# -- variants ---------------------------------------------------------------------

# French -> English forms of common data / AI / IT terms; extend by passing ``translations=``.
TRANSLATIONS: dict[str, str] = {
    "apprentissage automatique": "machine learning",
    "apprentissage machine": "machine learning",
    "apprentissage profond": "deep learning",
    "apprentissage par renforcement": "reinforcement learning",
    "intelligence artificielle": "artificial intelligence",
    "intelligence artificielle generative": "generative ai",
    "ia generative": "generative ai",
    "ia": "ai",
    "iag": "generative ai",
    "genai": "generative ai",
    "gen ai": "generative ai",
    "science des donnees": "data science",
    "ingenierie des donnees": "data engineering",
    "ingenierie de donnees": "data engineering",
    "analyse de donnees": "data analysis",
    "analyse des donnees": "data analysis",
    "visualisation de donnees": "data visualization",
    "visualisation des donnees": "data visualization",
    "dataviz": "data visualization",
    "datavisualisation": "data visualization",
    "gouvernance des donnees": "data governance",
    "qualite des donnees": "data quality",
    "entrepot de donnees": "data warehouse",
    "lac de donnees": "data lake",
    "megadonnees": "big data",
    "donnees massives": "big data",
    "traitement automatique du langage": "natural language processing",
    "traitement automatique des langues": "natural language processing",
    "traitement du langage naturel": "natural language processing",
    "tal": "natural language processing",
    "nlp": "natural language processing",
    "vision par ordinateur": "computer vision",
    "grand modele de langage": "large language model",
    "grands modeles de langage": "large language model",
    "modele de langage": "language model",
    "modeles de langage": "language model",
    "ingenierie de prompt": "prompt engineering",
    "ingenierie des prompts": "prompt engineering",
    "informatique en nuage": "cloud computing",
    "infonuagique": "cloud computing",
    "cybersecurite": "cybersecurity",
    "securite informatique": "cybersecurity",
    "integration continue": "continuous integration",
    "deploiement continu": "continuous deployment",
    "base de donnees": "database",
    "bases de donnees": "database",
    "mlops": "machine learning operations",
    "llmops": "large language model operations",
    "rag": "retrieval augmented generation",
    "llm": "large language model",
    "ml": "machine learning",
    "dl": "deep learning",
    "ci/cd": "continuous integration continuous deployment",
    "cicd": "continuous integration continuous deployment",
}


def plausible_term(term: str, *, max_words: int = 4) -> bool:
    """Whether a term found by another extractor (e.g. the skills enricher's unlisted spans)
    looks like a skill name rather than a piece of sentence: at most ``max_words`` words, not
    generic, not a contract/degree acronym, and, for 3+ words, not only plain lower-case
    words (``interviendrez sur des projets à fort impact``)."""
    words = term.split()
    if not words or len(words) > max_words or _is_generic(term):
        return False
    if strip_accents(term).upper().split("+")[0] in NOT_SKILL_ACRONYMS:
        return False
    if len(words) >= 3 and not any(is_tool_shaped(w) for w in words):
        return False
    if len(words) == 1 and term.islower() and _is_word(term):
        return False
    return True


def acronym_of(phrase: str) -> str | None:
    """Initials of the content words of a multi-word phrase (``Large Language Models``
    → ``llm``; ``Retrieval-Augmented Generation`` → ``rag``), or None."""
    words = [w for w in re.split(r"[\s\-_/]+", strip_accents(phrase).casefold()) if w]
    words = [w for w in words if w not in STOPWORDS and w.strip("'’") not in {"l", "d"}]
    if len(words) < 2:
        return None
    return term_key("".join(w[0] for w in words if w[0].isalnum()))


_ACRONYM_IN_BRACKETS = re.compile(r"\(\s*([A-Z][A-Za-z0-9]{1,7}s?)\s*\)")
_WORD = re.compile(r"[A-Za-zÀ-ÿ][\w'’-]*")


def acronym_definitions(text: str) -> list[tuple[str, str]]:
    """(long form, acronym) pairs written as ``Retrieval Augmented Generation (RAG)``:
    the acronym's letters must be the initials of the last words before the bracket."""
    pairs = []
    for m in _ACRONYM_IN_BRACKETS.finditer(text or ""):
        acro = m.group(1)
        akey = term_key(acro)
        words = _WORD.findall(text[max(0, m.start() - 120):m.start()])[-8:]
        for n in range(2, len(words) + 1):
            phrase = " ".join(words[-n:])
            if acronym_of(phrase) == akey:
                pairs.append((phrase, acro))
                break
    return pairs


@dataclass
class TermGroup:
    key: str                                  # the group's key: term_key of its label
    label: str                                # most frequent variant
    variants: dict[str, int]                  # spelling -> count
    keys: list[str]

    @property
    def count(self) -> int:
        return sum(self.variants.values())

    def to_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "variants": self.variants, "keys": self.keys,
                "count": self.count}


class _UnionFind:
    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _translated_key(term: str, translations: dict[str, str]) -> str | None:
    plain = re.sub(r"\s+", " ", strip_accents(term).casefold().replace("-", " ")).strip()
    for cand in (plain, plain.rstrip("s")):
        if cand in translations:
            return term_key(translations[cand])
    return None


def group_variants(counts: dict[str, int] | Iterable[str], *, pairs: Iterable[tuple[str, str]] = (),
                   translations: dict[str, str] | None = None, fuzzy: int = 90) -> list[TermGroup]:
    """Group spellings of the same term.

    ``counts`` maps each spelling to how often it was seen (or is a plain list).
    Spellings join when they have the same :func:`term_key`, when one is the
    acronym of the other (``LLM`` / ``large language models``), when ``pairs``
    (e.g. from :func:`acronym_definitions`) link them, when the
    ``translations`` table maps one to the other's English form, or when their
    keys are at least ``fuzzy`` % similar (rapidfuzz ratio, keys of 6+
    characters, same first letter; 0 disables). Groups are returned largest first.
    """
    from rapidfuzz import fuzz

    if not isinstance(counts, dict):
        tally: dict[str, int] = {}
        for t in counts:
            tally[t] = tally.get(t, 0) + 1
        counts = tally
    table = TRANSLATIONS if translations is None else translations
    uf = _UnionFind()
    by_key: dict[str, list[str]] = {}
    for term in counts:
        k = term_key(term)
        if k:
            by_key.setdefault(k, []).append(term)
            uf.find(k)
    keys = list(by_key)
    key_set = set(keys)
    acronyms: dict[str, list[str]] = {}
    for k, terms in by_key.items():
        for term in terms:
            a = acronym_of(term)
            if a and len(a) >= 2:
                acronyms.setdefault(a, []).append(k)
            t = _translated_key(term, table)
            if t:
                uf.union(k, t)
    for a, longs in acronyms.items():
        # An acronym joins its long form only when it is unambiguous: 3+ letters and one long
        # form (TP would otherwise swallow "temps partiel" and "téléphone professionnel").
        # Short or shared acronyms need an explicit definition (``pairs``) or a translation.
        if a in key_set and len(a) >= 3 and len(set(longs)) == 1:
            uf.union(a, longs[0])
    for long, short in pairs:
        lk, sk = term_key(long), term_key(short)
        if lk in key_set or sk in key_set:
            uf.union(lk, sk)
    if fuzzy:
        from rapidfuzz import process

        by_first: dict[str, list[str]] = {}
        for k in sorted(k for k in keys if len(k) >= 6):
            by_first.setdefault(k[0], []).append(k)
        for bucket in by_first.values():
            if len(bucket) < 2:
                continue
            for i in range(0, len(bucket), 2000):          # bounded memory: 2000 x bucket cells at once
                block = bucket[i:i + 2000]
                scores = process.cdist(block, bucket, scorer=fuzz.ratio, score_cutoff=fuzzy, dtype="uint8")
                for r, c in zip(*scores.nonzero()):
                    a, b = block[r], bucket[c]
                    if a < b and abs(len(a) - len(b)) <= 2:
                        uf.union(a, b)
    groups: dict[str, dict[str, int]] = {}
    members: dict[str, set[str]] = {}
    for k, terms in by_key.items():
        root = uf.find(k)
        for term in terms:
            groups.setdefault(root, {})[term] = groups.get(root, {}).get(term, 0) + counts[term]
        members.setdefault(root, set()).add(k)
    out = []
    for root, variants in groups.items():
        label = max(variants, key=lambda v: (variants[v], -len(v), v))
        out.append(TermGroup(key=term_key(label), label=label, variants=dict(sorted(variants.items(),
                                                                                      key=lambda kv: (-kv[1], kv[0]))),
                             keys=sorted(members[root])))
    out.sort(key=lambda g: (-g.count, g.key))
    return out


# -- nearest taxonomy item ------------------------------------------------------------


def nearest_items(terms: Sequence[str], labels: Sequence[tuple[str, str]], *,
                  translations: dict[str, str] | None = None, min_score: float = 0.0,
                  choices: list[str] | None = None, workers: int = 1) -> list[dict | None]:
    """For each term, the taxonomy item whose label is closest in spelling (rapidfuzz
    token_sort_ratio on accent-free lower-case text: whole strings, so that a short term does not
    match every label containing it; WRatio and token_set_ratio were 40-170 times slower), trying the term's English form from ``translations`` too. ``labels`` are
    (item id, label) pairs, e.g. ROME compétences/savoirs and ESCO skills; pass ``choices``
    (the labels already through :func:`strip_accents` and ``casefold``) to reuse them.
    Returns {"id", "label", "score"} (score 0–100) or None per term."""
    import numpy as np
    from rapidfuzz import fuzz, process

    if not terms:
        return []
    if not labels:
        return [None] * len(terms)
    if choices is None:
        choices = [strip_accents(label).casefold() for _, label in labels]
    table = TRANSLATIONS if translations is None else translations
    queries, owner = [], []
    for i, term in enumerate(terms):
        q = strip_accents(term).casefold()
        queries.append(q)
        owner.append(i)
        plain = re.sub(r"\s+", " ", q.replace("-", " ")).strip()
        if plain in table:
            queries.append(table[plain])
            owner.append(i)
    best: list[tuple[float, int] | None] = [None] * len(terms)
    for lo in range(0, len(queries), 256):
        block = queries[lo:lo + 256]
        scores = process.cdist(block, choices, scorer=fuzz.token_sort_ratio, dtype=np.uint8, workers=workers)
        idx = scores.argmax(axis=1)
        for j, (col, q) in enumerate(zip(idx, block)):
            sc = float(scores[j, col])
            i = owner[lo + j]
            if sc >= min_score and (best[i] is None or sc > best[i][0]):
                best[i] = (sc, int(col))
    out: list[dict | None] = []
    for b in best:
        if b is None:
            out.append(None)
        else:
            item_id, label = labels[b[1]]
            out.append({"id": item_id, "label": label, "score": round(b[0], 1)})
    return out


def nearest_item(term: str, labels: Sequence[tuple[str, str]], *, translations: dict[str, str] | None = None,
                 min_score: float = 0.0, choices: list[str] | None = None) -> dict | None:
    """The taxonomy item closest to one term (see :func:`nearest_items`), or None."""
    return nearest_items([term], labels, translations=translations, min_score=min_score, choices=choices)[0]
