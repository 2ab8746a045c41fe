"""LHÉO XML and Intercarif JSON training offers: formations, actions, sessions, places, geography."""

import pytest

from adequa.errors import InputError
from adequa.pipeline.training import ingest_lheo
from adequa.sources.lheo import Rejected, departement_of, read_offers, strip_html
from adequa.store.duckdb import Warehouse


def test_lheo_xml_offers(fixtures):
    recs = list(read_offers(fixtures / "training" / "lheo_offres.xml"))
    offers = [r for r in recs if isinstance(r, dict)]
    assert [o["source_id"] for o in offers] == ["F-001", "F-003"]
    o = offers[0]
    assert o["codes_rncp"] == ["RNCP90001"] and o["codes_rome"] == ["M1419"] and o["certifiante"] is True
    assert o["objectif"] == "Préparer des données et des tableaux de bord."
    (a,) = o["actions"]
    assert a["alternance"] is True and a["distance"] == "mixte" and a["commune"] == "76540"
    assert a["departement"] == "76" and a["heures_total"] == 800
    assert [(s["debut"], s["fin"], s["places"]) for s in a["sessions"]] == [
        ("2025-09-15", "2026-06-30", 12), ("2026-01-15", None, 8)]
    assert offers[1]["codes_rncp"] == ["RNCP90005"] and offers[1]["actions"][0]["region"] == "53"
    (bad,) = [r for r in recs if isinstance(r, Rejected)]
    assert bad.record == "F-002" and bad.field == "session/periode/debut"


def test_intercarif_json_offers(fixtures):
    recs = list(read_offers(fixtures / "training" / "intercarif_offres.json"))
    (o,) = [r for r in recs if isinstance(r, dict)]
    assert o["codes_rncp"] == ["RNCP90006"] and o["organisme_nom"] == "Université fictive"
    (a,) = o["actions"]                      # both sessions are in Caen: one action
    assert a["departement"] == "14" and [s["places"] for s in a["sessions"]] == [15, None]
    (bad,) = [r for r in recs if isinstance(r, Rejected)]
    assert bad.record == "IC-2" and bad.field == "intitule"


def test_ingest_fills_regions_and_is_idempotent(fixtures, db_path):
    with Warehouse(db_path) as wh:
        s1 = ingest_lheo(fixtures / "training" / "lheo_offres.xml", wh)
        ingest_lheo(fixtures / "training" / "intercarif_offres.json", wh)
        n = {t: wh.count(t) for t in ("training_offers", "training_actions", "training_sessions")}
        s2 = ingest_lheo(fixtures / "training" / "lheo_offres.xml", wh)
        assert {t: wh.count(t) for t in n} == n == {"training_offers": 3, "training_actions": 3, "training_sessions": 5}
        assert (s1.stored, s1.rejected, s2.stored, s2.updated) == (2, 1, 0, 2)
        regions = dict(wh.query("SELECT departement, region FROM training_actions"))
        assert regions == {"76": "28", "35": "53", "14": "28"}
        assert wh.scalar("SELECT sum(places) FROM training_sessions") == 12 + 8 + 24 + 15


def test_not_lheo_is_refused(tmp_path):
    p = tmp_path / "x.xml"
    p.write_text("<offres/>")
    with pytest.raises(InputError, match="expected <lheo>"):
        list(read_offers(p))
    q = tmp_path / "y.txt"
    q.write_text("hello")
    with pytest.raises(InputError, match="neither"):
        list(read_offers(q))


def test_small_helpers():
    assert departement_of("2A004") == "2A" and departement_of("97411") == "974"
    assert departement_of(None, "20200") == "2B" and departement_of(None, "76000") == "76"
    assert strip_html("&lt;p&gt;a&amp;b&lt;/p&gt;") == "a&b"


@pytest.mark.mirror
def test_real_lheo_and_intercarif_examples(mirror):
    (bts,) = list(read_offers(mirror / "training" / "lheo" / "lheo-schema_exemple-bts-onisep.xml"))
    assert bts["codes_rncp"] == ["RNCP474"] and bts["actions"][0]["departement"] == "29"
    (plaquiste,) = list(read_offers(mirror / "training" / "lheo" / "trefle_intercarif_formation_example.json"))
    assert plaquiste["codes_rome"] == ["F1604"] and plaquiste["actions"][0]["sessions"]
