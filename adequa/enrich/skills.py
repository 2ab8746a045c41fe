"""Skill mentions in job-ad text: spans with exact offsets, linked to ROME 4.0 and ESCO.

How one text is read (``SkillExtractor.extract``):

1. literal escape sequences ("/r/n", "\\n") are masked with same-length whitespace; the
   text is cut into segments (lines, bullets, sentences) classed as job content or
   boilerplate (company, offer, apply, diversity) — see ``segment``;
2. *exact pass*: the curated lexicon (tools, acronyms, languages, certifications, soft
   skills) and every taxonomy label are matched at once on matching keys (lemmas,
   accents folded, verb/noun alternations, determiners skipped) — see ``skills_exact``;
3. *candidate pass*: in job segments, list items and clauses are cut at punctuation and
   coordinations, stripped of framing words ("vous serez chargé de", "maîtrise de"), and
   the remaining phrase is linked to the closest label (``skills_semantic``), ROME first,
   then ESCO; a phrase that looks like a task but is close to nothing is kept as
   ``unlisted``;
4. overlaps are resolved (curated > long exact > candidate) and offsets are mapped back
   to the original string, so ``text[m.start:m.end] == m.text`` always holds.
"""

from __future__ import annotations

import re
from json import dumps as _dumps
from math import isfinite as _isfinite
from json.encoder import encode_basestring as _encode_str

from adequa.enrich._native import kernel
from adequa.enrich.lexical import LIGHT_VERBS
from adequa.enrich.skills_build import Compiled
from adequa.enrich.skills_exact import BARRIER, _BREAK, UNKNOWN, ExactMatcher
from adequa.model import SkillMention
from adequa.normalise.text import _FOLD_1TO1, _WORD, fold, html_readable, mask_escapes

# Clause openers: a candidate is cut before them once it has content.
_CLAUSE = frozenset("afin pour selon lors dont qui que conformement tout car mais avec sans aupres grace chez "
                    "notamment via dans sous comme sein cas maniere lie liee lies liees concernant relatif relative "
                    "relatifs relatives ainsi etc sur repondant visant incluant comprenant".split())
_CAPACITY = frozenset("capacite capacites aptitude aptitudes qualite qualites faculte facultes".split())
_FIELD_HEAD = frozenset("secteur domaine".split())
# "vous maîtrisez les normes comptables", "une bonne connaissance du droit": knowledge asked for
_ASKED_KNOWLEDGE = frozenset("maitriser maitrise connaitre connaissance connaissances notion notions".split())
# a new clause, a manner, "maîtrise d'œuvre / d'ouvrage" (a role): not the thing known
_NOT_KNOWLEDGE = frozenset("vous nous bien tel telle tels telles oeuvre œuvre ouvrage alors".split())
# alone, these name no knowledge ("la maîtrise de l'outil", "des connaissances techniques")
# Words that end no phrase grown past its label ("chariots élévateurs type", "une équipe plus")
_GROW_STOP = frozenset("plus moins type niveau sein cadre ensemble exemple minimum maximum cas".split())
# Keys of objects that make no skill of a task by themselves ("relever le défi", "effectuer d'autres
# tâches annexes", "réaliser les missions suivantes", "accompagner notre croissance", "mener à bien les
# missions de ce poste"): an unlisted phrase made of a verb and only these is no mention (§4)
_VAGUE_TASK = frozenset("""defi challenge aventure croissance mission tache suivant annexe autre divers confier poste
    bien varier quotidien ensemble notamment principalement""".split())
# but organising them is a skill: "répartition des tâches", "planifier les missions", "étude de postes"
_ORGANISING = frozenset("""repartir repartition distribuer distribution organiser organisation planifier planification
    affecter affectation etudier etude preparer preparation coordonner coordination definir definition
    prioriser priorisation""".split())
_VAGUE = frozenset("outil outils logiciel logiciels technique techniques produit produits metier metiers base bases "
                   "domaine domaines territoire".split())
_HOW_WELL = frozenset("""approfondi approfondie approfondis approfondies parfait parfaite parfaitement impeccable
    specifique specifiques fondamental fondamentale fondamentaux fondamentales avance avancee avances avancees
    pousse poussee pousses poussees solide solides bon bonne bons bonnes basique basiques general generale
    generaux generales imperativement egalement notamment reelle reel certaine certaines minimum
    indispensable indispensables necessaire necessaires obligatoire souhaitee souhaite appreciee apprecie
    detaille detaillee detailles detaillees""".split())
_KNOWLEDGE = frozenset("experience experiences connaissance connaissances maitrise notion notions".split())
# "souhaité", "exigé", "apprécié": how much a skill is wanted, not part of it (compared on keys)
_REQUIRED = frozenset("souhaiter exiger apprecier requis indispensable necessaire imperatif obligatoire demander".split())
_POSSESSIVE = frozenset("tes vos ses leurs nos son sa ton ta mes votre notre leur".split())
_COORD = frozenset("et ou".split())
_DETERMINER = frozenset("le la les l un une des du de d".split())
_OPENER = frozenset("le la les l de d du des a au aux en".split())
# function words a candidate does not end on (``_trim``)
_TRAILING = frozenset("de des du d la le les l en a au aux un une et sur par pour dans avec son sa ses leur leurs".split())
_OPENER_NOT_COORD = _OPENER - _COORD
_LIST_SEP = re.compile(r"[,;:\n()•\-–*/]|^\s*$")
_SOFT_CONTEXT = frozenset("environnement equipe equipes entreprise societe poste postes structure groupe ambiance cadre "
                          "secteur startup agence marche activite activites service mission missions job emploi contrat "
                          "vehicule site magasin atelier restaurant cuisine travail".split())
_NOT_SKILL_HEAD = frozenset("""poste postes contrat salaire remuneration entreprise societe groupe equipe client clients
    candidat candidature profil personne collaborateur collaboratrice h f cdi cdd heure heures semaine mois an ans annee
    jour jours lundi vendredi samedi dimanche horaire horaires mission missions role fonction objectif objectifs
    environnement cadre responsabilite rattache rattachement sein direction manager responsable titulaire amplitude
    preference moins plus besoin raison lequel laquelle domaine secteur ensemble cas mais aussi si entre selon type
    exemple minimum maximum idealement possibilite opportunite poste condition conditions temps
    prime primes mutuelle indemnite indemnites avantage avantages ticket tickets interessement indemnisation
    tarif tarifs cheque cheques actionnariat epargne conge conges rtt cse pas aucun aucune oeuvre""".split())
# after a number, a duration or a period: "3 ans d'expérience", "au moins 2 ans", "35 heures" (EVALUATION.md §4)
_DURATION = frozenset("an ans annee annees mois semaine semaines jour jours heure heures h".split())

_DIPLOMA = frozenset("""bac bts dut but cap bep licence master mastere diplome diplomer doctorat titre certification
    certifications formation formations niveau ingenieur cqp bpjeps deust iut ecole universite""".split())
_COPULA = frozenset("etre avoir devoir pouvoir constituer permettre".split())

# Quantifiers and evaluative adjectives: part of a span, but no help in telling which label it is
# ("négocie tous les contrats" is "Négocier un contrat", not a label about "tous").
_LINK_NOISE = frozenset("""tout different divers autre plusieurs nombreux certain certains bon excellent solide parfait
    tres quotidien concret nouvelle nouveau principal large vaste ensemble chaque quelque meilleur""".split())
_DEFINITE = frozenset("le la les l".split())
_LANGUAGE_WORD = frozenset("langue langues".split())
_LEVEL = frozenset("courant courante bilingue technique professionnel operationnel natif maternelle a1 a2 b1 b2 c1 c2".split())
_LANGUAGE_BASE = frozenset("francais anglais portugais neerlandais chinois japonais russe arabe".split())
# what may stand before a language named as a requirement ("pratique de l'anglais", "niveau B2 anglais")
_LANGUAGE_CONTEXT = frozenset("""maitrise maitriser pratique pratiquer niveau parler ecrit oral lu parle courant
    bilingue notion connaissance connaissances anglais francais allemand espagnol italien professeur enseignement
    licence cours b1 b2 c1 c2 a2 toeic""".split())
# verbs that with a place or a setting say where the work is done, not what it is
_SETTING_VERBS = frozenset("intervenir travailler exercer evoluer".split())
_SETTING_WORDS = frozenset("sur dans au aux chez aupres pour sein".split())
# a conjunct opening with these is no shared object: a new clause ("et vous …"), another item ("et autres …")
_NOT_CONJUNCT = frozenset("je j tu il elle on nous vous ils elles autre autres".split())
_ELIDED = ("", "'", "’")      # between a determiner and its noun: a space, or an elision ("l'", "d'")
_WORD_JOINERS = frozenset("-‐–'’/&+_@")     # after a word, what goes on with the same phrase
_OBJECT_DET = frozenset("de des du d le la les l un une son sa ses leur leurs vos nos votre notre ce cet cette ces".split())
_CODE_WORDS = frozenset("cat categorie categories categ".split())
# the gender pair of a job title: "Technicien de maintenance H/F", "(F/H)", "h/f/x"
_GENDER_PAIR = re.compile(r"[\s(]*\b(?:H\s?/\s?F|F\s?/\s?H)\b", re.I)
# a word in lower case or with a capital first letter only ("pratiquez", "Respecter"; not "J2EE", "3D")
_PLAIN_WORD = re.compile(r"[^\W\d_][^\W\d_A-Z]*")
# "recherche un …", "recrutons plusieurs …": read on the words as written ("des" has the lemma "un")
_RECRUITS = frozenset("recherche recherchons recherchent cherche cherchons recrute recrutons recrutent".split())
_RECRUITED = frozenset("un une son sa ses plusieurs notre nos votre".split())
# "adapté" read by its lemma is "s'adapter" (a quality); written so, it says a thing is suitable
_SUITABLE = frozenset("adapte adaptee adaptes adaptees".split())
# nouns after which a plural adjective names the person's qualities: "compétences relationnelles"
_CAPACITIES = frozenset("competences capacites aptitudes qualites facilites dispositions".split())
# a quality whose key is also a verb's: only these written forms are the quality
_QUALITY_FORMS = {"integrer": frozenset(("integre", "integres"))}
# "vous a permis de", "nous ont permis": forms of avoir before the past participle of permettre
_AVOIR = frozenset("a as ai ont avons avez avait avaient aura auront aurait auraient".split())
_LICENCE_LABEL = re.compile(r"Permis de conduire (?:catégorie )?([A-Z][A-Z0-9]{0,2})$")
# how ads also write a category: "permis EB" (BE), "EC" (CE), "PL" / "poids (lourd)" (C), "SPL" (CE)
_LICENCE_ALIASES = {"eb": "be", "ec": "ce", "pl": "c", "poids": "c", "spl": "ce", "remorque": "be", "vl": "b"}
_LICENCE_WORDS = frozenset(("poids", "remorque"))
_THING_DET = frozenset("en nos notre leur leurs la le les cet cette son sa ses ces des du au aux".split())
_ARTICLE = frozenset("la le".split())
# verbs of having or liking a quality: after them "la"/"le" + a quality word is the person's quality
_HAVING = frozenset("avoir aimer accepter apprecier posseder demontrer montrer disposer".split())
# qualities that are also common nouns in ads ("le patient", "dossier patient")
_NOUN_TOO = frozenset("patient patiente patients".split())

_MISSING = object()
# A word exactly as ``normalise.text.spans`` finds it (group 1), or a punctuation mark that breaks
# matches (``skills_exact._BREAK``): one regex pass gives the tokens and the barriers between them.
_TOKEN_OR_BREAK = re.compile("(" + _WORD.pattern + ")|" + _BREAK.pattern)
_lexer = kernel("_lexer_fast")   # ``_tokenise`` and ``_lexed`` in C, or None (not built, ADEQUA_PURE_PYTHON=1)
# ``_candidates`` and ``_token_classes`` over C arrays, or None (not built, ADEQUA_PURE_PYTHON=1); it reads the
# word lists above as bits, in the order of its N_ and K_ flags
_planner = kernel("_planner_fast")
if _planner is not None:
    _planner.configure((_COORD, _CLAUSE, _TRAILING, _HOW_WELL, _NOT_KNOWLEDGE, _NOT_SKILL_HEAD, _DIPLOMA, _POSSESSIVE,
                        _DURATION, _VAGUE, _SETTING_WORDS, _RECRUITS, _RECRUITED),
                       (_KNOWLEDGE, _ASKED_KNOWLEDGE, LIGHT_VERBS, _COPULA, _REQUIRED, _NOT_SKILL_HEAD, _DIPLOMA,
                        _FIELD_HEAD, _SETTING_VERBS, _LINK_NOISE))


def _copy(m: SkillMention) -> SkillMention:
    """A shallow copy (callers may change the mentions they get; the memo keeps its own)."""
    new = object.__new__(SkillMention)
    new.__dict__.update(m.__dict__)
    return new


