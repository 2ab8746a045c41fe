"""Adequa: an observatory of jobs, skills and training, from open data.

Importing the package does no I/O and sets up no logging.
"""

from adequa.errors import AdequaError, InputError
from adequa.model import JobAd, OccupationMatch, Provenance, SkillMention

__version__ = "0.1.0"

__all__ = ["AdequaError", "InputError", "JobAd", "OccupationMatch", "Provenance", "SkillMention", "__version__"]
