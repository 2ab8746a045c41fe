# cython: language_level=3
"""Compiled candidate cutting of ``adequa.enrich.skills.SkillExtractor._candidates`` and ``_trim``
(optional extension).

The same statements as the Python methods, in the same order, with the token indices as C integers
instead of Python ints (the methods' loops over a line's tokens were the planner's largest cost);
every test on a word (sets, the key maker, ``_past_participle``, ``_LIST_SEP``) is the Python one,
handed over once by ``configure``. The Python methods stay the reference and the fallback (no build,
``ADEQUA_PURE_PYTHON=1``); tests/test_candidates_fast.py compares the two on every line of the
fixtures, on random text and on the mirror's real offers.
"""

cdef object _COORD, _KNOWLEDGE, _NOT_SKILL_HEAD, _DIPLOMA, _FIELD_HEAD, _DURATION, _LIST_SEP
cdef object _CLAUSE, _COPULA, _POSSESSIVE, _REQUIRED, _TRAILING, _LIGHT_VERBS, _past_participle
cdef object _ASKED_KNOWLEDGE, _NOT_KNOWLEDGE, _HOW_WELL, _VAGUE, _SETTING_VERBS, _SETTING_WORDS
cdef bint _ready = False


def configure(*, coord, knowledge, not_skill_head, diploma, field_head, duration, list_sep, clause, copula,
              possessive, required, trailing, light_verbs, past_participle, asked_knowledge, not_knowledge,
              how_well, vague, setting_verbs, setting_words):
    """The word sets and tests of ``adequa.enrich.skills`` (called once by that module)."""
    global _COORD, _KNOWLEDGE, _NOT_SKILL_HEAD, _DIPLOMA, _FIELD_HEAD, _DURATION, _LIST_SEP, _CLAUSE, _COPULA
    global _POSSESSIVE, _REQUIRED, _TRAILING, _LIGHT_VERBS, _past_participle, _ready
    global _ASKED_KNOWLEDGE, _NOT_KNOWLEDGE, _HOW_WELL, _VAGUE, _SETTING_VERBS, _SETTING_WORDS
    _ASKED_KNOWLEDGE, _NOT_KNOWLEDGE, _HOW_WELL, _VAGUE = asked_knowledge, not_knowledge, how_well, vague
    _SETTING_VERBS, _SETTING_WORDS = setting_verbs, setting_words
    _COORD, _KNOWLEDGE, _NOT_SKILL_HEAD, _DIPLOMA, _FIELD_HEAD = coord, knowledge, not_skill_head, diploma, field_head
    _DURATION, _LIST_SEP, _CLAUSE, _COPULA, _POSSESSIVE = duration, list_sep, clause, copula, possessive
    _REQUIRED, _TRAILING, _LIGHT_VERBS, _past_participle = required, trailing, light_verbs, past_participle
    _ready = True


def trim(chunk, toks, keys, km, framing):
    """``SkillExtractor._trim``."""
    cdef Py_ssize_t k = 0, m = len(chunk), x, i, j, n_content, y, nxt
    while k < m:
        x = chunk[k]
        key = keys[x]
        w = toks[x][2]
        if not key or key in framing or w.isdecimal() or len(w) == 1:
            k += 1
            continue
        if key in _LIGHT_VERBS:
            nxt = -1
            for y in chunk[k + 1:]:
                if keys[y]:
                    nxt = y
                    break
            if nxt != -1 and km.is_nominal(toks[nxt][3]):
                k += 1
                continue
        break
    if k >= m:
        return None
    i = chunk[k]
    j = i
    n_content = 0
    prev = None
    for x in chunk[k:]:
        w = toks[x][2]
        key = keys[x]
        if n_content >= 2 and w in _CLAUSE:
            break
        if n_content >= 1 and x != i and (key in _COPULA or (prev == "en" and w.endswith("ant"))):
            break
        if n_content >= 2 and (prev in ("a", "au", "aux") and w in _POSSESSIVE
                               or (w.endswith("ant") and len(w) > 5 and key != w)):
            break
        prev = w
        if key:
            n_content += 1
            if key not in _REQUIRED:
                j = x
        elif w not in _TRAILING:
            j = x
    return (i, j)


