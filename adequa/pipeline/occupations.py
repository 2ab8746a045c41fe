"""Occupation classifier and taxonomy rankers: load the referentials, build, cache.

``load_occupation_classifier(settings)`` is what ``adequa annotate`` calls; the
``*_ranker`` functions back ``adequa occupations rank`` and ``adequa skills rank``.
Built indexes are cached in ``settings.cache_dir`` under a key made of the code
version and the input files' names, sizes and modification times: a new ROME or
ESCO release rebuilds them, a second run loads them in a fraction of a second.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Iterable

from adequa.config import Settings
from adequa.enrich.domain import DomainTagger
from adequa.enrich.occupation import OccupationClassifier, OccupationReferential, RomeGuidedRanker, gender_forms
from adequa.enrich.ranking import SKILL_QUERY_STOPWORDS, Item, LexicalIndex, Ranker
from adequa.errors import ReferentialError
from adequa.pipeline.cache import prune_family, save_pickle

__all__ = ["load_occupation_classifier", "esco_occupation_ranker", "rank_file", "occupation_referential", "occupation_ranker", "skill_ranker",
           "rome_occupation_items", "esco_occupation_items", "esco_skill_items", "rome_skill_items"]

CACHE_VERSION = "occ-10"     # bump when the classifier's cached files change
RANKER_VERSION = "occ-7"     # bump when the rankers' indexing changes
_loaded: dict[str, object] = {}


def _root(settings: Settings) -> Path:
    return Path(settings.data_root())


def _fingerprint(paths: Iterable[Path], version: str = CACHE_VERSION) -> str:
    h = hashlib.sha1(version.encode())
    for p in sorted(set(paths)):
        if p.exists():
            st = p.stat()
            h.update(f"{p.name}:{st.st_size}:{int(st.st_mtime)}".encode())
    return h.hexdigest()[:16]


def _rome_folder(settings: Settings) -> Path:
    folder = _root(settings) / "rome"
    if not folder.is_dir():
        raise ReferentialError(f"{folder}: ROME referential not found (run `adequa data pull` or set ADEQUA_MIRROR)")
    return folder


def _esco_roots(settings: Settings) -> list[Path]:
    return [_root(settings) / "esco"]


def _inputs(settings: Settings) -> list[Path]:
    root = _root(settings)
    out = list(_rome_folder(settings).glob("*.csv"))
    for sub in ("crosswalks", "fap", "esco"):
        if (root / sub).is_dir():
            out.extend(p for p in (root / sub).rglob("*") if p.is_file())
    return out


# -- occupation classifier ----------------------------------------------------------------------

def occupation_referential(settings: Settings, include_esco_labels: bool = False) -> OccupationReferential:
    """Read ROME 4.0, the ESCO-ROME crosswalk, ESCO ISCO groups and the ROME -> FAP table into plain data."""
    from adequa.sources.referentials import rome

    export = rome.locate(_rome_folder(settings))
    fiche_rows = list(rome.fiches(export))
    fiches = {f["code_rome"]: f["label"] for f in fiche_rows}
    fiche_parent = {f["code_rome"]: f["code_rome_parent"] for f in fiche_rows
                    if f.get("code_rome_parent") and f["code_rome_parent"] != f["code_rome"]}
    app_parent = {r["code_ogr"]: r.get("code_rome_parent") or None for r in export.rows("referentiel_appellation")}
    apps = [{"code_ogr": a["code_ogr"], "label": a["label"], "short_label": a["short_label"], "code_rome": a["code_rome"],
             "rarely_used": bool(a.get("rarely_used")), "parent": app_parent.get(a["code_ogr"])}
            for a in rome.appellations(export)]
    texts: dict[str, list[str]] = {}
    if "texte" in export.files:      # the fiches' definitions (other texts: access, conditions, less specific)
        for r in export.rows("texte"):
            if r.get("libelle_type_texte") == "definition" and r.get("libelle_texte"):
                texts.setdefault(r["code_rome"], []).append(r["libelle_texte"])
    item_label: dict[str, str] = {}
    if "item" in export.files:
        item_label = {r["code_ogr"]: r["libelle"] for r in export.rows("item")}
    else:
        for c in rome.competences(export):
            item_label[c["code_ogr"]] = c["label"]
        for s in rome.savoirs(export):
            item_label[s["code_ogr"]] = s["label"]
    terms: dict[str, list[str]] = {}
    if "coherence_item" in export.files:
        for link in rome.fiche_items(export):
            lab = item_label.get(link["code_ogr"])
            if lab:
                terms.setdefault(link["code_rome"], []).append(lab)
    app_esco: dict[str, list[str]] = {}
    close: list[tuple[str, str]] = []           # (ESCO URI, appellation code_ogr) exact or close matches
    esco_isco: dict[str, str] = {}
    cross = _root(settings) / "crosswalks"
    if cross.is_dir():
        from adequa.sources.referentials import esco_rome

        try:
            path = esco_rome.locate(cross)
            app_esco = esco_rome.appellation_to_esco(path)
            close = [(r["esco_uri"], r["rome_ogr"]) for r in esco_rome.read_mapping(path)[1]
                     if r["relation"] in ("skos:exactMatch", "skos:closeMatch")]
        except ReferentialError:
            app_esco = {}
    esco_labels: dict[str, list[str]] = {}
    try:
        for occ in _esco_occupations(settings, "en"):
            if occ.get("isco_group"):
                esco_isco[occ["uri"]] = occ["isco_group"]
            esco_labels[occ["uri"]] = [occ["label"], *occ["alt_labels"]]
    except ReferentialError:
        pass
    app_fiche = {a["code_ogr"]: a["code_rome"] for a in apps}
    extra = []
    if include_esco_labels:
        fiches_of: dict[str, set[str]] = {}
        for uri, ogr in close:
            if ogr in app_fiche:
                fiches_of.setdefault(uri, set()).add(app_fiche[ogr])
        done = set()
        for uri, ogr in close:       # only ESCO occupations that the crosswalk ties to one fiche
            if ogr in app_fiche and len(fiches_of[uri]) == 1 and uri not in done:
                done.add(uri)
                extra.extend([lab, app_fiche[ogr], ogr] for lab in esco_labels.get(uri, []))
    fap: dict[str, list[str | None]] = {}
    fap_folder = _root(settings) / "fap"
    if fap_folder.is_dir():
        try:
            from adequa.sources.referentials import fap as fap_ref

            fap = {code: [v.get("fap2021"), v.get("fap2009")] for code, v in fap_ref.rome_to_fap(export, fap_folder).items()}
        except (ImportError, ReferentialError, AttributeError):
            fap = {}
    return OccupationReferential(version=export.version, fiches=fiches, appellations=apps, fiche_terms=terms,
                                 fiche_texts=texts, fiche_parent=fiche_parent, appellation_esco=app_esco, esco_isco=esco_isco, fap=fap, extra_labels=extra)


def _classifier_folder(settings: Settings) -> tuple[str, Path]:
    """The classifier's cache key (the referential files' and coded offers' names, sizes and times) and
    folder."""
    key = _fingerprint([*_inputs(settings), *_offer_files(settings)])
    return key, Path(settings.cache_dir) / "occupations" / key


def _offer_files(settings: Settings) -> list[Path]:
    """The job-ad files of the data folder (``offers/``, as ``adequa run`` finds them)."""
    from adequa.sources.readers import ad_files

    return ad_files(_root(settings) / "offers")


def coded_offer_titles(settings: Settings):
    """(title, ROME code, description) of every offer of the data folder with a title and a code
    (France Travail dumps and any CSV/JSON of ads with a ROME column). A file that cannot be read as
    ads is skipped: these offers only help the classifier."""
    from adequa.sources.ads_csv import read_mapped

    for path in _offer_files(settings):
        try:
            for _, record, _ in read_mapped(path):
                title, code = record.get("title"), record.get("rome")
                if isinstance(title, str) and isinstance(code, str) and title and code:
                    description = record.get("description")
                    yield title, code, description if isinstance(description, str) else None
        except Exception:   # noqa: BLE001 - not a file of ads (or a damaged one): ingest reports those
            continue


def classifier_cached(settings: Settings) -> bool:
    """Whether ``load_occupation_classifier`` will load (not build) the classifier."""
    key, folder = _classifier_folder(settings)
    return key in _loaded or (folder / "occupations.json").exists()


def load_occupation_classifier(settings: Settings, domains_path: Path | None = None) -> OccupationClassifier:
    """The ROME classifier, from the cache in ``settings.cache_dir`` or built (and cached) from the referentials."""
    key, folder = _classifier_folder(settings)
    if key in _loaded:
        return _loaded[key]  # type: ignore[return-value]
    domains = _domain_tagger(settings, domains_path)
    clf = None
    if (folder / "occupations.json").exists():
        state = OccupationClassifier.state_path(folder)
        clf = OccupationClassifier.from_state(state, domains)
        if clf is None:
            try:
                clf = OccupationClassifier.load(folder, domains)
            except (OSError, ValueError, KeyError):
                clf = None
            else:   # this code version's start-up state, for the next start
                save_pickle(state, clf.start_state(), "state-*.pickle")
    if clf is None:
        from adequa.enrich.coded_titles import CodedTitles

        clf = OccupationClassifier.build(occupation_referential(settings), domains)
        clf.coded = CodedTitles.build(coded_offer_titles(settings), clf.fiche_codes)
        _save_atomically(folder, clf.save)
    _loaded[key] = clf
    return clf


def _domain_tagger(settings: Settings, path: Path | None = None) -> DomainTagger:
    """``DomainTagger.from_yaml(path)``, kept pickled in the cache under a key made of the rules file's
    content and ``domain.py``'s source: a warm start imports no YAML parser (~15 ms of it)."""
    import pickle

    from adequa.enrich import domain as domain_module

    src = Path(path) if path else domain_module.DEFAULT_RULES
    try:
        h = hashlib.sha256(src.read_bytes())
        h.update(Path(domain_module.__file__).with_name("domain.py").read_bytes())
    except OSError:     # unreadable rules: from_yaml says so; no sources: nothing to key on
        return DomainTagger.from_yaml(src)
    cache = Path(settings.cache_dir) / "domains" / f"domains-{h.hexdigest()[:16]}.pickle"
    try:
        with cache.open("rb") as fh:
            got = pickle.load(fh)
        if isinstance(got, DomainTagger):
            return got
    except Exception:   # noqa: BLE001 - absent, truncated or foreign: made again
        pass
    tagger = DomainTagger.from_yaml(src)
    save_pickle(cache, tagger, "domains-*.pickle")
    return tagger


