-- Near-duplicate detection state (adequa.enrich.dedupe), kept so that every new batch is
-- compared with all the ads stored before it.

-- MinHash LSH band buckets of each distinct ad text (content_key: ads.content_hash as a 64-bit integer).
CREATE TABLE IF NOT EXISTS ad_lsh_bands (
    content_key BIGINT NOT NULL,
    bucket      BIGINT NOT NULL
);

-- Each distinct text's near-duplicate component; ads whose texts share a component are one job,
-- and ads.duplicate_cluster holds the component's representative ad (its earliest).
CREATE TABLE IF NOT EXISTS ad_text_clusters (
    content_key  BIGINT PRIMARY KEY,
    content_hash VARCHAR NOT NULL,
    component    BIGINT NOT NULL
);
