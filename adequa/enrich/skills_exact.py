"""The exact pass: every label and alt label, as a sequence of matching keys, matched on keys.

Text and labels are turned into the same key sequences (see ``lexical``), so inflections,
accents, determiners and verb/noun alternations match, and a hit maps back to token indices,
hence to offsets in the original text. Punctuation between words becomes a barrier key "#" so
that a label never matches across a sentence or list break.

The matchers walk keys, not characters: each key the matchers know gets one character of its
own (its *code*, shared by the matchers of a language: ``freeze(codes)``), a label is the string
of its keys' codes and a line the string of its keys' codes (``prepare``; a key no label holds
gets ``UNKNOWN``). ``find`` walks back from each key of a line through the endings of the labels
(one step per key, most lines stop at the first); the compiled kernel
(``_lexer_fast.KeyTrie``, its arrays built with ``table`` and pickled with it) does the same
walk in C. Hits come
as the earlier character automaton over " key key " strings gave them: by last key, longest first.
"""

from __future__ import annotations

import re

from adequa.enrich._native import kernel

BARRIER = "#"
_BREAK = re.compile(r"[.;:!?\n()\[\]•●▪►|,«»“”\"]")     # quotes too: « passeports compétences »
UNKNOWN = "\x01"        # the code of a key no pattern holds
_FIRST_CODE = 2


def _next_code(codes: dict[str, str]) -> str:
    """A new code: the next code point after those given, skipping the surrogates."""
    n = _FIRST_CODE + len(codes)
    return chr(n if n < 0xD800 else n + 0x800)


_lexer = kernel("_lexer_fast")   # the compiled walk (``KeyTrie``), or None (not built, ADEQUA_PURE_PYTHON=1)


class ExactMatcher:
    """Patterns (key sequences) -> entry ids; ``find`` over a token key list."""

    def __init__(self) -> None:
        self.patterns: dict[tuple[str, ...], list[int]] = {}
        self.codes: dict[str, str] = {}
        self.table: dict[str, tuple[int, ...]] = {}     # pattern's code string -> entries (once frozen)
        self._tails: set | None = None      # every ending of a pattern's code string (``find``)
        self._trie = None                   # the arrays of the compiled walk (``KeyTrie.state``)
        self._walker = None                 # the compiled walk over ``table`` (``walker``)

    def add(self, keys: list[str], entry: int) -> None:
        while keys and keys[0] == BARRIER:
            keys = keys[1:]
        while keys and keys[-1] == BARRIER:
            keys = keys[:-1]
        if not keys:
            return
        entries = self.patterns.setdefault(tuple(keys), [])
        if entry not in entries:
            entries.append(entry)

    def freeze(self, codes: dict[str, str] | None = None) -> "ExactMatcher":
        """Code the patterns; ``codes`` (key -> code, completed here with this matcher's keys) is
        shared with the other matchers that read the same prepared lines."""
        codes = {} if codes is None else codes
        codes.setdefault(BARRIER, _next_code(codes))
        table = {}
        for pattern, entries in self.patterns.items():
            for k in pattern:
                if k not in codes:
                    codes[k] = _next_code(codes)
            table["".join([codes[k] for k in pattern])] = tuple(entries)
        self.table = table
        self.codes = codes
        self.size = len(self.patterns)
        self.patterns = {}      # the table holds them; keeps the cache small
        self._tails = self._walker = None
        self._trie = self.walker().state() if _lexer is not None else None    # pickled: no build per run
        return self

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_tails"] = state["_walker"] = None     # rebuilt on first use
        return state

    def walker(self):
        """The compiled walk over ``table`` (``_lexer_fast.KeyTrie``, built on first use), or None
        when the kernel is not built."""
        got = self._walker
        if got is None and _lexer is not None:
            got = self._walker = _lexer.KeyTrie(self.table, self._trie)
        return got

    @staticmethod
    def prepare(keys: list[str], codes: dict[str, str]):
        """The code string of a key list ('' = skipped, ``BARRIER`` for a barrier) and the index in
        ``keys`` of each of its characters (shared by the matchers frozen with ``codes``)."""
        get = codes.get
        chars: list[str] = []
        key_idx: list[int] = []          # rank -> index in ``keys``
        for i, k in enumerate(keys):
            if not k:
                continue
            chars.append(get(k, UNKNOWN))
            key_idx.append(i)
        return "".join(chars), key_idx

    def find(self, keys: list[str], prepared=None) -> list[tuple[int, int, tuple[int, ...]]]:
        """Matches as (first key index, last key index, entries) over a list of keys ('' = skipped),
        by last key, longest first."""
        table = self.table
        if not table:
            return []
        text, key_idx = prepared or self.prepare(keys, self.codes)
        tails = self._tails
        if tails is None:
            tails = self._tails = {p[i:] for p in table for i in range(len(p))}
        out = []
        for e in range(len(text)):
            at = len(out)
            s = e
            while s >= 0:
                piece = text[s:e + 1]
                if piece not in tails:
                    break
                entries = table.get(piece)
                if entries is not None:
                    out.insert(at, (key_idx[s], key_idx[e], entries))     # the longer first
                s -= 1
        return out
