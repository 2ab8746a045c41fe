"""`adequa annotate`: skills and occupation of each ad of a JSONL file, and the extractor library API.

    >>> from adequa.config import get_settings
    >>> ex = load_skill_extractor(get_settings())           # doctest: +SKIP
    >>> [m.text for m in ex.extract("Maîtrise de Python, SQL et Spark")]   # doctest: +SKIP
    ['Python', 'SQL', 'Spark']

Taxonomies are read from the referential files (ROME 4.0 RefRomeCsv export; ESCO French
and English skills) plus the user's own files (``ADEQUA_SKILL_TAXONOMIES`` or the
``taxonomies`` argument: CSV/TSV/JSONL with id, label, alt_labels, kind, source), compiled
once and cached as a pickle in ``settings.cache_dir`` keyed by their versions and checksums.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import pickle
import re
import sys
from pathlib import Path
from typing import Iterable, Iterator

from adequa.config import Settings
from adequa.enrich.taxonomy import Taxonomy
from adequa.errors import InputError, ReferentialError
from adequa.pipeline.cache import save_pickle
from adequa.pipeline.output import escaped, output_file, write_line

_DIPLOMA = re.compile(r"(?i)^(bac\b|bts|btsa|bp\b|bpa\b|bpjeps|cap\b|capa\b|cqp|dut\b|but\b|deust|du\b|licence|master|"
                      r"mastère|diplôme|doctorat|titre professionnel|ingénieur diplômé|certificat de spécialisation|"
                      r"brevet professionnel|brevet de technicien|mention complémentaire|dnsep|dma\b|dsaa|bac pro|dipl)")
OCCUPATION_FIELDS = ("occupation", "fap2021", "fap2009", "isco", "esco_occupation", "domain")
_NULL_OCCUPATION = {"occupation": {"rome": None, "appellation": None, "score": 0.0, "candidates": []},
                    "fap2021": None, "fap2009": None, "isco": None, "esco_occupation": None, "domain": None}


# -- referential files -> taxonomies ----------------------------------------------------------
def _root(settings: Settings) -> Path:
    return settings.data_root()


def _sha(paths: Iterable[Path]) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        st = p.stat()
        h.update(f"{p.name}\0{st.st_size}\0{int(st.st_mtime)}".encode())
    return h.hexdigest()[:16]


def _inputs(settings: Settings, extra: list[Path]) -> dict[str, list[Path]]:
    root = _root(settings)
    rome_dir = root / "rome"
    esco_dir = root / "esco"
    found = {"rome": [], "esco_fr": [], "esco_en": [], "extra": list(extra)}
    if rome_dir.is_dir():
        found["rome"] = sorted(p for p in rome_dir.glob("unix_*_utf8.csv")
                               if any(t in p.name for t in ("referentiel_competence", "referentiel_savoir", "coherence_item",
                                                            "referentiel_appellation", "referentiel_code_rome_v")))
    if esco_dir.is_dir():
        found["esco_fr"] = sorted(esco_dir.rglob("skills_fr.csv"))
        found["esco_en"] = sorted(p for p in esco_dir.rglob("*.zip") if " en " in p.name or "_en" in str(p.parent))
    return found


def _job_titles(settings: Settings) -> list[str]:
    """ROME appellations (long and short forms): job titles, which are never skill mentions."""
    from adequa.sources.referentials import rome

    try:
        export = rome.locate(_root(settings) / "rome")
        out = []
        for r in rome.appellations(export):
            out.append(r["label"])
            if r.get("short_label"):
                out.append(r["short_label"])
        for r in rome.fiches(export):
            out.append(r["label"])
        return out
    except ReferentialError:
        return []


def _rome_taxonomy(settings: Settings) -> tuple[Taxonomy, dict[str, set]]:
    from adequa.sources.referentials import rome

    export = rome.locate(_root(settings) / "rome")
    rows = []
    for r in rome.competences(export):
        kind = "savoir-être" if (r.get("category") or "").lower().startswith("savoir-") and "tre" in (r.get("category") or "") \
            else "savoir-faire"
        rows.append({"id": r["code_ogr"], "label": r["label"], "kind": kind, "parent": r.get("macro_ogr"), "source": "rome"})
    for r in rome.savoirs(export):
        if _DIPLOMA.match(r["label"]):
            continue        # diplomas and professional titles are not skills (EVALUATION.md §4)
        cat = (r.get("category") or "").lower()
        kind = "certification" if cat.startswith("certification") else \
            "langue" if (r.get("subcategory") or "").lower() == "langues" else "savoir"
        rows.append({"id": r["code_ogr"], "label": r["label"], "kind": kind, "source": "rome"})
    fiche: dict[str, set] = {}
    if "coherence_item" in export.files:
        for r in rome.fiche_items(export):
            fiche.setdefault(r["code_rome"], set()).add(r["code_ogr"])
    return Taxonomy.from_rows("rome", export.version, rows, source="rome"), fiche


def _esco_kind(skill_type: str | None) -> str:
    return "savoir" if (skill_type or "").startswith("knowledge") else "savoir-faire"


def _esco_taxonomies(settings: Settings) -> list[Taxonomy]:
    from adequa.sources.referentials import esco

    out = []
    root = _root(settings) / "esco"
    types: dict[str, str] = {}
    en_rows = []
    try:
        files = esco.locate(*[p for p in sorted(root.glob("v1.1.1_en*"))]) if root.is_dir() else None
    except ReferentialError:
        files = None
    if files is not None and files.has("skills_en"):
        for r in esco.skills(files, "en"):
            types[r["uri"]] = r.get("skill_type") or ""
            en_rows.append({"id": r["uri"], "label": r["label"], "alt_labels": r["alt_labels"],
                            "kind": _esco_kind(r.get("skill_type")), "lang": "en", "source": "esco"})
        out.append(Taxonomy.from_rows("esco-en", files.version, en_rows, source="esco", lang="en"))
    fr_files = sorted(root.rglob("skills_fr.csv")) if root.is_dir() else []
    if fr_files:
        from adequa.sources.readers import read_csv

        rows = []
        for _, r in read_csv(fr_files[0], delimiter=","):
            uri = r.get("conceptUri")
            if not uri or not r.get("preferredLabel"):
                continue
            if types and uri not in types:
                continue        # only concepts of the ESCO version we link to
            rows.append({"id": uri, "label": r["preferredLabel"], "alt_labels": r.get("altLabels") or "",
                         "kind": _esco_kind(types.get(uri)), "lang": "fr", "source": "esco"})
        out.append(Taxonomy.from_rows("esco-fr", _sha(fr_files), rows, source="esco", lang="fr"))
    return out


def read_taxonomy_file(path: str | Path) -> Taxonomy:
    """A user's taxonomy or alias list: CSV/TSV (header id,label[,alt_labels,kind,source,lang]) or JSONL.

    A row whose ``source`` is ``rome`` or ``esco`` and whose ``id`` is a ROME code_ogr or an ESCO
    URI adds labels (aliases) to that concept; other rows are skills of their own taxonomy (linked
    as ``unlisted`` with their label, since a mention carries only ROME and ESCO ids).
    """
    path = Path(path)
    if not path.exists():
        raise InputError("taxonomy file not found", path=str(path))
    rows = []
    if path.suffix in (".jsonl", ".ndjson"):
        with path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, start=1):
                if line.strip():
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError as exc:
                        raise InputError(f"invalid JSON ({exc.msg})", path=str(path), line=n) from exc
    else:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            sample = fh.read(4096)
            fh.seek(0)
            delim = "\t" if sample.count("\t") > sample.count(",") else ";" if sample.count(";") > sample.count(",") else ","
            reader = csv.DictReader(fh, delimiter=delim)
            if not reader.fieldnames or "id" not in reader.fieldnames or "label" not in reader.fieldnames:
                raise InputError("a taxonomy file needs the columns id and label", path=str(path), line=1)
            rows = list(reader)
    for r in rows:
        src = (r.get("source") or "").strip().lower()
        if src in ("rome", "esco"):
            r["source"] = src
        if not r.get("lang"):
            r["lang"] = "fr"
    return Taxonomy.from_rows(path.stem, _sha([path]), rows, source="custom", origin=str(path))


def load_taxonomies(settings: Settings, extra: list[Path] | None = None) -> tuple[list[Taxonomy], dict[str, set]]:
    """ROME + ESCO (fr, en) + user files, and the ROME fiche -> items map."""
    rome_tax, fiche = _rome_taxonomy(settings)
    taxonomies = [rome_tax, *_esco_taxonomies(settings)]
    for p in extra or []:
        taxonomies.append(read_taxonomy_file(p))
    return taxonomies, fiche


def _extra_paths(taxonomies: list[str | Path] | None) -> list[Path]:
    paths = [Path(p) for p in (taxonomies or [])]
    env = os.environ.get("ADEQUA_SKILL_TAXONOMIES")
    if env:
        paths += [Path(p) for p in env.split(os.pathsep) if p]
    return paths


# -- lemma cache: words lemmatised by earlier runs -----------------------------------------------
_LEMMAS_LOADED: set[str] = set()


def _lemma_path(settings: Settings) -> Path:
    try:
        from importlib.metadata import version

        lv = version("simplemma")
    except Exception:       # noqa: BLE001 - no version: the key still changes with text.py
        lv = "?"
    return Path(settings.cache_dir) / f"lemmas-{lv}-{code_fingerprint(files=('adequa/normalise/text.py',))}.pickle"


def load_lemmas(settings: Settings) -> int:
    """Seed the lemma cache from the file saved by earlier runs (once per process); returns its size."""
    path = _lemma_path(settings)
    if str(path) in _LEMMAS_LOADED or not path.exists():
        return 0
    from adequa.normalise.text import add_lemmas

    try:
        with path.open("rb") as fh:
            known = pickle.load(fh)
    except Exception:       # noqa: BLE001 - a bad cache file is ignored (rewritten by the next save)
        return 0
    if not isinstance(known, dict):
        return 0
    add_lemmas(known)
    _LEMMAS_LOADED.add(str(path))
    return len(known)


def save_lemmas(settings: Settings, new: dict | None = None) -> int:
    """Add the lemmas computed in this process (and ``new`` ones from workers) to the saved file."""
    from adequa.normalise.text import LEMMA_CACHE_MAX, drain_new_lemmas

    fresh = drain_new_lemmas()
    if new:
        fresh.update(new)
    if not fresh:
        return 0
    path = _lemma_path(settings)
    known: dict = {}
    if path.exists():
        try:
            with path.open("rb") as fh:
                known = pickle.load(fh)
        except Exception:   # noqa: BLE001
            known = {}
    if not isinstance(known, dict) or len(known) >= LEMMA_CACHE_MAX:
        return 0
    before = len(known)
    for k, v in fresh.items():
        known.setdefault(k, v)
    if len(known) == before:
        return 0
    if save_pickle(path, known, "lemmas-*.pickle") is not None:
        return 0
    return len(known) - before


def load_skill_extractor(settings: Settings, taxonomies: list[str | Path] | None = None, *, use_cache: bool = True,
                         lang: str = "fr", semantic: bool = True):
    """The compiled ``SkillExtractor``, from the cache when the referential files did not change.

    It is compiled for ``lang``; other languages (``extract(..., lang="en")``) are compiled or
    loaded from the cache on first use.
    """
    from adequa.enrich.skills import SkillExtractor

    extra = _extra_paths(taxonomies)
    if use_cache:
        with _no_gc():
            load_lemmas(settings)

    def loader(lg: str):
        return _compiled(settings, extra, lg, use_cache)

    ex = SkillExtractor(loader(lang), loader=loader)
    ex.semantic = semantic and os.environ.get("ADEQUA_SKILLS_EXACT_ONLY", "") in ("", "0")
    return ex


class _no_gc:
    """No cyclic garbage collection inside the block: loading a pickle of millions of small
    objects is ~2x faster (the collector would scan them over and over; none is garbage); at the
    end, what was loaded is moved to the oldest generation (not scanned by the next collections)."""

    def __enter__(self):
        import gc

        self._was = gc.isenabled()
        gc.disable()
        return self

    def __exit__(self, *exc):
        import gc

        # what the block allocated sits in the youngest generation, where the next young collection
        # would scan all of it: freeze() + unfreeze() moves it to the oldest one without a scan
        gc.freeze()
        gc.unfreeze()
        if self._was:
            gc.enable()
        return False


# Modules whose classes (or the data layout they expect) are pickled in the compiled cache.
_PICKLED_CODE = ("adequa/enrich/skills_build.py", "adequa/enrich/skills_exact.py", "adequa/enrich/skills_semantic.py",
                 "adequa/enrich/segment.py", "adequa/enrich/lexical.py", "adequa/enrich/taxonomy.py",
                 "adequa/normalise/text.py")


def code_fingerprint(root: Path | None = None, files: Iterable[str] = _PICKLED_CODE) -> str:
    """sha256 of the source of every module that defines a pickled class (or computes the keys
    pickled with it): any edit gives a new cache key, so a stale pickle is never loaded."""
    root = Path(__file__).resolve().parents[2] if root is None else Path(root)
    h = hashlib.sha256()
    for rel in files:
        p = root / rel
        h.update(rel.encode())
        h.update(p.read_bytes() if p.exists() else b"-")
    return h.hexdigest()[:16]


def _compiled(settings: Settings, extra: list[Path], lang: str, use_cache: bool):
    from adequa.enrich.skills_build import BUILD_VERSION, build, curated_fingerprint

    inputs = _inputs(settings, extra)
    if not inputs["rome"]:
        raise ReferentialError(f"{_root(settings) / 'rome'}: ROME export not found "
                               "(set ADEQUA_MIRROR or run `adequa data pull`)")
    every = [p for ps in inputs.values() for p in ps]
    key = hashlib.sha256("|".join([BUILD_VERSION, curated_fingerprint(), _sha(every), lang,
                                   sys.version.split()[0], code_fingerprint()]).encode()).hexdigest()[:16]
    cache = Path(settings.cache_dir) / f"skills-{lang}-{key}.pickle"
    if use_cache and cache.exists():
        try:
            with cache.open("rb") as fh, _no_gc():
                return pickle.load(fh)
        except Exception:       # noqa: BLE001 - a stale or truncated cache is rebuilt, never fatal
            pass
    with _no_gc():      # millions of new objects, none garbage: the collector's passes were a third of a build
        taxos, fiche = load_taxonomies(settings, extra)
        compiled = build(taxos, fiche, langs=(lang,), job_titles=_job_titles(settings) if lang == "fr" else None)
    if use_cache:
        exc = save_pickle(cache, compiled, f"skills-{lang}-*.pickle")
        if exc is not None:     # a read-only or full disk: this run goes on, the next builds again
            print(f"warning: cannot write the compiled taxonomy cache in {cache.parent} ({exc.strerror or exc}); "
                  "set ADEQUA_CACHE_DIR to a writable folder to start faster next time", file=sys.stderr)
    return compiled


def load_occupation_classifier_or_none(settings: Settings):
    """The occupations area's classifier, or None when it (or its data) is unavailable."""
    try:
        from adequa.pipeline.occupations import load_occupation_classifier
    except ImportError:
        return None
    try:
        with _no_gc():
            return load_occupation_classifier(settings)
    except Exception as exc:     # noqa: BLE001 - annotate still gives skills without it
        print(f"warning: occupation classifier unavailable ({exc}); occupation fields are null", file=sys.stderr)
        return None


