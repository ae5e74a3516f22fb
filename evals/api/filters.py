"""Query parameters of the score lists: GET /v2/scores (django-filter) and GET /v3/scores, and the JSON `filter`."""

import math

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet
from rest_framework.exceptions import ValidationError

from aistrale.api.json_filter import Column, JsonFilter, Kind, datetime_param
from aistrale.errors import DomainError
from evals.models import ScoreDataType, ScoreSource
from evals.selectors import V3_FIELD_GROUPS
from observability import selectors as observability
from observability.api.filters import IsoDateTimeFilter, StringListFilter
from observability.models import Trace

V2_FIELD_GROUPS = ("score", "trace")
MAX_PAGE_SIZE = 100
VALUE_OPERATORS = {"=": "exact", "<": "lt", ">": "gt", "<=": "lte", ">=": "gte"}


def _traces_of_scores() -> QuerySet[Trace]:
    return Trace.objects.filter(project=OuterRef("project"), id=OuterRef("trace_id"))


def _on_trace(narrow) -> Q:
    """A score condition met by the score's trace."""
    return Q(Exists(narrow(_traces_of_scores())))


SCORE_FILTER_COLUMNS = {
    "id": Column(Kind.STRING, "id"),
    "name": Column(Kind.STRING, "name"),
    "value": Column(Kind.NUMBER, "value"),
    "stringValue": Column(Kind.STRING, "string_value"),
    "dataType": Column(Kind.STRING, "data_type"),
    "source": Column(Kind.STRING, "source"),
    "timestamp": Column(Kind.DATETIME, "timestamp"),
    "environment": Column(Kind.STRING, "environment"),
    "traceId": Column(Kind.STRING, "trace_id"),
    "observationId": Column(Kind.STRING, "observation_id"),
    "sessionId": Column(Kind.STRING, "session_id"),
    "datasetRunId": Column(Kind.STRING, "dataset_run_id"),
    "configId": Column(Kind.STRING, "config_id"),
    "queueId": Column(Kind.STRING, "queue_id"),
    "comment": Column(Kind.TEXT, "comment"),
    "metadata": Column(Kind.OBJECT, "metadata"),
    "userId": Column(Kind.STRING, "user_id", through=_on_trace),
    "traceName": Column(Kind.STRING, "name", through=_on_trace),
    "traceTags": Column(Kind.ARRAY, "tags", through=_on_trace),
    "tags": Column(Kind.ARRAY, "tags", through=_on_trace),
}
SCORE_FILTER = JsonFilter(SCORE_FILTER_COLUMNS)


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def comma_list(value: str, *, field: str, allowed=None, upper: bool = False) -> list[str]:
    """The items of a comma-separated parameter; each one of `allowed` when given."""
    items = [item.upper() for item in _csv(value)] if upper else _csv(value)
    for item in items:
        if allowed is not None and item not in allowed:
            raise DomainError(f"{item!r} is not one of {', '.join(allowed)}", field=field)
    return items


class ScoreV2Filter(django_filters.FilterSet):
    """GET /v2/scores parameters, as the 4.x SDK sends them."""

    userId = django_filters.CharFilter(method="filter_user")
    name = django_filters.CharFilter(field_name="name")
    fromTimestamp = IsoDateTimeFilter(field_name="timestamp", lookup_expr="gte")
    toTimestamp = IsoDateTimeFilter(field_name="timestamp", lookup_expr="lt")
    environment = StringListFilter(field_name="environment", lookup_expr="in")
    source = django_filters.ChoiceFilter(field_name="source", choices=ScoreSource.choices)
    scoreIds = django_filters.CharFilter(method="filter_ids")
    configId = django_filters.CharFilter(field_name="config_id")
    sessionId = django_filters.CharFilter(field_name="session_id")
    datasetRunId = django_filters.CharFilter(field_name="dataset_run_id")
    traceId = django_filters.CharFilter(field_name="trace_id")
    observationId = django_filters.CharFilter(method="filter_observations")
    queueId = django_filters.CharFilter(field_name="queue_id")
    dataType = django_filters.ChoiceFilter(field_name="data_type", choices=ScoreDataType.choices)
    traceTags = StringListFilter(method="filter_tags")

    def filter_user(self, queryset, name, value):
        return queryset.filter(Exists(_traces_of_scores().filter(user_id=value)))

    def filter_ids(self, queryset, name, value):
        return queryset.filter(id__in=_csv(value))

    def filter_observations(self, queryset, name, value):
        return queryset.filter(observation_id__in=_csv(value))

    def filter_tags(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Exists(observability.trace_filter_by_tags(_traces_of_scores(), value)))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        queryset = self._value_condition(queryset)
        raw = self.data.get("filter")
        return SCORE_FILTER.filtered(queryset, raw) if raw else queryset

    def _value_condition(self, queryset):
        operator, raw = self.data.get("operator"), self.data.get("value")
        if not operator and not raw:
            return queryset
        if operator not in (*VALUE_OPERATORS, "!="):
            raise ValidationError({"operator": f"must be one of {', '.join([*VALUE_OPERATORS, '!='])}"})
        value = _finite(raw, field="value")
        if operator == "!=":
            return queryset.exclude(value=value)
        return queryset.filter(**{f"value__{VALUE_OPERATORS[operator]}": value})


