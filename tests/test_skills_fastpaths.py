"""The fast paths of the skill extractor give exactly what the plain reference code gives:
the findall tokeniser with its word-form cache (vs ``_tokenise_reference``), the vectorised
similarity shortlist (vs ``SimilarityIndex.best_reference``), the segmenter's separator regex with
its look-ahead (vs the bare alternation) and the line-token cache, on the fixture taxonomy (the
same comparison on the mirror's real offers is in test_skills_mirror.py)."""

import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adequa.config import Settings

FIXTURE = Path(__file__).parent / "fixtures" / "skills"

LINES = [
    "Vos missions :", "Avantages :", "Profil recherché", "- préparation des commandes", "- accueil de la clientèle",
    "- vous gérerez les bases de données", "Maîtrise de Python, SQL et Spark.", "Permis B souhaité ; anglais courant",
    "Vous êtes rigoureux(se), autonome et doté d'un bon esprit d'équipe.", "Tickets restaurant, mutuelle.",
    "Préparer les commandes de produits frais - Mise en rayon : contrôle des marchandises  *  inventaires",
    "Postuler en ligne : envoyez votre CV", "réception et contrôle des marchandises", "MOTIVÉ.E ET AUTONOME",
    "Compétences : Gestion de bases de données. Accueil physique et téléphonique!Réalisation d'inventaires",
]


def _as_tuples(ms):
    return [(m.start, m.end, m.text, m.rome_ogr, m.esco_uri, m.label, m.kind, m.score, m.method, m.unlisted, m.field)
            for m in ms]


@pytest.fixture(scope="module")
def opts(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fast")
    return Settings(mirror=FIXTURE / "mirror", data_dir=tmp / "absent", cache_dir=tmp / "cache")


def _extract_all(ex, items):
    out = []
    for text, hint, field in items:
        out.append(_as_tuples(ex.extract(text, rome_hint=hint, field=field)))
    return out


def test_fast_extractor_equals_the_reference_on_fixture_lines(opts):
    from adequa.pipeline.annotate import load_skill_extractor

    rnd = random.Random(5)
    items = [("\n".join(rnd.choice(LINES) for _ in range(rnd.randint(1, 9))), rnd.choice([None, "Z9901"]),
              rnd.choice(["description", "description", "title"])) for _ in range(150)]
    fast = load_skill_extractor(opts)
    got = _extract_all(fast, items)
    ref = load_skill_extractor(opts)
    restore = ref.use_reference_paths()
    try:
        assert _extract_all(ref, items) == got
    finally:
        restore()
    assert sum(map(len, got)) > 100, "the fixture lines must yield mentions, or this test proves nothing"
    assert fast._lex and not ref._lex, "the fast extractor used the line-token cache, the reference did not"


def test_similarity_shortlist_equals_the_reference(opts):
    """Every label's key set, its sub-sets and random mixes, with and without a preferred fiche."""
    from adequa.pipeline.annotate import load_skill_extractor

    ex = load_skill_extractor(opts)
    sim = ex.c.langs["fr"].sim
    E = ex.c.entries
    rnd = random.Random(11)
    label_sets = [ks for ks in sim.label_keys if ks]
    vocab = sorted({k for ks in label_sets for k in ks})
    queries = set(label_sets)
    for ks in label_sets:
        for k in ks:
            queries.add(ks - {k})
    for _ in range(400):
        queries.add(frozenset(rnd.sample(vocab, rnd.randint(1, min(5, len(vocab))))) | {"inconnu"})
    fiches = sorted(ex.c.fiche_items)
    n_scored = 0
    for q in sorted(queries, key=sorted):
        for k in (3, 12):
            assert sim.best(q, k=k) == sim.best_reference(q, k=k)
        prefer = ex.c.fiche_items[rnd.choice(fiches)] if fiches else frozenset()
        s1, s2 = set(), set()
        got = sim.best(q, prefer=prefer, entry_ogr=E.rome.__getitem__, k=8, seen=s1)
        assert got == sim.best_reference(q, prefer=prefer, entry_ogr=E.rome.__getitem__, k=8, seen=s2)
        assert s1 == s2
        n_scored += bool(got)
    assert n_scored > 50


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("ab É.:;!?-–*•▪\n\t ") + ["   ", " : ", "Missions", "x:"]), max_size=30).map("".join))
def test_separator_regex_equals_the_bare_alternation(text):
    from adequa.enrich.segment import _SPLIT, SPLIT_ALTERNATIVES

    bare = re.compile(SPLIT_ALTERNATIVES)
    assert [(m.span(), m.group()) for m in _SPLIT.finditer(text)] == [(m.span(), m.group()) for m in bare.finditer(text)]


