-- Job seekers by qualification level (France Travail / DARES series tables; area: indicators). Kept
-- apart from job_seekers, whose cells have no qualification dimension: one row per level, every
-- other breakdown at "all".
CREATE TABLE IF NOT EXISTS job_seeker_qualifications (
    period          VARCHAR NOT NULL,
    period_end      DATE NOT NULL,
    level           VARCHAR NOT NULL,
    territory       VARCHAR NOT NULL,
    nomenclature    VARCHAR NOT NULL,
    occupation      VARCHAR NOT NULL,
    category        VARCHAR NOT NULL,
    qualification   VARCHAR NOT NULL,     -- manoeuvres-os | ouvriers-qualifies | employes-non-qualifies |
                                          -- employes-qualifies | techniciens-agents-maitrise | cadres | non-precise
    job_seekers     DOUBLE,
    layout          VARCHAR,
    origin_file     VARCHAR,
    origin_line     BIGINT,
    PRIMARY KEY (period, level, territory, nomenclature, occupation, category, qualification)
);
