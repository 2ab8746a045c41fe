"""France Travail's own coding of job titles, learned from the coded offers at hand.

Every France Travail offer carries the ROME code its recruiter (or France Travail's coding tool)
chose. Those choices follow habits that the ROME labels alone do not show: "Business Analyst" is
coded *Analyste décisionnel - Business Intelligence* (M1851) far more often than the fiche whose
appellation it is (M1806), "Serveur" often goes to the pre-4.0 parent fiche. ``CodedTitles`` indexes
the cleaned titles of coded offers (character n-grams, as the classifier's title index) and, for a
new title, lets its closest coded titles vote for their codes; the classifier adds the vote to its
own scores (``OccupationClassifier._combine``). Measured by cross-validation on the mirror's coded
offers, never on the offers it was built from (docs/occupations.md, "Learned from coded offers").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

import numpy as np

from adequa.enrich.ranking import LexicalIndex


class CodedTitles:
    """Votes of coded offer titles for ROME fiches: ``votes(cleaned_title) -> {code_rome: weight}``."""

    K = 3               # closest coded titles that vote
    FLOOR = 0.3         # a coded title closer than this to the title does not vote
    WEIGHT = 1.2        # weight of the vote in the classifier's score (cross-validated, docs/occupations.md)
    POWER = 4.0         # the vote scales with the best similarity to this power: near-copies of a title decide
    COVERAGE = 0.5      # as the classifier's title index: the share of the title found counts
    MAX_TITLES = 100_000    # coded titles read at most (a national dump holds millions: the first ones)
    FILE = "coded_titles.npz"

    def __init__(self, index: LexicalIndex, codes: list[str]):
        self.index = index
        self.codes = codes            # the ROME code of each indexed title (document order)
        self._memo: dict[str, dict[str, float]] = {}

    @classmethod
    def build(cls, pairs: Iterable[tuple[str, str]], known_codes: Iterable[str]) -> "CodedTitles | None":
        """From (title, ROME code) pairs; titles are cleaned as the classifier cleans them, codes that
        are no fiche of the referential are skipped. None when no pair is left."""
        from adequa.enrich.occupation import clean_title

        known = set(known_codes)
        titles: list[str] = []
        codes: list[str] = []
        for title, code in pairs:
            code = (code or "").strip().upper()
            if code not in known:
                continue
            cleaned = clean_title(title or "")
            if cleaned:
                titles.append(cleaned)
                codes.append(code)
                if len(titles) >= cls.MAX_TITLES:
                    break
        if not titles:
            return None
        ids = {c: i for i, c in enumerate(sorted(set(codes)))}
        index = LexicalIndex.build(titles, [ids[c] for c in codes], len(ids), ngrams=(3, 5), max_df=0.05)
        return cls(index, codes)

    def votes(self, cleaned: str) -> dict[str, float]:
        """{code: weight} for a cleaned title: the ``K`` closest coded titles at ``FLOOR`` or more vote
        with their similarity; the shares are scaled by the best similarity (a title far from every
        coded one gets a small vote)."""
        got = self._memo.get(cleaned)
        if got is not None:
            return got
        got = {}
        if cleaned:
            sims = self.index.token_doc_scores(cleaned, self.COVERAGE)
            k = min(self.K, len(sims))
            if k:
                top = np.argpartition(-sims, k - 1)[:k] if len(sims) > k else np.arange(len(sims))
                top = top[np.lexsort((top, -sims[top]))]     # best first; ties in document order
                best = float(sims[top[0]])
                if best >= self.FLOOR:
                    total = 0.0
                    for d in top.tolist():
                        s = float(sims[d])
                        if s < self.FLOOR:
                            break
                        got[self.codes[d]] = got.get(self.codes[d], 0.0) + s
                        total += s
                    scale = best ** self.POWER
                    got = {c: scale * v / total for c, v in got.items()}
        if len(self._memo) < 200_000:
            self._memo[cleaned] = got
        return got

    def save(self, folder: Path) -> None:
        self.index.save(folder / self.FILE)
        (folder / "coded_titles.json").write_text(json.dumps(self.codes), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "CodedTitles | None":
        """The votes saved in ``folder``, or None when the classifier was built without coded offers."""
        if not (folder / cls.FILE).exists():
            return None
        return cls(LexicalIndex.load(folder / cls.FILE),
                   json.loads((folder / "coded_titles.json").read_text(encoding="utf-8")))

    def __getstate__(self) -> dict:
        return {"index": self.index, "codes": self.codes}       # the memo is the process's own

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["index"], state["codes"])