def load_models(settings: Settings, taxonomies: list[str | Path] | None = None, *, semantic: bool = True,
                occupations: bool = True):
    """(``load_skill_extractor``, ``load_occupation_classifier_or_none`` or None without ``occupations``).

    On cold caches (a new install, new referential files) both are built from the referentials,
    ~5 s and ~3.5 s of one core: the classifier is then built in a forked process, which caches
    it, while this one compiles the skills; this process loads the classifier from that cache."""
    aside = _build_occupations_aside(settings) if occupations else None
    try:
        extractor = load_skill_extractor(settings, taxonomies, semantic=semantic)
    finally:
        if aside is not None:
            aside.join(ASIDE_TIMEOUT)
            if aside.is_alive():    # stuck (a build takes seconds): this process builds it instead
                aside.terminate()
                aside.join()
    return extractor, (load_occupation_classifier_or_none(settings) if occupations else None)


ASIDE_TIMEOUT = 300.0   # seconds load_models waits for the classifier built aside


def _build_occupations_aside(settings: Settings):
    """A started process that builds and caches the occupation classifier, or None when its cache
    is there already (or it cannot run aside: no fork, one core, no referentials — the caller's
    own load then builds it or reports why)."""
    if (os.cpu_count() or 1) < 2:
        return None
    try:
        from adequa.pipeline.occupations import classifier_cached

        if classifier_cached(settings):
            return None
    except Exception:   # noqa: BLE001 - e.g. no ROME folder: the caller's load says so
        return None
    import multiprocessing as mp    # here: a warm start does not import it

    if "fork" not in mp.get_all_start_methods():
        return None
    proc = mp.get_context("fork").Process(target=_build_occupations, args=(settings,), daemon=True)
    proc.start()
    return proc


