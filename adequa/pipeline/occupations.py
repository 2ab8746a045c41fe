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
from adequa.enrich.occupation import OccupationClassifier, OccupationReferential, gender_forms
from adequa.enrich.ranking import Item, LexicalIndex, Ranker
from adequa.errors import ReferentialError

__all__ = ["load_occupation_classifier", "occupation_referential", "occupation_ranker", "skill_ranker",
           "rome_occupation_items", "esco_occupation_items", "esco_skill_items", "rome_skill_items"]

CACHE_VERSION = "occ-5"
_loaded: dict[str, object] = {}


def _root(settings: Settings) -> Path:
    return Path(settings.data_root())


def _fingerprint(paths: Iterable[Path]) -> str:
    h = hashlib.sha1(CACHE_VERSION.encode())
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

def occupation_referential(settings: Settings) -> OccupationReferential:
    """Read ROME 4.0, the ESCO-ROME crosswalk, ESCO ISCO groups and the ROME -> FAP table into plain data."""
    from adequa.sources.referentials import rome

    export = rome.locate(_rome_folder(settings))
    fiches = {f["code_rome"]: f["label"] for f in rome.fiches(export)}
    apps = [{"code_ogr": a["code_ogr"], "label": a["label"], "short_label": a["short_label"], "code_rome": a["code_rome"]}
            for a in rome.appellations(export)]
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
    esco_isco: dict[str, str] = {}
    cross = _root(settings) / "crosswalks"
    if cross.is_dir():
        from adequa.sources.referentials import esco_rome

        try:
            app_esco = esco_rome.appellation_to_esco(esco_rome.locate(cross))
        except ReferentialError:
            app_esco = {}
    try:
        for occ in _esco_occupations(settings, "en"):
            if occ.get("isco_group"):
                esco_isco[occ["uri"]] = occ["isco_group"]
    except ReferentialError:
        pass
    fap: dict[str, list[str | None]] = {}
    fap_folder = _root(settings) / "fap"
    if fap_folder.is_dir():
        try:
            from adequa.sources.referentials import fap as fap_ref

            fap = {code: [v.get("fap2021"), v.get("fap2009")] for code, v in fap_ref.rome_to_fap(export, fap_folder).items()}
        except (ImportError, ReferentialError, AttributeError):
            fap = {}
    return OccupationReferential(version=export.version, fiches=fiches, appellations=apps, fiche_terms=terms,
                                 appellation_esco=app_esco, esco_isco=esco_isco, fap=fap)


def load_occupation_classifier(settings: Settings, domains_path: Path | None = None) -> OccupationClassifier:
    """The ROME classifier, from the cache in ``settings.cache_dir`` or built (and cached) from the referentials."""
    key = _fingerprint(_inputs(settings))
    if key in _loaded:
        return _loaded[key]  # type: ignore[return-value]
    folder = Path(settings.cache_dir) / "occupations" / key
    domains = DomainTagger.from_yaml(domains_path) if domains_path else DomainTagger.from_yaml()
    clf = None
    if (folder / "occupations.json").exists():
        try:
            clf = OccupationClassifier.load(folder, domains)
        except (OSError, ValueError, KeyError):
            clf = None
    if clf is None:
        clf = OccupationClassifier.build(occupation_referential(settings), domains)
        _save_atomically(folder, clf.save)
    _loaded[key] = clf
    return clf


def _save_atomically(folder: Path, save) -> None:
    tmp = folder.with_name(folder.name + f".tmp{os.getpid()}")
    try:
        save(tmp)
        if not folder.exists():
            os.replace(tmp, folder)
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
    ("skills", "esco"): (esco_skill_items, dict(description_weight=0.3)),
    ("skills", "rome"): (rome_skill_items, dict(description_weight=0.2)),
}


def _ranker(settings: Settings, kind: str, taxonomy: str) -> Ranker:
    if (kind, taxonomy) not in _BUILDERS:
        raise ReferentialError(f"unknown taxonomy {taxonomy!r} for {kind}: expected one of "
                               f"{', '.join(t for k, t in _BUILDERS if k == kind)}")
    key = f"{kind}-{taxonomy}-" + _fingerprint(_inputs(settings))
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
            ranker = Ranker(items, labels, desc, opts["description_weight"])
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

        _save_atomically(folder, save)
    _loaded[key] = ranker
    return ranker


def occupation_ranker(settings: Settings, taxonomy: str = "rome") -> Ranker:
    return _ranker(settings, "occupations", taxonomy)


def skill_ranker(settings: Settings, taxonomy: str = "esco") -> Ranker:
    return _ranker(settings, "skills", taxonomy)