def _json_of(ms):
    """The skills list ``annotate_ad`` builds from mentions, as json.dumps writes it (inside the brackets)."""
    import json

    from adequa.pipeline.annotate import mention_record

    return json.dumps([mention_record(m) for m in ms], ensure_ascii=False)[1:-1]


def test_extract_json_equals_json_dumps_of_extract(opts):
    """``extract_json`` (encoded mention tails remembered per field) writes what json.dumps writes of
    ``extract``'s mentions, including quotes, backslashes, control characters and escape sequences."""
    from adequa.pipeline.annotate import load_skill_extractor

    rnd = random.Random(7)
    odd = ['Maîtrise de "Python"', "SQL\\Spark", "permis B\t; anglais", "accueil/r/nde la clientèle", "\x01Python\x7f",
           "rigoureux(se) 😀 autonome"]
    items = [("\n".join(rnd.choice(LINES + odd) for _ in range(rnd.randint(1, 9))), rnd.choice([None, "Z9901"]),
              rnd.choice(["description", "description", "title"])) for _ in range(200)]
    fast = load_skill_extractor(opts)
    ref = load_skill_extractor(opts)
    n = 0
    for text, hint, field in items * 2:         # the second time from the memos
        got, count = fast.extract_json(text, rome_hint=hint, field=field)
        ms = ref.extract(text, rome_hint=hint, field=field)
        assert got == _json_of(ms) and count == len(ms)
        n += count
    assert n > 200 and fast._tails["description"] and fast._tails["title"]


_OPT_TEXT = st.one_of(st.none(), st.text(max_size=12))
_VALUE = st.one_of(st.floats(), st.integers(-5, 5), st.booleans(), st.none(), st.text(max_size=6))


@given(st.tuples(st.integers(0, 9), st.integers(0, 9), _OPT_TEXT, _OPT_TEXT, st.text(max_size=12),
                 st.text(max_size=12), st.one_of(st.floats(), _VALUE), st.text(max_size=8),
                 st.one_of(st.booleans(), _VALUE)),
       st.sampled_from(["description", "title", 'a"b\\']))
@settings(max_examples=400, deadline=None)
def test_mention_tail_is_json_dumps(m, field):
    """``_tail`` writes a mention's fields after its text as json.dumps(ensure_ascii=False) does: every
    string (quotes, backslashes, control and non-BMP characters), None, any float (nan, inf, -0.0),
    and values of other types than a mention holds (which take json.dumps itself)."""
    import json

    from adequa.enrich.skills import SkillExtractor

    d = dict(zip(("rome_ogr", "esco_uri", "label", "kind", "score", "method", "unlisted"), m[2:]))
    if field != "description":
        d["field"] = field
    assert object.__new__(SkillExtractor)._tail(m, field) == json.dumps(d, ensure_ascii=False)[1:]


def _label_keys_reference(keys, label):
    """``label_keys`` as first written: one ``spans`` tuple per word, the gap read from the label."""
    from adequa.enrich.skills_build import BARRIER
    from adequa.normalise.text import spans

    out, prev_end = [], None
    for s, e, _norm, low in spans(label):
        if prev_end is not None and any(c in ".;:!?()[],|" for c in label[prev_end:s]):
            out.append(BARRIER)
        k = keys.key(low)
        if k:
            out.append(k)
        prev_end = e
    return out


_LABEL_CHARS = st.sampled_from(list("abcéèàôœÉÈŒ ΣσİIı.,;:()|-/'’+#_ 0123\u00a0\u0307") + ["node.js", "C++", "C#", ".NET",
                                                                                         "asp.net", "Gérer", "l'équipe"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_LABEL_CHARS, max_size=30).map("".join))
def test_label_keys_split_equals_the_spans_reference(label):
    from adequa.enrich.lexical import KeyMaker
    from adequa.enrich.skills_build import label_keys

    keys = KeyMaker("fr", {}, frozenset())
    assert label_keys(keys, label) == _label_keys_reference(keys, label)


def test_label_keys_on_labels_with_every_separator():
    """The same on labels with every separator the taxonomies use."""
    from adequa.enrich.lexical import KeyMaker
    from adequa.enrich.skills_build import label_keys

    keys = KeyMaker("fr", {}, frozenset())
    for label in ["Gérer des bases de données (SQL, NoSQL)", "Accueillir, orienter, renseigner un public",
                  "Langage C++ | C#", "Techniques de vente; négociation: bases", "ΟΔΟΣ.Α", "İstanbul, İzmir",
                  "Utiliser node.js et ASP.NET", "Règles d'hygiène [HACCP]!"]:
        assert label_keys(keys, label) == _label_keys_reference(keys, label)
