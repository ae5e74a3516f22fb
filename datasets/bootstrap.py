"""The paired bootstrap: a confidence interval for the difference of a score between two runs.

Both runs scored the same items; the per-item differences (candidate minus baseline) are resampled with
replacement, and the interval is the percentile interval of the resampled means. Seeded (numpy's PCG64), so
a page shows the same interval every time it renders; the resampling is vectorised, so 2,000 resamples of
1,000 items take milliseconds.
"""

from dataclasses import dataclass

import numpy

RESAMPLES = 2000
CONFIDENCE = 0.95
MAX_CELLS = 4_000_000  # resampled values drawn at a time (32 MB of float64)


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


def _resampled_means(differences: numpy.ndarray, resamples: int, generator: numpy.random.Generator):
    count = len(differences)
    rows = max(1, MAX_CELLS // count)
    means = []
    for start in range(0, resamples, rows):
        picks = generator.integers(0, count, size=(min(rows, resamples - start), count))
        means.append(differences[picks].mean(axis=1))
    return numpy.concatenate(means)


def paired_bootstrap(
    pairs: list[tuple[float, float]], *, resamples: int = RESAMPLES, confidence: float = CONFIDENCE, seed: int = 0
) -> PairedDifference | None:
    """The interval of mean(candidate - baseline) over (baseline, candidate) pairs; None without pairs."""
    if not pairs:
        return None
    if resamples < 1 or not 0 < confidence < 1:
        raise ValueError("resamples must be positive and confidence between 0 and 1")
    values = numpy.asarray(pairs, dtype=float)
    differences = values[:, 1] - values[:, 0]
    means = _resampled_means(differences, resamples, numpy.random.default_rng(seed))
    tail = (1 - confidence) / 2
    low, high = numpy.quantile(means, [tail, 1 - tail])
    return PairedDifference(
        difference=float(differences.mean()),
        low=float(low),
        high=float(high),
        items=len(differences),
        confidence=confidence,
    )
