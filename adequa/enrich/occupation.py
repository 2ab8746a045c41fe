"""ROME 4.0 classification of a job ad from its title (first) and description (evidence).

Method (see docs/occupations.md):

1. the title is cleaned (``(H/F)``, ``F/H``, contract, seniority and schedule words, trailing
   location after `` - ``) and split on gender slashes as the appellations are;
2. a TF-IDF index over word stems and character n-grams of every official appellation (long
   label, its masculine and feminine forms, short label) and fiche label gives a cosine per
   label; a fiche scores its best label; rapidfuzz ``token_set_ratio`` re-scores the short list;
3. with a description, each candidate fiche gains ``DESC_WEIGHT`` × the TF-IDF cosine of the
   description's word stems with the fiche's own text (its label, appellations, definition and the
   compétences and savoirs linked to it in ``unix_coherence_item``);
4. each candidate fiche created by ROME 4.0 out of an older fiche (``code_rome_parent``) also
   proposes that parent fiche at ``PARENT_SHARE`` of its score: many recruiters (and every ad
   coded before ROME 4.0) still use the broader parent fiche, so it belongs among the candidates;
5. crosswalks derive the rest: appellation → ESCO occupation (France Travail's mapping; else
   the fiche's most mapped ESCO occupation), ESCO → ISCO-08, ROME → FAP-2021 / FAP-2009.

The classifier is built from plain data (``OccupationReferential``) by ``adequa.pipeline``;
nothing here reads the referential files.
"""

from __future__ import annotations

import gc
import hashlib
import json
import math
import pickle
import re
import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from functools import lru_cache
from itertools import accumulate, chain, compress, islice, repeat
from operator import itemgetter
from pathlib import Path
from threading import get_ident
from typing import Callable, Sequence

import numpy as np
import orjson

from adequa.enrich._native import kernel
from adequa.enrich.coded_titles import CodedTitles
from adequa.enrich.domain import DomainTagger
from adequa.enrich.ranking import (STEM_SUFFIXES, STOPWORDS, LexicalIndex, fold, fold_char, log_table, stem, tokens,
                                   words)

# optional compiled kernel, or None: the numpy path (same results: tests/test_occupation_compiled.py)
_fast = kernel("_occupation_fast")

# what the compiled ``words`` (``_occupation_fast.fold_words``) makes of each non-ASCII character met
_FOLD_MEMO: dict[int, bytes] = {}

__all__ = ["OccupationReferential", "OccupationClassifier", "RomeGuidedRanker", "clean_title", "gender_forms"]

# Words of a title that say nothing of the occupation (folded, matched as whole words).
_NOISE = re.compile(r"""(?x)(?<![a-z0-9])(?:
    h\s*/\s*f(?:\s*/\s*[xd])? | f\s*/\s*h(?:\s*/\s*[xd])? | [mf]\s*/\s*[fmh](?:\s*/\s*[xd])? | h\s*/\s*m
  | m\s*/\s*w\s*/\s*d | h\s*-\s*f | f\s*-\s*h
  | [a-z]{0,4}\d{3,}[a-z0-9]*
  | cdi | cdd | interim(?:aire)? | mission | stage | stagiaire | alternance | alternant(?:e)? | apprentissage
  | contrat\s+(?:pro(?:fessionnalisation)?|d.apprentissage|saisonnier) | saisonnier(?:e)? | extra
  | temps\s+(?:plein|partiel|complet) | (?:par\s+|/\s*)?semaine | mi.temps | nuit | week.end | urgent | 35h | 39h
  | senior | junior | confirme(?:e)? | experimente(?:e)? | debutant(?:e)?(?:\s+accepte(?:e)?)? | tous\s+niveaux
  | (?:en\s+)?(?:\d+\s*/\s*)?\d+\s*(?:mois|h|heures|ans)
)(?![a-z0-9])""")
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
# inclusive writing: ingenieur(e), developpeur(se), consultant.e, ingenieur-e, administrateur/trice
_GENDER_SUFFIX = r"(?:e|es|se|ne|le|te|euse|euses|rice|rices|trice|trices|ere|eres|ienne|iennes|ive|ives|ice)"
_GENDER_PAREN = re.compile(r"(?<=[a-z])\s*\(" + _GENDER_SUFFIX + r"\)")
_GENDER_DOT = re.compile(r"(?<=[a-z])[.\u00b7-]" + _GENDER_SUFFIX + r"(?![a-z])")
_GENDER_SLASH = re.compile(r"(?<=[a-z])\s*/\s*" + _GENDER_SUFFIX + r"(?![a-z])")
_PAIR_SLASH = re.compile(r"\b([a-z]{3,})\s*/\s*([a-z]{3,})\b")
# "femme/homme de ménage", "homme ou femme toutes mains", "femme de ménage": the person noun says no more
# than "h/f" (and, rare in the labels, it pulls titles towards "sage-femme"); dropped when it is a gender
# doublet or the head of a segment followed by "de"
_PERSON = re.compile(r"(?<![a-z-])(?:(?:homme|femme)\s*(?:/|\bou\b|\bet\b|-)\s*(?:homme|femme)|(?:homme|femme)(?=\s+d(?:e\b|u\b|es\b|'))"
                     r")(?![a-z-])")
_OTHER_CHARS = re.compile(r"[^a-z0-9+#./',|:\u2013-]+")
_SPACES = re.compile(r"\s+")
_score = itemgetter(1)
_MISS = object()
SEGMENT = re.compile(r"\s+[-\u2013|:]\s+|\s*,\s+")


def _pair(m: re.Match) -> str:
    a, b = m.group(1), m.group(2)
    return a if a[:4] == b[:4] else m.group(0)     # ingenieure / ingenieur -> ingenieure


@lru_cache(maxsize=65536)
def clean_title(title: str) -> str:
    """The occupational part of an ad title, folded, with its segments (`` - ``, ``,``) kept:
    ``"Data Engineer Senior (H/F) - CDI Paris"`` -> ``"data engineer - paris"``."""
    t = (title or "").replace("\u00b7", ".").replace("\u2022", " ")
    t = fold(t)
    # (each pattern below is only tried when the character or word it cannot match without is there)
    if "(" in t:
        t = _GENDER_PAREN.sub("", t)
    if "." in t or "-" in t:
        t = _GENDER_DOT.sub("", t)
    slash = "/" in t
    if slash:
        t = _GENDER_SLASH.sub("", t)
    if "(" in t or "[" in t:
        t = _PAREN.sub(lambda m: " " if _NOISE.search(m.group(0)) or len(m.group(0)) < 6 else " - " + m.group(0)[1:-1] + " - ", t)
    t = _NOISE.sub(" ", t)
    if "homme" in t or "femme" in t:
        t = _PERSON.sub(" ", t)
    if slash and "/" in t:
        t = _PAIR_SLASH.sub(_pair, t)
    t = _OTHER_CHARS.sub(" ", t)
    t = _SPACES.sub(" ", t)
    segs = [x.strip(" ./-'") for x in SEGMENT.split(t)]
    segs = [x for x in segs if x and tokens(x)]
    return " - ".join(segs) if segs else fold(title or "").strip()


