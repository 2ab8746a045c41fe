"""Term discovery re-run by `adequa run`: nothing new means the groups are kept as they are,
and one changed ad is enough to regroup."""

from __future__ import annotations

from datetime import date

from adequa.pipeline.emerging import discover_terms
from adequa.store.duckdb import Warehouse


def _ads(n: int) -> list[dict]:
    return [{"ad_id": f"a{i}", "source": "test", "title": "Data engineer",
             "description": f"Compétences : Zorblax, Python et Quantrix. Annonce {i}.",
             "source_id": f"a{i}", "content_hash": f"h{i}", "created_at": date(2025, 1, 1 + i % 28)} for i in range(n)]


def _groups(db) -> set[str]:
    with Warehouse(db) as wh:
        return {label.lower() for (label,) in wh.query("SELECT label FROM emerging_term_groups")}


def test_rerun_keeps_groups_and_a_changed_ad_regroups(db_path):
    with Warehouse(db_path) as wh:
        wh.upsert("ads", _ads(12), key=["ad_id"])
    first = discover_terms(db_path, known={"python"})
    groups = _groups(db_path)
    assert first.ads_read == 12 and "zorblax" in groups

    again = discover_terms(db_path, known={"python"})
    assert again.ads_read == 0 and again.groups == first.groups
    assert _groups(db_path) == groups and "krandex" not in groups

    with Warehouse(db_path) as wh:
        wh.con.execute("UPDATE ads SET description = 'Compétences : Krandex, Python', content_hash = 'changed' "
                       "WHERE ad_id = 'a3'")
    third = discover_terms(db_path, known={"python"})
    assert third.ads_read == 1 and "krandex" in _groups(db_path)
