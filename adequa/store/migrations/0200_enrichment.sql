-- Skill mentions found in ads (adequa.model.records.SkillMention).
CREATE TABLE IF NOT EXISTS skill_mentions (
    ad_id        VARCHAR NOT NULL,
    field        VARCHAR NOT NULL,         -- description or title
    start        INTEGER NOT NULL,
    "end"        INTEGER NOT NULL,
    text         VARCHAR,
    rome_ogr     VARCHAR,
    esco_uri     VARCHAR,
    label        VARCHAR,
    kind         VARCHAR,                  -- savoir-faire / savoir / savoir-être / langue / certification
    score        DOUBLE,
    method       VARCHAR,                  -- exact / lemma / semantic / rule
    unlisted     BOOLEAN,
    taxonomy_version VARCHAR,
    PRIMARY KEY (ad_id, field, start, "end")
);

-- The occupation of each ad, and what it derives to.
CREATE TABLE IF NOT EXISTS ad_occupations (
    ad_id           VARCHAR PRIMARY KEY,
    rome            VARCHAR,
    appellation     VARCHAR,
    score           DOUBLE,
    candidates      VARCHAR,               -- JSON [{"rome", "score"}], best first
    fap2021         VARCHAR,
    fap2009         VARCHAR,
    isco            VARCHAR,
    esco_occupation VARCHAR,
    domain          VARCHAR,
    taxonomy_version VARCHAR,
    enriched_at     TIMESTAMP DEFAULT now()
);
