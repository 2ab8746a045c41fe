-- The bucket cap of near-duplicate detection is order-defined (adequa.enrich.dedupe): an LSH bucket
-- pairs only its first max_bucket texts in arrival order. Each distinct text's arrival number: 0, 1, 2…
-- in the order texts were first ingested (run, file, line), the same in the DuckDB and Spark engines.
-- NULL when unknown (rows written before this column, or imported from an older layout): an
-- ingestion run numbers them first, after the known ones, in content_key order.
ALTER TABLE ad_text_clusters ADD COLUMN IF NOT EXISTS arrival BIGINT;
