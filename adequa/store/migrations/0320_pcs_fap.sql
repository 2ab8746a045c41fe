-- PCS → FAP tables supplied by the user (area: indicators), e.g. the DARES "table de passage
-- PCS 2020 → FAP 2021". Census rows coded in PCS are turned into FAP rows through these and the
-- FAP-2009 ; PCS-2003 ; ROME v3 referential (fap2009_pcs_rome3); see docs/indicators.md.
CREATE TABLE IF NOT EXISTS pcs_fap (
    pcs_nomenclature  VARCHAR NOT NULL,   -- pcs2003 | pcs2020
    pcs               VARCHAR NOT NULL,   -- profession code, 4 characters (388a)
    fap_nomenclature  VARCHAR NOT NULL,   -- fap2009 | fap2021
    fap               VARCHAR NOT NULL,   -- detailed FAP code (M2Z90, M2X90)
    weight            DOUBLE,             -- share of the profession's workers in this FAP; NULL = equal split
    origin_file       VARCHAR,
    origin_line       BIGINT,
    PRIMARY KEY (pcs_nomenclature, pcs, fap_nomenclature, fap)
);
