"""The explorer's side filters: free-text inputs, time ranges and choices among the rows the user may see."""

from datetime import timedelta

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db import connections
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from aistrale.tenancy.selectors import object_filter_visible
from observability import selectors
from observability.models import Observation, ObservationLevel

DISTINCT_CHOICES_LIMIT = 100


def distinct_values(queryset: QuerySet, field: str, *, limit: int) -> list:
    """The first `limit` distinct non-null values of a field among these rows, sorted.

    A skip scan (a recursive query asking for the least value above the last one found), so an index on the
    field answers it with one probe per value instead of reading every row.
    """
    rows = queryset.exclude(**{f"{field}__isnull": True}).order_by(field).values_list(field, flat=True)
    first_sql, first_params = rows[:1].query.sql_with_params()
    step_sql, step_params = rows.filter(**{f"{field}__gt": RawSQL("seen.value", [])})[:1].query.sql_with_params()
    sql = (
        f"WITH RECURSIVE seen(value) AS (SELECT * FROM ({first_sql}) first_value"
        f" UNION ALL SELECT ({step_sql}) FROM seen WHERE seen.value IS NOT NULL)"
        " SELECT value FROM seen WHERE value IS NOT NULL LIMIT %s"
    )
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, [*first_params, *step_params, limit])
        return [value for (value,) in cursor.fetchall()]


class InputFilter(admin.SimpleListFilter):
    """A free-text filter: a small form instead of a list of choices."""

    template = "observability/admin/input_filter.html"

    def lookups(self, request, model_admin):
        return ()

    def has_output(self):
        return True

    def choices(self, changelist):
        others = [
            (key, value)
            for key, values in changelist.get_filters_params().items()
            if key != self.parameter_name
            for value in values
        ]
        yield {"parameter_name": self.parameter_name, "value": self.value() or "", "others": others}


class FieldInputFilter(InputFilter):
    field = ""

    def queryset(self, request, queryset):
        return queryset.filter(**{self.field: self.value()}) if self.value() else queryset


def field_filter(base: type, field: str, title: str) -> type:
    """A `base` filter on one model field, its query parameter named after the field."""
    return type(
        f"{field.title().replace('_', '')}Filter", (base,), {"title": title, "parameter_name": field, "field": field}
    )


class TagFilter(InputFilter):
    title = "tag"
    parameter_name = "tag"

    def queryset(self, request, queryset):
        return selectors.trace_filter_by_tags(queryset, [self.value()]) if self.value() else queryset


class TimeRangeFilter(admin.SimpleListFilter):
    title = "time range"
    parameter_name = "since"
    field = "timestamp"
    RANGES = {"1h": timedelta(hours=1), "24h": timedelta(days=1), "7d": timedelta(days=7), "30d": timedelta(days=30)}

    def lookups(self, request, model_admin):
        return [("1h", "Last hour"), ("24h", "Last 24 hours"), ("7d", "Last 7 days"), ("30d", "Last 30 days")]

    def queryset(self, request, queryset):
        delta = self.RANGES.get(self.value())
        if delta is None:
            return queryset
        return queryset.filter(**{f"{self.field}__gte": timezone.now() - delta})


class DistinctValueFilter(admin.SimpleListFilter):
    """Choices are the distinct values of a field among the rows this user may see."""

    field = ""

    def lookups(self, request, model_admin):
        values = distinct_values(model_admin.get_queryset(request), self.field, limit=DISTINCT_CHOICES_LIMIT)
        return [(value, value) for value in values]

    def queryset(self, request, queryset):
        return queryset.filter(**{self.field: self.value()}) if self.value() else queryset


EnvironmentFilter = field_filter(DistinctValueFilter, "environment", "environment")


class LevelFilter(admin.SimpleListFilter):
    title = "level"
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return [(ObservationLevel.ERROR, "Has errors"), (ObservationLevel.WARNING, "Has warnings")]

    def queryset(self, request, queryset):
        return selectors.trace_filter_by_level(queryset, self.value()) if self.value() else queryset


class ModelFilter(admin.SimpleListFilter):
    """Traces holding a generation of this model; choices among the observations the user may see."""

    title = "model"
    parameter_name = "model"

    def lookups(self, request, model_admin):
        observations = object_filter_visible(request.user, Observation.objects.all())
        models = distinct_values(observations, "model", limit=DISTINCT_CHOICES_LIMIT)
        return [(model, model) for model in models]

    def queryset(self, request, queryset):
        return selectors.trace_filter_by_model(queryset, self.value()) if self.value() else queryset


class PromptFilter(InputFilter):
    """Traces using a prompt of this name (in any of their observations)."""

    title = "prompt"
    parameter_name = "prompt"

    def queryset(self, request, queryset):
        return selectors.trace_filter_by_prompt(queryset, name=self.value()) if self.value() else queryset


class PromptVersionFilter(InputFilter):
    """Traces using this version of a prompt (with the prompt filter: on the same observation)."""

    title = "prompt version"
    parameter_name = "prompt_version"

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        try:
            version = int(self.value())
        except ValueError:
            raise IncorrectLookupParameters(f"prompt_version must be an integer, got {self.value()!r}") from None
        name = request.GET.get(PromptFilter.parameter_name) or None
        return selectors.trace_filter_by_prompt(queryset, name=name, version=version)