def _save_atomically(folder: Path, save, pattern: str = "*") -> None:
    """Write a cache folder through a temporary one, then drop the old entries of its family (``pattern``)."""
    tmp = folder.with_name(folder.name + f".tmp{os.getpid()}")
    try:
        save(tmp)
        if not folder.exists():
            os.replace(tmp, folder)
            prune_family(folder, pattern)
    except OSError:
        pass
    finally:
        if tmp.exists():
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)


# -- taxonomy items ------------------------------------------------------------------------------

def rome_occupation_items(settings: Settings) -> list[Item]:
    """ROME fiches (id = code, e.g. M1811) with every appellation (both gender forms) as labels."""
    from adequa.sources.referentials import rome

    export = rome.locate(_rome_folder(settings))
    items = {f["code_rome"]: Item(f["code_rome"], f["label"], gender_forms(f["label"])) for f in rome.fiches(export)}
    for a in rome.appellations(export):
        it = items.get(a["code_rome"])
        if it is not None:
            for lab in {a["label"], a["short_label"]}:
                if lab:
                    it.labels.extend(gender_forms(lab))
    return list(items.values())


def _esco_occupations(settings: Settings, lang: str) -> list[dict]:
    from adequa.sources.referentials import esco

    files = esco.locate(*_esco_roots(settings))
    if not files.has(f"occupations_{lang}"):
        raise ReferentialError(f"ESCO occupations_{lang}.csv not found under {_esco_roots(settings)}")
    return list(esco.occupations(files, lang))


