# distutils: language = c++
# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled line tokeniser and matcher pass of ``adequa.enrich.skills.SkillExtractor`` (optional extension).

``tokenise`` (``SkillExtractor._tokenise``) reads a line once, character by character, and finds what
``_TOKEN_OR_BREAK.findall`` finds — the words of ``normalise.text._WORD`` and the break marks of
``skills_exact._BREAK`` between them — with the same rules written out: a word is a run of characters
for which ``str.isalnum()`` holds (``[^\\W_]`` in ``re``; Latin-1 from a table), extended over an inner
dot followed by such a run unless that dot opens a gender ending alone in its ``\\w`` run ("motivé.e",
"polyvalent.es": the negative look-ahead), then an optional ``++`` or ``#`` tail; elsewhere ``.NET`` in
any case when no ``\\w`` character follows. Each word's forms (lower, folded, key, lemma) come from the
caller's word dictionary, filled by its ``word_forms`` on a miss (the key's one-character code in the
matchers' automatons last); the tokens, keys, barrier flags, lemmas and the matchers' prepared code
string (``ExactMatcher.prepare`` with barriers: one character per key, ranks mapped to token indices)
are built in the same pass. ``lexed`` (``SkillExtractor._lexed``) does the same, then walks the
curated and label matchers' ``KeyTrie`` over the codes (one hash look-up per step, back from each
key through the labels' endings, as ``ExactMatcher.find`` walks), with the token index of each
code in a C array, and keeps the hits ``_lexed`` keeps. A line holding "İ" (whose lower-case is two
characters) or a capital sigma (lower-cased by context) returns None: the caller takes its reference
path, as its Python fast path does. Python stays the reference (tests/test_skills_lexer.py compares
both on random text and on the mirror's ads) and the fallback (no build, or ``ADEQUA_PURE_PYTHON=1``).
"""

from cpython.object cimport PyObject
from cpython.ref cimport Py_INCREF, Py_XDECREF, Py_REFCNT
from cpython.unicode cimport Py_UNICODE_ISALNUM
from libc.stdint cimport int32_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free
from libcpp.vector cimport vector

cdef extern from "Python.h":
    int PyUnicode_KIND(object)
    void* PyUnicode_DATA(object)
    char* PyBytes_AS_STRING(object)
    object PyBytes_FromStringAndSize(const char*, Py_ssize_t)
    Py_UCS4 PyUnicode_READ(int kind, void* data, Py_ssize_t index) nogil
    Py_UCS4 PyUnicode_READ_CHAR(object, Py_ssize_t index)
    object PyUnicode_Substring(object, Py_ssize_t start, Py_ssize_t end)
    object PyUnicode_FromKindAndData(int kind, const void* buffer, Py_ssize_t size)
    int PyUnicode_4BYTE_KIND


cdef unsigned char _ALNUM[256]
cdef int _c
for _c in range(256):
    _ALNUM[_c] = Py_UNICODE_ISALNUM(<Py_UCS4>_c)


cdef inline bint _alnum(Py_UCS4 c) noexcept:
    # ``str.isalnum()`` of one character (``[^\W_]`` of ``re``), Latin-1 from a table
    if c < 256:
        return _ALNUM[c]
    return Py_UNICODE_ISALNUM(c)


cdef inline bint _is_break(Py_UCS4 c) noexcept nogil:
    # skills_exact._BREAK: [.;:!?\n()\[\]•●▪►|,«»“”"]
    if c < 128:
        return (c == 46 or c == 59 or c == 58 or c == 33 or c == 63 or c == 10 or c == 40 or c == 41
                or c == 91 or c == 93 or c == 124 or c == 44 or c == 34)
    return (c == 0x2022 or c == 0x25CF or c == 0x25AA or c == 0x25BA or c == 0xAB or c == 0xBB
            or c == 0x201C or c == 0x201D)


cdef inline bint _is_word(Py_UCS4 c) noexcept:
    # ``\w`` of ``re`` on str patterns: alphanumeric or the underscore
    return c == 95 or _alnum(c)


cdef inline bint _latin_lower(Py_UCS4 c) noexcept:
    return (u'a' <= c <= u'z') or (u'à' <= c <= u'ÿ')


cdef inline bint _latin_upper(Py_UCS4 c) noexcept:
    return (u'A' <= c <= u'Z') or (u'À' <= c <= u'Ý')


cdef bint _glued_sentence(int kind, void* data, Py_ssize_t i, Py_ssize_t n) noexcept:
    """The stop at ``i`` ends a sentence glued to the next ("négociations.Vous"): WORD_PATTERN's
    ``(?<=[a-zà-ÿ]{2}[.])[A-ZÀ-Ý][a-zà-ÿ]``."""
    return (i >= 2 and i + 2 < n and _latin_lower(PyUnicode_READ(kind, data, i - 1))
            and _latin_lower(PyUnicode_READ(kind, data, i - 2)) and _latin_upper(PyUnicode_READ(kind, data, i + 1))
            and _latin_lower(PyUnicode_READ(kind, data, i + 2)))


cdef bint _gender_ending(int kind, void* data, Py_ssize_t p, Py_ssize_t n) noexcept:
    """The ``\\w`` run at ``p`` is one of e es se ve ne le euse rice trice ere ère eur ive."""
    cdef Py_ssize_t j = p
    cdef Py_UCS4 a, b, c, d, e
    while j < n and j - p <= 5 and _is_word(PyUnicode_READ(kind, data, j)):
        j += 1
    cdef Py_ssize_t m = j - p
    if m > 5 or m == 0:
        return False
    a = PyUnicode_READ(kind, data, p)
    if m == 1:
        return a == u'e'
    b = PyUnicode_READ(kind, data, p + 1)
    if m == 2:
        return (b == u'e' and (a == u's' or a == u'v' or a == u'n' or a == u'l')) or (a == u'e' and b == u's')
    c = PyUnicode_READ(kind, data, p + 2)
    if m == 3:
        return ((a == u'e' or a == u'è') and b == u'r' and c == u'e') or (a == u'e' and b == u'u' and c == u'r') \
            or (a == u'i' and b == u'v' and c == u'e')
    d = PyUnicode_READ(kind, data, p + 3)
    if m == 4:
        return (a == u'e' and b == u'u' and c == u's' and d == u'e') or (a == u'r' and b == u'i' and c == u'c' and d == u'e')
    e = PyUnicode_READ(kind, data, p + 4)
    return a == u't' and b == u'r' and c == u'i' and d == u'c' and e == u'e'


# -- a direct-mapped table in front of the caller's word dictionary --
# A word of at most 16 Latin-1 characters (most tokens) is found by its characters packed in two
# integers: no string made for it, no string hash, no key string compared (a cache miss each) — the
# dictionary look-up cost more than the rest of the scan. Each table serves one dictionary (kept alive,
# so its identity stays its own) and holds what that dictionary holds: a miss reads the dictionary.

DEF TABLE_BITS = 15

cdef extern from *:
    void __builtin_prefetch(const void *addr) nogil
    PyObject* _item "PyTuple_GET_ITEM"(PyObject *, Py_ssize_t) nogil
    PyObject* _item_list "PyList_GET_ITEM"(object, Py_ssize_t) nogil


cdef struct WordSlot:
    uint64_t lo             # characters 0-7, 8 bits each (a word character is never NUL: 0 = empty)
    uint64_t hi             # characters 8-15
    PyObject *info          # the word's forms (a reference of the table's own), NULL when empty


cdef struct Found:
    # a word of the line being scanned
    Py_ssize_t s, e
    uint64_t lo, hi         # its packed characters (when ``slot``)
    WordSlot *slot          # its table slot, NULL for a word the table cannot hold
    PyObject *info          # its forms (borrowed)
    bint pending            # a break mark before it


cdef class WordTable:
    cdef WordSlot *slots
    cdef dict words         # the dictionary this table fronts
    cdef Py_ssize_t seen    # its size after the last scan: another size means it changed behind our back

    def __cinit__(self, dict words):
        self.slots = <WordSlot *>calloc(1 << TABLE_BITS, sizeof(WordSlot))
        if self.slots == NULL:
            raise MemoryError()
        self.words = words
        self.seen = len(words)

    def __dealloc__(self):
        if self.slots != NULL:
            self.flush()
            free(self.slots)

    cdef void flush(self) noexcept:
        cdef Py_ssize_t i
        for i in range(1 << TABLE_BITS):
            Py_XDECREF(self.slots[i].info)
            self.slots[i].info = NULL
            self.slots[i].lo = 0
            self.slots[i].hi = 0


DEF OFFSETS = 4096
cdef list _offsets = list(range(OFFSETS))
cdef vector[Found] _found  # the words of the line being scanned (``_scan`` never runs inside itself)
cdef list _tables = []      # the WordTables in use, a few (one per language and lemma setting)


cdef WordTable _table_for(dict words):
    cdef WordTable t
    cdef Py_ssize_t i
    for i in range(len(_tables) - 1, -1, -1):
        t = <WordTable>_tables[i]
        if t.words is words:
            if t.seen != len(words):
                t.flush()
            return t
        if Py_REFCNT(t.words) == 1:
            del _tables[i]      # a dictionary its owner dropped (emptied when full): only we hold it
    if len(_tables) >= 8:
        del _tables[0]
    t = WordTable(words)
    _tables.append(t)
    return t


cdef int _scan(str line, dict words, object word_forms, object model, bint with_lemmas, list toks, list keys,
               list brk, list lemmas, Py_UCS4 barrier, vector[Py_UCS4]& buf,
               vector[Py_ssize_t]& key_tok, vector[uint64_t]* word_bits=NULL) except -1:
    """Fills the token lists, the prepared code string's characters (``buf``: one per key, ``barrier``
    for a barrier) and each one's token index (-1 for a barrier); 0 for a line the reference must read.
    With ``word_bits``, each token's planner bits (its word forms' sixth item) too, as long as every
    word has them (the vector is emptied at the first that has none)."""
    cdef int kind = PyUnicode_KIND(line)
    cdef void* data = PyUnicode_DATA(line)
    cdef Py_ssize_t n = len(line)
    cdef Py_ssize_t i = 0, s
    cdef Py_ssize_t ntok = 0
    cdef Py_UCS4 c
    cdef bint pending = False
    cdef str w, k
    cdef tuple info
    cdef bint want_bits = word_bits != NULL
    cdef WordTable table = _table_for(words)
    cdef WordSlot *slot
    cdef uint64_t lo, hi, h
    cdef Py_ssize_t j
    cdef PyObject *old
    cdef vector[Found]* found_p = &_found      # the module's, reused: no allocation per line
    found_p.clear()
    buf.reserve(n // 4 + 16)
    while i < n:
        c = PyUnicode_READ(kind, data, i)
        if _alnum(c):
            s = i
            while True:
                # one alphanumeric run
                while i < n:
                    c = PyUnicode_READ(kind, data, i)
                    if not _alnum(c):
                        break
                    if c == 0x130 or c == 0x3A3:
                        return 0
                    i += 1
                # an inner dot, unless a gender ending follows it or a sentence ends there
                if (i + 1 < n and PyUnicode_READ(kind, data, i) == u'.'
                        and _alnum(PyUnicode_READ(kind, data, i + 1))
                        and not _gender_ending(kind, data, i + 1, n)
                        and not _glued_sentence(kind, data, i, n)):
                    i += 1
                    continue
                break
            if i < n:
                c = PyUnicode_READ(kind, data, i)
                if c == u'#':
                    i += 1
                elif c == u'+' and i + 1 < n and PyUnicode_READ(kind, data, i + 1) == u'+':
                    i += 2
        elif (c == u'.' and i + 3 < n
              and (PyUnicode_READ(kind, data, i + 1) == u'N' or PyUnicode_READ(kind, data, i + 1) == u'n')
              and (PyUnicode_READ(kind, data, i + 2) == u'E' or PyUnicode_READ(kind, data, i + 2) == u'e')
              and (PyUnicode_READ(kind, data, i + 3) == u'T' or PyUnicode_READ(kind, data, i + 3) == u't')
              and (i + 4 == n or not _is_word(PyUnicode_READ(kind, data, i + 4)))):
            s = i
            i += 4
        else:
            if _is_break(c):
                pending = True
            i += 1
            continue
        # a word: line[s:i], noted; its forms are read once the line is scanned
        slot = NULL
        lo = hi = 0
        if i - s <= 16:
            for j in range(s, i):
                c = PyUnicode_READ(kind, data, j)
                if c > 255:
                    break
                if j - s < 8:
                    lo |= (<uint64_t>c) << (8 * (j - s))
                else:
                    hi |= (<uint64_t>c) << (8 * (j - s - 8))
            else:
                h = ((lo ^ (hi * <uint64_t>0xC2B2AE3D27D4EB4F)) * <uint64_t>0x9E3779B97F4A7C15) >> (64 - TABLE_BITS)
                slot = &table.slots[h]
                __builtin_prefetch(slot)
        found_p.push_back(Found(s, i, lo, hi, slot, NULL, pending))
        pending = False
    # The words' forms, in three passes over the line's words, so that the memory reads of one word
    # overlap those of the next instead of waiting one after the other (the forms of a word are
    # scattered in the heap, seldom in the processor's cache): the table slots (prefetched above),
    # then the forms tuples, then the strings they hold. The pointers are borrowed: every forms tuple
    # of the table is also in ``words``, which only grows during a scan.
    cdef Py_ssize_t nw = found_p.size(), x
    cdef Found *found = found_p.data()
    cdef Found *fd
    cdef PyObject *p
    for x in range(nw):
        fd = &found[x]
        slot = fd.slot
        if slot != NULL and slot.info != NULL and slot.lo == fd.lo and slot.hi == fd.hi:
            fd.info = slot.info
        else:
            w = PyUnicode_Substring(line, fd.s, fd.e)
            got = words.get(w)
            if got is None:
                got = word_forms(w, model, with_lemmas)
                words[w] = got
            fd.info = <PyObject *>got
            if slot != NULL:
                old = slot.info
                Py_INCREF(got)
                slot.info = <PyObject *>got
                slot.lo, slot.hi = fd.lo, fd.hi
                Py_XDECREF(old)
        __builtin_prefetch(fd.info)
        __builtin_prefetch(<char *>fd.info + 64)
    for x in range(nw):
        p = found[x].info
        __builtin_prefetch(_item(p, 0))
        __builtin_prefetch(_item(p, 1))
        __builtin_prefetch(_item(p, 2))
        __builtin_prefetch(_item(p, 4))
        if with_lemmas:
            __builtin_prefetch(_item(p, 3))
    for x in range(nw):
        fd = &found[x]
        info = <tuple>fd.info
        if fd.e < OFFSETS:
            # offsets from one shared list of ints (those over 256 would each be allocated, then freed)
            toks.append((<object>_item_list(_offsets, fd.s), <object>_item_list(_offsets, fd.e), info[1], info[0]))
        else:
            toks.append((fd.s, fd.e, info[1], info[0]))
        if fd.pending and ntok:
            buf.push_back(barrier)
            key_tok.push_back(-1)
            brk.append(True)
        else:
            brk.append(False)
        k = <str>info[2]
        keys.append(k)
        if len(k):
            buf.push_back(PyUnicode_READ_CHAR(info[4], 0))
            key_tok.push_back(ntok)
        if with_lemmas:
            lemmas.append(info[3])
        if want_bits:
            if len(info) > 5:
                word_bits.push_back(<uint64_t>info[5])
            else:
                word_bits.clear()
                want_bits = False
        ntok += 1
    table.seen = len(words)
    return 1


def tokenise(str line, dict words, object word_forms, object model, bint with_lemmas, str barrier):
    """(tokens, keys, barriers, lemmas, (prepared code string, its ranks -> token indices)), as
    ``SkillExtractor._tokenise`` returns them (``barrier``: the barrier key's code), or None for a line
    its reference path must read."""
    cdef list toks = [], keys = [], brk = [], lemmas = [], key_idx = []
    cdef vector[Py_UCS4] buf
    cdef vector[Py_ssize_t] key_tok
    cdef Py_ssize_t r
    if not _scan(line, words, word_forms, model, with_lemmas, toks, keys, brk, lemmas, PyUnicode_READ_CHAR(barrier, 0),
                 buf, key_tok):
        return None
    for r in range(<Py_ssize_t>key_tok.size()):
        key_idx.append(key_tok[r])
    return toks, keys, brk, lemmas, (PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buf.data(), buf.size()), key_idx)


cdef tuple _build(dict table):
    """``KeyTrie``'s four arrays for a table (see the class)."""
    cdef vector[int32_t] root, child, out
    cdef vector[uint64_t] keys
    cdef str pattern
    cdef Py_ssize_t j, total = 0, n = 0
    cdef uint64_t cap = 16, key, i
    cdef int shift = 60
    cdef int32_t node, nxt
    cdef uint32_t c
    for pattern in table:
        total += len(pattern)
    while cap < <uint64_t>(2 * total):
        cap *= 2
        shift -= 1
    keys.assign(cap, 0)
    child.assign(cap, -1)
    out.push_back(-1)
    for pattern in table:
        node = 0
        for j in range(len(pattern) - 1, -1, -1):
            c = <uint32_t>PyUnicode_READ_CHAR(pattern, j)
            if node == 0:
                if c >= root.size():
                    root.resize(c + 1, -1)
                nxt = root[c]
                if nxt < 0:
                    nxt = out.size()
                    out.push_back(-1)
                    root[c] = nxt
            else:
                key = (<uint64_t>node << 32) | c
                i = (key * <uint64_t>0x9E3779B97F4A7C15) >> shift
                while keys[i] != 0 and keys[i] != key:
                    i = (i + 1) & (cap - 1)
                if keys[i] == 0:
                    keys[i] = key
                    child[i] = out.size()
                    out.push_back(-1)
                nxt = child[i]
            node = nxt
        out[node] = n
        n += 1
    if root.empty():
        root.push_back(-1)
    return (PyBytes_FromStringAndSize(<char*>root.data(), root.size() * 4),
            PyBytes_FromStringAndSize(<char*>keys.data(), keys.size() * 8),
            PyBytes_FromStringAndSize(<char*>child.data(), child.size() * 4),
            PyBytes_FromStringAndSize(<char*>out.data(), out.size() * 4))


cdef class KeyTrie:
    """The labels' code strings (``ExactMatcher.table``: code string -> entries) as a trie of their
    reversed codes: the root's children in an array indexed by code, the other edges in an
    open-addressing hash table keyed by (node, code) (one probe or two per step), and at a node
    ending a label the index of its entries in ``table``. The arrays are four ``bytes`` (``state``),
    pickled with the matcher, so a run maps them instead of building them (~20 ms)."""

    cdef bytes _root_b, _keys_b, _child_b, _out_b
    cdef const int32_t* root
    cdef const uint64_t* keys          # (node << 32 | code) of an edge, 0 for an empty slot
    cdef const int32_t* child
    cdef const int32_t* out
    cdef Py_ssize_t nroot, nout
    cdef uint64_t mask
    cdef int shift
    cdef list values
    cdef readonly Py_ssize_t size

    def __init__(self, dict table, tuple state=None):
        self.values = list(table.values())
        self.size = len(self.values)
        if state is None:
            state = _build(table)
        root_b, keys_b, child_b, out_b = state
        cdef uint64_t cap = len(keys_b) // 8
        if cap < 16 or cap & (cap - 1) or len(child_b) != cap * 4 or len(root_b) % 4 or len(out_b) % 4:
            raise ValueError("not a KeyTrie state")
        self._root_b, self._keys_b, self._child_b, self._out_b = root_b, keys_b, child_b, out_b
        self.root = <const int32_t*>PyBytes_AS_STRING(root_b)
        self.keys = <const uint64_t*>PyBytes_AS_STRING(keys_b)
        self.child = <const int32_t*>PyBytes_AS_STRING(child_b)
        self.out = <const int32_t*>PyBytes_AS_STRING(out_b)
        self.nroot = len(root_b) // 4
        self.nout = len(out_b) // 4
        self.mask = cap - 1
        self.shift = 64
        while cap > 1:
            cap >>= 1
            self.shift -= 1

    def state(self) -> tuple:
        """The arrays, for ``KeyTrie(table, state)``."""
        return self._root_b, self._keys_b, self._child_b, self._out_b

    cdef inline int32_t _next(self, int32_t node, uint32_t c) noexcept:
        cdef uint64_t key = (<uint64_t>node << 32) | c
        cdef uint64_t i = (key * <uint64_t>0x9E3779B97F4A7C15) >> self.shift
        cdef uint64_t k
        while True:
            k = self.keys[i]
            if k == key:
                return self.child[i]
            if k == 0:
                return -1
            i = (i + 1) & self.mask

    def find(self, str text, list key_idx):
        """``ExactMatcher.find(None, (text, key_idx))`` by the compiled walk, hits with a barrier
        (-1) at either end left out (tests compare both)."""
        cdef vector[Py_UCS4] buf
        cdef vector[Py_ssize_t] key_tok
        cdef Py_ssize_t j
        for j in range(len(text)):
            buf.push_back(PyUnicode_READ_CHAR(text, j))
            key_tok.push_back(key_idx[j])
        return _hits(self, buf, key_tok)


cdef list _hits(KeyTrie trie, vector[Py_UCS4]& buf, vector[Py_ssize_t]& key_tok):
    """``ExactMatcher.find`` over the prepared codes (back from each code through the labels'
    endings; by last key, longest first), then ``_lexed``'s filter (no barrier at either end)."""
    cdef list out = []
    cdef Py_ssize_t e, s, at, a, b
    cdef Py_ssize_t m = buf.size()
    cdef uint32_t c
    cdef int32_t node, o
    if trie is None or trie.size == 0:
        return out
    for e in range(m):
        c = <uint32_t>buf[e]
        if c >= <uint32_t>trie.nroot:
            continue
        node = trie.root[c]
        s = e
        at = len(out)
        while node >= 0:
            o = trie.out[node]
            if o >= 0:
                a = key_tok[s]
                b = key_tok[e]
                if a >= 0 and b >= 0:
                    out.insert(at, (a, b, trie.values[o]))      # the longer first
            s -= 1
            if s < 0:
                break
            node = trie._next(node, <uint32_t>buf[s])
    return out


def lexed(str line, dict words, object word_forms, object model, bint with_lemmas, KeyTrie curated,
          KeyTrie exact, str barrier, bint with_bits=False):
    """(tokens, keys, barriers, lemmas, curated hits, label hits) as ``SkillExtractor._lexed`` computes
    them with ``_tokenise`` and the matchers' ``find`` (``curated`` and ``exact`` are their ``walker()``;
    ``exact`` None for no label pass; ``barrier`` the barrier key's code), or None for a line the
    reference path must read. ``with_bits``: a seventh item, the tokens' planner bits (the sixth item of
    their word forms, ``_planner_fast.word_bits``) as 8 bytes a token for ``_planner_fast.candidates``,
    or None when a word's forms have none."""
    cdef list toks = [], keys = [], brk = [], lemmas = []
    cdef vector[Py_UCS4] buf
    cdef vector[Py_ssize_t] key_tok
    cdef vector[uint64_t] bits
    if not _scan(line, words, word_forms, model, with_lemmas, toks, keys, brk, lemmas, PyUnicode_READ_CHAR(barrier, 0),
                 buf, key_tok, &bits if with_bits else NULL):
        return None
    if not with_bits:
        if buf.empty():
            return toks, keys, brk, lemmas, [], []
        return (toks, keys, brk, lemmas, _hits(curated, buf, key_tok),
                _hits(exact, buf, key_tok) if exact is not None else [])
    given = None
    if toks and bits.size() == <size_t>len(toks):
        given = PyBytes_FromStringAndSize(<char*>bits.data(), bits.size() * 8)
    if buf.empty():
        return toks, keys, brk, lemmas, [], [], given
    return (toks, keys, brk, lemmas, _hits(curated, buf, key_tok),
            _hits(exact, buf, key_tok) if exact is not None else [], given)
