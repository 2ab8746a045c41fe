-- skill_facts per département × quarter (not bassin × month): ~8 mentions per ad make the finer
-- cells nearly as many as the mentions themselves. Derived data: rebuilt by `adequa indicators refresh`.
DROP TABLE IF EXISTS skill_facts;
CREATE TABLE skill_facts (
    rome            VARCHAR,
    region          VARCHAR,
    departement     VARCHAR,
    quarter         DATE,              -- first day of the ad's creation quarter
    skill_id        VARCHAR,           -- rome_ogr, else lower(label)
    label           VARCHAR,
    rome_ogr        VARCHAR,
    kind            VARCHAR,
    ads             BIGINT
);
DELETE FROM indicator_facts_state;
