"""Training supply: load certifications and training offers, link them to occupations and skills.

Library first; the ``adequa ingest rncp|lheo|headcounts|formacode`` and ``adequa training …``
commands are thin wrappers over these functions:

* :func:`ingest_rncp` streams an RNCP/RS export (XML V4.1 or CSV, zipped or not) into
  ``certifications`` (one row per distinct version, ``is_current`` on the newest),
  ``certification_blocs``, ``certification_rome`` (published links), ``certification_certifiers``;
  bad fiches go to ``rejects`` with the fiche number and the field;
* :func:`ingest_lheo` loads LHÉO / Intercarif offers into ``training_offers``, ``training_actions``,
  ``training_sessions``;
* :func:`ingest_headcounts` loads user-supplied counts into ``training_headcounts``;
* :func:`ingest_training_referentials` loads Formacode and NSF;
* :func:`annotate_certifications` runs a skill extractor (the same as for ads) over the
  blocs' texts -> ``certification_skills``, and infers ROME links from those skills ->
  ``certification_rome`` rows with ``method='inferred'``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
import unicodedata
import uuid
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator, Protocol

from adequa.enrich.certification_skills import infer_rome, rome_norms  # noqa: F401 (re-exported)
from adequa.errors import InputError
from adequa.model import SkillMention
from adequa.sources import headcounts as headcounts_source
from adequa.sources import lheo as lheo_source
from adequa.sources import rncp as rncp_source
from adequa.sources.rncp import FICHE_FIELDS, Rejected
from adequa.store.duckdb import Warehouse

CERT_COLUMNS = FICHE_FIELDS + ("content_hash", "export_date", "is_current", "source", "origin_file")
Progress = Callable[[int], None]


@dataclass
class IngestSummary:
    """What an ingestion did: printed by the CLI, recorded in ``ingest_runs``."""

    source: str
    origin: str
    read: int = 0
    stored: int = 0          # new rows (new fiches, new versions, new offers)
    updated: int = 0         # rows replaced or marked seen again
    unchanged: int = 0
    rejected: int = 0
    versions: int = 0        # certifications only: new versions of fiches already known
    seconds: float = 0.0
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


class SkillExtractor(Protocol):
    def extract(self, text: str, lang: str = "fr", rome_hint: str | None = None) -> list[SkillMention]: ...


# -- helpers ---------------------------------------------------------------------------------------
def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    if path.is_dir():
        for p in sorted(path.iterdir()):
            if p.is_file():
                h.update(p.name.encode())
                h.update(_sha256_file(p).encode())
        return h.hexdigest()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _insert(con, table: str, rows: list[dict], columns: Iterable[str] | None = None) -> int:
    """INSERT rows BY NAME through an Arrow batch (the caller holds the transaction)."""
    import pyarrow as pa

    if not rows:
        return 0
    cols = list(columns) if columns is not None else list(rows[0].keys())
    batch = pa.Table.from_pylist([{c: r.get(c) for c in cols} for r in rows])
    name = f"_ins_{table}"
    con.register(name, batch)
    try:
        con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM {name}')
    finally:
        con.unregister(name)
    return len(rows)


def _store_rejects(wh: Warehouse, source: str, rejects: list[Rejected]) -> None:
    if not rejects:
        return
    rows = []
    for r in rejects:
        rid = hashlib.sha256("\x1f".join(str(x) for x in (r.path, r.line, r.record, r.field, r.reason)).encode()).hexdigest()[:24]
        rows.append({"reject_id": rid, "source": source, "origin_file": r.path, "line": r.line, "record": r.record,
                     "field": r.field, "reason": r.reason, "raw": r.raw})
    wh.upsert("rejects", rows, key=["reject_id"])


def _record_run(wh: Warehouse, summary: IngestSummary, started: datetime) -> None:
    wh.upsert("ingest_runs", [{"run_id": uuid.uuid4().hex, "source": summary.source, "origin": summary.origin,
                               "started_at": started, "finished_at": datetime.now(timezone.utc).replace(tzinfo=None),
                               "read": summary.read, "stored": summary.stored, "updated": summary.updated,
                               "rejected": summary.rejected, "duplicates": summary.unchanged,
                               "personal_data_removed": 0}], key=["run_id"])


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# -- RNCP / RS ---------------------------------------------------------------------------------------
def _accepted(stream, summary, rejects: list, progress) -> Iterator:
    """The records of a reader's stream, counted as read; ``Rejected`` ones set aside in ``rejects``."""
    for rec in stream:
        summary.read += 1
        if progress:
            progress(1)
        if isinstance(rec, Rejected):
            rejects.append(rec)
            continue
        yield rec


