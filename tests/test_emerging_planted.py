"""Planted signals in real ads: invented tools and doubled skills must be found, random terms not.

Real descriptions from the mirror are spread over two synthetic quarters; the full
measurement (several volumes, power curve, speed) is ``python -m bench emerging``.
"""

import pytest

from bench.bench_emerging import build_planted, evaluate_planted, min_volume, power_curve, real_descriptions

pytestmark = pytest.mark.mirror


@pytest.fixture(scope="module")
def taxonomy(mirror):
    from adequa.pipeline.emerging import load_taxonomy_labels

    tax = load_taxonomy_labels(mirror)
    assert len(tax.labels) > 10_000, "ROME and ESCO skill labels expected in the mirror"
    return tax


def test_planted_terms_and_skills_are_detected(mirror, taxonomy, tmp_path):
    texts = real_descriptions(mirror)
    truth = build_planted(tmp_path / "planted.duckdb", texts, n=600, seed=7)
    res = evaluate_planted(tmp_path / "planted.duckdb", truth, taxonomy=taxonomy)
    # New terms at 4 % of the second period's ads, from 0-0.5 %: most found, almost nothing else.
    assert res["terms_recall"] >= 0.6, res
    assert res["terms_precision"] >= 0.8, res
    assert res["terms_split"] == 0, res                 # variants of a planted term end up in one group
    # Doubled skills (base rates 1-30 %): no false alarms, the frequent ones found.
    assert res["rising_precision"] >= 0.9 and res["rising_recall"] >= 0.3, res
    assert res["falling_precision"] >= 0.9, res


def test_a_doubling_needs_fewer_ads_when_the_skill_is_frequent():
    curve = power_curve(base_rates=(0.05, 0.20), volumes=(50, 100, 200, 400, 800, 1600), reps=300)
    n_rare, n_common = min_volume(curve, 0.05), min_volume(curve, 0.20)
    assert n_common is not None and n_rare is not None and n_common < n_rare
    # Textbook sample sizes for 80 % power at α = 5 %: ≈ 90 per group for 20 % -> 40 %, ≈ 430 for 5 % -> 10 %.
    assert 50 <= n_common <= 200 and 200 <= n_rare <= 800
