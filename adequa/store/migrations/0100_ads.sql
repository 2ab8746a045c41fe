-- Canonical job ads (adequa.model.records.JobAd), one row per ad_id.
CREATE TABLE IF NOT EXISTS ads (
    ad_id            VARCHAR PRIMARY KEY,   -- hash of source + source_id, or of the content
    source           VARCHAR NOT NULL,
    source_id        VARCHAR,
    title            VARCHAR,
    description      VARCHAR,
    created_at       DATE,
    updated_at       DATE,
    employer         VARCHAR,
    url              VARCHAR,
    contract_type    VARCHAR,
    contract_months  DOUBLE,
    durable          BOOLEAN,
    working_time     VARCHAR,
    hours_per_week   DOUBLE,
    experience       VARCHAR,
    experience_months DOUBLE,
    qualification    VARCHAR,
    salary_min       DOUBLE,
    salary_max       DOUBLE,
    salary_period    VARCHAR,
    commune          VARCHAR,
    postal_code      VARCHAR,
    departement      VARCHAR,
    region           VARCHAR,
    bassin           VARCHAR,
    location_text    VARCHAR,
    source_rome      VARCHAR,
    source_skills    VARCHAR[],
    naf              VARCHAR,
    lang             VARCHAR,
    content_hash     VARCHAR,
    personal_data_removed INTEGER DEFAULT 0,
    duplicate_cluster VARCHAR,              -- ad_id of the cluster's representative; indicators count clusters once
    origin_file      VARCHAR,
    origin_line      BIGINT,
    ingested_at      TIMESTAMP DEFAULT now()
);

-- Rows that could not be normalised: where, which field, why. The run goes on.
CREATE TABLE IF NOT EXISTS rejects (
    reject_id   VARCHAR PRIMARY KEY,        -- hash of origin_file + line + reason: re-runs don't duplicate
    source      VARCHAR,
    origin_file VARCHAR,
    line        BIGINT,
    record      VARCHAR,
    field       VARCHAR,
    reason      VARCHAR,
    raw         VARCHAR,
    rejected_at TIMESTAMP DEFAULT now()
);

-- One row per ingestion run: the summary printed at the end.
CREATE TABLE IF NOT EXISTS ingest_runs (
    run_id      VARCHAR PRIMARY KEY,
    source      VARCHAR,
    origin      VARCHAR,
    started_at  TIMESTAMP,
    finished_at TIMESTAMP,
    read        BIGINT,
    stored      BIGINT,
    updated     BIGINT,
    rejected    BIGINT,
    duplicates  BIGINT,
    personal_data_removed BIGINT
);
