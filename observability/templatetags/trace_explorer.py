"""The trace explorer's date drill-down: Django's date hierarchy, its dates found by index probes."""

from django import template
from django.contrib.admin.templatetags.admin_list import date_hierarchy

from observability import selectors

register = template.Library()


class _ProbedRows:
    """The changelist's rows as the date hierarchy reads them: their first/last time, and their dates."""

    def __init__(self, queryset):
        self._queryset = queryset

    def aggregate(self, **aggregates):
        return self._queryset.order_by().aggregate(**aggregates)

    def datetimes(self, field, kind):
        return selectors.trace_time_buckets(self._queryset, field=field, kind=kind)


class _ProbedChangeList:
    def __init__(self, changelist):
        self._changelist = changelist
        self.queryset = _ProbedRows(changelist.queryset)

    def __getattr__(self, name):
        return getattr(self._changelist, name)


@register.inclusion_tag("admin/date_hierarchy.html")
def trace_date_hierarchy(changelist):
    """Django's `date_hierarchy` links (same `timestamp__year/month/day` parameters), without a DISTINCT scan."""
    return date_hierarchy(_ProbedChangeList(changelist))
