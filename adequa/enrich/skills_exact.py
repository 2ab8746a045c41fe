"""The exact pass: every label and alt label, as a sequence of matching keys, in one Aho-Corasick automaton.

Text and labels are turned into the same " key key key " strings (see ``lexical``), so
inflections, accents, determiners and verb/noun alternations match, and a hit maps back
to token indices, hence to offsets in the original text. Punctuation between words
becomes a barrier key "#" so that a label never matches across a sentence or list break.
"""

from __future__ import annotations

import re

import ahocorasick

BARRIER = "#"
_BREAK = re.compile(r"[.;:!?\n()\[\]•●▪►|,«»“”\"]")     # quotes too: « passeports compétences »


class ExactMatcher:
    """Patterns (key sequences) -> entry ids; ``find`` over a token key list."""

    def __init__(self) -> None:
        self.patterns: dict[str, list[int]] = {}
        self._auto = None

    def add(self, keys: list[str], entry: int) -> None:
        while keys and keys[0] == BARRIER:
            keys = keys[1:]
        while keys and keys[-1] == BARRIER:
            keys = keys[:-1]
        if not keys:
            return
        pattern = " " + " ".join(keys) + " "
        entries = self.patterns.setdefault(pattern, [])
        if entry not in entries:
            entries.append(entry)

    def freeze(self) -> "ExactMatcher":
        auto = ahocorasick.Automaton()
        for pattern, entries in self.patterns.items():
            auto.add_word(pattern, (pattern.count(" ") - 1, tuple(entries)))
        if len(auto):
            auto.make_automaton()
        self._auto = auto
        self.size = len(self.patterns)
        self.patterns = {}      # the automaton holds them; keeps the cache small
        return self

    @staticmethod
    def prepare(keys: list[str]):
        """The " key key " string of a key list and its end positions (shared by several matchers)."""
        parts = [" "]
        end_n: dict[int, int] = {}       # position of the space after a key -> its rank among keys
        key_idx: list[int] = []          # rank -> index in ``keys``
        pos = 1
        for i, k in enumerate(keys):
            if not k:
                continue
            parts.append(k)
            parts.append(" ")
            pos += len(k)
            end_n[pos] = len(key_idx)
            key_idx.append(i)
            pos += 1
        return "".join(parts), end_n, key_idx

    def find(self, keys: list[str], prepared=None) -> list[tuple[int, int, tuple[int, ...]]]:
        """Matches as (first key index, last key index, entries) over a list of keys ('' = skipped)."""
        if self._auto is None or not len(self._auto):
            return []
        text, end_n, key_idx = prepared or self.prepare(keys)
        out = []
        for end, (n_keys, entries) in self._auto.iter(text):
            last_n = end_n.get(end)
            if last_n is None:
                continue
            first_n = last_n - n_keys + 1
            if first_n < 0:
                continue
            out.append((key_idx[first_n], key_idx[last_n], entries))
        return out
