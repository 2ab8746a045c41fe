"""Emerging skills, end to end: discover unlisted skill-like terms in the ads, group their
variants, suggest the nearest taxonomy item, then compute the ``emerging`` indicators.

    from adequa.pipeline.emerging import discover_terms, emerging
    discover_terms("adequa.duckdb", taxonomy=load_taxonomy_labels(root))
    report = emerging("adequa.duckdb", group="data-ia", territory="region:28",
                      date_from="2024Q1", date_to="2025Q1")

Only this module touches the warehouse and the referential files; the term
logic lives in :mod:`adequa.enrich.emerging_terms` (pure functions) and the
statistics in :mod:`adequa.indicators.emerging`.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Sequence

from adequa.enrich import emerging_terms as et
from adequa.store.duckdb import Warehouse

__all__ = ["DiscoveryResult", "Taxonomy", "discover_terms", "emerging", "known_keys", "load_taxonomy_labels",
           "taxonomy_from_warehouse"]

# Head words of taxonomy labels that name a tool by its category ("Langage SQL", "Logiciel Excel").
_HEADS = re.compile(r"^(?:langages?|logiciels?|progiciels?|outils?|utilisation d[eu']s?|méthodes?|normes?|"
                    r"framework|bibliothèque|plateforme|techniques? d[eu']s?|environnement)\s+(?:de\s+|d'|du\s+)?",
                    re.I)


@dataclass
class Taxonomy:
    """Labels of the skill taxonomies: (item id, label) pairs for nearest-item suggestions,
    and every label (alt labels too) for filtering known terms."""

    labels: list[tuple[str, str]] = field(default_factory=list)      # preferred labels
    all_labels: list[str] = field(default_factory=list)
    version: str | None = None
    _keys: set[str] | None = field(default=None, repr=False)
    _choices: list[str] | None = field(default=None, repr=False)

    def keys(self) -> set[str]:
        if self._keys is None:
            self._keys = known_keys(self.all_labels or [label for _, label in self.labels])
        return self._keys

    def choices(self) -> list[str]:
        """Preferred labels prepared for rapidfuzz (accent-free, lower case), computed once."""
        if self._choices is None:
            self._choices = [et.strip_accents(label).casefold() for _, label in self.labels]
        return self._choices


_VENDOR = re.compile(r"^(?:microsoft|google|adobe|apache|amazon|ibm|oracle|sap)\s+", re.I)
_INNER = re.compile(r"\(([^()]{2,200})\)")


def known_keys(labels: Iterable[str]) -> set[str]:
    """term_key of every label, of its part before a bracket ("Python (computer programming)"),
    of the tool name after a category head word or a vendor ("Langage SQL" → "sql",
    "Microsoft Excel" → "excel") and of short items listed in brackets
    ("pack Office (Word, Excel, Outlook)" → "word", "excel", "outlook")."""
    out = set()
    for label in labels:
        if not label:
            continue
        forms = [label, label.split("(")[0], _HEADS.sub("", label)]
        forms.append(_VENDOR.sub("", forms[-1]))
        for inner in _INNER.findall(label):
            forms.extend(p for p in re.split(r"\s*[,;/]\s*", inner) if 0 < len(p.split()) <= 3 and "..." not in p)
        for form in forms:
            k = et.term_key(form)
            if len(k) >= 2:
                out.add(k)
    return out


def load_taxonomy_labels(root: str | Path, *, esco: bool = True) -> Taxonomy:
    """ROME compétences and savoirs, and ESCO skills (English, plus French labels when present),
    from the official files under ``root`` (``settings.data_root()``)."""
    from adequa.errors import ReferentialError
    from adequa.sources.referentials import esco as esco_ref
    from adequa.sources.referentials import rome

    root = Path(root)
    tax = Taxonomy()
    versions = []
    try:
        export = rome.locate(root / "rome")
        versions.append(f"ROME {export.version}")
        for r in rome.competences(export):
            tax.labels.append((r["code_ogr"], r["label"]))
        for r in rome.savoirs(export):
            tax.labels.append((r["code_ogr"], r["label"]))
    except ReferentialError:
        pass
    tax.all_labels = [label for _, label in tax.labels]
    if esco:
        try:
            files = esco_ref.locate(root / "esco")
            for lang in ("en", "fr"):
                if not files.has(f"skills_{lang}"):
                    continue
                for r in esco_ref.skills(files, lang):
                    tax.labels.append((r["uri"], r["label"]))
                    tax.all_labels.append(r["label"])
                    tax.all_labels.extend(r["alt_labels"])
            versions.append("ESCO")
        except (ReferentialError, OSError, KeyError):      # a partial ESCO folder must not stop discovery
            pass
    tax.version = ", ".join(versions) or None
    return tax


def taxonomy_from_warehouse(wh: Warehouse) -> Taxonomy | None:
    """The same labels from the referential tables loaded by ``adequa data pull`` (latest
    versions), or None when none is loaded."""
    tables = set(wh.tables()) | {r[0] for r in wh.query("SELECT view_name FROM duckdb_views() WHERE NOT internal")}
    tax, versions = Taxonomy(), []
    for name, label_col in (("rome_competences", "label"), ("rome_savoirs", "label")):
        source = f"current_{name}" if f"current_{name}" in tables else name if name in tables else None
        if source:
            rows = wh.query(f"SELECT code_ogr, {label_col}, version FROM {source} WHERE {label_col} IS NOT NULL")
            tax.labels.extend((r[0], r[1]) for r in rows)
            versions.extend(f"ROME {r[2]}" for r in rows[:1])
    tax.all_labels = [label for _, label in tax.labels]
    source = "current_esco_skills" if "current_esco_skills" in tables else "esco_skills" if "esco_skills" in tables else None
    if source:
        rows = wh.query(f"SELECT uri, label, alt_labels, version FROM {source} WHERE label IS NOT NULL")
        for uri, label, alts, _ in rows:
            tax.labels.append((uri, label))
            tax.all_labels.append(label)
            tax.all_labels.extend(alts or [])
        versions.extend(f"ESCO {r[3]}" for r in rows[:1])
    if not tax.labels:
        return None
    tax.version = ", ".join(dict.fromkeys(versions))
    return tax


@dataclass
class DiscoveryResult:
    ads_read: int = 0
    ads_skipped: int = 0
    mentions: int = 0
    unlisted_mentions: int = 0
    groups: int = 0
    known_terms: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return dict(vars(self))


def _scan(batch: list[tuple[str, str | None]], known: frozenset[str], min_score: float) -> tuple[list[dict], list]:
    rows, pairs = [], []
    for ad_id, text in batch:
        if not text:
            continue
        for c in et.candidate_terms(text, known=known, min_score=min_score):
            rows.append({"ad_id": ad_id, "field": "description", "start": c.start, "end": c.end, "term": c.term,
                         "term_key": c.key, "score": c.score, "sentence": c.sentence, "origin": "discovery"})
        if "(" in text:
            pairs.extend(et.acronym_definitions(text))
    return rows, pairs


_KNOWN: frozenset[str] = frozenset()


def _init_worker(known: frozenset[str]) -> None:
    global _KNOWN
    _KNOWN = known


def _scan_in_worker(batch, min_score):
    return _scan(batch, _KNOWN, min_score)


def discover_terms(db: str | Path | Warehouse, *, taxonomy: Taxonomy | None = None, known: set[str] | None = None,
                   rescan: bool = False, batch_size: int = 2000, workers: int = 1, min_score: float = 0.5,
                   nearest_min_mentions: int = 3, progress: Callable[[int, int], None] | None = None
                   ) -> DiscoveryResult:
    """Find skill-like terms that no taxonomy lists in the ads' descriptions and store them.

    Ads already scanned are skipped unless ``rescan``; an ad's rows are replaced when it is
    scanned again, so re-running never duplicates. Unlisted mentions of the skills enricher
    (``skill_mentions.unlisted``) are added as candidates too. Variants are then grouped over
    the whole table and each group with at least ``nearest_min_mentions`` mentions gets its
    nearest taxonomy item in spelling (token_sort_ratio ≥ 85, else none). ``workers`` > 1 scans
    batches in parallel processes.
    """
    t0 = time.perf_counter()
    own = not isinstance(db, Warehouse)
    wh = Warehouse(db) if own else db
    res = DiscoveryResult()
    started = datetime.now(timezone.utc).replace(tzinfo=None)
    try:
        keys = frozenset(known if known is not None else (taxonomy.keys() if taxonomy else set()))
        res.known_terms = len(keys)
        con = wh.con
        if rescan:
            con.execute("DELETE FROM emerging_scanned")
        before = _mentions_fingerprint(wh)
        todo_sql = ("SELECT a.ad_id, a.description, coalesce(a.content_hash, md5(coalesce(a.description, ''))) "
                    "FROM ads a LEFT JOIN emerging_scanned s ON s.ad_id = a.ad_id "
                    "WHERE s.ad_id IS NULL OR s.content_hash IS DISTINCT FROM "
                    "coalesce(a.content_hash, md5(coalesce(a.description, ''))) ORDER BY a.ad_id")
        # fetchall, not fetchone: DuckDB 2 keeps a half-read result open and refuses other work.
        total = con.execute(f"SELECT count(*) FROM ({todo_sql})").fetchall()[0][0]
        res.ads_skipped = con.execute("SELECT count(*) FROM ads").fetchall()[0][0] - total
        cur = con.cursor()
        cur.execute(todo_sql)
        pairs: list[tuple[str, str]] = []
        pool = ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(keys,)) if workers > 1 else None
        try:
            pending = []
            while True:
                chunk = cur.fetchmany(batch_size)
                if chunk:
                    batch = [(r[0], r[1]) for r in chunk]
                    hashes = [(r[0], r[2]) for r in chunk]
                    fut = pool.submit(_scan_in_worker, batch, min_score) if pool else None
                    pending.append((fut, batch, hashes))
                while pending and (not chunk or len(pending) > workers or pool is None):
                    fut, batch, hashes = pending.pop(0)
                    rows, found = fut.result() if fut else _scan(batch, keys, min_score)
                    pairs.extend(found)
                    _store_batch(wh, [a for a, _ in batch], rows, hashes)
                    res.ads_read += len(batch)
                    res.mentions += len(rows)
                    if progress:
                        progress(res.ads_read, total)
                if not chunk:
                    break
        finally:
            cur.close()
            if pool:
                pool.shutdown()
        res.unlisted_mentions = _copy_unlisted(wh, keys)
        grouped = con.execute("SELECT count(*) FROM emerging_term_groups").fetchall()[0][0]
        if grouped and not rescan and _mentions_fingerprint(wh) == before:
            res.groups = grouped        # nothing new to group: regrouping would rewrite the same rows
        else:
            res.groups = regroup(wh, taxonomy=taxonomy, pairs=pairs, nearest_min_mentions=nearest_min_mentions)
        res.seconds = round(time.perf_counter() - t0, 2)
        run_id = hashlib.sha256(f"{started.isoformat()}|{res.ads_read}".encode()).hexdigest()[:16]
        wh.upsert("emerging_runs", [{"run_id": run_id, "started_at": started,
                                     "finished_at": datetime.now(timezone.utc).replace(tzinfo=None),
                                     "ads_read": res.ads_read, "mentions": res.mentions, "groups": res.groups,
                                     "known_terms": res.known_terms}], key=["run_id"])
        if taxonomy is not None and taxonomy.version:
            wh.record_provenance("emerging_term_groups", source=f"Adequa term discovery over ads ({taxonomy.version})",
                                 version=started.strftime("%Y%m%dT%H%M%S"), rows=res.groups)
    finally:
        if own:
            wh.close()
    return res


def _mentions_fingerprint(wh: Warehouse) -> tuple:
    return tuple(wh.con.execute("SELECT count(*), coalesce(sum(hash(ad_id, field, start, term)), 0) "
                                "FROM emerging_term_mentions").fetchall()[0])


def _store_batch(wh: Warehouse, ad_ids: list[str], rows: list[dict], hashes: list[tuple[str, str]]) -> None:
    import pyarrow as pa

    ids = pa.table({"ad_id": ad_ids})
    scanned = pa.table({"ad_id": [h[0] for h in hashes], "content_hash": [h[1] for h in hashes]})
    cols = ["ad_id", "field", "start", "end", "term", "term_key", "score", "sentence", "origin"]
    table = pa.Table.from_pylist(rows, schema=pa.schema([("ad_id", pa.string()), ("field", pa.string()),
                                                         ("start", pa.int32()), ("end", pa.int32()),
                                                         ("term", pa.string()), ("term_key", pa.string()),
                                                         ("score", pa.float64()), ("sentence", pa.string()),
                                                         ("origin", pa.string())]))
    con = wh.con
    con.register("_em_ids", ids)
    con.register("_em_rows", table)
    con.register("_em_scanned", scanned)
    try:
        with wh.transaction():
            con.execute("DELETE FROM emerging_term_mentions WHERE origin = 'discovery' "
                        "AND ad_id IN (SELECT ad_id FROM _em_ids)")
            quoted = ", ".join(f'"{c}"' for c in cols)
            # Two candidates may share a span only if the same text was split twice: keep one.
            con.execute(f"INSERT INTO emerging_term_mentions ({quoted}) SELECT {quoted} FROM _em_rows "
                        "QUALIFY row_number() OVER (PARTITION BY ad_id, field, start, \"end\" ORDER BY score DESC) = 1 "
                        "ON CONFLICT DO NOTHING")
            con.execute("INSERT OR REPLACE INTO emerging_scanned SELECT ad_id, content_hash FROM _em_scanned")
    finally:
        for name in ("_em_ids", "_em_rows", "_em_scanned"):
            con.unregister(name)


def _copy_unlisted(wh: Warehouse, keys: frozenset[str]) -> int:
    """The skills enricher's unlisted mentions become candidates (origin skill_mentions)."""
    if "skill_mentions" not in wh.tables():
        return 0
    rows = wh.query("SELECT m.ad_id, m.field, m.start, m.\"end\", coalesce(m.text, m.label), m.score "
                    "FROM skill_mentions m WHERE m.unlisted AND coalesce(m.text, m.label) IS NOT NULL")
    out = []
    for ad_id, fld, start, end, text, score in rows:
        k = et.term_key(text)
        if k and k not in keys and et.plausible_term(text):
            out.append({"ad_id": ad_id, "field": fld, "start": start, "end": end, "term": text, "term_key": k,
                        "score": score, "sentence": None, "origin": "skill_mentions"})
    if not out:
        return 0
    with wh.transaction() as con:
        con.execute("DELETE FROM emerging_term_mentions WHERE origin = 'skill_mentions'")
    wh.upsert("emerging_term_mentions", out, key=["ad_id", "field", "start", "end"])
    return len(out)


