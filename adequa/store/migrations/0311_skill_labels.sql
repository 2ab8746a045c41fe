-- The label and kind shown for each taxonomy skill key (rome_ogr, else ESCO URI): the most frequent
-- among its mentions (area: publish/facts), written by adequa.indicators.facts.build_rollups so that
-- emerging trends do not scan every mention to name the few skills they list.
CREATE TABLE IF NOT EXISTS skill_labels (
    skill_key   VARCHAR NOT NULL,
    label       VARCHAR,
    kind        VARCHAR
);
