-- Document frequency of each search term (area: publish), written by a full rebuild of the search
-- index (adequa.publish.search.update_index) and emptied by incremental updates: the server loads the
-- postings of the most frequent terms into memory at start-up (a derived, optional table).
CREATE TABLE IF NOT EXISTS ad_term_stats (
    term    VARCHAR NOT NULL,
    df      BIGINT NOT NULL
);