def regroup(wh: Warehouse, *, taxonomy: Taxonomy | None = None, pairs: Sequence[tuple[str, str]] = (),
            nearest_min_mentions: int = 3, nearest_min_score: float = 85.0) -> int:
    """Group the variants of every stored term, set ``group_key`` on the mentions and rewrite
    ``emerging_term_groups`` (with the nearest taxonomy item). Returns the number of groups."""
    counts = dict(wh.query("SELECT term, count(*) FROM emerging_term_mentions GROUP BY term"))
    groups = et.group_variants(counts, pairs=pairs)
    mapping = [{"term": t, "group_key": g.key} for g in groups for t in g.variants]
    nearest: dict[str, dict | None] = {}
    if taxonomy and taxonomy.labels:
        wanted = [g for g in groups if g.count >= nearest_min_mentions]
        found = et.nearest_items([g.label for g in wanted], taxonomy.labels, choices=taxonomy.choices(),
                                 min_score=nearest_min_score, workers=-1)
        nearest = {g.key: n for g, n in zip(wanted, found)}
    rows = []
    for g in groups:
        near = nearest.get(g.key)
        rows.append({"group_key": g.key, "label": g.label, "variants": json.dumps(g.variants, ensure_ascii=False),
                     "keys": g.keys, "mentions": g.count, "nearest_id": near["id"] if near else None,
                     "nearest_label": near["label"] if near else None,
                     "nearest_score": near["score"] if near else None})
    import pyarrow as pa

    con = wh.con
    con.register("_em_map", pa.Table.from_pylist(mapping, schema=pa.schema([("term", pa.string()),
                                                                            ("group_key", pa.string())])))
    try:
        with wh.transaction():
            con.execute("UPDATE emerging_term_mentions e SET group_key = m.group_key FROM _em_map m "
                        "WHERE m.term = e.term")
            con.execute("DELETE FROM emerging_term_groups")
    finally:
        con.unregister("_em_map")
    # Two groups can share a label key (e.g. after a fuzzy merge); the larger one wins.
    seen, unique = set(), []
    for r in rows:
        if r["group_key"] not in seen:
            seen.add(r["group_key"])
            unique.append(r)
    if unique:
        wh.upsert("emerging_term_groups", unique, key=["group_key"])
    return len(unique)


def emerging(db: str | Path | None = None, *, group: str = "data-ia", territory: str = "france",
             date_from: str | None = None, date_to: str | None = None, period: str | None = None,
             min_cell_size: int | None = None, **options) -> dict:
    """The emerging-skills section for a group and a territory (see
    :func:`adequa.indicators.emerging.emerging_report`): {indicator name: result or reason}."""
    from adequa.indicators import open_warehouse
    from adequa.indicators.emerging import emerging_report

    con = open_warehouse(db)
    try:
        return emerging_report(con, group=group, territory=territory, date_from=date_from, date_to=date_to,
                               period=period, min_cell_size=min_cell_size, **options)
    finally:
        con.close()
