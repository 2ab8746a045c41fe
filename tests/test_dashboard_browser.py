"""The dashboard end to end: `adequa serve` on loopback, driven by a real headless Chromium."""

import importlib.util
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

pytestmark = pytest.mark.browser
FIX = Path(__file__).parent / "fixtures" / "publish"
if not Path("/usr/bin/chromium").exists() and not os.environ.get("ADEQUA_CHROMIUM"):
    pytest.skip("Chromium not installed (/usr/bin/chromium)", allow_module_level=True)


def _load(name):
    spec = importlib.util.spec_from_file_location(name, FIX / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    db = tmp_path_factory.mktemp("dash") / "w.duckdb"
    _load("warehouse").build(db)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "ADEQUA_MIN_CELL_SIZE": "3"}
    proc = subprocess.Popen([sys.executable, "-m", "adequa", "serve", "--db", str(db), "--port", str(port),
                             "--territory", "region:28", "--no-annotate"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            if httpx.get(url + "/api/v1/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            raise RuntimeError("adequa serve did not start:\n" + proc.stdout.read().decode(errors="replace"))
        time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def browser():
    from adequa._libs.browser import chromium

    with chromium() as b:
        yield b


@pytest.fixture()
def page(browser, base_url):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.problems = []
    page.requests = []
    page.on("console", lambda m: m.type in ("error", "warning") and page.problems.append(f"console {m.type}: {m.text}"))
    page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
    page.on("request", lambda r: page.requests.append(r.url))
    yield page
    context.close()
    assert not page.problems, page.problems
    outside = [u for u in page.requests if not u.startswith((base_url, "data:", "blob:", "about:"))]
    assert not outside, outside


def test_every_page_loads_and_names_its_sources(page, base_url):
    for path, heading in (("/", "Vue d'ensemble"), ("/occupations", "Métiers"), ("/skills", "Compétences"),
                          ("/territories", "Territoires"), ("/training", "Formation et écarts"),
                          ("/ads", "Offres"), ("/sources", "Sources et fraîcheur")):
        response = page.goto(base_url + path)
        assert response.status == 200, path
        assert page.locator("h1").inner_text() == heading
        assert page.locator("html").get_attribute("lang") == "fr"
        # every published figure carries its source line
        for fig in page.locator("section.fig").all():
            if fig.locator(".missing").count() == 0:
                assert "traitement Adequa" in fig.locator(".source").inner_text()
    page.goto(base_url + "/training")
    assert "Données non disponibles" in page.locator("main").inner_text()


def test_filters_are_kept_in_the_url_and_in_every_link(page, base_url):
    page.goto(base_url + "/")
    page.select_option("#f-territory", "departement:27")
    page.fill("#f-period", "2024")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    q = parse_qs(urlparse(page.url).query)
    assert q["territory"] == ["departement:27"] and q["period"] == ["2024"]
    assert "Eure" in page.locator(".lead").inner_text()
    page.click("nav >> text=Compétences")
    q = parse_qs(urlparse(page.url).query)
    assert urlparse(page.url).path == "/skills" and q["territory"] == ["departement:27"] and q["period"] == ["2024"]
    assert page.locator("#f-territory").input_value() == "departement:27"


def test_skill_to_example_ads_and_paging(page, base_url):
    page.goto(base_url + "/skills?territory=france")
    first = page.locator("table a").first
    skill = first.inner_text()
    first.click()
    page.wait_for_load_state()
    assert parse_qs(urlparse(page.url).query)["skill"] == [skill]
    assert page.locator("li.ad").count() > 0
    page.goto(base_url + "/ads?territory=france&group=all")
    assert page.locator("li.ad").count() == 20
    page.click("a[rel=next]")
    page.wait_for_load_state()
    assert "page 2 sur 3" in page.locator(".count").inner_text()
    page.locator("li.ad a").first.click()
    page.wait_for_load_state()
    assert urlparse(page.url).path.startswith("/ads/ad")
    assert page.locator("ul.skills li").count() > 0 or "aucune compétence" in page.locator("main").inner_text()
    page.go_back()
    page.fill("#ads-q", "python sql")
    page.press("#ads-q", "Enter")
    page.wait_for_load_state()
    assert all("Python et SQL" in t for t in page.locator("li.ad .excerpt").all_inner_texts())


def test_download_an_export(page, base_url):
    page.goto(base_url + "/territories?territory=france")
    link = page.locator("section.fig a", has_text="CSV").first
    with page.expect_download() as info:
        link.click()
    download = info.value
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    assert download.suggested_filename.endswith(".csv")
    assert text.splitlines()[0].startswith("code,label,offers")


def test_keyboard_and_labels(page, base_url):
    page.goto(base_url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert urlparse(page.url).fragment == "main"
    # every form control has a visible label
    for el in page.locator("main input:not([type=hidden]), main select, header input, header select").all():
        ident = el.get_attribute("id")
        assert ident and page.locator(f"label[for='{ident}']").count() == 1, ident
    # charts are announced as images with a name
    for chart in page.locator(".chart").all():
        assert chart.get_attribute("role") == "img" and chart.get_attribute("aria-label")


def test_bad_filters_give_a_readable_error_page(page, base_url):
    response = page.goto(base_url + "/?territory=planet:9")
    assert response.status == 400
    assert "territory" in page.locator("main").inner_text()
    page.problems.clear()      # the 400 itself is logged by Chromium as a console error


def test_api_docs_served_locally(page, base_url):
    page.goto(base_url + "/docs")
    page.get_by_text("/api/v1/ads", exact=True).first.wait_for(timeout=20_000)
    page.problems[:] = [p for p in page.problems if "favicon" not in p]