TEXT_MEMO = 5_000       # distinct texts remembered (whole descriptions; cleared when full)
LINE_PLANS = 5_000      # distinct lines whose hint-independent analysis is remembered (~3 KB each)
LINE_MEMO = 100_000     # distinct (line, section) whose mentions are remembered (~0.5 KB each)
CANDIDATE_MEMO = 300_000  # remembered candidate rankings, links and word-order swaps (each memo)
LINE_LEX = 30_000       # distinct lines whose tokens and label matches are remembered (any section)
WORD_FORMS = 500_000    # distinct words whose lower / folded / key / lemma forms are remembered
T_ROME = 0.62
T_ESCO = 0.70
T_WEAK = 0.45
T_SWAP = 0.70
FICHE_BONUS = 0.1
T_SINGLE = 0.95
T_UNLISTED = 0.0
T_FICHE = 0.55
# Gender marks glued to a word stay in the span: "rigoureux(se)", "motivé.e", "organisé/e".
_MARK_AFTER_SPACE = ("(", "-")     # what a gender mark opening with a space goes on with
_GENDER = re.compile(r"\s?\((?:e|se|euse|ve|ne|le|te|trice|rice|ère|ice|es)\)|\.(?:e|es|se|ve|ne|le|euse|rice|trice|ère|ive)\b|/(?:e|se|euse|ve|ne)\b|\s?-(?:e|se|ive|euse)\b")


def _vague_task(content: tuple, keys: list) -> bool:
    """The content words after the first (a verb, or a vague word itself) are all vague objects
    (``_VAGUE_TASK``): "relever le défi", "missions suivantes"."""
    if keys[content[0]] in _ORGANISING:
        return False
    for x in content[1:]:
        if keys[x] not in _VAGUE_TASK:
            return False
    return len(content) >= 2 or keys[content[0]] in _VAGUE_TASK


# An unlisted phrase opening on who or where the work is done with, not on what is done (§4):
# "les acteurs de l'industrie", "chaque collaborateur", "une ambiance conviviale", "des perspectives
# d'évolution", "un centre de formation", "en cabinet comptable", "du point de vue technique"
_NOT_TASK_HEAD = frozenset("""acteur acteurs prestataire prestataires partenaire partenaires collaborateur collaborateurs
    collaboratrice collaboratrices ambiance perspective perspectives centre cabinet etablissement plaisir""".split())
# "vous intégrez l'équipe BI", "vous intégrerez le service", "vous trouverez l'aéronautique", "vous
# bénéficiez d'une expérience réussie": the reader joins or gets something (an infinitive stays a task:
# "intégrer les maquettes")
_JOINING = frozenset("integrer rejoindre trouver beneficier evoluer decouvrir profiter epanouir".split())
_SECOND_PERSON = ("ez", "ras", "es", "ns")
_OBJECT_PRONOUN = frozenset("vous te t".split())
# a phrase opening on these says when, where or for whom, not what ("afin de …" may name the task)
_CIRCUMSTANCE = frozenset("durant pendant via parmi malgre lors depuis vers envers jusqu outre hormis selon chez aupres "
                          "grace".split())
# benefits (what the job gives, §4), and pairs of words that name one
_BENEFIT = frozenset("mutuelle navigo teletravail rtt interessement".split())
_BENEFIT_BEFORE = {"restaurant": frozenset(("d", "entreprise")), "comite": frozenset(("d", "entreprise")),
                   "ticket": frozenset(("restaurant", "resto")), "tickets": frozenset(("restaurant", "resto")),
                   "titre": frozenset(("restaurant",)), "titres": frozenset(("restaurant",))}
# after "en", a manner, not a task: "en collaboration avec le chef", "en lien avec les équipes", "en
# cohérence avec la politique", "en fonction des besoins", "en raison de …", "en tant qu'expert"
_MANNER_HEAD = frozenset("""collaboration lien liaison relation coordination cooperation concertation synergie
    partenariat binome contact coherence adequation accord fonction raison tant""".split())
_EACH = frozenset("chaque tout tous toute toutes".split())
# "l'agence, qui se situe …", "l'infrastructure, qui supporte nos produits": the verb of a relative
# clause says what something else does ("dont" may open a list's example: kept)
_RELATIVE = frozenset("qui que qu".split())
_RELATIVE_GAP = frozenset("se s vous nous".split())
_NOT_RELATIVE = frozenset("ainsi alors bien tant meme plus moins autant tandis".split())    # "ainsi que", "alors que"
_CLIENT = frozenset("client clients clientele".split())
# a postal address: "12 rue des Lilas", "29600 Morlaix"
_ADDRESS = re.compile(r"(?i:\b\d+(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|av|bd|boulevard|all[ée]e|chemin|impasse|place"
                      r"|route|quai|cours)\b)|\b\d{5}\s+[A-Z]")
# a question on the reader's wishes is a hook, not the job: "Vous souhaitez apprendre un métier ?",
# "Prêt(e) à relever le défi ?", "Vous vous reconnaissez dans ce profil ?" (a question on what the
# reader likes or masters lists skills: "Vous aimez préparer les chantiers ?" is kept)
_WISH = frozenset("""souhaitez souhaites souhaite souhaiteriez souhaitiez veux voulez voudriez voudrais envie pret prete prets
    pretes recherchez recherches cherchez cherches aspirez aspires revez reves reconnaissez reconnais pensez penses
    tente tentes tentee""".split())
_DIGIT = re.compile(r"\d")
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|[:;]")


def _benefit(toks, i: int, j: int) -> bool:
    """A benefit named in the phrase (§4): "couverture mutuelle", "carte navigo", "restaurant
    d'entreprise", "titres restaurant", "télétravail partiel possible"."""
    for x in range(i, j + 1):
        w = toks[x][2]
        if w in _BENEFIT:
            return True
        if w in _BENEFIT_BEFORE and x < j and toks[x + 1][2] in _BENEFIT_BEFORE[w]:
            return True
    return False


def _not_a_task(toks, keys, line: str, i: int, j: int, linked: bool = False, is_action: bool = True) -> bool:
    """A phrase that is no skill by where it stands (§4): people, place or offer words at its head,
    a manner after "en" ("en lien avec …"); and, unless it was linked to a label: a benefit, a
    preposition of circumstance first, the reader joining or getting something, what other teams
    or the employer do (third / first person plural, "vous accompagnera"), the verb of a relative
    clause, an address, a question on the reader's wishes. (docs/skills.md, session 12)"""
    f = i
    while f < j and (not keys[f] or toks[f][2] in _EACH):
        f += 1
    w = toks[f][2]
    if w in _NOT_TASK_HEAD:
        return True
    if w == "point" and f + 2 <= j and toks[f + 2][2] == "vue":
        return True         # "du point de vue technique"
    if w in _MANNER_HEAD and f == i and i > 0 and toks[i - 1][2] == "en" \
            and (i < j and toks[i + 1][2] not in _CLIENT or not linked and i == j):
        return True         # not "(une expérience) en relation client", "travailler en collaboration"
    if linked:
        return False
    if not is_action and _benefit(toks, i, j):
        return True
    w = toks[i][2]
    if w in _CIRCUMSTANCE:
        return True         # "(intervenir) auprès des bovins", "pendant les récoltes", "via un planning"
    k = keys[i]
    if k in _JOINING and w != k and w.endswith(_SECOND_PERSON):
        return True
    if w.endswith("ent") and k != w and k.endswith(("er", "ir", "re")) and not w.endswith(("ient", "ment")):
        return True         # "(des équipes qui) définissent l'architecture": what others do
    if w.endswith("ons") and k.endswith(("er", "ir", "re")) and not w.endswith("ions") \
            and (w == k[:-2] + "ons" or w == k[:-1] + "ons" or w == k + "ons"):
        return True         # "nous vous accompagnerons", "Parlons chiffres": what the employer does
    if w == k + "a" and k.endswith(("er", "ir")) and i > 0 and toks[i - 1][2] in _OBJECT_PRONOUN:
        return True         # "un tuteur vous accompagnera", "il t'aidera"
    if i > 0:
        k = i - 1
        if toks[k][2] in _RELATIVE_GAP and k > 0:
            k -= 1
        if toks[k][2] in _RELATIVE and _BREAK.search(line, toks[k][1], toks[i][0]) is None \
                and (k == 0 or toks[k - 1][2] not in _NOT_RELATIVE):
            return True
    start, end = toks[i][0], toks[j][1]
    if _DIGIT.search(line, start, end) is not None and _ADDRESS.search(line, start, end):
        return True
    if line.find("?", end) >= 0:
        m = _SENTENCE_END.search(line, end)
        if m and line[m.start()] == "?":
            b = max(line.rfind(c, 0, start) for c in ".!?:;") + 1
            for t in toks:
                if b <= t[0] < m.start() and t[2] in _WISH:
                    return True
    return False


def _round3(x: float) -> float:
    """``round(x, 3)`` without its decimal conversion (dtoa there and back, ~1-2 µs) for a score of
    0.001 to 10^6 whose thousandfold is not within 10^-6 of a half: ``round(1000 x) / 1000`` is then the
    same float — ``1000 x`` is off the exact product by less than 1.2e-7, so both round to the same
    integer N, and dividing N by 1000 gives the float nearest to N/1000, which is what ``round`` reads
    back from its digits."""
    if 1e-3 <= x < 1e6:
        y = x * 1000.0
        f = y % 1.0
        if not 0.499999 < f < 0.500001:
            return round(y) / 1000.0
    return round(x, 3)


def _same_determiner(a: str, b: str) -> bool:
    """"des" and "des", "la" and "les": the determiners of two parallel objects."""
    if a not in _OBJECT_DET or b not in _OBJECT_DET:
        return False
    return a == b or (a in _DEFINITE and b in _DEFINITE)


def _past_participle(word: str, key: str) -> bool:
    """A past participle by its ending and its verb's: "validé" (valider), "établie" (établir), "reçu"
    (recevoir); not a present tense that ends alike ("négocie": négocier)."""
    if word.endswith(("é", "ée", "és", "ées")):
        return key.endswith("er")
    if word.endswith(("i", "ie", "is", "ies")):
        return key.endswith("ir") and not key.endswith("oir")
    if word.endswith(("u", "ue", "us", "ues")):
        return key.endswith(("re", "ir", "oir"))
    return False


def _pick_without_hint(entries, flags: bytes, esco_of) -> int:
    """``SkillExtractor._pick`` without a ROME hint: the first entry with a ROME code (``flags``), else
    the first with an ESCO URI, else the first."""
    for e in entries:
        if flags[e]:
            return e
    for e in entries:
        if esco_of[e]:
            return e
    return entries[0]


def _firsts(ranked, flags: bytes) -> tuple:
    """The first (best) (score, entry) pair of ``ranked`` with a ROME code, and the first without."""
    rome = other = None
    for x in ranked:
        if flags[x[1]]:
            if rome is None:
                rome = x
                if other is not None:
                    break
        elif other is None:
            other = x
            if rome is not None:
                break
    return rome, other


def _link_without_hint(ranked, flags: bytes):
    """``SkillExtractor._link_uncached(ranked, None)``: the best ROME label at ``T_ROME``, else the best
    other one at ``T_ESCO``, else the best of all (None when nothing was ranked)."""
    if not ranked:
        return None
    rome, other = _firsts(ranked, flags)
    if rome is not None and rome[0] >= T_ROME:
        return rome
    if other is not None and other[0] >= T_ESCO:
        return other
    return ranked[0]


def _coordinated(toks, i: int, j: int, n: int) -> bool:
    """Whether ``SkillExtractor._shared_coordination`` can move tokens ``i``..``j``: it reads an "et"/"ou"
    before them (right before, or before a determiner) or right after them; most mentions have none,
    and the call is skipped."""
    if i >= 2:
        before = toks[i - 1][2]
        if before in _COORD or i >= 3 and before in _DETERMINER and toks[i - 2][2] in _COORD:
            return True
    return j + 2 < n and toks[j + 1][2] in _COORD


def _listed_after(toks, line: str, j: int, n: int) -> bool:
    """Whether ``SkillExtractor._shared_objects`` can extend a mention ending at token ``j``: it goes on
    only over a comma, an "et"/"ou" or an "ainsi que" right after it."""
    return j + 1 < n and (toks[j + 1][2] in _COORD or "," in line[toks[j][1]:toks[j + 1][0]]
                          or toks[j + 1][2] == "ainsi" and j + 2 < n and toks[j + 2][2] == "que")


def _greedy_order(m: tuple) -> tuple:
    """``SkillExtractor._greedy``'s order: highest priority, then longest, then leftmost first."""
    return (-m[5], -(m[1] - m[0]), m[0])


def _recruiting(norms, i: int, j: int) -> bool:
    """Tokens ``i``..``j`` say who recruits: "recherche un …", "recrutons plusieurs …", "recherche d'une …"."""
    for x in range(i, j):
        if norms[x] in _RECRUITS:
            nxt = norms[x + 1]
            if nxt in _RECRUITED or (nxt == "d" and x + 2 <= j and norms[x + 2] in ("un", "une")):
                return True
    return False


