"""The in-memory search (publish.search.DocTable) answers exactly what the SQL search answers: same
ads, same order, same totals, same scores, for words, filters and pages (a real DuckDB warehouse
with generated job-ad-like text: frequent words, ties, duplicates, every territory level)."""

from __future__ import annotations

import random

import pytest

from adequa.config import Settings
from adequa.publish import search
from adequa.publish.api import Filters, _search_ads, create_app
from adequa.store.duckdb import Warehouse

WORDS = ["poste", "mission", "equipe", "donnees", "python", "sql", "client", "analyse", "cloud", "vente",
         "soudure", "paie", "rare", "bazar"]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    from bench.synthetic_warehouse import build

    path = tmp_path_factory.mktemp("memsearch") / "w.duckdb"
    build(path, 2000, seed=5)
    with Warehouse(path) as wh:
        # descriptions of 4-20 words drawn with skew (the first words are in most ads), titles of 1-2
        wh.con.execute("""UPDATE ads SET
            title = w[1 + (hash(ad_id, 't') % 6)::INTEGER] || ' ' || w[1 + (hash(ad_id, 'u') % 14)::INTEGER],
            description = array_to_string(list_transform(range(4 + (hash(ad_id) % 17)::INTEGER),
                lambda i: w[1 + least(13, floor(exp((hash(ad_id, i) % 1000) / 1000.0 * ln(15)) - 1))::INTEGER]), ' ')
            FROM (SELECT ?::VARCHAR[] AS w) p""", [WORDS])
        search.update_index(wh.con, force=True)
    return path


def test_memory_search_equals_sql_search(db):
    app = create_app(db, settings=Settings(db=db, min_cell_size=1), dashboard=False, warm_up=False)
    st = app.state.adequa
    table = search.doc_table(st)
    assert table is not None
    rnd = random.Random(11)
    filters = [Filters(group="all", territory="france"), Filters(group="data-ia", territory="region:28"),
               Filters(group="all", territory="departement:13", period="2024"),
               Filters(group="rome:M1805", territory="france", period="2023Q3"),
               Filters(group="all", territory="bassin:7601"), Filters(group="all", territory="commune:13007"),
               Filters(group="all", territory="france", period="2024-02")]
    compared = nonempty = 0
    for i in range(100):
        words = " ".join(rnd.choice(WORDS) for _ in range(i % 4))          # 0 to 3 words
        f = filters[i % len(filters)]
        kw = {"page": 1 + i % 3, "per_page": 7}
        if i % 11 == 0:
            kw["contract"] = "CDI"
        if i % 13 == 0:
            kw["rome"] = "m1811"
        st._doc_table = table                                  # the in-memory table
        fast = _search_ads(st, f, q=words or None, **kw)
        st._doc_table = False                                  # the SQL search over ad_terms
        slow = _search_ads(st, f, q=words or None, **kw)
        assert fast[1] == slow[1], (words, f, kw)
        assert [(r["ad_id"], r["rome"], r.get("score")) for r in fast[0]] == \
               [(r["ad_id"], r["rome"], r.get("score")) for r in slow[0]], (words, f, kw)
        compared += 1
        nonempty += bool(fast[0])
    assert compared == 100 and nonempty > 40
    st.close()


def test_live_server_does_not_hold_a_table(db):
    app = create_app(db, settings=Settings(db=db), dashboard=False, warm_up=False)
    st = app.state.adequa
    st.live = True
    assert search.doc_table(st) is None
    st.close()
