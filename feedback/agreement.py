"""Inter-annotator agreement: Cohen's kappa, Fleiss' kappa and Krippendorff's alpha (interval), pure Python.

Each function takes ratings as {unit: {rater: value}} and returns an `Agreement` (the coefficient, None
when it is undefined, e.g. every rating alike, and the number of units behind it).
"""

from collections import Counter
from dataclasses import dataclass
from itertools import permutations


@dataclass(frozen=True)
class Agreement:
    method: str
    value: float | None
    units: int


def cohen_kappa(ratings: dict) -> Agreement:
    """Cohen's kappa of two raters over the units both rated."""
    raters = sorted({rater for by_rater in ratings.values() for rater in by_rater}, key=str)
    if len(raters) != 2:
        raise ValueError(f"Cohen's kappa needs exactly two raters, got {len(raters)}")
    first, second = raters
    pairs = [(by[first], by[second]) for by in ratings.values() if first in by and second in by]
    if not pairs:
        return Agreement("cohen_kappa", None, 0)
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    first_counts, second_counts = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(first_counts[c] * second_counts[c] for c in first_counts) / (n * n)
    if expected == 1:
        return Agreement("cohen_kappa", None, n)
    return Agreement("cohen_kappa", (observed - expected) / (1 - expected), n)


def fleiss_kappa(ratings: dict) -> Agreement:
    """Fleiss' kappa over the units rated by the most common number (at least two) of raters."""
    sizes = Counter(len(by) for by in ratings.values() if len(by) >= 2)
    if not sizes:
        return Agreement("fleiss_kappa", None, 0)
    n = max(sizes, key=lambda size: (sizes[size], size))
    units = [Counter(by.values()) for by in ratings.values() if len(by) == n]
    per_unit = [(sum(count * count for count in unit.values()) - n) / (n * (n - 1)) for unit in units]
    observed = sum(per_unit) / len(units)
    totals = Counter()
    for unit in units:
        totals.update(unit)
    expected = sum((count / (len(units) * n)) ** 2 for count in totals.values())
    if expected == 1:
        return Agreement("fleiss_kappa", None, len(units))
    return Agreement("fleiss_kappa", (observed - expected) / (1 - expected), len(units))


def krippendorff_alpha_interval(ratings: dict) -> Agreement:
    """Krippendorff's alpha with the interval metric (squared difference); units with one value are left out."""
    units = [[float(value) for value in by.values()] for by in ratings.values() if len(by) >= 2]
    values = [value for unit in units for value in unit]
    n = len(values)
    if n < 2:
        return Agreement("krippendorff_alpha", None, len(units))
    observed = sum(sum((a - b) ** 2 for a, b in permutations(unit, 2)) / (len(unit) - 1) for unit in units) / n
    total, squares = sum(values), sum(value * value for value in values)
    expected = 2 * (n * squares - total * total) / (n * (n - 1))
    if expected == 0:
        return Agreement("krippendorff_alpha", None, len(units))
    return Agreement("krippendorff_alpha", 1 - observed / expected, len(units))


def nominal_agreement(ratings: dict) -> Agreement:
    """Cohen's kappa when exactly two raters rated, Fleiss' kappa otherwise."""
    raters = {rater for by_rater in ratings.values() for rater in by_rater}
    return cohen_kappa(ratings) if len(raters) == 2 else fleiss_kappa(ratings)
