"""Line-by-line reading of ads: the memo of analysed lines, the tokeniser and the sharing of
lines between worker processes change nothing in the mentions (tests/fixtures/skills/mirror)."""

import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adequa.config import Settings

FIXTURE = Path(__file__).parent / "fixtures" / "skills"

LINES = [
    "Vos missions :", "Avantages :", "Profil recherché", "Qui sommes-nous ?",
    "- préparation des commandes", "- accueil de la clientèle", "- vous gérerez les bases de données",
    "Maîtrise de Python, SQL et Spark.", "Vous êtes rigoureux(se), autonome et doté d'un bon esprit d'équipe.",
    "Préparer les commandes de produits frais", "Notre entreprise recrute un préparateur.",
    "Permis B souhaité ; anglais courant", "Tickets restaurant, mutuelle.", "  ", "",
    "Postuler en ligne : envoyez votre CV", "réception et contrôle des marchandises",
]
HINTS = [None, "Z9901", "A1234"]


@pytest.fixture(scope="module")
def opts(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lines")
    return Settings(mirror=FIXTURE / "mirror", data_dir=tmp / "absent", cache_dir=tmp / "cache")


def _fresh(opts):
    from adequa.pipeline.annotate import load_skill_extractor

    return load_skill_extractor(opts)


def _ads(n: int, seed: int = 7) -> list[tuple[str, str | None]]:
    rnd = random.Random(seed)
    return [("\n".join(rnd.choice(LINES) for _ in range(rnd.randint(1, 8))), rnd.choice(HINTS)) for _ in range(n)]


def _as_tuples(ms):
    return [(m.start, m.end, m.text, m.rome_ogr, m.esco_uri, m.label, m.kind, m.score, m.method, m.unlisted, m.field)
            for m in ms]


def test_a_shared_memo_gives_what_a_fresh_extractor_gives(opts):
    """The same lines under other headers (sections) and other ROME hints, in any order."""
    shared = _fresh(opts)
    ads = _ads(60)
    got = [_as_tuples(shared.extract(text, rome_hint=hint)) for text, hint in ads]
    for (text, hint), mentions in zip(ads, got):
        fresh = _fresh(opts)
        fresh.clear_memos()
        assert _as_tuples(fresh.extract(text, rome_hint=hint)) == mentions, text
        for m in fresh.extract(text, rome_hint=hint):
            assert text[m.start:m.end] == m.text
    assert any(got), "the fixture lines must yield mentions, or this test proves nothing"


def test_the_section_of_a_header_carries_to_the_next_lines(opts):
    ex = _fresh(opts)
    as_job = ex.extract("Vos missions :\n- accueil de la clientèle")
    as_benefit = ex.extract("Avantages :\n- accueil de la clientèle")
    assert [m.text for m in as_job] == ["accueil de la clientèle"]
    assert as_benefit == [] or [m.text for m in as_benefit] != [m.text for m in as_job]


def test_a_hint_outside_the_line_codes_reuses_the_result_without_hint(opts):
    ex = _fresh(opts)
    text = "Vos missions :\n- préparation des commandes"
    plain = _as_tuples(ex.extract(text))
    assert _as_tuples(ex.extract(text, rome_hint="A1234")) == plain      # a fiche absent from the data
    hinted = _as_tuples(ex.extract(text, rome_hint="Z9901"))
    fresh = _fresh(opts)
    fresh.clear_memos()
    assert _as_tuples(fresh.extract(text, rome_hint="Z9901")) == hinted


def test_exported_lines_let_another_extractor_skip_them(opts):
    one, two = _fresh(opts), _fresh(opts)
    one.clear_memos()
    two.clear_memos()
    one.share_lines()
    ads = _ads(40, seed=3)
    want = [_as_tuples(one.extract(t, rome_hint=h)) for t, h in ads]
    exported = one.export_lines()
    assert exported and one.export_lines() == []          # each line is exported once
    two.import_lines(exported)
    assert [_as_tuples(two.extract(t, rome_hint=h)) for t, h in ads] == want
    hint_free = [k for k, v in one._resolved.items() if v[3] is None]
    assert hint_free and len(two._plans) < len(one._plans)   # imported lines were not analysed again


def test_exported_rankings_are_the_ones_another_extractor_would_compute(opts):
    """Candidates ranked and linked by one worker go to the other with the lines (``export_lines``):
    the same as computed there, each exported once, and the other extractor computes them no more."""
    one, two, three = _fresh(opts), _fresh(opts), _fresh(opts)
    for ex in (one, two, three):
        ex.clear_memos()
    one.share_lines()
    ads = _ads(40, seed=5)
    want = [_as_tuples(one.extract(t, rome_hint=h)) for t, h in ads]
    exported = one.export_lines()
    ranked = [(k, v) for k, v in exported if len(v) == 2]
    assert ranked and len({k for k, _ in ranked}) == len(ranked) == len(one._memo)
    assert one.export_lines() == []
    model = one.c.langs["fr"]
    for key, (top, codes) in ranked[:50]:
        got = three._ranked(key[1], model)       # what the other would compute, and its link without a hint
        assert got[:2] == (top, codes) and got[2] == one._ranked(key[1], model)[2]
    # links are remembered (and exported) with a hint only: without one, a link is found again from the
    # remembered ranking in a few steps
    links = [(k, v) for k, v in exported if len(v) == 1]
    assert len({k for k, _ in links}) == len(links) == len(one._links)
    assert all(k[2] is not None for k, _ in links)
    two.import_lines(ranked + links)          # rankings and links alone: every line is analysed again
    two.share_lines()
    assert [_as_tuples(two.extract(t, rome_hint=h)) for t, h in ads] == want
    again = two.export_lines()
    assert again and not [k for k, v in again if len(v) < 3]     # lines resolved, nothing ranked or linked anew
    four = _fresh(opts)
    four.clear_memos()
    four.share_lines()
    for t, h in ads:
        four.extract(t, rome_hint=h)
    fresh = four.export_lines()             # without the import, it ranks and links
    assert len([k for k, v in fresh if len(v) == 2]) == len(ranked)
    assert {k: v for k, v in fresh if len(v) == 1} == dict(links)


def test_only_lines_marked_as_recurring_are_exported(opts):
    """``share_lines(recurring_only=True)``: a line goes out once its text is marked (by hash),
    whether it was resolved before the mark or after; what goes out lets another extractor skip it."""
    one, two = _fresh(opts), _fresh(opts)
    one.clear_memos()
    two.clear_memos()
    one.share_lines(recurring_only=True)
    ads = _ads(40, seed=11)
    want = [_as_tuples(one.extract(t, rome_hint=h)) for t, h in ads]
    assert not [k for k, v in one.export_lines() if len(v) == 3]      # nothing marked: no line
    early = "- préparation des commandes"
    one.mark_recurring([hash(early)])
    lines = [(k, v) for k, v in one.export_lines() if len(v) == 3]
    assert lines and {k[0] for k, _ in lines} == {early}                # resolved before the mark
    assert one.export_lines() == []
    late = "Gestion des stocks et inventaires"
    one.mark_recurring([hash(late), hash(late)])
    one.extract(f"Vos missions :\n{late}")
    again = [k for k, v in one.export_lines() if len(v) == 3]
    assert [k[0] for k in again] == [late]                               # resolved after it
    two.import_lines(lines)
    assert [_as_tuples(two.extract(t, rome_hint=h)) for t, h in ads] == want


def test_the_parent_marks_a_line_text_read_a_second_time_once():
    from adequa.pipeline.annotate import _Workers

    pool = object.__new__(_Workers)         # no processes: only the reading side
    pool.seen_lines, pool.recurring, pool.marks = set(), set(), []
    pool._read([{"description": "a\nb"}, None, {"title": "t"}, {"description": "b\nc\nb"}])
    assert pool.marks == [hash("b")]
    pool._read([{"description": "a\nb"}, {"description": 3}])
    assert pool.marks == [hash("b"), hash("a")]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(list("abcéÉœŒ.,;:!?()-/+#'’ NETnetCÆßİ\tﬁΣσ_") + ["node.js", ".NET", "C++", "motivé.e",
                                                                                   "MOTIVÉ.E", "ΟΔΟΣ"]),
                max_size=40).map("".join))
