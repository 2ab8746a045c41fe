"""The votes of coded offers' titles (``CodedTitles``) and what they change in the ROME classifier,
on the hand-written referential of tests/fixtures/occupations and coded offers written here."""

import pickle

import pytest

from adequa.config import Settings
from adequa.enrich.coded_titles import CodedTitles
from adequa.enrich.occupation import clean_title
from adequa.pipeline import occupations as occ

CODES = ["M9001", "M9002", "N9001", "G9001", "G9002"]


def test_the_closest_coded_titles_vote_for_their_codes():
    coded = CodedTitles.build([("Data scientist junior (H/F)", "M9002"), ("Data scientist - Lyon", "M9002"),
                               ("Chef de rang H/F", "G9002"), ("Serveur", "X0000"), ("", "M9001")], CODES)
    assert coded.codes == ["M9002", "M9002", "G9002"]       # unknown codes and empty titles are skipped
    votes = coded.votes(clean_title("Data scientist (H/F)"))
    assert max(votes, key=votes.get) == "M9002" and 0 < votes["M9002"] <= 1
    assert coded.votes(clean_title("Conducteur de bus")) == {}    # nothing close enough votes
    assert CodedTitles.build([("Serveur", "X0000")], CODES) is None


def test_a_near_copy_weighs_more_than_a_loose_neighbour():
    coded = CodedTitles.build([("Chef de rang", "G9002"), ("Chef de rang confirmé restaurant", "G9001")], CODES)
    votes = coded.votes(clean_title("Chef de rang"))
    assert votes["G9002"] > votes.get("G9001", 0)


def test_saved_loaded_and_pickled_without_the_memo(tmp_path):
    coded = CodedTitles.build([("Data scientist", "M9002"), ("Chef de rang", "G9002")], CODES)
    copy = pickle.loads(pickle.dumps(coded))        # as the classifier's start-up state holds it
    before = coded.votes("data scientist")
    coded.save(tmp_path)
    again = CodedTitles.load(tmp_path)
    assert again.codes == coded.codes and again.votes("data scientist") == before
    assert copy._memo == {} and copy.votes("data scientist") == before
    assert CodedTitles.load(tmp_path / "nothing") is None


@pytest.fixture()
def settings(fixtures, tmp_path):
    occ._loaded.clear()
    return Settings(data_dir=fixtures / "occupations", mirror=None, cache_dir=tmp_path / "cache")


def test_france_travail_coding_of_a_title_moves_the_classifier(settings):
    """The fixture names "Data engineer" an appellation of M9001; if coded offers say recruiters code
    that title M9002, the votes bring M9002 first — and nothing changes without them."""
    clf = occ.load_occupation_classifier(settings)
    assert clf.coded is None            # no offers in the fixture's data folder
    assert clf.rank("Data engineer (H/F)", None, 3)[0][0] == "M9001"
    clf.coded = CodedTitles.build([("Data engineer H/F", "M9002")] * 3, clf.fiche_codes)
    clf._title_cache.cache_clear()
    assert clf.rank("Data engineer (H/F)", None, 3)[0][0] == "M9002"
    assert [c for c, *_ in clf.rank_many(["Data engineer (H/F)"], [None], 3)[0]][0] == "M9002"
    assert clf.classify("Data engineer (H/F)")["occupation"]["rome"] == "M9002"
    # a title far from every coded one keeps its own ranking
    assert clf.rank("Serveur", None, 1)[0][0] == "G9001"


def test_an_ad_never_votes_for_itself(settings):
    """An offer of the coded set annotated again (same title, same start of description, spacing and
    case aside) is left out of its own vote: the classifier does not echo the code it was given."""
    clf = occ.load_occupation_classifier(settings)
    clf.coded = CodedTitles.build([("Data engineer H/F", "M9002", "Vous concevez des pipelines de données.")],
                                  clf.fiche_codes)
    assert clf.rank("Data engineer H/F", "vous concevez des  pipelines de données.", 1)[0][0] == "M9001"
    assert clf.rank("Data engineer H/F", "Vous administrez des bases.", 1)[0][0] == "M9002"
    assert clf.rank_many(["Data engineer H/F"] * 2, ["Vous concevez des pipelines de données.", None], 1) == [
        [clf.rank("Data engineer H/F", "Vous concevez des pipelines de données.", 1)[0]],
        [clf.rank("Data engineer H/F", None, 1)[0]]]
    assert clf.rank("Data engineer H/F", None, 1)[0][0] == "M9002"


def test_the_classifier_learns_the_coded_offers_of_the_data_folder(fixtures, tmp_path):
    """Offers under <data>/offers with a title and a ROME column are read when the classifier is
    built, the votes are cached with it, and new offer files make a new classifier."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(fixtures / "occupations", data)
    (data / "offers").mkdir()
    (data / "offers" / "ads.csv").write_text("titre,rome_code\nData engineer H/F,M9002\nData engineer,M9002\n"
                                             "Chef de rang,G9002\n", encoding="utf-8")
    (data / "offers" / "broken.json").write_text("{not json", encoding="utf-8")     # skipped, not fatal
    s = Settings(data_dir=data, mirror=None, cache_dir=tmp_path / "cache")
    occ._loaded.clear()
    clf = occ.load_occupation_classifier(s)
    assert sorted(clf.coded.codes) == ["G9002", "M9002", "M9002"]
    assert clf.rank("Data engineer", None, 1)[0][0] == "M9002"
    occ._loaded.clear()
    again = occ.load_occupation_classifier(s)       # from the cache
    assert again.coded is not None and again.rank("Data engineer", None, 1)[0][0] == "M9002"
    (data / "offers" / "more.csv").write_text("titre,rome_code\nData engineer,M9001\n", encoding="utf-8")
    occ._loaded.clear()
    assert len(occ.load_occupation_classifier(s).coded.codes) == 4
