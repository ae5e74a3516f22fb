"""Query-parameter filters of the read endpoints, named as Langfuse names them."""

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from observability import selectors
from observability.api import structured_filters
from observability.models import ObservationLevel, ObservationType

ISO_ERROR = {"invalid": "must be an ISO 8601 datetime, e.g. 2024-01-31T12:00:00.000Z"}


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


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, error_messages=ISO_ERROR, **kwargs)


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
        return selectors.with_tags(queryset, value)

    def order(self, queryset, name, value):
        return selectors.trace_order(queryset, value)

    def filter_queryset(self, queryset):
        """The structured `filter`, when given, replaces the other filter parameters (orderBy still applies)."""
        raw = self.data.get("filter")
        if not raw:
            return super().filter_queryset(selectors.trace_order(queryset, None))
        return selectors.trace_order(structured_filters.filter_traces(queryset, raw), self.form.cleaned_data["orderBy"])


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
        return selectors.observations_of_user(queryset, value)

    def filter_queryset(self, queryset):
        """The structured `filter`, when given, replaces the other filter parameters."""
        raw = self.data.get("filter")
        if raw:
            return structured_filters.filter_observations(queryset, raw)
        return self.filter_queryset_by_parameters(queryset)

    def filter_queryset_by_parameters(self, queryset):
        return super().filter_queryset(queryset)


class ObservationV2Filter(ObservationFilter):
    sessionId = django_filters.CharFilter(method="filter_session")
    parentObservationId = django_filters.CharFilter(method="filter_parent")
    isRootObservation = django_filters.BooleanFilter(field_name="parent_observation_id", lookup_expr="isnull")

    def filter_session(self, queryset, name, value):
        return selectors.observations_of_session(queryset, value)

    def filter_parent(self, queryset, name, value):
        return queryset.filter(parent_observation_id=value)

    def filter_queryset_by_parameters(self, queryset):
        if self.data.get("parentObservationId") == "":
            queryset = queryset.filter(parent_observation_id__isnull=True)
        return super().filter_queryset_by_parameters(queryset)


class SessionFilter(django_filters.FilterSet):
    fromTimestamp = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    toTimestamp = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    environment = StringListFilter(field_name="environment", lookup_expr="in")