# "faire preuve de", "doté(e) d'": what follows them is a quality of the person's (the words between
# that may stand there: "fait preuve d'une grande …")
_PROOF = frozenset("preuve dote dotee dote(e)".split())
_PROOF_GAP = frozenset("e de d du un une grand grande bon bonne reel reelle vrai vraie veritable excellent excellente "
                       "tres fort forte certain certaine beaucoup la le l sa son votre ta ton".split())
# "vous êtes …", "tu es …", "être …", "êtes-vous …" (and an adverb between: "vous êtes très rapide")
_PERSON_COPULA = frozenset("etes es etre".split())
# "votre professionnalisme", "ta rapidité": a quality of the person addressed
_YOUR = frozenset("votre ton ta".split())
_PERSON_TOO = frozenset(("responsable",))     # "votre responsable" is your manager
_PRONOUN = frozenset("vous tu nous il elle je on".split())
_AT_EASE = frozenset(("aise", "ecoute"))
_LIKED_DET = frozenset("le la l du".split())
_DEGREE = frozenset("tres plutot particulierement vraiment reellement extremement".split())
# between two qualities of a list: separators, "et"/"ou", determiners ("rigueur et méthode", "faites
# preuve de rigueur, d'efficacité", "autonome, rapide")
_QUALITY_GAP = re.compile(r"(?:[\s,;/&+)]|[-–](?!\w)|\b(?:et|ou|de|du|des|la|le|une?)\b|\bd['’]|\bl['’])*")
_QUALITY_SEP = re.compile(r"[,;/&+]|\b(?:et|ou)\b")
# "nous recherchons un(e) alternant(e) motivé(e) pour intégrer notre équipe": the company cue ("intégrer
# notre") is later in the sentence; the qualities the recruiting words ask for are the person's
_ASKED_FOR = re.compile(r"(?i)\b(?:recherch\w*|recrut\w*)\s+(?:une?|des|d['’]une?)\b[^.;:!?\n]{0,80}$")


def _asked_for(line: str, toks, i: int) -> bool:
    """A quality at token ``i`` follows, in the same clause, "recherche(ons) un(e) …", "recrutons un …"."""
    a = toks[i][0]
    return _ASKED_FOR.search(line, max(0, a - 100), a) is not None


def _framed_qualities(line: str, toks, keys, brk, pending: list, found: list, soft_single) -> None:
    """Adds to ``found`` the quality words of ``pending`` that a frame says are the person's: after
    "vous êtes" / "tu es" / "être", after "faire preuve de" / "doté(e) d'", after "esprit", or listed
    beside a quality already found ("autonome, rigoureux, rapide", "rigueur et méthode"), in chains."""
    def framed_by_words(i):
        x = i - 1
        while x >= 0 and toks[x][2] in _DEGREE:
            x -= 1
        if x >= 0 and (toks[x][2] in _PERSON_COPULA or toks[x][2] in _YOUR and toks[i][2] not in _PERSON_TOO
                       or (toks[x][2] == "vous" and x > 0 and toks[x - 1][2] == "etes")):
            return not any(ch in line[toks[x][1]:toks[i][0]] for ch in ".;:!?,\n")
        if i >= 2 and toks[i - 1][2] in _LIKED_DET and keys[i - 2] in _HAVING and not brk[i] and not brk[i - 1]:
            return True     # "vous aimez le contact", "a le goût du …": what one likes or has
        x = i - 1
        while x >= 0 and toks[x][2] in _PROOF_GAP and i - x <= 5:
            x -= 1
        return x >= 0 and x < i - 1 and toks[x][2] in _PROOF

    def listed_beside(m, spans):
        i, j = m[0], m[1]
        if j > i and len(toks[j][2]) > 4:
            return False    # a phrase ("contact avec les clients") is framed by words only, not by a list
        a, b = toks[i][0], toks[j][1]
        for (si, sj) in spans:
            if sj < i:
                gap = line[toks[sj][1]:a]
            elif si > j:
                gap = line[b:toks[si][0]]
            else:
                continue
            if len(gap) <= 12 and _QUALITY_GAP.fullmatch(gap) and _QUALITY_SEP.search(gap):
                return True
        return False

    spans = [(m[0], m[1]) for m in found if soft_single[m[2]]]
    left = []
    n = len(toks)
    for m in pending:
        i, j = m[0], m[1]
        if j + 1 < n and not line[toks[j][1]:toks[j + 1][0]].strip() and (
                keys[j + 1] and toks[j + 1][2] not in _PRONOUN or toks[j + 1][2] in _OBJECT_DET
                or toks[j + 1][2] == "avec"):
            continue        # "une rapide adaptation", "méthode HACCP", "responsable du rayon": the word
                            # qualifies or names another thing
        if i > 0 and toks[i - 1][2] == "esprit" and not line[toks[i - 1][1]:toks[i][0]].strip():
            m = (i - 1,) + m[1:]        # "esprit pragmatique": the quality is the whole phrase
            found.append(m)
            spans.append((m[0], m[1]))
        elif framed_by_words(i):
            found.append(m)
            spans.append((m[0], m[1]))
        else:
            left.append(m)
    grew = True
    while left and grew:
        grew = False
        rest = []
        for m in left:
            if listed_beside(m, spans):
                found.append(m)
                spans.append((m[0], m[1]))
                grew = True
            else:
                rest.append(m)
        left = rest


def _joined(line: str, toks, a: int, b: int) -> bool:
    """Only spaces between tokens ``a`` and ``b`` of a line."""
    return not line[toks[a][1]:toks[b][0]].strip()


def _list_gap(line: str, toks, keys, a: int, b: int) -> bool:
    """Between tokens ``a`` and ``b``, only what separates the items of a list of actions: a comma or
    "et"/"ou", with determiners and light verbs ("Identifier, analyser et faire la synthèse")."""
    if b <= a or b - a > 5:
        return False
    listed = False
    light = False
    pos = toks[a][1]
    for x in range(a + 1, b + 1):
        gap = line[pos:toks[x][0]]
        for c in gap:
            if c == ",":
                listed = True
            elif not c.isspace():
                return False
        if x == b:
            break
        w = toks[x][2]
        if w in _COORD:
            listed = True
        elif keys[x] in LIGHT_VERBS:
            light = True
        elif keys[x] or not (light and w in _DETERMINER):
            return False    # "accueillir, les écouter": its own object; a determiner only after "faire"
        pos = toks[x][1]
    return listed


def _action_lists(found: list, toks, keys, line: str, km, kinds) -> list:
    """EVALUATION.md §3: lone actions listed before a mention with an object share that object, so
    the list is one span linked as that mention: "**Accueillir, conseiller et servir la clientèle**",
    "**Identifier, analyser et faire la synthèse des besoins**". A list of actions with no object
    ("accueillir, vendre, encaisser"), and a noun that names an action ("la vente, la pose ou la
    fabrication de …", "conception, audits") stay one mention each. ``found`` is sorted."""
    out = []
    n = len(found)
    x = 0
    while x < n:
        y = x
        while y + 1 < n:
            m, nxt = found[y], found[y + 1]
            if m[0] != m[1] or nxt[0] <= m[1] or (m[2] >= 0 and kinds[m[2]] not in ("savoir-faire", "savoir")) \
                    or not km.is_action(toks[m[0]][3]) or km.is_nominal(toks[m[0]][3]) \
                    or not _list_gap(line, toks, keys, m[1], nxt[0]):
                break
            y += 1
        last = found[y]
        if y > x and last[1] > last[0]:
            out.append((found[x][0], last[1], last[2], last[3], last[4], last[5]))
            x = y + 1
        else:
            out.append(found[x])
            x += 1
    return out


# A list's items: what lies between commas, slashes, brackets, bullets, line breaks, " - ", "et", "ou"
_LIST_ITEM_SEP = re.compile(r"[,;/()\n*•·]|\s[-–]\s|\s(?:et|ou)\s")
_NAME_WORD = re.compile(r"[A-Z0-9][\w.+#-]*|\w*[A-Z0-9][\w.+#-]*")
LISTED_NAME_WORDS = 3       # words of a name read from its list ("Ms-project", "Infrastructure as Code")
LISTED_NAME_SCORE = 0.5


def _name_like(item: str) -> bool:
    """A tool or method named as such: every word capitalised or holding a digit or a capital
    ("Webpack", "PHP7", "GKE", "Ms-project"), at most ``LISTED_NAME_WORDS`` of them."""
    words = item.split()
    if not words or len(words) > LISTED_NAME_WORDS or len(item) > 40:
        return False
    for w in words:
        if not _NAME_WORD.fullmatch(w) or len(w) < 2 and not w.isdigit():
            return False
    return True


def _tool(m: tuple, toks, line: str, kinds, edge: int) -> bool:
    """The mention ``m`` is a named tool or method ending at token ``edge`` of an item (its first or
    last): a knowledge item of at most ``LISTED_NAME_WORDS`` words written as a name."""
    return (m[0] == edge or m[1] == edge) and m[2] >= 0 and kinds[m[2]] == "savoir" \
        and m[1] - m[0] < LISTED_NAME_WORDS and _name_like(line[toks[m[0]][0]:toks[m[1]][1]])


def _listed_names(found: list, toks, line: str, kinds) -> list:
    """Names listed beside a known tool that no label knows ("Vue.js, **Webpack**", "(Orchestra,
    **Sciforma**, Ms-project)", "Kubernetes (**GKE**)"): unlisted knowledge mentions, the new tools an
    observatory looks for. ``found`` is sorted; the new mentions come back as (i, j, -2, score,
    "semantic", 0), -2 standing for an unlisted knowledge item."""
    for m in found:
        if m[2] >= 0 and m[1] - m[0] < LISTED_NAME_WORDS and kinds[m[2]] == "savoir":
            name = line[toks[m[0]][0]:toks[m[1]][1]]
            if not name.islower() and _name_like(name):
                break
    else:
        return []       # no tool named on the line: most lines
    cover = {}
    for n, m in enumerate(found):
        for x in range(m[0], m[1] + 1):
            cover[x] = n
    # the line's items: a name no mention covers, or whether a tool's mention ends it on each side
    items = []
    pos = 0
    t = 0
    n_toks = len(toks)
    for sep in _LIST_ITEM_SEP.finditer(line + "\n"):
        a, b = pos, sep.start()
        pos = sep.end()
        while t < n_toks and toks[t][0] < a:
            t += 1
        u = t
        while u < n_toks and toks[u][1] <= b:
            u += 1
        if u == t:
            continue        # no word: "), " between two separators
        first, last = cover.get(t), cover.get(u - 1)
        if first is None and last is None and _name_like(line[toks[t][0]:toks[u - 1][1]]) \
                and all(cover.get(x) is None for x in range(t, u)):
            items.append([True, False, False, t, u - 1])
        else:
            items.append([False, _tool(found[first], toks, line, kinds, t) if first is not None else False,
                          _tool(found[last], toks, line, kinds, u - 1) if last is not None else False, t, u - 1])
        t = u
    out = []
    # a name beside a tool (or beside a name beside one) is a tool too: "Vue.js, Webpack", "(GKE)"
    for k in range(1, len(items)):
        if items[k][0] and items[k - 1][2]:
            items[k][1] = items[k][2] = True
            out.append((items[k][3], items[k][4], -2, LISTED_NAME_SCORE, "semantic", 0))
    for k in range(len(items) - 2, -1, -1):
        if items[k][0] and items[k + 1][1] and not items[k][2]:
            items[k][1] = items[k][2] = True
            out.append((items[k][3], items[k][4], -2, LISTED_NAME_SCORE, "semantic", 0))
    out.sort()
    return out


