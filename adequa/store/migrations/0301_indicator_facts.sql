-- Pre-aggregated facts for the ads-based indicators (area: indicators), rebuilt by
-- `adequa indicators refresh` (adequa.pipeline.statistics.refresh_facts). One row per cell;
-- duplicate clusters are counted once; rome = enriched occupation, else the recruiter's code.
CREATE TABLE IF NOT EXISTS offer_facts (
    rome            VARCHAR,
    region          VARCHAR,
    departement     VARCHAR,
    bassin          VARCHAR,
    month           DATE,              -- first day of the ad's creation month
    contract_class  VARCHAR,           -- plus de 6 mois | de 1 à 6 mois | moins d'un mois | intérim | autre
    durable         BOOLEAN,
    offers          BIGINT
);

-- Ads mentioning each skill, per cell (an ad lies in exactly one cell, so sums stay distinct counts).
CREATE TABLE IF NOT EXISTS skill_facts (
    rome            VARCHAR,
    region          VARCHAR,
    departement     VARCHAR,
    bassin          VARCHAR,
    month           DATE,
    skill_id        VARCHAR,           -- rome_ogr, else lower(label)
    label           VARCHAR,
    rome_ogr        VARCHAR,
    kind            VARCHAR,
    ads             BIGINT
);

-- What the facts were built from: indicators use them only while this still matches the warehouse.
CREATE TABLE IF NOT EXISTS indicator_facts_state (
    name            VARCHAR PRIMARY KEY,    -- 'ads'
    fingerprint     VARCHAR NOT NULL,
    built_at        TIMESTAMP DEFAULT now(),
    seconds         DOUBLE
);
