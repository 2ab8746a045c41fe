"""Synthetic job-ad sets, deterministic for a seed, built from the real France Travail offers.

``write_synthetic_dump(path, n, seed, fmt="jsonl"|"csv")``
    ``n`` offers in the France Travail API shape (JSONL: nested objects; CSV: the
    flattened export layout with dotted columns and Python-repr lists). Each
    offer takes its fields (ROME code, contract, salary, place, skills) from a
    real offer of the mirror and a description mixed from the sentences of
    three real offers, so texts are realistic yet distinct; ``dup_rate`` of
    them are reposts of an earlier offer (exact, reworded, reordered or moved
    to another town), as aggregated feeds are. Without the mirror, a small
    built-in pool of invented sentences is used.

``planted_duplicates(n_groups, seed)``
    (texts, true cluster labels, kinds) for measuring near-duplicate precision
    and recall: each group is a distinct real offer and 0–3 variants of it. Keep
    ``n_groups`` under the number of real offers (860) so that no two distinct
    ads start from the same offer.

``planted_personal_data(n, seed)``
    (texts with planted e-mails, French phone numbers in every usual layout
    and contact names, the planted items) for measuring personal-data recall.

The real data are read from ``ADEQUA_MIRROR`` (or ../shared/data) at run
time and never written into the repository.
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
from functools import lru_cache
from pathlib import Path

__all__ = ["write_synthetic_dump", "planted_duplicates", "planted_personal_data", "base_offers"]

_REPO = Path(__file__).resolve().parents[1]
_SENT = re.compile(r"(?<=[.!?;:])\s+|\n+")

_FALLBACK = [
    ("Data engineer (H/F)", "M1811", "Vous concevez des pipelines de données. Vous industrialisez les traitements en Python. "
     "Vous travaillez avec les équipes métier. Vous assurez la qualité des données."),
    ("Développeur web (H/F)", "M1805", "Vous développez des applications web. Vous participez aux revues de code. "
     "Vous maintenez les outils internes. Vous rédigez la documentation technique."),
    ("Vendeur en boulangerie (H/F)", "D1106", "Vous accueillez la clientèle. Vous mettez en valeur les produits. "
     "Vous tenez la caisse. Vous veillez à la propreté du magasin."),
    ("Aide-soignant (H/F)", "J1501", "Vous accompagnez les patients dans les gestes du quotidien. Vous participez aux "
     "transmissions. Vous travaillez en équipe pluridisciplinaire. Horaires en 12 heures."),
]
_TOWNS = [("76540", "76000", "76 - ROUEN"), ("14118", "14000", "14 - CAEN"), ("76351", "76600", "76 - LE HAVRE"),
          ("50129", "50100", "50 - CHERBOURG EN COTENTIN"), ("27229", "27000", "27 - EVREUX"),
          ("61001", "61000", "61 - ALENCON"), ("75056", "75001", "75 - PARIS"), ("69123", "69001", "69 - LYON"),
          ("33063", "33000", "33 - BORDEAUX"), ("59350", "59000", "59 - LILLE")]
_SYNONYMS = [("recherchons", "recrutons"), ("vous êtes", "vous serez"), ("équipe", "équipe dynamique"),
             ("missions", "tâches"), ("poste", "emploi"), ("entreprise", "société"), ("client", "partenaire"),
             ("expérience", "pratique"), ("rejoindre", "intégrer"), ("assurer", "garantir")]


def _mirror() -> Path | None:
    value = os.environ.get("ADEQUA_MIRROR")
    for c in ([Path(value)] if value else []) + [_REPO.parent / "shared" / "data"]:
        if (c / "offers" / "france-travail").is_dir():
            return c
    return None


@lru_cache(maxsize=2)
def base_offers(mirror: str | None = None) -> tuple[dict, ...]:
    """The distinct real offers (France Travail schema, nested), or the built-in pool."""
    root = Path(mirror) if mirror else _mirror()
    out, seen = [], set()
    if root is not None:
        from adequa.errors import InputError
        from adequa.normalise.values import parse_nested
        from adequa.sources.france_travail import looks_like_france_travail, read_dump

        for path in sorted((root / "offers" / "france-travail").glob("*offres*.csv")):
            for _, rec in read_dump(path):
                if not looks_like_france_travail(rec.keys()) or not rec.get("description"):
                    continue
                key = (rec.get("intitule"), rec["description"][:300])
                if key in seen:
                    continue
                seen.add(key)
                try:
                    for k in ("lieuTravail", "entreprise", "salaire", "competences", "contact"):
                        if isinstance(rec.get(k), str):
                            rec[k] = parse_nested(rec[k])
                except (ValueError, InputError):
                    continue
                out.append(rec)
    if not out:
        for i, (title, rome, text) in enumerate(_FALLBACK):
            commune, pc, label = _TOWNS[i]
            out.append({"id": f"BASE{i}", "intitule": title, "description": text, "romeCode": rome,
                        "typeContrat": "CDI", "lieuTravail": {"libelle": label, "codePostal": pc, "commune": commune}})
    return tuple(out)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT.split(text) if len(s.strip()) > 3]


_SENTENCE_CACHE: dict[int, list[str]] = {}


def _mix(rng: random.Random, pool: tuple[dict, ...], first: dict) -> str:
    parts = []
    for rec in (first, rng.choice(pool), rng.choice(pool)):
        sents = _SENTENCE_CACHE.get(id(rec))
        if sents is None:
            sents = _SENTENCE_CACHE[id(rec)] = _sentences(rec["description"])
        if sents:
            k = max(1, min(len(sents), rng.randint(2, 6)))
            start = rng.randrange(0, max(1, len(sents) - k + 1))
            parts.extend(sents[start: start + k])
    return " ".join(parts) + f" Réf. {rng.randrange(10**6):06d}."


def reword(text: str, rng: random.Random) -> str:
    """A repost written again: a few synonyms, one sentence dropped or added."""
    for a, b in rng.sample(_SYNONYMS, 4):
        text = text.replace(a, b)
    sents = _sentences(text)
    if len(sents) > 4:
        del sents[rng.randrange(len(sents))]
    return " ".join(sents) + rng.choice(["", " Poste à pourvoir rapidement.", " Candidatures en ligne."])


def reorder(text: str, rng: random.Random) -> str:
    sents = _sentences(text)
    rng.shuffle(sents)
    return " ".join(sents)


def relocate(rec: dict, rng: random.Random) -> dict:
    commune, pc, label = rng.choice(_TOWNS)
    old = (rec.get("lieuTravail") or {}).get("libelle", "")
    town = label.split(" - ", 1)[1].title()
    old_town = old.split(" - ", 1)[1].title() if " - " in old else None
    desc = rec["description"].replace(old_town, town) if old_town else rec["description"]
    return rec | {"lieuTravail": {"libelle": label, "codePostal": pc, "commune": commune}, "description": desc}


def _synthetic(n: int, seed: int, dup_rate: float):
    rng = random.Random(seed)
    pool = base_offers()
    made: list[dict] = []
    for i in range(n):
        if made and rng.random() < dup_rate:
            src = made[rng.randrange(max(0, len(made) - 5000), len(made))]    # reposts come soon after
            kind = rng.choice(("exact", "reworded", "reordered", "relocated"))
            rec = dict(src)
            if kind == "reworded":
                rec["description"] = reword(rec["description"], rng)
            elif kind == "reordered":
                rec["description"] = reorder(rec["description"], rng)
            elif kind == "relocated":
                rec = relocate(rec, rng)
        else:
            base = rng.choice(pool)
            rec = {k: v for k, v in base.items() if v not in (None, "")}
            rec["description"] = _mix(rng, pool, base)
            if rng.random() < 0.5:
                rec = relocate(rec, rng)
        day = rng.randrange(0, 365)
        rec["id"] = f"S{seed}-{i:08d}"
        rec["dateCreation"] = f"2024-{1 + day // 31 % 12:02d}-{1 + day % 28:02d}T{rng.randrange(24):02d}:00:00.000Z"
        made.append(rec) if len(made) < 5000 or rng.random() < 0.2 else None
        if len(made) > 20000:
            del made[:10000]
        yield rec


def _flat(rec: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in rec.items():
        if isinstance(v, dict):
            out.update(_flat(v, prefix + k + "."))
        elif isinstance(v, list):
            out[prefix + k] = repr(v)
        else:
            out[prefix + k] = v
    return out


_CSV_COLUMNS = ["id", "intitule", "description", "dateCreation", "dateActualisation", "romeCode", "romeLibelle",
                "appellationlibelle", "typeContrat", "typeContratLibelle", "natureContrat", "experienceExige",
                "experienceLibelle", "competences", "dureeTravailLibelle", "dureeTravailLibelleConverti", "alternance",
                "nombrePostes", "qualificationCode", "qualificationLibelle", "codeNAF", "secteurActiviteLibelle",
                "lieuTravail.libelle", "lieuTravail.latitude", "lieuTravail.longitude", "lieuTravail.codePostal",
                "lieuTravail.commune", "entreprise.nom", "salaire.libelle", "salaire.commentaire", "contact.nom",
                "contact.courriel", "contact.coordonnees1", "origineOffre.urlOrigine"]


def write_synthetic_dump(path: str | Path, n: int, seed: int = 0, fmt: str = "jsonl", *, dup_rate: float = 0.3) -> Path:
    """Write ``n`` synthetic France Travail offers to ``path`` (JSONL or flattened CSV); deterministic."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "jsonl":
        with open(path, "w", encoding="utf-8") as fh:
            for rec in _synthetic(n, seed, dup_rate):
                fh.write(json.dumps(rec, ensure_ascii=False))
                fh.write("\n")
    elif fmt == "csv":
        with open(path, "w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=_CSV_COLUMNS, extrasaction="ignore")
            w.writeheader()
            for rec in _synthetic(n, seed, dup_rate):
                w.writerow(_flat(rec))
    else:
        raise ValueError("fmt must be jsonl or csv")
    return path


# -- planted sets ---------------------------------------------------------------------
def planted_duplicates(n_groups: int, seed: int = 1) -> tuple[list[str], list[int], list[str]]:
    """Texts (title + description), their true cluster and how each was made."""
    rng = random.Random(seed)
    pool = base_offers()
    texts, labels, kinds = [], [], []
    order = list(range(len(pool)))
    rng.shuffle(order)
    for g in range(n_groups):
        base = pool[order[g % len(pool)]]            # distinct jobs start from distinct offers while the pool lasts
        rec = {"description": base["description"], "lieuTravail": base.get("lieuTravail") or {},
               "intitule": base.get("intitule", "")}
        texts.append(f"{rec['intitule']}\n{rec['description']}")
        labels.append(g)
        kinds.append("original")
        for _ in range(rng.choice((0, 0, 1, 2, 3))):
            kind = rng.choice(("exact", "reworded", "reordered", "relocated"))
            desc = rec["description"]
            if kind == "reworded":
                desc = reword(desc, rng)
            elif kind == "reordered":
                desc = reorder(desc, rng)
            elif kind == "relocated":
                desc = relocate(rec, rng)["description"]
            texts.append(f"{rec['intitule']}\n{desc}")
            labels.append(g)
            kinds.append(kind)
    order = list(range(len(texts)))
    rng.shuffle(order)
    return [texts[i] for i in order], [labels[i] for i in order], [kinds[i] for i in order]


_FIRST = ["Julie", "Marc", "Sophie", "Jean-Pierre", "Camille", "Nicolas", "Fatima", "Kevin", "Anne-Laure", "Mehdi",
          "Claire", "Thomas", "Léa", "François", "Inès", "Hugo"]
_LAST = ["Durand", "MARTIN", "Lefèvre", "Bernard", "MOREAU", "Petit", "Nguyen", "Da Silva", "Roux", "Benali",
         "Fournier", "GIRARD", "Lambert", "Bonnet", "Mercier", "Faure"]
_DOMAINS = ["exemple.fr", "recrut-normandie.com", "groupe-exemple.co.uk", "mairie-exemple.fr", "sante.exemple.org"]


def _phone(rng: random.Random) -> str:
    d = [rng.choice("67") if rng.random() < 0.6 else rng.choice("123459")] + [f"{rng.randrange(100):02d}" for _ in range(4)]
    layouts = [
        lambda: "0" + d[0] + " " + " ".join(d[1:]), lambda: "0" + d[0] + "." + ".".join(d[1:]),
        lambda: "0" + d[0] + "-" + "-".join(d[1:]), lambda: "0" + d[0] + "".join(d[1:]),
        lambda: "+33 " + d[0] + " " + " ".join(d[1:]), lambda: "+33 (0)" + d[0] + " " + " ".join(d[1:]),
        lambda: "0033 " + d[0] + " " + " ".join(d[1:]), lambda: "+33" + d[0] + "".join(d[1:]),
        lambda: "0" + d[0] + "/" + "/".join(d[1:]), lambda: "+33." + d[0] + "." + ".".join(d[1:]),
    ]
    return rng.choice(layouts)()


def _email(rng: random.Random, first: str, last: str) -> str:
    local = rng.choice([f"{first}.{last}", f"{first[0]}{last}", "recrutement", "rh", f"{last}.{first}", "emploi+ref"])
    local = re.sub(r"[^A-Za-z.+]", "", local.replace("é", "e").replace("è", "e").replace("ç", "c")).lower() or "rh"
    domain = rng.choice(_DOMAINS)
    style = rng.random()
    if style < 0.85:
        return f"{local}@{domain}"
    if style < 0.93:
        return f"{local} [at] {domain}"
    return f"{local} (at) {domain.replace('.', ' (dot) ')}"


def planted_personal_data(n: int, seed: int = 2) -> tuple[list[str], list[dict]]:
    """Descriptions with planted e-mails, phones and names; the planted items of each."""
    rng = random.Random(seed)
    pool = base_offers()
    texts, planted = [], []
    for _ in range(n):
        base = rng.choice(pool)
        sents = _sentences(_mix(rng, pool, base))
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        items = {"email": [], "phone": [], "name": []}
        inserts = []
        if rng.random() < 0.7:
            e = _email(rng, first, last)
            items["email"].append(e)
            inserts.append(rng.choice([f"Envoyez votre CV à {e}.", f"Candidature : {e}", f"Contact mail {e} pour postuler."]))
        if rng.random() < 0.7:
            p = _phone(rng)
            items["phone"].append(p)
            inserts.append(rng.choice([f"Tél : {p}.", f"Appelez le {p} du lundi au vendredi.", f"Renseignements au {p}"]))
        if rng.random() < 0.6:
            name = f"{first} {last}"
            items["name"].append(last)
            inserts.append(rng.choice([f"Contactez {name} pour plus d'informations.",
                                       f"Votre interlocuteur : {name}.", f"Candidature auprès de Mme {last}.",
                                       f"CV à l'attention de M. {name}."]))
        for ins in inserts:
            sents.insert(rng.randrange(len(sents) + 1), ins)
        texts.append(" ".join(sents))
        planted.append(items)
    return texts, planted
