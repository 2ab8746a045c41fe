"""`adequa enrich`: skills and occupation of every ad of the warehouse not enriched yet.

An ad is (re-)enriched when it has no ``ad_occupations`` row or when that row carries an
older taxonomy version than the current extractor's. Mentions of a re-enriched ad are
replaced (delete + insert in one transaction per batch), so re-running never duplicates.
"""

from __future__ import annotations

import json
import os
from typing import Callable

from adequa.config import Settings


def enrich_warehouse(settings: Settings, *, batch_size: int | None = None, limit: int | None = None,
                     force: bool = False, progress: Callable[[int, int], None] | None = None,
                     workers: int | None = None) -> dict:
    """Enrich pending ads; returns {"ads", "mentions", "version", "pending", "workers"}.

    The ads go through `adequa annotate`'s stream (``workers`` forked processes, default 2 on a
    multi-core machine for more than 2,000 ads; reposts with the same title and description
    annotated once); each batch's mentions and occupations are stored in one transaction.
    """
    import pyarrow as pa

    from adequa.pipeline.annotate import annotate_stream, load_models
    from adequa.store.duckdb import Warehouse

    extractor, classifier = load_models(settings)
    version = extractor.version
    batch_size = batch_size or min(settings.batch_size, 2000)
    done_ads = done_mentions = 0
    with Warehouse(settings.db) as wh:
        where = "" if force else ("WHERE o.ad_id IS NULL OR o.taxonomy_version IS DISTINCT FROM ?")
        params = [] if force else [version]
        pending = wh.query(f"SELECT count(*) FROM ads a LEFT JOIN ad_occupations o USING (ad_id) {where}", params)[0][0]
        if limit is not None:
            pending = min(pending, limit)
        if workers is None:
            workers = min(2, os.cpu_count() or 1) if pending > 2000 else 1
        if progress:
            progress(0, pending)
        # One streaming scan of the pending ads on a cursor of its own (batches are stored through
        # the main connection meanwhile; the scan reads the snapshot it started on). A query per
        # batch of ids would rescan the whole table each time: quadratic at national volumes.
        # Any order does (an ad's annotation does not depend on the others); a --limit takes the
        # first ads by id, so that a trial run is repeatable.
        reader = wh.con.cursor()
        scan = reader.sql(
            f"SELECT a.ad_id, a.title, a.description FROM ads a LEFT JOIN ad_occupations o USING (ad_id) {where}"
            + (f" ORDER BY a.ad_id LIMIT {int(limit)}" if limit is not None else ""), params=params or None
        ).to_arrow_reader(batch_size)

        def ads():
            for batch in scan:
                for ad_id, title, description in zip(*(c.to_pylist() for c in batch.columns)):
                    yield {"id": ad_id, "title": title, "description": description}

        chunk: list[str] = []
        occ_rows: list[dict] = []
        mention_rows: list[dict] = []

        def flush() -> None:
            """Store the batch collected so far (mentions and occupations in one transaction)."""
            nonlocal chunk, occ_rows, mention_rows, done_ads, done_mentions
            with wh.transaction() as con:
                con.execute("DELETE FROM skill_mentions WHERE ad_id IN (SELECT unnest(?::VARCHAR[]))", [chunk])
                if mention_rows:
                    con.register("_m", pa.Table.from_pylist(mention_rows, schema=_schema()))
                    con.execute('INSERT INTO skill_mentions (ad_id, field, start, "end", text, rome_ogr, esco_uri, label, '
                                'kind, score, method, unlisted, taxonomy_version) SELECT ad_id, field, start, "end", text, '
                                'rome_ogr, esco_uri, label, kind, score, method, unlisted, taxonomy_version FROM _m')
                    con.unregister("_m")
                # the occupations in the same transaction: a batch is visible whole or not at all
                con.execute("DELETE FROM ad_occupations WHERE ad_id IN (SELECT unnest(?::VARCHAR[]))", [chunk])
                if occ_rows:
                    con.register("_o", pa.Table.from_pylist(occ_rows))
                    cols = ", ".join(f'"{c}"' for c in occ_rows[0])
                    con.execute(f"INSERT INTO ad_occupations ({cols}) SELECT {cols} FROM _o")
                    con.unregister("_o")
            done_ads += len(chunk)
            done_mentions += len(mention_rows)
            if progress:
                progress(len(chunk), pending)
            chunk, occ_rows, mention_rows = [], [], []

        stream = annotate_stream(settings, ads(), lang="fr", workers=workers, extractor=extractor,
                                 classifier=classifier)
        try:
            for ad, line, _ in stream:
                rec = json.loads(line)
                ad_id = ad["id"]
                chunk.append(ad_id)
                occ = rec.get("occupation") or {}
                occ_rows.append({"ad_id": ad_id, "rome": occ.get("rome"), "appellation": occ.get("appellation"),
                                 "score": occ.get("score"), "candidates": json.dumps(occ.get("candidates") or []),
                                 "fap2021": rec.get("fap2021"), "fap2009": rec.get("fap2009"), "isco": rec.get("isco"),
                                 "esco_occupation": rec.get("esco_occupation"), "domain": _domain(rec.get("domain")),
                                 "taxonomy_version": version})
                for m in rec["skills"]:
                    mention_rows.append({"ad_id": ad_id, "field": m.get("field", "description"),
                                         "start": m["start"], "end": m["end"], "text": m["text"],
                                         "rome_ogr": m["rome_ogr"], "esco_uri": m["esco_uri"], "label": m["label"],
                                         "kind": m["kind"], "score": float(m["score"]), "method": m["method"],
                                         "unlisted": bool(m["unlisted"]), "taxonomy_version": version})
                if len(chunk) >= batch_size:
                    flush()
        finally:
            stream.close()
            reader.close()
        if chunk:
            flush()
    return {"ads": done_ads, "mentions": done_mentions, "version": version, "pending": pending, "workers": workers}


def _domain(value):
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _schema():
    import pyarrow as pa

    return pa.schema([("ad_id", pa.string()), ("field", pa.string()), ("start", pa.int32()), ("end", pa.int32()),
                      ("text", pa.string()), ("rome_ogr", pa.string()), ("esco_uri", pa.string()),
                      ("label", pa.string()), ("kind", pa.string()), ("score", pa.float64()),
                      ("method", pa.string()), ("unlisted", pa.bool_()), ("taxonomy_version", pa.string())])