def candidates(toks, keys, tok_cls, seg_of, masked, brk, km, job_titles):
    """``SkillExtractor._candidates`` (its ``segments`` and ``model`` enter as ``model.keys`` and the
    extractor's job titles)."""
    cdef Py_ssize_t n = len(toks), t = 0, a, i, j, u, first, end, d, x, y, last, nxt_start
    cdef bint coord_next, action, known, asked, lone_adj, found, blocked
    if not _ready:
        raise RuntimeError("_candidates_fast.configure was not called")
    framing = km.framing
    norms = [tk[2] for tk in toks]
    out = []
    while t < n:
        if tok_cls[t] not in ("job", "neutral"):
            t += 1
            continue
        seg = seg_of[t]
        # collect one chunk: until a break, a coordination or the end of the segment
        a = t
        chunk = [a]
        t += 1
        while t < n and seg_of[t] == seg and not brk[t] and norms[t] not in _COORD:
            last = toks[t - 1][1]
            nxt_start = toks[t][0]
            if (nxt_start - last != 1 or masked[last] != " ") and \
                    masked[last:nxt_start].strip(" ") in ("+", "&", " - ", "–"):
                break
            chunk.append(t)
            t += 1
        if t < n and seg_of[t] == seg and norms[t] in _COORD:
            coord_next = True
            t += 1
        else:
            coord_next = False
        span = trim(chunk, toks, keys, km, framing)
        if span is None:
            continue
        i, j = span
        action = km.is_action(toks[i][3])
        known = keys[chunk[0]] in _KNOWLEDGE and i > chunk[0]
        asked = False
        if not known and j > i:
            for x in chunk:
                if x < i and keys[x] in _ASKED_KNOWLEDGE:
                    asked = True
                    break
            if asked:
                for x in range(i - 1, j + 1):
                    if toks[x][2] in _NOT_KNOWLEDGE:
                        asked = False
                        break
        if known or asked:
            # the knowledge asked for, without how well it is known
            while i < j and (not keys[i] or toks[i][2] in _HOW_WELL):
                i += 1
            while j > i and (not keys[j] or toks[j][2] in _HOW_WELL):
                j -= 1
            if toks[i][2] in _HOW_WELL:
                continue
            known = i < j or toks[i][2] not in _VAGUE or not asked
        if coord_next and j == chunk[-1] and t < n and seg_of[t] == seg and (action or t - 1 > j):
            u = t
            nxt = []
            while u < n and seg_of[u] == seg and not brk[u] and norms[u] not in _COORD:
                nxt.append(u)
                u += 1
            if nxt and len(nxt) <= 6 and i < j and norms[nxt[0]] not in ("autre", "autres"):
                first = -1
                for x in nxt:
                    if keys[x]:
                        first = x
                        break
                lone_adj = len(nxt) == 1 and not norms[nxt[0]][:1].isdecimal() \
                    and masked[toks[nxt[0]][0]].islower()
                if first != -1 and not km.is_action(toks[first][3]) and \
                        ((action and not masked[toks[first][0]].isupper()) or lone_adj):
                    end = nxt[-1]
                    while end > first and not keys[end]:
                        end -= 1
                    j = end
                    t = u
                    coord_next = False
        if coord_next and i == j and action and t < n and seg_of[t] == seg:
            u = t
            nxt = []
            while u < n and seg_of[u] == seg and not brk[u] and norms[u] not in _COORD:
                nxt.append(u)
                u += 1
            span2 = trim(nxt, toks, keys, km, framing) if nxt else None
            if span2 and km.is_action(toks[span2[0]][3]) and span2[1] > span2[0]:
                j = span2[1]
                t = u
        head = keys[i]
        norm = norms[i]
        if head in _NOT_SKILL_HEAD or head in _DIPLOMA or norm in _NOT_SKILL_HEAD or norm in _DIPLOMA \
                or norm.isdecimal():
            found = False
            if known and head in _FIELD_HEAD:
                for x in range(i + 1, j + 1):
                    if keys[x] and keys[x] not in framing:
                        found = True
                        break
            if not found:
                continue
        if i > 0 and norms[i - 1] == "nous" and norm.endswith("ons"):
            continue
        if keys[i] in _SETTING_VERBS and i < j and toks[i + 1][2] in _SETTING_WORDS:
            # where the job is done, unless an action follows (it then opens the span)
            first = -1
            for x in range(i + 2, j + 1):
                if keys[x]:
                    first = x
                    break
            if first == -1 or not km.is_action(toks[first][3]):
                continue
            i, action = first, True
        if _past_participle(toks[i][3], keys[i]) and km.is_action(toks[i][3]) and not km.is_nominal(toks[i][3]):
            continue
        d = i
        while d <= j and d < n - 1 and not (norms[d].isdecimal() and norms[d + 1] in _DURATION):
            d += 1
        if d <= j and d < n - 1:
            continue
        if not known and i > 0 and norms[i - 1] == "en":
            found = False
            for x in range(max(0, i - 6), i - 1):
                if seg_of[x] == seg_of[i]:
                    blocked = False
                    for y in range(x + 1, i):
                        if brk[y]:
                            blocked = True
                            break
                    if not blocked and (keys[x] in _DIPLOMA or norms[x] in _DIPLOMA):
                        found = True
                        break
            if found:
                continue
        if job_titles and frozenset(filter(None, keys[i:j + 1])) in job_titles:
            continue
        if i == j:
            before = masked[toks[i - 1][1]:toks[i][0]] if i > 0 else "\n"
            after = masked[toks[j][1]:toks[j + 1][0]] if j + 1 < n else "\n"
            listed = (_LIST_SEP.search(before) or norms[i - 1] in _COORD) and \
                (_LIST_SEP.search(after) or (j + 1 < n and norms[j + 1] in _COORD))
            if not listed and not known:
                continue
        out.append((i, j, action, known))
    return out
