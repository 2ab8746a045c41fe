"""Text clean-up for ad fields: HTML stripped, Unicode and whitespace normalised,
mojibake repaired, language guessed. Pure functions, no I/O.

Lemmas and accent folding for matching live in ``normalise.text`` (skills);
this module only makes stored text clean and comparable.
"""

from __future__ import annotations

import html
from collections import Counter
import re
import unicodedata

__all__ = ["clean_text", "strip_html", "normalise_whitespace", "fix_mojibake", "fold", "detect_language"]

_BLOCK_TAGS = re.compile(r"<\s*(br|/p|p|/div|div|/li|/ul|ul|ol|/ol|/h\d|h\d|tr|/tr)\b[^>]*>", re.I)
_LI = re.compile(r"<\s*li\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]{0,2000}>")
_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.I | re.S)
_LOOKS_HTML = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9]*\b[^>]*>|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]{2,8});")
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
# runs of two or more blanks, or any blank that is not a plain space
_SPACES = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]{2,}|[\t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_MANY_NEWLINES = re.compile(r"\n{3,}")
_MOJIBAKE = re.compile("[\u00c3\u00c2][\u0080-\u00bf]|\u00e2\u20ac")


def strip_html(text: str) -> str:
    """Remove tags (keeping line breaks for blocks and bullets) and decode entities."""
    if "<" not in text and "&" not in text:
        return text
    if not _LOOKS_HTML.search(text):
        return text
    text = _SCRIPT.sub(" ", text)
    text = _LI.sub("\n- ", text)
    text = _BLOCK_TAGS.sub("\n", text)
    text = _TAG.sub("", text)
    return html.unescape(text)


def fix_mojibake(text: str) -> str:
    """Repair UTF-8 text that was decoded as CP1252/Latin-1 once ("Ã©" -> "é")."""
    if ("\u00c3" not in text and "\u00c2" not in text and "\u00e2\u20ac" not in text) or not _MOJIBAKE.search(text):
        return text
    for codec in ("cp1252", "latin-1"):
        try:
            return text.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return text


def _plain(line: str) -> bool:
    """True when ``" ".join(line.split()) == line``: printable (so no blank but the ASCII space, no
    invisible character, no line break), no double space, no space at either end. Far cheaper than the join."""
    return line.isprintable() and "  " not in line and line[:1] != " " and line[-1:] != " "


_SPACE_RUN = re.compile(" {2,}")


def _collapse(line: str) -> str:
    """``" ".join(line.split())``; a printable line (whose only blank is the ASCII space) without splitting it."""
    if line.isprintable():
        if "  " in line:
            line = _SPACE_RUN.sub(" ", line)
        return line.strip(" ")
    return " ".join(line.split())          # str.split() knows every Unicode blank (nbsp, thin spaces…)


def normalise_whitespace(text: str) -> str:
    """One space between words, at most one blank line between paragraphs, no trailing blanks."""
    if text.isprintable():                     # the common case: one line
        return _collapse(text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for ch in _INVISIBLE:
        if ch in text:
            text = text.replace(ch, "")
    lines = []
    blank = False
    for line in text.split("\n"):
        line = _collapse(line)
        if line:
            if blank and lines:
                lines.append("")
            lines.append(line)
            blank = False
        else:
            blank = True
    return "\n".join(lines)


def clean_text(value) -> str | None:
    """The full clean-up applied to every stored free-text field; ``None`` for empty values."""
    if value is None:
        return None
    text = str(value)
    if not text:
        return None
    text = fix_mojibake(text)
    text = strip_html(text)
    text = unicodedata.normalize("NFC", text)
    text = normalise_whitespace(text)
    return text or None


_NON_ALNUM = re.compile(r"[^0-9A-Za-z]+")


def fold(text: str) -> str:
    """Upper case, accents removed, punctuation to spaces: for matching names ("Saint-Lô" -> "SAINT LO")."""
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NON_ALNUM.sub(" ", text).upper().strip()


# -- language guess --------------------------------------------------------------
# Short function words are enough to tell the languages job ads are written in.
_STOPWORDS = {
    "fr": "le la les des du de et est un une vous nous pour dans avec sur au aux votre vos en sont qui que ou être poste".split(),
    "en": "the and of to in you we for with our are is be on as your will this an or who job".split(),
    "de": "der die das und ist wir sie mit für von zu den ein eine im auf bei ihre unsere".split(),
    "es": "el la los las y de que en un una para con por del se su nuestro empresa".split(),
    "it": "il la di e che per un una con del della in le gli siamo nostro azienda".split(),
}
_WORD_LANG: dict[str, list[str]] = {}
for _lang, _words in _STOPWORDS.items():
    for _w in _words:
        _WORD_LANG.setdefault(_w, []).append(_lang)
_WORD = re.compile(r"[a-zà-ÿ]+")


def detect_language(text: str | None, *, sample: int = 600) -> str | None:
    """ISO 639-1 code of the most likely language (fr, en, de, es, it), or None if too little text.

    A stop-word vote on the first ``sample`` characters: fast, and reliable on
    ad-length texts, which is all that is needed to route French vs other ads.
    """
    if not text:
        return None
    votes = dict.fromkeys(_STOPWORDS, 0)
    # the stop words of the sample, counted at C speed; then one step per distinct stop word
    hits = Counter(filter(_WORD_LANG.__contains__, text[:sample].lower().replace("'", " ").replace("’", " ").split()))
    if sum(hits.values()) < 3:
        return None
    for word, count in hits.items():
        for lang in _WORD_LANG[word]:
            votes[lang] += count
    best = max(votes, key=votes.get)
    return best


# Stop words are at most 8 bytes long: each word of at most 8 bytes is packed into one 64-bit integer
# (exactly: no hashing); longer words cannot be stop words.
_LANGS = list(_STOPWORDS)


def _packed(word: bytes) -> int:
    return int.from_bytes(word.ljust(8, b"\0"), "little")


def _stop_table():
    import numpy as np

    words = sorted(_WORD_LANG, key=lambda w: _packed(w.encode()))
    assert all(len(w.encode()) <= 8 for w in words)
    codes = np.array([_packed(w.encode()) for w in words], dtype=np.uint64)
    masks = np.array([sum(1 << _LANGS.index(lang) for lang in _WORD_LANG[w]) for w in words], dtype=np.int64)
    return codes, masks


_STOP_TABLE: list = []


def detect_languages(texts: list[str | None], *, sample: int = 600) -> list[str | None]:
    """``[detect_language(t) for t in texts]``, vectorised over the whole list (same results).

    The words of each sample are cut and matched against the stop words with numpy, so a chunk of
    ads costs a few array passes instead of one Python string per word.
    """
    import numpy as np

    out: list[str | None] = [None] * len(texts)
    if not _STOP_TABLE:
        _STOP_TABLE.extend(_stop_table())
    codes, masks = _STOP_TABLE
    rows, samples = [], []
    for i, text in enumerate(texts):
        if not text:
            continue
        s = text[:sample].lower()
        if not s.isprintable() and not s.replace("\n", " ").isprintable():
            out[i] = detect_language(text, sample=sample)     # tabs, no-break spaces, controls…: rare
            continue
        rows.append(i)
        samples.append(s)
    if not samples:
        return out
    parts = [s.encode("utf-8", "surrogatepass") for s in samples]
    bounds = np.cumsum([len(p) + 1 for p in parts])         # where each sample ends (its "\n" separator)
    data = b"\n".join(parts)
    if b"\xe2\x80\x99" in data:                               # "’" is a blank here, as "'" (same length)
        data = data.replace(b"\xe2\x80\x99", b"   ")
    b = np.frombuffer(data, dtype=np.uint8)
    word = np.empty(len(b) + 2, dtype=np.int8)               # printable samples: the only blanks are " ", "\n", "'"
    word[0] = word[-1] = 0
    np.greater(b, 32, out=word[1:-1], casting="unsafe")
    word[1:-1][b == 39] = 0
    edge = np.diff(word)
    starts = np.flatnonzero(edge == 1)
    ends = np.flatnonzero(edge == -1)
    short = (ends - starts) <= 8
    starts, ends = starts[short], ends[short]
    if len(starts):
        padded = np.concatenate((b, np.zeros(8, dtype=np.uint8)))
        mat = padded[starts[:, None] + np.arange(8)]
        mat[np.arange(8)[None, :] >= (ends - starts)[:, None]] = 0
        values = np.ascontiguousarray(mat).view("<u8").ravel()
        at = np.searchsorted(codes, values)
        at[at == len(codes)] = 0
        hit = codes[at] == values
        doc = np.searchsorted(bounds, starts[hit], side="right")
        mask = masks[at[hit]]
    else:
        doc = mask = np.empty(0, dtype=np.int64)
    votes = np.zeros((len(samples), len(_LANGS)), dtype=np.int64)
    for j in range(len(_LANGS)):
        sel = (mask >> j) & 1 == 1
        votes[:, j] = np.bincount(doc[sel], minlength=len(samples))
    hits = np.bincount(doc, minlength=len(samples))
    best = votes.argmax(axis=1)
    for k, i in enumerate(rows):
        out[i] = _LANGS[best[k]] if hits[k] >= 3 else None
    return out
