"""Gateway to Playwright driving the system Chromium (/usr/bin/chromium): PDF printing and UI tests.

Playwright's own browser downloads are never used: the executable is the
system one (``ADEQUA_CHROMIUM`` overrides the path). Network access is off for
printing: every request that is not ``file:``, ``data:`` or ``about:`` is
aborted, so a self-contained report prints the same offline.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from adequa.errors import AdequaError, MissingExtra

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                 "--no-first-run", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


class BrowserUnavailable(AdequaError):
    """No Chromium executable to drive."""


def chromium_path() -> str:
    path = os.environ.get("ADEQUA_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise BrowserUnavailable(f"Chromium not found at {path}: install it (apt-get install chromium) "
                                 "or set ADEQUA_CHROMIUM to its path")
    return path


def require_playwright():
    try:
        from playwright import sync_api
    except ImportError as exc:
        raise MissingExtra("pdf", "playwright") from exc
    return sync_api


@contextmanager
def chromium(*, headless: bool = True) -> Iterator[object]:
    """A launched Playwright Browser on the system Chromium, closed on exit."""
    sync_api = require_playwright()
    exe = chromium_path()
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, headless=headless, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _offline(route) -> None:
    url = route.request.url
    if url.startswith(("file:", "data:", "about:", "blob:")):
        route.continue_()
    else:
        route.abort()


def print_pdf(html: str | Path, pdf: str | Path, *, footer: str = "", header: str = "",
              timeout_ms: int = 120_000) -> Path:
    """Print an HTML file to an A4 PDF with headless Chromium (vector text and SVG kept as vectors).

    ``footer``/``header`` are Chromium header templates (may use the ``pageNumber``
    and ``totalPages`` classes). Remote requests are blocked.
    """
    html = Path(html).resolve()
    pdf = Path(pdf)
    with chromium() as browser:
        page = browser.new_page()
        page.set_default_timeout(timeout_ms)
        page.route("**/*", _offline)
        page.goto(html.as_uri(), wait_until="load")
        page.emulate_media(media="print")
        page.pdf(path=str(pdf), format="A4", print_background=True, prefer_css_page_size=True,
                 display_header_footer=bool(footer or header),
                 footer_template=footer or "<span></span>", header_template=header or "<span></span>",
                 margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"})
        page.close()
    return pdf
