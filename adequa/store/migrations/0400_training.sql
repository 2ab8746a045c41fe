-- Training supply: certifications (RNCP / Répertoire spécifique), their blocs, links to
-- occupations and skills, referentials (Formacode, NSF), LHÉO training offers and headcounts.

-- One row per distinct version of a fiche: (numero, content_hash). A newer export that changes
-- a fiche adds a row and moves is_current; re-loading the same export changes nothing.
CREATE TABLE IF NOT EXISTS certifications (
    numero                  VARCHAR NOT NULL,   -- RNCP37674, RS5719
    content_hash            VARCHAR NOT NULL,   -- sha256 of the fiche's canonical content
    repertoire              VARCHAR,            -- RNCP or RS
    id_fiche                BIGINT,
    intitule                VARCHAR,
    abrege_code             VARCHAR,            -- BTS, TP, DipViGrM ...
    abrege_libelle          VARCHAR,
    etat                    VARCHAR,            -- Publiée, Dépubliée/Archivée, Modifications à valider ...
    actif                   BOOLEAN,
    type_enregistrement     VARCHAR,
    niveau                  INTEGER,            -- nomenclature 2019, 3..8; NULL for RS
    niveau_libelle          VARCHAR,
    date_fin_enregistrement DATE,
    date_publication        DATE,
    date_effet              DATE,
    date_decision           DATE,
    date_dernier_jo         DATE,
    date_limite_delivrance  DATE,
    activites_visees        VARCHAR,
    competences_attestees   VARCHAR,
    secteurs_activite       VARCHAR,
    types_emploi            VARCHAR,
    objectifs_contexte      VARCHAR,
    prerequis_entree        VARCHAR,
    voie_fi                 BOOLEAN,            -- formation initiale (hors apprentissage)
    voie_ca                 BOOLEAN,            -- contrat d'apprentissage
    voie_fc                 BOOLEAN,            -- formation continue
    voie_cq                 BOOLEAN,            -- contrat de professionnalisation
    voie_cl                 BOOLEAN,            -- candidature individuelle
    voie_vae                BOOLEAN,            -- validation des acquis de l'expérience
    codes_nsf               VARCHAR[],
    codes_formacode         VARCHAR[],
    codes_rome              VARCHAR[],
    anciennes               VARCHAR[],          -- numéros this fiche replaces
    nouvelles               VARCHAR[],          -- numéros that replace it
    stats                   VARCHAR,            -- JSON [{annee, certifies, certifies_vae, insertion_6m, insertion_2a}]
    url                     VARCHAR,
    export_date             DATE,               -- date of the export file, when its name says it
    is_current              BOOLEAN,
    first_seen              TIMESTAMP DEFAULT now(),
    last_seen               TIMESTAMP DEFAULT now(),
    source                  VARCHAR,
    origin_file             VARCHAR,
    PRIMARY KEY (numero, content_hash)
);

-- Blocs de compétences of the current version of each fiche.
CREATE TABLE IF NOT EXISTS certification_blocs (
    numero       VARCHAR NOT NULL,
    code         VARCHAR NOT NULL,              -- RNCP37674BC01
    ordre        INTEGER,
    libelle      VARCHAR,
    competences  VARCHAR,
    modalites_evaluation VARCHAR,
    content_hash VARCHAR,
    PRIMARY KEY (numero, code)
);

-- Certification -> ROME: as published in the fiche (method='published', score 1) or inferred
-- from the blocs' skills (method='inferred', score in 0..1, evidence = JSON of the skills).
CREATE TABLE IF NOT EXISTS certification_rome (
    numero   VARCHAR NOT NULL,
    rome     VARCHAR NOT NULL,
    libelle  VARCHAR,
    method   VARCHAR NOT NULL,
    score    DOUBLE,
    evidence VARCHAR,
    PRIMARY KEY (numero, rome, method)
);

-- Certifiers (who awards) and partners (who may train / organise assessment).
CREATE TABLE IF NOT EXISTS certification_certifiers (
    numero  VARCHAR NOT NULL,
    role    VARCHAR NOT NULL,                   -- certificateur / former / evaluer / former+evaluer
    nom     VARCHAR NOT NULL,
    siret   VARCHAR,
    etat    VARCHAR,
    PRIMARY KEY (numero, role, nom)
);