def _build_occupations(settings: Settings) -> None:
    """In the forked builder: build and cache the classifier, silently (the parent reports failures)."""
    try:
        from adequa.pipeline.occupations import load_occupation_classifier

        with _no_gc():
            load_occupation_classifier(settings)
    except Exception:   # noqa: BLE001 - the parent's own load tries again and warns
        pass


# -- annotate -----------------------------------------------------------------------------------
def read_ads(path: str | Path) -> Iterator[tuple[int, dict]]:
    """(line number, ad) from a JSONL file of {"id", "title", "description"}; '-' reads stdin.

    UTF-8, with or without a byte-order mark (Windows exports have one); other encodings are an
    ``InputError`` naming the line and the first byte that is not UTF-8."""
    fh = sys.stdin.buffer if str(path) == "-" else open(path, "rb")
    try:
        for n, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                bom = ", a UTF-16 byte-order mark" if n == 1 and raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
                raise InputError(f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1}{bom}): "
                                 "save the file as UTF-8", path=str(path), line=n) from None
            if not line.strip():
                continue
            try:
                ad = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"invalid JSON ({exc.msg})", path=str(path), line=n) from exc
            if not isinstance(ad, dict):
                raise InputError("each line must be a JSON object", path=str(path), line=n)
            for f in ("title", "description"):
                v = ad.get(f)
                if v is not None and not isinstance(v, str):
                    raise InputError("expected a string", path=str(path), line=n, record=str(ad.get("id")), field=f)
            yield n, ad
    finally:
        if fh is not sys.stdin.buffer:
            fh.close()


