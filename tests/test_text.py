"""adequa.normalise.text: folding, tokens with offsets into the original string, escape masking."""

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