def _trimmed(settings: Settings, name: str) -> list[dict]:
    """Third-party French ESCO labels (v1.2.1 trimmed API export): conceptUri, preferredLabel, altLabels (|)."""
    from adequa.sources.readers import read_csv

    out = []
    for path in sorted((_root(settings) / "esco").glob(f"*/{name}.csv")):
        with open(path, encoding="utf-8-sig") as fh:
            head = fh.readline()
        if "altLabels" not in head or "conceptType" in head:
            continue
        for _, r in read_csv(path, delimiter=","):
            alts = [a.strip() for a in (r.get("altLabels") or "").replace("\n", "|").split("|") if a.strip()]
            out.append({"uri": r["conceptUri"], "label": r.get("preferredLabel") or "", "alt_labels": alts})
    return out


def esco_occupation_items(settings: Settings) -> list[Item]:
    """ESCO occupations (id = URI) with English and French labels, plus the French ROME appellations
    that France Travail's crosswalk maps to them (exact or close matches)."""
    items: dict[str, Item] = {}
    for occ in _esco_occupations(settings, "en"):
        items[occ["uri"]] = Item(occ["uri"], occ["label"], list(occ["alt_labels"]), occ.get("description"))
    for lang_rows in (_safe(lambda: _esco_occupations(settings, "fr")), _safe(lambda: _trimmed(settings, "occupations_fr"))):
        for occ in lang_rows:
            it = items.get(occ["uri"])
            if it is None:
                continue
            for lab in [occ["label"], *occ["alt_labels"]]:
                it.labels.extend(p for p in lab.split("/") if p.strip()) if "/" in lab else it.labels.append(lab)
    cross = _root(settings) / "crosswalks"
    if cross.is_dir():
        from adequa.sources.referentials import esco_rome

        try:
            _, rows = esco_rome.read_mapping(esco_rome.locate(cross))
            for r in rows:
                it = items.get(r["esco_uri"])
                if it is not None and r["relation"] in ("skos:exactMatch", "skos:closeMatch") and r["rome_label"]:
                    it.labels.extend(gender_forms(r["rome_label"]))
        except ReferentialError:
            pass
    return list(items.values())