def _classify(classifier, title: str, desc: str) -> dict | None:
    if classifier is None:
        return None
    try:
        return classifier.classify(title, desc)
    except Exception:   # noqa: BLE001 - one odd ad never stops a run
        return None


def annotate_ad(ad: dict, extractor, classifier=None, lang: str = "fr") -> dict:
    """One output record: the input fields + occupation fields + "skills"."""
    from adequa.normalise.text import guess_lang

    title = ad.get("title") or ""
    desc = ad.get("description") or ""
    out = dict(ad)
    occ = _classify(classifier, title, desc)
    out.update(occ or json.loads(json.dumps(_NULL_OCCUPATION)))
    hint = ((occ or {}).get("occupation") or {}).get("rome")
    use = guess_lang(desc or title) if lang == "auto" else lang
    get = getattr(extractor, "extract_shared", extractor.extract)     # read only: no copies needed
    mentions = list(get(desc, lang=use, rome_hint=hint))
    if title:
        mentions += get(title, lang=use, rome_hint=hint, field="title")
    out["skills"] = [mention_record(m) for m in mentions]
    return out


def mention_record(m) -> dict:
    """A ``SkillMention`` as the interface writes it (``field`` only for mentions outside the description)."""
    d = {"start": m.start, "end": m.end, "text": m.text, "rome_ogr": m.rome_ogr, "esco_uri": m.esco_uri,
         "label": m.label, "kind": m.kind, "score": m.score, "method": m.method, "unlisted": m.unlisted}
    if m.field != "description":
        d["field"] = m.field
    return d


