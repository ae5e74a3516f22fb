"""The `feedback` metrics view (rated browser feedback, with a positive count) and the home dashboard's
feedback positive-rate chart, registered with observability's registries."""

from django.db.models import Count

from evals.analytics import DIMENSIONS, FILTERS
from evals.dashboards import SCORE_FILTERS, TRACE_PROMPT_FILTERS
from feedback.selectors.feedback import POSITIVE, RATED, feedback_score_list
from observability.analytics.views import Measure, ViewSpec, register_view
from observability.dashboards.charts import Chart, register_chart


def _rated_feedback(project):
    return feedback_score_list(project=project).filter(RATED)


def register_feedback_dashboard() -> None:
    register_view(
        "feedback",
        ViewSpec(
            rows=_rated_feedback,
            time_column="timestamp",
            dimensions=dict(DIMENSIONS),
            measures={"count": Measure(fixed=Count("pk")), "positive": Measure(fixed=Count("pk", filter=POSITIVE))},
            filters={**FILTERS, **TRACE_PROMPT_FILTERS},
            v2=False,
        ),
    )
    register_chart(
        Chart(
            key="feedback_positive_rate",
            title="Feedback positive rate",
            view="feedback",
            metrics=(("positive", "count"), ("count", "count")),
            daily=True,
            ratio=("positive_count", "count_count"),
            unit="ratio",
            filters=SCORE_FILTERS,
        )
    )
