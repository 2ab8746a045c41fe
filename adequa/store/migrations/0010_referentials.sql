-- Referentials (issue #2). Every table carries the referential's version, part of its key:
-- several versions live side by side; the current_<table> views (0011) show the newest.

-- ROME 4.0 (France Travail RefRomeCsv); version as in the file names, e.g. '460' (ROME 4.60).
CREATE TABLE IF NOT EXISTS rome_fiches (
    version             VARCHAR NOT NULL,
    code_rome           VARCHAR NOT NULL,
    code_ogr            VARCHAR,
    label               VARCHAR,
    code_rome_parent    VARCHAR,            -- the ROME v3 code this fiche derives from (itself for old fiches)
    grand_domaine       VARCHAR,
    grand_domaine_label VARCHAR,
    domaine             VARCHAR,
    domaine_label       VARCHAR,
    PRIMARY KEY (version, code_rome)
);

CREATE TABLE IF NOT EXISTS rome_appellations (
    version     VARCHAR NOT NULL,
    code_ogr    VARCHAR NOT NULL,
    label       VARCHAR,
    short_label VARCHAR,
    code_rome   VARCHAR,
    principal   BOOLEAN,                    -- the fiche's main title (classification PRINCIPALE)
    cadre       BOOLEAN,                    -- emploi_cadre: O true, N false, blank null
    rarely_used BOOLEAN,
    PRIMARY KEY (version, code_ogr)
);

-- Compétences and macro-compétences (nature tells which; macro_code like 4A101).
CREATE TABLE IF NOT EXISTS rome_competences (
    version     VARCHAR NOT NULL,
    code_ogr    VARCHAR NOT NULL,
    nature      VARCHAR,
    label       VARCHAR,
    definition  VARCHAR,
    macro_ogr   VARCHAR,                    -- a compétence's macro-compétence
    macro_code  VARCHAR,                    -- a macro-compétence's code: domaine / enjeu / objectif / macro
    category    VARCHAR,
    subcategory VARCHAR,
    PRIMARY KEY (version, code_ogr)
);

CREATE TABLE IF NOT EXISTS rome_savoirs (
    version     VARCHAR NOT NULL,
    code_ogr    VARCHAR NOT NULL,
    label       VARCHAR,
    category    VARCHAR,
    subcategory VARCHAR,
    PRIMARY KEY (version, code_ogr)
);

CREATE TABLE IF NOT EXISTS rome_contextes (
    version    VARCHAR NOT NULL,
    code_ogr   VARCHAR NOT NULL,
    label      VARCHAR,
    type_code  VARCHAR,
    type_label VARCHAR,
    PRIMARY KEY (version, code_ogr)
);

-- Fiche <-> item (compétence, macro-compétence, savoir, work context), unix_coherence_item.
CREATE TABLE IF NOT EXISTS rome_fiche_items (
    version      VARCHAR NOT NULL,
    code_rome    VARCHAR NOT NULL,
    code_ogr     VARCHAR NOT NULL,
    coeur_metier VARCHAR,                   -- 'Principale', 'Émergente' or null
    core         BOOLEAN,                   -- coeur_metier = 'Principale'
    kind         VARCHAR                    -- competence / macro-competence / savoir / contexte / null if unknown
    -- key (version, code_rome, code_ogr): checked at load time rather than indexed (an index
    -- doubles the load time of this 100k-row table)
);

-- ROME v3 codes (for crosswalks still keyed on v3), version e.g. '346'.
CREATE TABLE IF NOT EXISTS rome_v3 (
    version   VARCHAR NOT NULL,
    code_rome VARCHAR NOT NULL,
    code_ogr  VARCHAR,
    label     VARCHAR,
    PRIMARY KEY (version, code_rome)
);

-- FAP-2021 nomenclature (DARES), 4 levels; a code present at two levels (M2X90 at 228 and 341) has two rows.
CREATE TABLE IF NOT EXISTS fap2021 (
    version VARCHAR NOT NULL,
    code    VARCHAR NOT NULL,
    label   VARCHAR,
    level   INTEGER NOT NULL,               -- 1 = FAP 22, 2 = FAP 86/87, 3 = FAP 228, 4 = FAP 341
    parent  VARCHAR,
    PRIMARY KEY (version, level, code)
);

-- FAP-2009 domains and families (labels from the headings of the FAP-2009 ; PCS ; ROME table).
CREATE TABLE IF NOT EXISTS fap2009 (
    version VARCHAR NOT NULL,
    code    VARCHAR NOT NULL,
    label   VARCHAR,
    level   INTEGER,                        -- 1 domain (A), 2 family (A0Z), 3 detailed (A0Z40)
    parent  VARCHAR,
    PRIMARY KEY (version, code)
);

CREATE TABLE IF NOT EXISTS fap2009_pcs_rome3 (
    version VARCHAR NOT NULL,
    line    INTEGER NOT NULL,               -- line in the published file: the stable key
    fap2009 VARCHAR NOT NULL,
    pcs     VARCHAR,
    rome_v3 VARCHAR,
    PRIMARY KEY (version, line)
);

-- The DARES ROME v3 -> FAP-2021 table as published (rows split by PCS qualification level).
CREATE TABLE IF NOT EXISTS dares_rome_fap2021 (
    version       VARCHAR NOT NULL,
    line          INTEGER NOT NULL,
    rome_v3       VARCHAR NOT NULL,
    fap2021       VARCHAR NOT NULL,         -- detailed (FAP 341 level)
    fap2021_228   VARCHAR,
    qualification VARCHAR,                  -- PCS qualification digits covered; '' = all
    PRIMARY KEY (version, line)
);

-- ROME 4.0 fiche -> FAP. rank 0 is the primary mapping (rome_to_fap); other ranks are the
-- other FAP-2021 codes the DARES table gives for the same v3 code, with their share of rows.
CREATE TABLE IF NOT EXISTS rome_fap (
    version       VARCHAR NOT NULL,         -- the ROME version
    code_rome     VARCHAR NOT NULL,
    rank          INTEGER NOT NULL,
    rome_v3       VARCHAR,
    fap2021       VARCHAR,
    fap2009       VARCHAR,
    method        VARCHAR,                  -- dares-table | via-rome-v3-parent | none
    qualification VARCHAR,                  -- qualification sets of the DARES rows behind it ('*' = all)
    share         DOUBLE,
    "primary"     BOOLEAN,
    PRIMARY KEY (version, code_rome, rank)
);

-- ESCO (European Commission). Several languages per version; version e.g. '1.1.1'.
CREATE TABLE IF NOT EXISTS esco_skills (
    version     VARCHAR NOT NULL,
    uri         VARCHAR NOT NULL,
    lang        VARCHAR NOT NULL,
    label       VARCHAR,
    alt_labels  VARCHAR[],
    skill_type  VARCHAR,
    reuse_level VARCHAR,
    description VARCHAR,
    PRIMARY KEY (version, uri, lang)
);

CREATE TABLE IF NOT EXISTS esco_occupations (
    version     VARCHAR NOT NULL,
    uri         VARCHAR NOT NULL,
    lang        VARCHAR NOT NULL,
    label       VARCHAR,
    alt_labels  VARCHAR[],
    isco_group  VARCHAR,
    code        VARCHAR,
    description VARCHAR,
    PRIMARY KEY (version, uri, lang)
);

CREATE TABLE IF NOT EXISTS esco_occupation_skills (
    version        VARCHAR NOT NULL,
    occupation_uri VARCHAR NOT NULL,
    skill_uri      VARCHAR NOT NULL,
    relation       VARCHAR,                 -- essential / optional
    skill_type     VARCHAR
    -- key (version, occupation_uri, skill_uri): checked at load time, not indexed (see rome_fiche_items)
);

CREATE TABLE IF NOT EXISTS esco_skill_hierarchy (
    version     VARCHAR NOT NULL,
    uri         VARCHAR NOT NULL,
    broader_uri VARCHAR NOT NULL,
    type        VARCHAR,
    PRIMARY KEY (version, uri, broader_uri)
);

CREATE TABLE IF NOT EXISTS esco_isco_groups (
    version VARCHAR NOT NULL,
    uri     VARCHAR NOT NULL,
    lang    VARCHAR NOT NULL,
    code    VARCHAR,
    label   VARCHAR,
    PRIMARY KEY (version, uri, lang)
);

-- The official ESCO <-> ROME crosswalk (France Travail). rome_ogr is a ROME appellation code;
-- code_rome is its fiche in the ROME version loaded at the time (null when the title is gone).
CREATE TABLE IF NOT EXISTS esco_rome (
    version    VARCHAR NOT NULL,            -- mapping version + file date, e.g. 'V1.4+20230607'
    esco_uri   VARCHAR NOT NULL,
    rome_ogr   VARCHAR NOT NULL,
    esco_label VARCHAR,
    rome_label VARCHAR,
    relation   VARCHAR,                     -- exactMatch / closeMatch / broadMatch / narrowMatch
    code_rome  VARCHAR,
    PRIMARY KEY (version, esco_uri, rome_ogr)
);

-- Geography. One version for the set, naming every file's year, e.g. 'bmo2019-be2021-ze2020-reg2022'.
CREATE TABLE IF NOT EXISTS geo_communes (
    version           VARCHAR NOT NULL,
    commune           VARCHAR NOT NULL,     -- INSEE code
    label             VARCHAR,
    postal_codes      VARCHAR[],            -- null: no published file at hand maps them
    departement       VARCHAR,
    region            VARCHAR,
    bassin            VARCHAR,              -- BMO bassin d'emploi
    bassin_label      VARCHAR,
    bassin_year       VARCHAR,
    zone_emploi       VARCHAR,              -- INSEE zone d'emploi
    zone_emploi_label VARCHAR,
    PRIMARY KEY (version, commune)
);

CREATE TABLE IF NOT EXISTS geo_departements (
    version VARCHAR NOT NULL,
    code    VARCHAR NOT NULL,
    label   VARCHAR,
    region  VARCHAR,
    PRIMARY KEY (version, code)
);

CREATE TABLE IF NOT EXISTS geo_regions (
    version VARCHAR NOT NULL,
    code    VARCHAR NOT NULL,
    label   VARCHAR,
    PRIMARY KEY (version, code)
);

CREATE TABLE IF NOT EXISTS geo_bassins (
    version     VARCHAR NOT NULL,
    code        VARCHAR NOT NULL,
    label       VARCHAR,
    departement VARCHAR,
    region      VARCHAR,
    PRIMARY KEY (version, code)
);

CREATE TABLE IF NOT EXISTS geo_zones_emploi (
    version VARCHAR NOT NULL,
    code    VARCHAR NOT NULL,
    label   VARCHAR,
    PRIMARY KEY (version, code)
);

CREATE TABLE IF NOT EXISTS geo_shapes (
    version VARCHAR NOT NULL,
    level   VARCHAR NOT NULL,               -- region / departement / commune
    code    VARCHAR NOT NULL,
    label   VARCHAR,
    geojson VARCHAR,                        -- one GeoJSON Feature
    file    VARCHAR,
    PRIMARY KEY (version, level, code)
);

-- Files fetched by `adequa data pull`: where from, checksum, size.
CREATE TABLE IF NOT EXISTS pulled_files (
    dataset   VARCHAR NOT NULL,
    path      VARCHAR NOT NULL,             -- relative to the data dir
    sha256    VARCHAR NOT NULL,
    size      BIGINT,
    origin    VARCHAR,                      -- mirror path or URL
    pulled_at TIMESTAMP DEFAULT now(),
    PRIMARY KEY (dataset, path)
);
