-- Coarser pre-aggregates (area: publish/facts) derived from the fine facts by
-- adequa.indicators.facts.build_rollups, so that a dashboard query on any group × territory × period
-- reads a few thousand rows instead of millions. Derived data: rebuilt with the facts
-- (`adequa indicators refresh`); used only while their fingerprint in indicator_facts_state
-- (name 'rollups') matches the warehouse. Counts are integers; an ad lies in exactly one cell.

-- offer_facts by quarter, at four territorial levels (each sorted by its territory columns).
CREATE TABLE IF NOT EXISTS offer_facts_fr (
    rome VARCHAR, quarter DATE, contract_class VARCHAR, durable BOOLEAN, offers BIGINT);
CREATE TABLE IF NOT EXISTS offer_facts_reg (
    rome VARCHAR, region VARCHAR, quarter DATE, contract_class VARCHAR, durable BOOLEAN, offers BIGINT);
CREATE TABLE IF NOT EXISTS offer_facts_dep (
    rome VARCHAR, region VARCHAR, departement VARCHAR, quarter DATE, contract_class VARCHAR, durable BOOLEAN,
    offers BIGINT);
CREATE TABLE IF NOT EXISTS offer_facts_bassin (
    rome VARCHAR, region VARCHAR, departement VARCHAR, bassin VARCHAR, quarter DATE, contract_class VARCHAR,
    durable BOOLEAN, offers BIGINT);
-- offers per commune (the breakdown of a bassin), by month.
CREATE TABLE IF NOT EXISTS offer_facts_commune (
    rome VARCHAR, region VARCHAR, departement VARCHAR, bassin VARCHAR, commune VARCHAR, month DATE, offers BIGINT);

-- skill_facts summed over départements (region level) and over régions (France).
-- keyed_ads: ads whose mention of the skill carries a ROME or ESCO code (what emerging trends count).
CREATE TABLE IF NOT EXISTS skill_facts_fr (
    rome VARCHAR, quarter DATE, skill_id VARCHAR, label VARCHAR, rome_ogr VARCHAR, kind VARCHAR,
    ads BIGINT, keyed_ads BIGINT);
CREATE TABLE IF NOT EXISTS skill_facts_reg (
    rome VARCHAR, region VARCHAR, quarter DATE, skill_id VARCHAR, label VARCHAR, rome_ogr VARCHAR, kind VARCHAR,
    ads BIGINT, keyed_ads BIGINT);
-- The finest skill cells, with the poster (hash of the employer, else of the ad's opening) kept:
-- département and bassin queries, and exact distinct-poster counts for emerging trends.
CREATE TABLE IF NOT EXISTS skill_cell_facts (
    region VARCHAR, departement VARCHAR, bassin VARCHAR, quarter DATE, rome VARCHAR, skill_id VARCHAR,
    poster UBIGINT, label VARCHAR, rome_ogr VARCHAR, kind VARCHAR, ads INTEGER, keyed_ads INTEGER);
-- National distinct posters per (skill, rome, quarter): the smallest POSTER_CAP poster hashes of each
-- cell (a bottom-k sketch: the union of cells gives the exact count up to the cap).
CREATE TABLE IF NOT EXISTS skill_posters_fr (
    skill_id VARCHAR, rome VARCHAR, quarter DATE, poster UBIGINT);
