"""What publish renders: a ``Figure`` built from one indicator's result, or from its absence.

Publish never computes a figure. It receives ``IndicatorResult`` objects from
:mod:`adequa.indicators` (name, title, unit, value, rows, columns, provenance,
suppressed, notes) and turns each into a ``Figure``: a table of rows with
typed columns, a chart kind chosen from the shape of the rows (or the
definition's ``chart`` hint), the source line and the period. An indicator
that raised or returned no rows becomes a Figure whose ``status`` says so, so
that the report prints "Données non disponibles : <raison>" instead of
dropping the section.

The result is read by attribute, duck-typed, so that this module depends on
the contract and not on one class.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

# Sections of the study, in the order of the seed study.
SECTIONS: tuple[str, ...] = ("workers", "job_seekers", "offers", "bmo", "skills", "tension",
                             "training", "gaps", "emerging")

SECTION_TITLES = {
    "fr": {
        "context": "Contexte et périmètre",
        "workers": "Les métiers en chiffres : les actifs en emploi",
        "job_seekers": "Le marché du travail : les demandeurs d'emploi",
        "offers": "Le marché du travail : les offres d'emploi",
        "bmo": "Les besoins à court terme : projets de recrutement (BMO)",
        "skills": "Les compétences demandées",
        "tension": "Tensions sur les métiers",
        "training": "L'offre de formation",
        "gaps": "Écarts entre besoins et formation",
        "emerging": "Compétences émergentes",
        "method": "Méthode et sources",
        "other": "Autres indicateurs",
    },
    "en": {
        "context": "Context and scope",
        "workers": "The occupations in figures: employed workers",
        "job_seekers": "The labour market: job seekers",
        "offers": "The labour market: job offers",
        "bmo": "Short-term needs: recruitment projects (BMO)",
        "skills": "Skills in demand",
        "tension": "Labour shortages",
        "training": "Training supply",
        "gaps": "Gaps between needs and training",
        "emerging": "Emerging skills",
        "method": "Method and sources",
        "other": "Other indicators",
    },
}

# Readable column headers for the names indicators commonly use.
COLUMN_LABELS = {
    "fr": {"value": "Valeur", "count": "Effectif", "n": "Effectif", "share": "Part (%)", "pct": "Part (%)",
           "departement": "Code département", "departement_label": "Département", "region": "Région",
           "bassin": "Bassin d'emploi", "bassin_label": "Bassin d'emploi", "zone_emploi": "Zone d'emploi",
           "commune": "Commune", "rome": "Code ROME", "rome_label": "Métier (ROME)", "label": "Libellé",
           "skill": "Compétence", "kind": "Type", "level": "Niveau (1–3)", "importance": "Importance",
           "month": "Mois", "year": "Année", "quarter": "Trimestre", "period": "Période", "ads": "Offres",
           "offers": "Offres", "projects": "Projets de recrutement", "difficult": "Projets difficiles",
           "seasonal": "Projets saisonniers", "domain": "Domaine", "fap": "FAP", "growth": "Évolution (%)",
           "age": "Âge", "sex": "Sexe", "contract": "Contrat", "contract_type": "Contrat",
           "diploma": "Diplôme", "certification": "Certification", "code": "Code",
           "durable": "Offres durables", "group_offers": "Offres du groupe", "all_offers": "Toutes offres",
           "difficult_share": "Part difficile (%)", "term": "Terme", "ratio": "Ratio",
           "level_label": "Niveau d'importance", "rome_ogr": "Code OGR"},
    "en": {"value": "Value", "count": "Count", "n": "Count", "share": "Share (%)", "pct": "Share (%)",
           "departement": "Département code", "departement_label": "Département", "region": "Region",
           "bassin": "Employment area (BMO)", "bassin_label": "Employment area (BMO)",
           "zone_emploi": "Employment zone", "commune": "Municipality", "rome": "ROME code",
           "rome_label": "Occupation (ROME)", "label": "Label", "skill": "Skill", "kind": "Type",
           "level": "Level (1–3)", "importance": "Importance", "month": "Month", "year": "Year", "quarter": "Quarter",
           "period": "Period", "ads": "Ads", "offers": "Offers", "projects": "Recruitment projects",
           "difficult": "Difficult projects", "seasonal": "Seasonal projects", "domain": "Domain", "fap": "FAP",
           "growth": "Change (%)", "age": "Age", "sex": "Sex", "contract": "Contract",
           "contract_type": "Contract", "diploma": "Diploma", "certification": "Certification",
           "level_label": "Level", "code": "Code", "durable": "Durable offers", "group_offers": "Group offers",
           "all_offers": "All offers", "difficult_share": "Difficult share (%)", "term": "Term", "ratio": "Ratio"},
}
UNIT_LABELS = {"count": None, "number": None, "ads": None}

TERRITORY_FIELDS = ("departement", "bassin", "zone_emploi", "region", "commune")
TIME_FIELDS = ("period", "month", "year", "quarter", "date", "week", "annee")
NUMERIC_TYPES = (int, float, Decimal)


@dataclass
class Column:
    name: str
    label: str
    kind: str            # "number", "text", "date", "list"
    unit: str | None = None


@dataclass
class Figure:
    """One numbered figure of the study, dashboard or API."""

    name: str
    title: str
    section: str
    status: str = "ok"                  # ok | missing | suppressed | error
    reason: str | None = None           # why the figure is not shown
    unit: str | None = None
    value: Any = None                   # headline number, if any
    rows: list[dict] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    source_line: str | None = None
    period: str | None = None
    provenance: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    chart: str = "table"                # bar | line | map | kpi | table
    category: str | None = None         # column on the category axis / map key
    measure: str | None = None          # column of the plotted number
    series: str | None = None           # optional colour column
    level: str | None = None            # territorial level of a map (departement, bassin, …)
    description: str | None = None
    number: int | None = None           # figure number in the report

    @property
    def available(self) -> bool:
        return self.status == "ok"

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "_", self.name.lower()).strip("_") or "figure"

    def to_dict(self) -> dict:
        return {"name": self.name, "title": self.title, "section": self.section, "status": self.status,
                "reason": self.reason, "unit": self.unit, "value": jsonable(self.value),
                "columns": [c.__dict__ for c in self.columns],
                "rows": [{k: jsonable(v) for k, v in r.items()} for r in self.rows],
                "source": self.source_line, "period": self.period, "provenance": jsonable(self.provenance),
                "notes": list(self.notes), "chart": self.chart}


def jsonable(value):
    """A value JSON can carry (dates as ISO strings, Decimals as floats, NaN as None)."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "to_dict"):
        return jsonable(value.to_dict())
    return str(value)


