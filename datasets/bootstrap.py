"""The paired bootstrap: a confidence interval for the difference of a score between two runs.

Both runs scored the same items; the per-item differences (candidate minus baseline) are resampled with
replacement, and the interval is the percentile interval of the resampled means. Seeded, so a page shows the
same interval every time it renders.
"""

import math
import random
from dataclasses import dataclass

RESAMPLES = 2000
CONFIDENCE = 0.95


@dataclass(frozen=True)
class PairedDifference:
    """Mean difference (candidate minus baseline) over `items` paired items and its bootstrap interval."""

    difference: float
    low: float
    high: float
    items: int
    confidence: float

    @property
    def significant(self) -> bool:
        """The interval excludes zero: the difference is unlikely to be noise."""
        return self.low > 0 or self.high < 0


def _quantile(ordered: list[float], fraction: float) -> float:
    """The linear-interpolation quantile of sorted values."""
    position = fraction * (len(ordered) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def paired_bootstrap(
    pairs: list[tuple[float, float]], *, resamples: int = RESAMPLES, confidence: float = CONFIDENCE, seed: int = 0
) -> PairedDifference | None:
    """The interval of mean(candidate - baseline) over (baseline, candidate) pairs; None without pairs."""
    if not pairs:
        return None
    if resamples < 1 or not 0 < confidence < 1:
        raise ValueError("resamples must be positive and confidence between 0 and 1")
    differences = [candidate - baseline for baseline, candidate in pairs]
    count = len(differences)
    generator = random.Random(seed)
    means = sorted(sum(generator.choices(differences, k=count)) / count for _ in range(resamples))
    tail = (1 - confidence) / 2
    return PairedDifference(
        difference=sum(differences) / count,
        low=_quantile(means, tail),
        high=_quantile(means, 1 - tail),
        items=count,
        confidence=confidence,
    )
