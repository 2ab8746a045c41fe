"""The compiled line tokeniser (``adequa/enrich/_lexer_fast.pyx``) gives what the Python tokenisers
give: the words and breaks of ``_TOKEN_OR_BREAK.findall``, and the tokens, keys, barriers, lemmas and
prepared code string of ``SkillExtractor._tokenise_reference`` + ``ExactMatcher.prepare``, on random
Unicode text and on every line of the mirror's real offers (skipped when the kernel is not built).
The matchers' walk over key codes (``ExactMatcher.find`` and the kernel's ``KeyTrie``) finds the hits,
in the order, of the character automaton over " key key " strings it replaced (rebuilt here from
the patterns), on random key sequences and on every line of the mirror's offers with the real labels."""

import importlib
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adequa.config import Settings

FIXTURE = Path(__file__).parent / "fixtures" / "skills"

# the pieces the word regex treats specially: inner dots and gender endings, C++/C#, .NET in any case,
# break marks, the underscore, apostrophes, characters whose lower-case changes length or depends on
# context, combining marks, other scripts' digits and letters, non-BMP letters and symbols
PIECES = ["node.js", "ions.Vous", "ab.Cd", "éé.Ùù", "a.Bc", "ab.CD", "ab.C", "ÿ÷.×a", "Ab", "cd", "asp.net", ".NET", ".net", ".NeT_", "a.NET", "x..NET", "C++", "c+++", "C#", "#", "++", "+",
          "motivé.e", "MOTIVÉ.E", "polyvalent.es", "vendeur.euse", "acteur.rice", "ac.trice", "ouvri.ère",
          "ouvri.ere", "chauf.eur", "sporti.ve", "acti.ive", ".e_", ".ee", ".es.", "é.e.e", "1.5", "v2.0.1",
          "l'", "d’", "aujourd'hui", "e\u0301", "\u0301", "İ", "Σ", "ΟΔΟΣ", "σ", "ß", "ﬁ", "Æ", "œ", "_", "__a",
          "٣", "²", "½", "Ⅻ", "𝔸𝔹", "😀", "𐐀", "中文", " ", "  ", "\t", "-", "/", "•", "●", "▪", "►", "«", "»",
          "“", "”", '"', "|", "(", ")", "[", "]", ".", ",", ";", ":", "!", "?", "…", "'"]


def _kernel():
    try:
        return importlib.import_module("adequa.enrich._lexer_fast")
    except ImportError:
        pytest.skip("adequa.enrich._lexer_fast is not built (python setup.py build_ext --inplace)")


@pytest.fixture(scope="module")
def fixture_extractor(tmp_path_factory):
    from adequa.pipeline.annotate import load_skill_extractor

    tmp = tmp_path_factory.mktemp("lexer")
    return load_skill_extractor(Settings(mirror=FIXTURE / "mirror", data_dir=tmp / "absent", cache_dir=tmp / "cache"))


def _reference(ex, line, model, with_lemmas):
    from adequa.enrich.skills_exact import ExactMatcher

    toks, keys, brk, seq, seq_tok, lemmas = ex._tokenise_reference(line, model, with_lemmas)
    text, key_idx = ExactMatcher.prepare(seq, model.codes)
    return toks, keys, brk, lemmas, (text, [seq_tok[x] for x in key_idx])


def _python_fast(ex, line, model, with_lemmas):
    """``SkillExtractor._tokenise`` with the kernel switched off (its findall path)."""
    from adequa.enrich import skills

    saved, skills._lexer = skills._lexer, None
    try:
        return ex._tokenise(line, model, with_lemmas)
    finally:
        skills._lexer = saved


def _python_lexed(ex, line, model, with_lemmas):
    """``SkillExtractor._lexed`` on its Python path (``_tokenise`` without the kernel, ``find``)."""
    from adequa.enrich import skills

    saved, skills._lexer = skills._lexer, None
    ex._lex.clear()
    try:
        return ex._lexed(line, model, with_lemmas)[:6]
    finally:
        skills._lexer = saved
        ex._lex.clear()


def _trie(lexer, matcher):
    """The matcher's compiled walk, from the kernel imported here (``walker()`` is None under
    ADEQUA_PURE_PYTHON=1, the kernel being built all the same)."""
    got = _TRIES.get(id(matcher))
    if got is None or got[0] is not matcher:
        got = _TRIES[id(matcher)] = (matcher, lexer.KeyTrie(matcher.table))
    return got[1]


