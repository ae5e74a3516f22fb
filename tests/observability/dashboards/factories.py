"""The dashboards' fixed dataset: the metrics tests' ten traces over three days (tests.observability.analytics),
with prompt versions on eight generations, a quality score per generation, thumbs feedback and a categorical
tone score per trace."""

from feedback.models import FEEDBACK_MARKER_KEY, FEEDBACK_MARKER_VALUE
from observability.models import Observation
from tests.evals.factories import make_score
from tests.observability.analytics.factories import COSTS, LATENCIES, load, model, start, trace_name

FIRST, LAST = "2025-03-10", "2025-03-12"
DAYS = ("2025-03-10", "2025-03-11", "2025-03-12")
QUALITY = [0.1, 0.4, 0.35, 0.8, 0.9, 0.6, 0.2, 0.75, 0.5, 0.95]
THUMBS = [1 if index % 4 else 0 for index in range(10)]


def tone(index: int) -> str:
    return "curt" if index % 3 == 1 else "warm"


def prompt_version(index: int) -> int | None:
    """Generations 0-4 used qa v1, 5-7 qa v2, 8-9 no prompt."""
    return 1 if index < 5 else 2 if index < 8 else None


def day(index: int) -> str:
    return start(index).date().isoformat()


def user(index: int) -> str:
    return f"user-{index % 3}"


def release(index: int) -> str:
    return "r1" if index < 5 else "r2"


def tagged(index: int) -> bool:
    return index % 3 == 0


def load_dashboard_data(project) -> None:
    load(project)
    for index in range(10):
        version = prompt_version(index)
        if version is not None:
            Observation.objects.filter(project=project, id=f"t{index}-gen").update(
                prompt_name="qa", prompt_version=version
            )
        make_score(
            project,
            score_id=f"q{index}",
            name="quality",
            value=QUALITY[index],
            trace_id=f"t{index}",
            observation_id=f"t{index}-gen",
            timestamp=start(index),
        )
        make_score(
            project,
            score_id=f"f{index}",
            name="thumbs",
            value=THUMBS[index],
            data_type="BOOLEAN",
            trace_id=f"t{index}",
            timestamp=start(index),
            metadata={FEEDBACK_MARKER_KEY: FEEDBACK_MARKER_VALUE},
        )
        make_score(
            project,
            score_id=f"tone{index}",
            name="tone",
            value=tone(index),
            data_type="CATEGORICAL",
            trace_id=f"t{index}",
            timestamp=start(index),
        )


__all__ = ["COSTS", "LATENCIES", "model", "trace_name", "load_dashboard_data"]
