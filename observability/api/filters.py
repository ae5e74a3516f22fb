"""Query-parameter filters of the read endpoints, named as Langfuse names them, and their JSON `filter` columns."""

import django_filters
from django import forms
from django.db.models import DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from aistrale.api.json_filter import Column, JsonFilter, Kind, datetime_param, money_column, seconds_column
from aistrale.errors import DomainError
from observability import selectors
from observability.models import ObservationLevel, ObservationType, Trace


def _on_trace(narrow) -> Q:
    """An observation condition met by its trace."""
    return Q(Exists(narrow(Trace.objects.filter(project=OuterRef("project"), id=OuterRef("trace_id")))))


def _with_durations(observations: QuerySet) -> QuerySet:
    return observations.alias(
        obs_latency=ExpressionWrapper(F("end_time") - F("start_time"), output_field=DurationField()),
        obs_ttft=ExpressionWrapper(F("completion_start_time") - F("start_time"), output_field=DurationField()),
    )


def _trace_metric(path: str) -> Column:
    return Column(Kind.NUMBER, path, prepare=selectors.trace_annotate_metrics)


TRACE_FILTER_COLUMNS = {
    "id": Column(Kind.STRING, "id"),
    "name": Column(Kind.STRING, "name"),
    "timestamp": Column(Kind.DATETIME, "timestamp"),
    "userId": Column(Kind.STRING, "user_id"),
    "sessionId": Column(Kind.STRING, "session_id"),
    "environment": Column(Kind.STRING, "environment"),
    "version": Column(Kind.STRING, "version"),
    "release": Column(Kind.STRING, "release"),
    "tags": Column(Kind.ARRAY, "tags"),
    "bookmarked": Column(Kind.BOOLEAN, "bookmarked"),
    "public": Column(Kind.BOOLEAN, "public"),
    "metadata": Column(Kind.OBJECT, "metadata"),
    "latency": seconds_column("latency", prepare=selectors.trace_annotate_metrics),
    "inputTokens": _trace_metric("input_tokens"),
    "outputTokens": _trace_metric("output_tokens"),
    "totalTokens": _trace_metric("total_tokens"),
    "tokens": _trace_metric("total_tokens"),
    "totalCost": money_column("total_cost", prepare=selectors.trace_annotate_metrics),
    "inputCost": Column(Kind.NUMBER, "cost_input", prepare=selectors.trace_alias_costs),
    "outputCost": Column(Kind.NUMBER, "cost_output", prepare=selectors.trace_alias_costs),
    "level": Column(Kind.STRING, "level_highest", prepare=selectors.trace_alias_level_counts),
    "errorCount": Column(Kind.NUMBER, "level_error", prepare=selectors.trace_alias_level_counts),
    "warningCount": Column(Kind.NUMBER, "level_warning", prepare=selectors.trace_alias_level_counts),
    "defaultCount": Column(Kind.NUMBER, "level_default", prepare=selectors.trace_alias_level_counts),
    "debugCount": Column(Kind.NUMBER, "level_debug", prepare=selectors.trace_alias_level_counts),
}
TRACE_FILTER = JsonFilter(TRACE_FILTER_COLUMNS)


def _trace_column(kind: Kind, path: str) -> Column:
    return Column(kind, path, through=_on_trace)


OBSERVATION_FILTER_COLUMNS = {
    "id": Column(Kind.STRING, "id"),
    "type": Column(Kind.STRING, "type"),
    "name": Column(Kind.STRING, "name"),
    "traceId": Column(Kind.STRING, "trace_id"),
    "startTime": Column(Kind.DATETIME, "start_time"),
    "endTime": Column(Kind.DATETIME, "end_time"),
    "environment": Column(Kind.STRING, "environment"),
    "level": Column(Kind.STRING, "level"),
    "statusMessage": Column(Kind.STRING, "status_message"),
    "version": Column(Kind.STRING, "version"),
    "model": Column(Kind.STRING, "model"),
    "providedModelName": Column(Kind.STRING, "model"),
    "promptName": Column(Kind.STRING, "prompt_name"),
    "promptVersion": Column(Kind.NUMBER, "prompt_version"),
    "inputTokens": Column(Kind.NUMBER, "input_tokens"),
    "outputTokens": Column(Kind.NUMBER, "output_tokens"),
    "totalTokens": Column(Kind.NUMBER, "total_tokens"),
    "tokens": Column(Kind.NUMBER, "total_tokens"),
    "inputCost": Column(Kind.NUMBER, "cost_details__input"),
    "outputCost": Column(Kind.NUMBER, "cost_details__output"),
    "totalCost": money_column("total_cost"),
    "latency": seconds_column("obs_latency", prepare=_with_durations),
    "timeToFirstToken": seconds_column("obs_ttft", prepare=_with_durations),
    "input": Column(Kind.TEXT, "input"),
    "output": Column(Kind.TEXT, "output"),
    "metadata": Column(Kind.OBJECT, "metadata"),
    "isRootObservation": Column(Kind.BOOLEAN, "parent_observation_id__isnull"),
    "userId": _trace_column(Kind.STRING, "user_id"),
    "sessionId": _trace_column(Kind.STRING, "session_id"),
    "traceName": _trace_column(Kind.STRING, "name"),
    "traceEnvironment": _trace_column(Kind.STRING, "environment"),
    "release": _trace_column(Kind.STRING, "release"),
    "traceTags": _trace_column(Kind.ARRAY, "tags"),
    "tags": _trace_column(Kind.ARRAY, "tags"),
}
OBSERVATION_FILTER = JsonFilter(OBSERVATION_FILTER_COLUMNS)


class MultiValueWidget(forms.Widget):
    """Reads every occurrence of a repeated query parameter (tags=a&tags=b)."""

    def value_from_datadict(self, data, files, name):
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data


