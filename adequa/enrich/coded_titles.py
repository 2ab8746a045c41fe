"""France Travail's own coding of job titles, learned from the coded offers at hand.

Every France Travail offer carries the ROME code its recruiter (or France Travail's coding tool)
chose. Those choices follow habits that the ROME labels alone do not show: "Business Analyst" is
coded *Analyste décisionnel - Business Intelligence* (M1851) far more often than the fiche whose
appellation it is (M1806), "Serveur" often goes to the pre-4.0 parent fiche. ``CodedTitles`` indexes
the cleaned titles of coded offers (character n-grams, as the classifier's title index) and, for a
new title, lets its closest coded titles vote for their codes; the classifier adds the vote to its
own scores (``OccupationClassifier._combine``). An ad never votes for itself: an offer of the coded
set that is annotated again (same title, same start of description) is left out of its own vote,
so the classifier does not echo the code it was given. Measured by cross-validation on the mirror's
coded offers, never on the offers it was built from (docs/occupations.md, "Learned from coded offers").
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Iterable

import numpy as np

from adequa.enrich.ranking import LexicalIndex

_AD_CHARS = 300     # description characters that, with the title, identify an ad


def ad_key(cleaned_title: str, description: str | None) -> int:
    """A 63-bit fingerprint of an ad: its cleaned title and the start of its description, with
    spacing and case ignored (a CSV export and a JSON line of the same offer give the same key);
    0 without a description (a title alone names no particular ad)."""
    text = " ".join((description or "")[:2 * _AD_CHARS].split())[:_AD_CHARS].lower()
    if not text:
        return 0
    digest = hashlib.blake2b(f"{cleaned_title}\x00{text}".encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1 or 1


class CodedTitles:
    """Votes of coded offer titles for ROME fiches: ``votes(cleaned_title, ad) -> {code_rome: weight}``."""

    K = 3               # closest coded titles that vote
    FLOOR = 0.3         # a coded title closer than this to the title does not vote
    WEIGHT = 1.2        # weight of the vote in the classifier's score (cross-validated, docs/occupations.md)
    POWER = 4.0         # the vote scales with the best similarity to this power: near-copies of a title decide
    COVERAGE = 0.5      # as the classifier's title index: the share of the title found counts
    MAX_TITLES = 100_000    # coded titles read at most (a national dump holds millions: the first ones)
    FILE = "coded_titles.npz"

    def __init__(self, index: LexicalIndex, codes: list[str], keys: np.ndarray | None = None):
        self.index = index
        self.codes = codes            # the ROME code of each indexed title (document order)
        self.keys = np.zeros(len(codes), np.int64) if keys is None else keys.astype(np.int64)   # ad_key per title
        self._own = frozenset(self.keys.tolist()) - {0}
        self._memo: dict[str, dict[str, float]] = {}

    @classmethod
    def build(cls, offers: Iterable[tuple], known_codes: Iterable[str]) -> "CodedTitles | None":
        """From (title, ROME code[, description]) of coded offers; titles are cleaned as the classifier
        cleans them, codes that are no fiche of the referential are skipped. None when none is left."""
        from adequa.enrich.occupation import clean_title

        known = set(known_codes)
        titles: list[str] = []
        codes: list[str] = []
        keys: list[int] = []
        for offer in offers:
            title, code = offer[0], (offer[1] or "").strip().upper()
            if code not in known:
                continue
            cleaned = clean_title(title or "")
            if cleaned:
                titles.append(cleaned)
                codes.append(code)
                keys.append(ad_key(cleaned, offer[2] if len(offer) > 2 else None))
                if len(titles) >= cls.MAX_TITLES:
                    break
        if not titles:
            return None
        ids = {c: i for i, c in enumerate(sorted(set(codes)))}
        index = LexicalIndex.build(titles, [ids[c] for c in codes], len(ids), ngrams=(3, 5), max_df=0.05)
        return cls(index, codes, np.array(keys, np.int64))

    def votes(self, cleaned: str, description: str | None = None) -> dict[str, float]:
        """{code: weight} for an ad's cleaned title: the ``K`` closest coded titles at ``FLOOR`` or more
        vote with their similarity; the shares are scaled by the best similarity to the power
        ``POWER`` (a title far from every coded one gets a small vote). The ad's own offer, when it is
        one of the coded set (``ad_key``), does not vote."""
        own = None
        if self._own:
            key = ad_key(cleaned, description)
            if key in self._own:        # (0, "no description", is never in it)
                own = key
        if own is not None:
            return self._votes(cleaned, own)
        got = self._memo.get(cleaned)
        if got is None:
            got = self._votes(cleaned, None)
            if len(self._memo) < 200_000:
                self._memo[cleaned] = got
        return got

    def _votes(self, cleaned: str, own: int | None) -> dict[str, float]:
        got: dict[str, float] = {}
        if not cleaned:
            return got
        sims = self.index.token_doc_scores(cleaned, self.COVERAGE)
        if own is not None:
            sims = np.where(self.keys == own, np.float32(0), sims)
        k = min(self.K, len(sims))
        if not k:
            return got
        top = np.argpartition(-sims, k - 1)[:k] if len(sims) > k else np.arange(len(sims))
        top = top[np.lexsort((top, -sims[top]))]     # best first; ties in document order
        best = float(sims[top[0]])
        if best < self.FLOOR:
            return got
        total = 0.0
        for d in top.tolist():
            s = float(sims[d])
            if s < self.FLOOR:
                break
            got[self.codes[d]] = got.get(self.codes[d], 0.0) + s
            total += s
        scale = best ** self.POWER
        return {c: scale * v / total for c, v in got.items()}

    def save(self, folder: Path) -> None:
        self.index.save(folder / self.FILE)
        np.save(folder / "coded_keys.npy", self.keys)
        (folder / "coded_titles.json").write_text(json.dumps(self.codes), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "CodedTitles | None":
        """The votes saved in ``folder``, or None when the classifier was built without coded offers."""
        if not (folder / cls.FILE).exists():
            return None
        keys = np.load(folder / "coded_keys.npy") if (folder / "coded_keys.npy").exists() else None
        return cls(LexicalIndex.load(folder / cls.FILE),
                   json.loads((folder / "coded_titles.json").read_text(encoding="utf-8")), keys)

    def __getstate__(self) -> dict:
        return {"index": self.index, "codes": self.codes, "keys": self.keys}   # the memo is the process's own

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["index"], state["codes"], state.get("keys"))
