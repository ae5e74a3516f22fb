"""Traces, their observations and sessions, keyed by client-chosen string ids within a project.

Observations and traces are joined by (project, trace_id) rather than a foreign key:
spans arrive in any order, and an observation may be stored before its trace.
Indexes on optional columns (user, session, prompt) are partial: otherwise every row without one
shares a single b-tree key and concurrent ingestion contends on one index page.
"""

import enum
from datetime import datetime

from django.db import models

from aistrale.tenancy.models import Project

DEFAULT_ENVIRONMENT = "default"


def seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    """Seconds from start to end, None when either is unknown."""
    if start is None or end is None:
        return None
    return (end - start).total_seconds()


class ObservationType(models.TextChoices):
    SPAN = "SPAN"
    GENERATION = "GENERATION"
    EVENT = "EVENT"
    AGENT = "AGENT"
    TOOL = "TOOL"
    CHAIN = "CHAIN"
    RETRIEVER = "RETRIEVER"
    EVALUATOR = "EVALUATOR"
    EMBEDDING = "EMBEDDING"
    GUARDRAIL = "GUARDRAIL"


class ObservationLevel(models.TextChoices):
    DEBUG = "DEBUG"
    DEFAULT = "DEFAULT"
    WARNING = "WARNING"
    ERROR = "ERROR"


class DerivedField(enum.IntFlag):
    """Trace columns ingestion may fill from a span rather than from an explicit trace attribute.

    A trace row's `derived_fields` holds the bits of those columns whose stored value was derived
    (the root span's name, its input and output, the resource's service.version): an explicit value
    replaces a derived one, a derived one never replaces an explicit one.
    """

    NAME = 1
    RELEASE = 2
    INPUT = 4
    OUTPUT = 8

    @property
    def column(self) -> str:
        return self.name.lower()


class Trace(models.Model):
    key = models.BigAutoField(primary_key=True)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", db_index=False)
    id = models.CharField(max_length=255)
    name = models.CharField(max_length=1000, null=True, blank=True)
    timestamp = models.DateTimeField()
    user_id = models.CharField(max_length=1000, null=True, blank=True)
    session_id = models.CharField(max_length=1000, null=True, blank=True)
    release = models.CharField(max_length=1000, null=True, blank=True)
    version = models.CharField(max_length=1000, null=True, blank=True)
    environment = models.CharField(max_length=255, default=DEFAULT_ENVIRONMENT)
    input = models.JSONField(null=True, blank=True)
    output = models.JSONField(null=True, blank=True)
    metadata = models.JSONField(null=True, blank=True)
    tags = models.JSONField(default=list, blank=True)
    public = models.BooleanField(default=False)
    bookmarked = models.BooleanField(default=False)
    derived_fields = models.PositiveSmallIntegerField(
        default=0, help_text="DerivedField bits of the columns whose value ingestion derived from a span"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "id"], name="trace_id_unique_per_project")]
        indexes = [
            models.Index(fields=["project", "-timestamp"], name="trace_project_time"),
            models.Index(
                fields=["project", "user_id", "-timestamp"],
                name="trace_project_user",
                condition=models.Q(user_id__isnull=False),
            ),
            models.Index(
                fields=["project", "session_id", "timestamp"],
                name="trace_project_session",
                condition=models.Q(session_id__isnull=False),
            ),
            models.Index(fields=["project", "name", "-timestamp"], name="trace_project_name"),
            models.Index(fields=["project", "environment", "-timestamp"], name="trace_project_env"),
            models.Index(fields=["-timestamp", "-key"], name="trace_time_key"),
            models.Index(fields=["environment"], name="trace_env"),
            models.Index(fields=["release"], name="trace_release", condition=models.Q(release__isnull=False)),
        ]

    def __str__(self):
        return self.name or self.id


class TraceTag(models.Model):
    """One tag of one trace: what a tag filter counts (an index-only scan) where `Trace.tags` would need the heap.

    Kept by observability.services.trace_tags inside every write of a trace's tags; tags longer than
    INDEXED_LENGTH stay out (a filter by one reads `Trace.tags`).
    """

    INDEXED_LENGTH = 500

    pk = models.CompositePrimaryKey("project_id", "tag", "trace_id")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", db_index=False)
    tag = models.CharField(max_length=INDEXED_LENGTH)
    trace = models.ForeignKey(Trace, on_delete=models.CASCADE, related_name="+", db_column="trace_key")

    def __str__(self):
        return self.tag


class Observation(models.Model):
    key = models.BigAutoField(primary_key=True)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", db_index=False)
    id = models.CharField(max_length=255)
    trace_id = models.CharField(max_length=255, null=True, blank=True)
    parent_observation_id = models.CharField(max_length=255, null=True, blank=True)
    type = models.CharField(max_length=16, choices=ObservationType.choices, default=ObservationType.SPAN)
    name = models.CharField(max_length=1000, null=True, blank=True)
    start_time = models.DateTimeField()
    end_time = models.DateTimeField(null=True, blank=True)
    completion_start_time = models.DateTimeField(null=True, blank=True)
    input = models.JSONField(null=True, blank=True)
    output = models.JSONField(null=True, blank=True)
    metadata = models.JSONField(null=True, blank=True)
    level = models.CharField(max_length=8, choices=ObservationLevel.choices, default=ObservationLevel.DEFAULT)
    status_message = models.TextField(null=True, blank=True)
    version = models.CharField(max_length=1000, null=True, blank=True)
    environment = models.CharField(max_length=255, default=DEFAULT_ENVIRONMENT)
    model = models.CharField(max_length=1000, null=True, blank=True)
    model_parameters = models.JSONField(null=True, blank=True)
    usage_details = models.JSONField(default=dict, blank=True)
    cost_details = models.JSONField(default=dict, blank=True)
    provided_cost_details = models.JSONField(default=dict, blank=True)
    input_tokens = models.BigIntegerField(default=0)
    output_tokens = models.BigIntegerField(default=0)
    total_tokens = models.BigIntegerField(default=0)
    total_cost = models.DecimalField(max_digits=24, decimal_places=12, null=True, blank=True)
    internal_model_id = models.CharField(max_length=255, null=True, blank=True)
    prompt_name = models.CharField(max_length=1000, null=True, blank=True)
    prompt_version = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "id"], name="observation_id_unique_per_project")]
        indexes = [
            models.Index(fields=["project", "trace_id", "start_time"], name="obs_project_trace"),
            models.Index(fields=["project", "-start_time"], name="obs_project_time"),
            models.Index(fields=["project", "type", "-start_time"], name="obs_project_type"),
            models.Index(fields=["project", "type", "model", "start_time", "end_time"], name="obs_project_type_model"),
            models.Index(
                fields=["project", "prompt_name", "prompt_version"],
                name="obs_project_prompt",
                condition=models.Q(prompt_name__isnull=False),
            ),
            models.Index(fields=["model"], name="obs_model", condition=models.Q(model__isnull=False)),
        ]

    def __str__(self):
        return self.name or self.id


class Session(models.Model):
    key = models.BigAutoField(primary_key=True)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", db_index=False)
    id = models.CharField(max_length=1000)
    environment = models.CharField(max_length=255, default=DEFAULT_ENVIRONMENT)
    public = models.BooleanField(default=False)
    bookmarked = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "id"], name="session_id_unique_per_project")]
        indexes = [models.Index(fields=["project", "-created_at"], name="session_project_created")]

    def __str__(self):
        return self.id
