"""Cut an ad into segments (lines, bullets, sentences) and tell job content from boilerplate.

Every segment keeps its offsets in the original description. A segment's class is one
of ``job`` (missions, profile, skills), ``company`` (who the employer is), ``offer``
(contract, pay, schedule, benefits), ``apply`` (how to apply), ``diversity``
(equal-opportunity / accessibility statements), ``recruit`` (a recruiting sentence outside a job
section: the qualities it asks for count, not its tasks) or ``neutral`` (no evidence either way).
Section headers ("Vos missions :", "Avantages") set the class of what follows until
the next header; cue phrases inside a segment override a ``job``/``neutral`` class.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from adequa.enrich._native import kernel
from adequa.normalise.text import fold, lemma

_fast = kernel("_segment_fast")     # compiled ``_parts`` (None: no build, or ADEQUA_PURE_PYTHON=1)

BOILERPLATE = ("company", "offer", "apply", "diversity")
# A segment with cues of several classes: the first. The last three are soft cues (``_soft_cue``).
# Two are possessive, which lemmas cannot tell apart ("notre", "votre", "son" are all "son"): "ours"
# (notre entreprise, nos valeurs) is company talk only when the text says "notre"/"nos" ("Vous gérez
# votre agence", "Vos valeurs : vous êtes sérieux" are the job), and "client" only when it names the
# employer's own client ("notre client", "pour l'un de ses clients"; "conseiller vos clients", "auprès
# de nos clients" are the job).
# "recruit" (nous recherchons, recrute) is a class of its own (the qualities asked for are read there,
# no task), but in a job section, where it opens the profile ("Profil : nous recherchons une personne
# rigoureuse") or a task ("Encadrer, recruter et former").
_CUE_ORDER = ("apply", "diversity", "company", "offer", "client", "ours", "recruit")
_CUE_RANK = {cls: r for r, cls in enumerate(_CUE_ORDER)}
_SOFT_CUES = ("client", "ours", "recruit")
_OWN_CLIENT = re.compile(r"(?i)\b(?:notre|son|ses|leurs?)\s+clients?\b|\bun\s+de\s+nos\s+clients?\b")
_BULLETS = "-–—*•·●▪►✓✔➢→"
_MISSING = object()
LISTED_ITEMS = 4        # items of a comma list whose offer cue (a schedule, a contract) stays in its item
INLINE_MEMO = 20_000    # distinct texts before a colon whose header class is remembered (cleared when full)

# Lines, bullets and sentence ends. A "-" or "*" counts as a bullet at a line start or after spaces, and
# a dash glued to a word before a capital ("Travail en équipe- Autonomie- Gestion du stress": bullets
# whose line breaks were lost), and a sentence end glued to the next ("négociations.Vous êtes").
# The leading look-ahead only skips, in one character test, positions where no alternative can start
# (every separator starts with a space, a newline, a bullet, a dash, a colon or a stop): same matches,
# 2-3x faster.
SPLIT_ALTERNATIVES = r"\n+|\*{2,}|(?:^|(?<=\s))[-–—*•·●▪►✓✔➢→](?=\s|\w)|(?<=[^\W\d_])[-–](?= [A-ZÀ-Ý])|[•●▪►✓✔➢]|(?<=[.!?;])\s+(?=[^\s])|\s{3,}|(?<=\w)\s*:\s+(?=[A-ZÀ-Ý-])|(?<=[a-zà-ÿ]{2})[.!?;](?=[A-ZÀ-Ý][a-zà-ÿ])"
_SPLIT = re.compile(r"(?=[\s*\-–—•·●▪►✓✔➢→:.!?;])(?:" + SPLIT_ALTERNATIVES + ")")
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

    def __init__(self, start: int, end: int, cls: str = "neutral", bullet: bool = False, header: str | None = None):
        # written out (the dataclass keeps it): compiled with the module, a segment is made ~2x faster
        # than by the generated ``__init__``, which runs as Python bytecode
        self.start = start
        self.end = end
        self.cls = cls
        self.bullet = bullet
        self.header = header


def _pieces(text: str) -> list[tuple[int, int, str]]:
    """[(start, end, separator)]: the stretches of ``text`` between the separators ``_SPLIT`` finds,
    each with the separator that ends it ("" for the last). ``_segment_fast.pieces`` is the same in C."""
    out = []
    pos = 0
    for m in _SPLIT.finditer(text):
        out.append((pos, m.start(), m.group()))
        pos = m.end()
    out.append((pos, len(text), ""))
    return out


def _parts(text: str) -> tuple[list[tuple[int, int, str, bool]], int]:
    """([(start, end, separator, bullet)] of the pieces of ``text`` with content, white space
    stripped, each flagged when the separator before it is a bullet; the number of pieces).
    ``_segment_fast.parts`` is the same in C."""
    pieces = _pieces(text)
    out = []
    prev_sep = "\n"
    for start, end, sep in pieces:
        raw = text[start:end]
        lead = len(raw) - len(raw.lstrip())
        trail = len(raw.rstrip())
        if trail <= lead:
            prev_sep = sep or prev_sep
            continue
        p = prev_sep.strip()
        out.append((start + lead, start + trail, sep, bool(p) and p[0] in _BULLETS))
        prev_sep = sep or "\n"
    return out, len(pieces)


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
        # "ours" cues as written: "notre agence" -> "notre agence" or "nos agences", nothing else
        nouns = [p.split(" ", 1)[1] for cls, p in cues if cls == "ours" and " " in p]
        self._ours = re.compile(r"(?i)\b(?:notre|nos)\s+(?:" + "|".join(re.escape(n) for n in nouns) + r")s?\b") \
            if nouns else None
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

    def header_class(self, text: str, opening: bool = False) -> str | None:
        """Class of a header line ("Vos missions :", "PROFIL", "Avantages :"), else None.

        ``opening``: the text is what comes before a colon, so a header may also open it, followed
        by a few words of its own ("Vos avantages à l'ADMR :", "Présentation de notre client :"), when it is
        boilerplate (company, offer, apply, diversity)."""
        stripped = text.strip().rstrip(":").strip()
        if not stripped or len(stripped) > 60:
            return None
        lem = _lemmas(stripped)
        got = self.headers.get(lem)
        if got is None and opening:
            words = lem.split(" ")
            for k in range(len(words) - 1, 0, -1):
                got = self.headers.get(" ".join(words[:k]))
                if got is not None:
                    # only boilerplate opens that way: "Mission en temps plein :" is no job header
                    if got == "job":
                        got = None
                    break
        return got

    def _inline_header(self, before: str) -> str | None:
        """``header_class`` of the text before a line's first colon, remembered by text: the same few
        hundred openings ("Description du poste", "Profil recherché") recur from ad to ad, and
        lemmatising them word by word was a sixth of the segmenter's time."""
        memo = self.__dict__.get("_before_memo")
        if memo is None:
            memo = self._before_memo = {}
        got = memo.get(before, _MISSING)
        if got is _MISSING:
            got = self.header_class(before, opening=True)
            if len(memo) >= INLINE_MEMO:
                memo.clear()
            memo[before] = got
        return got

    def _cue_trie(self) -> dict | None:
        """The automaton's cues as a trie of their words: {word: (rank of the class of the cue ending
        there in ``_CUE_ORDER``, 9 for none; {next word: …} or None)}; None when a cue is not words
        between single spaces (then only the automaton reads them)."""
        trie = self.__dict__.get("_trie", _MISSING)
        if trie is _MISSING:
            trie = {}
            for pattern, cls in (self._auto.items() if len(self._auto) else ()):
                words = pattern[1:-1].split(" ")
                if not (pattern.startswith(" ") and pattern.endswith(" ")) or "" in words:
                    trie = None
                    break
                level = trie
                for k, w in enumerate(words):
                    rank, nxt = level.get(w, (9, None))
                    if k == len(words) - 1:
                        rank = _CUE_RANK.get(cls, 9)
                    elif nxt is None:
                        nxt = {}
                    level[w] = (rank, nxt)
                    level = nxt
            self._trie = trie
        return trie

    def lemmas_cue_class(self, lemmas, i: int, j: int) -> str | None:
        """``fast_cue_class(f" {' '.join(lemmas[i:j])} ")`` read word by word on the cue trie: a cue
        is words between single spaces, so it matches there exactly where its words follow each
        other among the lemmas (a lemma holding a space goes to the automaton). No string is built and
        no character scanned: the automaton's scan and its memo were ~4 % of a run on new text."""
        trie = self._cue_trie()
        if trie is None:
            return self.fast_cue_class(f" {' '.join(lemmas[i:j])} ")
        if _fast is not None:
            best = _fast.cue_rank(lemmas, i, j, trie)
        else:
            best = 9
            for x in range(i, j):
                if " " in lemmas[x]:
                    best = -1
                    break
            x = i
            while best > 0 and x < j:
                level = trie
                y = x
                while y < j:
                    got = level.get(lemmas[y])
                    if got is None:
                        break
                    rank, level = got
                    if rank < best:
                        best = rank
                    if level is None:
                        break
                    y += 1
                x += 1
        if best < 0:        # a lemma holds a space
            return self.fast_cue_class(f" {' '.join(lemmas[i:j])} ")
        return _CUE_ORDER[best] if best < 9 else None

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_before_memo", None)     # a run's memo is not part of the compiled taxonomy
        state.pop("_trie", None)            # nor what is rebuilt from the automaton at first use
        return state

    def _soft_cue(self, seg_text: str, lemmas, ti: int, tj: int, tokens: bool, section: str) -> str | None:
        """A segment whose cues are all soft ones (``_SOFT_CUES``, the last classes): "company" when the
        text says the employer's own ("notre agence", "nos valeurs", "pour l'un de ses clients"),
        "recruit" when it recruits outside a job section (a class of its own: no task there, but the
        qualities and licences asked for are requirements, "Nous recherchons un(e) alternant(e)
        motivé(e)"), else None (the job)."""
        if _OWN_CLIENT.search(seg_text) or (self._ours is not None and self._ours.search(seg_text)):
            return "company"
        if section != "job":
            padded = f" {' '.join(lemmas[ti:tj])} " if tokens else f" {_lemmas(seg_text)} "
            found: list = []
            self._auto.find_all(padded, found.insert)
            if "recruit" in found:
                return "recruit"
        return None

    def cue_class(self, lemmatised: str) -> str | None:
        """The boilerplate class whose cue appears in a segment (first class in BOILERPLATE order)."""
        padded = f" {lemmatised} "
        for cls in _CUE_ORDER:
            rx = self._cue_re.get(cls)
            if rx is not None and rx.search(padded):
                return cls
        return None

    def fast_cue_class(self, padded: str) -> str | None:
        """Like ``cue_class`` on an already padded lemma string, in one automaton pass: of the classes
        found, the first in ``cue_class``'s order ("apply" first), None when none is boilerplate."""
        if not len(self._auto):
            return None
        # ``find_all`` calls back per match with (end, class): ``list.insert`` keeps the classes, and a
        # text without a cue, the usual, costs one scan and no iterator
        found: list = []
        self._auto.find_all(padded, found.insert)
        best = 9
        for cls in found:
            r = _CUE_RANK.get(cls, 9)
            if r < best:
                best = r
                if r == 0:
                    break
        return _CUE_ORDER[best] if best < 9 else None

    def split(self, text: str, toks=None, lemmas=None) -> list[Segment]:
        """Segments of ``text`` (already escape-masked, same length as the original).

        ``toks`` (start, end, …) and their ``lemmas``, when given, save lemmatising twice.
        """
        return self.split_state(text, toks, lemmas)[0]

    def split_state(self, text: str, toks=None, lemmas=None, section: str = "neutral") -> tuple[list[Segment], str]:
        """``split`` that starts in ``section`` (the class set by an earlier header) and also returns
        the section in force at the end: a text can be read line by line, each line on its own."""
        out: list[Segment] = []
        parts, n_pieces = _fast.parts(text) if _fast is not None else _parts(text)
        ti = tj = 0
        whole = n_pieces == 1        # one piece: every token lies inside its one segment
        headers = self.headers
        for s, e, sep, bullet in parts:
            seg_text = text[s:e] if (s != 0 or e != len(text)) else text
            if toks is not None:
                if whole:
                    ti, tj = 0, len(lemmas)
                else:
                    while ti < len(toks) and toks[ti][0] < s:
                        ti += 1
                    tj = ti
                    while tj < len(toks) and toks[tj][1] <= e:
                        tj += 1
                # lengths without a trailing colon: the same whether the colon ends the piece (a line
                # read alone) or was taken as the separator (": " before an upper-case next line); a
                # longer piece is no header, and its lemmas are not joined to be looked up
                head = None
                if len(seg_text) <= 62 or len(seg_text.rstrip(" :")) <= 62:
                    head = headers.get(" ".join(lemmas) if whole else " ".join(lemmas[ti:tj]))
            else:
                head = self.header_class(seg_text)
            colon = seg_text.find(":", 0, 40) if head is None else -1
            if colon >= 0:
                # "Missions : Sous la responsabilité…": a header glued to its first line.
                head_inline = self._inline_header(seg_text[:colon])
                if head_inline is not None:
                    section = head_inline
            if head is None and sep.strip() == ":" or seg_text[-1] == ":":
                # "Vos missions seront les suivantes :", "vous participerez aux missions suivantes :"
                if len(seg_text.rstrip(" :")) < 160 and _INTRO.search(seg_text):
                    section = "job"
            if head is not None:
                section = head
                out.append(Segment(s, e, head, bullet, head))
            else:
                cls = self._cue_class_of(seg_text, toks, lemmas, ti, tj, section, bullet)
                if cls == "offer" and section != "offer" and text.count(",", s, e) >= LISTED_ITEMS - 1:
                    # "horaires matinaux, mettre en rayon, tri sélectif, tenir les rayons propres": the
                    # schedule is one item of a list of requirements, the others are the job
                    self._listed_items(out, text, s, e, toks, lemmas, ti, section, bullet)
                    continue
                out.append(Segment(s, e, cls, bullet))
        return out, section

    def _cue_class_of(self, seg_text: str, toks, lemmas, ti: int, tj: int, section: str, bullet: bool) -> str:
        """The class of the segment ``seg_text`` (tokens ti..tj-1 when ``toks`` is given): the class of its
        cue, else the section's."""
        if toks is not None:
            cue = self.lemmas_cue_class(lemmas, ti, tj) if tj > ti else None
        else:
            cue = self.fast_cue_class(f" {_lemmas(seg_text)} ")
        if cue in _SOFT_CUES:
            cue = self._soft_cue(seg_text, lemmas, ti, tj, toks is not None, section)
        if cue is not None and not (section == "job" and cue == "offer" and bullet):
            return cue
        return section

    def _listed_items(self, out: list, text: str, s: int, e: int, toks, lemmas, ti: int, section: str,
                      bullet: bool) -> None:
        """Append the comma-separated items of text[s:e] as segments, each classed by its own cues."""
        a = s
        while a < e:
            b = text.find(",", a, e)
            if b < 0:
                b = e
            i, j = a, b
            while i < j and text[i] == " ":
                i += 1
            if i < j:
                tj = ti
                if toks is not None:
                    while ti < len(toks) and toks[ti][0] < i:
                        ti += 1
                    tj = ti
                    while tj < len(toks) and toks[tj][1] <= j:
                        tj += 1
                out.append(Segment(i, j, self._cue_class_of(text[i:j], toks, lemmas, ti, tj, section, bullet),
                                   bullet and a == s))
            a = b + 1
