-- One record per load of a source file or referential version.
CREATE TABLE IF NOT EXISTS provenance (
    table_name   VARCHAR NOT NULL,
    source       VARCHAR NOT NULL,
    version      VARCHAR NOT NULL,
    retrieved_at TIMESTAMP,
    licence      VARCHAR,
    origin       VARCHAR,        -- file path or URL
    checksum     VARCHAR,        -- sha256 of the file(s) read
    rows         BIGINT,
    loaded_at    TIMESTAMP DEFAULT now(),
    PRIMARY KEY (table_name, version)
);
