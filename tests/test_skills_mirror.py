"""The extractor on the real ROME/ESCO referentials and our gold set (skipped without the mirror)."""

import pytest

pytestmark = pytest.mark.mirror


@pytest.fixture(scope="module")
def real(mirror, tmp_path_factory):
    from adequa.config import Settings
    from adequa.pipeline.annotate import load_skill_extractor

    settings = Settings(mirror=mirror, data_dir=tmp_path_factory.mktemp("d") / "absent",
                        cache_dir=tmp_path_factory.mktemp("cache"))
    return settings, load_skill_extractor(settings)


def test_real_taxonomy_links_tasks_tools_and_qualities(real):
    _, ex = real
    text = ("Vos missions :\n- Préparation des commandes\n- Mise en rayon des produits\n"
            "Profil : maîtrise d'Excel, autonome, permis B. Poste en CDI, mutuelle.")
    got = ex.extract(text)
    by_text = {m.text: m for m in got}
    assert set(by_text) == {"Préparation des commandes", "Mise en rayon des produits", "Excel", "autonome", "permis B"}
    assert by_text["autonome"].rome_ogr == "300460"
    assert by_text["Excel"].rome_ogr and by_text["permis B"].kind == "certification"
    assert all(m.rome_ogr or m.esco_uri for m in got)


def test_gold_test_split_floor(real):
    """Held-out gold ads: a floor well under the measured figures (docs/skills.md), so a regression fails."""
    from adequa.pipeline.skills_eval import eval_gold

    settings, ex = real
    r = eval_gold(settings, ex, None, "test")["gold-test"]
    assert r["ads"] == 11
    assert r["partial_f1"] >= 0.55 and r["strict_f1"] >= 0.3


def _real_offers(rows: list[dict], n: int) -> list[tuple[str, str, str | None]]:
    return [(r.get("intitule") or r.get("titre") or "", r["description"], r.get("romeCode") or r.get("rome_code") or None)
            for r in rows if r.get("description")][:n]


def test_fast_paths_equal_the_reference_on_real_offers(real, mirror_offers):
    """Tokeniser, similarity shortlist, separator regex and line-token cache vs the plain reference
    code (``SkillExtractor.use_reference_paths``), on real offers with and without their ROME code."""
    from adequa.pipeline.annotate import load_skill_extractor

    settings, _ = real
    offers = _real_offers(mirror_offers, 150)
    assert len(offers) >= 100
    items = []
    for title, desc, rome in offers:
        items += [(desc, None, "description"), (desc, rome, "description"), (title, rome, "title")]

    def run(ex):
        return [[(m.start, m.end, m.text, m.rome_ogr, m.esco_uri, m.label, m.kind, m.score, m.method, m.unlisted)
                 for m in ex.extract(text, rome_hint=hint, field=field)] for text, hint, field in items]

    got = run(load_skill_extractor(settings))
    ref = load_skill_extractor(settings)
    restore = ref.use_reference_paths()
    try:
        want = run(ref)
    finally:
        restore()
    assert want == got
    assert sum(map(len, got)) > 500