def _safe(fn) -> list:
    try:
        return fn()
    except ReferentialError:
        return []


def esco_skill_items(settings: Settings) -> list[Item]:
    """ESCO skills and knowledge (id = conceptUri), English labels + French labels where available."""
    from adequa.sources.referentials import esco

    files = esco.locate(*_esco_roots(settings))
    items = {s["uri"]: Item(s["uri"], s["label"], list(s["alt_labels"]), s.get("description")) for s in esco.skills(files, "en")}
    for s in _safe(lambda: _trimmed(settings, "skills_fr")):
        it = items.get(s["uri"])
        if it is not None:
            it.labels.extend([s["label"], *s["alt_labels"]])
    return list(items.values())


def rome_skill_items(settings: Settings) -> list[Item]:
    """ROME 4.0 compétences, macro-compétences and savoirs (id = code_ogr)."""
    from adequa.sources.referentials import rome

    export = rome.locate(_rome_folder(settings))
    items = [Item(c["code_ogr"], c["label"], [], c.get("definition")) for c in rome.competences(export)]
    items += [Item(s["code_ogr"], s["label"]) for s in rome.savoirs(export)]
    return items


# -- rankers ------------------------------------------------------------------------------------

_BUILDERS = {
    ("occupations", "rome"): (rome_occupation_items, dict(description_weight=0.0)),
    ("occupations", "esco"): (esco_occupation_items, dict(description_weight=0.1)),
    ("skills", "esco"): (esco_skill_items, dict(description_weight=0.3, query_stopwords=SKILL_QUERY_STOPWORDS)),
    ("skills", "rome"): (rome_skill_items, dict(description_weight=0.2, query_stopwords=SKILL_QUERY_STOPWORDS)),
}


def _ranker(settings: Settings, kind: str, taxonomy: str) -> Ranker:
    if (kind, taxonomy) not in _BUILDERS:
        raise ReferentialError(f"unknown taxonomy {taxonomy!r} for {kind}: expected one of "
                               f"{', '.join(t for k, t in _BUILDERS if k == kind)}")
    key = f"{kind}-{taxonomy}-" + _fingerprint(_inputs(settings), RANKER_VERSION)
    if key in _loaded:
        return _loaded[key]  # type: ignore[return-value]
    builder, opts = _BUILDERS[(kind, taxonomy)]
    folder = Path(settings.cache_dir) / "rankers" / key
    ranker = None
    if (folder / "items.json").exists():
        try:
            meta = json.loads((folder / "items.json").read_text(encoding="utf-8"))
            items = [Item(i, lab) for i, lab in meta["items"]]
            labels = LexicalIndex.load(folder / "labels.npz")
            desc = LexicalIndex.load(folder / "descriptions.npz") if (folder / "descriptions.npz").exists() else None
            ranker = Ranker(items, labels, desc, **opts)
        except (OSError, ValueError, KeyError):
            ranker = None
    if ranker is None:
        ranker = Ranker.build(builder(settings), **opts)

        def save(tmp: Path) -> None:
            tmp.mkdir(parents=True, exist_ok=True)
            ranker.labels.save(tmp / "labels.npz")
            if ranker.descriptions is not None:
                ranker.descriptions.save(tmp / "descriptions.npz")
            (tmp / "items.json").write_text(json.dumps({"items": [[it.id, it.label] for it in ranker.items]},
                                                       ensure_ascii=False), encoding="utf-8")

        _save_atomically(folder, save, f"{kind}-{taxonomy}-*")
    _loaded[key] = ranker
    return ranker