def ingest_rncp(path: str | Path, wh: Warehouse, *, batch_size: int = 500, progress: Progress | None = None,
                export_date: str | None = None) -> IngestSummary:
    """Load an RNCP/RS export. Re-loading the same export changes nothing; a newer export adds
    a version for each changed fiche and moves ``is_current`` to it (older versions are kept)."""
    path = Path(path)
    started = datetime.now(timezone.utc).replace(tzinfo=None)
    t0 = time.perf_counter()
    summary = IngestSummary(source="rncp", origin=str(path))
    export_date = export_date or rncp_source.export_date(path)
    rejects: list[Rejected] = []
    repertoires: Counter = Counter()

    def records():
        for rec in _accepted(rncp_source.read_fiches(path), summary, rejects, progress):
            repertoires[rec["repertoire"]] += 1
            yield rec

    for batch in _chunks(records(), batch_size):
        _store_fiche_batch(wh, batch, export_date=export_date, origin=str(path), summary=summary)
        if len(rejects) > 1000:
            _store_rejects(wh, "rncp", rejects)
            summary.rejected += len(rejects)
            rejects.clear()
    _store_rejects(wh, "rncp", rejects)
    summary.rejected += len(rejects)
    checksum = _sha256_file(path)
    for rep, n in repertoires.items():
        wh.record_provenance("certifications", source=rncp_source.SOURCE + f" ({rep})",
                             version=f"{rep} {export_date or 'export'} {checksum[:12]}", licence=rncp_source.LICENCE,
                             origin=str(path), checksum=checksum, rows=n)
    summary.seconds = time.perf_counter() - t0
    summary.details = {"export_date": export_date, "by_repertoire": dict(repertoires)}
    _record_run(wh, summary, started)
    return summary


