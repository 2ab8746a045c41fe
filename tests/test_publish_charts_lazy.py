"""Dashboard charts come as separate SVG requests (/charts/<name>.svg) carrying the page's filters, so
a page's HTML does not wait for the chart engine (real app, real DuckDB warehouse in a temp dir)."""

from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from adequa.config import Settings
from adequa.publish.api import create_app
from adequa.store.duckdb import Warehouse


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from bench.synthetic_warehouse import build

    from adequa.indicators import facts

    db = tmp_path_factory.mktemp("charts") / "w.duckdb"
    build(db, 600, seed=2)
    with Warehouse(db) as wh:
        facts.build(wh.con)
    app = create_app(db, settings=Settings(db=db, min_cell_size=1), warm_up=False)
    with TestClient(app) as c:
        yield c
    app.state.adequa.close()


def test_page_links_its_charts_with_its_filters(client):
    html = client.get("/?group=data-ia&territory=region:28&period=").text
    srcs = re.findall(r'<img src="(/charts/[^"]+\.svg[^"]*)"', html.replace("&amp;", "&"))
    assert srcs, "the overview has charts"
    assert all("group=data-ia" in s and "territory=region%3A28" in s and "period=" in s for s in srcs)
    r = client.get(srcs[0])
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert r.text.lstrip().startswith("<svg")


def test_chart_follows_the_filters_and_unknown_names_are_404(client):
    a = client.get("/charts/offers_contract_mix.svg?group=data-ia&territory=france&period=2023").text
    b = client.get("/charts/offers_contract_mix.svg?group=data-ia&territory=france&period=2024Q1").text
    assert a.startswith("<svg") and b.startswith("<svg") and a != b
    r = client.get("/charts/no_such_indicator.svg")
    assert r.status_code == 404
    r = client.get("/charts/offers_count.svg?group=data-ia&territory=france&period=1990")
    assert r.status_code == 404                  # no data, so no chart
