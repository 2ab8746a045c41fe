"""Tolerant parsers for the messy values of job ads: dates, contracts, salaries,
experience, working time, Python-repr nested values.

Each parser returns ``None`` for an empty value and raises ``ValueError`` with
a message that says what was expected when the value is present but wrong; the
caller (``normalise.ads``) turns that into an ``InputError`` naming the field,
or, with ``errors="null"``, drops the value (see ``lenient``).
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
from typing import Any, Callable

__all__ = ["parse_date", "parse_contract", "is_durable", "parse_salary", "parse_experience",
           "parse_working_time", "parse_nested", "parse_bool", "parse_float", "QUALIFICATIONS", "lenient"]


def lenient(parser: Callable, value, errors: str = "raise", default=None):
    """Apply ``parser``; on ``ValueError`` raise (``errors="raise"``), keep the raw value ("keep") or return ``default`` ("null")."""
    try:
        return parser(value)
    except ValueError:
        if errors == "raise":
            raise
        return value if errors == "keep" else default


# -- dates -----------------------------------------------------------------------
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_MONTHS_FR = {"janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
              "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12}
_LONG_FR = re.compile(r"^(\d{1,2})(?:er)?\s+([a-zéû]+)\s+(\d{4})$", re.I)


def parse_date(value: Any) -> str | None:
    """ISO date (YYYY-MM-DD) from ISO timestamps, dd/mm/yyyy, "3 mars 2024", epoch ms or date objects."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc).date().isoformat()
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"timestamp out of range: {value!r}") from None
    text = str(value).strip()
    if not text:
        return None
    got = _ISO_DATES.get(text[:10])        # "2024-03-01T10:00:00Z": the date part was seen before
    if got is not None:
        return got
    m = _ISO.match(text)
    if m:
        y, mo, d = map(int, m.groups())
    else:
        m = _DMY.match(text)
        if m:
            d, mo, y = map(int, m.groups())
        else:
            m = _LONG_FR.match(text)
            if not m or m.group(2).lower() not in _MONTHS_FR:
                raise ValueError(f"expected a date such as 2024-03-01 or 01/03/2024, got {text[:40]!r}")
            d, mo, y = int(m.group(1)), _MONTHS_FR[m.group(2).lower()], int(m.group(3))
    try:
        iso = dt.date(y, mo, d).isoformat()
    except ValueError:
        raise ValueError(f"not a valid calendar date: {text[:40]!r}") from None
    if m.re is _ISO:                       # its first 10 characters decide: remember them (bounded)
        if len(_ISO_DATES) >= 100_000:
            _ISO_DATES.clear()
        _ISO_DATES[text[:10]] = iso
    return iso


_ISO_DATES: dict[str, str] = {}


# -- contracts -------------------------------------------------------------------
# France Travail typeContrat codes, and words that reveal them in free text.
CONTRACT_CODES = {"CDI", "CDD", "MIS", "SAI", "LIB", "FRA", "CCE", "DIN", "DDI", "DDT", "TTI", "REP", "ALT", "STG", "APP", "PRO"}
_CONTRACT_WORDS = [
    (re.compile(r"\bcdi\s*int[ée]rimaire|\bdin\b", re.I), "DIN"),
    (re.compile(r"\bcdi\b|dur[ée]e\s+ind[ée]termin[ée]e|permanent", re.I), "CDI"),
    (re.compile(r"\bcdd\b|dur[ée]e\s+d[ée]termin[ée]e|fixed[- ]term", re.I), "CDD"),
    (re.compile(r"int[ée]rim|\bmis\b|mission\s+int|travail\s+temporaire|temporary", re.I), "MIS"),
    (re.compile(r"saisonn|seasonal", re.I), "SAI"),
    (re.compile(r"apprenti", re.I), "APP"),
    (re.compile(r"professionnalisation", re.I), "PRO"),
    (re.compile(r"alternance", re.I), "ALT"),
    (re.compile(r"\bstage\b|internship|stagiaire", re.I), "STG"),
    (re.compile(r"lib[ée]ral|freelance|ind[ée]pendant|portage", re.I), "LIB"),
    (re.compile(r"franchise", re.I), "FRA"),
    (re.compile(r"profession\s+commerciale", re.I), "CCE"),
]
_DURATION = re.compile(r"(\d+(?:[.,]\d+)?)\s*(mois|month|an|ans|année|années|year|years|semaines?|weeks?|jours?|days?)\b", re.I)
_UNIT_MONTHS = {"mois": 1, "month": 1, "an": 12, "ans": 12, "année": 12, "années": 12, "year": 12, "years": 12,
                "semaine": 12 / 52, "semaines": 12 / 52, "week": 12 / 52, "weeks": 12 / 52,
                "jour": 12 / 365, "jours": 12 / 365, "day": 12 / 365, "days": 12 / 365}