def _store_fiche_batch(wh: Warehouse, batch: list[dict], *, export_date: str | None, origin: str,
                       summary: IngestSummary) -> None:
    latest: dict[str, dict] = {}
    for fiche in batch:                      # a fiche twice in one export: the last one wins
        latest[fiche["numero"]] = fiche
    numeros = list(latest)
    con = wh.con
    existing = defaultdict(list)
    placeholders = ", ".join("?" for _ in numeros)
    for numero, h, d, cur in con.execute(
            f"SELECT numero, content_hash, export_date, is_current FROM certifications WHERE numero IN ({placeholders})",
            numeros).fetchall():
        existing[numero].append((h, d.isoformat() if d else None, cur))
    new_rows, seen, promote, demote, children = [], [], [], [], []
    for numero, fiche in latest.items():
        versions = existing.get(numero, [])
        current = next((v for v in versions if v[2]), None)
        newer = (current is None or export_date is None or current[1] is None or export_date >= current[1])
        same = next((v for v in versions if v[0] == fiche["content_hash"]), None)
        if same:
            seen.append((numero, fiche["content_hash"]))
            if not same[2] and newer:
                promote.append((numero, fiche["content_hash"]))
                demote.append(numero)
                children.append(fiche)
                summary.updated += 1
            else:
                summary.unchanged += 1
            continue
        row = {c: fiche.get(c) for c in FICHE_FIELDS}
        row.update(content_hash=fiche["content_hash"], export_date=export_date, is_current=newer,
                   source=fiche.get("_format", "rncp"), origin_file=origin)
        new_rows.append(row)
        summary.stored += 1
        if versions:
            summary.versions += 1
        if newer:
            demote.append(numero)
            children.append(fiche)
    with wh.transaction() as con:
        if seen:
            con.executemany("UPDATE certifications SET last_seen = now(), export_date = greatest(export_date, ?::DATE) "
                            "WHERE numero = ? AND content_hash = ?", [(export_date, n, h) for n, h in seen])
        if demote:
            con.execute(f"UPDATE certifications SET is_current = FALSE WHERE numero IN ({', '.join('?' for _ in demote)})",
                        demote)
        if promote:
            con.executemany("UPDATE certifications SET is_current = TRUE WHERE numero = ? AND content_hash = ?", promote)
        _insert(con, "certifications", new_rows, CERT_COLUMNS)
        if children:
            nums = [f["numero"] for f in children]
            ph = ", ".join("?" for _ in nums)
            con.execute(f"DELETE FROM certification_blocs WHERE numero IN ({ph})", nums)
            con.execute(f"DELETE FROM certification_rome WHERE method = 'published' AND numero IN ({ph})", nums)
            con.execute(f"DELETE FROM certification_certifiers WHERE numero IN ({ph})", nums)
            blocs, romes, certs = [], {}, {}
            for f in children:
                for b in f["blocs"]:
                    blocs.append({"numero": f["numero"], **b, "content_hash": f["content_hash"]})
                for r in f["rome"]:
                    romes[(f["numero"], r["rome"])] = {"numero": f["numero"], "rome": r["rome"], "libelle": r["libelle"],
                                                       "method": "published", "score": 1.0, "evidence": None}
                for c in f["certifiers"]:
                    certs[(f["numero"], c["role"], c["nom"])] = {"numero": f["numero"], **c}
            seen_blocs = {}
            for b in blocs:                  # a bloc code twice in a fiche (it happens): keep the first
                seen_blocs.setdefault((b["numero"], b["code"]), b)
            _insert(con, "certification_blocs", list(seen_blocs.values()))
            _insert(con, "certification_rome", list(romes.values()))
            _insert(con, "certification_certifiers", list(certs.values()))


# -- LHÉO ------------------------------------------------------------------------------------------
def ingest_lheo(path: str | Path, wh: Warehouse, *, batch_size: int = 500, progress: Progress | None = None,
                dept_region: dict[str, str] | None = None) -> IngestSummary:
    """Load LHÉO XML or Intercarif JSON offers. Keys are stable hashes of the publisher's numbers,
    so a re-load replaces rows instead of adding them. ``dept_region`` fills missing régions."""
    path = Path(path)
    started = datetime.now(timezone.utc).replace(tzinfo=None)
    t0 = time.perf_counter()
    summary = IngestSummary(source="lheo", origin=str(path))
    dept_region = dept_region if dept_region is not None else _dept_region()
    rejects: list[Rejected] = []

    for batch in _chunks(_accepted(lheo_source.read_offers(path), summary, rejects, progress), batch_size):
        offers, actions, sessions = [], [], []
        for offer in batch:
            acts = offer.pop("actions")
            offers.append(offer)
            for a in acts:
                sess = a.pop("sessions")
                if not a.get("region") and a.get("departement"):
                    a["region"] = dept_region.get(a["departement"])
                actions.append(a)
                for s in sess:
                    if not s.get("region") and s.get("departement"):
                        s["region"] = dept_region.get(s["departement"])
                    sessions.append(s)
        ids = [o["offer_id"] for o in offers]
        ph = ", ".join("?" for _ in ids)
        existing = wh.scalar(f"SELECT count(*) FROM training_offers WHERE offer_id IN ({ph})", ids)
        with wh.transaction() as con:
            for table in ("training_sessions", "training_actions", "training_offers"):
                con.execute(f"DELETE FROM {table} WHERE offer_id IN ({ph})", ids)
            _insert(con, "training_offers", list({o["offer_id"]: o for o in offers}.values()))
            _insert(con, "training_actions", list({a["action_id"]: a for a in actions}.values()))
            _insert(con, "training_sessions", list({s["session_id"]: s for s in sessions}.values()))
        summary.updated += existing
        summary.stored += len(set(ids)) - existing
    _store_rejects(wh, "lheo", rejects)
    summary.rejected = len(rejects)
    checksum = _sha256_file(path)
    wh.record_provenance("training_offers", source=lheo_source.SOURCE_XML if path.suffix.lower() == ".xml"
                         else lheo_source.SOURCE_JSON, version=checksum[:12], origin=str(path), checksum=checksum,
                         rows=summary.read - summary.rejected)
    summary.seconds = time.perf_counter() - t0
    _record_run(wh, summary, started)
    return summary


