-- Labour-market statistics (area: indicators). NULL counts are cells withheld by the
-- publisher (marked * or s); every table keeps the file and line it came from.

-- BMO survey (France Travail, "Besoins en main-d'œuvre"): one row per year × métier BMO × bassin.
CREATE TABLE IF NOT EXISTS bmo (
    year              INTEGER NOT NULL,
    metier_code       VARCHAR NOT NULL,   -- code métier BMO (FAP-2009-based until 2024, FAP-2021 since 2025)
    metier_label      VARCHAR,
    nomenclature      VARCHAR NOT NULL,   -- fap2009 | fap2021
    family_code       VARCHAR,
    family_label      VARCHAR,
    region            VARCHAR,
    region_label      VARCHAR,
    departement       VARCHAR,
    departement_label VARCHAR,
    bassin            VARCHAR NOT NULL,
    bassin_label      VARCHAR,
    projects          DOUBLE,             -- met
    difficult         DOUBLE,             -- xmet
    seasonal          DOUBLE,             -- smet
    layout            VARCHAR,
    origin_file       VARCHAR,
    origin_line       BIGINT,
    PRIMARY KEY (year, metier_code, bassin)
);

-- Job seekers at the end of a month or quarter (STMT, France Travail / DARES), as a cube:
-- each row is one cell; 'total' in a dimension means "all values of it".
CREATE TABLE IF NOT EXISTS job_seekers (
    period          VARCHAR NOT NULL,     -- 2024Q1 or 2024-03
    period_end      DATE NOT NULL,
    level           VARCHAR NOT NULL,     -- france | region | departement | bassin | zone_emploi | commune
    territory       VARCHAR NOT NULL,     -- code at that level ('FR' for france)
    nomenclature    VARCHAR NOT NULL,     -- rome4 | rome3 | fap2021 | fap2009 | all
    occupation      VARCHAR NOT NULL,     -- code, or 'total'
    category        VARCHAR NOT NULL,     -- A | B | C | ABC | …
    sex             VARCHAR NOT NULL,     -- F | H | total
    age_band        VARCHAR NOT NULL,     -- <25 | 25-49 | 50+ | <30 | 30-49 | total …
    diploma         VARCHAR NOT NULL,     -- sup | bac | cap-bep | infra | total …
    seniority       VARCHAR NOT NULL,     -- <12m | 12m+ | total …
    job_seekers     DOUBLE,
    layout          VARCHAR,
    origin_file     VARCHAR,
    origin_line     BIGINT,
    PRIMARY KEY (period, level, territory, nomenclature, occupation, category, sex, age_band, diploma, seniority)
);

-- Census (INSEE RP): employed persons at their place of work, as a cube (see job_seekers).
CREATE TABLE IF NOT EXISTS census_workers (
    year            INTEGER NOT NULL,
    level           VARCHAR NOT NULL,
    territory       VARCHAR NOT NULL,
    nomenclature    VARCHAR NOT NULL,     -- fap2021 | fap2009 | pcs | all
    occupation      VARCHAR NOT NULL,
    sex             VARCHAR NOT NULL,
    age_band        VARCHAR NOT NULL,     -- <30 | 30-49 | 50+ | total (or finer bands)
    diploma         VARCHAR NOT NULL,     -- sup | bac | cap-bep | infra | total
    status          VARCHAR NOT NULL,     -- durable | non-durable | non-salarie | total
    sector          VARCHAR NOT NULL,     -- agriculture | industrie | construction | commerce | services | total
    workers         DOUBLE,
    mean_age        DOUBLE,               -- when the table gives it (otherwise computed from age bands)
    layout          VARCHAR,
    origin_file     VARCHAR,
    origin_line     BIGINT,
    PRIMARY KEY (year, level, territory, nomenclature, occupation, sex, age_band, diploma, status, sector)
);

-- Job seekers, offers and a tension index per ROME × bassin (France Travail, as published for Mobiville).
CREATE TABLE IF NOT EXISTS tension_rome_bassin (
    year            INTEGER NOT NULL,
    rome            VARCHAR NOT NULL,     -- ROME v3
    rome_label      VARCHAR,
    bassin          VARCHAR NOT NULL,
    bassin_label    VARCHAR,
    region          VARCHAR,              -- from the bassin code's first two digits
    offers          DOUBLE,               -- oee: offers registered
    job_seekers     DOUBLE,               -- defm_abc
    tension_index   DOUBLE,               -- ind_tension_d
    origin_file     VARCHAR,
    origin_line     BIGINT,
    PRIMARY KEY (year, rome, bassin)
);

-- Occupations in shortage (métiers en tension) by région, FAP codes.
CREATE TABLE IF NOT EXISTS shortage_occupations (
    year            INTEGER NOT NULL,
    region          VARCHAR NOT NULL,     -- région code, 'FR' for France entière
    region_label    VARCHAR,
    nomenclature    VARCHAR NOT NULL,
    fap             VARCHAR NOT NULL,
    fap_label       VARCHAR,
    origin_file     VARCHAR,
    origin_line     BIGINT,
    PRIMARY KEY (year, region, fap)
);

-- Official offer counts (e.g. France Travail offers per commune × ROME on a date).
CREATE TABLE IF NOT EXISTS offer_counts (
    date            DATE NOT NULL,
    commune         VARCHAR NOT NULL,     -- '' when not located
    rome            VARCHAR NOT NULL,
    rome_version    VARCHAR,
    offers          DOUBLE,
    origin_file     VARCHAR,
    origin_line     BIGINT,
    PRIMARY KEY (date, commune, rome)
);
