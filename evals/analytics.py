"""The score views of the metrics API (scores-numeric, scores-boolean, scores-categorical) and the score counts
of the traces and observations views, registered with observability's view registry."""

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncDay, TruncMonth

from aistrale.api.json_filter import Column, Kind
from evals.models import Score, ScoreDataType
from observability.analytics.tracing import day, month
from observability.analytics.views import Dimension, Measure, ViewSpec, extend_view, register_view
from observability.models import Observation, Trace


def _trace_field(field: str):
    traces = Trace.objects.filter(project=OuterRef("project"), id=OuterRef("trace_id"))
    return Subquery(traces.values(field)[:1])


def _observation_field(field: str):
    observations = Observation.objects.filter(project=OuterRef("project"), id=OuterRef("observation_id"))
    return Subquery(observations.values(field)[:1])


def _on_trace(narrow) -> Q:
    return Q(Exists(narrow(Trace.objects.filter(project=OuterRef("project"), id=OuterRef("trace_id")))))


def _on_observation(narrow) -> Q:
    return Q(Exists(narrow(Observation.objects.filter(project=OuterRef("project"), id=OuterRef("observation_id")))))


DIMENSIONS = {
    "id": Dimension("id", high_cardinality=True),
    "environment": Dimension("environment"),
    "name": Dimension("name"),
    "source": Dimension("source"),
    "dataType": Dimension("data_type"),
    "configId": Dimension("config_id"),
    "timestampMonth": Dimension(TruncMonth("timestamp"), present=month),
    "timestampDay": Dimension(TruncDay("timestamp"), present=day),
    "traceId": Dimension("trace_id", high_cardinality=True),
    "observationId": Dimension("observation_id", high_cardinality=True),
    "sessionId": Dimension("session_id", high_cardinality=True),
    "userId": Dimension(_trace_field("user_id"), high_cardinality=True),
    "traceName": Dimension(_trace_field("name")),
    "tags": Dimension(_trace_field("tags")),
    "traceRelease": Dimension(_trace_field("release")),
    "traceVersion": Dimension(_trace_field("version")),
    "observationName": Dimension(_observation_field("name")),
    "observationModelName": Dimension(_observation_field("model")),
    "observationPromptName": Dimension(_observation_field("prompt_name")),
    "observationPromptVersion": Dimension(_observation_field("prompt_version")),
}
FILTERS = {
    "id": Column(Kind.STRING, "id"),
    "environment": Column(Kind.STRING, "environment"),
    "name": Column(Kind.STRING, "name"),
    "source": Column(Kind.STRING, "source"),
    "dataType": Column(Kind.STRING, "data_type"),
    "configId": Column(Kind.STRING, "config_id"),
    "timestamp": Column(Kind.DATETIME, "timestamp"),
    "traceId": Column(Kind.STRING, "trace_id"),
    "observationId": Column(Kind.STRING, "observation_id"),
    "sessionId": Column(Kind.STRING, "session_id"),
    "metadata": Column(Kind.OBJECT, "metadata"),
    "userId": Column(Kind.STRING, "user_id", through=_on_trace),
    "traceName": Column(Kind.STRING, "name", through=_on_trace),
    "tags": Column(Kind.ARRAY, "tags", through=_on_trace),
    "traceRelease": Column(Kind.STRING, "release", through=_on_trace),
    "traceVersion": Column(Kind.STRING, "version", through=_on_trace),
    "observationName": Column(Kind.STRING, "name", through=_on_observation),
    "observationModelName": Column(Kind.STRING, "model", through=_on_observation),
    "observationPromptName": Column(Kind.STRING, "prompt_name", through=_on_observation),
    "observationPromptVersion": Column(Kind.NUMBER, "prompt_version", through=_on_observation),
}
COUNT = Measure(fixed=Count("pk"))


def _scores(*data_types):
    return lambda project: Score.objects.filter(project=project, data_type__in=data_types)


def _view(rows, dimensions: dict, filters: dict, measures: dict) -> ViewSpec:
    return ViewSpec(
        rows=rows,
        time_column="timestamp",
        dimensions={**DIMENSIONS, **dimensions},
        measures={"count": COUNT, **measures},
        filters={**FILTERS, **filters},
    )


def _score_count(**match):
    scores = Score.objects.filter(project=OuterRef("project"), **match).order_by()
    key = next(iter(match))
    counted = scores.values(key).annotate(value=Count("pk")).values("value")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def register_score_views() -> None:
    value = {"value": Dimension("value")}
    value_filter = {"value": Column(Kind.NUMBER, "value")}
    register_view(
        "scores-numeric",
        _view(_scores(ScoreDataType.NUMERIC, ScoreDataType.BOOLEAN), value, value_filter, {"value": Measure("value")}),
    )
    boolean = ExpressionWrapper(Q(value=1), output_field=BooleanField())
    register_view(
        "scores-boolean",
        _view(
            _scores(ScoreDataType.BOOLEAN),
            {**value, "booleanValue": Dimension(boolean)},
            value_filter,
            {"value": Measure("value")},
        ),
    )
    register_view(
        "scores-categorical",
        _view(
            _scores(ScoreDataType.CATEGORICAL),
            {"stringValue": Dimension("string_value")},
            {"stringValue": Column(Kind.STRING, "string_value")},
            {},
        ),
    )
    extend_view("traces", measures={"scoresCount": Measure(_score_count(trace_id=OuterRef("id")))})
    extend_view("observations", measures={"countScores": Measure(_score_count(observation_id=OuterRef("id")))})