# English head words of job titles -> the French word ROME appellations use. Added to the query
# (not substituted), so that English appellations ("Data engineer") still match.
EN_FR = {
    "engineer": "ingenieur", "developer": "developpeur", "analyst": "analyste", "architect": "architecte",
    "administrator": "administrateur", "technician": "technicien", "scientist": "scientifique",
    # common English head nouns of job titles (session 3: jobbert MRR 0.3100 -> 0.3119, ROME unchanged)
    "operator": "operateur", "specialist": "specialiste", "supervisor": "superviseur", "driver": "conducteur",
    "clerk": "employe", "teacher": "enseignant", "worker": "ouvrier", "coordinator": "coordinateur",
    "lecturer": "enseignant", "programmer": "programmeur", "director": "directeur", "nurse": "infirmier",
    "advisor": "conseiller", "adviser": "conseiller", "cashier": "caissier", "planner": "planificateur",
    "accountant": "comptable", "sales": "commercial", "seller": "vendeur", "waiter": "serveur", "waitress": "serveur",
    "cook": "cuisinier", "mechanic": "mecanicien", "electrician": "electricien", "welder": "soudeur",
    "buyer": "acheteur", "trainer": "formateur", "recruiter": "recruteur", "writer": "redacteur",
    "translator": "traducteur", "tester": "testeur", "researcher": "chercheur", "auditor": "auditeur",
    "controller": "controleur", "inspector": "inspecteur", "secretary": "secretaire", "receptionist": "receptionniste",
    "pharmacist": "pharmacien", "physician": "medecin", "doctor": "medecin", "lawyer": "avocat",
    "representative": "representant", "cleaner": "nettoyage", "storekeeper": "magasinier", "warehouse": "magasinier",
    "plumber": "plombier", "carpenter": "menuisier", "painter": "peintre", "baker": "boulanger", "butcher": "boucher",
    "hairdresser": "coiffeur", "caregiver": "aide", "dishwasher": "plongeur", "bartender": "barman",
    "teller": "guichetier", "courier": "coursier", "packer": "emballeur", "picker": "preparateur",
}
# Acronyms of titles that most appellations spell out: the title is also scored with them spelled
# out (the better of the two texts counts), so "ML engineer" meets "Ingénieur machine learning".
# (Not "IA": ROME labels write it as is, and spelling it out made "Ingénieur Data & IA" an AI fiche.)
ACRONYMS = {"ai": "intelligence artificielle", "ml": "machine learning", "mlops": "machine learning"}


def title_segments(cleaned: str, discount: float = 0.95) -> list[tuple[str, float]]:
    """The texts to score for a cleaned title, with their weight: the whole title and, when it has
    several segments, its first one (× ``discount``); with English head words, the same texts again
    with their French equivalents appended; with acronyms (``ACRONYMS``), the same texts again with
    the acronyms spelled out."""
    segs = cleaned.split(" - ")
    out = [(cleaned.replace(" - ", " "), 1.0)] + ([(segs[0], discount)] if len(segs) > 1 else [])
    words_ = out[0][0].split()
    extra = " ".join(EN_FR[t] for t in words_ if t in EN_FR)
    if extra:
        out += [(f"{text} {extra}", w) for text, w in out]
    if any(t in ACRONYMS for t in words_):
        out += [(" ".join(ACRONYMS.get(t, t) for t in text.split()), w) for text, w in out]
    return out


@lru_cache(maxsize=65536)
def title_heads(cleaned: str) -> frozenset[str]:
    """Stems of the head word of a cleaned title: the first content word (French titles put the
    head noun first: *conducteur* de ligne, *technicien* méthodes) and the French equivalent of an
    English head word (``EN_FR``: software *developer* -> developpeur)."""
    toks = [t for t in tokens(cleaned.split(" - ")[0]) if t not in STOPWORDS]
    if not toks:
        return frozenset()
    out = {stem(toks[0])}
    out.update(stem(EN_FR[t]) for t in toks if t in EN_FR)
    return frozenset(out)


@lru_cache(maxsize=200_000)
def _description_stem(token: str) -> str:
    """The stem a description token counts as ("" for stop words and tokens of 1–2 characters)."""
    return stem(token) if len(token) > 2 and token not in STOPWORDS else ""


def gender_forms(label: str) -> list[str]:
    """``"Conseiller / Conseillère en gestion"`` -> [masculine form, feminine form]; a label
    without a slash comes back as is. The words before the slash replace as many words after it."""
    parts = [p.strip() for p in label.split(" / ")]
    if len(parts) != 2 or not parts[0] or not parts[1]:
        return [label]
    left, right = parts[0].split(), parts[1].split()
    masc = " ".join(left + right[len(left):]) if len(right) > len(left) else parts[0]
    return [masc, parts[1]]


@contextmanager
def _collector_paused():
    """The cyclic garbage collector off for a batch (``rank_many``, ``classify_many``), then as it was,
    also when the batch fails. A batch allocates many containers that live until it returns (per-word
    postings and title short lists it caches, its results): with the collector on, they set off
    young-generation passes and, promoted, a full pass over every object of the process; paused, one
    young pass takes them after the batch (docs/occupations.md, session 8). Garbage cycles the batch
    makes wait for that pass."""
    on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if on:
            gc.enable()


