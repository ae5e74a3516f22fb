"""Scores on traces, observations, sessions and dataset runs, keyed by client-chosen ids."""

from django.conf import settings
from django.db import models

from aistrale.tenancy.models import Project

DEFAULT_ENVIRONMENT = "default"


class ScoreDataType(models.TextChoices):
    NUMERIC = "NUMERIC"
    CATEGORICAL = "CATEGORICAL"
    BOOLEAN = "BOOLEAN"
    TEXT = "TEXT"
    CORRECTION = "CORRECTION"


class ScoreSource(models.TextChoices):
    API = "API"
    EVAL = "EVAL"
    ANNOTATION = "ANNOTATION"


class ScoreConfig(models.Model):
    """What a score of this name may hold: its data type, numeric range or categories."""

    key = models.BigAutoField(primary_key=True)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    id = models.CharField(max_length=255)
    name = models.CharField(max_length=35)
    data_type = models.CharField(max_length=16, choices=ScoreDataType.choices)
    min_value = models.FloatField(null=True, blank=True)
    max_value = models.FloatField(null=True, blank=True)
    categories = models.JSONField(null=True, blank=True)
    description = models.TextField(null=True, blank=True)
    is_archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "id"], name="score_config_id_unique_per_project")]
        indexes = [models.Index(fields=["project", "name"], name="score_config_project_name")]

    def __str__(self):
        return f"{self.name} ({self.data_type})"


class Score(models.Model):
    key = models.BigAutoField(primary_key=True)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    id = models.CharField(max_length=255)
    trace_id = models.CharField(max_length=255, null=True, blank=True)
    observation_id = models.CharField(max_length=255, null=True, blank=True)
    session_id = models.CharField(max_length=1000, null=True, blank=True)
    dataset_run_id = models.CharField(max_length=255, null=True, blank=True)
    name = models.CharField(max_length=1000)
    value = models.FloatField(null=True, blank=True)
    string_value = models.TextField(null=True, blank=True)
    data_type = models.CharField(max_length=16, choices=ScoreDataType.choices, default=ScoreDataType.NUMERIC)
    source = models.CharField(max_length=16, choices=ScoreSource.choices, default=ScoreSource.API)
    comment = models.TextField(null=True, blank=True)
    metadata = models.JSONField(null=True, blank=True)
    config_id = models.CharField(max_length=255, null=True, blank=True)
    environment = models.CharField(max_length=255, default=DEFAULT_ENVIRONMENT)
    timestamp = models.DateTimeField()
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    queue_id = models.CharField(max_length=255, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "id"], name="score_id_unique_per_project")]
        indexes = [
            models.Index(fields=["project", "trace_id"], name="score_project_trace"),
            models.Index(fields=["project", "session_id"], name="score_project_session"),
            models.Index(fields=["project", "name", "-timestamp"], name="score_project_name"),
            models.Index(fields=["project", "-timestamp"], name="score_project_time"),
        ]

    def __str__(self):
        return f"{self.name}={self.string_value if self.value is None else self.value}"
