"""`adequa enrich` over the warehouse: forked workers store exactly what one process stores."""

import os
from pathlib import Path

import pytest

from adequa.config import Settings
from adequa.pipeline.enrich import enrich_warehouse
from adequa.store.duckdb import Warehouse

FIXTURE = Path(__file__).parent / "fixtures" / "skills"

_LINES = ["- préparation des commandes", "- accueil de la clientèle", "Profil : autonome et rigoureux.",
          "Maîtrise de SQL et Python", "- encaissement", "Permis B exigé", "Anglais courant",
          "- mise en rayon des produits", "Esprit d'équipe indispensable"]
_TITLES = ["Magasinier", "Vendeur", "Data analyst", "Caissier", "Préparateur de commandes"]


def _ads(n: int) -> list[dict]:
    out = []
    for i in range(n):
        lines = [_LINES[(i * k) % len(_LINES)] for k in (1, 2, 3)]
        desc = "Missions :\n" + "\n".join(lines) if i % 7 else "Nous recrutons ! Rejoignez une équipe dynamique."
        out.append({"ad_id": f"ad{i:03d}", "source": "test", "title": _TITLES[i % len(_TITLES)], "description": desc})
    # reposts: the same title and description under another id
    out += [{**ad, "ad_id": ad["ad_id"] + "-repost"} for ad in out[:10]]
    return out


def _enriched(tmp_path: Path, name: str, ads: list[dict], **kw) -> tuple[dict, list, list]:
    db = tmp_path / f"{name}.duckdb"
    settings = Settings(db=db, mirror=FIXTURE / "mirror", data_dir=tmp_path / "absent",
                        cache_dir=tmp_path / "cache")
    with Warehouse(db) as wh:
        wh.upsert("ads", ads, key=["ad_id"])
    result = enrich_warehouse(settings, **kw)
    with Warehouse(db) as wh:
        mentions = wh.query('SELECT ad_id, field, start, "end", text, rome_ogr, esco_uri, label, kind, '
                            'round(score, 6), method, unlisted FROM skill_mentions ORDER BY ALL')
        occupations = wh.query("SELECT ad_id, rome, appellation, round(score, 6), candidates, fap2021, isco, domain "
                               "FROM ad_occupations ORDER BY ad_id")
    return result, mentions, occupations


@pytest.mark.skipif("fork" not in __import__("multiprocessing").get_all_start_methods(), reason="needs fork")
def test_two_workers_store_what_one_process_stores(tmp_path):
    ads = _ads(60)
    one, mentions_1, occ_1 = _enriched(tmp_path, "one", ads, workers=1, batch_size=7)
    two, mentions_2, occ_2 = _enriched(tmp_path, "two", ads, workers=2, batch_size=7)
    assert (one["workers"], two["workers"]) == (1, 2)
    assert one["ads"] == two["ads"] == len(ads)
    assert len(occ_1) == len(ads) and len(mentions_1) > len(ads)
    assert mentions_2 == mentions_1
    assert occ_2 == occ_1
    # a repost carries the mentions of its original, at the same offsets
    by_ad: dict = {}
    for row in mentions_2:
        by_ad.setdefault(row[0], []).append(row[1:])
    assert by_ad["ad001-repost"] == by_ad["ad001"]


def test_default_workers_follow_the_pending_count(tmp_path):
    ads = _ads(5)       # 5 ads and 5 reposts: under 2,000, one process
    result, _, occupations = _enriched(tmp_path, "small", ads)
    assert result["workers"] == 1 and result["ads"] == len(occupations) == len(ads) == 10
    again = enrich_warehouse(Settings(db=tmp_path / "small.duckdb", mirror=FIXTURE / "mirror",
                                      data_dir=tmp_path / "absent", cache_dir=tmp_path / "cache"))
    assert again["ads"] == 0 and again["pending"] == 0


def test_an_interrupted_run_keeps_finished_batches(tmp_path, monkeypatch):
    """A failure mid-stream (here: the third batch cannot be stored) keeps the batches already
    stored, and the next run enriches only the rest."""
    from adequa.pipeline import enrich as enrich_module

    ads = _ads(30)
    settings = Settings(db=tmp_path / "w.duckdb", mirror=FIXTURE / "mirror", data_dir=tmp_path / "absent",
                        cache_dir=tmp_path / "cache")
    with Warehouse(settings.db) as wh:
        wh.upsert("ads", ads, key=["ad_id"])
    real_domain, calls = enrich_module._domain, {"n": 0}

    def failing_domain(value):
        calls["n"] += 1
        if calls["n"] == 25:
            raise RuntimeError("disk full")
        return real_domain(value)

    monkeypatch.setattr(enrich_module, "_domain", failing_domain)
    with pytest.raises(RuntimeError, match="disk full"):
        enrich_warehouse(settings, batch_size=10, workers=2)
    with Warehouse(settings.db) as wh:
        assert wh.query("SELECT count(*) FROM ad_occupations") == [(20,)]
    monkeypatch.setattr(enrich_module, "_domain", real_domain)
    rest = enrich_warehouse(settings, batch_size=10, workers=1)
    assert rest["ads"] == len(ads) - 20
    with Warehouse(settings.db) as wh:
        assert wh.query("SELECT count(DISTINCT ad_id) FROM ad_occupations") == [(len(ads),)]
    assert not [p for p in __import__("multiprocessing").active_children() if p.is_alive()]