def _best_first_cut(ids: np.ndarray, values: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` ids of the highest values (``ids`` ascending); among values tied at the cut, the
    lowest ids (deterministic, as the batch path's sort), in their input order."""
    kth = np.partition(values, len(values) - k)[len(values) - k]
    above = values > kth
    ties = np.flatnonzero(values == kth)[: k - int(above.sum())]
    above[ties] = True
    return ids[above]


@dataclass
class OccupationReferential:
    """Everything the classifier needs, as plain data (built by ``adequa.pipeline.occupations``)."""

    version: str
    fiches: dict[str, str]                                   # code_rome -> label
    appellations: list[dict]                                 # {code_ogr, label, short_label, code_rome}
    fiche_terms: dict[str, list[str]] = field(default_factory=dict)  # code_rome -> item labels (compétences, savoirs)
    fiche_texts: dict[str, list[str]] = field(default_factory=dict)  # code_rome -> definition sentences
    fiche_parent: dict[str, str] = field(default_factory=dict)  # code_rome -> code_rome_parent (when different)
    appellation_esco: dict[str, list[str]] = field(default_factory=dict)  # appellation code_ogr -> ESCO URIs, best first
    esco_isco: dict[str, str] = field(default_factory=dict)  # ESCO occupation URI -> ISCO-08 code
    fap: dict[str, list[str | None]] = field(default_factory=dict)  # code_rome -> [fap2021, fap2009]
    extra_labels: list[list[str]] = field(default_factory=list)  # [label, code_rome, appellation code_ogr]: synonyms
    # from other taxonomies (ESCO occupation labels of the appellations the crosswalk maps exactly or closely)


class _Memo:
    """A bounded memo of a one-argument function (the oldest entry goes first when full) that a
    batch can fill too (``put``); ``cache_clear`` as ``functools.lru_cache``."""

    def __init__(self, fn: Callable, maxsize: int):
        self.fn, self.maxsize, self.data = fn, maxsize, {}

    def __call__(self, key):
        hit = self.data.get(key, _MISS)
        if hit is _MISS:
            hit = self.fn(key)
            self.put(key, hit)
        return hit

    def put(self, key, value) -> None:
        data = self.data
        if len(data) >= self.maxsize:
            try:
                del data[next(iter(data))]
            except (KeyError, RuntimeError, StopIteration):     # another thread got there first
                pass
        data[key] = value

    def cache_clear(self) -> None:
        self.data.clear()


class OccupationClassifier:
    """``classify(title, description=None) -> dict`` (see ``classify``), ``classify_many`` for a batch
    (same results, a fraction of the CPU: see ``rank_many``). Thread-safe for reading."""

    TITLE_TOP = 150         # labels short-listed per title (their fiches are the candidates)
    RARE_DISCOUNT = 1.0     # factor on appellations ROME marks as rarely used (peu_usite)
    SHORTLIST_FLOOR = 0.3   # labels scoring under this share of the best one are not candidates
    FUZZY_WEIGHT = 0.0      # share of the rapidfuzz ratio in a label's score (measured: no gain, so off)
    DESC_WEIGHT = 1.2       # weight of the description cosine (chosen by cross-validation in every fold, docs/occupations.md)
    DESC_CANDIDATES = 20    # fiches re-ranked with the description
    MAX_FICHE_DF = 1.0      # description stems in more than this share of the fiches are not scored
    PARENT_SHARE = 0.9      # score share of a ROME 4.0 fiche passed to its pre-4.0 parent fiche (same)
    NGRAMS = (3, 5)         # character n-gram sizes of the title index
    MAX_DF = 0.05           # features in more than this share of labels are not indexed
    COVERAGE = 0.5          # weight of the share of the title found in a label (see LexicalIndex.doc_scores)
    DESC_CHARS = 1000       # description characters read (the missions come first; 2,000 or all: same accuracy)
    SEGMENT_DISCOUNT = 0.95  # the first segment of a title alone ("ingenieur - systemes embarques") scores a bit less
    HEAD_BONUS = 0.0        # factor 1 + HEAD_BONUS on labels holding the title's head word (see title_heads)
    coded: CodedTitles | None = None    # votes of coded offers' titles (coded_titles.py), when there were any

    def __init__(self, ref: OccupationReferential, index: LexicalIndex, doc_texts: list[str], doc_appellation: list[str | None],
                 fiche_codes: list[str], domains: DomainTagger | None = None,
                 fiche_stems: dict[str, list[str]] | None = None,
                 fiche_vocab: tuple[list[str], list[str], np.ndarray, np.ndarray] | None = None):
        self.ref = ref
        self.index = index
        self.doc_texts = doc_texts
        self.doc_appellation = doc_appellation
        self.fiche_codes = fiche_codes
        # description evidence: per fiche, a set of stems; idf over fiches
        if fiche_vocab is None:
            fiche_vocab = self.encode_vocabulary(fiche_stems if fiche_stems is not None else self.fiche_vocabulary(ref))
        codes, vocab, lengths, ids, counts = fiche_vocab
        self._fiche_vocab = fiche_vocab
        # stem -> id; per fiche (stem ids, tf-idf / norm), vectorised (this runs at every start)
        self._stem_ids = dict(zip(vocab, range(len(vocab))))
        df = np.bincount(ids, minlength=len(vocab))
        idf = np.log((1.0 + max(1, len(ref.fiches))) / (1.0 + df)).astype(np.float32)
        self._idf = idf
        w = idf[ids] * (1.0 + np.log(np.maximum(counts, 1))).astype(np.float32)
        bounds = np.r_[0, np.cumsum(lengths)]
        norms = np.sqrt(np.add.reduceat(w * w, bounds[:-1])) if len(w) else np.zeros(len(codes))
        norms[(lengths == 0) | (norms == 0)] = 1.0
        fw = (w / np.repeat(norms, lengths)).astype(np.float32)
        # per fiche (stem ids, weights), views into the concatenated arrays; stems used by more than
        # MAX_FICHE_DF of the fiches are left out (little weight, most of the cost)
        common = df > self.MAX_FICHE_DF * max(1, len(codes))
        # the kept (stem id, weight) pairs of every fiche, concatenated (CSR rows): a candidate list's
        # arrays are one gather from them
        keep_all = ~common[ids]
        kept_lengths = np.bincount(np.repeat(np.arange(len(codes)), lengths)[keep_all], minlength=len(codes))
        self._fiche_ids_all = ids[keep_all].astype(np.int32)
        self._fiche_w_all = fw[keep_all]
        self._fiche_ptr = np.r_[0, np.cumsum(kept_lengths)].astype(np.int64)
        ptr = self._fiche_ptr.tolist()
        self._fiche_span = {c: (ptr[i], ptr[i + 1]) for i, c in enumerate(codes) if kept_lengths[i] > 0}
        self._fiche_row = {c: i for i, c in enumerate(codes) if kept_lengths[i] > 0}
        # fiche-level ESCO fallback: the ESCO occupation most often mapped from its appellations
        self._fiche_esco: dict[str, str] = {}
        # (plain dicts: a Counter per fiche, or per appellation through setdefault, cost 30-40 ms of every
        # start; max() keeps the first of equal counts in insertion order, as Counter.most_common(1))
        counts: dict[str, dict[str, int]] = {}
        esco_of = ref.appellation_esco
        for a in ref.appellations:
            for uri in esco_of.get(a["code_ogr"], [])[:1]:
                c = counts.get(a["code_rome"])
                if c is None:
                    c = counts[a["code_rome"]] = {}
                c[uri] = c.get(uri, 0) + 1
        second = itemgetter(1)
        for code, c in counts.items():
            self._fiche_esco[code] = max(c.items(), key=second)[0]
        self._app_parent = {a["code_ogr"]: a["parent"] for a in ref.appellations
                            if a.get("parent") and a["parent"] != a["code_rome"] and a["parent"] in ref.fiches}
        self._fiche_parent = {c: p for c, p in ref.fiche_parent.items() if p != c and p in ref.fiches}
        self._start(domains)

    # what ``_start`` sets: the process's own members (memos, buffers, settings), never in the saved state
    _RUNTIME = ("domains", "_token_stem_id", "_title_cache", "_scratch", "use_compiled", "_ready", "_candidate_arrays")

    def _start(self, domains: DomainTagger | None) -> None:
        self.domains = domains
        self._token_stem_id: dict[str, int] = {}     # description token -> stem id (-1: unknown or stop word)
        self._title_cache: Callable = _Memo(self._title_uncached, 50000)
        self._scratch = threading.local()       # the compiled kernel's work buffers, one set per thread
        self.use_compiled = True                # the compiled title short list when built (same results)
        self._ready: dict = {}          # (title, description) -> result of the last ``prefetch``
        self._candidate_arrays: Callable = lru_cache(maxsize=20000)(self._candidate_arrays_uncached)

    @staticmethod
    def encode_vocabulary(fiche_stems: dict[str, Counter]) -> tuple[list[str], list[str], np.ndarray, np.ndarray, np.ndarray]:
        """(fiche codes, stem vocabulary, distinct stems per fiche, stem ids, stem counts) of per-fiche stem counts."""
        codes = list(fiche_stems)
        vocab = sorted({w for ws in fiche_stems.values() for w in ws})
        index = {w: i for i, w in enumerate(vocab)}
        lengths = np.array([len(fiche_stems[c]) for c in codes], np.int64)
        # one sort per fiche and lists, not generators (a closure each in the compiled module)
        ids_list: list[int] = []
        counts_list: list[int] = []
        for c in codes:
            stems = fiche_stems[c]
            for w in sorted(stems):
                ids_list.append(index[w])
                counts_list.append(stems[w])
        ids = np.fromiter(ids_list, np.int64, int(lengths.sum()))
        counts = np.fromiter(counts_list, np.int64, int(lengths.sum()))
        return codes, vocab, lengths, ids, counts

    @staticmethod
    def fiche_vocabulary(ref: OccupationReferential) -> dict[str, Counter]:
        """Per fiche, the word stems (with their counts) of its label, appellations, definition,
        compétences and savoirs."""
        labels_by_fiche: dict[str, list[str]] = {c: [lab] for c, lab in ref.fiches.items()}
        for a in ref.appellations:
            labels_by_fiche.setdefault(a["code_rome"], []).append(a["label"])
        out = {}
        stems_of: dict[str, tuple[str, ...]] = {}     # items are shared by many fiches: stem each label once
        # (a list comprehension and a plain loop of counts: a generator per text and ``Counter.update``'s
        # checks per text were half of this, which a cold start runs once, ~0.45 s)
        for code in ref.fiches:
            counts: Counter = Counter()
            for text in labels_by_fiche.get(code, []) + ref.fiche_texts.get(code, []) + ref.fiche_terms.get(code, []):
                st = stems_of.get(text)
                if st is None:
                    st = stems_of[text] = tuple([stem(t) for t in tokens(text) if t not in STOPWORDS and len(t) > 2])
                for s in st:
                    counts[s] = counts.get(s, 0) + 1
            out[code] = counts
        return out

    # -- building and caching ------------------------------------------------------------------
    @classmethod
    def build(cls, ref: OccupationReferential, domains: DomainTagger | None = None) -> "OccupationClassifier":
        fiche_codes = sorted(ref.fiches)
        gidx = {c: i for i, c in enumerate(fiche_codes)}
        texts, groups, apps, keep = [], [], [], []
        seen, seen_features = set(), set()

        def add(text: str, code_rome: str, app: str | None) -> None:
            key = (fold(text).strip(), code_rome)
            if key[0] and key not in seen and code_rome in gidx:
                seen.add(key)
                # a label with the same stems as one already indexed for the fiche scores the same:
                # it still counts in the idf (as before) but is not indexed twice
                fkey = (" ".join(stem(t) for t in tokens(text) if t not in STOPWORDS), code_rome)
                keep.append(fkey not in seen_features)
                seen_features.add(fkey)
                texts.append(text)
                groups.append(gidx[code_rome])
                apps.append(app)

        for a in ref.appellations:
            for lab in (a["label"], a.get("short_label") or ""):
                for form in gender_forms(lab) if lab else []:
                    add(form, a["code_rome"], a["code_ogr"])
        for code, lab in ref.fiches.items():
            for form in gender_forms(lab):
                add(form, code, None)
        for lab, code, app in ref.extra_labels:
            add(lab, code, app or None)
        index = LexicalIndex.build(texts, groups, len(fiche_codes), ngrams=cls.NGRAMS, max_df=cls.MAX_DF, keep_docs=keep)
        texts = [t for t, k in zip(texts, keep) if k]
        apps = [a for a, k in zip(apps, keep) if k]
        return cls(ref, index, texts, apps, fiche_codes, domains)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.index.save(folder / "title_index.npz")
        if self.coded is not None:
            self.coded.save(folder)
        # its fields as they are (plain data: json.dumps walks them; asdict's deep copy cost ~0.8 s)
        ref = {f.name: getattr(self.ref, f.name) for f in fields(self.ref)}
        ref["fiche_terms"] = {}     # only their stems are needed once built
        ref["fiche_texts"] = {}
        (folder / "occupations.json").write_text(json.dumps({
            "ref": ref, "doc_texts": self.doc_texts, "doc_appellation": self.doc_appellation,
            "fiche_codes": self.fiche_codes}, ensure_ascii=False), encoding="utf-8")
        codes, vocab, lengths, ids, counts = self._fiche_vocab
        np.savez(folder / "fiche_vocabulary.npz", codes=np.array(json.dumps(codes)), vocab=np.array(json.dumps(vocab)),
                 lengths=lengths, ids=ids, counts=counts)

    @classmethod
    def load(cls, folder: Path, domains: DomainTagger | None = None) -> "OccupationClassifier":
        """The classifier saved in ``folder`` (``save``), derived again from its files."""
        # The collector is paused meanwhile: the files make ~100,000 containers, and a full collection
        # on the way would walk every object of the process (at annotate's start, the skill extractor's
        # ~230,000 as well: 20-35 ms of the load's ~120 ms)
        with _collector_paused():
            # orjson: the same values as json.loads, a third of its time at every start; a file it
            # refuses (NaN, a lone surrogate) raises ValueError, and the caller rebuilds the cache.
            meta = orjson.loads((folder / "occupations.json").read_bytes())
            index = LexicalIndex.load(folder / "title_index.npz")
            clf = cls(OccupationReferential(**meta["ref"]), index, meta["doc_texts"], meta["doc_appellation"],
                      meta["fiche_codes"], domains, None, cls._load_vocabulary(folder / "fiche_vocabulary.npz"))
            clf.coded = CodedTitles.load(folder)
            return clf

    @staticmethod
    def state_path(folder: Path) -> Path:
        """Where the start-up state (``start_state``) of the classifier saved in ``folder`` is kept.
        Keyed by the source of the modules that derive it (this one and ``ranking.py``): an edit makes
        a new state, never a stale one."""
        h = hashlib.sha256()
        for mod in ("occupation.py", "ranking.py"):
            try:
                h.update(Path(__file__).with_name(mod).read_bytes())
            except OSError:     # installed without its sources: keyed by the compiled module instead
                h.update(Path(__file__).read_bytes() if Path(__file__).exists() else b"-")
        return folder / f"state-{h.hexdigest()[:16]}.pickle"

    def start_state(self) -> dict:
        """What ``__init__`` derived from the saved files (the referential, the title index, the fiches'
        stem weights and the look-up tables made from them), to be pickled as it is: a start from it
        (``from_state``) is one ``pickle.load``, ~half the time of ``load``. Only of a classifier just
        loaded: the members a process makes for itself (memos, buffers) stay out."""
        return {k: v for k, v in self.__dict__.items() if k not in self._RUNTIME}

    @classmethod
    def from_state(cls, path: Path, domains: DomainTagger | None = None) -> "OccupationClassifier | None":
        """The classifier whose ``start_state`` was pickled at ``path``; None when there is none, or
        the file is truncated or foreign (the caller loads the saved files instead)."""
        with _collector_paused():
            try:
                with path.open("rb") as fh:
                    state = pickle.load(fh)
            except Exception:   # noqa: BLE001 - absent, truncated or foreign
                return None
            if not isinstance(state, dict):
                return None
            clf = cls.__new__(cls)
            clf.__dict__.update(state)
            clf._start(domains)
            return clf

    @staticmethod
    def _load_vocabulary(path: Path):
        z = np.load(path, allow_pickle=False)
        return orjson.loads(str(z["codes"])), orjson.loads(str(z["vocab"])), z["lengths"], z["ids"], z["counts"]

    # -- scoring ------------------------------------------------------------------------------
    def _title_uncached(self, cleaned: str) -> tuple[tuple[str, float, str | None], ...]:
        """Fiches for a cleaned title: ((code_rome, score, best appellation code_ogr), ...), best first.

        A fiche scores its best label: walking the best labels in decreasing order, the first label
        met for a fiche is its best one, so only a short list of labels is sorted."""
        return self._title_dense(cleaned, title_segments(cleaned, self.SEGMENT_DISCOUNT))

    def _title_dense(self, cleaned: str, segments: list[tuple[str, float]]) -> tuple[tuple[str, float, str | None], ...]:
        """``_title_uncached`` of a title split into its scored texts."""
        if _fast is not None and self.use_compiled and self.COVERAGE and self.RARE_DISCOUNT == 1.0 \
                and not self.HEAD_BONUS and not self.FUZZY_WEIGHT:
            return self._title_compiled(segments)
        docs = self.index.token_doc_scores(segments[0][0], self.COVERAGE)
        for seg, weight in segments[1:]:
            docs = np.maximum(docs, weight * self.index.token_doc_scores(seg, self.COVERAGE))
        if self.RARE_DISCOUNT != 1.0 and self._rare_docs() is not None:
            docs[self._rare_docs()] *= self.RARE_DISCOUNT
        if len(docs) == 0:
            return ()
        best = float(docs.max())
        if best <= 0:
            return ()
        # the labels within reach of the best one (one pass over all labels at the lowest floor, then
        # the floors on that short array)
        wide = np.flatnonzero(docs >= best * min(self.SHORTLIST_FLOOR, 0.03))
        values = docs[wide]
        top = wide[values >= best * self.SHORTLIST_FLOOR]
        if len(top) < self.TITLE_TOP // 3:      # too few labels to name 5 fiches: take the best ones anyway
            # (the TITLE_TOP best labels scoring > 0; when enough labels reach a lower floor, the best
            # ones are among them, so only those are partitioned)
            for floor in (0.1, 0.03):
                top = wide[values >= best * floor]
                if len(top) >= self.TITLE_TOP:
                    break
            else:
                top = np.flatnonzero(docs > 0)
        if len(top) > self.TITLE_TOP:
            top = _best_first_cut(top, docs[top], self.TITLE_TOP)
        if self.HEAD_BONUS:
            heads = title_heads(cleaned)
            if heads:
                bonus = np.fromiter((1.0 + self.HEAD_BONUS if heads & self._label_stems(d) else 1.0 for d in top.tolist()),
                                    np.float32, len(top))
                docs = docs.copy()
                docs[top] *= bonus
        top = top[np.lexsort((top, -docs[top]))]        # best first; equal scores in label order
        scores = docs[top]
        if self.FUZZY_WEIGHT:
            from rapidfuzz import fuzz

            fz = np.array([fuzz.token_set_ratio(segments[0][0], fold(self.doc_texts[d])) / 100.0 for d in top])
            scores = (1 - self.FUZZY_WEIGHT) * scores + self.FUZZY_WEIGHT * fz
            order = np.argsort(-scores, kind="stable")
            top, scores = top[order], scores[order]
            keep = scores > 0
            top, scores = top[keep], scores[keep]
        return self._fiches_of(top, scores)

    def _title_compiled(self, segments: list[tuple[str, float]]) -> tuple[tuple[str, float, str | None], ...]:
        """``_title_dense`` through the compiled kernel (``_occupation_fast.title_shortlist``): the same
        floating-point operations on the labels the title's words reach only; same results bit for bit."""
        texts = []
        coverage = self.COVERAGE
        index = self.index
        for seg, weight in segments:
            parts = index.token_parts(seg, raw_corrections=True)
            if parts is None:
                texts.append(((), (), (), 0.0, 0.0, weight, None))
                continue
            keys, docs, dots, sqs, total, norm = parts
            last = keys[-1]
            texts.append((docs, dots, sqs, coverage / ((total or 1.0) * norm), (1.0 - coverage) / norm, weight,
                          last if last is not None and not isinstance(last[0], str) else None))
        local = self._scratch
        scratch = getattr(local, "buffers", None)
        if scratch is None:
            scratch = local.buffers = _fast.Scratch(self.index.n_docs, self.index.n_groups)
        top, scores = _fast.title_shortlist(scratch, texts, index.groups, self.SHORTLIST_FLOOR, self.TITLE_TOP,
                                            self.DESC_CANDIDATES * 2, index.indptr, index.indices, index.data)
        return tuple(zip(map(self.fiche_codes.__getitem__, self.index.groups[top].tolist()), scores.tolist(),
                         map(self.doc_appellation.__getitem__, top.tolist())))

    def _fiches_of(self, top: np.ndarray, scores: np.ndarray) -> tuple[tuple[str, float, str | None], ...]:
        """Each fiche's best label among labels ``top`` (best first, with their ``scores``): the first
        of its labels in this order; the first ``2 × DESC_CANDIDATES`` fiches."""
        codes, apps = self.fiche_codes, self.doc_appellation
        seen: set = set()
        out = []
        limit = self.DESC_CANDIDATES * 2
        # at most TITLE_TOP labels: a plain walk is cheaper than any array call here
        for g, sc, d in zip(self.index.groups[top].tolist(), scores.tolist(), top.tolist()):
            if g not in seen:
                seen.add(g)
                out.append((codes[g], sc, apps[d]))
                if len(out) >= limit:
                    break
        return tuple(out)

    def _label_stems(self, doc: int) -> frozenset[str]:
        """The content word stems of one indexed label (computed when first needed)."""
        cache = self.__dict__.setdefault("_label_stem_cache", {})
        hit = cache.get(doc)
        if hit is None:
            hit = cache[doc] = frozenset(stem(t) for t in tokens(self.doc_texts[doc]) if t not in STOPWORDS)
        return hit

    def _words(self, description: str) -> list[str]:
        """``words`` of the description's first ``DESC_CHARS`` characters (through the compiled kernel
        when it is there: the same words, tests/test_occupation_compiled.py)."""
        if _fast is not None and self.use_compiled:
            return _fast.fold_words(description, self.DESC_CHARS, _FOLD_MEMO, fold_char)
        return words(description[: self.DESC_CHARS])

    def _description_scores(self, description: str, codes: list[str]) -> dict[str, float]:
        """Per candidate fiche: TF-IDF cosine (sublinear tf) of the description's word stems with the
        fiche's text (stems the fiches never use are left out of the norm)."""
        toks = self._words(description)
        tf = Counter(map(self._token_stem_id.get, toks))    # stem id -> count, in order of first occurrence
        if None in tf:                                      # tokens never seen: stemmed once
            tf = Counter(map(self._word_stem_id, toks))
        tf.pop(-1, None)
        if not tf:
            return {}
        found_codes, ccols, weights, starts = self._candidate_arrays(tuple(codes))
        if not found_codes:
            return {}
        cols = np.fromiter(tf.keys(), np.int64, len(tf))
        q = (1.0 + np.log(np.fromiter(tf.values(), np.float32, len(tf)))) * self._idf[cols]
        # one zeroed query vector reused across ads (set, read, cleared) rather than allocated per ad;
        # it belongs to the first thread that uses it (another thread gets a fresh one per call)
        owner, dense = self.__dict__.get("_dense_query") or (None, None)
        me = get_ident()
        if dense is None:
            owner, dense = me, np.zeros(len(self._idf), np.float32)
            self._dense_query = (owner, dense)
        if owner != me:
            dense = np.zeros(len(self._idf), np.float32)
        dense[cols] = q / (float(np.sqrt(q @ q)) or 1.0)
        try:
            return dict(zip(found_codes, np.add.reduceat(weights * dense[ccols], starts).tolist()))
        finally:
            dense[cols] = 0.0

    def _candidate_arrays_uncached(self, codes: tuple[str, ...]):
        """(codes with a vocabulary, their stem ids and weights concatenated, start of each) — cached per
        candidate list, which repeats with the title."""
        spans = self._fiche_span
        found = tuple(c for c in codes if c in spans)
        if not found:
            return (), None, None, None
        bounds = [spans[c] for c in found]
        ids, w = self._fiche_ids_all, self._fiche_w_all
        starts = np.fromiter(accumulate((e - b for b, e in bounds[:-1]), initial=0), np.int64, len(bounds))
        return (found, np.concatenate([ids[b:e] for b, e in bounds]), np.concatenate([w[b:e] for b, e in bounds]),
                starts)

    _stem_of = staticmethod(_description_stem)

    def rank(self, title: str, description: str | None = None, k: int = 5, parents: bool = True
             ) -> list[tuple[str, float, str | None]]:
        """Top-k (code_rome, score, appellation code_ogr or None), best first. With ``parents``, the
        pre-ROME-4.0 parent of each candidate fiche is a candidate too (see the module docstring)."""
        cleaned = clean_title(title or "")
        cands = self._title_cache(cleaned)
        ds = None
        if description and len(cands) > 1 and self.DESC_WEIGHT:
            ds = self._description_scores(description, [c for c, _, _ in cands[: self.DESC_CANDIDATES]])
        return self._combine(cands, ds, k, parents,
                             self.coded.votes(cleaned, description) if self.coded is not None else None)

    def _combine(self, cands, ds: dict | None, k: int, parents: bool,
                 votes: dict | None = None) -> list[tuple[str, float, str | None]]:
        """The title's candidates with the description evidence ``ds`` and the coded titles' ``votes``
        added, and the parent fiches proposed (see ``rank``)."""
        if ds:
            n = self.DESC_CANDIDATES
            w = self.DESC_WEIGHT
            cands = [(c, s + w * ds[c], a) if c in ds else (c, s, a) for c, s, a in cands[:n]] + list(cands[n:])
            cands.sort(key=_score, reverse=True)     # stable: equal scores keep their order
        cands = list(cands)
        if votes:
            # France Travail's coding of the closest coded titles (coded_titles.py): a fiche they name
            # gains their vote, and enters the candidates when the title's labels did not reach it
            w = self.coded.WEIGHT
            at = {c: i for i, (c, _, _) in enumerate(cands)}
            for c, v in votes.items():
                i = at.get(c)
                if i is None:
                    cands.append((c, w * v, None))
                else:
                    cands[i] = (c, cands[i][1] + w * v, cands[i][2])
            cands.sort(key=_score, reverse=True)
        if parents and self.PARENT_SHARE and cands:
            # a parent scores less than its child: only the top-k children can place theirs in the top k
            codes = [c for c, _, _ in cands]
            share = self.PARENT_SHARE
            for c, s, a in cands[:k]:
                p = self._app_parent.get(a) if a else None
                p = p or self._fiche_parent.get(c)
                if p is None:
                    continue
                try:
                    i = codes.index(p)
                except ValueError:
                    codes.append(p)
                    cands.append((p, share * s, None))
                    continue
                if cands[i][1] < share * s:
                    cands[i] = (p, share * s, cands[i][2])
            cands.sort(key=_score, reverse=True)
        return cands[:k]

    # -- batches ------------------------------------------------------------------------------
    BATCH = 256     # ads per batch in rank_many (memory: BATCH × description stems floats, ~12 MB)

    def rank_many(self, titles: Sequence[str | None], descriptions: Sequence[str | None] | None = None, k: int = 5,
                  parents: bool = True) -> list[list[tuple[str, float, str | None]]]:
        """``rank`` for many ads at once, same results (scores equal up to float rounding): each
        distinct title of a batch is scored once (and memoised), the descriptions' stem counts are
        taken for the whole batch at once and scattered in one dense (ads × stems) array, from which
        each ad's candidate fiches gather their weights."""
        descriptions = list(descriptions) if descriptions is not None else [None] * len(titles)
        out: list = []
        with _collector_paused():
            for i in range(0, len(titles), self.BATCH):
                out.extend(self._rank_batch(list(titles[i:i + self.BATCH]), descriptions[i:i + self.BATCH], k, parents))
        return out

    def _rank_batch(self, titles: list, descriptions: list, k: int, parents: bool) -> list:
        cleaned = [clean_title(t or "") for t in titles]
        memo = self._title_cache
        cands = [memo(c) for c in cleaned]
        need = [i for i, (d, c) in enumerate(zip(descriptions, cands)) if d and len(c) > 1] if self.DESC_WEIGHT else []
        ds: list = [None] * len(titles)
        if need:
            n = self.DESC_CANDIDATES
            for i, got in zip(need, self._description_scores_many([descriptions[i] for i in need],
                                                                   [[c for c, _, _ in cands[i][:n]] for i in need])):
                ds[i] = got
        if self.coded is not None:
            votes = self.coded.votes
            return [self._combine(c, d, k, parents, votes(t, desc))
                    for c, d, t, desc in zip(cands, ds, cleaned, descriptions)]
        return [self._combine(c, d, k, parents) for c, d in zip(cands, ds)]

    def _description_scores_many(self, descriptions: list[str], code_lists: list[list[str]]) -> list[dict]:
        """``_description_scores`` of each (description, candidate codes) pair (equal up to float
        rounding): the stem counts of every description at once, the query weights scattered in one
        dense (descriptions × stems) array, each candidate fiche's (stem, weight) pairs gathered from
        its description's row and summed per fiche in one ``reduceat`` — or, with the compiled kernel,
        the same operations one description at a time (``_description_compiled``)."""
        n = len(descriptions)
        n_stems = len(self._idf)
        if _fast is not None and self.use_compiled:
            # the words' stem ids straight from the text (no word strings for the words met before)
            vocab = self.__dict__.get("_cvocab")
            if vocab is None:
                vocab = self._cvocab = self._compiled_vocab()
            ids, lengths = vocab.text_ids(descriptions, self.DESC_CHARS, _FOLD_MEMO, fold_char)
            # each description's query row and its candidates' sums in one pass of the kernel, one row
            # at a time (the same float operations in the same order as below: bit for bit,
            # tests/test_occupation_compiled.py; no (descriptions × stems) buffer)
            return self._description_compiled(ids, lengths, code_lists)
        toks = [words(d[: self.DESC_CHARS]) for d in descriptions]
        every = list(chain.from_iterable(toks))
        ids_l = list(map(self._token_stem_id.get, every))
        if None in ids_l:       # tokens never seen: stemmed once
            ids_l = [self._word_stem_id(t) if i is None else i for t, i in zip(every, ids_l)]
        ids = np.array(ids_l, np.int64)
        lengths = np.fromiter(map(len, toks), np.int64, n)
        rows = np.repeat(np.arange(n, dtype=np.int64), lengths)
        known = ids >= 0
        key, cnt = np.unique(rows[known] * n_stems + ids[known], return_counts=True)
        rows = key // n_stems
        q = (1.0 + np.log(cnt.astype(np.float32))) * self._idf[key % n_stems]
        norm = np.sqrt(np.bincount(rows, weights=q * q, minlength=n))
        norm[norm == 0] = 1.0
        # a zeroed buffer kept between batches (set, read, cleared: no 10 MB allocation per batch);
        # it belongs to the first thread that uses it (another thread gets a fresh one per call)
        owner, flat = self.__dict__.get("_dense_batch") or (None, None)
        me = get_ident()
        if flat is None or (owner == me and len(flat) < n * n_stems):
            owner, flat = me, np.zeros(max(n, self.BATCH) * n_stems, np.float32)
            self._dense_batch = (owner, flat)
        if owner != me:
            flat = np.zeros(n * n_stems, np.float32)
        flat[key] = q / norm[rows].astype(np.float32)
        dense = flat[: n * n_stems].reshape(n, n_stems)
        has = np.bincount(rows, minlength=n) > 0
        out = []
        reduceat = np.add.reduceat
        try:
            for i, codes in enumerate(code_lists):
                if not has[i]:
                    out.append({})
                    continue
                found, ccols, weights, starts = self._candidate_arrays(tuple(codes))
                out.append(dict(zip(found, reduceat(weights * dense[i][ccols], starts).tolist())) if found else {})
        finally:
            flat[key] = 0.0
        return out

    def _compiled_vocab(self):
        """The compiled word -> stem id map; it stems new words in C (``Vocab.use_stems``: the rules of
        ``_description_stem`` and ``ranking.stem``, tests/test_occupation_compiled.py) unless ``_stem_of``
        was replaced."""
        vocab = _fast.Vocab(self._word_stem_id)
        if self._stem_of is _description_stem:
            try:
                vocab.use_stems(self._stem_ids, STOPWORDS, STEM_SUFFIXES, 3)
            except UnicodeEncodeError:      # pragma: no cover - stems are folded words
                vocab = _fast.Vocab(self._word_stem_id)
        return vocab

    def _word_stem_id(self, word: str) -> int:
        """The stem id of a description word (-1: not a fiche stem), remembered in ``_token_stem_id``."""
        cache = self._token_stem_id
        got = cache.get(word)
        if got is None:
            got = self._stem_ids.get(self._stem_of(word), -1)
            if len(cache) < 500_000:
                cache[word] = got
        return got

    def _log_counts(self, lengths: np.ndarray) -> np.ndarray:
        """``np.log`` of the float32 counts 0..(the longest row), as the numpy path makes them, for
        ``_occupation_fast.description_batch``."""
        return log_table(self, int(lengths.max(initial=0)), self.DESC_CHARS + 2, np.float32)

    def _description_compiled(self, ids: np.ndarray, lengths: np.ndarray, code_lists: list[list[str]]) -> list[dict]:
        """The rest of ``_description_scores_many`` in one call of the compiled kernel
        (``_occupation_fast.description_batch``: each description's query row, then its candidate fiches'
        float32 products and sums, bit for bit), from the stem ids of the descriptions' words."""
        flat = list(chain.from_iterable(code_lists))
        if not flat:
            return [{} for _ in code_lists]
        rows = np.fromiter(map(self._fiche_row.get, flat, repeat(-1, len(flat))), np.int64, len(flat))
        counts = np.fromiter(map(len, code_lists), np.int64, len(code_lists))
        ads = np.repeat(np.arange(len(code_lists), dtype=np.int64), counts)
        scores, has = _fast.description_batch(ids, lengths, self._idf, self._log_counts(lengths), ads, rows,
                                              self._fiche_ptr, self._fiche_ids_all, self._fiche_w_all)
        keep = (rows >= 0) & has[ads]
        if not keep.any():
            return [{} for _ in code_lists]
        scores = iter(scores[keep].tolist())
        found = iter(compress(flat, keep.tolist()))
        counts = np.bincount(ads[keep], minlength=len(code_lists)).tolist()
        return [dict(zip(islice(found, c), islice(scores, c))) if c else {} for c in counts]

    def classify_many(self, ads: Sequence) -> list[dict]:
        """``classify`` for many ads: each a ``{"title", "description"}`` mapping or a ``(title,
        description)`` pair; same results (scores equal up to float rounding), through ``rank_many``."""
        pairs = [(a.get("title"), a.get("description")) if isinstance(a, dict) else (a[0], a[1] if len(a) > 1 else None)
                 for a in ads]
        with _collector_paused():
            ranked = self.rank_many([t for t, _ in pairs], [d for _, d in pairs], 5)
            return [self._result(t, d, c) for (t, d), c in zip(pairs, ranked)]

    def prefetch(self, ads: Sequence) -> None:
        """Classify a batch of ads ahead (``{"title", "description"}`` mappings; ``None`` entries are
        skipped): the next ``classify(title, description)`` of each returns its batch result. This is
        how a caller that classifies ad by ad (``adequa annotate``) gets the batch's speed. Only the
        last batch is kept."""
        ads = [a for a in ads if a is not None]
        try:
            results = self.classify_many(ads)
        except Exception:   # noqa: BLE001 - an odd ad in the batch: classify then takes each ad alone
            self._ready = {}
            return
        self._ready = {(a.get("title") or "", a.get("description") or ""): r for a, r in zip(ads, results)}

    def classify(self, title: str, description: str | None = None) -> dict:
        """The occupation of an ad::

            {"occupation": {"rome", "appellation", "score", "candidates": [{"rome", "score"}, ...5]},
             "fap2021", "fap2009", "isco", "esco_occupation", "domain"}

        ``appellation`` is the code_ogr of the best matching official appellation of the chosen
        fiche (None when the title matched the fiche label only); scores are in [0, ~2.2] (title ≤ ~1.35, plus DESC_WEIGHT × a cosine).
        """
        ready = self._ready
        if ready:
            hit = ready.pop((title or "", description or ""), None)
            if hit is not None:
                return hit
        return self._result(title, description, self.rank(title, description, 5))

    def _result(self, title: str, description: str | None, cands: list) -> dict:
        if not cands:
            return {"occupation": {"rome": None, "appellation": None, "score": 0.0, "candidates": []},
                    "fap2021": None, "fap2009": None, "isco": None, "esco_occupation": None,
                    "domain": self.domains.tag(title, None, description) if self.domains else None}
        rome, score, app = cands[0]
        esco = (self.ref.appellation_esco.get(app) or [None])[0] if app else None
        esco = esco or self._fiche_esco.get(rome)
        fap = self.ref.fap.get(rome) or [None, None]
        return {
            "occupation": {"rome": rome, "appellation": app, "score": round(score, 4),
                           "candidates": [{"rome": c, "score": round(s, 4)} for c, s, _ in cands]},
            "fap2021": fap[0], "fap2009": fap[1],
            "isco": self.ref.esco_isco.get(esco) if esco else None,
            "esco_occupation": esco,
            "domain": self.domains.tag(title, rome, description) if self.domains else None,
        }

    def appellation_label(self, code_ogr: str | None) -> str | None:
        if not code_ogr:
            return None
        labels = self.__dict__.get("_appellation_label")
        if labels is None:      # made when first asked (not at every start)
            labels = self._appellation_label = {a["code_ogr"]: a["label"] for a in self.ref.appellations}
        return labels.get(code_ogr)

    def _rare_docs(self) -> np.ndarray | None:
        """The labels of the appellations ROME marks as rarely used (for ``RARE_DISCOUNT``), made when
        first asked; None when there are none."""
        if "_rare" not in self.__dict__:
            rare = {a["code_ogr"] for a in self.ref.appellations if a.get("rarely_used")}
            self._rare = (np.array([i for i, a in enumerate(self.doc_appellation) if a in rare], np.int64)
                          if rare else None)
        return self._rare


class RomeGuidedRanker:
    """ESCO occupations for a job title: the lexical ESCO ranking plus a bonus for the ESCO
    occupations that France Travail's crosswalk maps to the title's best ROME fiches (the ROME
    classifier knows French job titles far better than ESCO's labels do)::

        score(uri) = lexical(uri) + max over the top ROME fiches f of
                     score(f) × (APPELLATION_BONUS if uri is mapped from f's matched appellation
                                 else FICHE_BONUS if uri is mapped from any appellation of f)
    """

    APPELLATION_BONUS = 0.3
    FICHE_BONUS = 0.15
    ROME_CANDIDATES = 3

    def __init__(self, esco, classifier: OccupationClassifier):
        self.esco = esco
        self.items = esco.items
        self.classifier = classifier
        pos = {it.id: i for i, it in enumerate(esco.items)}
        ref = classifier.ref
        self._app = {ogr: np.array([pos[u] for u in uris if u in pos], np.int64)
                     for ogr, uris in ref.appellation_esco.items()}
        fiche: dict[str, set[int]] = {}
        for a in ref.appellations:
            idx = self._app.get(a["code_ogr"])
            if idx is not None and len(idx):
                fiche.setdefault(a["code_rome"], set()).update(idx.tolist())
        self._fiche = {c: np.array(sorted(v), np.int64) for c, v in fiche.items()}

    def bonus(self, title: str, description: str | None = None, ranked: list | None = None) -> np.ndarray:
        """The crosswalk bonus of every ESCO occupation for a title (``ranked``: its ROME ranking when
        already computed, e.g. by ``rank_many``)."""
        out = np.zeros(len(self.items), np.float32)
        if ranked is None:
            ranked = self.classifier.rank(title, description, self.ROME_CANDIDATES)
        for code, score, app in ranked:
            idx = self._fiche.get(code)
            if idx is not None and len(idx):
                out[idx] = np.maximum(out[idx], self.FICHE_BONUS * score)
            idx = self._app.get(app) if app else None
            if idx is not None and len(idx):
                out[idx] = np.maximum(out[idx], self.APPELLATION_BONUS * score)
        return out

    def rank_many(self, texts, k: int = 10, descriptions=None):
        texts = list(texts)
        descriptions = list(descriptions) if descriptions else [None] * len(texts)
        chunk = 256
        for i in range(0, len(texts), chunk):
            part, dpart = texts[i:i + chunk], descriptions[i:i + chunk]
            ranked = self.classifier.rank_many(part, dpart, self.ROME_CANDIDATES)
            for text, desc, row, r in zip(part, dpart, self.esco.scores_many(part), ranked):
                yield self.esco._format(self.esco.top(row + self.bonus(text, desc, r), k))

    def rank(self, text: str, k: int = 10) -> list[dict]:
        return next(iter(self.rank_many([text], k)))