def _dept_region() -> dict[str, str]:
    """Département -> région from the territory definitions (the geo referential's job when loaded)."""
    try:
        from adequa.indicators.territories import departements

        return {d: v[1] for d, v in departements().items()}
    except Exception:                       # the definitions are optional here
        return {}


# -- headcounts -------------------------------------------------------------------------------------
def ingest_headcounts(path: str | Path, wh: Warehouse, *, mapping: dict[str, str] | None = None,
                      defaults: dict[str, str] | None = None) -> IngestSummary:
    path = Path(path)
    started = datetime.now(timezone.utc).replace(tzinfo=None)
    t0 = time.perf_counter()
    summary = IngestSummary(source="headcounts", origin=str(path))
    rows, rejects = [], []
    for rec in headcounts_source.read_headcounts(path, mapping, defaults):
        summary.read += 1
        (rejects if isinstance(rec, Rejected) else rows).append(rec)
    inserted, updated = wh.upsert("training_headcounts", rows, key=["headcount_id"]) if rows else (0, 0)
    summary.stored, summary.updated, summary.rejected = inserted, updated, len(rejects)
    _store_rejects(wh, "headcounts", rejects)
    checksum = _sha256_file(path)
    wh.record_provenance("training_headcounts", source=(defaults or {}).get("source") or f"user file {path.name}",
                         version=checksum[:12], origin=str(path), checksum=checksum, rows=len(rows))
    summary.seconds = time.perf_counter() - t0
    _record_run(wh, summary, started)
    return summary


# -- referentials ----------------------------------------------------------------------------------
def ingest_training_referentials(wh: Warehouse, *, formacode: str | Path | None = None,
                                 nsf: str | Path | None = None, root: str | Path | None = None) -> dict[str, int]:
    """Load Formacode and NSF (explicit paths, or their place under the data root)."""
    from adequa.sources import formacode as fc

    if root is not None:
        root = Path(root)
        formacode = formacode or root / "training" / "lheo" / "lheo-schema_FCod-utf-8.csv"
        nsf = nsf or root / "training" / "rncp" / "nsf_nomenclature.csv"
    out = {}
    if formacode:
        rows = list(fc.read_formacode(formacode))
        wh.upsert("formacode", rows, key=["code"])
        wh.record_provenance("formacode", source=fc.FORMACODE_SOURCE, version=rows[0]["version"] if rows else "empty",
                             licence=fc.LICENCE, origin=str(formacode), rows=len(rows))
        out["formacode"] = len(rows)
    if nsf:
        rows = list(fc.read_nsf(nsf))
        wh.upsert("nsf", rows, key=["code"])
        wh.record_provenance("nsf", source=fc.NSF_SOURCE, version=rows[0]["version"] if rows else "empty",
                             licence=fc.LICENCE, origin=str(nsf), rows=len(rows))
        out["nsf"] = len(rows)
    return out


