"""Analytics rollups: per-hour observation aggregates and trace counts, per-trace totals (also per model), and
the hours awaiting a refresh.

Ingestion appends a `RollupDirtyHour` row for every (project, hour) a request may change, before and after
its write; `observability.analytics.rollups` recomputes those hours from the raw rows and deletes the marks
it saw. Rows are append-only (never updated), so concurrent requests do not contend on a mark.
"""

from django.db import models

from aistrale.tenancy.models import Project


class RollupDirtyHour(models.Model):
    key = models.BigAutoField(primary_key=True)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["project", "hour"], name="rollup_dirty_project_hour")]

    def __str__(self):
        return f"{self.project_id} {self.hour:%Y-%m-%d %H}h"


OBSERVATION_COLUMNS = ("environment", "type", "level", "model", "prompt_name", "prompt_version")
GRAINS = {
    1: ("environment", "type", "level", "model"),
    2: ("environment", "type", "model", "prompt_name", "prompt_version"),
    3: ("environment", "type", "has_trace", "trace_name", "release"),
    4: (*OBSERVATION_COLUMNS, "has_trace", "trace_name", "release"),
}


class ObservationHour(models.Model):
    """The observations that started in one UTC hour, grouped by the columns of one grain (GRAINS).

    Each hour is stored once per grain; a grain's rows leave the columns outside it NULL. The narrow
    grains keep the common dashboard queries to a few rows per hour; the full grain answers the rest.
    """

    key = models.BigAutoField(primary_key=True)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    grain = models.PositiveSmallIntegerField()
    has_trace = models.BooleanField(null=True)
    trace_name = models.CharField(max_length=1000, null=True)
    release = models.CharField(max_length=1000, null=True)
    environment = models.CharField(max_length=255, null=True)
    type = models.CharField(max_length=16, null=True)
    level = models.CharField(max_length=8, null=True)
    model = models.CharField(max_length=1000, null=True)
    prompt_name = models.CharField(max_length=1000, null=True)
    prompt_version = models.IntegerField(null=True)
    rows = models.BigIntegerField()
    input_tokens = models.BigIntegerField()
    output_tokens = models.BigIntegerField()
    total_tokens = models.BigIntegerField()
    cost_sum = models.FloatField(null=True)
    cost_count = models.BigIntegerField()
    cost_min = models.FloatField(null=True)
    cost_max = models.FloatField(null=True)
    latency_sum = models.FloatField(null=True)
    latency_count = models.BigIntegerField()
    latency_min = models.FloatField(null=True)
    latency_max = models.FloatField(null=True)

    class Meta:
        indexes = [models.Index(fields=["project", "grain", "hour"], name="rollup_obs_project_grain_hour")]

    def __str__(self):
        return f"{self.hour:%Y-%m-%d %H}h {self.model or self.type}: {self.rows}"


class TraceHour(models.Model):
    """The traces whose timestamp falls in one UTC hour, counted per name, environment, release and version."""

    key = models.BigAutoField(primary_key=True)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    name = models.CharField(max_length=1000, null=True)
    environment = models.CharField(max_length=255)
    release = models.CharField(max_length=1000, null=True)
    version = models.CharField(max_length=1000, null=True)
    traces = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["project", "hour"], name="rollup_trace_hour_project_hour")]

    def __str__(self):
        return f"{self.hour:%Y-%m-%d %H}h {self.name}: {self.traces}"


class TraceTotals(models.Model):
    """One trace's columns with the aggregates of its observations (latency in milliseconds, cost in USD)."""

    key = models.BigAutoField(primary_key=True)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    trace_id = models.CharField(max_length=255)
    timestamp = models.DateTimeField()
    name = models.CharField(max_length=1000, null=True)
    user_id = models.CharField(max_length=1000, null=True)
    session_id = models.CharField(max_length=1000, null=True)
    release = models.CharField(max_length=1000, null=True)
    version = models.CharField(max_length=1000, null=True)
    environment = models.CharField(max_length=255)
    tags = models.JSONField(default=list)
    observations = models.BigIntegerField()
    latency = models.FloatField(null=True)
    input_tokens = models.BigIntegerField()
    output_tokens = models.BigIntegerField()
    total_tokens = models.BigIntegerField()
    total_cost = models.FloatField(null=True)
    input_cost = models.FloatField(null=True)
    output_cost = models.FloatField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["project", "timestamp"], name="rollup_trace_project_time"),
            models.Index(fields=["project", "name", "timestamp", "latency"], name="rollup_trace_name_latency"),
        ]

    def __str__(self):
        return self.trace_id


class TraceModelTotals(models.Model):
    """One trace's observations of one model (model NULL: those naming none), with the trace's columns the
    daily metrics filter by."""

    key = models.BigAutoField(primary_key=True)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    trace_id = models.CharField(max_length=255)
    timestamp = models.DateTimeField()
    day = models.DateField(help_text="The UTC day of the trace's timestamp")
    name = models.CharField(max_length=1000, null=True)
    user_id = models.CharField(max_length=1000, null=True)
    environment = models.CharField(max_length=255)
    tags = models.JSONField(default=list)
    model = models.CharField(max_length=1000, null=True)
    observations = models.BigIntegerField()
    input_tokens = models.BigIntegerField()
    output_tokens = models.BigIntegerField()
    total_tokens = models.BigIntegerField()
    total_cost = models.FloatField(null=True)

    class Meta:
        indexes = [models.Index(fields=["project", "timestamp"], name="rollup_trace_model_time")]

    def __str__(self):
        return f"{self.trace_id} {self.model}"
