"""Data / AI domain tags of a job ad (Data / Big data, bases de données, CRM, IA / ML, BI, développement).

The rules are data: ``adequa/enrich/data/domains.yaml`` (or any file of the same
shape passed to ``DomainTagger.from_yaml``). See that file for the order in
which title patterns, ROME codes and description patterns are tried.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from adequa.enrich.ranking import fold
from adequa.errors import InputError

DEFAULT_RULES = Path(__file__).with_name("data") / "domains.yaml"

__all__ = ["Domain", "DomainTagger", "DEFAULT_RULES"]


def _compile(patterns: list[str], path: Path, where: str) -> re.Pattern | None:
    if not patterns:
        return None
    try:
        return re.compile(r"(?<![a-z0-9])(?:" + "|".join(f"(?:{p})" for p in patterns) + r")(?![a-z0-9])")
    except re.error as exc:
        raise InputError(f"bad regular expression ({exc})", path=str(path), field=where) from exc


@dataclass
class Domain:
    id: str
    label: str
    title: re.Pattern | None = None
    description: re.Pattern | None = None
    exclude: re.Pattern | None = None
    rome: frozenset[str] = field(default_factory=frozenset)


class DomainTagger:
    def __init__(self, domains: list[Domain], it_rome_prefixes: tuple[str, ...] = (), min_description_hits: int = 2):
        self.domains = domains
        self.it_rome_prefixes = it_rome_prefixes
        self.min_description_hits = min_description_hits
        self._by_title: dict[str, str | None] = {}      # title -> the domain its title rules give (memo)
        self._by_rome: dict[str, str | None] = {}       # ROME code -> the domain listing it

    @classmethod
    def from_yaml(cls, path: str | Path = DEFAULT_RULES) -> "DomainTagger":
        import yaml

        path = Path(path)
        try:
            # libyaml's loader when PyYAML has it: the same documents, ~5x faster to parse
            spec = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except (OSError, yaml.YAMLError) as exc:
            raise InputError(f"cannot read domain rules ({exc})", path=str(path)) from exc
        if not isinstance(spec, dict) or not isinstance(spec.get("domains"), list):
            raise InputError("expected a mapping with a 'domains' list", path=str(path), field="domains")
        domains = []
        for i, d in enumerate(spec["domains"]):
            if not isinstance(d, dict) or not d.get("id") or not d.get("label"):
                raise InputError("each domain needs an 'id' and a 'label'", path=str(path), record=str(i), field="id")
            where = f"domains[{d['id']}]"
            domains.append(Domain(
                id=str(d["id"]), label=str(d["label"]),
                title=_compile([fold(p) for p in d.get("title") or []], path, where + ".title"),
                description=_compile([fold(p) for p in d.get("description") or []], path, where + ".description"),
                exclude=_compile([fold(p) for p in d.get("exclude") or []], path, where + ".exclude"),
                rome=frozenset(d.get("rome") or []),
            ))
        return cls(domains, tuple(spec.get("it_rome_prefixes") or ()), int(spec.get("min_description_hits", 2)))

    def tag(self, title: str, rome: str | None = None, description: str | None = None) -> str | None:
        """The id of the ad's domain, or None when it is not a data/AI/IT ad of a listed domain."""
        title = title or ""
        hit = self._by_title.get(title, "")
        if hit == "":
            hit = self._title_domain(title)
            if len(self._by_title) < 100_000:
                self._by_title[title] = hit
        if hit is not None:
            return hit
        if rome:
            hit = self._by_rome.get(rome, "")
            if hit == "":
                hit = self._by_rome[rome] = next((d.id for d in self.domains if rome in d.rome), None)
            if hit is not None:
                return hit
            if description and rome.startswith(self.it_rome_prefixes):
                text = fold.__wrapped__(description)       # not cached: descriptions rarely repeat
                for d in self.domains:
                    if d.description is not None and len(d.description.findall(text)) >= self.min_description_hits:
                        return d.id
        return None

    def _title_domain(self, title: str) -> str | None:
        t = fold(title)
        for d in self.domains:
            if d.title is not None and d.title.search(t) and not (d.exclude is not None and d.exclude.search(t)):
                return d.id
        return None

    def label(self, domain_id: str) -> str | None:
        return next((d.label for d in self.domains if d.id == domain_id), None)
