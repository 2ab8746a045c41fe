-- Emerging skills: candidate terms that no taxonomy lists, found in ads (adequa.enrich.emerging_terms),
-- and their variant groups. Written by adequa.pipeline.emerging.discover_terms; read by the
-- indicators of section "emerging" (adequa.indicators.emerging).

-- One row per occurrence of a candidate term in an ad. Re-running discovery replaces an ad's rows.
CREATE TABLE IF NOT EXISTS emerging_term_mentions (
    ad_id      VARCHAR NOT NULL,
    field      VARCHAR NOT NULL,            -- description or title
    start      INTEGER NOT NULL,
    "end"      INTEGER NOT NULL,
    term       VARCHAR NOT NULL,            -- as written
    term_key   VARCHAR NOT NULL,            -- spelling-insensitive key (term_key)
    group_key  VARCHAR,                     -- the variant group (emerging_term_groups.group_key)
    score      DOUBLE,                      -- how skill-like the context and shape are, 0..1
    sentence   VARCHAR,                     -- the line it was found in, for examples
    origin     VARCHAR,                     -- discovery (ad text) or skill_mentions (unlisted mentions)
    PRIMARY KEY (ad_id, field, start, "end")
);

-- One row per variant group: spellings, acronyms and English/French forms of one term.
CREATE TABLE IF NOT EXISTS emerging_term_groups (
    group_key     VARCHAR PRIMARY KEY,
    label         VARCHAR NOT NULL,         -- the most frequent spelling
    variants      VARCHAR,                  -- JSON {spelling: mentions}
    keys          VARCHAR[],                -- term_keys in the group
    mentions      BIGINT,
    nearest_id    VARCHAR,                  -- suggested nearest taxonomy item (ROME code_ogr or ESCO URI)
    nearest_label VARCHAR,
    nearest_score DOUBLE,                   -- rapidfuzz WRatio, 0..100
    updated_at    TIMESTAMP DEFAULT now()
);

-- One row per discovery run.
CREATE TABLE IF NOT EXISTS emerging_runs (
    run_id      VARCHAR PRIMARY KEY,
    started_at  TIMESTAMP,
    finished_at TIMESTAMP,
    ads_read    BIGINT,
    mentions    BIGINT,
    groups      BIGINT,
    known_terms BIGINT                      -- taxonomy keys used to filter candidates
);

-- Ads already scanned by the discovery, with the content hash scanned: an ad is scanned again
-- only when its text changes (or with --rescan).
CREATE TABLE IF NOT EXISTS emerging_scanned (
    ad_id        VARCHAR PRIMARY KEY,
    content_hash VARCHAR
);
