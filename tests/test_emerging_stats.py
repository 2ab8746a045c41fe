"""The statistics behind rising and falling skills, checked against independent computations."""

import math
import random

import pytest

from adequa.indicators.emerging import (benjamini_hochberg, compare_counts, log_ratio, prob_increase,
                                        two_proportion_test)


@pytest.mark.parametrize("x1,n1,x2,n2", [(10, 100, 25, 100), (3, 50, 9, 40), (40, 400, 30, 500), (0, 80, 7, 90)])
def test_z_test_matches_yates_chi_square(x1, n1, x2, n2):
    stats = pytest.importorskip("scipy.stats")
    chi2, p, _, _ = stats.chi2_contingency([[x1, n1 - x1], [x2, n2 - x2]], correction=True)
    z, pv = two_proportion_test(x1, n1, x2, n2)
    assert pv == pytest.approx(p, rel=1e-6, abs=1e-12)
    assert z * z == pytest.approx(chi2, rel=1e-6)
    assert (z > 0) == (x2 / n2 > x1 / n1)


def test_z_test_edge_cases():
    assert two_proportion_test(0, 100, 0, 100) == (0.0, 1.0)
    assert two_proportion_test(5, 0, 5, 10) == (0.0, 1.0)
    z, p = two_proportion_test(10, 100, 10, 100)
    assert z == 0.0 and p == 1.0
    # Without continuity correction the same data look more significant.
    assert two_proportion_test(10, 100, 20, 100, continuity=False)[1] < two_proportion_test(10, 100, 20, 100)[1]


def test_benjamini_hochberg_by_hand():
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert benjamini_hochberg([]) == []
    assert benjamini_hochberg([0.9, 0.95]) == pytest.approx([0.95, 0.95])


def test_prob_increase_matches_monte_carlo():
    np = pytest.importorskip("numpy")
    rng = np.random.default_rng(0)
    for x1, n1, x2, n2 in [(10, 100, 18, 100), (5, 200, 5, 200), (30, 100, 20, 100), (2, 30, 6, 30)]:
        a = rng.beta(x1 + 0.5, n1 - x1 + 0.5, 200_000)
        b = rng.beta(x2 + 0.5, n2 - x2 + 0.5, 200_000)
        assert prob_increase(x1, n1, x2, n2) == pytest.approx(float((b > a).mean()), abs=0.03)


def test_log_ratio_with_prior_is_finite_and_signed():
    assert log_ratio(10, 100, 20, 100) == pytest.approx(math.log(20.5 / 10.5))
    assert math.isfinite(log_ratio(0, 100, 10, 100)) and log_ratio(0, 100, 10, 100) > 0
    assert log_ratio(20, 100, 10, 100) < 0


def test_compare_counts_finds_planted_changes_and_controls_false_discoveries():
    rng = random.Random(3)
    n = 3000
    counts, truth_up, truth_down = [], set(), set()
    for i in range(300):
        p = 0.02 + 0.2 * rng.random()
        q = p
        if i < 15:
            q, _ = p * 2.5, truth_up.add(f"s{i}")
        elif i < 25:
            q, _ = p / 3, truth_down.add(f"s{i}")
        x1 = sum(rng.random() < p for _ in range(n))
        x2 = sum(rng.random() < q for _ in range(n))
        counts.append((f"s{i}", x1, x2))
    tests = compare_counts(counts, n, n, alpha=0.05, min_support=5)
    up = {t.key for t in tests if t.direction == "rising"}
    down = {t.key for t in tests if t.direction == "falling"}
    assert up >= truth_up and down >= truth_down          # strong effects at n=3000 are all found
    false = (up - truth_up) | (down - truth_down)
    assert len(false) <= 3                                # BH at 5% over 300 tests
    ranked = [t.key for t in tests if t.direction == "rising"]
    assert all(tests[i].log_ratio ** 2 >= tests[i + 1].log_ratio ** 2 for i in range(len(tests) - 1))
    assert ranked


def test_compare_counts_minimum_support():
    tests = compare_counts([("rare", 0, 4), ("ok", 0, 5)], 100, 100, min_support=5)
    assert [t.key for t in tests] == ["ok"]
