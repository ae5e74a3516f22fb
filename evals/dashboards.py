"""The score charts of the home dashboard (registered with observability's chart registry), and the filter
columns they need: a score's trace used a prompt (trace-level feedback counts under a prompt filter too)."""

from django.db.models import Exists, OuterRef, Q

from aistrale.api.json_filter import Column, Kind
from observability.analytics.views import extend_view
from observability.dashboards.charts import Chart, register_chart
from observability.models import Observation

SCORE_VIEWS = ("scores-numeric", "scores-boolean", "scores-categorical")


def _trace_observations(narrow) -> Q:
    observations = Observation.objects.filter(project=OuterRef("project"), trace_id=OuterRef("trace_id"))
    return Q(Exists(narrow(observations)))


TRACE_PROMPT_FILTERS = {
    "tracePromptName": Column(Kind.STRING, "prompt_name", through=_trace_observations),
    "tracePromptVersion": Column(Kind.NUMBER, "prompt_version", through=_trace_observations),
}

SCORE_FILTERS = {
    "environment": "environment",
    "release": "traceRelease",
    "traceName": "traceName",
    "userId": "userId",
    "tags": "tags",
    "promptName": "tracePromptName",
    "promptVersion": "tracePromptVersion",
}
CHARTS = (
    Chart(
        key="score_averages",
        title="Score averages per day",
        view="scores-numeric",
        metrics=(("value", "avg"),),
        dimensions=("name",),
        daily=True,
        unit="score",
        filters=SCORE_FILTERS,
    ),
    Chart(
        key="score_distribution",
        title="Score distributions",
        view="scores-numeric",
        metrics=(("value", "histogram"),),
        dimensions=("name",),
        filters=SCORE_FILTERS,
    ),
    Chart(
        key="score_categories",
        title="Categorical score values per day",
        view="scores-categorical",
        metrics=(("count", "count"),),
        dimensions=("name", "stringValue"),
        daily=True,
        filters=SCORE_FILTERS,
    ),
    Chart(
        key="quality_per_prompt_version",
        title="Average score per prompt version",
        view="scores-numeric",
        metrics=(("value", "avg"),),
        dimensions=("observationPromptName", "observationPromptVersion", "name"),
        where=(
            {"column": "observationId", "operator": "is not null", "value": "", "type": "null"},
            {"column": "observationPromptName", "operator": "is not null", "value": "", "type": "null"},
        ),
        unit="score",
        x_parts=2,
        x_join=" v",
        filters=SCORE_FILTERS,
        explorer={"observationPromptName": "prompt", "observationPromptVersion": "prompt_version"},
    ),
)


def register_score_charts() -> None:
    for view in SCORE_VIEWS:
        extend_view(view, filters=TRACE_PROMPT_FILTERS)
    for chart in CHARTS:
        register_chart(chart)
