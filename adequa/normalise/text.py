"""Text normalisation for matching, with offsets that always point back into the original string.

Nothing here rewrites the text a caller gave: ``tokenize`` returns tokens that carry
their ``start``/``end`` code-point offsets in the original string, and every
normalised form (folded, lemma, matching key) is computed per token. So a match
found on normalised text maps back with ``text[tokens[i].start:tokens[j].end]``.

    >>> toks = tokenize("Préparer les Commandes")
    >>> [(t.start, t.end, t.norm) for t in toks]
    [(0, 8, 'preparer'), (9, 12, 'les'), (13, 22, 'commandes')]
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right as _bisect_right
from html import unescape as _unescape
from dataclasses import dataclass
from functools import lru_cache

# Words: letters/digits, with inner dots (node.js, asp.net), and a C++/C#-style tail.
# A word may hold dots ("Vue.js", "ASP.NET"), but not before a gender ending ("motivé.e") nor where a
# sentence ends glued to the next ("négociations.Vous": two lower-case letters, the stop, a capital and a
# lower-case letter, as the segmenter cuts there)
WORD_PATTERN = (r"[^\W_]+(?:[.](?!(?:e|es|se|ve|ne|le|euse|rice|trice|ere|ère|eur|ive)\b)"
                r"(?!(?<=[a-zà-ÿ]{2}[.])[A-ZÀ-Ý][a-zà-ÿ])[^\W_]+)*(?:\+\+|#)?"
                r"|[.][Nn][Ee][Tt]\b")
_WORD = re.compile(WORD_PATTERN)

_FOLD_TABLE = {ord("œ"): "oe", ord("Œ"): "oe", ord("æ"): "ae", ord("Æ"): "ae", ord("’"): "'", ord("ß"): "ss"}


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    text: str
    norm: str        # lower-cased, accent-folded surface


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lower-case and strip accents (é→e, œ→oe); not length-preserving, use on tokens only."""
    text = text.lower().translate(_FOLD_TABLE)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_ESCAPES = re.compile(r"(?:[/\\\\]r[/\\\\]n)+|(?:[/\\\\][rnt])+(?=[^a-z]|[A-Z]|$)")


def mask_escapes(text: str) -> str:
    """Same-length copy of ``text`` where literal ``\\n``, ``/r/n``… sequences become newlines.

    Offsets computed on the copy are valid offsets into ``text``.
    """
    found = _matches_at(text, _ESCAPES.match, "/", "\\", "rnt")
    if not found:
        return text
    parts = []
    done = 0
    for m in found:
        a, b = m.span()
        parts.append(text[done:a])
        parts.append("\n" * (b - a))
        done = b
    parts.append(text[done:])
    return "".join(parts)


def _matches_at(text: str, match, a: str, b: str, then: str | None = None) -> list:
    """``pattern.finditer(text)`` as a list, for a pattern whose every match is non-empty and starts
    with the character ``a`` or ``b`` (followed by one of ``then``, when given): the pattern is tried
    only where they stand (``str.find``), left to right without overlap, as ``finditer`` finds its
    matches. The regex engine tries every position of the text otherwise (~50 ns a character: 0.1 ms
    per ad with a '/')."""
    out = []
    at_a = text.find(a)
    at_b = text.find(b)
    while at_a >= 0 or at_b >= 0:
        p = at_b if at_a < 0 or 0 <= at_b < at_a else at_a
        m = None
        if then is None:
            m = match(text, p)
        else:
            c = text[p + 1:p + 2]
            if c and c in then:     # (most '/' are in "H/F", "PL/SQL"…)
                m = match(text, p)
        resume = p + 1
        if m is not None:
            out.append(m)
            resume = m.end()
        if 0 <= at_a < resume:
            at_a = text.find(a, resume)
        if 0 <= at_b < resume:
            at_b = text.find(b, resume)
    return out


# HTML in a description, escaped or not: "ma&icirc;trise", "&lt;br /&gt;", "<li>". A tag is matched
# only when it names an HTML element, so "< 5 ans" or "a<b" stay text.
_HTML_NAMES = r"(?:br|p|div|li|ul|ol|h[1-6]|tr|td|th|table|tbody|thead|strong|b|i|em|u|span|a|font|sup|sub|hr|blockquote|center|small|big)"
_HTML_BITS = re.compile(
    r"(?P<tag>(?:<|&lt;)\s*(?P<close>/?)\s*(?P<name>" + _HTML_NAMES + r")\b(?:[^<>&]|&(?!gt;|lt;))*?/?\s*(?:>|&gt;))"
    r"|(?P<entity>&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});)", re.I)
_HTML_BLOCKS = frozenset(("br", "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
                          "tbody", "thead", "hr", "blockquote", "center"))


class ReadFrom:
    """Where each character of ``html_readable``'s result was read, as a sequence of offsets into the
    text given, kept as runs rather than one int per character (a 2,000-character description made
    4,000 ints, ~50 µs, of which a caller reads two per mention): a run starting at result offset
    ``at[r]`` maps its characters to ``base[r]``, ``base[r] + 1``… (copied text, ``step[r] == 1``) or
    all to ``base[r]`` (a decoded entity or tag, ``step[r] == 0``)."""

    __slots__ = ("at", "base", "step", "size")

    def __init__(self, at: list[int], base: list[int], step: list[int], size: int):
        self.at, self.base, self.step, self.size = at, base, step, size

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, i: int) -> int:
        if i < 0:
            i += self.size
        if not 0 <= i < self.size:
            raise IndexError(i)
        r = _bisect_right(self.at, i) - 1
        return self.base[r] + (i - self.at[r]) * self.step[r]


