"""Official formats in, raw rows and provenance out. No storage here."""
