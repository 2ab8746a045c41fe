"""The study: HTML (self-contained, every figure sourced), PDF (opens, expected pages), data and figures."""

import csv
import importlib.util
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from adequa.publish.report.study import build_study
from adequa.store.duckdb import Warehouse

FIX = Path(__file__).parent / "fixtures" / "publish"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, FIX / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class _Figures(HTMLParser):
    """Collects each <figure class="fig"> with its text, and every URL-bearing attribute."""

    def __init__(self):
        super().__init__()
        self.figures, self.urls, self._depth, self._text = [], [], 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for k in ("src", "href", "action", "data", "poster", "srcset"):
            if attrs.get(k):
                self.urls.append(attrs[k])
        if tag == "figure" and "fig" in (attrs.get("class") or "").split():
            self._depth, self._text = 1, []
        elif self._depth and tag == "figure":
            self._depth += 1

    def handle_endtag(self, tag):
        if self._depth and tag == "figure":
            self._depth -= 1
            if not self._depth:
                self.figures.append(" ".join(self._text))

    def handle_data(self, data):
        if self._depth:
            self._text.append(data)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("study")
    db = tmp / "w.duckdb"
    Warehouse(db).close()
    defs = _load("sample_indicators").definitions()
    fr = build_study(db, out=tmp / "fr", group="data-ia", territory="region:28", period="2024", definitions=defs)
    en = build_study(db, out=tmp / "en", group="data-ia", territory="region:28", period="2024", lang="en",
                     definitions=defs, pdf=False, png=False)
    return fr, en


def test_every_figure_has_a_source_line_and_period(study):
    fr, _ = study
    parser = _Figures()
    parser.feed(fr.html.read_text(encoding="utf-8"))
    published = [f for f in fr.figures if f.available and f.chart != "kpi"]
    assert len(parser.figures) == len(published) == 3
    for text in parser.figures:
        assert re.search(r"Source : .+, traitement Adequa", text), text
        assert re.search(r"Période\s:\s2024", text), text


def test_sections_without_data_say_so(study):
    fr, en = study
    html = fr.html.read_text(encoding="utf-8")
    assert "Données non disponibles : no data in table &#39;bmo&#39;" in html or \
           "Données non disponibles : no data in table 'bmo'" in html
    # every section of the study is present, even those without any indicator
    for section in ("workers", "job_seekers", "offers", "bmo", "skills", "tension", "training", "gaps", "emerging"):
        assert f'id="{section}"' in html
    # 4 sections without indicators + 3 indicators that raised or returned nothing
    assert html.count("Données non disponibles") == 7
    assert "Data not available" in en.html.read_text(encoding="utf-8")
    assert '<html lang="en">' in en.html.read_text(encoding="utf-8")


def test_html_is_self_contained(study):
    fr, _ = study
    html = fr.html.read_text(encoding="utf-8")
    parser = _Figures()
    parser.feed(html)
    external = [u for u in parser.urls if re.match(r"^(https?:)?//", u)]
    assert not external, external
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html)
    assert "<script" not in html and "<link" not in html and "@import" not in html
    # charts are inline vector graphics
    assert html.count("<svg") >= 3


def test_no_request_leaves_the_machine_when_the_report_is_opened(study):
    from adequa._libs.browser import chromium

    fr, _ = study
    requests = []
    with chromium() as browser:
        page = browser.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.goto(fr.html.resolve().as_uri(), wait_until="load")
        assert page.locator("figure.fig").count() == 3
    assert all(u.startswith(("file:", "data:", "about:")) for u in requests), requests


def test_pdf_opens_with_the_expected_pages(study):
    from pypdf import PdfReader

    fr, _ = study
    reader = PdfReader(str(fr.pdf))
    text = [p.extract_text() for p in reader.pages]
    assert len(reader.pages) >= 5                        # cover, contents, then chapters
    assert "Métiers de la donnée" in text[0] and "Période : 2024" in text[0]
    assert "Sommaire" in text[1]
    joined = "\n".join(text)
    for needle in ("Figure 1", "Figure 3", "Offres par département", "Méthode et sources", "traitement Adequa"):
        assert needle in joined, needle
    assert re.search(r"Page \d+/\d+", text[2])          # the footer numbers pages


def test_data_and_figure_files_match_the_figures(study):
    fr, _ = study
    data = sorted(p.name for p in (fr.out / "data").glob("*.csv"))
    assert data == ["01_t_offers_by_departement.csv", "02_t_offers_monthly.csv", "03_t_top_skills.csv",
                    "xx_t_offers_count.csv"] or len(data) >= 3
    rows = list(csv.DictReader((fr.out / "data" / "01_t_offers_by_departement.csv").open(encoding="utf-8-sig")))
    assert [(r["departement"], r["value"]) for r in rows][:2] == [("76", "412"), ("14", "305")]
    assert (fr.out / "data" / "01_t_offers_by_departement.parquet").exists()
    svgs = sorted(p.name for p in (fr.out / "figures").glob("*.svg"))
    assert "03_t_top_skills.svg" in svgs and "02_t_offers_monthly.svg" in svgs
    assert (fr.out / "figures" / "03_t_top_skills.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.mirror
@pytest.mark.slow
def test_study_on_the_real_data(mirror, tmp_path):
    """Real offers from the mirror ingested by the pipeline, then the study from every registered indicator."""
    from adequa.config import Settings

    try:
        from adequa.pipeline.ingest import ingest_offers
    except ImportError as exc:
        pytest.skip(f"ingestion not available yet: {exc}")
    db = tmp_path / "real.duckdb"
    # the IT/data/AI extract (581 real ads, all of France): the offers of the study's occupations
    paths = sorted((mirror / "offers" / "france-travail").glob("ily25-11_*.csv"))
    assert paths, "the IT/data/AI offers extract is missing from the mirror"
    ingest_offers(paths, db=db)
    settings = Settings(db=db, mirror=mirror)
    result = build_study(db, out=tmp_path / "study", group="data-ia", territory="france", settings=settings,
                         pdf=False, png=False)
    html = result.html.read_text(encoding="utf-8")
    assert result.figures, "no indicator registered"
    assert any(f.available for f in result.figures), [(f.name, f.reason) for f in result.figures]
    assert "Données non disponibles" in html            # BMO rows are not in the mirror
    parser = _Figures()
    parser.feed(html)
    assert all("traitement Adequa" in t for t in parser.figures)