class SkillExtractor:
    """Finds skill mentions; build with ``adequa.pipeline.annotate.load_skill_extractor(settings)``."""

    def __init__(self, compiled: Compiled, loader=None):
        self.c = compiled
        self.version = compiled.version
        self._memo: dict = {}        # (lang, candidate keys) -> (ranked labels, their ROME codes, link without a hint)
        self._texts: dict = {}       # (text, lang, hint, field, semantic) -> mentions: reposted ads cost nothing
        self._links: dict = {}       # (lang, candidate keys, ROME hint) -> link
        self._swaps: dict = {}       # (lang, label keys, ROME hint) -> ROME entry replacing an ESCO-only match
        self._plans: dict = {}       # (line, section, field, lang) -> analysis independent of the ROME hint
        self._lex: dict = {}         # (line, with lemmas, lang) -> tokens and label matches, any section
        self._words: dict = {}       # (lang, with lemmas) -> {word: (lower, folded, key, lemma, key's code)}
        self._word_bits: dict = {}   # lang -> ({word: its bits}, job titles' keys) for the compiled ``_planner``
        self._lexer_on = True        # ``_lexed`` may use the compiled ``_lexer_fast.lexed`` (when built)
        self._resolved: dict = {}    # (line, section, field, lang, semantic) -> [mentions, codes, section, by hint]
        self._tails: dict = {}       # field -> {mention without offsets: JSON of its fields after "text"}
        self._new_lines: list | None = None     # keys resolved since the last ``export_lines`` (when sharing)
        self._new_ranked: list | None = None    # ``_memo`` keys ranked since then (when sharing)
        self._new_links: list | None = None     # ``_links`` keys linked since then (when sharing)
        self._recurring: set | None = None  # hashes of line texts worth sharing (``mark_recurring``); None: all
        self._unshared: dict = {}           # hash of a line's text -> its keys resolved, not exported yet
        self._others: dict[str, "SkillExtractor"] = {}
        self._rome_flags = b""      # per entry, 1 when it has a ROME code (``_flags``)
        self.semantic = True         # False: exact pass only (curated lexicon + taxonomy labels)
        self._loader = loader        # lang -> Compiled, for languages built on demand
        from adequa.normalise.text import lemma

        cache: dict[str, str] = {}
        self._lemma_cache = cache

        def lemma_of(word: str) -> str:
            got = cache.get(word)
            if got is None:
                got = cache[word] = lemma(word)
            return got

        self._lemma_of = lemma_of

    def clear_memos(self) -> None:
        """Forget remembered texts, lines and links (to measure the cost of unseen ads); word forms
        are kept, like the compiled key cache (``clear_word_forms`` forgets them too)."""
        for memo in (self._memo, self._texts, self._links, self._swaps, self._plans, self._resolved, self._lex,
                     self._tails):
            memo.clear()
        for model in self.c.langs.values():
            model.sim.clear_memos()
        for other in self._others.values():
            other.clear_memos()

    def clear_word_forms(self) -> None:
        self._words.clear()

    def use_reference_paths(self):
        """Switch to the plain code the fast paths are tested against (tests and benchmarks only):
        ``_tokenise_reference`` (no compiled tokeniser), ``SimilarityIndex.best_reference``, the
        segmenter's separator regex without its look-ahead instead of its compiled cutter and the
        planner's Python loops instead of its kernel (both process-wide while switched) and no
        line-token cache. Returns the function that switches back."""
        global _planner
        from adequa.enrich import segment

        class _NoStore(dict):
            def __setitem__(self, key, value):
                pass

        def tokenise(line, model, with_lemmas):
            toks, keys, brk, seq, seq_tok, lemmas = self._tokenise_reference(line, model, with_lemmas)
            text, key_idx = ExactMatcher.prepare(seq, model.codes)
            return toks, keys, brk, lemmas, (text, [seq_tok[x] for x in key_idx])

        fast_split, lex, seg_kernel, planner_kernel = segment._SPLIT, self._lex, segment._fast, _planner
        _planner = None
        sims = [m.sim for m in self.c.langs.values()]
        self._tokenise = tokenise
        self._lexer_on = False
        segment._fast = None
        self._lex = _NoStore()
        for sim in sims:
            sim.best = sim.best_reference
        segment._SPLIT = re.compile(segment.SPLIT_ALTERNATIVES)

        def restore() -> None:
            global _planner
            del self._tokenise
            _planner = planner_kernel
            self._lexer_on = True
            segment._fast = seg_kernel
            self._lex = lex
            for sim in sims:
                del sim.best
            segment._SPLIT = fast_split

        return restore

    # -- sharing remembered lines between processes ------------------------------------------
    def share_lines(self, on: bool = True, *, recurring_only: bool = False) -> None:
        """Start (or stop) noting the lines resolved here, for ``export_lines`` (and the candidates
        ranked and linked: the similarity ranking of a candidate's key set, shared by ads of every
        occupation, and its link with or without a ROME hint).

        ``recurring_only``: a line is exported only once its text is marked as recurring
        (``mark_recurring``), when it is resolved or later: most lines of new text never come
        back, and sending them cost more than the few the other worker would have reused."""
        self._new_lines = [] if on else None
        self._new_ranked = [] if on else None
        self._new_links = [] if on else None
        self._recurring = set() if on and recurring_only else None
        self._unshared = {}

    def mark_recurring(self, hashes) -> None:
        """Note line texts (by ``hash``) met more than once in the input: the lines of those texts
        resolved here, and any resolved later, go out with the next ``export_lines``. A hash
        collision only exports a line that was not needed: the import is keyed by the whole line."""
        recurring = self._recurring
        if recurring is None or self._new_lines is None:
            return
        unshared = self._unshared
        for h in hashes:
            recurring.add(h)
            keys = unshared.pop(h, None)
            if keys is not None:
                self._new_lines.extend(keys)

    def export_lines(self) -> list:
        """The lines resolved since the last call, as plain data another process can ``import_lines``
        (so that parallel workers analyse a recurring line once between them, not once each); with
        ``share_lines(recurring_only=True)``, only the lines marked as recurring."""
        out = []
        if self._new_lines:
            r = self._resolved
            recurring = self._recurring
            if recurring is None:
                out = [(k, tuple(r[k][:3])) for k in self._new_lines if k in r]
            else:
                unshared = self._unshared
                if len(unshared) >= LINE_MEMO:
                    unshared.clear()        # bounded: a line left out is analysed again, never wrong
                for k in self._new_lines:
                    h = hash(k[0])
                    if h in recurring:
                        if k in r:
                            out.append((k, tuple(r[k][:3])))
                    else:
                        keys = unshared.get(h)
                        if keys is None:
                            unshared[h] = [k]
                        else:
                            keys.append(k)
            self._new_lines.clear()
        if self._new_ranked:        # (lang, key set) -> (ranked labels, their ROME codes): 2-tuples
            m = self._memo
            out += [(k, m[k][:2]) for k in self._new_ranked if k in m]
            self._new_ranked.clear()
        if self._new_links:         # (lang, key set, hint) -> (the link,): 1-tuples
            lk = self._links
            out += [(k, (lk[k],)) for k in self._new_links if k in lk]
            self._new_links.clear()
        return out

    def import_lines(self, entries) -> None:
        """Remember lines resolved by another process with the same compiled taxonomy."""
        r, m, lk = self._resolved, self._memo, self._links
        for key, value in entries:
            if len(value) == 2:     # a ranked candidate (``export_lines``), and its link without a hint
                if key not in m and len(m) < CANDIDATE_MEMO:
                    m[key] = (value[0], value[1], _link_without_hint(value[0], self._flags()))
                continue
            if len(value) == 1:     # a candidate's link
                if key not in lk and len(lk) < CANDIDATE_MEMO:
                    lk[key] = value[0]
                continue
            if key not in r:
                if len(r) >= LINE_MEMO:
                    r.clear()
                rel, codes, section = value
                r[key] = [rel, codes, section, None]

    def for_lang(self, lang: str) -> "SkillExtractor":
        """The extractor compiled for ``lang`` (built or loaded on first use)."""
        if lang in self.c.langs:
            return self
        if lang not in self._others:
            if self._loader is None:
                return self
            self._others[lang] = SkillExtractor(self._loader(lang))
            self._others[lang].semantic = self.semantic
        return self._others[lang]

    # -- public ------------------------------------------------------------------------------
    def extract(self, text: str, lang: str = "fr", rome_hint: str | None = None,
                field: str = "description") -> list[SkillMention]:
        """Skill mentions of ``text``; ``rome_hint`` (a ROME code) prefers that fiche's items."""
        return [_copy(m) for m in self.extract_shared(text, lang, rome_hint, field)]

    def extract_shared(self, text: str, lang: str = "fr", rome_hint: str | None = None,
                       field: str = "description") -> tuple[SkillMention, ...]:
        """``extract`` without the defensive copies: the remembered mentions themselves, for callers
        that only read them (``annotate``). Do not modify them."""
        if not text:
            return ()
        memo_key = (text, lang, rome_hint, field, self.semantic)
        got = self._texts.get(memo_key)
        if got is None:
            got = tuple(self._extract(text, lang, rome_hint, field))
            if len(self._texts) >= TEXT_MEMO:
                self._texts.clear()
            self._texts[memo_key] = got
        return got

    def extract_json(self, text: str, lang: str = "fr", rome_hint: str | None = None,
                     field: str = "description") -> tuple[str, int]:
        """The mentions ``extract`` gives, as ``json.dumps(m.to_dict() without "field" unless not the
        description, ensure_ascii=False)`` objects joined by ", " (the inside of the JSON list
        ``adequa annotate`` writes), and their number. No ``SkillMention`` is made: each mention's
        fields after its text are encoded once per distinct mention (``_tail``)."""
        if not text:
            return "", 0
        memo_key = (text, lang, rome_hint, field, self.semantic, "json")
        got = self._texts.get(memo_key)
        if got is None:
            if lang not in self.c.langs and self.for_lang(lang) is not self:
                got = self.for_lang(lang).extract_json(text, lang, rome_hint, field)
            else:
                tails = self._tails.get(field)
                if tails is None or len(tails) >= LINE_MEMO:
                    tails = self._tails[field] = {}
                tail = self._tail
                enc = _encode_str
                parts = []
                for pos, rel in self._lines(text, lang, rome_hint, field):
                    for m in rel:
                        s = m[0] + pos
                        e = m[1] + pos
                        t = tails.get(m[2:])
                        if t is None:
                            t = tails[m[2:]] = tail(m, field)
                        parts.append(f'{{"start": {s}, "end": {e}, "text": {enc(text[s:e])}, {t}')
                got = (", ".join(parts), len(parts))
            if len(self._texts) >= TEXT_MEMO:
                self._texts.clear()
            self._texts[memo_key] = got
        return got

    def _tail(self, m: tuple, field: str) -> str:
        """The JSON of a mention's fields after "text" (with the closing brace); remembered by
        ``extract_json`` per field and mention without its offsets. Written as ``json.dumps(...,
        ensure_ascii=False)`` writes it (strings through json's own ``encode_basestring``, None as null,
        the score by ``float.__repr__``, the flag as true/false), without making an encoder per
        mention; a value of any other type goes through ``json.dumps`` itself."""
        _, _, rome, esco, label, kind, score, method, unlisted = m
        if type(score) is float and _isfinite(score) and type(unlisted) is bool and type(label) is str \
                and type(kind) is str and type(method) is str and (rome is None or type(rome) is str) \
                and (esco is None or type(esco) is str):
            enc = _encode_str
            t = (f'"rome_ogr": {"null" if rome is None else enc(rome)}, '
                 f'"esco_uri": {"null" if esco is None else enc(esco)}, "label": {enc(label)}, "kind": {enc(kind)}, '
                 f'"score": {float.__repr__(score)}, "method": {enc(method)}, '
                 f'"unlisted": {"true" if unlisted else "false"}')
            return t + "}" if field == "description" else f'{t}, "field": {enc(field)}}}'
        d = {"rome_ogr": m[2], "esco_uri": m[3], "label": m[4], "kind": m[5], "score": m[6], "method": m[7],
             "unlisted": m[8]}
        if field != "description":
            d["field"] = field
        return _dumps(d, ensure_ascii=False)[1:]

    def _extract(self, text: str, lang: str, rome_hint: str | None, field: str) -> list[SkillMention]:
        if lang not in self.c.langs:
            other = self.for_lang(lang)
            if other is not self:
                return other.extract(text, lang, rome_hint, field)
        out: list[SkillMention] = []
        for pos, rel in self._lines(text, lang, rome_hint, field):
            for s, e, rome, esco, label, kind, score, method, unlisted in rel:
                s += pos
                e += pos
                out.append(SkillMention(s, e, text[s:e], rome, esco, label, kind, score, method, unlisted, field))
        return out

    def _lines(self, text: str, lang: str, rome_hint: str | None, field: str):
        """(offset of the line, its mentions with offsets in the line) for each line with mentions.

        Line by line: nothing in a mention crosses a line break, and the only state carried
        from one line to the next is the section class set by a header ("Vos missions :"). So a
        line is analysed once per (line, section) and resolved once per ROME hint: boilerplate
        and requirement lines that recur across ads cost a dictionary look-up."""
        if lang not in self.c.langs:
            lang = next(iter(self.c.langs))
        model = self.c.langs[lang]
        prefer = self.c.fiche_items.get(rome_hint) if rome_hint else None
        hint = rome_hint if prefer else None        # a hint without a fiche changes nothing
        masked = mask_escapes(text)     # (the text itself when it holds no escape)
        # HTML ("ma&icirc;trise", "&lt;br /&gt;") is read decoded, and the mentions' offsets mapped
        # back into the text as given
        readable = html_readable(masked) if "&" in masked or "<" in masked else None
        if readable is not None:
            masked, starts, ends = readable
        resolved = self._resolved
        section = "neutral"
        pos = 0
        sem = self.semantic
        for line in masked.split("\n"):
            if line and not line.isspace():
                key = (line, section, field, lang, sem)
                got = resolved.get(key)
                if got is None:
                    plan = self._line_plan(line, section, model, field)
                    relevant: set = set()
                    # resolved without a hint, noting every ROME code a hint could have changed
                    got = [self._resolve(plan, model, None, None, relevant, field), frozenset(relevant), plan[0], None]
                    if len(resolved) >= LINE_MEMO:
                        resolved.clear()
                    resolved[key] = got
                    if self._new_lines is not None:
                        self._new_lines.append(key)
                rel, relevant, section, by_hint = got
                if prefer and not relevant.isdisjoint(prefer):
                    if by_hint is None:
                        by_hint = got[3] = {}
                    rel = by_hint.get(hint)
                    if rel is None:
                        rel = by_hint[hint] = self._resolve(self._line_plan(line, key[1], model, field),
                                                            model, prefer, hint, None, field)
                if rel:
                    if readable is None:
                        yield pos, rel
                    else:
                        yield 0, tuple([(starts[pos + m[0]], ends[pos + m[1] - 1]) + m[2:] for m in rel])
            pos += len(line) + 1

    def _line_plan(self, line: str, section: str, model, field: str):
        pkey = (line, section, field, model.lang, self.semantic)
        plan = self._plans.get(pkey)
        if plan is None:
            plan = self._plan(line, section, model, field)
            if len(self._plans) >= LINE_PLANS:
                self._plans.clear()
            self._plans[pkey] = plan
        return plan

    def _plan(self, line: str, section: str, model, field: str):
        """Everything about one line that does not depend on the ad's ROME hint:
        (section at the end, tokens, keys, exact matches kept, candidate phrases, curated matches)."""
        toks, keys, brk, lemmas, cur_hits, exact_hits, word_bits = self._lexed(line, model, field == "description")
        if not toks:
            if field == "description":
                section = self.c.segmenter.split_state(line, toks, [], section)[1]
            return (section, toks, None, (), (), (), line)
        if field == "description":
            segments, section = self.c.segmenter.split_state(line, toks, lemmas, section)
        else:
            segments = []
        tok_cls, seg_of = self._token_classes(toks, segments, field)

        taken = [False] * len(toks)
        found = []
        method_of = self._method
        # 1. curated lexicon: allowed everywhere but company / apply / diversity text
        if cur_hits:
            c = self.c
            soft_single, kind, case_sensitive = c.entries.soft_single, c.entries.kind, c.case_sensitive
            lang = model.lang
            framed = c.framed
            pending = None
            for i, j, entries in cur_hits:
                eid = entries[0]
                if tok_cls[i] in ("company", "apply", "diversity", "header") or tok_cls[j] != tok_cls[i]:
                    if not (tok_cls[i] == "company" and tok_cls[j] == "company" and soft_single[eid]
                            and _asked_for(line, toks, i)):
                        continue
                if soft_single[eid] and not self._soft_ok(toks, keys, i, j, brk, lang):
                    continue
                if soft_single[eid] and i >= 2 and toks[i][2] in _AT_EASE and toks[i - 1][2] == "l" \
                        and toks[i - 2][2] == "a" and not brk[i] and not brk[i - 1]:
                    i -= 2          # "à l'aise avec le contact", "à l'écoute": the phrase names the quality
                if eid in framed:
                    if toks[i][2] in framed[eid]:
                        if pending is None:
                            pending = []
                        pending.append((i, j, eid, 1.0, method_of(toks, keys, i, j), 3))
                    continue
                if i == j and lang == "fr" and kind[eid] == "langue" \
                        and not self._language_ok(toks, keys, i, brk):
                    continue
                if i == j and eid in case_sensitive and not toks[i][2][:1].isupper() and not line[toks[i][0]].isupper():
                    continue        # "tableau" is not Tableau
                found.append((i, j, eid, 1.0, method_of(toks, keys, i, j), 3))
            if pending:
                _framed_qualities(line, toks, keys, brk, pending, found, soft_single)
            if found:
                found = self._greedy(found, taken)
                found = [self._drop_capacity(m, toks, keys) for m in found]
        if field != "description":
            return (section, toks, keys, (), (), tuple(found), line)

        # 2. taxonomy labels, in job / neutral segments (the entry is picked per ROME hint)
        framing = model.keys.framing
        exact = []
        for i, j, entries in exact_hits:
            if tok_cls[i] not in ("job", "neutral") or tok_cls[j] != tok_cls[i]:
                continue
            n_content = 0
            for x in range(i, j + 1):
                if keys[x]:
                    n_content += 1
            method = method_of(toks, keys, i, j)
            if n_content >= 2 and keys[i] in framing and not model.keys.is_nominal(toks[i][3]):
                # "utiliser les réseaux sociaux", "maîtriser les outils": the label's framing verb is not
                # part of the span (EVALUATION.md §3), the rest of it names the skill; a nominalised
                # action stays ("utilisation des chariots élévateurs")
                while i < j and (not keys[i] or keys[i] in framing):
                    i += 1
            exact.append((i, j, entries, 1.0, method, 2 if n_content >= 2 else 1))
        exact_kept = self._greedy(exact, list(taken)) if exact else exact
        # 3. candidate phrases, with what can be decided without the hint
        cands = []
        if self.semantic and not found and _planner is not None:
            # no curated mention to step around: the kernel records each candidate as the loop below does
            words, titles = self._planner_words(model)
            cands = _planner.candidates(toks, keys, tok_cls, seg_of, line, brk, model.keys, model.keys.framing,
                                        self.c.job_titles, titles, _GENDER_PAIR, words, segments, word_bits)
        elif self.semantic:
            for i0, j0, action, known in self._candidates(toks, keys, tok_cls, seg_of, segments, model, line, brk,
                                                               word_bits):
                i, j = i0, j0
                inside = False
                if found:
                    for x in range(i, j + 1):
                        if taken[x]:
                            inside = True
                            break
                if inside:
                    # a curated mention sits inside: keep the longest free stretch
                    i, j = self._free_stretch(i, j, taken, keys)
                    if i is None:
                        continue
                    span = self._trim(list(range(i, j + 1)), toks, keys, model.keys, model.keys.framing, line)
                    if span is None:
                        continue
                    i, j = span
                    if i == j and _PLAIN_WORD.fullmatch(line, toks[i][0], toks[i][1]):
                        continue    # "vous pratiquez [Confluence]": a word left beside the tool is no
                                    # skill; a code or a name in capitals may be one ("Java/[J2EE]")
                    action = model.keys.is_action(toks[i][3])
                content = []
                noted = []      # the content keys that tell which label it is
                for x in range(i, j + 1):
                    k = keys[x]
                    if k:
                        content.append(x)
                        if k not in _LINK_NOISE:
                            noted.append(k)
                content = tuple(content)
                is_task = action and (tok_cls[i] == "job" or (seg_of[i] >= 0 and segments[seg_of[i]].bullet)
                                      or (tok_cls[i] == "neutral" and len(content) >= 2)) or known
                single = len(content) == 1
                job_bullet = not single and tok_cls[i] == "job" and seg_of[i] >= 0 and segments[seg_of[i]].bullet
                linked = frozenset(noted) or frozenset([keys[x] for x in content])
                cands.append((i0, j0, i, j, content, linked, is_task, single,
                              is_task and tok_cls[i] == "job" or known, job_bullet))
        return (section, toks, keys, tuple(exact_kept), tuple(cands), tuple(found), line)

    def _lexed(self, line: str, model, with_lemmas: bool):
        """Everything about a line that does not depend on its section: tokens, keys, barriers,
        lemmas and the curated / label matches as token index pairs (remembered: a line read under
        several headers, "Profil :" in one ad and "Missions :" in another, is tokenised once). The
        compiled ``_lexer_fast.lexed``, when built, gives the same from one scan of the line and the
        two matchers' hits (both walk the line's key codes, ``skills_exact``), and with lemmas the tokens'
        planner bits (``_word_forms``' sixth item; None on the Python path)."""
        lkey = (line, with_lemmas, model.lang)
        got = self._lex.get(lkey)
        if got is not None:
            return got
        if _lexer is not None and self._lexer_on:
            # the compiled tokeniser walks the matchers' key tries itself (no prepared tuple)
            got = _lexer.lexed(line, self._word_dict(model, with_lemmas), self._word_forms, model, with_lemmas,
                               model.curated.walker(), model.exact.walker() if with_lemmas else None,
                               model.codes[BARRIER], True)
        if got is None:
            toks, keys, brk, lemmas, prepared = self._tokenise(line, model, with_lemmas)
            if toks:
                cur = model.curated.find(None, prepared)
                exact = model.exact.find(None, prepared) if with_lemmas else []
                cur = [h for h in cur if h[0] >= 0 and h[1] >= 0]
                exact = [h for h in exact if h[0] >= 0 and h[1] >= 0]
            else:
                cur = exact = []
            got = (toks, keys, brk, lemmas, cur, exact, None)
        if len(self._lex) >= LINE_LEX:
            self._lex.clear()
        self._lex[lkey] = got
        return got

    def _tokenise(self, line: str, model, with_lemmas: bool):
        """One pass over a line: tokens as ``spans`` gives them, their keys (and lemmas), whether
        punctuation precedes each token, and the matchers' prepared code string (``ExactMatcher.prepare``
        with barriers, its ranks mapped to token indices, -1 for a barrier).

        The words come from one C-level ``findall`` (a break is an empty string) and their offsets
        from ``str.find`` after the previous word (no letter or digit lies between two words, so the
        first occurrence is the word); each distinct word's lower-case, folded, key and lemma forms
        are looked up in one dictionary. Same output as ``_tokenise_reference``; the compiled
        ``_lexer_fast.tokenise`` does the same in one scan of the line's characters when it is built."""
        if _lexer is not None:
            got = _lexer.tokenise(line, self._word_dict(model, with_lemmas), self._word_forms, model, with_lemmas,
                                  model.codes[BARRIER])
            if got is not None:
                return got
        low = line.lower()
        if len(low) != len(line) or "\u03a3" in line:
            # lower-casing that changes lengths, or Greek capital sigma (lower-cased by context):
            # a word's forms depend on the line, not only the word
            toks, keys, brk, seq, seq_tok, lemmas = self._tokenise_reference(line, model, with_lemmas)
            text, key_idx = ExactMatcher.prepare(seq, model.codes)
            return toks, keys, brk, lemmas, (text, [seq_tok[x] for x in key_idx])
        words = self._word_dict(model, with_lemmas)
        toks: list = []
        keys: list = []
        brk: list = []
        lemmas: list = []
        parts: list = []
        key_idx: list = []
        barrier = model.codes[BARRIER]
        find = line.find
        pos = 0         # in ``line``, after the last word
        pending = False
        i = 0
        for w in _TOKEN_OR_BREAK.findall(line):
            if not w:
                pending = True
                continue
            s = find(w, pos)
            pos = e = s + len(w)
            info = words.get(w)
            if info is None:
                info = words[w] = self._word_forms(w, model, with_lemmas)
            lw, f, k, lm, code = info[0], info[1], info[2], info[3], info[4]
            toks.append((s, e, f, lw))
            if pending and i:
                parts.append(barrier)
                key_idx.append(-1)
                brk.append(True)
            else:
                brk.append(False)
            pending = False
            keys.append(k)
            if k:
                parts.append(code)
                key_idx.append(i)
            if with_lemmas:
                lemmas.append(lm)
            i += 1
        return toks, keys, brk, lemmas, ("".join(parts), key_idx)

    def _word_dict(self, model, with_lemmas: bool) -> dict:
        """{word: its ``_word_forms``} for a language and lemma setting (emptied when full)."""
        words = self._words.get((model.lang, with_lemmas))
        if words is None or len(words) >= WORD_FORMS:
            words = self._words[(model.lang, with_lemmas)] = {}
        return words

    def _word_forms(self, w: str, model, with_lemmas: bool) -> tuple:
        """(lower, folded, key, lemma or None, the key's code in the matchers or '' for no key) of a
        word as the reference tokeniser and ``ExactMatcher.prepare`` compute them; with lemmas and the
        planner kernel, a sixth item: the word's bits for the kernel (``_planner_fast.word_bits``), which
        the compiled tokeniser hands over with the line's tokens."""
        lw = w.lower()
        f = lw if lw.isascii() else lw.translate(_FOLD_1TO1)
        k = model.keys._cache.get(lw)
        if k is None:
            k = model.keys.key(lw)
        if with_lemmas and _planner is not None and self.semantic:
            km = model.keys
            return (lw, f, k, self._lemma_of(lw), model.codes.get(k, UNKNOWN) if k else "",
                    _planner.word_bits(lw, f, k, km, km.framing, self._planner_words(model)[1]))
        return (lw, f, k, self._lemma_of(lw) if with_lemmas else None, model.codes.get(k, UNKNOWN) if k else "")

    def _tokenise_reference(self, line: str, model, with_lemmas: bool):
        """The first one-pass tokeniser (match objects, per-token look-ups), kept as the reference
        ``_tokenise`` is tested against: tokens, keys, barriers, the matchers' key sequence with
        barriers, each sequence item's token index (-1 for a barrier), lemmas."""
        low = line.lower()
        folded = None
        if len(low) == len(line):
            folded = low if low.isascii() else low.translate(_FOLD_1TO1)
            if len(folded) != len(line):
                folded = None
        toks: list = []
        keys: list = []
        brk: list = []
        seq: list = []
        seq_tok: list = []
        lemmas: list = []
        kcache = model.keys._cache
        keyf = model.keys.key
        lcache, lem = self._lemma_cache, self._lemma_of
        pending = False
        for m in _TOKEN_OR_BREAK.finditer(line):
            if m.lastindex is None:
                pending = True
                continue
            s, e = m.span()
            if folded is not None:
                f, lw = folded[s:e], low[s:e]
            else:
                lw = m.group().lower()
                f = fold(lw)
            i = len(toks)
            toks.append((s, e, f, lw))
            k = kcache.get(lw)
            if k is None:
                k = keyf(lw)
            if pending and i:
                seq.append(BARRIER)
                seq_tok.append(-1)
                brk.append(True)
            else:
                brk.append(False)
            pending = False
            keys.append(k)
            seq.append(k)
            seq_tok.append(i)
            if with_lemmas:
                lm = lcache.get(lw)
                lemmas.append(lm if lm is not None else lem(lw))
        return toks, keys, brk, seq, seq_tok, lemmas

    def _resolve(self, plan, model, prefer, hint, relevant: set | None = None, field: str = "description") -> tuple:
        """Mentions of one analysed line for one ROME hint: (start, end, rome, esco, label, kind,
        score, method, unlisted) with offsets into the line. ``relevant`` (without a hint) receives
        every ROME code whose presence in the hint's fiche could change the result."""
        _, toks, keys, exact_plan, cands, curated, line = plan
        if not toks:
            return ()
        E = self.c.entries
        rome_of = E.rome
        flags = self._flags()
        found = list(curated)
        exact_kept = []
        for i, j, entries, score, method, prio in exact_plan:
            if prefer:
                eid = self._pick(entries, prefer)
            else:
                eid = _pick_without_hint(entries, flags, E.esco)
            if relevant is not None:
                relevant.update([rome_of[e] for e in entries if flags[e]])
            if not flags[eid]:
                swap = self._swap(frozenset([keys[x] for x in range(i, j + 1) if keys[x]]), model, prefer, hint,
                                  relevant)
                if swap is not None:
                    eid = swap
            exact_kept.append((i, j, eid, score, method, prio))
        # the exact match over each token (they never overlap), and those a candidate replaced: a
        # candidate finds the matches inside it in its own length (a scan of every match per
        # candidate was quadratic: 74 s for a 1 MB one-line description)
        cover = {x: n for n, m in enumerate(exact_kept) for x in range(m[0], m[1] + 1)} if exact_kept else None
        dropped: set = set()
        inside: set = set()
        grown: dict = {}        # exact match -> the last token of the phrase it is the label of
        # the first resolution of a line (no hint, noting the codes): ``_link``'s path, without its call
        direct = not prefer and relevant is not None
        memo = self._memo
        lang = model.lang
        for i0, j0, i, j, content, keyset, is_task, single, job_task, job_bullet in cands:
            if cover is not None:
                inside = {cover[x] for x in range(i0, j0 + 1) if x in cover} - dropped
            if inside:
                covered = {x for n in inside for x in range(exact_kept[n][0], exact_kept[n][1] + 1) if keys[x]}
                if len(covered.intersection(content)) >= 0.6 * len(content):
                    if len(inside) == 1:
                        n = next(iter(inside))
                        end = j
                        while end > exact_kept[n][1] and (not keys[end] or keys[end] in _GROW_STOP):
                            end -= 1    # not "… de type", "… au niveau", "… une équipe plus"
                        if exact_kept[n][0] >= i and end > exact_kept[n][1] and n not in grown:
                            # the label says it, the phrase goes on with what makes it specific (§3):
                            # "analyser les tendances **de vente**", "accueil des clients **en caisse**"
                            grown[n] = end
                    continue    # the exact label says it
            if not direct:
                link = self._link(keyset, model, prefer, hint, relevant)
            elif keyset:
                memo_key = (lang, keyset)
                got = memo.get(memo_key)
                if got is None:
                    got = self._rank_new(memo_key, keyset, model)
                relevant |= got[1]
                link = got[2]
            else:
                link = None
            score, eid = link if link else (0.0, None)
            if single and score < T_SINGLE and not job_task:
                continue    # a lone word that only relates to a label ("aluminium" ~ "Travail de l'aluminium")
            if eid is not None and score >= (T_ROME if flags[eid] else T_ESCO):
                if _not_a_task(toks, keys, line, i, j, True):
                    continue
                dropped |= inside
                found.append((i, j, eid, _round3(min(score, 1.0)), "semantic", 1))
            elif (is_task or job_bullet) and 1 <= len(content) <= 14 and score >= T_UNLISTED \
                    and not _vague_task(content, keys) \
                    and not _not_a_task(toks, keys, line, i, j, False, model.keys.is_action(toks[i][3])):
                dropped |= inside
                found.append((i, j, -1, _round3(max(score, 0.3)), "semantic", 0))
        if grown:
            exact_kept = [(m[0], grown[n], *m[2:]) if n in grown and n not in dropped else m
                          for n, m in enumerate(exact_kept)]
        found.extend([m for n, m in enumerate(exact_kept) if n not in dropped] if dropped else exact_kept)
        found.sort()
        out = []
        last_end = -1
        line = plan[6]
        km = model.keys
        if len(found) > 1:
            found = _action_lists(found, toks, keys, line, km, E.kind)
        if found and field == "description":     # a title's names are the job's, not tools
            listed = _listed_names(found, toks, line, E.kind)
            if listed:
                found = sorted(found + listed)
        spans = {m[0]: m[1] for m in found}       # first token -> last token (found is sorted: the longest kept)
        loose = {m[0]: m[2] for m in found if m[4] == "semantic" and m[2] != -2}   # what a conjunct may absorb
        kind_of = E.kind
        n_toks = len(toks)
        for i, j, eid, score, method, _ in found:
            if toks[i][0] < last_end:
                continue
            if _coordinated(toks, i, j, n_toks):
                i, j = self._shared_coordination(i, j, toks, keys, line, km, last_end, spans)
            kind = kind_of[eid] if eid >= 0 else "savoir" if eid == -2 else "savoir-faire"
            if (kind == "savoir-faire" or kind == "savoir") and _listed_after(toks, line, j, n_toks) \
                    and km.is_action(toks[i][3]):
                j = self._shared_objects(i, j, toks, keys, line, km, spans, loose, eid)
            start, end = toks[i][0], toks[j][1]
            c = line[end:end + 1]     # every gender mark starts with one of "(./-", or a space then "(" or "-"
            g = _GENDER.match(line, end) if c and (c in "(./-" or c.isspace()
                                                   and line[end + 1:end + 2] in _MARK_AFTER_SPACE) else None
            if g and (j + 1 >= len(toks) or toks[j + 1][0] >= g.end() or toks[j + 1][1] <= g.end()):
                end = g.end()
            elif line.startswith(")", end) and line.count("(", start, end) > line.count(")", start, end):
                end += 1        # "polyvalent(e)": a gender mark matched as a word keeps its bracket
            if kind == "certification":
                if i == j and toks[i][2] == "permis":
                    if i > 0 and toks[i - 1][2] in _AVOIR and not line[toks[i - 1][1]:start].strip():
                        continue    # "vous a permis de", "nous ont permis": permettre, not a licence
                    licence = self._licence(toks, line, j)
                    if licence is not None:
                        # "permis D", "permis CE": the category, which the key matcher cannot see
                        # ("d", "ce" are function words), says which licence
                        j, eid = licence
                        end = toks[j][1]
                end, j = self._codes_after(toks, line, j, end)
            elif kind == "savoir-être" and toks[i][2] == "ecoute" and i >= 2 and toks[i - 1][2] == "l" \
                    and toks[i - 2][2] == "a" and toks[i - 2][0] >= last_end and _joined(line, toks, i - 2, i - 1):
                start = toks[i - 2][0]      # "à l'écoute": the quality as ads say it (§7 lists the phrase)
            elif kind == "langue" and j + 1 < len(toks) and toks[j + 1][2] in _LEVEL \
                    and not line[end:toks[j + 1][0]].strip() and spans.get(j + 1) is None:
                j += 1          # "Français courant", "allemand B2": a language with its level (§2)
                end = toks[j][1]
            last_end = end
            if eid < 0:
                out.append((start, end, None, None, "", kind, score, method, True))
                continue
            rome = rome_of[eid]
            esco = None if rome else E.esco[eid]
            out.append((start, end, rome, esco, E.label[eid], kind, score, method, not (rome or esco)))
        return tuple(out)

    @staticmethod
    def _shared_coordination(i: int, j: int, toks, keys, line: str, km, last_end: int, spans: dict) -> tuple[int, int]:
        """EVALUATION.md §3: conjuncts that share a part which cannot be split off are one span.

        - a lone action before "et"/"ou" shares the mention's object: "**conception et évaluation
          d'algorithmes**", "**fidéliser et développer le portefeuille**", "**manipulation et la
          visualisation des données**" (the action is in no other mention and opens its clause: before
          it and its little words, a break, a framing word or the previous mention — not "équipes de
          production et …");
        - an adjective after "et"/"ou" shares the mention's noun: "**langues française et anglaise**",
          "**capacités relationnelles et rédactionnelles**" (same ending as the mention's last word, then
          a break or the end of the line; a mention of that adjective alone is merged in).
        The gaps crossed hold spaces only (punctuation ends a coordination)."""
        k = i - 1
        if k >= 1 and toks[k][2] in _DETERMINER and _joined(line, toks, k, i):
            k -= 1
        if k >= 1 and toks[k][2] in _COORD and _joined(line, toks, k, k + 1):
            a = k - 1
            b = a - 1       # before the action and its little words ("de la", "en"): what opens it
            while b >= 0 and toks[b][2] in _OPENER and _joined(line, toks, b, b + 1):
                b -= 1
            if keys[a] and toks[a][0] >= last_end and _joined(line, toks, a, k) and km.is_action(toks[a][3]) \
                    and (b < 0 or not _joined(line, toks, b, b + 1) or keys[b] in km.framing or toks[b][1] <= last_end):
                i = a
        n = len(toks)
        if j + 2 < n and toks[j + 1][2] in _COORD and _joined(line, toks, j, j + 1) \
                and _joined(line, toks, j + 1, j + 2) and spans.get(j + 2, j + 2) == j + 2 and j + 1 not in spans:
            last, nxt = toks[j][2], toks[j + 2][2]
            # the adjective ends the phrase: a break, the end of the line, or, after a noun and its
            # adjective, a verb that says what is asked of it ("langues française et anglaise **sont**
            # exigées"; not a list of nouns: "pneumatique et hydraulique appréciées")
            ends = j + 3 >= n or not _joined(line, toks, j + 2, j + 3) or i < j and (
                keys[j + 3] in _COPULA or keys[j + 3] in _REQUIRED)
            # (a noun in -ité is no adjective: "rapidité et efficacité" are two qualities)
            if ends and len(last) >= 5 and len(nxt) >= 5 and last[-3:] == nxt[-3:] and keys[j + 2] \
                    and not nxt.endswith(("ite", "ites")) \
                    and line[toks[j + 2][0]].islower() and not km.is_action(toks[j + 2][3]):
                j += 2
        return i, j

    @staticmethod
    def _shared_objects(i: int, j: int, toks, keys, line: str, km, spans: dict, loose: dict | None = None,
                        eid: int = -1) -> int:
        """EVALUATION.md §3: objects coordinated after an action share it and cannot stand alone, so
        they join its span: "**suivi des livrables, des délais et des budgets**", "**accueillir et
        conseiller les sociétaires et prospects**", "**mettre en place les huisseries, les encadrements
        et les montants**". Each conjunct after ", " / "et" / "ou" / "ainsi que" is a short noun phrase
        (determiners, nouns, "de" complements) that holds no action and opens no mention — or only an
        unlisted one, or one linked to the action's own item (``loose``: first token -> item): a bare
        object is no skill of its own; the last conjunct ends the clause (punctuation or the end of
        the line). After a comma, the conjunct repeats the object's determiner (the first one after
        the action: "mettre en place **les** …, **les** …"): otherwise commas make a list of skills
        ("création paysagère, massifs, pavage" are three)."""
        n = len(toks)
        end = j
        det = ""        # the object's determiner: right after the action or its particle ("mettre en place les")
        for x in range(i + 1, min(j, i + 3) + 1):
            if toks[x][2] in _OBJECT_DET:
                det = toks[x][2]
                break
            if toks[x][2] in _COORD:
                break
        k = j + 1
        fallback = -1   # the end before a conjunct that is an action noun ("le conseil"): kept only if
        # the chain ends there or goes on with objects ("les encadrements et les montants"), not
        # when an action with its own object follows ("le conseil et la vente de produits")
        while k < n:
            gap = line[toks[k - 1][1]:toks[k][0]].strip()
            if gap == ",":
                if k + 1 < n and toks[k][2] in _COORD and _joined(line, toks, k, k + 1):
                    k += 1          # ", et …"
            elif not gap and toks[k][2] in _COORD and k + 1 < n and _joined(line, toks, k, k + 1):
                k += 1
            elif not gap and toks[k][2] == "ainsi" and k + 2 < n and toks[k + 1][2] == "que" \
                    and _joined(line, toks, k, k + 1) and _joined(line, toks, k + 1, k + 2):
                k += 2
            else:
                break
            a = k
            while a < k + 2 and toks[a][2] in _OBJECT_DET and a + 1 < n \
                    and line[toks[a][1]:toks[a + 1][0]].strip() in _ELIDED:
                a += 1      # "des", "de la", "de l'", "d'"
            if toks[k][2] in _NOT_CONJUNCT or gap == "," and (
                    a == k or not _same_determiner(toks[k][2], det) or not line[toks[k][0]].islower()):
                # "préparation de commande, la visibilité des prix": a list of skills
                return fallback if fallback >= 0 else end
            b = a
            size = 0
            acts = False
            reach = a       # a mention absorbed must end inside the conjunct
            while b < n and size < 4:
                f = toks[b][2]
                if b in spans:
                    if loose is None or loose.get(b, -3) not in (-1, eid):
                        break
                    reach = max(reach, spans[b])
                if not keys[b] or f in _NOT_SKILL_HEAD:
                    break
                if km.is_action(toks[b][3]):
                    if b == a == k or not km.is_nominal(toks[b][3]) or b + 1 < n and _joined(line, toks, b, b + 1) \
                            and toks[b + 1][2] not in _COORD:
                        break   # a verb ("le servir"), an action with its own object ("et la préparation des
                        # commandes"); not an action noun after its determiner ending the conjunct ("et de l'isolation")
                    acts = True
                size += 1
                if b + 2 < n and toks[b + 1][2] in _OPENER_NOT_COORD and _joined(line, toks, b, b + 1) \
                        and line[toks[b + 1][1]:toks[b + 2][0]].strip() in _ELIDED and keys[b + 2] \
                        and toks[b + 2][2] not in _NOT_SKILL_HEAD and b + 2 not in spans:
                    b += 2          # "flux de production"
                elif b + 1 < n and _joined(line, toks, b, b + 1) and keys[b + 1] and toks[b + 1][2] not in _COORD \
                        and (b + 1 not in spans or loose is not None and loose.get(b + 1, -3) in (-1, eid)):
                    b += 1          # "réclamations clients", "flux SI"
                else:
                    break
            if size == 0 or b >= n or b < a or b < reach:
                return fallback if fallback >= 0 else end
            if b + 1 < n:
                after = line[toks[b][1]:toks[b + 1][0]].strip()
                if after[:1] in _WORD_JOINERS if after else toks[b + 1][2] not in _COORD and toks[b + 1][2] != "ainsi":
                    # the phrase goes on ("et les expéditions pour …", "ou co-animer")
                    return fallback if fallback >= 0 else end
            fallback = end if acts else -1
            end = k = b
            k += 1
        return end

    def _drop_capacity(self, m: tuple, toks, keys) -> tuple:
        """EVALUATION.md §7: "capacité(s) de/d'/à", "aptitude à", "qualités" are not part of a soft
        skill's span ("capacité d'**adaptation**", "qualités d'**écoute**"), except "capacité d'analyse"
        (kept whole)."""
        i, j = m[0], m[1]
        if i >= j or toks[i][2] not in _CAPACITY:
            return m
        k = i + 1
        while k <= j and not keys[k]:
            k += 1
        if k > j or k == i + 1 or toks[k][2].startswith("analys"):
            return m        # "qualités relationnelles": no "de"/"à", the noun and its adjective stay together
        return (k, j, m[2], m[3], self._method(toks, keys, k, j), *m[5:])

    def _licence(self, toks, line: str, j: int) -> tuple[int, int] | None:
        """(token of the category, entry) when "permis" at token ``j`` is followed by a driving-licence
        category ("permis D", "permis CE", "permis EB", "permis remorque"), else None. The categories
        come from the taxonomy's labels ("Permis de conduire catégorie D")."""
        k = j + 1
        if k >= len(toks) or line[toks[j][1]:toks[k][0]] not in (" ", "\u00a0"):
            return None
        cats = self.__dict__.get("_licences")
        if cats is None:
            cats = self._licences = {}
            E = self.c.entries
            for eid, label in enumerate(E.label):
                m = _LICENCE_LABEL.match(label or "")
                if m and E.kind[eid] == "certification" and (E.rome[eid] or m.group(1).lower() not in cats):
                    cats[m.group(1).lower()] = eid
            for alias, cat in _LICENCE_ALIASES.items():
                if cat in cats:
                    cats.setdefault(alias, cats[cat])
        word = toks[k][2]
        if not (word in _LICENCE_WORDS or line[toks[k][0]:toks[k][1]].isupper()):
            return None     # a category is written in capitals: "permis de travail" is no "permis DE"
        eid = cats.get(word)
        return None if eid is None else (k, eid)

    @staticmethod
    def _codes_after(toks, line: str, j: int, end: int) -> tuple[int, int]:
        """A certification's codes and categories belong to its span: "CACES R389/R489 cat 1-3-5",
        "permis C/CE". Tokens with a digit (or "cat"/"catégorie"), joined by spaces, "/", "-" or "+"."""
        k = j + 1
        while k < len(toks):
            gap = line[toks[k - 1][1]:toks[k][0]]
            norm = toks[k][2]
            if len(gap) > 3 or gap.strip(" /-+") or not (any(c.isdecimal() for c in norm) or norm in _CODE_WORDS
                                                           or (len(norm) <= 2 and gap.strip() == "/")):
                break
            j, end = k, toks[k][1]
            k += 1
        return end, j

    def _swap(self, keyset: frozenset, model, prefer, hint, relevant: set | None = None):
        """A ROME entry close enough to replace an exact match on an ESCO-only label, or None."""
        got = self._swaps.get((model.lang, keyset, None))
        if got is None:
            E = self.c.entries
            flags = self._flags()
            seen: set = set()
            swap = model.sim.best(keyset, entry_ogr=E.rome.__getitem__, k=8, seen=seen)
            swap = [x for x in swap if flags[x[1]]]
            codes = frozenset([E.rome[e] for e in seen if flags[e]])
            got = (swap[0][1] if swap and swap[0][0] >= T_SWAP else None, codes)
            if len(self._swaps) < CANDIDATE_MEMO:
                self._swaps[(model.lang, keyset, None)] = got
        if relevant is not None:
            relevant |= got[1]
        if not prefer or got[1].isdisjoint(prefer):
            return got[0]       # no label of the shortlist is in the hint's fiche: the same as without
        key = (model.lang, keyset, hint)
        res = self._swaps.get(key, _MISSING)
        if res is _MISSING:
            E = self.c.entries
            swap = model.sim.best(keyset, prefer=prefer, entry_ogr=E.rome.__getitem__, k=8)
            swap = [x for x in swap if E.rome[x[1]]]
            res = swap[0][1] if swap and swap[0][0] >= T_SWAP else None
            if len(self._swaps) < CANDIDATE_MEMO:
                self._swaps[key] = res
        return res

    # -- helpers -----------------------------------------------------------------------------
    @staticmethod
    def _method(toks, keys, i, j) -> str:
        """"exact" when the words are the label's own, "lemma" when inflection or derivation was needed."""
        for x in range(i, j + 1):
            k = keys[x]
            if k and k != toks[x][2]:
                return "lemma"
        return "exact"

    def _pick(self, entries, prefer) -> int:
        E = self.c.entries
        best, best_rank = entries[0], 99
        for e in entries:
            rank = 0 if (prefer and E.rome[e] in prefer) else 1 if E.rome[e] else 2 if E.esco[e] else 3
            if rank < best_rank:
                best, best_rank = e, rank
        return best

    def _link(self, keyset: frozenset, model, prefer, hint, relevant: set | None = None):
        """(score, entry) of the best link for a candidate, ROME first, or None."""
        if not keyset:
            return None
        ranked, codes, link = self._ranked(keyset, model)
        if relevant is not None:
            relevant |= codes
        if not prefer or codes.isdisjoint(prefer):
            # no ranked label in the hint's fiche, or no hint: the link depends on the ranked labels
            # alone, remembered with them
            return link
        link_key = (model.lang, keyset, hint)
        got = self._links.get(link_key, _MISSING)
        if got is not _MISSING:
            return got
        got = self._link_uncached(ranked, prefer)
        if len(self._links) < CANDIDATE_MEMO:
            self._links[link_key] = got
            if self._new_links is not None:
                self._new_links.append(link_key)
        return got

    def _ranked(self, keyset: frozenset, model):
        """The top labels of a key set without the fiche bonus (shared by ads of every occupation),
        their ROME codes and the link they give without a hint: (ranked, codes, link)."""
        memo_key = (model.lang, keyset)
        got = self._memo.get(memo_key)
        return got if got is not None else self._rank_new(memo_key, keyset, model)

    def _rank_new(self, memo_key: tuple, keyset: frozenset, model):
        """``_ranked`` of a key set not in the memo (``memo_key``), remembered. The link without a hint
        is remembered with the ranking: found again from it, it read up to 12 scattered (score, entry)
        pairs per candidate, each a cache miss by then."""
        ranked, codes = model.sim.ranked(keyset, self.c.entries.rome, 12)
        got = (ranked, codes, _link_without_hint(ranked, self._flags()))
        if len(self._memo) < CANDIDATE_MEMO:
            self._memo[memo_key] = got
            if self._new_ranked is not None:
                self._new_ranked.append(memo_key)
        return got

    def _flags(self) -> bytes:
        """Per entry, 1 when it has a ROME code: tested without reading the code strings themselves
        (scattered in memory, a cache miss each). Made again when the entries changed."""
        flags = self._rome_flags
        if len(flags) != len(self.c.entries.rome):
            flags = self._rome_flags = bytes([1 if c else 0 for c in self.c.entries.rome])
        return flags

    def _link_uncached(self, ranked: list, prefer):
        """The link of a candidate from its ranked labels (``_ranked``): the best ROME label at
        ``T_ROME`` (or an item of the hint's fiche at ``T_FICHE``), else the best other one at ``T_ESCO``,
        else the best of all."""
        if not prefer:
            return _link_without_hint(ranked, self._flags())
        rome_of = self.c.entries.rome
        ranked = sorted([(sc + FICHE_BONUS if rome_of[e] in prefer else sc, e) for sc, e in ranked], reverse=True)
        if not ranked:
            return None
        rome, other = _firsts(ranked, self._flags())
        if rome is not None:
            if rome[0] >= T_ROME:
                return rome
            if prefer and rome_of[rome[1]] in prefer and rome[0] >= T_FICHE:
                return (T_ROME, rome[1])      # an item of the ad's own fiche, close enough: prefer it
        if other is not None and other[0] >= T_ESCO:
            return other
        return ranked[0]

    @staticmethod
    def _greedy(matches, taken):
        """Longest / highest priority first, no overlaps; marks ``taken``."""
        out = []
        if len(matches) > 1:
            matches = sorted(matches, key=_greedy_order)
        for m in matches:
            i, j = m[0], m[1]
            free = True
            for x in range(i, j + 1):
                if taken[x]:
                    free = False
                    break
            if not free:
                continue
            for x in range(i, j + 1):
                taken[x] = True
            out.append(m)
        return out

    @staticmethod
    def _free_stretch(i, j, taken, keys):
        best, cur = None, None
        for x in range(i, j + 1):
            if taken[x]:
                cur = None
                continue
            cur = (cur[0], x) if cur else (x, x)
            n = 0
            for y in range(cur[0], cur[1] + 1):
                if keys[y]:
                    n += 1
            if best is None or n > best[2]:
                best = (cur[0], cur[1], n)
        if not best or best[2] == 0:
            return None, None
        a, b = best[0], best[1]
        while a <= b and not keys[a]:
            a += 1
        while b >= a and not keys[b]:
            b -= 1
        return (a, b) if a <= b else (None, None)

    def _soft_ok(self, toks, keys, i, j, brk, lang: str = "fr") -> bool:
        """A soft-skill word is not one when it describes the job, not the person
        ("environnement dynamique", "poste polyvalent") or heads a task ("organisation des…").
        ``brk[t]``: punctuation between tokens t-1 and t."""
        if i > 0 and keys[i - 1] in _SOFT_CONTEXT and not brk[i]:
            return False
        if i == j and i > 0 and toks[i - 1][2] in _THING_DET and not brk[i] \
                and not (toks[i - 1][2] in _ARTICLE and i > 1 and keys[i - 2] in _HAVING and not brk[i - 1]):
            return False        # "consultant en organisation", "nos engagements": a thing, not a quality
                                # (but "vous aimez le contact", "acceptez la polyvalence": the person's)
        if i == j and toks[i][2] in _NOUN_TOO and i > 0 and not brk[i] and keys[i - 1] \
                and keys[i - 1] not in _COPULA and toks[i - 1][2] not in _COORD:
            return False        # "dossier patient", "satisfaction patient": the noun, not the quality
        if i == j and j + 1 < len(toks) and toks[j + 1][2] in _OBJECT_DET and not brk[j + 1]:
            return False        # "organisation des tournées", "adapter les gammes": a task with its object
        if lang == "fr" and i == j and toks[i][2].endswith(("tions", "ites", "ances", "ences")):
            return False        # a quality is not counted: "entreprises et organisations" are things
        if i == j and toks[i][2] in _SUITABLE:
            return False        # "les outils les plus adaptés", "solutions adaptées": suitable, not adaptable
        if lang == "fr" and i == j:
            w = toks[i][2]
            if w.endswith("ons"):
                return False    # "nous nous engageons": the employer speaking, a verb
            if w.endswith("s") and not w.endswith(("ss", "us", "is")) and i > 0 and keys[i - 1] \
                    and not brk[i] and keys[i - 1] not in _COPULA and toks[i - 1][2] not in _CAPACITIES:
                return False    # "postes disponibles", "données fiables", "salariés engagés": a plural
                                # adjective qualifies things or other people, not the person hired
        forms = _QUALITY_FORMS.get(keys[i]) if i == j else None
        if forms is not None and toks[i][2] not in forms:
            return False        # "intègre" (honest) shares its key with "intégrer", "intégration"
        return True

    @staticmethod
    def _language_ok(toks, keys, i, brk) -> bool:
        """A language name is the language asked for ("maîtrise de l'**anglais**", "**Français**
        courant", "langues française et anglaise"), not a nationality ("partenaire français",
        "clients anglais", "entreprise française", "principalement allemands"): after a noun or an
        adjective, or inflected (feminine, plural), it needs "langue" just before it."""
        for x in range(max(0, i - 3), i):
            if toks[x][2] in _LANGUAGE_WORD:
                return True
        f = toks[i][2]
        if f.endswith(("e", "s")) and f not in _LANGUAGE_BASE:
            return False        # "française", "allemands": an adjective of something else
        return i == 0 or brk[i] or not keys[i - 1] or keys[i - 1] in _LANGUAGE_CONTEXT

    @staticmethod
    def _token_classes(toks, segments, field):
        """Class of each token ("header" for header lines) and the index of its segment (-1 if none)."""
        if _planner is not None:
            return _planner.token_classes(toks, segments, field)
        n = len(toks)
        if field != "description":
            return ["offer"] * n, [-1] * n
        if len(segments) == 1 and n:
            seg = segments[0]
            if seg.start <= toks[0][0] and toks[n - 1][0] < seg.end:     # one segment holds every token
                return ["header" if seg.header else seg.cls] * n, [0] * n
        cls = ["neutral"] * n
        seg_of = [-1] * n
        si, ns = 0, len(segments)
        for t in range(n):
            s = toks[t][0]
            while si < ns and segments[si].end <= s:
                si += 1
            if si < ns and segments[si].start <= s:
                seg = segments[si]
                cls[t] = "header" if seg.header else seg.cls
                seg_of[t] = si
        return cls, seg_of

    def _candidates(self, toks, keys, tok_cls, seg_of, segments, model, masked, brk, word_bits=None):
        """(first, last, starts_with_action, knowledge asked for) candidate phrases in job / neutral
        segments (``word_bits``: the tokens' bits for the kernel, from ``_lexed``, or None)."""
        if _planner is not None:
            words, titles = self._planner_words(model)
            return _planner.candidates(toks, keys, tok_cls, seg_of, masked, brk, model.keys, model.keys.framing,
                                       self.c.job_titles, titles, _GENDER_PAIR, words, None, word_bits)
        km = model.keys
        framing = km.framing
        trim = self._trim
        job_titles = self.c.job_titles
        norms = [tk[2] for tk in toks]
        out = []
        n = len(toks)
        t = 0
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
                last, nxt_start = toks[t - 1][1], toks[t][0]
                if (nxt_start - last != 1 or masked[last] != " ") and \
                        masked[last:nxt_start].strip(" ") in ("+", "&", " - ", "–"):
                    break       # (a gap of one space, the usual, is never one of those)
                chunk.append(t)
                t += 1
            if t < n and seg_of[t] == seg and norms[t] in _COORD:
                coord_next = True
                t += 1
            else:
                coord_next = False
            span = trim(chunk, toks, keys, km, framing, masked)
            if span is None:
                continue
            i, j = span
            action = km.is_action(toks[i][3])
            # "expérience en maçonnerie", "connaissance de la législation": what follows is knowledge
            # the ad asks for (EVALUATION.md §4), a skill even as one word or when no label says it
            known = keys[chunk[0]] in _KNOWLEDGE and i > chunk[0]
            asked = False
            if not known and j > i and i > chunk[0]:
                for x in chunk:
                    if x >= i:
                        break
                    if keys[x] in _ASKED_KNOWLEDGE:
                        asked = True
                        break
                if asked:
                    for x in range(i - 1, j + 1):
                        if toks[x][2] in _NOT_KNOWLEDGE:
                            asked = False
                            break
            if known or asked:
                # "vous maîtrisez les normes comptables", "une connaissance approfondie des pièces
                # automobiles": the knowledge asked for, without how well it is known
                while i < j and (not keys[i] or toks[i][2] in _HOW_WELL):
                    i += 1
                while j > i and (not keys[j] or toks[j][2] in _HOW_WELL):
                    j -= 1
                if toks[i][2] in _HOW_WELL:
                    continue        # "connaissances détaillées :" says how well, not what
                known = i < j or toks[i][2] not in _VAGUE or not asked
            # "réception et contrôle des marchandises": a lone action joined to the next conjunct;
            # "superviser le balisage et les promotions", "juridiques et fiscales": a conjunct that
            # only continues the object (no action of its own) stays in the same span
            if coord_next and j == chunk[-1] and t < n and seg_of[t] == seg and (action or t - 1 > j):
                u = t
                nxt = []
                while u < n and seg_of[u] == seg and not brk[u] and norms[u] not in _COORD:
                    nxt.append(u)
                    u += 1
                if nxt and len(nxt) <= 6 and i < j and norms[nxt[0]] not in ("autre", "autres"):
                    # ("et autres travaux de …" names another item: not a continuation)
                    first = None
                    for x in nxt:
                        if keys[x]:
                            first = x
                            break
                    lone_adj = len(nxt) == 1 and not norms[nxt[0]][:1].isdecimal() \
                        and masked[toks[nxt[0]][0]].islower()
                    if first is not None and not km.is_action(toks[first][3]) and \
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
                span2 = trim(nxt, toks, keys, km, framing, masked) if nxt else None
                if span2 and km.is_action(toks[span2[0]][3]) and span2[1] > span2[0]:
                    j = span2[1]
                    t = u
            head = keys[i]
            norm = norms[i]
            if head in _NOT_SKILL_HEAD or head in _DIPLOMA or norm in _NOT_SKILL_HEAD or norm in _DIPLOMA \
                    or norm[:1].isdecimal():
                field_known = False
                if known and head in _FIELD_HEAD:
                    for x in range(i + 1, j + 1):
                        if keys[x] and keys[x] not in framing:
                            field_known = True
                            break
                if not field_known:
                    continue    # but "connaissance du secteur agroalimentaire": knowledge asked for (§4)
            if i > 0 and norms[i - 1] == "nous" and norm.endswith("ons"):
                continue        # "nous accompagnons…", "nous proposons…": the employer speaking (§4)
            if keys[i] in _SETTING_VERBS and i < j and toks[i + 1][2] in _SETTING_WORDS:
                # "vous interviendrez sur les chantiers", "travaillez au sein du service": where the job
                # is done, work context (§4); but "intervenez sur la **conception**": the activity is the skill
                k = None
                for x in range(i + 2, j + 1):
                    if keys[x]:
                        k = x
                        break
                if k is None or not km.is_action(toks[k][3]):
                    continue
                i, action = k, True
            if _past_participle(toks[i][3], keys[i]) and km.is_action(toks[i][3]) and not km.is_nominal(toks[i][3]):
                continue        # "(objectifs) définis par l'entreprise", "(procédure) établie": what a thing
                                # undergoes, not a task (tasks are infinitives or nominalised actions)
            d = i
            while d <= j and d < n - 1 and not (norms[d].isdecimal() and norms[d + 1] in _DURATION):
                d += 1
            if d <= j and d < n - 1:
                continue        # an amount of experience or of time is not a skill
            if not known and i > 0 and norms[i - 1] == "en" and self._diploma_before(i, keys, norms, seg_of, brk):
                continue        # "bac +2 en assurances", "formation en comptabilité": a diploma's field (§4)
            if job_titles and frozenset(filter(None, keys[i:j + 1])) in job_titles:
                continue        # a job title is not a skill ("data scientist", "conseiller clientèle")
            if "/" in masked and (_GENDER_PAIR.search(masked, toks[i][0], toks[j][1])
                                  or _GENDER_PAIR.match(masked, toks[j][1])):
                continue        # "Conseiller immobilier en transaction H/F": a job title (§4)
            if i < j and (norms[i] == "tant" and norms[i + 1] == "que"
                          or norms[i] == "qualite" and i > 0 and norms[i - 1] == "en"):
                continue        # "en tant que référent technique", "en qualité de chargé de …": a role (§4)
            if _recruiting(norms, i, j):
                continue        # "exploitation laitière recherche un salarié", "recherche d'une alternance":
                                # who recruits or who is looking (§4); not "recherche des pannes"
            if i == j:
                # a lone word is a skill only as an item of a list ("Ponceuse, rabot, scie")
                before = masked[toks[i - 1][1]:toks[i][0]] if i > 0 else "\n"
                after = masked[toks[j][1]:toks[j + 1][0]] if j + 1 < n else "\n"
                listed = (_LIST_SEP.search(before) or norms[i - 1] in _COORD) and \
                    (_LIST_SEP.search(after) or (j + 1 < n and norms[j + 1] in _COORD))
                if not listed and not known:
                    continue
            out.append((i, j, action, known))
        return out

    def _planner_words(self, model) -> tuple:
        """({word: its bits}, every key of a job title) for the compiled ``_planner`` in ``model``'s language."""
        got = self._word_bits.get(model.lang)
        if got is None or len(got[0]) >= WORD_FORMS:
            titles = self.c.job_titles
            got = self._word_bits[model.lang] = ({}, frozenset().union(*titles) if titles else frozenset())
        return got

    @staticmethod
    def _diploma_before(i, keys, norms, seg_of, brk) -> bool:
        """A diploma word among the six tokens before token ``i - 1``, in the same segment as ``i``
        with no punctuation between it and ``i``."""
        for x in range(max(0, i - 6), i - 1):
            if seg_of[x] != seg_of[i]:
                continue
            cut = False
            for y in range(x + 1, i):
                if brk[y]:
                    cut = True
                    break
            if not cut and (keys[x] in _DIPLOMA or norms[x] in _DIPLOMA):
                return True
        return False

    @staticmethod
    def _trim(chunk, toks, keys, km, framing, line):
        """Drop framing words and determiners in front, cut at a clause opener, drop trailing function words."""
        k = 0
        m = len(chunk)
        while k < m:
            x = chunk[k]
            key = keys[x]
            w = toks[x][2]
            if not key or w.isdecimal() or len(w) == 1:
                k += 1
                continue
            if key in framing and (w in framing or not km.is_nominal(toks[x][3])):
                # a framing word ("chargé de", "maîtrise de"), but not an action named by a noun
                # whose verb frames: "**chargement** des camions" (charger)
                k += 1
                continue
            if key in LIGHT_VERBS and not (key == "prendre" and w.startswith("prise")):
                # "effectuer la saisie", "réalisation des travaux": the light verb goes; but "prise de
                # commandes", "prise de rendez-vous" name the action themselves (prendre commande)
                nxt = None
                for y in chunk[k + 1:]:
                    if keys[y]:
                        nxt = y
                        break
                if nxt is not None and km.is_nominal(toks[nxt][3]):
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
            if n_content >= 1 and w in ("vous", "nous") and key and line[toks[x][0] - 1] != "-":
                # "la gestion administrative vous plaît", "sens de l'analyse vous permet": a subject or
                # object pronoun opens another clause; "rendez-vous", "imaginez-vous" are words of their own
                break
            prev = w
            if key:
                n_content += 1
                if key not in _REQUIRED:
                    j = x
            elif w not in _TRAILING:
                j = x
        return (i, j)