_TRIES: dict = {}


def _barrier(model):
    from adequa.enrich.skills_exact import BARRIER

    return model.codes[BARRIER]


def _check(lexer, ex, model, line, words, hits=None):
    from adequa.enrich.skills import _TOKEN_OR_BREAK

    for with_lemmas in (True, False):
        got = lexer.lexed(line, words.setdefault(with_lemmas, {}), ex._word_forms, model, with_lemmas,
                          _trie(lexer, model.curated), _trie(lexer, model.exact) if with_lemmas else None, _barrier(model))
        if got is not None:
            assert got == _python_lexed(ex, line, model, with_lemmas), line
            if hits is not None:
                hits[0] += len(got[4]) + len(got[5])
        got = lexer.tokenise(line, words.setdefault(with_lemmas, {}), ex._word_forms, model, with_lemmas,
                             _barrier(model))
        if got is None:     # only for the lines the Python fast path also hands to the reference
            assert "İ" in line or "Σ" in line, line
            continue
        assert got == _reference(ex, line, model, with_lemmas), line
        assert got == _python_fast(ex, line, model, with_lemmas), line
        # the words and breaks of the regex, in order
        found = _TOKEN_OR_BREAK.findall(line)
        assert [line[s:e] for s, e, _, _ in got[0]] == [w for w in found if w], line
        assert sum(got[2]) <= found.count("")


text_strategy = st.lists(st.one_of(st.sampled_from(PIECES), st.characters(), st.text(max_size=3)), max_size=40).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text_strategy)
def test_kernel_equals_the_python_tokenisers_on_random_text(fixture_extractor, text):
    lexer = _kernel()
    model = fixture_extractor.c.langs["fr"]
    _check(lexer, fixture_extractor, model, text.replace("\n", " "), _WORDS)


_WORDS: dict = {}


def test_kernel_hands_context_dependent_lines_to_the_reference(fixture_extractor):
    lexer = _kernel()
    model = fixture_extractor.c.langs["fr"]
    for line in ("İstanbul et Python", "ΟΔΟΣ ΣΟΦΙΑΣ", "a Σ"):
        assert lexer.tokenise(line, {}, fixture_extractor._word_forms, model, True, _barrier(model)) is None
        assert fixture_extractor._tokenise(line, model, True) == _reference(fixture_extractor, line, model, True)


def test_lexed_gives_the_matches_of_the_python_path(fixture_extractor):
    """Curated and label matches at the ends of lines, across barriers (never kept), on repeated keys."""
    from adequa.enrich import skills

    lexer = _kernel()
    model = fixture_extractor.c.langs["fr"]
    lines = ["Maîtrise de Python, SQL et Spark.", "Python", "Python ; Python", "- préparation des commandes",
             "préparation. des commandes", "préparation des commandes préparation des commandes (Excel)",
             "accueil de la clientèle, gestion des stocks", "", "   ", "…", "réception et contrôle des marchandises"]
    total = 0
    for line in lines:
        for with_lemmas in (True, False):
            got = lexer.lexed(line, {}, fixture_extractor._word_forms, model, with_lemmas, _trie(lexer, model.curated),
                              _trie(lexer, model.exact) if with_lemmas else None, _barrier(model))
            assert got == _python_lexed(fixture_extractor, line, model, with_lemmas), line
            total += len(got[4]) + len(got[5])
    assert total >= 10
    # the extractor takes the kernel unless switched to its reference paths
    assert skills._lexer is None or fixture_extractor._lexer_on
    restore = fixture_extractor.use_reference_paths()
    assert not fixture_extractor._lexer_on
    restore()
    assert fixture_extractor._lexer_on


def test_kernel_fills_the_word_dictionary_once_per_word(fixture_extractor):
    lexer = _kernel()
    model = fixture_extractor.c.langs["fr"]
    calls = []

    def forms(w, m, with_lemmas):
        calls.append(w)
        return fixture_extractor._word_forms(w, m, with_lemmas)

    words: dict = {}
    line = "Gestion des stocks, gestion des commandes : node.js et C++ (.NET)"
    first = lexer.tokenise(line, words, forms, model, True, _barrier(model))
    assert lexer.tokenise(line, words, forms, model, True, _barrier(model)) == first == _reference(fixture_extractor, line, model, True)
    assert sorted(calls) == sorted(set(calls)) and set(calls) == set(words)
    assert {"node.js", "C++", ".NET", "Gestion", "gestion"} <= set(words)