def _months(text: str) -> float | None:
    m = _DURATION.search(text)
    if not m:
        return None
    n = float(m.group(1).replace(",", "."))
    return round(n * _UNIT_MONTHS[m.group(2).lower()], 2)


def parse_contract(code: Any = None, label: Any = None) -> tuple[str | None, float | None]:
    """(contract type, duration in months) from a code such as "CDD" and/or a label such as
    "Contrat à durée déterminée - 6 Mois". Unknown but present values raise ``ValueError``."""
    code = str(code).strip().upper() if code not in (None, "") else ""
    label = str(label).strip() if label not in (None, "") else ""
    months = _months(label) if label else None
    if code in CONTRACT_CODES:
        return code, months
    text = f"{code} {label}".strip()
    if not text:
        return None, None
    for pattern, found in _CONTRACT_WORDS:
        if pattern.search(text):
            return found, months
    raise ValueError(f"unknown contract {text[:40]!r}; expected CDI, CDD, MIS (intérim), SAI, LIB, ALT, STG…")


def is_durable(contract_type: str | None, months: float | None) -> bool | None:
    """The study's "emploi durable": a CDI, or a fixed-term contract of 6 months or more.

    Interim missions (MIS) are a category of their own in the study, never durable.
    ``None`` when it cannot be told (a CDD with no stated duration, or no contract).
    """
    if contract_type is None:
        return None
    if contract_type in ("CDI", "DIN"):
        return True
    if contract_type in ("CDD", "SAI", "DDI", "DDT", "CCE", "APP", "PRO", "ALT"):
        return None if months is None else months >= 6
    return False


# -- salary ----------------------------------------------------------------------
_PERIODS = [
    (re.compile(r"horaire|heure|/\s*h\b|\bh\b|hour|hourly", re.I), "hour"),
    (re.compile(r"mensuel|mois|/\s*m\b|month", re.I), "month"),
    (re.compile(r"annuel|an\b|ann[ée]e|/\s*a\b|year|annual|k\s*€|k€|keur|\bk\b", re.I), "year"),
    (re.compile(r"journali|jour|day|daily", re.I), "day"),
    (re.compile(r"cachet", re.I), "gig"),
]
_NUMBER = re.compile(r"(\d{1,3}(?:[ \u00a0\u202f.]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)\s*(k\b|k€|keur)?", re.I)
_SALARY_HINT = re.compile(r"euro|eur\b|€|salaire|brut|net|mensuel|annuel|horaire|k€|\d", re.I)


def _number(text: str, kilo: str | None) -> float:
    t = text.replace("\u00a0", " ").replace("\u202f", " ")
    if re.fullmatch(r"\d{1,3}(?:[ .]\d{3})+(?:[.,]\d+)?", t):
        t = re.sub(r"[ .](?=\d{3}(?:\D|$))", "", t)
    value = float(t.replace(",", ".").replace(" ", ""))
    return value * 1000 if kilo else value


_CURRENCY = re.compile(r"euro|\beur\b|€|\d\s*k\b|\d\s*eur", re.I)


