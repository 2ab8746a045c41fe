"""`adequa data pull`: put the publishers' files in the data dir, with checksums.

Three origins, in this order:

1. ``--from DIR`` (a local mirror laid out like ``../shared/data``: one folder
   per dataset, files as published);
2. the ``ADEQUA_MIRROR`` setting;
3. the publishers' URLs in ``REGISTRY``, only when no mirror is given. Some
   publishers offer no stable direct link (a form, a page that changes): those
   datasets name their landing page and pulling them fails with a clear
   message saying to download by hand and use ``--from``.

Every file pulled is recorded with its sha256 and size in
``<data_dir>/manifest.json`` (and, by the pipeline, in the ``pulled_files``
table). Re-pulling an unchanged file does not copy it again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

from adequa.errors import AdequaError, SourceUnavailable

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Dataset:
    name: str                     # also the folder name under the data dir
    title: str
    publisher: str
    licence: str
    landing: str                  # where a person finds and downloads it
    urls: dict[str, str] = field(default_factory=dict)   # relative path -> direct download URL
    referential: bool = False     # loaded into the warehouse by `adequa data pull`


_GEOJSON = "https://raw.githubusercontent.com/gregoiredavid/france-geojson/master/"

REGISTRY: dict[str, Dataset] = {d.name: d for d in (
    Dataset("rome", "ROME 4.0 RefRomeCsv export", "France Travail", "Licence Ouverte / Etalab 2.0",
            "https://www.francetravail.org/opendata/repertoire-operationnel-des-meti.html", referential=True),
    Dataset("fap", "FAP-2021 nomenclature and ROME/PCS/FAP tables de passage", "DARES", "Licence Ouverte / Etalab 2.0",
            "https://dares.travail-emploi.gouv.fr/publication/la-nomenclature-des-familles-professionnelles-fap-2021",
            referential=True),
    Dataset("esco", "ESCO classification CSV downloads", "European Commission", "CC BY 4.0 (ESCO, European Commission)",
            "https://esco.ec.europa.eu/en/use-esco/download", referential=True),
    Dataset("geo", "Communes, départements, régions, bassins BMO, zones d'emploi, outlines",
            "INSEE, France Travail, IGN (france-geojson)", "Licence Ouverte / Etalab 2.0",
            "https://www.insee.fr/fr/information/2028028",
            urls={"insee_region_2022.csv": "https://www.insee.fr/fr/statistiques/fichier/6051727/v_region_2022.csv",
                  "france-geojson/regions-version-simplifiee.geojson": _GEOJSON + "regions-version-simplifiee.geojson",
                  "france-geojson/departements-version-simplifiee.geojson":
                      _GEOJSON + "departements-version-simplifiee.geojson"},
            referential=True),
    Dataset("crosswalks", "ESCO <-> ROME mapping (France Travail) and other ESCO crosswalks",
            "France Travail, European Commission", "Licence Ouverte / Etalab 2.0; CC BY 4.0",
            "https://esco.ec.europa.eu/en/use-esco/other-crosswalks", referential=True),
    Dataset("labour", "Labour-market statistics (BMO, job seekers, tension)", "France Travail, DARES",
            "Licence Ouverte / Etalab 2.0", "https://statistiques.francetravail.org/bmo"),
    Dataset("offers", "Job offers (France Travail API dumps)", "France Travail", "Licence Ouverte / Etalab 2.0",
            "https://francetravail.io/data/api/offres-emploi"),
    Dataset("training", "RNCP/RS exports, LHÉO, Formacode, NSF", "France Compétences, Carif-Oref",
            "Licence Ouverte / Etalab 2.0", "https://www.data.gouv.fr/fr/datasets/repertoire-national-des-certifications-professionnelles-et-repertoire-specifique/"),
    Dataset("benchmarks", "Public evaluation sets (development splits)", "various", "see each folder",
            "https://github.com/jensjorisdecorte/Skill-Extraction-benchmark"),
)}


@dataclass
class PulledFile:
    dataset: str
    path: str          # relative to the data dir, POSIX style
    sha256: str
    size: int
    origin: str
    copied: bool       # False when the same content was already there


def sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def datasets_in(source: Path) -> list[str]:
    """The dataset folders present in a mirror, registry order first, then any others."""
    present = [p.name for p in sorted(source.iterdir()) if p.is_dir() and not p.name.startswith(".")]
    return [n for n in REGISTRY if n in present] + [n for n in present if n not in REGISTRY]


def _select(names: Iterable[str], only: Iterable[str] | None) -> list[str]:
    names = list(names)
    if not only:
        return names
    wanted = [o.strip() for o in only if o.strip()]
    unknown = [o for o in wanted if o not in REGISTRY and o not in names]
    if unknown:
        raise AdequaError(f"unknown dataset(s) {', '.join(unknown)}; known: {', '.join(REGISTRY)}")
    return [n for n in names if n in wanted] + [o for o in wanted if o not in names]


def pull_from_dir(source: str | Path, data_dir: str | Path, *, only: Iterable[str] | None = None, link: bool = False,
                  progress: Callable[[str, int, int], None] | None = None) -> list[PulledFile]:
    """Copy (or symlink) the datasets of a local mirror into ``data_dir``, recording checksums."""
    source, data_dir = Path(source).resolve(), Path(data_dir)
    if not source.is_dir():
        raise AdequaError(f"{source}: mirror folder not found")
    names = _select(datasets_in(source), only)
    missing = [n for n in names if not (source / n).is_dir()]
    if missing:
        raise AdequaError(f"{source}: no folder for dataset(s) {', '.join(missing)}")
    same_place = data_dir.resolve() == source
    pulled: list[PulledFile] = []
    for name in names:
        files = sorted(p for p in (source / name).rglob("*") if p.is_file())
        for i, src in enumerate(files, start=1):
            rel = src.relative_to(source).as_posix()
            digest = sha256(src)
            dest = data_dir / rel
            copied = False
            if not same_place:
                if not (dest.exists() and dest.stat().st_size == src.stat().st_size and sha256(dest) == digest):
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    if dest.exists() or dest.is_symlink():
                        dest.unlink()
                    if link:
                        dest.symlink_to(src)
                    else:
                        shutil.copyfile(src, dest)
                    copied = True
            pulled.append(PulledFile(name, rel, digest, src.stat().st_size, str(src), copied))
            if progress:
                progress(name, i, len(files))
    try:
        write_manifest(data_dir, pulled)
    except OSError:
        if not same_place:          # a read-only mirror used in place keeps no manifest; the table has it
            raise
    return pulled


def pull_from_publishers(data_dir: str | Path, *, only: Iterable[str] | None = None,
                         registry: dict[str, Dataset] | None = None, timeout: float = 60.0,
                         progress: Callable[[str, int, int], None] | None = None) -> list[PulledFile]:
    """Download each dataset's files from its publisher's URLs into ``data_dir``.

    Datasets without direct URLs raise ``SourceUnavailable`` naming their landing
    page. Network failures raise ``SourceUnavailable`` (retryable).
    """
    import httpx

    registry = registry or REGISTRY
    data_dir = Path(data_dir)
    names = _select([n for n, d in registry.items() if d.referential], only)
    manual = [n for n in names if not registry[n].urls]
    if manual:
        pages = "; ".join(f"{n}: {registry[n].landing}" for n in manual)
        raise SourceUnavailable(f"no direct download for {', '.join(manual)}: download the files by hand from "
                                f"the publisher ({pages}) into a folder per dataset, then run "
                                "`adequa data pull --from DIR` (or set ADEQUA_MIRROR)", retryable=False)
    pulled: list[PulledFile] = []
    with httpx.Client(timeout=timeout, follow_redirects=True) as client:
        for name in names:
            items = sorted(registry[name].urls.items())
            for i, (rel, url) in enumerate(items, start=1):
                dest = data_dir / name / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                tmp = dest.with_name(dest.name + ".part")
                try:
                    with client.stream("GET", url) as resp:
                        if resp.status_code >= 400:
                            raise SourceUnavailable(f"{url}: HTTP {resp.status_code}", status=resp.status_code,
                                                    retryable=resp.status_code >= 500 or resp.status_code == 429)
                        with open(tmp, "wb") as fh:
                            for block in resp.iter_bytes():
                                fh.write(block)
                except httpx.HTTPError as exc:
                    tmp.unlink(missing_ok=True)
                    raise SourceUnavailable(f"{url}: cannot download ({exc.__class__.__name__}: {exc}); offline? "
                                            "Use `adequa data pull --from DIR` with a local mirror") from exc
                os.replace(tmp, dest)
                pulled.append(PulledFile(name, f"{name}/{rel}", sha256(dest), dest.stat().st_size, url, True))
                if progress:
                    progress(name, i, len(items))
    write_manifest(data_dir, pulled)
    return pulled


def read_manifest(data_dir: str | Path) -> dict:
    path = Path(data_dir) / MANIFEST
    if not path.exists():
        return {"files": {}}
    return json.loads(path.read_text(encoding="utf-8"))


def write_manifest(data_dir: str | Path, pulled: list[PulledFile]) -> Path:
    """Merge the pulled files into ``manifest.json`` (path -> dataset, sha256, size, origin, pulled_at)."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    manifest = read_manifest(data_dir)
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    for f in pulled:
        old = manifest["files"].get(f.path, {})
        keep_date = old.get("sha256") == f.sha256 and old.get("pulled_at")
        manifest["files"][f.path] = {"dataset": f.dataset, "sha256": f.sha256, "size": f.size, "origin": f.origin,
                                     "pulled_at": keep_date or now}
    manifest["files"] = dict(sorted(manifest["files"].items()))
    path = data_dir / MANIFEST
    tmp = path.with_suffix(".json.part")
    tmp.write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
    return path


def as_rows(pulled: list[PulledFile]) -> list[dict]:
    return [{k: v for k, v in asdict(f).items() if k != "copied"} for f in pulled]
