"""Canonical records that flow through the stages.

A ``JobAd`` is what every ad source is normalised into; enrichment adds
``OccupationMatch`` and ``SkillMention`` rows keyed by the ad's ``ad_id``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class JobAd:
    ad_id: str                      # stable: hash of source + source_id, or of the content
    source: str                     # e.g. "france-travail", "csv:myboard"
    source_id: str | None
    title: str
    description: str
    created_at: str | None = None   # ISO date
    updated_at: str | None = None
    employer: str | None = None
    url: str | None = None
    contract_type: str | None = None        # CDI, CDD, MIS, SAI, LIB, ALT, STG, ...
    contract_months: float | None = None
    durable: bool | None = None             # CDI or CDD >= 6 months (the study's definition)
    working_time: str | None = None         # full / part
    hours_per_week: float | None = None
    experience: str | None = None           # D (débutant accepté) / E (exigée) / S (souhaitée)
    experience_months: float | None = None
    qualification: str | None = None
    salary_min: float | None = None
    salary_max: float | None = None
    salary_period: str | None = None        # hour / month / year
    commune: str | None = None              # INSEE code
    postal_code: str | None = None
    departement: str | None = None
    region: str | None = None
    bassin: str | None = None               # BMO bassin d'emploi
    location_text: str | None = None
    source_rome: str | None = None          # the recruiter's ROME code, kept for evaluation
    source_skills: list[str] = field(default_factory=list)
    naf: str | None = None
    lang: str | None = None
    content_hash: str | None = None
    personal_data_removed: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class SkillMention:
    start: int
    end: int
    text: str
    rome_ogr: str | None
    esco_uri: str | None
    label: str
    kind: str                       # savoir-faire / savoir / savoir-être / langue / certification
    score: float
    method: str                     # exact / lemma / semantic / rule
    unlisted: bool = False
    field: str = "description"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class OccupationMatch:
    rome: str | None
    appellation: str | None
    score: float
    candidates: list[dict] = field(default_factory=list)   # [{"rome", "score"}], best first
    method: str = "title"

    def to_dict(self) -> dict:
        return asdict(self)