def semantic_ranker(settings: Settings, kind: str = "skills", taxonomy: str = "esco", lexical_weight: float | None = None,
                    progress=None):
    """Embedding ranker (the ``semantic`` extra) over the items' preferred and alternative labels,
    mixed with the lexical ranker. Label embeddings are computed once and cached in ``settings.cache_dir``."""
    import numpy as np

    from adequa._libs import embeddings
    from adequa.enrich.ranking import SemanticRanker

    lexical = _ranker(settings, kind, taxonomy)
    key = f"emb-{kind}-{taxonomy}-{EMBED_LABELS}-" + _fingerprint(_inputs(settings), EMBED_VERSION)
    if key in _loaded:
        ranker = _loaded[key]
    else:
        path = Path(settings.cache_dir) / "embeddings" / f"{key}.npz"
        if path.exists():
            z = np.load(path, allow_pickle=False)
            vectors, owners = z["vectors"], z["owners"]
        else:
            builder, _ = _BUILDERS[(kind, taxonomy)]
            texts, owners_l = [], []
            for i, it in enumerate(builder(settings)):
                labels = it.all_labels()[: EMBED_LABELS] if EMBED_LABELS else it.all_labels()
                texts.extend(labels)
                owners_l.extend([i] * len(labels))
            vectors = embeddings.encode(texts, batch_size=128, progress=progress)
            owners = np.array(owners_l, np.int64)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.stem + f".tmp{os.getpid()}.npz")
            np.savez(tmp, vectors=vectors.astype(np.float16), owners=owners)
            os.replace(tmp, path)
        ranker = SemanticRanker(lexical, vectors, owners, SEMANTIC_LEXICAL_WEIGHT.get(kind, 0.3))
        _loaded[key] = ranker
    if lexical_weight is not None:
        ranker.lexical_weight = lexical_weight
    return ranker


EMBED_VERSION = "emb-1"   # bump when the embedded texts change (not with CACHE_VERSION: embedding is slow)
EMBED_LABELS = 1          # labels embedded per item (1 = the preferred label; 0 = all)
SEMANTIC_LEXICAL_WEIGHT = {"skills": 0.6, "occupations": 0.6}


def occupation_ranker(settings: Settings, taxonomy: str = "rome") -> Ranker:
    return _ranker(settings, "occupations", taxonomy)


def esco_occupation_ranker(settings: Settings) -> RomeGuidedRanker:
    """ESCO occupations for French or English titles: the lexical ESCO ranking guided by the ROME
    classifier through France Travail's ESCO-ROME crosswalk (see ``RomeGuidedRanker``)."""
    return RomeGuidedRanker(occupation_ranker(settings, "esco"), load_occupation_classifier(settings))


def skill_ranker(settings: Settings, taxonomy: str = "esco") -> Ranker:
    return _ranker(settings, "skills", taxonomy)


# -- files -------------------------------------------------------------------------------------