-- Skills each certification's blocs cover, found by the same extractor as ads (always inferred).
CREATE TABLE IF NOT EXISTS certification_skills (
    numero     VARCHAR NOT NULL,
    bloc_code  VARCHAR NOT NULL,                -- bloc code, or '_fiche' for the fiche's compétences attestées
    field      VARCHAR NOT NULL,                -- libelle / competences / competences_attestees
    start      INTEGER NOT NULL,
    "end"      INTEGER NOT NULL,
    concept    VARCHAR NOT NULL,                -- rome_ogr or esco_uri (the key used for joins)
    text       VARCHAR,                         -- the evidence span
    rome_ogr   VARCHAR,
    esco_uri   VARCHAR,
    label      VARCHAR,
    kind       VARCHAR,
    score      DOUBLE,
    method     VARCHAR,
    taxonomy_version VARCHAR,
    PRIMARY KEY (numero, bloc_code, field, start, "end", concept)
);

-- Referentials: Formacode thesaurus and NSF nomenclature.
CREATE TABLE IF NOT EXISTS formacode (
    code        VARCHAR PRIMARY KEY,
    label       VARCHAR,
    kind        VARCHAR,                        -- DOM (descripteur), PUB (public) ...
    field_code  VARCHAR,                        -- champ sémantique, e.g. 110
    field_label VARCHAR,
    generic     VARCHAR,                        -- terme générique (code)
    related     VARCHAR[],
    definition  VARCHAR,
    nsf         VARCHAR,
    version     VARCHAR
);

CREATE TABLE IF NOT EXISTS nsf (
    code    VARCHAR PRIMARY KEY,
    label   VARCHAR,
    version VARCHAR
);

-- LHÉO training offers: formation -> actions (where, how) -> sessions (when, places).
CREATE TABLE IF NOT EXISTS training_offers (
    offer_id        VARCHAR PRIMARY KEY,        -- hash of source + formation numero (or of content)
    source          VARCHAR,                    -- lheo-xml / intercarif-json
    source_id       VARCHAR,
    intitule        VARCHAR,
    objectif        VARCHAR,
    certifiante     BOOLEAN,
    codes_rncp      VARCHAR[],                  -- normalised RNCPnnnn
    codes_rs        VARCHAR[],                  -- normalised RSnnnn
    code_certifinfo VARCHAR,
    codes_formacode VARCHAR[],
    codes_nsf       VARCHAR[],
    codes_rome      VARCHAR[],
    niveau_sortie   VARCHAR,
    organisme_id    VARCHAR,
    organisme_siret VARCHAR,
    organisme_nom   VARCHAR,
    origin_file     VARCHAR,
    origin_record   BIGINT,
    ingested_at     TIMESTAMP DEFAULT now()
);

CREATE TABLE IF NOT EXISTS training_actions (
    action_id     VARCHAR PRIMARY KEY,
    offer_id      VARCHAR NOT NULL,
    source_id     VARCHAR,
    alternance    BOOLEAN,
    distance      VARCHAR,                      -- presentiel / mixte / distance
    rythme        VARCHAR,
    lieu_nom      VARCHAR,
    commune       VARCHAR,                      -- INSEE code
    postal_code   VARCHAR,
    departement   VARCHAR,
    region        VARCHAR,
    heures_total  DOUBLE,
    duree         VARCHAR
);

CREATE TABLE IF NOT EXISTS training_sessions (
    session_id   VARCHAR PRIMARY KEY,
    action_id    VARCHAR NOT NULL,
    offer_id     VARCHAR NOT NULL,
    source_id    VARCHAR,
    debut        DATE,
    fin          DATE,
    places       INTEGER,
    commune      VARCHAR,
    postal_code  VARCHAR,
    departement  VARCHAR,
    region       VARCHAR
);

-- Students, places or graduates per certification (or diploma type) and territory, user-supplied.
CREATE TABLE IF NOT EXISTS training_headcounts (
    headcount_id  VARCHAR PRIMARY KEY,          -- hash of the identifying fields
    numero        VARCHAR,                      -- RNCP/RS number when known
    diploma       VARCHAR,                      -- BTS, BUT, Licence, Master, Ingénieur ... or the label
    niveau        INTEGER,
    territory     VARCHAR,                      -- level:code, e.g. region:28
    period        VARCHAR,                      -- e.g. 2022-2023
    measure       VARCHAR,                      -- students / places / graduates
    value         DOUBLE,
    institution   VARCHAR,
    source        VARCHAR,
    origin_file   VARCHAR,
    origin_line   BIGINT
);