_OWN_FIELDS = frozenset((*OCCUPATION_FIELDS, "skills"))


def _annotate_json(ad: dict, extractor, classifier=None, lang: str = "fr") -> tuple[str, int, frozenset] | None:
    """``json.dumps`` (ensure_ascii=False) of the fields ``annotate_ad`` adds to ``ad``, their number of
    mentions and their names, without building the record: the skills list is joined from the
    extractor's ``extract_json`` strings. Only for ads that have none of those fields themselves;
    None when the record must be built (``annotate_ad``)."""
    from adequa.normalise.text import guess_lang

    title = ad.get("title") or ""
    desc = ad.get("description") or ""
    occ = _classify(classifier, title, desc)
    if not occ:
        occ = _NULL_OCCUPATION
    elif "skills" in occ:
        return None         # a classifier giving "skills" too: annotate_ad's record says where it goes
    hint = (occ.get("occupation") or {}).get("rome")
    use = guess_lang(desc or title) if lang == "auto" else lang
    skills, n = extractor.extract_json(desc, lang=use, rome_hint=hint)
    if title:
        more, n_title = extractor.extract_json(title, lang=use, rome_hint=hint, field="title")
        if n_title:
            skills = f"{skills}, {more}" if n else more
            n += n_title
    head = json.dumps(occ, ensure_ascii=False)
    frag = f"{head[:-1]}, \"skills\": [{skills}]}}" if head != "{}" else f"{{\"skills\": [{skills}]}}"
    return frag, n, frozenset((*occ, "skills"))


_WORKER: dict = {}


def _annotate_chunk(chunk: list[dict | None]) -> tuple[list[tuple[str, int, str | None]], dict]:
    """(line, mentions, fragment) for each ad of a chunk (``None`` = a repeat the parent writes), and
    the lemmas first computed while annotating it (for the parent to save).

    ``fragment`` is (where the JSON object of the fields annotate_ad added starts in ``line``, their
    names: see ``_frag``), so that the parent can write a later ad with the same title and description
    without annotating it again. Only its start is sent, not a copy of its text: the text would
    cross the pipe twice (it is the end of ``line``) and most ads are never repeated.
    """
    from adequa.normalise.text import drain_new_lemmas

    ex, cl, lang = _WORKER["extractor"], _WORKER["classifier"], _WORKER["lang"]
    out = []
    dumps = json.dumps
    fast = hasattr(ex, "extract_json")
    if cl is not None and hasattr(cl, "prefetch") and len(chunk) > 1:
        cl.prefetch(chunk)      # the chunk's occupations in one batch; classify(ad) then returns them
    for ad in chunk:
        if ad is None:
            continue
        got = _annotate_json(ad, ex, cl, lang) if fast and _OWN_FIELDS.isdisjoint(ad) else None
        if got is not None:
            frag, n, added = got
            line = _join(dumps(ad, ensure_ascii=False), frag)
            out.append((line, n, (len(line) - len(frag) + 1, added)))
            continue
        rec = annotate_ad(ad, ex, cl, lang)
        n = len(rec["skills"])
        if all(rec[k] is v for k, v in ad.items()):
            added = {k: v for k, v in rec.items() if k not in ad}
            frag = dumps(added, ensure_ascii=False)
            line = _join(dumps(ad, ensure_ascii=False), frag)
            out.append((line, n, (len(line) - len(frag) + 1, frozenset(added))))
        else:       # the ad has fields annotate_ad overwrites: written whole, never reused
            out.append((dumps(rec, ensure_ascii=False), n, None))
    if _WORKER.get("encoded"):
        out = [_encoded(line, n, f) for line, n, f in out]
    return out, (drain_new_lemmas() if _WORKER.get("forked") else {})


def _utf8(line: str) -> bytes:
    try:
        return line.encode()
    except UnicodeEncodeError:
        return escaped(line).encode()


def _encoded(line: str, n: int, frag):
    """An ``_annotate_chunk`` output item with its line as UTF-8 bytes; a line that needed escapes is
    not reused for repeats (its fragment's offset was counted on the unescaped line)."""
    try:
        return line.encode(), n, frag
    except UnicodeEncodeError:
        return escaped(line).encode(), n, None


def _worker_loop(tasks, results, shares=None) -> None:
    """A forked worker: annotate the chunks it is sent, with the lines other workers resolved
    since its last chunk (read from ``shares`` before each chunk, as soon as the parent relayed
    them), and send back its own new lines with the output."""
    import gc
    from queue import Empty

    ex = _WORKER["extractor"]
    share = hasattr(ex, "share_lines")
    if share:
        ex.share_lines(True, recurring_only=True)
    while True:
        msg = tasks.get()
        if msg is None:
            break
        chunk, recurring = msg
        if gc.get_count()[0] > 200_000:
            # The collector is off (see _stream). What a worker keeps is its memos, and what
            # annotating an ad allocates is acyclic: young-generation passes here scanned every
            # memo entry (collect(1): again at each pass) and found nothing (0 objects collected
            # in 5 passes over 10,000 ads; 0.2-0.3 s of CPU per worker). So the young objects go
            # to the oldest generation without a scan (two list splices), left, like the loaded
            # taxonomy, to full collections, which a worker does not run.
            gc.freeze()
            gc.unfreeze()
        try:
            if share and shares is not None:
                while True:
                    try:
                        blob = shares.get_nowait()
                    except Empty:
                        break
                    ex.import_lines(pickle.loads(blob))
                if recurring:
                    ex.mark_recurring(recurring)
            out, lemmas = _annotate_chunk(chunk)
            new = ex.export_lines() if share else None
            # pickled here, unpickled only by the other workers: the parent relays bytes
            results.put((out, lemmas, pickle.dumps(new, pickle.HIGHEST_PROTOCOL) if new else b""))
        except BaseException:      # noqa: BLE001 - reported to the parent, which raises
            import traceback

            results.put(("error", traceback.format_exc()))
            break


