"""Agreement coefficients against values computed by hand on small fixed sets."""

import pytest

from feedback.agreement import cohen_kappa, fleiss_kappa, krippendorff_alpha_interval, nominal_agreement


def test_cohen_kappa_of_two_raters_on_five_items():
    # A: y y n n y, B: y n n n y. Observed 4/5 = 0.8. P(y): A 3/5, B 2/5; P(n): A 2/5, B 3/5.
    # Expected 0.24 + 0.24 = 0.48. kappa = (0.8 - 0.48) / 0.52 = 8/13.
    ratings = {
        1: {"a": "y", "b": "y"},
        2: {"a": "y", "b": "n"},
        3: {"a": "n", "b": "n"},
        4: {"a": "n", "b": "n"},
        5: {"a": "y", "b": "y"},
    }
    result = cohen_kappa(ratings)
    assert result.value == pytest.approx(8 / 13)
    assert result.units == 5
    assert nominal_agreement(ratings) == result


def test_cohen_kappa_counts_only_items_both_rated():
    ratings = {1: {"a": "y", "b": "y"}, 2: {"a": "n", "b": "n"}, 3: {"a": "y"}}
    assert cohen_kappa(ratings).units == 2
    assert cohen_kappa(ratings).value == pytest.approx(1.0)


def test_fleiss_kappa_of_three_raters_on_four_items():
    # Per item agreement P_i = (sum n_ij^2 - n) / (n (n - 1)) with n = 3: aaa 1, aab 1/3, bbb 1, abb 1/3.
    # Mean 2/3. p(a) = 6/12, p(b) = 6/12, so P_e = 1/2. kappa = (2/3 - 1/2) / (1/2) = 1/3.
    ratings = {
        1: {"r1": "a", "r2": "a", "r3": "a"},
        2: {"r1": "a", "r2": "a", "r3": "b"},
        3: {"r1": "b", "r2": "b", "r3": "b"},
        4: {"r1": "a", "r2": "b", "r3": "b"},
    }
    result = fleiss_kappa(ratings)
    assert result.value == pytest.approx(1 / 3)
    assert result.units == 4
    assert nominal_agreement(ratings) == result


def test_krippendorff_alpha_interval_on_three_units():
    # Units [1, 2], [3, 3], [2, 4]: n = 6 pairable values. D_o = (2 + 0 + 8) / 6 = 5/3.
    # D_e = sum over ordered pairs of (c - k)^2 / (n (n - 1)) = 2 (6 * 43 - 15^2) / 30 = 66/30.
    # alpha = 1 - (5/3) / (66/30) = 8/33.
    ratings = {1: {"a": 1, "b": 2}, 2: {"a": 3, "b": 3}, 3: {"a": 2, "b": 4}, 4: {"a": 5}}
    result = krippendorff_alpha_interval(ratings)
    assert result.value == pytest.approx(8 / 33)
    assert result.units == 3


def test_agreement_is_undefined_when_every_rating_is_alike_or_nothing_overlaps():
    assert cohen_kappa({1: {"a": "y", "b": "y"}, 2: {"a": "y", "b": "y"}}).value is None
    assert fleiss_kappa({1: {"a": "y"}}).value is None
    assert krippendorff_alpha_interval({1: {"a": 2, "b": 2}}).value is None
    assert krippendorff_alpha_interval({}).units == 0


def test_cohen_kappa_refuses_other_than_two_raters():
    with pytest.raises(ValueError, match="exactly two raters"):
        cohen_kappa({1: {"a": "y", "b": "y", "c": "n"}})
