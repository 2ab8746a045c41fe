"""adequa.normalise.text: folding, tokens with offsets into the original string, escape masking."""

import html

from hypothesis import given, settings
from hypothesis import strategies as st

from adequa.normalise.text import fold, guess_lang, lemma, mask_escapes, spans, tokenize


def test_fold_strips_accents_and_ligatures():
    assert fold("Électricité") == "electricite"
    assert fold("Œuvre") == "oeuvre"
    assert fold("l’équipe") == "l'equipe"


def test_tokens_point_back_into_the_original():
    text = "Maîtrise de C++, C#, Node.js et Power BI ; rigoureux.se"
    toks = tokenize(text)
    assert [t.text for t in toks] == ["Maîtrise", "de", "C++", "C#", "Node.js", "et", "Power", "BI", "rigoureux", "se"]
    for t in toks:
        assert text[t.start:t.end] == t.text


def test_lemma_maps_conjugations_and_plurals():
    assert lemma("préparerez") == "preparer"
    assert lemma("commandes") == "commande"


def test_mask_escapes_keeps_length_and_turns_literals_into_breaks():
    raw = "Missions :/r/n- Lire un plan\\nProfil"
    masked = mask_escapes(raw)
    assert len(masked) == len(raw)
    assert "/r/n" not in masked and "\\n" not in masked
    assert [t[2] for t in spans(masked)] == ["missions", "lire", "un", "plan", "profil"]
    assert mask_escapes("PL/SQL et H/F") == "PL/SQL et H/F"


def test_guess_lang():
    assert guess_lang("You will work with the team and our clients on data pipelines") == "en"
    assert guess_lang("Vous travaillerez avec les équipes pour la préparation des commandes") == "fr"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_offsets_always_valid(text):
    masked = mask_escapes(text)
    assert len(masked) == len(text)
    for s, e, norm, low in spans(masked):
        assert 0 <= s < e <= len(text)
        assert text[s:e].lower() == low and len(norm) == len(low) and fold(norm) == fold(low)


def test_html_readable_decodes_entities_and_tags_and_maps_each_character_back():
    from adequa.normalise.text import html_readable

    text = "Lead &lt;br /&gt;Vous ma&icirc;trisez<ul><li>SQL &amp; Python</li></ul>l&#39;&eacute;quipe"
    got, starts, ends = html_readable(text)
    assert got == "Lead \nVous maîtrisez\n\n- SQL & Python\n\nl'équipe"
    assert len(starts) == len(ends) == len(got)
    i = got.index("î")
    assert text[starts[i]:ends[i]] == "&icirc;"
    s = got.index("SQL & Python")
    e = s + len("SQL & Python")
    assert text[starts[s]:ends[e - 1]] == "SQL &amp; Python"
    # text that only looks like HTML is left alone
    assert html_readable("moins de 5 ans < 10 & plus, R&D") is None
    assert html_readable("rien à lire") is None


@given(st.lists(st.sampled_from(["a", "é", " ", "\n", "&amp;", "&icirc;", "&#39;", "&#xa0;", "&foo;", "<br>",
                                 "&lt;br /&gt;", "<b>", "</b>", "<li>", "<", ">", "&"]), max_size=30))
def test_html_readable_maps_every_character_to_where_it_was_read(parts):
    from adequa.normalise.text import html_readable

    text = "".join(parts)
    got = html_readable(text)
    if got is None:
        return
    out, starts, ends = got
    assert len(starts) == len(ends) == len(out)
    for i, c in enumerate(out):
        src = text[starts[i]:ends[i]]
        # a character is itself, or the decoded entity / tag it was read from
        assert src == c or html.unescape(src).replace("<br>", "\n") != src or src.startswith(("<", "&lt;"))
        assert starts[i] < ends[i] and (i == 0 or starts[i] >= starts[i - 1])


_MARKUP = ["/", "\\", "r", "n", "t", "R", "N", " ", "\n", "a", "é", "<", ">", "&", "lt;", "gt;", "br", "li", "/r/n",
           "\\n", "&amp;", "&#39;", "&lt;br /&gt;", "<b>", "</li>", "p"]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(_MARKUP), max_size=20))
def test_escapes_and_html_found_where_their_first_character_stands(parts):
    """``mask_escapes`` and ``html_readable`` try their patterns only at a '/' or '\\' before 'r', 'n'
    or 't', and at a '<' or '&': the same result as the regex engine scanning every position."""
    from adequa.normalise.text import _ESCAPES, _HTML_BITS, _matches_at

    text = "".join(parts)
    assert mask_escapes(text) == _ESCAPES.sub(lambda m: "\n" * len(m.group()), text)
    assert [m.span() for m in _matches_at(text, _HTML_BITS.match, "<", "&")] == \
        [m.span() for m in _HTML_BITS.finditer(text)]
    assert [m.span() for m in _matches_at(text, _ESCAPES.match, "/", "\\", "rnt")] == \
        [m.span() for m in _ESCAPES.finditer(text)]
    assert all(text[m.start()] in "<&" for m in _HTML_BITS.finditer(text))
    assert all(text[m.start()] in "/\\" and text[m.start() + 1] in "rnt" for m in _ESCAPES.finditer(text))


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=20))
def test_an_ascii_word_folds_to_its_lower_case(word):
    """``KeyMaker._key`` folds an ASCII word by ``str.lower`` alone (no ``fold`` look-up)."""
    assert fold(word) == word.lower()