def html_readable(text: str) -> tuple[str, ReadFrom, ReadFrom] | None:
    """``text`` with its HTML entities decoded and its tags read (a block tag is a line break,
    an inline one is dropped), and where each character of the result comes from: character ``i``
    is ``text[starts[i]:ends[i]]``, so a span ``[s, e)`` of the result is ``text[starts[s]:ends[e - 1]]``
    (``starts`` and ``ends``: sequences of ints, ``ReadFrom``).
    None when there is nothing to read (the usual case: no ``&`` and no ``<``)."""
    if "&" not in text and "<" not in text:
        return None
    out: list[str] = []
    at: list[int] = []          # the runs of both maps (``ReadFrom``): where each starts in the result
    start_base: list[int] = []
    end_base: list[int] = []
    step: list[int] = []
    size = 0
    done = 0
    for m in _matches_at(text, _HTML_BITS.match, "<", "&"):
        a, b = m.span()
        if m.group("entity"):
            piece = _unescape(m.group())
            if piece == m.group():
                continue            # not an entity HTML knows: left as written
        else:
            name = m.group("name").lower()
            if name == "li" and not m.group("close"):
                piece = "\n- "     # a list item: a bullet, as the segmenter reads it
            else:
                piece = "\n" if name in _HTML_BLOCKS else ""
        if a > done:
            out.append(text[done:a])
            at.append(size)
            start_base.append(done)
            end_base.append(done + 1)
            step.append(1)
            size += a - done
        out.append(piece)
        at.append(size)
        start_base.append(a)
        end_base.append(b)
        step.append(0)
        size += len(piece)
        done = b
    if not done:
        return None
    out.append(text[done:])
    at.append(size)
    start_base.append(done)
    end_base.append(done + 1)
    step.append(1)
    size += len(text) - done
    return "".join(out), ReadFrom(at, start_base, step, size), ReadFrom(at, end_base, step, size)


def tokenize(text: str) -> list[Token]:
    """Word tokens with their offsets in ``text`` (apostrophes and hyphens split words)."""
    return [Token(m.start(), m.end(), m.group(), fold(m.group())) for m in _WORD.finditer(text)]


def spans(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, folded, lower) for each word token: the light form used on hot paths.

    ``lower`` keeps the accents (lemmatisers need them); ``folded`` is for comparisons.
    """
    low_text = text.lower()
    if len(low_text) == len(text):
        folded = low_text if low_text.isascii() else low_text.translate(_FOLD_1TO1)
        if len(folded) == len(text):
            return [(m.start(), m.end(), folded[m.start():m.end()], low_text[m.start():m.end()])
                    for m in _WORD.finditer(text)]
    out = []
    for m in _WORD.finditer(text):
        w = m.group()
        low = w.lower()
        out.append((m.start(), m.end(), fold(low), low))
    return out


def _one_to_one_fold_table() -> dict[int, int]:
    """Accented Latin letters -> base letter, one code point to one (so offsets are kept)."""
    table = {}
    for cp in range(0xC0, 0x250):
        c = chr(cp)
        base = "".join(x for x in unicodedata.normalize("NFKD", c) if not unicodedata.combining(x))
        if len(base) == 1 and base != c:
            table[cp] = ord(base.lower()) if c.islower() else ord(base)
    table[ord("’")] = ord("'")
    return table


_FOLD_1TO1 = _one_to_one_fold_table()


_LEMMA_CACHE: dict[tuple[str, str], str] = {}
_NEW_LEMMAS: list[tuple[str, str]] = []      # keys lemmatised since the last ``drain_new_lemmas``
LEMMA_CACHE_MAX = 500_000


def lemma(word: str, lang: str = "fr") -> str:
    """Folded simplemma lemma of a folded or raw word (cached)."""
    key = (word, lang)
    got = _LEMMA_CACHE.get(key)
    if got is None:
        got = _lemma(word, lang)
        if len(_LEMMA_CACHE) < LEMMA_CACHE_MAX:
            _LEMMA_CACHE[key] = got
            _NEW_LEMMAS.append(key)
    return got


def add_lemmas(known: dict[tuple[str, str], str]) -> None:
    """Seed the lemma cache ((word, lang) -> lemma, e.g. saved by an earlier run): the
    lemmatiser's dictionary (~1 s to load) is then only read for words never seen before."""
    room = LEMMA_CACHE_MAX - len(_LEMMA_CACHE)
    if room <= 0:
        return
    if len(known) > room:
        known = dict(list(known.items())[:room])
    _LEMMA_CACHE.update(known)


def drain_new_lemmas() -> dict[tuple[str, str], str]:
    """Lemmas computed since the last call (to save them, or to pass them from a worker process)."""
    out = {k: _LEMMA_CACHE[k] for k in _NEW_LEMMAS if k in _LEMMA_CACHE}
    _NEW_LEMMAS.clear()
    return out


def _lemma(word: str, lang: str) -> str:
    if len(word) <= 2 or not word.isalpha():
        return fold(word)
    try:
        from simplemma import lemmatize
    except ImportError:  # pragma: no cover - simplemma is a core dependency
        return fold(word)
    try:
        return fold(lemmatize(word.lower(), lang=lang))
    except (ValueError, KeyError):
        return fold(word)


def guess_lang(text: str) -> str:
    """"fr" or "en" from function-word counts; "fr" when undecided."""
    words = [fold(m.group()) for m in _WORD.finditer(text[:3000])]
    fr = sum(w in _FR_MARKERS for w in words)
    en = sum(w in _EN_MARKERS for w in words)
    return "en" if en > fr * 1.2 and en >= 3 else "fr"


_FR_MARKERS = frozenset("le la les des du une et vous nous pour dans avec sur est sont votre vos au aux ou".split())
_EN_MARKERS = frozenset("the and you we for with our your are is of to in will be on as an this that".split())
