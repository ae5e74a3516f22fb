"""The per-item jobs of a server-side experiment run: one row per dataset item, its attempts and outcome."""

from django.db import models

from aistrale.tenancy.models import Project
from datasets.models.runs import DatasetRun


class ExperimentJobStatus(models.TextChoices):
    PENDING = "pending"  # waiting for a free concurrency slot
    QUEUED = "queued"  # sent to the worker (first attempt or a retry after its backoff)
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # every attempt failed; `error` says why


class ExperimentJob(models.Model):
    """One item of an experiment run, as of the run's dataset version; `trace_id` is its traced call."""

    key = models.BigAutoField(primary_key=True)
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(DatasetRun, on_delete=models.CASCADE, related_name="experiment_jobs")
    item_id = models.CharField(max_length=255)
    item_version = models.DateTimeField()
    input = models.JSONField(null=True, blank=True)
    expected_output = models.JSONField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=ExperimentJobStatus.choices, default=ExperimentJobStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(null=True, blank=True)
    output = models.TextField(null=True, blank=True)
    trace_id = models.CharField(max_length=255, null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "item_id"], name="experiment_job_item_unique_per_run")]
        indexes = [models.Index(fields=["run", "status"], name="experiment_job_run_status")]

    def __str__(self):
        return f"{self.run_id}/{self.item_id}"
