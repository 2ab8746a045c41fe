from adequa.normalise.clean import clean_text, detect_language, fix_mojibake, fold, strip_html


def test_html_is_stripped_keeping_structure():
    out = clean_text("<p>Missions&nbsp;:</p><ul><li>Python</li><li>SQL &amp; Spark</li></ul>")
    assert out == "Missions :\n\n- Python\n- SQL & Spark" or out.splitlines()[0] == "Missions :"
    assert "<" not in out and "&amp;" not in out and "- SQL & Spark" in out


def test_text_that_only_looks_like_html_is_kept():
    assert strip_html("salaire < 2000 & primes") == "salaire < 2000 & primes"


def test_whitespace_and_unicode_normalised():
    text = "Poste\u00a0:  de\u0301veloppeur\r\n\r\n\r\n\r\nà   Caen\u200b  "
    assert clean_text(text) == "Poste : développeur\n\nà Caen"


def test_mojibake_repaired():
    assert fix_mojibake("DÃ©veloppeur expÃ©rimentÃ©") == "Développeur expérimenté"
    assert fix_mojibake("Développeur") == "Développeur"


def test_empty_values_are_none():
    assert clean_text("") is None and clean_text(None) is None and clean_text("   ") is None


def test_fold():
    assert fold("Saint-Lô") == "SAINT LO"
    assert fold("L' Abergement-Clémenciat") == "L ABERGEMENT CLEMENCIAT"


def test_language():
    assert detect_language("Nous recherchons un développeur pour notre équipe, vous serez en charge de la maintenance") == "fr"
    assert detect_language("We are looking for a data engineer to join our team and build the pipelines") == "en"
    assert detect_language("Python SQL") is None
