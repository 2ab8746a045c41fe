"""See the module docstrings; data flows sources -> normalise -> enrich -> store -> indicators -> publish."""