@pytest.mark.mirror
def test_kernel_equals_the_reference_on_every_line_of_the_real_offers(fixture_extractor, mirror_offers):
    """Every line of every description and title of the mirror's offers (escapes masked, as read)."""
    from adequa.normalise.text import mask_escapes

    lexer = _kernel()
    model = fixture_extractor.c.langs["fr"]
    lines = set()
    for row in mirror_offers:
        for field in ("description", "intitule", "titre"):
            lines.update(x for x in mask_escapes(row.get(field) or "").split("\n") if x.strip())
    assert len(lines) > 5_000
    words: dict = {}
    hits = [0]
    for line in sorted(lines):
        _check(lexer, fixture_extractor, model, line, words, hits)
    assert hits[0] > 1_000      # curated and label matches: the matchers' part is exercised too


def test_the_gender_ending_rule_is_the_regex_look_ahead():
    """Every short ``\\w`` run after an inner dot: joined to the word exactly when the regex joins it."""
    from adequa.normalise.text import _WORD

    lexer = _kernel()
    letters = "eèsvnlurictE_1"
    runs = [""] + [a + b + c for a in ["", *letters] for b in ["", *letters] for c in letters]
    endings = "e es se ve ne le euse rice trice ere ère eur ive".split()
    runs += [x for e in endings for x in (e, e + "s", e + "_", e[:-1], "x" + e, e.upper(), "t" + e)]
    word = re.compile(_WORD.pattern)

    class _Model:
        lang = "fr"

    for run in runs:
        line = f"ab.{run} x"
        got = lexer.tokenise(line, {}, lambda w, m, wl: (w.lower(), w.lower(), w, None, "\x01"), _Model(), False, "\x02")
        assert [t[3] for t in got[0]] == [m.group().lower() for m in word.finditer(line)], line


# -- the key walk against the character automaton it replaced -----------------------------------
def _char_automaton(matcher):
    """The automaton the matchers had until session 9: each pattern as a " key key " string, with its
    number of keys and entries (rebuilt from the coded patterns)."""
    import ahocorasick

    key_of = {c: k for k, c in matcher.codes.items()}
    auto = ahocorasick.Automaton()
    for code, entries in matcher.table.items():
        keys = [key_of[c] for c in code]
        auto.add_word(" " + " ".join(keys) + " ", (len(keys), entries))
    if len(auto):
        auto.make_automaton()
    return auto


def _char_find(auto, keys):
    """The earlier ``ExactMatcher.prepare`` + ``find``: the automaton over " key key " ('' skipped)."""
    parts, end_n, key_idx, pos = [" "], {}, [], 1
    for i, k in enumerate(keys):
        if not k:
            continue
        parts += [k, " "]
        pos += len(k)
        end_n[pos] = len(key_idx)
        key_idx.append(i)
        pos += 1
    out = []
    if not len(auto):
        return out
    for end, (n_keys, entries) in auto.iter("".join(parts)):
        last = end_n.get(end)
        if last is not None and last - n_keys + 1 >= 0:
            out.append((key_idx[last - n_keys + 1], key_idx[last], entries))
    return out


def _same_hits(matcher, auto, keys) -> int:
    from adequa.enrich.skills_exact import ExactMatcher

    want = _char_find(auto, keys)
    assert matcher.find(keys) == want, keys
    walker = matcher.walker()
    if walker is not None:          # the kernel is built (ADEQUA_PURE_PYTHON unset)
        assert walker.find(*ExactMatcher.prepare(keys, matcher.codes)) == want, keys
    return len(want)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_the_key_walk_finds_what_the_character_automaton_found(fixture_extractor, data):
    """Random key sequences made of labels' keys, pieces of labels, barriers, skipped and unknown
    keys: same hits, same order (by last key, longest first: nested and overlapping labels). Keys
    never hold a space (a word has none, nor has a lemma or a derivation), so both agree."""
    from adequa.enrich.skills_exact import BARRIER

    model = fixture_extractor.c.langs["fr"]
    for matcher in (model.curated, model.exact):
        got = _AUTOS.get(id(matcher))
        if got is None or got[0] is not matcher:
            got = _AUTOS[id(matcher)] = (matcher, _char_automaton(matcher))
        auto = got[1]
        key_of = {c: k for k, c in matcher.codes.items()}
        labels = sorted([key_of[c] for c in code] for code in matcher.table)
        pieces = st.one_of(st.sampled_from(labels),
                           st.sampled_from(labels).flatmap(lambda ks: st.sampled_from([ks[1:], ks[:-1], ks[::-1]])),
                           st.sampled_from(sorted(key_of.values()) + [BARRIER, "", "inconnu", "##"]).map(lambda k: [k]))
        keys = [k for piece in data.draw(st.lists(pieces, max_size=12)) for k in piece]
        _same_hits(matcher, auto, keys)