def _read_records(path: Path, text_field: str) -> list[dict]:
    """Validated records of a JSONL file ('-' = stdin): each needs an "id" and a string ``text_field``."""
    import io
    import json as _json
    import sys

    from adequa.errors import InputError
    from adequa.sources.readers import read_jsonl

    if str(path) == "-":
        def lines():
            for n, text in enumerate(io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig"), start=1):
                if text.strip():
                    try:
                        obj = _json.loads(text)
                    except _json.JSONDecodeError as exc:
                        raise InputError(f"malformed JSON ({exc.msg})", path="<stdin>", line=n) from exc
                    if not isinstance(obj, dict):
                        raise InputError("expected a JSON object", path="<stdin>", line=n)
                    yield n, obj
        source, name = lines(), "<stdin>"
    else:
        source, name = read_jsonl(path), str(path)
    out = []
    for line, obj in source:
        if "id" not in obj or obj["id"] is None or isinstance(obj["id"], (dict, list)):
            raise InputError('missing or invalid "id" (a string or number)', path=name, line=line, field="id")
        text = obj.get(text_field)
        if not isinstance(text, str):
            raise InputError(f'missing or non-string "{text_field}"', path=name, line=line, record=str(obj["id"]),
                             field=text_field)
        desc = obj.get("description")
        if desc is not None and not isinstance(desc, str):
            raise InputError('"description" must be a string', path=name, line=line, record=str(obj["id"]),
                             field="description")
        out.append({"id": obj["id"], "text": text, "description": desc})
    return out


def rank_file(settings: Settings, kind: str, taxonomy: str, input: Path, output: Path, *, top: int = 10,
              method: str = "auto", note=None, total=None, progress=None) -> dict:
    """Rank ``taxonomy`` items for every record of ``input`` (JSONL) into ``output`` (JSONL).

    ``kind`` is "skills" (records {"id", "text"}) or "occupations" (records {"id", "title"},
    optional "description"). Output records: {"id", "ranking": [{"id", "label", "score"}, ...]}.
    ``method``: lexical, semantic (the ``semantic`` extra) or auto (semantic when installed for
    skills, lexical for occupations, whose titles are French). Returns counts and timing.
    """
    import json as _json
    import time

    from adequa._libs import embeddings
    from adequa.errors import InputError, MissingExtra
    from adequa.pipeline.output import output_file, write_line

    t0 = time.perf_counter()
    if (kind, taxonomy) not in _BUILDERS:
        choices = ", ".join(t for k, t in _BUILDERS if k == kind)
        raise InputError(f"unknown taxonomy {taxonomy!r} for {kind}: expected {choices}", field="--taxonomy")
    records = _read_records(input, "text" if kind == "skills" else "title")
    if total is not None:
        total(len(records))
    use_semantic = method == "semantic" or (method == "auto" and kind == "skills")
    if use_semantic and not embeddings.available():
        if method == "semantic":
            raise MissingExtra("semantic", "sentence-transformers / torch")
        if note:
            note("note: the 'semantic' extra is not installed, ranking with the lexical method "
                 "(pip install 'adequa[semantic]' for embeddings)")
        use_semantic = False
    if kind == "occupations" and taxonomy == "rome" and not use_semantic:
        clf = load_occupation_classifier(settings)
        labels = clf.ref.fiches

        def rankings():
            for i in range(0, len(records), 1024):
                part = records[i:i + 1024]
                for ranked in clf.rank_many([r["text"] for r in part], [r["description"] for r in part], top):
                    yield [{"id": c, "label": labels.get(c, c), "score": round(s, 4)} for c, s, _ in ranked]
        used = "lexical"
    else:
        if use_semantic and note and not any((Path(settings.cache_dir) / "embeddings").glob(f"emb-{kind}-{taxonomy}-*.npz")):
            note(f"computing the {taxonomy} label embeddings once (cached in {settings.cache_dir}); this takes minutes")
        ranker = semantic_ranker(settings, kind, taxonomy) if use_semantic else _ranker(settings, kind, taxonomy)
        used = "semantic" if use_semantic else "lexical"
        if kind == "occupations" and taxonomy == "esco" and not use_semantic:
            ranker = esco_occupation_ranker(settings)
            used = "lexical + ROME crosswalk"

        def rankings():
            if isinstance(ranker, RomeGuidedRanker):
                yield from ranker.rank_many([r["text"] for r in records], top, [r["description"] for r in records])
            else:
                yield from ranker.rank_many([r["text"] for r in records], top)
    with output_file(output, binary=False) as out:
        for i, (r, ranking) in enumerate(zip(records, rankings()), start=1):
            write_line(out, _json.dumps({"id": r["id"], "ranking": ranking}, ensure_ascii=False))
            if progress is not None and i % 64 == 0:
                progress(64)
        if progress is not None and len(records) % 64:
            progress(len(records) % 64)
    return {"records": len(records), "method": used, "seconds": time.perf_counter() - t0}
