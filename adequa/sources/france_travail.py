"""France Travail "Offres d'emploi v2": the live API client and the dump reader.

Dumps
    ``read_dump(path)`` streams offers from the API's JSON (an array, a page
    ``{"resultats": [...]}``, or JSON Lines) and from the flattened CSV exports
    people make of it: dotted columns (``lieuTravail.codePostal``) are put back
    into nested dicts, nested values stay strings (Python repr or JSON) that
    ``normalise`` parses safely; ``,``/``;``/``|`` delimiters are sniffed and
    column sets may differ from file to file.

Live API
    ``FranceTravailClient`` authenticates with OAuth2 client credentials
    (``FT_CLIENT_ID``/``FT_CLIENT_SECRET``, scope ``api_offresdemploiv2
    o2dsoffre``), searches with ``Query`` (ROME code, appellation, département,
    région, commune, creation-date range, keywords), pages with ``range=a-b``
    (at most 150 per page, 3,150 results per query: larger result sets are
    split by halving the date range), handles 200/206/204, paces calls under
    the API's rate limit, honours ``Retry-After`` on 429 and backs off on 5xx
    and broken bodies, renews the token when it expires, and can resume from
    a checkpoint (the last page committed for each query). The HTTP transport
    is injectable (``httpx`` transports), which tests use to replay pages.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable, Iterator

from adequa.errors import InputError, SourceUnavailable
from adequa.sources.readers import open_text, read_csv

__all__ = ["read_dump", "iter_json_records", "looks_like_france_travail", "FranceTravailClient", "Query", "Page",
           "TOKEN_URL", "API_URL", "PAGE_MAX", "RANGE_MAX"]

TOKEN_URL = "https://entreprise.francetravail.fr/connexion/oauth2/access_token?realm=%2Fpartenaire"
API_URL = "https://api.francetravail.io/partenaire/offresdemploi/v2"
SCOPE = "api_offresdemploiv2 o2dsoffre"
PAGE_MAX = 150           # results per page (range a-b with b - a <= 149)
RANGE_MAX = 3150         # the API refuses ranges starting beyond 3000 (a <= 3000, b <= 3149)
_FT_KEYS = {"intitule", "romeCode", "typeContrat", "lieuTravail", "dateCreation", "lieuTravail.libelle", "appellationlibelle"}


# -- dumps -------------------------------------------------------------------------
def looks_like_france_travail(keys) -> bool:
    """Whether a record's (or header's) keys are the France Travail offer schema."""
    keys = set(keys)
    return "intitule" in keys and len(keys & _FT_KEYS) >= 2


def unflatten(row: dict) -> dict:
    """``{"lieuTravail.codePostal": "76000"}`` -> ``{"lieuTravail": {"codePostal": "76000"}}`` (empty cells dropped)."""
    out: dict = {}
    for key, value in row.items():
        if value == "" or value is None or key is None:
            continue
        if "." not in key:
            if key not in out or not isinstance(out[key], dict):
                out[key] = value
            continue
        head, rest = key.split(".", 1)
        node = out.get(head)
        if not isinstance(node, dict):
            node = {}
            out[head] = node
        parts = rest.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def _sniff(path: Path) -> str:
    """"csv", "jsonl" or "json" from the name, else from the first characters."""
    name = path.name.lower()
    for suffix in (".gz", ".bz2"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    if name.endswith(".csv") or name.endswith(".tsv"):
        return "csv"
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    with open_text(path, "utf-8-sig") as fh:
        try:
            head = fh.read(2048).lstrip()
        except UnicodeDecodeError:      # the reader chosen below names the bad line
            return "jsonl"
    if head.startswith("["):
        return "json"
    if head.startswith("{"):
        first = head.split("\n", 1)[0]
        try:
            obj = json.loads(first)
            return "json" if isinstance(obj, dict) and isinstance(obj.get("resultats"), list) else "jsonl"
        except ValueError:
            return "json"
    return "csv"


def iter_json_records(path: str | Path, *, list_keys=("resultats",), chunk: int = 1 << 20) -> Iterator[tuple[int, dict]]:
    """Stream (record number, object) from a JSON array or JSON Lines without loading the file.

    An object document (an API page) is read whole: pages are small. Numbers
    are record positions (for JSON Lines: line numbers).
    """
    path = Path(path)
    kind = _sniff(path)
    if kind == "csv":
        raise InputError("expected JSON, found what looks like CSV", path=str(path))
    if kind == "jsonl":
        yield from _jsonl(path)
        return
    with open_text(path, "utf-8-sig") as fh:
        try:
            yield from _stream_json(fh, str(path), list_keys, chunk)
        except UnicodeDecodeError as exc:
            raise InputError(f"not valid UTF-8 ({exc.reason})", path=str(path)) from None


try:
    import orjson as _orjson
except ImportError:          # pragma: no cover - orjson is a dependency; plain json is the fallback
    _orjson = None


def _fast_loads(raw: bytes):
    """``json.loads`` through orjson (3-4x faster); what orjson refuses (NaN, huge integers, bad
    UTF-8...) goes through ``json.loads`` so that results and error messages stay those of json."""
    if _orjson is not None:
        try:
            return _orjson.loads(raw)
        except ValueError:
            pass
    return json.loads(raw)


def jsonl_lines(path: str | Path) -> Iterator[tuple[int, bytes]]:
    """(line number, raw line) of a JSON Lines file (.gz/.bz2 allowed), byte-order mark removed,
    blank lines skipped: decode each with ``parse_jsonl_line``, possibly in another process
    (a line of bytes costs nothing to send, a decoded object costs more than decoding it)."""
    import bz2
    import gzip

    path = Path(path)
    opener = {".gz": gzip.open, ".bz2": bz2.open}.get(path.suffix, open)
    with opener(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw or raw.isspace():
                continue
            yield number, raw


def jsonl_blocks(path: str | Path, size: int = 1 << 19) -> Iterator[tuple[int, bytes]]:
    """(number of its first line, bytes of whole lines) of a JSON Lines file (.gz/.bz2 allowed), in blocks
    of about ``size`` bytes, byte-order mark removed: the lines of ``jsonl_lines`` without one Python
    object per line in the reading process (workers cut the blocks into lines)."""
    import bz2
    import gzip

    path = Path(path)
    opener = {".gz": gzip.open, ".bz2": bz2.open}.get(path.suffix, open)
    with opener(path, "rb") as fh:
        head = fh.read(3)
        rest = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
        line = 1
        while True:
            data = fh.read(size)
            if not data:
                if rest:
                    yield line, rest
                return
            data = rest + data if rest else data
            cut = data.rfind(b"\n")
            if cut < 0:
                rest = data
                continue
            block, rest = (data, b"") if cut == len(data) - 1 else (data[:cut + 1], data[cut + 1:])
            yield line, block
            line += block.count(b"\n")


def parse_jsonl_line(raw: bytes, path: str, number: int) -> dict:
    """One line of ``jsonl_lines`` as an object; ``InputError`` (file, line) when it is not one."""
    try:
        obj = _fast_loads(raw)
    except ValueError as exc:
        raise InputError(f"malformed JSON ({exc})", path=str(path), line=number) from None
    if obj.__class__ is not dict:
        raise InputError(f"expected a JSON object, got {type(obj).__name__}", path=str(path), line=number)
    return obj


def _jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    """JSON Lines read as bytes (json decodes UTF-8 itself: faster than a text stream)."""
    name = str(path)
    for number, raw in jsonl_lines(path):
        yield number, parse_jsonl_line(raw, name, number)


def _stream_json(fh: IO[str], path: str, list_keys, chunk: int) -> Iterator[tuple[int, dict]]:
    decoder = json.JSONDecoder()
    buf = fh.read(chunk)
    pos = len(buf) - len(buf.lstrip())
    if buf[pos:pos + 1] == "{":           # a page: read it whole
        text = buf + fh.read()
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise InputError(f"malformed JSON ({exc})", path=path) from None
        items = next((doc[k] for k in list_keys if isinstance(doc.get(k), list)), [doc])
        for number, obj in enumerate(items, start=1):
            if not isinstance(obj, dict):
                raise InputError(f"expected a JSON object, got {type(obj).__name__}", path=path, record=str(number))
            yield number, obj
        return
    if buf[pos:pos + 1] != "[":
        raise InputError("expected a JSON array or object", path=path, line=1)
    pos += 1
    number = 0
    while True:
        while True:                        # skip blanks and commas, refill as needed
            while pos < len(buf) and buf[pos] in " \t\r\n,":
                pos += 1
            if pos < len(buf):
                break
            more = fh.read(chunk)
            if not more:
                raise InputError("JSON array not closed (truncated file?)", path=path, record=str(number + 1))
            buf, pos = more, 0
        if buf[pos] == "]":
            return
        while True:
            try:
                obj, end = decoder.raw_decode(buf, pos)
                break
            except ValueError as exc:
                more = fh.read(chunk)
                if not more:
                    raise InputError(f"malformed JSON ({exc.args[0][:80]})", path=path, record=str(number + 1)) from None
                buf = buf[pos:] + more
                pos = 0
        number += 1
        if not isinstance(obj, dict):
            raise InputError(f"expected a JSON object, got {type(obj).__name__}", path=path, record=str(number))
        yield number, obj
        pos = end
        if pos > chunk:
            buf, pos = buf[pos:], 0


def read_dump(path: str | Path, *, fmt: str | None = None, delimiter: str | None = None) -> Iterator[tuple[int, dict]]:
    """Stream (line or record number, offer dict in the API's nested shape) from a dump file.

    ``fmt`` is "csv", "json" or "jsonl" (default: sniffed from the name and content).
    """
    path = Path(path)
    kind = fmt or _sniff(path)
    if kind == "csv":
        for line, row in read_csv(path, delimiter=delimiter, encoding="utf-8-sig"):
            yield line, unflatten(row)
    elif kind in ("json", "jsonl"):
        yield from iter_json_records(path)
    else:
        raise InputError(f"unknown dump format {kind!r}; expected csv, json or jsonl", path=str(path))


# -- live API ----------------------------------------------------------------------
def _api_datetime(d: dt.datetime) -> str:
    return d.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _as_datetime(value: str | dt.date | dt.datetime) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)
    text = str(value).replace("Z", "+00:00")
    parsed = dt.datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class Query:
    """One search of the offers API. Dates bound ``dateCreation`` (both are sent, as the API requires)."""

    rome: str | None = None
    appellation: str | None = None
    departement: str | None = None
    region: str | None = None
    commune: str | None = None
    keywords: str | None = None
    since: str | None = None          # ISO date or datetime
    until: str | None = None
    extra: tuple = ()                 # other API parameters as (name, value) pairs

    def params(self, now: dt.datetime | None = None) -> dict:
        p = {}
        for name, value in (("codeROME", self.rome), ("appellation", self.appellation),
                            ("departement", self.departement), ("region", self.region),
                            ("commune", self.commune), ("motsCles", self.keywords)):
            if value:
                p[name] = value
        if self.since or self.until:
            start = _as_datetime(self.since) if self.since else _as_datetime("2000-01-01")
            end = _as_datetime(self.until) if self.until else (now or dt.datetime.now(dt.timezone.utc))
            p["minCreationDate"] = _api_datetime(start)
            p["maxCreationDate"] = _api_datetime(end)
        p.update(dict(self.extra))
        return p

    @property
    def key(self) -> str:
        """Stable id of the query, for checkpoints."""
        parts = [f"{k}={v}" for k, v in sorted(self.params(now=_as_datetime("2000-01-01")).items())
                 if k != "maxCreationDate" or self.until]
        return "&".join(parts) or "all"

    def split(self, now: dt.datetime | None = None) -> tuple["Query", "Query"] | None:
        """Two queries covering halves of the creation-date range, or None if it cannot be split."""
        start = _as_datetime(self.since) if self.since else _as_datetime("2000-01-01")
        end = _as_datetime(self.until) if self.until else (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)
        if end - start <= dt.timedelta(seconds=2):
            return None
        mid = start + (end - start) / 2
        mid = mid.replace(microsecond=0)
        from dataclasses import replace

        return (replace(self, since=_api_datetime(start), until=_api_datetime(mid)),
                replace(self, since=_api_datetime(mid + dt.timedelta(seconds=1)), until=_api_datetime(end)))


@dataclass
class Page:
    query: Query
    start: int
    records: list[dict]
    total: int | None = None
    last: bool = False


class Checkpoint:
    """Where each query got to: ``{query key: {"next": start, "done": bool}}``, saved in a JSON file
    (or any object with ``load()``/``save(state)``). A page is marked only once it is committed."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else None
        self.state: dict = {}
        if self.path and self.path.exists():
            try:
                self.state = json.loads(self.path.read_text(encoding="utf-8"))
            except ValueError as exc:
                raise InputError(f"checkpoint file is not valid JSON ({exc}); delete it to start over",
                                 path=str(self.path)) from None

    def next_start(self, query: Query) -> int | None:
        """Where to resume the query; None when it is complete."""
        entry = self.state.get(query.key)
        if entry is None:
            return 0
        return None if entry.get("done") else int(entry.get("next", 0))

    def mark(self, page: Page) -> None:
        self.state[page.query.key] = {"next": page.start + len(page.records), "done": page.last,
                                      "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        self.save()

    def save(self) -> None:
        if self.path:
            tmp = self.path.with_suffix(self.path.suffix + ".tmp")
            tmp.write_text(json.dumps(self.state, indent=1, sort_keys=True), encoding="utf-8")
            tmp.replace(self.path)


@dataclass
class ClientStats:
    calls: int = 0
    retries: int = 0
    throttled: int = 0
    token_renewals: int = 0
    splits: int = 0
    waits: list = field(default_factory=list)


class FranceTravailClient:
    """Client of the offers API (see the module docstring).

    :param transport: an ``httpx`` transport (tests pass one that talks to a loopback server,
        or ``httpx.MockTransport``); default: the network.
    :param rate: maximum calls per second (the API allows about 10).
    :param sleep: the function used to wait (tests may pass a recorder).
    """

    def __init__(self, client_id: str, client_secret: str, *, api_url: str = API_URL, token_url: str = TOKEN_URL,
                 scope: str = SCOPE, transport=None, rate: float = 9.0, page_size: int = PAGE_MAX,
                 max_retries: int = 6, backoff: float = 1.0, timeout: float = 30.0,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic):
        import httpx

        if not client_id or not client_secret:
            raise SourceUnavailable("France Travail API credentials missing: set FT_CLIENT_ID and FT_CLIENT_SECRET",
                                    retryable=False)
        self.client_id, self.client_secret, self.scope = client_id, client_secret, scope
        self.api_url, self.token_url = api_url.rstrip("/"), token_url
        self.page_size = max(1, min(page_size, PAGE_MAX))
        self.min_interval = 1.0 / rate if rate > 0 else 0.0
        self.max_retries, self.backoff = max_retries, backoff
        self.sleep, self.clock = sleep, clock
        self.http = httpx.Client(transport=transport, timeout=timeout)
        self._token: str | None = None
        self._token_expires = 0.0
        self._last_call = -1e9
        self.stats = ClientStats()

    def close(self) -> None:
        self.http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- plumbing --------------------------------------------------------------
    def _pace(self) -> None:
        wait = self._last_call + self.min_interval - self.clock()
        if wait > 0:
            self.sleep(wait)
        self._last_call = self.clock()

    def _wait(self, seconds: float) -> None:
        self.stats.waits.append(seconds)
        if seconds > 0:
            self.sleep(seconds)

    def token(self, *, renew: bool = False) -> str:
        """A valid access token, fetched (or renewed 60 s before it expires) with client credentials."""
        import httpx

        if self._token and not renew and self.clock() < self._token_expires - 60:
            return self._token
        data = {"grant_type": "client_credentials", "client_id": self.client_id,
                "client_secret": self.client_secret, "scope": self.scope}
        for attempt in range(self.max_retries + 1):
            self._pace()
            try:
                resp = self.http.post(self.token_url, data=data)
            except httpx.TransportError as exc:
                self._retry_or_raise(attempt, None, f"token request failed ({exc})")
                continue
            if resp.status_code == 200:
                try:
                    body = resp.json()
                    self._token = body["access_token"]
                except (ValueError, KeyError):
                    self._retry_or_raise(attempt, None, "token response is not the expected JSON")
                    continue
                self._token_expires = self.clock() + float(body.get("expires_in", 1499))
                if renew or self.stats.calls:
                    self.stats.token_renewals += 1
                return self._token
            if resp.status_code in (400, 401, 403):
                raise SourceUnavailable(f"France Travail refused the credentials (HTTP {resp.status_code}): "
                                        f"{resp.text[:200]}", retryable=False, status=resp.status_code)
            self._retry_or_raise(attempt, resp, f"token request answered HTTP {resp.status_code}")
        raise SourceUnavailable("token request kept failing", retryable=True)

    def _retry_or_raise(self, attempt: int, resp, message: str) -> None:
        if attempt >= self.max_retries:
            raise SourceUnavailable(f"{message}; gave up after {attempt + 1} attempts", retryable=True,
                                    status=getattr(resp, "status_code", None))
        self.stats.retries += 1
        delay = self.backoff * (2 ** attempt)
        if resp is not None:
            retry_after = resp.headers.get("Retry-After")
            if retry_after is not None:
                try:
                    delay = max(0.0, float(retry_after))
                except ValueError:
                    try:
                        from email.utils import parsedate_to_datetime

                        delay = max(0.0, (parsedate_to_datetime(retry_after) - dt.datetime.now(dt.timezone.utc)).total_seconds())
                    except (TypeError, ValueError):
                        pass
        self._wait(min(delay, 120.0))

    def _get_page(self, params: dict, start: int, end: int) -> tuple[int, list[dict], int | None]:
        """(status, records, total) of one page, retrying transient failures."""
        import httpx

        renewed = False
        for attempt in range(self.max_retries + 1):
            headers = {"Authorization": f"Bearer {self.token()}", "Accept": "application/json"}
            self._pace()
            self.stats.calls += 1
            try:
                resp = self.http.get(f"{self.api_url}/offres/search", params={**params, "range": f"{start}-{end}"},
                                     headers=headers)
            except httpx.TransportError as exc:      # includes bodies cut short (RemoteProtocolError)
                self._retry_or_raise(attempt, None, f"offers search failed ({type(exc).__name__})")
                continue
            status = resp.status_code
            if status == 401 and not renewed:        # token expired or revoked mid-run
                self.token(renew=True)
                renewed = True
                continue
            if status == 204:
                return status, [], 0
            if status in (200, 206):
                try:
                    body = resp.json()
                    records = body.get("resultats") or []
                except ValueError:                    # truncated or garbled body: ask again
                    self._retry_or_raise(attempt, resp, "offers search returned a broken JSON body")
                    continue
                return status, records, _total(resp.headers.get("Content-Range"))
            if status == 429:
                self.stats.throttled += 1
                self._retry_or_raise(attempt, resp, "rate limited (HTTP 429)")
                continue
            if status >= 500:
                self._retry_or_raise(attempt, resp, f"server error (HTTP {status})")
                continue
            if status == 416 or (status == 400 and start > 0 and "range" in resp.text.lower()):
                return 204, [], None
            raise SourceUnavailable(f"offers search refused (HTTP {status}): {resp.text[:300]}", retryable=False,
                                    status=status)
        raise SourceUnavailable("offers search kept failing", retryable=True)

    # -- searching --------------------------------------------------------------
    def pages(self, query: Query, *, checkpoint: Checkpoint | None = None) -> Iterator[Page]:
        """Every page of a query, splitting it by creation date when it holds more than 3,150 offers."""
        start = checkpoint.next_start(query) if checkpoint else 0
        if start is None:
            return
        params = query.params()
        total: int | None = None
        while True:
            end = start + self.page_size - 1
            if start >= RANGE_MAX:
                break
            end = min(end, RANGE_MAX - 1)
            status, records, page_total = self._get_page(params, start, end)
            total = page_total if page_total is not None else total
            if total is not None and total > RANGE_MAX and start == 0:
                halves = query.split()
                if halves:
                    self.stats.splits += 1
                    for half in halves:
                        yield from self.pages(half, checkpoint=checkpoint)
                    yield Page(query, 0, [], total, last=True)     # the parent is complete once this is committed
                    return
            last = status in (200, 204) or not records or (total is not None and start + len(records) >= total)
            yield Page(query, start, records, total, last)
            if last:
                return
            start += len(records)
        yield Page(query, start, [], total, True)

    def offers(self, query: Query, *, checkpoint: Checkpoint | None = None) -> Iterator[dict]:
        """Every offer of a query (checkpoint marked after each page, once the caller asks for more)."""
        for page in self.pages(query, checkpoint=checkpoint):
            yield from page.records
            if checkpoint:
                checkpoint.mark(page)


def _total(content_range: str | None) -> int | None:
    """Total from ``Content-Range: offres 0-149/3200``."""
    if not content_range or "/" not in content_range:
        return None
    tail = content_range.rsplit("/", 1)[1].strip()
    return int(tail) if tail.isdecimal() else None