def test_the_tokeniser_finds_the_words_and_breaks_of_spans(opts, text):
    from adequa.enrich.skills import SkillExtractor
    from adequa.enrich.skills_exact import _BREAK
    from adequa.normalise.text import spans

    ex = _EX.setdefault("ex", _fresh(opts))
    model = ex.c.langs["fr"]
    line = text.replace("\n", " ")
    from adequa.enrich.skills_exact import ExactMatcher

    for tokenise in (SkillExtractor._tokenise_reference, SkillExtractor._tokenise):
        toks, keys, brk, *_ = tokenise(ex, line, model, True)
        want = spans(line)
        assert toks == want
        assert keys == [model.keys.key(t[3]) for t in want]
        assert brk == [bool(i and _BREAK.search(line, want[i - 1][1], want[i][0])) for i in range(len(want))]
    # the fast tokeniser == the reference, prepared code string included (ranks mapped to tokens)
    for with_lemmas in (True, False):
        toks, keys, brk, seq, seq_tok, lemmas = SkillExtractor._tokenise_reference(ex, line, model, with_lemmas)
        assert len(lemmas) == (len(toks) if with_lemmas else 0) and seq.count("#") == sum(brk)
        text, key_idx = ExactMatcher.prepare(seq, model.codes)
        assert SkillExtractor._tokenise(ex, line, model, with_lemmas) == \
            (toks, keys, brk, lemmas, (text, [seq_tok[x] for x in key_idx]))


_EX: dict = {}


def test_two_workers_write_what_one_writes(tmp_path, opts):
    """Several chunks per worker, lines recurring across them: the lines a worker receives from
    the other must give the same output as analysing them itself."""
    from adequa.pipeline.annotate import annotate_file

    src = tmp_path / "ads.jsonl"
    with src.open("w", encoding="utf-8") as fh:
        for k, (text, _) in enumerate(_ads(900, seed=11)):
            fh.write(json.dumps({"id": str(k), "title": "Préparateur de commandes", "description": f"{text}\nRéf {k}"},
                                ensure_ascii=False) + "\n")
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    r1 = annotate_file(opts, src, one, workers=1)
    r2 = annotate_file(opts, src, two, workers=2)
    assert r2["workers"] == 2 and r1["ads"] == r2["ads"] == 900
    assert one.read_text(encoding="utf-8") == two.read_text(encoding="utf-8")
    assert r1["mentions"] > 0