_AUTOS: dict = {}


def test_the_key_walk_on_hand_made_overlaps():
    """Labels nested in one another, ending together, repeated, across a barrier."""
    from adequa.enrich.skills_exact import BARRIER, ExactMatcher

    m = ExactMatcher()
    for n, keys in enumerate([["a", "b"], ["a", "b", "c"], ["b", "c"], ["c"], ["x", BARRIER, "y"], ["b", "c"],
                              ["a", "b", "c", "d", "e"], ["d", "e"], [BARRIER, "e", BARRIER]]):
        m.add(keys, n)
    m.freeze()
    auto = _char_automaton(m)
    for keys in (["a", "b", "c", "d", "e"], ["a", "", "b", "c"], ["x", BARRIER, "y", "x", "y"], ["a", BARRIER, "b"],
                 ["c", "c", "a", "b", "c", "a", "b"], [], ["e"]):
        _same_hits(m, auto, keys)
    assert m.find(["z", "a", "b", "c"]) == [(1, 2, (0,)), (1, 3, (1,)), (2, 3, (2, 5)), (3, 3, (3,))]


@pytest.mark.mirror
def test_the_key_walk_finds_what_the_character_automaton_found_on_real_labels(mirror, mirror_offers):
    """Every line of the mirror's offers against the real taxonomy's labels (~45,000)."""
    from adequa.normalise.text import mask_escapes
    from adequa.pipeline.annotate import load_skill_extractor

    ex = load_skill_extractor(Settings(mirror=mirror))
    model = ex.c.langs["fr"]
    lines = set()
    for row in mirror_offers:
        for field in ("description", "intitule", "titre"):
            lines.update(x for x in mask_escapes(row.get(field) or "").split("\n") if x.strip())
    seqs = [ex._tokenise_reference(line, model, False)[3] for line in sorted(lines)]
    assert len(model.exact.table) > 10_000
    for matcher in (model.curated, model.exact):
        auto = _char_automaton(matcher)
        assert sum(_same_hits(matcher, auto, seq) for seq in seqs) > 1_000


def test_the_compiled_walk_is_pickled_with_the_matcher():
    """The walk's arrays travel in the matcher's pickle (no build per run) and give the same hits."""
    import pickle

    from adequa.enrich.skills_exact import ExactMatcher

    lexer = _kernel()
    m = ExactMatcher()
    for n, keys in enumerate([["a", "b"], ["b", "c", "d"], ["c"], ["d", "#", "e"]]):
        m.add(keys, n)
    m.freeze()
    again = pickle.loads(pickle.dumps(m))
    assert again._walker is None and again._tails is None
    for keys in (["a", "b", "c", "d", "#", "e"], ["x", "c", "a", "b"], []):
        prepared = ExactMatcher.prepare(keys, m.codes)
        want = m.find(keys)
        assert again.find(keys) == want
        assert lexer.KeyTrie(again.table, m._trie or None).find(*prepared) == want
        assert lexer.KeyTrie(again.table).find(*prepared) == want
    with pytest.raises(ValueError):
        lexer.KeyTrie(m.table, (b"", b"\0" * 24, b"", b""))


def _key_reference(km, word):
    """``KeyMaker._key`` before its one-``endswith`` check ahead of the suffix rules (session 9)."""
    from adequa.enrich.lexical import _SUFFIX_RULES
    from adequa.normalise.text import fold, lemma

    norm = fold(word)
    if norm in km.stop or not norm:
        return ""
    lem = lemma(word, km.lang)
    for form in (norm, lem):
        if km.derivations.get(form):
            return km.derivations[form]
    if lem in km.verbs:
        return lem
    for suffix, repl in _SUFFIX_RULES:
        for form in (lem, norm):
            if form.endswith(suffix) and len(form) > len(suffix) + 2:
                cand = form[: -len(suffix)] + repl
                if cand in km.verbs:
                    return cand
    return lem