class StringListField(forms.Field):
    widget = MultiValueWidget

    def to_python(self, value):
        if value in (None, ""):
            return []
        values = value if isinstance(value, (list, tuple)) else [value]
        return [item for item in values if item != ""]


class StringListFilter(django_filters.Filter):
    field_class = StringListField


class OrderByField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return ""
        field, _, direction = value.partition(".")
        if field not in selectors.TRACE_ORDER_FIELDS or direction not in ("asc", "desc"):
            raise forms.ValidationError(
                f"must be <field>.<asc|desc> with field one of {', '.join(selectors.TRACE_ORDER_FIELDS)}, got {value!r}"
            )
        return value


@extend_schema_field(OpenApiTypes.STR)
class OrderByFilter(django_filters.Filter):
    field_class = OrderByField


class DateTimeField(forms.CharField):
    """An ISO 8601 datetime within the limits of aistrale.limits, in UTC."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return datetime_param(value, field="value")
        except DomainError as error:
            raise forms.ValidationError(error.message) from None


class IsoDateTimeFilter(django_filters.Filter):
    field_class = DateTimeField


class TraceFilter(django_filters.FilterSet):
    userId = django_filters.CharFilter(field_name="user_id")
    name = django_filters.CharFilter(field_name="name")
    sessionId = django_filters.CharFilter(field_name="session_id")
    version = django_filters.CharFilter(field_name="version")
    release = django_filters.CharFilter(field_name="release")
    environment = StringListFilter(field_name="environment", lookup_expr="in")
    tags = StringListFilter(method="filter_tags")
    fromTimestamp = IsoDateTimeFilter(field_name="timestamp", lookup_expr="gte")
    toTimestamp = IsoDateTimeFilter(field_name="timestamp", lookup_expr="lt")
    orderBy = OrderByFilter(method="order")

    def filter_tags(self, queryset, name, value):
        return selectors.trace_filter_by_tags(queryset, value)

    def order(self, queryset, name, value):
        return selectors.trace_order(queryset, value)

    def filter_queryset(self, queryset):
        """The structured `filter`, when given, replaces the other filter parameters (orderBy still applies)."""
        raw = self.data.get("filter")
        if raw:
            return selectors.trace_order(TRACE_FILTER.filtered(queryset, raw), self.form.cleaned_data["orderBy"])
        filtered = super().filter_queryset(selectors.trace_order(queryset, None))
        given = {name for name, value in self.form.cleaned_data.items() if value not in (None, "", [])}
        tags = self.form.cleaned_data["tags"]
        if given - {"orderBy"} == {"tags"} and selectors.TracesCountedByTags.applies(tags):
            return selectors.TracesCountedByTags(filtered, project=self.request.auth.project, tags=tags)
        return filtered


class ObservationFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(field_name="name")
    userId = django_filters.CharFilter(method="filter_user")
    type = django_filters.ChoiceFilter(field_name="type", choices=ObservationType.choices)
    traceId = django_filters.CharFilter(field_name="trace_id")
    level = django_filters.ChoiceFilter(field_name="level", choices=ObservationLevel.choices)
    parentObservationId = django_filters.CharFilter(field_name="parent_observation_id")
    environment = StringListFilter(field_name="environment", lookup_expr="in")
    fromStartTime = IsoDateTimeFilter(field_name="start_time", lookup_expr="gte")
    toStartTime = IsoDateTimeFilter(field_name="start_time", lookup_expr="lt")
    version = django_filters.CharFilter(field_name="version")

    def filter_user(self, queryset, name, value):
        return selectors.observation_filter_by_user(queryset, value)

    def filter_queryset(self, queryset):
        """The structured `filter`, when given, replaces the other filter parameters."""
        raw = self.data.get("filter")
        if raw:
            return OBSERVATION_FILTER.filtered(queryset, raw)
        return self.filter_queryset_by_parameters(queryset)

    def filter_queryset_by_parameters(self, queryset):
        return super().filter_queryset(queryset)


class ObservationV2Filter(ObservationFilter):
    sessionId = django_filters.CharFilter(method="filter_session")
    parentObservationId = django_filters.CharFilter(method="filter_parent")
    isRootObservation = django_filters.BooleanFilter(field_name="parent_observation_id", lookup_expr="isnull")

    def filter_session(self, queryset, name, value):
        return selectors.observation_filter_by_session(queryset, value)

    def filter_parent(self, queryset, name, value):
        return queryset.filter(parent_observation_id=value)

    def filter_queryset_by_parameters(self, queryset):
        if self.data.get("parentObservationId") == "":
            queryset = queryset.filter(parent_observation_id__isnull=True)
        return super().filter_queryset_by_parameters(queryset)


class SessionFilter(django_filters.FilterSet):
    """Filters the traces sessions are read from (environment), then the sessions by their first trace's time."""

    fromTimestamp = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    toTimestamp = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    environment = StringListFilter(field_name="environment", lookup_expr="in")

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        if data["environment"]:
            queryset = queryset.filter(environment__in=data["environment"])
        return selectors.SessionRows(queryset, start=data["fromTimestamp"], end=data["toTimestamp"])


class DailyMetricsFilter(django_filters.FilterSet):
    traceName = django_filters.CharFilter(field_name="name")
    userId = django_filters.CharFilter(field_name="user_id")
    tags = StringListFilter(method="filter_tags")
    environment = StringListFilter(field_name="environment", lookup_expr="in")
    fromTimestamp = IsoDateTimeFilter(field_name="timestamp", lookup_expr="gte")
    toTimestamp = IsoDateTimeFilter(field_name="timestamp", lookup_expr="lt")

    def filter_tags(self, queryset, name, value):
        return selectors.trace_filter_by_tags(queryset, value)
