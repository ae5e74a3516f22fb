"""The paired bootstrap interval: known answers on constructed data, seeding, edge cases."""

import math

import pytest

from datasets.bootstrap import paired_bootstrap


def test_a_constant_difference_has_a_zero_width_interval():
    result = paired_bootstrap([(0.2, 0.7)] * 50)
    assert (result.difference, result.low, result.high, result.items) == pytest.approx((0.5, 0.5, 0.5, 50))
    assert result.significant


def test_half_ones_half_zeros_matches_the_binomial_interval():
    """Differences 1 and 0, 100 each: the resampled mean is Binomial(200, 1/2)/200, whose 2.5% and 97.5%
    quantiles are 86/200 and 114/200 (mean 0.5, standard deviation 0.0354)."""
    pairs = [(0.0, 1.0)] * 100 + [(1.0, 1.0)] * 100
    result = paired_bootstrap(pairs, resamples=4000, seed=7)
    assert result.difference == 0.5 and result.items == 200
    assert result.low == pytest.approx(0.43, abs=0.01)
    assert result.high == pytest.approx(0.57, abs=0.01)


def test_a_difference_that_is_noise_is_not_significant():
    pairs = [(1.0, 0.0), (0.0, 1.0)] * 30
    result = paired_bootstrap(pairs)
    assert result.difference == 0 and result.low < 0 < result.high
    assert not result.significant


def test_pairing_removes_the_item_difficulty():
    """Items range from easy to hard, the candidate is always 0.1 better: paired, the interval is tight."""
    pairs = [(difficulty / 100, difficulty / 100 + 0.1) for difficulty in range(100)]
    result = paired_bootstrap(pairs)
    assert result.low == pytest.approx(0.1) and result.high == pytest.approx(0.1)


def test_seeded_and_sensitive_to_the_seed():
    pairs = [(index % 3, index % 5) for index in range(40)]
    assert paired_bootstrap(pairs, seed=1) == paired_bootstrap(pairs, seed=1)
    assert paired_bootstrap(pairs, seed=1).low != paired_bootstrap(pairs, seed=2).low


def test_the_interval_narrows_with_more_items():
    few = paired_bootstrap([(0.0, 1.0), (1.0, 1.0)] * 10)
    many = paired_bootstrap([(0.0, 1.0), (1.0, 1.0)] * 250)
    width = lambda result: result.high - result.low  # noqa: E731
    assert width(many) < width(few) / 3
    assert math.isclose(width(many), 2 * 1.96 * 0.5 / math.sqrt(500), rel_tol=0.15)


def test_no_pairs_no_interval_and_bad_parameters():
    assert paired_bootstrap([]) is None
    with pytest.raises(ValueError, match="confidence"):
        paired_bootstrap([(0, 1)], confidence=1.5)
