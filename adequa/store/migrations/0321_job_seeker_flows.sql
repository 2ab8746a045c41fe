-- Entries into and exits from the job-seeker register (France Travail / DARES, STMT) over a month
-- or quarter (area: indicators). Same dimensions as job_seekers' occupation and territory; the
-- outflow component of tension is exits / job seekers at the end of the previous period.
CREATE TABLE IF NOT EXISTS job_seeker_flows (
    period          VARCHAR NOT NULL,     -- 2024Q1 or 2024-03: the flow happened during it
    period_end      DATE NOT NULL,
    level           VARCHAR NOT NULL,
    territory       VARCHAR NOT NULL,
    nomenclature    VARCHAR NOT NULL,     -- rome4 | rome3 | fap2021 | fap2009 | all
    occupation      VARCHAR NOT NULL,
    category        VARCHAR NOT NULL,     -- ABC | A | …
    flow            VARCHAR NOT NULL,     -- entries | exits
    value           DOUBLE,               -- NULL = withheld by the publisher
    layout          VARCHAR,
    origin_file     VARCHAR,
    origin_line     BIGINT,
    PRIMARY KEY (period, level, territory, nomenclature, occupation, category, flow)
);