class _Workers:
    """Forked workers, each sent its share of every chunk (ads routed by title), results put back
    in input order. Unlike a plain pool, each worker is also sent the lines the others resolved,
    on a queue of its own that it reads before each chunk:
    a recurring line is analysed once between them (relayed as the pickled bytes the worker made:
    the parent never decodes them; decoding and re-encoding them cost it ~0.3 s per 10,000 ads).
    Only lines whose text comes back are shared (``_read``): the parent reads ``LOOKAHEAD``
    chunks before it sends them, so it knows most of them before they are resolved.
    Queues have feeder threads, so neither side blocks the other on a full pipe."""

    AHEAD = 3       # chunks in flight
    LOOKAHEAD = 12  # chunks read before they are sent (filled four per chunk sent after the first)

    def __init__(self, n: int):
        import multiprocessing as mp

        ctx = mp.get_context("fork")
        self.tasks = [ctx.Queue() for _ in range(n)]
        self.results = [ctx.Queue() for _ in range(n)]
        # the other workers' lines, relayed as soon as the parent has them: attached to the next
        # chunk sent, they reached a worker three chunks late (``AHEAD``)
        self.shares = [ctx.Queue() for _ in range(n)]
        self.procs = [ctx.Process(target=_worker_loop, args=(self.tasks[w], self.results[w], self.shares[w]),
                                  daemon=True)
                      for w in range(n)]
        for p in self.procs:
            p.start()
        self.route: dict[str, int] = {}     # title -> the worker that annotated it first
        self.seen_lines: set[int] = set()   # hashes of the description lines read so far
        self.recurring: set[int] = set()    # those read in more than one ad
        self.marks: list[int] = []          # hashes newly in ``recurring``, for the workers' next chunk

    def imap(self, chunks):
        """For each chunk (ads, ``None`` for a repeat the parent writes), the (lines, lemmas) that
        ``_annotate_chunk`` would give, in order. Within a chunk, ads are routed by title: an ad
        goes to the worker that already had its title (its occupation and title memos are there),
        a new title to the least loaded worker, and any ad to the least loaded one when its
        title's worker runs ahead by more than a chunk."""
        from collections import deque

        n = len(self.procs)
        it = iter(chunks)
        order: deque = deque()          # per chunk sent: (positions of the ads each worker got)
        ahead: deque = deque()          # chunks read, not sent yet
        load = [0] * n

        def send() -> bool:
            for _ in range(4 if order else 1):     # the first chunk goes out as soon as it is read
                if len(ahead) > self.LOOKAHEAD:
                    break
                chunk = next(it, None)
                if chunk is None:
                    break
                self._read(chunk)
                ahead.append(chunk)
            if not ahead:
                return False
            chunk = ahead.popleft()
            parts: list[list] = [[] for _ in range(n)]
            where: list[list[int]] = [[] for _ in range(n)]
            for pos, ad in enumerate(chunk):
                if ad is None:
                    continue
                title = ad.get("title") or ""
                w = self.route.get(title)
                low = min(range(n), key=load.__getitem__)
                if w is None or load[w] - load[low] > len(chunk):
                    w = low
                    if len(self.route) < 200_000:
                        self.route[title] = w
                parts[w].append(ad)
                where[w].append(pos)
                load[w] += 1
            marks = self.marks
            self.marks = []     # a new list: the queues pickle what they are given later, in their threads
            for w in range(n):
                self.tasks[w].put((parts[w], marks))
            order.append(where)
            return True

        for _ in range(self.AHEAD):
            if not send():
                break
        while order:
            where = order.popleft()
            by_pos: dict[int, tuple] = {}
            lemmas: dict = {}
            for w in range(n):
                got = self._get(w)
                lines, lem, new = got
                if lem:
                    lemmas.update(lem)
                if new:
                    for other in range(n):
                        if other != w:
                            self.shares[other].put(new)
                for pos, line in zip(where[w], lines):
                    by_pos[pos] = line
            send()
            yield [by_pos[p] for p in sorted(by_pos)], lemmas

    def _read(self, chunk: list) -> None:
        """Note the description lines of a chunk read: a line met for the second time is marked
        (its hash added to ``marks``), and the workers then share their resolutions of that line's
        text — those made before the mark too (``SkillExtractor.mark_recurring``). Lines of new
        text seldom come back (over 10,000 novel ads, a worker reused 6,000 of the 45,000 lines the
        other sent), and each line sent costs pickling, unpickling and the other worker's memory.
        Hashes, not texts: forked workers hash a string as the parent does, and a collision only
        shares a line too many (imports are keyed by the whole line)."""
        seen, recurring, marks = self.seen_lines, self.recurring, self.marks
        if len(seen) >= 2_000_000:
            seen.clear()
        for ad in chunk:
            if ad is None:
                continue
            desc = ad.get("description")
            if not desc or not isinstance(desc, str):
                continue
            for line in desc.split("\n"):
                h = hash(line)
                if h in seen:
                    if h not in recurring:
                        recurring.add(h)
                        marks.append(h)
                else:
                    seen.add(h)

    def _get(self, w: int):
        while True:
            try:
                got = self.results[w].get(timeout=5)
                break
            except Exception:       # noqa: BLE001 - queue.Empty: check the worker is alive
                if not self.procs[w].is_alive():
                    raise RuntimeError(f"annotate worker {w} died (exit code {self.procs[w].exitcode})") from None
        if got and got[0] == "error":
            raise RuntimeError(f"annotate worker failed:\n{got[1]}")
        return got

    def close(self) -> None:
        for q in self.tasks:
            try:
                q.put(None)
            except Exception:   # noqa: BLE001
                pass
        for q in self.shares:
            # lines relayed after a worker's last chunk are never read: exiting must not wait for
            # the queue's thread to push them into a full pipe
            q.cancel_join_thread()
        for p in self.procs:
            p.join(timeout=2)
            if p.is_alive():
                p.terminate()
                p.join()