def missing_text(reason: str | None, lang: str = "fr") -> str:
    reason = reason or ("aucune donnée pour ce périmètre" if lang == "fr" else "no data for this scope")
    return ("Données non disponibles : " if lang == "fr" else "Data not available: ") + reason


def _get(obj, name, default=None):
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _provenance(prov) -> tuple[str | None, str | None, dict, str | None]:
    """(source line fr, period, dict, source line en) from a Provenance, a dict or a list of them."""
    if prov is None:
        return None, None, {}, None
    if isinstance(prov, (list, tuple)):
        parts = [_provenance(p) for p in prov if p is not None]
        if not parts:
            return None, None, {}, None
        sources = [p[2].get("source") for p in parts if p[2].get("source")]
        periods = sorted({p[1] for p in parts if p[1]})
        d = {"source": " ; ".join(dict.fromkeys(sources)), "period": ", ".join(periods) or None,
             "parts": [p[2] for p in parts]}
        return _line(d, "fr"), d["period"], d, _line(d, "en")
    if hasattr(prov, "to_dict"):
        d = prov.to_dict()
    elif isinstance(prov, dict):
        d = dict(prov)
    else:
        d = {"source": str(prov)}
    fr = prov.line("fr") if hasattr(prov, "line") else _line(d, "fr")
    en = prov.line("en") if hasattr(prov, "line") else _line(d, "en")
    return fr, d.get("period"), d, en


def _line(d: dict, lang: str) -> str:
    parts = [d.get("source") or "?"]
    if d.get("period"):
        parts.append(str(d["period"]))
    if lang == "fr":
        return "Source : " + ", ".join(parts) + ", traitement Adequa"
    return "Source: " + ", ".join(parts) + ", Adequa processing"


