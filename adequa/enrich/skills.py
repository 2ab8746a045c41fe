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

from adequa.enrich.lexical import LIGHT_VERBS
from adequa.enrich.skills_build import Compiled
from adequa.enrich.skills_exact import BARRIER, _BREAK
from adequa.model import SkillMention
from adequa.normalise.text import mask_escapes, spans

# Clause openers: a candidate is cut before them once it has content.
_CLAUSE = frozenset("afin pour selon lors dont qui que conformement tout car mais avec sans aupres grace chez "
                    "notamment via dans sous comme sein cas maniere lie liee lies liees concernant relatif relative "
                    "relatifs relatives ainsi etc".split())
_POSSESSIVE = frozenset("tes vos ses leurs nos son sa ton ta mes votre notre leur".split())
_COORD = frozenset("et ou".split())
_LIST_SEP = re.compile(r"[,;:\n()•\-–*/]|^\s*$")
_SOFT_CONTEXT = frozenset("environnement equipe equipes entreprise societe poste postes structure groupe ambiance cadre "
                          "secteur startup agence marche activite activites service mission missions job emploi contrat "
                          "vehicule site magasin atelier restaurant cuisine travail".split())
_NOT_SKILL_HEAD = frozenset("""poste postes contrat salaire remuneration entreprise societe groupe equipe client clients
    candidat candidature profil personne collaborateur collaboratrice h f cdi cdd heure heures semaine mois an ans annee
    jour jours lundi vendredi samedi dimanche horaire horaires mission missions role fonction objectif objectifs
    environnement cadre responsabilite rattache rattachement sein direction manager responsable titulaire amplitude
    preference moins plus besoin raison lequel laquelle domaine secteur ensemble cas mais aussi si entre selon type
    exemple minimum maximum idealement possibilite opportunite poste""".split())

_DIPLOMA = frozenset("""bac bts dut but cap bep licence master mastere diplome diplomer doctorat titre certification
    certifications formation formations niveau ingenieur cqp bpjeps deust iut ecole universite""".split())
_COPULA = frozenset("etre avoir devoir pouvoir constituer permettre".split())

_THING_DET = frozenset("en nos notre leur leurs la le les cet cette son sa ses ces des".split())

_MISSING = object()


def _copy(m: SkillMention) -> SkillMention:
    """A shallow copy (callers may change the mentions they get; the memo keeps its own)."""
    new = object.__new__(SkillMention)
    new.__dict__.update(m.__dict__)
    return new


TEXT_MEMO = 20_000      # distinct texts remembered (whole descriptions; cleared when full)
T_ROME = 0.62
T_ESCO = 0.70
T_WEAK = 0.45
T_SWAP = 0.70
FICHE_BONUS = 0.1
T_SINGLE = 0.95
T_UNLISTED = 0.0
T_FICHE = 0.55
# Gender marks glued to a word stay in the span: "rigoureux(se)", "motivé.e", "organisé/e".
_GENDER = re.compile(r"\s?\((?:e|se|euse|ve|ne|le|te|trice|rice|ère|ice|es)\)|\.(?:e|es|se|ve|ne|le|euse|rice|trice|ère|ive)\b|/(?:e|se|euse|ve|ne)\b|\s?-(?:e|se|ive|euse)\b")


