"""Cut an ad into segments (lines, bullets, sentences) and tell job content from boilerplate.

Every segment keeps its offsets in the original description. A segment's class is one
of ``job`` (missions, profile, skills), ``company`` (who the employer is), ``offer``
(contract, pay, schedule, benefits), ``apply`` (how to apply), ``diversity``
(equal-opportunity / accessibility statements) or ``neutral`` (no evidence either way).
Section headers ("Vos missions :", "Avantages") set the class of what follows until
the next header; cue phrases inside a segment override a ``job``/``neutral`` class.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from adequa.normalise.text import fold, lemma

BOILERPLATE = ("company", "offer", "apply", "diversity")

# Lines, bullets and sentence ends. A "-" or "*" counts as a bullet at a line start or after spaces.
# The leading look-ahead only skips, in one character test, positions where no alternative can start
# (every separator starts with a space, a newline, a bullet, a dash or a colon): same matches, 2-3x faster.
SPLIT_ALTERNATIVES = r"\n+|\*{2,}|(?:^|(?<=\s))[-–—*•·●▪►✓✔➢→](?=\s|\w)|[•●▪►✓✔➢]|(?<=[.!?;])\s+(?=[^\s])|\s{3,}|(?<=\w)\s*:\s+(?=[A-ZÀ-Ý-])"
_SPLIT = re.compile(r"(?=[\s*\-–—•·●▪►✓✔➢→:])(?:" + SPLIT_ALTERNATIVES + ")")
_WORD = re.compile(r"[^\W_]+")
_INTRO = re.compile(r"(?i)\b(missions?|activit[ée]s|t[âa]ches|comp[ée]tences|profil|qualit[ée]s|responsabilit[ée]s|"
                    r"vous (?:devrez|serez|aurez|assurerez|ferez|interviendrez)|savoir[- ]faire|savoir[- ][êe]tre)\b")


@dataclass(slots=True)
class Segment:
    start: int
    end: int
    cls: str = "neutral"
    bullet: bool = False
    header: str | None = None     # class of the header this segment is, if it is one


def _lemmas(text: str) -> str:
    return " ".join(lemma(w.lower()) for w in _WORD.findall(text))


class Segmenter:
    """Built from plain cue rows: (class, phrase) for cues and for section headers."""

    def __init__(self, cues: list[tuple[str, str]], headers: list[tuple[str, str]]):
        self.cues: dict[str, list[str]] = {}
        for cls, phrase in cues:
            self.cues.setdefault(cls, []).append(f" {_lemmas(phrase)} " if _WORD.search(phrase) else phrase)
        self.headers: dict[str, str] = {}
        for cls, phrase in headers:
            self.headers[_lemmas(phrase)] = cls
        self._cue_re = {cls: re.compile("|".join(re.escape(p) for p in sorted(set(ps), key=len, reverse=True)))
                        for cls, ps in self.cues.items()}
        import ahocorasick

        self._auto = ahocorasick.Automaton()
        rank = {"apply": 0, "diversity": 1, "company": 2, "offer": 3}
        for cls, ps in self.cues.items():
            for p in ps:
                if p.startswith(" "):
                    old = self._auto.get(p, None)
                    if old is None or rank.get(cls, 9) < rank.get(old, 9):
                        self._auto.add_word(p, cls)
        if len(self._auto):
            self._auto.make_automaton()

    def header_class(self, text: str) -> str | None:
        """Class of a header line ("Vos missions :", "PROFIL", "Avantages :"), else None."""
        stripped = text.strip().rstrip(":").strip()
        if not stripped or len(stripped) > 60:
            return None
        lem = _lemmas(stripped)
        if lem in self.headers:
            return self.headers[lem]
        return None

    def cue_class(self, lemmatised: str) -> str | None:
        """The boilerplate class whose cue appears in a segment (first class in BOILERPLATE order)."""
        padded = f" {lemmatised} "
        for cls in ("apply", "diversity", "company", "offer"):
            rx = self._cue_re.get(cls)
            if rx is not None and rx.search(padded):
                return cls
        return None

    def fast_cue_class(self, padded: str) -> str | None:
        """Like ``cue_class`` on an already padded lemma string, in one regex pass."""
        if not len(self._auto):
            return None
        found = {cls for _, cls in self._auto.iter(padded)}
        if not found:
            return None
        if len(found) == 1:
            for cls in found:
                return cls if cls in BOILERPLATE else None
        for cls in ("apply", "diversity", "company", "offer"):
            if cls in found:
                return cls
        return None

    def split(self, text: str, toks=None, lemmas=None) -> list[Segment]:
        """Segments of ``text`` (already escape-masked, same length as the original).

        ``toks`` (start, end, …) and their ``lemmas``, when given, save lemmatising twice.
        """
        return self.split_state(text, toks, lemmas)[0]

    def split_state(self, text: str, toks=None, lemmas=None, section: str = "neutral") -> tuple[list[Segment], str]:
        """``split`` that starts in ``section`` (the class set by an earlier header) and also returns
        the section in force at the end: a text can be read line by line, each line on its own."""
        out: list[Segment] = []
        pos = 0
        pieces = []
        for m in _SPLIT.finditer(text):
            pieces.append((pos, m.start(), m.group()))
            pos = m.end()
        pieces.append((pos, len(text), ""))
        prev_sep = "\n"
        ti = 0
        whole = len(pieces) == 1        # one piece: every token lies inside its one segment
        for start, end, sep in pieces:
            raw = text[start:end]
            lead = len(raw) - len(raw.lstrip())
            trail = len(raw.rstrip())
            if trail <= lead:
                prev_sep = sep or prev_sep
                continue
            s, e = start + lead, start + trail
            seg_text = text[s:e]
            bullet = bool(prev_sep.strip() and prev_sep.strip()[0] in "-–—*•·●▪►✓✔➢→")
            lem = None
            if toks is not None:
                if whole:
                    lem = " ".join(lemmas)
                else:
                    while ti < len(toks) and toks[ti][0] < s:
                        ti += 1
                    tj = ti
                    while tj < len(toks) and toks[tj][1] <= e:
                        tj += 1
                    lem = " ".join(lemmas[ti:tj])
                # lengths without a trailing colon: the same whether the colon ends the piece (a line
                # read alone) or was taken as the separator (": " before an upper-case next line)
                head = self.headers.get(lem) if len(seg_text.rstrip(" :")) <= 62 else None
            else:
                head = self.header_class(seg_text)
            if head is None and ":" in seg_text[:40]:
                # "Missions : Sous la responsabilité…": a header glued to its first line.
                before = seg_text.split(":", 1)[0]
                head_inline = self.header_class(before)
                if head_inline is not None:
                    section = head_inline
            if head is None and sep.strip() == ":" or seg_text.rstrip().endswith(":"):
                # "Vos missions seront les suivantes :", "vous participerez aux missions suivantes :"
                if _INTRO.search(seg_text) and len(seg_text.rstrip(" :")) < 160:
                    section = "job"
            if head is not None:
                section = head
                out.append(Segment(s, e, head, bullet, header=head))
            else:
                cls = section
                if lem is not None:
                    cue = self.fast_cue_class(f" {lem} ") if lem else None
                else:
                    cue = self.fast_cue_class(f" {_lemmas(seg_text)} ")
                if cue is not None and not (cls == "job" and cue == "offer" and bullet):
                    cls = cue
                out.append(Segment(s, e, cls, bullet))
            prev_sep = sep or "\n"
        return out, section
