"""The compiled line tokeniser (``adequa/enrich/_lexer_fast.pyx``) gives what the Python tokenisers
give: the words and breaks of ``_TOKEN_OR_BREAK.findall``, and the tokens, keys, barriers, lemmas and
prepared key string of ``SkillExtractor._tokenise_reference`` + ``ExactMatcher.prepare``, on random
Unicode text and on every line of the mirror's real offers (skipped when the kernel is not built)."""

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
PIECES = ["node.js", "asp.net", ".NET", ".net", ".NeT_", "a.NET", "x..NET", "C++", "c+++", "C#", "#", "++", "+",
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
    text, end_n, key_idx = ExactMatcher.prepare(seq)
    return toks, keys, brk, lemmas, (text, end_n, [seq_tok[x] for x in key_idx])


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
        return ex._lexed(line, model, with_lemmas)
    finally:
        skills._lexer = saved
        ex._lex.clear()


def _check(lexer, ex, model, line, words, hits=None):
    from adequa.enrich.skills import _TOKEN_OR_BREAK

    for with_lemmas in (True, False):
        got = lexer.lexed(line, words.setdefault(with_lemmas, {}), ex._word_forms, model, with_lemmas,
                          model.curated._auto, model.exact._auto if with_lemmas else None)
        if got is not None:
            assert got == _python_lexed(ex, line, model, with_lemmas), line
            if hits is not None:
                hits[0] += len(got[4]) + len(got[5])
        got = lexer.tokenise(line, words.setdefault(with_lemmas, {}), ex._word_forms, model, with_lemmas)
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
        assert lexer.tokenise(line, {}, fixture_extractor._word_forms, model, True) is None
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
            got = lexer.lexed(line, {}, fixture_extractor._word_forms, model, with_lemmas, model.curated._auto,
                              model.exact._auto if with_lemmas else None)
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
    first = lexer.tokenise(line, words, forms, model, True)
    assert lexer.tokenise(line, words, forms, model, True) == first == _reference(fixture_extractor, line, model, True)
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
        got = lexer.tokenise(line, {}, lambda w, m, wl: (w.lower(), w.lower(), w, None), _Model(), False)
        assert [t[3] for t in got[0]] == [m.group().lower() for m in word.finditer(line)], line
