"""Matching keys: one comparable form per word, shared by taxonomy labels and ad text.

A key is the accent-folded simplemma lemma, with nominalisations mapped to their verb
("préparation" → "preparer", "nettoyage" → "nettoyer") so that ROME's infinitive labels
("Préparer les commandes") meet the nouns and conjugated forms of ads ("préparation des
commandes", "vous préparerez les commandes"). Function words get no key (they are skipped).
"""

from __future__ import annotations

from adequa.normalise.text import fold, lemma

STOP = {
    "fr": frozenset("""le la les l un une des du de d au aux a et ou en pour sur dans par avec son sa ses leur leurs
        votre vos notre nos ce cet cette ces qui que qu dont y se s sous vers chez ton ta tes mon ma mes
        the of and to an in for on with""".split()),
    "en": frozenset("""the a an of and or to in for on with at by from as into its their your our his her this that these
        those be is are""".split()),
}

# Words that frame a skill without being it ("vous serez chargé de", "maîtrise de"…), compared on keys.
FRAMING = {
    "fr": frozenset("""vous tu il elle nous on je ils elles etre avoir devoir pouvoir savoir assurer charger charge mission
        missions role participation participations
        principal principalement egalement aussi notamment ainsi maitrise maitriser connaissance connaitre connaissances
        experience experiences capacite capacites aptitude aptitudes capable participer contribuer veiller bon bonne
        excellent excellente solide solides parfait parfaite tres veritable reel reelle idealement imperativement
        necessaire indispensable exige exiger souhaite souhaiter apprecie apprecier requis maitrisez maitrisant sachant
        demander demande posseder disposer justifier idealement quotidien egalement serez aurez devrez pourrez
        amener amene venir aller occuper avoir etc es as
        faire preuve qualite qualites sens doter dote dotee capacite competence competences niveau notion notions
        familiarite familier familiere affinite appetence gout interet fort forte grand grande premier premiere
        contribution
        travailler deja utiliser accepter sensibilite sensibiliser comprehension notion different differente
        differents differentes divers diverse diverses autre autres plusieurs nombreux nombreuse nombreuses
        certain certaine certains certaines tout toute tous toutes concret concrete concrets professionnel
        professionnelle significatif significative confirme confirmee reussi reussie similaire similaires
        premiere dernier derniere minimum""".split()),
    "en": frozenset("""you we will be must should can able ability knowledge experience experienced proficiency proficient
        strong good solid excellent familiarity familiar understanding skills skill working work expertise
        ensure responsible including plus""".split()),
}

# Light verbs dropped before a nominalised action: "effectuer la mise en place" -> "mise en place".
LIGHT_VERBS = frozenset("effectuer realiser faire proceder assurer garantir prendre".split())

_SUFFIX_RULES = (("ication", "ier"), ("isation", "iser"), ("ation", "er"), ("ement", "er"), ("issage", "ir"),
                 ("age", "er"), ("ure", "er"), ("ssion", "ttre"), ("ition", "ir"))
_SUFFIXES = tuple(suffix for suffix, _ in _SUFFIX_RULES)     # one ``endswith`` before the rules' loop
# in derivations.tsv, a word that derives from no verb although a suffix rule would find one
NOT_DERIVED = "="


class KeyMaker:
    """norm (folded token) -> key, with a cache; ``verbs`` is the set of known infinitive keys."""

    def __init__(self, lang: str = "fr", derivations: dict[str, str] | None = None, verbs: set[str] | None = None):
        self.lang = lang
        self.stop = STOP.get(lang, STOP["en"])
        self.framing = FRAMING.get(lang, FRAMING["en"])
        self.derivations = dict(derivations or {})
        self.verbs = set(verbs or ())
        self._cache: dict[str, str] = {}
        self._nominal: set[str] = set()
        self._actions: dict[str, bool] = {}     # ``is_action``'s answers (not pickled)

    def key(self, norm: str) -> str:
        """The matching key of a lower-cased token, accents kept ('' for function words)."""
        got = self._cache.get(norm)
        if got is not None:
            return got
        got = self._key(norm)
        if len(self._cache) < 1_000_000:
            self._cache[norm] = got
        return got

    def _key(self, word: str) -> str:
        # an ASCII word folds to its lower case (``fold``'s table maps no ASCII character): no look-up
        # in ``fold``'s LRU cache, whose bookkeeping was half of a new word's key
        norm = word.lower() if word.isascii() else fold(word)
        if norm in self.stop or not norm:
            return ""
        lem = lemma(word, self.lang) if self.lang in ("fr", "en") else norm
        if self.lang != "fr":
            return lem
        for form in (norm, lem):
            derived = self.derivations.get(form)
            if derived == NOT_DERIVED:
                return lem      # a noun the suffix rules would misread: "garage" is no "garer"
            if derived:
                self._nominal.add(word)
                return derived
        if lem in self.verbs:
            return lem
        if not (lem.endswith(_SUFFIXES) or norm.endswith(_SUFFIXES)):
            return lem
        for suffix, repl in _SUFFIX_RULES:
            for form in (lem, norm):
                if form.endswith(suffix) and len(form) > len(suffix) + 2:
                    cand = form[: -len(suffix)] + repl
                    if cand in self.verbs:
                        self._nominal.add(word)
                        return cand
        return lem

    def is_action(self, norm: str) -> bool:
        """True for a verb form or a nominalised action ("préparer", "préparerez", "préparation")."""
        got = self._actions.get(norm)   # the planner asks per word: a dict of the words asked, much
        if got is None:                 # smaller than the key cache (fewer cache misses)
            got = bool(norm) and self.key(norm) in self.verbs
            if len(self._actions) < 1_000_000:
                self._actions[norm] = got
        return got

    def is_nominal(self, norm: str) -> bool:
        """True for a nominalised action ("préparation", "mise") as opposed to the verb itself."""
        self.key(norm)
        return norm in self._nominal

    def keys(self, norms) -> list[str]:
        return [k for k in (self.key(n) for n in norms) if k]

    def __setstate__(self, state):
        self.__dict__.update(state)
        # framing words only steer span trimming: take the current list, not the pickled one
        self.framing = FRAMING.get(self.lang, FRAMING["en"])
        self._actions = {}

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_actions", None)
        state["_cache"] = dict(list(self._cache.items())[:300_000])
        return state