def _frag(line: str, cut: int) -> str:
    """The fragment ``frag`` of ``line = _join(head, frag)`` from ``cut = len(line) - len(frag) + 1``:
    in each case of ``_join`` the line ends with ``frag[1:]`` (and ``frag`` starts with "{")."""
    return "{" + line[cut:]


def _join(head: str, frag: str) -> str:
    """json.dumps({**a, **b}) from json.dumps(a) and json.dumps(b) when a and b share no key."""
    if head == "{}":
        return frag
    if frag == "{}":
        return head
    return head[:-1] + ", " + frag[1:]


_REUSE_MAX = 50_000      # distinct (title, description) pairs whose annotation is kept for repeats


def _chunks(ads: Iterator[tuple[int, dict]], size: int) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    for _, ad in ads:
        chunk.append(ad)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_LOAD = object()     # annotate_stream(classifier=...) not given: load it


def annotate_stream(settings: Settings, ads: Iterable[dict], *, lang: str = "fr",
                    taxonomies: list[str | Path] | None = None, workers: int = 1,
                    semantic: bool = True, extractor=None, classifier=_LOAD,
                    encoded: bool = False) -> Iterator[tuple[dict, str, int]]:
    """(ad, its output JSON line, its number of mentions) for each input ad, in input order.

    ``encoded``: each line as UTF-8 bytes (what ``annotate_file`` writes): workers encode it once,
    and the pipe and the writer move bytes (a str is encoded to cross the pipe, decoded, and
    encoded again by a text file).

    ``workers`` > 1 forks that many processes after the compiled taxonomy is loaded (shared by
    fork, not copied). ``extractor``, ``classifier``: already loaded models (``load_models``). The taxonomies
    are loaded before this returns (a missing referential is
    reported before anything is read or written); the lemmas first met are saved when the
    stream is exhausted.
    """
    import numpy  # noqa: F401 - loads OpenBLAS now: threadpoolctl limits only the libraries already loaded
    from threadpoolctl import threadpool_limits

    # One BLAS thread, from loading to the end of the stream: the products here are a few hundred
    # numbers long, so OpenBLAS's extra threads only spin between calls, on the cores the workers
    # need (user CPU 0.85-0.9x on the real ads, outputs identical). Forked workers inherit it.
    # (`adequa annotate` imports NumPy nowhere before this point: without the import above, the
    # limit found no BLAS and the run kept OpenBLAS's default threads.)
    blas = threadpool_limits(1, user_api="blas")
    try:
        if extractor is None:
            extractor, loaded = load_models(settings, taxonomies, semantic=semantic, occupations=classifier is _LOAD)
            classifier = loaded if classifier is _LOAD else classifier
        elif classifier is _LOAD:
            classifier = load_occupation_classifier_or_none(settings)
    except BaseException:
        blas.restore_original_limits()
        raise
    if workers > 1:
        import multiprocessing as mp    # here: one process does not need it

        if "fork" not in mp.get_all_start_methods():
            workers = 1
    _WORKER.update(extractor=extractor, classifier=classifier, lang=lang, forked=workers > 1, encoded=encoded)
    return _stream(settings, ads, workers, blas)


