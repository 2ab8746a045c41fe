"""Personal data is removed from ad text and counted; every usual phone layout is caught."""

import pytest

from adequa.enrich.personal_data import scrub, scrub_fields

PHONES = ["06 12 34 56 78", "06.12.34.56.78", "06-12-34-56-78", "0612345678", "+33 6 12 34 56 78",
          "+33 (0)6 12 34 56 78", "0033 6 12 34 56 78", "+33612345678", "02 35 12 34 56", "09.70.12.34.56",
          "0 800 12 34 56", "+33 1 23 45 67 89", "06/12/34/56/78"]
EMAILS = ["julie.durand@exemple.fr", "RH-Normandie@groupe-exemple.com", "contact+emploi@exemple.co.uk",
          "prenom.nom [at] exemple.fr", "jean (at) exemple (dot) org", "candidatures@sub.domaine-exemple.fr"]


@pytest.mark.parametrize("phone", PHONES)
def test_every_phone_layout(phone):
    text, counts = scrub(f"Pour postuler appelez le {phone} avant vendredi.")
    assert phone not in text and "[téléphone]" in text and counts["phone"] == 1


@pytest.mark.parametrize("email", EMAILS)
def test_emails(email):
    text, counts = scrub(f"Envoyez votre CV à {email}, merci.")
    assert "[email]" in text and counts["email"] == 1
    assert email.split("@")[0].split(" ")[0] not in text


@pytest.mark.parametrize("sentence, name", [
    ("Contactez Julie DURAND pour plus d'informations.", "DURAND"),
    ("Votre interlocuteur : Marc Lefèvre, responsable.", "Lefèvre"),
    ("Candidature auprès de Mme Sophie Bernard.", "Bernard"),
    ("Adressez-vous à M. Martin.", "Martin"),
    ("CV à l'attention de Jean-Pierre MOREAU", "MOREAU"),
])
def test_names_after_civility_or_contact_words(sentence, name):
    text, counts = scrub(sentence)
    assert name not in text and counts["name"] >= 1


def test_contact_names_from_the_ad_fields_are_removed_everywhere():
    text, counts = scrub("Alain Martinez vous recevra. Demandez Martinez à l'accueil.",
                         names=["FLUNCH - M. Alain MARTINEZ"])
    assert "Martinez" not in text and counts["name"] == 2


def test_ordinary_text_is_left_alone():
    text = ("Salaire de 2500.00 euros, 35H par semaine, poste basé à Rouen (76000). Référence 2024-03-01. "
            "Maîtrise de Python et SQL. Le Manager vous formera. Nous contacter via le site.")
    out, counts = scrub(text)
    assert out == text and sum(counts.values()) == 0


def test_fields_dropped_whole_are_counted():
    assert scrub_fields(["FLUNCH - M. Alain MARTINEZ", "rh@flunch-exemple.fr", "0612345678",
                         "Pour postuler, utiliser le lien suivant : https://exemple.fr/o/1", None]) == 3
