-- Duplicate clusters kept up to date without reading ``ads`` (adequa.pipeline.ingest_sink).

-- Each distinct text's earliest ad: created_at (or 9999-12-31) as YYYY-MM-DD followed by the ad_id;
-- '~' when no ad carries the text any more, NULL when unknown (rows written before this column, or
-- imported: an ingestion run fills them from ads before its first batch). A component's
-- representative is the smallest ``best`` of its texts (characters 11.. are its ad_id).
ALTER TABLE ad_text_clusters ADD COLUMN IF NOT EXISTS best VARCHAR;

-- Components whose representative changed while ads stored before still name the old one: the run
-- rewrites their ads' duplicate_cluster once at its end (a killed run leaves them to the next one).
CREATE TABLE IF NOT EXISTS ad_cluster_pending (
    component BIGINT NOT NULL
);
