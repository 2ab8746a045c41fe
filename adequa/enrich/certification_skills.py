"""Certification blocs -> ROME skills: split a bloc's text into its items, link each item to the
ROME compétences, macro-compétences and savoirs it states.

RNCP blocs and *compétences attestées* are lists of task sentences ("Analyser les besoins du
client…", "Concevoir une base de données…"), written like ROME 4.0 compétences (verb-first task
phrases). An ads extractor looks for skill *names* inside running text; here every item is
itself one or two skills, so each item is compared as a whole with every ROME label:

1. :func:`split_items` cuts the text at line breaks, runs of spaces, ``;``, sentence ends and
   list markers (``-``, ``*``, ``•``, ``1.2.3``, ``C.1.``, ``A1C2.``), keeps offsets into the
   original text, and glues back a piece that starts in lower case (a line broken mid-sentence);
2. :class:`BlocSkillLinker` turns an item and each label into matching keys (accent-folded
   lemmas, nominalisations mapped to their verb: "conception" -> "concevoir"), weighs them by
   IDF over the labels, and scores a label by the cosine of the two weighted vectors, where the
   item's words after a purpose clause ("afin de", "pour", "en respectant"…) weigh less; labels
   of the certification's own ROME fiches (``boost``) get a bonus. The best ``top`` labels per
   item at or above ``threshold`` are kept, with their score and the item as evidence.

Plain data in, plain data out: the referential files are read by ``adequa.pipeline.training``.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from adequa.enrich.lexical import STOP, KeyMaker
from adequa.model import SkillMention
from adequa.normalise.text import spans

# -- items --------------------------------------------------------------------------------------------
_BREAK = re.compile(r"\n|\r|\s{2,}|;|(?<=[.!?])\s+(?=[A-ZÀ-Ý0-9*•\-–])|(?<=[a-zà-ÿ)])\s*[•·▪►➢✓]\s*")
_MARKER = re.compile(
    r"^(?:[-–—•·▪►➢✓*]+\s*|(?:[A-Z]{0,2}\d+(?:[.\-]\d+)*|[A-Z]\.\d+(?:\.\d+)*|[A-Z]\d+[A-Z]\d+)\s*[.:)\-]?\s+|"
    r"[A-Z]\d+[A-Z]\d+\.|[A-Z]\.\d+\.)+")
_LEADIN = re.compile(r"^(?:les\s+)?comp[ée]tences\s+attest[ée]es[^:]*(?::\s*|$)", re.I)


def split_items(text: str, *, min_words: int = 2) -> list[tuple[int, int]]:
    """(start, end) of each item of a bloc's text, list markers and numbering left out.

    >>> t = "- Coder une page web  - Tester une application"
    >>> [t[a:b] for a, b in split_items(t)]
    ['Coder une page web', 'Tester une application']
    """
    if not text:
        return []
    pieces: list[list[int]] = []           # [start, end, marked]
    pos, soft = 0, False                   # soft: the previous break was only a run of spaces
    for m in list(_BREAK.finditer(text)) + [None]:
        end = m.start() if m else len(text)
        a, b = pos, end
        while a < b and text[a].isspace():
            a += 1
        while b > a and (text[b - 1].isspace() or text[b - 1] in ".,:*"):
            b -= 1
        if a < b:
            lead = _LEADIN.match(text, a, b)
            if lead:
                a = lead.end()
            mk = _MARKER.match(text[a:b])
            marked = bool(mk)
            if mk:
                a += mk.end()
            if a < b:
                first = text[a]
                if pieces and soft and not marked and first.isalpha() and first.islower():
                    pieces[-1][1] = b                     # a sentence broken by a run of spaces: glue it back
                else:
                    pieces.append([a, b, marked])
        pos = m.end() if m else len(text)
        soft = bool(m) and not m.group().strip() and "\n" not in m.group() and "\r" not in m.group()
    return [(a, b) for a, b, _ in pieces if len(re.findall(r"[^\W\d_]{2,}", text[a:b])) >= min_words]


# -- linking ------------------------------------------------------------------------------------------
#: Words that introduce the purpose or manner of a task: what follows weighs ``tail_weight``.
_TAIL = frozenset("""afin pour permettant permettre conformement selon dans_le_respect en_respectant en_vue de_facon
    de_maniere tout_en en_tenant en_veillant en_prenant en_s en_utilisant en_appliquant en_mobilisant
    en_s_appuyant en_fonction""".split())
#: Function and frame words of task sentences that tell nothing about the skill.
_EXTRA_STOP = frozenset("""afin cas echeant ensemble etc ainsi tout toute tous toutes son sa ses leur leurs lui elle il
    cadre permettre permettant fonction niveau lors celui celle ceux plusieurs chaque autre autres propre
    adapter adapte adaptee adaptes adaptees necessaire necessaires different differents differentes vue
    objectif objectifs besoin""".split())


@dataclass(frozen=True)
class ItemLink:
    """One ROME item linked to one item of a bloc's text."""

    start: int
    end: int
    text: str           # the bloc item: the evidence
    ogr: str
    label: str
    kind: str           # compétence / macro-compétence / savoir
    score: float


