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


def normalise_whitespace(text: str) -> str:
    """One space between words, at most one blank line between paragraphs, no trailing blanks."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for ch in _INVISIBLE:
        if ch in text:
            text = text.replace(ch, "")
    lines = []
    blank = False
    for line in text.split("\n"):
        line = " ".join(line.split())          # str.split() knows every Unicode blank (nbsp, thin spaces…)
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
