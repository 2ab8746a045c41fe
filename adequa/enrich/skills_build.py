"""Compile taxonomies + curated data into the structures the extractor runs on.

Inputs are plain data (``Taxonomy`` objects, a fiche -> items dict); reading the
referential files happens in ``adequa.pipeline.annotate``. The result pickles, so the
pipeline caches it keyed by the taxonomies' fingerprints.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from importlib import resources

from adequa.enrich.lexical import LIGHT_VERBS, NOT_DERIVED, KeyMaker
from adequa.enrich.segment import Segmenter
from adequa.enrich.skills_exact import BARRIER, ExactMatcher
from adequa.enrich.skills_semantic import SimilarityIndex
from adequa.enrich.taxonomy import Taxonomy, normalise_kind
from adequa.errors import InputError
from adequa.normalise.text import _FOLD_1TO1, _WORD, WORD_PATTERN, fold, spans

BUILD_VERSION = "skills-10"


@dataclass
class Entries:
    """Parallel lists, one slot per linkable concept."""

    rome: list = field(default_factory=list)
    esco: list = field(default_factory=list)
    label: list = field(default_factory=list)
    kind: list = field(default_factory=list)
    source: list = field(default_factory=list)     # "curated", "rome", "esco", or a custom taxonomy name
    unlisted: list = field(default_factory=list)
    soft_single: list = field(default_factory=list)

    def add(self, *, rome=None, esco=None, label="", kind="savoir-faire", source="rome", unlisted=False) -> int:
        self.rome.append(rome)
        self.esco.append(esco)
        self.label.append(label)
        self.kind.append(kind)
        self.source.append(source)
        self.unlisted.append(bool(unlisted and not rome and not esco))
        self.soft_single.append(False)
        return len(self.rome) - 1


@dataclass
class LangModel:
    lang: str
    keys: KeyMaker
    curated: ExactMatcher
    exact: ExactMatcher
    sim: SimilarityIndex         # ROME and ESCO labels together; the linker applies "ROME first"
    codes: dict = field(default_factory=dict)   # key -> its one-character code in both matchers' automatons


@dataclass
class Compiled:
    version: str
    entries: Entries
    langs: dict[str, LangModel]
    segmenter: Segmenter
    fiche_items: dict[str, frozenset]
    curated_fingerprint: str
    case_sensitive: frozenset = frozenset()
    job_titles: frozenset = frozenset()        # key sets of job titles (ROME appellations), never skills
    # soft skills that are one only in a frame about the person (softskills.tsv, 4th column "framed"):
    # entry -> the folded written forms of the first word ("rapide", "méthode", "logique": a quality in
    # "vous êtes autonome, rapide", "rigueur et méthode", "faire preuve de logique", not in "livraison
    # rapide", "méthode HACCP")
    framed: dict = field(default_factory=dict)


# ----------------------------------------------------------------------------------------------
def _data_text(name: str) -> str:
    return resources.files("adequa.enrich").joinpath("data", name).read_text(encoding="utf-8")


def _rows(name: str, text: str | None = None):
    text = _data_text(name) if text is None else text
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        yield n, line.rstrip("\n").split("\t")


def curated_fingerprint() -> str:
    h = hashlib.sha256()
    for name in ("lexicon.tsv", "softskills.tsv", "boilerplate.tsv", "sections.tsv", "derivations.tsv"):
        h.update(_data_text(name).encode())
    return h.hexdigest()[:16]


_BREAKS = ".;:!?()[],|"
# the words of ``spans`` (its pattern as one group): ``split`` gives gap, word, gap, word, …, gap
_WORDS_AND_GAPS = re.compile(f"({WORD_PATTERN})")


def label_keys(keys: KeyMaker, label: str) -> list[str]:
    """Keys of a label, with a barrier wherever punctuation breaks it (mirrors the text side).

    The words as ``spans`` finds them, from one ``re.split`` instead of a tuple per word: a cold
    build keys ~160,000 labels (0.45x the time). A label whose lower-casing is not one character
    for one (Greek capital sigma lower-cases by context) takes ``spans`` itself."""
    out: list[str] = []
    key = keys.key
    if "\u03a3" in label or len(label.lower()) != len(label):
        prev_end = None
        for s, e, norm, low in spans(label):
            if prev_end is not None and any(c in _BREAKS for c in label[prev_end:s]):
                out.append(BARRIER)
            k = key(low)
            if k:
                out.append(k)
            prev_end = e
        return out
    parts = _WORDS_AND_GAPS.split(label)
    for x in range(1, len(parts), 2):
        if x > 1:
            for c in parts[x - 1]:
                if c in _BREAKS:
                    out.append(BARRIER)
                    break
        k = key(parts[x].lower())
        if k:
            out.append(k)
    return out


def _first_words(text: str, n: int) -> list[tuple[str, str]]:
    """(folded, lower) of the first ``n`` words of ``spans(text)``, without making the others (a cold
    build looks at the first two words of ~28,000 labels)."""
    low_text = text.lower()
    out: list[tuple[str, str]] = []
    if len(low_text) != len(text):
        for s, e, norm, low in spans(text)[:n]:
            out.append((norm, low))
        return out
    for m in _WORD.finditer(text):
        if len(out) == n:
            break
        low = low_text[m.start():m.end()]
        out.append((low.translate(_FOLD_1TO1), low))     # ``spans``'s folding: one character for one
    return out


def build(taxonomies: list[Taxonomy], fiche_items: dict[str, set] | None = None, *,
          langs: tuple[str, ...] = ("fr",), job_titles: list[str] | None = None) -> Compiled:
    """Compile the extractor's data. ``taxonomies`` items carry ``source`` rome / esco / other."""
    entries = Entries()
    derivations = {fold(a): fold(b) for _, (a, b, *_) in _rows("derivations.tsv")}
    verbs: set[str] = set()
    from adequa.normalise.text import lemma

    for tax in taxonomies:
        for it in tax:
            if it.lang != "fr" or it.kind not in ("savoir-faire", "savoir-être"):
                continue
            for norm, low in _first_words(it.label, 2):
                if len(norm) > 3 and norm[-2:] in ("er", "ir", "re"):
                    verbs.add(lemma(low, "fr"))
                    break
    verbs.update(v for v in derivations.values() if v != NOT_DERIVED)
    verbs -= {"etre", "avoir", "faire", "savoir"}  # too generic to make a span an action
    verbs_en: set[str] = set()
    if "en" in langs:
        for tax in taxonomies:
            for it in tax:
                if it.lang == "en" and it.kind == "savoir-faire":
                    first = spans(it.label)[:1]
                    if first and len(first[0][2]) > 2:
                        verbs_en.add(lemma(first[0][3], "en"))
        verbs_en -= {"be", "have", "do", "make", "use"}

    models: dict[str, LangModel] = {}
    for lang in langs:
        km = KeyMaker(lang, derivations if lang == "fr" else {}, verbs if lang == "fr" else verbs_en)
        light = LIGHT_VERBS if lang == "fr" else frozenset()
        models[lang] = LangModel(lang, km, ExactMatcher(), ExactMatcher(), SimilarityIndex(light, km.verbs))

    # taxonomy items
    by_exact: dict[tuple[str, str], int] = {}       # (lang, pattern) -> first ROME/ESCO entry, for "auto" links
    for tax in taxonomies:
        for it in tax:
            model = models.get(it.lang)
            if model is None:
                continue
            if it.source == "rome":
                eid = entries.add(rome=it.id, label=it.label, kind=it.kind, source="rome")
            elif it.source == "esco":
                eid = entries.add(esco=it.id, label=it.label, kind=it.kind, source="esco")
            else:
                eid = entries.add(label=it.label, kind=it.kind, source=it.source, unlisted=True)
            sim = model.sim
            for lab in it.labels:
                ks = label_keys(model.keys, lab)
                if not ks:
                    continue
                content = [k for k in ks if k != BARRIER]
                if 2 <= len(content) <= 12:   # single words go through the candidate pass
                    model.exact.add(ks, eid)
                by_exact.setdefault((it.lang, " ".join(content)), eid)
                sim.add(content, eid, preferred=it.source == "rome")

    # curated lexicon and soft skills
    def resolve(link: str, forms: list[str], lang: str, origin: str, line: int) -> dict:
        link = (link or "auto").strip()
        if link.startswith("rome:"):
            return {"rome": link[5:]}
        if link.startswith("esco:"):
            return {"esco": link[5:]}
        if link == "unlisted":
            return {}
        if link != "auto":
            raise InputError(f"unknown link {link!r} (rome:CODE, esco:URI, auto or unlisted)", path=origin,
                             line=line, field="link")
        for lg in ("fr", "en"):
            model = models.get(lg)
            if model is None:
                continue
            for form in forms:
                pattern = " ".join(k for k in label_keys(model.keys, form) if k != BARRIER)
                eid = by_exact.get((lg, pattern))
                if eid is not None and entries.source[eid] in ("rome", "esco"):
                    return {"rome": entries.rome[eid], "esco": entries.esco[eid], "label": entries.label[eid]}
        return {}

    case_sensitive: set[int] = set()
    framed: dict[int, frozenset] = {}
    rome_labels = {entries.rome[i]: entries.label[i] for i in range(len(entries.rome)) if entries.rome[i]}
    for name, default_kind in (("lexicon.tsv", None), ("softskills.tsv", "savoir-être")):
        for line, cols in _rows(name):
            if default_kind is None:
                forms_s, kind, link = (cols + ["", ""])[:3]
                label = None
            else:
                forms_s, link, label, how = (cols + ["", "", ""])[:4]
                kind = default_kind
            forms = [f.strip() for f in forms_s.split("|") if f.strip()]
            target = resolve(link, forms, "fr", f"adequa/enrich/data/{name}", line)
            rome, esco = target.get("rome"), (None if target.get("rome") else target.get("esco"))
            lab = target.get("label") or (rome_labels.get(rome) if rome else None) or label or forms[0]
            # forms of a row are synonyms when it names a concept (an explicit link, or a soft skill); an
            # "auto"/"unlisted" row is a list, each form linked on its own: "Ruby|PowerShell" must not
            # make PowerShell Ruby because Ruby's label was found first
            listed = (link or "auto").strip() in ("auto", "unlisted")
            groups = [[f] for f in forms] if listed and default_kind is None else [forms]
            for group in groups:
                if len(groups) > 1:
                    target = resolve("auto", group, "fr", name, line)
                    rome, esco = target.get("rome"), (None if target.get("rome") else target.get("esco"))
                    lab = target.get("label") or (rome_labels.get(rome) if rome else None) or group[0]
                eid = entries.add(rome=rome, esco=esco, label=lab, kind=normalise_kind(kind), source="curated",
                                  unlisted=not (rome or esco))
                if default_kind is not None:
                    entries.soft_single[eid] = True
                    if how.strip() == "framed":
                        framed[eid] = frozenset(fold(re.split(r"[\s(.]", f)[0]) for f in group)
                elif any(f[:1].isupper() and f[1:].islower() and " " not in f for f in group):
                    case_sensitive.add(eid)     # "Tableau", "Spring", "Word": common words in lower case
                for model in models.values():
                    for form in group:
                        ks = label_keys(model.keys, form)
                        if ks:
                            model.curated.add(ks, eid)

    for model in models.values():
        model.curated.freeze(model.codes)
        model.exact.freeze(model.codes)
        model.sim.freeze()

    titles: set[frozenset] = set()
    if job_titles and "fr" in models:
        km = models["fr"].keys
        for title in job_titles:
            for part in re.split(r"\s/\s|\(H/F\)|\(F/H\)", title):
                ks = frozenset(k for k in label_keys(km, part) if k and k != BARRIER)
                if ks:
                    titles.add(ks)
    cues = [(c[0], c[1]) for _, c in _rows("boilerplate.tsv") if len(c) >= 2]
    headers = [(c[0], c[1]) for _, c in _rows("sections.tsv") if len(c) >= 2]
    fiche = {k: frozenset(v) for k, v in (fiche_items or {}).items()}
    version = hashlib.sha256("|".join([BUILD_VERSION, curated_fingerprint(), *langs] + [t.fingerprint() for t in taxonomies]).encode()).hexdigest()[:12]
    return Compiled(version=version, entries=entries, langs=models, segmenter=Segmenter(cues, headers),
                    fiche_items=fiche, curated_fingerprint=curated_fingerprint(),
                    case_sensitive=frozenset(case_sensitive), job_titles=frozenset(titles), framed=framed)