def _stream(settings: Settings, ads: Iterable[dict], workers: int, blas) -> Iterator[tuple[dict, str, int]]:
    import gc

    new_lemmas: dict = {}
    # Repeated ads (same title and description: reposts, copies across job boards) are annotated
    # once; the repeats are written from the first one's output, in input order.
    from collections import deque

    pending: deque = deque()
    reuse: dict = {}

    def feed(size: int):
        seen: set = set()
        for chunk in _chunks(((0, ad) for ad in ads), size):
            send, keys = [], []
            for ad in chunk:
                key = (ad.get("title") or "", ad.get("description") or "")
                if key in seen:
                    send.append(None)
                else:
                    if len(seen) < _REUSE_MAX:
                        seen.add(key)
                    send.append(ad)
                keys.append(key)
            pending.append((chunk, keys, send))
            yield send

    dumps = json.dumps
    encoded = _WORKER.get("encoded")
    chunks = feed(400 if workers > 1 else 100)
    # the loaded taxonomies are never garbage: out of the collector's scans, and shared with
    # forked workers without copy-on-write by the collector touching them
    gc.freeze()
    # and no automatic collection during the run: the memos only grow, and what annotating an
    # ad allocates is acyclic, so the collector's passes over them would find nothing (~7 %
    # of the CPU); in one process, a young-generation pass every 20,000 ads catches any stray
    # cycle (forked workers move their young objects to the oldest generation unscanned)
    gc_was = gc.isenabled()
    gc.disable()
    n_ads = 0
    if workers > 1:
        pool = _Workers(workers)
        results = pool.imap(chunks)
    else:
        pool = None
        results = map(_annotate_chunk, chunks)
    try:
        for lines, lemmas in results:
            if lemmas:
                new_lemmas.update(lemmas)
            chunk, keys, send = pending.popleft()
            done = iter(lines)
            for ad, key, sent in zip(chunk, keys, send):
                if sent is not None:
                    line, n, frag = next(done)
                    if frag is not None and key not in reuse:
                        reuse[key] = (line, frag[0], n, frag[1])
                else:
                    got = reuse.get(key)
                    if got is not None and not (got[3] & ad.keys()):
                        first = got[0].decode() if encoded else got[0]
                        line, n = _join(dumps(ad, ensure_ascii=False), _frag(first, got[1])), got[2]
                        if encoded:
                            line = _utf8(line)
                    else:   # the first one could not be reused (rare): annotate this one here
                        (line, n, _), = _annotate_chunk([ad])[0]
                yield ad, line, n
            n_ads += len(chunk)
            if n_ads % 20_000 < len(chunk):
                gc.collect(0)       # young objects only (see _worker_loop)
    finally:
        if pool is not None:
            pool.close()
        # What the run kept (memos: millions of small containers) was allocated with the collector
        # off, so it all sits in the youngest generation: the first young collection after
        # re-enabling would scan every object of it (~1 s at 10,000 ads, then again in the middle
        # generation). freeze() + unfreeze() moves every generation to the oldest one without
        # scanning anything (two list splices): the same objects, left to the rare full collections.
        gc.freeze()
        gc.unfreeze()
        if gc_was:
            gc.enable()
        blas.restore_original_limits()
    save_lemmas(settings, new_lemmas)


_EXIT_FREEZE: list = []


def _cheap_exit() -> None:
    """At interpreter exit, move every object to the collector's permanent generation first.

    A process that annotated a file holds the loaded taxonomy, the occupation model and the run's
    memos: millions of small containers, which the interpreter's final collection would scan one by
    one (1.4-1.7 s of CPU after a 10,000-ad run with one worker, measured). Frozen, they are left out
    of that scan; nothing else changes (objects are still freed by reference counting)."""
    if not _EXIT_FREEZE:
        import atexit
        import gc

        atexit.register(gc.freeze)
        _EXIT_FREEZE.append(True)


def annotate_file(settings: Settings, input: str | Path, output: str | Path, *, lang: str = "fr",
                  taxonomies: list[str | Path] | None = None, progress=None, workers: int | None = None,
                  semantic: bool = True) -> dict:
    """Annotate a JSONL file; returns {"ads", "mentions", "seconds", "workers"}.

    Large inputs are split across ``workers`` processes (default: 2 when the file is over 2 MB and
    the machine has 2 cores or more); the compiled taxonomy is loaded once and shared by fork.
    """
    import time

    t0 = time.perf_counter()
    _cheap_exit()
    if workers is None:
        big = str(input) != "-" and Path(input).stat().st_size > 2_000_000
        workers = min(2, os.cpu_count() or 1) if big else 1
    n_ads = n_mentions = step = 0
    to_file = str(output) != "-"
    stream = annotate_stream(settings, (ad for _, ad in read_ads(input)), lang=lang, taxonomies=taxonomies,
                             workers=workers, semantic=semantic, encoded=to_file)
    try:
        with output_file(output) as out_fh:
            for _, line, n in stream:
                if to_file:     # bytes, encoded by the workers
                    out_fh.write(line)
                    out_fh.write(b"\n")
                else:
                    write_line(out_fh, line)
                n_mentions += n
                n_ads += 1
                step += 1
                if progress is not None and step >= 200:
                    progress(step)
                    step = 0
            if progress is not None and step:
                progress(step)
    finally:
        stream.close()
    return {"ads": n_ads, "mentions": n_mentions, "seconds": time.perf_counter() - t0, "workers": workers}
