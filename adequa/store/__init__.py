"""The only package that talks to DuckDB, Parquet or Spark."""