class BlocSkillLinker:
    """Links bloc items to taxonomy labels by IDF-weighted cosine of lemma keys.

    ``items``: dicts with ``ogr``, ``label``, ``kind`` (``compétence``, ``macro-compétence``,
    ``savoir``…) and optionally ``macro`` (the macro-compétence of a compétence).
    ``fiche_items``: ROME fiche -> item ids it lists; ``parents``: any code (e.g. a ROME v3 code
    in an RNCP fiche) -> the ROME 4.0 fiches it stands for. With them, ``extract(…, rome_hint=codes)``
    boosts the items of the certification's own fiches.
    """

    boosts_published = True

    def __init__(self, items: Iterable[dict], *, fiche_items: dict[str, set[str]] | None = None,
                 parents: dict[str, set[str]] | None = None, threshold: float = 0.25, top: int = 1,
                 boost: float = 4.0, boost_related: float = 0.5, tail_weight: float = 0.2, kinds: Iterable[str] | None = None,
                 savoir_weight: float = 0.6, verb_bonus: float = 0.0, prior: float = 0.1, feedback: int = 3,
                 second_ratio: float | None = None,
                 version: str = "bloc-linker"):
        self.feedback = feedback
        self.second_ratio = second_ratio
        self.version = version
        self.threshold, self.top, self.boost, self.tail_weight = threshold, top, boost, tail_weight
        self.boost_related = boost_related
        self.savoir_weight, self.verb_bonus, self.prior = savoir_weight, verb_bonus, prior
        self.fiche_items = {k: set(v) for k, v in (fiche_items or {}).items()}
        self.parents = {k: set(v) for k, v in (parents or {}).items()}
        kinds = set(kinds) if kinds is not None else None
        rows = [dict(r) for r in items if r.get("label") and (kinds is None or r.get("kind") in kinds)]
        verbs = set()
        for r in rows:
            first = spans(r["label"])[:1]
            if first and first[0][2].endswith(("er", "ir", "re")):
                verbs.add(first[0][2])
        self.keys = KeyMaker("fr", verbs=verbs)
        self.stop = STOP["fr"] | _EXTRA_STOP
        self.labels: list[dict] = []
        self.heads: list[str] = []
        vecs: list[dict[str, float]] = []
        df: dict[str, int] = defaultdict(int)
        for r in rows:
            ks = self._keys(r["label"])
            if not ks:
                continue
            tf: dict[str, float] = {}
            for k, _ in ks:
                tf[k] = 1.0
            self.labels.append(r)
            self.heads.append(ks[0][0] if ks[0][0] in verbs or self.keys.is_action(ks[0][0]) else "")
            vecs.append(tf)
            for k in tf:
                df[k] += 1
        n = len(vecs) or 1
        self.idf = {k: math.log((n + 1) / (d + 0.5)) for k, d in df.items()}
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self.norms: list[float] = []
        for i, tf in enumerate(vecs):
            w = {k: self.idf[k] for k in tf}
            self.norms.append(math.sqrt(sum(x * x for x in w.values())) or 1.0)
            for k, x in w.items():
                self.postings[k].append((i, x))
        self.by_ogr = {r["ogr"]: i for i, r in enumerate(self.labels)}
        self.key_index = {k: j for j, k in enumerate(sorted(self.idf))}
        # how many fiches list each item: the referential's own hubs ("Coder") are likelier labels
        listed: dict[str, int] = defaultdict(int)
        for its in self.fiche_items.values():
            for o in its:
                listed[o] += 1
        top_listed = max(listed.values(), default=1)
        self.factor = []
        for r, head in zip(self.labels, self.heads):
            f = self.savoir_weight if r.get("kind") == "savoir" else 1.0
            if listed:
                f *= 1.0 + self.prior * math.log1p(listed.get(r["ogr"], 0)) / math.log1p(top_listed)
            self.factor.append(f)
        import numpy as np
        from scipy import sparse

        rows, cols, vals = [], [], []
        for k, plist in self.postings.items():
            j = self.key_index[k]
            for i, y in plist:
                rows.append(i)
                cols.append(j)
                vals.append(y / self.norms[i])
        # keys x labels: an item's product only walks the postings of its own keys
        self.matrix = sparse.csr_matrix((vals, (cols, rows)), shape=(len(self.key_index), len(self.labels)))
        self.factor_arr = np.asarray(self.factor)
        self.head_arr = np.asarray(self.heads, dtype=object)
        self.ogr_arr = [r["ogr"] for r in self.labels]

    # keys of a text, each with its clause weight
    def _keys(self, text: str) -> list[tuple[str, float]]:
        out, weight, prev = [], 1.0, ""
        for _, _, folded, lower in spans(text):
            pair = f"{prev}_{folded}"
            if folded in _TAIL or pair in _TAIL or (prev == "en" and folded.endswith("ant")):
                weight = self.tail_weight
            prev = folded
            if folded in self.stop or len(folded) < 2 and not folded.isdecimal():
                continue
            k = self.keys.key(lower)
            if k and k not in self.stop:
                out.append((k, weight))
        return out

    def boost_set(self, codes: Iterable[str] | str | None) -> dict[str, float]:
        """Bonus per item id for the ROME fiches behind ``codes``: ``boost`` for the items of the
        fiches named (ROME 4.0 codes, or a v3 code that is also a 4.0 fiche), ``boost_related``
        for those of the 4.0 fiches a v3 code was split into."""
        if not codes:
            return {}
        if isinstance(codes, str):
            codes = [codes]
        out: dict[str, float] = {}
        for c in codes:
            for fiche in self.parents.get(c, set()) - {c}:
                for o in self.fiche_items.get(fiche, ()):
                    out.setdefault(o, self.boost_related)
        for c in codes:
            for o in self.fiche_items.get(c, ()):
                out[o] = self.boost
        return out

    def score_item(self, text: str, boost: dict[str, float] | None = None, *, limit: int = 10) -> list[tuple[int, float]]:
        """(label index, cosine) of the best labels for one item, best first: ranked by the cosine
        times the kind weight, the referential prior, the verb and the fiche bonuses."""
        return self.score_items([text], boost, limit=limit)[0]

    def score_items(self, texts: list[str], boost: dict[str, float] | None = None, *,
                    limit: int = 10) -> list[list[tuple[int, float]]]:
        """:meth:`score_item` for many items at once (one sparse product)."""
        return [[(i, cos) for i, cos, _ in best] for best in self._ranked(texts, boost, limit)]

    def _ranked(self, texts: list[str], boost: dict[str, float] | None, limit: int
                ) -> list[list[tuple[int, float, float]]]:
        """(label index, cosine, rank score) of the best labels of each item, best first."""
        import numpy as np
        from scipy import sparse

        rows, cols, vals, norms, heads = [], [], [], [], []
        for c, text in enumerate(texts):
            ks = self._keys(text)
            w: dict[int, float] = {}
            unknown = 0
            for k, weight in ks:
                j = self.key_index.get(k)
                if j is None:
                    unknown += 1
                    continue
                w[j] = max(w.get(j, 0.0), weight * self.idf[k])
            # the item's norm counts its unknown words too (at a typical weight): a long item matches less
            norms.append(math.sqrt(sum(x * x for x in w.values()) + unknown * 4.0) or 1.0)
            heads.append(ks[0][0] if ks else "")
            for j, x in w.items():
                rows.append(j)
                cols.append(c)
                vals.append(x)
        if not vals:
            return [[] for _ in texts]
        q = sparse.csr_matrix((vals, (cols, rows)), shape=(len(texts), len(self.key_index)))
        prod = q @ self.matrix                      # items x labels, only the labels sharing a key
        bonus = self._bonus(boost)
        out = []
        for c in range(len(texts)):
            lo, hi = prod.indptr[c], prod.indptr[c + 1]
            if lo == hi:
                out.append([])
                continue
            idx = prod.indices[lo:hi]
            cos = prod.data[lo:hi] / norms[c]
            rank = cos * self.factor_arr[idx]
            if bonus is not None:
                rank = rank * bonus[idx]
            if self.verb_bonus and heads[c]:
                rank = rank * np.where(self.head_arr[idx] == heads[c], 1.0 + self.verb_bonus, 1.0)
            n = min(limit, len(idx))
            best = np.argpartition(-rank, n - 1)[:n]
            best = sorted(best, key=lambda j: (-rank[j], self.ogr_arr[idx[j]]))
            out.append([(int(idx[j]), float(cos[j]), float(rank[j])) for j in best])
        return out

    def _bonus(self, boost: dict[str, float] | None):
        """The boost as a factor per label (None without boost), kept for the last boost given."""
        import numpy as np

        if not boost:
            return None
        cached = getattr(self, "_bonus_cache", None)
        if cached is not None and cached[0] is boost:
            return cached[1]
        bonus = np.ones(len(self.labels))
        for o, b in boost.items():
            i = self.by_ogr.get(o)
            if i is not None:
                bonus[i] = 1.0 + b
        self._bonus_cache = (boost, bonus)
        return bonus

    def link(self, text: str, boost: dict[str, float] | None = None) -> list[ItemLink]:
        """Links of every item of ``text``: the ``top`` best labels whose cosine reaches the threshold."""
        items = split_items(text)
        out = []
        limit = max(self.top, 2 if self.second_ratio else 1)
        for (a, b), best in zip(items, self._ranked([text[a:b] for a, b in items], boost, limit)):
            for k, (i, s, rank) in enumerate(best):
                if k >= self.top and not (self.second_ratio and rank >= self.second_ratio * best[0][2]):
                    break
                if s >= self.threshold:
                    r = self.labels[i]
                    out.append(ItemLink(a, b, text[a:b], r["ogr"], r["label"], r.get("kind") or "compétence",
                                        round(s, 4)))
        return out

    def link_certification(self, texts: Iterable[tuple[object, str]], romes: Iterable[str] | None = None
                           ) -> tuple[dict[object, list[ItemLink]], list[str]]:
        """Links of every text of one certification (``(key, text)`` pairs), and the ROME fiches
        whose items were boosted. With published ``romes`` those fiches are boosted; without
        (Répertoire spécifique fiches), a first unboosted pass infers the ``feedback`` likeliest
        fiches from its links (:func:`infer_rome`) and the second pass boosts them at the
        ``boost_related`` level."""
        texts = [(k, t) for k, t in texts if t]
        romes = [r for r in (romes or []) if r]
        boost = self.boost_set(romes)
        used = list(romes)
        if not boost and self.feedback and self.fiche_items:
            first = [x.ogr for _, t in texts for x in self.link(t)]
            guessed = [r for r, _, _ in infer_rome(first, self.item_fiches, top=self.feedback, min_score=0.0,
                                                   n_romes=len(self.fiche_items), norms=self.fiche_norms)]
            boost = {o: self.boost_related for r in guessed for o in self.fiche_items.get(r, ())}
            used = guessed
        return {k: self.link(t, boost) for k, t in texts}, used

    @property
    def item_fiches(self) -> dict[str, set[str]]:
        """Item id -> the ROME fiches that list it (the inverse of ``fiche_items``)."""
        if getattr(self, "_item_fiches", None) is None:
            inv: dict[str, set[str]] = defaultdict(set)
            for r, its in self.fiche_items.items():
                for o in its:
                    inv[o].add(r)
            self._item_fiches = dict(inv)
            self._fiche_norms = rome_norms(self._item_fiches, len(self.fiche_items))
        return self._item_fiches

    @property
    def fiche_norms(self) -> dict[str, float]:
        self.item_fiches
        return self._fiche_norms

    @staticmethod
    def mentions(links: Iterable[ItemLink]) -> list[SkillMention]:
        """Links as skill mentions (span = the whole item), for ``certification_skills``."""
        return [SkillMention(start=x.start, end=x.end, text=x.text, rome_ogr=x.ogr, esco_uri=None, label=x.label,
                             kind=_KIND.get(x.kind, x.kind), score=x.score, method="bloc-item") for x in links]

    def extract(self, text: str, lang: str = "fr", rome_hint: str | Iterable[str] | None = None) -> list[SkillMention]:
        """The ads extractors' interface: one mention per link (span = the whole item)."""
        return self.mentions(self.link(text, self.boost_set(rome_hint)))


