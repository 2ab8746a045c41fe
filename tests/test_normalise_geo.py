import csv

import pytest

from adequa.normalise.geo import GeoResolver, departement_of_postal_code


@pytest.fixture(scope="module")
def geo(request):
    from pathlib import Path

    path = Path(__file__).parent / "fixtures" / "ads" / "geo_communes.csv"
    with open(path, encoding="utf-8") as fh:
        return GeoResolver(list(csv.DictReader(fh)))


@pytest.mark.parametrize("pc, dep", [("76000", "76"), ("20000", "2A"), ("20200", "2B"), ("97200", "972"),
                                     ("1000", "01"), ("abc", None)])
def test_departement_of_postal_code(pc, dep):
    assert departement_of_postal_code(pc) == dep


def test_commune_code_gives_every_level(geo):
    loc = geo.resolve("76540", None, None)
    assert (loc.commune, loc.departement, loc.region, loc.bassin, loc.method) == ("76540", "76", "28", "2805", "commune")


def test_arrondissement_maps_to_the_commune(geo):
    assert geo.resolve("75115", None, None).bassin == "1101"


@pytest.mark.parametrize("text, commune, dep", [
    ("76 - ROUEN", "76540", "76"), ("76 - LE HAVRE", "76351", "76"), ("Caen (14)", "14118", "14"),
    ("61000 Alençon", "61001", "61"), ("50 - ST LO", "50502", "50"), ("2A - AJACCIO", "2A004", "2A"),
    ("972 - FORT DE FRANCE", "97209", "972"), ("92 - Hauts-de-Seine", None, "92"), ("Evreux", "27229", "27"),
])
def test_free_text(geo, text, commune, dep):
    loc = geo.resolve(None, None, text)
    assert (loc.commune, loc.departement) == (commune, dep)


def test_region_by_name(geo):
    loc = geo.resolve(None, None, "Normandie")
    assert (loc.region, loc.departement) == ("28", None)


def test_postal_code_with_text(geo):
    loc = geo.resolve(None, "27000", "27 - EVREUX")
    assert (loc.commune, loc.departement, loc.region) == ("27229", "27", "28")


def test_postal_code_alone_gives_departement(geo):
    loc = geo.resolve(None, "14000", None)
    assert (loc.commune, loc.departement, loc.region) == (None, "14", "28")


def test_without_rows_codes_still_resolve():
    loc = GeoResolver().resolve("76540", None, None)
    assert (loc.departement, loc.region, loc.bassin) == ("76", "28", None)
    assert GeoResolver().resolve(None, None, "nulle part").method == "none"


@pytest.mark.mirror
def test_real_referential_resolves_the_real_offers(mirror):
    from adequa.pipeline.ingest import load_geo
    from adequa.config import Settings

    geo = load_geo(Settings(mirror=mirror, data_dir=mirror / "_absent_"))
    assert len(geo) > 30000
    loc = geo.resolve(None, None, "76 - ROUEN")
    assert (loc.commune, loc.region) == ("76540", "28") and loc.bassin