class SkillExtractor:
    """Finds skill mentions; build with ``adequa.pipeline.annotate.load_skill_extractor(settings)``."""

    def __init__(self, compiled: Compiled, loader=None):
        self.c = compiled
        self.version = compiled.version
        self._memo: dict = {}
        self._texts: dict = {}       # (text, lang, hint, field, semantic) -> mentions: reposted ads cost nothing
        self._links: dict = {}       # (lang, candidate keys, ROME hint) -> link
        self._others: dict[str, "SkillExtractor"] = {}
        self.semantic = True         # False: exact pass only (curated lexicon + taxonomy labels)
        self._loader = loader        # lang -> Compiled, for languages built on demand
        from adequa.normalise.text import lemma

        cache: dict[str, str] = {}

        def lemma_of(word: str) -> str:
            got = cache.get(word)
            if got is None:
                got = cache[word] = lemma(word)
            return got

        self._lemma_of = lemma_of

    def clear_memos(self) -> None:
        """Forget remembered texts and links (to measure the cost of unseen ads)."""
        self._memo.clear()
        self._texts.clear()
        self._links.clear()
        for other in self._others.values():
            other.clear_memos()

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
        if not text:
            return []
        memo_key = (text, lang, rome_hint, field, self.semantic)
        got = self._texts.get(memo_key)
        if got is None:
            got = tuple(self._extract(text, lang, rome_hint, field))
            if len(self._texts) >= TEXT_MEMO:
                self._texts.clear()
            self._texts[memo_key] = got
        return [_copy(m) for m in got]

    def _extract(self, text: str, lang: str, rome_hint: str | None, field: str) -> list[SkillMention]:
        if lang not in self.c.langs:
            other = self.for_lang(lang)
            if other is not self:
                return other.extract(text, lang, rome_hint, field)
            lang = next(iter(self.c.langs))
        model = self.c.langs[lang]
        prefer = self.c.fiche_items.get(rome_hint) if rome_hint else None
        masked = mask_escapes(text)
        toks = spans(masked)
        if not toks:
            return []
        keyf = model.keys.key
        keys = [keyf(t[3]) for t in toks]
        # barrier keys between tokens separated by punctuation
        seq: list[str] = []
        seq_tok: list[int] = []
        prev_end = 0
        for i, (s, e, n, _) in enumerate(toks):
            if i and _BREAK.search(masked, prev_end, s):
                seq.append(BARRIER)
                seq_tok.append(-1)
            seq.append(keys[i])
            seq_tok.append(i)
            prev_end = e

        if field == "description":
            lem = self._lemma_of
            lemmas = [lem(t[3]) for t in toks]
            segments = self.c.segmenter.split(masked, toks, lemmas)
        else:
            segments = []
        tok_cls, seg_of = self._token_classes(toks, segments, field)

        found: list[tuple[int, int, int, float, str, int]] = []   # (tok_i, tok_j, entry, score, method, priority)
        taken = [False] * len(toks)

        # 1. curated lexicon: allowed everywhere but company / apply / diversity text
        prepared = model.curated.prepare(seq)
        for a, b, entries in model.curated.find(seq, prepared):
            i, j = seq_tok[a], seq_tok[b]
            if i < 0 or j < 0:
                continue
            if tok_cls[i] in ("company", "apply", "diversity", "header") or tok_cls[j] != tok_cls[i]:
                continue
            eid = entries[0]
            if self.c.entries.soft_single[eid] and not self._soft_ok(toks, keys, i, j, masked):
                continue
            if i == j and eid in self.c.case_sensitive and not toks[i][2][:1].isupper() and not text[toks[i][0]].isupper():
                continue        # "tableau" is not Tableau
            found.append((i, j, eid, 1.0, self._method(toks, keys, i, j), 3))
        found = self._greedy(found, taken)

        if field == "description":
            # 2. taxonomy labels, in job / neutral segments
            exact = []
            for a, b, entries in model.exact.find(seq, prepared):
                i, j = seq_tok[a], seq_tok[b]
                if i < 0 or j < 0:
                    continue
                if tok_cls[i] not in ("job", "neutral") or tok_cls[j] != tok_cls[i]:
                    continue
                eid = self._pick(entries, prefer)
                if not self.c.entries.rome[eid]:
                    swap = model.sim.best(frozenset(keys[x] for x in range(i, j + 1) if keys[x]), prefer=prefer,
                                               entry_ogr=self.c.entries.rome.__getitem__, k=8)
                    swap = [x for x in swap if self.c.entries.rome[x[1]]]
                    if swap and swap[0][0] >= T_SWAP:
                        eid = swap[0][1]
                n_content = sum(1 for x in range(i, j + 1) if keys[x])
                exact.append((i, j, eid, 1.0, self._method(toks, keys, i, j), 2 if n_content >= 2 else 1))
            exact_kept = self._greedy(exact, list(taken))
            # 3. candidate phrases
            cands = self._candidates(toks, keys, tok_cls, seg_of, segments, model, masked) if self.semantic else []
            for i, j, action in cands:
                inside = [m for m in exact_kept if not (m[1] < i or m[0] > j)]
                content = [x for x in range(i, j + 1) if keys[x]]
                covered = {x for m in inside for x in range(m[0], m[1] + 1) if keys[x]}
                if any(taken[x] for x in range(i, j + 1)):
                    # a curated mention sits inside: keep the longest free stretch
                    i, j = self._free_stretch(i, j, taken, keys)
                    if i is None:
                        continue
                    span = self._trim(list(range(i, j + 1)), toks, keys, model.keys, model.keys.framing)
                    if span is None:
                        continue
                    i, j = span
                    content = [x for x in range(i, j + 1) if keys[x]]
                    action = model.keys.is_action(toks[i][3])
                if inside and len(covered & set(content)) >= 0.6 * len(content):
                    continue    # the exact label says it
                link = self._link(frozenset(keys[x] for x in content), model, prefer, rome_hint)
                score, eid = link if link else (0.0, None)
                is_task = action and (tok_cls[i] == "job" or (seg_of[i] >= 0 and segments[seg_of[i]].bullet)
                                      or (tok_cls[i] == "neutral" and len(content) >= 2))
                single = len(content) == 1
                if single and score < T_SINGLE and not (is_task and tok_cls[i] == "job"):
                    continue    # a lone word that only relates to a label ("aluminium" ~ "Travail de l'aluminium")
                if eid is not None and score >= (T_ROME if self.c.entries.rome[eid] else T_ESCO):
                    for m in inside:
                        exact_kept.remove(m)
                    found.append((i, j, eid, round(min(score, 1.0), 3), "semantic", 1))
                elif (is_task or (not single and tok_cls[i] == "job" and seg_of[i] >= 0 and segments[seg_of[i]].bullet)) \
                        and 1 <= len(content) <= 14 and score >= T_UNLISTED:
                    for m in inside:
                        exact_kept.remove(m)
                    found.append((i, j, -1, round(max(score, 0.3), 3), "semantic", 0))
            for m in exact_kept:
                found.append(m)
        found.sort()
        out: list[SkillMention] = []
        last_end = -1
        E = self.c.entries
        for i, j, eid, score, method, _ in found:
            start, end = toks[i][0], toks[j][1]
            if start < last_end:
                continue
            g = _GENDER.match(masked, end)
            if g and (j + 1 >= len(toks) or toks[j + 1][0] >= g.end() or toks[j + 1][1] <= g.end()):
                end = g.end()
            last_end = end
            if eid < 0:
                out.append(SkillMention(start, end, text[start:end], None, None, "", "savoir-faire", score, method,
                                        True, field))
                continue
            rome = E.rome[eid]
            esco = None if rome else E.esco[eid]
            out.append(SkillMention(start, end, text[start:end], rome, esco, E.label[eid], E.kind[eid], score,
                                    method, not (rome or esco), field))
        return out

    # -- helpers -----------------------------------------------------------------------------
    @staticmethod
    def _method(toks, keys, i, j) -> str:
        """"exact" when the words are the label's own, "lemma" when inflection or derivation was needed."""
        return "exact" if all(keys[x] == toks[x][2] for x in range(i, j + 1) if keys[x]) else "lemma"

    def _pick(self, entries, prefer) -> int:
        E = self.c.entries
        best, best_rank = entries[0], 99
        for e in entries:
            rank = 0 if (prefer and E.rome[e] in prefer) else 1 if E.rome[e] else 2 if E.esco[e] else 3
            if rank < best_rank:
                best, best_rank = e, rank
        return best

    def _link(self, keyset: frozenset, model, prefer, hint):
        """(score, entry) of the best link for a candidate, ROME first, or None."""
        if not keyset:
            return None
        link_key = (model.lang, keyset, hint if prefer else None)
        got = self._links.get(link_key, _MISSING)
        if got is not _MISSING:
            return got
        got = self._link_uncached(keyset, model, prefer)
        if len(self._links) < 300_000:
            self._links[link_key] = got
        return got

    def _link_uncached(self, keyset: frozenset, model, prefer):
        memo_key = (model.lang, keyset)
        ranked = self._memo.get(memo_key)
        if ranked is None:
            # ranked without the fiche bonus, so that ads of every occupation share the memo
            ranked = model.sim.best(keyset, k=12)
            if len(self._memo) < 300_000:
                self._memo[memo_key] = ranked
        E = self.c.entries
        if prefer:
            ranked = sorted(((sc + FICHE_BONUS if E.rome[e] in prefer else sc, e) for sc, e in ranked), reverse=True)
        rome = [x for x in ranked if E.rome[x[1]]]
        other = [x for x in ranked if not E.rome[x[1]]]
        if rome and rome[0][0] >= T_ROME:
            return rome[0]
        if rome and prefer and E.rome[rome[0][1]] in prefer and rome[0][0] >= T_FICHE:
            return (T_ROME, rome[0][1])      # an item of the ad's own fiche, close enough: prefer it
        if other and other[0][0] >= T_ESCO:
            return other[0]
        return ranked[0] if ranked else None

    @staticmethod
    def _greedy(matches, taken):
        """Longest / highest priority first, no overlaps; marks ``taken``."""
        out = []
        for m in sorted(matches, key=lambda m: (-m[5], -(m[1] - m[0]), m[0])):
            i, j = m[0], m[1]
            if any(taken[x] for x in range(i, j + 1)):
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
            n = sum(1 for y in range(cur[0], cur[1] + 1) if keys[y])
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

    def _soft_ok(self, toks, keys, i, j, masked) -> bool:
        """A soft-skill word is not one when it describes the job, not the person
        ("environnement dynamique", "poste polyvalent") or heads a task ("organisation des…")."""
        if i > 0 and keys[i - 1] in _SOFT_CONTEXT and not _BREAK.search(masked, toks[i - 1][1], toks[i][0]):
            return False
        if i == j and i > 0 and toks[i - 1][2] in _THING_DET and not _BREAK.search(masked, toks[i - 1][1], toks[i][0]):
            return False        # "consultant en organisation", "nos engagements": a thing, not a quality
        if i == j and j + 1 < len(toks) and toks[j + 1][2] in ("de", "des", "du", "d") \
                and not _BREAK.search(masked, toks[j][1], toks[j + 1][0]):
            return False
        return True

    @staticmethod
    def _token_classes(toks, segments, field):
        """Class of each token ("header" for header lines) and the index of its segment (-1 if none)."""
        n = len(toks)
        if field != "description":
            return ["offer"] * n, [-1] * n
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

    def _candidates(self, toks, keys, tok_cls, seg_of, segments, model, masked):
        """(first, last, starts_with_action) candidate phrases in job / neutral segments."""
        km = model.keys
        framing = km.framing
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
            while t < n and seg_of[t] == seg and not _BREAK.search(masked, toks[t - 1][1], toks[t][0]) \
                    and toks[t][2] not in _COORD and not (masked[toks[t - 1][1]:toks[t][0]].strip(" ") in ("+", "&", " - ", "–")):
                chunk.append(t)
                t += 1
            if t < n and seg_of[t] == seg and toks[t][2] in _COORD:
                coord_next = True
                t += 1
            else:
                coord_next = False
            span = self._trim(chunk, toks, keys, km, framing)
            if span is None:
                continue
            i, j = span
            action = km.is_action(toks[i][3])
            # "réception et contrôle des marchandises": a lone action joined to the next conjunct;
            # "superviser le balisage et les promotions", "juridiques et fiscales": a conjunct that
            # only continues the object (no action of its own) stays in the same span
            if coord_next and j == chunk[-1] and t < n and seg_of[t] == seg and (action or t - 1 > j):
                u = t
                nxt = []
                while u < n and seg_of[u] == seg and not _BREAK.search(masked, toks[u - 1][1], toks[u][0]) \
                        and toks[u][2] not in _COORD:
                    nxt.append(u)
                    u += 1
                if nxt and len(nxt) <= 6 and i < j:
                    first = next((x for x in nxt if keys[x]), None)
                    lone_adj = len(nxt) == 1 and toks[nxt[0]][2] == toks[nxt[0]][3] and not toks[nxt[0]][2][:1].isdigit() \
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
                while u < n and seg_of[u] == seg and not _BREAK.search(masked, toks[u - 1][1], toks[u][0]) \
                        and toks[u][2] not in _COORD:
                    nxt.append(u)
                    u += 1
                span2 = self._trim(nxt, toks, keys, km, framing) if nxt else None
                if span2 and km.is_action(toks[span2[0]][3]) and span2[1] > span2[0]:
                    j = span2[1]
                    t = u
            head = keys[i]
            norm = toks[i][2]
            if head in _NOT_SKILL_HEAD or head in _DIPLOMA or norm in _NOT_SKILL_HEAD or norm in _DIPLOMA \
                    or norm.isdigit():
                continue
            if self.c.job_titles and frozenset(keys[x] for x in range(i, j + 1) if keys[x]) in self.c.job_titles:
                continue        # a job title is not a skill ("data scientist", "conseiller clientèle")
            if i == j:
                # a lone word is a skill only as an item of a list ("Ponceuse, rabot, scie")
                before = masked[toks[i - 1][1]:toks[i][0]] if i > 0 else "\n"
                after = masked[toks[j][1]:toks[j + 1][0]] if j + 1 < n else "\n"
                listed = (_LIST_SEP.search(before) or toks[i - 1][2] in _COORD) and \
                    (_LIST_SEP.search(after) or (j + 1 < n and toks[j + 1][2] in _COORD))
                if not listed:
                    continue
            out.append((i, j, action))
        return out

    @staticmethod
    def _trim(chunk, toks, keys, km, framing):
        """Drop framing words and determiners in front, cut at a clause opener, drop trailing function words."""
        k = 0
        m = len(chunk)
        while k < m:
            x = chunk[k]
            key = keys[x]
            if not key or key in framing or toks[x][2].isdigit() or len(toks[x][2]) == 1:
                k += 1
                continue
            if key in LIGHT_VERBS:
                nxt = next((y for y in chunk[k + 1:] if keys[y]), None)
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
            if toks[x][2] in _CLAUSE and n_content >= 2:
                break
            if n_content >= 1 and x != i and (keys[x] in _COPULA or (prev == "en" and toks[x][2].endswith("ant"))):
                break
            if n_content >= 2 and (prev in ("a", "au", "aux") and toks[x][2] in _POSSESSIVE
                                   or (toks[x][2].endswith("ant") and len(toks[x][2]) > 5 and keys[x] != toks[x][2])):
                break
            prev = toks[x][2]
            if keys[x]:
                n_content += 1
                j = x
            elif toks[x][2] not in ("de", "des", "du", "d", "la", "le", "les", "l", "en", "a", "au", "aux", "un", "une",
                                    "et", "sur", "par", "pour", "dans", "avec", "son", "sa", "ses", "leur", "leurs"):
                j = x
        return (i, j)