# -- skills and inferred occupations ----------------------------------------------------------------
def fold(text: str) -> str:
    """Lower case, accents removed, punctuation to spaces: the form phrases are matched in."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9+#]+", " ", text)


class PhraseExtractor:
    """A plain phrase matcher over taxonomy labels: the baseline extractor, and the one tests use.

    ``items`` are dicts with ``rome_ogr`` and/or ``esco_uri``, ``label``, ``kind`` and optional
    ``alt_labels``. A label matches where its folded words appear as a whole phrase in the folded
    text; offsets are those of the original text (folding keeps one character per character,
    except for decomposed accents, which are mapped back).
    """

    def __init__(self, items: Iterable[dict], *, min_words: int = 1, version: str = "phrases"):
        self.version = version
        self.phrases: dict[str, list[dict]] = defaultdict(list)
        for item in items:
            for label in [item["label"], *item.get("alt_labels", [])]:
                key = " ".join(fold(label).split())
                if key and len(key.split()) >= min_words and (len(key) >= 4 or (label.isupper() and len(key) >= 2)):
                    self.phrases[key].append(item)
        self._automaton = None

    def _build(self):
        import ahocorasick

        a = ahocorasick.Automaton()
        for key, items in self.phrases.items():
            a.add_word(f" {key} ", (key, items))
        a.make_automaton()
        self._automaton = a

    def extract(self, text: str, lang: str = "fr", rome_hint: str | None = None) -> list[SkillMention]:
        if not text or not self.phrases:
            return []
        if self._automaton is None:
            self._build()
        folded, offsets = _fold_with_offsets(text)
        padded = f" {folded} "
        found = []
        for end, (key, items) in self._automaton.iter(padded):
            first = end - len(key) - 1             # index in ``folded`` of the key's first character
            start, stop = offsets[first], offsets[first + len(key) - 1] + 1
            for item in items:
                found.append(SkillMention(start=start, end=stop, text=text[start:stop], rome_ogr=item.get("rome_ogr"),
                                          esco_uri=item.get("esco_uri"), label=item["label"],
                                          kind=item.get("kind", "savoir-faire"), score=1.0, method="exact"))
        # longest match wins where phrases overlap for the same concept
        found.sort(key=lambda m: (m.start, -(m.end - m.start)))
        return found


def _fold_with_offsets(text: str) -> tuple[str, list[int]]:
    out, offsets = [], []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKD", ch.lower()):
            if unicodedata.combining(c):
                continue
            out.append(c if re.match(r"[a-z0-9+#]", c) else " ")
            offsets.append(i)
    # squeeze runs of spaces but keep offsets aligned
    folded, offs, prev_space = [], [], True
    for c, o in zip(out, offsets):
        if c == " ":
            if prev_space:
                continue
            prev_space = True
        else:
            prev_space = False
        folded.append(c)
        offs.append(o)
    return "".join(folded), offs


def rome_skill_links(root: str | Path) -> dict[str, set[str]]:
    """code_ogr (compétence or savoir) -> ROME fiches that list it, from the RefRomeCsv export."""
    from adequa.sources.referentials import rome

    export = rome.locate(Path(root) / "rome" if (Path(root) / "rome").is_dir() else root)
    links: dict[str, set[str]] = defaultdict(set)
    table = "liens_rome_referentiels" if "liens_rome_referentiels" in export.files else "coherence_item"
    for row in export.rows(table):
        links[row["code_ogr"]].add(row["code_rome"])
    return links


#: Kinds that do not tell occupations apart (soft skills are listed by most fiches).
NON_DISCRIMINANT_KINDS = {"savoir-être", "savoir-etre", "soft", "transversal"}


def certification_texts(wh: Warehouse, numeros: list[str] | None = None) -> Iterator[tuple[str, str, str, str, list[str]]]:
    """(numero, bloc_code, field, text, published ROME codes) of every current fiche's blocs; fiches
    without blocs (Répertoire spécifique) give their ``competences_attestees`` as bloc ``_fiche``."""
    where = "c.is_current"
    params: list = []
    if numeros:
        where += f" AND c.numero IN ({', '.join('?' for _ in numeros)})"
        params = list(numeros)
    rows = wh.query(f"""
        SELECT c.numero, b.code, b.libelle, b.competences, c.competences_attestees, c.codes_rome
        FROM certifications c LEFT JOIN certification_blocs b ON b.numero = c.numero
        WHERE {where} ORDER BY c.numero, b.ordre""", params)
    for numero, code, libelle, competences, attestees, romes in rows:
        romes = list(romes or [])
        if code is None:
            if attestees:
                yield numero, "_fiche", "competences_attestees", attestees, romes
            continue
        if libelle:
            yield numero, code, "libelle", libelle, romes
        if competences:
            yield numero, code, "competences", competences, romes


def annotate_certifications(wh: Warehouse, extractor: SkillExtractor, *, ogr_romes: dict[str, set[str]] | None = None,
                            numeros: list[str] | None = None, taxonomy_version: str | None = None,
                            use_rome_hint: bool | None = None, top: int = 5, min_score: float = 0.03,
                            names: SkillExtractor | None = None, progress: Progress | None = None) -> dict[str, int]:
    """Skills of each current certification's blocs (``certification_skills``) and, when
    ``ogr_romes`` is given, the ROME fiches they point to (``certification_rome``, inferred).

    With the bloc linker (:func:`bloc_linker`, the default of :func:`load_extractor`) the items
    of the certification's published ROME fiches are favoured for its skills
    (``use_rome_hint``, default on), while the inferred occupations come from a separate pass
    without that hint, so that they stay independent of the published ones. ``names`` (the ads'
    extractor, see :func:`load_names_extractor`) adds the knowledge and tool names a bloc cites
    ("SQL", "IA"), found as in ads, so that the gap compares the same concepts on both sides."""
    version = taxonomy_version or getattr(extractor, "version", None) or type(extractor).__name__
    linker = hasattr(extractor, "link_certification")
    hint_on = linker if use_rome_hint is None else use_rome_hint
    by_cert: dict[str, list[dict]] = defaultdict(list)
    for_inference: dict[str, list[str]] = defaultdict(list)
    texts: dict[str, list] = defaultdict(list)
    for numero, bloc, fld, text, romes in certification_texts(wh, numeros):
        texts[numero].append((bloc, fld, text, romes))

    def row(numero, bloc, fld, m) -> dict:
        return {"numero": numero, "bloc_code": bloc, "field": fld, "start": m.start, "end": m.end,
                "concept": m.rome_ogr or m.esco_uri, "text": m.text, "rome_ogr": m.rome_ogr, "esco_uri": m.esco_uri,
                "label": m.label, "kind": m.kind, "score": m.score, "method": m.method, "taxonomy_version": version}

    for numero, parts in texts.items():
        romes = parts[0][3]
        if linker:
            keyed = [((bloc, fld), text) for bloc, fld, text, _ in parts]
            links, used = extractor.link_certification(keyed, romes if hint_on else None)
            for (bloc, fld), found in links.items():
                for m in extractor.mentions(found):
                    by_cert[numero].append(row(numero, bloc, fld, m))
            if names is not None:
                for bloc, fld, text, _ in parts:
                    for m in names.extract(text, lang="fr"):
                        if (m.rome_ogr or m.esco_uri) and (m.kind or "") in NAME_KINDS and m.method in NAME_METHODS:
                            by_cert[numero].append(row(numero, bloc, fld, m))
            if ogr_romes is not None:
                plain = links if not (hint_on and romes) else extractor.link_certification(keyed, None)[0]
                for found in plain.values():
                    for_inference[numero] += [x.ogr for x in found if x.kind != "savoir"]
        else:
            for bloc, fld, text, _ in parts:
                hint = romes[0] if (hint_on and romes) else None
                for m in extractor.extract(text, lang="fr", rome_hint=hint):
                    if m.rome_ogr or m.esco_uri:
                        by_cert[numero].append(row(numero, bloc, fld, m))
            for_inference[numero] = [s["rome_ogr"] for s in by_cert[numero] if s["rome_ogr"] and (s["kind"] or "").lower()
                                     not in NON_DISCRIMINANT_KINDS]
        if progress:
            progress(len(parts))
    skills = [s for rows in by_cert.values() for s in rows]
    dedup = {(s["numero"], s["bloc_code"], s["field"], s["start"], s["end"], s["concept"]): s for s in skills}
    inferred = []
    if ogr_romes is not None:
        n_romes = len({r for rs in ogr_romes.values() for r in rs})
        norms = rome_norms(ogr_romes, n_romes)
        for numero in texts:
            labels = {s["rome_ogr"]: s["label"] for s in by_cert.get(numero, []) if s["rome_ogr"]}
            for rome, score, ev in infer_rome(for_inference.get(numero, []), ogr_romes, top=top, min_score=min_score,
                                              n_romes=n_romes, norms=norms):
                inferred.append({"numero": numero, "rome": rome, "libelle": None, "method": "inferred", "score": score,
                                 "evidence": json.dumps([{"ogr": o, "label": labels.get(o)} for o in ev[:10]],
                                                        ensure_ascii=False)})
    nums = sorted(texts)
    with wh.transaction() as con:
        for chunk in _chunks(nums, 1000):
            ph = ", ".join("?" for _ in chunk)
            con.execute(f"DELETE FROM certification_skills WHERE numero IN ({ph})", chunk)
            if ogr_romes is not None:
                con.execute(f"DELETE FROM certification_rome WHERE method = 'inferred' AND numero IN ({ph})", chunk)
        _insert(con, "certification_skills", list(dedup.values()))
        _insert(con, "certification_rome", inferred)
    wh.record_provenance("certification_skills", source="Adequa bloc item linking over RNCP blocs" if linker else
                         "Adequa skill extraction over RNCP blocs", version=version, rows=len(dedup))
    return {"certifications": len(nums), "skills": len(dedup), "inferred_rome": len(inferred)}


#: What the ads' extractor adds to the bloc linker: names of knowledge, tools and languages,
#: found as written (exact) or as lemmas; its fuzzier candidates are left to the linker.
NAME_KINDS = {"savoir", "langue"}
NAME_METHODS = {"exact", "lemma"}


def load_names_extractor(settings) -> SkillExtractor | None:
    """The ads' skill extractor, for the knowledge/tool names blocs cite; None when it cannot be
    loaded (the bloc linker alone is used then)."""
    try:
        return load_extractor(settings, "ads")
    except Exception:                      # the skills stage's taxonomies may be absent
        return None


def load_extractor(settings, kind: str = "linker") -> SkillExtractor:
    """The extractor for certification blocs: ``linker`` (default) links each bloc item to ROME
    compétences/savoirs (:func:`bloc_linker`); ``ads`` is the ads' skill extractor (what the
    first version used: it looks for skill names in running text and misses task sentences);
    ``phrases`` the exact-phrase baseline over ROME labels."""
    if kind == "linker":
        return bloc_linker(settings.data_root())
    if kind == "ads":
        from adequa.pipeline.annotate import load_skill_extractor  # the skills stage's entry point

        return load_skill_extractor(settings)
    if kind == "phrases":
        return rome_phrase_extractor(settings.data_root())
    raise InputError(f"unknown bloc extractor {kind!r} (linker, ads or phrases)", field="extractor")


def bloc_linker(root: str | Path, **options):
    """The bloc -> ROME item linker (:class:`adequa.enrich.certification_skills.BlocSkillLinker`)
    over the ROME 4.0 compétences, macro-compétences and savoirs of the RefRomeCsv export, with
    each fiche's items (to boost a certification's own fiches) and the v3 -> 4.0 fiche parents
    (RNCP fiches publish ROME v3 codes)."""
    from adequa.enrich.certification_skills import BlocSkillLinker
    from adequa.sources.referentials import rome

    root = Path(root)
    export = rome.locate(root / "rome" if (root / "rome").is_dir() else root)
    items = []
    for r in export.rows("referentiel_competence"):
        macro = (r.get("nature") or "").lower().startswith("macro")
        items.append({"ogr": r["code_ogr"], "label": r["libelle_competence"],
                      "kind": "macro-compétence" if macro else "compétence", "macro": r.get("code_ogr_macro_comp")})
    if "referentiel_savoir" in export.files:
        for r in export.rows("referentiel_savoir"):
            items.append({"ogr": r["code_ogr_savoir"], "label": r["libelle_savoir"], "kind": "savoir"})
    fiche_items: dict[str, set[str]] = defaultdict(set)
    table = "liens_rome_referentiels" if "liens_rome_referentiels" in export.files else "coherence_item"
    for r in export.rows(table):
        fiche_items[r["code_rome"]].add(r["code_ogr"])
    parents: dict[str, set[str]] = defaultdict(set)
    for r in export.rows("referentiel_code_rome"):
        if r.get("code_rome_parent"):
            parents[r["code_rome_parent"]].add(r["code_rome"])
    return BlocSkillLinker(items, fiche_items=fiche_items, parents=parents,
                           version=f"ROME {export.version} bloc items", **options)


def rome_phrase_extractor(root: str | Path) -> PhraseExtractor:
    from adequa.sources.referentials import rome

    root = Path(root)
    export = rome.locate(root / "rome" if (root / "rome").is_dir() else root)
    items = []
    for r in export.rows("referentiel_competence"):
        if r.get("nature", "").lower().startswith("comp"):
            items.append({"rome_ogr": r["code_ogr"], "label": r["libelle_competence"],
                          "kind": (r.get("cat_comp") or "savoir-faire").lower()})
    if "referentiel_savoir" in export.files:
        for r in export.rows("referentiel_savoir"):
            items.append({"rome_ogr": r["code_ogr_savoir"], "label": r["libelle_savoir"], "kind": "savoir"})
    return PhraseExtractor(items, version=f"ROME {export.version} phrases")


# -- the training stage of `adequa run` -----------------------------------------------------------------
def load_available(settings, root: str | Path | None = None, *, annotate: bool = True) -> dict:
    """Everything training-related found under the data root: Formacode/NSF, RNCP/RS exports
    (``training/rncp/*.xml|*.zip``), LHÉO/Intercarif offers (``training/lheo``), then the skills
    and inferred ROME links of the certifications. Absent inputs are skipped and reported."""
    root = Path(root or settings.data_root())
    folder = root / "training"
    out: dict = {"skipped": []}
    with Warehouse(settings.db) as wh:
        try:
            out["referentials"] = ingest_training_referentials(wh, root=root) if folder.is_dir() else {}
        except (InputError, FileNotFoundError) as exc:
            out["skipped"].append(f"referentials: {exc}")
        rncp_files = sorted(p for p in (folder / "rncp").glob("*") if p.suffix.lower() in {".xml", ".zip"}) \
            if (folder / "rncp").is_dir() else []
        out["rncp"] = [ingest_rncp(p, wh).to_dict() for p in rncp_files]
        lheo_files = sorted(p for p in (folder / "lheo").glob("*") if
                            (p.suffix.lower() == ".xml" and "gml" not in p.name) or p.suffix.lower() == ".json") \
            if (folder / "lheo").is_dir() else []
        out["lheo"] = []
        for p in lheo_files:
            try:
                out["lheo"].append(ingest_lheo(p, wh).to_dict())
            except InputError as exc:
                out["skipped"].append(f"{p.name}: {exc}")
        if annotate and rncp_files:
            try:
                extractor = load_extractor(settings)
                links = rome_skill_links(root)
                out["annotate"] = annotate_certifications(wh, extractor, ogr_romes=links,
                                                          names=load_names_extractor(settings))
            except Exception as exc:             # the referentials may be absent: say so, go on
                out["skipped"].append(f"annotate: {exc}")
    return out
