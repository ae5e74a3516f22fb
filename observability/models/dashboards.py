"""Saved dashboards: a project's chosen charts (grid placements of chart presets and of the project's
widgets) and dashboard-wide filters.

`definition` holds the placements as the Langfuse unstable dashboards API shapes them ({type: "preset",
id, presetId, x, y, width, height} or {type: "widget", id, widgetId, ...}); `filters` the Langfuse
filter-state list applied to every chart.
A dashboard is private to its owner unless `shared` (dashboards written through the API have no owner
and are always shared).
"""

from django.conf import settings
from django.db import models

from aistrale.tenancy.ids import new_id
from aistrale.tenancy.models import Project


class Dashboard(models.Model):
    id = models.CharField(primary_key=True, max_length=64, default=new_id, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    definition = models.JSONField(default=list, blank=True)
    filters = models.JSONField(default=list, blank=True)
    shared = models.BooleanField(default=False, help_text="Visible to every member of the project")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "id"]
        indexes = [models.Index(fields=["project", "-updated_at"], name="dashboard_project_updated")]

    def __str__(self):
        return self.name


class DashboardWidget(models.Model):
    """A stand-alone chart definition of a project (the Langfuse unstable dashboard widget): one metrics query
    (view, dimensions, metrics as {measure, agg}, filters) and how it is drawn (chart type and config)."""

    id = models.CharField(primary_key=True, max_length=64, default=new_id, editable=False)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    view = models.CharField(max_length=32)
    dimensions = models.JSONField(default=list, blank=True)
    metrics = models.JSONField(default=list)
    filters = models.JSONField(default=list, blank=True)
    chart_type = models.CharField(max_length=32)
    chart_config = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "id"]
        indexes = [models.Index(fields=["project", "-updated_at"], name="dashwidget_project_updated")]

    def __str__(self):
        return self.name
