-- Full-text search index of the ads (area: publish), built by adequa.publish.search.update_index
-- (`adequa serve --prepare`, or pipeline code after ingesting/enriching ads). One row per ad in
-- ad_search (the columns the search filters on, occupation included, so no join to
-- ad_occupations at query time) and one row per (term, ad) in ad_terms; terms are lower-case,
-- accents folded, split on non-alphanumerics.
CREATE TABLE IF NOT EXISTS ad_search (
    doc             INTEGER PRIMARY KEY,   -- dense id, the join key of ad_terms
    ad_id           VARCHAR NOT NULL,
    created_at      DATE,
    rome            VARCHAR,               -- enriched occupation, else the recruiter's code
    region          VARCHAR,
    departement     VARCHAR,
    bassin          VARCHAR,
    commune         VARCHAR,
    contract_type   VARCHAR,
    representative  BOOLEAN,               -- not a duplicate of another ad
    n_terms         INTEGER                -- length of title + description in terms
);

CREATE TABLE IF NOT EXISTS ad_terms (
    term    VARCHAR NOT NULL,
    doc     INTEGER NOT NULL,
    w       REAL NOT NULL                  -- BM25 term-frequency part, title occurrences weighted up
);

-- What the index was built from: the search uses it only while this still matches the warehouse.
CREATE TABLE IF NOT EXISTS search_index_state (
    name        VARCHAR PRIMARY KEY,
    fingerprint VARCHAR,
    avg_terms   DOUBLE,
    built_at    TIMESTAMP,
    seconds     DOUBLE
);