def parse_salary(label: Any, *, free_text: bool = False) -> tuple[float | None, float | None, str | None]:
    """(min, max, period) from "Mensuel de 2500.00 Euros à 3000.00 Euros sur 12 mois",
    "Horaire de 11.88 Euros", "35k€ - 45k€ par an", "14.20EUR brut de l'heure"…

    Period is hour, day, month or year. Text without any amount gives (None, None, None);
    with ``free_text=True`` (comments, generic files) an amount also needs a currency.
    """
    if label is None:
        return None, None, None
    text = str(label).strip()
    if not text or not _SALARY_HINT.search(text):
        return None, None, None
    if free_text and not _CURRENCY.search(text):     # "CCNT du 15 mars 1966" is not a salary
        return None, None, None
    head = re.split(r"\bsur\s+\d+(?:[.,]\d+)?\s+mois", text, maxsplit=1, flags=re.I)[0]
    numbers = [_number(m.group(1), m.group(2)) for m in _NUMBER.finditer(head)]
    numbers = [n for n in numbers if n > 0]
    if not numbers:
        return None, None, None
    period = None
    for pattern, name in _PERIODS:
        if pattern.search(head):
            period = name
            break
    lo, hi = min(numbers[:2]), max(numbers[:2])
    if period is None:     # guess from the magnitude, as readers of the ad would
        period = "hour" if hi < 100 else "month" if hi < 10000 else "year"
    return lo, hi, period


# -- experience, working time, qualification ----------------------------------------
_EXPERIENCE_CODES = {"D": "D", "E": "E", "S": "S"}


def parse_experience(code: Any = None, label: Any = None) -> tuple[str | None, float | None]:
    """(D débutant accepté / E exigée / S souhaitée, months) from FT's experienceExige and experienceLibelle
    ("5 ans", "3 Mois", "Expérience exigée de 2 An(s)", "Débutant accepté")."""
    code = str(code).strip().upper() if code not in (None, "") else None
    label = str(label).strip() if label not in (None, "") else ""
    low = label.lower()
    if code not in _EXPERIENCE_CODES:
        if "débutant" in low or "debutant" in low or "sans expérience" in low:
            code = "D"
        elif "exig" in low:
            code = "E"
        elif "souhait" in low:
            code = "S"
        elif code is not None:
            raise ValueError(f"unknown experience code {code!r}; expected D, E or S")
        else:
            code = None
    m = re.search(r"(\d+(?:[.,]\d+)?)\s*(an|ans|an\(s\)|année|mois|month|year)", low)
    months = None
    if m:
        n = float(m.group(1).replace(",", "."))
        months = n if m.group(2).startswith(("mois", "month")) else n * 12
        code = code or "E"
    elif code == "D":
        months = 0.0
    return code, months


def parse_working_time(converted: Any = None, label: Any = None) -> tuple[str | None, float | None]:
    """("full" | "part", hours per week) from "Temps plein"/"Temps partiel" and "35H Travail en journée",
    "temps partiel - 30H Autre", "24H30 Horaires normaux"."""
    text = " ".join(str(v) for v in (converted, label) if v not in (None, "")).lower()
    if not text:
        return None, None
    kind = "part" if "partiel" in text or "part-time" in text or "part time" in text else \
        "full" if "plein" in text or "complet" in text or "full" in text else None
    m = re.search(r"(\d{1,2})\s*h\s*(\d{2})?", text)
    hours = None
    if m:
        hours = int(m.group(1)) + (int(m.group(2)) / 60 if m.group(2) else 0)
        if kind is None:
            kind = "full" if hours >= 35 else "part"
    return kind, hours


QUALIFICATIONS = {
    "1": "Manœuvre", "2": "Ouvrier spécialisé", "3": "Ouvrier qualifié (P1,P2)", "4": "Ouvrier qualifié (P3,P4,OHQ)",
    "5": "Employé non qualifié", "6": "Employé qualifié", "7": "Technicien", "8": "Agent de maîtrise", "9": "Cadre",
}