def test_the_key_of_a_word_is_the_suffix_rules_key(fixture_extractor):
    """Every stem x ending (the rules' suffixes among them), with and without a plural: same key."""
    from adequa.enrich.lexical import _SUFFIX_RULES, KeyMaker
    from adequa.normalise.text import fold

    verbs = {"preparer", "organiser", "nettoyer", "facturer", "reparer", "monter", "gerer", "gestir", "mettre"}
    stems = ["prépar", "organis", "nettoy", "factur", "gest", "mont", "répar", "a", "ti", ""]
    endings = [sfx for sfx, _ in _SUFFIX_RULES] + ["er", "é", "e", "on", "ation", "ure", "tion", "s"]
    suffixed = set()
    for km in (fixture_extractor.c.langs["fr"].keys, KeyMaker("fr", {}, verbs)):
        for stem in stems:
            for ending in endings:
                for plural in ("", "s", "es"):
                    word = stem + ending + plural
                    key = km._key(word)
                    assert key == _key_reference(km, word), word
                    suffixed.add(key in verbs and fold(word)[:-2] != key[:-2])
    assert suffixed == {True, False}     # the suffix rules gave keys, and not only them


def test_word_table_serves_each_dictionary_its_own_words(fixture_extractor):
    """The kernel's table in front of the word dictionary (words of up to 16 Latin-1 characters found by
    their packed characters) answers what that dictionary holds: another dictionary has its own table,
    a dictionary emptied or changed behind the kernel's back is read again, and words longer than the
    table's keys or outside Latin-1 still go to the dictionary."""
    lexer = _kernel()
    model = fixture_extractor.c.langs["fr"]
    barrier = _barrier(model)
    line = "Gestion des stocks, anticonstitutionnellement ; naïveté 中文 gestion"

    def forms_tagged(tag):
        def forms(w, m, with_lemmas):
            return (tag + w.lower(),) + fixture_extractor._word_forms(w, m, with_lemmas)[1:]
        return forms

    a: dict = {}
    b: dict = {}
    got_a = lexer.tokenise(line, a, forms_tagged("a:"), model, False, barrier)
    got_b = lexer.tokenise(line, b, forms_tagged("b:"), model, False, barrier)
    assert {t[3][:2] for t in got_a[0]} == {"a:"} and {t[3][:2] for t in got_b[0]} == {"b:"}
    assert lexer.tokenise(line, a, forms_tagged("x:"), model, False, barrier) == got_a   # from the table
    a.clear()       # emptied in place: the table forgets too
    again = lexer.tokenise(line, a, forms_tagged("c:"), model, False, barrier)
    assert {t[3][:2] for t in again[0]} == {"c:"}
    a["stocks"] = ("d:stocks",) + a["stocks"][1:]   # changed behind the kernel's back (size unchanged)
    del a["des"]    # (size changed: the table is read again)
    again = lexer.tokenise(line, a, forms_tagged("e:"), model, False, barrier)
    assert [t[3] for t in again[0]][:3] == ["c:gestion", "e:des", "d:stocks"]


def test_lexed_hands_over_the_planner_bits_of_each_token(fixture_extractor):
    """``lexed(..., with_bits=True)``: the seventh item holds each token's ``_planner_fast.word_bits``
    (8 bytes a token), None when a word's forms carry none (a title's, without lemmas)."""
    import struct

    planner = pytest.importorskip("adequa.enrich._planner_fast")
    from adequa.enrich import skills

    if skills._planner is None:
        pytest.skip("the planner kernel is off (ADEQUA_PURE_PYTHON=1)")
    lexer = _kernel()
    ex = fixture_extractor
    model = ex.c.langs["fr"]
    titles = ex._planner_words(model)[1]
    for line in ("Préparation des commandes et gestion des stocks.", "Nous recherchons un vendeur H/F",
                 "bac +2 en assurances ; 3 ans d'expérience", "Python"):
        got = lexer.lexed(line, {}, ex._word_forms, model, True, _trie(lexer, model.curated),
                          _trie(lexer, model.exact), _barrier(model), True)
        assert got[:6] == _python_lexed(ex, line, model, True)
        toks = got[0]
        bits = struct.unpack(f"{len(toks)}Q", got[6])
        assert list(bits) == [planner.word_bits(lw, f, k, model.keys, model.keys.framing, titles)
                              for (_, _, f, lw), k in zip(toks, got[1])], line
        no_lemmas = lexer.lexed(line, {}, ex._word_forms, model, False, _trie(lexer, model.curated), None,
                                _barrier(model), True)
        assert no_lemmas[6] is None and no_lemmas[:6] == _python_lexed(ex, line, model, False)
