"""No e-mail address or phone number in anything Adequa publishes, even when the ads had them.

Ads with planted personal data (in the description, the title, the employer, the
contact block and the place) go through the real ingestion; then every output is
scanned: the study folder (HTML, CSV, JSON, Parquet, XLSX, SVG), every GET operation
of the API with its pages and every ad, every export, every dashboard page and
every ad page. The scanner is independent of ``enrich.personal_data``: a broad
e-mail pattern, French phone layouts, and the digits of each planted number with
any separators between them.
"""

from __future__ import annotations

import io
import json
import random
import re
import zipfile
from pathlib import Path

import httpx
import pytest

from adequa.config import Settings

from test_api_security import Server

FIRST = ["Jean", "Marie", "Kévin", "Anne-Sophie", "Nicolas", "Chloé"]
LAST = ["Dupont", "Martin", "Lefèvre", "Nguyen", "Moreau", "Bernard"]
DOMAINS = ["example.fr", "entreprise-normande.com", "mail.example.org", "rh.example.net"]
WORDS = ("pipeline entrepôt tableau modèle flux qualité cloud réseau audit cartographie gouvernance capteur "
         "prévision client usine énergie santé banque assurance logistique").split()
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+\s*(?:@|\[at\]|\(at\)|\bat\b)\s*[A-Za-z0-9\-]+(?:\s*(?:\.|\[dot\]|\(dot\))\s*[A-Za-z0-9\-]+)+")
PHONE = re.compile(r"(?<![\d])(?:(?:\+|00)\s*33\s*(?:\(0\)\s*)?|0)[1-9](?:[\s.\-/]*\d{2}){4}(?![\d])")


def _phone(rng: random.Random) -> tuple[str, str]:
    d = [rng.choice("1234567")] + [f"{rng.randrange(100):02d}" for _ in range(4)]
    layout = rng.choice(["0{0} {1} {2} {3} {4}", "0{0}.{1}.{2}.{3}.{4}", "0{0}{1}{2}{3}{4}", "+33 {0} {1} {2} {3} {4}",
                         "+33 (0){0} {1} {2} {3} {4}", "0033 {0} {1} {2} {3} {4}", "0{0}-{1}-{2}-{3}-{4}",
                         "0{0}/{1}/{2}/{3}/{4}"])
    return layout.format(*d), "".join(d)


def _email(rng: random.Random) -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    local = rng.choice([f"{first}.{last}", f"{first[0]}{last}", "recrutement", "rh.normandie"])
    local = re.sub(r"[^a-z.]", "", local.lower().replace("é", "e").replace("è", "e")) or "rh"
    return f"{local}@{rng.choice(DOMAINS)}"


def _offers(n: int, seed: int = 5) -> tuple[list[dict], list[str], list[str]]:
    rng = random.Random(seed)
    offers, emails, phones = [], [], []
    for i in range(n):
        e1, e2 = _email(rng), _email(rng)
        (p1, d1), (p2, d2) = _phone(rng), _phone(rng)
        emails += [e1, e2]
        phones += [d1, d2]
        rome, title = [("M1811", "Data engineer"), ("M1405", "Data scientist"), ("M1419", "Data analyst")][i % 3]
        title = f"{title} H/F" + (f" - contact {e2}" if i % 5 == 0 else "") + (f" tél {p2}" if i % 7 == 0 else "")
        offers.append({
            "id": f"PD{i:03d}", "intitule": title, "romeCode": rome, "romeLibelle": title,
            "description": (f"Nous recherchons un(e) {title.lower()} maîtrisant Python et SQL. Envoyez votre CV à {e1} "
                            f"ou appelez {rng.choice(FIRST)} {rng.choice(LAST)} au {p1}. Mission {i} : "
                            + " ".join(rng.choice(WORDS) + str(rng.randrange(1000)) for _ in range(25)) + "."),
            "dateCreation": f"2024-{1 + i % 12:02d}-{1 + i % 27:02d}T10:00:00Z", "typeContrat": ["CDI", "CDD"][i % 2],
            "lieuTravail": {"libelle": f"76 - ROUEN" + (f" (tél {p2})" if i % 9 == 0 else ""), "codePostal": "76000"},
            "entreprise": {"nom": f"Société {i % 6}" + (f" {e2}" if i % 4 == 0 else ""), "description": f"Écrire à {e2}"},
            "contact": {"nom": f"{rng.choice(FIRST)} {rng.choice(LAST)}", "courriel": e2, "telephone": p2,
                        "coordonnees1": f"Tél. {p2}"},
            "salaire": {"libelle": "Annuel de 40000 Euros à 50000 Euros"},
        })
    return offers, emails, phones


def _leaks(text: str, emails: list[str], phones: list[str]) -> list[str]:
    found = [m.group(0) for m in EMAIL.finditer(text) if "@" in m.group(0) or "[at]" in m.group(0)]
    found += [m.group(0) for m in PHONE.finditer(text)]
    low = text.lower()
    found += [e for e in emails if e in low or e.split("@")[0] + "@" in low]
    for digits in phones:
        if re.search(r"[\s.\-/()]*".join(digits), text):
            found.append(digits)
    return found


