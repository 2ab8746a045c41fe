"""Orchestration: each module chains the stages for one flow (referentials, ingest,
enrich, statistics, training, run). Only ``pipeline`` and ``cli`` see every stage."""