def is_share(column: str | None) -> bool:
    """Whether a column holds percentages (by the names indicators use for them)."""
    if not column:
        return False
    c = column.lower()
    return c in ("share", "pct", "percent", "rate", "taux", "part") or c.endswith(("_share", "_pct", "_rate"))


def column_label(name: str, lang: str = "fr") -> str:
    labels = COLUMN_LABELS.get(lang, COLUMN_LABELS["fr"])
    if name in labels:
        return labels[name]
    return name.replace("_", " ").capitalize()


def _columns(result, rows: list[dict], lang: str = "fr") -> list[Column]:
    declared = _get(result, "columns") or []
    names: list[str] = []
    labels: dict[str, str] = {}
    units: dict[str, str] = {}
    for c in declared:
        if isinstance(c, str):
            names.append(c)
        elif isinstance(c, dict) and c.get("name"):
            names.append(c["name"])
            labels[c["name"]] = c.get("label") or c.get("title") or c["name"]
            if c.get("unit"):
                units[c["name"]] = c["unit"]
        elif hasattr(c, "name"):
            names.append(c.name)
            labels[c.name] = getattr(c, "label", None) or c.name
    for r in rows:
        for k in r:
            if k not in names:
                names.append(k)
    cols = []
    for n in names:
        values = [r.get(n) for r in rows if r.get(n) is not None]
        if values and all(isinstance(v, NUMERIC_TYPES) and not isinstance(v, bool) for v in values):
            kind = "number"
        elif values and all(isinstance(v, (date, datetime)) for v in values):
            kind = "date"
        elif any(isinstance(v, (list, tuple, set, dict)) for v in values):
            kind = "list"           # shown in tables, never a chart axis (lists are not hashable categories)
        else:
            kind = "text"
        cols.append(Column(n, labels.get(n) or column_label(n, lang), kind, units.get(n)))
    return cols


def _choose_chart(hint: str | None, cols: list[Column], rows: list[dict], *, unit: str | None = None,
                  level: str | None = None) -> tuple[str, str | None, str | None, str | None]:
    """(chart kind, category column, measure column, series column) from the shape of the rows."""
    numbers = [c.name for c in cols if c.kind == "number"]
    texts = [c.name for c in cols if c.kind in ("text", "date")]
    if not rows:
        return ("kpi" if hint != "table" else "table"), None, None, None
    measure = None
    for pref in (unit, "value", "count", "n", "offers", "projects", "ads", "total", "share"):
        if pref and pref in numbers:
            measure = pref
            break
    if measure is None and numbers:
        measure = numbers[0]
    if measure is None:
        return "table", None, None, None
    category = None
    for t in TERRITORY_FIELDS:
        if t in texts:
            category = t
            break
    if category is None and level in TERRITORY_FIELDS and "code" in texts:
        category = "code"          # a breakdown by territory whose level is given by the indicator's options
    time_col = next((t for t in texts if t.lower() in TIME_FIELDS), None)
    labelish = [t for t in texts if t.lower() not in TIME_FIELDS]
    series = None
    n_times = len({r.get(time_col) for r in rows}) if time_col else 0
    if hint in ("bar", "line", "map", "table", "kpi"):
        kind = hint
    elif time_col is not None and n_times > 3:
        kind = "line"
    elif category is not None and len(rows) > 1:
        kind = "map"
    elif labelish and len(rows) > 1:
        kind = "bar"
    elif time_col is not None and n_times > 1:
        kind, labelish = "bar", [time_col]
    else:
        kind = "table"
    if kind == "line":
        category = time_col or (texts[0] if texts else None)
        others = [t for t in labelish if t != category]
        series = others[0] if others else None
    elif kind == "map":
        category = category or (texts[0] if texts else None)
    elif kind == "bar":
        # the category axis: the most varied text column that is not a code
        named = [t for t in labelish if not t.lower().endswith(("code", "_id", "uri", "ogr"))] or labelish or texts
        category = max(named, key=lambda t: (len({r.get(t) for r in rows if r.get(t) is not None}),
                                             -named.index(t))) if named else None
        others = [t for t in labelish if t != category and not t.endswith(("code", "_id", "uri"))]
        if others and len({r.get(others[0]) for r in rows}) <= 6 and len(rows) > len({r.get(category) for r in rows}):
            series = others[0]
    if category is None and kind not in ("kpi", "table"):
        kind = "table"
    return kind, category, measure, series


