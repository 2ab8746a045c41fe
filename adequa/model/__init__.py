"""The shared vocabulary of every stage: records, table names, provenance."""

from adequa.model.provenance import Provenance
from adequa.model.records import JobAd, OccupationMatch, SkillMention

__all__ = ["JobAd", "OccupationMatch", "Provenance", "SkillMention"]