_KIND = {"compétence": "savoir-faire", "macro-compétence": "savoir-faire", "savoir": "savoir"}


# -- items -> occupations -----------------------------------------------------------------------------
def infer_rome(skills: Iterable[str], ogr_romes: dict[str, set[str]], *, top: int = 5,
               min_score: float = 0.03, n_romes: int | None = None,
               norms: dict[str, float] | None = None) -> list[tuple[str, float, list[str]]]:
    """ROME fiches a set of skills points to: (rome, score, evidence skills), best first.

    TF-IDF cosine between the certification's skills and each ROME fiche's listed items, with
    binary weights and ``idf = log(N / fiches listing the item)``: a fiche scores high when the
    certification's specific skills are a large part of what the fiche lists. Scores are small
    (0.05–0.3 on real blocs); ``norms`` (from :func:`rome_norms`) avoids recomputing them.
    """
    skills = [s for s in dict.fromkeys(skills) if s in ogr_romes and ogr_romes[s]]
    if not skills:
        return []
    n = n_romes or len({r for rs in ogr_romes.values() for r in rs}) or 1
    norms = norms if norms is not None else rome_norms(ogr_romes, n)
    idf = {s: math.log(n / len(ogr_romes[s])) if n > len(ogr_romes[s]) else 0.0 for s in skills}
    cert_norm = math.sqrt(sum(v * v for v in idf.values()))
    if cert_norm == 0:
        return []
    dot: dict[str, float] = defaultdict(float)
    evidence: dict[str, list[str]] = defaultdict(list)
    for s in skills:
        for r in ogr_romes[s]:
            dot[r] += idf[s] * idf[s]
            evidence[r].append(s)
    ranked = sorted(((r, v / (cert_norm * norms[r])) for r, v in dot.items() if norms.get(r)),
                    key=lambda rv: (-rv[1], rv[0]))
    return [(r, round(score, 4), sorted(evidence[r], key=lambda s: -idf[s])) for r, score in ranked[:top]
            if score >= min_score]


def rome_norms(ogr_romes: dict[str, set[str]], n: int | None = None) -> dict[str, float]:
    """Euclidean norm of each ROME fiche's idf-weighted item vector."""
    n = n or len({r for rs in ogr_romes.values() for r in rs}) or 1
    sq: dict[str, float] = defaultdict(float)
    for s, rs in ogr_romes.items():
        if rs and n > len(rs):
            w = math.log(n / len(rs))
            for r in rs:
                sq[r] += w * w
    return {r: math.sqrt(v) for r, v in sq.items()}