# -- scalars and nested values ----------------------------------------------------------
def parse_bool(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "oui", "yes", "vrai", "t", "y"):
        return True
    if text in ("false", "0", "non", "no", "faux", "f", "n"):
        return False
    raise ValueError(f"expected true/false, got {text[:20]!r}")


def parse_float(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    try:
        return float(str(value).strip().replace(",", ".").replace(" ", ""))
    except ValueError:
        raise ValueError(f"expected a number, got {str(value)[:20]!r}") from None


def _memo(fn: Callable, maxsize: int = 8192) -> Callable:
    """``fn`` with its results kept for hashable arguments (ad fields repeat: contracts, working
    times, salary labels); exceptions are never kept, unhashable arguments go straight to ``fn``."""
    from functools import lru_cache, wraps

    cached = lru_cache(maxsize=maxsize)(fn)

    @wraps(fn)
    def call(*args, **kwargs):
        try:
            return cached(*args, **kwargs)
        except TypeError:                  # an unhashable argument (a list in a JSON file…)
            return fn(*args, **kwargs)

    call.cache_info = cached.cache_info
    return call


parse_contract = _memo(parse_contract)
parse_experience = _memo(parse_experience)
parse_working_time = _memo(parse_working_time)
parse_salary = _memo(parse_salary)


_PY_WORDS = re.compile(r"\b(?:True|False|None)\b")
_JSON_WORDS = {"True": "true", "False": "false", "None": "null"}
_OUTSIDE_OK = " {}[]:,0123456789.eE+-"


def _no_constant(name: str):
    raise ValueError(f"not a Python literal: {name}")


_JSON_STRICT = json.JSONDecoder(parse_constant=_no_constant)       # NaN/Infinity are not Python literals
try:
    from orjson import loads as _strict_json                     # refuses NaN/Infinity too; 3x faster
except ImportError:                                              # pragma: no cover - orjson is a dependency
    _strict_json = _JSON_STRICT.decode


def _repr_as_json(text: str) -> str | None:
    """The JSON text of a Python repr of dicts, lists, strings, numbers, True/False/None, when the
    translation is exact (strings in single quotes holding no quote and no backslash); else None.
    ``json.loads`` of it equals ``ast.literal_eval(text)`` and costs a small fraction of it."""
    if '"' in text or "\\" in text:
        return None
    parts = text.split("'")
    if len(parts) % 2 == 0:                     # an unclosed string
        return None
    outside = parts[0::2]
    for i, seg in enumerate(outside):
        if "true" in seg or "false" in seg or "null" in seg:
            return None                          # JSON words are names to Python
        if "True" in seg or "False" in seg or "None" in seg:
            seg = _PY_WORDS.sub(lambda m: _JSON_WORDS[m.group()], seg)
            outside[i] = seg
        if seg.strip(_OUTSIDE_OK).replace("true", "").replace("false", "").replace("null", "").strip(_OUTSIDE_OK):
            return None                          # a name, a tuple, a call…: only ast can tell
    parts[0::2] = outside
    return '"'.join(parts)


def parse_nested(value: Any) -> Any:
    """A nested value as found in flattened exports: already a dict/list, JSON text, or a
    Python-repr string ("{'libelle': 'x', 'ok': False}"), parsed safely (never ``eval``)."""
    if value is None or isinstance(value, (dict, list)):
        return value
    text = str(value).strip()
    if not text or text in ("nan", "None", "null"):
        return None
    if text[0] not in "[{":
        return text
    repr_like = "'" in text and '"' not in text      # Python's repr quotes strings with ' (JSON cannot)
    if not repr_like:
        try:
            return json.loads(text)
        except ValueError:
            pass
    fast = _repr_as_json(text) if repr_like else None
    if fast is not None:
        try:
            return _strict_json(fast)
        except ValueError:
            pass
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError) as exc:
        raise ValueError(f"malformed nested value ({type(exc).__name__}): {text[:60]!r}") from None
