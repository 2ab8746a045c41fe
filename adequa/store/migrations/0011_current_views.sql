-- current_<table>: the newest version of each referential table.
-- Versions are ordered by their numbers ("1.10" > "1.9", "460" > "346"), not as text.
-- ESCO concept tables keep, for each concept and language, its row from the newest version that has it,
-- so that a newer partial set (e.g. French labels only) does not hide the other languages.

CREATE OR REPLACE VIEW current_rome_fiches AS SELECT * FROM rome_fiches WHERE regexp_extract_all(version, '\d+')::BIGINT[] = (SELECT max(regexp_extract_all(version, '\d+')::BIGINT[]) FROM rome_fiches);
CREATE OR REPLACE VIEW current_rome_appellations AS SELECT * FROM rome_appellations WHERE regexp_extract_all(version, '\d+')::BIGINT[] = (SELECT max(regexp_extract_all(version, '\d+')::BIGINT[]) FROM rome_appellations);
CREATE OR REPLACE VIEW current_rome_competences AS SELECT * FROM rome_competences WHERE regexp_extract_all(version, '\d+')::BIGINT[] = (SELECT max(regexp_extract_all(version, '\d+')::BIGINT[]) FROM rome_competences);
CREATE OR REPLACE VIEW current_rome_savoirs AS SELECT * FROM rome_savoirs WHERE regexp_extract_all(version, '\d+')::BIGINT[] = (SELECT max(regexp_extract_all(version, '\d+')::BIGINT[]) FROM rome_savoirs);
CREATE OR REPLACE VIEW current_rome_contextes AS SELECT * FROM rome_contextes WHERE regexp_extract_all(version, '\d+')::BIGINT[] = (SELECT max(regexp_extract_all(version, '\d+')::BIGINT[]) FROM rome_contextes);
CREATE OR REPLACE VIEW current_rome_fiche_items AS SELECT * FROM rome_fiche_items WHERE regexp_extract_all(version, '\d+')::BIGINT[] = (SELECT max(regexp_extract_all(version, '\d+')::BIGINT[]) FROM rome_fiche_items);
CREATE OR REPLACE VIEW current_rome_v3 AS SELECT * FROM rome_v3 WHERE regexp_extract_all(version, '\d+')::BIGINT[] = (SELECT max(regexp_extract_all(version, '\d+')::BIGINT[]) FROM rome_v3);
CREATE OR REPLACE VIEW current_fap2021 AS SELECT * FROM fap2021 WHERE regexp_extract_all(version, '\d+')::BIGINT[] = (SELECT max(regexp_extract_all(version, '\d+')::BIGINT[]) FROM fap2021);
CREATE OR REPLACE VIEW current_fap2009 AS SELECT * FROM fap2009 WHERE regexp_extract_all(version, '\d+')::BIGINT[] = (SELECT max(regexp_extract_all(version, '\d+')::BIGINT[]) FROM fap2009);
CREATE OR REPLACE VIEW current_fap2009_pcs_rome3 AS SELECT * FROM fap2009_pcs_rome3 WHERE regexp_extract_all(version, '\d+')::BIGINT[] = (SELECT max(regexp_extract_all(version, '\d+')::BIGINT[]) FROM fap2009_pcs_rome3);
CREATE OR REPLACE VIEW current_dares_rome_fap2021 AS SELECT * FROM dares_rome_fap2021 WHERE regexp_extract_all(version, '\d+')::BIGINT[] = (SELECT max(regexp_extract_all(version, '\d+')::BIGINT[]) FROM dares_rome_fap2021);
CREATE OR REPLACE VIEW current_rome_fap AS SELECT * FROM rome_fap WHERE regexp_extract_all(version, '\d+')::BIGINT[] = (SELECT max(regexp_extract_all(version, '\d+')::BIGINT[]) FROM rome_fap);
CREATE OR REPLACE VIEW current_esco_occupation_skills AS SELECT * FROM esco_occupation_skills WHERE regexp_extract_all(version, '\d+')::BIGINT[] = (SELECT max(regexp_extract_all(version, '\d+')::BIGINT[]) FROM esco_occupation_skills);
CREATE OR REPLACE VIEW current_esco_skill_hierarchy AS SELECT * FROM esco_skill_hierarchy WHERE regexp_extract_all(version, '\d+')::BIGINT[] = (SELECT max(regexp_extract_all(version, '\d+')::BIGINT[]) FROM esco_skill_hierarchy);
CREATE OR REPLACE VIEW current_esco_rome AS SELECT * FROM esco_rome WHERE regexp_extract_all(version, '\d+')::BIGINT[] = (SELECT max(regexp_extract_all(version, '\d+')::BIGINT[]) FROM esco_rome);
CREATE OR REPLACE VIEW current_geo_communes AS SELECT * FROM geo_communes WHERE regexp_extract_all(version, '\d+')::BIGINT[] = (SELECT max(regexp_extract_all(version, '\d+')::BIGINT[]) FROM geo_communes);
CREATE OR REPLACE VIEW current_geo_departements AS SELECT * FROM geo_departements WHERE regexp_extract_all(version, '\d+')::BIGINT[] = (SELECT max(regexp_extract_all(version, '\d+')::BIGINT[]) FROM geo_departements);
CREATE OR REPLACE VIEW current_geo_regions AS SELECT * FROM geo_regions WHERE regexp_extract_all(version, '\d+')::BIGINT[] = (SELECT max(regexp_extract_all(version, '\d+')::BIGINT[]) FROM geo_regions);
CREATE OR REPLACE VIEW current_geo_bassins AS SELECT * FROM geo_bassins WHERE regexp_extract_all(version, '\d+')::BIGINT[] = (SELECT max(regexp_extract_all(version, '\d+')::BIGINT[]) FROM geo_bassins);
CREATE OR REPLACE VIEW current_geo_zones_emploi AS SELECT * FROM geo_zones_emploi WHERE regexp_extract_all(version, '\d+')::BIGINT[] = (SELECT max(regexp_extract_all(version, '\d+')::BIGINT[]) FROM geo_zones_emploi);
CREATE OR REPLACE VIEW current_geo_shapes AS SELECT * FROM geo_shapes WHERE regexp_extract_all(version, '\d+')::BIGINT[] = (SELECT max(regexp_extract_all(version, '\d+')::BIGINT[]) FROM geo_shapes);
CREATE OR REPLACE VIEW current_esco_skills AS SELECT * FROM esco_skills QUALIFY row_number() OVER (PARTITION BY uri, lang ORDER BY regexp_extract_all(version, '\d+')::BIGINT[] DESC) = 1;
CREATE OR REPLACE VIEW current_esco_occupations AS SELECT * FROM esco_occupations QUALIFY row_number() OVER (PARTITION BY uri, lang ORDER BY regexp_extract_all(version, '\d+')::BIGINT[] DESC) = 1;
CREATE OR REPLACE VIEW current_esco_isco_groups AS SELECT * FROM esco_isco_groups QUALIFY row_number() OVER (PARTITION BY uri, lang ORDER BY regexp_extract_all(version, '\d+')::BIGINT[] DESC) = 1;