def _text_of(name: str, data: bytes) -> str:
    """Searchable text of an output file, whatever its format."""
    if name.endswith(".parquet"):
        import pyarrow.parquet as pq

        return pq.read_table(io.BytesIO(data)).to_pandas().to_csv() if data else ""
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(" ".join(str(c) for c in row if c is not None) for ws in wb.worksheets
                         for row in ws.iter_rows(values_only=True))
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())
    return data.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    from adequa.normalise.geo import GeoResolver
    from adequa.pipeline.ingest import ingest_offers

    tmp = tmp_path_factory.mktemp("pd")
    offers, emails, phones = _offers(90)
    dump = tmp / "offers.jsonl"
    dump.write_text("\n".join(json.dumps(o, ensure_ascii=False) for o in offers) + "\n", encoding="utf-8")
    assert _leaks(dump.read_text(encoding="utf-8"), emails, phones)          # the scanner sees the planted data
    db = tmp / "w.duckdb"
    summary = ingest_offers([dump], db=db, progress=False, geo=GeoResolver(), workers=1)
    assert summary.stored == 90 and summary.personal_data_removed > 0
    return tmp, db, emails, phones


def test_the_scanner_finds_what_was_planted():
    offers, emails, phones = _offers(10)
    text = json.dumps(offers, ensure_ascii=False)
    assert {e for e in emails if e in text} == set(emails)
    assert all(d in "".join(_leaks(text, [], [d])) for d in phones)
    assert len(_leaks(text, [], [])) >= 30                                 # patterns alone, no hints
    assert not _leaks("Salaire 40000 à 50000 €, code ROME M1811, 2024-03-01, SIRET 123 456 789 00012", [], [])


def test_warehouse_ads_hold_no_personal_data(planted):
    from adequa.store.duckdb import Warehouse

    _, db, emails, phones = planted
    with Warehouse(db, read_only=True) as wh:
        rows = wh.query("SELECT title, description, employer, location_text, url FROM ads")
    leaks = [l for r in rows for l in _leaks(" | ".join(str(v) for v in r if v), emails, phones)]
    assert leaks == []


def test_study_outputs_hold_no_personal_data(planted):
    from adequa.publish.report.study import build_study

    tmp, db, emails, phones = planted
    out = tmp / "study"
    build_study(db, out=out, group="data-ia", territory="region:28", pdf=False, png=False,
                settings=Settings(db=db, min_cell_size=3))
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) >= 5 and any(p.suffix == ".html" for p in files)
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "M1811" in html or "Data" in html                                  # the ads did reach the study
    leaks = {str(p.relative_to(out)): l for p in files if (l := _leaks(_text_of(p.name, p.read_bytes()), emails, phones))}
    assert leaks == {}


def test_api_exports_and_dashboard_hold_no_personal_data(planted):
    from adequa.publish.api import create_app

    from adequa.store.duckdb import Warehouse

    _, db, emails, phones = planted
    with Warehouse(db, read_only=True) as wh:
        all_ids = [r[0] for r in wh.query("SELECT ad_id FROM ads ORDER BY ad_id")]
    app = create_app(db, settings=Settings(db=db, min_cell_size=3), warm_up=False)
    scanned: dict[str, str] = {}
    with Server(app) as s, httpx.Client(base_url=s.url, timeout=60) as c:
        spec = c.get("/openapi.json").json()
        for path, item in spec["paths"].items():
            if "get" in item and "{" not in path:
                scanned[path] = c.get(path, params={"territory": "region:28"}).text
        ids = []
        for page in (1, 2):
            r = c.get("/api/v1/ads", params={"group": "all", "territory": "france", "per_page": 100, "page": page})
            scanned[f"ads page {page}"] = r.text
            ids += [a["ad_id"] for a in r.json()["items"]]
        assert len(ids) >= 60                    # the search shows one ad per duplicate cluster
        for ad_id in all_ids:
            scanned[f"/api/v1/ads/{ad_id}"] = c.get(f"/api/v1/ads/{ad_id}").text
            scanned[f"/ads/{ad_id}"] = c.get(f"/ads/{ad_id}", headers={"accept": "text/html"}).text
        names = [d["name"] for d in c.get("/api/v1/indicators").json()["items"]]
        for name in names:
            for fmt in ("csv", "json", "xlsx", "parquet"):
                r = c.get(f"/api/v1/export/{name}.{fmt}", params={"territory": "region:28"})
                if r.status_code == 200:
                    scanned[f"export {name}.{fmt}"] = _text_of(f"x.{fmt}", r.content)
        for page in ("/", "/occupations", "/skills", "/territories", "/training", "/ads", "/sources"):
            scanned[page] = c.get(page, params={"group": "data-ia", "territory": "region:28"},
                                  headers={"accept": "text/html"}).text
    assert sum(k.startswith("export") for k in scanned) >= 4
    assert any("Python" in v for v in scanned.values())
    leaks = {k: l for k, v in scanned.items() if (l := _leaks(v, emails, phones))}
    assert leaks == {}