def _finite(raw, *, field: str) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise DomainError(f"must be a finite number, got {raw!r}", field=field) from None
    if not math.isfinite(value):
        raise DomainError(f"must be a finite number, got {raw!r}", field=field)
    return value


def v2_field_groups(request) -> frozenset[str]:
    raw = request.query_params.get("fields")
    return frozenset(comma_list(raw, field="fields", allowed=V2_FIELD_GROUPS)) if raw else frozenset(V2_FIELD_GROUPS)


V3_LIST_PARAMS = {
    "id": "id",
    "name": "name",
    "environment": "environment",
    "configId": "config_id",
    "queueId": "queue_id",
    "traceId": "trace_id",
    "sessionId": "session_id",
    "observationId": "observation_id",
    "experimentId": "dataset_run_id",
}
V3_PARAMS = frozenset(
    {*V3_LIST_PARAMS, "limit", "cursor", "fields", "source", "dataType", "authorUserId", "value", "valueMin"}
    | {"valueMax", "fromTimestamp", "toTimestamp", "userId", "traceTags"}
)
EXCLUSIVE_SUBJECTS = {
    "traceId": ("sessionId", "experimentId"),
    "sessionId": ("traceId", "observationId", "experimentId"),
    "observationId": ("sessionId", "experimentId"),
    "experimentId": ("traceId", "sessionId", "observationId"),
}


def _present(params, name: str) -> str | None:
    value = params.get(name)
    return value if value not in (None, "") else None


def _subject_rules(params) -> None:
    for name, others in EXCLUSIVE_SUBJECTS.items():
        if _present(params, name):
            for other in others:
                if _present(params, other):
                    raise DomainError(f"cannot be combined with {other}", field=name)
    if _present(params, "observationId") and not _present(params, "traceId"):
        raise DomainError("needs traceId: observation ids are scoped to a trace", field="observationId")


def _value_rules(params, data_types: list[str]) -> Q:
    condition = Q()
    raw_values, low, high = (_present(params, name) for name in ("value", "valueMin", "valueMax"))
    if raw_values is not None:
        if len(data_types) != 1 or data_types[0] not in ("NUMERIC", "BOOLEAN", "CATEGORICAL"):
            raise DomainError("needs a single dataType of NUMERIC, BOOLEAN or CATEGORICAL", field="value")
        values = _csv(raw_values)
        if data_types[0] == "CATEGORICAL":
            condition &= Q(string_value__in=values)
        elif data_types[0] == "BOOLEAN":
            if any(value.lower() not in ("true", "false") for value in values):
                raise DomainError("BOOLEAN values are true or false", field="value")
            condition &= Q(value__in=[1.0 if value.lower() == "true" else 0.0 for value in values])
        else:
            condition &= Q(value__in=[_finite(value, field="value") for value in values])
    for name, raw, lookup in (("valueMin", low, "gte"), ("valueMax", high, "lte")):
        if raw is not None:
            if data_types != ["NUMERIC"]:
                raise DomainError("needs dataType=NUMERIC (a single value)", field=name)
            condition &= Q(**{f"value__{lookup}": _finite(raw, field=name)})
    return condition


def v3_parse(params) -> tuple[Q, frozenset[str]]:
    """(the condition the GET /v3/scores parameters make, the field groups); DomainError naming a bad one."""
    unknown = sorted(set(params) - V3_PARAMS)
    if unknown:
        raise DomainError(
            f"is not a parameter of GET /v3/scores (allowed: {', '.join(sorted(V3_PARAMS))})", field=unknown[0]
        )
    for deferred in ("userId", "traceTags"):
        if _present(params, deferred):
            raise DomainError("is not supported on /v3/scores: use GET /v2/scores for trace filters", field=deferred)
    raw_fields = _present(params, "fields")
    groups = frozenset(comma_list(raw_fields, field="fields", allowed=V3_FIELD_GROUPS) if raw_fields else ["core"])
    _subject_rules(params)
    condition = Q()
    for name, column in V3_LIST_PARAMS.items():
        if (raw := _present(params, name)) is not None:
            condition &= Q(**{f"{column}__in": _csv(raw)})
    if (raw := _present(params, "source")) is not None:
        condition &= Q(source__in=comma_list(raw, field="source", allowed=ScoreSource.values, upper=True))
    data_types = []
    if (raw := _present(params, "dataType")) is not None:
        data_types = comma_list(raw, field="dataType", allowed=ScoreDataType.values, upper=True)
        condition &= Q(data_type__in=data_types)
    if (raw := _present(params, "authorUserId")) is not None:
        ids = _csv(raw)
        condition &= Q(author_user_id__in=[int(i) for i in ids if i.isdigit()]) if ids else Q()
    condition &= _value_rules(params, data_types)
    if (raw := _present(params, "fromTimestamp")) is not None:
        condition &= Q(timestamp__gte=datetime_param(raw, field="fromTimestamp"))
    if (raw := _present(params, "toTimestamp")) is not None:
        condition &= Q(timestamp__lt=datetime_param(raw, field="toTimestamp"))
    return condition, groups