def figure_from_result(definition, result=None, *, error: BaseException | str | None = None,
                       lang: str = "fr") -> Figure:
    """Build the Figure of one indicator from its definition and its result (or the error it raised)."""
    name = _get(definition, "name") or _get(result, "name") or "indicator"
    section = _get(definition, "section") or _get(result, "section") or "other"
    if section not in SECTIONS:
        section = "other"
    title = (_get(result, "title") or _get(definition, "title") or name)
    if lang == "en":
        title = _get(result, "title_en") or _get(definition, "title_en") or title
    unit = _get(result, "unit") or _get(definition, "unit")
    unit = UNIT_LABELS.get(unit, unit)
    description = _get(definition, "definition") or _get(definition, "description")
    fig = Figure(name=name, title=str(title), section=section, unit=unit, description=description)
    if error is not None:
        fig.status = "missing"
        fig.reason = str(error) or type(error).__name__
        return fig
    if result is None:
        fig.status = "missing"
        fig.reason = None
        return fig
    rows = [dict(r) if not isinstance(r, dict) else r for r in (_get(result, "rows") or [])]
    fr, period, prov, en = _provenance(_get(result, "provenance"))
    fig.source_line = en if lang == "en" else fr
    fig.period = period
    fig.provenance = prov
    notes = _get(result, "notes") or []
    fig.notes = [notes] if isinstance(notes, str) else [str(n) for n in notes]
    fig.value = _get(result, "value")
    suppressed = _get(result, "suppressed")
    fig.rows = rows
    fig.columns = _columns(result, rows, lang)
    if not rows and fig.value is None:
        fig.status = "suppressed" if suppressed else "missing"
        fig.reason = (("effectifs inférieurs au seuil de diffusion" if lang == "fr"
                       else "counts below the publication threshold") if suppressed else
                      (fig.notes[0] if fig.notes else None))
        return fig
    hint = _get(definition, "chart") or _get(result, "chart")
    level = (prov.get("filters") or {}).get("by") if isinstance(prov, dict) else None
    fig.level = level if level in TERRITORY_FIELDS else None
    raw_unit = _get(result, "unit") or _get(definition, "unit")
    fig.chart, fig.category, fig.measure, fig.series = _choose_chart(hint, fig.columns, rows, unit=raw_unit,
                                                                     level=fig.level)
    if fig.chart == "map" and fig.level is None:
        fig.level = fig.category
    if isinstance(suppressed, (list, tuple)) and suppressed:
        fig.notes.append((f"{len(suppressed)} valeur(s) non diffusée(s) (effectifs inférieurs au seuil de diffusion)"
                          if lang == "fr" else
                          f"{len(suppressed)} value(s) withheld (counts below the publication threshold)"))
    elif suppressed and isinstance(suppressed, (int, float)) and not isinstance(suppressed, bool):
        fig.notes.append((f"{suppressed} valeur(s) non diffusée(s) (secret statistique)" if lang == "fr"
                          else f"{suppressed} value(s) withheld (statistical confidentiality)"))
    return fig


def format_number(value, lang: str = "fr", unit: str | None = None) -> str:
    """French typography: narrow no-break space between thousands, decimal comma, "12,5 %"."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return ("oui" if value else "non") if lang == "fr" else ("yes" if value else "no")
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return "–"
    if isinstance(value, (date, datetime)):
        return value.strftime("%d/%m/%Y") if lang == "fr" else value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return ", ".join(format_number(v, lang) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {format_number(v, lang)}" for k, v in value.items())
    if not isinstance(value, (int, float)):
        return str(value)
    pct = unit in ("%", "percent", "pct")
    if pct and isinstance(value, float) and abs(value) <= 1.0 and unit == "share":
        value = value * 100
    if isinstance(value, float) and not value.is_integer():
        digits = 1 if abs(value) < 1000 else 0
        text = f"{value:,.{digits}f}"
    else:
        text = f"{int(round(value)):,}"
    if lang == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    if pct:
        text += "\u00a0%" if lang == "fr" else "%"
    return text
